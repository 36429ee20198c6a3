package yara_test

import (
	"bytes"
	"context"
	"fmt"
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

// TestYaracRandom compiles TestDifferentialRandom's random rule sets
// with yarac: the rules Vigie runs from the .yarc must match as `yara -C`
// does, and every string match (offset and length) must be the one the
// source rules give in Vigie (the decompiled strings are the same).
func TestYaracRandom(t *testing.T) {
	yc, err1 := exec.LookPath("yarac")
	yr, err2 := exec.LookPath("yara")
	if err1 != nil || err2 != nil {
		t.Skip("yarac and yara are not installed")
	}
	dir := t.TempDir()
	rf := filepath.Join(dir, "r.yar")
	cf := filepath.Join(dir, "r.yarc")
	df := filepath.Join(dir, "d.bin")
	for i, c := range yara.RandomCases(2, 200) {
		src, data := c[0], []byte(c[1])
		os.WriteFile(rf, []byte(src), 0o644)
		os.WriteFile(df, data, 0o644)
		os.Remove(cf)
		if err := exec.Command(yc, "-w", rf, cf).Run(); err != nil {
			continue
		}
		out, err := exec.Command(yr, "-w", "-C", cf, df).Output()
		if err != nil {
			continue
		}
		b, _ := os.ReadFile(cf)
		got, err := vigieYarac(b, data)
		if err != nil {
			t.Errorf("case %d: %v\nrules:\n%s", i, err, src)
			continue
		}
		if want := names(string(out)); got != want {
			t.Errorf("case %d: vigie %q, yara -C %q\nrules:\n%s\ndata %q", i, got, want, src, data)
		}
		d, _ := yarac.Decode(b)
		fromYarac := stringMatches(t, d.Sources, data)
		fromSource := stringMatches(t, []yara.Source{{Name: "r.yar", Data: []byte(src)}}, data)
		if fromYarac != fromSource {
			t.Errorf("case %d: string matches from yarac:\n%s\nfrom source:\n%s\nrules:\n%s\ndecoded:\n%s", i, fromYarac, fromSource, src, d.Text())
		}
	}
}

// stringMatches compiles sources and lists every string match.
func stringMatches(t *testing.T, srcs []yara.Source, data []byte) string {
	r, _, err := yara.Compile(srcs, yara.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := r.ScanBytes(context.Background(), data, yara.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, m := range ms {
		for _, s := range m.Strings {
			for _, x := range s.Matches {
				fmt.Fprintf(&sb, "%s $%s %d:%d\n", m.Rule, s.ID, x.Offset, x.Length)
			}
		}
	}
	return sb.String()
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
