package mail

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestContentTextAsReference: contentText, rewritten to lower-case only
// the lines that can be markers and to split lines as it goes, keeps
// exactly what the straightforward version below kept, on random
// messages made of quotes, reply and forward markers, rule lines, list
// footers, odd case and broken UTF-8.
func TestContentTextAsReference(t *testing.T) {
	lines := []string{"", " ", "Hello,", "> quoted", "  > quoted too", "-----Original Message-----", "-- ORIGINAL MESSAGE --",
		"On Mon, 7 Dec 2026, Anne <a@example.org> wrote:", "ON MONDAY ANNE WROTE:", "on x wrote: more", "Le lundi 7, Anne a écrit :",
		"LE LUNDI ANNE A ÉCRIT:", "__________", "==========", "-----------", "--", "To unsubscribe, visit the listinfo page",
		"Mailman mailing list", "List archive", "İ wrote:", "\xff--", "--\xff", "wrote:\xff", "Ünïcödé text:", "Best,", "\r", "a\r"}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		var parts []string
		for range r.IntN(14) {
			parts = append(parts, lines[r.IntN(len(lines))])
		}
		s := strings.Join(parts, "\n")
		if r.IntN(3) == 0 {
			s += "\n"
		}
		if got, want := contentText(s), contentTextRef(s); got != want {
			t.Fatalf("case %d %q: got %q, want %q", i, s, got, want)
		}
	}
}

func contentTextRef(s string) string {
	lines := strings.Split(s, "\n")
	var b strings.Builder
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, ">") {
			continue
		}
		lt := strings.ToLower(t)
		if strings.Contains(lt, "original message") && strings.HasPrefix(lt, "--") ||
			strings.HasPrefix(lt, "on ") && strings.HasSuffix(lt, "wrote:") ||
			strings.HasSuffix(lt, "a écrit :") || strings.HasSuffix(lt, "a écrit:") {
			break
		}
		if len(t) >= 10 && strings.Trim(t, "_-=") == "" && footerFollows(lines[i+1:]) {
			break
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}
