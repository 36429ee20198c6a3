package docmeta

// Text of legacy binary Office files: Word 97-2003 (and Word 6/95) .doc,
// Excel BIFF8 (and BIFF5) .xls and PowerPoint 97-2003 .ppt, all stored in
// an OLE2 compound file (package cfb).
//
// Word ([MS-DOC]) keeps the text of a document as "pieces" listed in the
// piece table (the Pcdt inside the CLX of the table stream): each piece maps
// a range of character positions (CPs) to an offset in the WordDocument
// stream, in 8-bit "compressed" text or in UTF-16LE. The CP space holds the
// stories one after the other: main text, footnotes, headers, comments,
// endnotes, text boxes. Special characters mark paragraphs (0x0D), table
// cells (0x07) and fields (0x13 code 0x14 result 0x15).
//
// Excel ([MS-XLS]) keeps a workbook as a sequence of BIFF records: a globals
// substream (sheet names, the shared string table SST) then one substream
// per sheet whose cell records hold numbers or indexes into the SST. A
// number whose cell format (XF → FORMAT) shows a date is written as an
// ISO date ("2023-03-15", with the time when it has one).
//
// PowerPoint ([MS-PPT]) keeps a presentation as a tree of records; the text
// of slides lives in text atoms, either in the SlideListWithText of the
// document container (placeholders) or in the drawing of each slide (text
// boxes). Slides are found through the persist directory that the last
// UserEditAtom points to.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/vigie-project/vigie/internal/cfb"
)

// errOLEEncrypted is returned for password-protected legacy Office files.
var errOLEEncrypted = errors.New("encrypted: text not readable")

// Limits of legacy Office text extraction.
const (
	maxFieldDepth  = 64        // nested Word fields tracked
	maxPieces      = 1 << 16   // pieces of a Word piece table
	maxXLSRecords  = 8 << 20   // BIFF records read from one workbook
	maxXLSSheets   = 4096      // sheets of one workbook
	maxXLSCells    = 1 << 20   // cells kept from one sheet
	maxXLSColumns  = 256       // empty columns padded with tabs (BIFF8 has 256)
	maxPPTDepth    = 32        // nesting of PowerPoint containers
	maxPPTRecords  = 1 << 20   // PowerPoint records visited
	maxPPTEdits    = 1024      // UserEditAtoms followed
	maxPersistObjs = 1 << 20   // persist directory entries
	maxSSTStrings  = 1 << 22   // strings of an SST
	maxWordChars   = 128 << 20 // CPs read from a Word document (stories summed)
)

// oleText returns the text of a legacy Word, Excel or PowerPoint file. The
// streams present decide the kind of document; format (the extension) only
// names it in errors.
func (l Limits) oleText(format string, r io.ReaderAt, size int64) (string, error) {
	maxPart := l.MaxPartSize
	if maxPart <= 0 {
		maxPart = DefaultLimits.MaxPartSize
	}
	c, err := cfb.Open(r, size, cfb.Limits{MaxStream: maxPart, MaxEntries: l.MaxEntries})
	if c == nil {
		if err == nil {
			err = cfb.ErrNotCFB
		}
		return "", fmt.Errorf("%s text: %w", format, err)
	}
	openErr := err
	tb := &textBuf{max: maxText}
	switch {
	case c.Find("WordDocument") >= 0:
		err = wordText(c, maxPart, tb)
	case c.Find("Workbook") >= 0 || c.Find("Book") >= 0:
		err = xlsText(c, maxPart, tb)
	case c.Find("PowerPoint Document") >= 0:
		err = pptText(c, maxPart, tb)
	case c.Find("EncryptedPackage") >= 0:
		err = errOLEEncrypted
	default:
		err = errors.New("no WordDocument, Workbook or PowerPoint Document stream")
	}
	if err == nil {
		err = openErr // a damaged mini FAT that the text did not need
	}
	if err != nil {
		return tb.String(), fmt.Errorf("%s text: %w", format, err)
	}
	return tb.String(), nil
}

// textBuf collects text up to max bytes, dropping spaces and tabs at the
// end of each line and collapsing runs of blank lines to one.
type textBuf struct {
	b    []byte
	max  int
	nl   int // newlines at the end of the text
	full bool
}

func (t *textBuf) String() string { return strings.TrimRight(string(t.b), "\n") }

// rune adds one character: '\n' ends a line.
func (t *textBuf) rune(r rune) {
	if t.full {
		return
	}
	if len(t.b)+utf8.UTFMax > t.max {
		t.full = true
		return
	}
	if r == '\n' {
		for n := len(t.b); n > 0 && (t.b[n-1] == ' ' || t.b[n-1] == '\t'); n-- {
			t.b = t.b[:n-1]
		}
		if t.nl < 2 && len(t.b) > 0 {
			t.b = append(t.b, '\n')
			t.nl++
		}
		return
	}
	t.b = utf8.AppendRune(t.b, r)
	t.nl = 0
}

func (t *textBuf) str(s string) {
	for _, r := range s {
		t.rune(r)
	}
}

func (t *textBuf) reset() {
	t.b, t.nl, t.full = t.b[:0], 0, false
}

// endBlock ends the current line and leaves one blank line.
func (t *textBuf) endBlock() {
	t.rune('\n')
	t.rune('\n')
}

// --- Word ---

// wordCompressedExceptions maps the bytes 0x82..0x9F of compressed
// (8-bit) Word pieces to Unicode ([MS-DOC] 2.4.1); other bytes are Latin-1.
var wordCompressedExceptions = map[byte]rune{
	0x82: 0x201A, 0x83: 0x0192, 0x84: 0x201E, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021,
	0x88: 0x02C6, 0x89: 0x2030, 0x8A: 0x0160, 0x8B: 0x2039, 0x8C: 0x0152, 0x91: 0x2018,
	0x92: 0x2019, 0x93: 0x201C, 0x94: 0x201D, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014,
	0x98: 0x02DC, 0x99: 0x2122, 0x9A: 0x0161, 0x9B: 0x203A, 0x9C: 0x0153, 0x9F: 0x0178,
}

// wordCompressed is the full byte → character table of compressed pieces.
var wordCompressed = func() (t [256]rune) {
	for i := range t {
		t[i] = rune(i)
	}
	for b, r := range wordCompressedExceptions {
		t[b] = r
	}
	return t
}()

// wordPiece is one entry of the piece table: CPs [cp, cpEnd) stored at
// byte offset fc of the WordDocument stream, one byte per character when
// compressed, else two.
type wordPiece struct {
	cp, cpEnd  int64
	fc         int64
	compressed bool
}

// wordWriter turns Word characters into lines of text, keeping field
// results and dropping field codes.
type wordWriter struct {
	tb     *textBuf
	fields []bool // per open field: true once its separator is seen
	hidden int    // open fields whose code is being read
	deep   int    // fields opened past maxFieldDepth
	cell   bool   // the last character was a cell mark
	decode func(b byte) rune
	fc     int64         // stream offset of the character being written
	rows   []wordFCRange // row-end paragraphs, when the PAPXs could be read
	papx   bool          // rows is known (else a second 0x07 ends a row)
}

// wordFCRange is a range of WordDocument stream offsets.
type wordFCRange struct{ from, to int64 }

