package docmeta

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/encoding/charmap"
)

// PDF text extraction.
//
// A PDF page holds no text in reading order: its content stream is a
// program that places glyphs at coordinates ("BT /F1 12 Tf 72 700 Td
// (Hello) Tj ET"). The glyphs are font codes, turned into characters by the
// font's ToUnicode CMap, or by its encoding and glyph names. The text is
// rebuilt in content-stream order (the order Word, LibreOffice, pdfTeX,
// Chrome and Quartz write it): a new line when the text position moves
// across the line by more than half a font size, a space when it jumps
// forward along the line, or when a TJ kerning moves it by more than a fifth
// of an em.

// Limits of PDF text extraction.
const (
	// maxTextObjects is the number of PDF objects resolved for the text of
	// one document. Metadata needs a few objects (Limits.MaxObjects is
	// 2000); text needs every page, content stream, font, widths array and
	// CMap: about 5 to 10 objects a page, so 200,000 covers a 20,000-page
	// document while still stopping a file built to make us resolve
	// millions of objects.
	maxTextObjects = 200000
	maxTextPages   = 20000   // pages read
	maxTextOps     = 5000000 // content stream operators run, per document
	maxFormDepth   = 12      // form XObjects inside form XObjects
	maxGStack      = 512     // q without Q kept
	maxCMapEntries = 1 << 18 // code mappings kept per CMap
	maxPDFErrors   = 5       // problems named in the returned error
	// maxTextDecoded bounds the stream bytes decoded for one document
	// (content streams, form XObjects each time they are drawn, CMaps):
	// 20,000 pages sharing one stream that inflates to 16 MB must not
	// cost hours.
	maxTextDecoded = 1 << 30
)

// pageSep separates the text of two pages.
const pageSep = "\f\n"

// errPDFPassword is returned for PDFs whose text needs a password.
var errPDFPassword = errors.New("encrypted with a password: text not readable")

// pdfPlainText returns the text of a PDF's pages: lines on their own
// lines, pages separated by a form feed on a line of its own ("\n\f\n").
func (l Limits) pdfPlainText(r io.ReaderAt, size int64) (string, error) {
	t, err := openPDFText(r, size, l)
	if err != nil {
		return "", err
	}
	return t.run()
}

// pdfTextReader extracts the text of one PDF.
type pdfTextReader struct {
	p        *pdfReader
	out      []byte
	ops      int
	errs     []string
	nerrs    int
	fonts    map[unsafe.Pointer]*pdfFont
	forms    map[int]bool   // form XObjects being run (loop detection)
	full     bool           // maxText reached
	stop     error          // a document-wide limit was hit
	page     int            // 1-based number of the page being read
	pageLen  int64          // content bytes read for the page
	decoded  int64          // stream bytes decoded for the document
	unmapped map[string]int // glyphs without text on the page, by font

	// Position of the end of the last text shown, in device space.
	havePos      bool
	lastX, lastY float64
	lastSize     float64
}

// openPDFText reads the cross-reference sections of a PDF (rebuilding them
// by a scan when broken) and sets up decryption.
func openPDFText(r io.ReaderAt, size int64, l Limits) (*pdfTextReader, error) {
	tl := l
	tl.MaxObjects = max(l.MaxObjects, maxTextObjects)
	m := &Meta{PDF: &PDFInfo{}}
	p := &pdfReader{r: r, size: size, l: tl, m: m, xref: map[int]xrefEntry{}, cache: map[int]any{},
		objstms: map[int]map[int]any{}, resolving: map[int]bool{}, moreFilters: true}
	head := p.window(0, 1024)
	i := bytes.Index(head, []byte("%PDF-"))
	if i < 0 {
		return nil, errors.New("not a PDF: no %PDF header")
	}
	p.hdrOff = int64(i)
	if err := p.readXRefChain(); err != nil {
		if err2 := p.scanObjects(); err2 != nil {
			return nil, fmt.Errorf("cross-reference table: %v; %w", err, err2)
		}
	}
	if enc, ok := p.trailer["Encrypt"]; ok && enc != nil {
		ed, _ := p.resolve(enc).(pdfDict)
		p.setupCrypt(ed, m.PDF)
		if p.crypt == nil {
			return nil, errPDFPassword
		}
	}
	return &pdfTextReader{p: p, fonts: map[unsafe.Pointer]*pdfFont{}, forms: map[int]bool{}, unmapped: map[string]int{}}, nil
}

// fail records a problem; the first few are named in the returned error.
func (t *pdfTextReader) fail(format string, a ...any) {
	t.nerrs++
	if len(t.errs) < maxPDFErrors {
		msg := fmt.Sprintf(format, a...)
		if t.page > 0 {
			msg = fmt.Sprintf("page %d: %s", t.page, msg)
		}
		t.errs = append(t.errs, msg)
	}
}

func (t *pdfTextReader) run() (string, error) {
	root, _ := t.p.resolve(t.p.trailer["Root"]).(pdfDict)
	if root == nil {
		return "", errors.New("no document catalog (/Root)")
	}
	pages, err := t.pages(root["Pages"])
	if err != nil {
		t.fail("%v", err)
	}
	for i, pg := range pages {
		if t.full || t.stop != nil {
			break
		}
		t.page = i + 1
		if i > 0 {
			t.out = append(t.out, pageSep...)
		}
		t.readPage(pg)
	}
	t.page = 0
	if t.stop != nil && !strings.Contains(strings.Join(t.errs, "; "), t.stop.Error()) {
		t.fail("%v", t.stop)
	}
	if t.p.work > t.p.l.MaxObjects {
		t.fail("more than %d objects needed: the rest of the document is not read", t.p.l.MaxObjects)
	}
	text := string(t.out)
	if len(text) > maxText {
		text = strings.ToValidUTF8(text[:maxText], "")
	}
	if len(t.errs) == 0 {
		return text, nil
	}
	msg := strings.Join(t.errs, "; ")
	if t.nerrs > len(t.errs) {
		msg += fmt.Sprintf(" (and %d more problems)", t.nerrs-len(t.errs))
	}
	return text, errors.New(msg)
}

// pdfPage is a page dictionary with the resources it inherits.
type pdfPage struct {
	dict pdfDict
	res  pdfDict
}

// pages walks the page tree in order. Loops are cut, /Count is ignored.
func (t *pdfTextReader) pages(top any) ([]pdfPage, error) {
	type node struct {
		v   any
		res pdfDict
	}
	var out []pdfPage
	seen := map[int]bool{}
	stack := []node{{v: top}}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if ref, ok := n.v.(pdfRef); ok {
			if seen[ref.num] {
				continue // a loop in the page tree
			}
			seen[ref.num] = true
		}
		d, ok := t.p.resolve(n.v).(pdfDict)
		if !ok {
			continue
		}
		res := n.res
		if r, ok := t.p.resolve(d["Resources"]).(pdfDict); ok {
			res = r
		}
		kids, hasKids := t.p.resolve(d["Kids"]).(pdfArray)
		if typ, _ := d["Type"].(pdfName); typ == "Page" || (!hasKids && typ != "Pages") {
			if len(out) >= maxTextPages {
				return out, fmt.Errorf("more than %d pages: the rest is not read", maxTextPages)
			}
			out = append(out, pdfPage{dict: d, res: res})
			continue
		}
		if len(stack)+len(kids) > 4*maxTextPages {
			return out, errors.New("page tree too large")
		}
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, node{v: kids[i], res: res})
		}
	}
	if top == nil {
		return nil, errors.New("no page tree (/Pages)")
	}
	return out, nil
}

