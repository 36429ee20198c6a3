package indicator

import (
	"encoding/hex"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync/atomic"
	"time"
)

// Matcher answers, for one loaded set of indicators, whether an observed
// value is an indicator. It is built once and is safe for concurrent use.
//
// Lookups do not allocate for hashes, domains and IP addresses: hashes are
// keyed by their raw digest, domains by their normalised name (a lookup
// walks the observed name's parent domains, so "mail.evil.com" matches the
// indicator "evil.com"), and IP addresses by address, with one map per
// prefix length in use for CIDR blocks.
type Matcher struct {
	// live, on a matcher made by NewLive, holds the set in force: every
	// method works on it (see Swap).
	live *atomic.Pointer[Matcher]

	inds []Indicator // the caller's slice, shared, read-only
	n    int         // how many of inds the sets hold

	md5    map[[16]byte]int32
	sha1   map[[20]byte]int32
	sha256 map[[32]byte]int32
	sha512 map[[64]byte]int32

	domains map[string]int32
	urls    map[string]int32
	emails  map[string]int32
	names   map[string]int32 // lower-cased file names

	addrs    map[netip.Addr]int32
	prefixes []prefixSet // by decreasing prefix length (most specific first)

	paths []pathPattern
	rules []int32 // YARA indicators, for the rule engine
}

type prefixSet struct {
	bits int
	is4  bool
	m    map[netip.Addr]int32 // masked address → indicator
}

type pathPattern struct {
	re      *regexp.Regexp
	exclude *regexp.Regexp // nil when none
	literal string         // lower-case literal every match must contain ("" if none)
	idx     int32
}

// MatcherOptions choose what a Matcher keeps.
type MatcherOptions struct {
	// At, when not zero, drops indicators not valid at that time.
	At time.Time
	// IncludeInformational keeps indicators marked Informational.
	IncludeInformational bool
}

// NewMatcher builds match sets over inds. Values must be normalised (as
// every reader and Normalize make them); a value that does not parse for its
// type is left out. The matcher refers to inds without copying it: the
// caller must not modify the slice afterwards.
func NewMatcher(inds []Indicator, opts MatcherOptions) *Matcher {
	m := &Matcher{
		md5: map[[16]byte]int32{}, sha1: map[[20]byte]int32{}, sha256: map[[32]byte]int32{}, sha512: map[[64]byte]int32{},
		domains: map[string]int32{}, urls: map[string]int32{}, emails: map[string]int32{}, names: map[string]int32{},
		addrs: map[netip.Addr]int32{},
	}
	m.inds = inds
	prefixes := map[[2]int]int{} // (is4, bits) → index in m.prefixes
	for i := range inds {
		ind := &inds[i]
		if !opts.At.IsZero() && !ind.ValidAt(opts.At) {
			continue
		}
		if ind.Informational && !opts.IncludeInformational {
			continue
		}
		if m.add(ind, int32(i), prefixes) {
			m.n++
		}
	}
	// Most specific prefixes first, so a /32 inside a /8 wins.
	for i := 1; i < len(m.prefixes); i++ {
		for j := i; j > 0 && m.prefixes[j].bits > m.prefixes[j-1].bits; j-- {
			m.prefixes[j], m.prefixes[j-1] = m.prefixes[j-1], m.prefixes[j]
		}
	}
	return m
}

// NewLive returns a matcher that answers from the set in force, first m,
// replaced as a whole by Swap while it is in use: a long-running sensor
// gives it to the code that matches and swaps in the set built from the
// hub's newest indicators. Each lookup sees one complete set. (What callers
// decided from Has at the start — e.g. not to hash files — stays.)
func NewLive(m *Matcher) *Matcher {
	l := &Matcher{live: new(atomic.Pointer[Matcher])}
	l.live.Store(m)
	return l
}

// Swap puts next in force on a matcher made by NewLive (and does nothing
// on another).
func (m *Matcher) Swap(next *Matcher) {
	if m.live != nil && next != nil {
		m.live.Store(next.cur())
	}
}

// cur is the set in force.
func (m *Matcher) cur() *Matcher {
	if m.live != nil {
		return m.live.Load()
	}
	return m
}

