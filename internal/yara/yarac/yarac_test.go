package yarac_test

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
	"github.com/vigie-project/vigie/internal/yara/yaracli"
)

// shipped lists the .yarc files of testdata, made by libyara's yarac
// 4.2.3 (arena format 19), 4.3.2 (format 20), 4.4.0 and 4.5.8 (format 21) from
// the sources next to them (see testdata/README), for example:
//
//	yarac -w strings.yar strings.yarc
//	yarac -w -d ext_int=5 -d ext_str=v -d ext_bool=true -d ext_float=1.5 conds.yar ns2:conds2.yar conds.yarc
//	yarac -w v43.yar v43-45.yarc
var shipped = []struct {
	yarc    string
	format  int
	sources [][2]string // namespace, file
	defines []string
	rules   int
	strings int
}{
	{"strings.yarc", 19, [][2]string{{"", "strings.yar"}}, nil, 4, 50},
	{"conds.yarc", 19, [][2]string{{"", "conds.yar"}, {"ns2", "conds2.yar"}}, condDefines, 13, 8},
	{"strings-43.yarc", 20, [][2]string{{"", "strings.yar"}}, nil, 4, 50},
	{"conds-43.yarc", 20, [][2]string{{"", "conds.yar"}, {"ns2", "conds2.yar"}}, condDefines, 13, 8},
	{"v43-43.yarc", 20, [][2]string{{"", "v43.yar"}}, nil, 6, 19},
	{"strings-45.yarc", 21, [][2]string{{"", "strings.yar"}}, nil, 4, 50},
	{"conds-45.yarc", 21, [][2]string{{"", "conds.yar"}, {"ns2", "conds2.yar"}}, condDefines, 13, 8},
	{"v43-44.yarc", 21, [][2]string{{"", "v43.yar"}}, nil, 6, 19},
	{"v43-45.yarc", 21, [][2]string{{"", "v43.yar"}}, nil, 6, 19},
}

var condDefines = []string{"ext_int=5", "ext_str=v", "ext_bool=true", "ext_float=1.5"}

// yaraFor returns libyara's yara that reads arena format f: Debian's 4.2
// on the PATH, 4.3 and 4.5 built into /opt/yara43 and /opt/yara45 (see
// testdata/README).
func yaraFor(f int) (string, bool) {
	var p string
	switch f {
	case 19:
		p, _ = exec.LookPath("yara")
	case 20:
		p = "/opt/yara43/bin/yara"
	case 21:
		p = "/opt/yara45/bin/yara"
	}
	if p == "" {
		return "", false
	}
	out, err := exec.Command(p, "-v").Output()
	if err != nil {
		return "", false
	}
	v := strings.TrimSpace(string(out))
	for _, w := range map[int][]string{19: {"4.2."}, 20: {"4.3."}, 21: {"4.4.", "4.5."}}[f] {
		if strings.HasPrefix(v, w) {
			return p, true
		}
	}
	return "", false
}

// TestShipped decodes each shipped .yarc and checks that the rules it
// gives match exactly as the source rules do on testdata/data.bin: the
// same rules, in each the same strings at the same offsets and lengths,
// the same tags, metadata and namespaces.
func TestShipped(t *testing.T) {
	data, err := os.ReadFile("testdata/data.bin")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range shipped {
		t.Run(c.yarc, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", c.yarc))
			if err != nil {
				t.Fatal(err)
			}
			if int(b[4]) != c.format {
				t.Fatalf("arena format %d, want %d", b[4], c.format)
			}
			d, err := yarac.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if d.Rules != c.rules || d.Strings != c.strings {
				t.Errorf("decoded %d rules %d strings, want %d and %d", d.Rules, d.Strings, c.rules, c.strings)
			}
			ext := map[string]any{}
			for _, def := range c.defines {
				k, v, err := yaracli.ParseDefine(def)
				if err != nil {
					t.Fatal(err)
				}
				ext[k] = v
			}
			for k, v := range ext {
				if fmt.Sprint(d.Externals[k]) != fmt.Sprint(v) {
					t.Errorf("external %s = %v, want %v", k, d.Externals[k], v)
				}
			}
			var srcs []yara.Source
			for _, s := range c.sources {
				b, err := os.ReadFile(filepath.Join("testdata", s[1]))
				if err != nil {
					t.Fatal(err)
				}
				srcs = append(srcs, yara.Source{Name: s[1], Namespace: s[0], Data: b})
			}
			want := scan(t, srcs, ext, data)
			got := scan(t, d.Sources, d.Externals, data)
			if got != want {
				t.Errorf("from the yarac file:\n%s\nfrom the source:\n%s\ndecoded:\n%s", got, want, d.Text())
			}
			if strings.Count(want, "\n") < c.rules/2 {
				t.Errorf("only %d lines of matches: the test data does not exercise the rules", strings.Count(want, "\n"))
			}
		})
	}
}