// rowEnd reports whether the cell mark at stream offset fc ends a table
// row: its paragraph has the fTtp property.
func (w *wordWriter) rowEnd(fc int64) bool {
	i := sort.Search(len(w.rows), func(i int) bool { return w.rows[i].to > fc })
	return i < len(w.rows) && w.rows[i].from <= fc
}

func (w *wordWriter) char(r rune) {
	switch r {
	case 0x13: // field begin: the code follows
		if len(w.fields) >= maxFieldDepth {
			w.deep++
			return
		}
		w.fields = append(w.fields, false)
		w.hidden++
		return
	case 0x14: // field separator: the result follows
		if w.deep == 0 && len(w.fields) > 0 && !w.fields[len(w.fields)-1] {
			w.fields[len(w.fields)-1] = true
			w.hidden--
		}
		return
	case 0x15: // field end
		if w.deep > 0 {
			w.deep--
			return
		}
		if n := len(w.fields); n > 0 {
			if !w.fields[n-1] {
				w.hidden--
			}
			w.fields = w.fields[:n-1]
		}
		return
	}
	if w.hidden > 0 || w.deep > 0 {
		return
	}
	cell := false
	switch r {
	case 0x0D, 0x0B, 0x0C, 0x0E: // paragraph, line, page/section, column break
		w.tb.rune('\n')
	case 0x07: // end of a cell, or of a row
		if w.papx && w.rowEnd(w.fc) || !w.papx && w.cell {
			w.tb.rune('\n')
		} else {
			w.tb.rune('\t')
			cell = true
		}
	case 0x09:
		w.tb.rune('\t')
	case 0x1E: // non-breaking hyphen
		w.tb.rune('-')
	case 0xA0:
		w.tb.rune(' ')
	default:
		if r >= 0x20 && r != 0xFFFE && r != 0xFFFF && !(r >= 0xD800 && r < 0xE000) {
			w.tb.rune(r)
		}
		// Other controls (object anchors 0x01 and 0x08, note references
		// 0x02, annotation marks 0x05, optional hyphens 0x1F) are dropped.
	}
	w.cell = cell
}

// endStory closes the fields left open at the end of a story, so a broken
// field does not hide the rest of the document.
func (w *wordWriter) endStory() {
	w.fields = w.fields[:0]
	w.hidden, w.deep, w.cell = 0, 0, false
	w.tb.endBlock()
}

// wordLIDCodePage gives the ANSI code page of the 8-bit text of Word 6/95
// documents from the language of the document.
func wordLIDCodePage(lid uint16) int {
	switch lid & 0x3FF {
	case 0x02, 0x19, 0x22, 0x23, 0x2F: // Bulgarian, Russian, Ukrainian, Byelorussian, Macedonian
		return 1251
	case 0x05, 0x0E, 0x15, 0x18, 0x1B, 0x24, 0x1C: // Czech, Hungarian, Polish, Romanian, Slovak, Slovenian, Albanian
		return 1250
	case 0x08:
		return 1253
	case 0x1F:
		return 1254
	case 0x0D:
		return 1255
	case 0x01, 0x20, 0x29:
		return 1256
	case 0x25, 0x26, 0x27:
		return 1257
	}
	return 1252
}

// wordText writes the text of a Word document: the main text, then the
// other stories (footnotes, headers, comments, endnotes, text boxes), each
// ending with a blank line.
func wordText(c *cfb.File, maxPart int64, tb *textBuf) error {
	wd, err := c.Stream(c.Find("WordDocument"), maxPart)
	if err != nil {
		return fmt.Errorf("WordDocument: %w", err)
	}
	if len(wd) < 0x60 {
		return errors.New("WordDocument: stream too short for a FIB")
	}
	switch binary.LittleEndian.Uint16(wd) {
	case 0xA5EC, 0xA5DC, 0xA699: // Word 97+, Word 6, Word 95
	default:
		return fmt.Errorf("WordDocument: no Word FIB (signature 0x%04X)", binary.LittleEndian.Uint16(wd))
	}
	nFib := binary.LittleEndian.Uint16(wd[2:])
	lid := binary.LittleEndian.Uint16(wd[6:])
	flags := binary.LittleEndian.Uint16(wd[10:])
	if flags&0x0100 != 0 || flags&0x8000 != 0 { // fEncrypted, fObfuscated
		return errOLEEncrypted
	}
	if nFib < 101 {
		return fmt.Errorf("Word 2 or older document (nFib %d): text not readable", nFib)
	}
	if nFib <= 105 {
		cp := wordLIDCodePage(lid)
		if v := oleCodePage(c); v != 0 {
			cp = v
		}
		return word6Text(wd, cp, flags, tb)
	}
	var ccp [8]int64 // ccpText, ccpFtn, ccpHdd, ccpMcr, ccpAtn, ccpEdn, ccpTxbx, ccpHdrTxbx
	pos := 32
	csw := int(binary.LittleEndian.Uint16(wd[pos:]))
	pos += 2 + 2*csw
	if pos+2 > len(wd) {
		return errors.New("WordDocument: FIB truncated")
	}
	cslw := int(binary.LittleEndian.Uint16(wd[pos:]))
	lw := pos + 2
	pos = lw + 4*cslw
	if cslw < 4 || pos+2 > len(wd) {
		return errors.New("WordDocument: FIB truncated (FibRgLw97)")
	}
	for i := range ccp {
		if 3+i >= cslw {
			break
		}
		v := int64(int32(binary.LittleEndian.Uint32(wd[lw+12+4*i:])))
		if v < 0 || v > maxWordChars {
			return fmt.Errorf("WordDocument: story %d has an impossible length %d", i, v)
		}
		ccp[i] = v
	}
	cbRgFcLcb := int(binary.LittleEndian.Uint16(wd[pos:]))
	blob := pos + 2
	if cbRgFcLcb < 34 || blob+0x108+8 > len(wd) {
		return errors.New("WordDocument: FIB truncated (no fcClx)")
	}
	fcClx := int64(binary.LittleEndian.Uint32(wd[blob+0x108:]))
	lcbClx := int64(binary.LittleEndian.Uint32(wd[blob+0x10C:]))
	table := "0Table"
	if flags&0x0200 != 0 {
		table = "1Table"
	}
	ti := c.Find(table)
	if ti < 0 {
		return fmt.Errorf("no %s stream", table)
	}
	if lcbClx == 0 {
		return errors.New("no piece table (lcbClx 0)")
	}
	if fcClx+lcbClx > maxPart {
		return fmt.Errorf("%s: piece table at %d+%d is beyond the %d-byte stream limit", table, fcClx, lcbClx, maxPart)
	}
	tbl, err := c.Stream(ti, fcClx+lcbClx)
	if err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	if int64(len(tbl)) < fcClx+lcbClx {
		return fmt.Errorf("%s: piece table at %d+%d is beyond the end of the stream (%d bytes)", table, fcClx, lcbClx, len(tbl))
	}
	pieces, err := wordPieces(tbl[fcClx:fcClx+lcbClx], false)
	if err != nil {
		return err
	}
	w := &wordWriter{tb: tb, decode: func(b byte) rune { return wordCompressed[b] }}
	// PlcBtePapx (FibRgFcLcb97 pair 13): where the paragraph properties
	// are, to tell the cell marks that end table rows.
	fcBte := int64(binary.LittleEndian.Uint32(wd[blob+13*8:]))
	lcbBte := int64(binary.LittleEndian.Uint32(wd[blob+13*8+4:]))
	if lcbBte > 0 && fcBte+lcbBte <= maxPart {
		if bte, err := c.Stream(ti, fcBte+lcbBte); err == nil && int64(len(bte)) >= fcBte+lcbBte {
			w.rows, w.papx = wordRowEnds(wd, bte[fcBte:fcBte+lcbBte])
		}
	}
	return wordStories(wd, pieces, ccp[:], w)
}

