package leak

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/docmeta"
	"github.com/vigie-project/vigie/internal/docmeta/doctest"
	"github.com/vigie-project/vigie/internal/leak/msg/msgtest"
	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/dkim"
)

func zipOf(t testing.TB, files [][2]string) []byte {
	t.Helper()
	return doctest.Zip(time.Date(2017, 5, 1, 0, 0, 0, 0, time.UTC), files...)
}

type docSpec struct {
	creator, lastModBy, created, modified, app string
	paragraphs                                 []string
}

func docx(t testing.TB, s docSpec) []byte {
	core := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Note</dc:title><dc:creator>%s</dc:creator><cp:lastModifiedBy>%s</cp:lastModifiedBy><cp:revision>3</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">%s</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">%s</dcterms:modified></cp:coreProperties>`,
		s.creator, s.lastModBy, s.created, s.modified)
	app := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><TotalTime>42</TotalTime><Pages>2</Pages><Application>%s</Application><AppVersion>16.0000</AppVersion></Properties>`, s.app)
	var body strings.Builder
	body.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	for _, p := range s.paragraphs {
		fmt.Fprintf(&body, `<w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:t>%s</w:t></w:r></w:p>`, p)
	}
	body.WriteString(`</w:body></w:document>`)
	return zipOf(t, [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"docProps/core.xml", core},
		{"docProps/app.xml", app},
		{"word/document.xml", body.String()},
	})
}

func odt(t testing.TB, creator, date string, paragraphs []string) []byte {
	meta := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"><office:meta><meta:initial-creator>%s</meta:initial-creator><dc:creator>%s</dc:creator><meta:creation-date>%s</meta:creation-date><dc:date>%s</dc:date><meta:editing-cycles>2</meta:editing-cycles><meta:editing-duration>PT1H</meta:editing-duration><meta:generator>LibreOffice/7.4.7.2$Linux_X86_64</meta:generator></office:meta></office:document-meta>`, creator, creator, date, date)
	var c strings.Builder
	c.WriteString(`<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>`)
	for _, p := range paragraphs {
		fmt.Fprintf(&c, `<text:p>%s</text:p>`, p)
	}
	c.WriteString(`</office:text></office:body></office:document-content>`)
	return zipOf(t, [][2]string{{"mimetype", "application/vnd.oasis.opendocument.text"}, {"meta.xml", meta}, {"content.xml", c.String()}})
}

var budgetText = []string{
	"Campaign budget for the second round, prepared by the treasurer for the steering committee.",
	"Rally in Lyon on 3 May: hall rental, sound system and security, total forty two thousand euros.",
	"Printing of leaflets for the final week: two million copies ordered from the usual printer.",
	"Online advertising is capped at the amount allowed by the electoral commission.",
	"All spending above five thousand euros needs the signature of the treasurer and the director.",
	"The accounts will be filed with the commission within the legal deadline after the vote.",
}

// leakFixture builds a realistic leak: the party's originals, a dump with
// exact copies, edited copies, forgeries with planted metadata, signed
// and tampered mail, and broken files; and the key archive.
type leakFixture struct {
	dump, originals, keys string
	want                  map[string]Verdict
}

const mailDate = "Fri, 05 May 2017 10:00:00 +0200"

func mailOf(from, subject, msgid, body string) string {
	return "From: " + from + "\r\nTo: staff@en-marche.example\r\nSubject: " + subject + "\r\nDate: " + mailDate + "\r\nMessage-ID: <" + msgid + ">\r\n\r\n" + body
}

