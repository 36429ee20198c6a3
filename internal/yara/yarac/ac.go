package yarac

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// readMatches walks the Aho-Corasick match pool: every YR_AC_MATCH names
// its string and the forward code of the atom that found it.
func (m *model) readMatches() error {
	a := m.a
	pool := a.bufs[bufACMatches]
	if len(pool)%matchSize != 0 {
		return fmt.Errorf("corrupt yarac file: match pool of %d bytes", len(pool))
	}
	for o := uint64(0); o < uint64(len(pool)); o += matchSize {
		r, err := a.ptr(bufACMatches, o)
		if err != nil {
			return err
		}
		s := m.strByOff[r.off]
		if r.buf != bufStrings || s == nil {
			return fmt.Errorf("corrupt yarac file: atom for no string")
		}
		s.matchOff = append(s.matchOff, uint32(o))
	}
	return nil
}

// forwardCode returns the offset of the regex code a string's atoms run.
func (m *model) forwardCode(s *yString) (int, error) {
	for _, o := range s.matchOff {
		r, err := m.a.ptr(bufACMatches, uint64(o)+8)
		if err != nil {
			return 0, err
		}
		if !r.null() {
			if r.buf != bufRECode {
				return 0, fmt.Errorf("corrupt yarac file: atom code outside the regex code")
			}
			return int(r.off), nil
		}
	}
	return 0, fmt.Errorf("no atom points to its code")
}

// maxACStates bounds the automaton walk.
const maxACStates = 1 << 24

// atoms returns, for each match in the pool, the bytes of its atom: the
// path from the root to the shallowest state whose match list holds it
// (deeper states list it too, through their failure links). Atoms are
// at most 4 bytes (YR_MAX_ATOM_LENGTH), so the walk stops at depth 4.
func (m *model) atoms() (map[uint32][]byte, error) {
	tb := m.a.bufs[bufACTrans]
	mb := m.a.bufs[bufACMatchTab]
	nt := len(tb) / 4
	if len(mb)/4 < nt {
		nt = len(mb) / 4
	}
	t := func(i int) uint32 { return binary.LittleEndian.Uint32(tb[4*i:]) }
	owned := map[uint32][]byte{}
	type state struct {
		slot int
		path []byte
	}
	level := []state{{0, nil}}
	seen := map[int]bool{0: true}
	visited := 0
	for depth := 0; depth <= 4 && len(level) > 0; depth++ {
		var next []state
		for _, st := range level {
			visited++
			if visited > maxACStates {
				return nil, fmt.Errorf("corrupt yarac file: automaton larger than %d states", maxACStates)
			}
			// the state's matches
			if st.slot < nt {
				if h := binary.LittleEndian.Uint32(mb[4*st.slot:]); h != 0 {
					o := uint64(h-1) * matchSize
					for n := 0; ; n++ {
						if o+matchSize > uint64(len(m.a.bufs[bufACMatches])) || n > maxACStates {
							return nil, fmt.Errorf("corrupt yarac file: match list outside the pool")
						}
						if _, ok := owned[uint32(o)]; ok {
							break
						}
						owned[uint32(o)] = st.path
						r, err := m.a.ptr(bufACMatches, o+24)
						if err != nil {
							return nil, err
						}
						if r.null() {
							break
						}
						if r.buf != bufACMatches || r.off%matchSize != 0 {
							return nil, fmt.Errorf("corrupt yarac file: match list outside the pool")
						}
						o = uint64(r.off)
					}
				}
			}
			if depth == 4 {
				continue
			}
			for c := 0; c < 256; c++ {
				i := st.slot + c + 1
				if i >= nt {
					break
				}
				tr := t(i)
				if tr&0x1FF != uint32(c+1) {
					continue
				}
				child := int(tr >> 9)
				if child == 0 || child >= nt || seen[child] {
					continue
				}
				seen[child] = true
				p := append(append([]byte(nil), st.path...), byte(c))
				next = append(next, state{child, p})
			}
		}
		level = next
	}
	return owned, nil
}

// xorRange finds the keys of an xor string from its atoms: each atom is
// a window of the string (or of its wide form) xored with one key.
func (m *model) xorRange(s *yString, atoms map[uint32][]byte) (int, int, error) {
	keys := map[int]bool{}
	wide := make([]byte, 0, 2*len(s.literal))
	for _, c := range s.literal {
		wide = append(wide, c, 0)
	}
	var variants [][]byte
	if s.flags&strASCII != 0 || s.flags&strWide == 0 {
		variants = append(variants, s.literal)
	}
	if s.flags&strWide != 0 {
		variants = append(variants, wide)
	}
	for _, o := range s.matchOff {
		atom, ok := atoms[o]
		if !ok || len(atom) == 0 {
			return 0, 0, fmt.Errorf("xor string without atoms: its key range is unknown")
		}
		bt, err := m.a.u64(bufACMatches, uint64(o)+32)
		if err != nil {
			return 0, 0, err
		}
		pos := int(uint16(bt)) - len(atom)
		found := false
		for _, v := range variants {
			if pos < 0 || pos+len(atom) > len(v) {
				continue
			}
			k := atom[0] ^ v[pos]
			okv := true
			for j := range atom {
				if atom[j] != v[pos+j]^k {
					okv = false
					break
				}
			}
			if okv {
				keys[int(k)] = true
				found = true
				break
			}
		}
		if !found {
			return 0, 0, fmt.Errorf("xor string: an atom matches no key")
		}
	}
	ks := make([]int, 0, len(keys))
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	if len(ks) == 0 || ks[len(ks)-1]-ks[0]+1 != len(ks) {
		return 0, 0, fmt.Errorf("xor string: its keys are not one range")
	}
	return ks[0], ks[len(ks)-1], nil
}
