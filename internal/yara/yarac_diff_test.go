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

// yaracBuilds lists the libyara builds the yarac tests compare with:
// yarac and yara on the PATH (Debian's 4.2), and 4.3, 4.4 and 4.5 built
// from their release tags into /opt/yara43, /opt/yara44 and /opt/yara45
// (see yarac/testdata/README), each where installed.
func yaracBuilds() [][2]string {
	var out [][2]string
	yc, err1 := exec.LookPath("yarac")
	yr, err2 := exec.LookPath("yara")
	if err1 == nil && err2 == nil {
		out = append(out, [2]string{yc, yr})
	}
	for _, d := range []string{"/opt/yara43/bin", "/opt/yara44/bin", "/opt/yara45/bin"} {
		yc, yr := filepath.Join(d, "yarac"), filepath.Join(d, "yara")
		if _, err := os.Stat(yc); err != nil {
			continue
		}
		if _, err := os.Stat(yr); err != nil {
			continue
		}
		out = append(out, [2]string{yc, yr})
	}
	return out
}

// forYaracBuilds runs f as a subtest per libyara build.
func forYaracBuilds(t *testing.T, f func(t *testing.T, yc, yr string)) {
	bs := yaracBuilds()
	if len(bs) == 0 {
		t.Skip("yarac and yara are not installed")
	}
	for _, b := range bs {
		t.Run(filepath.Base(filepath.Dir(filepath.Dir(b[0]))), func(t *testing.T) { f(t, b[0], b[1]) })
	}
}

// TestYaracDifferential compiles every rule of the scan table with
// libyara's yarac, loads the .yarc with package yarac, and checks that
// Vigie's matches equal `yara -C`'s on the case's data. It runs with
// each libyara build yaracBuilds finds. Vigie follows yara 4.2.3, and a
// few cases behave otherwise in later libyara (4.3 made an undefined
// "at" operand undefined, not false; 4.5 changed \b at the data's ends):
// with those builds, a case where the rules decoded from the .yarc match
// exactly as the source rules do in Vigie, but not as that yara -C, is
// logged as a behaviour of that version, not failed.
func TestYaracDifferential(t *testing.T) {
	forYaracBuilds(t, testYaracDifferential)
}

func testYaracDifferential(t *testing.T, yc, yr string) {
	v, _ := exec.Command(yr, "-v").Output()
	strict := strings.HasPrefix(string(v), "4.2.")
	dir := t.TempDir()
	n, other := 0, 0
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
			if src, err := vigieSource(rule, []byte(data)); !strict && err == nil && src == got {
				t.Logf("case %d %s: yara %s -C %q, vigie (as yara 4.2.3, from the .yarc and from the source) %q", i, name, strings.TrimSpace(string(v)), want, got)
				other++
			} else {
				t.Errorf("case %d %s: vigie %q, yara -C %q\nrule: %s", i, name, got, want, rule)
			}
		}
		n++
	}
	t.Logf("%d cases compared, %d where yara %s behaves otherwise than 4.2.3", n, other, strings.TrimSpace(string(v)))
}

// vigieSource compiles a case's source rules with the externals the
// differential tests give yarac, and lists the matching rules.
func vigieSource(rule string, data []byte) (string, error) {
	ext := map[string]any{"ext_int": int64(5), "ext_str": "v", "ext_bool": true}
	r, _, err := yara.Compile([]yara.Source{{Name: "r.yar", Data: []byte(rule)}}, yara.CompileOptions{Externals: ext})
	if err != nil {
		return "", err
	}
	return matchingRules(r, data)
}

// TestYaracRandom compiles TestDifferentialRandom's random rule sets
// with yarac: the rules Vigie runs from the .yarc must match as `yara -C`
// does, and every string match (offset and length) must be the one the
// source rules give in Vigie (the decompiled strings are the same).
func TestYaracRandom(t *testing.T) {
	forYaracBuilds(t, testYaracRandom)
}

func testYaracRandom(t *testing.T, yc, yr string) {
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
	return matchingRules(r, data)
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

// matchingRules scans data with r and returns the names of the rules that
// matched, sorted and joined by spaces.
func matchingRules(r *yara.Rules, data []byte) (string, error) {
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
