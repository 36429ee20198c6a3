package docmeta

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/vigie-project/vigie/internal/cfb"
	"strconv"
	"time"
)

// languageNames maps Windows language identifiers (LIDs) to the names
// exiftool prints for Word's FIB LanguageCode.
var languageNames = map[uint16]string{
	0x0400: "None", 0x0401: "Arabic", 0x0402: "Bulgarian", 0x0403: "Catalan", 0x0404: "Traditional Chinese",
	0x0804: "Simplified Chinese", 0x0405: "Czech", 0x0406: "Danish", 0x0407: "German", 0x0807: "German (Swiss)",
	0x0408: "Greek", 0x0409: "English (US)", 0x0809: "English (British)", 0x0c09: "English (Australian)",
	0x040a: "Spanish (Castilian)", 0x080a: "Spanish (Mexican)", 0x040b: "Finnish", 0x040c: "French",
	0x080c: "French (Belgian)", 0x0c0c: "French (Canadian)", 0x100c: "French (Swiss)", 0x040d: "Hebrew",
	0x040e: "Hungarian", 0x040f: "Icelandic", 0x0410: "Italian", 0x0810: "Italian (Swiss)", 0x0411: "Japanese",
	0x0412: "Korean", 0x0413: "Dutch", 0x0813: "Dutch (Belgian)", 0x0414: "Norwegian (Bokmal)",
	0x0814: "Norwegian (Nynorsk)", 0x0415: "Polish", 0x0416: "Portuguese (Brazilian)", 0x0816: "Portuguese",
	0x0417: "Rhaeto-Romanic", 0x0418: "Romanian", 0x0419: "Russian", 0x041a: "Croato-Serbian (Latin)",
	0x081a: "Serbo-Croatian (Cyrillic)", 0x041b: "Slovak", 0x041c: "Albanian", 0x041d: "Swedish", 0x041e: "Thai",
	0x041f: "Turkish", 0x0420: "Urdu", 0x0421: "Bahasa", 0x0422: "Ukrainian", 0x0423: "Byelorussian",
	0x0424: "Slovenian", 0x0425: "Estonian", 0x0426: "Latvian", 0x0427: "Lithuanian", 0x0429: "Farsi",
	0x042d: "Basque", 0x042f: "Macedonian", 0x0436: "Afrikaans", 0x043e: "Malaysian",
}

// dttm decodes Word's DTTM: a local date and time to the minute.
func dttm(v uint32) (string, time.Time) {
	yr := int(v>>20) & 0x1ff
	mon := int(v>>16) & 0x0f
	day := int(v>>11) & 0x1f
	hr := int(v>>6) & 0x1f
	mi := int(v & 0x3f)
	if v != 0 {
		yr += 1900
	}
	s := fmt.Sprintf("%04d:%02d:%02d %02d:%02d:00", yr, mon, day, hr, mi)
	if v == 0 || mon < 1 || mon > 12 || day < 1 || day > 31 || hr > 23 || mi > 59 {
		return s, time.Time{}
	}
	return s, time.Date(yr, time.Month(mon), day, hr, mi, 0, 0, time.UTC)
}

// readWord reads the Word FIB (language, flags, last save time in UTC) and
// the DOP (creation/revision/print dates in local time, revision count,
// editing minutes, statistics) and the list of the last ten savers.
func readWord(m *Meta, c *cfb.File, idx int, names map[string]int) error {
	fib, err := c.Stream(idx, 4096)
	if err != nil {
		return err
	}
	if len(fib) < 34 || binary.LittleEndian.Uint16(fib) != 0xa5ec {
		m.warnf("[minor] Invalid FIB signature")
		return nil
	}
	lid := binary.LittleEndian.Uint16(fib[6:])
	if s, ok := languageNames[lid]; ok {
		m.add("FlashPix", "LanguageCode", s)
	} else {
		m.add("FlashPix", "LanguageCode", fmt.Sprintf("Unknown (%04x)", lid))
	}
	flags := binary.LittleEndian.Uint16(fib[10:])
	if flags&0x0100 != 0 {
		m.Encrypted = true
		m.warnf("Word document is encrypted (password protected)")
	}
	pos := 32
	get16 := func(p int) (int, bool) {
		if p+2 > len(fib) {
			return 0, false
		}
		return int(binary.LittleEndian.Uint16(fib[p:])), true
	}
	n, ok := get16(pos)
	if !ok {
		return nil
	}
	pos += 2 + n*2
	n, ok = get16(pos)
	if !ok {
		return nil
	}
	pos += 2 + n*4
	n, ok = get16(pos)
	if !ok {
		return nil
	}
	pos += 2
	if pos+n*8 > len(fib) {
		return nil
	}
	blob := fib[pos : pos+n*8]
	var offs []uint32
	for _, o := range []int{0xf8, 0x238} { // fcDop/lcbDop, fcSttbSavedBy/lcbSttbSavedBy
		if o+8 > len(blob) {
			break
		}
		offs = append(offs, binary.LittleEndian.Uint32(blob[o:]), binary.LittleEndian.Uint32(blob[o+4:]))
	}

	if 0x2b8+8 <= len(blob) {
		raw := binary.LittleEndian.Uint64(blob[0x2b8:])
		s := float64(raw)*1e-7 - filetimeUnixDelta
		if s > 0 && s < 1e11 {
			m.add("MS-DOC", "ModifyDate", unixString(s))

		}
	}
	table := "0Table"
	if flags&0x0200 != 0 {
		table = "1Table"
	}
	ti, ok := names[table]
	if !ok || len(offs) < 2 {
		return nil
	}
	need := int64(0)
	for i := 0; i+1 < len(offs); i += 2 {
		if offs[i+1] > 1<<20 {
			continue
		}
		if e := int64(offs[i]) + int64(offs[i+1]); e > need {
			need = e
		}
	}
	if need == 0 {
		return nil
	}
	if need > c.MaxStream() {
		return errors.New("document table offsets beyond the stream size limit")
	}
	tbl, err := c.Stream(ti, need)
	if err != nil {
		return err
	}
	// DOP
	if off, ln := int(offs[0]), int(offs[1]); ln > 0 && off+ln <= len(tbl) {
		readDOP(m, tbl[off:off+ln])
	}
	// SttbSavedBy: pairs of (author, path), oldest first.
	if len(offs) >= 4 {
		if off, ln := int(offs[2]), int(offs[3]); ln > 0 && off+ln <= len(tbl) {
			readSavedBy(m, tbl[off:off+ln])
		}
	}
	return nil
}