// stream returns the decoded data of the stream v (a reference, normally).
func (t *pdfTextReader) stream(v any) ([]byte, error) {
	ref, isRef := v.(pdfRef)
	st, ok := t.p.resolve(v).(*pdfStream)
	if !ok {
		if isRef {
			return nil, fmt.Errorf("object %d is not a stream", ref.num)
		}
		return nil, errors.New("not a stream")
	}
	var data []byte
	var err error
	if isRef {
		data, err = t.p.streamData(st, ref)
	} else {
		data, err = t.p.decodeStream(st, nil)
	}
	st.data = nil // the raw bytes are read again if needed, not kept for every page
	t.decoded += int64(len(data))
	if t.decoded > maxTextDecoded && t.stop == nil {
		t.stop = fmt.Errorf("more than %d bytes of streams decoded: the rest of the document is not read", maxTextDecoded)
		return nil, t.stop
	}
	if err != nil && isRef {
		err = fmt.Errorf("stream %d: %w", ref.num, err)
	}
	return data, err
}

// readPage runs the page's content streams, then the appearance streams
// of its annotations (form fields show their values there).
func (t *pdfTextReader) readPage(pg pdfPage) {
	t.havePos = false
	t.pageLen = 0
	clear(t.unmapped)
	var parts []any
	switch c := t.p.resolve(pg.dict["Contents"]).(type) {
	case pdfArray:
		parts = c
	case *pdfStream:
		parts = []any{pg.dict["Contents"]}
	}
	var content []byte
	for _, part := range parts {
		data, err := t.stream(part)
		if err != nil {
			t.fail("content stream: %v", err)
			continue
		}
		if !t.addPageBytes(len(data)) {
			break
		}
		content = append(content, data...)
		content = append(content, '\n')
	}
	start := len(t.out)
	gs := newGState()
	t.runContent(content, pg.res, gs, 0)
	t.readAnnots(pg)
	t.endLine()
	if len(t.unmapped) > 0 && len(bytes.TrimSpace(t.out[start:])) == 0 {
		var fonts []string
		for f := range t.unmapped {
			fonts = append(fonts, f)
		}
		sort.Strings(fonts)
		t.fail("glyphs of font %s have no Unicode mapping (no ToUnicode CMap): not read", strings.Join(fonts, ", "))
	}
	if len(t.out) > start && t.out[len(t.out)-1] != '\n' {
		t.out = append(t.out, '\n')
	}
}

func (t *pdfTextReader) addPageBytes(n int) bool {
	t.pageLen += int64(n)
	if t.pageLen > t.p.l.MaxPartSize {
		t.fail("content of more than %d bytes: the rest of the page is not read", t.p.l.MaxPartSize)
		return false
	}
	return true
}

// readAnnots shows the normal appearance of the page's widget and free
// text annotations (filled-in form fields), as viewers and pdftotext do.
func (t *pdfTextReader) readAnnots(pg pdfPage) {
	annots, _ := t.p.resolve(pg.dict["Annots"]).(pdfArray)
	for i, a := range annots {
		if i >= 1000 {
			break
		}
		ad, ok := t.p.resolve(a).(pdfDict)
		if !ok {
			continue
		}
		if st, _ := ad["Subtype"].(pdfName); st != "Widget" && st != "FreeText" {
			continue
		}
		if f, _ := t.p.resolve(ad["F"]).(int64); f&2 != 0 { // hidden
			continue
		}
		ap, _ := t.p.resolve(ad["AP"]).(pdfDict)
		if ap == nil {
			continue
		}
		n := ap["N"]
		if states, ok := t.p.resolve(n).(pdfDict); ok {
			as, _ := ad["AS"].(pdfName)
			n = states[as]
		}
		rect := numbers(t.p.resolve(ad["Rect"]))
		gs := newGState()
		if len(rect) == 4 {
			gs.ctm = matrix{1, 0, 0, 1, math.Min(rect[0], rect[2]), math.Min(rect[1], rect[3])}
		}
		before := len(t.out)
		t.doForm(n, gs, nil, 0)
		if len(t.out) == before {
			t.fieldValue(a, ad)
		}
	}
}

// fieldValue writes the value of a text field whose appearance stream
// shows nothing (the file asks the viewer to draw it: NeedAppearances).
func (t *pdfTextReader) fieldValue(a any, ad pdfDict) {
	ref, _ := a.(pdfRef)
	for i := 0; i < 16 && ad != nil; i++ {
		if ft, ok := ad["FT"].(pdfName); ok && ft != "Tx" {
			return
		}
		if v, ok := t.p.resolve(ad["V"]).(pdfStr); ok {
			if s := strings.TrimSpace(t.p.text(v, ref.num, ref.gen)); s != "" {
				t.endLine()
				t.havePos = false
				t.write(s)
				t.endLine()
			}
			return
		}
		ref, _ = ad["Parent"].(pdfRef)
		ad, _ = t.p.resolve(ad["Parent"]).(pdfDict)
	}
}

// matrix is a PDF transformation [a b c d e f]: (x y 1) × M.
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m × n (m applied first).
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

// gstate is the part of the graphics and text state that places text.
type gstate struct {
	ctm      matrix
	tm, tlm  matrix
	font     *pdfFont
	size     float64 // Tf size
	tc, tw   float64 // character and word spacing
	th       float64 // horizontal scaling (Tz / 100)
	tl       float64 // leading
	rise     float64
	gsStack  []gsSaved
	stackCut int // q operators not saved (stack full)
}

type gsSaved struct {
	ctm        matrix
	font       *pdfFont
	size       float64
	tc, tw, th float64
	tl, rise   float64
}

func newGState() *gstate { return &gstate{ctm: identity, tm: identity, tlm: identity, th: 1} }

func (g *gstate) save() {
	if len(g.gsStack) >= maxGStack {
		g.stackCut++
		return
	}
	g.gsStack = append(g.gsStack, gsSaved{g.ctm, g.font, g.size, g.tc, g.tw, g.th, g.tl, g.rise})
}

func (g *gstate) restore() {
	if g.stackCut > 0 {
		g.stackCut--
		return
	}
	if len(g.gsStack) == 0 {
		return
	}
	s := g.gsStack[len(g.gsStack)-1]
	g.gsStack = g.gsStack[:len(g.gsStack)-1]
	g.ctm, g.font, g.size, g.tc, g.tw, g.th, g.tl, g.rise = s.ctm, s.font, s.size, s.tc, s.tw, s.th, s.tl, s.rise
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, false
		}
		return x, true
	}
	return 0, false
}

