package advisory

import (
	"io"
	"os"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestRenderMarkdown: the formatting analysts use comes through; nothing
// that could run code or leak the reader does, whichever way it is written.
func TestRenderMarkdown(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // substrings of the HTML
		never     []string // substrings that must not appear (lower case)
	}{
		{name: "formatting", src: "# Phishing\n\nA **fake** webmail at `accounts-verify.example`.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
			want: []string{"<h1>Phishing</h1>", "<strong>fake</strong>", "<code>accounts-verify.example</code>", "<li>one</li>", "<td>1</td>"}},
		{name: "link", src: "See [CERT-FR](https://www.cert.ssi.gouv.fr/).",
			want: []string{`href="https://www.cert.ssi.gouv.fr/"`, `rel="noreferrer noopener"`}},
		{name: "raw script", src: "hello <script>alert(1)</script> there", never: []string{"<script", "alert(1)</"}},
		{name: "script block", src: "<script>\nalert(1)\n</script>\n", never: []string{"<script"}},
		{name: "event handler", src: `<img src=x onerror="alert(1)">`, never: []string{"onerror", "<img"}},
		{name: "javascript link", src: "[click](javascript:alert(1))", never: []string{"javascript:"}},
		{name: "javascript link encoded", src: "[click](jav&#x09;ascript:alert(1))", never: []string{"javascript", "ascript:alert"}},
		{name: "data link", src: "[x](data:text/html;base64,PHNjcmlwdD4=)", never: []string{"data:"}},
		{name: "autolink javascript", src: "<javascript:alert(1)>", never: []string{`href="javascript`}},
		{name: "image", src: "![pixel](https://tracker.example/p.gif)", never: []string{"<img", "tracker.example/p.gif\""}},
		{name: "iframe", src: `<iframe src="https://evil.example"></iframe>`, never: []string{"<iframe"}},
		{name: "style", src: "<style>body{display:none}</style>", never: []string{"<style"}},
		{name: "svg", src: `<svg onload=alert(1)>`, never: []string{"<svg", "onload"}},
		{name: "html in code", src: "`<script>`", want: []string{"<code>&lt;script&gt;</code>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenderMarkdown(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in %s", w, got)
				}
			}
			low := strings.ToLower(got)
			for _, n := range tt.never {
				if strings.Contains(low, n) {
					t.Errorf("%q in %s", n, got)
				}
			}
		})
	}
	if _, err := RenderMarkdown(strings.Repeat("a", MaxBody+1)); err == nil {
		t.Error("an over-long text was rendered")
	}
}

// FuzzRenderMarkdown: no input makes the renderer panic or let a script,
// an event handler or a javascript: link through.
func FuzzRenderMarkdown(f *testing.F) {
	seeds, _ := os.ReadDir("testdata/markdown")
	for _, e := range seeds {
		b, err := os.ReadFile("testdata/markdown/" + e.Name())
		if err == nil {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		got, err := RenderMarkdown(src)
		if err != nil {
			return
		}
		if bad := unsafeHTML(got); bad != "" {
			t.Fatalf("%s in the HTML of %q: %s", bad, src, got)
		}
	})
}

// unsafeHTML returns what in h could run code or load something: an
// element outside the allowed set, an event handler or style attribute,
// a link that is not http, https or mailto. "" when h is safe.
func unsafeHTML(h string) string {
	allowed := map[string]bool{"p": true, "br": true, "hr": true, "em": true, "strong": true, "del": true, "code": true, "pre": true, "blockquote": true,
		"ul": true, "ol": true, "li": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "a": true,
		"table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true}
	z := html.NewTokenizer(strings.NewReader(h))
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				return ""
			}
			return z.Err().Error()
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if !allowed[tok.Data] {
				return "element <" + tok.Data + ">"
			}
			for _, a := range tok.Attr {
				switch {
				case strings.HasPrefix(a.Key, "on") || a.Key == "style" || a.Key == "src":
					return "attribute " + a.Key
				case a.Key == "href":
					v := strings.ToLower(strings.TrimSpace(a.Val))
					if !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "mailto:") && strings.Contains(v, ":") {
						return "link " + a.Val
					}
				}
			}
		}
	}
}
