package mail

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCorpus measures detection and false positives on a labelled corpus
// (VIGIE_CORPUS=/path, holding mail/labels.jsonl, mail/phish/, mail/ham/).
// It skips when VIGIE_CORPUS is unset. The set was never used to train or
// tune the learned model (tools/mailtrain trains on mail-train); the
// rules were tuned on its even-numbered files, so both halves are
// reported.
// VIGIE_CORPUS_DUMP=file writes one JSON line per message. The issue's
// targets are checked on the whole set.
func TestCorpus(t *testing.T) {
	root := os.Getenv("VIGIE_CORPUS")
	if root == "" {
		t.Skip("set VIGIE_CORPUS to the shared corpus directory to run")
	}
	dir := filepath.Join(root, "mail")
	f, err := os.Open(filepath.Join(dir, "labels.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// as deployed: the rules and the built-in learned model (trained on
	// mail-train, disjoint from this set, which is its final test)
	a, err := New(Options{Model: defaultModel(t)})
	if err != nil {
		t.Fatal(err)
	}
	var dump *json.Encoder
	if p := os.Getenv("VIGIE_CORPUS_DUMP"); p != "" {
		df, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer df.Close()
		dump = json.NewEncoder(df)
	}
	type key struct{ label, half string }
	counts := map[key]map[Verdict]int{}
	checks := map[key]map[string]int{}
	num := regexp.MustCompile(`(\d+)(?:-[0-9a-f]+)?\.eml$`)
	sc := bufio.NewScanner(f)
	var cpu time.Duration
	n := 0
	for sc.Scan() {
		var l struct{ File, Label string }
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(dir, l.File))
		if err != nil {
			t.Fatal(err)
		}
		half := "even"
		if m := num.FindStringSubmatch(l.File); m != nil {
			if v, _ := strconv.Atoi(m[1]); v%2 == 1 {
				half = "odd"
			}
		}
		start := time.Now()
		r := a.Analyze(context.Background(), l.File, raw, nil)
		cpu += time.Since(start)
		n++
		k := key{l.Label, half}
		if counts[k] == nil {
			counts[k] = map[Verdict]int{}
			checks[k] = map[string]int{}
		}
		counts[k][r.Verdict]++
		for _, x := range r.Reasons {
			checks[k][x.Check]++
		}
		if dump != nil {
			dump.Encode(struct {
				Label string `json:"label"`
				*Result
			}{l.Label, r})
		}
	}
	var keys []key
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].label+keys[i].half < keys[j].label+keys[j].half })
	for _, k := range keys {
		c := counts[k]
		tot := c[Clean] + c[Suspicious] + c[Phishing] + c[Malicious]
		hard := float64(c[Phishing]+c[Malicious]) / float64(tot) * 100
		any := float64(c[Suspicious]+c[Phishing]+c[Malicious]) / float64(tot) * 100
		var cs []string
		for ch, v := range checks[k] {
			cs = append(cs, fmt.Sprintf("%s:%d", ch, v))
		}
		sort.Strings(cs)
		t.Logf("%-5s %-4s n=%d  phishing-or-malicious %.1f%%  flagged %.1f%%  %v", k.label, k.half, tot, hard, any, c)
		t.Logf("      checks: %s", strings.Join(cs, " "))
	}
	t.Logf("%d messages, %.2f ms per message (wall, one goroutine)", n, float64(cpu.Microseconds())/1000/float64(n))
	// the targets of the mail issue, on the whole set: at least 90 % of
	// phishing called phishing or malicious; of legitimate mail at most 1 %
	// called so and at most 3 % flagged at all
	sum := func(label string, vs ...Verdict) (hit, tot int) {
		for k, c := range counts {
			if k.label != label {
				continue
			}
			for v, m := range c {
				tot += m
				if slices.Contains(vs, v) {
					hit += m
				}
			}
		}
		return hit, tot
	}
	if hit, tot := sum("phish", Phishing, Malicious); tot > 0 && hit*100 < 90*tot {
		t.Errorf("phishing detected: %d of %d, under 90 %%", hit, tot)
	}
	if hit, tot := sum("ham", Phishing, Malicious); tot > 0 && hit*100 > tot {
		t.Errorf("legitimate mail called phishing or malicious: %d of %d, over 1 %%", hit, tot)
	}
	if hit, tot := sum("ham", Suspicious, Phishing, Malicious); tot > 0 && hit*100 > 3*tot {
		t.Errorf("legitimate mail flagged: %d of %d, over 3 %%", hit, tot)
	}
}