func numbers(v any) []float64 {
	arr, _ := v.(pdfArray)
	out := make([]float64, 0, len(arr))
	for _, e := range arr {
		f, ok := num(e)
		if !ok {
			return nil
		}
		out = append(out, f)
	}
	return out
}

// clampNum keeps coordinates in a range where the arithmetic stays finite.
func clampNum(f float64) float64 { return math.Max(-1e7, math.Min(1e7, f)) }

// runContent interprets a content stream with the resources res.
func (t *pdfTextReader) runContent(data []byte, res pdfDict, g *gstate, depth int) {
	lx := &pdfLexer{buf: data}
	var args []any
	for t.stop == nil && !t.full {
		lx.skipSpace()
		if lx.pos >= len(lx.buf) {
			return
		}
		start := lx.pos
		v, err := lx.object()
		if err != nil {
			if errors.Is(err, errShort) {
				return
			}
			if lx.pos <= start {
				lx.pos = start + 1
			}
			args = args[:0]
			continue
		}
		op, isOp := v.(pdfKW)
		if !isOp {
			if len(args) >= 64 {
				args = args[:0] // operands of no operator
			}
			args = append(args, v)
			continue
		}
		t.ops++
		if t.ops > maxTextOps {
			t.stop = fmt.Errorf("more than %d content stream operators: the rest of the document is not read", maxTextOps)
			return
		}
		t.operator(string(op), args, lx, res, g, depth)
		args = args[:0]
	}
}

// opArity is the number of operands of the operators run; when a content
// stream has stray operands before them, the last ones count.
var opArity = map[string]int{"Tf": 2, "Tc": 1, "Tw": 1, "Tz": 1, "TL": 1, "Ts": 1, "Td": 2, "TD": 2, "Tm": 6,
	"Tj": 1, "'": 1, "\"": 3, "TJ": 1, "cm": 6, "Do": 1}

func (t *pdfTextReader) operator(op string, args []any, lx *pdfLexer, res pdfDict, g *gstate, depth int) {
	if n, ok := opArity[op]; ok && len(args) > n {
		args = args[len(args)-n:]
	}
	f := func(i int) float64 {
		if i < len(args) {
			v, _ := num(args[i])
			return clampNum(v)
		}
		return 0
	}
	switch op {
	case "BT":
		g.tm, g.tlm = identity, identity
	case "Tf":
		if len(args) >= 2 {
			name, _ := args[0].(pdfName)
			g.font = t.font(res, name)
			g.size = f(1)
		}
	case "Tc":
		g.tc = f(0)
	case "Tw":
		g.tw = f(0)
	case "Tz":
		g.th = f(0) / 100
	case "TL":
		g.tl = f(0)
	case "Ts":
		g.rise = f(0)
	case "Td":
		g.tlm = matrix{1, 0, 0, 1, f(0), f(1)}.mul(g.tlm)
		g.tm = g.tlm
	case "TD":
		g.tl = -f(1)
		g.tlm = matrix{1, 0, 0, 1, f(0), f(1)}.mul(g.tlm)
		g.tm = g.tlm
	case "Tm":
		if len(args) >= 6 {
			g.tm = matrix{f(0), f(1), f(2), f(3), f(4), f(5)}
			g.tlm = g.tm
		}
	case "T*":
		g.tlm = matrix{1, 0, 0, 1, 0, -g.tl}.mul(g.tlm)
		g.tm = g.tlm
	case "Tj":
		if len(args) >= 1 {
			s, _ := args[0].(pdfStr)
			t.show(g, s)
		}
	case "'", "\"":
		if op == "\"" && len(args) >= 3 {
			g.tw, g.tc = f(0), f(1)
			args = args[2:]
		}
		g.tlm = matrix{1, 0, 0, 1, 0, -g.tl}.mul(g.tlm)
		g.tm = g.tlm
		if len(args) >= 1 {
			s, _ := args[0].(pdfStr)
			t.show(g, s)
		}
	case "TJ":
		if len(args) >= 1 {
			arr, _ := args[0].(pdfArray)
			t.showArray(g, arr)
		}
	case "cm":
		if len(args) >= 6 {
			g.ctm = matrix{f(0), f(1), f(2), f(3), f(4), f(5)}.mul(g.ctm)
		}
	case "q":
		g.save()
	case "Q":
		g.restore()
	case "Do":
		if len(args) >= 1 {
			name, _ := args[0].(pdfName)
			xo, _ := t.p.resolve(res["XObject"]).(pdfDict)
			if xo != nil {
				t.doForm(xo[name], g, res, depth+1)
			}
		}
	case "BI":
		skipInlineImage(lx)
	}
}

// skipInlineImage moves past "… ID <binary data> EI". The data has no
// length unless it is computed from the image parameters, so the end is
// the first "EI" between white space, as viewers do.
func skipInlineImage(lx *pdfLexer) {
	for {
		lx.skipSpace()
		if lx.pos >= len(lx.buf) {
			return
		}
		start := lx.pos
		v, err := lx.object()
		if err != nil {
			if errors.Is(err, errShort) {
				lx.pos = len(lx.buf)
				return
			}
			if lx.pos <= start {
				lx.pos = start + 1
			}
			continue
		}
		if kw, ok := v.(pdfKW); ok && kw == "ID" {
			break
		}
	}
	lx.pos++ // the single white-space byte after ID
	for i := lx.pos; i+1 < len(lx.buf); i++ {
		if lx.buf[i] == 'E' && lx.buf[i+1] == 'I' && i > 0 && isPDFSpace(lx.buf[i-1]) &&
			(i+2 == len(lx.buf) || isPDFSpace(lx.buf[i+2]) || isPDFDelim(lx.buf[i+2])) {
			lx.pos = i + 2
			return
		}
	}
	lx.pos = len(lx.buf)
}

// doForm runs a form XObject (its own resources, or those of the caller).
func (t *pdfTextReader) doForm(v any, g *gstate, res pdfDict, depth int) {
	st, ok := t.p.resolve(v).(*pdfStream)
	if !ok {
		return
	}
	if sub, _ := st.dict["Subtype"].(pdfName); sub != "Form" && !(sub == "" && st.dict["BBox"] != nil) {
		return // an image
	}
	ref, isRef := v.(pdfRef)
	if depth > maxFormDepth {
		t.fail("form XObjects nested more than %d deep: not read", maxFormDepth)
		return
	}
	if isRef {
		if t.forms[ref.num] {
			t.fail("form XObject %d draws itself: loop cut", ref.num)
			return
		}
		t.forms[ref.num] = true
		defer delete(t.forms, ref.num)
	}
	data, err := t.stream(v)
	if err != nil {
		t.fail("form XObject: %v", err)
		return
	}
	if !t.addPageBytes(len(data)) {
		return
	}
	if r, ok := t.p.resolve(st.dict["Resources"]).(pdfDict); ok {
		res = r
	}
	fg := &gstate{ctm: g.ctm, tm: identity, tlm: identity, th: 1, font: g.font, size: g.size}
	if m := numbers(t.p.resolve(st.dict["Matrix"])); len(m) == 6 {
		fg.ctm = matrix{m[0], m[1], m[2], m[3], m[4], m[5]}.mul(g.ctm)
	}
	t.runContent(data, res, fg, depth)
}

