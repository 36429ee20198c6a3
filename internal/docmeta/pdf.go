package docmeta

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

// xrefEntry locates an object: at a file offset, or inside an object stream.
type xrefEntry struct {
	off    int64
	stream int // object stream number when compressed (off is then the index)
	inStm  bool
}

type pdfReader struct {
	r         io.ReaderAt
	size      int64
	l         Limits
	m         *Meta
	hdrOff    int64
	xref      map[int]xrefEntry
	trailer   pdfDict
	cache     map[int]any
	objstms   map[int]map[int]any
	resolving map[int]bool
	work      int
	crypt     *pdfCrypt
	// moreFilters enables the ASCII85, LZW and RunLength filters of
	// content streams (text extraction); metadata reading keeps to
	// FlateDecode and ASCIIHexDecode.
	moreFilters bool
}

// readPDF reads a PDF's Info dictionary and XMP metadata through its
// cross-reference sections, counting incremental updates. Only the tail,
// the xref sections and the objects needed are read.
func readPDF(m *Meta, r io.ReaderAt, size int64, l Limits) error {
	m.Type = "PDF"
	info := &PDFInfo{}
	m.PDF = info
	p := &pdfReader{r: r, size: size, l: l, m: m, xref: map[int]xrefEntry{}, cache: map[int]any{}, objstms: map[int]map[int]any{}, resolving: map[int]bool{}}
	head := p.window(0, 1024)
	i := bytes.Index(head, []byte("%PDF-"))
	if i < 0 {
		return errors.New("no %PDF header")
	}
	if i > 0 {
		m.warnf("[minor] PDF header is not at start of file")
	}
	p.hdrOff = int64(i)
	ver := head[i+5:]
	j := 0
	for j < len(ver) && j < 4 && (ver[j] == '.' || (ver[j] >= '0' && ver[j] <= '9')) {
		j++
	}
	info.Version = string(ver[:j])
	m.add("PDF", "PDFVersion", info.Version)
	info.Linearized = bytes.Contains(head, []byte("/Linearized"))
	if info.Linearized {
		m.add("PDF", "Linearized", "Yes")
	} else {
		m.add("PDF", "Linearized", "No")
	}
	if err := p.readXRefChain(); err != nil {
		m.warnf("Invalid xref table (%v); scanned the file for objects instead", err)
		if err := p.scanObjects(); err != nil {
			return err
		}
	}
	info.Updates = info.XRefCount - 1
	if info.Linearized && info.Updates > 0 {
		info.Updates--
	}
	if info.Updates < 0 {
		info.Updates = 0
	}
	if enc, ok := p.trailer["Encrypt"]; ok && enc != nil {
		m.Encrypted = true
		ed, _ := p.resolve(enc).(pdfDict)
		p.setupCrypt(ed, info)
	}
	root, _ := p.resolve(p.trailer["Root"]).(pdfDict)
	if root != nil {
		if pages, ok := p.resolve(root["Pages"]).(pdfDict); ok {
			if n, ok := p.resolve(pages["Count"]).(int64); ok && n >= 0 && n < 1e9 {
				info.PageCount = int(n)
				m.add("PDF", "PageCount", strconv.FormatInt(n, 10))
			}
		}
		if lang, ok := p.resolve(root["Lang"]).(pdfStr); ok && (p.trailer["Encrypt"] == nil || p.crypt != nil) {
			rr, _ := p.trailer["Root"].(pdfRef)
			m.add("PDF", "Language", p.text(lang, rr.num, rr.gen))
		}
	}
	if p.trailer["Encrypt"] != nil && p.crypt == nil {
		m.warnf("Document is password protected: Info strings and XMP cannot be read without the password")
		return nil
	}
	if ref, ok := p.trailer["Info"].(pdfRef); ok {
		if infoDict, ok := p.resolve(ref).(pdfDict); ok {
			p.readInfo(infoDict, ref)
		} else {
			m.warnf("Info dictionary %d %d R could not be read", ref.num, ref.gen)
		}
	} else if d, ok := p.trailer["Info"].(pdfDict); ok {
		p.readInfo(d, pdfRef{})
	}
	if root != nil {
		if mref, ok := root["Metadata"].(pdfRef); ok {
			if st, ok := p.resolve(mref).(*pdfStream); ok {
				data, err := p.streamData(st, mref)
				if err != nil {
					m.warnf("XMP metadata stream %d: %v", mref.num, err)
				} else if err := parseXMP(m, data); err != nil {
					m.warnf("XMP metadata stream %d: %v", mref.num, err)
				}
			}
		}
	}
	info.Producer, _ = m.Get("PDF", "Producer")
	info.Creator, _ = m.Get("PDF", "Creator")
	info.XMPProducer, _ = m.Get("XMP-pdf", "Producer")
	info.CreatorTool, _ = m.Get("XMP-xmp", "CreatorTool")
	info.XMPToolkit, _ = m.Get("XMP-x", "XMPToolkit")
	for _, k := range []string{"PDF:CreateDate", "PDF:ModifyDate", "XMP-xmp:CreateDate", "XMP-xmp:ModifyDate", "XMP-xmp:MetadataDate"} {
		g, n, _ := strings.Cut(k, ":")
		if v, ok := m.Get(g, n); ok {
			if off, ok := zoneOffset(v); ok {
				m.TZ = append(m.TZ, TZEvidence{Source: k, Offset: off})
			}
		}
	}
	return nil
}

