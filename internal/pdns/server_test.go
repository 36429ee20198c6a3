package pdns

import (
	"context"
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/vigie-project/vigie/internal/lookalike"
)

// authority is an authoritative server on loopback for the tests: it
// answers A queries for the names it holds, NXDOMAIN with an SOA
// otherwise, a large TXT record that only fits over TCP, and can be made
// to stop answering.
type authority struct {
	addr    string
	ttl     uint32
	queries atomic.Int64
	hang    atomic.Bool
	// lowerUDP makes UDP answers carry the question name in lower case,
	// as a server that does not keep the letter case does.
	lowerUDP   atomic.Bool
	tcpQueries atomic.Int64
	mu         sync.Mutex
	names      map[string]string // lower-case fqdn → address
	cases      []string          // question names as received
	stop       func()
}

func startAuthority(t *testing.T, ttl uint32) *authority {
	t.Helper()
	a := &authority{ttl: ttl, names: map[string]string{
		"www.example.org.": "192.0.2.10", "news.example.org.": "192.0.2.11", "accounts-google.com.": "198.51.100.66",
		"evil.example.": "198.51.100.1", "www.evil.example.": "198.51.100.2",
	}}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		a.queries.Add(1)
		if a.hang.Load() {
			return
		}
		q := r.Question[0]
		if w.RemoteAddr().Network() == "tcp" {
			a.tcpQueries.Add(1)
		}
		a.mu.Lock()
		a.cases = append(a.cases, q.Name)
		addr, ok := a.names[strings.ToLower(q.Name)]
		a.mu.Unlock()
		m := new(dns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		switch {
		case strings.EqualFold(q.Name, "big.example.org.") && q.Qtype == dns.TypeTXT:
			for i := 0; i < 20; i++ {
				m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: a.ttl}, Txt: []string{strings.Repeat("x", 200)}})
			}
		case ok && q.Qtype == dns.TypeA:
			m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: a.ttl}, A: net.ParseIP(addr)}}
		case ok:
			m.Ns = []dns.RR{soa(a.ttl)}
		default:
			m.Rcode = dns.RcodeNameError
			m.Ns = []dns.RR{soa(a.ttl)}
		}
		if o := r.IsEdns0(); o != nil {
			m.SetEdns0(1232, o.Do())
		}
		if a.lowerUDP.Load() && w.RemoteAddr().Network() == "udp" {
			m.Question[0].Name = strings.ToLower(q.Name)
		}
		w.WriteMsg(m)
	})
	pc, l := udpTCPPair(t)
	us := &dns.Server{PacketConn: pc, Handler: h}
	ts := &dns.Server{Listener: l, Handler: h}
	go us.ActivateAndServe()
	go ts.ActivateAndServe()
	a.addr = pc.LocalAddr().String()
	a.stop = func() { us.Shutdown(); ts.Shutdown() }
	t.Cleanup(a.stop)
	return a
}

// udpTCPPair listens on one loopback port for both UDP and TCP, as a DNS
// server does; the kernel's free UDP port may be taken for TCP, so it
// tries again on another.
func udpTCPPair(t *testing.T) (*net.UDPConn, net.Listener) {
	t.Helper()
	for range 50 {
		pc, err := ListenUDP("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l
		}
		pc.Close()
	}
	t.Fatal("no loopback port free for both UDP and TCP")
	return nil, nil
}

func soa(ttl uint32) dns.RR {
	return &dns.SOA{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: ttl},
		Ns: "ns.example.", Mbox: "h.example.", Serial: 1, Refresh: 1, Retry: 1, Expire: 1, Minttl: ttl}
}

