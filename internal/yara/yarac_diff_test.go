package yara_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/yara"
	"github.com/vigie-project/vigie/internal/yara/yarac"
)

// TestYaracDifferential compiles every rule of the scan table with
// libyara's yarac, loads the .yarc with package yarac, and checks that
// Vigie's matches equal `yara -C`'s on the case's data. It runs where
// yarac and yara are on the PATH (Debian's yara 4.2).
func TestYaracDifferential(t *testing.T) {
	yc, err1 := exec.LookPath("yarac")
	yr, err2 := exec.LookPath("yara")
	if err1 != nil || err2 != nil {
		t.Skip("yarac and yara are not installed")
	}
	dir := t.TempDir()
	n := 0
	for i, c := range yara.ScanCases() {
		name, rule, data := c[0], c[1], c[2]
		rf := filepath.Join(dir, "r.yar")
		cf := filepath.Join(dir, "r.yarc")
		df := filepath.Join(dir, "d.bin")
		os.WriteFile(rf, []byte(rule), 0o644)
		os.WriteFile(df, []byte(data), 0o644)
		os.Remove(cf)
		defs := []string{"-d", "ext_int=5", "-d", "ext_str=v", "-d", "ext_bool=true"}
		if err := exec.Command(yc, append(defs, "-w", rf, cf)...).Run(); err != nil {
			continue // a Vigie extension or a rule libyara refuses
		}
		out, err := exec.Command(yr, "-w", "-C", cf, df).Output()
		if err != nil {
			t.Logf("%s: yara -C fails on yarac's own file (%v): skipped", name, err)
			continue
		}
		want := names(string(out))
		b, _ := os.ReadFile(cf)
		got, err := vigieYarac(b, []byte(data))
		if err != nil {
			t.Errorf("case %d %s: %v\nrule: %s", i, name, err, rule)
			continue
		}
		if got != want {
			t.Errorf("case %d %s: vigie %q, yara -C %q\nrule: %s", i, name, got, want, rule)
		}
		n++
	}
	t.Logf("%d cases compared", n)
}

// vigieYarac decodes a yarac file, compiles it and scans data.
func vigieYarac(yarc, data []byte) (string, error) {
	d, err := yarac.Decode(yarc)
	if err != nil {
		return "", err
	}
	r, _, err := yara.Compile(d.Sources, yara.CompileOptions{Externals: d.Externals})
	if err != nil {
		var src bytes.Buffer
		src.WriteString(d.Text())
		return "", &decodeErr{err, src.String()}
	}
	ms, err := r.ScanBytes(context.Background(), data, yara.ScanOptions{})
	if err != nil {
		return "", err
	}
	var ns []string
	for _, m := range ms {
		ns = append(ns, m.Rule)
	}
	sort.Strings(ns)
	return strings.Join(ns, " "), nil
}

type decodeErr struct {
	err error
	src string
}

func (e *decodeErr) Error() string { return e.err.Error() + "\ndecoded:\n" + e.src }

func names(out string) string {
	var ns []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			ns = append(ns, f[0])
		}
	}
	sort.Strings(ns)
	return strings.Join(ns, " ")
}
