package docmeta

import (
	"bytes"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the testdata documents and golden files")

// testDocs are the documents the tests read, built in builders_test.go and
// written to testdata/ with -update (the CLI tests read them there).
func testDocs(t testing.TB) map[string][]byte {
	utc := time.UTC
	return map[string][]byte{
		"budget.docx": buildDOCX(t, docxSpec{
			creator: "Jean Dupont", lastModBy: "Marie Martin", created: "2017-05-03T14:02:00Z", modified: "2017-05-04T09:10:00Z",
			app: "Microsoft Office Word", appVersion: "16.0000", company: "Parti", template: "Normal.dotm",
			revision: 7, totalTime: 95, pages: 3,
			headingPairs: []HeadingPair{{"Title", 1}}, titles: []string{"Budget"},
			custom: [][2]string{{"Dossier", "Campagne 2017"}},
		}),
		"listy.xlsx": buildDOCX(t, docxSpec{
			creator: "Иван Петров", lastModBy: "Иван Петров", created: "2017-05-05T10:00:00Z", modified: "2017-05-05T10:00:00Z",
			app: "Microsoft Excel", appVersion: "16.0300", revision: 1, totalTime: 0, pages: 40,
			headingPairs: []HeadingPair{{"Листы", 2}}, titles: []string{"Лист1", "Лист2"},
		}),
		"notes.odt": buildODT(t, "Jean Dupont", "Marie Martin", "2017-04-28T10:36:59.716192158", "2017-04-29T18:58:38.367111677", 5, "PT21M36S"),
		"rapport.doc": buildDOC(docSpec{
			author: "Jean Dupont", lastModBy: "Marie Martin", app: "Microsoft Office Word", cp: 1252, revision: "3",
			created: time.Date(2017, 4, 20, 8, 30, 0, 0, utc), modified: time.Date(2017, 4, 21, 16, 5, 12, 0, utc),
			localOffset: 2 * time.Hour, editTime: 42 * time.Minute, pages: 4,
			headingPairs: []any{"Titre", int32(1)}, titles: []string{"Rapport"},
		}),
		"moscou.doc": buildDOC(docSpec{
			author: "Дмитрий", lastModBy: "Дмитрий", app: "Microsoft Office Word", cp: 1251, revision: "1",
			created: time.Date(2017, 5, 2, 6, 0, 0, 0, utc), modified: time.Date(2017, 5, 2, 6, 0, 0, 0, utc),
			localOffset: 3 * time.Hour, editTime: 0, pages: 40,
			headingPairs: []any{"Название", int32(1)}, titles: []string{"Отчёт"},
		}),
		"programme.pdf":        buildPDF(false),
		"programme-edited.pdf": buildPDF(true),
		"xrefstream.pdf":       buildPDFXRefStream(),
		"communique.rtf":       buildRTF(),
	}
}

func TestWriteTestdata(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata/")
	}
	for name, data := range testDocs(t) {
		if err := os.WriteFile(filepath.Join("testdata", "docs", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readTestDoc(t *testing.T, name string) *Meta {
	t.Helper()
	data, ok := testDocs(t)[name]
	if !ok {
		t.Fatalf("no test document %s", name)
	}
	m, err := ReadBytes(name, data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func TestFormats(t *testing.T) {
	cet := time.FixedZone("", 2*3600)
	tests := []struct {
		file                              string
		kind                              Kind
		typ, author, lastBy, app, company string
		created, modified                 time.Time
		revision                          int
		editTime                          time.Duration
		tags                              map[string]string // Group:Tag -> exiftool-formatted value
	}{
		{file: "budget.docx", kind: KindOOXML, typ: "DOCX", author: "Jean Dupont", lastBy: "Marie Martin", app: "Microsoft Office Word", company: "Parti",
			created: time.Date(2017, 5, 3, 14, 2, 0, 0, time.UTC), modified: time.Date(2017, 5, 4, 9, 10, 0, 0, time.UTC), revision: 7, editTime: 95 * time.Minute,
			tags: map[string]string{"XMP-dc:Creator": "Jean Dupont", "XML:CreateDate": "2017:05:03 14:02:00Z", "XML:TotalEditTime": "1.6 hours", "XML:HeadingPairs": "Title, 1", "XML:Dossier": "Campagne 2017", "XML:LinksUpToDate": "No"}},
		{file: "notes.odt", kind: KindODF, typ: "ODT", author: "Jean Dupont", lastBy: "Marie Martin", app: "LibreOffice/7.4.7.2$Linux_X86_64 LibreOffice_project/40$Build-2",
			created: time.Date(2017, 4, 28, 10, 36, 59, 716192158, time.UTC), modified: time.Date(2017, 4, 29, 18, 58, 38, 367111677, time.UTC), revision: 5, editTime: 21*time.Minute + 36*time.Second,
			tags: map[string]string{"XMP-meta:Creation-date": "2017:04:28 10:36:59.716192158", "XMP-meta:Editing-duration": "PT21M36S", "XMP-meta:Document-statisticPage-count": "3"}},
		{file: "rapport.doc", kind: KindOLE, typ: "DOC", author: "Jean Dupont", lastBy: "Marie Martin", app: "Microsoft Office Word", company: "Parti",
			created: time.Date(2017, 4, 20, 8, 30, 0, 0, time.UTC), modified: time.Date(2017, 4, 21, 16, 5, 12, 0, time.UTC), revision: 3, editTime: 42 * time.Minute,
			tags: map[string]string{"FlashPix:CreateDate": "2017:04:20 08:30:00", "FlashPix:TotalEditTime": "42.0 minutes", "MS-DOC:CreateDate": "2017:04:20 10:30:00", "FlashPix:HeadingPairs": "Titre, 1", "FlashPix:LanguageCode": "French", "FlashPix:CodePage": "Windows Latin 1 (Western European)"}},
		{file: "moscou.doc", kind: KindOLE, typ: "DOC", author: "Дмитрий", lastBy: "Дмитрий", app: "Microsoft Office Word", company: "Parti",
			created: time.Date(2017, 5, 2, 6, 0, 0, 0, time.UTC), modified: time.Date(2017, 5, 2, 6, 0, 0, 0, time.UTC), revision: 1,
			tags: map[string]string{"FlashPix:CodePage": "Windows Cyrillic", "FlashPix:TitleOfParts": "Отчёт"}},
		{file: "programme.pdf", kind: KindPDF, typ: "PDF", author: "Jean Duppont", app: "Microsoft® Word 2016",
			created: time.Date(2017, 5, 3, 14, 2, 11, 0, cet), modified: time.Date(2017, 5, 3, 14, 2, 11, 0, cet), revision: -1,
			tags: map[string]string{"PDF:Title": "Programme (v2)", "PDF:CreateDate": "2017:05:03 14:02:11+02:00", "XMP-xmp:CreatorTool": "Microsoft® Word 2016", "XMP-dc:Creator": "Jean Dupont", "XMP-dc:Title": "Programme", "XMP-pdf:Producer": "Acrobat Distiller 9.0", "XMP-xmp:CreateDate": "2017:05:03 14:02:11+02:00", "PDF:Language": "fr-FR", "PDF:PageCount": "1"}},
		{file: "xrefstream.pdf", kind: KindPDF, typ: "PDF", author: "Marie Martin", app: "LibreOffice 7.4",
			created: time.Date(2023, 1, 2, 10, 15, 0, 0, time.UTC), revision: -1,
			tags: map[string]string{"PDF:Producer": "LibreOffice 7.4", "PDF:CreateDate": "2023:01:02 10:15:00Z", "PDF:PDFVersion": "1.5"}},
		{file: "communique.rtf", kind: KindRTF, typ: "RTF", author: "Jean Dupont", lastBy: "Дина", company: "Parti",
			created: time.Date(2017, 5, 3, 14, 2, 0, 0, time.UTC), modified: time.Date(2017, 5, 4, 9, 10, 5, 0, time.UTC), revision: 4, editTime: 95 * time.Minute,
			tags: map[string]string{"RTF:Title": "Communiqué", "RTF:CreateDate": "2017:05:03 14:02:00", "RTF:TotalEditTime": "1.6 hours"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m := readTestDoc(t, tt.file)
			if m.Kind != tt.kind || m.Type != tt.typ {
				t.Errorf("kind/type = %s/%s, want %s/%s", m.Kind, m.Type, tt.kind, tt.typ)
			}
			if m.Author != tt.author || m.LastModifiedBy != tt.lastBy {
				t.Errorf("author/last = %q/%q, want %q/%q", m.Author, m.LastModifiedBy, tt.author, tt.lastBy)
			}
			if m.Application != tt.app || m.Company != tt.company {
				t.Errorf("app/company = %q/%q, want %q/%q", m.Application, m.Company, tt.app, tt.company)
			}
			if !m.Created.Equal(tt.created) || !m.Modified.Equal(tt.modified) && !tt.modified.IsZero() {
				t.Errorf("created/modified = %v/%v, want %v/%v", m.Created, m.Modified, tt.created, tt.modified)
			}
			switch {
			case tt.revision < 0 && m.Revision != nil:
				t.Errorf("revision = %d, want none", *m.Revision)
			case tt.revision >= 0 && (m.Revision == nil || *m.Revision != tt.revision):
				t.Errorf("revision = %v, want %d", m.Revision, tt.revision)
			}
			if tt.editTime > 0 && (m.TotalEditTime == nil || *m.TotalEditTime != tt.editTime) {
				t.Errorf("edit time = %v, want %v", m.TotalEditTime, tt.editTime)
			}
			for k, want := range tt.tags {
				g, n, _ := strings.Cut(k, ":")
				if got, ok := m.Get(g, n); !ok || got != want {
					t.Errorf("%s = %q (found %v), want %q", k, got, ok, want)
				}
			}
		})
	}
}

func TestWordTimeZone(t *testing.T) {
	m := readTestDoc(t, "rapport.doc")
	if len(m.TZ) == 0 {
		t.Fatal("no time-zone evidence")
	}
	for _, ev := range m.TZ {
		if ev.Offset != 2*time.Hour {
			t.Errorf("%s: offset %v, want +2h", ev.Source, ev.Offset)
		}
	}
}

func TestPDFIncrementalUpdate(t *testing.T) {
	orig := readTestDoc(t, "programme.pdf")
	if orig.PDF.Updates != 0 {
		t.Errorf("original: %d updates, want 0", orig.PDF.Updates)
	}
	ed := readTestDoc(t, "programme-edited.pdf")
	if ed.PDF.Updates != 1 || ed.PDF.XRefCount != 2 {
		t.Errorf("edited: %d updates / %d xrefs, want 1/2", ed.PDF.Updates, ed.PDF.XRefCount)
	}
	if ed.PDF.Producer != "PDFedit 3.1" {
		t.Errorf("edited producer = %q, want the updated Info's", ed.PDF.Producer)
	}
	if v, _ := ed.Get("PDF", "ModifyDate"); v != "2017:06:12 09:15:00+03:00" {
		t.Errorf("ModifyDate = %q", v)
	}
	var offs []time.Duration
	for _, ev := range ed.TZ {
		offs = append(offs, ev.Offset)
	}
	if !containsDur(offs, 3*time.Hour) || !containsDur(offs, 2*time.Hour) {
		t.Errorf("time zones = %v, want +2h and +3h", offs)
	}
}

func containsDur(ds []time.Duration, d time.Duration) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

func TestPDFStrings(t *testing.T) {
	tests := map[string]string{
		"\xfe\xff\x00A\x04\x14": "AД",
		"caf\xe9":               "café",
		"\x8d\x8e":              "“”",
		"\xef\xbb\xbfok":        "ok",
	}
	for in, want := range tests {
		if got := pdfText([]byte(in)); got != want {
			t.Errorf("pdfText(%q) = %q, want %q", in, got, want)
		}
	}
	dates := map[string]string{
		"D:20120928220531Z":       "2012:09:28 22:05:31Z",
		"D:20170503140211+02'00'": "2017:05:03 14:02:11+02:00",
		"D:20170503140211-05'30":  "2017:05:03 14:02:11-05:30",
		"D:2017":                  "2017:01:01 00:00:00",
		"garbage":                 "garbage",
		"D:20100101000000Z00'00'": "2010:01:01 00:00:00Z",
	}
	for in, want := range dates {
		if got := convertPDFDate(in); got != want {
			t.Errorf("convertPDFDate(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBadInput: every malformed document gives a result or a clear error
// naming the problem, never a panic.
func TestBadInput(t *testing.T) {
	docs := testDocs(t)
	var bomb bytes.Buffer
	bombZip := buildZip(t, [][2]string{{"[Content_Types].xml", "<Types/>"}, {"docProps/core.xml", strings.Repeat(" ", 20<<20)}})
	bomb.Write(bombZip)
	tests := []struct {
		name    string
		data    []byte
		wantErr string // substring; "" = must succeed
	}{
		{"empty.docx", nil, "not a document format"},
		{"text.pdf", []byte("hello"), "not a document format"},
		{"truncated.docx", docs["budget.docx"][:200], "corrupt zip"},
		{"bomb.docx", bomb.Bytes(), "over the limit"},
		{"truncated.doc", docs["rapport.doc"][:700], ""},
		{"header-only.doc", docs["rapport.doc"][:512], "corrupt OLE"},
		{"no-xref.pdf", []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF"), "no trailer"},
		{"truncated.pdf", docs["programme.pdf"][:300], ""},
		{"open.rtf", []byte(`{\rtf1{\info{\author X}`), "not closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ReadBytes(tt.name, tt.data)
			if m == nil {
				t.Fatal("nil Meta")
			}
			if tt.wantErr == "" {
				if err != nil && !strings.Contains(err.Error(), tt.name) {
					t.Errorf("error does not name the input: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.name) {
				t.Errorf("err = %v, want one naming %s and saying %q", err, tt.name, tt.wantErr)
			}
		})
	}
}

func TestDamagedZip(t *testing.T) {
	// Without its central directory the archive is read from its local headers.
	data := testDocs(t)["budget.docx"]
	cut := bytes.Index(data, []byte("PK\x01\x02"))
	m, err := ReadBytes("cut.docx", data[:cut])
	if err != nil {
		t.Fatal(err)
	}
	if m.Author != "Jean Dupont" || m.Application != "Microsoft Office Word" || len(m.Warnings) == 0 {
		t.Errorf("author %q app %q warnings %v", m.Author, m.Application, m.Warnings)
	}
}

func TestCFBLoop(t *testing.T) {
	data := append([]byte(nil), testDocs(t)["rapport.doc"]...)
	// Point every FAT entry of the first FAT sector (the header's first
	// DIFAT entry) at sector 0: chains loop.
	fatOff := 512 * (1 + int(binary.LittleEndian.Uint32(data[76:])))
	for i := 0; i < 512; i += 4 {
		data[fatOff+i] = 0
		data[fatOff+i+1] = 0
		data[fatOff+i+2] = 0
		data[fatOff+i+3] = 0
	}
	_, err := ReadBytes("loop.doc", data)
	if err == nil || !strings.Contains(err.Error(), "loop") {
		t.Errorf("err = %v, want a sector chain loop", err)
	}
}

func TestGoldenJSON(t *testing.T) {
	docs := testDocs(t)
	names := []string{"budget.docx", "listy.xlsx", "notes.odt", "rapport.doc", "moscou.doc", "programme.pdf", "programme-edited.pdf", "xrefstream.pdf", "communique.rtf"}
	var results []Result
	for _, n := range names {
		m, err := ReadBytes(n, docs[n])
		results = append(results, Result{Meta: m, Err: err})
	}
	m, err := ReadBytes("broken.pdf", []byte("%PDF-1.4 nothing"))
	results = append(results, Result{Meta: m, Err: err})
	var metas []*Meta
	for _, r := range results {
		metas = append(metas, r.Meta)
	}
	anomalies := Check(metas, OrgProfile{
		Staff: []string{"Jean Dupont", "Martin, Marie"}, Offsets: []time.Duration{time.Hour, 2 * time.Hour},
		Languages: []string{"fr", "en"}, Tools: []string{"Microsoft", "LibreOffice"},
		TheftDate: time.Date(2017, 5, 4, 0, 0, 0, 0, time.UTC),
	})
	var js, txt bytes.Buffer
	if err := WriteJSON(&js, results, anomalies); err != nil {
		t.Fatal(err)
	}
	if err := WriteText(&txt, results, anomalies); err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/golden/meta.json", js.Bytes())
	golden(t, "testdata/golden/meta.txt", txt.Bytes())
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; run with -update and review the diff.\ngot:\n%s", path, got)
	}
}

// TestMetaEncryptedPDF reads copies of programme.pdf encrypted by qpdf 11.3
// (`qpdf --encrypt "" owner 40|128 --use-aes=y|256 -- programme.pdf
// enc-N.pdf`, and with the user password "secret" for enc-password.pdf).
func TestMetaEncryptedPDF(t *testing.T) {
	tests := []struct {
		file, encryption string
		readable         bool
	}{
		{"enc-40.pdf", "Standard V1.2 (40-bit)", true},
		{"enc-128.pdf", "Standard V4.4 (128-bit)", true},
		{"enc-256.pdf", "Standard V5.6 (256-bit)", true},
		{"enc-password.pdf", "Standard V5.6 (256-bit)", false},
		// strings of objects kept in an object stream are decrypted with
		// the stream, not again on their own; made with
		// qpdf --object-streams=generate --encrypt "" owner 256 -- programme.pdf enc-objstm.pdf
		{"enc-objstm.pdf", "Standard V5.6 (256-bit)", true},
		{"enc-objstm-rc4.pdf", "Standard V2.3 (128-bit)", true},    // ... --allow-weak-crypto --encrypt "" owner 128 --use-aes=n
		{"enc-objstm-aes128.pdf", "Standard V4.4 (128-bit)", true}, // ... --allow-weak-crypto --encrypt "" owner 128 --use-aes=y
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := Read(filepath.Join("testdata", "docs", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !m.Encrypted || m.PDF.Encryption != tt.encryption || m.PDF.Decrypted != tt.readable {
				t.Errorf("encrypted=%v encryption=%q decrypted=%v", m.Encrypted, m.PDF.Encryption, m.PDF.Decrypted)
			}
			if tt.readable {
				if m.Author != "Jean Duppont" || m.Title != "Programme (v2)" {
					t.Errorf("author/title = %q/%q", m.Author, m.Title)
				}
				if v, _ := m.Get("XMP-dc", "Creator"); v != "Jean Dupont" {
					t.Errorf("XMP not decrypted: dc:creator = %q", v)
				}
			} else if m.Author != "" || len(m.Warnings) == 0 {
				t.Errorf("password-protected: author %q, warnings %v", m.Author, m.Warnings)
			}
		})
	}
}
