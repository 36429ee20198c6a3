package yara

import (
	"context"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestHexStringsReused checks that a hex string whose text an earlier
// string already has is not compiled again but shares that string's
// compiled form, and that it matches, chains, warns and saves exactly as
// when it is compiled on its own.
func TestHexStringsReused(t *testing.T) {
	hexes := []string{
		"{ 4D 5A ?? 00 [2-4] 50 45 }",                // atoms and a jump
		"{ 41 42 [-] 43 44 [300-400] 45 46 }",        // a chain of three parts
		"{ 00 00 }",                                  // no usable atom, "slow" warning
		"{ 61 ( 62 | 63 ) [1-2] 64 65 66 67 }",       // alternation
		"{ 31 ?? 32 [0-3] ?3 34 35 36 // comment\n}", // nibble, comment
	}
	var src, alone strings.Builder
	for r := 0; r < 3; r++ {
		src.WriteString("rule r" + itoa(r) + " { strings:")
		for i, h := range hexes {
			src.WriteString(" $h" + itoa(i) + " = " + h)
		}
		src.WriteString(" condition: any of them }\n")
	}
	alone.WriteString("rule r0 { strings:")
	for i, h := range hexes {
		alone.WriteString(" $h" + itoa(i) + " = " + h)
	}
	alone.WriteString(" condition: any of them }\n")
	data := []byte("..MZ\x90\x00..PE..AB" + strings.Repeat("x", 50) + "CD" + strings.Repeat("y", 350) + "EF..\x00\x00..acXdefg..1.2S3456")

	rules, warns, err := Compile([]Source{{Name: "dup.yar", Data: []byte(src.String())}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	one, oneWarns, err := Compile([]Source{{Name: "one.yar", Data: []byte(alone.String())}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 3*len(oneWarns) || len(oneWarns) == 0 {
		t.Errorf("%d warnings, want 3 × %d", len(warns), len(oneWarns))
	}
	for k, w := range warns { // each rule is two lines (the comment ends one)
		if w.Pos.Line != 2*k+1 || w.Pos != (Pos{"dup.yar", 2*k + 1, oneWarns[0].Pos.Col}) {
			t.Errorf("warning %d at %v, want line %d column %d", k, w.Pos, 2*k+1, oneWarns[0].Pos.Col)
		}
	}
	// every rule's strings match as the rule compiled alone does
	want, err := one.ScanBytes(context.Background(), data, ScanOptions{})
	if err != nil || len(want) != 1 {
		t.Fatalf("alone: %v %v", want, err)
	}
	if len(want[0].Strings) != len(hexes) {
		t.Fatalf("alone: %d strings matched, want %d: %+v", len(want[0].Strings), len(hexes), want[0].Strings)
	}
	for _, rs := range []*Rules{rules, roundTrip(t, rules)} {
		got, err := rs.ScanBytes(context.Background(), data, ScanOptions{})
		if err != nil || len(got) != 3 {
			t.Fatalf("got %d matches, %v", len(got), err)
		}
		for _, m := range got {
			if !reflect.DeepEqual(m.Strings, want[0].Strings) {
				t.Errorf("%s: strings %+v, want %+v", m.Rule, m.Strings, want[0].Strings)
			}
		}
	}
	if len(rules.chains) != 3 || len(rules.pats) != 3*len(one.pats) || len(rules.noAtom) != 3*len(one.noAtom) {
		t.Errorf("%d chains, %d patterns, %d without atoms; want 3, %d, %d", len(rules.chains), len(rules.pats), len(rules.noAtom), 3*len(one.pats), 3*len(one.noAtom))
	}
	// the later rules share the first one's compiled patterns
	n := len(one.pats)
	for i := 0; i < n; i++ {
		for r := 1; r < 3; r++ {
			if rules.pats[i].reFields != rules.pats[r*n+i].reFields {
				t.Errorf("pattern %d of rule r%d was compiled again", i, r)
			}
		}
	}
}

// TestLiteralAtoms checks that the atoms of literals, chosen and expanded
// from their bytes, are those of the general byte-set code: the same
// quality for every window and the same index entries in the same order.
func TestLiteralAtoms(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("aAzZ09 \x00\xff\x90\xcc\n\r@[`{MZ")
	for it := 0; it < 20000; it++ {
		w := make([]byte, 1+rng.IntN(maxAtomLen))
		for i := range w {
			if rng.IntN(3) == 0 {
				w[i] = byte(rng.IntN(256))
			} else {
				w[i] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		for _, nocase := range []bool{false, true} {
			sets := make([]byteSet, len(w))
			for i, b := range w {
				sets[i].add(b)
				if nocase {
					sets[i] = foldSet(b)
				}
			}
			if got, want := literalAtomQuality(w, nocase), atomQuality(sets); got != want {
				t.Fatalf("%q nocase %v: quality %d, want %d", w, nocase, got, want)
			}
			var want []atomEntry
			for _, a := range expandAtoms(sets) {
				want = append(want, mkAtom(a, 7))
			}
			if got := appendLiteralAtoms(nil, w, nocase, 7); !reflect.DeepEqual(got, want) {
				t.Fatalf("%q nocase %v: atoms %x, want %x", w, nocase, got, want)
			}
		}
	}
}

// TestNoWarnings checks that CompileOptions.NoWarnings (yara -w) gives no
// warnings and the same rules.
func TestNoWarnings(t *testing.T) {
	src := `rule a { strings: $h = { 00 00 } $t = "ab" $r = /a.*b/ $d = { 00 00 } condition: any of them }`
	data := []byte("xx\x00\x00 ab a..b")
	var got [2][]Match
	for i, nw := range []bool{false, true} {
		r, warns, err := Compile([]Source{{Name: "w.yar", Data: []byte(src)}}, CompileOptions{NoWarnings: nw})
		if err != nil {
			t.Fatal(err)
		}
		if nw != (len(warns) == 0) {
			t.Errorf("NoWarnings %v: %d warnings", nw, len(warns))
		}
		if got[i], err = r.ScanBytes(context.Background(), data, ScanOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(got[0], got[1]) || len(got[0]) != 1 || len(got[0][0].Strings) != 4 {
		t.Errorf("matches differ or are missing:\n%+v\n%+v", got[0], got[1])
	}
}

// TestWindowQuality checks that a window scored from its sets' counts and
// first bytes gets atomQuality's score.
func TestWindowQuality(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	kinds := []func() byteSet{
		func() (s byteSet) { s.add(byte(rng.IntN(256))); return },
		func() (s byteSet) { s.add([]byte{0, 0x20, 0x90, 0xCC, 0xFF, 'A'}[rng.IntN(6)]); return },
		func() (s byteSet) { return foldSet(byte('a' + rng.IntN(26))) },
		func() (s byteSet) { s.addRange(0, 255); return },
		func() (s byteSet) { b := byte(rng.IntN(16)); s.addRange(int(b)<<4, int(b)<<4|15); return },
		func() (s byteSet) {
			for range 1 + rng.IntN(6) {
				s.add(byte(rng.IntN(256)))
			}
			return
		},
		func() (s byteSet) { return },
	}
	for it := 0; it < 50000; it++ {
		w := make([]byteSet, 1+rng.IntN(maxAtomLen))
		es := make([]atomElem, len(w))
		for i := range w {
			w[i] = kinds[rng.IntN(len(kinds))]()
			es[i] = atomElemOf(&w[i])
		}
		if got, want := windowQuality(es), atomQuality(w); got != want {
			t.Fatalf("window %x: %d, want %d", w, got, want)
		}
	}
}