// scan compiles and scans, and lists every match in order.
func scan(t *testing.T, srcs []yara.Source, ext map[string]any, data []byte) string {
	t.Helper()
	r, _, err := yara.Compile(srcs, yara.CompileOptions{Externals: ext})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := r.ScanBytes(context.Background(), data, yara.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&sb, "%s:%s %v %v\n", m.Namespace, m.Rule, m.Tags, m.Meta)
		for _, s := range m.Strings {
			for _, x := range s.Matches {
				fmt.Fprintf(&sb, "  $%s %d:%d %q\n", s.ID, x.Offset, x.Length, x.Data)
			}
		}
	}
	return sb.String()
}

// TestShippedAgainstYara: where libyara's yara is installed, `vigie yara
// -s -g -m -C` on each shipped .yarc prints what `yara -s -g -m -C` does.
func TestShippedAgainstYara(t *testing.T) {
	data := filepath.Join("testdata", "data.bin")
	n := 0
	for _, c := range shipped {
		bin, ok := yaraFor(c.format)
		if !ok {
			t.Logf("%s: no yara for arena format %d: skipped", c.yarc, c.format)
			continue
		}
		n++
		yarc := filepath.Join("testdata", c.yarc)
		out, err := exec.Command(bin, "-s", "-g", "-m", "-C", yarc, data).Output()
		if err != nil {
			t.Fatalf("yara: %v", err)
		}
		o := yaracli.Options{Compiled: true, PrintStrings: true, PrintTags: true, PrintMeta: true}
		var vout, verr bytes.Buffer
		rules, err := yaracli.Prepare([]string{yarc}, o, &vout, &verr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := yaracli.Run(context.Background(), rules, data, o, &vout, &verr); err != nil {
			t.Fatal(err, verr.String())
		}
		if g, w := sortLines(vout.String()), sortLines(string(out)); g != w {
			t.Errorf("%s: vigie:\n%s\nyara:\n%s", c.yarc, g, w)
		}
	}
	if n == 0 {
		t.Skip("yara is not installed")
	}
}

func sortLines(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

// TestHostile: crafted files are refused with an error, never a panic:
// empty tables, pointers that are not relocations, code overwritten.
func TestHostile(t *testing.T) {
	for _, f := range []string{"conds.yarc", "conds-43.yarc", "conds-45.yarc"} {
		t.Run(f, func(t *testing.T) { testHostile(t, f) })
	}
}

func testHostile(t *testing.T, file string) {
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	// header: 6 bytes, then 12 buffer entries of 12 bytes (offset, size)
	size := func(b []byte, i int) int {
		e := b[6+12*i+8:]
		return int(e[0]) | int(e[1])<<8 | int(e[2])<<16 | int(e[3])<<24
	}
	setSize := func(b []byte, i, n int) {
		e := b[6+12*i+8:]
		e[0], e[1], e[2], e[3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	}
	start := func(b []byte, i int) int {
		p := 6 + 12*12
		for k := 0; k < i; k++ {
			p += size(b, k)
		}
		return p
	}
	cases := map[string]func() []byte{
		"empty buffers, no relocations": func() []byte {
			c := append([]byte(nil), b[:6+12*12]...)
			for i := 0; i < 12; i++ {
				setSize(c, i, 0)
			}
			return c
		},
		"rule name pointer not relocated": func() []byte {
			c := append([]byte(nil), b[:start(b, 12)]...) // no relocation table
			return c
		},
		"code overwritten": func() []byte {
			c := append([]byte(nil), b...)
			p := start(c, 6)
			for k := 0; k < size(c, 6); k++ {
				c[p+k] = 255 // OP_HALT
			}
			return c
		},
	}
	for name, mk := range cases {
		if _, err := yarac.Decode(mk()); err == nil {
			t.Errorf("%s: decoded without error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestRelabelled: a shipped file whose header names another of the
// arena versions is refused (the other version's rule layout, opcodes or
// regex code do not fit its tables), never decoded into other rules.
func TestRelabelled(t *testing.T) {
	for _, c := range shipped {
		b, err := os.ReadFile(filepath.Join("testdata", c.yarc))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range yarac.Versions {
			if v == c.format {
				continue
			}
			x := append([]byte(nil), b...)
			x[4] = byte(v)
			if _, err := yarac.Decode(x); err == nil {
				t.Errorf("%s relabelled as format %d: decoded without error", c.yarc, v)
			}
		}
	}
}
