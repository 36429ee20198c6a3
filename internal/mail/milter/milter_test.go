package milter

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/mail"
	"github.com/vigie-project/vigie/internal/report"
)

// mta is a test client speaking the MTA side of the milter protocol.
type mta struct {
	t       testing.TB
	c       net.Conn
	r       *bufio.Reader
	noReply uint32 // protocol bits of the milter: steps it will not answer (SMFIP_NR_*) or asks not to be sent (SMFIP_NO*)
}

// negotiate offers every action and protocol step as Postfix does and
// returns the milter's answer (noReply is set from it).
func (m *mta) negotiate() (byte, string) {
	m.t.Helper()
	var neg [12]byte
	binary.BigEndian.PutUint32(neg[0:4], 6)
	binary.BigEndian.PutUint32(neg[4:8], 0x1ff)
	binary.BigEndian.PutUint32(neg[8:12], 0x1fffff)
	m.send(cmdOptNeg, string(neg[:]))
	c, d := m.recv()
	if len(d) >= 12 {
		m.noReply = binary.BigEndian.Uint32([]byte(d[8:12]))
	}
	return c, d
}

// step sends a command and reads its answer, unless the milter said it
// would not answer that step (bit); as Postfix, it does not send the
// steps the milter asked to skip (SMFIP_NO*).
func (m *mta) step(bit uint32, cmd byte, parts ...string) {
	m.t.Helper()
	if skip := map[byte]uint32{cmdData: noData, cmdEOH: noEOH, cmdUnknown: noUnknown}[cmd]; m.noReply&skip != 0 {
		return
	}
	m.send(cmd, parts...)
	if m.noReply&bit == 0 {
		m.expect(respContinue)
	}
}

// verdict reads the end-of-message answers, up to the final one.
func (m *mta) verdict() []string {
	m.t.Helper()
	var out []string
	for {
		c, d := m.recv()
		out = append(out, string(c)+" "+strings.ReplaceAll(d, "\x00", "|"))
		if c == respAccept || c == respReject || c == respTempfail || c == respReplyCode || c == respContinue {
			return out
		}
	}
}

func (m *mta) send(cmd byte, parts ...string) {
	m.t.Helper()
	data := strings.Join(parts, "")
	var lb [4]byte
	binary.BigEndian.PutUint32(lb[:], uint32(len(data)+1))
	if _, err := m.c.Write(append(append(lb[:], cmd), data...)); err != nil {
		m.t.Fatal(err)
	}
}

func (m *mta) recv() (byte, string) {
	m.t.Helper()
	m.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var lb [4]byte
	if _, err := io.ReadFull(m.r, lb[:]); err != nil {
		m.t.Fatal(err)
	}
	buf := make([]byte, binary.BigEndian.Uint32(lb[:]))
	if _, err := io.ReadFull(m.r, buf); err != nil {
		m.t.Fatal(err)
	}
	return buf[0], string(buf[1:])
}

func (m *mta) expect(code byte) {
	m.t.Helper()
	if c, d := m.recv(); c != code {
		m.t.Fatalf("got reply %q %q, want %q", c, d, code)
	}
}

type sink struct {
	mu sync.Mutex
	fs []report.Finding
}

func (s *sink) Report(_ context.Context, fs []report.Finding) error {
	s.mu.Lock()
	s.fs = append(s.fs, fs...)
	s.mu.Unlock()
	return nil
}

func start(t *testing.T, p Policy, sg Sightings) string {
	t.Helper()
	return serve(t, &Server{Policy: p, Sightings: sg, Host: "mx-test"})
}

