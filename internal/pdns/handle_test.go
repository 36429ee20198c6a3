package pdns

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// handle answers req the way a listener does and calls reply exactly once
// with the answer (nil: no answer), later and from another goroutine for
// a query that had to go upstream.
func (s *Server) handle(req []byte, client netip.Addr, tr transport, reply func([]byte)) {
	out, p := s.answer(req, nil, client, tr)
	if p == nil {
		reply(out)
		return
	}
	go func() {
		out := s.resolvePending(context.Background(), p)
		if out != nil {
			out = append([]byte(nil), out...) // p's buffers are reused
		}
		releasePending(p)
		reply(out)
	}()
}

// TestCacheHitAllocatesNothing: a cache hit is written into the
// listener's buffer with the query's ID and letter case, and allocates
// nothing.
func TestCacheHitAllocatesNothing(t *testing.T) {
	auth := startAuthority(t, 300)
	s := New(Options{Upstreams: upstreamTo(t, auth.addr)}, blockPolicy(t))
	m := new(dns.Msg)
	m.SetQuestion("news.example.org.", dns.TypeA)
	m.SetEdns0(1232, false)
	req, _ := m.Pack()
	lo := netip.MustParseAddr("127.0.0.1")
	done := make(chan []byte, 1)
	s.handle(req, lo, overUDP, func(out []byte) { done <- out })
	<-done
	m.Question[0].Name = "NeWs.Example.ORG."
	m.Id = 4242
	req, _ = m.Pack()
	dst := make([]byte, 0, 1500)
	var out []byte
	allocs := testing.AllocsPerRun(100, func() {
		var p *pending
		out, p = s.answer(req, dst, lo, overUDP)
		if p != nil {
			t.Fatal("not a cache hit")
		}
	})
	if allocs != 0 {
		t.Errorf("a cache hit allocates %.1f times", allocs)
	}
	r := new(dns.Msg)
	if err := r.Unpack(out); err != nil || r.Id != 4242 || r.Question[0].Name != "NeWs.Example.ORG." || len(r.Answer) == 0 {
		t.Errorf("answer %v (%v)", r, err)
	}
}

// TestUDPListener: the UDP listener (batched on Linux) answers clients
// sending at once, each with its own ID, and a datagram longer than a
// query can be gets FORMERR.
func TestUDPListener(t *testing.T) {
	auth := startAuthority(t, 300)
	for _, portable := range []bool{false, true} {
		s := New(Options{Upstreams: upstreamTo(t, auth.addr)}, blockPolicy(t))
		pc, err := ListenUDP("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			if portable {
				context.AfterFunc(ctx, func() { pc.Close() })
				s.serveUDPSimple(ctx, pc)
			} else {
				s.ServeUDP(ctx, pc)
			}
			close(done)
		}()
		t.Run(map[bool]string{false: "ServeUDP", true: "portable"}[portable], func(t *testing.T) { testUDPListener(t, pc.LocalAddr().String()) })
		cancel()
		<-done
	}
}

func testUDPListener(t *testing.T, addr string) {
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	const n = 40
	for i := range n {
		m := new(dns.Msg)
		name := "news.example.org."
		if i%2 == 1 {
			name = "www.evil.example."
		}
		m.SetQuestion(name, dns.TypeA)
		m.Id = uint16(1000 + i)
		w, _ := m.Pack()
		if _, err := c.Write(w); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[uint16]int{}
	buf := make([]byte, 65535)
	for range n {
		k, err := c.Read(buf)
		if err != nil {
			t.Fatalf("%d answers of %d: %v", len(seen), n, err)
		}
		r := new(dns.Msg)
		if err := r.Unpack(buf[:k]); err != nil {
			t.Fatal(err)
		}
		seen[r.Id] = r.Rcode
	}
	for i := range n {
		want := dns.RcodeSuccess
		if i%2 == 1 {
			want = dns.RcodeNameError
		}
		if rc, ok := seen[uint16(1000+i)]; !ok || rc != want {
			t.Errorf("query %d: rcode %d (answered %v), want %d", i, rc, ok, want)
		}
	}
	m := new(dns.Msg)
	m.SetQuestion("news.example.org.", dns.TypeA)
	o := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
	o.SetUDPSize(1232)
	o.Option = append(o.Option, &dns.EDNS0_PADDING{Padding: make([]byte, 5000)})
	m.Extra = append(m.Extra, o)
	m.Id = 77
	w, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	c.Write(w)
	k, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	r := new(dns.Msg)
	if err := r.Unpack(buf[:k]); err != nil || r.Id != 77 || r.Rcode != dns.RcodeFormatError {
		t.Errorf("a %d-byte query: %v %v", len(w), r, err)
	}
}

// TestNewPolicyBlocksCachedName: a cache hit skips the policy only under
// the policy its name passed; a name cached before a reload that blocks
// it is blocked at once.
func TestNewPolicyBlocksCachedName(t *testing.T) {
	auth := startAuthority(t, 300)
	s := New(Options{Upstreams: upstreamTo(t, auth.addr)}, blockPolicy(t))
	m := new(dns.Msg)
	m.SetQuestion("news.example.org.", dns.TypeA)
	req, _ := m.Pack()
	lo := netip.MustParseAddr("127.0.0.1")
	rcode := func() int {
		done := make(chan []byte, 1)
		s.handle(req, lo, overUDP, func(out []byte) { done <- out })
		r := new(dns.Msg)
		if err := r.Unpack(<-done); err != nil {
			t.Fatal(err)
		}
		return r.Rcode
	}
	for range 3 {
		if rc := rcode(); rc != dns.RcodeSuccess {
			t.Fatalf("before the reload: %s", dns.RcodeToString[rc])
		}
	}
	if s.M.cacheHits.Load() != 2 {
		t.Fatalf("%d cache hits, want 2", s.M.cacheHits.Load())
	}
	b := NewBuilder(0)
	b.AddBlocklist("feed.txt", strings.NewReader("example.org\n"), false)
	s.SetPolicy(b.Policy())
	for range 2 {
		if rc := rcode(); rc != dns.RcodeNameError {
			t.Errorf("after the reload: %s, want NXDOMAIN", dns.RcodeToString[rc])
		}
	}
	s.SetPolicy(blockPolicy(t))
	if rc := rcode(); rc != dns.RcodeSuccess || s.M.cacheHits.Load() != 3 {
		t.Errorf("unblocked again: %s, %d cache hits", dns.RcodeToString[rc], s.M.cacheHits.Load())
	}
}
