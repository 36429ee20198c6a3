package yaracli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/yara"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden runs the scan with yara's output options and compares with
// golden files (written by libyara-compatible expectations; -update
// rewrites them). Lines are sorted because files are scanned in parallel.
//
// Every case runs three times: with freshly compiled rules, with rules
// saved by Save and read back by Load, and with testdata/rules.yarc
// (rules.yar compiled by libyara 4.2.3's yarac) read by Load; all must
// give the golden output.
func TestGolden(t *testing.T) {
	fresh, err := Compile([]string{"testdata/rules.yar"}, nil, true, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(t.TempDir(), "rules.vyc")
	if err := Save([]string{"testdata/rules.yar"}, nil, saved, os.Stderr, true); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(saved, nil)
	if err != nil {
		t.Fatal(err)
	}
	fromYarac, err := Load("testdata/rules.yarc", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, way := range []struct {
		name  string
		rules *yara.Rules
	}{{"compiled", fresh}, {"saved", loaded}, {"yarac", fromYarac}} {
		t.Run(way.name, func(t *testing.T) { golden(t, way.rules) })
	}
}

func golden(t *testing.T, rules *yara.Rules) {
	cases := []struct {
		name string
		o    Options
	}{
		{"default", Options{Recursive: true}},
		{"strings", Options{Recursive: true, PrintStrings: true}},
		{"length", Options{Recursive: true, PrintStrings: true, PrintLength: true}},
		{"meta_tags_ns", Options{Recursive: true, PrintMeta: true, PrintTags: true, PrintNS: true}},
		{"count", Options{Recursive: true, Count: true}},
		{"negate", Options{Recursive: true, Negate: true}},
		{"tag", Options{Recursive: true, Tags: []string{"tagA"}}},
		{"identifier", Options{Recursive: true, Identifiers: []string{"R3"}}},
		{"not_recursive", Options{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.o.Threads = 2
			var out, errb bytes.Buffer
			if _, err := Run(context.Background(), rules, "testdata/files", c.o, &out, &errb); err != nil {
				t.Fatal(err)
			}
			got := sortBlocks(out.String())
			path := filepath.Join("testdata", "golden", c.name+".txt")
			if *update {
				os.WriteFile(path, []byte(got), 0o644)
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
			}
		})
	}
}

// sortBlocks sorts the output by file blocks (a rule line and its string
// lines stay together).
func sortBlocks(s string) string {
	var blocks []string
	for _, l := range strings.SplitAfter(s, "\n") {
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "0x") && len(blocks) > 0 {
			blocks[len(blocks)-1] += l
			continue
		}
		blocks = append(blocks, l)
	}
	sort.Strings(blocks)
	return strings.Join(blocks, "")
}

func TestParseDefine(t *testing.T) {
	for in, want := range map[string]any{"a=1": int64(1), "a=true": true, "a=1.5": 1.5, "a=x y": "x y", `a="q"`: "q", "a=0x10": int64(16)} {
		_, v, err := ParseDefine(in)
		if err != nil || v != want {
			t.Errorf("%s: got %v (%T) %v, want %v", in, v, v, err, want)
		}
	}
	if _, _, err := ParseDefine("novalue"); err == nil {
		t.Error("accepted a define without '='")
	}
}

func TestSaveLoad(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rules.vyc")
	if err := Save([]string{"testdata/rules.yar"}, []string{"x=1"}, out, os.Stderr, true); err != nil {
		t.Fatal(err)
	}
	rules, err := Load(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := Run(context.Background(), rules, "testdata/files/a.bin", Options{}, &b, &b); err != nil {
		t.Fatal(err)
	}
	if b.String() != "R1 testdata/files/a.bin\n" {
		t.Errorf("got %q", b.String())
	}
	// corruption is detected
	data, _ := os.ReadFile(out)
	data[len(data)-1] ^= 0xFF
	os.WriteFile(out, data, 0o644)
	if _, err := Load(out, nil); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("corrupted file: got %v", err)
	}
	// a file saved by an older vigie (rule sources, format 0)
	os.WriteFile(out, []byte("VIGIE-YARA-RULES\n"+strings.Repeat("\x00", 64)), 0o644)
	if _, err := Load(out, nil); err == nil || !strings.Contains(err.Error(), "compiled with an incompatible version of vigie; recompile with 'vigie yara compile'") {
		t.Errorf("old format: got %v", err)
	}
	// -d on load overrides the saved externals
	if err := Save([]string{"testdata/rules.yar"}, []string{"x=1"}, out, os.Stderr, true); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(out, []string{"x=2", "y=str"}); err != nil {
		t.Errorf("load with -d: %v", err)
	}
}
