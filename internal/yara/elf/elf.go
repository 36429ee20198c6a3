package elf

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrNotELF is returned by Parse when data does not start with an ELF
// header libyara would read (magic, class 1 or 2, full header present).
var ErrNotELF = errors.New("elf: not an ELF file")

// Limits on hostile input.
const (
	MaxSections = 1 << 16 // e_shnum is 16 bits: this is the natural bound
	MaxSegments = 1 << 16
	MaxSymbols  = 1 << 20 // per table
	MaxDynamic  = 1 << 16
	maxAnomaly  = 32
)

// Flag records a structure that could not be read completely.
type Flag uint32

// Flags set by Parse.
const (
	FlagBadSectionTable Flag = 1 << iota // section header table outside the file
	FlagBadSegmentTable                  // program header table outside the file
	FlagBadSymbols                       // a symbol table or its string table outside the file
	FlagTooManySymbols                   // MaxSymbols reached
	FlagBadDynamic                       // dynamic segment cut short
)

// Section is one section header.
type Section struct {
	Name    string
	HasName bool
	Type    uint32
	Flags   uint64
	Address uint64
	Size    uint64
	Offset  uint64
	Link    uint32
	EntSize uint64
}

// Segment is one program header.
type Segment struct {
	Type            uint32
	Flags           uint32
	Offset          uint64
	VirtualAddress  uint64
	PhysicalAddress uint64
	FileSize        uint64
	MemorySize      uint64
	Alignment       uint64
}

// Dyn is one entry of the dynamic segment.
type Dyn struct {
	Type int64 // d_tag
	Val  uint64
}

// Symbol is one symbol table entry.
type Symbol struct {
	Name    string
	HasName bool
	Value   uint64
	Size    uint64
	Type    uint8 // st_info & 0xf (STT_*)
	Bind    uint8 // st_info >> 4 (STB_*)
	Shndx   uint16
}

// File is a parsed ELF file.
type File struct {
	Class         uint8 // 1 = 32-bit, 2 = 64-bit
	Data          uint8 // 1 = little-endian, 2 = big-endian
	Type          uint16
	Machine       uint16
	Entry         uint64 // e_entry (a virtual address)
	EntryPoint    uint64 // file offset of e_entry, 0 when unmapped (libyara's elf.entry_point)
	HasEntryPoint bool   // false when e_entry is 0 or maps to no file offset: elf.entry_point is then undefined

	SHOffset         uint64
	SHEntrySize      uint16
	NumberOfSections uint16
	SHStrIndex       uint16
	PHOffset         uint64
	PHEntrySize      uint16
	NumberOfSegments uint16

	Sections []Section
	Segments []Segment

	Dynamic    []Dyn
	HasDynamic bool
	Symtab     []Symbol
	HasSymtab  bool
	Dynsym     []Symbol
	HasDynsym  bool

	Flags     Flag
	Anomalies []string
}

// Is64Bit reports whether the file is ELFCLASS64.
func (f *File) Is64Bit() bool { return f.Class == 2 }

func (f *File) anomaly(fl Flag, format string, args ...any) {
	f.Flags |= fl
	if len(f.Anomalies) < maxAnomaly {
		f.Anomalies = append(f.Anomalies, fmt.Sprintf(format, args...))
	}
}

type reader struct {
	b   []byte
	bo  binary.ByteOrder
	w64 bool
}

func (r *reader) ok(off, n uint64) bool {
	return off <= uint64(len(r.b)) && n <= uint64(len(r.b))-off
}
func (r *reader) u16(off uint64) uint16 { return r.bo.Uint16(r.b[off:]) }
func (r *reader) u32(off uint64) uint32 { return r.bo.Uint32(r.b[off:]) }
func (r *reader) u64(off uint64) uint64 { return r.bo.Uint64(r.b[off:]) }

// word reads an address-sized field (4 or 8 bytes).
func (r *reader) word(off uint64) uint64 {
	if r.w64 {
		return r.u64(off)
	}
	return uint64(r.u32(off))
}

// cstr returns the NUL-terminated string at off, bounded by the file.
func (r *reader) cstr(off uint64) (string, bool) {
	if off >= uint64(len(r.b)) {
		return "", false
	}
	b := r.b[off:]
	for i, c := range b {
		if c == 0 {
			return string(b[:i]), true
		}
	}
	return string(b), true
}

