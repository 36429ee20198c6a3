package pdns

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/maphash"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/vigie-project/vigie/internal/ratelimit"
)

// Options configure a Server.
type Options struct {
	Upstreams []Upstream
	Cache     CacheOptions
	// Allow lists the client networks answered; nil means DefaultAllow.
	Allow []netip.Prefix
	// RateLimit is the queries per second each client address may send
	// (0: no limit); Burst the bucket's size (default twice the rate).
	RateLimit float64
	Burst     int
	// Sinkhole4 and Sinkhole6, when valid, answer A and AAAA queries of a
	// blocked name with the address of the block page instead of NXDOMAIN.
	Sinkhole4, Sinkhole6 netip.Addr
	// BlockTTL is the TTL of blocked answers (default 60 s, short so that
	// an unblocked name comes back quickly).
	BlockTTL uint32
	// ResolveTimeout bounds the forwarding of one query over every
	// upstream; then the answer is stale or SERVFAIL (default 1.8 s).
	ResolveTimeout time.Duration
	// MaxInFlight bounds the queries waiting for an upstream (default 10,000).
	MaxInFlight int
	// OnBlock is called for each blocked query (it must not block).
	OnBlock func(Block)
	// LogClients puts the client's address in Block.Client; off by
	// default: campaign staff's browsing is private.
	LogClients bool
	Logger     *slog.Logger
	// Now is the clock of the cache and of blocks (tests; default
	// time.Now).
	Now func() time.Time
}

// DefaultAllow is loopback and the private ranges: the resolver answers
// its own network, never the whole internet (an open resolver is used in
// amplification attacks).
var DefaultAllow = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fc00::/7"), netip.MustParsePrefix("fe80::/10"),
}

// Block is one blocked query, for sightings and logs.
type Block struct {
	Time     time.Time
	Name     string // the name asked, lower case, no final dot
	QType    string
	Decision Decision
	Client   netip.Addr // only with Options.LogClients
}

// Server answers DNS queries with a policy in front of a cache in front
// of upstream resolvers. Its listeners are in listen.go.
type Server struct {
	opt    Options
	policy atomic.Pointer[activePolicy]
	gens   atomic.Uint64
	blocks atomic.Pointer[blockCache]
	cache  *cache
	ups    upstreams
	rl     *ratelimit.Limiter
	M      *Metrics
	flight flightGroup
	sem    chan struct{}
	idle   chan *pending // to forwarder goroutines waiting for work
	log    *slog.Logger
}

