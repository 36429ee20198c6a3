package pdns

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
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
	return exchangeViaWire(ctx, u, m, u.timeout)
}

// exchangeWire sends x from a pooled socket with a random ID and letter
// case, and returns the answer in x.ans, or the TCP answer when the UDP
// one is truncated, larger than offered, or does not echo the question
// exactly.
func (u *udpUpstream) exchangeWire(ctx context.Context, x *wireQuery) ([]byte, error) {
	x.send = append(x.send[:0], x.msg...)
	binary.BigEndian.PutUint16(x.send, uint16(x.rng.Uint64()))
	if u.case0x20 {
		randomizeCase(x.send[headerLen:x.qEnd-4], &x.rng)
	}
	sock, err := u.get(ctx)
	if err != nil {
		return nil, err
	}
	r, err := u.exchangeOn(ctx, sock.c, x)
	u.put(sock, err == nil)
	if err != nil {
		return nil, err
	}
	if r == nil {
		// Do not trust UDP for this one.
		return u.tcp.exchangeWire(ctx, x)
	}
	return r, nil
}

// exchangeOn sends x.send on c and reads until its answer arrives (or the
// deadline): stray datagrams, such as a late answer to an earlier query
// on a reused socket, are skipped. A nil answer asks for TCP.
func (u *udpUpstream) exchangeOn(ctx context.Context, c net.Conn, x *wireQuery) ([]byte, error) {
	c.SetDeadline(earliest(time.Now().Add(u.timeout), x.deadline))
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Unix(1, 0)) })
		defer stop()
	}
	if _, err := c.Write(x.send); err != nil {
		return nil, err
	}
	buf := x.ans[:cap(x.ans)]
	for {
		n, err := c.Read(buf)
		if err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return nil, err
		}
		if n < headerLen || buf[0] != x.send[0] || buf[1] != x.send[1] {
			continue
		}
		r := buf[:n]
		if n == len(buf) || !answersExactly(r, x.send, x.qEnd) || r[2]&0x02 != 0 {
			return nil, nil // larger than offered, another question, or truncated
		}
		return r, nil
	}
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// answersExactly tells whether r is a response with the question of the
// query q (ending at qEnd) byte for byte: name in the same letter case,
// type and class.
func answersExactly(r, q []byte, qEnd int) bool {
	return len(r) >= qEnd && r[2]&0x80 != 0 && binary.BigEndian.Uint16(r[4:]) == 1 && bytes.Equal(r[headerLen:qEnd], q[headerLen:qEnd])
}

type tcpUpstream struct {
	addr    string
	timeout time.Duration
}

func (u *tcpUpstream) String() string { return "tcp://" + u.addr }

func (u *tcpUpstream) Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	return exchangeViaWire(ctx, u, m, u.timeout)
}

// exchangeWire sends x with a random ID on a new connection and reads the
// answer (RFC 7766 framing), which must echo the question exactly.
func (u *tcpUpstream) exchangeWire(ctx context.Context, x *wireQuery) ([]byte, error) {
	deadline := earliest(time.Now().Add(u.timeout), x.deadline)
	d := net.Dialer{Deadline: deadline}
	c, err := d.DialContext(ctx, "tcp", u.addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(deadline)
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
		defer stop()
	}
	x.send = append(x.send[:0], byte(len(x.msg)>>8), byte(len(x.msg)))
	x.send = append(x.send, x.msg...)
	q := x.send[2:]
	binary.BigEndian.PutUint16(q, uint16(x.rng.Uint64()))
	if _, err := c.Write(x.send); err != nil {
		return nil, err
	}
	var lenb [2]byte
	if _, err := io.ReadFull(c, lenb[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(lenb[:]))
	buf := x.ans
	if n > cap(buf) {
		buf = make([]byte, n) // not kept: large answers are rare
	}
	r := buf[:n]
	if _, err := io.ReadFull(c, r); err != nil {
		return nil, err
	}
	if n < headerLen || r[0] != q[0] || r[1] != q[1] || !answersExactly(r, q, x.qEnd) {
		return nil, errMismatch
	}
	return r, nil
}

// wireUpstream is an upstream that exchanges queries on the wire, without
// github.com/miekg/dns messages.
type wireUpstream interface {
	// exchangeWire sends x.msg (with its own ID) and returns the answer,
	// which may alias x.ans; it is checked to be a response to the
	// question sent.
	exchangeWire(ctx context.Context, x *wireQuery) ([]byte, error)
}

// exchangeViaWire is Upstream.Exchange for a wireUpstream.
func exchangeViaWire(ctx context.Context, u wireUpstream, m *dns.Msg, timeout time.Duration) (*dns.Msg, error) {
	p := getPending()
	defer releasePending(p)
	x := &p.x
	b, err := m.PackBuffer(x.msg[:cap(x.msg)])
	if err != nil {
		return nil, err
	}
	x.msg = b
	if x.qEnd, err = questionEnd(b); err != nil {
		return nil, err
	}
	x.deadline = time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok {
		x.deadline = dl
	}
	a, err := u.exchangeWire(ctx, x)
	if err != nil {
		return nil, err
	}
	r := new(dns.Msg)
	if err := r.Unpack(a); err != nil {
		return nil, err
	}
	r.Id = m.Id
	r.Question = m.Question
	return r, nil
}

// questionEnd is the offset just past the one question of a query.
func questionEnd(b []byte) (int, error) {
	if len(b) < headerLen || binary.BigEndian.Uint16(b[4:]) != 1 {
		return 0, errFormat
	}
	off, ok := walkName(b, headerLen)
	if !ok || off+4 > len(b) {
		return 0, errFormat
	}
	return off + 4, nil
}

// exchangeMsg asks a github.com/miekg/dns upstream (TLS, HTTPS) for x and
// returns its answer packed into x.ans.
func exchangeMsg(ctx context.Context, up Upstream, x *wireQuery) ([]byte, error) {
	m := new(dns.Msg)
	if err := m.Unpack(x.msg); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithDeadline(ctx, x.deadline)
	defer cancel()
	r, err := up.Exchange(ctx, m)
	if err != nil {
		return nil, err
	}
	return r.PackBuffer(x.ans[:cap(x.ans)])
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

// upstreams are tried in turn (Server.exchange), preferring those that
// answered last; a failing one is put at the back.
type upstreams struct {
	list  []Upstream
	first atomic.Int32 // index of the preferred upstream
}