// wordRowEnds reads the paragraph properties (PAPX in FKP pages) listed by
// a PlcBtePapx and returns the stream ranges of the paragraphs marked
// fTtp (sprmPFTtp or sprmPFInnerTtp): the marks ending table rows. ok is
// false when the table cannot be read.
func wordRowEnds(wd, plc []byte) (rows []wordFCRange, ok bool) {
	if len(plc) < 12 || (len(plc)-4)%8 != 0 {
		return nil, false
	}
	n := (len(plc) - 4) / 8
	if n > maxPieces {
		return nil, false
	}
	for k := 0; k < n; k++ {
		pn := int64(binary.LittleEndian.Uint32(plc[4*(n+1)+4*k:]) & 0x3FFFFF)
		if (pn+1)*512 > int64(len(wd)) {
			return nil, false
		}
		page := wd[pn*512 : pn*512+512]
		crun := int(page[511])
		if 4*(crun+1)+13*crun > 511 {
			return nil, false
		}
		for i := 0; i < crun; i++ {
			from := int64(binary.LittleEndian.Uint32(page[4*i:]))
			to := int64(binary.LittleEndian.Uint32(page[4*i+4:]))
			p := 2 * int(page[4*(crun+1)+13*i])
			if p == 0 || p >= 511 || to <= from {
				continue
			}
			var grp []byte
			if cb := int(page[p]); cb != 0 {
				grp = page[p+1 : min(511, p+2*cb)]
			} else if p+1 < 511 {
				grp = page[p+2 : min(511, p+2+2*int(page[p+1]))]
			}
			if len(grp) > 2 && wordHasTtp(grp[2:]) { // after the style index
				rows = append(rows, wordFCRange{from, to})
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].from < rows[j].from })
	return rows, true
}

// wordHasTtp reports whether a grpprl sets sprmPFTtp (0x2417) or
// sprmPFInnerTtp (0x244C) to 1. The size of each operand comes from the
// spra bits of its sprm.
func wordHasTtp(g []byte) bool {
	for p := 0; p+2 <= len(g); {
		sprm := binary.LittleEndian.Uint16(g[p:])
		p += 2
		var n int
		switch sprm >> 13 {
		case 0, 1:
			n = 1
		case 2, 4, 5:
			n = 2
		case 3:
			n = 4
		case 7:
			n = 3
		case 6:
			if p >= len(g) {
				return false
			}
			n = 1 + int(g[p])
			if sprm == 0xD608 || sprm == 0xD606 { // sprmTDefTable(10): 16-bit size
				if p+2 > len(g) {
					return false
				}
				n = 1 + int(binary.LittleEndian.Uint16(g[p:]))
			}
		}
		if p+n > len(g) {
			return false
		}
		if (sprm == 0x2417 || sprm == 0x244C) && g[p] == 1 {
			return true
		}
		p += n
	}
	return false
}

// wordPieces parses a CLX: Prc entries (0x01, skipped) then one Pcdt (0x02)
// holding the PlcPcd. With word6, piece offsets are plain byte offsets.
func wordPieces(clx []byte, word6 bool) ([]wordPiece, error) {
	pos := 0
	for pos < len(clx) && clx[pos] == 0x01 {
		if pos+3 > len(clx) {
			return nil, errors.New("piece table: truncated Prc")
		}
		n := int(int16(binary.LittleEndian.Uint16(clx[pos+1:])))
		if n < 0 {
			return nil, errors.New("piece table: negative Prc size")
		}
		pos += 3 + n
	}
	if pos+5 > len(clx) || clx[pos] != 0x02 {
		return nil, errors.New("piece table: no Pcdt in the CLX")
	}
	lcb := int(binary.LittleEndian.Uint32(clx[pos+1:]))
	plc := clx[pos+5:]
	if lcb < 4 || lcb > len(plc) {
		return nil, fmt.Errorf("piece table: PlcPcd of %d bytes in a CLX of %d", lcb, len(clx))
	}
	plc = plc[:lcb]
	n := (lcb - 4) / 12
	if n == 0 || n > maxPieces || 4*(n+1)+8*n != lcb {
		return nil, fmt.Errorf("piece table: PlcPcd of %d bytes holds no whole number of pieces", lcb)
	}
	pieces := make([]wordPiece, 0, n)
	pcd := plc[4*(n+1):]
	for i := 0; i < n; i++ {
		cp := int64(binary.LittleEndian.Uint32(plc[4*i:]))
		end := int64(binary.LittleEndian.Uint32(plc[4*i+4:]))
		if end < cp || end > maxWordChars {
			return nil, fmt.Errorf("piece table: piece %d has CPs %d..%d", i, cp, end)
		}
		fc := binary.LittleEndian.Uint32(pcd[8*i+2:])
		p := wordPiece{cp: cp, cpEnd: end}
		if word6 {
			p.fc, p.compressed = int64(fc), true
		} else if fc&0x40000000 != 0 {
			p.fc, p.compressed = int64(fc&0x3FFFFFFF)/2, true
		} else {
			p.fc = int64(fc & 0x3FFFFFFF)
		}
		pieces = append(pieces, p)
	}
	sort.SliceStable(pieces, func(i, j int) bool { return pieces[i].cp < pieces[j].cp })
	return pieces, nil
}

// wordStories writes the stories of lengths ccp (in CP order) through the
// piece table. Word counts one extra paragraph mark after the last story
// when there are stories after the main text; it is harmless.
func wordStories(wd []byte, pieces []wordPiece, ccp []int64, w *wordWriter) error {
	start := int64(0)
	var firstErr error
	for _, n := range ccp {
		if n == 0 {
			continue
		}
		if err := wordRange(wd, pieces, start, start+n, w); err != nil && firstErr == nil {
			firstErr = err
		}
		w.endStory()
		start += n
		if w.tb.full {
			break
		}
	}
	return firstErr
}

// wordRange writes CPs [from, to) through the piece table.
func wordRange(wd []byte, pieces []wordPiece, from, to int64, w *wordWriter) error {
	var err error
	for _, p := range pieces {
		lo, hi := max(p.cp, from), min(p.cpEnd, to)
		if lo >= hi {
			continue
		}
		width := int64(2)
		if p.compressed {
			width = 1
		}
		off := p.fc + (lo-p.cp)*width
		end := off + (hi-lo)*width
		if off < 0 || end > int64(len(wd)) {
			if err == nil {
				err = fmt.Errorf("WordDocument: piece at CP %d (offset %d..%d) is beyond the end of the stream (%d bytes)", p.cp, off, end, len(wd))
			}
			end = min(end, int64(len(wd)))
			if off >= end {
				continue
			}
		}
		b := wd[off:end]
		if p.compressed {
			for i, x := range b {
				w.fc = off + int64(i)
				w.char(w.decode(x))
			}
		} else {
			var pending uint16
			for i := 0; i+1 < len(b); i += 2 {
				u := binary.LittleEndian.Uint16(b[i:])
				w.fc = off + int64(i)
				switch {
				case pending != 0 && utf16.IsSurrogate(rune(u)) && u >= 0xDC00:
					w.char(utf16.DecodeRune(rune(pending), rune(u)))
					pending = 0
					continue
				case u >= 0xD800 && u < 0xDC00:
					pending = u
					continue
				}
				pending = 0
				w.char(rune(u))
			}
		}
		if w.tb.full {
			break
		}
	}
	return err
}

