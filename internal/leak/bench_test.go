package leak

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/dkim"
)

// BenchmarkRun measures a whole run over a synthetic leak: 1000 signed
// messages in mboxes, 300 documents, compared with 1000 originals
// (documents and an mbox export).
func BenchmarkRun(b *testing.B) {
	dir := b.TempDir()
	dump, origs := filepath.Join(dir, "dump"), filepath.Join(dir, "party")
	os.MkdirAll(dump, 0o755)
	os.MkdirAll(origs, 0o755)
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	rec, _ := dkim.KeyRecord(key.Public())
	res := &mailauth.MapResolver{TXT: map[string][]string{"s1._domainkey.example.org": {rec}}}
	rng := rand.New(rand.NewSource(1))
	words := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = fmt.Sprintf("w%d", rng.Intn(20000))
		}
		return strings.Join(w, " ")
	}
	var mbox, orig strings.Builder
	for i := 0; i < 1000; i++ {
		msg := mailOf("a@example.org", fmt.Sprintf("Subject %d", i), fmt.Sprintf("m%d@example.org", i), words(150)+"\r\n")
		sig, _ := dkim.Sign([]byte(msg), dkim.SignOptions{Domain: "example.org", Selector: "s1", Signer: key, Time: time.Date(2017, 5, 5, 0, 0, 0, 0, time.UTC)})
		s := strings.ReplaceAll(string(sig)+msg, "\r\n", "\n")
		mbox.WriteString("From a@example.org Fri May  5 10:00:00 2017\n" + s + "\n")
		orig.WriteString("From a@example.org Fri May  5 10:00:00 2017\n" + strings.ReplaceAll(msg, "\r\n", "\n") + "\n")
	}
	os.WriteFile(filepath.Join(dump, "inbox.mbox"), []byte(mbox.String()), 0o644)
	os.WriteFile(filepath.Join(origs, "sent.mbox"), []byte(orig.String()), 0o644)
	for i := 0; i < 300; i++ {
		paras := []string{words(80), words(80), words(80)}
		d := docx(b, docSpec{creator: "Jean Dupont", lastModBy: "Jean Dupont", created: "2017-04-20T09:00:00Z", modified: "2017-04-21T16:30:00Z", app: "Microsoft Office Word", paragraphs: paras})
		os.WriteFile(filepath.Join(origs, fmt.Sprintf("doc%d.docx", i)), d, 0o644)
		if i%2 == 0 {
			paras[1] = words(80)
			d = docx(b, docSpec{creator: "Jean Dupont", lastModBy: "X", created: "2017-04-20T09:00:00Z", modified: "2017-05-01T16:30:00Z", app: "Microsoft Office Word", paragraphs: paras})
		}
		os.WriteFile(filepath.Join(dump, fmt.Sprintf("doc%d.docx", i)), d, 0o644)
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := Run(context.Background(), Config{Dump: dump, Originals: origs, Resolver: res})
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Items) != 1300 {
			b.Fatalf("%d items", len(rep.Items))
		}
	}
	b.ReportMetric(float64(1300*b.N)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkMboxInTarGz measures splitting an mbox of 100,000 messages
// (24 MB) read from a .tar.gz as it is decompressed (no message
// analysis): the walker alone. With VIGIE_BENCH_KEEP set, the .tar.gz is
// left in that directory for the side-by-side with tar | grep.
func BenchmarkMboxInTarGz(b *testing.B) {
	dir := b.TempDir()
	if d := os.Getenv("VIGIE_BENCH_KEEP"); d != "" {
		dir = d
	}
	mb := mboxOf(100000, "bench")
	path := filepath.Join(dir, "dump.tar.gz")
	if err := os.WriteFile(path, gz(tarOf(b, [][2]string{{"Archive.mbox", mb}})), 0o644); err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(path)
	b.SetBytes(int64(len(mb)))
	b.ResetTimer()
	for range b.N {
		n := 0
		w := &walker{ctx: context.Background(), lim: DefaultLimits, emit: func(e entry) error { n++; return nil }}
		if err := w.file(path, fi); err != nil || n != 100000 {
			b.Fatalf("%d messages, %v", n, err)
		}
	}
}
