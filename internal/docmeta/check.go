package docmeta

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
)

// OrgProfile describes the organisation whose documents are examined: what
// its genuine documents normally look like. Empty fields switch the rule
// that needs them off.
type OrgProfile struct {
	Staff     []string        // people (and account names) who write the organisation's documents
	Offsets   []time.Duration // UTC offsets of the staff's computers (e.g. +1h and +2h for Paris)
	Scripts   []string        // writing systems used by staff, as Unicode script names; default Latin
	Languages []string        // languages of the staff's software and documents ("fr", "en", "French"...)
	Tools     []string        // applications the organisation uses, matched case-insensitively as substrings
	TheftDate time.Time       // when the data was stolen: nothing genuine was saved after it

	BurstCount  int           // this many files saved within BurstWindow is suspicious (default 10)
	BurstWindow time.Duration // default 5 minutes
	MinPages    int           // zero-edit-time check applies from this many pages (default 10)
}

// Rule names of the anomalies.
const (
	RuleUnknownPerson   = "unknown-person"
	RuleForeignScript   = "foreign-script"
	RuleForeignLanguage = "foreign-language"
	RuleTimeZone        = "time-zone"
	RuleAfterTheft      = "after-theft"
	RuleBurst           = "burst"
	RuleForeignTool     = "foreign-tool"
	RuleEditTime        = "edit-time"
	RuleDates           = "impossible-dates"
)

// Anomaly is one reason to doubt a document, explained in plain words.
type Anomaly struct {
	Rule        string   `json:"rule"`
	Source      string   `json:"source,omitempty"`  // the document, when the anomaly is about one
	Sources     []string `json:"sources,omitempty"` // the documents, when it is about several
	Field       string   `json:"field,omitempty"`
	Value       string   `json:"value,omitempty"`
	Explanation string   `json:"explanation"`
}

// Check applies the anomaly rules to the documents, given what the
// organisation's genuine documents look like. Items may be nil (skipped).
func Check(items []*Meta, org OrgProfile) []Anomaly {
	if org.BurstCount <= 0 {
		org.BurstCount = 10
	}
	if org.BurstWindow <= 0 {
		org.BurstWindow = 5 * time.Minute
	}
	if org.MinPages <= 0 {
		org.MinPages = 10
	}
	scripts := allowedScripts(org.Scripts)
	staff := map[string]bool{}
	for _, s := range org.Staff {
		if n := normName(s); n != "" {
			staff[n] = true
		}
	}
	var out []Anomaly
	for _, m := range items {
		if m == nil {
			continue
		}
		out = append(out, checkPeople(m, staff)...)
		out = append(out, checkScripts(m, scripts)...)
		out = append(out, checkLanguage(m, org.Languages)...)
		out = append(out, checkTZ(m, org.Offsets)...)
		out = append(out, checkTheft(m, org.TheftDate)...)
		out = append(out, checkTool(m, org.Tools)...)
		out = append(out, checkEdit(m, org.MinPages)...)
	}
	out = append(out, checkBurst(items, org.BurstCount, org.BurstWindow)...)
	return out
}

// normName folds a person's name for comparison: case, spaces, dots, and
// "Last, First" order.
func normName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, ".", " ")
	if last, first, ok := strings.Cut(s, ","); ok {
		s = strings.TrimSpace(first) + " " + strings.TrimSpace(last)
	}
	return strings.Join(strings.Fields(s), " ")
}

func checkPeople(m *Meta, staff map[string]bool) []Anomaly {
	if len(staff) == 0 {
		return nil
	}
	var out []Anomaly
	seen := map[string]bool{}
	check := func(field, name string) {
		n := normName(name)
		if n == "" || staff[n] || seen[n] {
			return
		}
		seen[n] = true
		out = append(out, Anomaly{Rule: RuleUnknownPerson, Source: m.Source, Field: field, Value: name,
			Explanation: fmt.Sprintf("%s is %q, who is not on the organisation's staff list.", fieldLabel(field), name)})
	}
	check("Author", m.Author)
	// An RTF \info group may hold several \author entries (a word
	// processor writes one; the others were added by another program or
	// by hand): each is an author, none is the last editor (\operator).
	for _, t := range m.Tags {
		if t.Group == "RTF" && t.Name == "Author" {
			if v, ok := t.Value.(string); ok {
				check("Author", v)
			}
		}
	}
	check("LastModifiedBy", m.LastModifiedBy)
	for _, n := range m.LastSavedBy {
		check("LastSavedBy", n)
	}
	check("CurrentUser", m.CurrentUser)
	return out
}