// window reads up to n bytes at off (fewer at the end of the file).
func (p *pdfReader) window(off int64, n int) []byte {
	if off < 0 || off >= p.size {
		return nil
	}
	if int64(n) > p.size-off {
		n = int(p.size - off)
	}
	buf := make([]byte, n)
	k, _ := p.r.ReadAt(buf, off)
	return buf[:k]
}

var startxrefRe = regexp.MustCompile(`startxref\s+(\d+)`)

func (p *pdfReader) readXRefChain() error {
	tailLen := int64(4096)
	var off int64 = -1
	for off < 0 {
		start := max(p.size-tailLen, 0)
		tail := p.window(start, int(p.size-start))
		if all := startxrefRe.FindAllSubmatch(tail, -1); len(all) > 0 {
			v, err := strconv.ParseInt(string(all[len(all)-1][1]), 10, 64)
			if err != nil {
				return errors.New("bad startxref")
			}
			off = v
			break
		}
		if start == 0 || tailLen >= 1<<20 {
			return errors.New("no startxref")
		}
		tailLen *= 8
	}
	seen := map[int64]bool{}
	for n := 0; off >= 0; n++ {
		if n >= p.l.MaxXRefChain {
			return fmt.Errorf("more than %d xref sections", p.l.MaxXRefChain)
		}
		if seen[off] {
			break // a /Prev loop: stop, keep what was read
		}
		seen[off] = true
		trailer, err := p.readXRefAt(off)
		if err != nil && p.hdrOff > 0 {
			trailer, err = p.readXRefAt(off + p.hdrOff)
		}
		if err != nil {
			if p.trailer != nil {
				p.m.warnf("xref section at offset %d: %v", off, err)
				break
			}
			return fmt.Errorf("xref at offset %d: %w", off, err)
		}
		p.m.PDF.XRefCount++
		if p.trailer == nil {
			p.trailer = trailer
		} else {
			if _, ok := trailer["Info"]; ok {
				if _, had := p.trailer["Info"]; had && !refEqual(trailer["Info"], p.trailer["Info"]) {
					p.m.warnf("[Minor] Ignored duplicate Info dictionary")
				}
			}
			for k, v := range trailer {
				if _, ok := p.trailer[k]; !ok {
					p.trailer[k] = v
				}
			}
		}
		if xs, ok := trailer["XRefStm"].(int64); ok && !seen[xs] {
			seen[xs] = true
			if _, err := p.readXRefAt(xs); err != nil {
				p.m.warnf("XRefStm at offset %d: %v", xs, err)
			}
		}
		prev, ok := trailer["Prev"].(int64)
		if !ok {
			if f, ok := trailer["Prev"].(float64); ok {
				prev = int64(f)
			} else {
				break
			}
		}
		off = prev
	}
	if p.trailer == nil {
		return errors.New("no trailer")
	}
	return nil
}

