package yara

import (
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
		// the concatenation, its growing item list and the jump: not one
		// node per byte
		{"parseHex", 16, func() { parseHex(hex) }},
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
