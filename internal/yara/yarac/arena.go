package yarac

import (
	"encoding/binary"
	"fmt"
	"math"
	mathbits "math/bits"
)

// The arena file (libyara's arena.c, yr_arena_save_stream): a 6-byte
// header ("YARA", the format version, the number of buffers), a table of
// 12-byte buffer entries (uint64 offset, uint32 size), the buffers one
// after the other, then until the end of the file the relocations: 8-byte
// references (buffer, offset) to the places in the buffers that hold a
// pointer. Each such pointer is itself saved as a reference (buffer,
// offset) to what it points to; (0xFFFFFFFF, 0xFFFFFFFF) is NULL. All
// integers are little-endian (yarac on x86 and arm64).

// Buffer numbers of libyara's arena (include/yara/compiler.h; the same
// in 4.2 to 4.5).
const (
	bufNamespaces = 0
	bufRules      = 1
	bufMetas      = 2
	bufStrings    = 3
	bufExternals  = 4
	bufSZPool     = 5
	bufCode       = 6
	bufRECode     = 7
	bufACTrans    = 8
	bufACMatchTab = 9
	bufACMatches  = 10
	bufSummary    = 11
	numBuffers    = 12
)

// Versions lists the arena format versions this package reads: 19 is
// written by yarac 4.2.0 to 4.2.3, 20 by 4.3.x, 21 by 4.4.0 to 4.5.x
// (4.1 wrote 18, with other structures).
var Versions = []int{19, 20, 21}

// layout is what differs between the arena versions this package reads;
// everything else (buffers, strings, metadata, externals, the automaton,
// the regex code but two opcodes) is the same in 4.2 to 4.5.
type layout struct {
	version int
	// ruleSize and ruleRefs: YR_RULE's size and the offset of its first
	// reference (identifier, then tags, metas, strings, ns). 4.4 added
	// required_strings (and 4.5 its padding) after num_atoms.
	ruleSize int
	ruleRefs uint64
	// since43: 4.3 renumbered the condition opcodes from 58 on, added
	// ITER_START_STRING_SET, ITER_CONDITION, ITER_END,
	// ITER_START_TEXT_STRING_SET and OF_FOUND_AT, compiles every loop
	// (for-of included) to one instruction sequence, and added the regex
	// opcodes NOT_LITERAL and MASKED_NOT_LITERAL (hex ~XX, ~X?).
	since43 bool
}

var layouts = map[int]*layout{
	19: {version: 19, ruleSize: 48, ruleRefs: 8},
	20: {version: 20, ruleSize: 48, ruleRefs: 8, since43: true},
	21: {version: 21, ruleSize: 56, ruleRefs: 16, since43: true},
}

// versionNames names the yara releases that write each arena version,
// for error messages.
var versionNames = map[int]string{17: "4.0", 18: "4.1", 19: "4.2", 20: "4.3", 21: "4.4-4.5"}

const (
	headerSize = 6
	entrySize  = 12
	refSize    = 8
	nullID     = math.MaxUint32
)

// arena is a decoded arena file.
type arena struct {
	lay  *layout
	bufs [][]byte
	// relocs[b] is a bitset of the offsets in buffer b that hold a pointer.
	relocs [][]uint64
}

// ref is a reference saved in place of a pointer.
type ref struct {
	buf uint32
	off uint32
}

func (r ref) null() bool { return r.buf == nullID && r.off == nullID }

// IsYarac reports whether b starts like a file written by libyara's
// yarac (or yr_rules_save): the "YARA" magic.
func IsYarac(b []byte) bool {
	return len(b) >= 5 && string(b[:4]) == "YARA"
}

