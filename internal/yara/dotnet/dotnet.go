// Package dotnet reads the CLI (.NET) metadata of a PE file for YARA's
// "dotnet" module, as libyara 4.2.3's modules/dotnet/dotnet.c does:
//
//   - is_dotnet: the COM descriptor data directory points to a CLI
//     header of 72 bytes whose metadata root has the BSJB magic and a
//     version of 1-255 bytes (a multiple of 4); a 32-bit EXE must also
//     start its entry point with FF 25 (jmp [mscoree!_CorExeMain]).
//   - version (the metadata version string), the stream headers
//     (streams[], number_of_streams), the #GUID heap (guids[], at most
//     16), the #US heap (user_strings[], raw UTF-16LE bytes).
//   - From the #~ (or #-) tables, walked in the order of their Valid bits
//     with ECMA-335's row sizes: module_name (Module), assembly (version,
//     name, culture), assembly_refs[] (version, public_key_or_token,
//     name), resources[] (ManifestResource rows stored in this file: the
//     offset and length of the data in the file, and the name),
//     modulerefs[], constants[] (string constants from the Constant table,
//     raw UTF-16LE), field_offsets[] (FieldRVA rows mapped to file offsets)
//     and typelib (the GuidAttribute on the assembly).
//
// libyara's quirks are kept, because rules were written against them: the
// number of streams is read from one byte, a table with more than 10,000
// rows or an unknown table stops the walk, and the coded index sizes are
// those libyara computes. Every read is bounds-checked against the data;
// counts read from the file never allocate beyond what the data holds.
package dotnet

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/vigie-project/vigie/internal/yara/pe"
)

// Stream is one metadata stream header.
type Stream struct {
	Name   string
	Offset int64 // file offset (metadata root + the header's offset)
	Size   uint32
}

// Version is a four-part assembly version.
type Version struct {
	Major, Minor, BuildNumber, RevisionNumber uint16
}

// AssemblyRef is one AssemblyRef row. A row whose public key blob is
// unreadable keeps only its version, as in libyara.
type AssemblyRef struct {
	Version             Version
	PublicKeyOrToken    []byte // nil: not set
	Name                string
	HasName             bool
	HasPublicKeyOrToken bool
}

// Resource is a manifest resource stored in this file.
type Resource struct {
	Offset  int64 // file offset of the resource data (after its length)
	Length  uint32
	Name    string
	HasName bool
}

// Assembly is the Assembly row.
type Assembly struct {
	Version    Version
	Name       string
	HasName    bool
	Culture    string
	HasCulture bool
}

// File is the .NET metadata of a PE file. The Has* flags tell which
// values libyara sets (the others stay undefined).
type File struct {
	IsDotnet bool

	Version    string
	HasVersion bool
	ModuleName string
	HasModule  bool

	Streams         []Stream
	NumberOfStreams int
	HasStreams      bool

	GUIDs    []string
	HasGUIDs bool

	UserStrings    [][]byte
	HasUserStrings bool

	Resources    []Resource
	HasResources bool

	AssemblyRefs    []AssemblyRef
	HasAssemblyRefs bool

	Assembly *Assembly

	ModuleRefs    []string
	HasModuleRefs bool

	Typelib    string
	HasTypelib bool

	Constants    [][]byte
	HasConstants bool

	FieldOffsets    []int64
	HasFieldOffsets bool
}

// Limits from libyara.
const (
	maxRows        = 10000 // rows of one table
	maxStringLen   = 1024  // a #Strings entry
	maxGUIDBytes   = 256   // 16 GUIDs
	streamNameSize = 32
	cliHeaderSize  = 72
	metadataMagic  = 0x424a5342 // "BSJB"
)

// parser holds the data and the PE for one file.
type parser struct {
	d  []byte
	pf *pe.File
	f  *File
}

var le = binary.LittleEndian

// fits is libyara's fits_in_pe: n bytes at off lie inside the data.
func (p *parser) fits(off, n int64) bool {
	return n >= 0 && n <= int64(len(p.d)) && off >= 0 && off <= int64(len(p.d))-n
}

func (p *parser) u16(off int64) uint32 {
	if !p.fits(off, 2) {
		return 0
	}
	return uint32(le.Uint16(p.d[off:]))
}

func (p *parser) u32(off int64) uint32 {
	if !p.fits(off, 4) {
		return 0
	}
	return le.Uint32(p.d[off:])
}