func fieldLabel(field string) string {
	switch field {
	case "Author":
		return "The document's author"
	case "LastModifiedBy":
		return "The last person who saved the document"
	case "LastSavedBy":
		return "One of the last people who saved the document"
	case "CurrentUser":
		return "The last person who opened the presentation for editing"
	case "Company":
		return "The company recorded in the document"
	case "HeadingPairs":
		return "A label written by the program's user interface"
	}
	return "The field " + field
}

// scriptTables are the writing systems the script rule recognises.
var scriptTables = map[string]*unicode.RangeTable{
	"Latin": unicode.Latin, "Cyrillic": unicode.Cyrillic, "Greek": unicode.Greek, "Arabic": unicode.Arabic,
	"Hebrew": unicode.Hebrew, "Han": unicode.Han, "Hiragana": unicode.Hiragana, "Katakana": unicode.Katakana,
	"Hangul": unicode.Hangul, "Armenian": unicode.Armenian, "Georgian": unicode.Georgian, "Thai": unicode.Thai,
	"Devanagari": unicode.Devanagari, "Persian": unicode.Arabic,
}

func allowedScripts(names []string) map[string]bool {
	if len(names) == 0 {
		names = []string{"Latin"}
	}
	ok := map[string]bool{}
	for _, n := range names {
		for k := range scriptTables {
			if strings.EqualFold(k, strings.TrimSpace(n)) {
				ok[k] = true
			}
		}
	}
	return ok
}

// scriptOf names the first writing system of s that is not allowed.
func foreignScript(s string, allowed map[string]bool) string {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		for _, name := range []string{"Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Han", "Hiragana", "Katakana", "Hangul", "Armenian", "Georgian", "Thai", "Devanagari"} {
			if unicode.Is(scriptTables[name], r) {
				if !allowed[name] {
					return name
				}
				break
			}
		}
	}
	return ""
}

func checkScripts(m *Meta, allowed map[string]bool) []Anomaly {
	var out []Anomaly
	check := func(field, v string) {
		if v == "" {
			return
		}
		if sc := foreignScript(v, allowed); sc != "" {
			out = append(out, Anomaly{Rule: RuleForeignScript, Source: m.Source, Field: field, Value: v,
				Explanation: fmt.Sprintf("%s (%q) is written in the %s script, which the organisation does not use.", fieldLabel(field), v, sc)})
		}
	}
	check("Author", m.Author)
	// An RTF \info group may hold several \author entries (a word
	// processor writes one; the others were added by another program or
	// by hand): each is an author, none is the last editor (\operator).
	for _, t := range m.Tags {
		if t.Group == "RTF" && t.Name == "Author" {
			if v, ok := t.Value.(string); ok {
				check("Author", v)
			}
		}
	}
	check("LastModifiedBy", m.LastModifiedBy)
	for _, n := range m.LastSavedBy {
		check("LastSavedBy", n)
	}
	check("CurrentUser", m.CurrentUser)
	check("Company", m.Company)
	check("Template", m.Template)
	for _, hp := range m.HeadingPairs {
		if _, known := uiLabels[hp.Label]; !known {
			check("HeadingPairs", hp.Label)
		}
	}
	return out
}

// uiLabels are HeadingPairs labels written by localized Office and
// LibreOffice versions, with their language. The label reveals the
// language of the software that last saved the file, whatever the text.
var uiLabels = map[string]string{
	"Worksheets": "en", "Named Ranges": "en", "Title": "en", "Slide Titles": "en", "Fonts Used": "en", "Design Template": "en", "Theme": "en", "Headings": "en", "Charts": "en", "Embedded OLE Servers": "en",
	"Feuilles de calcul": "fr", "Plages nommées": "fr", "Titre": "fr", "Titres des diapositives": "fr", "Polices utilisées": "fr", "Thème": "fr", "Modèle de conception": "fr", "Graphiques": "fr",
	"Arbeitsblätter": "de", "Benannte Bereiche": "de", "Titel": "de", "Folientitel": "de", "Verwendete Schriftarten": "de", "Entwurfsvorlage": "de", "Diagramme": "de",
	"Hojas de cálculo": "es", "Rangos con nombre": "es", "Título": "es", "Títulos de diapositiva": "es", "Fuentes usadas": "es",
	"Planilhas": "pt", "Intervalos nomeados": "pt", "Títulos de slides": "pt", "Fontes usadas": "pt", "Modelo de estrutura": "pt",
	"Fogli di lavoro": "it", "Intervalli denominati": "it", "Titoli diapositive": "it", "Tipi di carattere utilizzati": "it",
	"Листы": "ru", "Именованные диапазоны": "ru", "Название": "ru", "Заголовки слайдов": "ru", "Использованные шрифты": "ru", "Шаблон оформления": "ru", "Тема": "ru", "Диаграммы": "ru",
	"Аркуші": "uk", "Назва": "uk", "Заголовки слайдів": "uk", "Використані шрифти": "uk",
	"Arkusze": "pl", "Tytuł": "pl", "Tytuły slajdów": "pl",
	"ワークシート": "ja", "タイトル": "ja", "名前付き一覧": "ja", "工作表": "zh", "标题": "zh", "幻灯片标题": "zh",
}