// parseArena splits a yarac file into its buffers and relocations,
// checking every size and offset.
func parseArena(b []byte) (*arena, error) {
	if !IsYarac(b) || len(b) < headerSize {
		return nil, fmt.Errorf("not a yarac file (no YARA header)")
	}
	v := int(b[4])
	lay := layouts[v]
	if lay == nil {
		name := versionNames[v]
		if name == "" {
			name = "unknown"
		}
		return nil, fmt.Errorf("yarac arena format %d (yara %s): only formats 19 to 21 (yara 4.2 to 4.5) are read; recompile the source rules with yarac 4.2 to 4.5 or give them to vigie directly", v, name)
	}
	n := int(b[5])
	if n != numBuffers {
		return nil, fmt.Errorf("corrupt yarac file: %d buffers, want %d", n, numBuffers)
	}
	pos := headerSize + n*entrySize
	if len(b) < pos {
		return nil, fmt.Errorf("corrupt yarac file: truncated buffer table")
	}
	a := &arena{lay: lay, bufs: make([][]byte, n), relocs: make([][]uint64, n)}
	for i := 0; i < n; i++ {
		e := b[headerSize+i*entrySize:]
		size := binary.LittleEndian.Uint32(e[8:12])
		if uint64(size) > uint64(len(b)-pos) {
			return nil, fmt.Errorf("corrupt yarac file: buffer %d (%d bytes) runs past the end of the file", i, size)
		}
		a.bufs[i] = b[pos : pos+int(size)]
		a.relocs[i] = make([]uint64, size/64+1)
		pos += int(size)
	}
	rest := b[pos:]
	if len(rest)%refSize != 0 {
		return nil, fmt.Errorf("corrupt yarac file: %d trailing bytes in the relocation table", len(rest)%refSize)
	}
	for i := 0; i < len(rest); i += refSize {
		id := binary.LittleEndian.Uint32(rest[i:])
		off := binary.LittleEndian.Uint32(rest[i+4:])
		if id >= uint32(n) || uint64(off)+refSize > uint64(len(a.bufs[id])) {
			return nil, fmt.Errorf("corrupt yarac file: relocation %d (buffer %d offset %d) outside the buffers", i/refSize, id, off)
		}
		a.relocs[id][off/64] |= 1 << (off % 64)
	}
	return a, nil
}

// u32 reads a uint32 at off in buffer id.
func (a *arena) u32(id int, off uint64) (uint32, error) {
	bb := a.bufs[id]
	if off+4 > uint64(len(bb)) {
		return 0, fmt.Errorf("corrupt yarac file: read past buffer %d at %d", id, off)
	}
	return binary.LittleEndian.Uint32(bb[off:]), nil
}

// u64 reads a uint64 at off in buffer id.
func (a *arena) u64(id int, off uint64) (uint64, error) {
	bb := a.bufs[id]
	if off+8 > uint64(len(bb)) {
		return 0, fmt.Errorf("corrupt yarac file: read past buffer %d at %d", id, off)
	}
	return binary.LittleEndian.Uint64(bb[off:]), nil
}

// ptr reads the reference saved at off in buffer id and checks that it
// is NULL or inside a buffer. The place must be a relocation: a pointer
// that libyara would not have relocated is refused.
func (a *arena) ptr(id int, off uint64) (ref, error) {
	v, err := a.u64(id, off)
	if err != nil {
		return ref{}, err
	}
	r := ref{uint32(v), uint32(v >> 32)}
	if r.null() {
		return r, nil
	}
	if !a.isReloc(id, off) {
		return ref{}, fmt.Errorf("corrupt yarac file: pointer at buffer %d offset %d is not relocated", id, off)
	}
	if r.buf >= uint32(len(a.bufs)) || uint64(r.off) > uint64(len(a.bufs[r.buf])) {
		return ref{}, fmt.Errorf("corrupt yarac file: pointer at buffer %d offset %d points outside the buffers", id, off)
	}
	return r, nil
}

// maxCString bounds a NUL-terminated string read from the arena.
const maxCString = 1 << 20

// cstring reads the NUL-terminated string r points to.
func (a *arena) cstring(r ref) (string, error) {
	if r.null() {
		return "", fmt.Errorf("corrupt yarac file: NULL string")
	}
	bb := a.bufs[r.buf][r.off:]
	for i, c := range bb {
		if c == 0 {
			return string(bb[:i]), nil
		}
		if i >= maxCString {
			break
		}
	}
	return "", fmt.Errorf("corrupt yarac file: unterminated string at buffer %d offset %d", r.buf, r.off)
}

// bytesAt returns n bytes at r.
func (a *arena) bytesAt(r ref, n uint64) ([]byte, error) {
	if r.null() || uint64(r.off)+n > uint64(len(a.bufs[r.buf])) {
		return nil, fmt.Errorf("corrupt yarac file: %d bytes at buffer %d offset %d run past the buffer", n, r.buf, r.off)
	}
	return a.bufs[r.buf][r.off : uint64(r.off)+n], nil
}

// isReloc reports whether offset off of buffer id holds a pointer.
func (a *arena) isReloc(id int, off uint64) bool {
	bs := a.relocs[id]
	return off/64 < uint64(len(bs)) && bs[off/64]&(1<<(off%64)) != 0
}

// eachReloc calls f with each relocated offset of buffer id, in order.
func (a *arena) eachReloc(id int, f func(off uint64) error) error {
	for w, bits := range a.relocs[id] {
		for bits != 0 {
			bit := uint64(mathbits.TrailingZeros64(bits))
			if err := f(uint64(w)*64 + bit); err != nil {
				return err
			}
			bits &= bits - 1
		}
	}
	return nil
}
