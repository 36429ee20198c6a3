package pe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// ErrNotPE is returned (possibly wrapped) by Parse when data is not a PE file
// as libyara reads it: no "MZ" DOS header, no "PE\0\0" signature, headers
// cut short (libyara 4.2.3 accepts any machine type). errors.Is(err, ErrNotPE) holds for
// all of them; the engine then leaves every pe.* identifier undefined.
var ErrNotPE = errors.New("pe: not a PE file")

// Limits applied to hostile input. They match libyara 4.2 where libyara has
// one, and bound time and memory where it has none.
const (
	MaxSections          = 96    // libyara MAX_PE_SECTIONS
	MaxImports           = 16384 // libyara MAX_PE_IMPORTS (DLLs, and functions in total)
	MaxExports           = 8192  // libyara MAX_PE_EXPORTS
	MaxResources         = 65536 // libyara MAX_RESOURCES
	MaxResourceDepth     = 3     // type / name / language, as the PE spec and libyara
	MaxResourceEntries   = 1 << 18
	MaxVersionInfoItems  = 1024
	MaxSignatures        = 16
	MaxCertificates      = 64
	maxImportNameLen     = 512 // libyara truncates imported function names at 512 bytes
	maxPathLen           = 260 // MAX_PATH, for pdb_path
	maxAnomalies         = 32
	dosHeaderSize        = 64
	fileHeaderSize       = 20
	optionalHeader32Size = 224
	optionalHeader64Size = 240
	sectionHeaderSize    = 40
)

// Flag records a structure that could not be read completely. A set flag
// means the matching fields of File are partial or empty.
type Flag uint32

// Flags set by Parse.
const (
	FlagTruncatedSections Flag = 1 << iota // section table runs past the end of the file
	FlagTooManySections                    // more than MaxSections sections declared
	FlagBadImports                         // import directory unreadable or cut short
	FlagTooManyImports                     // MaxImports reached
	FlagBadDelayedImports                  // delay-import directory unreadable or cut short
	FlagBadExports                         // export directory unreadable or cut short
	FlagTooManyExports                     // more than MaxExports exports declared
	FlagBadResources                       // resource tree unreadable or cut short
	FlagTooManyResources                   // MaxResources or MaxResourceEntries reached
	FlagBadVersionInfo                     // VERSIONINFO resource malformed
	FlagBadSignature                       // security directory or PKCS#7 malformed
	FlagBadRichSignature                   // "Rich" marker without a matching "DanS"
)

// Version is a major.minor pair from a header.
type Version struct {
	Major, Minor uint16
}

// DataDirectory is one entry of the optional header's data directory.
type DataDirectory struct {
	VirtualAddress uint32
	Size           uint32
}

// Section is one section header.
type Section struct {
	Name                 string // the 8-byte name with trailing NULs removed (may hold inner NULs, as libyara)
	FullName             string // Name, or the long name from the COFF string table for "/nnn" names
	HasFullName          bool   // false when a "/nnn" name could not be resolved (full_name undefined)
	VirtualAddress       uint32
	VirtualSize          uint32
	RawDataOffset        uint32
	RawDataSize          uint32
	PointerToRelocations uint32
	PointerToLineNumbers uint32
	NumberOfRelocations  uint16
	NumberOfLineNumbers  uint16
	Characteristics      uint32
}

// Overlay is the data after the end of the section with the highest raw
// data offset. Offset and Size are both 0 when there is no overlay.
type Overlay struct {
	Offset int64
	Size   int64
}

