package pdns

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"slices"
	"testing"

	"github.com/miekg/dns"
)

// wireCase is a client's query for www.example.org A, the query sent
// upstream for it, and an upstream answer to adapt.
type wireCase struct {
	q        query
	question []byte // the question sent upstream
}

func newWireCase(t testing.TB, edns bool) *wireCase {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion("WwW.Example.ORG.", dns.TypeA)
	m.Id = 4242
	if edns {
		m.SetEdns0(1232, true)
	}
	req, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	c := &wireCase{}
	if err := parseQuery(req, &c.q); err != nil {
		t.Fatal(err)
	}
	up, qEnd := appendUpstreamQuery(nil, &c.q)
	c.question = up[headerLen:qEnd]
	return c
}

// reply is the upstream's answer, as github.com/miekg/dns packs it (with
// compression), after mod.
func reply(t testing.TB, mod func(m *dns.Msg)) []byte {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion("www.example.org.", dns.TypeA)
	m := new(dns.Msg)
	m.SetReply(q)
	m.RecursionAvailable = true
	m.Answer = []dns.RR{
		&dns.CNAME{Hdr: dns.RR_Header{Name: "www.example.org.", Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: 600}, Target: "web.example.org."},
		&dns.A{Hdr: dns.RR_Header{Name: "web.example.org.", Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300}, A: net.IPv4(192, 0, 2, 1)},
	}
	m.SetEdns0(1232, true)
	if mod != nil {
		mod(m)
	}
	m.Compress = true
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func nxdomain(soaTTL, minimum uint32) func(*dns.Msg) {
	return func(m *dns.Msg) {
		m.Rcode = dns.RcodeNameError
		m.Answer = nil
		m.Ns = []dns.RR{&dns.SOA{Hdr: dns.RR_Header{Name: "example.org.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: soaTTL},
			Ns: "ns.example.org.", Mbox: "h.example.org.", Serial: 1, Refresh: 1, Retry: 1, Expire: 1, Minttl: minimum}}
	}
}

// withRecord appends a raw record (owner name, then type, class, TTL,
// data) to the answer section of b, which must have no authority or
// additional records.
func withRecord(b []byte, owner []byte, typ uint16, ttl uint32, data []byte) []byte {
	b = slices.Clone(b)
	binary.BigEndian.PutUint16(b[6:], binary.BigEndian.Uint16(b[6:])+1)
	b = append(b, owner...)
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, 1)
	b = binary.BigEndian.AppendUint32(b, ttl)
	b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}

// bare is the answer without any record: header and question.
func bare(t testing.TB) []byte {
	return reply(t, func(m *dns.Msg) { m.Answer, m.Extra = nil, nil })
}

func TestAdaptAnswer(t *testing.T) {
	c := newCache(CacheOptions{})
	ptrTo := func(off int) []byte { return []byte{0xC0 | byte(off>>8), byte(off)} }
	for _, tc := range []struct {
		name    string
		up      []byte
		edns    bool
		err     error
		ttl     uint32
		rcode   int
		answers int
	}{
		{name: "positive, smallest TTL", up: reply(t, nil), edns: true, ttl: 300, answers: 2},
		{name: "client without EDNS gets no OPT", up: reply(t, nil), ttl: 300, answers: 2},
		{name: "NXDOMAIN: the SOA's MINIMUM", up: reply(t, nxdomain(3600, 300)), edns: true, ttl: 300, rcode: dns.RcodeNameError},
		{name: "NXDOMAIN: the SOA's own TTL", up: reply(t, nxdomain(120, 900)), edns: true, ttl: 120, rcode: dns.RcodeNameError},
		{name: "NXDOMAIN: at most an hour", up: reply(t, nxdomain(86400, 86400)), edns: true, ttl: 3600, rcode: dns.RcodeNameError},
		{name: "NODATA without SOA: not cached", up: reply(t, func(m *dns.Msg) { m.Answer = nil }), edns: true, ttl: 0},
		{name: "SERVFAIL", up: reply(t, func(m *dns.Msg) { m.Rcode = dns.RcodeServerFailure; m.Answer = nil }), edns: true, rcode: dns.RcodeServerFailure},
		{name: "truncated: not cached", up: reply(t, func(m *dns.Msg) { m.Truncated = true }), edns: true, ttl: 0, answers: 2},
		{name: "TTL with the high bit is 0 (RFC 2181)", up: reply(t, func(m *dns.Msg) { m.Answer[1].Header().Ttl = 1 << 31 }), edns: true, ttl: 0, answers: 2},
		{name: "OPT record not last", up: reply(t, func(m *dns.Msg) {
			m.Extra = append(m.Extra, &dns.A{Hdr: dns.RR_Header{Name: "web.example.org.", Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 100}, A: net.IPv4(192, 0, 2, 2)})
		}), edns: true, ttl: 100, answers: 2},
		{name: "owner name pointing into the question", up: withRecord(bare(t), ptrTo(headerLen), dns.TypeA, 50, []byte{192, 0, 2, 3}), ttl: 50, answers: 1},

		{name: "another name", up: reply(t, func(m *dns.Msg) { m.Question[0].Name = "www.example.com." }), err: errMismatch},
		{name: "another type", up: reply(t, func(m *dns.Msg) { m.Question[0].Qtype = dns.TypeAAAA }), err: errMismatch},
		{name: "another class", up: reply(t, func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassCHAOS }), err: errMismatch},
		{name: "not a response", up: reply(t, func(m *dns.Msg) { m.Response = false }), err: errMismatch},
		{name: "another opcode", up: reply(t, func(m *dns.Msg) { m.Opcode = dns.OpcodeNotify }), err: errMismatch},
		{name: "two questions", up: reply(t, func(m *dns.Msg) { m.Question = append(m.Question, m.Question[0]) }), err: errMismatch},
		{name: "no question", up: reply(t, func(m *dns.Msg) { m.Question = nil }), err: errMismatch},
		{name: "shorter than a header", up: reply(t, nil)[:11], err: errBadAnswer},

		{name: "pointer forward", up: withRecord(bare(t), ptrTo(200), dns.TypeA, 50, []byte{192, 0, 2, 3}), err: errBadAnswer},
		{name: "pointer to itself", up: withRecord(bare(t), ptrTo(len(bare(t))), dns.TypeA, 50, []byte{192, 0, 2, 3}), err: errBadAnswer},
		{name: "pointer loop through a label", up: withRecord(bare(t), append([]byte{1, 'a'}, ptrTo(len(bare(t)))...), dns.TypeA, 50, []byte{192, 0, 2, 3}), err: errBadAnswer},
		{name: "pointer cut short", up: withRecord(bare(t), []byte{0xC0}, dns.TypeA, 50, nil)[:len(bare(t))+1], err: errBadAnswer},
		{name: "CNAME target pointing forward", up: withRecord(bare(t), ptrTo(headerLen), dns.TypeCNAME, 50, ptrTo(300)), err: errBadAnswer},
		{name: "label past the end", up: withRecord(bare(t), []byte{40, 'a'}, dns.TypeA, 50, nil)[:len(bare(t))+2], err: errBadAnswer},
		{name: "data past the end", up: func() []byte {
			b := reply(t, func(m *dns.Msg) { m.Extra = nil })
			return b[:len(b)-2]
		}(), err: errBadAnswer},
		{name: "more records counted than sent", up: func() []byte {
			b := reply(t, func(m *dns.Msg) { m.Extra = nil })
			b[7]++
			return b
		}(), err: errBadAnswer},
		{name: "A record of 3 bytes", up: withRecord(bare(t), ptrTo(headerLen), dns.TypeA, 50, []byte{192, 0, 2}), err: errBadAnswer},
		{name: "SOA too short", up: withRecord(bare(t), ptrTo(headerLen), dns.TypeSOA, 50, []byte{0, 0, 1, 2, 3, 4, 5, 6, 7, 8}), err: errBadAnswer},
		{name: "OPT in the answer section", up: withRecord(bare(t), []byte{0}, dns.TypeOPT, 0, nil), err: errBadAnswer},
		{name: "two OPT records", up: reply(t, func(m *dns.Msg) { m.Extra = append(m.Extra, m.Extra[0]) }), edns: true, err: errBadAnswer},
		{name: "OPT option cut short", up: func() []byte {
			b := append(reply(t, nil), 0xAB, 0xCD) // the OPT record is last, without options
			binary.BigEndian.PutUint16(b[len(b)-4:], 2)
			return b
		}(), edns: true, err: errBadAnswer},
		{name: "extended rcode for a client without EDNS", up: reply(t, func(m *dns.Msg) { m.Rcode = dns.RcodeBadCookie }), err: errExtRcode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWireCase(t, tc.edns)
			out, ttls, ttl, rcode, err := c.adaptAnswer(nil, nil, tc.up, &w.q, w.question)
			if !errors.Is(err, tc.err) || (tc.err != nil) != (err != nil) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if ttl != tc.ttl || rcode != tc.rcode {
				t.Errorf("ttl %d rcode %d, want %d and %d", ttl, rcode, tc.ttl, tc.rcode)
			}
			checkAdapted(t, w, out, ttls)
			r := new(dns.Msg)
			if err := r.Unpack(out); err != nil {
				t.Fatalf("the answer does not parse: %v", err)
			}
			if len(r.Answer) != tc.answers {
				t.Errorf("%d answers, want %d: %v", len(r.Answer), tc.answers, r)
			}
			if o := r.IsEdns0(); (o != nil) != tc.edns || (o != nil && (o.UDPSize() != ednsSize || !o.Do())) {
				t.Errorf("OPT %v for a client with EDNS %v", o, tc.edns)
			}
		})
	}
}

