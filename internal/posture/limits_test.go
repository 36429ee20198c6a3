package posture

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// startSilent accepts TCP connections on loopback and never says a word:
// an SMTP server that does not greet, a web server that does not answer.
func startSilent(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// TestSilentServers: an MX and a web server that accept the connection
// and never speak make their checks errors within the timeout; the run
// does not wait for them.
func TestSilentServers(t *testing.T) {
	port := startSilent(t)
	z := startDNS(t, `
stall.test.      A 127.0.0.1
stall.test.      MX 10 mx.stall.test.
mx.stall.test.   A 127.0.0.1
`)
	c := newTestChecker(t, z, Options{SMTPPort: port, HTTPPort: port, HTTPSPort: port, Timeout: 300 * time.Millisecond})
	start := time.Now()
	r := c.Check(context.Background(), "stall.test")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the run took %v with a timeout of 300ms", d)
	}
	want := []string{"mail.starttls", "web.https", "web.redirect", "web.hsts", "web.headers", "web.security-txt"}
	seen := map[string]bool{}
	for _, ch := range r.Checks {
		if slices.Contains(want, ch.ID) {
			seen[ch.ID] = true
			if ch.Status != StatusError || !strings.Contains(ch.Summary, "Vigie could not") && !strings.Contains(ch.Summary, "timeout") {
				t.Errorf("%s: %s %q, want an error saying why", ch.ID, ch.Status, ch.Summary)
			}
		}
	}
	for _, id := range want {
		if !seen[id] {
			t.Errorf("%s: no result at all", id)
		}
	}
}

// TestHostileAnswers: a CNAME loop, an answer too big for its datagram
// and an answer with hundreds of records end in clear results, never a
// hang or a pass.
func TestHostileAnswers(t *testing.T) {
	var zone strings.Builder
	zone.WriteString(`
loop.test.        CNAME loop2.test.
loop2.test.       CNAME loop.test.
_dmarc.loop.test. CNAME _dmarc.loop.test.
`)
	for i := range 300 {
		fmt.Fprintf(&zone, "huge.test. TXT \"v=spf1 ip4:192.0.2.%d include:_spf%d.huge.test -all %s\"\n", i%256, i, strings.Repeat("x", 100))
	}
	for i := range 110 { // fits in the datagram: more records than Vigie keeps
		fmt.Fprintf(&zone, "mm.test. MX %d m%d.mm.test.\n", i, i)
	}
	z := startDNS(t, zone.String())
	c := newTestChecker(t, z, Options{Timeout: 500 * time.Millisecond, SMTPPort: 1})
	for _, tc := range []struct {
		domain, id string
		says       string
	}{
		{"loop.test", "mail.spf", "no SPF record"},
		{"loop.test", "mail.dmarc", "no DMARC record"},
		{"huge.test", "mail.spf", "huge.test TXT query to 127.0.0.1"},
		{"huge.test", "mail.spf", "unreadable answer, larger than the 4096 bytes Vigie accepts"},
		{"huge.test", "mail.dmarc", "no DMARC record"},
		{"mm.test", "mail.starttls", "m0.mm.test"},
	} {
		t.Run(tc.domain+"/"+tc.id, func(t *testing.T) {
			start := time.Now()
			ch := runOne(t, c, tc.domain, tc.id)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			if ch.Status == StatusPass || !strings.Contains(ch.Summary, tc.says) {
				t.Errorf("%s %q, want a failure or error saying %q", ch.Status, ch.Summary, tc.says)
			}
			if len(ch.Evidence) > 2*maxAnswerRRs {
				t.Errorf("%d lines of evidence", len(ch.Evidence))
			}
		})
	}
	// mm.test publishes 110 MX: Vigie keeps 100 and probes at most
	// maxMXChecked.
	if ch := runOne(t, c, "mm.test", "mail.mx"); ch.Status != StatusPass || len(ch.Evidence) != maxAnswerRRs {
		t.Errorf("mail.mx: %s with %d records kept", ch.Status, len(ch.Evidence))
	}
	if ch := runOne(t, c, "mm.test", "mail.starttls"); len(ch.Evidence) > maxMXChecked {
		t.Errorf("%d MX probed, want at most %d", len(ch.Evidence), maxMXChecked)
	}
}

// TestConcurrencyLimit: with Options.Concurrency 2, never more than two
// checks query the DNS at once, across the domains of one run.
func TestConcurrencyLimit(t *testing.T) {
	z := startDNS(t, `
a.test. TXT "v=spf1 -all"
b.test. TXT "v=spf1 -all"
c.test. TXT "v=spf1 -all"
`)
	var inFlight, peak atomic.Int32
	slow := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
		inFlight.Add(-1)
		z.ServeDNS(w, r)
	})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: slow}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	for _, only := range []string{GroupMail, GroupDNS} {
		peak.Store(0)
		c, err := New(Options{Resolver: pc.LocalAddr().String(), Timeout: 2 * time.Second, Concurrency: 2, Only: only})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		c.Run(context.Background(), []string{"a.test", "b.test", "c.test"}, func(Result) { n++ })
		if n != 3 {
			t.Fatalf("%d results", n)
		}
		if p := peak.Load(); p > 2 || p < 2 {
			t.Errorf("--only %s: %d queries at once with Concurrency 2", only, p)
		}
	}
}