// idx reads an index column of width 2 or 4.
func (p *parser) idx(off int64, width int) uint32 {
	if width == 4 {
		return p.u32(off)
	}
	return p.u16(off)
}

// Parse reads the .NET metadata of a PE file. It returns nil when data is
// not a PE file (the module then sets nothing, not even is_dotnet).
func Parse(data []byte) *File {
	pf, err := pe.Parse(data)
	if err != nil || pf == nil || !peHeaderOK(data) {
		return nil
	}
	p := &parser{d: data, pf: pf, f: &File{}}
	p.parseCOM()
	return p.f
}

// peHeaderOK is libyara's pe_get_header: the data holds the DOS header,
// the PE signature, the file header and the whole optional header.
func peHeaderOK(d []byte) bool {
	if len(d) < 64 || d[0] != 'M' || d[1] != 'Z' {
		return false
	}
	lfanew := int64(int32(le.Uint32(d[0x3c:])))
	if lfanew < 0 {
		return false
	}
	hs := lfanew + 4 + 20
	if int64(len(d)) < hs || le.Uint32(d[lfanew:]) != 0x4550 {
		return false
	}
	if int64(len(d)) < hs+224 {
		return false
	}
	if le.Uint16(d[hs:]) == 0x20b {
		hs += 240
	} else {
		hs += 224
	}
	return int64(len(d)) >= hs
}

// optional returns the offset of the optional header and whether it is
// PE32+.
func (p *parser) optional() (int64, bool) {
	lfanew := int64(int32(le.Uint32(p.d[0x3c:])))
	opt := lfanew + 24
	return opt, le.Uint16(p.d[opt:]) == 0x20b
}

// comDirectory returns the COM descriptor directory entry (14) as libyara's
// pe_get_directory_entry does: a 32-bit file's entry is read whatever
// NumberOfRvaAndSizes says.
func (p *parser) comDirectory() (rva, size uint32, ok bool) {
	opt, is64 := p.optional()
	nOff, ddOff := opt+92, opt+96
	if is64 {
		nOff, ddOff = opt+108, opt+112
	}
	if is64 && p.u32(nOff) < 14 {
		return 0, 0, false
	}
	e := ddOff + 14*8
	if !p.fits(e, 8) {
		return 0, 0, false
	}
	return p.u32(e), p.u32(e + 4), true
}

func (p *parser) rva(r uint32) int64 { return p.pf.RVAToOffset(uint64(r)) }

// isDotnet is libyara's dotnet_is_dotnet.
func (p *parser) isDotnet() bool {
	rva, _, ok := p.comDirectory()
	if !ok {
		return false
	}
	off := p.rva(rva)
	if off < 0 || !p.fits(off, cliHeaderSize) || p.u32(off) != cliHeaderSize {
		return false
	}
	root := p.rva(p.u32(off + 8))
	if !p.fits(root, 16) || p.u32(root) != metadataMagic {
		return false
	}
	mdLen := p.u32(root + 12)
	if mdLen == 0 || mdLen > 255 || mdLen%4 != 0 || !p.fits(root+16, int64(mdLen)) {
		return false
	}
	opt, is64 := p.optional()
	if is64 {
		if p.u32(opt+108) < 14 {
			return false
		}
	} else if le.Uint16(p.d[int64(int32(le.Uint32(p.d[0x3c:])))+22:])&0x2000 == 0 {
		ep := p.rva(p.u32(opt + 16))
		if ep < 0 || !p.fits(ep, 2) || p.d[ep] != 0xFF || p.d[ep+1] != 0x25 {
			return false
		}
	}
	return true
}

// streams are the stream headers libyara keeps for the later passes.
type streams struct {
	tilde, guid, str, blob, us *streamHdr
}

type streamHdr struct {
	offset uint32
	size   uint32
}

func (p *parser) parseCOM() {
	if !p.isDotnet() {
		return
	}
	p.f.IsDotnet = true
	rva, _, _ := p.comDirectory()
	cli := p.rva(rva)
	root := p.rva(p.u32(cli + 8))
	mdLen := int64(p.u32(root + 12))
	ver := p.d[root+16 : root+16+mdLen]
	if i := bytes.IndexByte(ver, 0); i >= 0 {
		p.f.Version, p.f.HasVersion = string(ver[:i]), true
	}
	off := root + 16 + mdLen + 2
	if !p.fits(off, 2) {
		return
	}
	n := int(p.d[off]) // libyara reads the 16-bit count through a byte pointer
	off += 2
	hs := p.parseStreamHeaders(off, root, n)
	if hs.guid != nil {
		p.parseGUIDs(root, hs.guid)
	}
	if hs.tilde != nil && hs.str != nil && hs.blob != nil {
		p.parseTilde(root, cli, &hs)
	}
	if hs.us != nil {
		p.parseUS(root, hs.us)
	}
}

