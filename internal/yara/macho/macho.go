// Package macho reads Mach-O executables (thin and fat/universal) for
// YARA's "macho" module, field for field as libyara 4.2.3's
// modules/macho/macho.c does:
//
//   - The header (magic, cputype, cpusubtype, filetype, ncmds, sizeofcmds,
//     flags, and reserved in 64-bit files), byte-swapped for big-endian
//     files except magic, which libyara leaves as read (MH_CIGAM or
//     MH_CIGAM_64 tells a big-endian file).
//   - Segments (LC_SEGMENT, LC_SEGMENT_64) with their sections, in load
//     command order; a segment command too short for its structure keeps
//     its slot empty, as libyara's array does.
//   - entry_point: the file offset of the entry point, from LC_MAIN
//     (entryoff, with stack_size) or from the program counter of
//     LC_UNIXTHREAD translated through the segments.
//   - Fat files: fat_magic, nfat_arch, fat_arch[] and, for each
//     architecture whose slice lies inside the file, file[] with the same
//     fields as a thin file.
//
// Everything is bounded by the data: counts read from the file never
// allocate more than the data can hold.
package macho

import (
	"encoding/binary"
	"math/bits"
)

// Magic numbers as read little-endian from the first four bytes.
const (
	mhMagic    = 0xfeedface
	mhCigam    = 0xcefaedfe
	mhMagic64  = 0xfeedfacf
	mhCigam64  = 0xcffaedfe
	fatMagic   = 0xcafebabe
	fatCigam   = 0xbebafeca
	fatMagic64 = 0xcafebabf
	fatCigam64 = 0xbfbafeca

	lcSegment    = 0x1
	lcUnixThread = 0x5
	lcSegment64  = 0x19
	lcMain       = 0x80000028
)

// Section is one section of a segment. Reserved3 exists in 64-bit files only.
type Section struct {
	SectName, SegName                    string
	Addr, Size                           uint64
	Offset, Align, RelOff, NReloc, Flags uint32
	Reserved1, Reserved2, Reserved3      uint32
	HasReserved3                         bool
}

// Segment is one LC_SEGMENT or LC_SEGMENT_64 command. Valid is false for
// a command too short to hold its structure (libyara leaves the slot
// empty).
type Segment struct {
	Valid                             bool
	SegName                           string
	VMAddr, VMSize, FileOff, FileSize uint64
	MaxProt, InitProt, NSects, Flags  uint32
	Sections                          []Section
}

// File is a thin Mach-O file (or one architecture of a fat file). Header
// is false when the data is too short for a header: nothing else is set.
type File struct {
	Header                               bool
	Magic, CPUType, CPUSubtype, FileType uint32
	NCmds, SizeOfCmds, Flags, Reserved   uint32
	Is64                                 bool
	Segments                             []Segment
	EntryPoint                           uint64
	HasEntryPoint                        bool
	StackSize                            uint64
	HasStackSize                         bool
}

// FatArch is one fat_arch entry (offsets and sizes are 64-bit in
// FAT_MAGIC_64 files).
type FatArch struct {
	CPUType, CPUSubtype uint32
	Offset, Size        uint64
	Align, Reserved     uint32
}

// Fat is a fat (universal) file. Files[i] is nil when arch i's slice does
// not lie inside the data.
type Fat struct {
	Magic    uint32
	NFatArch uint32
	Archs    []FatArch // nil when the table does not fit in the data
	Files    []*File
}

// Binary is what Parse found: Thin or Fat is set.
type Binary struct {
	Thin *File
	Fat  *Fat
}

// Parse reads data as libyara's macho module does. It returns nil when
// data is neither a Mach-O nor a fat Mach-O file.
func Parse(data []byte) *Binary {
	if len(data) < 4 {
		return nil
	}
	switch binary.LittleEndian.Uint32(data) {
	case mhMagic, mhCigam, mhMagic64, mhCigam64:
		return &Binary{Thin: parseFile(data)}
	case fatMagic, fatCigam, fatMagic64, fatCigam64:
		return &Binary{Fat: parseFat(data)}
	}
	return nil
}

// reader reads fields in the file's byte order.
type reader struct {
	swap bool
}

func (r reader) u32(b []byte) uint32 {
	v := binary.LittleEndian.Uint32(b)
	if r.swap {
		v = bits.ReverseBytes32(v)
	}
	return v
}

func (r reader) u64(b []byte) uint64 {
	v := binary.LittleEndian.Uint64(b)
	if r.swap {
		v = bits.ReverseBytes64(v)
	}
	return v
}

