package pdns

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// The forwarding path (a cache miss) works on the wire too: the query
// sent upstream is written from the parsed question into a pooled buffer,
// the upstream's answer is read into another, checked against the
// question and walked record by record (each name, each TTL, the SOA of a
// negative answer), and the client's answer is the upstream's records
// copied behind the client's own header and question. Only TLS and HTTPS
// upstreams go through github.com/miekg/dns messages. With a dns.Msg
// unpacked and packed twice per query the forwarder made 40 heap objects
// per query (BenchmarkForward) and its latency tail was the garbage
// collector's; now it makes none once its pools are warm (a socket is
// opened every udpSocketUses queries).

// pending is a query that must go upstream, copied off the listener's
// buffers so that the listener can read the next one, with the buffers of
// its upstream exchange. Pendings are pooled: one is taken by answer and
// given back by releasePending once its answer is sent.
type pending struct {
	key []byte
	q   query
	req []byte
	tr  transport
	gen uint64 // of the policy the name passed

	// Where a UDP listener sends the answer.
	pc *net.UDPConn
	to netip.AddrPort

	x     wireQuery
	built []byte      // the answer made from the upstream's
	ttls  []uint16    // its TTL offsets
	view  wireAnswer  // built and ttls, as a cacheable answer
	ttl   uint32      // how long view may be cached
	entry *cacheEntry // view in the cache, when ttl > 0
	out   []byte      // the answer to this client
}

// wireQuery is one question on its way upstream.
type wireQuery struct {
	msg      []byte // the query: ID 0, the name in lower case, EDNS
	qEnd     int    // end of the question in msg
	send     []byte // msg as an upstream sends it (its ID, letter case, framing)
	ans      []byte // the buffer an upstream reads its answer into
	deadline time.Time
	rng      rand.ChaCha8 // IDs and letter case; cryptographically strong
}

// udpAnswerMax is the buffer a UDP answer is read into. The upstream was
// offered ednsSize bytes: a larger answer breaks the rules and is asked
// again over TCP.
const udpAnswerMax = 4096

var pendings = sync.Pool{New: func() any {
	p := &pending{key: make([]byte, 0, 300), req: make([]byte, 0, 512), built: make([]byte, 0, 512), out: make([]byte, 0, 512)}
	p.x.msg = make([]byte, 0, 300)
	p.x.send = make([]byte, 0, 300)
	p.x.ans = make([]byte, udpAnswerMax+1)
	var seed [32]byte
	crand.Read(seed[:])
	p.x.rng.Seed(seed)
	return p
}}

func getPending() *pending { return pendings.Get().(*pending) }

// releasePending gives p back to the pool; its answer may no longer be used.
func releasePending(p *pending) {
	const keep = 4096 // a larger buffer (a TCP query or answer) is not pooled
	if cap(p.req) > keep {
		p.req = make([]byte, 0, 512)
	}
	if cap(p.out) > keep {
		p.out = make([]byte, 0, 512)
	}
	if cap(p.built) > keep {
		p.built = make([]byte, 0, 512)
	}
	p.pc, p.entry, p.view = nil, nil, wireAnswer{}
	pendings.Put(p)
}

// resolvePending answers a query answer could not answer at once, and
// frees its in-flight slot. ctx is the client's (a DoH request's): when
// it ends, the work stops and the answer is nil. The answer is in p's
// buffers, valid until releasePending(p).
func (s *Server) resolvePending(ctx context.Context, p *pending) []byte {
	defer func() { <-s.sem }()
	return s.resolve(ctx, p)
}

// resolve answers a cache miss: one upstream query per key at a time
// (later askers share its answer), a stale answer when every upstream
// fails, SERVFAIL when there is none.
func (s *Server) resolve(ctx context.Context, p *pending) []byte {
	p.x.deadline = time.Now().Add(s.opt.ResolveTimeout)
	w, age, err := s.fetchShared(ctx, p)
	if err == nil {
		p.out = s.writeAnswer(w, &p.q, p.req, p.out, p.tr, age, 0)
		return p.out
	}
	if ctx.Err() != nil {
		return nil // the client has gone
	}
	now := s.opt.Now()
	if st, ok := s.cache.get(p.key, now); ok {
		s.M.stale.Add(1)
		p.out = s.fromCache(st, &p.q, p.req, p.out, p.tr, now, staleTTL)
		return p.out
	}
	s.log.Debug("upstream failed", "name", string(p.q.lower()), "err", err)
	return s.errorAnswer(&p.q, p.req, dns.RcodeServerFailure, edeOpt(dns.ExtendedErrorCodeNoReachableAuthority, "no upstream resolver answered"))
}

