package mail

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"context"
	"flag"
	"fmt"
	"hash/crc32"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

var updateTargeted = flag.Bool("update-targeted", false, "rewrite testdata/targeted from the specs in targeted_test.go")

// targetedOptions are those of a party deploying vigie: its domain, its
// name, the organisations it deals with, the built-in model.
func targetedAnalyzer(t testing.TB) *Analyzer {
	return testAnalyzer(t, Options{
		OwnName:  "En Marche",
		Partners: []string{"lemonde.fr", "helloasso.com", "credit-cooperatif.coop", "interieur.gouv.fr"},
		Model:    defaultModel(t),
	})
}

// TestTargeted runs the targeted set (testdata/targeted): every
// attack-*.eml must be phishing or malicious, every legit-*.eml clean.
// The messages are modelled on the 2016–2017 campaign attacks and today's
// (see the README there); `go test -run TestTargeted -update-targeted`
// writes them again from targetedSpecs.
func TestTargeted(t *testing.T) {
	dir := filepath.Join("testdata", "targeted")
	if *updateTargeted {
		writeTargeted(t, dir)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	attacks := 0
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "attack-") {
			attacks++
		}
	}
	if attacks < 30 {
		t.Fatalf("%d attack messages in %s, want at least 30", attacks, dir)
	}
	a := targetedAnalyzer(t)
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".eml"), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r := a.Analyze(context.Background(), name, raw, nil)
			if strings.HasPrefix(name, "attack-") {
				if r.Verdict != Phishing && r.Verdict != Malicious {
					t.Errorf("verdict %s (score %.1f), want phishing or malicious; reasons:\n%s", r.Verdict, r.Score, dumpReasons(r))
				}
				return
			}
			if r.Verdict != Clean {
				t.Errorf("legitimate message: verdict %s (score %.1f), want clean; reasons:\n%s", r.Verdict, r.Score, dumpReasons(r))
			}
		})
	}
}

// TestHiddenLinks: links inside PDF and Office attachments and QR codes
// are read as links.
func TestHiddenLinks(t *testing.T) {
	tests := []struct {
		name, ext string
		data      []byte
		want      string
	}{
		{"pdf annotation", "pdf", pdfWithLink("https://secure-docs-review.top/login", false), "https://secure-docs-review.top/login"},
		{"pdf annotation in a compressed stream", "pdf", pdfWithLink("https://secure-docs-review.top/z", true), "https://secure-docs-review.top/z"},
		{"docx hyperlink", "docx", docxWithLink("https://files-transfer.icu/d/9"), "https://files-transfer.icu/d/9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := docLinks(sniff(tc.data), tc.ext, tc.data)
			if len(got) == 0 || got[0] != tc.want {
				t.Errorf("links %q, want %q", got, tc.want)
			}
		})
	}
	budget := 5
	for _, im := range []struct {
		name string
		data []byte
	}{{"png", qrPNG(t, "https://login.m365-verify.com/mfa")}, {"pdf jpeg", pdfWithJPEG(qrJPEG(t, "https://login.m365-verify.com/mfa"))}} {
		got := qrTexts(sniff(im.data), im.data, &budget)
		if len(got) != 1 || got[0] != "https://login.m365-verify.com/mfa" {
			t.Errorf("%s: QR codes read %q", im.name, got)
		}
	}
}

func FuzzDocLinks(f *testing.F) {
	f.Add(pdfWithLink("https://a.example/x", true), "pdf")
	f.Add(docxWithLink("https://a.example/x"), "docx")
	f.Fuzz(func(t *testing.T, b []byte, ext string) {
		docLinks(sniff(b), ext, b)
		n := 2
		qrTexts(sniff(b), b, &n)
	})
}

// ---- builders of attachments ----

func qrMatrix(t testing.TB, text string) *gozxing.BitMatrix {
	t.Helper()
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 240, 240, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func qrPNG(t testing.TB, text string) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, qrMatrix(t, text)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func qrJPEG(t testing.TB, text string) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, qrMatrix(t, text), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pdfDoc assembles a PDF from object bodies (numbered from 1), with a
// correct cross-reference table.
func pdfDoc(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

func pdfWithLink(uri string, compressed bool) []byte {
	content := "BT /F1 14 Tf 72 720 Td (Programme et inscription : cliquez sur le lien) Tj ET"
	annot := fmt.Sprintf("<< /Type /Annot /Subtype /Link /Rect [72 700 400 730] /Border [0 0 0] /A << /S /URI /URI (%s) >> >>", uri)
	if compressed {
		// the annotation inside a compressed object stream
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		hdr := "5 0 "
		fmt.Fprintf(zw, "%s%s", hdr, annot)
		zw.Close()
		return pdfDoc(
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Annots [5 0 R] >>",
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
			"null",
			fmt.Sprintf("<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", len(hdr), z.Len(), z.String()),
		)
	}
	return pdfDoc(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Annots [5 0 R] >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		annot,
	)
}

func pdfWithJPEG(j []byte) []byte {
	content := "q 240 0 0 240 72 400 cm /Im1 Do Q"
	return pdfDoc(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width 240 /Height 240 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream", len(j), j),
	)
}

func officeZip(files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, _ := zw.Create(n)
		w.Write([]byte(files[n]))
	}
	zw.Close()
	return buf.Bytes()
}

const ctypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`

func docxWithLink(uri string) []byte {
	return officeZip(map[string]string{
		"[Content_Types].xml":          ctypes,
		"_rels/.rels":                  `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml":            `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body><w:p><w:r><w:t>Le document est disponible en ligne : </w:t></w:r><w:hyperlink r:id="rId5"><w:r><w:t>ouvrir le document</w:t></w:r></w:hyperlink></w:p></w:body></w:document>`,
		"word/_rels/document.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="` + uri + `" TargetMode="External"/></Relationships>`,
	})
}

func docmWithMacro() []byte {
	return officeZip(map[string]string{
		"[Content_Types].xml":          ctypes,
		"word/document.xml":            `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Activez le contenu pour afficher le document.</w:t></w:r></w:p></w:body></w:document>`,
		"word/vbaProject.bin":          "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1Attribute VB_Name = \"ThisDocument\"\nSub AutoOpen()\nEnd Sub",
		"word/_rels/document.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>`,
	})
}

// encryptedZip is a zip whose one entry is marked encrypted (what a
// filter sees of a password-protected archive: names, not content).
func encryptedZip(name string, size int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	data := bytes.Repeat([]byte{0x5a, 0xa5, 0x3c}, size/3+12)
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, Flags: 1, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data) - 12)})
	w.Write(data)
	zw.Close()
	return buf.Bytes()
}

func zipWith(name string, data []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create(name)
	w.Write(data)
	zw.Close()
	return buf.Bytes()
}

func ics(summary, desc, url, organizer string) []byte {
	return []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:evt-1@example\r\nDTSTART:20260210T090000Z\r\nDTEND:20260210T100000Z\r\n" +
		"SUMMARY:" + summary + "\r\nORGANIZER;CN=Organizer:mailto:" + organizer + "\r\nDESCRIPTION:" + desc + "\r\nURL:" + url + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
}

func writeTargeted(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	for _, f := range old {
		os.Remove(f)
	}
	for _, s := range targetedSpecs(t) {
		if err := os.WriteFile(filepath.Join(dir, s.file+".eml"), s.m.bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type targetedSpec struct {
	file string
	m    tmsg
}