// show writes the text of one string and moves the text position.
func (t *pdfTextReader) show(g *gstate, s pdfStr) {
	if len(s) == 0 {
		return
	}
	if g.font == nil {
		g.font = fallbackFont // text shown before any Tf
	}
	t.place(g)
	fnt := g.font
	var tx float64
	fnt.decode(s, func(code uint32, n int, text string, w float64) {
		if text == "" && (fnt.unmapped || fnt.enc != nil && n == 1 && code > 32) {
			t.unmapped[fnt.name]++
		}
		t.write(text)
		adv := w*g.size + g.tc
		if n == 1 && code == 32 {
			adv += g.tw
		}
		tx += adv * g.th
	})
	g.tm = matrix{1, 0, 0, 1, clampNum(tx), 0}.mul(g.tm)
	t.markEnd(g)
}

// showArray runs a TJ array: strings, and numbers that move the position
// back by thousandths of an em (a large negative one is a word space).
func (t *pdfTextReader) showArray(g *gstate, arr pdfArray) {
	var kern float64
	for _, e := range arr {
		switch x := e.(type) {
		case pdfStr:
			if kern < -200 {
				t.space()
			}
			kern = 0
			t.show(g, x)
		default:
			if k, ok := num(x); ok {
				kern += k
				tx := -k / 1000 * g.size * g.th
				g.tm = matrix{1, 0, 0, 1, clampNum(tx), 0}.mul(g.tm)
			}
		}
	}
}

// textSpace returns the device-space origin of the next glyph, the unit
// vector of the writing direction and the font size in device space.
func textSpace(g *gstate) (x, y, ux, uy, size float64) {
	m := matrix{g.size * g.th, 0, 0, g.size, 0, g.rise}.mul(g.tm).mul(g.ctm)
	x, y = m[4], m[5]
	d := g.tm.mul(g.ctm)
	ux, uy = d[0], d[1]
	l := math.Hypot(ux, uy)
	if l == 0 || math.IsNaN(l) || math.IsInf(l, 0) {
		ux, uy = 1, 0
	} else {
		ux, uy = ux/l, uy/l
	}
	size = math.Abs(g.size) * math.Hypot(d[2], d[3])
	return
}

// place starts a new line or a word before text shown at the current
// position, when it is away from the end of the previous text.
func (t *pdfTextReader) place(g *gstate) {
	x, y, ux, uy, size := textSpace(g)
	if !t.havePos {
		return
	}
	dx, dy := x-t.lastX, y-t.lastY
	along := dx*ux + dy*uy
	across := -dx*uy + dy*ux
	ref := math.Max(size, t.lastSize)
	switch {
	case math.Abs(across) > 0.5*ref || math.IsNaN(across):
		t.endLine()
	case along > 0.15*ref || along < -1.5*ref:
		t.space()
	}
}

func (t *pdfTextReader) markEnd(g *gstate) {
	x, y, _, _, size := textSpace(g)
	t.lastX, t.lastY, t.lastSize, t.havePos = x, y, size, true
}

// space ends a word unless the text already ends with a space or a line.
func (t *pdfTextReader) space() {
	if n := len(t.out); n > 0 && t.out[n-1] != ' ' && t.out[n-1] != '\n' {
		t.out = append(t.out, ' ')
	}
}

// endLine ends the current line (trailing spaces removed).
func (t *pdfTextReader) endLine() {
	n := len(t.out)
	for n > 0 && t.out[n-1] == ' ' {
		n--
	}
	t.out = t.out[:n]
	if n > 0 && t.out[n-1] != '\n' {
		t.out = append(t.out, '\n')
	}
}

// write appends text, without control characters; no-break spaces and
// tabs become spaces.
func (t *pdfTextReader) write(s string) {
	if t.full {
		return
	}
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == 0xA0 || unicode.Is(unicode.Zs, r):
			t.space()
		case r == '\n' || r == '\r':
			t.endLine()
		case r >= 0xFB00 && r <= 0xFB06:
			// Ligatures: their letters, so that "ﬁnd" is the word "find".
			t.out = append(t.out, ligatures[r-0xFB00]...)
		case r < 0x20 || r == 0x7F || r == utf8.RuneError || (r >= 0x80 && r < 0xA0) || r == 0xFEFF || r == 0xAD:
		default:
			t.out = utf8.AppendRune(t.out, r)
		}
	}
	if len(t.out) >= maxText {
		t.full = true
	}
}

var ligatures = [...]string{"ff", "fi", "fl", "ffi", "ffl", "st", "st"}

// --- Fonts ---

// pdfFont turns the codes of a shown string into text and advances.
type pdfFont struct {
	name     string
	toUni    *pdfCMap // ToUnicode, or nil
	enc      *[256]rune
	cid      bool        // Type0: codes of one or more bytes, from the CMap's codespace
	space    []codeRange // codespace of a Type0 font
	utf16    bool        // Type0 font whose CMap is Unicode (Uni…-UCS2/UTF16)
	firstCh  int         // simple fonts: width of code c is widths[c-firstCh]
	widths   []float64   // in text space units for a size of 1
	cidW     map[uint32]float64
	dw       float64 // default width (text space, size 1)
	unmapped bool    // codes without ToUnicode or encoding give no text
}

// fallbackFont reads the text of a font missing from the resources.
var fallbackFont = &pdfFont{name: "(missing font)", enc: &stdEncoding, dw: 0.5}

type codeRange struct {
	n      int
	lo, hi uint32
}

// font loads the font resource name (cached by object number).
func (t *pdfTextReader) font(res pdfDict, name pdfName) *pdfFont {
	fonts, _ := t.p.resolve(res["Font"]).(pdfDict)
	v := fonts[name]
	d, ok := t.p.resolve(v).(pdfDict)
	if !ok {
		// A broken file: read the codes as StandardEncoding, as viewers do.
		return fallbackFont
	}
	// Fonts are cached by dictionary identity: the key keeps the
	// dictionary alive, so its address cannot be reused by another one.
	key := reflect.ValueOf(d).UnsafePointer()
	if f, ok := t.fonts[key]; ok {
		return f
	}
	f := t.loadFont(d, string(name))
	if len(t.fonts) < 100000 {
		t.fonts[key] = f
	}
	return f
}

