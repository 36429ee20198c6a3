package yara

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"slices"
)

// interner shares equal read-only pieces of compiled patterns between
// strings: signature-base repeats the same hex strings and regexes in many
// rules (and a regex's wide and ascii forms share prefixes), and each copy
// was a program and byte-set sequences of its own. Compiled programs and
// set sequences are never written after compile, so sharing them is safe;
// a saved file shares them the same way (see cwriter.prog).
//
// It also keeps the rule set's table of distinct byte sets (Rules.setTab):
// a rule set has few (signature-base: 380 among 440,000 instructions and
// 98,000 positions of set sequences), so set sequences are indices into
// the table (2 bytes a position instead of 32) and so are the sets of
// programs (the program keeps no copy of its own). The table holds at
// most 65,536 sets; past that a pattern is verified by its program and a
// program keeps its own sets.
type interner struct {
	seed  maphash.Seed
	buf   []byte
	progs map[uint64][]*regexProg
	seqs  map[uint64][][]uint16
	tab   []byteSet
	tabIx map[byteSet]uint16
	seq   []uint16 // scratch of seqOf
	local []uint16 // scratch of prog: a program's set index -> table index
}

func newInterner() *interner {
	return &interner{seed: maphash.MakeSeed(), progs: map[uint64][]*regexProg{}, seqs: map[uint64][][]uint16{}, tabIx: map[byteSet]uint16{}}
}

// maxSetTab is the most byte sets a table holds (16-bit indices); a
// variable for tests.
var maxSetTab = math.MaxUint16 + 1

// setRef returns the index of s in the table, adding it if new; false
// when the table is full.
func (in *interner) setRef(s byteSet) (uint16, bool) {
	i, ok := in.tabIx[s]
	if !ok {
		if len(in.tab) == maxSetTab {
			return 0, false
		}
		i = uint16(len(in.tab))
		in.tabIx[s] = i
		in.tab = append(in.tab, s)
	}
	return i, true
}

// seqOf returns a shared sequence of table indices for the byte sets of
// els (which are all rSet nodes); an empty els gives an empty, non-nil
// sequence (a pattern's empty set sequence differs from none); nil when
// the table is full.
func (in *interner) seqOf(els []*rnode) []uint16 {
	in.seq = in.seq[:0]
	in.buf = in.buf[:0]
	for _, e := range els {
		i, ok := in.setRef(e.set)
		if !ok {
			return nil
		}
		in.seq = append(in.seq, i)
		in.buf = binary.LittleEndian.AppendUint16(in.buf, i)
	}
	h := maphash.Bytes(in.seed, in.buf)
	for _, o := range in.seqs[h] {
		if slices.Equal(o, in.seq) {
			return o
		}
	}
	s := append(make([]uint16, 0, len(in.seq)), in.seq...)
	in.seqs[h] = append(in.seqs[h], s)
	return s
}

// prog returns a shared program equal to p. p's sets move into the
// table: its set instructions are renumbered to table indices while they
// fit the 16-bit operand (a rule set with more than 65,536 distinct byte
// sets keeps them per program past that).
func (in *interner) prog(p *regexProg) *regexProg {
	if p == nil {
		return nil
	}
	if !p.shared && len(p.sets) > 0 && len(in.tab)+len(p.sets) <= maxSetTab {
		in.local = in.local[:0]
		for _, s := range p.sets {
			i, _ := in.setRef(s) // room checked above
			in.local = append(in.local, i)
		}
		for k := range p.insts { // p's own copy (compileNode)
			if p.insts[k].op == opSet {
				p.insts[k].set = in.local[p.insts[k].set]
			}
		}
		p.sets, p.shared = in.tab[:len(in.tab):len(in.tab)], true
	}
	in.buf = in.buf[:0]
	if !p.shared {
		for _, x := range p.sets {
			for _, w := range x {
				in.buf = binary.LittleEndian.AppendUint64(in.buf, w)
			}
		}
	}
	h0 := maphash.Bytes(in.seed, in.buf)
	in.buf = binary.LittleEndian.AppendUint64(in.buf[:0], h0)
	for _, x := range p.insts {
		in.buf = append(in.buf, byte(x.op))
		in.buf = binary.LittleEndian.AppendUint16(in.buf, x.set)
		in.buf = binary.LittleEndian.AppendUint16(in.buf, x.x)
		in.buf = binary.LittleEndian.AppendUint16(in.buf, x.y)
	}
	h := maphash.Bytes(in.seed, in.buf)
	for _, o := range in.progs[h] {
		if o.shared == p.shared && slices.Equal(o.insts, p.insts) && (p.shared || slices.Equal(o.sets, p.sets)) {
			return o
		}
	}
	in.progs[h] = append(in.progs[h], p)
	return p
}

// pattern replaces the programs of p by shared ones.
func (in *interner) pattern(p *pattern) {
	p.prog = in.prog(p.prog)
	p.rev = in.prog(p.rev)
	p.restProg = in.prog(p.restProg)
}

// finish returns the final byte-set table and points the programs that
// use it at it (each held the table as it was when it was added, which
// has every set it uses; the older, shorter copies are then garbage).
func (in *interner) finish() []byteSet {
	tab := slices.Clip(in.tab)
	for _, ps := range in.progs {
		for _, p := range ps {
			if p.shared {
				p.sets = tab
			}
		}
	}
	return tab
}
