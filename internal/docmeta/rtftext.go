package docmeta

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
)

// RTF body text.
//
// An RTF document is a tree of groups ({...}) holding text, control words
// (\par, \f2, \u1044) and control symbols (\~, \'e9). Some groups are
// destinations whose content is not body text: the font table, the style
// sheet, \info, pictures (\pict, as hex or \bin data), field instructions
// (\fldinst: HYPERLINK "...", PAGE ...) and every group starting with \* that
// the reader does not know. Character properties (the font, and so the code
// page of \'hh bytes; \ucN, the number of fallback characters written after
// each \uN; hidden text) belong to the group and are restored when it ends,
// so the reader keeps a stack of group states.
//
// The text returned is what a reader of the printed document sees, in
// order: paragraphs (\par, \line, \sect, \page) and table rows (\row) end a
// line, table cells are separated by tabs, blanks around a line and empty
// lines are dropped.
// Hidden (\v) and deleted (\deleted, tracked changes) text is left out, as
// are list numbers (\listtext), index and table-of-contents entries and
// comments (\annotation). Headers, footers and footnotes are kept, after the
// body, so that they do not cut the body's sentences.

// rtfMaxDepth is the deepest group nesting accepted. Word nests about ten
// levels; thousands only come from hostile or broken files.
const rtfMaxDepth = 1000

// rtfInputFactor times Limits.MaxPartSize is the most RTF read for its text.
// RTF stores pictures as hex, twice their size, and they are only scanned,
// never kept, so the limit is generous.
const rtfInputFactor = 8

// rtfSkip lists the destinations whose content is not body text. Any
// destination introduced by \* is skipped too, unless rtfKeepStarred keeps it.
var rtfSkip = map[string]bool{
	"fonttbl": true, "colortbl": true, "stylesheet": true, "info": true, "pict": true,
	"themedata": true, "colorschememapping": true, "datastore": true, "latentstyles": true,
	"rsidtbl": true, "listtable": true, "listoverridetable": true, "generator": true,
	"xmlnstbl": true, "mmathPr": true, "mmath": true, "fldinst": true, "objdata": true,
	"filetbl": true, "revtbl": true, "pgdsctbl": true, "protusertbl": true, "template": true,
	"userprops": true, "docvar": true, "private": true, "fchars": true, "lchars": true,
	"listtext": true, "pntext": true, "pntxta": true, "pntxtb": true, "pn": true,
	"xe": true, "tc": true, "tcn": true, "nonesttables": true,
	"annotation": true, "atnid": true, "atnauthor": true, "atndate": true, "atnicn": true,
	"atnref": true, "atntime": true, "atrfstart": true, "atrfend": true,
	"bkmkstart": true, "bkmkend": true, "formfield": true, "datafield": true,
	"ftnsep": true, "ftnsepc": true, "ftncn": true, "aftnsep": true, "aftnsepc": true, "aftncn": true,
	// Shapes: the properties (and their pictures) and the result drawn for
	// readers without shapes are skipped; the text box (\shptxt) is kept.
	"sp": true, "sn": true, "sv": true, "shprslt": true, "do": true,
	"passwordhash": true, "password": true, "NeXTGraphic": true,
}

// rtfAside lists the destinations kept but written after the body.
var rtfAside = map[string]bool{
	"header": true, "headerl": true, "headerr": true, "headerf": true,
	"footer": true, "footerl": true, "footerr": true, "footerf": true,
	"footnote": true,
}

// rtfKeepStarred lists the \* destinations whose text is kept: the shape
// instructions (which hold the text box \shptxt) and the Unicode version
// of a \upr group.
var rtfKeepStarred = map[string]bool{"shpinst": true, "shptxt": true, "ud": true}

// rtfCharsetCP maps a font's \fcharsetN to a Windows code page. 0 (ANSI),
// 1 (default) and 2 (symbol) are absent: such fonts use the document's
// \ansicpgN (some writers put Cyrillic bytes under \fcharset0 in a
// \ansicpg1251 document).
var rtfCharsetCP = map[int]int{
	77: 10000, 128: 932, 129: 949, 134: 936, 136: 950, 161: 1253, 162: 1254,
	163: 1258, 177: 1255, 178: 1256, 186: 1257, 204: 1251, 222: 874, 238: 1250,
	254: 437, 255: 850,
}