// File is a parsed PE file. Fields mirror libyara's pe module; see doc.go.
type File struct {
	data []byte

	HeaderOffset uint32 // e_lfanew: offset of the "PE\0\0" signature

	// COFF file header.
	Machine              uint16
	NumberOfSections     uint16
	Timestamp            uint32
	PointerToSymbolTable uint32
	NumberOfSymbols      uint32
	SizeOfOptionalHeader uint16
	Characteristics      uint16

	// Optional header.
	OptionalHeaderMagic     uint16
	LinkerVersion           Version
	SizeOfCode              uint32
	SizeOfInitializedData   uint32
	SizeOfUninitializedData uint32
	EntryPointRaw           uint32 // AddressOfEntryPoint (an RVA)
	EntryPoint              int64  // file offset of the entry point, -1 when it maps to no file byte (libyara also reports -1)
	BaseOfCode              uint32
	BaseOfData              uint32 // PE32 only
	HasBaseOfData           bool
	ImageBase               uint64
	SectionAlignment        uint32
	FileAlignment           uint32
	OSVersion               Version
	ImageVersion            Version
	SubsystemVersion        Version
	Win32VersionValue       uint32
	SizeOfImage             uint32
	SizeOfHeaders           uint32
	Checksum                uint32
	Subsystem               uint16
	DllCharacteristics      uint16
	SizeOfStackReserve      uint64
	SizeOfStackCommit       uint64
	SizeOfHeapReserve       uint64
	SizeOfHeapCommit        uint64
	LoaderFlags             uint32
	NumberOfRvaAndSizes     uint32
	DataDirectories         []DataDirectory // min(NumberOfRvaAndSizes, 16) entries (see Directory)

	Sections []Section
	Overlay  Overlay

	RichSignature *RichSignature // nil when absent
	PDBPath       string         // CodeView PDB path, "" when absent

	ImportDetails        []Import // standard import directory, DLLs without functions dropped (as libyara)
	DelayedImportDetails []Import

	// Counters as libyara computes them: NumberOfImports counts import
	// descriptors with a readable name (also those without functions),
	// NumberOfImportedFunctions counts every non-zero thunk, named or not.
	NumberOfImports                  int
	NumberOfImportedFunctions        int
	NumberOfDelayedImports           int
	NumberOfDelayedImportedFunctions int

	ExportDetails      []Export
	HasExportDirectory bool
	DLLName            string // export directory name
	HasDLLName         bool
	ExportTimestamp    uint32

	Resources            []Resource
	HasResourceDirectory bool
	ResourceTimestamp    uint32
	ResourceVersion      Version
	VersionInfoList      []VersionInfoEntry // StringFileInfo strings in file order

	Flags     Flag
	Anomalies []string // what was wrong and where, at most 32 entries

	is64        bool
	ddOff       int64 // offset of the data directory array in the optional header
	sectionsOff int64 // offset of the first section header
	nSecHdr     int   // section headers the RVA mapping walks (min(NumberOfSections, 96))
	secHdrOK    bool  // all nSecHdr headers lie inside the file

	versionSteps int // VERSIONINFO nodes visited, bounded for the whole file

	impOnce sync.Once
	imphash string

	sigOnce sync.Once
	sigs    []Signature
}

// Data returns the bytes the File was parsed from.
func (f *File) Data() []byte { return f.data }

func (f *File) anomaly(flag Flag, format string, args ...any) {
	f.Flags |= flag
	if len(f.Anomalies) < maxAnomalies {
		f.Anomalies = append(f.Anomalies, fmt.Sprintf(format, args...))
	}
}

