package web

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// checkPDF checks that pdf is a PDF whose text holds each of want (spaces
// and line breaks aside, since the layout splits lines).
func checkPDF(t *testing.T, name string, pdf []byte, want []string) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf[max(0, len(pdf)-1024):], []byte("%%EOF")) {
		t.Fatalf("%s is not a complete PDF (%d bytes)", name, len(pdf))
	}
	text := squeeze(pdfText(pdf))
	for _, w := range want {
		if !strings.Contains(text, squeeze(w)) {
			t.Errorf("%s lacks %q; its text: %.2000s", name, w, text)
		}
	}
}

// squeeze drops white space and undoes the typographic ligatures (ﬁ, ﬂ...)
// the PDF's fonts use.
func squeeze(s string) string {
	s = strings.NewReplacer("\ufb00", "ff", "\ufb01", "fi", "\ufb02", "fl", "\ufb03", "ffi", "\ufb04", "ffl").Replace(s)
	return strings.Join(strings.Fields(s), "")
}

var (
	pdfObj     = regexp.MustCompile(`(?s)(\d+) 0 obj(.*?)endobj`)
	pdfRef     = regexp.MustCompile(`/ToUnicode (\d+) 0 R`)
	pdfFontRes = regexp.MustCompile(`/Font\s*<<([^>]*)>>`)
	pdfNameRef = regexp.MustCompile(`/([A-Za-z0-9_.+-]+)\s+(\d+) 0 R`)
	pdfBfChar  = regexp.MustCompile(`(?s)beginbfchar(.*?)endbfchar`)
	pdfBfRange = regexp.MustCompile(`(?s)beginbfrange(.*?)endbfrange`)
	pdfHexPair = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`)
	pdfRange   = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`)
	pdfTok     = regexp.MustCompile(`/([A-Za-z0-9_.+-]+)\s+[-0-9.]+\s+Tf|<([0-9A-Fa-f\s]*)>|\]\s*TJ|Tj|T\*|Td|TD|ET`)
)

// pdfText extracts the text of a PDF as Chromium (Skia) writes it: plain
// objects, Flate streams, fonts with ToUnicode maps and hex-string text
// operators. It is a test helper, not a PDF reader.
func pdfText(pdf []byte) string {
	objs := map[int][]byte{}
	for _, m := range pdfObj.FindAllSubmatch(pdf, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		objs[n] = m[2]
	}
	stream := func(body []byte) []byte {
		i := bytes.Index(body, []byte("stream"))
		j := bytes.LastIndex(body, []byte("endstream"))
		if i < 0 || j < i {
			return nil
		}
		data := bytes.TrimLeft(body[i+len("stream"):j], "\r\n")
		if bytes.Contains(body[:i], []byte("/FlateDecode")) {
			r, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil
			}
			out, _ := io.ReadAll(r)
			return out
		}
		return data
	}
	// Each font's code → text map, and resource names → font objects.
	cmaps := map[int]map[string]string{}
	names := map[string]int{}
	for n, body := range objs {
		if m := pdfRef.FindSubmatch(body); m != nil {
			c, _ := strconv.Atoi(string(m[1]))
			cmaps[n] = parseCMap(stream(objs[c]))
		}
		for _, fm := range pdfFontRes.FindAllSubmatch(body, -1) {
			for _, r := range pdfNameRef.FindAllSubmatch(fm[1], -1) {
				f, _ := strconv.Atoi(string(r[2]))
				names[string(r[1])] = f
			}
		}
	}
	var b strings.Builder
	for _, body := range objs {
		if !bytes.Contains(body, []byte("stream")) || pdfRef.Match(body) {
			continue
		}
		content := stream(body)
		if !bytes.Contains(content, []byte("Tf")) {
			continue
		}
		var cur map[string]string
		for _, m := range pdfTok.FindAllSubmatch(content, -1) {
			switch {
			case m[1] != nil:
				cur = cmaps[names[string(m[1])]]
			case m[0][0] == '<':
				code := strings.Join(strings.Fields(string(m[2])), "")
				for i := 0; i+4 <= len(code); i += 4 {
					b.WriteString(cur[strings.ToUpper(code[i:i+4])])
				}
			default:
				b.WriteByte(' ')
			}
		}
	}
	return b.String()
}

// parseCMap reads the bfchar and bfrange entries of a ToUnicode map.
func parseCMap(data []byte) map[string]string {
	m := map[string]string{}
	utf := func(h string) string {
		raw, err := hex.DecodeString(h)
		if err != nil || len(raw)%2 != 0 {
			return ""
		}
		u := make([]uint16, len(raw)/2)
		for i := range u {
			u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
		}
		return string(utf16.Decode(u))
	}
	for _, sec := range pdfBfChar.FindAllSubmatch(data, -1) {
		for _, p := range pdfHexPair.FindAllSubmatch(sec[1], -1) {
			m[strings.ToUpper(string(p[1]))] = utf(string(p[2]))
		}
	}
	for _, sec := range pdfBfRange.FindAllSubmatch(data, -1) {
		for _, p := range pdfRange.FindAllSubmatch(sec[1], -1) {
			lo, _ := strconv.ParseUint(string(p[1]), 16, 32)
			hi, _ := strconv.ParseUint(string(p[2]), 16, 32)
			dst, _ := strconv.ParseUint(string(p[3]), 16, 32)
			for c := lo; c <= hi && c-lo < 65536; c++ {
				m[strings.ToUpper(strconv.FormatUint(c|0x10000, 16)[1:])] = string(rune(dst + c - lo))
			}
		}
	}
	return m
}