// oleCodePage returns the code page property (PIDSI_CODEPAGE) of the
// SummaryInformation property set, or 0: the ANSI code page the document
// was written in.
func oleCodePage(c *cfb.File) int {
	i := c.Find("\x05SummaryInformation")
	if i < 0 {
		return 0
	}
	b, err := c.Stream(i, 4096)
	if err != nil || len(b) < 48 {
		return 0
	}
	sec := int(binary.LittleEndian.Uint32(b[44:]))
	if sec < 48 || sec+8 > len(b) {
		return 0
	}
	n := int(binary.LittleEndian.Uint32(b[sec+4:]))
	for k := 0; k < n && k < 64 && sec+8+8*k+8 <= len(b); k++ {
		id := binary.LittleEndian.Uint32(b[sec+8+8*k:])
		off := sec + int(binary.LittleEndian.Uint32(b[sec+8+8*k+4:]))
		if id != 1 || off < sec || off+6 > len(b) {
			continue
		}
		if binary.LittleEndian.Uint16(b[off:]) == 2 { // VT_I2
			cp := int(binary.LittleEndian.Uint16(b[off+4:]))
			if codePageDecoder(cp) != nil {
				return cp
			}
		}
		return 0
	}
	return 0
}

// word6Text reads a Word 6 or Word 95 document: its FIB has fixed offsets,
// the piece table (complex files) is in the WordDocument stream and the
// text is 8-bit in the code page of the document's language.
func word6Text(wd []byte, codePage int, flags uint16, tb *textBuf) error {
	if len(wd) < 0x168 {
		return errors.New("WordDocument: Word 6/95 FIB truncated")
	}
	var ccp [8]int64
	for i := range ccp {
		v := int64(int32(binary.LittleEndian.Uint32(wd[0x34+4*i:])))
		if v < 0 || v > maxWordChars {
			return fmt.Errorf("WordDocument: story %d has an impossible length %d", i, v)
		}
		ccp[i] = v
	}
	dec := codePageDecoder(codePage)
	var table [256]rune
	for i := range table {
		table[i] = rune(i)
		if i >= 0x80 && dec != nil {
			if s, err := dec.Bytes([]byte{byte(i)}); err == nil {
				if r, _ := utf8.DecodeRune(s); r != utf8.RuneError {
					table[i] = r
				}
			}
		}
	}
	w := &wordWriter{tb: tb, decode: func(b byte) rune { return table[b] }}
	var pieces []wordPiece
	if flags&0x0004 != 0 { // fComplex: a piece table
		fcClx := int64(binary.LittleEndian.Uint32(wd[0x160:]))
		lcbClx := int64(binary.LittleEndian.Uint32(wd[0x164:]))
		if fcClx+lcbClx > int64(len(wd)) || lcbClx == 0 {
			return fmt.Errorf("WordDocument: Word 6/95 piece table at %d+%d is beyond the end of the stream", fcClx, lcbClx)
		}
		var err error
		pieces, err = wordPieces(wd[fcClx:fcClx+lcbClx], true)
		if err != nil {
			return err
		}
	} else {
		fcMin := int64(binary.LittleEndian.Uint32(wd[0x18:]))
		var total int64
		for _, n := range ccp {
			total += n
		}
		pieces = []wordPiece{{cp: 0, cpEnd: total, fc: fcMin, compressed: true}}
	}
	return wordStories(wd, pieces, ccp[:], w)
}

// --- Excel ---

// BIFF record types read for text.
const (
	biffFormula    = 0x0006
	biffEOF        = 0x000A
	biffFilePass   = 0x002F
	biffContinue   = 0x003C
	biffCodePage   = 0x0042
	biffBoundSheet = 0x0085
	biffMulRK      = 0x00BD
	biffRString    = 0x00D6
	biffSST        = 0x00FC
	biffLabelSST   = 0x00FD
	biffNumber     = 0x0203
	biffLabel      = 0x0204
	biffBoolErr    = 0x0205
	biffString     = 0x0207
	biffRK         = 0x027E
	biffBOF8       = 0x0809
)

// biffRecord is one record: its type, its offset in the stream and the
// length of its data (kept small: a workbook may hold millions).
type biffRecord struct {
	typ, n uint16
	off    uint32
}

// xlsCell is one cell with its text.
type xlsCell struct {
	row, col uint16
	text     string
}

// xlsText writes each sheet of a workbook: its name on a line, then one
// line per row with the cells separated by tabs.
func xlsText(c *cfb.File, maxPart int64, tb *textBuf) error {
	name, biff8 := "Workbook", true
	i := c.Find(name)
	if i < 0 {
		name, biff8 = "Book", false
		i = c.Find(name)
	}
	data, err := c.Stream(i, maxPart)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var recs []biffRecord
	var truncated error
	for pos := 0; pos+4 <= len(data); {
		if len(recs) >= maxXLSRecords {
			truncated = fmt.Errorf("%s: more than %d records", name, maxXLSRecords)
			break
		}
		typ := binary.LittleEndian.Uint16(data[pos:])
		n := int(binary.LittleEndian.Uint16(data[pos+2:]))
		if pos+4+n > len(data) {
			truncated = fmt.Errorf("%s: record 0x%04X at %d runs past the end of the stream", name, typ, pos)
			break
		}
		if typ == 0 && n == 0 && len(recs) > 0 {
			break // zero padding after the last EOF
		}
		recs = append(recs, biffRecord{typ: typ, n: uint16(n), off: uint32(pos)})
		pos += 4 + n
	}
	if len(recs) == 0 || recs[0].typ&0xFF != 0x09 {
		return fmt.Errorf("%s: does not start with a BOF record", name)
	}
	x := &xlsReader{data: data, biff8: biff8, codePage: 1252}
	if v := x.body(recs[0]); len(v) >= 2 {
		switch binary.LittleEndian.Uint16(v) {
		case 0x0600:
			biff8 = true
		case 0x0500:
			biff8 = false
		}
	}
	x.biff8 = biff8
	err = x.read(recs, tb)
	if err == nil {
		err = truncated
	}
	return err
}

// xlsReader holds the workbook state while records are read.
type xlsReader struct {
	data     []byte // the workbook stream
	biff8    bool
	codePage int
	sst      []string
	sheets   []xlsSheet
	date1904 bool            // DATEMODE: serial 0 is 1904-01-01
	xfDate   []bool          // per XF (cell format): its number format shows a date
	fmtDate  map[uint16]bool // custom number formats (FORMAT records) showing dates
	xfFmt    []uint16        // per XF: its number format index
}

// maxXFs bounds the XF (cell format) records kept.
const maxXFs = 1 << 16

// number formats a cell number, as an ISO date and time when the cell's
// format shows a date.
func (x *xlsReader) number(ixfe uint16, v float64) string {
	if int(ixfe) < len(x.xfDate) && x.xfDate[ixfe] {
		if s, ok := excelDate(v, x.date1904); ok {
			return s
		}
	}
	return formatNumber(v)
}

