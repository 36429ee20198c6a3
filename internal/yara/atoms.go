package yara

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// Atoms are short (1 to 4 byte) literal pieces of each string that every
// match must contain. Scanning looks for atoms only, through one index
// over all atoms of all rules, and verifies each atom hit with the full
// pattern. Atom choice follows the heuristic of libyara and YARA-X: rare
// bytes score high; zeros, 0xFF, spaces, common padding bytes and repeated
// bytes score low; a longer atom with more distinct bytes is better.

const maxAtomLen = 4

// byteQuality scores one byte of an atom.
func byteQuality(b byte) int {
	switch b {
	case 0x00, 0xFF, 0x20, 0xCC, 0x90, 0x0A, 0x0D, 0x41:
		return 2
	}
	if (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') {
		return 12
	}
	return 18
}

// atomQuality scores a window of byte sets; each set has 1 or 2 members
// (case variants count as slightly worse than a fixed byte).
func atomQuality(w []byteSet) int {
	q := 0
	var seen byteSet
	for i := range w {
		cnt := w[i].count()
		if cnt == 0 {
			return -1 << 30
		}
		if cnt > 4 {
			// a nibble (X? or ?X) adds a little, ?? takes away, as in
			// libyara's yr_atoms_heuristic_quality
			if cnt == 256 {
				q -= 10
			} else {
				q += 4
			}
			continue
		}
		f := w[i].first()
		bq := byteQuality(f)
		if cnt > 1 {
			bq -= 2 * (cnt - 1)
		}
		q += bq
		seen.add(f)
	}
	distinct := seen.count()
	if distinct == 1 && len(w) > 1 && commonRepeat(seen) {
		// 0000, "    ", NOP and padding runs; a run of another byte
		// ("aaaa", 61 61 61 61) is as rare as any atom (libyara's
		// yr_atoms_heuristic_quality penalizes only these)
		q -= 10 * len(w)
	}
	q += 4 * distinct
	return q
}

// atomElem is what one byte set of a window gives atomQuality: its
// member count and first member.
type atomElem struct {
	cnt   uint16
	first byte
}

func atomElemOf(s *byteSet) atomElem { return atomElem{uint16(s.count()), s.first()} }

// windowQuality is atomQuality of the window of sets es describes.
func windowQuality(es []atomElem) int {
	q, distinct := 0, 0
	var firsts [maxAtomLen]byte
	for _, e := range es {
		switch {
		case e.cnt == 0:
			return -1 << 30
		case e.cnt == 256:
			q -= 10
			continue
		case e.cnt > 4:
			q += 4
			continue
		}
		q += byteQuality(e.first) - 2*(int(e.cnt)-1)
		if bytes.IndexByte(firsts[:distinct], e.first) < 0 {
			firsts[distinct] = e.first
			distinct++
		}
	}
	if distinct == 1 && len(es) > 1 {
		switch firsts[0] {
		case 0x00, 0x20, 0x90, 0xCC, 0xFF: // commonRepeat
			q -= 10 * len(es)
		}
	}
	return q + 4*distinct
}

// maskOf reports whether s is the set of bytes b with b&mask == val: one
// byte (mask 0xFF), a nibble X? or ?X (0xF0, 0x0F) or ?? (0x00).
func maskOf(s byteSet) (val, mask byte, ok bool) {
	cnt := s.count()
	f := s.first()
	for _, m := range [...]byte{0xFF, 0xF0, 0x0F, 0x00} {
		if cnt != 256>>bits.OnesCount8(m) {
			continue
		}
		all := true
		for b := 0; b < 256 && all; b++ {
			if byte(b)&m == f&m && !s.has(byte(b)) {
				all = false
			}
		}
		if all {
			return f & m, m, true
		}
	}
	return 0, 0, false
}

// atomWindowSet reports whether set s, of cnt members, can be byte j of an atom window
// whose expanded sets so far give combos atoms, and the new combos: up to
// 4 alternatives are expanded anywhere, a nibble is expanded in the first
// two bytes (the index's bucket key must be fixed bytes), and after those
// a nibble or ?? is a masked byte of the atom.
func atomWindowSet(s *byteSet, cnt, j, combos int) (int, bool) {
	if cnt <= 4 || (j < 2 && cnt == 16) {
		if combos*cnt > maxAtomsPerPattern {
			return combos, false
		}
		if cnt > 4 {
			if _, _, ok := maskOf(*s); !ok {
				return combos, false
			}
		}
		return combos * cnt, true
	}
	if j < 2 {
		return combos, false
	}
	_, _, ok := maskOf(*s)
	return combos, ok
}

