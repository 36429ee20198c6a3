package stix

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

// TestCorpus reads every STIX file of the shared corpus
// (VIGIE_CORPUS=/work/shared/corpus) strictly, and leniently when the
// strict read stops at a malformed item, and logs what each gave.
func TestCorpus(t *testing.T) {
	root := os.Getenv("VIGIE_CORPUS")
	if root == "" {
		t.Skip("set VIGIE_CORPUS to the shared corpus to run")
	}
	dir := filepath.Join(root, "intel")
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".json") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	read := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !Sniff(data[:min(len(data), 4096)]) {
			continue
		}
		rel, _ := filepath.Rel(dir, f)
		// Not STIX data, though they sniff like it: the JSON schemas of
		// STIX and a note on OpenCTI's marking ids.
		if strings.Contains(rel, "/schemas/") || strings.HasSuffix(rel, "opencti-tlp-ids.json") {
			continue
		}
		read++
		c, err := Decode(bytes.NewReader(data), indicator.ReadOptions{Name: rel})
		strict := "ok"
		if err != nil {
			strict = "strict read stopped: " + err.Error()
			c, err = Decode(bytes.NewReader(data), indicator.ReadOptions{Name: rel, Lenient: true})
			if err != nil {
				t.Errorf("%s: lenient read failed: %v", rel, err)
				continue
			}
		}
		var skipped []string
		for k, n := range c.Skipped {
			skipped = append(skipped, k+"="+strconv.Itoa(n))
		}
		sort.Strings(skipped)
		t.Logf("%s: %s; %d indicators, %d threats, %d problems; skipped %s", rel, strict, len(c.Indicators), len(c.Threats), len(c.Problems), strings.Join(skipped, " "))
		for i, p := range c.Problems {
			if i == 5 {
				t.Logf("   ... %d more", len(c.Problems)-5)
				break
			}
			t.Logf("   %s: %s", p.Kind, p)
		}
		// Round trip: what was read is written and read back the same.
		var buf bytes.Buffer
		if err := Encode(&buf, c, EncodeOptions{}); err != nil {
			t.Errorf("%s: encode: %v", rel, err)
			continue
		}
		back, err := Decode(&buf, indicator.ReadOptions{Name: rel + " (re-encoded)"})
		if err != nil {
			t.Errorf("%s: re-read: %v", rel, err)
			continue
		}
		if len(back.Indicators) != len(c.Indicators) {
			t.Errorf("%s: %d indicators after the round trip, want %d", rel, len(back.Indicators), len(c.Indicators))
		}
	}
	t.Logf("%d STIX files read", read)
}