// cstr is strnlen over a fixed 16-byte name.
func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

const (
	header32Size  = 28
	header64Size  = 32
	segment32Size = 56
	segment64Size = 72
	section32Size = 68
	section64Size = 80
	threadCmdSize = 16
	mainCmdSize   = 24
)

// parseFile reads a thin file; data shorter than a 64-bit header gives a
// File without Header (the file[] entry of a fat file then exists with
// every field undefined, as in libyara).
func parseFile(data []byte) *File {
	if len(data) < header64Size {
		return &File{}
	}
	m := binary.LittleEndian.Uint32(data)
	r := reader{swap: m == mhCigam || m == mhCigam64}
	is32 := data[0] == 0xce || data[3] == 0xce
	f := &File{Header: true,
		Magic: binary.LittleEndian.Uint32(data), CPUType: r.u32(data[4:]), CPUSubtype: r.u32(data[8:]),
		FileType: r.u32(data[12:]), NCmds: r.u32(data[16:]), SizeOfCmds: r.u32(data[20:]),
		Flags: r.u32(data[24:]), Is64: !is32,
	}
	hdr := header64Size
	if is32 {
		hdr = header32Size
	} else {
		f.Reserved = r.u32(data[28:])
	}
	// first pass: segments
	walk := func(fn func(cmd uint32, c []byte)) {
		off := hdr
		for i := uint32(0); i < f.NCmds; i++ {
			if off+8 > len(data) {
				break
			}
			cmd, size := r.u32(data[off:]), r.u32(data[off+4:])
			if uint64(len(data)-off) < uint64(size) || size < 8 {
				break
			}
			fn(cmd, data[off:])
			off += int(size)
		}
	}
	walk(func(cmd uint32, c []byte) {
		switch cmd {
		case lcSegment:
			f.Segments = append(f.Segments, segment32(r, c))
		case lcSegment64:
			f.Segments = append(f.Segments, segment64(r, c))
		}
	})
	// second pass: entry point, which needs the segments
	walk(func(cmd uint32, c []byte) {
		switch cmd {
		case lcUnixThread:
			f.unixThread(r, c)
		case lcMain:
			if len(c) >= mainCmdSize {
				f.EntryPoint, f.HasEntryPoint = r.u64(c[8:]), true
				f.StackSize, f.HasStackSize = r.u64(c[16:]), true
			}
		}
	})
	return f
}

// segment32 reads an LC_SEGMENT command; c runs to the end of the data.
func segment32(r reader, c []byte) Segment {
	if len(c) < segment32Size {
		return Segment{}
	}
	s := Segment{Valid: true, SegName: cstr(c[8:24]),
		VMAddr: uint64(r.u32(c[24:])), VMSize: uint64(r.u32(c[28:])),
		FileOff: uint64(r.u32(c[32:])), FileSize: uint64(r.u32(c[36:])),
		MaxProt: r.u32(c[40:]), InitProt: r.u32(c[44:]), NSects: r.u32(c[48:]), Flags: r.u32(c[52:])}
	cmdsize := uint64(r.u32(c[4:]))
	parsed := uint64(segment32Size)
	for j := uint32(0); j < s.NSects; j++ {
		parsed += section32Size
		if cmdsize < parsed {
			break
		}
		b := c[parsed-section32Size:]
		s.Sections = append(s.Sections, Section{
			SectName: cstr(b[0:16]), SegName: cstr(b[16:32]),
			Addr: uint64(r.u32(b[32:])), Size: uint64(r.u32(b[36:])),
			Offset: r.u32(b[40:]), Align: r.u32(b[44:]), RelOff: r.u32(b[48:]), NReloc: r.u32(b[52:]),
			Flags: r.u32(b[56:]), Reserved1: r.u32(b[60:]), Reserved2: r.u32(b[64:]),
		})
	}
	return s
}