// excelDate turns a serial date (days since 1899-12-30, or 1904-01-01)
// into "2006-01-02", "15:04:05" or both.
func excelDate(v float64, date1904 bool) (string, bool) {
	if v < 0 || v >= 2958466 || math.IsNaN(v) {
		return "", false
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	} else if v < 61 {
		base = base.AddDate(0, 0, 1) // Excel's 1900-02-29 that never was
	}
	days := math.Floor(v)
	secs := math.Round((v - days) * 86400)
	t := base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
	switch {
	case secs == 0:
		return t.Format("2006-01-02"), true
	case days == 0 && !date1904:
		return t.Format("15:04:05"), true
	}
	return t.Format("2006-01-02 15:04:05"), true
}

// builtinDateFormat reports whether a built-in number format index shows
// a date or time ([MS-XLS] 2.4.126: 14-22, 45-47, and the East Asian
// 27-36 and 50-58).
func builtinDateFormat(i uint16) bool {
	return i >= 14 && i <= 22 || i >= 45 && i <= 47 || i >= 27 && i <= 36 || i >= 50 && i <= 58
}

// isDateFormat reports whether a number format code shows a date or time:
// it has d, m, y, h or s outside quoted text, escapes and [colour] tags.
func isDateFormat(code string) bool {
	code = strings.ToLower(code)
	if i := strings.IndexByte(code, ';'); i >= 0 {
		code = code[:i] // the format of positive numbers decides
	}
	quoted, bracket := false, false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case quoted:
			quoted = c != '"'
		case c == '"':
			quoted = true
		case bracket:
			if c == ']' {
				bracket = false
			} else if c == 'h' || c == 'm' || c == 's' {
				return true // elapsed time: [h]:mm
			}
		case c == '[':
			bracket = true
		case c == '\\' || c == '_' || c == '*':
			i++
		case c == 'd' || c == 'm' || c == 'y' || c == 'h' || c == 's':
			return code != "general"
		}
	}
	return false
}

// body is the data of record r.
func (x *xlsReader) body(r biffRecord) []byte {
	return x.data[r.off+4 : r.off+4+uint32(r.n)]
}

type xlsSheet struct {
	name string
	pos  int // offset of its BOF in the stream
}

func (x *xlsReader) read(recs []biffRecord, tb *textBuf) error {
	// Globals: up to the first EOF.
	i := 1
	for ; i < len(recs); i++ {
		r := recs[i]
		d := x.body(r)
		switch r.typ {
		case biffEOF:
			goto sheets
		case biffFilePass:
			return errOLEEncrypted
		case 0x0022: // DATEMODE
			x.date1904 = len(d) >= 2 && le16(d) == 1
		case 0x041E, 0x001E: // FORMAT (BIFF8/BIFF5, BIFF4)
			if len(d) >= 3 && r.typ == 0x041E {
				var code string
				if x.biff8 {
					code = x.longString(d[2:])
				} else {
					code = decodeCP(d[3:min(len(d), 3+int(d[2]))], x.codePage)
				}
				if x.fmtDate == nil {
					x.fmtDate = map[uint16]bool{}
				}
				if len(x.fmtDate) < maxXFs {
					x.fmtDate[le16(d)] = isDateFormat(code)
				}
			}
		case 0x00E0: // XF
			if len(d) >= 4 && len(x.xfFmt) < maxXFs {
				x.xfFmt = append(x.xfFmt, le16(d[2:]))
			}
		case biffCodePage:
			if len(d) >= 2 {
				if cp := int(binary.LittleEndian.Uint16(d)); cp != 1200 {
					x.codePage = cp
				}
			}
		case biffBoundSheet:
			if len(x.sheets) < maxXLSSheets && len(d) >= 7 {
				x.sheets = append(x.sheets, xlsSheet{
					pos:  int(binary.LittleEndian.Uint32(d)),
					name: x.shortString(d[6:]),
				})
			}
		case biffSST:
			j := i + 1
			for j < len(recs) && recs[j].typ == biffContinue {
				j++
			}
			if x.biff8 {
				if err := x.readSST(recs[i:j]); err != nil {
					return err
				}
			}
			i = j - 1
		}
	}
	return errors.New("workbook globals have no EOF record")
sheets:
	x.xfDate = make([]bool, len(x.xfFmt))
	for k, f := range x.xfFmt {
		if v, ok := x.fmtDate[f]; ok {
			x.xfDate[k] = v
		} else {
			x.xfDate[k] = builtinDateFormat(f)
		}
	}
	byPos := map[int]string{}
	for _, s := range x.sheets {
		byPos[s.pos] = s.name
	}
	sheetNo := 0
	var firstErr error
	for i++; i < len(recs); i++ {
		if recs[i].typ&0xFF != 0x09 || recs[i].typ>>8 > 0x08 {
			continue // between substreams, only BOFs matter
		}
		name, ok := byPos[int(recs[i].off)]
		if !ok {
			if sheetNo < len(x.sheets) {
				name = x.sheets[sheetNo].name
			} else {
				name = "Sheet" + strconv.Itoa(sheetNo+1)
			}
		}
		sheetNo++
		var err error
		i, err = x.sheet(recs, i, name, tb)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if tb.full {
			break
		}
	}
	return firstErr
}

// sheet reads the substream whose BOF is recs[i] and writes its cells;
// it returns the index of its EOF.
func (x *xlsReader) sheet(recs []biffRecord, i int, name string, tb *textBuf) (int, error) {
	var cells []xlsCell
	size := 0
	var err error
	add := func(row, col uint16, s string) {
		if len(cells) >= maxXLSCells || size > maxText {
			if err == nil {
				err = fmt.Errorf("sheet %q: more than %d cells or %d bytes of text", name, maxXLSCells, maxText)
			}
			return
		}
		size += len(s) + 1
		cells = append(cells, xlsCell{row: row, col: col, text: s})
	}
	depth := 0
	j := i + 1
	for ; j < len(recs); j++ {
		r := recs[j]
		d := x.body(r)
		switch r.typ {
		case 0x0009, 0x0209, 0x0409, biffBOF8: // embedded substream (chart)
			depth++
		case biffEOF:
			if depth == 0 {
				goto done
			}
			depth--
		case biffLabelSST:
			if len(d) >= 10 {
				k := int(binary.LittleEndian.Uint32(d[6:]))
				if k < len(x.sst) {
					add(le16(d), le16(d[2:]), x.sst[k])
				} else if err == nil {
					err = fmt.Errorf("sheet %q: cell refers to string %d of an SST of %d", name, k, len(x.sst))
				}
			}
		case biffLabel, biffRString:
			if len(d) >= 8 {
				add(le16(d), le16(d[2:]), x.longString(d[6:]))
			}
		case biffNumber:
			if len(d) >= 14 {
				add(le16(d), le16(d[2:]), x.number(le16(d[4:]), math.Float64frombits(binary.LittleEndian.Uint64(d[6:]))))
			}
		case biffRK:
			if len(d) >= 10 {
				add(le16(d), le16(d[2:]), x.number(le16(d[4:]), rkValue(binary.LittleEndian.Uint32(d[6:]))))
			}
		case biffMulRK:
			if len(d) >= 6 {
				row, col := le16(d), le16(d[2:])
				for k := 4; k+6 <= len(d)-2; k += 6 {
					add(row, col, x.number(le16(d[k:]), rkValue(binary.LittleEndian.Uint32(d[k+2:]))))
					col++
				}
			}
		case biffBoolErr:
			if len(d) >= 8 {
				add(le16(d), le16(d[2:]), boolErrText(d[6], d[7]))
			}
		case biffFormula:
			if len(d) < 14 {
				continue
			}
			row, col := le16(d), le16(d[2:])
			res := d[6:14]
			if le16(res[6:]) != 0xFFFF {
				add(row, col, x.number(le16(d[4:]), math.Float64frombits(binary.LittleEndian.Uint64(res))))
				continue
			}
			switch res[0] {
			case 0: // string: in the STRING record that follows
				for k := j + 1; k < len(recs) && k <= j+4; k++ {
					if recs[k].typ == biffString {
						add(row, col, x.longString(x.body(recs[k])))
						break
					}
				}
			case 1:
				add(row, col, boolErrText(res[2], 0))
			case 2:
				add(row, col, boolErrText(res[2], 1))
			}
		}
	}
	if err == nil {
		err = fmt.Errorf("sheet %q has no EOF record", name)
	}
done:
	writeSheet(tb, name, cells)
	return j, err
}

