package leak

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/dkim"
)

// TestForgeryGroups plants, in a small dump of genuine-looking documents
// and signed mail, a batch of five documents made with another program at
// night and four unsigned messages sent with a web mailer at 03:00 in the
// name of a staffer who writes in the daytime. The report groups each
// batch, and only it: documents of a rarely used but ordinary program
// made in the daytime, a party's original with the forger's traits, and
// signed messages with the web mailer's traits stay out of the groups.
func TestForgeryGroups(t *testing.T) {
	dir := t.TempDir()
	dump, origs := filepath.Join(dir, "dump"), filepath.Join(dir, "party")
	for _, d := range []string{dump, origs, filepath.Join(dump, "docs"), filepath.Join(dump, "mail")} {
		os.MkdirAll(d, 0o755)
	}
	write := func(p string, b []byte) {
		t.Helper()
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	staff := []string{"Jean Dupont", "Marie Lambert", "Paul Martin"}
	day := func(i int) string {
		return time.Date(2017, 3, 1+i%28, 8+i%10, i%60, 0, 0, time.UTC).Format(time.RFC3339)
	}
	for i := range 40 {
		write(filepath.Join(dump, "docs", fmt.Sprintf("note-%02d.docx", i)), docx(t, docSpec{creator: staff[i%3], lastModBy: staff[i%3],
			created: day(i), modified: day(i + 1), app: "Microsoft Office Word", paragraphs: []string{fmt.Sprintf("note %d du comité", i)}}))
	}
	// A rarely used program, in the daytime: one sign only.
	for i := range 3 {
		write(filepath.Join(dump, "docs", fmt.Sprintf("tract-%d.docx", i)), docx(t, docSpec{creator: "Paul Martin", lastModBy: "Paul Martin",
			created: day(i), modified: day(i + 2), app: "LibreOffice", paragraphs: []string{fmt.Sprintf("tract %d", i)}}))
	}
	// The planted batch.
	var planted []string
	for i := range 5 {
		night := time.Date(2017, 5, 3, 22+i%3, 10*i, 0, 0, time.UTC)
		name := fmt.Sprintf("virement-%d.docx", i)
		planted = append(planted, "dump/docs/"+name)
		write(filepath.Join(dump, "docs", name), docx(t, docSpec{creator: "Jean Dupont", lastModBy: "Jean Dupont",
			created: night.Add(-time.Hour).Format(time.RFC3339), modified: night.Format(time.RFC3339), app: "Microsoft Office Word 2007", paragraphs: []string{fmt.Sprintf("virement %d vers un compte offshore", i)}}))
	}
	// The party's own document with the same traits: proven, not grouped.
	same := docx(t, docSpec{creator: "Jean Dupont", lastModBy: "Jean Dupont", created: "2017-05-02T22:00:00Z", modified: "2017-05-02T23:30:00Z",
		app: "Microsoft Office Word 2007", paragraphs: []string{"document du parti"}})
	write(filepath.Join(dump, "docs", "archive-parti.docx"), same)
	write(filepath.Join(origs, "archive-parti.docx"), same)

	// Mail: a signing domain's ordinary messages, in the daytime.
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	rec, _ := dkim.KeyRecord(key.Public())
	res := &mailauth.MapResolver{TXT: map[string][]string{"s1._domainkey.en-marche.example": {rec}}}
	var mbox strings.Builder
	msg := func(n int, mailer string, at time.Time, sign bool) {
		m := fmt.Sprintf("From: Direction <direction@en-marche.example>\r\nTo: equipe@en-marche.example\r\nSubject: Point %d\r\nDate: %s\r\nMessage-ID: <%d@en-marche.example>\r\nX-Mailer: %s\r\n\r\nMessage %d.\r\n",
			n, at.Format(time.RFC1123Z), n, mailer, n)
		if sign {
			sig, err := dkim.Sign([]byte(m), dkim.SignOptions{Domain: "en-marche.example", Selector: "s1", Signer: key, Time: at})
			if err != nil {
				t.Fatal(err)
			}
			m = string(sig) + m
		}
		mbox.WriteString("From direction@en-marche.example Fri May  5 10:00:00 2017\n" + strings.ReplaceAll(m, "\r\n", "\n") + "\n")
	}
	n := 0
	for i := range 30 {
		n++
		msg(n, "Microsoft Outlook 16.0", time.Date(2017, 4, 1+i%28, 7+i%10, 5, 0, 0, time.FixedZone("", 7200)), true)
	}
	var plantedMail []string
	for i := range 4 {
		n++
		plantedMail = append(plantedMail, fmt.Sprintf("dump/mail/direction.mbox#%d", n))
		msg(n, "PHPMailer 5.2.22", time.Date(2017, 5, 4, 3, 10*i, 0, 0, time.UTC), false)
	}
	for i := range 2 { // signed: proven, whatever they look like
		n++
		msg(n, "PHPMailer 5.2.22", time.Date(2017, 5, 4, 3, 5+10*i, 0, 0, time.UTC), true)
	}
	write(filepath.Join(dump, "mail", "direction.mbox"), []byte(mbox.String()))

	rep, err := Run(context.Background(), Config{Dump: dump, Originals: origs, Resolver: res, Keys: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Groups) != 2 {
		for _, g := range rep.Groups {
			t.Logf("group %d: %v: %s", g.ID, g.Items, g.Explanation)
		}
		t.Fatalf("%d groups, want 2 (the planted documents, the planted messages)", len(rep.Groups))
	}
	docs, mails := rep.Groups[0], rep.Groups[1]
	if docs.Kind != KindDocument {
		docs, mails = mails, docs
	}
	if !slices.Equal(docs.Items, planted) {
		t.Errorf("document group %v, want %v", docs.Items, planted)
	}
	if !slices.Equal(mails.Items, plantedMail) {
		t.Errorf("mail group %v, want %v", mails.Items, plantedMail)
	}
	for _, want := range []string{`made with "Microsoft Office Word 2007 16.0000"`, "saved at 22:00–00:59 UTC", "outside the hours"} {
		if !strings.Contains(docs.Explanation, want) {
			t.Errorf("document group explanation lacks %q: %s", want, docs.Explanation)
		}
	}
	for _, want := range []string{`sent with "PHPMailer 5.2.22"`, "sent at 03:00–03:59 UTC"} {
		if !strings.Contains(mails.Explanation, want) {
			t.Errorf("mail group explanation lacks %q: %s", want, mails.Explanation)
		}
	}
	if !strings.Contains(docs.ExplanationFR, "de la même main") {
		t.Errorf("no French explanation: %s", docs.ExplanationFR)
	}
	// Each member says so in its reasons, in both languages.
	for _, it := range rep.Items {
		if it.Path == planted[0] {
			if !slices.ContainsFunc(it.Reasons, func(r string) bool { return strings.HasPrefix(r, "forgery group ") }) ||
				!slices.ContainsFunc(it.ReasonsFR, func(r string) bool { return strings.HasPrefix(r, "groupe de faux possibles") }) {
				t.Errorf("%s: reasons %q / %q name no group", it.Path, it.Reasons, it.ReasonsFR)
			}
		}
	}
}

// TestForgeryGroupsHTML: report.html explains each group and links its
// members, in the report's language.
func TestForgeryGroupsHTML(t *testing.T) {
	rep := &Report{Counts: map[string]int{"suspicious": 2}, Lang: LangFR, Items: []*Item{
		{Path: "dump/a.docx", Kind: KindDocument, Verdict: Suspicious}, {Path: "dump/b.docx", Kind: KindDocument, Verdict: Suspicious}}}
	rep.Groups = []ForgeryGroup{{ID: 1, Kind: KindDocument, Items: []string{"dump/a.docx", "dump/b.docx"}, Explanation: "2 documents look made by the same hand", ExplanationFR: "2 documents semblent faits de la même main"}}
	var b strings.Builder
	if err := WriteHTML(&b, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Éléments qui partagent les traits d&#39;un faussaire", "2 documents semblent faits de la même main", `<a href="#item-2">dump/b.docx</a>`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}
