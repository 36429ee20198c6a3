package docmeta

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/vigie-project/vigie/internal/cfb"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// readOLE reads an OLE2 compound file: the SummaryInformation and
// DocumentSummaryInformation property sets, and for Word files the FIB and
// the document properties (DOP) whose dates are in the author's local time.
func readOLE(m *Meta, r io.ReaderAt, size int64, l Limits) error {
	c, err := cfb.Open(r, size, cfb.Limits{MaxStream: l.MaxPartSize, MaxEntries: l.MaxEntries})
	if c == nil {
		return fmt.Errorf("corrupt OLE compound file: %w", err)
	}
	if err != nil {
		m.warnf("%v", err)
	}
	m.Type = "OLE"
	names := map[string]int{}
	for _, i := range c.Children(0) {
		names[c.Entry(i).Name] = i
	}
	switch {
	case has(names, "WordDocument"):
		m.Type = "DOC"
	case has(names, "Workbook") || has(names, "Book"):
		m.Type = "XLS"
	case has(names, "PowerPoint Document"):
		m.Type = "PPT"
	case has(names, "EncryptedPackage"):
		m.Type = "OOXML"
		m.Encrypted = true
		m.warnf("encrypted Office document (password protected): only the unencrypted property sets can be read")
	}
	for n := range names {
		if strings.HasPrefix(n, "__substg1.0_") {
			m.Type = "MSG"
			break
		}
	}
	var errs []error
	read := 0
	// Every property-set stream of the root storage is read, in directory
	// order; a later value of the same tag replaces an earlier one.
	// PowerPoint's PP97_DUALSTORAGE keeps a second copy of the property
	// sets, sometimes with properties the root copy lacks (exiftool reads
	// both, root last).
	children := c.Children(0)
	if i, ok := names["PP97_DUALSTORAGE"]; ok && c.Entry(i).Type == cfb.TypeStorage {
		children = append(children, c.Children(i)...)
	}
	sort.Ints(children)
	for _, i := range children {
		var tbl map[uint32]string
		multi := false
		switch c.Entry(i).Name {
		case "\x05SummaryInformation":
			tbl = summaryNames
		case "\x05DocumentSummaryInformation":
			tbl, multi = docSummaryNames, true
		default:
			continue
		}
		data, err := c.Stream(i, -1)
		if err == nil {
			err = parsePropertySet(m, data, tbl, multi)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", strings.TrimPrefix(c.Entry(i).Name, "\x05"), err))
		} else {
			read++
		}
	}
	for _, i := range children {
		if c.Entry(i).Name == "Current User" {
			readCurrentUser(m, c, i)
		}
	}
	if i, ok := names["WordDocument"]; ok {
		if err := readWord(m, c, i, names); err != nil {
			errs = append(errs, fmt.Errorf("WordDocument: %w", err))
		} else {
			read++
		}
	}
	if read == 0 && len(errs) > 0 {
		return errors.Join(errs...)
	}
	for _, e := range errs {
		m.warnf("%v", e)
	}
	if read == 0 && len(m.Tags) == 0 {
		m.warnf("no document properties in this compound file")
	}
	return nil
}

func has(m map[string]int, k string) bool { _, ok := m[k]; return ok }

// summaryNames are the exiftool names of the SummaryInformation properties.
var summaryNames = map[uint32]string{
	1: "CodePage", 2: "Title", 3: "Subject", 4: "Author", 5: "Keywords", 6: "Comments", 7: "Template",
	8: "LastModifiedBy", 9: "RevisionNumber", 10: "TotalEditTime", 11: "LastPrinted", 12: "CreateDate",
	13: "ModifyDate", 14: "Pages", 15: "Words", 16: "Characters", 17: "ThumbnailClip", 18: "Software",
	19: "Security", 0x80000000: "LocaleIndicator",
}