// checkAdapted checks what every adapted answer must be: the client's ID,
// one question in lower case as sent upstream, records that
// indexAnswer can walk, with the TTL offsets adaptAnswer gave.
func checkAdapted(t testing.TB, w *wireCase, out []byte, ttls []uint16) {
	t.Helper()
	if binary.BigEndian.Uint16(out) != w.q.id || out[2]&0x80 == 0 || binary.BigEndian.Uint16(out[4:]) != 1 {
		t.Fatalf("header %x", out[:min(len(out), headerLen)])
	}
	if !bytes.Equal(out[headerLen:headerLen+len(w.question)], w.question) {
		t.Fatalf("question %q, want %q", out[headerLen:headerLen+len(w.question)], w.question)
	}
	ix, ok := indexAnswer(slices.Clone(out))
	if !ok {
		t.Fatalf("the answer cannot be walked: %x", out)
	}
	if !slices.Equal(ix.ttls, ttls) {
		t.Fatalf("TTL offsets %v, want %v", ttls, ix.ttls)
	}
}

// TestAdaptAnswerEDE: the upstream's Extended DNS Errors reach an EDNS
// client; its other options (a cookie) do not.
func TestAdaptAnswerEDE(t *testing.T) {
	up := reply(t, func(m *dns.Msg) {
		o := m.IsEdns0()
		o.Option = []dns.EDNS0{&dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0102030405060708"},
			&dns.EDNS0_EDE{InfoCode: dns.ExtendedErrorCodeStaleAnswer, ExtraText: "stale"}}
	})
	w := newWireCase(t, true)
	out, _, _, _, err := newCache(CacheOptions{}).adaptAnswer(nil, nil, up, &w.q, w.question)
	if err != nil {
		t.Fatal(err)
	}
	r := new(dns.Msg)
	if err := r.Unpack(out); err != nil {
		t.Fatal(err)
	}
	o := r.IsEdns0()
	if o == nil || len(o.Option) != 1 {
		t.Fatalf("OPT %v, want one option", o)
	}
	if e, ok := o.Option[0].(*dns.EDNS0_EDE); !ok || e.InfoCode != dns.ExtendedErrorCodeStaleAnswer || e.ExtraText != "stale" {
		t.Errorf("option %v, want the EDE", o.Option[0])
	}
}

// FuzzAdaptAnswer feeds arbitrary upstream answers to the wire reader:
// never a crash, and an answer it accepts is one the cache can walk, with
// the client's ID and the question sent.
func FuzzAdaptAnswer(f *testing.F) {
	for _, mod := range []func(*dns.Msg){nil, nxdomain(60, 30), func(m *dns.Msg) {
		m.Extra = append(m.Extra, &dns.A{Hdr: dns.RR_Header{Name: "web.example.org.", Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 100}, A: net.IPv4(192, 0, 2, 2)})
	}} {
		f.Add(reply(f, mod), true)
	}
	c := newCache(CacheOptions{})
	f.Fuzz(func(t *testing.T, up []byte, edns bool) {
		w := newWireCase(t, edns)
		out, ttls, ttl, _, err := c.adaptAnswer(nil, nil, up, &w.q, w.question)
		if err != nil {
			return
		}
		checkAdapted(t, w, out, ttls)
		if ttl > uint32(c.opt.MaxTTL.Seconds()) {
			t.Fatalf("TTL %d above the cap", ttl)
		}
	})
}