// windowAtoms returns the index entries of an atom window chosen with
// atomWindowSet: small sets expanded, masked bytes as masks.
func windowAtoms(w []byteSet, pi int32) []atomEntry {
	out := []atomEntry{{n: uint8(len(w)), pat: pi}}
	for i := range w {
		if i >= 2 && w[i].count() > 4 {
			v, m, _ := maskOf(w[i])
			for k := range out {
				out[k].val |= uint32(v) << (8 * i)
				out[k].mask |= uint32(m) << (8 * i)
			}
			continue
		}
		var nx []atomEntry
		for _, o := range out {
			for _, b := range w[i].members() {
				c := o
				c.val |= uint32(b) << (8 * i)
				c.mask |= 0xFF << (8 * i)
				nx = append(nx, c)
			}
		}
		out = nx
	}
	return out
}

// full4 reports whether a is a 4-byte atom without masked bytes (found by
// binary search; the others are compared one by one).
func full4(a atomEntry) bool { return a.n == 4 && a.mask == 0xFFFFFFFF }

// commonRepeat reports whether the one byte of seen is one whose runs are
// common in files: 0x00, 0x20, 0x90, 0xCC or 0xFF.
func commonRepeat(seen byteSet) bool {
	return seen.has(0x00) || seen.has(0x20) || seen.has(0x90) || seen.has(0xCC) || seen.has(0xFF)
}

// expandAtoms expands a window of small byte sets to all byte strings.
func expandAtoms(w []byteSet) [][]byte {
	out := [][]byte{{}}
	for i := range w {
		m := w[i].members()
		var nx [][]byte
		for _, o := range out {
			for _, b := range m {
				c := append(append([]byte{}, o...), b)
				nx = append(nx, c)
			}
		}
		out = nx
	}
	return out
}

// atomEntry is one atom in the scan index.
type atomEntry struct {
	val  uint32 // atom bytes, little endian, zero padded
	mask uint32
	n    uint8
	pat  int32
}

// atomIndex finds all atoms in data. Atoms of length 1 are listed by
// their byte. Atoms of 2 or 3 bytes and masked atoms are bucketed by their
// first two bytes (few buckets: a bit per bucket says which to look in).
// Full 4-byte atoms, most of them, are found through the 32-bit word at
// each position: a one-bit-per-hash filter (about 32 bits per atom, so
// that it stays in cache) rejects almost every position of a file, and an
// open-addressing hash table gives the atoms of a word that passes. On
// executables two thirds of the byte pairs start some atom of a large
// rule set, so the word filter, not the pair, decides.
type atomIndex struct {
	off2  []int32 // len 65537: bucket b holds entries[off2[b]:off2[b+1]]
	mid   []int32 // len 65536: first 4-byte atom of bucket b
	ent2  []atomEntry
	bits  [1024]uint64 // bit k set when bucket k has atoms shorter than 4 bytes or masked
	one   [256][]int32 // patterns with 1-byte atoms
	one1  byteSet      // bytes with 1-byte atoms
	has1  bool
	count int

	hashA, hashB uint64   // this index's hash of words (see hash)
	filter       []uint64 // bit h>>fshift set when some 4-byte atom's word hashes to h
	fshift       uint32
	slots        []int32 // open addressing: 1 + index into words, 0 empty
	sshift       uint32
	words        []uint32 // distinct 4-byte atom words
	wstart       []int32  // patterns of words[j]: wpats[wstart[j]:wstart[j+1]]
	wpats        []int32
}

// hash spreads a 4-byte atom word over 32 bits: Dietzfelbinger's
// multiply-add-shift, (a*w + b) >> 32 with a and b drawn at random for
// each index, so that two words collide in the top k bits (the filter's
// bit, the table's slot) with probability about 2^-k whatever the words.
// A fixed hash let a rule set of words chosen to share their top bits
// (w*0x9E3779B1 small, say) put all its atoms in one run of the table,
// and every position of every file whose word passed the filter walked
// that run. The seed is not saved: an index is rebuilt, with a new one,
// when saved rules are loaded.
func (ix *atomIndex) hash(w uint32) uint32 { return uint32((uint64(w)*ix.hashA + ix.hashB) >> 32) }

