package mail

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// Link is a link found in a message.
type Link struct {
	Href string // the target as written
	Text string // what the reader sees (anchor text, or the URL itself in plain text)
	Part string // MIME part path
	Kind string // "a", "area", "form", "text" (a URL in plain text), "meta-refresh", "iframe"
}

// htmlDoc is what the analyzer needs from an HTML body.
type htmlDoc struct {
	text       strings.Builder // visible text
	links      []Link
	images     []string // img src and alt text, lower-cased
	forms      int
	passwords  int // password inputs
	scripts    int
	hiddenText int // letters and digits in display:none / font-size:0 blocks (approximate)
	linksOver  bool
}

// maxLinks bounds the links examined per message; a message with more is
// itself suspicious and says so.
const maxLinks = 1000

var voidTags = map[string]bool{"br": true, "img": true, "input": true, "meta": true, "hr": true, "link": true, "area": true, "base": true, "col": true, "wbr": true, "source": true}

// parseHTML tokenizes an HTML body (tolerant, bounded by its length).
func parseHTML(s, part string, doc *htmlDoc) {
	z := html.NewTokenizerFragment(strings.NewReader(s), "body")
	z.SetMaxBuf(4 << 20)
	var inA bool
	var aHref string
	var aText strings.Builder
	skip := 0 // inside script/style/title
	hiddenDepth := 0
	depth := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if inA {
				doc.addLink(Link{Href: aHref, Text: strings.TrimSpace(aText.String()), Part: part, Kind: "a"})
			}
			return
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			if hiddenDepth > 0 {
				// letters and digits only: newsletters pad their hidden
				// preview line with invisible joiners and spaces
				doc.hiddenText += wordRunes(t)
				continue
			}
			if doc.text.Len() < 1<<20 {
				doc.text.WriteString(t)
			}
			if inA && aText.Len() < 1000 {
				aText.WriteString(t)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			if tt == html.EndTagToken {
				switch tag {
				case "script", "style", "title", "head":
					if skip > 0 {
						skip--
					}
				case "a":
					if inA {
						doc.addLink(Link{Href: aHref, Text: strings.TrimSpace(aText.String()), Part: part, Kind: "a"})
						inA = false
					}
				case "p", "div", "td", "tr", "li", "h1", "h2", "h3", "table":
					doc.text.WriteByte('\n')
				}
				if !voidTags[tag] && depth > 0 {
					depth--
					if hiddenDepth > depth {
						hiddenDepth = 0
					}
				}
				continue
			}
			attrs := map[string]string{}
			for hasAttr && len(attrs) < 64 {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				ks := string(k)
				if _, dup := attrs[ks]; !dup {
					attrs[ks] = string(v)
				}
			}
			if tt == html.StartTagToken && !voidTags[tag] {
				depth++
				if st := strings.ToLower(attrs["style"]); hiddenDepth == 0 && st != "" && isHiddenStyle(st) {
					hiddenDepth = depth
				}
			}
			switch tag {
			case "script":
				doc.scripts++
				if tt == html.StartTagToken {
					skip++
				}
			case "style", "title":
				if tt == html.StartTagToken {
					skip++
				}
			case "a":
				if inA {
					doc.addLink(Link{Href: aHref, Text: strings.TrimSpace(aText.String()), Part: part, Kind: "a"})
				}
				if h, ok := attrs["href"]; ok {
					inA, aHref = true, strings.TrimSpace(h)
					aText.Reset()
				}
			case "area":
				if h, ok := attrs["href"]; ok {
					doc.addLink(Link{Href: strings.TrimSpace(h), Part: part, Kind: "area"})
				}
			case "form":
				doc.forms++
				doc.addLink(Link{Href: strings.TrimSpace(attrs["action"]), Part: part, Kind: "form"})
			case "input":
				if strings.EqualFold(attrs["type"], "password") {
					doc.passwords++
				}
			case "iframe", "embed", "object":
				if s := attrs["src"] + attrs["data"]; s != "" {
					doc.addLink(Link{Href: strings.TrimSpace(s), Part: part, Kind: "iframe"})
				}
			case "meta":
				if strings.EqualFold(attrs["http-equiv"], "refresh") {
					c := attrs["content"]
					if i := strings.Index(strings.ToLower(c), "url="); i >= 0 {
						doc.addLink(Link{Href: strings.Trim(c[i+4:], `'" `), Part: part, Kind: "meta-refresh"})
					}
				}
			case "img":
				if len(doc.images) < 200 {
					doc.images = append(doc.images, strings.ToLower(attrs["src"]+" "+attrs["alt"]))
				}
				if inA && attrs["alt"] != "" && aText.Len() < 1000 {
					aText.WriteString(" " + attrs["alt"])
				}
			case "br", "p", "div", "tr", "li":
				doc.text.WriteByte('\n')
			}
		}
	}
}

func isHiddenStyle(st string) bool {
	st = strings.ReplaceAll(st, " ", "")
	return strings.Contains(st, "display:none") || strings.Contains(st, "font-size:0") ||
		strings.Contains(st, "visibility:hidden") || strings.Contains(st, "opacity:0;") || strings.HasSuffix(st, "opacity:0")
}

func (d *htmlDoc) addLink(l Link) {
	if len(d.links) >= maxLinks {
		d.linksOver = true
		return
	}
	d.links = append(d.links, l)
}

// textLinks finds URLs written in plain text.
func textLinks(s, part string, doc *htmlDoc) {
	if len(s) > 4<<20 {
		s = s[:4<<20]
	}
	eachURL(s, maxLinks+1, linkStop, func(start, end int) {
		m := strings.TrimRight(s[start:end], ".,;:!?")
		doc.addLink(Link{Href: m, Text: m, Part: part, Kind: "text"})
	})
}

// wordRunes counts the letters and digits of s.
func wordRunes(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}