// fetchShared fetches p's answer, or waits for the fetch of the same
// question already under way. A fetch abandoned by its client (a DoH
// request that ended) is not an answer: the next asker fetches anew.
func (s *Server) fetchShared(ctx context.Context, p *pending) (*wireAnswer, uint32, error) {
	for {
		c, leader := s.flight.join(p.key)
		if leader {
			w, err := s.fetch(ctx, p)
			if s.flight.end(c) {
				// Others wait: they get the answer on the heap.
				switch {
				case err != nil:
				case p.entry != nil:
					c.e = p.entry
				default:
					c.e = s.cache.newEntry(w, p.ttl, s.opt.Now())
				}
				c.err = err
				close(c.done)
			}
			return w, 0, err
		}
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
		if c.err != nil && errors.Is(c.err, context.Canceled) && ctx.Err() == nil {
			continue
		}
		if c.err != nil {
			return nil, 0, c.err
		}
		return &c.e.ans, c.e.age(s.opt.Now()), nil
	}
}

// fetch asks the upstreams for p's question, until p.x.deadline, and
// makes the answer in p's buffers (p.view), kept in the cache unless its
// TTL is 0 or it is an error.
func (s *Server) fetch(ctx context.Context, p *pending) (*wireAnswer, error) {
	x := &p.x
	x.msg, x.qEnd = appendUpstreamQuery(x.msg[:0], &p.q)
	t0 := time.Now()
	err := s.exchange(ctx, p)
	s.M.observeUpstream(time.Since(t0), err)
	if err != nil {
		return nil, err
	}
	p.view = wireAnswer{msg: p.built, ttls: p.ttls, qStart: headerLen, qEnd: x.qEnd}
	p.entry = nil
	if p.ttl > 0 {
		e := s.cache.newEntry(&p.view, p.ttl, s.opt.Now())
		e.passed.Store(p.gen)
		s.cache.put(p.key, e)
		p.entry = e
	}
	return &p.view, nil
}

// exchange asks each upstream in turn, preferring the one that answered
// last, until one gives an answer that adaptAnswer accepts and that is
// not SERVFAIL or REFUSED; that answer is in p.built.
func (s *Server) exchange(ctx context.Context, p *pending) error {
	u := &s.ups
	n := len(u.list)
	if n == 0 {
		return errors.New("no upstream resolver")
	}
	start := int(u.first.Load())
	var errs []error
	for i := 0; i < n; i++ {
		if ctx.Err() != nil || !time.Now().Before(p.x.deadline) {
			break
		}
		up := u.list[(start+i)%n]
		var r []byte
		var err error
		if w, ok := up.(wireUpstream); ok {
			r, err = w.exchangeWire(ctx, &p.x)
		} else {
			r, err = exchangeMsg(ctx, up, &p.x)
		}
		if err == nil {
			var rcode int
			p.built, p.ttls, p.ttl, rcode, err = s.cache.adaptAnswer(p.built[:0], p.ttls[:0], r, &p.q, p.x.msg[headerLen:p.x.qEnd])
			if err == nil && rcode != dns.RcodeServerFailure && rcode != dns.RcodeRefused {
				if i > 0 {
					u.first.Store(int32((start + i) % n))
				}
				return nil
			}
			if err == nil {
				err = fmt.Errorf("answered %s", dns.RcodeToString[rcode])
			}
		}
		errs = append(errs, fmt.Errorf("%s: %w", up, err))
	}
	switch {
	case len(errs) > 0:
	case ctx.Err() != nil:
		errs = append(errs, ctx.Err())
	default:
		errs = append(errs, errors.New("no answer in time"))
	}
	return errors.Join(errs...)
}

