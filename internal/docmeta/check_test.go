package docmeta

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func dur(d time.Duration) *time.Duration { return &d }

// paris is the profile of an organisation in Paris (UTC+1 in winter, +2 in summer).
var paris = OrgProfile{
	Staff:     []string{"Jean Dupont", "Martin, Marie", "j.dupont"},
	Offsets:   []time.Duration{time.Hour, 2 * time.Hour},
	Languages: []string{"fr", "en"},
	Tools:     []string{"Microsoft", "LibreOffice"},
	TheftDate: time.Date(2017, 5, 4, 0, 0, 0, 0, time.UTC),
}

func TestMetaCheckRules(t *testing.T) {
	genuine := func() *Meta {
		return &Meta{Source: "ok.docx", Kind: KindOOXML, Author: "Jean Dupont", LastModifiedBy: "Marie Martin",
			Application: "Microsoft Office Word", Created: time.Date(2017, 4, 1, 9, 0, 0, 0, time.UTC),
			Modified: time.Date(2017, 4, 2, 9, 0, 0, 0, time.UTC), Revision: intPtr(4), TotalEditTime: dur(3 * time.Hour),
			Pages: intPtr(5), HeadingPairs: []HeadingPair{{"Titre", 1}}, TZ: []TZEvidence{{"MS-DOC:CreateDate", 2 * time.Hour}}}
	}
	tests := []struct {
		name   string
		change func(m *Meta)
		rule   string // "" = no anomaly expected
		words  string // the explanation must say this
	}{
		{"genuine", func(m *Meta) {}, "", ""},
		{"author not staff", func(m *Meta) { m.Author = "Pierre Inconnu" }, RuleUnknownPerson, "not on the organisation's staff list"},
		{"staff name in Last, First order", func(m *Meta) { m.LastModifiedBy = "Dupont, Jean" }, "", ""},
		{"cyrillic author", func(m *Meta) { m.Author = "Jean Dupont"; m.LastModifiedBy = "Иван Петров" }, RuleForeignScript, "Cyrillic script"},
		{"russian UI label", func(m *Meta) { m.HeadingPairs = []HeadingPair{{"Листы", 2}} }, RuleForeignLanguage, "user interface is in: Russian"},
		{"unknown cyrillic label", func(m *Meta) { m.HeadingPairs = []HeadingPair{{"Заголовок", 1}} }, RuleForeignScript, "Cyrillic"},
		{"UTC+3 offset", func(m *Meta) {
			m.TZ = []TZEvidence{{"MS-DOC:CreateDate (local) - FlashPix:CreateDate (UTC)", 3 * time.Hour}}
		}, RuleTimeZone, "UTC+03:00"},
		{"modified after theft", func(m *Meta) { m.Modified = time.Date(2017, 5, 5, 8, 0, 0, 0, time.UTC) }, RuleAfterTheft, "after the data was stolen"},
		{"local time close to theft is not flagged", func(m *Meta) {
			m.Modified = time.Date(2017, 5, 4, 1, 0, 0, 0, time.UTC)
			m.ModifiedLocal = true
		}, "", ""},
		{"foreign tool", func(m *Meta) { m.Application = "WPS Office" }, RuleForeignTool, "does not use"},
		{"zero edit time on 40 pages", func(m *Meta) { m.TotalEditTime = dur(0); m.Revision = intPtr(1); m.Pages = intPtr(40) }, RuleEditTime, "40-page document"},
		{"edit time longer than life", func(m *Meta) { m.TotalEditTime = dur(30 * 24 * time.Hour) }, RuleEditTime, "30 days of editing"},
		{"many saves without edit time", func(m *Meta) { m.TotalEditTime = dur(0); m.Revision = intPtr(12) }, RuleEditTime, "saved 12 times"},
		{"two quick saves", func(m *Meta) { m.TotalEditTime = dur(0); m.Revision = intPtr(2) }, "", ""},
		{"spreadsheet keeps no edit time", func(m *Meta) {
			m.Type, m.Application = "XLSX", "Microsoft Excel"
			m.TotalEditTime, m.Revision, m.Pages = dur(0), intPtr(1), intPtr(40)
		}, "", ""},
		{"saved before created", func(m *Meta) { m.Modified = time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC) }, RuleDates, "before it was created"},
		{"russian language code", func(m *Meta) { m.Kind = KindOLE; m.Tags = []Tag{{"FlashPix", "LanguageCode", "Russian"}} }, RuleForeignLanguage, "Russian"},
		{"cyrillic code page", func(m *Meta) { m.CodePage = 1251 }, RuleForeignLanguage, "Cyrillic code page"},
		// LibreOffice PDFs name the suite's program in Creator and the suite in Producer.
		{"libreoffice pdf (Creator Writer)", func(m *Meta) {
			m.Kind, m.Application = KindPDF, "Writer"
			m.PDF = &PDFInfo{Creator: "Writer", Producer: "LibreOffice 5.3"}
		}, "", ""},
		{"word pdf (Creator Microsoft Word)", func(m *Meta) {
			m.Kind = KindPDF
			m.PDF = &PDFInfo{Creator: "Microsoft® Word 2016", Producer: "Microsoft® Word 2016"}
		}, "", ""},
		{"pdf made with another tool", func(m *Meta) {
			m.Kind = KindPDF
			m.PDF = &PDFInfo{Creator: "PDFedit 3.1", Producer: "PDFedit 3.1"}
		}, RuleForeignTool, "PDFedit"},
		// LibreOffice writes Word's FIB lid as English (US) whatever its language.
		{"libreoffice .doc language code", func(m *Meta) {
			m.Kind, m.Application = KindOLE, ""
			m.Tags = []Tag{{"FlashPix", "LanguageCode", "German"}}
		}, "", ""},
		{"word .doc language code", func(m *Meta) {
			m.Kind, m.Application = KindOLE, "Microsoft Office Word"
			m.Tags = []Tag{{"FlashPix", "LanguageCode", "German"}}
		}, RuleForeignLanguage, "German"},
		// Two RTF \author entries: both are authors.
		{"second rtf author", func(m *Meta) {
			m.Kind = KindRTF
			m.Tags = []Tag{{"RTF", "Author", "Jean Dupont"}, {"RTF", "Author", "Ivan Petrov"}}
		}, RuleUnknownPerson, "Ivan Petrov"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := genuine()
			tt.change(m)
			got := Check([]*Meta{m}, paris)
			if tt.rule == "" {
				if len(got) != 0 {
					t.Errorf("unexpected anomalies: %+v", got)
				}
				return
			}
			found := false
			for _, a := range got {
				if a.Rule == tt.rule && strings.Contains(a.Explanation, tt.words) && a.Source == "ok.docx" {
					found = true
				}
			}
			if !found {
				t.Errorf("want rule %s saying %q, got %+v", tt.rule, tt.words, got)
			}
		})
	}
}

