package sweep

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/report"
	"github.com/vigie-project/vigie/internal/yararules"
)

// slowEngine takes forever on files named slow*, as a hostile file can
// make a rule with hex jumps do; it honours its context, as the YARA
// engine does.
type slowEngine struct{}

func (slowEngine) MaxSize() int64 { return 0 }

func (slowEngine) ScanBytes(ctx context.Context, data []byte, ext Externals) ([]RuleMatch, error) {
	if strings.HasPrefix(ext.Filename, "slow") {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return nil, nil
}

// TestRuleTimeout: with a time limit per file, a file whose rule scan
// does not end is reported "not fully scanned", naming the file, and the
// sweep goes on with the other files.
func TestRuleTimeout(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "slow.bin"), []byte("hostile"))
	write(t, filepath.Join(root, "docs", "a.txt"), []byte("fine"))
	var fs []*report.Finding
	var errs []string
	s := New(indicator.NewMatcher(nil, indicator.MatcherOptions{}), nil, slowEngine{}, Options{
		Paths: []string{root}, Threads: 2, RuleTimeout: 100 * time.Millisecond,
		OnFinding: func(f *report.Finding) { fs = append(fs, f) },
		OnError:   func(p string, err error) { errs = append(errs, p+": "+err.Error()) },
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	sum, err := s.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the sweep took %v: the time limit did not stop the rule scan", d)
	}
	if len(fs) != 1 || fs[0].Match.Value != "not-fully-scanned" || fs[0].Subject.Path != filepath.Join(root, "slow.bin") ||
		!strings.Contains(fs[0].Title, "not fully scanned") || !strings.Contains(fs[0].Evidence[0].Detail, "100ms") {
		t.Errorf("findings: %+v", fs)
	}
	if sum.Examined != 2 || sum.Extra["not_fully_scanned"] != 1 || len(errs) != 0 {
		t.Errorf("summary %+v, errors %q", sum, errs)
	}
}

// TestRuleTimeoutYARA: the real YARA engine stops at the limit too.
func TestRuleTimeoutYARA(t *testing.T) {
	dir := t.TempDir()
	rule := filepath.Join(dir, "slow.yar")
	// many overlapping matches of a jump: much work on a long run of "ab"
	write(t, rule, []byte("rule Slow { strings: $a = { 61 62 [0-1000] 61 62 [0-1000] 7A 7A } $b = /a[ab]{0,200}b[ab]*z/ condition: any of them }\n"))
	eng, _, err := yararules.Load([]string{rule}, nil)
	if err != nil || eng == nil {
		t.Fatalf("rules: %v", err)
	}
	write(t, filepath.Join(dir, "data", "big.bin"), []byte(strings.Repeat("ab", 2<<20)))
	var fs []*report.Finding
	s := New(indicator.NewMatcher(nil, indicator.MatcherOptions{}), nil, eng, Options{
		Paths: []string{filepath.Join(dir, "data")}, Threads: 1, RuleTimeout: time.Millisecond,
		OnFinding: func(f *report.Finding) { fs = append(fs, f) },
	})
	if _, err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Match.Value != "not-fully-scanned" {
		t.Errorf("findings: %+v", fs)
	}
}