func buildAtomIndex(atoms []atomEntry) *atomIndex {
	ix := &atomIndex{off2: make([]int32, 65537), mid: make([]int32, 65536), count: len(atoms), hashA: rand.Uint64(), hashB: rand.Uint64()}
	n2 := 0
	for _, a := range atoms {
		if a.n == 1 {
			b := byte(a.val)
			ix.one[b] = append(ix.one[b], a.pat)
			ix.one1.add(b)
			ix.has1 = true
			continue
		}
		ix.off2[int(uint16(a.val))+1]++
		n2++
	}
	for i := 1; i <= 65536; i++ {
		ix.off2[i] += ix.off2[i-1]
	}
	// bucketed by their first two bytes, in their order (a counting sort);
	// in each bucket the short or masked atoms first, in their order, then
	// the full 4-byte atoms by word, equal words in their order
	two := make([]atomEntry, n2)
	next := ix.mid // scratch: next free entry of each bucket
	copy(next, ix.off2[:65536])
	for _, a := range atoms {
		if a.n != 1 {
			k := uint16(a.val)
			two[next[k]] = a
			next[k]++
		}
	}
	var full []atomEntry
	for k := 0; k < 65536; k++ {
		b := two[ix.off2[k]:ix.off2[k+1]]
		m := 0
		full = full[:0]
		for _, a := range b {
			if full4(a) {
				full = append(full, a)
			} else {
				b[m] = a
				m++
			}
		}
		if len(full) > 0 {
			copy(b[m:], full)
			if len(full) > 1 {
				slices.SortStableFunc(b[m:], func(x, y atomEntry) int { return cmp.Compare(x.val, y.val) })
			}
		}
		ix.mid[k] = ix.off2[k] + int32(m)
		if m > 0 {
			ix.bits[k>>6] |= 1 << (k & 63)
		}
	}
	ix.ent2 = two
	// 4-byte atoms: sorted by word inside each bucket, and buckets in
	// order, so equal words are adjacent
	ix.wstart = []int32{0}
	for k := 0; k < 65536; k++ {
		for e := ix.mid[k]; e < ix.off2[k+1]; e++ {
			a := two[e]
			if n := len(ix.words); n == 0 || ix.words[n-1] != a.val || len(ix.wpats) == 0 {
				if n > 0 {
					ix.wstart = append(ix.wstart, int32(len(ix.wpats)))
				}
				ix.words = append(ix.words, a.val)
			}
			ix.wpats = append(ix.wpats, a.pat)
		}
	}
	ix.wstart = append(ix.wstart, int32(len(ix.wpats)))
	fbits, tsize := 1<<12, 16
	for fbits < 32*len(ix.words) {
		fbits <<= 1
	}
	for tsize < 2*len(ix.words) {
		tsize <<= 1
	}
	ix.filter = make([]uint64, fbits/64)
	ix.fshift = uint32(32 - bits.TrailingZeros(uint(fbits)))
	ix.slots = make([]int32, tsize)
	ix.sshift = uint32(32 - bits.TrailingZeros(uint(tsize)))
	for j, w := range ix.words {
		h := ix.hash(w)
		f := h >> ix.fshift
		ix.filter[f>>6] |= 1 << (f & 63)
		s := h >> ix.sshift
		for ix.slots[s] != 0 {
			s = (s + 1) & uint32(tsize-1)
		}
		ix.slots[s] = int32(j + 1)
	}
	return ix
}

// scan calls hit(pat, pos) for each atom occurrence at pos; it stops early
// when hit returns false. At one position the 1-byte atoms come first,
// then the short or masked ones, then the 4-byte ones.
func (ix *atomIndex) scan(data []byte, hit func(pat int32, pos int) bool) {
	n := len(data)
	off := ix.off2
	mid := ix.mid
	ent := ix.ent2
	sbits := &ix.bits
	filter := ix.filter
	fshift, sshift := ix.fshift, ix.sshift
	hashA, hashB := ix.hashA, ix.hashB
	slots, smask := ix.slots, uint32(len(ix.slots)-1)
	words, wstart, wpats := ix.words, ix.wstart, ix.wpats
	has1 := ix.has1
	for i := 0; i+1 < n; i++ {
		if has1 && ix.one1.has(data[i]) {
			for _, p := range ix.one[data[i]] {
				if !hit(p, i) {
					return
				}
			}
		}
		var w uint32
		if i+4 <= n {
			w = binary.LittleEndian.Uint32(data[i:])
		} else {
			for j := 0; i+j < n && j < 4; j++ {
				w |= uint32(data[i+j]) << (8 * j)
			}
		}
		if k := uint16(w); sbits[k>>6]&(1<<(k&63)) != 0 {
			for _, e := range ent[off[k]:mid[k]] {
				if w&e.mask == e.val && i+int(e.n) <= n {
					if !hit(e.pat, i) {
						return
					}
				}
			}
		}
		h := uint32((uint64(w)*hashA + hashB) >> 32) // ix.hash(w)
		if f := h >> fshift; filter[f>>6]&(1<<(f&63)) == 0 || i+4 > n {
			continue
		}
		for s := h >> sshift; slots[s] != 0; s = (s + 1) & smask {
			j := slots[s] - 1
			if words[j] != w {
				continue
			}
			for _, p := range wpats[wstart[j]:wstart[j+1]] {
				if !hit(p, i) {
					return
				}
			}
			break
		}
	}
	if n > 0 && ix.has1 {
		for _, p := range ix.one[data[n-1]] {
			if !hit(p, n-1) {
				return
			}
		}
	}
}
