package yara

import (
	"context"
	"errors"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// scanCase is one language feature check: the rule source, the data, and
// the names of the rules expected to match. Expectations were checked
// against libyara 4.2.3's yara command.
type scanCase struct {
	name string
	rule string
	data string
	want string // space separated matching rules, sorted
}

var scanCases = []scanCase{
	{"text", `rule a { strings: $a = "hello" condition: $a }`, "say hello", "a"},
	// libyara declares a rule before its condition: naming the rule itself
	// compiles and is false while it is evaluated
	{"self reference", `rule a { condition: a or filesize == 1 }`, "x", "a"},
	{"self in rule set", `rule a { condition: 1 of (a*) }`, "x", ""},
	{"self in rule set or true", `rule b { condition: true } rule a { condition: 1 of (a*) or b }`, "x", "a b"},
	{"self alone", `rule a { condition: a }`, "x", ""},
	{"text miss", `rule a { strings: $a = "hello" condition: $a }`, "say HELLO", ""},
	{"nocase", `rule a { strings: $a = "hello" nocase condition: $a }`, "say HeLLo", "a"},
	{"escapes", `rule a { strings: $a = "a\tb\x00c\"\\" condition: $a }`, "a\tb\x00c\"\\", "a"},
	{"wide", `rule a { strings: $a = "ab" wide condition: $a }`, "a\x00b\x00", "a"},
	{"wide not ascii", `rule a { strings: $a = "ab" wide condition: $a }`, "ab", ""},
	{"wide ascii", `rule a { strings: $a = "ab" wide ascii condition: #a == 2 }`, "ab a\x00b\x00", "a"},
	{"fullword", `rule a { strings: $a = "foo" fullword condition: #a == 2 }`, "foo xfoo foo. foobar", "a"},
	{"xor", `rule a { strings: $a = "abc" xor condition: $a }`, "\x63\x60\x61", "a"},
	{"xor range", `rule a { strings: $a = "abc" xor(3-4) condition: $a }`, "\x60\x63\x62", ""},
	{"xor range hit", `rule a { strings: $a = "abc" xor(1-2) condition: $a }`, "\x60\x63\x62", "a"},
	{"base64", `rule a { strings: $a = "This program cannot" base64 condition: $a }`, "xxVGhpcyBwcm9ncmFtIGNhbm5vdA==", "a"},
	{"base64 offset1", `rule a { strings: $a = "This program cannot" base64 condition: $a }`, "IFRoaXMgcHJvZ3JhbSBjYW5ub3Q=", "a"},
	{"base64wide", `rule a { strings: $a = "This program" base64wide condition: $a }`, "V\x00G\x00h\x00p\x00c\x00y\x00B\x00w\x00c\x00m\x009\x00n\x00c\x00m\x00F\x00t\x00", "a"},
	// base64 wide is base64 of the UTF-16LE text (libyara base64.c), as in "pwsh -e"
	{"base64 wide", `rule a { strings: $a = "pwsh" base64 wide condition: !a == 10 }`, "xcAB3AHMAaAA=", "a"},
	{"base64 wide is not widened base64", `rule a { strings: $a = "pwsh" base64 wide condition: $a }`, "xc\x00H\x00d\x00z\x00a\x00", ""},
	{"base64 ascii wide", `rule a { strings: $a = "pwsh" base64 ascii wide condition: #a == 2 }`, "cHdzaA== cAB3AHMAaAA=", "a"},
	{"base64wide wide", `rule a { strings: $a = "pwsh" base64wide wide condition: $a }`, "xc\x00A\x00B\x003\x00A\x00H\x00M\x00A\x00a\x00A\x00", "a"},
	{"base64 keeps last determined char", `rule a { strings: $a = "pwsh" base64 condition: !a == 5 }`, "cHdzaA==", "a"},
	{"base64 last char differs", `rule a { strings: $a = "pwsh" base64 condition: $a }`, "cHdzZA==", ""},
	{"base64 one byte", `rule a { strings: $a = "a" base64 condition: #a == 2 }`, "YQ QUJh", "a"},
	{"base64 custom alphabet", "rule a { strings: $a = \"This program\" base64(\"!@#$%^&*(){}[].,|ABCDEFGHIJ\\tLMNOPQRSTUVWXYZabcdefghijklmnopqrstu\") condition: $a }", "zzE&QYLh@fLVsWLV^c", "a"},
	{"base64 alphabet with = and newline", "rule a { strings: $a = \"\\x00\\x00\\xfe\\xff\" base64(\"=BCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+\\n\") condition: !a == 5 }", "zz==D+\nw==", "a"},
	{"hex", `rule a { strings: $a = { 4D 5A ?? 00 } condition: $a at 0 }`, "MZ\x90\x00", "a"},
	{"hex nibble", `rule a { strings: $a = { 4? 5A } condition: $a }`, "JZ", "a"},
	{"hex not", `rule a { strings: $a = { 41 ~42 43 } condition: $a }`, "ABC", ""},
	{"hex not hit", `rule a { strings: $a = { 41 ~42 43 } condition: $a }`, "AXC", "a"},
	{"hex jump", `rule a { strings: $a = { 41 42 [2-4] 43 44 } condition: $a }`, "AB..CD", "a"},
	{"hex jump short", `rule a { strings: $a = { 41 42 [2-4] 43 44 } condition: $a }`, "AB.CD", ""},
	{"hex jump open", `rule a { strings: $a = { 41 42 [3-] 43 44 } condition: $a }`, "AB......CD", "a"},
	{"hex alt", `rule a { strings: $a = { 41 ( 42 | 43 44 ) 45 } condition: #a == 2 }`, "ABE ACDE", "a"},
	// hex jumps are lazy: libyara reports the shortest match from a start
	{"hex jump shortest", `rule a { strings: $a = { 41 42 [2-4] 43 } condition: !a == 5 }`, "AB..CCC", "a"},
	{"hex jump shortest twice", `rule a { strings: $a = { 41 [1-3] 42 [1-3] 43 } condition: !a == 5 and #a == 1 }`, "A.B.CBCC", "a"},
	{"hex chain unbounded", `rule a { strings: $a = { 41 42 [-] 43 44 } condition: !a == 5 and #a == 1 }`, "AB.CD.CD", "a"},
	{"hex chain two jumps", `rule a { strings: $a = { 61 62 [-] 63 [-] 7A 7A } condition: #a == 3 and !a[1] == 8 and !a[2] == 5 and !a[3] == 5 }`, "abcabczzabczz", "a"},
	{"hex chain long jump", `rule a { strings: $a = { 41 42 [250-300] 43 44 } condition: #a == 1 and !a == 256 }`, "AB" + strings.Repeat(".", 252) + "CD" + strings.Repeat(".", 20) + "CD", "a"},
	{"hex chain long jump short", `rule a { strings: $a = { 41 42 [250-300] 43 44 } condition: $a }`, "AB" + strings.Repeat(".", 249) + "CD", ""},
	{"hex chain long jump far", `rule a { strings: $a = { 41 42 [250-300] 43 44 } condition: $a }`, "AB" + strings.Repeat(".", 301) + "CD", ""},
	{"hex chain gap count", `rule a { strings: $a = { 41 [1-2] 42 [201-202] 43 } condition: #a == 1 and !a[1] == 206 }`, "A.AB" + strings.Repeat(".", 201) + "C", "a"},
	{"hex alt priority", `rule a { strings: $a = { 41 ( 42 | 42 43 ) } condition: !a == 2 }`, "ABC", "a"},
	{"regex", `rule a { strings: $a = /ab+c/ condition: !a == 5 }`, "xabbbc", "a"},
	{"regex class", `rule a { strings: $a = /[0-9a-f]{4}-x/ condition: $a }`, "ab12-x", "a"},
	{"regex nocase", `rule a { strings: $a = /hello/i condition: $a }`, "HELLO", "a"},
	{"regex dot newline", `rule a { strings: $a = /a.b/ condition: $a }`, "a\nb", ""},
	{"regex dotall", `rule a { strings: $a = /a.b/s condition: $a }`, "a\nb", "a"},
	{"regex word boundary at data start", `rule a { strings: $a = /\b-/ condition: #a == 2 and $a at 0 }`, "-x- y", "a"},
	{"regex word boundary at data end", `rule a { strings: $a = / \b/ condition: $a at 4 }`, "-x-y ", "a"},
	{"regex non-boundary never at data start", `rule a { strings: $a = /\B-/ condition: $a }`, "-x", ""},
	{"regex word boundary", `rule a { strings: $a = /\bcat\b/ condition: #a == 1 }`, "cat concat cats", "a"},
	{"regex lazy", `rule a { strings: $a = /a.+?c/ condition: !a[1] == 3 }`, "abcbc", "a"},
	{"regex greedy", `rule a { strings: $a = /a.+c/ condition: !a[1] == 5 }`, "abcbc", "a"},
	{"regex anchors", `rule a { strings: $a = /^MZ/ condition: $a }`, "xMZ", ""},
	{"regex wide", `rule a { strings: $a = /ab?c/ wide condition: $a }`, "a\x00c\x00", "a"},
	{"regex alt", `rule a { strings: $a = /(foo|bar)baz/ condition: $a }`, "barbaz", "a"},
	{"regex escapes", `rule a { strings: $a = /\x41\d\s\w/ condition: $a }`, "A1 z", "a"},
	{"regex fullword", `rule a { strings: $a = /p\^?o\^?w\^?e\^?r/ fullword condition: $a }`, "xp^o^w^e^rx", ""},
	{"regex fullword hit", `rule a { strings: $a = /p\^?o\^?w\^?e\^?r/ fullword condition: #a == 1 }`, "xp^o^w^e^rx (p^ower)", "a"},
	{"regex fullword longest only", `rule a { strings: $a = /ab+/ fullword condition: $a }`, "abbbc", ""},
	{"regex fullword wide", `rule a { strings: $a = /ab+/ fullword wide condition: #a == 1 }`, "x\x00a\x00b\x00 a\x00b\x00.\x00", "a"},
	{"hex-like regex fullword", `rule a { strings: $a = /abc/ fullword condition: #a == 1 }`, "abc xabc", "a"},
	{"ident times", `rule a { condition: ext_int*3 == 15 }`, "", "a"},
	{"count times", `rule a { strings: $a = "x" condition: #a*2 == 4 and @a*2 == 2 and !a*2 == 2 }`, ".xx", "a"},
	{"loop var times", `rule a { condition: for any i in (1..3) : ( i*2 == 6 ) }`, "", "a"},
	{"module field times", `import "pe" rule a { condition: not defined pe.number_of_sections*2 }`, "", "a"},
	{"rule set wildcard spaced", `rule r1 { condition: true } rule c { condition: any of (r *) }`, "", "c r1"},
	{"arith quantifier", `rule a { strings: $a = "x1" $b = "x2" condition: 1 + 1 of them }`, "x1", ""},
	{"arith quantifier hit", `rule a { strings: $a = "x1" $b = "x2" condition: 3 - 1 of them }`, "x1 x2", "a"},
	{"percent of arith", `rule a { strings: $a = "x1" $b = "x2" condition: 1050%100% of them }`, "x1", "a"},
	{"percent of arith miss", `rule a { strings: $a = "x1" $b = "x2" $c = "x3" condition: 1050%100% of them }`, "x1", ""},
	{"regex v escape", `rule a { strings: $a = /a\vb/ condition: $a }`, "avb", "a"},
	{"regex v escape not VT", `rule a { strings: $a = /a\vb/ condition: $a }`, "a\vb", ""},
	{"wide regex word boundary", `rule a { strings: $a = /\bcat\b/ wide condition: #a == 1 }`, "c\x00a\x00t\x00 \x00c\x00o\x00n\x00c\x00a\x00t\x00", "a"},
	{"wide regex word boundary end", `rule a { strings: $a = /ab\b/ wide condition: $a }`, "a\x00b\x00c\x00", ""},
	{"wide regex word boundary end hit", `rule a { strings: $a = /ab\b/ wide condition: $a }`, "a\x00b\x00.\x00", "a"},
	{"wide regex not word boundary", `rule a { strings: $a = /ab\B/ wide condition: $a }`, "a\x00b\x00c\x00", "a"},
	{"wide regex word boundary start", `rule a { strings: $a = /\bab/ wide condition: $a }`, "x\x00a\x00b\x00", ""},
	{"wide ascii regex word boundary", `rule a { strings: $a = /\bab\b/ wide ascii condition: #a == 2 }`, "ab a\x00b\x00", "a"},
	{"count offset", `rule a { strings: $a = "ab" condition: #a == 3 and @a[2] == 3 and @a[3] == 6 }`, "ab.ab.ab", "a"},
	{"count in", `rule a { strings: $a = "ab" condition: #a in (2..7) == 2 }`, "ab.ab.ab", "a"},
	{"at", `rule a { strings: $a = "ab" condition: $a at 3 }`, "ab.ab", "a"},
	{"in range", `rule a { strings: $a = "ab" condition: $a in (1..2) }`, "ab.ab", ""},
	{"filesize", `rule a { condition: filesize == 5 }`, "12345", "a"},
	{"int reads", `rule a { condition: uint16(0) == 0x5A4D and uint32be(0) == 0x4D5A9000 and int8(3) == 0 and uint8(2) == 0x90 }`, "MZ\x90\x00", "a"},
	{"int read oob", `rule a { condition: not (uint32(2) == 0) }`, "abc", ""},
	{"signed reads", `rule a { condition: int8(0) == -1 and int16(0) == -1 and int32(0) == -1 }`, "\xff\xff\xff\xff", "a"},
	{"arith", `rule a { condition: 1 + 2 * 3 == 7 and 7 \ 2 == 3 and 7 % 3 == 1 and -2 * 3 == -6 }`, "", "a"},
	{"bitwise", `rule a { condition: (0xF0 | 0x0F) == 0xFF and (0xF0 & 0x3C) == 0x30 and (1 ^ 3) == 2 and (1 << 4) == 16 and (256 >> 4) == 16 and ~0 == -1 }`, "", "a"},
	{"float", `rule a { condition: 1.5 + 1 == 2.5 and 3 \ 2.0 == 1.5 }`, "", "a"},
	{"div zero undefined", `rule a { condition: not (1 \ (filesize - filesize) == 0) and not (1 % (filesize - filesize) == 0) }`, "", ""},
	{"strings ops", `rule a { condition: "Hello" contains "ll" and "Hello" icontains "LL" and "Hello" startswith "He" and "Hello" istartswith "he" and "Hello" endswith "lo" and "Hello" iendswith "LO" and "Hello" iequals "hELLO" }`, "", "a"},
	{"matches", `rule a { condition: "abc123" matches /c\d+$/ }`, "", "a"},
	{"matches fail", `rule a { condition: "abc" matches /^b/ }`, "", ""},
	{"any of them", `rule a { strings: $a = "x1" $b = "x2" condition: any of them }`, "x2", "a"},
	{"all of them", `rule a { strings: $a = "x1" $b = "x2" condition: all of them }`, "x2", ""},
	{"none of them", `rule a { strings: $a = "x1" $b = "x2" condition: none of them }`, "zz", "a"},
	{"n of", `rule a { strings: $a = "x1" $b = "x2" $c = "x3" condition: 2 of ($a, $c) and not $b }`, "x1 x3", "a"},
	{"percent of", `rule a { strings: $a = "x1" $b = "x2" $c = "x3" $d = "x4" condition: 50% of them }`, "x1 x3", "a"},
	{"percent of miss", `rule a { strings: $a = "x1" $b = "x2" $c = "x3" $d = "x4" condition: 75% of them }`, "x1 x3", ""},
	{"wildcard set", `rule a { strings: $s1 = "x1" $s2 = "x2" $t = "x3" condition: all of ($s*) and not $t }`, "x1 x2", "a"},
	{"of in", `rule a { strings: $a = "x1" $b = "x2" condition: any of them in (0..1) }`, "zzx1", ""},
	{"for of", `rule a { strings: $a = "x1" $b = "x2" condition: for all of them : ( # > 1 ) }`, "x1 x1 x2 x2", "a"},
	{"for of at", `rule a { strings: $a = "x1" $b = "x2" condition: for any of ($a, $b) : ( $ at 0 ) }`, "x2 x1", "a"},
	{"for in empty range is false", `rule a { condition: not (for all i in (3..1) : ( true )) }`, "x", "a"},
	{"for in undefined range is false", `import "tests" rule a { condition: not (for any i in (1..tests.undefined.i) : ( true )) }`, "x", "a"},
	{"for in empty array is false", `import "tests" rule a { condition: not (for all x in tests.empty_struct_array : ( true )) }`, "x", "a"},
	{"for in undefined quantifier is all", `import "tests" rule a { condition: for tests.undefined.i i in (1..3) : ( i > 0 ) and not for tests.undefined.i i in (1..3) : ( i > 1 ) }`, "x", "a"},
	{"float less than undefined is false", `import "tests" rule a { condition: not (tests.undefined.f < 1.0) and not (tests.undefined.i < 1.5) and not (2.5 - tests.undefined.i < 1) }`, "x", "a"},
	{"other comparisons of undefined stay undefined", `import "tests" rule a { condition: not (tests.undefined.f > 1.0) or not (tests.undefined.i < 1) or not (tests.undefined.f == 1.0) }`, "x", ""},
	{"at undefined is false", `import "tests" rule a { strings: $a = "x" condition: not ($a at tests.undefined.i) }`, "x", "a"},
	{"float division by zero is infinite", `rule a { condition: not (1.5 \ 0 == 0) and 1.5 \ 0 > 1000000.0 }`, "x", "a"},
	{"for in range", `rule a { strings: $a = "ab" condition: for all i in (1..#a) : ( @a[i] % 3 == 0 ) }`, "ab.ab.ab", "a"},
	{"for in list", `rule a { condition: for any x in (1, 2, 3) : ( x == filesize ) }`, "zz", "a"},
	{"for none", `rule a { condition: for none x in (1, 2, 3) : ( x == filesize ) }`, "zzzz", "a"},
	{"for n", `rule a { condition: for 2 x in (1, 2, 3) : ( x > 1 ) }`, "", "a"},
	{"rule ref", `rule a { strings: $a = "x" condition: $a } rule b { condition: a and filesize > 0 }`, "x", "a b"},
	{"private", `private rule p { condition: true } rule b { condition: p }`, "", "b"},
	{"global", `global rule g { condition: filesize > 3 } rule b { condition: true }`, "ab", ""},
	{"global ok", `global rule g { condition: filesize > 1 } rule b { condition: true }`, "ab", "b g"},
	{"rule set of", `rule r1 { condition: true } rule r2 { condition: false } rule c { condition: any of (r*) }`, "", "c r1"},
	{"tags meta", `rule a : t1 t2 { meta: x = "y" n = 5 b = false condition: true }`, "", "a"},
	{"comments", "/* c */ rule a { // x\n condition: /* y */ true }", "", "a"},
	{"defined", `import "pe" rule a { condition: not defined pe.number_of_sections }`, "not a PE", "a"},
	{"undefined not", `import "pe" rule a { condition: not (pe.number_of_sections == 1) }`, "", ""},
	{"undefined or", `import "pe" rule a { condition: pe.number_of_sections == 1 or true }`, "", "a"},
	{"math entropy", `import "math" rule a { condition: math.entropy(0, filesize) == 0.0 and math.entropy("ab") == 1.0 }`, "aaaa", "a"},
	{"math mean", `import "math" rule a { condition: math.mean(0, 2) == 97.5 and math.in_range(math.deviation(0, 2, 97.5), 0.4, 0.6) }`, "ab", "a"},
	{"math count", `import "math" rule a { condition: math.count(0x61) == 3 and math.mode() == 0x61 and math.percentage(0x62) == 0.25 }`, "aaab", "a"},
	{"math max min", `import "math" rule a { condition: math.max(1, 2) == 2 and math.min(1, 2) == 1 and math.abs(-3) == 3 and math.to_number(true) == 1 }`, "", "a"},
	{"hash", `import "hash" rule a { condition: hash.md5(0, filesize) == "900150983cd24fb0d6963f7d28e17f72" and hash.sha1("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d" and hash.sha256(0, 3) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" and hash.crc32("abc") == 0x352441c2 and hash.checksum32("abc") == 294 }`, "abc", "a"},
	{"time", `import "time" rule a { condition: time.now() > 1600000000 }`, "", "a"},
	{"external", `rule a { condition: ext_int == 5 and ext_str == "v" and ext_bool }`, "", "a"},
	{"external matches", `rule a { condition: ext_str matches /^v$/ }`, "", "a"},
	{"pe module", `import "pe" rule a { condition: pe.is_pe == 0 }`, "plain", "a"},
	{"sizes", `rule a { condition: 1KB == 1024 and 1MB == 1048576 }`, "", "a"},
	{"anonymous strings", `rule a { strings: $ = "x1" $ = "x2" condition: all of them }`, "x1 x2", "a"},
	{"overlapping matches", `rule a { strings: $a = "aa" condition: #a == 3 }`, "aaaa", "a"},
	{"regex all starts", `rule a { strings: $a = /a+/ condition: #a == 3 }`, "aaa", "a"},
	{"regex variable prefix and alternation atoms", `rule a { strings: $a = /[a-z]+\.exe/ $b = /(e|\\x65|\\101)(\\x76|\\118)al/ condition: #a == 4 and #b == 2 and !a[1] == 8 and @a[4] == 7 }`, `run calc.exe now e\118al \x65\x76al`, "a"},
	{"hex jump long", `rule a { strings: $a = { 41 42 [0-300] 43 44 } condition: $a }`, "AB" + strings.Repeat(".", 250) + "CD", "a"},
}

func compileOne(t testing.TB, src string) *Rules {
	t.Helper()
	ext := map[string]any{"ext_int": int64(5), "ext_str": "v", "ext_bool": true}
	r, _, err := Compile([]Source{{Name: "test.yar", Data: []byte(src)}}, CompileOptions{Externals: ext})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return r
}

func matchNames(ms []Match) string {
	var names []string
	for _, m := range ms {
		names = append(names, m.Rule)
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}

func TestScanCases(t *testing.T) {
	for _, c := range scanCases {
		t.Run(c.name, func(t *testing.T) {
			r := compileOne(t, c.rule)
			ms, err := r.ScanBytes(context.Background(), []byte(c.data), ScanOptions{})
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if got := matchNames(ms); got != c.want {
				t.Errorf("rule %s\ndata %q\ngot  %q\nwant %q", c.rule, c.data, got, c.want)
			}
		})
	}
}

func TestStringMatchDetails(t *testing.T) {
	r := compileOne(t, `rule a { strings: $a = "lo" $h = { 6C 6F } private $r = /w.r/ condition: any of them }`)
	ms, err := r.ScanBytes(context.Background(), []byte("hello world, lo"), ScanOptions{})
	if err != nil || len(ms) != 1 {
		t.Fatalf("got %v, %v", ms, err)
	}
	var got []string
	for _, s := range ms[0].Strings {
		for _, m := range s.Matches {
			got = append(got, s.ID+"@"+string(rune('0'+m.Offset%10))+":"+string(m.Data))
		}
	}
	want := "a@3:lo a@3:lo r@6:wor"
	if strings.Join(got, " ") != want {
		t.Errorf("got %q want %q (private $h must not be reported)", strings.Join(got, " "), want)
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{`rule a { condition: foo }`, `test.yar:1:21: error: undefined identifier "foo"`},
		{"rule a {\n strings: $a = \"x\"\n condition: $b }", `test.yar:3:13: error: undefined string identifier $b in rule "a"`},
		{`rule a { strings: $a = "x" $a = "y" condition: $a }`, `duplicated string identifier $a`},
		{`rule a { condition: true } rule a { condition: true }`, `duplicated identifier "a"`},
		{`rule a { strings: $a = { 4G } condition: $a }`, `invalid character`},
		{`rule a { strings: $a = /ab(/ condition: $a }`, `missing ')'`},
		{`rule a { strings: $a = "x" xor nocase condition: $a }`, `xor and nocase`},
		{`rule a { condition: pe.is_pe }`, `module "pe" used without import`},
		{`import "nope" rule a { condition: true }`, `unknown module "nope"`},
		{`rule a { strings: $a = "x\q" condition: $a }`, `illegal escape sequence`},
		{`rule a { condition: (((true) }`, `syntax error`},
		{`rule a { strings: $a = { [2] 41 } condition: $a }`, `cannot start or end with a jump`},
		{`rule a { strings: $a = "unterminated condition: $a }`, `unterminated text string`},
		{`rule a { condition: $ }`, `anonymous string`},
		{`rule a { strings: $a = "x" $b = "y" condition: $a }`, `unreferenced string "$b"`},
	}
	for _, c := range cases {
		_, _, err := Compile([]Source{{Name: "test.yar", Data: []byte(c.src)}}, CompileOptions{})
		if err == nil {
			t.Errorf("%s: compiled, want error %q", c.src, c.want)
			continue
		}
		var ce *CompileError
		if !errors.As(err, &ce) {
			t.Errorf("%s: error %v is not a *CompileError", c.src, err)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %s", c.src, err, c.want)
		}
	}
}

func TestInclude(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/inc.yar", []byte(`rule inc { condition: true }`), 0o644); err != nil {
		t.Fatal(err)
	}
	src := `include "inc.yar" rule main { condition: inc }`
	r, _, err := Compile([]Source{{Name: dir + "/main.yar", Data: []byte(src)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := r.ScanBytes(context.Background(), nil, ScanOptions{})
	if got := matchNames(ms); got != "inc main" {
		t.Errorf("got %q", got)
	}
	_, _, err = Compile([]Source{{Name: dir + "/main.yar", Data: []byte(src)}}, CompileOptions{DisableIncludes: true})
	if err == nil {
		t.Error("include accepted with DisableIncludes")
	}
}

func TestExternalOverride(t *testing.T) {
	r := compileOne(t, `rule a { condition: ext_str == "w" }`)
	ms, err := r.ScanBytes(context.Background(), nil, ScanOptions{Externals: map[string]any{"ext_str": "w"}})
	if err != nil || matchNames(ms) != "a" {
		t.Errorf("got %v %v", ms, err)
	}
	if _, err := r.ScanBytes(context.Background(), nil, ScanOptions{Externals: map[string]any{"nope": 1}}); err == nil {
		t.Error("undeclared external accepted")
	}
}

// TestCatastrophicRegex checks that a regex that backtracks exponentially
// in a backtracking engine runs in bounded time here.
func TestCatastrophicRegex(t *testing.T) {
	r := compileOne(t, `rule a { strings: $a = /(a|aa)+(a|aa)+(a|aa)+b/ condition: $a }`)
	data := []byte(strings.Repeat("a", 20000))
	ms, err := r.ScanBytes(context.Background(), data, ScanOptions{})
	if err != nil || len(ms) != 0 {
		t.Fatalf("got %v %v", ms, err)
	}
}

func TestConcurrentScans(t *testing.T) {
	r := compileOne(t, `rule a { strings: $a = /ab+c/ $b = "xyz" nocase condition: $a and $b }`)
	done := make(chan string, 8)
	for i := 0; i < 8; i++ {
		go func() {
			ms, _ := r.ScanBytes(context.Background(), []byte("..abbbc..XyZ"), ScanOptions{})
			done <- matchNames(ms)
		}()
	}
	for i := 0; i < 8; i++ {
		if got := <-done; got != "a" {
			t.Errorf("got %q", got)
		}
	}
}

// TestTimeout checks that a costly regex on hostile data stops at the
// scan timeout.
func TestTimeout(t *testing.T) {
	r := compileOne(t, `rule a { strings: $a = /a.{0,3000}b/ condition: $a }`)
	data := []byte(strings.Repeat("a", 200000))
	start := time.Now()
	_, err := r.ScanBytes(context.Background(), data, ScanOptions{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("timeout honoured only after %v", d)
	}
}
