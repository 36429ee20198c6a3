// Package notifytest has receivers for notification tests: an SMTP sink
// and a webhook receiver, both on 127.0.0.1, that record what they get.
package notifytest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Mail is one message the sink accepted.
type Mail struct {
	From string
	To   []string
	Data string // the message as sent, CRLF line ends, dot-unstuffed
	TLS  bool   // sent after STARTTLS
	User string // who logged in with AUTH PLAIN ("" for none)
}

// SMTPSink is a minimal SMTP server (RFC 5321 commands a client sends to
// a relay, no extensions) that stores every message it is given.
type SMTPSink struct {
	Addr string
	// Refuse makes the sink answer 451 to DATA (a relay that is down).
	Refuse bool

	mu    sync.Mutex
	mails []Mail
	ln    net.Listener
	got   chan struct{}
	tls   *tls.Config // offers STARTTLS and AUTH PLAIN when set
}

// NewTLSSMTPSink starts a sink that offers STARTTLS (and AUTH PLAIN after
// it, accepting any password) with a certificate for 127.0.0.1, and
// returns the pool a client must trust.
func NewTLSSMTPSink(t testing.TB) (*SMTPSink, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sink"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	s := NewSMTPSink(t)
	s.mu.Lock()
	s.tls = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	s.mu.Unlock()
	return s, pool
}

// NewSMTPSink starts a sink; it stops when the test ends.
func NewSMTPSink(t testing.TB) *SMTPSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &SMTPSink{Addr: ln.Addr().String(), ln: ln, got: make(chan struct{}, 100)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

// Mails returns the messages received so far.
func (s *SMTPSink) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Got is signalled once per message received.
func (s *SMTPSink) Got() <-chan struct{} { return s.got }

// SetRefuse switches refusing DATA on or off.
func (s *SMTPSink) SetRefuse(v bool) {
	s.mu.Lock()
	s.Refuse = v
	s.mu.Unlock()
}

func (s *SMTPSink) serve(c net.Conn) {
	defer func() { c.Close() }()
	s.mu.Lock()
	tcfg := s.tls
	s.mu.Unlock()
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 sink ESMTP")
	var m Mail
	secure, user := false, ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			switch {
			case tcfg != nil && !secure:
				say("250-sink")
				say("250 STARTTLS")
			case tcfg != nil:
				say("250-sink")
				say("250 AUTH PLAIN")
			default:
				say("250 sink")
			}
		case cmd == "STARTTLS" && tcfg != nil && !secure:
			say("220 go ahead")
			tc := tls.Server(c, tcfg)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, r, secure = tc, bufio.NewReader(tc), true
		case strings.HasPrefix(cmd, "AUTH PLAIN ") && secure:
			b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(line)[len("AUTH PLAIN "):])
			parts := strings.Split(string(b), "\x00")
			if err != nil || len(parts) != 3 {
				say("501 bad AUTH")
				continue
			}
			user = parts[1]
			say("235 ok")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			m = Mail{From: strings.Trim(strings.TrimSpace(line)[10:], "<>"), TLS: secure, User: user}
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			m.To = append(m.To, strings.Trim(strings.TrimSpace(line)[8:], "<>"))
			say("250 ok")
		case cmd == "DATA":
			s.mu.Lock()
			refuse := s.Refuse
			s.mu.Unlock()
			if refuse {
				say("451 try again later")
				continue
			}
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			m.Data = b.String()
			s.mu.Lock()
			s.mails = append(s.mails, m)
			s.mu.Unlock()
			select {
			case s.got <- struct{}{}:
			default:
			}
			say("250 queued")
		case cmd == "RSET":
			m = Mail{}
			say("250 ok")
		case cmd == "NOOP":
			say("250 ok")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

// Hook is one POST a webhook receiver got.
type Hook struct {
	Header http.Header
	Body   []byte
}

// WebhookReceiver records POSTs; Status is what it answers (default 200).
type WebhookReceiver struct {
	URL    string
	Status int

	mu    sync.Mutex
	hooks []Hook
	got   chan struct{}
}

// NewWebhookReceiver starts a receiver on 127.0.0.1.
func NewWebhookReceiver(t testing.TB) *WebhookReceiver {
	w := &WebhookReceiver{Status: 200, got: make(chan struct{}, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		w.mu.Lock()
		w.hooks = append(w.hooks, Hook{Header: r.Header.Clone(), Body: body})
		status := w.Status
		w.mu.Unlock()
		rw.WriteHeader(status)
		select {
		case w.got <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(srv.Close)
	w.URL = srv.URL
	return w
}

// Hooks returns the POSTs received so far.
func (w *WebhookReceiver) Hooks() []Hook {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Hook(nil), w.hooks...)
}

// Got is signalled once per POST.
func (w *WebhookReceiver) Got() <-chan struct{} { return w.got }

// SetStatus sets what the receiver answers.
func (w *WebhookReceiver) SetStatus(code int) {
	w.mu.Lock()
	w.Status = code
	w.mu.Unlock()
}
