package pdns

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Upstream is a resolver the queries are forwarded to.
type Upstream interface {
	// Exchange sends m and returns the checked answer.
	Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error)
	String() string
}

// UpstreamOptions apply to every upstream.
type UpstreamOptions struct {
	// Timeout bounds one attempt (default 1.5 s).
	Timeout time.Duration
	// RootCAs verify DNS-over-TLS and DNS-over-HTTPS upstreams (nil: the
	// system's).
	RootCAs *x509.CertPool
	// NoCaseRandomization turns off "dns 0x20" on plain UDP upstreams.
	NoCaseRandomization bool
}

// ParseUpstream reads an upstream address: "9.9.9.9" or "9.9.9.9:53"
// (UDP, with TCP on truncation), "tcp://host:53", "tls://host:853"
// (DNS over TLS; "tls://name@ip:853" checks the certificate for name),
// "https://host/dns-query" (DNS over HTTPS, RFC 8484).
func ParseUpstream(s string, o UpstreamOptions) (Upstream, error) {
	if o.Timeout <= 0 {
		o.Timeout = 1500 * time.Millisecond
	}
	scheme, rest, found := strings.Cut(s, "://")
	if !found {
		scheme, rest = "udp", s
	}
	switch scheme {
	case "udp", "dns", "tcp", "tls":
		name := ""
		if scheme == "tls" {
			if n, addr, ok := strings.Cut(rest, "@"); ok {
				name, rest = n, addr
			}
		}
		port := "53"
		if scheme == "tls" {
			port = "853"
		}
		addr := rest
		if _, _, err := net.SplitHostPort(rest); err != nil {
			addr = net.JoinHostPort(strings.Trim(rest, "[]"), port)
		}
		host, _, err := net.SplitHostPort(addr)
		if err != nil || host == "" {
			return nil, fmt.Errorf("upstream %q: not a host:port", s)
		}
		switch scheme {
		case "tcp":
			return &tcpUpstream{addr: addr, timeout: o.Timeout}, nil
		case "tls":
			if name == "" {
				name = host
			}
			return &tlsUpstream{addr: addr, timeout: o.Timeout, conf: &tls.Config{ServerName: name, RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12}}, nil
		}
		return &udpUpstream{addr: addr, timeout: o.Timeout, case0x20: !o.NoCaseRandomization, tcp: &tcpUpstream{addr: addr, timeout: o.Timeout},
			pool: make(chan *udpSock, udpPoolSize)}, nil
	case "https":
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("upstream %q: not a URL", s)
		}
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true,
			MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second, Proxy: nil}
		return &httpsUpstream{url: u.String(), client: &http.Client{Transport: tr, Timeout: o.Timeout}}, nil
	}
	return nil, fmt.Errorf("upstream %q: unknown scheme %q (udp, tcp, tls, https)", s, scheme)
}

// errMismatch is an answer that does not answer the question asked: a
// spoofing attempt or a broken server.
var errMismatch = errors.New("the answer does not match the question")

// checkAnswer verifies that r answers q: same ID, a response, the same
// question (letter case included, which "dns 0x20" relies on).
func checkAnswer(q, r *dns.Msg) error {
	if r.Id != q.Id || !r.Response || len(r.Question) != 1 {
		return errMismatch
	}
	a, b := r.Question[0], q.Question[0]
	if a.Name != b.Name || a.Qtype != b.Qtype || a.Qclass != b.Qclass {
		return errMismatch
	}
	return nil
}

// udpUpstream sends queries from a pool of connected sockets, each bound
// to a random source port by the kernel and retired after a few queries,
// with a random ID and, unless turned off, the name's letters in a random
// case; a truncated answer, or one whose question comes back in another
// case, is asked again over TCP. Opening a socket per query (as the
// textbook says) costs more than the rest of the forwarding path together
// in Go; a socket reused for udpSocketUses queries still gives an attacker
// who cannot see the traffic an unknown port among the pool's, an unknown
// ID and an unknown letter case to guess at once.
type udpUpstream struct {
	addr     string
	timeout  time.Duration
	case0x20 bool
	tcp      *tcpUpstream
	pool     chan *udpSock
}