func refEqual(a, b any) bool {
	ra, ok1 := a.(pdfRef)
	rb, ok2 := b.(pdfRef)
	return ok1 && ok2 && ra == rb
}

// readXRefAt reads one xref section (table or stream) and returns its trailer.
func (p *pdfReader) readXRefAt(off int64) (pdfDict, error) {
	for size := 64 << 10; ; size *= 4 {
		buf := p.window(off, size)
		if len(buf) == 0 {
			return nil, errors.New("offset beyond the end of the file")
		}
		d, err := p.parseXRef(buf, off)
		if errors.Is(err, errShort) && len(buf) == size && size < 64<<20 {
			continue
		}
		return d, err
	}
}

func (p *pdfReader) parseXRef(buf []byte, off int64) (pdfDict, error) {
	lx := &pdfLexer{buf: buf, base: off}
	lx.skipSpace()
	if bytes.HasPrefix(buf[lx.pos:], []byte("xref")) {
		lx.pos += 4
		entries := map[int]xrefEntry{}
		for {
			lx.skipSpace()
			if lx.pos >= len(buf) {
				return nil, errShort
			}
			if bytes.HasPrefix(buf[lx.pos:], []byte("trailer")) {
				lx.pos += 7
				break
			}
			if bytes.HasPrefix(buf[lx.pos:], []byte("<<")) {
				p.m.warnf("xref table at offset %d: trailer dictionary without the trailer keyword", off)
				break
			}
			startW := lx.regular()
			lx.skipSpace()
			countW := lx.regular()
			start, err1 := strconv.Atoi(string(startW))
			count, err2 := strconv.Atoi(string(countW))
			if err1 != nil || err2 != nil || start < 0 || count < 0 || count > 10000000 {
				if lx.pos >= len(buf) {
					return nil, errShort
				}
				return nil, fmt.Errorf("bad xref subsection header %q", startW)
			}
			for k := 0; k < count; k++ {
				lx.skipSpace()
				o := lx.regular()
				lx.skipSpace()
				lx.regular()
				lx.skipSpace()
				t := lx.regular()
				if lx.pos >= len(buf) {
					return nil, errShort
				}
				if len(t) != 1 || !isDigits(o) {
					return nil, fmt.Errorf("bad xref entry for object %d", start+k)
				}
				if t[0] == 'n' {
					v, _ := strconv.ParseInt(string(o), 10, 64)
					entries[start+k] = xrefEntry{off: v}
				} else {
					entries[start+k] = xrefEntry{off: -1}
				}
			}
		}
		obj, err := lx.object()
		if err != nil {
			return nil, fmt.Errorf("trailer: %w", err)
		}
		d, ok := obj.(pdfDict)
		if !ok {
			return nil, errors.New("trailer is not a dictionary")
		}
		for k, v := range entries {
			if _, ok := p.xref[k]; !ok {
				p.xref[k] = v
			}
		}
		return d, nil
	}
	// An xref stream: "N G obj << /Type /XRef ... >> stream".
	num, st, err := p.parseIndirect(lx)
	if err != nil {
		return nil, err
	}
	s, ok := st.(*pdfStream)
	if !ok || s.dict["Type"] != pdfName("XRef") {
		return nil, fmt.Errorf("object %d at offset %d is not an xref stream", num, off)
	}
	data, err := p.decodeStream(s, nil)
	if err != nil {
		return nil, fmt.Errorf("xref stream %d: %w", num, err)
	}
	w, _ := s.dict["W"].(pdfArray)
	if len(w) != 3 {
		return nil, fmt.Errorf("xref stream %d: bad /W", num)
	}
	var ws [3]int
	for i := range ws {
		n, _ := w[i].(int64)
		if n < 0 || n > 8 {
			return nil, fmt.Errorf("xref stream %d: bad /W", num)
		}
		ws[i] = int(n)
	}
	size, _ := s.dict["Size"].(int64)
	index := []int64{0, size}
	if ia, ok := s.dict["Index"].(pdfArray); ok {
		index = index[:0]
		for _, v := range ia {
			n, _ := v.(int64)
			index = append(index, n)
		}
	}
	rec := ws[0] + ws[1] + ws[2]
	if rec == 0 {
		return nil, fmt.Errorf("xref stream %d: empty /W", num)
	}
	field := func(b []byte) int64 {
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return v
	}
	pos := 0
	for i := 0; i+1 < len(index); i += 2 {
		start, count := index[i], index[i+1]
		if start < 0 || count < 0 || count > 10000000 {
			return nil, fmt.Errorf("xref stream %d: bad /Index", num)
		}
		for k := int64(0); k < count && pos+rec <= len(data); k++ {
			r := data[pos : pos+rec]
			pos += rec
			typ := int64(1)
			if ws[0] > 0 {
				typ = field(r[:ws[0]])
			}
			f2 := field(r[ws[0] : ws[0]+ws[1]])
			f3 := field(r[ws[0]+ws[1]:])
			id := int(start + k)
			if _, ok := p.xref[id]; ok {
				continue
			}
			switch typ {
			case 0:
				p.xref[id] = xrefEntry{off: -1}
			case 1:
				p.xref[id] = xrefEntry{off: f2}
			case 2:
				p.xref[id] = xrefEntry{stream: int(f2), off: f3, inStm: true}
			}
		}
	}
	return s.dict, nil
}