func readDOP(m *Meta, d []byte) {
	u32 := func(p int) (uint32, bool) {
		if p+4 > len(d) {
			return 0, false
		}
		return binary.LittleEndian.Uint32(d[p:]), true
	}
	u16 := func(p int) (uint16, bool) {
		if p+2 > len(d) {
			return 0, false
		}
		return binary.LittleEndian.Uint16(d[p:]), true
	}
	var local [3]time.Time
	for i, name := range []string{"CreateDate", "ModifyDate", "LastPrinted"} {
		v, ok := u32(20 + 4*i)
		if !ok {
			return
		}
		s, t := dttm(v)
		m.addFirst("MS-DOC", name, s)
		local[i] = t
	}
	if v, ok := u16(32); ok {
		m.add("MS-DOC", "RevisionNumber", strconv.Itoa(int(v)))
	}
	if v, ok := u32(34); ok {
		m.add("MS-DOC", "TotalEditTime", convertTimeSpan(strconv.FormatUint(uint64(v), 10), 60))
		if m.TotalEditTime == nil {
			d := time.Duration(v) * time.Minute
			m.TotalEditTime = &d
		}
	}
	for _, f := range []struct {
		off  int
		name string
		w16  bool
	}{{38, "Words", false}, {42, "Characters", false}, {46, "Pages", true}, {48, "Paragraphs", false}, {56, "Lines", false}} {
		if f.w16 {
			if v, ok := u16(f.off); ok {
				m.add("MS-DOC", f.name, strconv.Itoa(int(v)))
			}
		} else if v, ok := u32(f.off); ok {
			m.add("MS-DOC", f.name, strconv.FormatUint(uint64(v), 10))
		}
	}
	// Time-zone evidence: the DOP dates are local time, the property-set
	// dates are UTC; their difference is the author's UTC offset.
	for i, name := range []string{"CreateDate", "ModifyDate"} {
		if local[i].IsZero() {
			continue
		}
		v, ok := m.Get("FlashPix", name)
		if !ok {
			continue
		}
		utc, _, ok := parseExifDate(v)
		if !ok || utc.Year() < 1980 {
			continue
		}
		diff := local[i].Sub(utc.Truncate(time.Minute))
		q := diff.Round(15 * time.Minute)
		if q-diff > 2*time.Minute || diff-q > 2*time.Minute || q > 14*time.Hour || q < -12*time.Hour {
			continue
		}
		m.TZ = append(m.TZ, TZEvidence{Source: "MS-DOC:" + name + " (local) - FlashPix:" + name + " (UTC)", Offset: q})
	}
}

func readSavedBy(m *Meta, d []byte) {
	if len(d) < 6 {
		return
	}
	num := int(binary.LittleEndian.Uint16(d[2:]))
	pos := 6
	str := func() (string, bool) {
		if pos+2 > len(d) {
			return "", false
		}
		n := int(binary.LittleEndian.Uint16(d[pos:]))
		pos += 2
		if pos+n*2 > len(d) {
			return "", false
		}
		s := decodeUTF16LE(d[pos : pos+n*2])
		pos += n * 2
		return s, true
	}
	var last string
	for ; num >= 2; num -= 2 {
		author, ok := str()
		if !ok {
			break
		}
		path, ok := str()
		if !ok {
			break
		}
		m.LastSavedBy = append(m.LastSavedBy, author)
		last = author + " (" + path + ")"
	}
	if last != "" {
		m.add("MS-DOC", "LastSavedBy", last)
	}
}