// docSummaryNames are the exiftool names of the DocumentSummaryInformation properties.
var docSummaryNames = map[uint32]string{
	1: "CodePage", 2: "Category", 3: "PresentationTarget", 4: "Bytes", 5: "Lines", 6: "Paragraphs",
	7: "Slides", 8: "Notes", 9: "HiddenSlides", 10: "MMClips", 11: "ScaleCrop", 12: "HeadingPairs",
	13: "TitleOfParts", 14: "Manager", 15: "Company", 16: "LinksUpToDate", 17: "CharCountWithSpaces",
	19: "SharedDoc", 22: "HyperlinksChanged", 23: "AppVersion", 26: "ContentType", 27: "ContentStatus",
	28: "Language", 29: "DocVersion", 0x80000000: "LocaleIndicator",
}

var yesNo = map[string]string{"0": "No", "1": "Yes", "-1": "Yes", "65535": "Yes"}

// codePageNames are exiftool's names for the common code pages.
var codePageNames = map[int]string{
	437: "DOS United States", 850: "DOS Latin 1 (Western European)", 852: "DOS Latin 2 (Central European)",
	866: "DOS Russian (Cyrillic)", 874: "Windows Thai (same as 28605, ISO 8859-15)", 932: "Windows Japanese (Shift-JIS)",
	936: "Windows Simplified Chinese (PRC, Singapore)", 949: "Windows Korean (Unified Hangul Code)",
	950: "Windows Traditional Chinese (Taiwan)", 1200: "Unicode UTF-16, little endian", 1201: "Unicode UTF-16, big endian",
	1250: "Windows Latin 2 (Central European)", 1251: "Windows Cyrillic", 1252: "Windows Latin 1 (Western European)",
	1253: "Windows Greek", 1254: "Windows Turkish", 1255: "Windows Hebrew", 1256: "Windows Arabic", 1257: "Windows Baltic",
	1258: "Windows Vietnamese", 10000: "Mac Roman (Western European)", 10007: "Mac Cyrillic", 10017: "Mac Ukrainian",
	20866: "Russian/Cyrillic (KOI8-R)", 21866: "Ukrainian/Cyrillic (KOI8-U)", 28591: "ISO 8859-1 Latin 1 (Western European)",
	28595: "ISO 8859-5 Cyrillic", 65000: "Unicode (UTF-7)", 65001: "Unicode (UTF-8)",
}

// codePageDecoder returns the decoder for a Windows code page, nil for
// UTF-8 or unknown pages (bytes kept as they are).
func codePageDecoder(cp int) *encoding.Decoder {
	var e encoding.Encoding
	switch cp {
	case 1250:
		e = charmap.Windows1250
	case 1251:
		e = charmap.Windows1251
	case 1252, 0:
		e = charmap.Windows1252
	case 1253:
		e = charmap.Windows1253
	case 1254:
		e = charmap.Windows1254
	case 1255:
		e = charmap.Windows1255
	case 1256:
		e = charmap.Windows1256
	case 1257:
		e = charmap.Windows1257
	case 1258:
		e = charmap.Windows1258
	case 874:
		e = charmap.Windows874
	case 437:
		e = charmap.CodePage437
	case 850:
		e = charmap.CodePage850
	case 852:
		e = charmap.CodePage852
	case 866:
		e = charmap.CodePage866
	case 10000:
		e = charmap.Macintosh
	case 10007:
		e = charmap.MacintoshCyrillic
	case 20866:
		e = charmap.KOI8R
	case 21866:
		e = charmap.KOI8U
	case 28591:
		e = charmap.ISO8859_1
	case 28595:
		e = charmap.ISO8859_5
	case 932:
		e = japanese.ShiftJIS
	case 936:
		e = simplifiedchinese.GBK
	case 949:
		e = korean.EUCKR
	case 950:
		e = traditionalchinese.Big5
	default:
		return nil
	}
	return e.NewDecoder()
}

func decodeCP(b []byte, cp int) string {
	if i := indexByte0(b); i >= 0 {
		b = b[:i]
	}
	if cp == 1200 {
		return decodeUTF16LE(b)
	}
	if d := codePageDecoder(cp); d != nil {
		if s, err := d.Bytes(b); err == nil {
			return string(s)
		}
	}
	return string(b)
}