// Parse reads a PE file. It returns an error wrapping ErrNotPE when data is
// not a PE file; otherwise a File, possibly partial (see File.Flags). Parse
// never panics and its time and memory are bounded by the limits above.
func Parse(data []byte) (*File, error) {
	if len(data) < dosHeaderSize || data[0] != 'M' || data[1] != 'Z' {
		return nil, ErrNotPE
	}
	lfanew := binary.LittleEndian.Uint32(data[0x3c:])
	if int32(lfanew) < 0 {
		return nil, fmt.Errorf("%w: e_lfanew 0x%x is negative", ErrNotPE, lfanew)
	}
	hdr := int64(lfanew)
	if hdr+4+fileHeaderSize > int64(len(data)) {
		return nil, fmt.Errorf("%w: PE header at offset 0x%x is past the end of the file", ErrNotPE, hdr)
	}
	if string(data[hdr:hdr+4]) != "PE\x00\x00" {
		return nil, fmt.Errorf("%w: no PE signature at offset 0x%x", ErrNotPE, hdr)
	}
	opt := hdr + 4 + fileHeaderSize
	if opt+optionalHeader32Size > int64(len(data)) {
		return nil, fmt.Errorf("%w: optional header at offset 0x%x is truncated", ErrNotPE, opt)
	}
	magic := binary.LittleEndian.Uint16(data[opt:])
	is64 := magic == 0x20b
	if is64 && opt+optionalHeader64Size > int64(len(data)) {
		return nil, fmt.Errorf("%w: PE32+ optional header at offset 0x%x is truncated", ErrNotPE, opt)
	}

	f := &File{data: data, HeaderOffset: lfanew, is64: is64}
	le := binary.LittleEndian
	fh := data[hdr+4:]
	f.Machine = le.Uint16(fh)
	f.NumberOfSections = le.Uint16(fh[2:])
	f.Timestamp = le.Uint32(fh[4:])
	f.PointerToSymbolTable = le.Uint32(fh[8:])
	f.NumberOfSymbols = le.Uint32(fh[12:])
	f.SizeOfOptionalHeader = le.Uint16(fh[16:])
	f.Characteristics = le.Uint16(fh[18:])

	o := data[opt:]
	f.OptionalHeaderMagic = magic
	f.LinkerVersion = Version{uint16(o[2]), uint16(o[3])}
	f.SizeOfCode = le.Uint32(o[4:])
	f.SizeOfInitializedData = le.Uint32(o[8:])
	f.SizeOfUninitializedData = le.Uint32(o[12:])
	f.EntryPointRaw = le.Uint32(o[16:])
	f.BaseOfCode = le.Uint32(o[20:])
	var ddOff int64
	if is64 {
		f.ImageBase = le.Uint64(o[24:])
		f.SizeOfStackReserve = le.Uint64(o[72:])
		f.SizeOfStackCommit = le.Uint64(o[80:])
		f.SizeOfHeapReserve = le.Uint64(o[88:])
		f.SizeOfHeapCommit = le.Uint64(o[96:])
		f.LoaderFlags = le.Uint32(o[104:])
		f.NumberOfRvaAndSizes = le.Uint32(o[108:])
		ddOff = 112
	} else {
		f.BaseOfData = le.Uint32(o[24:])
		f.HasBaseOfData = true
		f.ImageBase = uint64(le.Uint32(o[28:]))
		f.SizeOfStackReserve = uint64(le.Uint32(o[72:]))
		f.SizeOfStackCommit = uint64(le.Uint32(o[76:]))
		f.SizeOfHeapReserve = uint64(le.Uint32(o[80:]))
		f.SizeOfHeapCommit = uint64(le.Uint32(o[84:]))
		f.LoaderFlags = le.Uint32(o[88:])
		f.NumberOfRvaAndSizes = le.Uint32(o[92:])
		ddOff = 96
	}
	f.SectionAlignment = le.Uint32(o[32:])
	f.FileAlignment = le.Uint32(o[36:])
	f.OSVersion = Version{le.Uint16(o[40:]), le.Uint16(o[42:])}
	f.ImageVersion = Version{le.Uint16(o[44:]), le.Uint16(o[46:])}
	f.SubsystemVersion = Version{le.Uint16(o[48:]), le.Uint16(o[50:])}
	f.Win32VersionValue = le.Uint32(o[52:])
	f.SizeOfImage = le.Uint32(o[56:])
	f.SizeOfHeaders = le.Uint32(o[60:])
	f.Checksum = le.Uint32(o[64:])
	f.Subsystem = le.Uint16(o[68:])
	f.DllCharacteristics = le.Uint16(o[70:])
	// libyara exposes min(NumberOfRvaAndSizes, 16) entries (none when the
	// count is negative as an int32), whatever SizeOfOptionalHeader says;
	// the fixed-size optional header checked above contains them. The
	// parsers use Directory, which applies libyara's other rule.
	f.ddOff = ddOff
	nDirs := int64(int32(f.NumberOfRvaAndSizes)) // libyara compares it as a signed int
	nDirs = max(0, min(nDirs, 16))
	for i := int64(0); i < nDirs; i++ {
		e := o[ddOff+i*8:]
		f.DataDirectories = append(f.DataDirectories, DataDirectory{le.Uint32(e), le.Uint32(e[4:])})
	}

	f.parseSections(opt)
	f.EntryPoint = f.RVAToOffset(uint64(f.EntryPointRaw))
	f.parseRichSignature()
	f.parseDebug()
	f.parseImports()
	f.parseDelayedImports()
	f.parseExports()
	f.parseResources()
	return f, nil
}