func (m *Matcher) add(ind *Indicator, idx int32, prefixes map[[2]int]int) bool {
	v := ind.Value
	switch ind.Type {
	case MD5:
		return putDigest(m.md5, v, idx)
	case SHA1:
		return putDigest(m.sha1, v, idx)
	case SHA256:
		return putDigest(m.sha256, v, idx)
	case SHA512:
		return putDigest(m.sha512, v, idx)
	case Domain:
		putFirst(m.domains, v, idx)
	case URL:
		putFirst(m.urls, v, idx)
	case Email:
		putFirst(m.emails, v, idx)
	case Filename:
		putFirst(m.names, strings.ToLower(v), idx)
	case IPv4, IPv6:
		if !strings.Contains(v, "/") {
			a, err := netip.ParseAddr(v)
			if err != nil {
				return false
			}
			if _, ok := m.addrs[a]; !ok {
				m.addrs[a] = idx
			}
			return true
		}
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return false
		}
		p = p.Masked()
		is4 := 0
		if p.Addr().Is4() {
			is4 = 1
		}
		key := [2]int{is4, p.Bits()}
		k, ok := prefixes[key]
		if !ok {
			k = len(m.prefixes)
			prefixes[key] = k
			m.prefixes = append(m.prefixes, prefixSet{bits: p.Bits(), is4: is4 == 1, m: map[netip.Addr]int32{}})
		}
		if _, ok := m.prefixes[k].m[p.Addr()]; !ok {
			m.prefixes[k].m[p.Addr()] = idx
		}
	case PathRegex:
		re, err := regexp.Compile("(?i)" + v)
		if err != nil {
			return false
		}
		pp := pathPattern{re: re, literal: requiredLiteral(v), idx: idx}
		if ind.Exclude != "" {
			if pp.exclude, err = regexp.Compile("(?i)" + ind.Exclude); err != nil {
				return false
			}
		}
		m.paths = append(m.paths, pp)
	case YARA:
		m.rules = append(m.rules, idx)
	default:
		return false
	}
	return true
}

func putFirst(m map[string]int32, k string, idx int32) {
	if _, ok := m[k]; !ok {
		m[k] = idx
	}
}

func putDigest[K [16]byte | [20]byte | [32]byte | [64]byte](m map[K]int32, v string, idx int32) bool {
	var buf [64]byte
	n := len(v) / 2
	if len(v)%2 != 0 || n > len(buf) {
		return false
	}
	if _, err := hex.Decode(buf[:n], []byte(v)); err != nil {
		return false
	}
	var k K
	switch p := any(&k).(type) {
	case *[16]byte:
		if n != 16 {
			return false
		}
		*p = [16]byte(buf[:16])
	case *[20]byte:
		if n != 20 {
			return false
		}
		*p = [20]byte(buf[:20])
	case *[32]byte:
		if n != 32 {
			return false
		}
		*p = [32]byte(buf[:32])
	case *[64]byte:
		if n != 64 {
			return false
		}
		*p = [64]byte(buf[:64])
	}
	if _, ok := m[k]; !ok {
		m[k] = idx
	}
	return true
}

// Len is the number of indicators the matcher holds.
func (m *Matcher) Len() int { return m.cur().n }

// Has reports whether the matcher holds indicators of type t, so that
// callers skip work no indicator needs (hashing files when there are no
// hash indicators).
func (m *Matcher) Has(t Type) bool {
	m = m.cur()
	switch t {
	case MD5:
		return len(m.md5) > 0
	case SHA1:
		return len(m.sha1) > 0
	case SHA256:
		return len(m.sha256) > 0
	case SHA512:
		return len(m.sha512) > 0
	case Domain:
		return len(m.domains) > 0
	case URL:
		return len(m.urls) > 0
	case Email:
		return len(m.emails) > 0
	case Filename:
		return len(m.names) > 0
	case IPv4, IPv6:
		return len(m.addrs) > 0 || len(m.prefixes) > 0
	case PathRegex:
		return len(m.paths) > 0
	case YARA:
		return len(m.rules) > 0
	}
	return false
}

// Rules returns the YARA-rule indicators, for the rule engine to compile.
func (m *Matcher) Rules() []*Indicator {
	m = m.cur()
	out := make([]*Indicator, len(m.rules))
	for i, idx := range m.rules {
		out[i] = &m.inds[idx]
	}
	return out
}

// Digest looks up a raw digest; its length tells the hash type (16 MD5, 20
// SHA-1, 32 SHA-256, 64 SHA-512).
func (m *Matcher) Digest(d []byte) (*Indicator, bool) {
	m = m.cur()
	var idx int32
	var ok bool
	switch len(d) {
	case 16:
		idx, ok = m.md5[[16]byte(d)]
	case 20:
		idx, ok = m.sha1[[20]byte(d)]
	case 32:
		idx, ok = m.sha256[[32]byte(d)]
	case 64:
		idx, ok = m.sha512[[64]byte(d)]
	}
	return m.at(idx, ok)
}

// HashHex looks up a hash written in hex (any case).
func (m *Matcher) HashHex(s string) (*Indicator, bool) {
	m = m.cur()
	var buf [64]byte
	if len(s) > 128 || len(s)%2 != 0 {
		return nil, false
	}
	n, err := hex.Decode(buf[:], []byte(s))
	if err != nil {
		return nil, false
	}
	return m.Digest(buf[:n])
}

// Domain looks up a host name and its parent domains: "a.b.evil.com"
// matches an indicator "evil.com" or "b.evil.com". The name must be
// lower-case ASCII (punycode) without a trailing dot; NormalizeHost makes
// it so.
func (m *Matcher) Domain(name string) (*Indicator, bool) {
	m = m.cur()
	if len(m.domains) == 0 {
		return nil, false
	}
	for {
		if idx, ok := m.domains[name]; ok {
			return &m.inds[idx], true
		}
		dot := strings.IndexByte(name, '.')
		if dot < 0 {
			return nil, false
		}
		name = name[dot+1:]
	}
}