func (t *pdfTextReader) loadFont(d pdfDict, resName string) *pdfFont {
	f := &pdfFont{name: resName, dw: 0.5}
	if bf, ok := t.p.resolve(d["BaseFont"]).(pdfName); ok {
		f.name = string(bf)
	}
	sub, _ := t.p.resolve(d["Subtype"]).(pdfName)
	if tu := d["ToUnicode"]; tu != nil {
		if data, err := t.stream(tu); err == nil {
			f.toUni = parseCMap(data)
		} else {
			t.fail("font %s: ToUnicode: %v", f.name, err)
		}
	}
	if sub == "Type0" {
		t.loadType0(f, d)
		return f
	}
	// Simple font: one byte a code.
	scale := 0.001
	if sub == "Type3" {
		if m := numbers(t.p.resolve(d["FontMatrix"])); len(m) == 6 && m[0] != 0 {
			scale = math.Abs(m[0])
		}
	}
	f.dw = 0.5
	if fd, ok := t.p.resolve(d["FontDescriptor"]).(pdfDict); ok {
		if mw, ok := num(t.p.resolve(fd["MissingWidth"])); ok && mw > 0 {
			f.dw = mw * scale
		}
	}
	first, _ := num(t.p.resolve(d["FirstChar"]))
	f.firstCh = int(max(0, min(first, 255)))
	if ws, ok := t.p.resolve(d["Widths"]).(pdfArray); ok {
		for i, w := range ws {
			if i >= 256 {
				break
			}
			x, _ := num(t.p.resolve(w))
			f.widths = append(f.widths, x*scale)
		}
	}
	f.enc = t.simpleEncoding(d, f.name, sub)
	return f
}

func (t *pdfTextReader) loadType0(f *pdfFont, d pdfDict) {
	f.cid = true
	f.dw = 1
	f.space = []codeRange{{2, 0, 0xFFFF}}
	identity := false
	switch e := t.p.resolve(d["Encoding"]).(type) {
	case pdfName:
		s := string(e)
		switch {
		case s == "Identity-H" || s == "Identity-V":
			identity = true
		case strings.Contains(s, "UCS2") || strings.Contains(s, "UTF16"):
			f.utf16 = true
		default:
			if f.toUni != nil && len(f.toUni.space) > 0 {
				f.space = f.toUni.space
			}
		}
	case *pdfStream:
		if data, err := t.stream(d["Encoding"]); err == nil {
			if cm := parseCMap(data); len(cm.space) > 0 {
				f.space = cm.space
			}
		}
	}
	if f.toUni == nil && !f.utf16 {
		f.unmapped = true
	}
	descs, _ := t.p.resolve(d["DescendantFonts"]).(pdfArray)
	if len(descs) == 0 {
		return
	}
	cf, _ := t.p.resolve(descs[0]).(pdfDict)
	if cf == nil {
		return
	}
	if dw, ok := num(t.p.resolve(cf["DW"])); ok {
		f.dw = dw / 1000
	}
	if !identity && !f.utf16 {
		return // CIDs unknown: default width
	}
	w, _ := t.p.resolve(cf["W"]).(pdfArray)
	f.cidW = map[uint32]float64{}
	for i := 0; i < len(w) && len(f.cidW) < 65536; {
		c0, ok := num(t.p.resolve(w[i]))
		if !ok || i+1 >= len(w) {
			break
		}
		if arr, ok := t.p.resolve(w[i+1]).(pdfArray); ok {
			for j, x := range arr {
				if v, ok := num(t.p.resolve(x)); ok {
					f.cidW[uint32(c0)+uint32(j)] = v / 1000
				}
			}
			i += 2
			continue
		}
		if i+2 >= len(w) {
			break
		}
		c1, ok1 := num(t.p.resolve(w[i+1]))
		v, ok2 := num(t.p.resolve(w[i+2]))
		if !ok1 || !ok2 || c1 < c0 || c1-c0 > 65536 || c0 < 0 {
			break
		}
		for c := c0; c <= c1 && len(f.cidW) < 65536; c++ {
			f.cidW[uint32(c)] = v / 1000
		}
		i += 3
	}
}

// simpleEncoding builds the code-to-character table of a simple font:
// its base encoding and /Differences.
func (t *pdfTextReader) simpleEncoding(d pdfDict, name string, sub pdfName) *[256]rune {
	base := &stdEncoding
	if sub == "TrueType" {
		base = &winAnsiEncoding
	}
	if strings.Contains(name, "Symbol") || strings.Contains(name, "Dingbats") {
		base = &[256]rune{}
	}
	var diffs pdfArray
	switch e := t.p.resolve(d["Encoding"]).(type) {
	case pdfName:
		if b := namedEncoding(e); b != nil {
			base = b
		}
	case pdfDict:
		if b := namedEncoding(t.p.resolve(e["BaseEncoding"])); b != nil {
			base = b
		}
		diffs, _ = t.p.resolve(e["Differences"]).(pdfArray)
	}
	if diffs == nil {
		return base
	}
	enc := *base
	code := 0
	for _, v := range diffs {
		switch x := t.p.resolve(v).(type) {
		case int64:
			code = int(x)
		case float64:
			code = int(x)
		case pdfName:
			if code >= 0 && code < 256 {
				enc[code] = glyphRune(string(x))
			}
			code++
		}
	}
	return &enc
}

func namedEncoding(v any) *[256]rune {
	switch v {
	case pdfName("WinAnsiEncoding"):
		return &winAnsiEncoding
	case pdfName("MacRomanEncoding"):
		return &macRomanEncoding
	case pdfName("StandardEncoding"):
		return &stdEncoding
	case pdfName("PDFDocEncoding"):
		return &pdfDocEnc
	}
	return nil
}

// decode splits s into codes and calls fn with each code, its length in
// bytes, its text and its advance width (text space, font size 1).
func (f *pdfFont) decode(s []byte, fn func(code uint32, n int, text string, w float64)) {
	if !f.cid {
		for _, c := range s {
			text := ""
			if f.toUni != nil {
				var ok bool
				if text, ok = f.toUni.lookup(uint32(c), 1); !ok {
					text, _ = f.toUni.lookup(uint32(c), 2) // a 2-byte codespace for 1-byte codes
				}
			}
			if text == "" && f.enc != nil && f.enc[c] != 0 {
				text = string(f.enc[c])
			}
			w := f.dw
			if i := int(c) - f.firstCh; i >= 0 && i < len(f.widths) {
				w = f.widths[i]
			}
			fn(uint32(c), 1, text, w)
		}
		return
	}
	for i := 0; i < len(s); {
		code, n := f.nextCode(s[i:])
		i += n
		var text string
		if f.toUni != nil {
			text, _ = f.toUni.lookup(code, n)
		}
		if text == "" && f.utf16 && n == 2 {
			text = string(rune(code))
			if utf16.IsSurrogate(rune(code)) && i+1 < len(s) {
				lo := uint32(s[i])<<8 | uint32(s[i+1])
				if r := utf16.DecodeRune(rune(code), rune(lo)); r != unicode.ReplacementChar {
					text = string(r)
					i += 2
				}
			}
		}
		w, ok := f.cidW[code]
		if !ok {
			w = f.dw
		}
		fn(code, n, text, w)
	}
}