func (f *File) parseSections(opt int64) {
	f.sectionsOff = opt + int64(f.SizeOfOptionalHeader)
	n := int(f.NumberOfSections)
	if n > MaxSections {
		f.anomaly(FlagTooManySections, "pe: %d sections declared, reading the first %d", n, MaxSections)
		n = MaxSections
	}
	f.nSecHdr = n
	f.secHdrOK = true
	le := binary.LittleEndian
	var highOff, highSize uint64
	for i := 0; i < n; i++ {
		off := f.sectionsOff + int64(i)*sectionHeaderSize
		s, ok := f.slice(off, sectionHeaderSize)
		if !ok {
			f.secHdrOK = false
			f.anomaly(FlagTruncatedSections, "pe: section header %d at offset 0x%x is past the end of the file", i, off)
			break
		}
		sec := Section{
			Name:                 rstripNUL(s[:8]),
			VirtualSize:          le.Uint32(s[8:]),
			VirtualAddress:       le.Uint32(s[12:]),
			RawDataSize:          le.Uint32(s[16:]),
			RawDataOffset:        le.Uint32(s[20:]),
			PointerToRelocations: le.Uint32(s[24:]),
			PointerToLineNumbers: le.Uint32(s[28:]),
			NumberOfRelocations:  le.Uint16(s[32:]),
			NumberOfLineNumbers:  le.Uint16(s[34:]),
			Characteristics:      le.Uint32(s[36:]),
		}
		sec.FullName, sec.HasFullName = f.longSectionName(sec.Name)
		// libyara adds the two DWORDs in 32 bits (wrapping) here.
		if end := uint64(sec.RawDataOffset + sec.RawDataSize); end > highOff+highSize {
			highOff, highSize = uint64(sec.RawDataOffset), uint64(sec.RawDataSize)
		}
		f.Sections = append(f.Sections, sec)
	}
	end := highOff + highSize
	if end != 0 && uint64(len(f.data)) > end {
		f.Overlay.Offset = int64(end)
		f.Overlay.Size = int64(len(f.data)) - int64(end)
	}
}

// longSectionName resolves "/123" names through the COFF string table that
// follows the symbol table (object files and some MinGW images), as
// libyara's pe_get_section_full_name: ok is false (full_name undefined) when
// the string runs past the end of the file or holds a non-printable byte.
func (f *File) longSectionName(name string) (string, bool) {
	if f.PointerToSymbolTable == 0 || len(name) == 0 || name[0] != '/' {
		return name, true
	}
	var idx int64
	for i := 1; i < 8 && i < len(name) && name[i] >= '0' && name[i] <= '9'; i++ {
		idx = idx*10 + int64(name[i]-'0')
	}
	off := int64(f.PointerToSymbolTable) + int64(f.NumberOfSymbols)*18 + idx
	for n := int64(0); n < 4096; n++ {
		b, ok := f.slice(off+n, 1)
		if !ok {
			return "", false
		}
		if b[0] == 0 {
			return string(f.data[off : off+n]), true
		}
		if b[0] < 0x20 || b[0] > 0x7e {
			return "", false
		}
	}
	return "", false
}

// Is64Bit reports whether the optional header is PE32+ (pe.is_64bit()).
func (f *File) Is64Bit() bool { return f.is64 }

// Is32Bit reports whether the optional header is PE32 (pe.is_32bit()).
func (f *File) Is32Bit() bool { return f.OptionalHeaderMagic == 0x10b }

// IsDLL reports whether the DLL characteristic is set.
func (f *File) IsDLL() bool { return f.Characteristics&0x2000 != 0 }

// IsDLLValue is what libyara 4.2's pe.is_dll() returns: characteristics &
// pe.DLL, i.e. 8192 (not 1) for a DLL, so `pe.is_dll() == 1` is false there.
func (f *File) IsDLLValue() int64 { return int64(f.Characteristics & 0x2000) }