// appendUpstreamQuery writes the query sent upstream for q: ID 0 (each
// upstream sets its own), recursion desired, the AD bit asked for (RFC
// 6840 §5.7), the client's CD bit, the name in lower case, and EDNS with
// our buffer size and the client's DO bit. It returns the query and the
// end of its question.
func appendUpstreamQuery(dst []byte, q *query) ([]byte, int) {
	flags := uint16(0x0100 | 0x0020)
	if q.cd {
		flags |= 0x0010
	}
	dst = append(dst, 0, 0, byte(flags>>8), byte(flags), 0, 1, 0, 0, 0, 0, 0, 1)
	// The name was read label by label and no label holds a dot.
	name := q.lower()
	for len(name) > 0 {
		label := name
		if i := bytes.IndexByte(name, '.'); i >= 0 {
			label, name = name[:i], name[i+1:]
		} else {
			name = nil
		}
		dst = append(dst, byte(len(label)))
		dst = append(dst, label...)
	}
	dst = append(dst, 0, byte(q.qtype>>8), byte(q.qtype), byte(q.qclass>>8), byte(q.qclass))
	qEnd := len(dst)
	var do byte
	if q.do {
		do = 0x80
	}
	dst = append(dst, 0, 0, typeOPT, byte(ednsSize>>8), byte(ednsSize&0xFF), 0, 0, do, 0, 0, 0)
	return dst, qEnd
}

// randomizeCase flips the case of each letter of a name on the wire with
// a coin toss ("dns 0x20"). Length bytes are below 64 and never letters.
func randomizeCase(name []byte, rng *rand.ChaCha8) {
	var bits uint64
	n := 0
	for i, c := range name {
		if c|0x20 < 'a' || c|0x20 > 'z' {
			continue
		}
		if n == 0 {
			bits, n = rng.Uint64(), 64
		}
		if bits&1 == 1 {
			name[i] = c ^ 0x20
		}
		bits >>= 1
		n--
	}
}

// Problems of an upstream answer.
var (
	errMismatch   = errors.New("the answer does not match the question")
	errBadAnswer  = errors.New("malformed answer")
	errExtRcode   = errors.New("extended response code for a client without EDNS")
	errAnswerSize = errors.New("answer too large")
)

// adaptAnswer makes, in dst, the answer for the client of q from up, an
// upstream's answer to question (the name, type and class sent, the name
// in lower case). It checks that up answers the question (a response to
// a standard query, the one question, the name matched without regard to
// case: the exact case is the upstream's business) and walks every
// record: each name well-formed, the data of the common types of the
// right size, the OPT record only in the additional section and only
// once. The client gets its own header (ID, RD; RA; AD only when it asked
// for DNSSEC data or AD), the question in lower case, the upstream's
// records unchanged, and an OPT record of ours only when it sent one,
// with the upstream's Extended DNS Errors. It returns the answer, the
// offsets of its TTLs (appended to ttls), how long it may be cached (see
// cacheTTL) and its response code.
func (c *cache) adaptAnswer(dst []byte, ttls []uint16, up []byte, q *query, question []byte) ([]byte, []uint16, uint32, int, error) {
	return c.adapt(dst, ttls, up, q, question, false)
}

