package mail

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// The regular expressions the URL scans replaced.
var (
	refTextURL   = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"'\)\]]+`)
	refURLInText = regexp.MustCompile(`(?i)\b(?:https?://|www\.)\S+`)
)

var urlSamples = []string{
	"",
	"see https://example.org/a?b=c, and www.example.com.",
	"HTTP://EXAMPLE.ORG/x)y <http://a.b/c> \"https://q.r/s\" [www.x.y]",
	"xhttp://no.match but _www.no and 9https://no",
	"é http://after.accent\thttps://tab\nwww.",
	"httpſ://long-s.example HTTPS://caps www.www.example",
	"http://a.b/http://c.d www.a.bwww.c.d",
	"http:// https://x",
	"\xffhttp://bad.utf8/\xfe",
}

func TestURLScanMatchesRegexps(t *testing.T) {
	for i, s := range withCorpus(t, urlSamples, 4<<20) {
		compareURLScan(t, i, s)
	}
}

func compareURLScan(t *testing.T, i int, s string) {
	t.Helper()
	var got []string
	eachURL(s, 1000, linkStop, func(a, b int) { got = append(got, s[a:b]) })
	if want := refTextURL.FindAllString(s, 1000); !slices.Equal(got, want) {
		t.Errorf("sample %d: links %q, the regular expression %q", i, got, want)
	}
	if got, want := withoutURLs(s), refURLInText.ReplaceAllString(s, " "); got != want {
		t.Errorf("sample %d: text without links %q, the regular expression %q", i, got, want)
	}
}

func FuzzURLScan(f *testing.F) {
	for _, s := range urlSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { compareURLScan(t, 0, s) })
}

// refMixedScriptWords is mixedScriptWords as it was, word by word.
func refMixedScriptWords(s string) int {
	n := 0
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
		var lat, other bool
		for _, r := range w {
			switch {
			case r < 0x250 && unicode.IsLetter(r):
				lat = true
			case unicode.Is(unicode.Cyrillic, r) || unicode.Is(unicode.Greek, r) || unicode.Is(unicode.Armenian, r):
				other = true
			}
		}
		if lat && other {
			n++
		}
	}
	return n
}

func FuzzMixedScriptWords(f *testing.F) {
	for _, s := range []string{"", "Pаypal аccount", "Ѕecurity ΑpplE", "plain ascii", "é\xffа"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := mixedScriptWords(s), refMixedScriptWords(s); got != want {
			t.Errorf("%d mixed words, the word-by-word count %d", got, want)
		}
		if got, want := foldASCII(s), refAccentFolder(s); got != want {
			t.Errorf("folded %q, want %q", got, want)
		}
	})
}

func refAccentFolder(s string) string { return accentFolder.Replace(s) }