// New makes a server with policy p (nil: block nothing).
func New(opt Options, p *Policy) *Server {
	if opt.Allow == nil {
		opt.Allow = DefaultAllow
	}
	if opt.BlockTTL == 0 {
		opt.BlockTTL = 60
	}
	if opt.ResolveTimeout <= 0 {
		opt.ResolveTimeout = 1800 * time.Millisecond
	}
	if opt.MaxInFlight <= 0 {
		opt.MaxInFlight = 10_000
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Server{opt: opt, cache: newCache(opt.Cache), ups: upstreams{list: opt.Upstreams},
		M: newMetrics(), sem: make(chan struct{}, opt.MaxInFlight), idle: make(chan *pending), log: opt.Logger}
	s.flight.seed, s.flight.m = maphash.MakeSeed(), map[uint64]*flightCall{}
	if opt.RateLimit > 0 {
		burst := opt.Burst
		if burst <= 0 {
			burst = int(2 * opt.RateLimit)
		}
		s.rl = ratelimit.New(opt.RateLimit, float64(max(burst, 1)))
	}
	if p == nil {
		p = NewBuilder(0).Policy()
	}
	s.SetPolicy(p)
	return s
}

// activePolicy is the policy in force and its generation, new at each
// SetPolicy. A cached answer remembers the generation under which its
// name last passed the policy: a cache hit of the same generation skips
// the policy's look-ups, the most of a hit's work after the system calls.
type activePolicy struct {
	p   *Policy
	gen uint64
}

// SetPolicy swaps the policy in; queries already running finish with the
// old one.
func (s *Server) SetPolicy(p *Policy) {
	s.policy.Store(&activePolicy{p: p, gen: s.gens.Add(1)})
	s.blocks.Store(newBlockCache())
	s.M.policyNames.Store(int64(len(p.names)))
}

// Policy returns the policy in force.
func (s *Server) Policy() *Policy { return s.policy.Load().p }

func (s *Server) allowed(a netip.Addr) bool {
	a = a.Unmap().WithZone("") // a zoned address is in no prefix
	for _, p := range s.opt.Allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// transport says where a query came from; only UDP answers are size-bound.
type transport uint8

const (
	overUDP transport = iota
	overTCP
	overTLS
	overHTTPS
)

func (t transport) String() string {
	return [...]string{"udp", "tcp", "tls", "https"}[t]
}

// answer answers one request. When the answer is known at once (from the
// policy, the cache, or an error) it is written into dst, the listener's
// own buffer, and returned with a nil *pending; the result may alias dst
// and is valid until dst is used again. A nil answer then means no answer
// at all (a response, garbage, a DROP policy, a rate-limited UDP client).
// A cache miss returns a *pending instead, holding a slot of the in-flight
// bound: the caller hands it to resolvePending, on any goroutine, which
// answers and frees the slot, then gives it back with releasePending once
// the answer is sent. A cache hit allocates nothing.
func (s *Server) answer(req, dst []byte, client netip.Addr, tr transport) ([]byte, *pending) {
	var q query
	s.M.queries[tr].Add(1)
	err := parseQuery(req, &q)
	switch err {
	case nil:
	case errShort, errResponse:
		s.M.malformed.Add(1)
		return nil, nil
	default:
		s.M.malformed.Add(1)
		rc := dns.RcodeFormatError
		if err == errOpcode {
			rc = dns.RcodeNotImplemented
		}
		return s.bareError(req, rc), nil
	}
	if !s.allowed(client) {
		s.M.refused.Add(1)
		return s.errorAnswer(&q, req, dns.RcodeRefused, nil), nil
	}
	if s.rl != nil && !s.rl.Allow(client, s.opt.Now()) {
		s.M.rateLimited.Add(1)
		if tr != overUDP {
			return s.errorAnswer(&q, req, dns.RcodeRefused, nil), nil
		}
		return nil, nil
	}
	if q.hasOPT && q.version != 0 {
		return s.errorAnswer(&q, req, dns.RcodeBadVers, nil), nil
	}
	if q.qclass != dns.ClassINET {
		return s.errorAnswer(&q, req, dns.RcodeRefused, nil), nil
	}
	switch q.qtype {
	case dns.TypeAXFR, dns.TypeIXFR:
		return s.errorAnswer(&q, req, dns.RcodeRefused, nil), nil
	}
	ap := s.policy.Load()
	now := s.opt.Now()
	var kb [300]byte
	key := cacheKey(kb[:0], &q)
	var hit *cacheEntry
	if e, ok := s.cache.get(key, now); ok && now.Before(e.expires) {
		hit = e
	}
	if hit == nil || hit.passed.Load() != ap.gen {
		d := ap.p.lookup(q.lower())
		if d.Action.Blocked() {
			return s.block(&q, req, dst, tr, client, d), nil
		}
		if q.qtype == dns.TypeANY {
			return s.anyAnswer(&q, req), nil
		}
		if hit != nil {
			hit.passed.Store(ap.gen)
		}
	}
	if hit != nil {
		s.M.cacheHits.Add(1)
		out := s.fromCache(hit, &q, req, dst, tr, now, 0)
		s.maybePrefetch(hit, key, &q, ap.gen, now)
		return out, nil
	}
	s.M.cacheMisses.Add(1)
	select {
	case s.sem <- struct{}{}:
	default:
		return s.errorAnswer(&q, req, dns.RcodeServerFailure, edeOpt(dns.ExtendedErrorCodeOther, "too many queries in flight")), nil
	}
	// The pending query's own copy: q stays on the stack for cache and
	// policy answers.
	p := getPending()
	p.key = append(p.key[:0], key...)
	p.q = q
	p.req = append(p.req[:0], req...)
	p.tr, p.gen = tr, ap.gen
	return nil, p
}

// sizeLimit is the largest answer the client can take over tr.
func sizeLimit(q *query, tr transport) int {
	if tr != overUDP {
		return 65535
	}
	if !q.hasOPT {
		return maxUDPNoEDNS
	}
	return min(q.size, 65535)
}

// fromCache writes a cached answer for q into dst (stale: fixed TTL),
// truncated when it does not fit.
func (s *Server) fromCache(e *cacheEntry, q *query, req, dst []byte, tr transport, now time.Time, fixed uint32) []byte {
	return s.writeAnswer(&e.ans, q, req, dst, tr, e.age(now), fixed)
}

// writeAnswer writes the answer w for q into dst, its TTLs lowered by age
// (or fixed), truncated when it does not fit.
func (s *Server) writeAnswer(w *wireAnswer, q *query, req, dst []byte, tr transport, age, fixed uint32) []byte {
	if len(w.msg) > sizeLimit(q, tr) {
		return s.truncated(q, req)
	}
	return w.writeTo(dst, q, req, age, fixed)
}

// maybePrefetch refreshes a popular answer in its last tenth of life, so
// that it does not expire under the clients' feet.
func (s *Server) maybePrefetch(e *cacheEntry, key []byte, q *query, gen uint64, now time.Time) {
	h := e.hits.Add(1)
	if h < 3 || e.ttl < 10 {
		return
	}
	left := e.expires.Sub(now)
	if left > time.Duration(e.ttl)*time.Second/10 {
		return
	}
	if !e.fetching.CompareAndSwap(false, true) {
		return
	}
	select {
	case s.sem <- struct{}{}:
	default:
		e.fetching.Store(false)
		return
	}
	s.M.prefetches.Add(1)
	p := getPending()
	p.key = append(p.key[:0], key...)
	p.q, p.gen = *q, gen
	p.x.deadline = time.Now().Add(s.opt.ResolveTimeout)
	go func() {
		defer func() { <-s.sem }()
		s.fetch(context.Background(), p)
		e.fetching.Store(false)
		releasePending(p)
	}()
}

// pack writes m for q, truncating it when it is too large for UDP.
func (s *Server) pack(m *dns.Msg, q *query, req []byte, tr transport) []byte {
	m.Compress = true
	out, err := m.Pack()
	if err != nil {
		return s.bareError(req, dns.RcodeServerFailure)
	}
	if len(out) > sizeLimit(q, tr) {
		return s.truncated(q, req)
	}
	// Echo the client's letter case in the question.
	if len(out) >= q.qEnd && bytes.EqualFold(out[headerLen:q.qEnd], req[headerLen:q.qEnd]) {
		copy(out[headerLen:q.qEnd], req[headerLen:q.qEnd])
	}
	return out
}

// bareError answers a request whose question could not be read: its ID
// and the code, nothing else.
func (s *Server) bareError(req []byte, rcode int) []byte {
	out := make([]byte, headerLen)
	copy(out, req[:2])
	flags := uint16(0x8000) | binary.BigEndian.Uint16(req[2:])&0x7900 | 0x0080 | uint16(rcode&0xF)
	binary.BigEndian.PutUint16(out[2:], flags)
	return out
}

// errorAnswer is an answer with no records and rcode, with opt's EDE when
// the client speaks EDNS.
func (s *Server) errorAnswer(q *query, req []byte, rcode int, ede *dns.EDNS0_EDE) []byte {
	m := s.reply(q, rcode, ede)
	return s.pack(m, q, req, overTCP)
}

// truncated tells a UDP client to ask again over TCP.
func (s *Server) truncated(q *query, req []byte) []byte {
	m := s.reply(q, dns.RcodeSuccess, nil)
	m.Truncated = true
	return s.pack(m, q, req, overTCP)
}

// reply starts an answer to q.
func (s *Server) reply(q *query, rcode int, ede *dns.EDNS0_EDE) *dns.Msg {
	m := new(dns.Msg)
	m.Id = q.id
	m.Response = true
	m.RecursionDesired = q.rd
	m.RecursionAvailable = true
	m.Rcode = rcode
	m.Question = []dns.Question{{Name: dns.Fqdn(string(q.lower())), Qtype: q.qtype, Qclass: q.qclass}}
	if q.hasOPT {
		o := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
		o.SetUDPSize(ednsSize)
		o.SetDo(q.do)
		if rcode > 0xF {
			o.SetExtendedRcode(uint16(rcode))
			m.Rcode = rcode
		}
		if ede != nil {
			o.Option = append(o.Option, ede)
		}
		m.Extra = append(m.Extra, o)
	}
	return m
}

// anyAnswer answers ANY queries as RFC 8482 recommends: one HINFO record,
// so that the resolver cannot be used to amplify traffic.
func (s *Server) anyAnswer(q *query, req []byte) []byte {
	m := s.reply(q, dns.RcodeSuccess, nil)
	m.Answer = []dns.RR{&dns.HINFO{Hdr: dns.RR_Header{Name: dns.Fqdn(string(q.lower())), Rrtype: dns.TypeHINFO, Class: dns.ClassINET, Ttl: 3600}, Cpu: "RFC8482"}}
	return s.pack(m, q, req, overTCP)
}

func edeOpt(code uint16, text string) *dns.EDNS0_EDE {
	if len(text) > 300 {
		text = text[:300]
	}
	return &dns.EDNS0_EDE{InfoCode: code, ExtraText: text}
}

// block answers a blocked name as the decision says (a cached answer is
// written into dst), and reports it.
func (s *Server) block(q *query, req, dst []byte, tr transport, client netip.Addr, d Decision) []byte {
	s.M.countBlock(d.Kind)
	if s.opt.OnBlock != nil {
		b := Block{Time: s.opt.Now(), Name: string(q.lower()), QType: dns.TypeToString[q.qtype], Decision: d}
		if s.opt.LogClients {
			b.Client = client.Unmap()
		}
		s.opt.OnBlock(b)
	}
	if d.Action == Drop {
		return nil
	}
	if d.Action == LocalData {
		return s.localAnswer(q, req, tr, d)
	}
	var kb [300]byte
	key := cacheKey(kb[:0], q)
	bc := s.blocks.Load()
	if w, ok := bc.get(key); ok {
		return w.writeTo(dst, q, req, 0, 0)
	}
	m := s.blockMsg(q, d)
	out := s.pack(m, q, req, tr)
	if w, ok := indexAnswer(append([]byte(nil), out...)); ok && !m.Truncated {
		bc.put(key, w)
	}
	return out
}

// blockMsg builds the answer of a blocked name: NXDOMAIN, NODATA, or the
// sinkhole's address; always with an SOA (so the client caches the
// refusal for BlockTTL) and, for EDNS clients, the Extended DNS Error with
// the reason.
func (s *Server) blockMsg(q *query, d Decision) *dns.Msg {
	code := uint16(dns.ExtendedErrorCodeBlocked)
	if d.Kind == KindRPZ || d.Kind == KindList {
		code = dns.ExtendedErrorCodeFiltered
	}
	m := s.reply(q, dns.RcodeNameError, edeOpt(code, d.Reason()))
	name := dns.Fqdn(string(q.lower()))
	hdr := func(t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: s.opt.BlockTTL}
	}
	switch {
	case d.Action == BlockNXDomain && q.qtype == dns.TypeA && s.opt.Sinkhole4.IsValid():
		m.Rcode = dns.RcodeSuccess
		m.Answer = []dns.RR{&dns.A{Hdr: hdr(dns.TypeA), A: s.opt.Sinkhole4.AsSlice()}}
		return m
	case d.Action == BlockNXDomain && q.qtype == dns.TypeAAAA && s.opt.Sinkhole6.IsValid():
		m.Rcode = dns.RcodeSuccess
		m.Answer = []dns.RR{&dns.AAAA{Hdr: hdr(dns.TypeAAAA), AAAA: s.opt.Sinkhole6.AsSlice()}}
		return m
	case d.Action == BlockNoData, s.opt.Sinkhole4.IsValid() || s.opt.Sinkhole6.IsValid():
		m.Rcode = dns.RcodeSuccess
	}
	soaName := dns.Fqdn(d.Trigger)
	if d.Trigger == "" {
		soaName = name
	}
	m.Ns = []dns.RR{&dns.SOA{Hdr: dns.RR_Header{Name: soaName, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: s.opt.BlockTTL},
		Ns: "vigie-dns.invalid.", Mbox: "blocked.vigie-dns.invalid.", Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: s.opt.BlockTTL}}
	return m
}

// localAnswer answers from RPZ local data: the records of the asked type
// (or a CNAME, followed once through the upstreams), NODATA otherwise.
func (s *Server) localAnswer(q *query, req []byte, tr transport, d Decision) []byte {
	m := s.reply(q, dns.RcodeSuccess, edeOpt(dns.ExtendedErrorCodeFiltered, d.Reason()))
	name := dns.Fqdn(string(q.lower()))
	var cname string
	for _, rr := range d.Local {
		h := rr.Header()
		if h.Rrtype != q.qtype && h.Rrtype != dns.TypeCNAME && q.qtype != dns.TypeANY {
			continue
		}
		c := dns.Copy(rr)
		c.Header().Name = name
		if cn, ok := c.(*dns.CNAME); ok {
			if q.qtype == dns.TypeCNAME {
				m.Answer = append(m.Answer, c)
				continue
			}
			m.Answer = []dns.RR{c}
			cname = cn.Target
			break
		}
		m.Answer = append(m.Answer, c)
	}
	if cname != "" {
		m.Answer = append(m.Answer, s.lookUp(cname, q)...)
	}
	return s.pack(m, q, req, tr)
}

// lookUp asks the upstreams for the records of name, of q's type, with
// q's EDNS and DNSSEC bits (the target of a local CNAME).
func (s *Server) lookUp(name string, q *query) []dns.RR {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), q.qtype)
	if q.hasOPT {
		m.SetEdns0(ednsSize, q.do)
	}
	m.CheckingDisabled = q.cd
	b, err := m.Pack()
	if err != nil {
		return nil
	}
	p := getPending()
	defer releasePending(p)
	if parseQuery(b, &p.q) != nil {
		return nil
	}
	p.x.deadline = time.Now().Add(s.opt.ResolveTimeout)
	p.x.msg, p.x.qEnd = appendUpstreamQuery(p.x.msg[:0], &p.q)
	if s.exchange(context.Background(), p) != nil {
		return nil
	}
	r := new(dns.Msg)
	if r.Unpack(p.built) != nil {
		return nil
	}
	return r.Answer
}

// blockCache keeps the packed answers of blocked names; it is replaced
// with the policy.
type blockCache struct {
	mu sync.RWMutex
	m  map[string]wireAnswer
}

const blockCacheMax = 50_000

func newBlockCache() *blockCache { return &blockCache{m: map[string]wireAnswer{}} }

func (c *blockCache) get(key []byte) (wireAnswer, bool) {
	c.mu.RLock()
	w, ok := c.m[string(key)]
	c.mu.RUnlock()
	return w, ok
}

func (c *blockCache) put(key []byte, w wireAnswer) {
	c.mu.Lock()
	if len(c.m) >= blockCacheMax {
		clear(c.m)
	}
	c.m[string(key)] = w
	c.mu.Unlock()
}

// Check tells what the policy in force does with name (for `vigie dns
// check` and the block page).
func (s *Server) Check(name string) Decision {
	return s.Policy().Lookup(strings.TrimSuffix(name, "."))
}
