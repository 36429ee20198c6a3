package docmeta

import (
	"bytes"
	"strings"
	"testing"
)

// The fuzzers feed arbitrary bytes to each parser. Reading must never
// panic, and must always return a Meta naming the input.

func fuzzRead(t *testing.T, name string, data []byte) {
	m, err := ReadBytes(name, data)
	if m == nil || m.Source != name {
		t.Fatalf("Meta = %+v", m)
	}
	if err != nil && !bytes.Contains([]byte(err.Error()), []byte(name)) {
		t.Fatalf("error does not name the input: %v", err)
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, []Result{{Meta: m, Err: err}}, Check([]*Meta{m}, paris)); err != nil {
		t.Fatal(err)
	}
}

func addSeeds(f *testing.F, names ...string) {
	docs := testDocs(f)
	for _, n := range names {
		f.Add(docs[n])
	}
}

func FuzzOOXML(f *testing.F) {
	addSeeds(f, "budget.docx", "listy.xlsx")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, "f.docx", data) })
}

func FuzzODF(f *testing.F) {
	addSeeds(f, "notes.odt")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, "f.odt", data) })
}

// FuzzXML fuzzes the metadata XML parsers directly (zip framing aside).
func FuzzXML(f *testing.F) {
	f.Add([]byte(`<cp:coreProperties xmlns:cp="x" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>A</dc:creator><cp:revision>2</cp:revision></cp:coreProperties>`))
	f.Add([]byte(`<Properties xmlns:vt="v"><HeadingPairs><vt:vector size="2"><vt:variant><vt:lpstr>Листы</vt:lpstr></vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector></HeadingPairs><TotalTime>5</TotalTime></Properties>`))
	f.Add([]byte(`<office:document-meta xmlns:office="o" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"><office:meta><meta:editing-duration>PT1H2M</meta:editing-duration><meta:document-statistic meta:page-count="2"/></office:meta></office:document-meta>`))
	f.Add(pdfXMP("Word", "2017-05-03T14:02:11+02:00"))
	f.Add([]byte(strings.Replace(string(pdfXMP("Word", "2017")), "Jean", "Je\x01an &#x1F; &#0;", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, parse := range []func(*Meta, []byte) error{parseOOXMLCore, parseOOXMLApp, parseOOXMLCustom, parseODFMeta, parseXMP} {
			m := &Meta{Source: "x", Kind: KindOOXML}
			_ = parse(m, data)
			m.fillTyped()
		}
	})
}

func FuzzOLE(f *testing.F) {
	addSeeds(f, "rapport.doc", "moscou.doc")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, "f.doc", data) })
}

// FuzzPropertySet fuzzes the property-set decoder without the CFB layer.
func FuzzPropertySet(f *testing.F) {
	f.Add(buildPropertySet(fmtidSummary, 1251, []oleProp{{4, 30, "Дина"}, {12, 64, fuzzTime}, {10, 64, fuzzDur}}))
	f.Add(buildPropertySet(fmtidDocSummary, 1252, []oleProp{{12, 0x100C, []any{"Worksheets", int32(2)}}, {13, 0x101E, []string{"A", "B"}}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := &Meta{Source: "x", Kind: KindOLE}
		_ = parsePropertySet(m, data, summaryNames, true)
		m.fillTyped()
	})
}

func FuzzPDF(f *testing.F) {
	addSeeds(f, "programme.pdf", "programme-edited.pdf", "xrefstream.pdf")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, "f.pdf", data) })
}

func FuzzRTF(f *testing.F) {
	addSeeds(f, "communique.rtf")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, "f.rtf", data) })
}