// parseIndirect parses "N G obj <object> [stream]" at the lexer position.
func (p *pdfReader) parseIndirect(lx *pdfLexer) (int, any, error) {
	lx.skipSpace()
	numW := lx.regular()
	lx.skipSpace()
	genW := lx.regular()
	lx.skipSpace()
	kw := lx.regular()
	if lx.pos >= len(lx.buf) && len(kw) == 0 {
		return 0, nil, errShort
	}
	if !isDigits(numW) || !isDigits(genW) || string(kw) != "obj" {
		return 0, nil, fmt.Errorf("no object header at offset %d", lx.base)
	}
	num, _ := strconv.Atoi(string(numW))
	obj, err := lx.object()
	if err != nil {
		return num, nil, fmt.Errorf("object %d: %w", num, err)
	}
	d, ok := obj.(pdfDict)
	if !ok {
		return num, obj, nil
	}
	lx.skipSpace()
	if !bytes.HasPrefix(lx.buf[lx.pos:], []byte("stream")) {
		if len(lx.buf)-lx.pos < 6 {
			return num, d, nil
		}
		return num, d, nil
	}
	lx.pos += 6
	if lx.pos < len(lx.buf) && lx.buf[lx.pos] == '\r' {
		lx.pos++
	}
	if lx.pos < len(lx.buf) && lx.buf[lx.pos] == '\n' {
		lx.pos++
	}
	st := &pdfStream{dict: d, dataOff: lx.base + int64(lx.pos)}
	return num, st, nil
}

// resolve follows references (bounded in count and depth).
func (p *pdfReader) resolve(v any) any {
	for depth := 0; depth < 8; depth++ {
		ref, ok := v.(pdfRef)
		if !ok {
			return v
		}
		v = p.object(ref.num)
	}
	return nil
}

func (p *pdfReader) object(num int) any {
	if v, ok := p.cache[num]; ok {
		return v
	}
	if p.resolving[num] {
		return nil
	}
	p.work++
	if p.work > p.l.MaxObjects {
		if p.work == p.l.MaxObjects+1 {
			p.m.warnf("more than %d objects needed: stopped resolving", p.l.MaxObjects)
		}
		return nil
	}
	p.resolving[num] = true
	defer delete(p.resolving, num)
	e, ok := p.xref[num]
	var v any
	switch {
	case !ok || (!e.inStm && e.off < 0):
		v = nil
	case e.inStm:
		v = p.fromObjStm(e.stream, int(e.off), num)
	default:
		v = p.readObjectAt(e.off, num)
		if v == nil && p.hdrOff > 0 {
			v = p.readObjectAt(e.off+p.hdrOff, num)
		}
	}
	p.cache[num] = v
	return v
}

