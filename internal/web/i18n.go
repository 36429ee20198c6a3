package web

// The hub UI speaks French and English. Templates are written in English;
// at start, a French copy of every template is made by replacing each
// piece of visible text (between tags, and the placeholder, title,
// aria-label and alt attributes) with its entry in the French catalog
// (catalog_fr*.tsv, one file per area of the hub: one "English<TAB>French"
// pair a line; an entry may appear in only one file). Go-side
// messages (titles, flashes, errors) go through the same catalog; an entry
// may hold %s and %d, which match any text or number and are carried over
// in order. TestTemplatesTranslated fails when a template has text the
// catalog lacks, so a new string cannot ship untranslated.
//
// Each user chooses the language on their account page; until they do,
// and before login, the browser's Accept-Language decides.

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"text/template/parse"
	"unicode"

	"golang.org/x/text/language"
)

//go:embed catalog_fr*.tsv
var catalogFiles embed.FS

// catalogFR is every catalog file in name order, each introduced by a
// "#file name" line so that an error names the file and its line.
var catalogFR = func() string {
	names, err := fs.Glob(catalogFiles, "catalog_fr*.tsv")
	if err != nil {
		panic(err) // the pattern is a constant
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		data, err := catalogFiles.ReadFile(n)
		if err != nil {
			panic(err) // embedded at build time
		}
		fmt.Fprintf(&b, "#file %s\n%s\n", n, data)
	}
	return b.String()
}()

// Languages of the UI.
const (
	langEN = "en"
	langFR = "fr"
)

type catalog struct {
	exact    map[string]string
	patterns []pattern // entries with %s / %d
}

type pattern struct {
	re *regexp.Regexp
	fr string // with %s in place of each verb
}

func loadCatalog(src string) (*catalog, error) {
	c := &catalog{exact: map[string]string{}}
	file, lineNo := "catalog_fr.tsv", 0
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimRight(line, "\r")
		if name, ok := strings.CutPrefix(line, "#file "); ok {
			file, lineNo = name, 0
			continue
		}
		lineNo++
		i := lineNo - 1
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		en, fr, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(en) == "" || strings.TrimSpace(fr) == "" {
			return nil, fmt.Errorf("web: %s line %d: want English<TAB>French", file, i+1)
		}
		if _, dup := c.exact[en]; dup {
			return nil, fmt.Errorf("web: %s line %d: %q twice", file, i+1, en)
		}
		c.exact[en] = fr
		if strings.Contains(en, "%s") || strings.Contains(en, "%d") {
			expr := regexp.QuoteMeta(en)
			expr = strings.NewReplacer("%s", "(.+?)", "%d", "([0-9]+)").Replace(expr)
			re, err := regexp.Compile("^" + expr + "$")
			if err != nil {
				return nil, fmt.Errorf("web: %s line %d: %w", file, i+1, err)
			}
			c.patterns = append(c.patterns, pattern{re: re, fr: strings.ReplaceAll(fr, "%d", "%s")})
		}
	}
	return c, nil
}

// message translates a Go-side message (exact, then patterns); a message
// the catalog lacks stays English.
func (c *catalog) message(msg string) string {
	if msg == "" {
		return ""
	}
	if fr, ok := c.exact[msg]; ok {
		return fr
	}
	for _, p := range c.patterns {
		if m := p.re.FindStringSubmatch(msg); m != nil && !spansSentences(m[1:]) {
			args := make([]any, len(m)-1)
			for i, a := range m[1:] {
				args[i] = c.message(a) // a nested known phrase is translated too
			}
			return fmt.Sprintf(p.fr, args...)
		}
	}
	// A message made of several sentences ("Done: 3 new, 0 updated. 2
	// known-good values left out.") is translated sentence by sentence.
	if sentences := strings.SplitAfter(msg, ". "); len(sentences) > 1 {
		for i, sn := range sentences {
			sentences[i] = c.message(strings.TrimSpace(sn))
		}
		return strings.Join(sentences, " ")
	}
	return msg
}

// spansSentences: a %s took in a sentence end, so the pattern matched too
// much ("Expired: %s." against "Expired: x. Sensors drop it.").
func spansSentences(args []string) bool {
	for _, a := range args {
		if strings.Contains(a, ". ") {
			return true
		}
	}
	return false
}

