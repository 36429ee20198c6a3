package pdns

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/lookalike"
)

// Action is what the resolver does with a query.
type Action uint8

const (
	// Pass: no rule applies; the name is resolved normally.
	Pass Action = iota
	// Allow: a rule says resolve normally (an owner's real domain, an RPZ
	// PASSTHRU); no later rule is consulted.
	Allow
	// BlockNXDomain answers "no such name" (or the sinkhole address).
	BlockNXDomain
	// BlockNoData answers "the name exists but has no such record".
	BlockNoData
	// Drop sends no answer at all (RPZ "rpz-drop.").
	Drop
	// LocalData answers with records given by the policy (RPZ local data).
	LocalData
)

func (a Action) String() string {
	switch a {
	case Pass:
		return "pass"
	case Allow:
		return "allow"
	case BlockNXDomain:
		return "nxdomain"
	case BlockNoData:
		return "nodata"
	case Drop:
		return "drop"
	case LocalData:
		return "local-data"
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

// Blocked reports whether the action keeps the client from the real answer.
func (a Action) Blocked() bool { return a >= BlockNXDomain }

// Source kinds, in the order they are consulted at equal specificity.
const (
	KindAllow     = "allow"
	KindRPZ       = "rpz"
	KindIndicator = "indicator"
	KindList      = "blocklist"
	KindLookalike = "look-alike"
)

// Decision is the policy's answer for one name.
type Decision struct {
	Action Action `json:"action"`
	// Kind is the source kind (KindRPZ, ...); Source names it ("rpz.zone",
	// "hub", "lists/phishing.txt").
	Kind   string `json:"kind,omitempty"`
	Source string `json:"source,omitempty"`
	// Trigger is the listed name that fired: "bad.example" for a query of
	// www.bad.example.
	Trigger string `json:"trigger,omitempty"`
	// Line is the trigger's line in its file (0 when not from a file).
	Line int `json:"line,omitempty"`
	// Indicator is the indicator that fired (KindIndicator).
	Indicator *indicator.Indicator `json:"-"`
	// Lookalike is the look-alike match (KindLookalike).
	Lookalike *lookalike.Match `json:"lookalike,omitempty"`
	// Local holds the records of a LocalData action.
	Local []dns.RR `json:"-"`
}

// Reason is the decision in a sentence for people; it is also the text of
// the Extended DNS Error of a blocked answer.
func (d Decision) Reason() string {
	switch d.Kind {
	case KindIndicator:
		s := "listed as malicious by " + orDefault(d.Source, "an indicator feed")
		if d.Indicator != nil && d.Indicator.Description != "" {
			s += ": " + d.Indicator.Description
		}
		return s
	case KindLookalike:
		if d.Lookalike != nil {
			return "imitates " + d.Lookalike.Protected + " (" + d.Lookalike.Technique + "): " + d.Lookalike.Detail
		}
		return "imitates a protected domain"
	case KindRPZ:
		return fmt.Sprintf("response policy zone %s, trigger %s (line %d)", d.Source, d.Trigger, d.Line)
	case KindList:
		return fmt.Sprintf("block list %s, entry %s (line %d)", d.Source, d.Trigger, d.Line)
	case KindAllow:
		return d.Trigger + " belongs to " + d.Source + ", always allowed"
	}
	return ""
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// entry is one trigger name in the policy map. self applies to the name
// itself, below to its strict sub-domains. It holds no pointer, so that a
// million of them cost the garbage collector nothing to scan.
type entry struct {
	selfSrc, belowSrc uint16 // index+1 into Policy.sources; 0: none
	selfAct, belowAct Action
	selfRef, belowRef uint32 // line number, indicator index or local-data index
}

// source is one list the policy was built from.
type source struct {
	kind, name string
}

// Policy is an immutable set of rules. Build one with a Builder; it is
// safe for concurrent use, and replaced as a whole when lists change.
type Policy struct {
	allow      map[string]string // owner domain → owner name (name and sub-domains)
	names      map[string]entry
	sources    []source
	indicators []*indicator.Indicator
	local      [][]dns.RR
	detector   *lookalike.Detector
	looks      *lookCache
	counts     map[string]int // triggers per source name
}

// Lookup returns the decision for a query name (any case, with or without
// the final dot). It does not allocate for names without a rule.
func (p *Policy) Lookup(name string) Decision {
	name = strings.TrimSuffix(name, ".")
	if name == "" {
		return Decision{}
	}
	var low [256]byte
	if len(name) > len(low) {
		return Decision{}
	}
	n := copy(low[:], name)
	for i := 0; i < n; i++ {
		if c := low[i]; 'A' <= c && c <= 'Z' {
			low[i] = c + 'a' - 'A'
		}
	}
	return p.lookup(low[:n])
}

// lookup takes a lower-case name without the final dot.
func (p *Policy) lookup(name []byte) Decision {
	if len(p.allow) > 0 {
		for i := 0; ; {
			if owner, ok := p.allow[string(name[i:])]; ok {
				return Decision{Action: Allow, Kind: KindAllow, Source: owner, Trigger: string(name[i:])}
			}
			j := indexByte(name[i:], '.')
			if j < 0 {
				break
			}
			i += j + 1
		}
	}
	for i := 0; ; {
		if e, ok := p.names[string(name[i:])]; ok {
			if i == 0 && e.selfSrc != 0 {
				return p.decision(string(name), e.selfSrc, e.selfAct, e.selfRef)
			}
			if i > 0 && e.belowSrc != 0 {
				return p.decision(string(name[i:]), e.belowSrc, e.belowAct, e.belowRef)
			}
		}
		j := indexByte(name[i:], '.')
		if j < 0 {
			break
		}
		i += j + 1
	}
	if p.detector != nil {
		if m, ok := p.looks.check(p.detector, name); ok {
			return Decision{Action: BlockNXDomain, Kind: KindLookalike, Source: "look-alike detector", Trigger: m.Host, Lookalike: m}
		}
	}
	return Decision{}
}

func (p *Policy) decision(trigger string, src uint16, act Action, ref uint32) Decision {
	s := p.sources[src-1]
	d := Decision{Action: act, Kind: s.kind, Source: s.name, Trigger: trigger}
	switch {
	case s.kind == KindIndicator:
		d.Indicator = p.indicators[ref]
	case act == LocalData:
		d.Local = p.local[ref]
	default:
		d.Line = int(ref)
	}
	return d
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// Stats tells what a policy holds.
type Stats struct {
	Names      int            `json:"names"`       // trigger names
	Allowed    int            `json:"allowed"`     // always-allowed owner domains
	Lookalikes bool           `json:"look_alikes"` // the look-alike check is on
	BySource   map[string]int `json:"by_source"`
}

// Stats counts the policy's rules.
func (p *Policy) Stats() Stats {
	by := make(map[string]int, len(p.counts))
	for k, v := range p.counts {
		by[k] = v
	}
	return Stats{Names: len(p.names), Allowed: len(p.allow), Lookalikes: p.detector != nil, BySource: by}
}

// Builder collects rules for a Policy. Add sources in any order; the kinds
// keep their documented precedence.
type Builder struct {
	p    *Policy
	srcs map[string]uint16
}

// NewBuilder starts an empty policy. sizeHint is the expected number of
// trigger names (0 if unknown), to size the map once.
func NewBuilder(sizeHint int) *Builder {
	return &Builder{
		p:    &Policy{names: make(map[string]entry, sizeHint), allow: map[string]string{}, counts: map[string]int{}, looks: newLookCache()},
		srcs: map[string]uint16{},
	}
}

// Policy returns the built policy. The builder must not be used after.
func (b *Builder) Policy() *Policy { return b.p }

func (b *Builder) source(kind, name string) (uint16, error) {
	k := kind + "\x00" + name
	if id, ok := b.srcs[k]; ok {
		return id, nil
	}
	if len(b.p.sources) >= 1<<16-1 {
		return 0, fmt.Errorf("more than %d policy sources", 1<<16-1)
	}
	b.p.sources = append(b.p.sources, source{kind: kind, name: name})
	id := uint16(len(b.p.sources))
	b.srcs[k] = id
	return id, nil
}

// kindRank orders source kinds at equal specificity (lower wins).
func kindRank(k string) int {
	switch k {
	case KindRPZ:
		return 1
	case KindIndicator:
		return 2
	case KindList:
		return 3
	}
	return 4
}

// add records a trigger; self and below say what it covers. An existing
// trigger of a higher-ranked kind, or of the same kind added earlier, is
// kept (the first RPZ in command-line order wins, as in BIND).
func (b *Builder) add(name string, src uint16, act Action, ref uint32, self, below bool) {
	e := b.p.names[name]
	rank := kindRank(b.p.sources[src-1].kind)
	keep := func(cur uint16) bool {
		return cur != 0 && kindRank(b.p.sources[cur-1].kind) <= rank
	}
	if self && !keep(e.selfSrc) {
		e.selfSrc, e.selfAct, e.selfRef = src, act, ref
	}
	if below && !keep(e.belowSrc) {
		e.belowSrc, e.belowAct, e.belowRef = src, act, ref
	}
	b.p.names[name] = e
	b.p.counts[b.p.sources[src-1].name]++
}

// AllowOwners makes every domain of the owners (and their sub-domains)
// always resolve, and turns the look-alike check on for them.
func (b *Builder) AllowOwners(owners []lookalike.Owner) error {
	if len(owners) == 0 {
		return nil
	}
	d, err := lookalike.New(owners)
	if err != nil {
		return err
	}
	for _, o := range owners {
		for _, dom := range o.Domains {
			n, err := normalizeName(dom)
			if err != nil {
				return fmt.Errorf("protected domain %q: %w", dom, err)
			}
			b.p.allow[n] = o.Name
		}
	}
	b.p.detector = d
	return nil
}

// AddIndicators blocks the domain indicators in force at now, with their
// sub-domains. Other types are ignored: an IP or a URL is not a name to
// refuse (blocking a URL's host would block every page of a shared site).
// It returns the number of names added.
func (b *Builder) AddIndicators(sourceName string, inds []*indicator.Indicator, now time.Time) (int, error) {
	src, err := b.source(KindIndicator, sourceName)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ind := range inds {
		if ind == nil || ind.Type != indicator.Domain || ind.Informational || !ind.ValidAt(now) {
			continue
		}
		name, err := normalizeName(ind.Value)
		if err != nil {
			continue // indicator values are normalised by their reader; a stray one cannot match a query either
		}
		b.p.indicators = append(b.p.indicators, ind)
		b.add(name, src, BlockNXDomain, uint32(len(b.p.indicators)-1), true, true)
		n++
	}
	return n, nil
}

// normalizeName lower-cases a name, drops the final dot and turns Unicode
// into punycode, checking the lengths DNS allows.
func normalizeName(s string) (string, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	if s == "" {
		return "", fmt.Errorf("empty name")
	}
	h := indicator.NormalizeHost(s)
	if len(h) > 253 {
		return "", fmt.Errorf("name longer than 253 characters")
	}
	label := 0
	for i := 0; i <= len(h); i++ {
		if i == len(h) || h[i] == '.' {
			if label == 0 {
				return "", fmt.Errorf("empty label in %q", s)
			}
			if label > 63 {
				return "", fmt.Errorf("label longer than 63 characters in %q", s)
			}
			label = 0
			continue
		}
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '*') {
			return "", fmt.Errorf("character %q not allowed in a host name %q", c, s)
		}
		label++
	}
	return h, nil
}

// lookCache remembers the look-alike verdict per name, so that the check
// costs one map look-up for a name asked again. It is bounded: when full it
// is cleared (names asked often come back at once).
type lookCache struct {
	mu sync.RWMutex
	m  map[string]*lookalike.Match // nil value: checked, not a look-alike
}

const lookCacheMax = 200_000

func newLookCache() *lookCache { return &lookCache{m: map[string]*lookalike.Match{}} }

func (c *lookCache) check(d *lookalike.Detector, name []byte) (*lookalike.Match, bool) {
	c.mu.RLock()
	m, ok := c.m[string(name)]
	c.mu.RUnlock()
	if ok {
		return m, m != nil
	}
	var res *lookalike.Match
	if lm, hit := d.Check(string(name)); hit {
		res = &lm
	}
	c.mu.Lock()
	if len(c.m) >= lookCacheMax {
		clear(c.m)
	}
	c.m[string(name)] = res
	c.mu.Unlock()
	return res, res != nil
}