func buildLeak(t *testing.T) *leakFixture {
	t.Helper()
	dir := t.TempDir()
	f := &leakFixture{dump: filepath.Join(dir, "dump"), originals: filepath.Join(dir, "party"), keys: filepath.Join(dir, "keys.zone"), want: map[string]Verdict{}}
	for _, d := range []string{f.dump, f.originals, filepath.Join(f.dump, "docs"), filepath.Join(f.dump, "mail")} {
		os.MkdirAll(d, 0o755)
	}
	write := func(p string, b []byte) {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// DKIM keys: s2017 was rotated out of DNS; it is in the archive with
	// its validity dates. Signatures expire (x=) a week after signing.
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	rec, _ := dkim.KeyRecord(key.Public())
	write(f.keys, []byte("; archived DKIM keys of en-marche.example\n"+
		"s2017._domainkey.en-marche.example. IN TXT \""+rec+"\" ; valid 2016-01-01..2017-12-31\n"))
	signedAt := time.Date(2017, 5, 5, 8, 0, 0, 0, time.UTC)
	sign := func(msg string, o dkim.SignOptions) string {
		o.Domain, o.Selector, o.Signer, o.Time = "en-marche.example", "s2017", key, signedAt
		o.Expiration = signedAt.Add(7 * 24 * time.Hour)
		sig, err := dkim.Sign([]byte(msg), o)
		if err != nil {
			t.Fatal(err)
		}
		return string(sig) + msg
	}
	genuine := mailOf("Treasurer <treasurer@en-marche.example>", "Budget second round", "m1@en-marche.example", "The budget is attached to the shared folder.\r\nPlease review before Thursday.\r\n")
	signedGenuine := sign(genuine, dkim.SignOptions{})
	write(filepath.Join(f.dump, "mail", "01-genuine.eml"), []byte(signedGenuine))
	f.want["mail/01-genuine.eml"] = Authentic // x= has passed since and the key is only in the archive: notes, not caveats

	tampered := strings.Replace(signedGenuine, "before Thursday", "and wire the funds offshore before Thursday", 1)
	write(filepath.Join(f.dump, "mail", "02-tampered.eml"), []byte(tampered))
	f.want["mail/02-tampered.eml"] = Altered

	lmsg := mailOf("Director <director@en-marche.example>", "Meeting", "m3@en-marche.example", "Meeting moved to 18:00.\r\n")
	appended := sign(lmsg, dkim.SignOptions{BodyLength: true}) + "P.S. Destroy the documents after reading.\r\n"
	unsigned := mailOf("Volunteer <vol@gmail.example>", "Posters", "m4@gmail.example", "Posters are ready.\r\n")
	// The party's copy of m5 says Tuesday; the leak says Sunday; unsigned.
	m5orig := mailOf("Press <press@en-marche.example>", "Press conference", "m5@en-marche.example", "The press conference is on Tuesday at noon.\r\nBring the badges.\r\n")
	m5leak := strings.Replace(m5orig, "Tuesday at noon", "Sunday at midnight", 1)
	mbox := "From treasurer@en-marche.example Fri May  5 10:00:00 2017\n" + strings.ReplaceAll(appended, "\r\n", "\n") + "\n" +
		"From vol@gmail.example Fri May  5 11:00:00 2017\n" + strings.ReplaceAll(unsigned, "\r\n", "\n") + "\n" +
		"From press@en-marche.example Fri May  5 12:00:00 2017\n" + strings.ReplaceAll(m5leak, "\r\n", "\n") + "\n"
	write(filepath.Join(f.dump, "mail", "inbox.mbox"), []byte(mbox))
	f.want["mail/inbox.mbox#1"] = Altered // text appended after l=
	f.want["mail/inbox.mbox#2"] = Unverifiable
	f.want["mail/inbox.mbox#3"] = Altered
	write(filepath.Join(f.originals, "sent.mbox"), []byte("From press@en-marche.example Fri May  5 12:00:00 2017\n"+strings.ReplaceAll(m5orig, "\r\n", "\n")+"\n"))

	// Documents.
	staffDoc := docSpec{creator: "Jean Dupont", lastModBy: "Jean Dupont", created: "2017-04-20T09:00:00Z", modified: "2017-04-21T16:30:00Z", app: "Microsoft Office Word", paragraphs: budgetText}
	budget := docx(t, staffDoc)
	write(filepath.Join(f.originals, "Budget.docx"), budget)
	write(filepath.Join(f.dump, "docs", "Budget.docx"), budget)
	f.want["docs/Budget.docx"] = IdenticalToOriginal

	planning := append([]string(nil), budgetText...)
	planning[0] = "Planning of the last week of the campaign, for the steering committee only."
	origPlanning := docx(t, docSpec{creator: "Marie Martin", lastModBy: "Marie Martin", created: "2017-04-22T08:00:00Z", modified: "2017-04-22T10:00:00Z", app: "Microsoft Office Word", paragraphs: planning})
	write(filepath.Join(f.originals, "Planning.docx"), origPlanning)
	edited := append([]string(nil), planning...)
	edited[3] = "Online advertising is paid in cash through an offshore account to avoid the commission."
	leakPlanning := docx(t, docSpec{creator: "Marie Martin", lastModBy: "Marie Martin", created: "2017-04-22T08:00:00Z", modified: "2017-05-04T22:10:00Z", app: "Microsoft Office Word", paragraphs: edited})
	write(filepath.Join(f.dump, "docs", "Planning-final.docx"), leakPlanning)
	f.want["docs/Planning-final.docx"] = ModifiedCopy

	// Forgeries with no original: a Cyrillic editor; saved after the theft.
	forged := docx(t, docSpec{creator: "Jean Dupont", lastModBy: "Роман Сидоров", created: "2017-05-02T10:00:00Z", modified: "2017-05-05T10:00:00Z", app: "Microsoft Office Word",
		paragraphs: []string{"Secret agreement to finance the campaign with undeclared donations from abroad."}})
	write(filepath.Join(f.dump, "docs", "Accord-secret.docx"), forged)
	f.want["docs/Accord-secret.docx"] = Suspicious

	// A message carrying the budget and the forgery as attachments: each
	// attachment is examined as a document of its own.
	att := "From: Treasurer <treasurer@en-marche.example>\r\nTo: staff@en-marche.example\r\nSubject: Documents\r\nDate: " + mailDate +
		"\r\nMessage-ID: <m6@en-marche.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n" +
		"--b1\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=\"Budget.docx\"\r\nContent-Disposition: attachment; filename=\"Budget.docx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(budget) + "\r\n" +
		"--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"Accord.docx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(forged) + "\r\n--b1--\r\n"
	write(filepath.Join(f.dump, "mail", "05-attachments.eml"), []byte(att))
	f.want["mail/05-attachments.eml"] = Unverifiable
	f.want["mail/05-attachments.eml!Budget.docx"] = IdenticalToOriginal
	f.want["mail/05-attachments.eml!Accord.docx"] = Suspicious

	// A press release in PDF, re-issued in the dump with one sentence
	// changed and a later modification date; and a speech in RTF edited
	// the same way under another name. Both are found by their text.
	release := []string{
		"Press release of the campaign team, Paris, 2 May 2017.",
		"The candidate will hold a final rally in Paris on Friday evening.",
		"The programme for education and research is published in full today.",
		"Volunteers will canvass in every department during the last weekend.",
		"The campaign thanks the fifty thousand donors for their support.",
		"Contact for the press: the spokesperson of the campaign.",
	}
	pdfOrig := pdfSpec{author: "Marie Martin", creator: "Writer", producer: "LibreOffice 5.3", created: "D:20170502090000+02'00'", modified: "D:20170502090000+02'00'", pages: [][]string{release[:3], release[3:]}}
	write(filepath.Join(f.originals, "Communique.pdf"), pdfOf(t, pdfOrig))
	pdfLeak := pdfOrig
	pdfLeak.modified = "D:20170504221000+03'00'"
	pdfLeak.pages = [][]string{release[:3], append([]string{release[3], "The campaign thanks its donors in the Cayman Islands for their discreet support."}, release[5:]...)}
	write(filepath.Join(f.dump, "docs", "Communique-2mai.pdf"), pdfOf(t, pdfLeak))
	f.want["docs/Communique-2mai.pdf"] = ModifiedCopy

	rtfDoc := func(lines []string) []byte {
		var b strings.Builder
		b.WriteString(`{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times New Roman;}}{\info{\author Jean Dupont}{\creatim\yr2017\mo4\dy28\hr10\min0}}\f0\fs24 `)
		for _, l := range lines {
			b.WriteString(l + `\par ` + "\n")
		}
		b.WriteString("}")
		return []byte(b.String())
	}
	speech := []string{
		"Speech for the rally in Lyon, draft of 28 April.",
		"We will reform the school so that every child learns to read.",
		"We will invest in research and in the universities of every region.",
		"We will protect the workers who lose their jobs with new training.",
		"We will defend Europe, because it protects us in a dangerous world.",
		"Thank you all, and long live the Republic.",
	}
	write(filepath.Join(f.originals, "Discours.rtf"), rtfDoc(speech))
	edited2 := append([]string(nil), speech...)
	edited2[3] = "We will cut the benefits of the workers who lose their jobs."
	write(filepath.Join(f.dump, "docs", "Discours Lyon final.rtf"), rtfDoc(edited2))
	f.want["docs/Discours Lyon final.rtf"] = ModifiedCopy

	// The April expenses in a legacy Excel workbook, leaked with one
	// amount multiplied by ten, last saved by someone else after the theft.
	expenses := [][]any{
		{"Poste", "Montant (EUR)"},
		{"Location de la salle à Lyon", 12500},
		{"Sonorisation et éclairage", 8200},
		{"Service de sécurité", 6400},
		{"Impression des tracts", 15300.5},
		{"Affichage", 4750},
		{"Déplacements du candidat", 9100},
		{"Total", 56250.5},
	}
	xlsOrig := doctest.Props{Title: "Depenses avril", Author: "Jean Dupont", LastAuthor: "Jean Dupont", Application: "Microsoft Excel",
		Created: time.Date(2017, 4, 3, 9, 0, 0, 0, time.UTC), Modified: time.Date(2017, 4, 28, 17, 45, 0, 0, time.UTC)}
	write(filepath.Join(f.originals, "Depenses.xls"), doctest.XLSWithProps(xlsOrig, doctest.Sheet{Name: "Dépenses", Rows: expenses}))
	forgedExpenses := append([][]any(nil), expenses...)
	forgedExpenses[1] = []any{"Location de la salle à Lyon", 125000}
	xlsLeak := xlsOrig
	xlsLeak.LastAuthor, xlsLeak.Modified, xlsLeak.CodePage = "Роман Сидоров", time.Date(2017, 5, 4, 23, 5, 0, 0, time.UTC), 1251
	write(filepath.Join(f.dump, "docs", "Depenses-avril.xls"), doctest.XLSWithProps(xlsLeak, doctest.Sheet{Name: "Dépenses", Rows: forgedExpenses}))
	f.want["docs/Depenses-avril.xls"] = ModifiedCopy

	// A genuine-looking document the party did not keep.
	write(filepath.Join(f.dump, "docs", "Minutes.odt"), odt(t, "Marie Martin", "2017-04-18T14:00:00", []string{"Minutes of the meeting of 18 April.", "Attendance: twelve members."}))
	f.want["docs/Minutes.odt"] = NoOriginal

	// Bad input: a corrupt document, a zip with a bomb-like member and a
	// good member, a .msg.
	write(filepath.Join(f.dump, "docs", "broken.docx"), []byte("PK\x03\x04 this is not a zip"))
	f.want["docs/broken.docx"] = Error
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	w, _ := zw.Create("zeros.eml")
	w.Write(make([]byte, 5<<20))
	w, _ = zw.Create("inner/04-genuine-copy.eml")
	w.Write([]byte(signedGenuine))
	zw.Close()
	write(filepath.Join(f.dump, "archive.zip"), bomb.Bytes())
	f.want["archive.zip!zeros.eml"] = Error
	f.want["archive.zip!inner/04-genuine-copy.eml"] = Authentic
	write(filepath.Join(f.dump, "mail", "outlook.msg"), []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0})
	f.want["mail/outlook.msg"] = Error // not a compound file
	// Outlook .msg copies of m5: one faithful, one with the body changed.
	m5hdr := m5orig[:strings.Index(m5orig, "\r\n\r\n")+2]
	write(filepath.Join(f.dump, "mail", "press.msg"), msgtest.Build(m5hdr, "Press conference", "The press conference is on Tuesday at noon.\r\nBring the badges.\r\n"))
	f.want["mail/press.msg"] = Unverifiable
	write(filepath.Join(f.dump, "mail", "press-forged.msg"), msgtest.Build(m5hdr, "Press conference", "The press conference is cancelled.\r\nBring the badges.\r\n"))
	f.want["mail/press-forged.msg"] = Altered
	// msgtest attaches a truncated "Budget.docx": examined, reported broken.
	f.want["mail/press.msg!Budget.docx"] = Error
	f.want["mail/press-forged.msg!Budget.docx"] = Error
	return f
}