// startResolver runs a Server on loopback UDP and TCP.
func startResolver(t *testing.T, opt Options, p *Policy) (*Server, string) {
	t.Helper()
	s := New(opt, p)
	pc, l := udpTCPPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { s.ServeUDP(ctx, pc); done <- struct{}{} }()
	go func() { s.ServeStream(ctx, l, false); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
	return s, pc.LocalAddr().String()
}

func upstreamTo(t *testing.T, addr string) []Upstream {
	u, err := ParseUpstream(addr, UpstreamOptions{Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return []Upstream{u}
}

func ask(t *testing.T, server, name string, qtype uint16, edns bool, network string) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	if edns {
		m.SetEdns0(1232, false)
	}
	c := &dns.Client{Net: network, Timeout: 3 * time.Second}
	r, _, err := c.Exchange(m, server)
	if err != nil {
		t.Fatalf("%s %s over %s: %v", name, dns.TypeToString[qtype], network, err)
	}
	return r
}

func blockPolicy(t *testing.T) *Policy {
	b := NewBuilder(0)
	if _, err := b.AddBlocklist("feed.txt", strings.NewReader("evil.example\n"), false); err != nil {
		t.Fatal(err)
	}
	if err := b.AllowOwners([]lookalike.Owner{{Name: "the party", Domains: []string{"en-marche.fr"}, TLDSwap: true}, {Name: "Google", Domains: []string{"google.com"}}}); err != nil {
		t.Fatal(err)
	}
	return b.Policy()
}

func ede(m *dns.Msg) *dns.EDNS0_EDE {
	if o := m.IsEdns0(); o != nil {
		for _, op := range o.Option {
			if e, ok := op.(*dns.EDNS0_EDE); ok {
				return e
			}
		}
	}
	return nil
}

func TestResolveBlockAndCache(t *testing.T) {
	auth := startAuthority(t, 300)
	s, addr := startResolver(t, Options{Upstreams: upstreamTo(t, auth.addr)}, blockPolicy(t))

	for _, network := range []string{"udp", "tcp"} {
		r := ask(t, addr, "www.example.org", dns.TypeA, true, network)
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.10" || !r.RecursionAvailable {
			t.Fatalf("%s: allowed name: %v", network, r)
		}
		for _, name := range []string{"evil.example", "www.evil.example", "accounts-google.com"} {
			r := ask(t, addr, name, dns.TypeA, true, network)
			if r.Rcode != dns.RcodeNameError || len(r.Answer) != 0 {
				t.Errorf("%s %s: rcode %s with %d answers, want NXDOMAIN", network, name, dns.RcodeToString[r.Rcode], len(r.Answer))
			}
			e := ede(r)
			if e == nil || (e.InfoCode != dns.ExtendedErrorCodeBlocked && e.InfoCode != dns.ExtendedErrorCodeFiltered) || e.ExtraText == "" {
				t.Errorf("%s %s: EDE %v, want Blocked/Filtered with a reason", network, name, e)
			}
			if len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
				t.Errorf("%s %s: no SOA for negative caching: %v", network, name, r.Ns)
			}
		}
		// Without EDNS: no OPT record in the answer (RFC 6891).
		if r := ask(t, addr, "evil.example", dns.TypeA, false, network); r.IsEdns0() != nil || r.Rcode != dns.RcodeNameError {
			t.Errorf("%s: blocked answer to a client without EDNS: %v", network, r)
		}
	}
	// The blocked names never reached the upstream.
	auth.mu.Lock()
	for _, c := range auth.cases {
		if strings.Contains(strings.ToLower(c), "evil") || strings.Contains(strings.ToLower(c), "accounts-google") {
			t.Errorf("blocked name %s was forwarded upstream", c)
		}
	}
	auth.mu.Unlock()
	before := auth.queries.Load()
	for range 5 {
		ask(t, addr, "WWW.Example.ORG", dns.TypeA, true, "udp")
	}
	if n := auth.queries.Load() - before; n != 0 {
		t.Errorf("%d upstream queries for a cached name", n)
	}
	if s.M.CacheHits() < 5 || s.M.Blocked(KindList) == 0 || s.M.Blocked(KindLookalike) == 0 {
		t.Errorf("metrics: hits %d, list blocks %d, look-alike blocks %d", s.M.CacheHits(), s.M.Blocked(KindList), s.M.Blocked(KindLookalike))
	}
	// The client's letter case comes back in the question.
	if r := ask(t, addr, "WWW.Example.ORG", dns.TypeA, true, "udp"); r.Question[0].Name != "WWW.Example.ORG." {
		t.Errorf("question case %q", r.Question[0].Name)
	}
}

