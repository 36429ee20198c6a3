// Package doctest builds small legacy Office documents for tests of the
// document readers and of the leak authenticator: an Excel 97-2003
// workbook (XLS) and the OLE property sets (PropertySet) that carry the
// metadata of every legacy Office file. The files are written in memory
// as Office writes them, in compound files made by cfbtest, so tests need
// no files from elsewhere.
package doctest

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
	"unicode/utf16"

	"github.com/vigie-project/vigie/internal/cfb/cfbtest"
)

// Sheet is one worksheet: its name (at most 31 characters, as Excel
// allows) and its rows of cells from A1 on. A cell is a string, a float64,
// an int, a bool or nil (left empty).
type Sheet struct {
	Name string
	Rows [][]any
}

// Props is the metadata written in the SummaryInformation property set.
// Zero fields are left out; a zero Props writes no property set.
type Props struct {
	Title, Author, LastAuthor, Application string
	Created, Modified                      time.Time
	// CodePage of the strings: 1252 (Western Europe) when zero, 1251 for
	// a Cyrillic Windows (see PropertySet).
	CodePage int
}

// XLS returns an Excel 97-2003 workbook (BIFF8) holding sheets, without
// metadata. See XLSWithProps.
func XLS(sheets ...Sheet) []byte { return XLSWithProps(Props{}, sheets...) }

// XLSWithProps returns an Excel 97-2003 workbook holding sheets: a
// "Workbook" stream of BIFF8 records (the globals with the sheet list and
// the shared string table, then one substream per sheet, strings as
// LABELSST cells indexing the shared strings, numbers as NUMBER cells,
// booleans as BOOLERR cells) and, when p is not zero, a
// "\x05SummaryInformation" property set with p. A cell of
// another type, or a string of more than 8000 bytes, is a bug of the test
// and panics.
func XLSWithProps(p Props, sheets ...Sheet) []byte {
	var sst []string
	sstIndex := map[string]uint32{}
	total := 0
	// Sheet substreams, their positions filled in once the globals are
	// known.
	var subs [][]byte
	for _, s := range sheets {
		cols := 0
		for _, r := range s.Rows {
			cols = max(cols, len(r))
		}
		sub := BIFFRecord(0x0809, u16(0x0600), u16(0x0010), make([]byte, 12)) // BOF: worksheet
		sub = append(sub, BIFFRecord(0x0200, u32b(0), u32b(uint32(len(s.Rows))), u16(0), u16(uint16(cols)), u16(0))...)
		for i, row := range s.Rows {
			for j, v := range row {
				hdr := append(append(u16(uint16(i)), u16(uint16(j))...), u16(15)...) // row, column, XF 15 (General)
				switch x := v.(type) {
				case nil:
				case string:
					total++
					k, ok := sstIndex[x]
					if !ok {
						k = uint32(len(sst))
						sstIndex[x] = k
						sst = append(sst, x)
					}
					sub = append(sub, BIFFRecord(0x00FD, hdr, u32b(k))...)
				case float64:
					sub = append(sub, BIFFRecord(0x0203, hdr, f64(x))...)
				case int:
					sub = append(sub, BIFFRecord(0x0203, hdr, f64(float64(x)))...)
				case bool:
					b := byte(0)
					if x {
						b = 1
					}
					sub = append(sub, BIFFRecord(0x0205, hdr, []byte{b, 0})...)
				default:
					panic(fmt.Sprintf("doctest: cell %s!R%dC%d is a %T, not a string, number or bool", s.Name, i+1, j+1, v))
				}
			}
		}
		subs = append(subs, append(sub, BIFFRecord(0x000A)...)) // EOF
	}

	head := BIFFRecord(0x0809, u16(0x0600), u16(0x0005), make([]byte, 12)) // BOF: workbook globals
	head = append(head, BIFFRecord(0x0042, u16(1200))...)                  // CODEPAGE: UTF-16
	// Sixteen XF records (15 style formats and the cell format), all of
	// number format 0 (General), as a new workbook has.
	for i := 0; i < 16; i++ {
		flags := uint16(0xFFF5) // style XF
		if i == 15 {
			flags = 0x0001 // cell XF of the Normal style
		}
		head = append(head, BIFFRecord(0x00E0, u16(0), u16(0), u16(flags), make([]byte, 14))...)
	}
	// BOUNDSHEET records hold the substreams' positions: compute their
	// length first.
	bsLen := 0
	for _, s := range sheets {
		bsLen += len(BIFFRecord(0x0085, make([]byte, 6), shortString(s.Name)))
	}
	tail := sstRecords(sst, total)
	tail = append(tail, BIFFRecord(0x000A)...)
	pos := len(head) + bsLen + len(tail)
	wb := head
	for i, s := range sheets {
		wb = append(wb, BIFFRecord(0x0085, u32b(uint32(pos)), []byte{0, 0}, shortString(s.Name))...)
		pos += len(subs[i])
	}
	wb = append(wb, tail...)
	for _, sub := range subs {
		wb = append(wb, sub...)
	}
	files := []cfbtest.File{{Path: "Workbook", Data: wb}}
	if p != (Props{}) {
		files = append(files, cfbtest.File{Path: "\x05SummaryInformation", Data: p.summary()})
	}
	return cfbtest.BuildFiles(files...)
}