type udpSock struct {
	c    net.Conn
	uses int
}

const (
	udpSocketUses = 64
	udpPoolSize   = 256
)

func (u *udpUpstream) String() string { return "udp://" + u.addr }

func (u *udpUpstream) get(ctx context.Context) (*udpSock, error) {
	select {
	case s := <-u.pool:
		return s, nil
	default:
	}
	d := net.Dialer{Timeout: u.timeout}
	c, err := d.DialContext(ctx, "udp", u.addr)
	if err != nil {
		return nil, err
	}
	return &udpSock{c: c}, nil
}

func (u *udpUpstream) put(s *udpSock, ok bool) {
	s.uses++
	if !ok || s.uses >= udpSocketUses {
		s.c.Close()
		return
	}
	select {
	case u.pool <- s:
	default:
		s.c.Close()
	}
}

func (u *udpUpstream) Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	q := m.Copy()
	q.Id = dns.Id()
	if u.case0x20 {
		q.Question[0].Name = randomCase(q.Question[0].Name)
	}
	out, err := q.Pack()
	if err != nil {
		return nil, err
	}
	sock, err := u.get(ctx)
	if err != nil {
		return nil, err
	}
	r, err := u.exchangeOn(ctx, sock.c, q, out)
	u.put(sock, err == nil)
	if err != nil {
		return nil, err
	}
	if r == nil {
		// Truncated, or the question came back changed: do not trust UDP
		// for this one.
		return u.tcp.Exchange(ctx, m)
	}
	r.Id = m.Id
	r.Question[0].Name = m.Question[0].Name
	return r, nil
}

// exchangeOn sends out on c and reads until the answer to q arrives (or
// the deadline): stray datagrams, such as a late answer to an earlier
// query on a reused socket, are skipped.
func (u *udpUpstream) exchangeOn(ctx context.Context, c net.Conn, q *dns.Msg, out []byte) (*dns.Msg, error) {
	deadline := time.Now().Add(u.timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	c.SetDeadline(deadline)
	if _, err := c.Write(out); err != nil {
		return nil, err
	}
	bp := udpBufs.Get().(*[]byte)
	defer udpBufs.Put(bp)
	buf := *bp
	for {
		n, err := c.Read(buf)
		if err != nil {
			return nil, err
		}
		if n < headerLen || buf[0] != byte(q.Id>>8) || buf[1] != byte(q.Id) {
			continue
		}
		r := new(dns.Msg)
		if err := r.Unpack(buf[:n]); err != nil {
			continue
		}
		if checkAnswer(q, r) != nil || r.Truncated {
			return nil, nil
		}
		return r, nil
	}
}

// udpBufs hold the 64 KiB buffers UDP answers are read into: one per
// query would be most of the garbage the forwarding path makes.
var udpBufs = sync.Pool{New: func() any { b := make([]byte, 65535); return &b }}

// randomCase flips the case of each letter with a coin toss.
func randomCase(name string) string {
	b := []byte(name)
	var rnd [32]byte
	rand.Read(rnd[:])
	for i, c := range b {
		bit := rnd[(i/8)%len(rnd)]>>(i%8)&1 == 1
		switch {
		case 'a' <= c && c <= 'z' && bit:
			b[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z' && bit:
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}

type tcpUpstream struct {
	addr    string
	timeout time.Duration
}

func (u *tcpUpstream) String() string { return "tcp://" + u.addr }

func (u *tcpUpstream) Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	c := &dns.Client{Net: "tcp", Timeout: u.timeout}
	return exchangeChecked(ctx, c, m, u.addr)
}

func exchangeChecked(ctx context.Context, c *dns.Client, m *dns.Msg, addr string) (*dns.Msg, error) {
	q := m.Copy()
	q.Id = dns.Id()
	r, _, err := c.ExchangeContext(ctx, q, addr)
	if err != nil {
		return nil, err
	}
	if err := checkAnswer(q, r); err != nil {
		return nil, err
	}
	r.Id = m.Id
	return r, nil
}

// tlsUpstream keeps a few connections open and sends one query at a time
// on each (DNS over TLS, RFC 7858).
type tlsUpstream struct {
	addr    string
	timeout time.Duration
	conf    *tls.Config
	mu      sync.Mutex
	idle    []*dns.Conn
}

const tlsIdleConns = 8

func (u *tlsUpstream) String() string { return "tls://" + u.addr }

func (u *tlsUpstream) Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	c := &dns.Client{Net: "tcp-tls", Timeout: u.timeout, TLSConfig: u.conf}
	for attempt := 0; attempt < 2; attempt++ {
		conn, reused := u.get()
		if conn == nil {
			var err error
			d := &net.Dialer{Timeout: u.timeout}
			tc, err := tls.DialWithDialer(d, "tcp", u.addr, u.conf)
			if err != nil {
				return nil, err
			}
			conn = &dns.Conn{Conn: tc}
		}
		q := m.Copy()
		q.Id = dns.Id()
		r, _, err := c.ExchangeWithConnContext(ctx, q, conn)
		if err != nil {
			conn.Close()
			if reused {
				continue // the server closed an idle connection: one more try on a fresh one
			}
			return nil, err
		}
		if err := checkAnswer(q, r); err != nil {
			conn.Close()
			return nil, err
		}
		u.put(conn)
		r.Id = m.Id
		return r, nil
	}
	return nil, fmt.Errorf("%s: connection closed", u)
}

func (u *tlsUpstream) get() (*dns.Conn, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if n := len(u.idle); n > 0 {
		c := u.idle[n-1]
		u.idle = u.idle[:n-1]
		return c, true
	}
	return nil, false
}

func (u *tlsUpstream) put(c *dns.Conn) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.idle) >= tlsIdleConns {
		c.Close()
		return
	}
	u.idle = append(u.idle, c)
}