// rtfMaxFonts caps the fonts remembered from the font table.
const rtfMaxFonts = 10000

// rtfState is the part of the reader's state that a group owns.
type rtfState struct {
	uc      int  // fallback characters after \uN (\ucN)
	font    int  // current font (\fN), -1 for the default font (\deffN)
	skip    bool // inside a destination that is not text
	hidden  bool // \v hidden text
	deleted bool // \deleted tracked deletion
	aside   bool // header, footer or footnote
	fontTbl bool // inside the font table: \fN, \fcharsetN and \cpgN describe fonts
	upr     bool // inside \upr, whose \*\ud part is the text to keep
}

// rtfLines is one output: text whose lines are finished by endLine.
type rtfLines struct {
	b         []byte
	lineStart int
}

// endLine finishes the current line: trailing blanks are dropped, and a
// line left empty is not written.
func (o *rtfLines) endLine() {
	o.b = bytes.TrimRight(o.b, " \t")
	if len(o.b) < o.lineStart {
		o.b = o.b[:o.lineStart]
	}
	if len(o.b) > o.lineStart {
		o.b = append(o.b, '\n')
	}
	o.lineStart = len(o.b)
}

// rtfTextReader extracts the text of one RTF document.
type rtfTextReader struct {
	in    *bufio.Reader
	read  int64 // bytes of input consumed
	limit int64 // bytes of input available
	cut   bool  // the file is larger than limit

	st    rtfState
	stack []rtfState

	docCP   int         // \ansicpgN
	deff    int         // \deffN
	fontCP  map[int]int // code page of each font of the font table
	curFont int         // font being described in the font table

	body, aside rtfLines
	pending     []byte // bytes waiting to be decoded in pendingCP
	pendingCP   int
	high        rune // a UTF-16 high surrogate written by \uN, waiting for its low half
	skipChars   int  // fallback characters still to skip after \uN
	star        bool // \* seen: the next control word is an ignorable destination
	full        bool // maxText reached
	closed      bool // the outermost group ended
	decoders    map[int]*encoding.Decoder
}

// rtfPlainText returns the text of an RTF document's body: paragraphs on
// their own lines, table cells separated by tabs, headers, footers and
// footnotes after the body; at most maxText bytes. On error the text read
// before the problem is returned with it.
func (l Limits) rtfPlainText(r io.ReaderAt, size int64) (string, error) {
	part := l.MaxPartSize
	if part <= 0 {
		part = DefaultLimits.MaxPartSize
	}
	limit := min(size, part*rtfInputFactor)
	p := &rtfTextReader{
		in:       bufio.NewReaderSize(io.NewSectionReader(r, 0, limit), 64<<10),
		limit:    limit,
		cut:      size > limit,
		st:       rtfState{uc: 1, font: -1},
		docCP:    1252,
		fontCP:   map[int]int{},
		decoders: map[int]*encoding.Decoder{},
	}
	err := p.run()
	text := p.text()
	if err == nil && p.cut && !p.closed && !p.full {
		err = fmt.Errorf("RTF of %d bytes is larger than the %d-byte limit of text extraction: only the text of the first %d bytes was read", size, limit, limit)
	}
	return text, err
}

// text joins the body and the asides.
func (p *rtfTextReader) text() string {
	p.flush()
	if p.high != 0 {
		p.put("")
	}
	p.body.endLine()
	p.aside.endLine()
	b := append(p.body.b, p.aside.b...)
	if len(b) > maxText {
		// Cut at maxText, dropping a character cut in two.
		return strings.ToValidUTF8(string(b[:maxText]), "")
	}
	return string(b)
}

func (p *rtfTextReader) readByte() (byte, error) {
	c, err := p.in.ReadByte()
	if err == nil {
		p.read++
	}
	return c, err
}

func (p *rtfTextReader) peekByte() (byte, bool) {
	b, err := p.in.Peek(1)
	if err != nil {
		return 0, false
	}
	return b[0], true
}