func (p *pdfReader) readObjectAt(off int64, want int) any {
	for size := 4 << 10; size <= 16<<20; size *= 4 {
		buf := p.window(off, size)
		if len(buf) == 0 {
			return nil
		}
		lx := &pdfLexer{buf: buf, base: off}
		num, v, err := p.parseIndirect(lx)
		if errors.Is(err, errShort) && len(buf) == size {
			continue
		}
		if err != nil || (want >= 0 && num != want) {
			return nil
		}
		return v
	}
	return nil
}

func (p *pdfReader) fromObjStm(stmNum, idx, want int) any {
	objs, ok := p.objstms[stmNum]
	if !ok {
		p.objstms[stmNum] = nil
		st, ok := p.resolve(pdfRef{stmNum, 0}).(*pdfStream)
		if !ok {
			return nil
		}
		data, err := p.streamData(st, pdfRef{stmNum, 0})
		if err != nil {
			p.m.warnf("object stream %d: %v", stmNum, err)
			return nil
		}
		n, _ := st.dict["N"].(int64)
		first, _ := st.dict["First"].(int64)
		if n < 0 || n > 100000 || first < 0 || first > int64(len(data)) {
			return nil
		}
		lx := &pdfLexer{buf: data[:first]}
		type pair struct{ num, off int }
		var pairs []pair
		for i := int64(0); i < n; i++ {
			a, err1 := lx.object()
			b, err2 := lx.object()
			an, ok1 := a.(int64)
			bn, ok2 := b.(int64)
			if err1 != nil || err2 != nil || !ok1 || !ok2 {
				break
			}
			pairs = append(pairs, pair{int(an), int(bn)})
		}
		objs = map[int]any{}
		for _, pr := range pairs {
			o := first + int64(pr.off)
			if o < 0 || o >= int64(len(data)) {
				continue
			}
			olx := &pdfLexer{buf: data[o:]}
			v, err := olx.object()
			if err == nil {
				objs[pr.num] = v
			}
		}
		p.objstms[stmNum] = objs
	}
	return objs[want]
}

// streamData returns the decoded data of a stream object (decrypted when needed).
func (p *pdfReader) streamData(st *pdfStream, ref pdfRef) ([]byte, error) {
	return p.decodeStream(st, &ref)
}

func (p *pdfReader) decodeStream(st *pdfStream, ref *pdfRef) ([]byte, error) {
	if st.data == nil {
		length, ok := p.resolve(st.dict["Length"]).(int64)
		if !ok || length < 0 {
			// Find "endstream" instead.
			buf := p.window(st.dataOff, int(min(p.l.MaxPartSize, 1<<20)))
			i := bytes.Index(buf, []byte("endstream"))
			if i < 0 {
				return nil, errors.New("stream without /Length or endstream")
			}
			length = int64(i)
		}
		if length > p.l.MaxPartSize {
			return nil, fmt.Errorf("stream of %d bytes is over the limit", length)
		}
		st.data = p.window(st.dataOff, int(length))
	}
	data := st.data
	if ref != nil && p.crypt != nil && st.dict["Type"] != pdfName("XRef") {
		if t, ok := st.dict["Type"].(pdfName); !(ok && t == "Metadata" && !p.crypt.encryptMetadata) {
			data = p.crypt.decrypt(data, *ref)
		}
	}
	filters := []any{st.dict["Filter"]}
	parms := []any{st.dict["DecodeParms"]}
	if arr, ok := st.dict["Filter"].(pdfArray); ok {
		filters = arr
		parms = nil
		if pa, ok := st.dict["DecodeParms"].(pdfArray); ok {
			parms = pa
		}
	}
	for i, f := range filters {
		if f == nil {
			continue
		}
		name, _ := p.resolve(f).(pdfName)
		var parm pdfDict
		if i < len(parms) {
			parm, _ = p.resolve(parms[i]).(pdfDict)
		}
		var err error
		switch name {
		case "FlateDecode", "Fl":
			data, err = inflate(data, p.l.MaxPartSize)
			if err == nil {
				data, err = unpredict(data, parm)
			}
		case "ASCIIHexDecode", "AHx":
			lx := &pdfLexer{buf: append(append([]byte("<"), data...), '>')}
			var s pdfStr
			s, err = lx.hexString()
			data = s
		default:
			if !p.moreFilters {
				return nil, fmt.Errorf("filter %s is not supported for metadata", name)
			}
			data, err = decodeTextFilter(name, data, parm, p.l.MaxPartSize)
		}
		if err != nil {
			return nil, err
		}
	}
	return data, nil
}