// hasLetters: text worth translating (not punctuation, numbers, entities).
func hasLetters(s string) bool {
	s = regexp.MustCompile(`&[a-zA-Z]+;|&#[0-9]+;`).ReplaceAllString(s, "")
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// visibleAttr are attributes people read; data-msg-* carry the messages
// of scripts (passkeys.js).
var visibleAttr = regexp.MustCompile(`\b(placeholder|title|aria-label|alt|data-msg-[a-z]+)="([^"{}]*)"`)

// translateHTML replaces the visible text of an HTML fragment (a template's
// text node) with the catalog's; missing is called for text it lacks.
func (c *catalog) translateHTML(frag string, missing func(string)) string {
	var b strings.Builder
	// The fragment starts inside a tag when its first '>' comes before its
	// first '<' (the tag began before an action: <a {{if}}...{{end}}>Text).
	if !strings.ContainsAny(frag, "<>") && (strings.Contains(frag, `="`) || strings.HasPrefix(strings.TrimSpace(frag), `"`)) {
		return frag // a piece of a tag between two actions: class="here"
	}
	inTag := false
	if gt := strings.IndexByte(frag, '>'); gt >= 0 {
		if lt := strings.IndexByte(frag, '<'); lt < 0 || gt < lt {
			inTag = true
		}
	}
	inScript := false
	for len(frag) > 0 {
		if inTag {
			end := strings.IndexByte(frag, '>')
			if end < 0 {
				b.WriteString(c.attrs(frag, missing))
				break
			}
			tag := frag[:end+1]
			low := strings.ToLower(tag)
			if strings.HasPrefix(low, "<script") || strings.HasPrefix(low, "<style") {
				inScript = true
			} else if strings.HasPrefix(low, "</script") || strings.HasPrefix(low, "</style") {
				inScript = false
			}
			b.WriteString(c.attrs(tag, missing))
			frag, inTag = frag[end+1:], false
			continue
		}
		end := strings.IndexByte(frag, '<')
		text := frag
		if end >= 0 {
			text = frag[:end]
		}
		if inScript {
			b.WriteString(text)
		} else {
			b.WriteString(c.text(text, missing))
		}
		if end < 0 {
			break
		}
		frag, inTag = frag[end:], true
	}
	return b.String()
}

// text translates one run of text, keeping its surrounding space.
func (c *catalog) text(s string, missing func(string)) string {
	core := strings.TrimSpace(s)
	if core == "" || !hasLetters(core) {
		return s
	}
	key := strings.Join(strings.Fields(core), " ")
	fr, ok := c.exact[key]
	if !ok {
		if missing != nil {
			missing(key)
		}
		return s
	}
	lead := s[:strings.Index(s, core)]
	trail := s[strings.Index(s, core)+len(core):]
	return lead + fr + trail
}

func (c *catalog) attrs(tag string, missing func(string)) string {
	return visibleAttr.ReplaceAllStringFunc(tag, func(m string) string {
		sub := visibleAttr.FindStringSubmatch(m)
		if !hasLetters(sub[2]) {
			return m
		}
		fr, ok := c.exact[sub[2]]
		if !ok {
			if missing != nil {
				missing(sub[2])
			}
			return m
		}
		return sub[1] + `="` + fr + `"`
	})
}

// translateTemplate rewrites, before first use, the text of every template
// in t into French.
func (c *catalog) translateTemplate(t *template.Template, missing func(string)) {
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Tree.Root != nil {
			c.walk(tt.Tree.Root, missing)
		}
	}
}

func (c *catalog) walk(n parse.Node, missing func(string)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, k := range n.Nodes {
			c.walk(k, missing)
		}
	case *parse.TextNode:
		n.Text = []byte(c.translateHTML(string(n.Text), missing))
	case *parse.IfNode:
		c.walk(n.List, missing)
		c.walk(n.ElseList, missing)
	case *parse.RangeNode:
		c.walk(n.List, missing)
		c.walk(n.ElseList, missing)
	case *parse.WithNode:
		c.walk(n.List, missing)
		c.walk(n.ElseList, missing)
	}
}

var languageMatcher = language.NewMatcher([]language.Tag{language.English, language.French})

// requestLang is the UI language for r: the user's choice, else the
// browser's preference between English and French.
func requestLang(r *http.Request, us string) string {
	if us == langEN || us == langFR {
		return us
	}
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	tag, _, _ := languageMatcher.Match(tags...)
	if base, _ := tag.Base(); base.String() == langFR {
		return langFR
	}
	return langEN
}