func TestCheckBurst(t *testing.T) {
	base := time.Date(2017, 5, 3, 22, 0, 0, 0, time.UTC)
	var items []*Meta
	for i := 0; i < 10; i++ {
		items = append(items, &Meta{Source: fmt.Sprintf("f%02d.docx", i), Modified: base.Add(time.Duration(i) * 25 * time.Second)})
	}
	// Spread-out files are not part of the burst.
	items = append(items, &Meta{Source: "old.docx", Modified: base.Add(-48 * time.Hour)}, &Meta{Source: "later.docx", Modified: base.Add(time.Hour)})
	got := Check(items, OrgProfile{})
	if len(got) != 1 || got[0].Rule != RuleBurst || len(got[0].Sources) != 10 {
		t.Fatalf("got %+v, want one burst of 10 files", got)
	}
	if !strings.Contains(got[0].Explanation, "10 documents were last saved within 4 minutes") {
		t.Errorf("explanation: %s", got[0].Explanation)
	}
	// Nine files are not a burst.
	if got := Check(items[1:], OrgProfile{}); len(got) != 0 {
		t.Errorf("9 files: %+v", got)
	}
}

func TestCheckNoProfile(t *testing.T) {
	// Without organisation facts only the self-contained rules run.
	m := &Meta{Source: "x.docx", Author: "Someone", Application: "Whatever", TZ: []TZEvidence{{"x", 5 * time.Hour}},
		Modified: time.Now()}
	if got := Check([]*Meta{m, nil}, OrgProfile{}); len(got) != 0 {
		t.Errorf("got %+v", got)
	}
}