// A query over TCP may be larger than a UDP datagram (EDNS padding,
// cookies): it must be read whole, not crash the resolver.
func TestLargeTCPQuery(t *testing.T) {
	auth := startAuthority(t, 300)
	_, addr := startResolver(t, Options{Upstreams: upstreamTo(t, auth.addr)}, nil)
	m := new(dns.Msg)
	m.SetQuestion("www.example.org.", dns.TypeA)
	o := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
	o.SetUDPSize(1232)
	o.Option = append(o.Option, &dns.EDNS0_PADDING{Padding: make([]byte, 3000)})
	m.Extra = append(m.Extra, o)
	c := &dns.Client{Net: "tcp", Timeout: 3 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil || r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("a 3 kB query over TCP: %v %v", r, err)
	}
	// The server still answers afterwards.
	if r := ask(t, addr, "news.example.org", dns.TypeA, true, "tcp"); len(r.Answer) != 1 {
		t.Fatal(r)
	}
}

func TestNegativeCachingAndTTL(t *testing.T) {
	auth := startAuthority(t, 60)
	_, addr := startResolver(t, Options{Upstreams: upstreamTo(t, auth.addr)}, nil)
	r := ask(t, addr, "nope.example.org", dns.TypeA, true, "udp")
	if r.Rcode != dns.RcodeNameError {
		t.Fatalf("rcode %s", dns.RcodeToString[r.Rcode])
	}
	n := auth.queries.Load()
	ask(t, addr, "nope.example.org", dns.TypeA, true, "udp")
	ask(t, addr, "www.example.org", dns.TypeMX, true, "udp") // NODATA
	ask(t, addr, "www.example.org", dns.TypeMX, true, "udp")
	if got := auth.queries.Load() - n; got != 1 {
		t.Errorf("%d upstream queries, want 1 (NXDOMAIN and NODATA cached, RFC 2308)", got)
	}
}

func TestTTLZeroIsNotCached(t *testing.T) {
	auth := startAuthority(t, 0)
	_, addr := startResolver(t, Options{Upstreams: upstreamTo(t, auth.addr)}, nil)
	for range 3 {
		if r := ask(t, addr, "www.example.org", dns.TypeA, true, "udp"); len(r.Answer) != 1 {
			t.Fatal(r)
		}
	}
	if n := auth.queries.Load(); n != 3 {
		t.Errorf("%d upstream queries, want 3 (TTL 0 answers are not cached)", n)
	}
}

func TestServeStaleAndHangingUpstream(t *testing.T) {
	auth := startAuthority(t, 1)
	_, addr := startResolver(t, Options{Upstreams: upstreamTo(t, auth.addr), ResolveTimeout: time.Second}, nil)
	if r := ask(t, addr, "www.example.org", dns.TypeA, true, "udp"); len(r.Answer) != 1 {
		t.Fatal(r)
	}
	time.Sleep(1100 * time.Millisecond) // the answer expires
	auth.hang.Store(true)
	t0 := time.Now()
	r := ask(t, addr, "www.example.org", dns.TypeA, true, "udp")
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("stale answer took %v", d)
	}
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || r.Answer[0].Header().Ttl != staleTTL {
		t.Fatalf("want the stale answer with TTL %d, got %v", staleTTL, r)
	}
	t0 = time.Now()
	r = ask(t, addr, "news.example.org", dns.TypeA, true, "udp")
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("SERVFAIL took %v, want under 2 s", d)
	}
	if r.Rcode != dns.RcodeServerFailure {
		t.Errorf("never-seen name with a hanging upstream: %s, want SERVFAIL", dns.RcodeToString[r.Rcode])
	}
}

func TestTruncatedUpstreamRetriedOverTCP(t *testing.T) {
	auth := startAuthority(t, 300)
	_, addr := startResolver(t, Options{Upstreams: upstreamTo(t, auth.addr)}, nil)
	// 20 × 200 bytes: more than 1232, so the UDP answer from the upstream
	// is truncated and the resolver asks again over TCP; over UDP the
	// client is then told to use TCP too.
	r := ask(t, addr, "big.example.org", dns.TypeTXT, true, "udp")
	if !r.Truncated {
		t.Errorf("a 4 kB answer over UDP must be truncated, got %d answers", len(r.Answer))
	}
	r = ask(t, addr, "big.example.org", dns.TypeTXT, true, "tcp")
	if len(r.Answer) != 20 {
		t.Errorf("over TCP: %d TXT records, want 20", len(r.Answer))
	}
}

