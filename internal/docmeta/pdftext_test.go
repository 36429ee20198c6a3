package docmeta

import (
	"bytes"
	"compress/zlib"
	"crypto/md5"
	"crypto/rc4"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"
)

func flateBytes(s string) []byte {
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

// textPDF builds a PDF of pages whose content streams are given; objects
// 3 and up are the pages, then their contents, then extra objects passed
// in extra (numbered from 100, referenced by the resources string).
type textPDFSpec struct {
	pages     []string // content streams (Flate-compressed)
	resources string   // page resources dictionary
	extra     map[int]string
	streams   map[int][2]string // num → {dict, data}, data Flate-compressed
	trailer   string            // extra trailer entries
	encrypt   func(num int, data []byte) []byte
}

func buildTextPDF(s textPDFSpec) []byte {
	p := newPDF("1.7")
	var nums []int
	p.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	var kids []string
	for i := range s.pages {
		kids = append(kids, fmt.Sprintf("%d 0 R", 10+2*i))
	}
	p.obj(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d /Resources %s >>", strings.Join(kids, " "), len(kids), s.resources))
	nums = append(nums, 1, 2)
	for i, c := range s.pages {
		p.obj(10+2*i, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R >>", 11+2*i))
		p.stream(11+2*i, "/Filter /FlateDecode", s.crypt(11+2*i, flateBytes(c)))
		nums = append(nums, 10+2*i, 11+2*i)
	}
	var extra []int
	for n := range s.extra {
		extra = append(extra, n)
	}
	for n := range s.streams {
		extra = append(extra, n)
	}
	sort.Ints(extra)
	for _, n := range extra {
		if body, ok := s.extra[n]; ok {
			p.obj(n, body)
		} else {
			st := s.streams[n]
			p.stream(n, st[0]+" /Filter /FlateDecode", s.crypt(n, flateBytes(st[1])))
		}
		nums = append(nums, n)
	}
	p.xref(nums, fmt.Sprintf("<< /Size %d /Root 1 0 R %s >>", 200, s.trailer))
	return p.bytes()
}

func (s textPDFSpec) crypt(num int, data []byte) []byte {
	if s.encrypt == nil {
		return data
	}
	return s.encrypt(num, data)
}

// rc4Encrypt returns the trailer entries and the stream encryption of a
// standard security handler, revision 2 (40-bit RC4), empty user password.
func rc4Encrypt() (trailer string, encrypt func(int, []byte) []byte, encObj string) {
	o := bytes.Repeat([]byte{0x42}, 32)
	id := []byte("0123456789abcdef")
	var pb [4]byte
	binary.LittleEndian.PutUint32(pb[:], uint32(0xFFFFFFFC))
	h := md5.New()
	h.Write(pdfPad)
	h.Write(o)
	h.Write(pb[:])
	h.Write(id)
	key := h.Sum(nil)[:5]
	u := make([]byte, 32)
	c, _ := rc4.NewCipher(key)
	c.XORKeyStream(u, pdfPad)
	encrypt = func(num int, data []byte) []byte {
		k := md5.Sum(append(append([]byte(nil), key...), byte(num), byte(num>>8), byte(num>>16), 0, 0))
		c, _ := rc4.NewCipher(k[:10])
		out := make([]byte, len(data))
		c.XORKeyStream(out, data)
		return out
	}
	encObj = fmt.Sprintf("<< /Filter /Standard /V 1 /R 2 /Length 40 /P -4 /O <%x> /U <%x> >>", o, u)
	return fmt.Sprintf("/Encrypt 150 0 R /ID [<%x> <%x>]", id, id), encrypt, encObj
}

// toUnicodeCMap is a ToUnicode CMap for a 2-byte Identity-H font: glyph 1
// "H", 2 "é", 3..5 "l m n" by bfrange, 6 the "ffi" ligature, 7 U+1D400
// (a surrogate pair), 8..9 "A", "B" by the array form of bfrange.
const toUnicodeCMap = `/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CMapName /Adobe-Identity-UCS def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
4 beginbfchar
<0001> <0048>
<0002> <00E9>
<0006> <006600660069>
<0007> <D835DC00>
endbfchar
2 beginbfrange
<0003> <0005> <006C>
<0008> <0009> [<0041> <0042>]
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end`

// Fonts: F1 WinAnsi Helvetica with Differences, F2 Type0 Identity-H with
// ToUnicode, F3 Type0 without ToUnicode, F4 Type3 with Differences.
var textFonts = map[int]string{
	100: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 32 /Widths 104 0 R /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [128 /eacute /fi 150 /uni0142 /afii10017] >> >>",
	101: "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+Calibri /Encoding /Identity-H /DescendantFonts [102 0 R] /ToUnicode 103 0 R >>",
	102: "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+Calibri /DW 500 /W [1 [600 500] 3 5 250] >>",
	104: "[" + strings.Repeat("500 ", 224) + "]",
	105: "<< /Type /Font /Subtype /Type0 /BaseFont /Noto /Encoding /Identity-H /DescendantFonts [102 0 R] >>",
	110: "<< /Type /Font /Subtype /TrueType /BaseFont /Cyr /ToUnicode 111 0 R >>",
	112: "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /MacRomanEncoding >>",
	106: "<< /Type /Font /Subtype /Type3 /FontMatrix [0.001 0 0 0.001 0 0] /FontBBox [0 0 1000 1000] /CharProcs << >> /FirstChar 1 /LastChar 3 /Widths [500 500 500] /Encoding << /Differences [1 /V /o /t] >> /Resources << >> >>",
}

const textRes = "<< /Font << /F1 100 0 R /F2 101 0 R /F3 105 0 R /F4 106 0 R /F5 110 0 R /F6 112 0 R >> /XObject << /X1 107 0 R /Im 108 0 R /Loop 109 0 R >> >>"

var textStreams = map[int][2]string{
	103: {"", toUnicodeCMap},
	111: {"", "begincmap 1 begincodespacerange <00> <FF> endcodespacerange 2 beginbfchar <01> <0416> <02> <0443> endbfchar 1 beginbfrange <03> <04> <0440> endbfrange endcmap"},
	107: {"/Type /XObject /Subtype /Form /BBox [0 0 500 500] /Matrix [1 0 0 1 0 100] /Resources << /Font << /G 100 0 R >> >>", "BT /G 10 Tf 72 0 Td (Footer of the form) Tj ET"},
	108: {"/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", "\x00"},
	109: {"/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /Me 109 0 R >> /Font << /G 100 0 R >> >>", "BT /G 10 Tf (loop) Tj ET /Me Do"},
}

func textDoc(pages ...string) []byte {
	return buildTextPDF(textPDFSpec{pages: pages, resources: textRes, extra: textFonts, streams: textStreams})
}

func TestPDFText(t *testing.T) {
	tests := []struct {
		name    string
		pages   []string
		want    string
		wantErr string
	}{
		{"lines by Td", []string{"BT /F1 12 Tf 72 700 Td (Bonjour le monde) Tj 0 -14 Td (Second line) Tj ET"},
			"Bonjour le monde\nSecond line\n", ""},
		{"T* and quote operators", []string{"BT /F1 12 Tf 14 TL 72 700 Td (one) Tj T* (two) Tj (three) ' 1 0 (four) \" ET"},
			"one\ntwo\nthree\nfour\n", ""},
		{"TJ kerning: spaces only for large gaps", []string{"BT /F1 12 Tf 72 700 Td [(Kern) 80 (ing) -300 (wo) -20 (rks)] TJ ET"},
			"Kerning works\n", ""},
		{"separate Tj on one line: a gap is a space, touching runs one word", []string{"BT /F1 10 Tf 72 700 Td (Two) Tj ET BT /F1 10 Tf 100 700 Td (words) Tj ET BT /F1 10 Tf 125 700 Td (glued) Tj ET"},
			"Two wordsglued\n", ""},
		{"Tm positions and cm", []string{"q 2 0 0 2 0 0 cm BT /F1 6 Tf 1 0 0 1 36 350 Tm (Scaled) Tj 1 0 0 1 36 340 Tm (text) Tj ET Q"},
			"Scaled\ntext\n", ""},
		{"WinAnsi with Differences", []string{"BT /F1 12 Tf 72 700 Td (caf\\200 \\201n \\226\\227 \\351t\\351 \\223x\\224) Tj ET"},
			"café fin łА été “x”\n", ""},
		{"Identity-H with ToUnicode", []string{"BT /F2 12 Tf 72 700 Td <0001000200030004000500060007> Tj [<0008> -500 <0009>] TJ ET"},
			"Hélmnffi𝐀A B\n", ""},
		{"one-byte ToUnicode, MacRoman", []string{"BT /F5 12 Tf 72 700 Td <010203> Tj /F6 12 Tf 0 -20 Td (\\216t\\216) Tj ET"},
			"Жур\nété\n", ""},
		{"Type3 with Differences", []string{"BT /F4 12 Tf 72 700 Td <010203> Tj ET"}, "Vot\n", ""},
		{"form XObject, image and loop", []string{"BT /F1 12 Tf 72 700 Td (Body) Tj ET /Im Do /X1 Do /Loop Do"},
			"Body\nFooter of the form\nloop\n", "form XObject 109 draws itself"},
		{"inline image skipped", []string{"BT /F1 12 Tf 72 700 Td (Before) Tj ET BI /W 2 /H 1 /BPC 8 /CS /G ID \x00EI) Tj\xff\n EI BT /F1 12 Tf 72 680 Td (After) Tj ET"},
			"Before\nAfter\n", ""},
		{"two pages", []string{"BT /F1 12 Tf 72 700 Td (Page one) Tj ET", "BT /F1 12 Tf 72 700 Td (Page two) Tj ET"},
			"Page one\n\f\nPage two\n", ""},
		{"unmapped CID font", []string{"BT /F3 12 Tf 72 700 Td <00010002> Tj ET", "BT /F1 12 Tf 72 700 Td (Readable) Tj /F3 12 Tf <0001> Tj ET"},
			"\f\nReadable\n", "page 1: glyphs of font Noto have no Unicode mapping"},
		{"unknown font and no font: read as StandardEncoding", []string{"BT 72 700 Td (No Tf) Tj /F9 12 Tf 0 -20 Td (Lost font) Tj ET"},
			"No Tf\nLost font\n", ""},
		{"stray operands before an operator", []string{"BT 1 2 /F1 12 Tf 5 72 700 Td /X (x) (Stray) Tj ET"},
			"Stray\n", ""},
		{"garbage operators", []string{"BT /F1 12 Tf ] } ) 72 700 Td (still read) Tj ET <<"},
			"still read\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := textDoc(tt.pages...)
			got, ok, err := Text("pdf", bytes.NewReader(data), int64(len(data)))
			if !ok {
				t.Fatal("pdf has no text extractor")
			}
			if got != tt.want {
				t.Errorf("text = %q, want %q", got, tt.want)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestPDFTextEncrypted(t *testing.T) {
	trailer, enc, encObj := rc4Encrypt()
	extra := map[int]string{150: encObj}
	for k, v := range textFonts {
		extra[k] = v
	}
	data := buildTextPDF(textPDFSpec{
		pages:     []string{"BT /F2 12 Tf 72 700 Td <000100020003> Tj ET BT /F1 12 Tf 72 680 Td (Secret plan) Tj ET"},
		resources: textRes, extra: extra, streams: textStreams, trailer: trailer, encrypt: enc,
	})
	got, _, err := Text("pdf", bytes.NewReader(data), int64(len(data)))
	if err != nil || got != "Hél\nSecret plan\n" {
		t.Errorf("RC4-encrypted: text %q, error %v", got, err)
	}
	// The same file with an owner password only is read; one with a user
	// password (enc-password.pdf, qpdf AES-256) is not.
	data, err = os.ReadFile(filepath.Join("testdata", "docs", "enc-password.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	got, _, err = Text("pdf", bytes.NewReader(data), int64(len(data)))
	if got != "" || err == nil || !strings.Contains(err.Error(), "encrypted with a password") {
		t.Errorf("password-protected: text %q, error %v", got, err)
	}
	for _, name := range []string{"enc-40.pdf", "enc-128.pdf", "enc-256.pdf"} {
		data, err := os.ReadFile(filepath.Join("testdata", "docs", name))
		if err != nil {
			t.Fatal(err)
		}
		// These pages have no content: no text, and no error.
		if got, _, err := Text("pdf", bytes.NewReader(data), int64(len(data))); got != "" || err != nil {
			t.Errorf("%s: text %q, error %v", name, got, err)
		}
	}
}

// TestPDFTextStructure covers page trees with loops and inherited
// resources, content arrays, other filters and broken files.
func TestPDFTextStructure(t *testing.T) {
	lzw := []byte{0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0x0C, 0x85, 0x01} // "-----A---B" (PDF spec example)
	build := func(f func(p *pdfBuilder) []int) []byte {
		p := newPDF("1.4")
		nums := f(p)
		p.xref(nums, "<< /Size 30 /Root 1 0 R >>")
		return p.bytes()
	}
	font := "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>"
	tests := []struct {
		name, want, wantErr string
		data                []byte
	}{
		{"page tree loop, inherited resources, content array", "Kid one\n\f\nKid two\n", "", build(func(p *pdfBuilder) []int {
			p.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
			p.obj(2, "<< /Type /Pages /Kids [3 0 R 2 0 R 4 0 R] /Resources << /Font << /F 9 0 R >> >> >>")
			p.obj(3, "<< /Type /Page /Contents [5 0 R 6 0 R] >>")
			p.obj(4, "<< /Type /Pages /Kids [7 0 R 4 0 R] >>")
			p.stream(5, "", []byte("BT /F 12 Tf 72 700 Td (Kid"))
			p.stream(6, "", []byte(" one) Tj ET"))
			p.obj(7, "<< /Type /Page /Contents 8 0 R >>")
			p.stream(8, "/Filter [/ASCII85Decode /FlateDecode]", []byte(ascii85(flateBytes("BT /F 12 Tf 72 700 Td (Kid two) Tj ET"))+"~>"))
			p.obj(9, font)
			return []int{1, 2, 3, 4, 5, 6, 7, 8, 9}
		})},
		{"LZW and RunLength", "-----A---B\nRLE text\n", "", build(func(p *pdfBuilder) []int {
			p.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
			p.obj(2, "<< /Type /Pages /Kids [3 0 R] /Resources << /Font << /F 9 0 R >> /XObject << /X 6 0 R >> >> >>")
			p.obj(3, "<< /Type /Page /Contents [4 0 R 5 0 R 7 0 R] >>")
			p.stream(4, "", []byte("BT /F 12 Tf 72 700 Td ("))
			p.stream(5, "/Filter /LZWDecode", lzw)
			p.stream(7, "", []byte(") Tj ET /X Do"))
			p.stream(6, "/Subtype /Form /BBox [0 0 1 1] /Filter /RunLengthDecode", append(append([]byte{31}, "BT /F 12 Tf 0 -50 Td (RLE text"...), 255, ')', 4, ' ', 'T', 'j', ' ', 'E', 128))
			p.obj(9, font)
			return []int{1, 2, 3, 4, 5, 6, 7, 9}
		})},
		{"unsupported filter", "", "page 1: content stream: stream 4: filter JBIG2Decode is not supported", build(func(p *pdfBuilder) []int {
			p.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
			p.obj(2, "<< /Type /Pages /Kids [3 0 R] >>")
			p.obj(3, "<< /Type /Page /Contents 4 0 R >>")
			p.stream(4, "/Filter /JBIG2Decode", []byte("xx"))
			return []int{1, 2, 3, 4}
		})},
		{"no catalog", "", "no document catalog", build(func(p *pdfBuilder) []int { return nil })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := Text("pdf", bytes.NewReader(tt.data), int64(len(tt.data)))
			if got != tt.want {
				t.Errorf("text = %q, want %q", got, tt.want)
			}
			if (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
	// A broken xref: objects are found by a scan.
	data := textDoc("BT /F1 12 Tf 72 700 Td (Scanned) Tj ET")
	broken := bytes.Replace(data, []byte("startxref\n"), []byte("startxref\n9"), 1)
	if got, _, err := Text("pdf", bytes.NewReader(broken), int64(len(broken))); got != "Scanned\n" || err != nil {
		t.Errorf("broken xref: %q, %v", got, err)
	}
}

func ascii85(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i += 4 {
		var chunk [4]byte
		n := copy(chunk[:], b[i:])
		v := binary.BigEndian.Uint32(chunk[:])
		var d [5]byte
		for k := 4; k >= 0; k-- {
			d[k] = byte(v%85) + '!'
			v /= 85
		}
		sb.Write(d[:n+1])
	}
	return sb.String()
}

// wordSet returns the lower-cased words (letters and digits) of s.
func wordSet(s string) map[string]bool { return textWords(s, 1, nil) }

// textWords returns the lower-cased words (letters and digits) of s of at
// least minRunes characters, except those in skip: what the corpus tests
// compare with the peer extractors' output.
func textWords(s string, minRunes int, skip map[string]bool) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) >= minRunes && !skip[w] {
			set[w] = true
		}
	}
	return set
}

// TestPDFTextCorpus compares the words of each PDF of the shared corpus
// with those pdftotext (poppler) extracts. Run with
// VIGIE_CORPUS=/work/shared/corpus; needs pdftotext.
func TestPDFTextCorpus(t *testing.T) {
	root := os.Getenv("VIGIE_CORPUS")
	if root == "" {
		t.Skip("VIGIE_CORPUS not set")
	}
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (apt-get install poppler-utils)")
	}
	files, _ := filepath.Glob(filepath.Join(root, "docs", "files", "*.pdf"))
	if len(files) == 0 {
		t.Fatal("no PDF in the corpus")
	}
	type result struct {
		name              string
		recall, precision float64
		ours, theirs      int
		note              string
	}
	var results []result
	var ourTime time.Duration
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		text, _, terr := Text("pdf", bytes.NewReader(data), int64(len(data)))
		ourTime += time.Since(start)
		out, perr := exec.Command(tool, "-enc", "UTF-8", f, "-").Output()
		r := result{name: filepath.Base(f)}
		ours, theirs := wordSet(text), wordSet(string(out))
		r.ours, r.theirs = len(ours), len(theirs)
		common := 0
		for w := range theirs {
			if ours[w] {
				common++
			}
		}
		r.recall, r.precision = 1, 1
		if len(theirs) > 0 {
			r.recall = float64(common) / float64(len(theirs))
		}
		if len(ours) > 0 {
			r.precision = float64(common) / float64(len(ours))
		}
		if perr != nil {
			r.note = "pdftotext: " + perr.Error()
		}
		if terr != nil {
			r.note += " ours: " + terr.Error()
		}
		if r.recall < 1 {
			var missed []string
			for w := range theirs {
				if !ours[w] && len(missed) < 8 {
					missed = append(missed, w)
				}
			}
			sort.Strings(missed)
			r.note += fmt.Sprintf(" missed e.g. %q", missed)
		}
		results = append(results, r)
	}
	sort.Slice(results, func(i, j int) bool { return results[i].recall < results[j].recall })
	var recalls, precisions []float64
	for _, r := range results {
		recalls = append(recalls, r.recall)
		precisions = append(precisions, r.precision)
	}
	sort.Float64s(recalls)
	sort.Float64s(precisions)
	med := func(v []float64) float64 { return v[len(v)/2] }
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	t.Logf("%d PDFs in %v: recall median %.3f mean %.3f, precision median %.3f mean %.3f",
		len(results), ourTime, med(recalls), mean(recalls), med(precisions), mean(precisions))
	for _, r := range results {
		if r.recall < 0.95 || r.precision < 0.95 || testing.Verbose() {
			t.Logf("%-70s recall %.3f precision %.3f words %d/%d %s", r.name, r.recall, r.precision, r.ours, r.theirs, r.note)
		}
	}
	if med(recalls) < 0.9 || med(precisions) < 0.9 {
		t.Errorf("median recall %.3f, precision %.3f: below 0.9", med(recalls), med(precisions))
	}
}

func BenchmarkPDFText(b *testing.B) {
	docs := [][]byte{
		textDoc("BT /F1 12 Tf 72 700 Td (Bonjour le monde) Tj 0 -14 Td [(Kern) 80 (ing) -300 (works)] TJ ET /X1 Do",
			"BT /F2 12 Tf 72 700 Td <0001000200030004000500060007> Tj ET"),
	}
	if root := os.Getenv("VIGIE_CORPUS"); root != "" {
		files, _ := filepath.Glob(filepath.Join(root, "docs", "files", "*.pdf"))
		for _, f := range files {
			if data, err := os.ReadFile(f); err == nil {
				docs = append(docs, data)
			}
		}
	}
	var size int64
	for _, d := range docs {
		size += int64(len(d))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			Text("pdf", bytes.NewReader(d), int64(len(d)))
		}
	}
	b.ReportMetric(float64(len(docs))*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

// FuzzPDFText feeds arbitrary bytes to the text extractor: it must not
// panic, and must keep to its limits.
func FuzzPDFText(f *testing.F) {
	f.Add(textDoc("BT /F1 12 Tf 72 700 Td (Bonjour) Tj 0 -14 Td [(Kern) -300 (ing)] TJ ET /X1 Do /Loop Do",
		"BT /F2 12 Tf 72 700 Td <00010002000300040005000600070008> Tj /F4 9 Tf <0102> Tj ET BI /W 1 ID x EI"))
	f.Add([]byte("%PDF-1.4\n1 0 obj << /Pages 2 0 R >> endobj 2 0 obj << /Kids [3 0 R] >> endobj 3 0 obj << /Contents 4 0 R >> endobj 4 0 obj << /Length 20 >> stream\nBT (a) Tj ET\nendstream endobj trailer << /Root 1 0 R >>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang shows up as a crash with its input saved, not as a stalled fuzzer.
		tm := time.AfterFunc(20*time.Second, func() { panic("FuzzPDFText: one input took over 20 s") })
		defer tm.Stop()
		text, _, _ := Text("pdf", bytes.NewReader(data), int64(len(data)))
		if len(text) > maxText {
			t.Fatalf("%d bytes of text", len(text))
		}
	})
}

// TestPDFTextLimits checks that a page over the part size and a document
// over the operator budget end with the text read so far and an error.
func TestPDFTextLimits(t *testing.T) {
	big := textDoc("BT /F1 12 Tf 72 700 Td (First page) Tj ET", "BT /F1 12 Tf 72 700 Td ("+strings.Repeat("x", 3000)+") Tj ET")
	lim := DefaultLimits
	lim.MaxPartSize = 2000
	got, _, err := lim.Text("pdf", bytes.NewReader(big), int64(len(big)))
	if got != "First page\n\f\n" || err == nil || !strings.Contains(err.Error(), "page 2: content stream: stream 13: stream inflates to more than 2000 bytes") {
		t.Errorf("part size: text %q, error %v", got, err)
	}
	if testing.Short() {
		t.Skip("operator budget: 5 million operators")
	}
	ops := textDoc("BT /F1 12 Tf 72 700 Td (Before) Tj ET " + strings.Repeat("q Q ", maxTextOps/2) + "BT /F1 12 Tf 72 700 Td (After) Tj ET")
	got, _, err = Text("pdf", bytes.NewReader(ops), int64(len(ops)))
	if got != "Before\n" || err == nil || !strings.Contains(err.Error(), "more than 5000000 content stream operators") {
		t.Errorf("operator budget: text %q, error %v", got, err)
	}
}