func TestDocumentsAgainstProfile(t *testing.T) {
	// The built documents: the Moscow one must raise script, language,
	// time-zone and edit-time anomalies; the genuine Paris one none.
	var metas []*Meta
	for _, n := range []string{"rapport.doc", "moscou.doc", "listy.xlsx"} {
		metas = append(metas, readTestDoc(t, n))
	}
	rules := map[string]map[string]bool{}
	for _, a := range Check(metas, paris) {
		if rules[a.Source] == nil {
			rules[a.Source] = map[string]bool{}
		}
		rules[a.Source][a.Rule] = true
	}
	if len(rules["rapport.doc"]) != 0 {
		t.Errorf("rapport.doc: %v", rules["rapport.doc"])
	}
	for _, r := range []string{RuleUnknownPerson, RuleForeignScript, RuleForeignLanguage, RuleTimeZone, RuleEditTime} {
		if !rules["moscou.doc"][r] {
			t.Errorf("moscou.doc: no %s anomaly (got %v)", r, rules["moscou.doc"])
		}
	}
	if !rules["listy.xlsx"][RuleForeignLanguage] || !rules["listy.xlsx"][RuleAfterTheft] {
		t.Errorf("listy.xlsx: %v", rules["listy.xlsx"])
	}
}

// An XMP packet with a control character (not allowed in XML) keeps its
// fields, as exiftool does, with a warning.
func TestMetaXMPControlCharacter(t *testing.T) {
	for _, bad := range []string{"\x01", "&#1;", "&#x1F;"} {
		packet := strings.Replace(string(pdfXMP("Microsoft® Word 2016", "2017-05-03T14:02:11+02:00")), "Jean Dupont", "Jean"+bad+" Dupont", 1)
		m := &Meta{}
		parseXMP(m, []byte(packet))
		if v, _ := m.Get("XMP-xmp", "CreatorTool"); v != "Microsoft® Word 2016" {
			t.Errorf("%q: CreatorTool %q, tags %v", bad, v, m.Tags)
		}
		if v, _ := m.Get("XMP-dc", "Creator"); v != "Jean Dupont" {
			t.Errorf("%q: dc:creator %q", bad, v)
		}
		if len(m.Warnings) == 0 || !strings.Contains(m.Warnings[0], "control character") {
			t.Errorf("%q: warnings %v", bad, m.Warnings)
		}
	}
}

// Two \author entries in an RTF: the first stays the author, the second
// is reported (and checked), and neither becomes the last editor.
func TestMetaRTFTwoAuthors(t *testing.T) {
	rtf := `{\rtf1\ansi\ansicpg1252{\info{\author Jean Dupont}{\author Ivan Petrov}{\creatim\yr2017\mo4\dy20\hr9\min0}}Hello\par}`
	m, err := DefaultLimits.ReadAt("a.rtf", strings.NewReader(rtf), int64(len(rtf)))
	if err != nil {
		t.Fatal(err)
	}
	if m.Author != "Jean Dupont" || m.LastModifiedBy != "" {
		t.Errorf("author %q, last modified by %q", m.Author, m.LastModifiedBy)
	}
	if w := strings.Join(m.Warnings, " "); !strings.Contains(w, "2 \\author entries") || !strings.Contains(w, "not the last editor") {
		t.Errorf("warnings %q", w)
	}
}