// NormalizeHost turns a host name as observed (any case, trailing dot,
// Unicode) into the form Domain expects. It allocates only when the name
// needs changing.
func NormalizeHost(name string) string {
	name = strings.TrimSuffix(name, ".")
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' || c >= 0x80 {
			if a, err := idnaProfile.ToASCII(name); err == nil {
				return strings.ToLower(a)
			}
			return strings.ToLower(name)
		}
	}
	return name
}

// IP looks up an address: an exact indicator first, then the most specific
// CIDR block that contains it.
func (m *Matcher) IP(a netip.Addr) (*Indicator, bool) {
	m = m.cur()
	a = a.Unmap()
	if idx, ok := m.addrs[a]; ok {
		return &m.inds[idx], true
	}
	for i := range m.prefixes {
		ps := &m.prefixes[i]
		if ps.is4 != a.Is4() {
			continue
		}
		p, err := a.Prefix(ps.bits)
		if err != nil {
			continue
		}
		if idx, ok := ps.m[p.Addr()]; ok {
			return &m.inds[idx], true
		}
	}
	return nil, false
}

// URL looks up a URL, normalised first; a URL indicator matches the exact
// normalised URL. (The URL's host is looked up with Domain separately by
// the caller when domain indicators should apply.)
func (m *Matcher) URL(u string) (*Indicator, bool) {
	m = m.cur()
	return m.lookupNormalized(m.urls, u, normalizeURL)
}

// Email looks up an e-mail address (any case).
func (m *Matcher) Email(addr string) (*Indicator, bool) {
	m = m.cur()
	return m.lookupNormalized(m.emails, addr, normalizeEmail)
}

// lookupNormalized looks v up as given (the common case: callers pass
// normalised values) and, failing that, in its normalised form.
func (m *Matcher) lookupNormalized(set map[string]int32, v string, normalize func(string) (string, error)) (*Indicator, bool) {
	if len(set) == 0 {
		return nil, false
	}
	if idx, ok := set[v]; ok {
		return &m.inds[idx], true
	}
	n, err := normalize(v)
	if err != nil {
		return nil, false
	}
	idx, ok := set[n]
	return m.at(idx, ok)
}

// Filename looks up a file's base name, case-insensitively.
func (m *Matcher) Filename(base string) (*Indicator, bool) {
	m = m.cur()
	if len(m.names) == 0 {
		return nil, false
	}
	idx, ok := m.names[strings.ToLower(base)]
	return m.at(idx, ok)
}

// Path returns the path-pattern indicators whose regular expression matches
// path (case-insensitively). Patterns are tried only when the path contains
// the literal text every match of the pattern must contain.
func (m *Matcher) Path(path string) []*Indicator {
	m = m.cur()
	if len(m.paths) == 0 {
		return nil
	}
	lower := strings.ToLower(path)
	var out []*Indicator
	for i := range m.paths {
		p := &m.paths[i]
		if p.literal != "" && !strings.Contains(lower, p.literal) {
			continue
		}
		if p.re.MatchString(path) && (p.exclude == nil || !p.exclude.MatchString(path)) {
			out = append(out, &m.inds[p.idx])
		}
	}
	return out
}

// Lookup matches an observed value of type t given as text, for callers
// that do not have a typed value at hand (the hub, tests, the CLI).
func (m *Matcher) Lookup(t Type, value string) (*Indicator, bool) {
	m = m.cur()
	switch t {
	case MD5, SHA1, SHA256, SHA512:
		return m.HashHex(strings.TrimSpace(value))
	case Domain:
		return m.Domain(NormalizeHost(value))
	case URL:
		return m.URL(value)
	case Email:
		return m.Email(value)
	case Filename:
		return m.Filename(value)
	case IPv4, IPv6:
		a, err := netip.ParseAddr(strings.TrimSpace(value))
		if err != nil {
			return nil, false
		}
		return m.IP(a)
	case PathRegex:
		if r := m.Path(value); len(r) > 0 {
			return r[0], true
		}
	}
	return nil, false
}

func (m *Matcher) at(idx int32, ok bool) (*Indicator, bool) {
	if !ok {
		return nil, false
	}
	return &m.inds[idx], true
}

// requiredLiteral returns a lower-cased literal that every match of the
// regular expression must contain, or "" if it cannot tell. It looks at the
// top-level concatenation only, which is what path patterns are made of
// (`\\Temp\\svchost\.exe`, `/tmp/\.ICE-unix/[a-z]+`).
func requiredLiteral(expr string) string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return ""
	}
	re = re.Simplify()
	best := ""
	consider := func(r *syntax.Regexp) {
		if r.Op == syntax.OpLiteral {
			s := strings.ToLower(string(r.Rune))
			if len(s) > len(best) {
				best = s
			}
		}
	}
	switch re.Op {
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			consider(sub)
		}
	case syntax.OpLiteral:
		consider(re)
	}
	return best
}