func inflate(data []byte, max int64) ([]byte, error) {
	var r io.Reader
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		r = flate.NewReader(bytes.NewReader(data))
	} else {
		r = zr
	}
	out, err := io.ReadAll(io.LimitReader(r, max+1))
	if int64(len(out)) > max {
		return nil, fmt.Errorf("stream inflates to more than %d bytes", max)
	}
	if err != nil && len(out) == 0 {
		return nil, fmt.Errorf("flate: %w", err)
	}
	return out, nil
}

// unpredict undoes PNG predictors (used by xref streams).
func unpredict(data []byte, parm pdfDict) ([]byte, error) {
	if parm == nil {
		return data, nil
	}
	pred, _ := parm["Predictor"].(int64)
	if pred < 10 {
		return data, nil
	}
	cols, _ := parm["Columns"].(int64)
	if cols <= 0 {
		cols = 1
	}
	colors, _ := parm["Colors"].(int64)
	if colors <= 0 {
		colors = 1
	}
	bpc, _ := parm["BitsPerComponent"].(int64)
	if bpc <= 0 {
		bpc = 8
	}
	if cols > 1<<20 || colors > 64 || bpc > 16 {
		return nil, errors.New("bad predictor parameters")
	}
	bpp := int((colors*bpc + 7) / 8)
	rowLen := int((cols*colors*bpc + 7) / 8)
	if rowLen+1 > len(data) {
		return nil, errors.New("predictor row longer than the data")
	}
	var out []byte
	prev := make([]byte, rowLen)
	for pos := 0; pos+rowLen+1 <= len(data); pos += rowLen + 1 {
		ft := data[pos]
		row := append([]byte(nil), data[pos+1:pos+1+rowLen]...)
		for i := range row {
			var a, b, c byte
			if i >= bpp {
				a = row[i-bpp]
				c = prev[i-bpp]
			}
			b = prev[i]
			switch ft {
			case 1:
				row[i] += a
			case 2:
				row[i] += b
			case 3:
				row[i] += byte((int(a) + int(b)) / 2)
			case 4:
				pa := abs(int(b) - int(c))
				pb := abs(int(a) - int(c))
				pc := abs(int(a) + int(b) - 2*int(c))
				switch {
				case pa <= pb && pa <= pc:
					row[i] += a
				case pb <= pc:
					row[i] += b
				default:
					row[i] += c
				}
			}
		}
		out = append(out, row...)
		prev = row
	}
	return out, nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

var objHeaderRe = regexp.MustCompile(`(?m)(\d+)\s+(\d+)\s+obj\b`)

// scanObjects rebuilds the object table by scanning the whole file, for
// PDFs whose xref is broken (bounded by the part size limit times four).
func (p *pdfReader) scanObjects() error {
	limit := p.l.MaxPartSize * 4
	if p.size > limit {
		return fmt.Errorf("broken xref and the file is over %d bytes: not scanned", limit)
	}
	data := p.window(0, int(p.size))
	p.xref = map[int]xrefEntry{}
	for _, mm := range objHeaderRe.FindAllSubmatchIndex(data, -1) {
		num, _ := strconv.Atoi(string(data[mm[2]:mm[3]]))
		if mm[0] > 0 && !isPDFSpace(data[mm[0]-1]) && !isPDFDelim(data[mm[0]-1]) {
			continue
		}
		p.xref[num] = xrefEntry{off: int64(mm[0])}
	}
	p.trailer = nil
	// The last trailer dictionary with /Root or /Info wins.
	for _, i := range allIndex(data, []byte("trailer")) {
		lx := &pdfLexer{buf: data[i+7:], base: int64(i + 7)}
		if d, err := lx.object(); err == nil {
			if dd, ok := d.(pdfDict); ok && (dd["Root"] != nil || dd["Info"] != nil) {
				p.trailer = dd
			}
		}
	}
	if p.trailer == nil {
		// A trailer dictionary right after the last xref table, without the keyword.
		if xs := allIndex(data, []byte("xref")); len(xs) > 0 {
			rest := data[xs[len(xs)-1]:]
			if j := bytes.Index(rest, []byte("<<")); j >= 0 {
				lx := &pdfLexer{buf: rest[j:]}
				if d, err := lx.object(); err == nil {
					if dd, ok := d.(pdfDict); ok && (dd["Root"] != nil || dd["Info"] != nil) {
						p.trailer = dd
					}
				}
			}
		}
	}
	if p.trailer == nil {
		// Xref streams hold the trailer keys; objects with /Type /Catalog give the root.
		for num, e := range p.xref {
			v := p.readObjectAt(e.off, num)
			switch o := v.(type) {
			case *pdfStream:
				if o.dict["Type"] == pdfName("XRef") && (p.trailer == nil || o.dict["Info"] != nil) {
					p.trailer = o.dict
				}
				if o.dict["Type"] == pdfName("ObjStm") {
					p.readObjStmIndex(num)
				}
			}
		}
	}
	if p.trailer == nil {
		return errors.New("broken xref and no trailer found")
	}
	p.m.PDF.XRefCount = max(1, len(allIndex(data, []byte("%%EOF"))))
	return nil
}

// readObjStmIndex adds the objects of an object stream to the xref table
// (used when rebuilding a broken xref).
func (p *pdfReader) readObjStmIndex(num int) {
	st, ok := p.resolve(pdfRef{num, 0}).(*pdfStream)
	if !ok {
		return
	}
	data, err := p.streamData(st, pdfRef{num, 0})
	if err != nil {
		return
	}
	n, _ := st.dict["N"].(int64)
	first, _ := st.dict["First"].(int64)
	if first <= 0 || first > int64(len(data)) {
		return
	}
	lx := &pdfLexer{buf: data[:first]}
	for i := int64(0); i < n && i < 100000; i++ {
		a, err := lx.object()
		if err != nil {
			return
		}
		if _, err := lx.object(); err != nil {
			return
		}
		if an, ok := a.(int64); ok {
			if _, exists := p.xref[int(an)]; !exists {
				p.xref[int(an)] = xrefEntry{stream: num, off: i, inStm: true}
			}
		}
	}
}

func allIndex(data, sep []byte) []int {
	var out []int
	for off := 0; ; {
		i := bytes.Index(data[off:], sep)
		if i < 0 {
			return out
		}
		out = append(out, off+i)
		off += i + len(sep)
	}
}

// pdfInfoNames maps Info dictionary keys to exiftool's tag names.
var pdfInfoNames = map[string]string{"CreationDate": "CreateDate", "ModDate": "ModifyDate"}

func (p *pdfReader) readInfo(d pdfDict, ref pdfRef) {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, string(k))
	}
	// A stable order close to what writers use.
	order := map[string]int{"Title": 1, "Author": 2, "Subject": 3, "Keywords": 4, "Creator": 5, "Producer": 6, "CreationDate": 7, "ModDate": 8, "Trapped": 9}
	sortStrings(keys, func(a, b string) bool {
		oa, ob := order[a], order[b]
		if oa == 0 {
			oa = 100
		}
		if ob == 0 {
			ob = 100
		}
		if oa != ob {
			return oa < ob
		}
		return a < b
	})
	for _, k := range keys {
		v := p.resolve(d[pdfName(k)])
		name := pdfInfoNames[k]
		if name == "" {
			name = tagName(k)
		}
		var s string
		switch x := v.(type) {
		case pdfStr:
			s = p.text(x, ref.num, ref.gen)
		case pdfName:
			s = string(x)
		case int64:
			s = strconv.FormatInt(x, 10)
		case float64:
			s = perlNum(x)
		case bool:
			s = strconv.FormatBool(x)
		default:
			continue
		}
		if name == "CreateDate" || name == "ModifyDate" || strings.HasPrefix(s, "D:") {
			s = convertPDFDate(s)
		}
		p.m.add("PDF", name, s)
	}
}

