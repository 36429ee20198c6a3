package doctest

import (
	"bytes"
	"encoding/binary"
	"time"
)

// Format ids of the two property sets Office writes in the streams
// "\x05SummaryInformation" and "\x05DocumentSummaryInformation"
// ([MS-OLEPS] 1.3.2).
var (
	FMTIDSummary    = [16]byte{0xE0, 0x85, 0x9F, 0xF2, 0xF9, 0x4F, 0x68, 0x10, 0xAB, 0x91, 0x08, 0x00, 0x2B, 0x27, 0xB3, 0xD9}
	FMTIDDocSummary = [16]byte{0x02, 0xD5, 0xCD, 0xD5, 0x9C, 0x2E, 0x1B, 0x10, 0x93, 0x97, 0x08, 0x00, 0x2B, 0x2C, 0xF9, 0xAE}
)

// Property ids of the SummaryInformation set ([MS-OLEPS] 2.25.1).
const (
	PIDTitle      = 2
	PIDAuthor     = 4
	PIDLastAuthor = 8
	PIDRevision   = 9
	PIDEditTime   = 10
	PIDCreated    = 12
	PIDSaved      = 13
	PIDPages      = 14
	PIDAppName    = 18
)

// Property types (VARENUM) PropertySet writes.
const (
	VTI2       = 2      // int: a 16-bit integer
	VTI4       = 3      // int32
	VTBool     = 11     // bool
	VTLPSTR    = 30     // string, in the set's code page
	VTFiletime = 64     // time.Time (a date) or time.Duration (a length, such as the editing time)
	VTVariants = 0x100C // []any of string and int32: a vector of variants
	VTLPSTRs   = 0x101E // []string: a vector of strings
)

// Prop is one property of a property set: its id, its type (VT*) and a
// value of the Go type the type names.
type Prop struct {
	ID    uint32
	Type  uint32
	Value any
}

const filetimeUnixDelta = 11644473600 // seconds from 1601-01-01 to 1970-01-01

// PropertySet encodes a property set stream ([MS-OLEPS]) of one section
// of format id fmtid, whose strings are in the given code page (written
// as property 1 before props). Code page 1251 encodes Cyrillic, 1252
// Latin-1; any other writes the strings' UTF-8 bytes. A value of another
// Go type than its VT type names is a bug of the test and panics.
func PropertySet(fmtid [16]byte, codePage int, props []Prop) []byte {
	var sec bytes.Buffer
	all := append([]Prop{{ID: 1, Type: VTI2, Value: codePage}}, props...)
	var vals [][]byte
	for _, p := range all {
		var vb bytes.Buffer
		u32(&vb, p.Type)
		encodeValue(&vb, p.Type, p.Value, codePage, false)
		vals = append(vals, vb.Bytes())
	}
	off := 8 + 8*len(all)
	var body, idx bytes.Buffer
	for i, p := range all {
		u32(&idx, p.ID)
		u32(&idx, uint32(off))
		body.Write(vals[i])
		off += len(vals[i])
	}
	u32(&sec, uint32(off))
	u32(&sec, uint32(len(all)))
	sec.Write(idx.Bytes())
	sec.Write(body.Bytes())
	var out bytes.Buffer
	binary.Write(&out, binary.LittleEndian, uint16(0xFFFE)) // byte order
	binary.Write(&out, binary.LittleEndian, uint16(0))      // version
	u32(&out, 0x00020006)                                   // OS: Windows 6.2
	out.Write(make([]byte, 16))                             // CLSID
	u32(&out, 1)                                            // sections
	out.Write(fmtid[:])
	u32(&out, 48) // offset of the section
	out.Write(sec.Bytes())
	return out.Bytes()
}

func u32(b *bytes.Buffer, v uint32) { binary.Write(b, binary.LittleEndian, v) }

func encodeValue(b *bytes.Buffer, typ uint32, v any, cp int, inVector bool) {
	switch typ {
	case VTI4:
		u32(b, uint32(v.(int32)))
	case VTI2:
		binary.Write(b, binary.LittleEndian, uint16(v.(int)))
		if !inVector {
			b.Write([]byte{0, 0})
		}
	case VTBool:
		val := uint16(0)
		if v.(bool) {
			val = 0xFFFF
		}
		binary.Write(b, binary.LittleEndian, val)
		if !inVector {
			b.Write([]byte{0, 0})
		}
	case VTLPSTR:
		raw := append(encodeCP(v.(string), cp), 0)
		u32(b, uint32(len(raw)))
		b.Write(raw)
		if !inVector {
			for len(raw)%4 != 0 {
				raw = append(raw, 0)
				b.WriteByte(0)
			}
		}
	case VTFiletime:
		var ft uint64
		switch x := v.(type) {
		case time.Time:
			ft = uint64(x.Unix()+filetimeUnixDelta)*1e7 + uint64(x.Nanosecond()/100)
		case time.Duration:
			ft = uint64(x / 100)
		}
		binary.Write(b, binary.LittleEndian, ft)
	case VTVariants:
		items := v.([]any)
		u32(b, uint32(len(items)))
		for _, it := range items {
			switch x := it.(type) {
			case string:
				u32(b, VTLPSTR)
				encodeValue(b, VTLPSTR, x, cp, true)
			case int32:
				u32(b, VTI4)
				encodeValue(b, VTI4, x, cp, true)
			}
		}
	case VTLPSTRs:
		items := v.([]string)
		u32(b, uint32(len(items)))
		for _, it := range items {
			encodeValue(b, VTLPSTR, it, cp, true)
		}
	default:
		panic("doctest: property type not written by PropertySet")
	}
	for b.Len()%4 != 0 {
		b.WriteByte(0)
	}
}

// encodeCP encodes s in code page 1251 (Cyrillic) or 1252 (Latin-1
// letters), '?' standing for what the code page lacks; other code pages
// get the UTF-8 bytes.
func encodeCP(s string, cp int) []byte {
	if cp != 1251 && cp != 1252 {
		return []byte(s)
	}
	var out []byte
	for _, r := range s {
		switch {
		case r < 0x80:
			out = append(out, byte(r))
		case cp == 1252 && r >= 0xA0 && r < 0x100:
			out = append(out, byte(r))
		case cp == 1251 && r >= 'А' && r <= 'я':
			out = append(out, byte(r-'А'+0xC0))
		case cp == 1251 && r == 'ё':
			out = append(out, 0xB8)
		default:
			out = append(out, '?')
		}
	}
	return out
}
