package docmeta

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/cfb/cfbtest"
	"github.com/vigie-project/vigie/internal/docmeta/doctest"
)

// This file builds small documents of every format in memory, so that the
// tests need no files from elsewhere.

func buildZip(t testing.TB, files [][2]string) []byte {
	t.Helper()
	return doctest.Zip(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), files...)
}

type docxSpec struct {
	creator, lastModBy, created, modified, app, appVersion, company, template string
	revision, totalTime, pages                                                int
	headingPairs                                                              []HeadingPair
	titles                                                                    []string
	custom                                                                    [][2]string
}

func buildDOCX(t testing.TB, s docxSpec) []byte {
	core := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Budget</dc:title><dc:creator>%s</dc:creator><cp:lastModifiedBy>%s</cp:lastModifiedBy><cp:revision>%d</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">%s</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">%s</dcterms:modified></cp:coreProperties>`,
		s.creator, s.lastModBy, s.revision, s.created, s.modified)
	var hp strings.Builder
	for _, h := range s.headingPairs {
		fmt.Fprintf(&hp, `<vt:variant><vt:lpstr>%s</vt:lpstr></vt:variant><vt:variant><vt:i4>%d</vt:i4></vt:variant>`, h.Label, h.Count)
	}
	var tp strings.Builder
	for _, x := range s.titles {
		fmt.Fprintf(&tp, `<vt:lpstr>%s</vt:lpstr>`, x)
	}
	app := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Template>%s</Template><TotalTime>%d</TotalTime><Pages>%d</Pages><Application>%s</Application><DocSecurity>0</DocSecurity><HeadingPairs><vt:vector size="%d" baseType="variant">%s</vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="%d" baseType="lpstr">%s</vt:vector></TitlesOfParts><Company>%s</Company><LinksUpToDate>false</LinksUpToDate><AppVersion>%s</AppVersion></Properties>`,
		s.template, s.totalTime, s.pages, s.app, 2*len(s.headingPairs), hp.String(), len(s.titles), tp.String(), s.company, s.appVersion)
	files := [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"docProps/core.xml", core},
		{"docProps/app.xml", app},
	}
	if len(s.custom) > 0 {
		var c strings.Builder
		c.WriteString(`<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">`)
		for i, kv := range s.custom {
			fmt.Fprintf(&c, `<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="%d" name="%s"><vt:lpwstr>%s</vt:lpwstr></property>`, i+2, kv[0], kv[1])
		}
		c.WriteString(`</Properties>`)
		files = append(files, [2]string{"docProps/custom.xml", c.String()})
	}
	return buildZip(t, files)
}

func buildODT(t testing.TB, initial, creator, created, date string, cycles int, duration string) []byte {
	meta := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"><office:meta><meta:initial-creator>%s</meta:initial-creator><dc:creator>%s</dc:creator><meta:creation-date>%s</meta:creation-date><dc:date>%s</dc:date><meta:editing-cycles>%d</meta:editing-cycles><meta:editing-duration>%s</meta:editing-duration><meta:generator>LibreOffice/7.4.7.2$Linux_X86_64 LibreOffice_project/40$Build-2</meta:generator><meta:document-statistic meta:page-count="3" meta:word-count="420" meta:character-count="2500"/><meta:user-defined meta:name="Dossier">Campagne</meta:user-defined></office:meta></office:document-meta>`,
		initial, creator, created, date, cycles, duration)
	return buildZip(t, [][2]string{
		{"mimetype", "application/vnd.oasis.opendocument.text"},
		{"meta.xml", meta},
	})
}

// --- OLE ---

type oleProp struct {
	id  uint32
	typ uint32
	val any // string, int32, time.Time, time.Duration, []any (vector of variants)
}

// buildPropertySet encodes a property set stream (doctest.PropertySet).
func buildPropertySet(fmtid [16]byte, cp int, props []oleProp) []byte {
	ps := make([]doctest.Prop, len(props))
	for i, p := range props {
		ps[i] = doctest.Prop{ID: p.id, Type: p.typ, Value: p.val}
	}
	return doctest.PropertySet(fmtid, cp, ps)
}

// buildCFB writes a compound file holding streams, each a {path string,
// data []byte} pair; storages in a path are separated by "/".
func buildCFB(streams [][2]any) []byte {
	files := make([]cfbtest.File, len(streams))
	for i, s := range streams {
		files[i] = cfbtest.File{Path: s[0].(string), Data: s[1].([]byte)}
	}
	return cfbtest.BuildFiles(files...)
}

var (
	fmtidSummary    = doctest.FMTIDSummary
	fmtidDocSummary = doctest.FMTIDDocSummary
)

