package yara

import (
	"math/rand"
	"slices"
	"testing"
)

// TestAtomIndexFindsAll compares the atom index with a naive search: 1-,
// 2-, 3- and 4-byte atoms, masked atoms, several patterns on one word and
// atoms at the very end of the data are all reported, in position order.
func TestAtomIndexFindsAll(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alpha := []byte{0, 1, 'a', 'b', 0xFF}
	data := make([]byte, 5000)
	for i := range data {
		data[i] = alpha[rng.Intn(len(alpha))]
	}
	var atoms []atomEntry
	for pi := int32(0); pi < 3000; pi++ {
		n := 1 + rng.Intn(4)
		if pi%3 != 0 {
			n = 4 // most atoms have 4 bytes, as in real rule sets
		}
		a := atomEntry{n: uint8(n), pat: pi}
		for j := 0; j < n; j++ {
			a.val |= uint32(alpha[rng.Intn(len(alpha))]) << (8 * j)
			a.mask |= 0xFF << (8 * j)
		}
		if n == 4 && pi%7 == 0 {
			a.mask &^= 0xFF << 24 // a masked last byte
			a.val &= a.mask
		}
		atoms = append(atoms, a)
	}
	type hit struct {
		pos int
		pat int32
	}
	var want []hit
	for i := range data {
		for _, a := range atoms {
			if i+int(a.n) > len(data) {
				continue
			}
			var w uint32
			for j := 0; j < int(a.n); j++ {
				w |= uint32(data[i+j]) << (8 * j)
			}
			if w&a.mask == a.val {
				want = append(want, hit{i, a.pat})
			}
		}
	}
	var got []hit
	buildAtomIndex(atoms).scan(data, func(pat int32, pos int) bool {
		got = append(got, hit{pos, pat})
		return true
	})
	cmp := func(a, b hit) int {
		if a.pos != b.pos {
			return a.pos - b.pos
		}
		return int(a.pat - b.pat)
	}
	if !slices.IsSortedFunc(got, func(a, b hit) int { return a.pos - b.pos }) {
		t.Error("hits are not in position order")
	}
	slices.SortFunc(got, cmp)
	slices.SortFunc(want, cmp)
	if !slices.Equal(got, want) {
		t.Errorf("index found %d hits, naive search %d", len(got), len(want))
	}
}