func tagName(k string) string {
	var b strings.Builder
	for _, r := range k {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return ucfirst(b.String())
}

// text decodes a PDF text string (decrypting it first when the file is
// encrypted): UTF-16BE with BOM, UTF-8 with BOM, or PDFDocEncoding.
func (p *pdfReader) text(s pdfStr, num, gen int) string {
	b := []byte(s)
	// Strings of an object kept in an object stream are not encrypted
	// on their own: the stream was decrypted as a whole (ISO 32000-1
	// 7.6.1); decrypting them again gives garbage.
	if e, ok := p.xref[num]; p.crypt != nil && num > 0 && !(ok && e.inStm) {
		b = p.crypt.decrypt(b, pdfRef{num, gen})
	}
	return pdfText(b)
}

func pdfText(b []byte) string {
	switch {
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return strings.TrimRight(string(utf16.Decode(u)), "\x00")
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		return strings.TrimRight(decodeUTF16LE(b[2:]), "\x00")
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return string(b[3:])
	}
	var sb strings.Builder
	for _, c := range b {
		if r, ok := pdfDocEncoding[c]; ok {
			sb.WriteRune(r)
		} else {
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

// pdfDocEncoding lists where PDFDocEncoding differs from Latin-1.
var pdfDocEncoding = map[byte]rune{
	0x18: '˘', 0x19: 'ˇ', 0x1a: 'ˆ', 0x1b: '˙', 0x1c: '˝', 0x1d: '˛', 0x1e: '˚', 0x1f: '˜',
	0x80: '•', 0x81: '†', 0x82: '‡', 0x83: '…', 0x84: '—', 0x85: '–', 0x86: 'ƒ', 0x87: '⁄',
	0x88: '‹', 0x89: '›', 0x8a: '−', 0x8b: '‰', 0x8c: '„', 0x8d: '“', 0x8e: '”', 0x8f: '‘',
	0x90: '’', 0x91: '‚', 0x92: '™', 0x93: 'ﬁ', 0x94: 'ﬂ', 0x95: 'Ł', 0x96: 'Œ', 0x97: 'Š',
	0x98: 'Ÿ', 0x99: 'Ž', 0x9a: 'ı', 0x9b: 'ł', 0x9c: 'œ', 0x9d: 'š', 0x9e: 'ž', 0xa0: '€',
}

// convertPDFDate rewrites "D:20120928220531+02'00'" as exiftool does
// ("2012:09:28 22:05:31+02:00").
func convertPDFDate(s string) string {
	d := strings.TrimPrefix(s, "D:")
	const def = "00000101000000"
	if len(d) < len(def) {
		d += def[len(d):]
	}
	for i := 0; i < 14; i++ {
		if d[i] < '0' || d[i] > '9' {
			return s
		}
	}
	out := d[0:4] + ":" + d[4:6] + ":" + d[6:8] + " " + d[8:10] + ":" + d[10:12] + ":" + d[12:14]
	tz := strings.TrimLeft(d[14:], " ")
	if tz == "" {
		return out
	}
	if tz[0] == 'Z' || tz[0] == 'z' {
		return out + "Z"
	}
	if mm := pdfTZRe.FindStringSubmatch(tz); mm != nil {
		mins := mm[3]
		if mins == "" {
			mins = "00"
		}
		return out + mm[1] + mm[2] + ":" + mins
	}
	return out
}

var pdfTZRe = regexp.MustCompile(`^([-+])\s*(\d+)[': ]+(\d*)`)