func indexByte0(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

func decodeUTF16LE(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		ch := binary.LittleEndian.Uint16(b[i:])
		if ch == 0 {
			break
		}
		u = append(u, ch)
	}
	return string(utf16.Decode(u))
}

const filetimeUnixDelta = 11644473600 // seconds from 1601-01-01 to 1970-01-01

// propValue is one decoded property value.
type propValue struct {
	vals []string
	secs []float64 // for FILETIME: seconds since 1601, or duration
	time []time.Time
	isFT bool
}

// parsePropertySet reads a property set stream ([MS-OLEPS]); multi reads the
// second (user-defined) section of DocumentSummaryInformation too.
func parsePropertySet(m *Meta, data []byte, names map[uint32]string, multi bool) error {
	if len(data) < 48 {
		return errors.New("truncated property set")
	}
	if binary.LittleEndian.Uint16(data) != 0xFFFE {
		return errors.New("bad property set byte order mark")
	}
	pos := int(binary.LittleEndian.Uint32(data[44:]))
	if pos < 48 {
		return errors.New("bad property section offset")
	}
	for n := 0; n < 2; n++ {
		if pos < 0 || pos+8 > len(data) {
			break
		}
		size := int(binary.LittleEndian.Uint32(data[pos:]))
		if size == 0 {
			break
		}
		count := int(binary.LittleEndian.Uint32(data[pos+4:]))
		if count > (len(data)-pos-8)/8 {
			return errors.New("truncated property list")
		}
		codePage := 0
		dict := map[uint32]string{}
		custom := n == 1
		for i := 0; i < count; i++ {
			e := pos + 8 + 8*i
			pid := binary.LittleEndian.Uint32(data[e:])
			off := int(binary.LittleEndian.Uint32(data[e+4:]))
			vp := pos + off
			if off < 0 || vp+4 > len(data) || vp < 0 {
				break
			}
			typ := binary.LittleEndian.Uint32(data[vp:])
			if pid == 0 { // dictionary of user-defined names
				p := vp + 4
				for k := uint32(0); k < typ && k < 10000; k++ {
					if p+8 > len(data) {
						break
					}
					id := binary.LittleEndian.Uint32(data[p:])
					ln := int(binary.LittleEndian.Uint32(data[p+4:]))
					if ln < 0 || ln > len(data)-p-8 {
						break
					}
					raw := data[p+8 : p+8+ln]
					if codePage == 1200 {
						dict[id] = decodeUTF16LE(raw[:min(len(raw), ln*2)])
						p += 8 + ln*2
						if p > len(data) {
							break
						}
						p = (p + 3) &^ 3
					} else {
						dict[id] = decodeCP(raw, codePage)
						p += 8 + ln
					}
				}
				continue
			}
			pv, ok := readPropValue(data, vp+4, typ, codePage, 0)
			if !ok {
				m.warnf("error reading property value %d", pid)
				continue
			}
			if pid == 1 && len(pv.vals) == 1 {
				cp, _ := strconv.Atoi(pv.vals[0])
				if cp < 0 {
					cp += 0x10000
				}
				codePage = cp
				if n == 0 {
					m.CodePage = cp
				}
				name := strconv.Itoa(cp)
				if s, ok := codePageNames[cp]; ok {
					name = s
				}
				m.set("FlashPix", "CodePage", name)
				continue
			}
			var name string
			if custom {
				if dn, ok := dict[pid]; ok {
					name = customName(dn)
					if name == "Tag_" && dn == "" {
						name = ""
					}
					m.Custom = append(m.Custom, Property{Name: dn, Value: strings.Join(pv.vals, ", ")})
				}
				if name == "" {
					name = fmt.Sprintf("Tag_%d", pid)
				}
			} else if s, ok := names[pid]; ok {
				name = s
			} else {
				name = fmt.Sprintf("Tag_0x%04x", pid)
			}
			m.addOLEProp(name, pv, custom)
		}
		if !multi {
			break
		}
		pos += size
	}
	return nil
}