type docSpec struct {
	author, lastModBy, app string
	created, modified      time.Time
	localOffset            time.Duration // the author's UTC offset, for Word's DOP dates
	cp                     int
	revision               string
	editTime               time.Duration
	pages                  int32
	headingPairs           []any
	titles                 []string
}

func dttmOf(t time.Time) uint32 {
	return uint32(t.Minute()) | uint32(t.Hour())<<6 | uint32(t.Day())<<11 | uint32(t.Month())<<16 | uint32(t.Year()-1900)<<20
}

// buildDOC builds a Word 97 .doc: property sets plus a FIB and a DOP whose
// dates are in the author's local time.
func buildDOC(s docSpec) []byte {
	si := buildPropertySet(fmtidSummary, s.cp, []oleProp{
		{2, 30, "Rapport"}, {4, 30, s.author}, {8, 30, s.lastModBy}, {9, 30, s.revision},
		{10, 64, s.editTime}, {12, 64, s.created}, {13, 64, s.modified}, {14, 3, s.pages}, {18, 30, s.app},
	})
	dprops := []oleProp{{15, 30, "Parti"}}
	if s.headingPairs != nil {
		dprops = append(dprops, oleProp{12, 0x100C, s.headingPairs}, oleProp{13, 0x101E, s.titles})
	}
	dsi := buildPropertySet(fmtidDocSummary, s.cp, dprops)
	// FIB: wIdent, nFib, unused, lid, pnNext, flags (fWhichTblStm).
	fib := make([]byte, 1024)
	binary.LittleEndian.PutUint16(fib[0:], 0xa5ec)
	binary.LittleEndian.PutUint16(fib[2:], 0xc1)
	binary.LittleEndian.PutUint16(fib[6:], 0x040c) // French
	binary.LittleEndian.PutUint16(fib[10:], 0x0200)
	pos := 32
	binary.LittleEndian.PutUint16(fib[pos:], 14) // csw
	pos += 2 + 28
	binary.LittleEndian.PutUint16(fib[pos:], 22) // cslw
	pos += 2 + 88
	binary.LittleEndian.PutUint16(fib[pos:], 0x5D) // cbRgFcLcb (Word 97)
	pos += 2
	binary.LittleEndian.PutUint32(fib[pos+0xf8:], 0)   // fcDop
	binary.LittleEndian.PutUint32(fib[pos+0xfc:], 500) // lcbDop
	table := make([]byte, 600)
	lc := s.created.Add(s.localOffset)
	lm := s.modified.Add(s.localOffset)
	binary.LittleEndian.PutUint32(table[20:], dttmOf(lc))
	binary.LittleEndian.PutUint32(table[24:], dttmOf(lm))
	rev := 0
	fmt.Sscan(s.revision, &rev)
	binary.LittleEndian.PutUint16(table[32:], uint16(rev))
	binary.LittleEndian.PutUint32(table[34:], uint32(s.editTime/time.Minute))
	binary.LittleEndian.PutUint16(table[46:], uint16(s.pages))
	return buildCFB([][2]any{
		{"\x05SummaryInformation", si},
		{"\x05DocumentSummaryInformation", dsi},
		{"WordDocument", fib},
		{"1Table", table},
	})
}

// --- PDF ---

// pdfBuilder writes PDF objects and remembers their offsets.
type pdfBuilder struct {
	buf  bytes.Buffer
	offs map[int]int
}

func newPDF(version string) *pdfBuilder {
	p := &pdfBuilder{offs: map[int]int{}}
	p.buf.WriteString("%PDF-" + version + "\n%\xe2\xe3\xcf\xd3\n")
	return p
}

func (p *pdfBuilder) obj(num int, body string) {
	p.offs[num] = p.buf.Len()
	fmt.Fprintf(&p.buf, "%d 0 obj\n%s\nendobj\n", num, body)
}

func (p *pdfBuilder) stream(num int, dict string, data []byte) {
	p.offs[num] = p.buf.Len()
	fmt.Fprintf(&p.buf, "%d 0 obj\n<< %s /Length %d >>\nstream\n", num, dict, len(data))
	p.buf.Write(data)
	p.buf.WriteString("\nendstream\nendobj\n")
}

// xref writes an xref table for the given objects and a trailer.
func (p *pdfBuilder) xref(nums []int, trailer string) {
	start := p.buf.Len()
	p.buf.WriteString("xref\n0 1\n0000000000 65535 f \n")
	for _, n := range nums {
		fmt.Fprintf(&p.buf, "%d 1\n%010d 00000 n \n", n, p.offs[n])
	}
	fmt.Fprintf(&p.buf, "trailer\n%s\nstartxref\n%d\n%%%%EOF\n", trailer, start)
}

func (p *pdfBuilder) bytes() []byte { return p.buf.Bytes() }

