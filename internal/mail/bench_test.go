package mail

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkCorpus analyzes the messages of VIGIE_CORPUS/mail (skipped when
// unset); BenchmarkAnalyze a built-in phishing message.
func BenchmarkCorpus(b *testing.B) {
	root := os.Getenv("VIGIE_CORPUS")
	if root == "" {
		b.Skip("set VIGIE_CORPUS")
	}
	var msgs [][]byte
	for _, sub := range []string{"phish", "ham"} {
		files, _ := filepath.Glob(filepath.Join(root, "mail", sub, "*.eml"))
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			msgs = append(msgs, raw)
		}
	}
	a, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, m := range msgs {
			a.Analyze(context.Background(), "m", m, nil)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*len(msgs)), "ms/msg")
}

// BenchmarkAnalyze measures one typical phishing message.
func BenchmarkAnalyze(b *testing.B) {
	raw := tmsg{from: "Google <no-reply@accounts.googlemail.com>", subject: "*Someone has your password*", html: podestaHTML + newsletterHTML}.bytes()
	a := testAnalyzer(b, Options{})
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		a.Analyze(context.Background(), "m", raw, nil)
	}
}