// nextCode reads one code by the codespace ranges (the shortest match).
func (f *pdfFont) nextCode(s []byte) (uint32, int) {
	short := 4
	for _, r := range f.space {
		short = min(short, r.n)
		if r.n > len(s) {
			continue
		}
		var c uint32
		for _, b := range s[:r.n] {
			c = c<<8 | uint32(b)
		}
		if c >= r.lo && c <= r.hi {
			return c, r.n
		}
	}
	n := max(1, min(short, len(s)))
	var c uint32
	for _, b := range s[:n] {
		c = c<<8 | uint32(b)
	}
	return c, n
}

// --- CMaps ---

// pdfCMap maps character codes to text (a ToUnicode CMap), and gives the
// codespace ranges that say how many bytes a code has.
type pdfCMap struct {
	space  []codeRange
	single map[uint64]string // key: length<<32 | code
	ranges []bfRange
}

// bfRange is a range too large to expand: code lo+i maps to dst with its
// last UTF-16 unit increased by i.
type bfRange struct {
	n      int
	lo, hi uint32
	dst    []uint16
}

func cmapKey(code uint32, n int) uint64 { return uint64(n)<<32 | uint64(code) }

func (c *pdfCMap) lookup(code uint32, n int) (string, bool) {
	if s, ok := c.single[cmapKey(code, n)]; ok {
		return s, true
	}
	for _, r := range c.ranges {
		if r.n == n && code >= r.lo && code <= r.hi {
			return rangeText(r.dst, code-r.lo), true
		}
	}
	return "", false
}

func rangeText(dst []uint16, off uint32) string {
	if len(dst) == 0 {
		return ""
	}
	u := append([]uint16(nil), dst...)
	u[len(u)-1] += uint16(off)
	return utf16Text(u)
}

// utf16Text decodes UTF-16BE units (surrogate pairs too).
func utf16Text(u []uint16) string {
	return string(utf16.Decode(u))
}