// run reads the document up to the end of its outermost group.
func (p *rtfTextReader) run() error {
	// A document starts with "{\rtf" (a UTF-8 byte order mark and blank
	// lines before it are tolerated).
	head, _ := p.in.Peek(64)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if !bytes.HasPrefix(head, []byte(`{\rtf`)) {
		return errors.New(`RTF: not an RTF document (no "{\rtf" header)`)
	}
	for {
		c, err := p.readByte()
		if err == nil && c == '{' {
			break
		}
		if err != nil {
			return fmt.Errorf("RTF: %w", err)
		}
	}
	for !p.closed && !p.full {
		c, err := p.readByte()
		if err == io.EOF {
			return p.eof()
		}
		if err != nil {
			return fmt.Errorf("RTF: reading at byte %d: %w", p.read, err)
		}
		switch c {
		case '{':
			p.flush()
			p.star, p.skipChars = false, 0
			if len(p.stack) >= rtfMaxDepth {
				return fmt.Errorf("RTF: groups nested deeper than %d at byte %d", rtfMaxDepth, p.read)
			}
			p.stack = append(p.stack, p.st)
		case '}':
			p.flush()
			p.star, p.skipChars = false, 0
			if len(p.stack) == 0 {
				p.closed = true // what follows the document is ignored
				break
			}
			inner := p.st
			p.st = p.stack[len(p.stack)-1]
			p.stack = p.stack[:len(p.stack)-1]
			if inner.aside && !p.st.aside {
				p.aside.endLine() // one header or footnote does not run into the next
			}
		case '\\':
			if err := p.control(); err != nil {
				return err
			}
		case '\r', '\n':
			// Line breaks of the file are not text.
		default:
			p.star = false
			if p.skipChars > 0 {
				p.skipChars--
				continue
			}
			if !p.emitting() {
				continue
			}
			switch {
			case c == '\t':
				// A literal tab is a tab (\tab is the usual form), except
				// at the start of a line, where writers use it to indent
				// the source.
				if o := p.out(); len(o.b) > o.lineStart || len(p.pending) > 0 {
					p.writeRune('\t')
				}
			case c < 0x20:
				// Control characters are not text.
			default:
				p.addByte(c)
			}
		}
	}
	return nil
}

// eof reports an input that ends before its outermost group.
func (p *rtfTextReader) eof() error {
	if p.cut {
		return nil // stopped at the size limit: rtfPlainText says so
	}
	return fmt.Errorf("RTF: file ends at byte %d inside %d unclosed groups (truncated?)", p.read, len(p.stack)+1)
}

// emitting reports whether text of the current group is kept.
func (p *rtfTextReader) emitting() bool {
	return !p.st.skip && !p.st.hidden && !p.st.deleted
}

// control reads what follows a backslash: a control word with its optional
// numeric parameter, \'hh, or a control symbol.
func (p *rtfTextReader) control() error {
	c, err := p.readByte()
	if err != nil {
		return p.eof()
	}
	switch {
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		var w [32]byte
		n := 0
		w[n] = c
		n++
		long := false
		for {
			c, ok := p.peekByte()
			if !ok || !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				break
			}
			p.readByte()
			if n < len(w) {
				w[n] = c
				n++
			} else {
				long = true
			}
		}
		num, hasNum := 0, false
		neg := false
		if c, ok := p.peekByte(); ok && c == '-' {
			p.readByte()
			neg = true
		}
		digits := 0
		for {
			c, ok := p.peekByte()
			if !ok || c < '0' || c > '9' {
				break
			}
			p.readByte()
			digits++
			if digits <= 10 {
				num = num*10 + int(c-'0')
			}
			hasNum = true
		}
		if neg {
			num = -num
		}
		if c, ok := p.peekByte(); ok && c == ' ' {
			p.readByte() // the delimiting space is part of the control word
		}
		if long || digits > 10 {
			// Not a word RTF defines, or a parameter out of range: it
			// still counts as a fallback character, and is ignored.
			p.star = false
			if p.skipChars > 0 {
				p.skipChars--
			}
			return nil
		}
		return p.word(string(w[:n]), num, hasNum)
	case c == '\'':
		p.star = false
		v, ok := 0, true
		for range 2 {
			h, okp := p.peekByte()
			d := rtfUnhex(h)
			if !okp || d < 0 {
				ok = false
				break
			}
			p.readByte()
			v = v<<4 | d
		}
		if p.skipChars > 0 {
			p.skipChars--
			return nil
		}
		if ok && p.emitting() {
			p.addByte(byte(v))
		}
		return nil
	case c == '\r' || c == '\n':
		// A backslash ending a line is \par.
		return p.word("par", 0, false)
	}
	// A control symbol.
	if c == '*' {
		p.star = true
		return nil
	}
	p.star = false
	if p.skipChars > 0 {
		p.skipChars--
		return nil
	}
	if !p.emitting() {
		return nil
	}
	switch c {
	case '\\', '{', '}':
		p.addByte(c)
	case '~':
		p.writeRune('\u00a0')
	case '_':
		p.writeRune('-')
	case '\t':
		p.writeRune('\t')
	}
	// \- (optional hyphen), \: (index subentry), \| (formula) and unknown
	// symbols are not text.
	return nil
}

func rtfUnhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// word acts on one control word.
func (p *rtfTextReader) word(w string, num int, hasNum bool) error {
	if w == "bin" {
		// \binN: N raw bytes follow, which may hold braces and
		// backslashes; they are never text.
		p.star = false
		if num < 0 || int64(num) > p.limit-p.read && !p.cut {
			return fmt.Errorf("RTF: \\bin%d at byte %d runs past the end of the file", num, p.read)
		}
		num = int(min(int64(num), p.limit-p.read))
		n, err := p.in.Discard(num)
		p.read += int64(n)
		if err != nil && err != io.EOF {
			return fmt.Errorf("RTF: reading \\bin data at byte %d: %w", p.read, err)
		}
		return nil
	}
	if p.star {
		p.star = false
		if !rtfKeepStarred[w] {
			p.flush()
			p.st.skip, p.st.fontTbl = true, false
			return nil
		}
	}
	if p.skipChars > 0 {
		p.skipChars--
		return nil
	}
	p.flush()
	if p.high != 0 && w != "u" && p.emitting() {
		p.put("") // a lone high surrogate
	}
	if p.st.fontTbl {
		switch w {
		case "f":
			p.curFont = num
		case "fcharset":
			if cp, ok := rtfCharsetCP[num]; ok && p.fontRoom(p.curFont) {
				p.fontCP[p.curFont] = cp
			}
		case "cpg":
			if p.fontRoom(p.curFont) {
				p.fontCP[p.curFont] = num
			}
		}
		return nil
	}
	if p.st.skip {
		if w == "ud" && p.st.upr {
			p.st.skip, p.st.upr = false, false
		}
		return nil
	}
	if rtfSkip[w] {
		p.st.skip = true
		p.st.fontTbl = w == "fonttbl"
		return nil
	}
	if rtfAside[w] {
		p.st.aside = true
		return nil
	}
	on := !hasNum || num != 0
	switch w {
	case "upr":
		// {\upr{ANSI text}{\*\ud{Unicode text}}}: the Unicode text is kept.
		p.st.skip, p.st.upr = true, true
	case "ansicpg":
		if hasNum && num > 0 {
			p.docCP = num
		}
	case "mac":
		p.docCP = 10000
	case "pc":
		p.docCP = 437
	case "pca":
		p.docCP = 850
	case "deff":
		p.deff = num
	case "f":
		p.st.font = num
	case "plain":
		p.st.font, p.st.hidden, p.st.deleted = -1, false, false
	case "v":
		p.st.hidden = on
	case "deleted":
		p.st.deleted = on
	case "uc":
		if hasNum && num >= 0 {
			p.st.uc = num
		}
	case "u":
		if p.emitting() {
			p.unicode(num)
		}
		p.skipChars = p.st.uc
	default:
		if p.emitting() {
			p.special(w)
		}
	}
	return nil
}

// special writes the text of control words that stand for characters or
// breaks.
func (p *rtfTextReader) special(w string) {
	switch w {
	case "par", "line", "sect", "page", "row", "nestrow", "column":
		p.out().endLine()
	case "cell", "nestcell", "tab":
		p.writeRune('\t')
	case "emdash":
		p.writeRune('—')
	case "endash":
		p.writeRune('–')
	case "emspace":
		p.writeRune('\u2003')
	case "enspace":
		p.writeRune('\u2002')
	case "qmspace":
		p.writeRune('\u2005')
	case "bullet":
		p.writeRune('•')
	case "lquote":
		p.writeRune('‘')
	case "rquote":
		p.writeRune('’')
	case "ldblquote":
		p.writeRune('“')
	case "rdblquote":
		p.writeRune('”')
	case "zwj":
		p.writeRune('\u200d')
	case "zwnj":
		p.writeRune('\u200c')
	}
}

