package yara

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// roundTrip saves r and loads it back.
func roundTrip(t testing.TB, r *Rules) *Rules {
	t.Helper()
	b := r.MarshalCompiled()
	l, err := LoadCompiled(b)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if b2 := l.MarshalCompiled(); !bytes.Equal(b, b2) {
		t.Fatalf("saving loaded rules gives a different file (%d vs %d bytes)", len(b), len(b2))
	}
	return l
}

// extraCases are the rules of the package's other scan tests, so that the
// equivalence test covers them too.
var extraCases = []scanCase{
	{"details", `rule a { strings: $a = "lo" $h = { 6C 6F } private $r = /w.r/ condition: any of them }`, "hello world, lo", "a"},
	{"catastrophic", `rule a { strings: $a = /(a|aa)+(a|aa)+(a|aa)+b/ condition: $a }`, strings.Repeat("a", 2000), ""},
	{"concurrent", `rule a { strings: $a = /ab+c/ $b = "xyz" nocase condition: $a and $b }`, "..abbbc..XyZ", "a"},
	{"external override", `rule a { condition: ext_str == "w" }`, "", ""},
	{"noatom", `rule a { strings: $a = /.a/ $b = { ?? 41 } condition: $a and $b }`, "xA ba", "a"},
	{"rule refs", `private rule p { condition: true } global rule g { condition: filesize < 100 } rule a : t1 t2 { meta: k = "v" n = 3 b = true condition: p and any of (p, g) }`, "x", "a g"},
}

// TestCompiledEquivalence runs every table case with freshly compiled
// rules and with rules that went through MarshalCompiled+LoadCompiled:
// the full match lists (rules, tags, meta, strings, offsets, data) must be
// identical, and saving the loaded rules must give the same bytes.
func TestCompiledEquivalence(t *testing.T) {
	all := append(append([]scanCase{}, scanCases...), extraCases...)
	for _, c := range all {
		t.Run(c.name, func(t *testing.T) {
			fresh := compileOne(t, c.rule)
			loaded := roundTrip(t, fresh)
			want, err1 := fresh.ScanBytes(context.Background(), []byte(c.data), ScanOptions{})
			got, err2 := loaded.ScanBytes(context.Background(), []byte(c.data), ScanOptions{})
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("errors differ: fresh %v, loaded %v", err1, err2)
			}
			if !reflect.DeepEqual(want, got) {
				t.Errorf("rule %s\nfresh  %+v\nloaded %+v", c.rule, want, got)
			}
			if !reflect.DeepEqual(fresh.RuleInfos(), loaded.RuleInfos()) {
				t.Errorf("rule infos differ")
			}
		})
	}
	// all cases as one set (many rules, strings and atoms in one index),
	// one namespace per case because rule names repeat
	var srcs []Source
	for i, c := range all {
		srcs = append(srcs, Source{Name: c.name + ".yar", Data: []byte(c.rule), Namespace: "ns" + itoa(i)})
	}
	fresh, _, err := Compile(srcs, CompileOptions{Externals: map[string]any{"ext_int": int64(5), "ext_str": "v", "ext_bool": true}})
	if err != nil {
		t.Fatal(err)
	}
	loaded := roundTrip(t, fresh)
	for _, c := range all {
		want, _ := fresh.ScanBytes(context.Background(), []byte(c.data), ScanOptions{})
		got, _ := loaded.ScanBytes(context.Background(), []byte(c.data), ScanOptions{})
		if !reflect.DeepEqual(want, got) {
			t.Errorf("set scan of %q differs:\nfresh  %+v\nloaded %+v", c.data, want, got)
		}
	}
}

func TestLoadCompiledErrors(t *testing.T) {
	r := compileOne(t, `rule a { strings: $a = /ab+c/ $b = "xyz" nocase $c = { 41 [2-4] 42 } condition: $a and $b and #c in (0..filesize) > 0 and for any i in (1..#a) : ( @a[i] > 0 ) }`)
	b := r.MarshalCompiled()

	// another format or engine version
	for _, hdr := range [][]byte{
		[]byte(legacyMagic + strings.Repeat("x", 40)),
		append([]byte(compiledMagic), 2, 1),
		append([]byte(compiledMagic), 1, 99),
	} {
		_, err := LoadCompiled(append(hdr, make([]byte, 40)...))
		if !errors.Is(err, ErrIncompatibleCompiled) || !strings.Contains(err.Error(), "compiled with an incompatible version of vigie; recompile with 'vigie yara compile'") {
			t.Errorf("header %q: got %v", hdr[:min(len(hdr), 20)], err)
		}
	}
	if _, err := LoadCompiled([]byte("rule a { condition: true }")); err == nil || !strings.Contains(err.Error(), "not a vigie compiled rules file") {
		t.Errorf("rule text: got %v", err)
	}

	// every truncation and every single-byte flip is an error, never a panic
	for n := 0; n < len(b); n++ {
		if _, err := LoadCompiled(b[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: loaded", n)
		}
	}
	for i := range b {
		for _, x := range []byte{0x01, 0x80, 0xFF} {
			c := append([]byte(nil), b...)
			c[i] ^= x
			if _, err := LoadCompiled(c); err == nil {
				t.Fatalf("byte %d ^ %#x: loaded", i, x)
			}
		}
	}
	// a flipped payload byte is reported as corruption
	c := append([]byte(nil), b...)
	c[len(c)-1] ^= 1
	if _, err := LoadCompiled(c); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("got %v, want checksum error", err)
	}
}

