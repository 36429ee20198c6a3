//go:build unix

package mail

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/pack"
	"github.com/vigie-project/vigie/internal/mail/model"
)

// milterAnalyzer is the analyzer vigie mail milter builds by default: the
// built-in model and indicator pack, one protected domain.
func milterAnalyzer(b *testing.B) *Analyzer {
	b.Helper()
	m, err := model.Default()
	if err != nil {
		b.Fatal(err)
	}
	c, err := pack.Load()
	if err != nil {
		b.Fatal(err)
	}
	a, err := New(Options{OwnDomains: []string{"en-marche.fr"}, Model: m,
		Indicators: indicator.NewMatcher(c.Indicators, indicator.MatcherOptions{At: time.Now()})})
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// BenchmarkMilterNewsletter analyses the message of
// bench/milter/bench-milter.sh (a 2.6 KB HTML newsletter with 20 links) as
// the milter hands it over: the analysis part of the milter's cost per
// message inside Postfix.
func BenchmarkMilterNewsletter(b *testing.B) {
	a := milterAnalyzer(b)
	var s strings.Builder
	s.WriteString("From: Equipe campagne <equipe@example.org>\r\nTo: staff@example.test\r\nSubject: Compte rendu de la reunion de jeudi\r\n")
	s.WriteString("MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&s, "<p>Point %d : le programme du meeting, voir <a href=\"https://www.example.org/agenda/%d\">l agenda</a> et la liste des benevoles.</p>\r\n", i, i)
	}
	raw := []byte(s.String())
	env := Envelope{ClientIP: netip.MustParseAddr("127.0.0.1"), ClientName: "localhost", Helo: "bench.client",
		MailFrom: "equipe@example.org", Rcpt: []string{"staff@example.test"}}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	c0 := cpuTime()
	for b.Loop() {
		e := env
		a.Analyze(context.Background(), "queue ABC123", raw, &e)
	}
	// the process's CPU time (garbage collection included) per message:
	// on a shared, loaded machine it varies far less than the wall time
	b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