// addOLEProp converts a property value as exiftool prints it and records it.
func (m *Meta) addOLEProp(name string, pv propValue, custom bool) {
	if len(pv.vals) == 0 {
		m.set("FlashPix", name, "")
		return
	}
	v := pv.vals[0]
	if !custom {
		switch name {
		case "TotalEditTime":
			if pv.isFT && len(pv.secs) == 1 {
				s := pv.secs[0]
				if s <= 365*24*3600 {
					d := time.Duration(s * float64(time.Second))
					m.TotalEditTime = &d
					v = convertTimeSpan(perlNum(s), 0)
				}
			}
		case "CreateDate", "ModifyDate", "LastPrinted":
		case "Security":
			v = docSecurity[v]
			if v == "" {
				v = pv.vals[0]
			}
		case "ScaleCrop", "LinksUpToDate", "SharedDoc", "HyperlinksChanged":
			if s, ok := yesNo[v]; ok {
				v = s
			}
		case "AppVersion":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				n &= 0xFFFFFFFF
				v = fmt.Sprintf("%d.%04d", n>>16, n&0xffff)
			}
		case "HeadingPairs":
			m.HeadingPairs = headingPairs(pv.vals)
		case "TitleOfParts":
			m.TitlesOfParts = append([]string(nil), pv.vals...)
		case "ThumbnailClip":
			v = fmt.Sprintf("(Binary data %d bytes, use -b option to extract)", len(pv.vals[0]))
		}
	}
	if len(pv.vals) > 1 {
		m.set("FlashPix", name, pv.vals)
		return
	}
	m.set("FlashPix", name, v)
}

// readPropValue decodes a typed value at p; depth guards VT_VARIANT nesting.
func readPropValue(data []byte, p int, typ uint32, cp int, depth int) (pv propValue, ok bool) {
	pv, _, ok = readPropValueAt(data, p, typ, cp, depth, false)
	return pv, ok
}