// httpsUpstream speaks DNS over HTTPS (RFC 8484) with POST, the ID set to
// 0 as §4.1 recommends for caching.
type httpsUpstream struct {
	url    string
	client *http.Client
}

func (u *httpsUpstream) String() string { return u.url }

const dnsMessageType = "application/dns-message"

func (u *httpsUpstream) Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	q := m.Copy()
	q.Id = 0
	out, err := q.Pack()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.url, bytes.NewReader(out))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", dnsMessageType)
	req.Header.Set("Accept", dnsMessageType)
	resp, err := u.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d", u.url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 65536))
	if err != nil {
		return nil, err
	}
	r := new(dns.Msg)
	if err := r.Unpack(body); err != nil {
		return nil, fmt.Errorf("%s: %w", u.url, err)
	}
	if err := checkAnswer(q, r); err != nil {
		return nil, err
	}
	r.Id = m.Id
	return r, nil
}

// upstreams tries each upstream in turn, preferring those that answered
// last; a failing one is put at the back.
type upstreams struct {
	list  []Upstream
	first atomic.Int32 // index of the preferred upstream
}

func (u *upstreams) exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, Upstream, error) {
	n := len(u.list)
	if n == 0 {
		return nil, nil, errors.New("no upstream resolver")
	}
	start := int(u.first.Load())
	var errs []error
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			break
		}
		up := u.list[(start+i)%n]
		r, err := up.Exchange(ctx, m)
		if err == nil && r.Rcode != dns.RcodeServerFailure && r.Rcode != dns.RcodeRefused {
			if i > 0 {
				u.first.Store(int32((start + i) % n))
			}
			return r, up, nil
		}
		if err == nil {
			err = fmt.Errorf("%s answered %s", up, dns.RcodeToString[r.Rcode])
		}
		errs = append(errs, fmt.Errorf("%s: %w", up, err))
	}
	if len(errs) == 0 {
		errs = append(errs, ctx.Err())
	}
	return nil, nil, errors.Join(errs...)
}