func (p *parser) parseStreamHeaders(off, root int64, n int) streams {
	var hs streams
	i := 0
	for ; i < n; i++ {
		if !p.fits(off, 8) || !p.fits(off+8, streamNameSize) {
			break
		}
		nameBytes := p.d[off+8 : off+8+streamNameSize]
		end := bytes.IndexByte(nameBytes, 0)
		if end < 0 {
			break
		}
		name := string(nameBytes[:end])
		h := &streamHdr{offset: p.u32(off), size: p.u32(off + 4)}
		p.f.Streams = append(p.f.Streams, Stream{Name: name, Offset: root + int64(h.offset), Size: h.size})
		switch {
		case (hasPrefix(name, "#~") || hasPrefix(name, "#-")) && hs.tilde == nil:
			hs.tilde = h
		case hasPrefix(name, "#GUID"):
			hs.guid = h
		case hasPrefix(name, "#Strings") && hs.str == nil:
			hs.str = h
		case hasPrefix(name, "#Blob"):
			hs.blob = h
		case hasPrefix(name, "#US") && hs.us == nil:
			hs.us = h
		}
		off += 8 + int64(len(name)) + 4 - int64(len(name)%4)
	}
	p.f.NumberOfStreams, p.f.HasStreams = i, true
	return hs
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

func (p *parser) parseGUIDs(root int64, h *streamHdr) {
	off := root + int64(h.offset)
	size := min(h.size, maxGUIDBytes)
	for size >= 16 && p.fits(off, 16) {
		g := p.d[off : off+16]
		p.f.GUIDs = append(p.f.GUIDs, fmt.Sprintf("%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			le.Uint32(g), le.Uint16(g[4:]), le.Uint16(g[6:]), g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]))
		size -= 16
		off += 16
	}
	p.f.HasGUIDs = true
}

// blob parses a #Blob or #US entry header at off: the length of the
// entry and the size of its header (0 on error). As libyara, the length
// drops the final byte of a non-empty entry.
func (p *parser) blob(off int64) (length uint32, size int64) {
	if !p.fits(off, 1) {
		return 0, 0
	}
	b := p.d[off]
	switch {
	case b&0x80 == 0:
		length, size = uint32(b), 1
	case b&0xC0 == 0x80:
		if !p.fits(off, 2) {
			return 0, 0
		}
		length, size = uint32(b&0x3F)<<8|uint32(p.d[off+1]), 2
	case off+4 < int64(len(p.d)) && b&0xE0 == 0xC0:
		if !p.fits(off, 4) {
			return 0, 0
		}
		length = uint32(b&0x1F)<<24 | uint32(p.d[off+1])<<16 | uint32(p.d[off+2])<<8 | uint32(p.d[off+3])
		size = 4
	default:
		return 0, 0
	}
	if length > 0 {
		length--
	}
	return length, size
}

func (p *parser) parseUS(root int64, h *streamHdr) {
	off := root + int64(h.offset)
	end := off + int64(h.size)
	if h.size == 0 || !p.fits(off, int64(h.size)) || p.d[off] != 0 {
		return
	}
	off++
	for off < end {
		n, sz := p.blob(off)
		if sz == 0 {
			break
		}
		off += sz
		if n > 0 && p.fits(off, int64(n)) {
			p.f.UserStrings = append(p.f.UserStrings, p.d[off:off+int64(n)])
			off += int64(n)
		}
	}
	p.f.HasUserStrings = true
}

// str is libyara's pe_get_dotnet_string: a NUL-terminated entry of the
// #Strings heap, at most 1,024 bytes.
func (p *parser) str(heap int64, index uint32) (string, bool) {
	start := heap + int64(index)
	if start < 0 || start >= int64(len(p.d)) {
		return "", false
	}
	end := bytes.IndexByte(p.d[start:min(start+maxStringLen+1, int64(len(p.d)))], 0)
	if end < 0 {
		return "", false
	}
	return string(p.d[start : start+int64(end)]), true
}