func TestCaseRandomization(t *testing.T) {
	auth := startAuthority(t, 300)
	_, addr := startResolver(t, Options{Upstreams: upstreamTo(t, auth.addr)}, nil)
	for _, n := range []string{"www.example.org", "news.example.org"} {
		ask(t, addr, n, dns.TypeA, true, "udp")
	}
	auth.mu.Lock()
	defer auth.mu.Unlock()
	mixed := 0
	for _, c := range auth.cases {
		if c != strings.ToLower(c) {
			mixed++
		}
	}
	if mixed == 0 {
		t.Errorf("upstream saw %v: no letter case randomised (dns 0x20)", auth.cases)
	}
}

// TestCaseMismatchRetriedOverTCP: a UDP answer whose question does not
// come back in the letter case sent (a spoofed answer, or a server that
// does not keep the case) is not trusted: the query is asked again over
// TCP, and the client gets that answer.
func TestCaseMismatchRetriedOverTCP(t *testing.T) {
	auth := startAuthority(t, 300)
	auth.lowerUDP.Store(true)
	_, addr := startResolver(t, Options{Upstreams: upstreamTo(t, auth.addr)}, nil)
	names := []string{"www.example.org", "news.example.org", "accounts-google.com"}
	for _, n := range names {
		if r := ask(t, addr, n, dns.TypeA, true, "udp"); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
			t.Fatalf("%s: %v", n, r)
		}
	}
	auth.mu.Lock()
	defer auth.mu.Unlock()
	mixed := 0
	for _, c := range auth.cases { // only UDP questions are in mixed case
		if c != strings.ToLower(c) {
			mixed++
		}
	}
	if n := auth.tcpQueries.Load(); mixed == 0 || n != int64(mixed) {
		t.Errorf("%d UDP questions in mixed case (%v), %d asked again over TCP: want as many", mixed, auth.cases, n)
	}
}

func TestACLAndRateLimit(t *testing.T) {
	auth := startAuthority(t, 300)
	_, addr := startResolver(t, Options{Upstreams: upstreamTo(t, auth.addr), Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, nil)
	if r := ask(t, addr, "www.example.org", dns.TypeA, true, "udp"); r.Rcode != dns.RcodeRefused {
		t.Errorf("client outside --allow: %s, want REFUSED", dns.RcodeToString[r.Rcode])
	}
	s, addr2 := startResolver(t, Options{Upstreams: upstreamTo(t, auth.addr), RateLimit: 0.1, Burst: 5}, nil)
	c := &dns.Client{Net: "udp", Timeout: 200 * time.Millisecond}
	answered := 0
	for range 30 {
		m := new(dns.Msg)
		m.SetQuestion("www.example.org.", dns.TypeA)
		if _, _, err := c.Exchange(m, addr2); err == nil {
			answered++
		}
	}
	if answered > 6 || s.M.rateLimited.Load() == 0 {
		t.Errorf("a flood of 30 queries got %d answers (rate 0.1/s, burst 5)", answered)
	}
	// Another client is still served (a different bucket).
	if !s.rl.Allow(netip.MustParseAddr("192.168.1.20"), time.Now()) {
		t.Error("another client was limited too")
	}
}

func TestSinkholeAndLocalData(t *testing.T) {
	auth := startAuthority(t, 300)
	b := NewBuilder(0)
	if _, err := b.AddRPZ("p.rpz", strings.NewReader("portal.example A 192.0.2.7\nalias.example CNAME www.example.org.\n"), "rpz.", false); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddBlocklist("l", strings.NewReader("evil.example\n"), false); err != nil {
		t.Fatal(err)
	}
	_, addr := startResolver(t, Options{Upstreams: upstreamTo(t, auth.addr), Sinkhole4: netip.MustParseAddr("192.0.2.99")}, b.Policy())
	r := ask(t, addr, "evil.example", dns.TypeA, true, "udp")
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.99" {
		t.Errorf("sinkhole: %v", r)
	}
	if r := ask(t, addr, "evil.example", dns.TypeAAAA, true, "udp"); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
		t.Errorf("AAAA with only an IPv4 sinkhole: %v, want NODATA", r)
	}
	if r := ask(t, addr, "portal.example", dns.TypeA, true, "udp"); len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.7" {
		t.Errorf("local data: %v", r)
	}
	r = ask(t, addr, "alias.example", dns.TypeA, true, "udp")
	if len(r.Answer) != 2 || r.Answer[1].(*dns.A).A.String() != "192.0.2.10" {
		t.Errorf("local CNAME followed: %v", r.Answer)
	}
}