func pdfXMP(creatorTool, createDate string) []byte {
	return []byte(`<?xpacket begin="` + "\ufeff" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 5.6-c015">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmp:CreatorTool="` + creatorTool + `">
   <xmp:CreateDate>` + createDate + `</xmp:CreateDate>
   <pdf:Producer>Acrobat Distiller 9.0</pdf:Producer>
   <dc:creator><rdf:Seq><rdf:li>Jean Dupont</rdf:li></rdf:Seq></dc:creator>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Programme</rdf:li></rdf:Alt></dc:title>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`)
}

// buildPDF makes a PDF with an Info dictionary and XMP; with update, an
// incremental update changes the Info dictionary afterwards.
func buildPDF(update bool) []byte {
	p := newPDF("1.6")
	p.obj(1, "<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R /Lang (fr-FR) >>")
	p.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	p.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>")
	p.obj(4, "<< /Title (Programme \\(v2\\)) /Author <FEFF004A00650061006E00200044007500700070006F006E0074> /Creator (Microsoft\\256 Word 2016) /Producer (Microsoft\\256 Word 2016) /CreationDate (D:20170503140211+02'00') /ModDate (D:20170503140211+02'00') >>")
	p.stream(5, "/Type /Metadata /Subtype /XML", pdfXMP("Microsoft® Word 2016", "2017-05-03T14:02:11+02:00"))
	p.xref([]int{1, 2, 3, 4, 5}, "<< /Size 6 /Root 1 0 R /Info 4 0 R >>")
	if !update {
		return p.bytes()
	}
	first := bytes.LastIndex(p.buf.Bytes(), []byte("startxref"))
	prev := 0
	fmt.Sscan(string(p.buf.Bytes()[first+10:]), &prev)
	p.obj(4, "<< /Title (Programme) /Author (Jean Duppont) /Producer (PDFedit 3.1) /CreationDate (D:20170503140211+02'00') /ModDate (D:20170612091500+03'00') >>")
	p.xref([]int{4}, fmt.Sprintf("<< /Size 6 /Root 1 0 R /Info 4 0 R /Prev %d >>", prev))
	return p.bytes()
}

// buildPDFXRefStream makes a PDF 1.5 whose Info lives in a compressed
// object stream, found through a compressed xref stream with a PNG predictor.
func buildPDFXRefStream() []byte {
	p := newPDF("1.5")
	p.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	p.obj(2, "<< /Type /Pages /Kids [] /Count 0 >>")
	// Object stream with object 4 (Info).
	info := "<< /Author (Marie Martin) /Producer (LibreOffice 7.4) /CreationDate (D:20230102101500Z) >>"
	hdr := "4 0 "
	var zb bytes.Buffer
	zw := zlib.NewWriter(&zb)
	zw.Write([]byte(hdr + info))
	zw.Close()
	p.stream(3, fmt.Sprintf("/Type /ObjStm /N 1 /First %d /Filter /FlateDecode", len(hdr)), zb.Bytes())
	// Xref stream object 5: W [1 2 1], entries for 0..5, PNG Up predictor.
	xrefOff := p.buf.Len()
	rows := [][]byte{
		{0, 0, 0, 255},
		{1, byte(p.offs[1] >> 8), byte(p.offs[1]), 0},
		{1, byte(p.offs[2] >> 8), byte(p.offs[2]), 0},
		{1, byte(p.offs[3] >> 8), byte(p.offs[3]), 0},
		{2, 0, 3, 0},
		{1, byte(xrefOff >> 8), byte(xrefOff), 0},
	}
	var raw []byte
	prev := make([]byte, 4)
	for _, r := range rows {
		raw = append(raw, 2) // PNG Up
		for i := range r {
			raw = append(raw, r[i]-prev[i])
		}
		prev = r
	}
	var xz bytes.Buffer
	zw = zlib.NewWriter(&xz)
	zw.Write(raw)
	zw.Close()
	p.stream(5, "/Type /XRef /Size 6 /W [1 2 1] /Root 1 0 R /Info 4 0 R /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >>", xz.Bytes())
	fmt.Fprintf(&p.buf, "startxref\n%d\n%%%%EOF\n", xrefOff)
	return p.bytes()
}

func buildRTF() []byte {
	return []byte(`{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times;}}{\info{\title Communiqu\'e9}{\author Jean Dupont}{\operator \u1044?\u1080?\u1085?\u1072?}{\creatim\yr2017\mo5\dy3\hr14\min2}{\revtim\yr2017\mo5\dy4\hr9\min10\sec5}{\version4}{\edmins95}{\nofpages2}{\nofwords500}{\*\company Parti}}\pard Texte.\par}`)
}

var (
	fuzzTime = time.Date(2017, 5, 3, 14, 2, 0, 0, time.UTC)
	fuzzDur  = 42 * time.Minute
)