// writeSheet writes the sheet name then its rows, cells in column order
// separated by tabs (empty columns keep their tab).
func writeSheet(tb *textBuf, name string, cells []xlsCell) {
	sort.SliceStable(cells, func(a, b int) bool {
		if cells[a].row != cells[b].row {
			return cells[a].row < cells[b].row
		}
		return cells[a].col < cells[b].col
	})
	tb.str(name)
	tb.rune('\n')
	for k := 0; k < len(cells); {
		row := cells[k].row
		col := 0 // the column the line has reached
		first := true
		for ; k < len(cells) && cells[k].row == row; k++ {
			c := cells[k]
			if k+1 < len(cells) && cells[k+1].row == row && cells[k+1].col == c.col {
				continue // a later record for the same cell wins
			}
			tabs := 0
			for ; col < int(c.col) && col < maxXLSColumns; col++ {
				tb.rune('\t')
				tabs++
			}
			if !first && tabs == 0 {
				tb.rune('\t')
			}
			first = false
			tb.str(cellText(c.text))
			col = int(c.col)
		}
		tb.rune('\n')
	}
	tb.endBlock()
}

// cellText keeps a cell on one line: line breaks and tabs become spaces.
func cellText(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ", "\t", " ").Replace(s)), " ")
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }

// rkValue decodes an RK number: a 30-bit integer or the top 30 bits of a
// double, optionally divided by 100.
func rkValue(rk uint32) float64 {
	var v float64
	if rk&2 != 0 {
		v = float64(int32(rk) >> 2)
	} else {
		v = math.Float64frombits(uint64(rk&0xFFFFFFFC) << 32)
	}
	if rk&1 != 0 {
		v /= 100
	}
	return v
}

// formatNumber formats a cell number the shortest way, at Excel's 15
// significant digits, without exponent for ordinary magnitudes.
func formatNumber(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	if r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64); err == nil {
		v = r
	}
	if a := math.Abs(v); a == 0 || (a >= 1e-5 && a < 1e15) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// boolErrText is the text of a boolean (isErr 0) or error cell.
func boolErrText(v, isErr byte) string {
	if isErr == 0 {
		if v != 0 {
			return "TRUE"
		}
		return "FALSE"
	}
	switch v {
	case 0x00:
		return "#NULL!"
	case 0x07:
		return "#DIV/0!"
	case 0x0F:
		return "#VALUE!"
	case 0x17:
		return "#REF!"
	case 0x1D:
		return "#NAME?"
	case 0x24:
		return "#NUM!"
	case 0x2A:
		return "#N/A"
	}
	return "#ERR!"
}

// shortString reads a BOUNDSHEET name: a character count byte then, in
// BIFF8, a flags byte and the characters.
func (x *xlsReader) shortString(b []byte) string {
	if len(b) < 1 {
		return ""
	}
	n := int(b[0])
	if !x.biff8 {
		return decodeCP(b[1:min(len(b), 1+n)], x.codePage)
	}
	if len(b) < 2 {
		return ""
	}
	return biffChars(b[2:], n, b[1]&1 != 0)
}

// longString reads a LABEL, RSTRING or STRING value: a 16-bit count then,
// in BIFF8, a flags byte and the characters.
func (x *xlsReader) longString(b []byte) string {
	if len(b) < 2 {
		return ""
	}
	n := int(le16(b))
	if !x.biff8 {
		return decodeCP(b[2:min(len(b), 2+n)], x.codePage)
	}
	if len(b) < 3 {
		return ""
	}
	return biffChars(b[3:], n, b[2]&1 != 0)
}