// Parse reads an ELF file. It returns ErrNotELF when data is not ELF.
func Parse(data []byte) (*File, error) {
	if len(data) < 16 || string(data[:4]) != "\x7fELF" {
		return nil, ErrNotELF
	}
	class := data[4]
	var bo binary.ByteOrder = binary.LittleEndian
	if data[5] == 2 {
		bo = binary.BigEndian
	}
	var hdrSize int
	switch class {
	case 1:
		hdrSize = 52
	case 2:
		hdrSize = 64
	default:
		return nil, fmt.Errorf("%w: unknown class %d", ErrNotELF, class)
	}
	if len(data) < hdrSize {
		return nil, fmt.Errorf("%w: header truncated (%d bytes, need %d)", ErrNotELF, len(data), hdrSize)
	}
	r := &reader{b: data, bo: bo, w64: class == 2}
	f := &File{Class: class, Data: data[5]}
	f.Type = r.u16(16)
	f.Machine = r.u16(18)
	if class == 1 {
		f.Entry = uint64(r.u32(24))
		f.PHOffset = uint64(r.u32(28))
		f.SHOffset = uint64(r.u32(32))
		f.PHEntrySize = r.u16(42)
		f.NumberOfSegments = r.u16(44)
		f.SHEntrySize = r.u16(46)
		f.NumberOfSections = r.u16(48)
		f.SHStrIndex = r.u16(50)
	} else {
		f.Entry = r.u64(24)
		f.PHOffset = r.u64(32)
		f.SHOffset = r.u64(40)
		f.PHEntrySize = r.u16(54)
		f.NumberOfSegments = r.u16(56)
		f.SHEntrySize = r.u16(58)
		f.NumberOfSections = r.u16(60)
		f.SHStrIndex = r.u16(62)
	}
	f.parseSections(r)
	f.parseSegments(r)
	if f.Entry != 0 {
		f.EntryPoint, f.HasEntryPoint = f.rvaToOffset(r, f.Entry)
	}
	return f, nil
}

func (f *File) shSize() uint64 {
	if f.Class == 2 {
		return 64
	}
	return 40
}

func (f *File) phSize() uint64 {
	if f.Class == 2 {
		return 56
	}
	return 32
}

func (f *File) readSection(r *reader, off uint64) Section {
	var s Section
	nameOff := r.u32(off)
	_ = nameOff
	s.Type = r.u32(off + 4)
	if f.Class == 1 {
		s.Flags = uint64(r.u32(off + 8))
		s.Address = uint64(r.u32(off + 12))
		s.Offset = uint64(r.u32(off + 16))
		s.Size = uint64(r.u32(off + 20))
		s.Link = r.u32(off + 24)
		s.EntSize = uint64(r.u32(off + 36))
	} else {
		s.Flags = r.u64(off + 8)
		s.Address = r.u64(off + 16)
		s.Offset = r.u64(off + 24)
		s.Size = r.u64(off + 32)
		s.Link = r.u32(off + 40)
		s.EntSize = r.u64(off + 56)
	}
	return s
}

// parseSections reads the section header table when it lies entirely in
// the file (libyara's condition), names from e_shstrndx, and the symbol
// tables.
func (f *File) parseSections(r *reader) {
	n := uint64(f.NumberOfSections)
	if n == 0 {
		return
	}
	es := f.shSize()
	if f.SHOffset >= uint64(len(r.b)) || !r.ok(f.SHOffset, n*es) {
		f.anomaly(FlagBadSectionTable, "elf: section header table at offset 0x%x (%d entries) is outside the file", f.SHOffset, n)
		return
	}
	f.Sections = make([]Section, 0, n)
	names := make([]uint32, 0, n)
	for i := uint64(0); i < n; i++ {
		off := f.SHOffset + i*es
		names = append(names, r.u32(off))
		f.Sections = append(f.Sections, f.readSection(r, off))
	}
	var strtab uint64
	haveStr := false
	if uint64(f.SHStrIndex) < n {
		strtab = f.Sections[f.SHStrIndex].Offset
		haveStr = strtab < uint64(len(r.b))
	}
	for i := range f.Sections {
		s := &f.Sections[i]
		if haveStr && uint64(names[i]) < uint64(len(r.b))-strtab {
			s.Name, s.HasName = r.cstr(strtab + uint64(names[i]))
		}
	}
	for i := range f.Sections {
		s := &f.Sections[i]
		switch s.Type {
		case 2: // SHT_SYMTAB
			if !f.HasSymtab && uint64(s.Link) < n {
				f.Symtab, f.HasSymtab = f.readSymbols(r, s, &f.Sections[s.Link])
			}
		case 11: // SHT_DYNSYM
			if !f.HasDynsym && uint64(s.Link) < n {
				f.Dynsym, f.HasDynsym = f.readSymbols(r, s, &f.Sections[s.Link])
			}
		}
	}
}

