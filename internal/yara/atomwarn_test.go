package yara

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// slowCases are libyara's own test-rules.c cases for the "may slow down
// scanning" warning (test_warnings), and a few more.
var slowCases = []struct {
	str  string
	warn bool
}{
	{`{ 01 }`, true}, {`{ 01 ?? }`, true}, {`{ 01 ?? ?? }`, true}, {`{ 01 ?? ?? 02 }`, true},
	{`{ 01 ?? ?2 03 }`, false}, {`{ 01 ?? 02 1? }`, false}, {`{ 68 ?? 00 ?? 00 68 ?? 00 ?? 00}`, true},
	{`{ (61 62 63 64 ?? | 65 ?? ?? 00 00 66)}`, false}, {`{ 1? 2? 3? }`, true}, {`{ 1? 2? 3? 04 }`, true},
	{`{ 1? ?? 03 }`, true}, {`{ 00 01 }`, true}, {`{ 01 00 }`, true}, {`{ 00 00 }`, true}, {`{ 00 00 00 }`, true},
	{`{ 00 00 01 }`, false}, {`{ 00 00 00 00 }`, true}, {`{ 00 00 00 01 }`, false}, {`{ FF FF FF FF }`, true},
	{`{ 00 00 01 02 }`, false}, {`{ 00 01 02 03 }`, false}, {`{ 01 02 03 04 }`, false}, {`{ 01 02 03 }`, false},
	{`{ 20 01 02 }`, false}, {`{ 01 02 }`, false}, {`"foo" wide`, false}, {`"MZ"`, false}, {`"ZZ"`, false},
	{`"                    " xor(0x20)`, true}, {`"AAAAAAAAAAAAAAAAAAAA" xor`, true},
	{`{ 01 02 03 04 [300-400] 05 }`, true}, {`{ 01 02 03 04 [10-20] 05 }`, false}, {`/a/`, true}, {`/abc/`, false},
}

// TestSlowScanningWarning checks the warning against libyara's cases.
func TestSlowScanningWarning(t *testing.T) {
	for _, c := range slowCases {
		src := `rule test { strings: $a = ` + c.str + ` condition: $a }`
		_, warns, err := Compile([]Source{{Name: "t.yar", Data: []byte(src)}}, CompileOptions{})
		if err != nil {
			t.Fatalf("%s: %v", c.str, err)
		}
		got := false
		for _, w := range warns {
			got = got || strings.Contains(w.Msg, "may slow down scanning")
		}
		if got != c.warn {
			t.Errorf("%s: warning %v, want %v", c.str, got, c.warn)
		}
	}
}

// randomSlowStrings builds strings of every kind whose atoms range from
// very poor to good: hex strings with wildcards, nibbles, jumps and
// alternatives; regexps with classes and repeats; short text strings with
// modifiers.
func randomSlowStrings(rng *rand.Rand, n int) []string {
	bytePick := func() string {
		common := []string{"00", "FF", "20", "CC", "90", "41", "61", "01", "7A", "E8"}
		if rng.Intn(3) == 0 {
			return fmt.Sprintf("%02X", rng.Intn(256))
		}
		return common[rng.Intn(len(common))]
	}
	hexTok := func(depth int) string {
		switch r := rng.Intn(10); {
		case r < 5:
			return bytePick()
		case r < 7:
			return "??"
		case r == 7:
			b := bytePick()
			if rng.Intn(2) == 0 {
				return b[:1] + "?"
			}
			return "?" + b[1:]
		case r == 8 && depth == 0:
			lo := rng.Intn(4)
			if rng.Intn(4) == 0 {
				return fmt.Sprintf("[%d-%d]", 250+lo, 300+lo)
			}
			return fmt.Sprintf("[%d-%d]", lo, lo+rng.Intn(5))
		default:
			return bytePick()
		}
	}
	reLit := func() string {
		lits := []string{"a", "b", "Z", "\\x00", "\\xff", " ", "1", "\\.", "q"}
		return lits[rng.Intn(len(lits))]
	}
	var out []string
	for len(out) < n {
		switch rng.Intn(3) {
		case 0:
			var toks []string
			k := 1 + rng.Intn(7)
			for i := 0; i < k; i++ {
				if i > 0 && i < k-1 && rng.Intn(8) == 0 {
					toks = append(toks, "( "+bytePick()+" "+hexTok(1)+" | "+bytePick()+" )")
					continue
				}
				tk := hexTok(0)
				if (i == 0 || i == k-1) && strings.HasPrefix(tk, "[") {
					tk = bytePick()
				}
				toks = append(toks, tk)
			}
			out = append(out, "{ "+strings.Join(toks, " ")+" }")
		case 1:
			var b strings.Builder
			k := 1 + rng.Intn(7)
			for i := 0; i < k; i++ {
				switch r := rng.Intn(12); {
				case r < 7:
					b.WriteString(reLit())
				case r == 7:
					b.WriteString("[a-f]")
				case r == 8:
					b.WriteString(".")
				default:
					b.WriteString("(" + reLit() + reLit() + "|" + reLit() + ")")
				}
				if rng.Intn(5) == 0 {
					b.WriteString([]string{"?", "+", "{2,3}", "{1,4}", "{3}"}[rng.Intn(5)])
				}
			}
			mod := []string{"", " nocase", " wide", " ascii wide"}[rng.Intn(4)]
			out = append(out, "/"+b.String()+"/"+mod)
		default:
			alpha := "aAZ 0\x01\xff~"
			k := 1 + rng.Intn(6)
			var b strings.Builder
			for i := 0; i < k; i++ {
				c := alpha[rng.Intn(len(alpha))]
				fmt.Fprintf(&b, "\\x%02x", c)
			}
			mod := []string{"", " nocase", " wide", " ascii wide", " xor", " xor(1-3)", " wide xor(0x20)", " base64", " base64wide", " nocase wide"}[rng.Intn(10)]
			if strings.Contains(mod, "base64") && k < 3 {
				mod = ""
			}
			out = append(out, `"`+b.String()+`"`+mod)
		}
	}
	return out
}

