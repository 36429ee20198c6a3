package advisory

import (
	"bytes"
	"fmt"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// md converts CommonMark with tables, strikethrough and autolinks. Raw
// HTML in the source is not passed through (goldmark's default: it is
// replaced by a comment), and the result is sanitised again below.
var md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))

// policy keeps the formatting Markdown makes (paragraphs, lists, emphasis,
// code, tables, headings, quotes, links) and drops everything else:
// scripts, styles, event handlers, iframes, forms, images (an image would
// tell a remote server who reads the advisory and when). Links may only be
// http, https or mailto, and open without handing over the hub's address.
var policy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "em", "strong", "del", "code", "pre", "blockquote",
		"ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
		"table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("align").Matching(bluemonday.CellAlign).OnElements("th", "td")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// RenderMarkdown turns an advisory's Markdown text into HTML safe to put
// in a page: whatever the text holds, the result has no script, no event
// handler, no style and no link other than http, https or mailto.
func RenderMarkdown(src string) (string, error) {
	if len(src) > MaxBody {
		return "", fmt.Errorf("%w: the text is %d bytes long, at most %d", ErrInput, len(src), MaxBody)
	}
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("advisory: markdown: %w", err)
	}
	return policy.Sanitize(buf.String()), nil
}
