package yara

import (
	"context"
	"strings"
	"testing"
	"unsafe"
)

// TestCompileAllocs bounds the allocations of the steps that run for
// every hex string and regexp of a rule set: the shared byte nodes of
// hex strings and libyara's atom tree, and the reused scratch of the
// program builder and of the atom extraction (together they halved what
// compiling signature-base allocated).
func TestCompileAllocs(t *testing.T) {
	hex := strings.Repeat("4D 5A 90 00 03 00 ", 10) + "[2-4] 50 45 ?? 00"
	n, err := parseHex(hex)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		max  float64
		f    func()
	}{
		// the parser, its item stack, the concatenation and its items,
		// the jump: not one node per byte nor a growing list
		{"parseHex", 8, func() { parseHex(hex) }},
		// the program and its two exact-size slices
		{"compileNode", 4, func() { compileNode(n, false) }},
		// the concatenation nodes and the atom tree's leaves
		{"lyTreeQuality", 16, func() { lyTreeQuality(n, true) }},
	}
	for _, c := range cases {
		c.f() // warm the scratch pools
		if got := testing.AllocsPerRun(20, c.f); got > c.max {
			t.Errorf("%s: %.0f allocations, want at most %.0f", c.name, got, c.max)
		}
	}
}

// TestMetaInterned checks that equal metadata keys and string values of
// different rules are one copy, and that each rule's list has no spare
// capacity.
func TestMetaInterned(t *testing.T) {
	src := `rule a { meta: author = "Jane Doe" score = 70 condition: true }
rule b { meta: author = "Jane Doe" date = "2024-01-01" condition: true }`
	r, _, err := Compile([]Source{{Name: "m.yar", Data: []byte(src)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ma, mb := r.rules[0].def.meta, r.rules[1].def.meta
	if unsafe.StringData(ma[0].Key) != unsafe.StringData(mb[0].Key) {
		t.Error("meta key author: two copies")
	}
	va, vb := ma[0].Value.(string), mb[0].Value.(string)
	if va != "Jane Doe" || unsafe.StringData(va) != unsafe.StringData(vb) {
		t.Errorf("meta value %q / %q: two copies", va, vb)
	}
	if cap(ma) != 2 || cap(mb) != 2 {
		t.Errorf("meta capacity %d and %d, want 2", cap(ma), cap(mb))
	}
}

// TestLiteralPatternsCompact checks that literal patterns share the zero
// fields of hex strings and regexps, compiled and loaded from a saved
// file, and that scanning and loading never write to them.
func TestLiteralPatternsCompact(t *testing.T) {
	if s := unsafe.Sizeof(pattern{}); s > 64 {
		t.Errorf("pattern is %d bytes, want at most 64", s)
	}
	if s := unsafe.Sizeof(cstring{}); s > 48 {
		t.Errorf("cstring is %d bytes, want at most 48", s)
	}
	src := `rule a { strings: $a = "hello" nocase wide ascii $b = { 41 42 [2-300] 43 44 45 46 [400-900] 47 48 49 4A } $c = /ab+c[0-9]{2}/ condition: any of them }
rule b { strings: $a = "world" fullword condition: $a }`
	r, _, err := Compile([]Source{{Name: "p.yar", Data: []byte(src)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadCompiled(r.MarshalCompiled())
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range []*Rules{r, loaded} {
		ms, err := rs.ScanBytes(context.Background(), []byte("xx hello AB__CDEF"+strings.Repeat(".", 500)+"GHIJ abbbc12 world h\x00e\x00l\x00l\x00o\x00"), ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 2 {
			t.Errorf("%d matching rules, want 2", len(ms))
		}
		lits := 0
		for i, p := range rs.pats {
			if p.kind == pkLiteral {
				lits++
				if p.reFields != &noReFields {
					t.Errorf("literal pattern %d has its own regexp fields", i)
				}
			} else if p.reFields == &noReFields {
				t.Errorf("pattern %d of kind %d shares the literals' fields", i, p.kind)
			}
		}
		if lits < 3 {
			t.Errorf("%d literal patterns, want at least 3", lits)
		}
	}
	if noReFields.prog != nil || noReFields.limit != 0 || noReFields.sets != nil || noReFields.first != nil ||
		noReFields.prefix != nil || noReFields.rev != nil || noReFields.restProg != nil || noReFields.revChecks != nil {
		t.Errorf("the literals' shared fields were written: %+v", noReFields)
	}
}

// TestExprsShared checks that equal pure subexpressions of compiled
// conditions (constants, uint16(0) == 0x5A4D) are one node, that
// expressions naming a rule's strings are not shared, and that the rules
// still evaluate them.
func TestExprsShared(t *testing.T) {
	// a float constant and a string reference keep their value and
	// identifier in fields other kinds use (1.5 and $b below)
	if s := unsafe.Sizeof(node{}); s > 136 {
		t.Errorf("node is %d bytes, want at most 136", s)
	}
	src := `rule a { condition: uint16(0) == 0x5A4D and filesize < 100 }
rule b { condition: uint16(0) == 0x5A4D and filesize > 2 }`
	r, _, err := Compile([]Source{{Name: "i.yar", Data: []byte(src)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// and(==(uint16(0), 0x5A4D), <(filesize, 100))
	ca, cb := r.rules[0].cond, r.rules[1].cond
	if ca.a.b != cb.a.b || ca.a.b.i != 0x5A4D {
		t.Error("0x5A4D: two nodes")
	}
	if ca.a.a.a != cb.a.a.a || ca.a.a.a.i != 0 {
		t.Error("0: two nodes")
	}
	if ca.b.b == cb.b.b {
		t.Error("100 and 2 share a node")
	}
	if ca.a != cb.a {
		t.Error("uint16(0) == 0x5A4D: two nodes")
	}
	ms, err := r.ScanBytes(context.Background(), []byte("MZ\x90\x00"), ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Errorf("%d matching rules, want 2", len(ms))
	}
	src = `rule f { strings: $b = "y" condition: $b and 1.5 * 2 == 3.0 and -2.5 < 0 and math.to_number(true) == 1 }
rule g { condition: 0.1 + 0.2 > 0.3 }`
	for _, rs := range compileAndLoad(t, "import \"math\"\n"+src) {
		ms, err := rs.ScanBytes(context.Background(), []byte("xyz"), ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := matchNames(ms); got != "f g" {
			t.Errorf("matches %q, want f g", got)
		}
	}
	src = `rule c { strings: $a = "x" $b = "y" condition: #a == 1 and #b == 1 }
rule d { strings: $a = "y" condition: #a == 1 }`
	r, _, err = Compile([]Source{{Name: "s.yar", Data: []byte(src)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.rules[0].cond.a == r.rules[1].cond {
		t.Error("#a == 1 of two rules share a node")
	}
	ms, err = r.ScanBytes(context.Background(), []byte("x y"), ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Errorf("%d matching rules, want 2", len(ms))
	}
}

// compileAndLoad compiles src and returns the rules and their saved and
// reloaded form.
func compileAndLoad(t *testing.T, src string) []*Rules {
	t.Helper()
	r, _, err := Compile([]Source{{Name: "t.yar", Data: []byte(src)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadCompiled(r.MarshalCompiled())
	if err != nil {
		t.Fatal(err)
	}
	return []*Rules{r, loaded}
}
