package formats

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

// TestCorpusRoundTrips reads every indicator file of the shared intel corpus
// and checks that STIX → MISP → STIX and MISP feed → STIX → MISP feed keep
// every indicator's value, type and TLP. It needs the corpus:
//
//	VIGIE_CORPUS=/work/shared/corpus go test -run CorpusRoundTrips ./internal/indicator/formats
func TestCorpusRoundTrips(t *testing.T) {
	root := os.Getenv("VIGIE_CORPUS")
	if root == "" {
		t.Skip("set VIGIE_CORPUS to the shared corpus directory")
	}
	intel := filepath.Join(root, "intel")
	var inputs []string
	filepath.WalkDir(intel, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "cti-stix2-json-schemas" {
				return filepath.SkipDir
			}
			if p != intel && isFeedDir(p) {
				inputs = append(inputs, p)
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".json") {
			inputs = append(inputs, p)
		}
		return nil
	})
	total := 0
	for _, in := range inputs {
		c, f, err := Read(in, "", nil, indicator.ReadOptions{Lenient: true})
		if err != nil {
			t.Logf("%s: not read: %v", in, err)
			continue
		}
		if len(c.Indicators) == 0 {
			continue
		}
		total += len(c.Indicators)
		name := "?"
		if f != nil {
			name = f.Name
		}
		t.Logf("%s (%s): %d indicators, %d problems", strings.TrimPrefix(in, root), name, len(c.Indicators), len(c.Problems))
		c.Dedupe()
		viaMISP := convert(t, convert(t, convert(t, c, "stix"), "misp"), "stix")
		sameKeys(t, in+": stix→misp→stix", c, viaMISP)
		viaFeed := convert(t, convert(t, convert(t, c, "misp-feed"), "stix"), "misp-feed")
		sameKeys(t, in+": feed→stix→feed", c, viaFeed)
	}
	if total == 0 {
		t.Fatal("no indicators read from the corpus")
	}
}
