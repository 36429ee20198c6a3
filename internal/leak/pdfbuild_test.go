package leak

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
	"testing"
)

// pdfSpec describes a small PDF for the tests: Info metadata and pages of
// lines, written as a content stream in Helvetica.
type pdfSpec struct {
	author, creator, producer, created, modified string // dates as PDF dates: D:20170420090000+02'00'
	pages                                        [][]string
	// undecodable, when > 0, gives that page (from 1) a content stream
	// under a filter no reader decodes for text
	undecodable int
}

// pdfOf writes a valid PDF 1.4: catalog, page tree, one font, a
// Flate-compressed content stream per page, the Info dictionary, a
// correct cross-reference table.
func pdfOf(t testing.TB, s pdfSpec) []byte {
	t.Helper()
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) int {
		offsets = append(offsets, b.Len())
		n := len(offsets)
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, body)
		return n
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	esc := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	// the page tree refers to the pages, written after it: reserve its
	// number and write it last
	offsets = append(offsets, 0)
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>") // 3
	var kids []string
	for _, lines := range s.pages {
		var cs strings.Builder
		cs.WriteString("BT /F1 11 Tf 14 TL 72 760 Td\n")
		for _, l := range lines {
			fmt.Fprintf(&cs, "(%s) Tj T*\n", esc.Replace(l))
		}
		cs.WriteString("ET\n")
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write([]byte(cs.String()))
		zw.Close()
		filter := "/FlateDecode"
		if len(kids)+1 == s.undecodable {
			filter = "/JBIG2Decode"
		}
		content := obj(fmt.Sprintf("<< /Length %d /Filter %s >>\nstream\n%s\nendstream", z.Len(), filter, z.Bytes()))
		page := obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", content))
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	info := obj(fmt.Sprintf("<< /Author (%s) /Creator (%s) /Producer (%s) /CreationDate (%s) /ModDate (%s) >>",
		esc.Replace(s.author), esc.Replace(s.creator), esc.Replace(s.producer), s.created, s.modified))
	offsets[1] = b.Len()
	fmt.Fprintf(&b, "2 0 obj\n<< /Type /Pages /Kids [%s] /Count %d >>\nendobj\n", strings.Join(kids, " "), len(kids))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, info, xref)
	return b.Bytes()
}
