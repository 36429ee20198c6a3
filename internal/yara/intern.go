package yara

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
)

// interner shares equal read-only pieces of compiled patterns between
// strings: signature-base repeats the same hex strings and regexes in many
// rules (and a regex's wide and ascii forms share prefixes), and each copy
// was a program and byte-set sequences of its own. Compiled programs and
// set sequences are never written after compile, so sharing them is safe;
// a saved file shares them the same way (see cwriter.prog).
type interner struct {
	seed  maphash.Seed
	buf   []byte
	progs map[uint64][]*regexProg
	sets  map[uint64][][]byteSet
}

func newInterner() *interner {
	return &interner{seed: maphash.MakeSeed(), progs: map[uint64][]*regexProg{}, sets: map[uint64][][]byteSet{}}
}

func (in *interner) hashSets(s []byteSet) uint64 {
	in.buf = in.buf[:0]
	for _, x := range s {
		for _, w := range x {
			in.buf = binary.LittleEndian.AppendUint64(in.buf, w)
		}
	}
	return maphash.Bytes(in.seed, in.buf)
}

// setSeq returns a shared slice equal to s (nil stays nil, empty stays
// empty: a pattern's empty set sequence differs from none).
func (in *interner) setSeq(s []byteSet) []byteSet {
	if len(s) == 0 {
		return s
	}
	h := in.hashSets(s)
	for _, o := range in.sets[h] {
		if slices.Equal(o, s) {
			return o
		}
	}
	in.sets[h] = append(in.sets[h], s)
	return s
}

// prog returns a shared program equal to p.
func (in *interner) prog(p *regexProg) *regexProg {
	if p == nil {
		return nil
	}
	h0 := in.hashSets(p.sets)
	in.buf = binary.LittleEndian.AppendUint64(in.buf[:0], h0)
	for _, x := range p.insts {
		in.buf = append(in.buf, byte(x.op))
		in.buf = binary.LittleEndian.AppendUint16(in.buf, x.set)
		in.buf = binary.LittleEndian.AppendUint16(in.buf, x.x)
		in.buf = binary.LittleEndian.AppendUint16(in.buf, x.y)
	}
	h := maphash.Bytes(in.seed, in.buf)
	for _, o := range in.progs[h] {
		if slices.Equal(o.insts, p.insts) && slices.Equal(o.sets, p.sets) {
			return o
		}
	}
	in.progs[h] = append(in.progs[h], p)
	return p
}

// pattern replaces the programs and set sequences of p by shared ones.
func (in *interner) pattern(p *pattern) {
	p.prog = in.prog(p.prog)
	p.rev = in.prog(p.rev)
	p.restProg = in.prog(p.restProg)
	p.sets = in.setSeq(p.sets)
	p.prefix = in.setSeq(p.prefix)
}