// langNames maps Word's LanguageCode names and code pages to language codes.
var langNames = map[string]string{
	"English (US)": "en", "English (British)": "en", "English (Australian)": "en", "French": "fr", "French (Belgian)": "fr",
	"French (Canadian)": "fr", "French (Swiss)": "fr", "German": "de", "German (Swiss)": "de", "Russian": "ru",
	"Ukrainian": "uk", "Byelorussian": "be", "Spanish (Castilian)": "es", "Spanish (Mexican)": "es", "Italian": "it",
	"Polish": "pl", "Dutch": "nl", "Portuguese": "pt", "Portuguese (Brazilian)": "pt", "Simplified Chinese": "zh",
	"Traditional Chinese": "zh", "Japanese": "ja", "Korean": "ko", "Arabic": "ar", "Farsi": "fa", "Turkish": "tr",
	"Bulgarian": "bg", "Serbo-Croatian (Cyrillic)": "sr", "Czech": "cs", "Slovak": "sk", "Hungarian": "hu", "Romanian": "ro",
}

var langDisplay = map[string]string{"en": "English", "fr": "French", "de": "German", "ru": "Russian", "uk": "Ukrainian", "es": "Spanish", "pt": "Portuguese", "it": "Italian", "pl": "Polish", "ja": "Japanese", "zh": "Chinese", "be": "Belarusian", "nl": "Dutch", "ko": "Korean", "ar": "Arabic", "fa": "Persian", "tr": "Turkish", "bg": "Bulgarian", "sr": "Serbian", "cs": "Czech", "sk": "Slovak", "hu": "Hungarian", "ro": "Romanian"}

// langCode reduces "fr-FR", "French", "Russian" to a two-letter code.
func langCode(s string) string {
	s = strings.TrimSpace(s)
	if c, ok := langNames[s]; ok {
		return c
	}
	for code, name := range langDisplay {
		if strings.EqualFold(name, s) {
			return code
		}
	}
	s = strings.ToLower(s)
	if i := strings.IndexAny(s, "-_"); i > 0 {
		s = s[:i]
	}
	return s
}

func checkLanguage(m *Meta, langs []string) []Anomaly {
	if len(langs) == 0 {
		return nil
	}
	ok := map[string]bool{}
	for _, l := range langs {
		ok[langCode(l)] = true
	}
	var out []Anomaly
	seen := map[string]bool{}
	flag := func(field, value, lang, why string) {
		if lang == "" || ok[lang] || seen[field+lang] {
			return
		}
		seen[field+lang] = true
		name := langDisplay[lang]
		if name == "" {
			name = lang
		}
		out = append(out, Anomaly{Rule: RuleForeignLanguage, Source: m.Source, Field: field, Value: value,
			Explanation: fmt.Sprintf("%s: %s. The organisation works in %s.", why, name, strings.Join(langs, ", "))})
	}
	for _, hp := range m.HeadingPairs {
		if l, known := uiLabels[hp.Label]; known {
			flag("HeadingPairs", hp.Label, l, fmt.Sprintf("The label %q was written by office software whose user interface is in", hp.Label))
		}
	}
	// Word's FIB lid is "the install language of the application that
	// produced the file" ([MS-DOC] FibBase): LibreOffice, OpenOffice and
	// other writers put 0x0409 (English, US) whatever their language, so
	// the value says something only when Microsoft Word saved the file.
	if v, found := m.Get("FlashPix", "LanguageCode"); found && savedByWord(m) {
		flag("LanguageCode", v, langNames[v], "Word recorded the document's language as")
	}
	if m.Language != "" && m.Kind != KindOLE {
		flag("Language", m.Language, langCode(m.Language), "The document declares its language as")
	}
	switch m.CodePage {
	case 1251, 866, 10007, 20866, 21866:
		flag("CodePage", fmt.Sprint(m.CodePage), "ru", "The document's properties are encoded in a Cyrillic code page, set by Windows for Cyrillic languages such as")
	}
	return out
}