// summary encodes p as a SummaryInformation property set.
func (p Props) summary() []byte {
	var props []Prop
	for _, s := range []struct {
		id uint32
		v  string
	}{{PIDTitle, p.Title}, {PIDAuthor, p.Author}, {PIDLastAuthor, p.LastAuthor}, {PIDAppName, p.Application}} {
		if s.v != "" {
			props = append(props, Prop{ID: s.id, Type: VTLPSTR, Value: s.v})
		}
	}
	if !p.Created.IsZero() {
		props = append(props, Prop{ID: PIDCreated, Type: VTFiletime, Value: p.Created})
	}
	if !p.Modified.IsZero() {
		props = append(props, Prop{ID: PIDSaved, Type: VTFiletime, Value: p.Modified})
	}
	cp := p.CodePage
	if cp == 0 {
		cp = 1252
	}
	return PropertySet(FMTIDSummary, cp, props)
}

// maxRecord is the most data a BIFF8 record holds; longer ones go on in
// CONTINUE records.
const maxRecord = 8224

// sstRecords writes the shared string table: an SST record, then
// CONTINUE records each starting with a whole string when one record
// cannot hold them all.
func sstRecords(sst []string, total int) []byte {
	var out []byte
	rec := uint16(0x00FC)
	cur := append(u32b(uint32(total)), u32b(uint32(len(sst)))...)
	for _, s := range sst {
		b := longString(s)
		if len(b) > 8000 {
			panic(fmt.Sprintf("doctest: string of %d bytes is too long for one record", len(b)))
		}
		if len(cur)+len(b) > maxRecord {
			out = append(out, BIFFRecord(rec, cur)...)
			rec, cur = 0x003C, nil
		}
		cur = append(cur, b...)
	}
	return append(out, BIFFRecord(rec, cur)...)
}

// BIFFRecord encodes one BIFF record: its type, the length of its data
// and its data, the concatenation of data. Tests of the workbook reader
// use it to write the records XLS does not.
func BIFFRecord(typ uint16, data ...[]byte) []byte {
	var body []byte
	for _, d := range data {
		body = append(body, d...)
	}
	return append(append(u16(typ), u16(uint16(len(body)))...), body...)
}

// chars encodes s as BIFF8 characters: a flags byte, then one byte per
// character when all are Latin-1 (as Excel stores them), UTF-16LE
// otherwise; and the character count.
func chars(s string) (flags byte, b []byte, n int) {
	u := utf16.Encode([]rune(s))
	for _, c := range u {
		if c > 0xFF {
			flags = 1
		}
	}
	for _, c := range u {
		if flags == 0 {
			b = append(b, byte(c))
		} else {
			b = binary.LittleEndian.AppendUint16(b, c)
		}
	}
	return flags, b, len(u)
}

// longString encodes an XLUnicodeString (16-bit count).
func longString(s string) []byte {
	flags, b, n := chars(s)
	return append(append(u16(uint16(n)), flags), b...)
}

// shortString encodes a ShortXLUnicodeString (8-bit count), as sheet
// names are.
func shortString(s string) []byte {
	flags, b, n := chars(s)
	if n > 255 {
		panic("doctest: sheet name longer than 255 characters: " + s)
	}
	return append([]byte{byte(n), flags}, b...)
}

func u16(v uint16) []byte  { return binary.LittleEndian.AppendUint16(nil, v) }
func u32b(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func f64(v float64) []byte { return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)) }