// unicode writes the character of \uN: N is a signed 16-bit number, and
// characters beyond U+FFFF come as two \u of a UTF-16 surrogate pair.
func (p *rtfTextReader) unicode(n int) {
	if n < 0 {
		n += 65536
	}
	r := rune(n)
	switch {
	case n < 0 || n > utf8.MaxRune:
		p.writeRune(utf8.RuneError)
	case r >= 0xd800 && r < 0xdc00:
		if p.high != 0 {
			p.put("") // writes the lone high surrogate as U+FFFD
		}
		p.high = r
	case r >= 0xdc00 && r < 0xe000:
		if p.high == 0 {
			p.writeRune(utf8.RuneError)
			return
		}
		c := (p.high-0xd800)<<10 | (r - 0xdc00) + 0x10000
		p.high = 0
		p.writeRune(c)
	default:
		p.writeRune(r)
	}
}

// fontRoom reports whether the font f can be described: the number of fonts
// remembered is capped.
func (p *rtfTextReader) fontRoom(f int) bool {
	_, ok := p.fontCP[f]
	return ok || len(p.fontCP) < rtfMaxFonts
}

// cp is the code page of \'hh bytes in the current font.
func (p *rtfTextReader) cp() int {
	f := p.st.font
	if f < 0 {
		f = p.deff
	}
	if cp, ok := p.fontCP[f]; ok && p.decoder(cp) != nil {
		return cp
	}
	return p.docCP
}

func (p *rtfTextReader) decoder(cp int) *encoding.Decoder {
	d, ok := p.decoders[cp]
	if !ok {
		d = codePageDecoder(cp)
		p.decoders[cp] = d
	}
	return d
}

func (p *rtfTextReader) out() *rtfLines {
	if p.st.aside {
		return &p.aside
	}
	return &p.body
}

// addByte queues a byte of text in the current code page; bytes are
// decoded together so that double-byte characters (\'82\'a0 in Shift JIS)
// stay whole.
func (p *rtfTextReader) addByte(c byte) {
	cp := p.cp()
	if len(p.pending) > 0 && cp != p.pendingCP {
		p.flush()
	}
	p.pendingCP = cp
	p.pending = append(p.pending, c)
	if len(p.pending) >= 4096 {
		p.flush()
	}
}

// flush decodes the queued bytes into the current output.
func (p *rtfTextReader) flush() {
	if len(p.pending) == 0 {
		return
	}
	b := p.pending
	p.pending = p.pending[:0]
	var s string
	switch d := p.decoder(p.pendingCP); {
	case p.pendingCP == 65001:
		s = strings.ToValidUTF8(string(b), "\ufffd")
	case d != nil:
		if t, err := d.Bytes(b); err == nil {
			s = string(t)
		} else {
			s = strings.ToValidUTF8(string(b), "\ufffd")
		}
	default:
		// A code page without a decoder: ASCII is right in all of them.
		s = strings.ToValidUTF8(string(b), "\ufffd")
	}
	if strings.ContainsFunc(s, rtfIsControl) {
		s = strings.Map(func(r rune) rune {
			if rtfIsControl(r) {
				return -1
			}
			return r
		}, s)
	}
	p.put(s)
}

// rtfIsControl reports control characters that are not text (\'00, \'0d).
func rtfIsControl(r rune) bool {
	return r < 0x20 && r != '\t' || r == 0x7f
}

func (p *rtfTextReader) writeRune(r rune) {
	p.flush()
	if rtfIsControl(r) {
		return
	}
	var b [utf8.UTFMax]byte
	n := utf8.EncodeRune(b[:], r)
	p.put(string(b[:n]))
}

// put appends decoded text to the current output, up to maxText in all.
// Spaces starting a line are dropped. A high surrogate not followed by its
// low half is written as U+FFFD.
func (p *rtfTextReader) put(s string) {
	o := p.out()
	if p.high != 0 {
		p.high = 0
		o.b = utf8.AppendRune(o.b, utf8.RuneError)
	}
	if len(o.b) == o.lineStart {
		s = strings.TrimLeft(s, " ")
	}
	if len(p.body.b)+len(p.aside.b)+len(s) > maxText {
		p.full = true
	}
	o.b = append(o.b, s...)
}