// testAnalyzer is the analyzer of the tests: en-marche.fr is the party's.
func testAnalyzer(t testing.TB) *mail.Analyzer {
	t.Helper()
	a, err := mail.New(mail.Options{OwnDomains: []string{"en-marche.fr"}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// serve runs s (with testAnalyzer if it has none) on a loopback TCP port
// until the test ends, and returns the address.
func serve(t *testing.T, s *Server) string {
	t.Helper()
	if s.Analyzer == nil {
		s.Analyzer = testAnalyzer(t)
	}
	l, err := Listen("inet:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Serve(ctx, l); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return l.Addr().String()
}

// deliver runs one SMTP transaction through the milter and returns the
// end-of-message replies.
func deliver(t *testing.T, addr string, headers [][2]string, body string) []string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m := &mta{t: t, c: c, r: bufio.NewReader(c)}
	if c, d := m.negotiate(); c != cmdOptNeg || len(d) < 12 || binary.BigEndian.Uint32([]byte(d[0:4])) != 6 {
		t.Fatalf("negotiation reply %q %x", c, d)
	}
	m.send(cmdMacro, "C", "j\x00mx.example.test\x00{daemon_name}\x00smtpd\x00")
	out := m.message("<sender@example.org>\x00SIZE=100\x00", "<staff@en-marche.fr>\x00", headers, body)
	m.send(cmdQuit)
	return out
}

// message sends one message's steps, as Postfix does after the
// negotiation (with the queue ID macro before MAIL), and returns the
// end-of-message replies.
func (m *mta) message(mailFrom, rcpt string, headers [][2]string, body string) []string {
	m.content(mailFrom, rcpt, headers, body)
	m.send(cmdEOB)
	return m.verdict()
}

// content sends the steps of a message up to its end (not included).
func (m *mta) content(mailFrom, rcpt string, headers [][2]string, body string) {
	m.step(nrConn, cmdConnect, "client.example.org\x00", "4", "\x30\x39", "192.0.2.10\x00")
	m.step(nrHelo, cmdHelo, "client.example.org\x00")
	m.send(cmdMacro, "M", "i\x00ABC123\x00")
	m.step(nrMail, cmdMail, mailFrom)
	m.step(nrRcpt, cmdRcpt, rcpt)
	for _, h := range headers {
		m.step(nrHdr, cmdHeader, h[0]+"\x00", h[1]+"\x00")
	}
	m.step(nrEOH, cmdEOH)
	for len(body) > 0 {
		n := min(len(body), 65535)
		m.step(nrBody, cmdBody, body[:n])
		body = body[n:]
	}
}

var phishHeaders = [][2]string{{"From", "Office 365 <noreply@accounts-office.fr>"}, {"To", "staff@en-marche.fr"}, {"Subject", "Your password expires today"},
	{"Content-Type", "text/html; charset=utf-8"}}

const phishBody = "<p>Your Office 365 password will expire today. <a href=\"https://accounts-office.fr/owa\">Keep the same password</a></p>\r\n"

func TestMilterVerdicts(t *testing.T) {
	sg := &sink{}
	addr := start(t, DefaultPolicy(), sg)

	got := deliver(t, addr, [][2]string{{"From", "Jean <jean@example.org>"}, {"To", "staff@en-marche.fr"}, {"Subject", "Réunion"}}, "Bonjour, à jeudi.\r\n")
	joined := strings.Join(got, "\n")
	if !strings.Contains(joined, "i \x00\x00\x00\x00Authentication-Results|vigie; spf=none") && !strings.Contains(joined, "Authentication-Results|vigie;") {
		t.Errorf("clean: no Authentication-Results: %q", got)
	}
	if !strings.Contains(joined, "X-Vigie-Verdict|clean") || !strings.HasPrefix(got[len(got)-1], "a") {
		t.Errorf("clean: %q", got)
	}

	got = deliver(t, addr, phishHeaders, phishBody)
	joined = strings.Join(got, "\n")
	if !strings.Contains(joined, "X-Vigie-Verdict|phishing") || !strings.Contains(joined, "\nq vigie: phishing") || !strings.HasPrefix(got[len(got)-1], "a") {
		t.Errorf("phishing should be quarantined: %q", got)
	}

	exe := "MZ" + strings.Repeat("\x00", 100)
	body := "--b\r\nContent-Type: text/plain\r\n\r\nInvoice attached.\r\n--b\r\nContent-Type: application/octet-stream; name=\"invoice.exe\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + exe + "\r\n--b--\r\n"
	got = deliver(t, addr, [][2]string{{"From", "a@example.org"}, {"Subject", "Invoice"}, {"Content-Type", "multipart/mixed; boundary=b"}}, body)
	if last := got[len(got)-1]; !strings.HasPrefix(last, "y 550 5.7.1") {
		t.Errorf("malicious should be rejected: %q", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		sg.mu.Lock()
		n := len(sg.fs)
		sg.mu.Unlock()
		if n >= 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	sg.mu.Lock()
	defer sg.mu.Unlock()
	if len(sg.fs) < 2 || sg.fs[0].Sensor != "mail" || sg.fs[0].Host != "mx-test" {
		t.Errorf("sightings: %+v", sg.fs)
	}
}

func TestMilterTagAndFailure(t *testing.T) {
	p := DefaultPolicy()
	p.Actions[mail.Phishing] = Tag
	addr := start(t, p, nil)
	got := deliver(t, addr, phishHeaders, phishBody)
	if j := strings.Join(got, "\n"); !strings.Contains(j, "Subject|[PHISHING] Your password expires today") {
		t.Errorf("tag: %q", got)
	}

	closed := DefaultPolicy()
	closed.FailOpen = false
	closed.Timeout = time.Nanosecond
	addr = start(t, closed, nil)
	if got := deliver(t, addr, phishHeaders, phishBody); !strings.HasPrefix(got[len(got)-1], "t") {
		t.Errorf("fail closed should tempfail: %q", got)
	}

	open := DefaultPolicy()
	open.Timeout = time.Nanosecond
	addr = start(t, open, nil)
	got = deliver(t, addr, phishHeaders, phishBody)
	if j := strings.Join(got, "\n"); !strings.Contains(j, "X-Vigie-Status|unchecked") || !strings.HasPrefix(got[len(got)-1], "a") {
		t.Errorf("fail open should accept, marked: %q", got)
	}
}

// TestMilterGarbage: a broken client must not take the server down.
func TestMilterGarbage(t *testing.T) {
	addr := start(t, DefaultPolicy(), nil)
	for _, junk := range []string{"\xff\xff\xff\xffX", "\x00\x00\x00\x00", "\x00\x00\x00\x02Zx", "GET / HTTP/1.0\r\n\r\n"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(junk))
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		io.ReadAll(c)
		c.Close()
	}
	// still serving
	got := deliver(t, addr, [][2]string{{"From", "a@example.org"}, {"Subject", "hi"}}, "hello\r\n")
	if !strings.HasPrefix(got[len(got)-1], "a") {
		t.Errorf("after garbage: %q", got)
	}
}

func TestParsePolicy(t *testing.T) {
	p, err := ParsePolicy(strings.NewReader("# test\nphishing reject\nsuspicious accept\non-failure closed\ntimeout 5s\nauthserv-id mx.party.example\n"), "p.conf")
	if err != nil {
		t.Fatal(err)
	}
	if p.Actions[mail.Phishing] != Reject || p.Actions[mail.Suspicious] != Accept || p.FailOpen || p.Timeout != 5*time.Second || p.AuthServID != "mx.party.example" {
		t.Errorf("%+v", p)
	}
	for _, bad := range []string{"phishing explode", "on-failure maybe", "bogus 1", "timeout soon", "reject-text refused"} {
		if _, err := ParsePolicy(strings.NewReader(bad), "p.conf"); err == nil || !strings.Contains(err.Error(), "p.conf:1") {
			t.Errorf("%q: error %v", bad, err)
		}
	}
}

// TestMilterUnixNoReply: over a unix socket the milter asks the MTA not to
// wait for answers before the end of the message (SMFIP_NR_*), answers
// none of those steps, and still judges the whole message at its end
// (over TCP, see TestMilterTCPNoReply).
func TestMilterUnixNoReply(t *testing.T) {
	a, err := mail.New(mail.Options{OwnDomains: []string{"en-marche.fr"}})
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "m.sock")
	l, err := Listen("unix:" + sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{Analyzer: a, Policy: DefaultPolicy(), Host: "mx-test"}
	done := make(chan struct{})
	go func() { s.Serve(ctx, l); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m := &mta{t: t, c: c, r: bufio.NewReader(c)}
	if c, d := m.negotiate(); c != cmdOptNeg || m.noReply != noReplySteps|skippedSteps {
		t.Fatalf("negotiation reply %q %x, want the no-reply and skipped steps %x", c, d, noReplySteps|skippedSteps)
	}
	// every step before the end of the message, none answered: the next
	// thing read must be the verdict
	m.send(cmdConnect, "client.example.org\x00", "4", "\x30\x39", "192.0.2.10\x00")
	m.send(cmdHelo, "client.example.org\x00")
	m.send(cmdMail, "<sender@example.org>\x00")
	m.send(cmdRcpt, "<staff@en-marche.fr>\x00")
	m.send(cmdData)
	for _, h := range phishHeaders {
		m.send(cmdHeader, h[0]+"\x00", h[1]+"\x00")
	}
	m.send(cmdEOH)
	m.send(cmdBody, phishBody)
	m.send(cmdEOB)
	if got := m.verdict(); !strings.Contains(strings.Join(got, "\n"), "X-Vigie-Verdict|phishing") {
		t.Errorf("end-of-message answers %q, want the phishing verdict header", got)
	}
}

// TestMilterTCPNoReply: over TCP on Linux the milter too leaves the steps
// before the end of the message unanswered (SMFIP_NR_*), and an MTA that
// writes with Nagle's algorithm, as Postfix does, never waits for this
// side's delayed ACK (40 ms) between two unanswered packets: the milter
// acknowledges each packet as soon as it reads it (TCP_QUICKACK). With
// AnswerEveryStep, and on other systems, every step is answered. Each
// message has its own connection, as Postfix opens one per SMTP session;
// the median of several is compared, so that one message slowed by a busy
// machine does not decide.
func TestMilterTCPNoReply(t *testing.T) {
	a := testAnalyzer(t)
	for _, every := range []bool{false, true} {
		s := &Server{Analyzer: a, Policy: DefaultPolicy(), Host: "mx-test", AnswerEveryStep: every}
		addr := serve(t, s)
		want := uint32(noReplySteps | skippedSteps)
		if every || runtime.GOOS != "linux" {
			want = 0
		}
		const n = 15
		var times []time.Duration
		for i := range n + 1 {
			t0 := time.Now()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			c.(*net.TCPConn).SetNoDelay(false) // Nagle's algorithm, as Postfix's milter client
			m := &mta{t: t, c: c, r: bufio.NewReader(c)}
			m.negotiate()
			if m.noReply != want {
				t.Fatalf("AnswerEveryStep %v: steps left unanswered or skipped %x, want %x", every, m.noReply, want)
			}
			m.send(cmdMacro, "C", "j\x00mx.example.test\x00")
			m.step(nrConn, cmdConnect, "client.example.org\x00", "4", "\x30\x39", "192.0.2.10\x00")
			m.step(nrHelo, cmdHelo, "client.example.org\x00")
			m.send(cmdMacro, "M", "i\x00ABC123\x00")
			m.step(nrMail, cmdMail, "<sender@example.org>\x00")
			m.step(nrRcpt, cmdRcpt, "<staff@en-marche.fr>\x00")
			m.step(nrData, cmdData)
			for _, h := range phishHeaders {
				m.step(nrHdr, cmdHeader, h[0]+"\x00", h[1]+"\x00")
			}
			m.step(nrEOH, cmdEOH)
			m.step(nrBody, cmdBody, phishBody)
			m.send(cmdEOB)
			if got := m.verdict(); !strings.Contains(strings.Join(got, "\n"), "X-Vigie-Verdict|phishing") {
				t.Errorf("end-of-message answers %q, want the phishing verdict header", got)
			}
			m.send(cmdQuit)
			c.Close()
			if i > 0 { // the first warms the analyzer up
				times = append(times, time.Since(t0))
			}
		}
		slices.Sort(times)
		// (answering every step, the test's separate macro packets would
		// wait on Nagle's algorithm: Postfix sends them with the command)
		if med := times[len(times)/2]; !every && med > 20*time.Millisecond {
			t.Errorf("AnswerEveryStep %v: median %v per message over %d connections (all: %v); want no delayed-ACK stall (40 ms)", every, med, n, times)
		}
	}
}

// TestMilterWorkersReused: one message after another, each on its own
// connection as Postfix sends them, run on the same few worker goroutines
// (a connection's, which analyses its messages too) instead of new
// goroutines per message, whose stacks would grow again each time.
func TestMilterWorkersReused(t *testing.T) {
	s := &Server{Policy: DefaultPolicy(), Host: "mx-test"}
	addr := serve(t, s)
	const n = 30
	for range n {
		got := deliver(t, addr, phishHeaders, phishBody)
		if !strings.Contains(strings.Join(got, "\n"), "X-Vigie-Verdict|phishing") {
			t.Fatalf("answers %q, want the phishing verdict", got)
		}
	}
	if w := s.workers.Load(); w > 6 {
		t.Errorf("%d worker goroutines started for %d messages one after another; want a few, reused", w, n)
	}
}

// TestMilterWorkersEndWithServe: when Serve returns, no worker goroutine
// is left waiting for work (they waited up to workerIdle, 30 s, before).
func TestMilterWorkersEndWithServe(t *testing.T) {
	s := &Server{Analyzer: testAnalyzer(t), Policy: DefaultPolicy(), Host: "mx-test"}
	l, err := Listen("inet:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Serve(ctx, l); close(done) }()
	for range 3 {
		deliver(t, l.Addr().String(), phishHeaders, phishBody)
	}
	if s.workers.Load() == 0 {
		t.Fatal("no worker goroutine started")
	}
	cancel()
	<-done
	deadline := time.Now().Add(2 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		st := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(st, "milter.(*Server).worker") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker goroutines still running 2 s after Serve returned:\n%s", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMilterAsksOnlyForTheQueueID: in its negotiation reply the milter
// tells the MTA the one macro it reads, the queue ID, for every stage
// (SMFIR_SETSYMLIST), so that the MTA neither evaluates nor sends the
// dozen others it would by default; an MTA that does not offer the list
// (no SMFIF_SETSYMLIST) gets no list.
func TestMilterAsksOnlyForTheQueueID(t *testing.T) {
	addr := start(t, DefaultPolicy(), nil)
	for _, offer := range []uint32{0x1ff, 0xff} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		m := &mta{t: t, c: c, r: bufio.NewReader(c)}
		var neg [12]byte
		binary.BigEndian.PutUint32(neg[0:4], 6)
		binary.BigEndian.PutUint32(neg[4:8], offer)
		binary.BigEndian.PutUint32(neg[8:12], 0x1fffff)
		m.send(cmdOptNeg, string(neg[:]))
		cmd, d := m.recv()
		c.Close()
		if cmd != cmdOptNeg || len(d) < 12 {
			t.Fatalf("negotiation reply %q %x", cmd, d)
		}
		acts := binary.BigEndian.Uint32([]byte(d[4:8]))
		got := map[uint32]string{}
		for rest := []byte(d[12:]); len(rest) > 0; {
			if len(rest) < 5 {
				t.Fatalf("macro list %x: truncated", d[12:])
			}
			st := binary.BigEndian.Uint32(rest)
			names, after, ok := bytes.Cut(rest[4:], []byte{0})
			if !ok {
				t.Fatalf("macro list %x: unterminated", d[12:])
			}
			got[st] = string(names)
			rest = after
		}
		if offer&actSetSymList == 0 {
			if len(got) != 0 || acts&actSetSymList != 0 {
				t.Errorf("the MTA offered no macro list; the milter sent %v (actions %#x)", got, acts)
			}
			continue
		}
		if acts&actSetSymList == 0 {
			t.Errorf("actions %#x: the macro list is sent without SMFIF_SETSYMLIST", acts)
		}
		for st := range uint32(7) { // SMFIM_CONNECT .. SMFIM_EOH
			if got[st] != "i" {
				t.Errorf("stage %d: macros %q requested, want only the queue ID \"i\" (all: %v)", st, got[st], got)
			}
		}
	}
}

// TestMilterAnalysisPastTheLimit: an analysis that outlasts the policy's
// time limit gets the failure policy's answer at the limit, not when the
// analysis ends (it runs on the connection's goroutine; another takes the
// connection over), and the connection goes on with the next message.
func TestMilterAnalysisPastTheLimit(t *testing.T) {
	a := testAnalyzer(t)
	var big strings.Builder
	for i := range 200000 {
		fmt.Fprintf(&big, "<p>Point %d voir <a href=\"https://www%d.example%d.org/agenda/%d\">agenda %d</a></p>\r\n", i, i, i%97, i, i)
	}
	hdrs := [][2]string{{"From", "Equipe <equipe@example.org>"}, {"To", "staff@example.test"}, {"Subject", "Programme"}, {"Content-Type", "text/html"}}
	raw := "From: Equipe <equipe@example.org>\r\nTo: staff@example.test\r\nSubject: Programme\r\nContent-Type: text/html\r\n\r\n" + big.String()
	t0 := time.Now()
	a.Analyze(context.Background(), "big", []byte(raw), nil)
	whole := time.Since(t0)

	p := DefaultPolicy() // fail open: accepted, marked unchecked
	p.Timeout = 20 * time.Millisecond
	addr := serve(t, &Server{Analyzer: a, Policy: p, Host: "mx-test"})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m := &mta{t: t, c: c, r: bufio.NewReader(c)}
	m.negotiate()
	message := func(hdrs [][2]string, body string) []string {
		return m.message("<equipe@example.org>\x00", "<staff@example.test>\x00", hdrs, body)
	}
	// timed from the end of the message: sending 5 MB is not the milter's
	m.content("<equipe@example.org>\x00", "<staff@example.test>\x00", hdrs, big.String())
	t1 := time.Now()
	m.send(cmdEOB)
	got := m.verdict()
	answered := time.Since(t1)
	if j := strings.Join(got, "\n"); !strings.Contains(j, "X-Vigie-Status|unchecked") || !strings.HasPrefix(got[len(got)-1], "a") {
		t.Errorf("analysis past the limit: answers %q, want accepted, marked unchecked", got)
	}
	t.Logf("answered after %v, whole analysis %v", answered, whole)
	if answered > whole/2 {
		t.Errorf("answered after %v, the whole analysis takes %v: want the answer at the 20 ms limit", answered, whole)
	}
	m.send(cmdAbort)
	if got := message(phishHeaders, phishBody); len(got) == 0 {
		t.Errorf("the connection did not go on with the next message")
	}
}