// biffChars decodes n characters: UTF-16LE when high, else Latin-1
// (BIFF8 "compressed" strings drop the zero high bytes).
func biffChars(b []byte, n int, high bool) string {
	var sb strings.Builder
	if high {
		n = min(n, len(b)/2)
		u := make([]uint16, n)
		for i := range u {
			u[i] = le16(b[2*i:])
		}
		return string(utf16.Decode(u))
	}
	n = min(n, len(b))
	for _, c := range b[:n] {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// sstReader reads the SST record and its CONTINUE records as one sequence
// of bytes, except that characters split at a record boundary restart
// with a new flags byte.
type sstReader struct {
	segs [][]byte
	seg  int
	pos  int
}

var errSSTShort = errors.New("SST: string runs past the last CONTINUE record")

func (s *sstReader) next() bool {
	for s.seg < len(s.segs) && s.pos >= len(s.segs[s.seg]) {
		s.seg++
		s.pos = 0
	}
	return s.seg < len(s.segs)
}

func (s *sstReader) bytes(n int) ([]byte, error) {
	var out []byte
	for n > 0 {
		if !s.next() {
			return nil, errSSTShort
		}
		b := s.segs[s.seg][s.pos:]
		k := min(n, len(b))
		if out == nil && k == n {
			s.pos += k
			return b[:k], nil
		}
		out = append(out, b[:k]...)
		s.pos += k
		n -= k
	}
	return out, nil
}

func (s *sstReader) skip(n int) error {
	for n > 0 {
		if !s.next() {
			return errSSTShort
		}
		k := min(n, len(s.segs[s.seg])-s.pos)
		s.pos += k
		n -= k
	}
	return nil
}

// chars reads n characters; at the start of each CONTINUE record a byte
// repeats the flags, saying whether the characters go on 8- or 16-bit.
func (s *sstReader) chars(n int, high bool) (string, error) {
	u := make([]uint16, 0, min(n, 4096))
	for n > 0 {
		if s.seg >= len(s.segs) {
			return string(utf16.Decode(u)), errSSTShort
		}
		if s.pos >= len(s.segs[s.seg]) {
			s.seg++
			s.pos = 0
			if s.seg < len(s.segs) && len(s.segs[s.seg]) > 0 {
				high = s.segs[s.seg][0]&1 != 0
				s.pos = 1
			}
			continue
		}
		b := s.segs[s.seg][s.pos:]
		if high {
			k := min(n, len(b)/2)
			if k == 0 {
				return string(utf16.Decode(u)), errors.New("SST: odd byte at the end of a record")
			}
			for i := 0; i < k; i++ {
				u = append(u, le16(b[2*i:]))
			}
			s.pos += 2 * k
			n -= k
		} else {
			k := min(n, len(b))
			for _, c := range b[:k] {
				u = append(u, uint16(c))
			}
			s.pos += k
			n -= k
		}
	}
	return string(utf16.Decode(u)), nil
}

// readSST reads the shared string table ([MS-XLS] 2.4.265): a total and
// unique count, then XLUnicodeRichExtendedStrings whose characters, rich
// text runs and phonetic data may be split across CONTINUE records.
func (x *xlsReader) readSST(recs []biffRecord) error {
	segs := make([][]byte, len(recs))
	total := 0
	for i, r := range recs {
		segs[i] = x.body(r)
		total += len(segs[i])
	}
	if len(segs[0]) < 8 {
		return errors.New("SST: record too short")
	}
	s := &sstReader{segs: segs, pos: 8}
	unique := int(binary.LittleEndian.Uint32(segs[0][4:]))
	if unique < 0 || unique > maxSSTStrings {
		return fmt.Errorf("SST: %d strings is over the limit of %d", unique, maxSSTStrings)
	}
	x.sst = make([]string, 0, min(unique, total/3))
	for k := 0; k < unique; k++ {
		h, err := s.bytes(3)
		if err != nil {
			if k > 0 && !s.next() {
				// Some writers overstate the count: stop at the end.
				return nil
			}
			return fmt.Errorf("SST: string %d: %w", k, err)
		}
		n, flags := int(le16(h)), h[2]
		runs, ext := 0, 0
		if flags&0x08 != 0 {
			b, err := s.bytes(2)
			if err != nil {
				return fmt.Errorf("SST: string %d: %w", k, err)
			}
			runs = int(le16(b))
		}
		if flags&0x04 != 0 {
			b, err := s.bytes(4)
			if err != nil {
				return fmt.Errorf("SST: string %d: %w", k, err)
			}
			ext = int(int32(binary.LittleEndian.Uint32(b)))
			if ext < 0 {
				return fmt.Errorf("SST: string %d: negative phonetic data size", k)
			}
		}
		str, err := s.chars(n, flags&0x01 != 0)
		x.sst = append(x.sst, str)
		if err != nil {
			return fmt.Errorf("SST: string %d: %w", k, err)
		}
		if err := s.skip(4*runs + ext); err != nil {
			return fmt.Errorf("SST: string %d: %w", k, err)
		}
	}
	return nil
}

// --- PowerPoint ---

// PowerPoint record types read for text.
const (
	pptDocument          = 0x03E8
	pptSlide             = 0x03EE
	pptSlidePersistAtom  = 0x03F3
	pptNotes             = 0x03F0
	pptMainMaster        = 0x03F8
	pptSlideListWithText = 0x0FF0
	pptTextCharsAtom     = 0x0FA0
	pptTextBytesAtom     = 0x0FA8
	pptUserEditAtom      = 0x0FF5
	pptPersistDirectory  = 0x1772
	pptCryptSession      = 0x2F14
	pptHeadersFooters    = 0x0FD9
	pptCString           = 0x0FBA
)

// pptFooterText writes the header and footer strings (CString instances 1
// and 2) of a HeadersFooters container: text shown on every slide.
func pptFooterText(r pptRec, data []byte, tb *textBuf) {
	w := &pptWalker{data: data}
	w.walk(r.off+8, r.off+8+r.size, 1, func(a pptRec, _ int) bool {
		if a.typ == pptCString && (a.instance == 1 || a.instance == 2) {
			tb.str(pptAtomText(a, data))
			tb.rune('\n')
		}
		return false
	})
}

// pptRec is a record header at off: the record's data is
// data[off+8 : off+8+size].
type pptRec struct {
	ver      uint16
	instance uint16
	typ      uint16
	size     int
	off      int
}

func pptHeader(data []byte, off int) (pptRec, bool) {
	if off < 0 || off+8 > len(data) {
		return pptRec{}, false
	}
	vi := le16(data[off:])
	r := pptRec{ver: vi & 0xF, instance: vi >> 4, typ: le16(data[off+2:]),
		size: int(binary.LittleEndian.Uint32(data[off+4:])), off: off}
	if r.size < 0 || r.size > len(data)-off-8 {
		return r, false
	}
	return r, true
}

func (r pptRec) body(data []byte) []byte { return data[r.off+8 : r.off+8+r.size] }

// pptAtomText decodes a text atom; 0x0D ends a paragraph and 0x0B is a
// line break inside one.
func pptAtomText(r pptRec, data []byte) string {
	b := r.body(data)
	var u []uint16
	if r.typ == pptTextBytesAtom {
		u = make([]uint16, len(b))
		for i, c := range b {
			u[i] = uint16(c)
		}
	} else {
		u = make([]uint16, len(b)/2)
		for i := range u {
			u[i] = le16(b[2*i:])
		}
	}
	rs := utf16.Decode(u)
	for i, c := range rs {
		switch {
		case c == 0x0D || c == 0x0B:
			rs[i] = '\n'
		case c == 0xA0:
			rs[i] = ' '
		case c < 0x20 && c != '\t':
			rs[i] = -1
		}
	}
	var sb strings.Builder
	for _, c := range rs {
		if c >= 0 {
			sb.WriteRune(c)
		}
	}
	return sb.String()
}

// pptWalker visits records with bounds on depth and count.
type pptWalker struct {
	data  []byte
	count int
	err   error
}

// walk calls fn for each record in data[from:to] and recurses into
// containers when fn returns true.
func (w *pptWalker) walk(from, to, depth int, fn func(r pptRec, depth int) bool) {
	if depth > maxPPTDepth {
		if w.err == nil {
			w.err = fmt.Errorf("PowerPoint records nested deeper than %d", maxPPTDepth)
		}
		return
	}
	for pos := from; pos+8 <= to; {
		w.count++
		if w.count > maxPPTRecords {
			if w.err == nil {
				w.err = fmt.Errorf("more than %d PowerPoint records", maxPPTRecords)
			}
			return
		}
		r, ok := pptHeader(w.data, pos)
		if !ok || pos+8+r.size > to {
			if w.err == nil {
				w.err = fmt.Errorf("PowerPoint record 0x%04X at %d runs past its container", r.typ, pos)
			}
			return
		}
		if fn(r, depth) && r.ver == 0xF {
			w.walk(pos+8, pos+8+r.size, depth+1, fn)
		}
		pos += 8 + r.size
	}
}

// pptText writes the text of each slide, slides separated by blank lines,
// then the text of the notes pages.
func pptText(c *cfb.File, maxPart int64, tb *textBuf) error {
	// A PowerPoint 95 file saved with a PowerPoint 97 copy keeps that copy
	// in the PP97_DUALSTORAGE storage: read it instead.
	storage := 0
	if i := c.Find("PP97_DUALSTORAGE"); i >= 0 && c.Entry(i).Type == cfb.TypeStorage && childNamed(c, i, "PowerPoint Document") >= 0 {
		storage = i
	}
	cui := childNamed(c, storage, "Current User")
	var cu []byte
	if cui >= 0 {
		cu, _ = c.Stream(cui, 64)
		if len(cu) >= 16 && binary.LittleEndian.Uint32(cu[12:]) == 0xF3D1C4DF {
			return errOLEEncrypted
		}
	}
	data, err := c.Stream(childNamed(c, storage, "PowerPoint Document"), maxPart)
	if err != nil {
		return fmt.Errorf("PowerPoint Document: %w", err)
	}
	w := &pptWalker{data: data}
	encrypted := false
	w.walk(0, len(data), 0, func(r pptRec, depth int) bool {
		if r.typ == pptCryptSession {
			encrypted = true
		}
		return false
	})
	if encrypted {
		return errOLEEncrypted
	}
	w.err, w.count = nil, 0
	if cu != nil && pptBySlides(w, cu, tb) {
		return w.err
	}
	w.err, w.count = nil, 0
	pptInOrder(w, tb)
	if w.err != nil {
		// The record tree is broken (or is not PowerPoint 97's): scan it
		// flat instead, resynchronising after bad headers.
		tb.reset()
		pptScan(data, tb)
	}
	return w.err
}

// pptScan reads the stream as a flat sequence of record headers, stepping
// into containers and over atoms, and one byte on after an impossible
// header. Text atoms of masters are skipped.
func pptScan(data []byte, tb *textBuf) {
	for pos := 0; pos+8 <= len(data) && !tb.full; {
		r, ok := pptHeader(data, pos)
		switch {
		case !ok:
			pos++
		case r.ver == 0xF && r.typ == pptMainMaster:
			pos += 8 + r.size
		case r.ver == 0xF:
			if r.typ == pptSlide || r.typ == pptNotes {
				tb.endBlock()
			}
			pos += 8
		case (r.typ == pptTextCharsAtom || r.typ == pptTextBytesAtom) && r.ver == 0 && r.instance == 0:
			tb.str(pptAtomText(r, data))
			tb.rune('\n')
			pos += 8 + r.size
		default:
			pos += 8 + r.size
		}
	}
}

// childNamed returns the index of the entry called name in storage i, or -1.
func childNamed(c *cfb.File, i int, name string) int {
	for _, k := range c.Children(i) {
		if c.Entry(k).Name == name {
			return k
		}
	}
	return -1
}

// pptPersist reads the persist directories from the last UserEditAtom back
// to the first: persist object id → stream offset (newest wins). It also
// returns the persist id of the document container.
func pptPersist(data, cu []byte) (map[uint32]int, uint32, bool) {
	if len(cu) < 20 {
		return nil, 0, false
	}
	off := int(binary.LittleEndian.Uint32(cu[16:]))
	persist := map[uint32]int{}
	var docRef uint32
	seen := map[int]bool{}
	for k := 0; k < maxPPTEdits; k++ {
		if seen[off] {
			return nil, 0, false
		}
		seen[off] = true
		r, ok := pptHeader(data, off)
		if !ok || r.typ != pptUserEditAtom || r.size < 28 {
			return nil, 0, false
		}
		b := r.body(data)
		if k == 0 {
			docRef = binary.LittleEndian.Uint32(b[16:])
		}
		dir, ok := pptHeader(data, int(binary.LittleEndian.Uint32(b[12:])))
		if !ok || dir.typ != pptPersistDirectory {
			return nil, 0, false
		}
		db := dir.body(data)
		for p := 0; p+4 <= len(db); {
			v := binary.LittleEndian.Uint32(db[p:])
			id, n := v&0xFFFFF, int(v>>20)
			p += 4
			for j := 0; j < n && p+4 <= len(db); j++ {
				if len(persist) >= maxPersistObjs {
					return nil, 0, false
				}
				if _, newer := persist[id+uint32(j)]; !newer {
					persist[id+uint32(j)] = int(binary.LittleEndian.Uint32(db[p:]))
				}
				p += 4
			}
		}
		off = int(binary.LittleEndian.Uint32(b[8:])) // offsetLastEdit
		if off == 0 {
			break
		}
	}
	return persist, docRef, true
}

// pptGroup is the text of one slide or notes page.
type pptGroup struct {
	persist uint32
	texts   []string
}

// pptBySlides writes the slides in presentation order, following the
// persist directory; it returns false when the file does not allow it.
func pptBySlides(w *pptWalker, cu []byte, tb *textBuf) bool {
	data := w.data
	persist, docRef, ok := pptPersist(data, cu)
	if !ok {
		return false
	}
	doc, ok := pptHeader(data, persist[docRef])
	if !ok || doc.typ != pptDocument || doc.ver != 0xF {
		return false
	}
	var lists [3][]pptGroup // slides, masters, notes
	var footers []pptRec
	w.walk(doc.off+8, doc.off+8+doc.size, 1, func(r pptRec, depth int) bool {
		if r.typ == pptHeadersFooters && r.ver == 0xF {
			footers = append(footers, r)
		}
		if r.typ != pptSlideListWithText || r.ver != 0xF || r.instance > 2 {
			return false
		}
		list := &lists[r.instance]
		w.walk(r.off+8, r.off+8+r.size, depth+1, func(a pptRec, _ int) bool {
			switch a.typ {
			case pptSlidePersistAtom:
				if a.size >= 4 {
					*list = append(*list, pptGroup{persist: binary.LittleEndian.Uint32(a.body(data))})
				}
			case pptTextCharsAtom, pptTextBytesAtom:
				if n := len(*list); n > 0 {
					(*list)[n-1].texts = append((*list)[n-1].texts, pptAtomText(a, data))
				}
			}
			return false
		})
		return false
	})
	if len(lists[0]) == 0 {
		return false
	}
	for _, kind := range []struct {
		list []pptGroup
		typ  uint16
	}{{lists[0], pptSlide}, {lists[2], pptNotes}} {
		for _, g := range kind.list {
			for _, s := range g.texts {
				tb.str(s)
				tb.rune('\n')
			}
			if r, ok := pptHeader(data, persist[g.persist]); ok && r.typ == kind.typ && r.ver == 0xF {
				pptDrawingText(w, r, tb)
			}
			tb.endBlock()
			if tb.full {
				return true
			}
		}
	}
	for _, r := range footers {
		pptFooterText(r, data, tb)
	}
	return true
}

// pptDrawingText writes the text atoms inside a slide or notes container.
func pptDrawingText(w *pptWalker, r pptRec, tb *textBuf) {
	w.walk(r.off+8, r.off+8+r.size, 1, func(a pptRec, _ int) bool {
		switch a.typ {
		case pptTextCharsAtom, pptTextBytesAtom:
			tb.str(pptAtomText(a, w.data))
			tb.rune('\n')
		case pptHeadersFooters:
			pptFooterText(a, w.data, tb)
			return false
		}
		return true
	})
}

// pptInOrder is the fallback when the persist directory cannot be
// followed: text atoms in stream order, inside the slide lists of slides
// and notes and inside slide and notes containers; masters are skipped.
func pptInOrder(w *pptWalker, tb *textBuf) {
	data := w.data
	w.walk(0, len(data), 0, func(r pptRec, depth int) bool {
		switch r.typ {
		case pptMainMaster:
			return false
		case pptSlideListWithText:
			if r.instance == 1 {
				return false
			}
			w.walk(r.off+8, r.off+8+r.size, depth+1, func(a pptRec, _ int) bool {
				switch a.typ {
				case pptSlidePersistAtom:
					tb.endBlock()
				case pptTextCharsAtom, pptTextBytesAtom:
					tb.str(pptAtomText(a, data))
					tb.rune('\n')
				}
				return false
			})
			tb.endBlock()
			return false
		case pptSlide, pptNotes:
			pptDrawingText(w, r, tb)
			tb.endBlock()
			return false
		}
		return true
	})
}