func TestReloadWhileQuerying(t *testing.T) {
	auth := startAuthority(t, 300)
	s, addr := startResolver(t, Options{Upstreams: upstreamTo(t, auth.addr)}, blockPolicy(t))
	stop := make(chan struct{})
	var failures, total atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				m := new(dns.Msg)
				m.SetQuestion("news.example.org.", dns.TypeA)
				r, _, err := c.Exchange(m, addr)
				total.Add(1)
				if err != nil || r.Rcode != dns.RcodeSuccess {
					failures.Add(1)
				}
			}
		}()
	}
	for i := range 20 {
		b := NewBuilder(0)
		b.AddBlocklist("feed.txt", strings.NewReader("evil.example\nnew"+string(rune('a'+i))+".example\n"), false)
		s.SetPolicy(b.Policy())
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if failures.Load() != 0 || total.Load() < 20 {
		t.Errorf("%d of %d queries failed during reloads", failures.Load(), total.Load())
	}
	if r := ask(t, addr, "newt.example", dns.TypeA, true, "udp"); r.Rcode != dns.RcodeNameError {
		t.Errorf("the last reload's name is not blocked: %s", dns.RcodeToString[r.Rcode])
	}
}

func TestDoH(t *testing.T) {
	auth := startAuthority(t, 300)
	s := New(Options{Upstreams: upstreamTo(t, auth.addr)}, blockPolicy(t))
	ts := httptest.NewServer(s.DoH())
	defer ts.Close()
	m := new(dns.Msg)
	m.SetQuestion("www.example.org.", dns.TypeA)
	m.Id = 0
	wire, _ := m.Pack()
	for _, method := range []string{"GET", "POST"} {
		var resp *http.Response
		var err error
		if method == "GET" {
			resp, err = http.Get(ts.URL + "?dns=" + base64.RawURLEncoding.EncodeToString(wire))
		} else {
			resp, err = http.Post(ts.URL, "application/dns-message", strings.NewReader(string(wire)))
		}
		if err != nil {
			t.Fatal(err)
		}
		body := make([]byte, 4096)
		n, _ := resp.Body.Read(body)
		resp.Body.Close()
		r := new(dns.Msg)
		if err := r.Unpack(body[:n]); err != nil || resp.Header.Get("Content-Type") != "application/dns-message" || len(r.Answer) != 1 {
			t.Errorf("%s: %v %v %v", method, err, resp.Header, r)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "max-age=") {
			t.Errorf("%s: Cache-Control %q", method, cc)
		}
	}
	resp, err := http.Post(ts.URL, "text/plain", strings.NewReader("x"))
	if err != nil || resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("wrong content type: %v %v", resp.StatusCode, err)
	}
}

// TestDoHGivesUpWhenClientLeaves: a DoH query whose client goes away
// stops waiting for a hanging upstream and frees its in-flight slot,
// instead of holding it until the resolve timeout.
func TestDoHGivesUpWhenClientLeaves(t *testing.T) {
	auth := startAuthority(t, 300)
	auth.hang.Store(true)
	up, err := ParseUpstream(auth.addr, UpstreamOptions{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Upstreams: []Upstream{up}, ResolveTimeout: 5 * time.Second}, nil)
	ts := httptest.NewServer(s.DoH())
	defer ts.Close()
	m := new(dns.Msg)
	m.SetQuestion("www.example.org.", dns.TypeA)
	wire, _ := m.Pack()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for auth.queries.Load() == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL, strings.NewReader(string(wire)))
	req.Header.Set("Content-Type", dnsMessageType)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the request was answered although its client left")
	}
	left := time.Now()
	for len(s.sem) > 0 && time.Since(left) < 2*time.Second {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(s.sem); n != 0 {
		t.Errorf("%d queries still in flight %v after their client left (the upstream hangs for 5 s)", n, time.Since(left).Round(time.Millisecond))
	}
}