// Directory returns data directory entry i and whether the parsers use it.
// libyara 4.2 reads an entry only when i < NumberOfRvaAndSizes; when the
// security entry (4) is absent, pe.number_of_signatures is undefined.
func (f *File) Directory(i int) (DataDirectory, bool) {
	if i < 0 || i >= 16 || uint32(i) >= f.NumberOfRvaAndSizes {
		return DataDirectory{}, false
	}
	e := f.data[int64(f.HeaderOffset)+4+fileHeaderSize+f.ddOff+int64(i)*8:]
	return DataDirectory{le32(e), le32(e[4:])}, true
}

// RVAToOffset maps a relative virtual address to a file offset the way
// libyara's pe_rva_to_offset does (pe.rva_to_offset()): RVAs below the
// first section map to themselves, section raw offsets are rounded down to
// min(FileAlignment, 0x200), and -1 means the RVA maps to no file byte.
func (f *File) RVAToOffset(rva uint64) int64 {
	if !f.secHdrOK {
		return -1
	}
	lowest := uint32(0xffffffff)
	var secRVA, secOff, secRaw uint32
	align := f.FileAlignment
	if align > 0x200 {
		align = 0x200
	}
	for i := range f.Sections {
		s := &f.Sections[i]
		if lowest > s.VirtualAddress {
			lowest = s.VirtualAddress
		}
		if rva >= uint64(s.VirtualAddress) && rva-uint64(s.VirtualAddress) < uint64(s.VirtualSize) && secRVA <= s.VirtualAddress {
			secRVA, secOff, secRaw = s.VirtualAddress, s.RawDataOffset, s.RawDataSize
			if align != 0 {
				secOff -= secOff % align
			}
		}
	}
	if rva < uint64(lowest) {
		secRVA, secOff = 0, 0
		secRaw = uint32(len(f.data))
		if int64(len(f.data)) > 0xffffffff {
			secRaw = 0xffffffff
		}
	}
	if rva-uint64(secRVA) >= uint64(secRaw) {
		return -1
	}
	r := int64(secOff) + int64(rva-uint64(secRVA))
	if r >= int64(len(f.data)) {
		return -1
	}
	return r
}

// SectionIndex returns the index of the first section whose name equals
// name (pe.section_index(name)), or -1.
func (f *File) SectionIndex(name string) int {
	for i := range f.Sections {
		if cString([]byte(f.Sections[i].Name)) == name {
			return i
		}
	}
	return -1
}

// SectionIndexAddr returns the index of the first section whose raw data
// contains the file offset addr (pe.section_index(addr) when scanning
// files), or -1.
func (f *File) SectionIndexAddr(addr int64) int {
	for i := range f.Sections {
		s := &f.Sections[i]
		if addr >= int64(s.RawDataOffset) && addr < int64(s.RawDataOffset)+int64(s.RawDataSize) {
			return i
		}
	}
	return -1
}

// slice returns data[off:off+n] when it lies inside the file.
func (f *File) slice(off, n int64) ([]byte, bool) {
	if off < 0 || n < 0 || off > int64(len(f.data)) || n > int64(len(f.data))-off {
		return nil, false
	}
	return f.data[off : off+n], true
}

func (f *File) u16(off int64) (uint16, bool) {
	b, ok := f.slice(off, 2)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint16(b), true
}

func (f *File) u32(off int64) (uint32, bool) {
	b, ok := f.slice(off, 4)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b), true
}

func (f *File) u64(off int64) (uint64, bool) {
	b, ok := f.slice(off, 8)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b), true
}

// cStringAt returns the NUL-terminated string at off, reading at most max
// bytes (and never past the end of the file).
func (f *File) cStringAt(off int64, max int) string {
	b, _ := f.cBytesAt(off, max)
	return string(b)
}

// cBytesAt returns the bytes of the NUL-terminated string at off, at most
// max long, and whether a NUL was found within max bytes.
func (f *File) cBytesAt(off int64, max int) ([]byte, bool) {
	if off < 0 || off >= int64(len(f.data)) {
		return nil, false
	}
	b := f.data[off:]
	if max >= 0 && len(b) > max {
		b = b[:max]
	}
	for i, c := range b {
		if c == 0 {
			return b[:i], true
		}
	}
	return b, false
}

func rstripNUL(b []byte) string {
	n := len(b)
	for n > 0 && b[n-1] == 0 {
		n--
	}
	return string(b[:n])
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func lower(s string) string { return strings.ToLower(s) }