func fmtOffset(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign = "-"
		d = -d
	}
	return fmt.Sprintf("UTC%s%02d:%02d", sign, int(d.Hours()), int(d.Minutes())%60)
}

func checkTZ(m *Meta, offsets []time.Duration) []Anomaly {
	if len(offsets) == 0 {
		return nil
	}
	var out []Anomaly
	seen := map[time.Duration]bool{}
	for _, ev := range m.TZ {
		match := false
		for _, o := range offsets {
			if o == ev.Offset {
				match = true
			}
		}
		if match || seen[ev.Offset] {
			continue
		}
		seen[ev.Offset] = true
		var allowed []string
		for _, o := range offsets {
			allowed = append(allowed, fmtOffset(o))
		}
		out = append(out, Anomaly{Rule: RuleTimeZone, Source: m.Source, Field: ev.Source, Value: fmtOffset(ev.Offset),
			Explanation: fmt.Sprintf("The computer that saved this document was set to %s (from %s); the organisation's computers use %s.",
				fmtOffset(ev.Offset), ev.Source, strings.Join(allowed, " or "))})
	}
	return out
}

// localSlack is how far a date written in an unknown local time may be from UTC.
const localSlack = 14 * time.Hour

func checkTheft(m *Meta, theft time.Time) []Anomaly {
	if theft.IsZero() {
		return nil
	}
	var out []Anomaly
	check := func(field string, t time.Time, local bool) {
		if t.IsZero() {
			return
		}
		limit := theft
		if local {
			limit = theft.Add(localSlack)
		}
		if t.After(limit) {
			out = append(out, Anomaly{Rule: RuleAfterTheft, Source: m.Source, Field: field, Value: t.Format(time.RFC3339),
				Explanation: fmt.Sprintf("The document was %s on %s, after the data was stolen (%s): the stolen original cannot look like this.",
					map[string]string{"Modified": "last saved", "Created": "created", "Printed": "printed"}[field],
					t.Format("2 Jan 2006 15:04 MST"), theft.Format("2 Jan 2006 15:04 MST"))})
		}
	}
	check("Created", m.Created, m.CreatedLocal)
	check("Modified", m.Modified, m.ModifiedLocal)
	check("Printed", m.Printed, false)
	return out
}

// savedByWord reports whether Microsoft Word last saved an OLE document
// (its SummaryInformation names it; LibreOffice writes no such name or
// its own).
func savedByWord(m *Meta) bool {
	a := strings.ToLower(m.Application)
	return strings.Contains(a, "microsoft") || strings.Contains(a, "word")
}

// suiteParts names the programs of office suites as they appear alone in
// a PDF's Creator ("Writer", "Impress") or an Application field
// ("Microsoft Word 10.0"): each belongs to the suite the organisation
// names in its tools.
var suiteParts = map[string][]string{
	"libreoffice":      {"writer", "calc", "impress", "draw", "math", "base", "libreoffice", "openoffice", "staroffice"},
	"openoffice":       {"writer", "calc", "impress", "draw", "math", "base", "openoffice", "libreoffice", "staroffice"},
	"microsoft office": {"word", "excel", "powerpoint", "microsoft", "outlook", "publisher"},
	"office":           {"word", "excel", "powerpoint", "microsoft"},
}