func TestMalformedQueries(t *testing.T) {
	s := New(Options{}, nil)
	lo := netip.MustParseAddr("127.0.0.1")
	m := new(dns.Msg)
	m.SetQuestion("example.org.", dns.TypeA)
	good, _ := m.Pack()
	two := new(dns.Msg)
	two.Question = []dns.Question{{Name: "a.", Qtype: 1, Qclass: 1}, {Name: "b.", Qtype: 1, Qclass: 1}}
	twoWire, _ := two.Pack()
	loop := append([]byte(nil), good[:12]...)
	loop = append(loop, 0xC0, 12, 0, 1, 0, 1) // a pointer to itself
	for _, tc := range []struct {
		name  string
		req   []byte
		rcode int // -1: no answer at all
	}{
		{"empty", nil, -1},
		{"short header", good[:5], -1},
		{"truncated question", good[:len(good)-3], dns.RcodeFormatError},
		{"two questions", twoWire, dns.RcodeFormatError},
		{"zero questions", good[:12], dns.RcodeFormatError},
		{"compression loop", loop, dns.RcodeFormatError},
		{"a response", func() []byte { b := append([]byte(nil), good...); b[2] |= 0x80; return b }(), -1},
		{"update opcode", func() []byte { b := append([]byte(nil), good...); b[2] |= 5 << 3; return b }(), dns.RcodeNotImplemented},
	} {
		var got []byte
		called := false
		s.handle(tc.req, lo, overUDP, func(b []byte) { got, called = b, true })
		if tc.rcode < 0 {
			if called && got != nil {
				t.Errorf("%s: answered %x", tc.name, got)
			}
			continue
		}
		r := new(dns.Msg)
		if err := r.Unpack(got); err != nil {
			t.Errorf("%s: answer does not parse: %v", tc.name, err)
			continue
		}
		if r.Rcode != tc.rcode || r.Id != uint16(tc.req[0])<<8|uint16(tc.req[1]) {
			t.Errorf("%s: rcode %s id %d, want %s", tc.name, dns.RcodeToString[r.Rcode], r.Id, dns.RcodeToString[tc.rcode])
		}
	}
	// ANY gets the RFC 8482 answer, AXFR is refused.
	for qt, want := range map[uint16]int{dns.TypeANY: dns.RcodeSuccess, dns.TypeAXFR: dns.RcodeRefused} {
		q := new(dns.Msg)
		q.SetQuestion("example.org.", qt)
		w, _ := q.Pack()
		var got []byte
		s.handle(w, lo, overUDP, func(b []byte) { got = b })
		r := new(dns.Msg)
		if err := r.Unpack(got); err != nil || r.Rcode != want {
			t.Errorf("%s: %v %v", dns.TypeToString[qt], err, r)
		}
		if qt == dns.TypeANY && (len(r.Answer) != 1 || r.Answer[0].Header().Rrtype != dns.TypeHINFO) {
			t.Errorf("ANY: %v", r.Answer)
		}
	}
}

