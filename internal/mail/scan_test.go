package mail

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
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
	samples := append([]string(nil), urlSamples...)
	if root := os.Getenv("VIGIE_CORPUS"); root != "" {
		files, _ := filepath.Glob(filepath.Join(root, "mail", "*", "*.eml"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			samples = append(samples, string(b))
		}
	}
	for i, s := range samples {
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
