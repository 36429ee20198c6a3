package misp

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

// TestCorpus reads every MISP event, galaxy cluster file and feed of the
// shared corpus. It runs only with VIGIE_CORPUS set (the corpus is not
// part of the repository):
//
//	VIGIE_CORPUS=/work/shared/corpus go test -run TestCorpus -v ./internal/indicator/misp
func TestCorpus(t *testing.T) {
	root := os.Getenv("VIGIE_CORPUS")
	if root == "" {
		t.Skip("VIGIE_CORPUS not set")
	}
	base := filepath.Join(root, "intel", "misp")
	report := func(name string, c *indicator.Collection) {
		kinds := map[indicator.Type]int{}
		for _, ind := range c.Indicators {
			kinds[ind.Type]++
		}
		var parts []string
		for k, n := range kinds {
			parts = append(parts, string(k)+"="+itoa(n))
		}
		sort.Strings(parts)
		t.Logf("%s: %d indicators (%s), %d threats, %d problems, skipped %v", name, len(c.Indicators), strings.Join(parts, " "), len(c.Threats), len(c.Problems), c.Skipped)
		for _, p := range c.Problems {
			t.Logf("  %s [%s]", p, p.Kind)
		}
	}
	// Files that are MISP JSON but not events: they must be refused with
	// a clear message, not read as empty events.
	notEvents := map[string]bool{"sharing_groups.json": true, "threat-actor.galaxy.json": true, "election-guidelines.galaxy.json": true}
	for _, dir := range []string{"events", "galaxy"} {
		files, _ := filepath.Glob(filepath.Join(base, dir, "*.json"))
		for _, f := range files {
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			c, err := DecodeEvent(fh, indicator.ReadOptions{Name: f, Lenient: true})
			fh.Close()
			if notEvents[filepath.Base(f)] {
				if err == nil {
					t.Errorf("%s: read as an event", f)
				} else {
					t.Logf("%s: refused as expected: %v", filepath.Base(f), err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%v", err)
				continue
			}
			report(filepath.Base(f), c)
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(base, "feed-*"))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "manifest.json")); err != nil {
			continue
		}
		c, err := ReadFeed(d, indicator.ReadOptions{})
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for _, p := range c.Problems {
			if strings.Contains(p.Reason, "hashes.csv") {
				t.Errorf("%s", p)
			}
		}
		report(filepath.Base(d), c)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