func FuzzHandle(f *testing.F) {
	m := new(dns.Msg)
	m.SetQuestion("www.evil.example.", dns.TypeA)
	m.SetEdns0(4096, true)
	w, _ := m.Pack()
	f.Add(w)
	m.SetQuestion("portal.example.", dns.TypeANY)
	w, _ = m.Pack()
	f.Add(w)
	f.Add([]byte{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0xC0, 12, 0, 1, 0, 1})
	b := NewBuilder(0)
	b.AddBlocklist("l", strings.NewReader("evil.example\n"), false)
	b.AddRPZ("r", strings.NewReader("portal.example A 192.0.2.7\nnodata.example CNAME *.\n"), "rpz.", false)
	// No upstream: a query that passes the policy and misses the cache gets
	// SERVFAIL, which exercises the whole path without the network.
	s := New(Options{ResolveTimeout: 50 * time.Millisecond, Sinkhole4: netip.MustParseAddr("192.0.2.9")}, b.Policy())
	lo := netip.MustParseAddr("127.0.0.1")
	f.Fuzz(func(t *testing.T, req []byte) {
		done := make(chan []byte, 1)
		s.handle(req, lo, overUDP, func(out []byte) { done <- out })
		out := <-done
		if out == nil {
			return
		}
		r := new(dns.Msg)
		if err := r.Unpack(out); err != nil && len(out) > headerLen {
			t.Fatalf("answer does not parse: %v (%x)", err, out)
		}
		if len(out) > maxUDPNoEDNS && !strings.Contains(string(req), "\x00\x00\x29") {
			// Without EDNS the answer must fit in 512 bytes.
			var q query
			if parseQuery(req, &q) == nil && !q.hasOPT {
				t.Fatalf("%d-byte UDP answer to a client without EDNS", len(out))
			}
		}
	})
}

// BenchmarkForward measures the path of a query that must go upstream
// (TTL 0: nothing cached): a cache miss, the upstream exchange over UDP
// and the answer, against an authority that allocates nothing, so that
// allocs/op is the resolver's.
func BenchmarkForward(b *testing.B) {
	s := New(Options{Upstreams: upstreamToB(b, startRawAuthority(b))}, nil)
	m := new(dns.Msg)
	m.SetQuestion("www.example.org.", dns.TypeA)
	m.SetEdns0(1232, false)
	req, _ := m.Pack()
	lo := netip.MustParseAddr("127.0.0.1")
	dst := make([]byte, 0, 1500)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		_, p := s.answer(req, dst, lo, overUDP)
		if p == nil {
			b.Fatal("not a cache miss")
		}
		if out := s.resolvePending(context.Background(), p); len(out) < headerLen || out[3]&0xF != 0 {
			b.Fatalf("answer %x", out)
		}
		releasePending(p)
	}
}

// BenchmarkForwardUDP is BenchmarkForward through the UDP listener: a
// client sends a query and waits for its answer.
func BenchmarkForwardUDP(b *testing.B) {
	s := New(Options{Upstreams: upstreamToB(b, startRawAuthority(b))}, nil)
	pc, err := ListenUDP("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.ServeUDP(ctx, pc); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	c, err := net.Dial("udp", pc.LocalAddr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	m := new(dns.Msg)
	m.SetQuestion("www.example.org.", dns.TypeA)
	m.SetEdns0(1232, false)
	req, _ := m.Pack()
	buf := make([]byte, 1500)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if n, err := c.Read(buf); err != nil || n < headerLen || buf[3]&0xF != 0 {
			b.Fatalf("answer %x: %v", buf[:n], err)
		}
	}
}

func upstreamToB(b *testing.B, addr string) []Upstream {
	u, err := ParseUpstream(addr, UpstreamOptions{Timeout: 500 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	return []Upstream{u}
}

// startRawAuthority answers every A query on loopback UDP with one
// address, TTL 0, written into the query's own buffer: it allocates
// nothing, so that a benchmark's allocations are the resolver's.
func startRawAuthority(b *testing.B) string {
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		ans := make([]byte, 0, 1500)
		for {
			n, from, err := pc.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			qEnd, err := questionEnd(buf[:n])
			if err != nil {
				continue
			}
			ans = append(ans[:0], buf[:qEnd]...)
			ans[2] |= 0x84 // QR, AA
			ans[3] = 0
			ans[7], ans[11] = 1, 0
			ans = append(ans, 0xC0, headerLen, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 192, 0, 2, 1)
			pc.WriteToUDPAddrPort(ans, from)
		}
	}()
	return pc.LocalAddr().String()
}

// BenchmarkCacheHit measures a query answered from the cache.
func BenchmarkCacheHit(b *testing.B) {
	t := &testing.T{}
	s := New(Options{Upstreams: upstreamTo(t, startAuthorityB(b))}, nil)
	m := new(dns.Msg)
	m.SetQuestion("news.example.org.", dns.TypeA)
	m.SetEdns0(1232, false)
	req, _ := m.Pack()
	lo := netip.MustParseAddr("127.0.0.1")
	done := make(chan []byte, 1)
	s.handle(req, lo, overUDP, func(out []byte) { done <- out })
	<-done
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.handle(req, lo, overUDP, func(out []byte) { done <- out })
		<-done
	}
}

