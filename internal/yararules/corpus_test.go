package yararules_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/report"
	"github.com/vigie-project/vigie/internal/sweep"
	"github.com/vigie-project/vigie/internal/yararules"
)

// TestCorpusAPT28Positives sweeps signature-base's planted positives with
// the APT28 rule set and compares with what libyara found. Set
// VIGIE_CORPUS=/work/shared/corpus to run it.
//
// Known, intended difference: rule lsadump requires `not filetype ==
// "EXE"` on MZ files; the sweep sets filetype "EXE" for them as Loki does,
// where the libyara reference ran with filetype=XXX.
func TestCorpusAPT28Positives(t *testing.T) {
	dir := os.Getenv("VIGIE_CORPUS")
	if dir == "" {
		t.Skip("VIGIE_CORPUS not set")
	}
	rules := filepath.Join(dir, "rules")
	var files []string
	f, err := os.Open(filepath.Join(rules, "set_apt28.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		files = append(files, filepath.Join(rules, "signature-base-yara", sc.Text()))
	}
	f.Close()
	// One concatenated source, like the reference run.
	var all []byte
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(append(all, b...), '\n')
	}
	tmp := filepath.Join(t.TempDir(), "apt28.yar")
	os.WriteFile(tmp, all, 0o644)
	e, _, err := yararules.Load([]string{tmp}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pos := filepath.Join(rules, "positives")
	got := map[string]bool{}
	s := sweep.New(indicator.NewMatcher(nil, indicator.MatcherOptions{}), nil, e, sweep.Options{
		Paths: []string{pos}, Limits: sweep.Limits{MaxDepth: 0, MaxExpanded: 1},
		OnFinding: func(f *report.Finding) { got[f.Match.Value+" "+filepath.Base(f.Subject.Path)] = true },
		OnError:   func(p string, err error) { t.Errorf("%s: %v", p, err) },
	})
	if _, err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(rules, "expected_positives_apt28.txt"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(string(want)), "\n") {
		f := strings.Fields(l)
		if len(f) != 2 {
			continue
		}
		k := f[0] + " " + filepath.Base(f[1])
		n++
		if !got[k] && f[0] != "lsadump" {
			t.Errorf("missing: %s", k)
		}
		delete(got, k)
	}
	for k := range got {
		t.Errorf("extra: %s", k)
	}
	t.Logf("%d expected matches checked", n)
}