// usesTool reports whether value v (a Creator, Producer or Application)
// names one of the organisation's tools or a program of one of its
// suites.
func usesTool(v string, tools []string) bool {
	lv := strings.ToLower(v)
	words := strings.FieldsFunc(lv, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, t := range tools {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		if strings.Contains(lv, t) {
			return true
		}
		for _, part := range suiteParts[t] {
			if slices.Contains(words, part) {
				return true
			}
		}
	}
	return false
}

func checkTool(m *Meta, tools []string) []Anomaly {
	if len(tools) == 0 {
		return nil
	}
	var out []Anomaly
	check := func(field, v string) {
		if strings.TrimSpace(v) == "" || usesTool(v, tools) {
			return
		}
		out = append(out, Anomaly{Rule: RuleForeignTool, Source: m.Source, Field: field, Value: v,
			Explanation: fmt.Sprintf("The document was made with %q, which the organisation does not use (%s).", v, strings.Join(tools, ", "))})
	}
	if m.PDF != nil {
		check("Creator", m.PDF.Creator)
		check("Producer", m.PDF.Producer)
		if m.PDF.Creator == "" && m.PDF.Producer == "" {
			check("Application", m.Application)
		}
	} else {
		check("Application", m.Application)
	}
	return out
}

func checkEdit(m *Meta, minPages int) []Anomaly {
	var out []Anomaly
	// Spreadsheet programs do not count editing time: the edit-time rules
	// apply to text documents and presentations only.
	sheet := m.Type == "XLS" || m.Type == "XLSX" || m.Type == "ODS" || strings.Contains(strings.ToLower(m.Application), "excel")
	if !sheet && m.TotalEditTime != nil && m.Revision != nil && m.Pages != nil &&
		*m.TotalEditTime < time.Minute && *m.Revision <= 1 && *m.Pages >= minPages {
		out = append(out, Anomaly{Rule: RuleEditTime, Source: m.Source, Field: "TotalEditTime",
			Value:       fmt.Sprintf("%v, revision %d, %d pages", *m.TotalEditTime, *m.Revision, *m.Pages),
			Explanation: fmt.Sprintf("A %d-page document with %d revision and no editing time was not written in this file: it was generated by a program or converted from another document.", *m.Pages, *m.Revision)})
	}
	if m.TotalEditTime != nil && !m.Created.IsZero() && !m.Modified.IsZero() && m.Modified.After(m.Created) {
		life := m.Modified.Sub(m.Created)
		if *m.TotalEditTime > life+24*time.Hour {
			out = append(out, Anomaly{Rule: RuleEditTime, Source: m.Source, Field: "TotalEditTime", Value: m.TotalEditTime.String(),
				Explanation: fmt.Sprintf("The document records %s of editing, but only %s passed between its creation and its last save: the edit counter or the dates were altered, or the file was copied from an older one.",
					humanDuration(*m.TotalEditTime), humanDuration(life))})
		}
	}
	if !sheet && m.Revision != nil && *m.Revision >= 10 && m.TotalEditTime != nil && *m.TotalEditTime == 0 &&
		strings.Contains(m.Application, "Word") {
		out = append(out, Anomaly{Rule: RuleEditTime, Source: m.Source, Field: "RevisionNumber", Value: fmt.Sprint(*m.Revision),
			Explanation: fmt.Sprintf("The document was saved %d times but records no editing time: Word adds the editing time at every save, so another program wrote or rewrote these properties.", *m.Revision)})
	}
	if !m.Created.IsZero() && !m.Modified.IsZero() && m.Created.Sub(m.Modified) > time.Minute &&
		m.CreatedLocal == m.ModifiedLocal {
		out = append(out, Anomaly{Rule: RuleDates, Source: m.Source, Field: "ModifyDate", Value: m.Modified.Format(time.RFC3339),
			Explanation: fmt.Sprintf("The document says it was last saved (%s) before it was created (%s). Copying a file between computers can do this; editing the dates by hand can too.",
				m.Modified.Format("2 Jan 2006 15:04"), m.Created.Format("2 Jan 2006 15:04"))})
	}
	return out
}

func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.0f days", d.Hours()/24)
	case d >= 2*time.Hour:
		return fmt.Sprintf("%.0f hours", d.Hours())
	}
	return fmt.Sprintf("%.0f minutes", d.Minutes())
}

func checkBurst(items []*Meta, count int, window time.Duration) []Anomaly {
	type st struct {
		t   time.Time
		src string
	}
	var saved []st
	for _, m := range items {
		if m != nil && !m.Modified.IsZero() {
			saved = append(saved, st{m.Modified, m.Source})
		}
	}
	sort.Slice(saved, func(i, j int) bool { return saved[i].t.Before(saved[j].t) })
	var out []Anomaly
	for i := 0; i < len(saved); {
		j := i
		for j+1 < len(saved) && saved[j+1].t.Sub(saved[i].t) <= window {
			j++
		}
		if j-i+1 >= count {
			var srcs []string
			for k := i; k <= j; k++ {
				srcs = append(srcs, saved[k].src)
			}
			span := saved[j].t.Sub(saved[i].t)
			out = append(out, Anomaly{Rule: RuleBurst, Sources: srcs, Field: "ModifyDate",
				Value: saved[i].t.Format(time.RFC3339) + " .. " + saved[j].t.Format(time.RFC3339),
				Explanation: fmt.Sprintf("%d documents were last saved within %s (%s to %s). People do not edit that many documents that fast: a program re-saved or produced them in one batch.",
					len(srcs), humanSpan(span), saved[i].t.Format("2 Jan 2006 15:04:05"), saved[j].t.Format("15:04:05"))})
			i = j + 1
			continue
		}
		i++
	}
	return out
}

func humanSpan(d time.Duration) string {
	if d < 2*time.Minute {
		return fmt.Sprintf("%.0f seconds", d.Seconds())
	}
	return fmt.Sprintf("%.0f minutes", d.Minutes())
}
