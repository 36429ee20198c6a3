package mail

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// The regular expressions forwardedSender used before it scanned bytes:
// the scan must find what they found.
var (
	refForwardMarker = regexp.MustCompile(`(?i)(-{2,}\s*(original message|forwarded message|message d'origine|message transféré|mensagem original|mensagem encaminhada|ursprüngliche nachricht|weitergeleitete nachricht|oorspronkelijk bericht|doorgestuurd bericht|messaggio originale|mensaje original)\s*-{2,}|begin forwarded message|_{10,})`)
	refForwardFrom   = regexp.MustCompile(`(?im)^[ \t>*]*(from|de|von|van|da|od|från|fra)[ \t*]*:[ \t*]*(.{3,300})$`)
)

func refMarkerEnd(body string) int {
	if m := refForwardMarker.FindStringIndex(body); m != nil {
		return m[1]
	}
	return -1
}

func refFromLine(s string) (string, bool) {
	m := refForwardFrom.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	return m[2], true
}

var forwardSamples = []string{
	"",
	"hello\n-----Original Message-----\nFrom: Anna <anna@example.org>\nSent: today\n",
	"-- \nsig\n---------- Forwarded message ---------\nDe : Jean Dupont <jd@example.fr>\r\nDate: lundi\r\n",
	"text\n\n> *From:* \"IT\" [mailto:it@evil.example]\n> Sent:",
	"Begin forwarded message:\n\nFrom: a@b.c\n",
	"____________\nVon: x@y.de\n",
	"_________ nine only\nFrom: short",
	"--- Message transféré ---\nDe: Émile <e@example.fr>\n",
	"--- MESSAGE TRANSFÉRÉ ---\nde:ab\n",
	"-- - original message --\nfrom:   ab\n",
	"--original message-\nfrom: a@b\n",
	"---- Ursprüngliche Nachricht ----\nVon: Müller <m@example.de>\n",
	"from: \t*\t* x\n",
	"From:" + string(make([]byte, 301)) + "\nFrom: a@b.example\n",
	"fra:a@b.example",
	"od \t: \xff\xfe@x.y\n",
	"--\r\n\t original message \r\n--\r\nFrom: <a@b.c>\r\n",
	"- - - Original Message - - -\nFrom: x@y.z",
}

func TestForwardScanMatchesRegexps(t *testing.T) {
	for i, s := range withCorpus(t, forwardSamples, 64<<10) {
		if got, want := forwardMarkerEnd(s), refMarkerEnd(s); got != want {
			t.Errorf("sample %d: marker end %d, the regular expression %d", i, got, want)
		}
		gv, gok := forwardFromLine(s)
		wv, wok := refFromLine(s)
		if gv != wv || gok != wok {
			t.Errorf("sample %d: From line %q %v, the regular expression %q %v", i, gv, gok, wv, wok)
		}
	}
}

// withCorpus returns samples followed, when VIGIE_CORPUS is set, by the
// first limit bytes of each message of its mail set.
func withCorpus(t *testing.T, samples []string, limit int) []string {
	t.Helper()
	out := append([]string(nil), samples...)
	if root := os.Getenv("VIGIE_CORPUS"); root != "" {
		files, _ := filepath.Glob(filepath.Join(root, "mail", "*", "*.eml"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, string(b[:min(len(b), limit)]))
		}
	}
	return out
}

func FuzzForwardScan(f *testing.F) {
	for _, s := range forwardSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := forwardMarkerEnd(s), refMarkerEnd(s); got != want {
			t.Errorf("marker end %d, the regular expression %d", got, want)
		}
		gv, gok := forwardFromLine(s)
		wv, wok := refFromLine(s)
		if gv != wv || gok != wok {
			t.Errorf("From line %q %v, the regular expression %q %v", gv, gok, wv, wok)
		}
	})
}