func (f *File) readSymbols(r *reader, sec, str *Section) ([]Symbol, bool) {
	if str.Type != 3 { // SHT_STRTAB
		return nil, false
	}
	if !r.ok(sec.Offset, sec.Size) || !r.ok(str.Offset, str.Size) {
		f.anomaly(FlagBadSymbols, "elf: symbol table at offset 0x%x or its string table is outside the file", sec.Offset)
		return nil, false
	}
	es := uint64(16)
	if f.Class == 2 {
		es = 24
	}
	count := sec.Size / es
	if count > MaxSymbols {
		f.anomaly(FlagTooManySymbols, "elf: symbol table at offset 0x%x has %d entries, reading %d", sec.Offset, count, MaxSymbols)
		count = MaxSymbols
	}
	syms := make([]Symbol, 0, count)
	for i := uint64(0); i < count; i++ {
		off := sec.Offset + i*es
		var s Symbol
		name := uint64(r.u32(off))
		var info uint8
		if f.Class == 1 {
			s.Value = uint64(r.u32(off + 4))
			s.Size = uint64(r.u32(off + 8))
			info = r.b[off+12]
			s.Shndx = r.u16(off + 14)
		} else {
			info = r.b[off+4]
			s.Shndx = r.u16(off + 6)
			s.Value = r.u64(off + 8)
			s.Size = r.u64(off + 16)
		}
		s.Type = info & 0xf
		s.Bind = info >> 4
		if name < str.Size {
			// The name must end inside the string table.
			b := r.b[str.Offset+name : str.Offset+str.Size]
			for j, c := range b {
				if c == 0 {
					s.Name, s.HasName = string(b[:j]), true
					break
				}
			}
		}
		syms = append(syms, s)
	}
	return syms, true
}

func (f *File) parseSegments(r *reader) {
	n := uint64(f.NumberOfSegments)
	if n == 0 {
		return
	}
	es := f.phSize()
	if f.PHOffset >= uint64(len(r.b)) || !r.ok(f.PHOffset, n*es) {
		f.anomaly(FlagBadSegmentTable, "elf: program header table at offset 0x%x (%d entries) is outside the file", f.PHOffset, n)
		return
	}
	f.Segments = make([]Segment, 0, n)
	for i := uint64(0); i < n; i++ {
		off := f.PHOffset + i*es
		var s Segment
		s.Type = r.u32(off)
		if f.Class == 1 {
			s.Offset = uint64(r.u32(off + 4))
			s.VirtualAddress = uint64(r.u32(off + 8))
			s.PhysicalAddress = uint64(r.u32(off + 12))
			s.FileSize = uint64(r.u32(off + 16))
			s.MemorySize = uint64(r.u32(off + 20))
			s.Flags = r.u32(off + 24)
			s.Alignment = uint64(r.u32(off + 28))
		} else {
			s.Flags = r.u32(off + 4)
			s.Offset = r.u64(off + 8)
			s.VirtualAddress = r.u64(off + 16)
			s.PhysicalAddress = r.u64(off + 24)
			s.FileSize = r.u64(off + 32)
			s.MemorySize = r.u64(off + 40)
			s.Alignment = r.u64(off + 48)
		}
		f.Segments = append(f.Segments, s)
		if s.Type == 2 && !f.HasDynamic { // PT_DYNAMIC
			f.readDynamic(r, s.Offset)
		}
	}
}

// readDynamic reads dynamic entries from off up to and including DT_NULL
// or the end of the file, as libyara does (it ignores p_filesz).
func (f *File) readDynamic(r *reader, off uint64) {
	es := uint64(8)
	if f.Class == 2 {
		es = 16
	}
	f.HasDynamic = true
	for i := uint64(0); ; i++ {
		p := off + i*es
		if !r.ok(p, es) {
			break
		}
		if len(f.Dynamic) >= MaxDynamic {
			f.anomaly(FlagBadDynamic, "elf: more than %d dynamic entries", MaxDynamic)
			break
		}
		var d Dyn
		if f.Class == 1 {
			d.Type = int64(int32(r.u32(p)))
			d.Val = uint64(r.u32(p + 4))
		} else {
			d.Type = int64(r.u64(p))
			d.Val = r.u64(p + 8)
		}
		f.Dynamic = append(f.Dynamic, d)
		if d.Type == 0 {
			break
		}
	}
}

// rvaToOffset is libyara's elf_rva_to_offset: for ET_EXEC the program
// headers map the address, otherwise the sections (skipping SHT_NULL and
// SHT_NOBITS); false when nothing maps it. Arithmetic wraps at the class
// width as in libyara.
func (f *File) rvaToOffset(r *reader, addr uint64) (uint64, bool) {
	mask := uint64(0xffffffff)
	if f.Class == 2 {
		mask = ^uint64(0)
	}
	if f.Type == 2 { // ET_EXEC
		for _, s := range f.Segments {
			if addr >= s.VirtualAddress && addr < (s.VirtualAddress+s.MemorySize)&mask {
				return (s.Offset + (addr - s.VirtualAddress)) & mask, true
			}
		}
		return 0, false
	}
	for _, s := range f.Sections {
		if s.Type != 0 && s.Type != 8 && addr >= s.Address && addr < (s.Address+s.Size)&mask {
			if ^uint64(0)-s.Offset < addr-s.Address {
				return 0, false
			}
			return (s.Offset + (addr - s.Address)) & mask, true
		}
	}
	return 0, false
}