func (c *cache) adapt(dst []byte, ttls []uint16, up []byte, q *query, question []byte, normalized bool) ([]byte, []uint16, uint32, int, error) {
	if len(up) < headerLen || len(up) > 65535 {
		return dst, ttls, 0, 0, errBadAnswer
	}
	flags := binary.BigEndian.Uint16(up[2:])
	qEnd := headerLen + len(question)
	nl := len(question) - 4
	if flags&0x8000 == 0 || (flags>>11)&0xF != 0 || binary.BigEndian.Uint16(up[4:]) != 1 || len(up) < qEnd ||
		!equalFoldASCII(up[headerLen:headerLen+nl], question[:nl]) || !bytes.Equal(up[headerLen+nl:qEnd], question[nl:]) {
		return dst, ttls, 0, 0, errMismatch
	}
	an := int(binary.BigEndian.Uint16(up[6:]))
	ns := int(binary.BigEndian.Uint16(up[8:]))
	ar := int(binary.BigEndian.Uint16(up[10:]))
	rcode := int(flags & 0xF)
	var (
		optStart, optEnd = -1, -1
		ext              int
		optData          []byte
		minTTL           = uint32(c.opt.MaxTTL / time.Second)
		soaTTL, soaMin   uint32
		haveSOA          bool
	)
	ttls = ttls[:0]
	off := qEnd
	for i := 0; i < an+ns+ar; i++ {
		start := off
		var ok bool
		if off, ok = walkName(up, off); !ok || off+10 > len(up) {
			return dst, ttls, 0, 0, errBadAnswer
		}
		typ := binary.BigEndian.Uint16(up[off:])
		ttl := binary.BigEndian.Uint32(up[off+4:])
		rd := off + 10
		end := rd + int(binary.BigEndian.Uint16(up[off+8:]))
		if end > len(up) || !checkRdata(up, typ, rd, end) {
			return dst, ttls, 0, 0, errBadAnswer
		}
		if typ == typeOPT {
			if i < an+ns || optStart >= 0 || off != start+1 {
				return dst, ttls, 0, 0, errBadAnswer // RFC 6891 §6.1.1: one, in the additional section, owned by the root
			}
			optStart, optEnd, ext, optData = start, end, int(ttl>>24), up[rd:end]
			for o := optData; len(o) > 0; {
				if len(o) < 4 || 4+int(binary.BigEndian.Uint16(o[2:])) > len(o) {
					return dst, ttls, 0, 0, errBadAnswer
				}
				o = o[4+int(binary.BigEndian.Uint16(o[2:])):]
			}
		} else {
			if ttl > 1<<31-1 {
				ttl = 0 // RFC 2181 §8
			}
			minTTL = min(minTTL, ttl)
			ttls = append(ttls, uint16(off+4))
			if i >= an && i < an+ns && typ == typeSOA && !haveSOA {
				soaTTL, soaMin, haveSOA = ttl, binary.BigEndian.Uint32(up[end-4:]), true
			}
		}
		off = end
	}
	if optStart >= 0 && optEnd != off {
		if normalized {
			return dst, ttls, 0, 0, errBadAnswer
		}
		// Records after the OPT record would move, and with them the
		// targets of their compression pointers: let the message library
		// put the OPT record last, then read the result.
		norm, err := optLast(up)
		if err != nil {
			return dst, ttls, 0, 0, errBadAnswer
		}
		return c.adapt(dst, ttls, norm, q, question, true)
	}
	if ext != 0 && !q.hasOPT {
		return dst, ttls, 0, 0, errExtRcode
	}
	out := uint16(0x8000) | flags&0x0200 | 0x0080 | flags&0x0010 | uint16(rcode)
	if q.rd {
		out |= 0x0100
	}
	if flags&0x0020 != 0 && (q.do || q.ad) {
		out |= 0x0020
	}
	nar := ar
	if optStart >= 0 {
		nar--
	}
	if q.hasOPT {
		nar++
	}
	dst = append(dst[:0], byte(q.id>>8), byte(q.id), byte(out>>8), byte(out), 0, 1, up[6], up[7], up[8], up[9], byte(nar>>8), byte(nar))
	dst = append(dst, question...)
	if optStart >= 0 {
		dst = append(dst, up[qEnd:optStart]...)
	} else {
		dst = append(dst, up[qEnd:off]...)
	}
	if q.hasOPT {
		var do byte
		if q.do {
			do = 0x80
		}
		dst = append(dst, 0, 0, typeOPT, byte(ednsSize>>8), byte(ednsSize&0xFF), byte(ext), 0, do, 0, 0, 0)
		lenAt := len(dst) - 2
		for o := optData; len(o) >= 4; { // checked above
			l := int(binary.BigEndian.Uint16(o[2:]))
			if binary.BigEndian.Uint16(o) == 15 && l >= 2 { // Extended DNS Error (RFC 8914)
				dst = append(dst, o[:4+l]...)
			}
			o = o[4+l:]
		}
		binary.BigEndian.PutUint16(dst[lenAt:], uint16(len(dst)-lenAt-2))
	}
	if len(dst) > 65535 {
		return dst, ttls, 0, 0, errAnswerSize
	}
	ttl := uint32(0)
	switch {
	case flags&0x0200 != 0: // truncated
	case rcode == dns.RcodeNameError, rcode == dns.RcodeSuccess && an == 0:
		// NXDOMAIN and NODATA: the SOA's TTL bounded by its MINIMUM field
		// (RFC 2308 §5); no caching without an SOA.
		if haveSOA {
			ttl = min(soaTTL, soaMin, uint32(c.opt.NegativeMaxTTL/time.Second))
		}
	case rcode == dns.RcodeSuccess:
		ttl = minTTL
	}
	return dst, ttls, ttl, rcode | ext<<4, nil
}

