package docmeta

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// PDF object model, just enough for metadata.
type (
	pdfName  string
	pdfStr   []byte
	pdfArray []any
	pdfDict  map[pdfName]any
	pdfRef   struct{ num, gen int }
	pdfKW    string // keyword: obj, endobj, stream, R, true/false/null handled as values
	// pdfStream is a stream object: its dictionary and where its data starts.
	pdfStream struct {
		dict    pdfDict
		dataOff int64 // absolute file offset, or -1 when data is inline
		data    []byte
	}
)

var errShort = errors.New("unexpected end of data")

// pdfLexer tokenises a PDF byte window. base is the file offset of buf[0].
type pdfLexer struct {
	buf   []byte
	pos   int
	base  int64
	depth int
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (lx *pdfLexer) skipSpace() {
	for lx.pos < len(lx.buf) {
		c := lx.buf[lx.pos]
		if isPDFSpace(c) {
			lx.pos++
		} else if c == '%' {
			for lx.pos < len(lx.buf) && lx.buf[lx.pos] != '\n' && lx.buf[lx.pos] != '\r' {
				lx.pos++
			}
		} else {
			return
		}
	}
}

// token returns the next raw token: delimiters as one- or two-byte tokens,
// other runs of regular characters as words.
func (lx *pdfLexer) regular() []byte {
	start := lx.pos
	for lx.pos < len(lx.buf) && !isPDFSpace(lx.buf[lx.pos]) && !isPDFDelim(lx.buf[lx.pos]) {
		lx.pos++
	}
	return lx.buf[start:lx.pos]
}

// object parses one PDF object at the current position. Numbers followed by
// "G R" become references.
func (lx *pdfLexer) object() (any, error) {
	lx.depth++
	defer func() { lx.depth-- }()
	if lx.depth > 64 {
		return nil, errors.New("objects nested too deeply")
	}
	lx.skipSpace()
	if lx.pos >= len(lx.buf) {
		return nil, errShort
	}
	c := lx.buf[lx.pos]
	switch c {
	case '/':
		lx.pos++
		return pdfName(decodeNameEscapes(lx.regular())), nil
	case '(':
		return lx.literalString()
	case '<':
		if lx.pos+1 < len(lx.buf) && lx.buf[lx.pos+1] == '<' {
			lx.pos += 2
			return lx.dict()
		}
		if lx.pos+1 >= len(lx.buf) {
			return nil, errShort
		}
		return lx.hexString()
	case '[':
		lx.pos++
		var arr pdfArray
		for {
			lx.skipSpace()
			if lx.pos >= len(lx.buf) {
				return nil, errShort
			}
			if lx.buf[lx.pos] == ']' {
				lx.pos++
				return arr, nil
			}
			if len(arr) > 100000 {
				return nil, errors.New("array too long")
			}
			v, err := lx.object()
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
	case ']', '>', ')', '{', '}':
		lx.pos++
		return nil, fmt.Errorf("unexpected %q at offset %d", c, lx.base+int64(lx.pos-1))
	}
	w := lx.regular()
	if len(w) == 0 {
		lx.pos++
		return nil, fmt.Errorf("unexpected byte 0x%02x at offset %d", c, lx.base+int64(lx.pos-1))
	}
	switch string(w) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if isPDFNumber(w) {
		// Look ahead for "gen R".
		save := lx.pos
		if n, err := strconv.Atoi(string(w)); err == nil && n >= 0 {
			lx.skipSpace()
			g := lx.regular()
			if len(g) > 0 && isDigits(g) {
				lx.skipSpace()
				if lx.pos < len(lx.buf) && lx.buf[lx.pos] == 'R' && (lx.pos+1 >= len(lx.buf) || isPDFSpace(lx.buf[lx.pos+1]) || isPDFDelim(lx.buf[lx.pos+1])) {
					lx.pos++
					gen, _ := strconv.Atoi(string(g))
					return pdfRef{n, gen}, nil
				}
			}
			lx.pos = save
			return int64(n), nil
		}
		if n, err := strconv.ParseInt(string(w), 10, 64); err == nil {
			return n, nil
		}
		f, err := strconv.ParseFloat(string(w), 64)
		if err != nil {
			return float64(0), nil
		}
		return f, nil
	}
	return pdfKW(w), nil
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

func isPDFNumber(b []byte) bool {
	digits := 0
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case (c == '-' || c == '+') && i == 0:
		case c == '.':
		default:
			return false
		}
	}
	return digits > 0
}

func (lx *pdfLexer) dict() (pdfDict, error) {
	d := pdfDict{}
	for {
		lx.skipSpace()
		if lx.pos >= len(lx.buf) {
			return nil, errShort
		}
		if lx.buf[lx.pos] == '>' {
			if lx.pos+1 >= len(lx.buf) {
				return nil, errShort
			}
			lx.pos += 2
			return d, nil
		}
		k, err := lx.object()
		if err != nil {
			return nil, err
		}
		key, ok := k.(pdfName)
		if !ok {
			// Tolerate junk keys: skip them.
			continue
		}
		if len(d) > 10000 {
			return nil, errors.New("dictionary too large")
		}
		lx.skipSpace()
		if lx.pos < len(lx.buf) && lx.buf[lx.pos] == '>' {
			d[key] = nil
			continue
		}
		v, err := lx.object()
		if err != nil {
			return nil, err
		}
		if _, isKW := v.(pdfKW); isKW {
			continue
		}
		d[key] = v
	}
}

func (lx *pdfLexer) literalString() (pdfStr, error) {
	lx.pos++ // (
	var out []byte
	depth := 1
	for lx.pos < len(lx.buf) {
		c := lx.buf[lx.pos]
		lx.pos++
		switch c {
		case '(':
			depth++
			out = append(out, c)
		case ')':
			depth--
			if depth == 0 {
				return out, nil
			}
			out = append(out, c)
		case '\\':
			if lx.pos >= len(lx.buf) {
				return nil, errShort
			}
			e := lx.buf[lx.pos]
			lx.pos++
			switch e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '\r':
				if lx.pos < len(lx.buf) && lx.buf[lx.pos] == '\n' {
					lx.pos++
				}
			case '\n':
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && lx.pos < len(lx.buf) && lx.buf[lx.pos] >= '0' && lx.buf[lx.pos] <= '7'; k++ {
						v = v*8 + int(lx.buf[lx.pos]-'0')
						lx.pos++
					}
					out = append(out, byte(v))
				} else {
					out = append(out, e)
				}
			}
		default:
			out = append(out, c)
		}
		if len(out) > 1<<20 {
			return nil, errors.New("string too long")
		}
	}
	return nil, errShort
}

func (lx *pdfLexer) hexString() (pdfStr, error) {
	lx.pos++ // <
	var out []byte
	hi := -1
	for lx.pos < len(lx.buf) {
		c := lx.buf[lx.pos]
		lx.pos++
		var v int
		switch {
		case c == '>':
			if hi >= 0 {
				out = append(out, byte(hi<<4))
			}
			return out, nil
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'a' && c <= 'f':
			v = int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			v = int(c-'A') + 10
		default:
			continue
		}
		if hi < 0 {
			hi = v
		} else {
			out = append(out, byte(hi<<4|v))
			hi = -1
		}
	}
	return nil, errShort
}

func decodeNameEscapes(b []byte) string {
	if bytes.IndexByte(b, '#') < 0 {
		return string(b)
	}
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] == '#' && i+2 < len(b) {
			if v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				i += 2
				continue
			}
		}
		out = append(out, b[i])
	}
	return string(out)
}