// segment64 reads an LC_SEGMENT_64 command.
func segment64(r reader, c []byte) Segment {
	if len(c) < segment64Size {
		return Segment{}
	}
	s := Segment{Valid: true, SegName: cstr(c[8:24]),
		VMAddr: r.u64(c[24:]), VMSize: r.u64(c[32:]), FileOff: r.u64(c[40:]), FileSize: r.u64(c[48:]),
		MaxProt: r.u32(c[56:]), InitProt: r.u32(c[60:]), NSects: r.u32(c[64:]), Flags: r.u32(c[68:])}
	cmdsize := uint64(r.u32(c[4:]))
	parsed := uint64(segment64Size)
	for j := uint32(0); j < s.NSects; j++ {
		parsed += section64Size
		if cmdsize < parsed {
			break
		}
		b := c[parsed-section64Size:]
		s.Sections = append(s.Sections, Section{
			SectName: cstr(b[0:16]), SegName: cstr(b[16:32]),
			Addr: r.u64(b[32:]), Size: r.u64(b[40:]),
			Offset: r.u32(b[48:]), Align: r.u32(b[52:]), RelOff: r.u32(b[56:]), NReloc: r.u32(b[60:]),
			Flags: r.u32(b[64:]), Reserved1: r.u32(b[68:]), Reserved2: r.u32(b[72:]), Reserved3: r.u32(b[76:]),
			HasReserved3: true,
		})
	}
	return s
}

// CPU types whose thread state holds the entry point of LC_UNIXTHREAD.
const (
	cpuMC680x0   = 0x6
	cpuX86       = 0x7
	cpuX86_64    = 0x01000007
	cpuARM       = 0xc
	cpuARM64     = 0x0100000c
	cpuMC88000   = 0xd
	cpuSPARC     = 0xe
	cpuPowerPC   = 0x12
	cpuPowerPC64 = 0x01000012
)

// pcField gives, per CPU type, the offset of the program counter in the
// thread state, its width, and the size of the thread state structure.
var pcField = map[uint32]struct{ off, width, size int }{
	cpuMC680x0:   {68, 4, 72},
	cpuMC88000:   {124, 4, 136},
	cpuSPARC:     {4, 4, 76},
	cpuPowerPC:   {0, 4, 160},
	cpuX86:       {40, 4, 64},
	cpuARM:       {60, 4, 68},
	cpuX86_64:    {128, 8, 168},
	cpuARM64:     {256, 8, 272},
	cpuPowerPC64: {0, 8, 304},
}

// unixThread sets the entry point from an LC_UNIXTHREAD command: the
// program counter of the thread state, a virtual address turned into a
// file offset through the segments.
func (f *File) unixThread(r reader, c []byte) {
	if len(c) < threadCmdSize {
		return
	}
	size := min(uint64(len(c)), uint64(r.u32(c[4:])))
	if size < threadCmdSize {
		return
	}
	pf, ok := pcField[f.CPUType]
	if !ok {
		return
	}
	state := c[threadCmdSize:size]
	var addr uint64
	if len(state) >= pf.size {
		if pf.width == 4 {
			addr = uint64(r.u32(state[pf.off:]))
		} else {
			addr = r.u64(state[pf.off:])
		}
	}
	for _, s := range f.Segments {
		if !s.Valid {
			continue
		}
		if addr >= s.VMAddr && addr < s.VMAddr+s.VMSize {
			f.EntryPoint, f.HasEntryPoint = s.FileOff+(addr-s.VMAddr), true
			return
		}
	}
}

const (
	fatHeaderSize = 8
	fatArch32Size = 20
	fatArch64Size = 32
)

func parseFat(data []byte) *Fat {
	if len(data) < fatHeaderSize {
		return &Fat{}
	}
	be := binary.BigEndian
	ft := &Fat{Magic: be.Uint32(data), NFatArch: be.Uint32(data[4:])}
	is32 := data[3] == 0xbe
	asz := fatArch64Size
	if is32 {
		asz = fatArch32Size
	}
	if uint64(len(data)) < fatHeaderSize+uint64(ft.NFatArch)*uint64(asz) {
		return ft
	}
	ft.Archs = make([]FatArch, ft.NFatArch)
	ft.Files = make([]*File, ft.NFatArch)
	for i := range ft.Archs {
		b := data[fatHeaderSize+i*asz:]
		a := &ft.Archs[i]
		if is32 {
			*a = FatArch{CPUType: be.Uint32(b), CPUSubtype: be.Uint32(b[4:]), Offset: uint64(be.Uint32(b[8:])),
				Size: uint64(be.Uint32(b[12:])), Align: be.Uint32(b[16:])}
		} else {
			*a = FatArch{CPUType: be.Uint32(b), CPUSubtype: be.Uint32(b[4:]), Offset: be.Uint64(b[8:]),
				Size: be.Uint64(b[16:]), Align: be.Uint32(b[24:]), Reserved: be.Uint32(b[28:])}
		}
		end := a.Offset + a.Size
		if end < a.Offset || uint64(len(data)) < end {
			continue
		}
		ft.Files[i] = parseFile(data[a.Offset:end])
	}
	return ft
}