func (f *leakFixture) config(out string) Config {
	ar, err := mailauth.LoadArchiveFile(f.keys)
	if err != nil {
		panic(err)
	}
	return Config{
		Dump: f.dump, Originals: f.originals, Out: out, Resume: true, Resolver: ar, Keys: f.keys,
		Org: docmeta.OrgProfile{Staff: []string{"Jean Dupont", "Marie Martin"}, TheftDate: time.Date(2017, 5, 3, 0, 0, 0, 0, time.UTC)},
		Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

func TestRealisticLeak(t *testing.T) {
	f := buildLeak(t)
	out := filepath.Join(t.TempDir(), "report")
	if d := os.Getenv("VIGIE_LEAK_REPORT_DIR"); d != "" {
		out = d // keep the report to look at it (e.g. a screenshot)
		os.Remove(filepath.Join(d, checkpointName))
	}
	rep, err := Run(context.Background(), f.config(out))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*Item{}
	for _, it := range rep.Items {
		rel, ok := strings.CutPrefix(it.Path, "dump/")
		if !ok {
			t.Errorf("path %q is not relative to the dump", it.Path)
		}
		got[rel] = it
	}
	for p, want := range f.want {
		it := got[p]
		if it == nil {
			t.Errorf("%s: missing from the report", p)
			continue
		}
		if it.Verdict != want {
			t.Errorf("%s: verdict %s, want %s; reasons %q; error %q", p, it.Verdict, want, it.Reasons, it.Error)
		}
	}
	if len(rep.Items) != len(f.want) {
		for p := range got {
			if _, ok := f.want[p]; !ok {
				t.Errorf("unexpected item %s: %s %q", p, got[p].Verdict, got[p].Reasons)
			}
		}
	}
	// The evidence a reader checks.
	if d := got["docs/Planning-final.docx"].Original; d == nil || !strings.Contains(d.TextDiff, "+Online advertising is paid in cash") || !strings.Contains(d.TextDiff, "-Online advertising is capped") {
		t.Errorf("modified copy: diff does not show the change: %+v", d)
	} else if len(d.Metadata) == 0 || d.Metadata[0].Field != "Modified" {
		t.Errorf("modified copy: metadata change not shown: %+v", d.Metadata)
	}
	if d := got["docs/Communique-2mai.pdf"].Original; d == nil || !strings.Contains(d.TextDiff, "+The campaign thanks its donors in the Cayman Islands") || !strings.Contains(d.TextDiff, "-The campaign thanks the fifty thousand donors") {
		t.Errorf("modified PDF: diff does not show the change: %+v", d)
	}
	if d := got["docs/Discours Lyon final.rtf"].Original; d == nil || d.Match == "same-name" || !strings.Contains(d.TextDiff, "+We will cut the benefits") {
		t.Errorf("modified RTF: not matched by its text, or diff does not show the change: %+v", d)
	}
	if d := got["docs/Depenses-avril.xls"].Original; d == nil || !strings.Contains(d.TextDiff, "+Location de la salle à Lyon\t125000") || !strings.Contains(d.TextDiff, "-Location de la salle à Lyon\t12500\n") {
		t.Errorf("modified workbook: diff does not show the changed amount: %+v", d)
	} else if !slices.ContainsFunc(d.Metadata, func(c FieldChange) bool {
		return c.Field == "Last modified by" && c.Original == "Jean Dupont" && c.Leaked == "Роман Сидоров"
	}) {
		t.Errorf("modified workbook: last author change not shown: %+v", d.Metadata)
	}
	if it := got["mail/inbox.mbox#3"]; it.Original == nil || len(it.Original.Headers) != 0 || !strings.Contains(it.Original.TextDiff, "+The press conference is on Sunday at midnight.") {
		t.Errorf("mbox#3: comparison with the party's copy: %+v", it.Original)
	}
	if it := got["mail/02-tampered.eml"]; !strings.Contains(strings.Join(it.Mail.DKIM.AlteredParts, ","), "body") {
		t.Errorf("tampered: altered parts %v", it.Mail.DKIM.AlteredParts)
	}
	if it := got["mail/inbox.mbox#1"]; !strings.Contains(strings.Join(it.Reasons, " "), "l=") {
		t.Errorf("l= caveat not reported: %q", it.Reasons)
	}
	if it := got["docs/Accord-secret.docx"]; it.Document == nil || len(it.Document.Anomalies) == 0 {
		t.Errorf("forgery: no anomaly")
	} else {
		rules := ""
		for _, a := range it.Document.Anomalies {
			rules += a.Rule + " "
		}
		for _, r := range []string{docmeta.RuleForeignScript, docmeta.RuleAfterTheft} {
			if !strings.Contains(rules, r) {
				t.Errorf("forgery: anomaly %s missing (have %s)", r, rules)
			}
		}
	}
	// Files.
	var js struct {
		Items []map[string]any `json:"items"`
	}
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil || json.Unmarshal(b, &js) != nil || len(js.Items) != len(rep.Items) {
		t.Fatalf("report.json: %v", err)
	}
	for _, k := range []string{"path", "kind", "verdict", "reasons"} {
		if _, ok := js.Items[0][k]; !ok {
			t.Errorf("report.json items lack %q", k)
		}
	}
	cf, _ := os.Open(filepath.Join(out, "items.csv"))
	rows, err := csv.NewReader(cf).ReadAll()
	cf.Close()
	if err != nil || len(rows) != len(rep.Items)+1 {
		t.Errorf("items.csv: %d rows, %v", len(rows), err)
	}
	html, _ := os.ReadFile(filepath.Join(out, "report.html"))
	for _, s := range []string{"<svg", "Method and limits", "Modified copy", "Online advertising is paid in cash"} {
		if !bytes.Contains(html, []byte(s)) {
			t.Errorf("report.html lacks %q", s)
		}
	}
	for _, s := range []string{"<script", "http://", "https://"} {
		if bytes.Contains(bytes.ReplaceAll(html, []byte(`xmlns="http://www.w3.org/2000/svg"`), nil), []byte(s)) {
			t.Errorf("report.html is not self-contained: has %q", s)
		}
	}

	// The output directory inside the dump is not examined.
	inside := f.config(filepath.Join(f.dump, "report"))
	if _, err := Run(context.Background(), inside); err != nil {
		t.Fatal(err)
	}
	again, err := Run(context.Background(), inside)
	if err != nil || len(again.Items) != len(rep.Items) {
		t.Errorf("output inside the dump: %d items, want %d (%v)", len(again.Items), len(rep.Items), err)
	}
	os.RemoveAll(filepath.Join(f.dump, "report"))

	// Resume: a second run takes every item from the checkpoint and
	// reaches the same verdicts.
	rep2, err := Run(context.Background(), f.config(out))
	if err != nil {
		t.Fatal(err)
	}
	if rep2.Resumed != len(rep.Items) {
		t.Errorf("resumed %d items, want %d", rep2.Resumed, len(rep.Items))
	}
	for i := range rep.Items {
		if rep.Items[i].Path != rep2.Items[i].Path || rep.Items[i].Verdict != rep2.Items[i].Verdict {
			t.Errorf("resumed run differs at %s: %s vs %s", rep.Items[i].Path, rep.Items[i].Verdict, rep2.Items[i].Verdict)
		}
	}
}

// TestResumeAfterInterruption stops a run part-way (as Ctrl-C would) and
// checks that the next run takes the finished files from the checkpoint
// and ends with the same report as an uninterrupted run.
func TestResumeAfterInterruption(t *testing.T) {
	f := buildLeak(t)
	full, err := Run(context.Background(), f.config(""))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "report")
	ctx, cancel := context.WithCancel(context.Background())
	c := f.config(out)
	c.Workers = 1
	c.ProgressEvery = time.Nanosecond
	c.Progress = func(p Progress) {
		if p.Phase == "dump" && p.Items >= 6 {
			cancel()
		}
	}
	if _, err := Run(ctx, c); err == nil {
		t.Fatal("interrupted run reported no error")
	}
	rep, err := Run(context.Background(), f.config(out))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Resumed == 0 || rep.Resumed >= len(full.Items) {
		t.Errorf("resumed %d of %d items", rep.Resumed, len(full.Items))
	}
	if len(rep.Items) != len(full.Items) {
		t.Fatalf("%d items after resuming, want %d", len(rep.Items), len(full.Items))
	}
	for i := range rep.Items {
		if rep.Items[i].Path != full.Items[i].Path || rep.Items[i].Verdict != full.Items[i].Verdict {
			t.Errorf("item %d: %s %s, want %s %s", i, rep.Items[i].Path, rep.Items[i].Verdict, full.Items[i].Path, full.Items[i].Verdict)
		}
	}
}

// TestBurst: twelve different documents all saved within four minutes (the
// 2017 pattern) are suspicious; twelve copies of one document are not.
func TestBurst(t *testing.T) {
	for _, distinct := range []bool{true, false} {
		dump := filepath.Join(t.TempDir(), "dump")
		os.MkdirAll(dump, 0o755)
		for i := 0; i < 12; i++ {
			s := docSpec{creator: "Jean Dupont", lastModBy: "Jean Dupont", created: "2017-04-20T09:00:00Z", modified: "2017-04-21T16:30:00Z", app: "Microsoft Office Word", paragraphs: []string{"Same text"}}
			if distinct {
				s.modified = fmt.Sprintf("2017-05-04T22:%02d:00Z", 10+i/3)
				s.paragraphs = []string{fmt.Sprintf("Document number %d", i)}
			}
			os.WriteFile(filepath.Join(dump, fmt.Sprintf("d%02d.docx", i)), docx(t, s), 0o644)
		}
		rep, err := Run(context.Background(), Config{Dump: dump, Org: docmeta.OrgProfile{Staff: []string{"Jean Dupont"}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range rep.Items {
			burst := false
			for _, a := range it.Document.Anomalies {
				burst = burst || a.Rule == docmeta.RuleBurst
			}
			if burst != distinct || (it.Verdict == Suspicious) != distinct {
				t.Errorf("distinct=%v %s: verdict %s, burst %v; %q", distinct, it.Path, it.Verdict, burst, it.Reasons)
			}
		}
	}
}

// TestHostileContent: leaked data is hostile; the published report must
// not carry its markup, nor the CSV its formulas.
func TestHostileContent(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "dump")
	os.MkdirAll(dump, 0o755)
	os.WriteFile(filepath.Join(dump, "x.eml"), []byte("From: <script>alert(1)</script> <a@b.example>\r\nSubject: =HYPERLINK(\"http://evil.example\")\r\nDate: "+mailDate+"\r\n\r\n<img src=x onerror=alert(2)>\r\n"), 0o644)
	out := filepath.Join(dir, "out")
	if _, err := Run(context.Background(), Config{Dump: dump, Out: out}); err != nil {
		t.Fatal(err)
	}
	html, _ := os.ReadFile(filepath.Join(out, "report.html"))
	if bytes.Contains(html, []byte("<script>")) || bytes.Contains(html, []byte("<img")) {
		t.Error("report.html carries markup from the leak")
	}
	if !bytes.Contains(html, []byte("&lt;script&gt;")) {
		t.Error("the From field is not shown escaped")
	}
	cf, _ := os.Open(filepath.Join(out, "items.csv"))
	rows, _ := csv.NewReader(cf).ReadAll()
	cf.Close()
	for _, r := range rows[1:] {
		for _, cell := range r {
			if strings.HasPrefix(cell, "=") {
				t.Errorf("CSV cell starts a formula: %q", cell)
			}
		}
	}
}

// TestSameNameOriginal: a file with the original's name and creation date
// whose text changed too much to be a near-duplicate is a modified copy;
// the metadata changes are listed.
func TestSameNameOriginal(t *testing.T) {
	dir := t.TempDir()
	dump, origs := filepath.Join(dir, "dump"), filepath.Join(dir, "party")
	os.MkdirAll(dump, 0o755)
	os.MkdirAll(origs, 0o755)
	rtf := func(author, text string) []byte {
		return []byte(`{\rtf1\ansi{\info{\author ` + author + `}{\creatim\yr2017\mo4\dy20\hr9\min0}{\revtim\yr2017\mo4\dy21\hr9\min0}}` + text + `\par}`)
	}
	os.WriteFile(filepath.Join(origs, "Note.rtf"), rtf("Jean Dupont", "Original text"), 0o644)
	os.WriteFile(filepath.Join(dump, "Note.rtf"), rtf("Ivan", "Changed text"), 0o644)
	rep, err := Run(context.Background(), Config{Dump: dump, Originals: origs})
	if err != nil {
		t.Fatal(err)
	}
	it := rep.Items[0]
	if it.Verdict != ModifiedCopy || it.Original == nil || it.Original.Match != "same-name" {
		t.Fatalf("verdict %s original %+v reasons %q", it.Verdict, it.Original, it.Reasons)
	}
	if len(it.Original.Metadata) == 0 || it.Original.Metadata[0].Field != "Author" {
		t.Errorf("metadata changes %+v", it.Original.Metadata)
	}
}

// TestPartlyReadableText: a document whose text is read only in part (one
// page's content cannot be decoded) is still compared by the part read,
// and the report says so.
func TestPartlyReadableText(t *testing.T) {
	dump := t.TempDir()
	spec := pdfSpec{author: "Marie Martin", creator: "Writer", producer: "LibreOffice 5.3", created: "D:20170502090000+02'00'", modified: "D:20170502090000+02'00'",
		pages: [][]string{{"The first page is readable and says who wrote it."}, {"The second page is not."}}, undecodable: 2}
	if err := os.WriteFile(filepath.Join(dump, "partly.pdf"), pdfOf(t, spec), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), Config{Dump: dump})
	if err != nil {
		t.Fatal(err)
	}
	d := rep.Items[0].Document
	if d == nil || !d.TextCompared || !strings.HasPrefix(d.TextNote, "text partly extracted: ") {
		t.Fatalf("document evidence %+v", d)
	}
}

// TestSameFormatOriginal: when the party keeps one text in several formats,
// a leaked copy is compared with the original of its own format, so the
// metadata changes listed are real ones.
func TestSameFormatOriginal(t *testing.T) {
	dir := t.TempDir()
	dump, origs := filepath.Join(dir, "dump"), filepath.Join(dir, "party")
	os.MkdirAll(dump, 0o755)
	os.MkdirAll(origs, 0o755)
	lines := budgetText
	os.WriteFile(filepath.Join(origs, "a-note.docx"), docx(t, docSpec{creator: "Jean Dupont", lastModBy: "Jean Dupont", created: "2017-04-20T09:00:00Z", modified: "2017-04-21T16:30:00Z", app: "Microsoft Office Word", paragraphs: lines}), 0o644)
	pdf := pdfSpec{author: "Jean Dupont", creator: "Word", producer: "Microsoft Word", created: "D:20170420090000Z", modified: "D:20170421163000Z", pages: [][]string{lines}}
	os.WriteFile(filepath.Join(origs, "b-note.pdf"), pdfOf(t, pdf), 0o644)
	pdf.modified = "D:20170504220000Z"
	os.WriteFile(filepath.Join(dump, "note.pdf"), pdfOf(t, pdf), 0o644)
	rep, err := Run(context.Background(), Config{Dump: dump, Originals: origs})
	if err != nil {
		t.Fatal(err)
	}
	o := rep.Items[0].Original
	if o == nil || !strings.HasSuffix(o.Path, "b-note.pdf") {
		t.Fatalf("compared with %+v, want the PDF original", o)
	}
}