func bytesToUnits(b []byte) []uint16 {
	if len(b) == 1 {
		return []uint16{uint16(b[0])}
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return u
}

func codeOf(b []byte) (uint32, int, bool) {
	if len(b) == 0 || len(b) > 4 {
		return 0, 0, false
	}
	var c uint32
	for _, x := range b {
		c = c<<8 | uint32(x)
	}
	return c, len(b), true
}

// parseCMap reads the codespace ranges and bfchar/bfrange mappings of a
// CMap. Unknown operators and malformed entries are skipped.
func parseCMap(data []byte) *pdfCMap {
	c := &pdfCMap{single: map[uint64]string{}}
	lx := &pdfLexer{buf: data}
	next := func() (any, bool) {
		for {
			lx.skipSpace()
			if lx.pos >= len(lx.buf) {
				return nil, false
			}
			start := lx.pos
			v, err := lx.object()
			if err == nil {
				return v, true
			}
			if errors.Is(err, errShort) {
				return nil, false
			}
			if lx.pos <= start {
				lx.pos = start + 1
			}
		}
	}
	// section reads operands up to the keyword end.
	section := func(end pdfKW) []any {
		var vals []any
		for {
			v, ok := next()
			if !ok {
				return vals
			}
			if kw, ok := v.(pdfKW); ok {
				if kw == end {
					return vals
				}
				continue
			}
			if len(vals) < 3*maxCMapEntries {
				vals = append(vals, v)
			}
		}
	}
	for {
		v, ok := next()
		if !ok {
			break
		}
		kw, _ := v.(pdfKW)
		switch kw {
		case "begincodespacerange":
			vals := section("endcodespacerange")
			for i := 0; i+1 < len(vals); i += 2 {
				lo, _ := vals[i].(pdfStr)
				hi, _ := vals[i+1].(pdfStr)
				a, n, ok1 := codeOf(lo)
				b, m, ok2 := codeOf(hi)
				if ok1 && ok2 && n == m && len(c.space) < 64 {
					c.space = append(c.space, codeRange{n, a, b})
				}
			}
		case "beginbfchar":
			vals := section("endbfchar")
			for i := 0; i+1 < len(vals) && len(c.single) < maxCMapEntries; i += 2 {
				src, _ := vals[i].(pdfStr)
				code, n, ok := codeOf(src)
				if !ok {
					continue
				}
				switch d := vals[i+1].(type) {
				case pdfStr:
					c.single[cmapKey(code, n)] = utf16Text(bytesToUnits(d))
				case pdfName:
					if r := glyphRune(string(d)); r != 0 {
						c.single[cmapKey(code, n)] = string(r)
					}
				}
			}
		case "beginbfrange":
			vals := section("endbfrange")
			for i := 0; i+2 < len(vals); i += 3 {
				los, _ := vals[i].(pdfStr)
				his, _ := vals[i+1].(pdfStr)
				lo, n, ok1 := codeOf(los)
				hi, m, ok2 := codeOf(his)
				if !ok1 || !ok2 || n != m || hi < lo {
					continue
				}
				switch d := vals[i+2].(type) {
				case pdfStr:
					u := bytesToUnits(d)
					if hi-lo >= 256 {
						if len(c.ranges) < 256 { // searched for each glyph: few
							c.ranges = append(c.ranges, bfRange{n, lo, hi, u})
						}
						continue
					}
					for k := uint32(0); k <= hi-lo && len(c.single) < maxCMapEntries; k++ {
						c.single[cmapKey(lo+k, n)] = rangeText(u, k)
					}
				case pdfArray:
					for k, e := range d {
						if uint32(k) > hi-lo || len(c.single) >= maxCMapEntries {
							break
						}
						if s, ok := e.(pdfStr); ok {
							c.single[cmapKey(lo+uint32(k), n)] = utf16Text(bytesToUnits(s))
						}
					}
				}
			}
		}
	}
	sort.Slice(c.space, func(i, j int) bool { return c.space[i].n < c.space[j].n })
	return c
}

// --- Encodings and glyph names ---

var (
	winAnsiEncoding  [256]rune
	macRomanEncoding [256]rune
	stdEncoding      [256]rune
	pdfDocEnc        [256]rune
)

func init() {
	for c := 0x20; c < 0x7F; c++ {
		winAnsiEncoding[c], macRomanEncoding[c], stdEncoding[c], pdfDocEnc[c] = rune(c), rune(c), rune(c), rune(c)
	}
	cp1252 := charmap.Windows1252
	mac := charmap.Macintosh
	for c := 0x80; c < 0x100; c++ {
		if r := cp1252.DecodeByte(byte(c)); r != utf8.RuneError && r != rune(c) || c >= 0xA0 {
			winAnsiEncoding[c] = cp1252.DecodeByte(byte(c))
		}
		macRomanEncoding[c] = mac.DecodeByte(byte(c))
		pdfDocEnc[c] = rune(c)
	}
	winAnsiEncoding[0xAD] = '-' // WinAnsi's 0xAD is the hyphen glyph
	for b, r := range pdfDocEncoding {
		pdfDocEnc[b] = r
	}
	stdEncoding['\''] = '’'
	stdEncoding['`'] = '‘'
	for i, name := range strings.Fields(stdHigh) {
		if name != "-" {
			stdEncoding[0xA1+i] = glyphRune(name)
		}
	}
}

// stdHigh lists StandardEncoding's glyphs from 0xA1 to 0xFB ("-": none).
const stdHigh = `exclamdown cent sterling fraction yen florin section currency quotesingle
quotedblleft guillemotleft guilsinglleft guilsinglright fi fl - endash dagger daggerdbl
periodcentered - paragraph bullet quotesinglbase quotedblbase quotedblright guillemotright
ellipsis perthousand - questiondown - grave acute circumflex tilde macron breve dotaccent
dieresis - ring cedilla - hungarumlaut ogonek caron emdash - - - - - - - - - - - - - - - -
AE - ordfeminine - - - - Lslash Oslash OE ordmasculine - - - - - ae - - - dotlessi - -
lslash oslash oe germandbls`

// glyphRune returns the character of a glyph name: from the Adobe Glyph
// List names fonts of office documents use, or uniXXXX / uXXXX(XX), or
// the name before a suffix ("a.sc", "f_i" gives its first part only when
// unknown). 0 when unknown.
func glyphRune(name string) rune {
	if r, ok := aglNames[name]; ok {
		return r
	}
	if len(name) == 1 && name[0] >= 0x21 && name[0] < 0x7F {
		return rune(name[0])
	}
	if strings.HasPrefix(name, "uni") && len(name) >= 7 {
		if v, err := strconv.ParseUint(name[3:7], 16, 32); err == nil {
			return rune(v)
		}
	}
	if len(name) >= 5 && len(name) <= 7 && name[0] == 'u' {
		if v, err := strconv.ParseUint(name[1:], 16, 32); err == nil && v <= unicode.MaxRune {
			return rune(v)
		}
	}
	if strings.HasPrefix(name, "afii") {
		if v, err := strconv.Atoi(name[4:]); err == nil {
			switch {
			case v == 10023:
				return 'Ё'
			case v == 10071:
				return 'ё'
			case v >= 10017 && v <= 10022:
				return rune(0x410 + v - 10017)
			case v >= 10024 && v <= 10049:
				return rune(0x416 + v - 10024)
			case v >= 10065 && v <= 10070:
				return rune(0x430 + v - 10065)
			case v >= 10072 && v <= 10097:
				return rune(0x436 + v - 10072)
			}
		}
	}
	if i := strings.IndexAny(name, "._"); i > 0 {
		return glyphRune(name[:i])
	}
	return 0
}

// aglNames are the Adobe Glyph List names of Latin text fonts.
var aglNames = func() map[string]rune {
	m := map[string]rune{}
	const list = `space 20 exclam 21 quotedbl 22 numbersign 23 dollar 24 percent 25 ampersand 26
quotesingle 27 quoteright 2019 parenleft 28 parenright 29 asterisk 2a plus 2b comma 2c hyphen 2d
period 2e slash 2f zero 30 one 31 two 32 three 33 four 34 five 35 six 36 seven 37 eight 38 nine 39
colon 3a semicolon 3b less 3c equal 3d greater 3e question 3f at 40 bracketleft 5b backslash 5c
bracketright 5d asciicircum 5e underscore 5f grave 60 quoteleft 2018 braceleft 7b bar 7c braceright 7d
asciitilde 7e exclamdown a1 cent a2 sterling a3 currency a4 yen a5 brokenbar a6 section a7 dieresis a8
copyright a9 ordfeminine aa guillemotleft ab logicalnot ac sfthyphen ad registered ae macron af
degree b0 plusminus b1 twosuperior b2 threesuperior b3 acute b4 mu b5 paragraph b6 periodcentered b7
cedilla b8 onesuperior b9 ordmasculine ba guillemotright bb onequarter bc onehalf bd threequarters be
questiondown bf Agrave c0 Aacute c1 Acircumflex c2 Atilde c3 Adieresis c4 Aring c5 AE c6 Ccedilla c7
Egrave c8 Eacute c9 Ecircumflex ca Edieresis cb Igrave cc Iacute cd Icircumflex ce Idieresis cf
Eth d0 Ntilde d1 Ograve d2 Oacute d3 Ocircumflex d4 Otilde d5 Odieresis d6 multiply d7 Oslash d8
Ugrave d9 Uacute da Ucircumflex db Udieresis dc Yacute dd Thorn de germandbls df agrave e0 aacute e1
acircumflex e2 atilde e3 adieresis e4 aring e5 ae e6 ccedilla e7 egrave e8 eacute e9 ecircumflex ea
edieresis eb igrave ec iacute ed icircumflex ee idieresis ef eth f0 ntilde f1 ograve f2 oacute f3
ocircumflex f4 otilde f5 odieresis f6 divide f7 oslash f8 ugrave f9 uacute fa ucircumflex fb
udieresis fc yacute fd thorn fe ydieresis ff Amacron 100 amacron 101 Abreve 102 abreve 103
Aogonek 104 aogonek 105 Cacute 106 cacute 107 Ccaron 10c ccaron 10d Dcaron 10e dcaron 10f
Dcroat 110 dcroat 111 Emacron 112 emacron 113 Edotaccent 116 edotaccent 117 Eogonek 118 eogonek 119
Ecaron 11a ecaron 11b Gbreve 11e gbreve 11f Gcommaaccent 122 gcommaaccent 123 Imacron 12a imacron 12b
Iogonek 12e iogonek 12f Idotaccent 130 dotlessi 131 IJ 132 ij 133 Kcommaaccent 136 kcommaaccent 137
Lacute 139 lacute 13a Lcommaaccent 13b lcommaaccent 13c Lcaron 13d lcaron 13e Lslash 141 lslash 142
Nacute 143 nacute 144 Ncommaaccent 145 ncommaaccent 146 Ncaron 147 ncaron 148 Omacron 14c omacron 14d
Ohungarumlaut 150 ohungarumlaut 151 OE 152 oe 153 Racute 154 racute 155 Rcommaaccent 156
rcommaaccent 157 Rcaron 158 rcaron 159 Sacute 15a sacute 15b Scedilla 15e scedilla 15f Scaron 160
scaron 161 Tcommaaccent 162 tcommaaccent 163 Tcaron 164 tcaron 165 Umacron 16a umacron 16b Uring 16e
uring 16f Uhungarumlaut 170 uhungarumlaut 171 Uogonek 172 uogonek 173 Ydieresis 178 Zacute 179
zacute 17a Zdotaccent 17b zdotaccent 17c Zcaron 17d zcaron 17e florin 192 Scommaaccent 218
scommaaccent 219 Tcedilla 162 tcedilla 163 circumflex 2c6 caron 2c7 breve 2d8 dotaccent 2d9 ring 2da
ogonek 2db tilde 2dc hungarumlaut 2dd Alpha 391 Beta 392 Gamma 393 Delta 394 Epsilon 395 Zeta 396
Eta 397 Theta 398 Iota 399 Kappa 39a Lambda 39b Mu 39c Nu 39d Xi 39e Omicron 39f Pi 3a0 Rho 3a1
Sigma 3a3 Tau 3a4 Upsilon 3a5 Phi 3a6 Chi 3a7 Psi 3a8 Omega 3a9 alpha 3b1 beta 3b2 gamma 3b3
delta 3b4 epsilon 3b5 zeta 3b6 eta 3b7 theta 3b8 iota 3b9 kappa 3ba lambda 3bb mu 3bc nu 3bd xi 3be
omicron 3bf pi 3c0 rho 3c1 sigma1 3c2 sigma 3c3 tau 3c4 upsilon 3c5 phi 3c6 chi 3c7 psi 3c8 omega 3c9
endash 2013 emdash 2014 quotesinglbase 201a quotedblleft 201c quotedblright 201d quotedblbase 201e
dagger 2020 daggerdbl 2021 bullet 2022 ellipsis 2026 perthousand 2030 guilsinglleft 2039
guilsinglright 203a fraction 2044 Euro 20ac trademark 2122 minus 2212 fi fb01 fl fb02 ff fb00
ffi fb03 ffl fb04 nbspace a0 nonbreakingspace a0 periodcentered.loclCAT b7 arrowright 2192
arrowleft 2190 arrowup 2191 arrowdown 2193 lozenge 25ca checkmark 2713 infinity 221e
lessequal 2264 greaterequal 2265 notequal 2260 approxequal 2248 summation 2211 product 220f
radical 221a partialdiff 2202 integral 222b dotlessj 237 estimated 212e Omega 3a9 numero 2116
figuredash 2012 hyphenminus 2d softhyphen ad`
	f := strings.Fields(list)
	for i := 0; i+1 < len(f); i += 2 {
		v, err := strconv.ParseUint(f[i+1], 16, 32)
		if err == nil {
			m[f[i]] = rune(v)
		}
	}
	return m
}()

// --- Filters of content streams ---

// decodeTextFilter decodes the filters content streams use besides
// FlateDecode: ASCII85, LZW (with its predictors) and RunLength.
func decodeTextFilter(name pdfName, data []byte, parm pdfDict, limit int64) ([]byte, error) {
	switch name {
	case "ASCII85Decode", "A85":
		return decodeASCII85(data, limit)
	case "LZWDecode", "LZW":
		early := true
		if e, ok := parm["EarlyChange"].(int64); ok && e == 0 {
			early = false
		}
		out, err := decodeLZW(data, early, limit)
		if err != nil {
			return nil, err
		}
		return unpredict(out, parm)
	case "RunLengthDecode", "RL":
		return decodeRunLength(data, limit)
	}
	return nil, fmt.Errorf("filter %s is not supported", name)
}

func decodeASCII85(data []byte, limit int64) ([]byte, error) {
	if i := bytes.Index(data, []byte("~>")); i >= 0 {
		data = data[:i]
	}
	data = bytes.TrimPrefix(bytes.TrimSpace(data), []byte("<~"))
	var out []byte
	var group [5]byte
	n := 0
	flush := func(k int) {
		var v uint32
		for i := 0; i < 5; i++ {
			c := byte('u')
			if i < k {
				c = group[i]
			}
			v = v*85 + uint32(c-'!')
		}
		b := []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
		out = append(out, b[:k-1]...)
	}
	for _, c := range data {
		switch {
		case isPDFSpace(c):
			continue
		case c == 'z' && n == 0:
			out = append(out, 0, 0, 0, 0)
		case c >= '!' && c <= 'u':
			group[n] = c
			n++
			if n == 5 {
				flush(5)
				n = 0
			}
		default:
			return nil, fmt.Errorf("ASCII85: bad byte 0x%02x", c)
		}
		if int64(len(out)) > limit {
			return nil, fmt.Errorf("ASCII85 stream decodes to more than %d bytes", limit)
		}
	}
	if n == 1 {
		return nil, errors.New("ASCII85: truncated group")
	}
	if n > 1 {
		flush(n)
	}
	return out, nil
}

// decodeLZW decodes PDF's LZW: 9- to 12-bit codes, most significant bit
// first, 256 clears the table, 257 ends; with early change the code width
// grows one code sooner (the default).
func decodeLZW(data []byte, early bool, limit int64) ([]byte, error) {
	type entry struct {
		prev int32
		c    byte
		n    int32
	}
	table := make([]entry, 4096)
	for i := range 256 {
		table[i] = entry{-1, byte(i), 1}
	}
	var out []byte
	next, width := 258, 9
	prev := -1
	var bits uint32
	nbits := 0
	pos := 0
	emit := func(code int) byte {
		n := int(table[code].n)
		start := len(out)
		out = append(out, make([]byte, n)...)
		for c, i := code, start+n-1; c >= 0 && i >= start; i-- {
			out[i] = table[c].c
			c = int(table[c].prev)
		}
		return out[start]
	}
	for {
		for nbits < width && pos < len(data) {
			bits = bits<<8 | uint32(data[pos])
			pos++
			nbits += 8
		}
		if nbits < width {
			return out, nil
		}
		code := int(bits>>(nbits-width)) & (1<<width - 1)
		nbits -= width
		switch {
		case code == 256:
			next, width, prev = 258, 9, -1
			continue
		case code == 257:
			return out, nil
		case prev < 0:
			if code > 255 {
				return nil, fmt.Errorf("LZW: bad first code %d", code)
			}
			emit(code)
		case code < next:
			first := emit(code)
			if next < 4096 {
				table[next] = entry{int32(prev), first, table[prev].n + 1}
				next++
			}
		case code == next && next < 4096:
			first := emit(prev)
			out = append(out, first)
			table[next] = entry{int32(prev), first, table[prev].n + 1}
			next++
		default:
			return nil, fmt.Errorf("LZW: bad code %d", code)
		}
		prev = code
		if int64(len(out)) > limit {
			return nil, fmt.Errorf("LZW stream decodes to more than %d bytes", limit)
		}
		e := 0
		if early {
			e = 1
		}
		if next+e >= 1<<width && width < 12 {
			width++
		}
	}
}

func decodeRunLength(data []byte, limit int64) ([]byte, error) {
	var out []byte
	for i := 0; i < len(data); {
		n := int(data[i])
		i++
		switch {
		case n == 128:
			return out, nil
		case n < 128:
			end := min(i+n+1, len(data))
			out = append(out, data[i:end]...)
			i = end
		default:
			if i >= len(data) {
				return out, nil
			}
			out = append(out, bytes.Repeat(data[i:i+1], 257-n)...)
			i++
		}
		if int64(len(out)) > limit {
			return nil, fmt.Errorf("RunLength stream decodes to more than %d bytes", limit)
		}
	}
	return out, nil
}