// startAuthorityB is a minimal authority for benchmarks: A records with
// TTL 0 for every name under example.org, 300 for news.example.org.
func startAuthorityB(b *testing.B) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		ttl := uint32(0)
		if strings.EqualFold(r.Question[0].Name, "news.example.org.") {
			ttl = 300
		}
		m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: ttl}, A: net.IPv4(192, 0, 2, 1)}}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	b.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// FuzzStream feeds arbitrary bytes to the TCP/TLS framing (two-byte length,
// then the query): never a crash, never a hang past the idle limit.
func FuzzStream(f *testing.F) {
	m := new(dns.Msg)
	m.SetQuestion("www.evil.example.", dns.TypeA)
	w, _ := m.Pack()
	frame := append([]byte{byte(len(w) >> 8), byte(len(w))}, w...)
	f.Add(frame)
	f.Add(append(append([]byte(nil), frame...), frame...))
	f.Add([]byte{0xFF, 0xFF, 1, 2, 3})
	f.Add([]byte{0x00, 0x05, 0, 0, 0, 0, 0})
	b := NewBuilder(0)
	b.AddBlocklist("l", strings.NewReader("evil.example\n"), false)
	s := New(Options{ResolveTimeout: 50 * time.Millisecond}, b.Policy())
	f.Fuzz(func(t *testing.T, in []byte) {
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() {
			s.serveConn(context.Background(), server, overTCP)
			close(done)
		}()
		go func() {
			client.SetDeadline(time.Now().Add(2 * time.Second))
			client.Write(in)
			client.Close() // the server sees EOF after the input
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("the stream handler did not return after its client closed")
		}
	})
}

// A popular answer asked in the last tenth of its TTL is refreshed in the
// background, so that it never expires under the clients: after expiry it
// is still answered from the cache, without the client waiting on an
// upstream. An answer asked only once or twice is left to expire.
func TestPrefetch(t *testing.T) {
	auth := startAuthority(t, 100)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s, addr := startResolver(t, Options{Upstreams: upstreamTo(t, auth.addr), Now: clock}, nil)

	for range 3 {
		ask(t, addr, "www.example.org", dns.TypeA, true, "udp")
	}
	ask(t, addr, "news.example.org", dns.TypeA, true, "udp") // asked once
	if n := auth.queries.Load(); n != 2 {
		t.Fatalf("%d upstream queries for two names", n)
	}
	advance(95 * time.Second) // last tenth of the 100 s TTL
	if r := ask(t, addr, "www.example.org", dns.TypeA, true, "udp"); len(r.Answer) != 1 || r.Answer[0].Header().Ttl > 5 {
		t.Fatalf("cached answer near expiry: %v", r.Answer)
	}
	ask(t, addr, "news.example.org", dns.TypeA, true, "udp")
	deadline := time.Now().Add(5 * time.Second)
	// The prefetch holds an in-flight slot until its answer is cached.
	for (auth.queries.Load() < 3 || len(s.sem) > 0) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n, p := auth.queries.Load(), s.M.prefetches.Load(); n != 3 || p != 1 {
		t.Fatalf("after the popular name's last tenth: %d upstream queries, %d prefetches; want 3 and 1", n, p)
	}
	advance(10 * time.Second) // past the first answer's expiry
	r := ask(t, addr, "www.example.org", dns.TypeA, true, "udp")
	if len(r.Answer) != 1 || r.Answer[0].Header().Ttl < 80 {
		t.Fatalf("prefetched answer: %v", r.Answer)
	}
	if n := auth.queries.Load(); n != 3 {
		t.Errorf("the prefetched name went upstream again (%d queries)", n)
	}
	ask(t, addr, "news.example.org", dns.TypeA, true, "udp")
	if n := auth.queries.Load(); n != 4 {
		t.Errorf("the unpopular name was not fetched anew after expiry (%d queries)", n)
	}
}