// readPropValueAt reads a value and returns the position after it. Inside
// vectors (noPad) strings are not padded to 4 bytes, as Office writes them.
func readPropValueAt(data []byte, p int, typ uint32, cp int, depth int, noPad bool) (pv propValue, end int, ok bool) {
	defer func() { end = p }()
	if depth > 2 {
		return pv, p, false
	}
	count := 1
	vector := false
	if typ&0xF000 == 0x1000 {
		if p+4 > len(data) {
			return pv, p, false
		}
		count = int(binary.LittleEndian.Uint32(data[p:]))
		p += 4
		vector = true
		noPad = true
		if count > len(data)-p || count < 0 {
			return pv, p, false
		}
		if count == 0 {
			pv.vals = append(pv.vals, "")
			return pv, p, true
		}
	} else if typ&0xF000 != 0 {
		return pv, p, false
	}
	vt := typ & 0x0FFF
	lastLen := -1
	for k := 0; k < count; k++ {
		// Strings in vectors are sometimes padded to 4 bytes, sometimes not.
		if vector && lastLen >= 0 && lastLen&3 != 0 {
			pad := 4 - lastLen&3
			if p+pad <= len(data) && allZero(data[p:p+pad]) {
				p += pad
			}
		}
		lastLen = -1
		need := func(n int) bool { return n >= 0 && p+n <= len(data) }
		switch vt {
		case 2, 18: // VT_I2, VT_UI2
			if !need(2) {
				return pv, p, len(pv.vals) > 0
			}
			u := binary.LittleEndian.Uint16(data[p:])
			if vt == 2 {
				pv.vals = append(pv.vals, strconv.Itoa(int(int16(u))))
			} else {
				pv.vals = append(pv.vals, strconv.Itoa(int(u)))
			}
			if noPad {
				p += 2
			} else {
				p += 4
			}
		case 11: // VT_BOOL
			if !need(2) {
				return pv, p, len(pv.vals) > 0
			}
			u := binary.LittleEndian.Uint16(data[p:])
			if u != 0 {
				pv.vals = append(pv.vals, "1")
			} else {
				pv.vals = append(pv.vals, "0")
			}
			if noPad {
				p += 2
			} else {
				p += 4
			}
		case 3, 22: // VT_I4, VT_INT
			if !need(4) {
				return pv, p, len(pv.vals) > 0
			}
			pv.vals = append(pv.vals, strconv.Itoa(int(int32(binary.LittleEndian.Uint32(data[p:])))))
			p += 4
		case 19, 23, 10: // VT_UI4, VT_UINT, VT_ERROR
			if !need(4) {
				return pv, p, len(pv.vals) > 0
			}
			pv.vals = append(pv.vals, strconv.FormatUint(uint64(binary.LittleEndian.Uint32(data[p:])), 10))
			p += 4
		case 20, 21: // VT_I8, VT_UI8
			if !need(8) {
				return pv, p, len(pv.vals) > 0
			}
			u := binary.LittleEndian.Uint64(data[p:])
			if vt == 20 {
				pv.vals = append(pv.vals, strconv.FormatInt(int64(u), 10))
			} else {
				pv.vals = append(pv.vals, strconv.FormatUint(u, 10))
			}
			p += 8
		case 4: // VT_R4
			if !need(4) {
				return pv, p, len(pv.vals) > 0
			}
			pv.vals = append(pv.vals, perlNum(float64(math.Float32frombits(binary.LittleEndian.Uint32(data[p:])))))
			p += 4
		case 5: // VT_R8
			if !need(8) {
				return pv, p, len(pv.vals) > 0
			}
			pv.vals = append(pv.vals, perlNum(math.Float64frombits(binary.LittleEndian.Uint64(data[p:]))))
			p += 8
		case 7: // VT_DATE: days since 1899-12-30
			if !need(8) {
				return pv, p, len(pv.vals) > 0
			}
			f := math.Float64frombits(binary.LittleEndian.Uint64(data[p:]))
			if f != 0 && !math.IsNaN(f) && math.Abs(f) < 1e7 {
				t := time.Unix(int64((f-25569)*86400), 0).UTC()
				pv.vals = append(pv.vals, exifTime(t, false))
			} else {
				pv.vals = append(pv.vals, "0")
			}
			p += 8
		case 64: // VT_FILETIME
			if !need(8) {
				return pv, p, len(pv.vals) > 0
			}
			raw := binary.LittleEndian.Uint64(data[p:])
			s := float64(raw) * 1e-7
			pv.isFT = true
			pv.secs = append(pv.secs, s)
			pv.vals = append(pv.vals, filetimeString(s, data[p:p+8]))
			p += 8
		case 30, 31: // VT_LPSTR, VT_LPWSTR
			if !need(4) {
				return pv, p, len(pv.vals) > 0
			}
			n := int(binary.LittleEndian.Uint32(data[p:]))
			if vt == 31 {
				n *= 2
			}
			if n < 0 || !need(4+n) {
				return pv, p, len(pv.vals) > 0
			}
			raw := data[p+4 : p+4+n]
			if vt == 31 {
				pv.vals = append(pv.vals, decodeUTF16LE(raw))
			} else {
				pv.vals = append(pv.vals, decodeCP(raw, cp))
			}
			if noPad {
				p += 4 + n
				lastLen = n
			} else {
				p += 4 + (n+3)&^3
			}
		case 65, 71: // VT_BLOB, VT_CF
			if !need(4) {
				return pv, p, len(pv.vals) > 0
			}
			n := int(binary.LittleEndian.Uint32(data[p:]))
			if n < 0 || !need(4+n) {
				return pv, p, len(pv.vals) > 0
			}
			blob := data[p+4 : p+4+n]
			if vt == 65 && looksUTF16LE(blob) {
				pv.vals = append(pv.vals, decodeUTF16LE(blob))
			} else {
				pv.vals = append(pv.vals, string(blob))
			}
			p += 4 + (n+3)&^3
		case 72: // VT_CLSID
			if !need(16) {
				return pv, p, len(pv.vals) > 0
			}
			pv.vals = append(pv.vals, fmt.Sprintf("%x", data[p:p+16]))
			p += 16
		case 12: // VT_VARIANT
			if !need(4) {
				return pv, p, len(pv.vals) > 0
			}
			sub := binary.LittleEndian.Uint32(data[p:])
			if !knownVT(sub) && noPad && p&3 != 0 {
				// The previous string was padded to 4 bytes after all
				// (as [MS-OLEPS] says; Office does not pad).
				q := (p + 3) &^ 3
				if q+4 <= len(data) && allZero(data[p:q]) && knownVT(binary.LittleEndian.Uint32(data[q:])) {
					p = q
					sub = binary.LittleEndian.Uint32(data[p:])
				}
			}
			p += 4
			sv, np, ok := readPropValueAt(data, p, sub, cp, depth+1, noPad)
			p = np
			if !ok {
				return pv, p, len(pv.vals) > 0
			}
			pv.vals = append(pv.vals, sv.vals...)
		case 0, 1: // VT_EMPTY, VT_NULL
			pv.vals = append(pv.vals, "")
		default:
			return pv, p, len(pv.vals) > 0
		}
		if len(pv.vals) > 10000 {
			break
		}
	}
	return pv, p, true
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// filetimeString renders a FILETIME as exiftool does: a duration in seconds
// when under a year (edit times), otherwise a UTC date without zone.
func filetimeString(s float64, raw []byte) string {
	const day = 24 * 3600
	if s <= 365*day {
		return perlNum(s)
	}
	v := s - filetimeUnixDelta
	const hundredYears = 100 * 365 * day
	if v < 0 || v > hundredYears {
		// Some writers swap the byte order within the two words.
		hi := binary.BigEndian.Uint32(raw[0:])
		lo := binary.BigEndian.Uint32(raw[4:])
		v2 := (float64(hi)+float64(lo)*4294967296)*1e-7 - filetimeUnixDelta
		if v2 > 0 && v2 < hundredYears {
			v = v2
		} else if v < 0 && v+filetimeUnixDelta > 0 {
			v += filetimeUnixDelta
		}
	}
	return unixString(v)
}

// unixString formats seconds since 1970 as exiftool's ConvertUnixTime does.
func unixString(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e13 {
		return "0000:00:00 00:00:00"
	}
	sec := math.Floor(v) // exiftool truncates to the second
	t := time.Unix(int64(sec), 0).UTC()
	if t.Year() > 9999 {
		return fmt.Sprintf("%d:%s", t.Year(), t.Format("01:02 15:04:05"))
	}
	return exifTime(t, false)
}

// looksUTF16LE tells whether a blob is little-endian UTF-16 text of ASCII
// characters (as Office writes _PID_GUID).
func looksUTF16LE(b []byte) bool {
	if len(b) < 4 || len(b)%2 != 0 {
		return false
	}
	for i := 1; i < len(b); i += 2 {
		if b[i] != 0 || (b[i-1] != 0 && b[i-1] < 0x20) {
			return false
		}
	}
	return true
}

// knownVT tells whether typ is a property type this reader decodes.
func knownVT(typ uint32) bool {
	if typ&^0x1FFF != 0 {
		return false
	}
	switch typ & 0x0FFF {
	case 0, 1, 2, 3, 4, 5, 7, 10, 11, 12, 18, 19, 20, 21, 22, 23, 30, 31, 64, 65, 71, 72:
		return true
	}
	return false
}

// readCurrentUser reads the user name PowerPoint stores in its "Current
// User" stream: the last person who opened the presentation for editing.
func readCurrentUser(m *Meta, c *cfb.File, i int) {
	d, err := c.Stream(i, 1024)
	if err != nil || len(d) < 28 {
		return
	}
	n := int(binary.LittleEndian.Uint16(d[20:]))
	if 28+n > len(d) {
		return
	}
	if n == 0 {
		if _, ok := m.Get("FlashPix", "CurrentUser"); !ok {
			m.add("FlashPix", "CurrentUser", "")
		}
		return
	}
	name := decodeCP(d[28:28+n], m.CodePage)
	// A Unicode copy follows the 4-byte relVersion when present.
	if u := 28 + n + 4; u+2*n <= len(d) {
		if s := decodeUTF16LE(d[u : u+2*n]); s != "" {
			name = s
		}
	}
	m.set("FlashPix", "CurrentUser", name)
}