// TestSlowScanningWarningDifferential compiles random strings with
// libyara (VIGIE_YARA_BIN) and Vigie: the same strings must warn.
func TestSlowScanningWarningDifferential(t *testing.T) {
	bin := yaraBin(t)
	if bin == "" {
		t.Skip("no yara to compare with (install Debian's yara or set VIGIE_YARA_BIN)")
	}
	strs := randomSlowStrings(rand.New(rand.NewSource(12)), 1500)
	var src strings.Builder
	for i, s := range strs {
		fmt.Fprintf(&src, "rule r%d { strings: $a = %s condition: $a }\n", i, s)
	}
	dir := t.TempDir()
	rf := filepath.Join(dir, "r.yar")
	df := filepath.Join(dir, "empty")
	os.WriteFile(rf, []byte(src.String()), 0o644)
	os.WriteFile(df, nil, 0o644)
	out, err := exec.Command(bin, rf, df).CombinedOutput()
	if err != nil {
		t.Fatalf("yara: %v: %s", err, out)
	}
	yaraWarns := map[string]bool{}
	re := regexp.MustCompile(`rule "(r\d+)".*may slow down scanning`)
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		yaraWarns[m[1]] = true
	}
	_, warns, err := Compile([]Source{{Name: "r.yar", Data: []byte(src.String())}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	vigieWarns := map[string]bool{}
	for _, w := range warns {
		if strings.Contains(w.Msg, "may slow down scanning") {
			vigieWarns[fmt.Sprintf("r%d", w.Pos.Line-1)] = true
		}
	}
	bad := 0
	for i, s := range strs {
		name := fmt.Sprintf("r%d", i)
		if yaraWarns[name] != vigieWarns[name] {
			bad++
			if bad <= 30 {
				t.Errorf("%s: yara warns %v, vigie %v", s, yaraWarns[name], vigieWarns[name])
			}
		}
	}
	t.Logf("%d strings, %d warned by yara, %d differ", len(strs), len(yaraWarns), bad)
}

// TestSlowWarningNestedRepeats: a short regexp whose repeats nest
// ((…){4}){4}… no longer makes the atom-quality walk exponential (depth
// 11 took 3.6 s and 1.6 GB in it, depth 12 twenty seconds): the walk gives
// up after lyMaxSteps and the compiler's own limits judge the string.
func TestSlowWarningNestedRepeats(t *testing.T) {
	re := "ab|c"
	for range 12 {
		re = "(" + re + "){4}|c"
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	Compile([]Source{{Name: "nested.yar", Data: []byte("rule r { strings: $a = /" + re + "/ condition: $a }")}}, CompileOptions{})
	runtime.ReadMemStats(&ms)
	if got := ms.TotalAlloc - before; got > 256<<20 {
		t.Errorf("compiling a 12-deep nested repeat allocated %d MB", got>>20)
	}
}
