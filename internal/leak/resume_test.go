package leak

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/dkim"
)

// TestResumeInsideMbox interrupts a run a third, then two thirds of the
// way through one mbox of 2,000 messages (a tenth with an attached
// document, half of them signed) and checks that each next run continues
// inside the mbox, from the checkpoint's byte offset, and that the report
// ends with every item exactly once.
func TestResumeInsideMbox(t *testing.T) {
	const n = 2000
	dir := t.TempDir()
	dump := filepath.Join(dir, "dump")
	os.MkdirAll(dump, 0o755)
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	rec, _ := dkim.KeyRecord(key.Public())
	res := &mailauth.MapResolver{TXT: map[string][]string{"s1._domainkey.en-marche.example": {rec}}}
	attachment := docx(t, docSpec{creator: "Jean Dupont", lastModBy: "Jean Dupont", created: "2017-04-20T09:00:00Z", modified: "2017-04-21T16:30:00Z", app: "Microsoft Office Word", paragraphs: []string{"budget"}})
	var mbox strings.Builder
	want := map[string]bool{}
	for i := 1; i <= n; i++ {
		msg := mailOf("a@en-marche.example", fmt.Sprintf("Point %d", i), fmt.Sprintf("m%d@en-marche.example", i), fmt.Sprintf("Message %d.\r\n", i))
		if i%10 == 0 {
			msg = strings.Replace(msg, "\r\n\r\n", "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n", 1)
			msg = msg[:strings.Index(msg, "\r\n\r\n")+4] + "--b\r\nContent-Type: text/plain\r\n\r\nVoir la note.\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"note.docx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
				b64Lines(attachment) + "--b--\r\n"
			want[fmt.Sprintf("dump/inbox.mbox#%d!note.docx", i)] = true
		}
		if i%2 == 0 {
			sig, err := dkim.Sign([]byte(msg), dkim.SignOptions{Domain: "en-marche.example", Selector: "s1", Signer: key, Time: time.Date(2017, 5, 5, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			msg = string(sig) + msg
		}
		mbox.WriteString("From a@en-marche.example Fri May  5 10:00:00 2017\n" + strings.ReplaceAll(msg, "\r\n", "\n") + "\n")
		want[fmt.Sprintf("dump/inbox.mbox#%d", i)] = true
	}
	if err := os.WriteFile(filepath.Join(dump, "inbox.mbox"), []byte(mbox.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report")
	config := func() Config { return Config{Dump: dump, Out: out, Resume: true, Resolver: res, Keys: "test"} }

	// Interrupted twice: at a third, then (resumed) at two thirds.
	for k := 1; k <= 2; k++ {
		ctx, cancel := context.WithCancel(context.Background())
		c := config()
		c.ProgressEvery = time.Nanosecond
		c.Progress = func(p Progress) {
			if p.Resumed+p.Items >= k*len(want)/3 {
				cancel()
			}
		}
		if _, err := Run(ctx, c); err == nil {
			t.Fatalf("interrupted run %d reported no error", k)
		}
		cancel()
	}

	rep, err := Run(context.Background(), config())
	if err != nil {
		t.Fatal(err)
	}
	// A checkpoint per file would take nothing from an unfinished mbox:
	// the run continues near two thirds of it.
	if rep.Resumed < len(want)/2 || rep.Resumed >= len(want) {
		t.Errorf("%d items taken from the checkpoint, want about two thirds of %d", rep.Resumed, len(want))
	}
	seen := map[string]int{}
	for _, it := range rep.Items {
		seen[it.Path]++
		if !want[it.Path] {
			t.Errorf("unexpected item %s", it.Path)
		}
	}
	for p := range want {
		if seen[p] != 1 {
			t.Errorf("%s reported %d times, want once", p, seen[p])
		}
	}
	if rep.Counts[string(Authentic)] != n/2 || rep.Counts[string(Unverifiable)] != n/2+n/10 {
		t.Errorf("counts %v, want %d authentic (signed) and %d unverifiable (unsigned and documents)", rep.Counts, n/2, n/2+n/10)
	}
}

func b64Lines(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return out.String() + s + "\r\n"
}