// TestDecodePayloadMutations decodes payloads with bytes flipped AFTER the
// checksum (as a crafted file with a recomputed checksum would be): each
// either fails cleanly or gives rules that scan without panicking.
func TestDecodePayloadMutations(t *testing.T) {
	r := compileOne(t, `import "pe" rule a { strings: $a = /ab+c/ $b = "xyz" nocase wide $c = { 41 [2-4] 42 } condition: ($a and $b and #c in (0..filesize) > 0 and for any i in (1..#a) : ( @a[i] > 0 )) or for all of them : ( # > 0 ) or "abc" matches /b/ or pe.is_pe } rule b { condition: a and any of (a*) }`)
	b := r.MarshalCompiled()
	payload := b[len(b)-compiledPayloadLen(t, b):]
	for i := range payload {
		for _, x := range []byte{0x01, 0x02, 0x80, 0xFF} {
			c := append([]byte(nil), payload...)
			c[i] ^= x
			checkPayload(t, c)
		}
	}
}

func compiledPayloadLen(t testing.TB, b []byte) int {
	// magic, two one-byte varints, checksum
	n := len(b) - len(compiledMagic) - 2 - 32
	if n <= 0 {
		t.Fatal("short file")
	}
	return n
}

// checkPayload decodes a payload and, when it decodes, scans with it.
func checkPayload(t testing.TB, p []byte) {
	l, err := decodePayload(p)
	if err != nil {
		return
	}
	ctx := context.Background()
	// a crafted condition may loop up to the evaluation limits, like a
	// compiled one: bound the scan time
	o := ScanOptions{Timeout: time.Second}
	_, _ = l.ScanBytes(ctx, []byte("xabbbcx A..B x\x00y\x00z\x00 MZ"), o)
	_, _ = l.ScanBytes(ctx, nil, o)
}

// FuzzLoadCompiled feeds arbitrary bytes to LoadCompiled (which must
// reject them or load them) and, past the checksum, to the payload
// decoder; decoded rules are used for a scan, which must not panic.
func FuzzLoadCompiled(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "compiled", "*.vyc"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		if len(b) > len(compiledMagic)+34 {
			f.Add(b[len(compiledMagic)+34:])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		if l, err := LoadCompiled(b); err == nil {
			_, _ = l.ScanBytes(context.Background(), []byte("abc"), ScanOptions{Timeout: time.Second})
		}
		checkPayload(t, b)
	})
}

func TestCompiledSetExternal(t *testing.T) {
	l := roundTrip(t, compileOne(t, `rule a { condition: ext_str == "w" and ext_int == 5 }`))
	if ms, _ := l.ScanBytes(context.Background(), nil, ScanOptions{}); len(ms) != 0 {
		t.Fatalf("matched before override: %v", ms)
	}
	if err := l.SetExternal("ext_str", "w"); err != nil {
		t.Fatal(err)
	}
	if ms, _ := l.ScanBytes(context.Background(), nil, ScanOptions{}); matchNames(ms) != "a" {
		t.Errorf("after override: %v", ms)
	}
	if err := l.SetExternal("x", []int{1}); err == nil {
		t.Error("accepted a slice external")
	}
}

// TestWriteCompiledSeeds regenerates the FuzzLoadCompiled seeds in
// testdata/compiled (run with VIGIE_WRITE_SEEDS=1 after a format change).
func TestWriteCompiledSeeds(t *testing.T) {
	if os.Getenv("VIGIE_WRITE_SEEDS") == "" {
		t.Skip("VIGIE_WRITE_SEEDS not set")
	}
	dir := filepath.Join("testdata", "compiled")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	seeds := map[string]string{
		"literals": `rule a : t { meta: k = "v" n = 1 b = true strings: $a = "hello" nocase $b = "ab" wide ascii fullword $c = "abc" xor(1-2) $d = "This program" base64 condition: any of them }`,
		"hex":      `rule a { strings: $a = { 4D 5A ?? 00 [2-4] ( 41 | 42 43 ) 4? ~44 } $b = { ?? 41 } $c = { 61 [-] 62 [300-400] 63 } condition: $a at 0 or #b in (0..10) > 1 or $c }`,
		"regex":    `rule a { strings: $a = /[a-z]+\.exe/ $b = /ab+c/is $c = /\bcat\b/ wide condition: $a and !a[1] == 8 and @b[1] > 0 or $c }`,
		"cond":     `import "pe" import "math" private rule p { condition: true } global rule g { condition: filesize < 100 } rule a { strings: $a = "x" condition: p and any of (p, g) and for all i in (1..#a) : ( @a[i] >= 0 ) and for any of ($a) : ( # > 0 ) and ext_str matches /v/ and math.entropy(0, filesize) >= 0 and pe.is_pe == 0 and uint16be(0) != 1 }`,
	}
	for name, src := range seeds {
		r := compileOne(t, src)
		if err := os.WriteFile(filepath.Join(dir, name+".vyc"), r.MarshalCompiled(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