// equalFoldASCII compares two names on the wire, ASCII letters without
// regard to case, every other byte exactly.
func equalFoldASCII(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i, c := range a {
		d := b[i]
		if c != d && (c|0x20 != d|0x20 || c|0x20 < 'a' || c|0x20 > 'z') {
			return false
		}
	}
	return true
}

// optLast re-packs a message so that its OPT record is the last record.
func optLast(b []byte) ([]byte, error) {
	m := new(dns.Msg)
	if err := m.Unpack(b); err != nil {
		return nil, err
	}
	var opt dns.RR
	extra := m.Extra[:0]
	for _, rr := range m.Extra {
		if rr.Header().Rrtype == dns.TypeOPT {
			opt = rr
			continue
		}
		extra = append(extra, rr)
	}
	if opt != nil {
		extra = append(extra, opt)
	}
	m.Extra = extra
	return m.Pack()
}

// flightGroup runs one fetch per key at a time; askers of the same key
// meanwhile wait for its result.
type flightGroup struct {
	mu   sync.Mutex
	seed maphash.Seed
	m    map[uint64]*flightCall
}

type flightCall struct {
	h    uint64
	key  []byte        // the leader's key, read only while the call is in the map
	done chan struct{} // made when a second asker comes
	e    *cacheEntry
	err  error
}

var flightCalls = sync.Pool{New: func() any { return new(flightCall) }}

// join returns the call under way for key, or makes the caller the leader
// of a new one (c is then nil when another key with the same hash is
// under way: the caller fetches alone).
func (g *flightGroup) join(key []byte) (c *flightCall, leader bool) {
	h := maphash.Bytes(g.seed, key)
	g.mu.Lock()
	defer g.mu.Unlock()
	if c = g.m[h]; c != nil {
		if !bytes.Equal(c.key, key) {
			return nil, true
		}
		if c.done == nil {
			c.done = make(chan struct{})
		}
		return c, false
	}
	c = flightCalls.Get().(*flightCall)
	c.h, c.key = h, key
	g.m[h] = c
	return c, true
}

// end removes the leader's call c and tells whether others wait for it:
// then the leader sets c.e or c.err and closes c.done. A call nobody
// waits for is reused.
func (g *flightGroup) end(c *flightCall) bool {
	if c == nil {
		return false
	}
	g.mu.Lock()
	delete(g.m, c.h)
	g.mu.Unlock()
	// No one can join any more.
	if c.done == nil {
		*c = flightCall{}
		flightCalls.Put(c)
		return false
	}
	c.key = nil
	return true
}

// forwarderIdle is how long a forwarder goroutine waits for more work.
const forwarderIdle = 10 * time.Second

// goForward hands a UDP cache miss to an idle forwarder goroutine, or
// starts one. Forwarders live on while there is work: a goroutine started
// per query costs a heap object and, at first, stack growth.
func (s *Server) goForward(p *pending) {
	select {
	case s.idle <- p:
	default:
		go s.forwarder(p)
	}
}

func (s *Server) forwarder(p *pending) {
	t := time.NewTimer(forwarderIdle)
	defer t.Stop()
	for {
		if out := s.resolvePending(context.Background(), p); out != nil {
			p.pc.WriteToUDPAddrPort(out, p.to)
		}
		releasePending(p)
		t.Reset(forwarderIdle)
		select {
		case p = <-s.idle:
		case <-t.C:
			return
		}
	}
}
