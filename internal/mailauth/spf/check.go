package spf

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth"
)

// Result is an SPF result (RFC 7208 §2.6).
type Result string

// The SPF results.
const (
	None      Result = "none"
	Neutral   Result = "neutral"
	Pass      Result = "pass"
	Fail      Result = "fail"
	SoftFail  Result = "softfail"
	TempError Result = "temperror"
	PermError Result = "permerror"
)

// Limits of RFC 7208 §4.6.4.
const (
	DefaultMaxLookups = 10
	DefaultMaxVoid    = 2
	maxMXorPTR        = 10
	maxDepth          = 20
)

// Options configure an evaluation.
type Options struct {
	// Resolver answers the DNS queries; nil means the system DNS.
	Resolver mailauth.Resolver
	// MaxLookups is the DNS-querying term limit (default 10).
	MaxLookups int
	// MaxVoidLookups is the void lookup limit (default 2).
	MaxVoidLookups int
	// Receiver is %{r}, the receiving host (default "unknown").
	Receiver string
	// Now is %{t} (default time.Now()).
	Now time.Time
}

// Report is the outcome of Check.
type Report struct {
	Result Result `json:"result"`
	// Domain is the domain whose record was evaluated first.
	Domain string `json:"domain"`
	// Identity is "mailfrom" or "helo".
	Identity string `json:"identity"`
	// Mechanism is the term that matched, with the domain whose record
	// held it ("-all in example.org").
	Mechanism string `json:"mechanism,omitempty"`
	// Explanation is the exp= text on fail.
	Explanation string `json:"explanation,omitempty"`
	// Detail says why on none, temperror and permerror.
	Detail      string `json:"detail,omitempty"`
	Record      string `json:"record,omitempty"`
	Lookups     int    `json:"lookups"`
	VoidLookups int    `json:"void_lookups"`
}

type spfError struct {
	res Result
	msg string
}

func (e *spfError) Error() string { return e.msg }

func perm(format string, a ...any) error {
	return &spfError{PermError, fmt.Sprintf(format, a...)}
}
func temp(format string, a ...any) error {
	return &spfError{TempError, fmt.Sprintf(format, a...)}
}

type checker struct {
	ctx      context.Context
	opts     Options
	ip       net.IP
	sender   string
	helo     string
	lookups  int
	void     int
	matched  string
	topRec   string
	expl     string
	expWant  bool
	depth    int
	validPTR string
}

// Check evaluates SPF for an SMTP transaction: the MAIL FROM identity,
// or postmaster@HELO when MAIL FROM is empty (§2.4).
func Check(ctx context.Context, ip net.IP, helo, mailFrom string, opts Options) Report {
	identity := "mailfrom"
	sender := mailFrom
	if sender == "" || sender == "<>" {
		identity = "helo"
		sender = "postmaster@" + helo
	}
	if !strings.Contains(sender, "@") {
		sender = "postmaster@" + sender
	}
	domain := sender[strings.LastIndexByte(sender, '@')+1:]
	r := CheckHost(ctx, ip, domain, sender, helo, opts)
	r.Identity = identity
	return r
}

// CheckHost is RFC 7208's check_host(ip, domain, sender).
func CheckHost(ctx context.Context, ip net.IP, domain, sender, helo string, opts Options) Report {
	if opts.Resolver == nil {
		opts.Resolver = mailauth.NewDNSResolver("", 0)
	}
	if opts.MaxLookups == 0 {
		opts.MaxLookups = DefaultMaxLookups
	}
	if opts.MaxVoidLookups == 0 {
		opts.MaxVoidLookups = DefaultMaxVoid
	}
	if opts.Receiver == "" {
		opts.Receiver = "unknown"
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if v4 := ip.To4(); v4 != nil {
		ip = v4
	}
	c := &checker{ctx: ctx, opts: opts, ip: ip, sender: sender, helo: helo, expWant: true}
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	rep := Report{Domain: domain}
	res, err := c.checkHost(domain, true)
	rep.Result = res
	if err != nil {
		rep.Detail = err.Error()
	}
	rep.Mechanism = c.matched
	rep.Record = c.topRec
	rep.Lookups, rep.VoidLookups = c.lookups, c.void
	if res == Fail {
		rep.Explanation = c.expl
	}
	return rep
}

// validDomain checks the shape required before any lookup (§4.3).
func validDomain(d string) bool {
	if len(d) == 0 || len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, l := range strings.Split(d, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
	}
	return true
}

func (c *checker) countLookup() error {
	c.lookups++
	if c.lookups > c.opts.MaxLookups {
		return perm("more than %d DNS-querying terms (RFC 7208 §4.6.4)", c.opts.MaxLookups)
	}
	return nil
}

// dnsErr classifies a lookup error: void lookups are counted, temporary
// errors become temperror.
func (c *checker) dnsErr(err error) error {
	if mailauth.IsNotFound(err) {
		c.void++
		if c.void > c.opts.MaxVoidLookups {
			return perm("more than %d void DNS lookups (RFC 7208 §4.6.4)", c.opts.MaxVoidLookups)
		}
		return nil
	}
	return temp("%v", err)
}

func (c *checker) fetch(domain string) (*Record, string, Result, error) {
	recs, err := c.opts.Resolver.LookupTXT(c.ctx, domain)
	if err != nil {
		if mailauth.IsNotFound(err) {
			return nil, "", None, fmt.Errorf("no SPF record at %s", domain)
		}
		return nil, "", TempError, fmt.Errorf("TXT %s: %v", domain, err)
	}
	var spfs []string
	for _, r := range recs {
		if IsSPF(r) {
			spfs = append(spfs, r)
		}
	}
	switch len(spfs) {
	case 0:
		return nil, "", None, fmt.Errorf("no SPF record at %s", domain)
	case 1:
	default:
		return nil, "", PermError, fmt.Errorf("%d SPF records at %s (RFC 7208 §4.5)", len(spfs), domain)
	}
	rec, err := ParseRecord(spfs[0])
	if err != nil {
		return nil, spfs[0], PermError, fmt.Errorf("%s: %v", domain, err)
	}
	return rec, spfs[0], "", nil
}

func (c *checker) checkHost(domain string, top bool) (Result, error) {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > maxDepth {
		return PermError, perm("include/redirect nesting deeper than %d", maxDepth)
	}
	if !validDomain(domain) {
		return None, fmt.Errorf("%q is not a valid multi-label domain", truncate(domain, 80))
	}
	rec, raw, res, err := c.fetch(domain)
	if top {
		c.topRec = raw
	}
	if err != nil {
		return res, err
	}
	for _, m := range rec.Mechanisms {
		match, err := c.match(m, domain)
		if err != nil {
			if e, ok := err.(*spfError); ok {
				return e.res, err
			}
			return PermError, err
		}
		if match {
			c.matched = m.String() + " in " + domain
			res := qualResult(m.Qualifier)
			if res == Fail && rec.Exp != "" && c.expWant {
				c.explain(rec.Exp, domain)
			}
			return res, nil
		}
	}
	if rec.Redirect != "" {
		if err := c.countLookup(); err != nil {
			return PermError, err
		}
		target, err := c.expand(rec.Redirect, domain, false)
		if err != nil {
			return PermError, err
		}
		res, err := c.checkHost(target, false)
		if res == None {
			return PermError, fmt.Errorf("redirect=%s: %v", target, err)
		}
		return res, err
	}
	c.matched = "default (no mechanism matched) in " + domain
	return Neutral, nil
}

func qualResult(q Qualifier) Result {
	switch q {
	case QFail:
		return Fail
	case QSoftFail:
		return SoftFail
	case QNeutral:
		return Neutral
	}
	return Pass
}

func (c *checker) target(m Mechanism, domain string) (string, error) {
	if m.Domain == "" {
		return domain, nil
	}
	return c.expand(m.Domain, domain, false)
}

func (c *checker) match(m Mechanism, domain string) (bool, error) {
	switch m.Kind {
	case "all":
		return true, nil
	case "ip4", "ip6":
		return m.IP.Contains(c.ip), nil
	case "include":
		if err := c.countLookup(); err != nil {
			return false, err
		}
		t, err := c.target(m, domain)
		if err != nil {
			return false, err
		}
		saved := c.expWant
		c.expWant = false
		res, err := c.checkHost(t, false)
		c.expWant = saved
		switch res {
		case Pass:
			return true, nil
		case Fail, SoftFail, Neutral:
			return false, nil
		case TempError:
			return false, temp("include:%s: %v", t, err)
		default:
			return false, perm("include:%s: %s: %v", t, res, err)
		}
	case "a":
		if err := c.countLookup(); err != nil {
			return false, err
		}
		t, err := c.target(m, domain)
		if err != nil {
			return false, err
		}
		return c.matchHost(t, m)
	case "mx":
		if err := c.countLookup(); err != nil {
			return false, err
		}
		t, err := c.target(m, domain)
		if err != nil {
			return false, err
		}
		mxs, err := c.opts.Resolver.LookupMX(c.ctx, t)
		if err != nil {
			return false, c.dnsErr(err)
		}
		if len(mxs) > maxMXorPTR {
			return false, perm("mx:%s has %d MX records, more than %d", t, len(mxs), maxMXorPTR)
		}
		for _, mx := range mxs {
			ok, err := c.matchHost(strings.TrimSuffix(mx, "."), m)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case "ptr":
		if err := c.countLookup(); err != nil {
			return false, err
		}
		t, err := c.target(m, domain)
		if err != nil {
			return false, err
		}
		for _, n := range c.validatedNames() {
			n = strings.ToLower(strings.TrimSuffix(n, "."))
			if n == t || strings.HasSuffix(n, "."+t) {
				return true, nil
			}
		}
		return false, nil
	case "exists":
		if err := c.countLookup(); err != nil {
			return false, err
		}
		t, err := c.target(m, domain)
		if err != nil {
			return false, err
		}
		ips, err := c.opts.Resolver.LookupIP(c.ctx, "ip4", t)
		if err != nil {
			return false, c.dnsErr(err)
		}
		return len(ips) > 0, nil
	}
	return false, perm("unknown mechanism %s", m.Kind)
}

func (c *checker) matchHost(host string, m Mechanism) (bool, error) {
	network, bits, plen := "ip4", 32, m.CIDR4
	if c.ip.To4() == nil {
		network, bits, plen = "ip6", 128, m.CIDR6
	}
	ips, err := c.opts.Resolver.LookupIP(c.ctx, network, host)
	if err != nil {
		return false, c.dnsErr(err)
	}
	mask := net.CIDRMask(plen, bits)
	for _, ip := range ips {
		if network == "ip4" {
			ip = ip.To4()
		}
		if ip != nil && ip.Mask(mask).Equal(c.ip.Mask(mask)) {
			return true, nil
		}
	}
	return false, nil
}

// validatedNames returns the PTR names of the client IP whose forward
// lookup contains the IP (§5.5), at most 10 of them.
func (c *checker) validatedNames() []string {
	names, err := c.opts.Resolver.LookupAddr(c.ctx, c.ip.String())
	if err != nil {
		return nil
	}
	if len(names) > maxMXorPTR {
		names = names[:maxMXorPTR]
	}
	var out []string
	network := "ip4"
	if c.ip.To4() == nil {
		network = "ip6"
	}
	for _, n := range names {
		ips, err := c.opts.Resolver.LookupIP(c.ctx, network, strings.TrimSuffix(n, "."))
		if err != nil {
			continue
		}
		for _, ip := range ips {
			if ip.Equal(c.ip) {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

func (c *checker) explain(spec, domain string) {
	name, err := c.expand(spec, domain, false)
	if err != nil {
		return
	}
	recs, err := c.opts.Resolver.LookupTXT(c.ctx, name)
	if err != nil || len(recs) != 1 {
		return
	}
	text, err := c.expand(recs[0], domain, true)
	if err != nil {
		return
	}
	c.expl = text
}

// expand performs macro expansion (§7). exp enables the c, r, t
// letters allowed only in explanation strings.
func (c *checker) expand(s, domain string, exp bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch != '%' {
			b.WriteByte(ch)
			continue
		}
		if i+1 >= len(s) {
			return "", perm("'%%' at end of %q", truncate(s, 60))
		}
		switch s[i+1] {
		case '%':
			b.WriteByte('%')
			i++
			continue
		case '_':
			b.WriteByte(' ')
			i++
			continue
		case '-':
			b.WriteString("%20")
			i++
			continue
		case '{':
		default:
			return "", perm("invalid macro escape in %q", truncate(s, 60))
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", perm("unterminated macro in %q", truncate(s, 60))
		}
		m, err := parseMacro(s[i+2 : i+end])
		if err != nil {
			return "", perm("%v", err)
		}
		i += end
		if !exp && strings.IndexByte("crt", m.letter) >= 0 {
			return "", perm("macro %%{%c} is only allowed in exp= text", m.letter)
		}
		v := c.macroValue(m.letter, domain)
		v = transform(v, m)
		if m.upper {
			v = escapeUnreserved(v)
		}
		b.WriteString(v)
		if b.Len() > 8192 {
			return "", perm("macro expansion too long")
		}
	}
	out := b.String()
	if !exp {
		// §7.3: a domain name longer than 253 characters loses labels on
		// the left until it fits.
		for len(out) > 253 {
			i := strings.IndexByte(out, '.')
			if i < 0 {
				break
			}
			out = out[i+1:]
		}
		out = strings.ToLower(strings.TrimSuffix(out, "."))
	}
	return out, nil
}

func (c *checker) macroValue(l byte, domain string) string {
	local, sdom := "postmaster", c.sender
	if at := strings.LastIndexByte(c.sender, '@'); at >= 0 {
		local, sdom = c.sender[:at], c.sender[at+1:]
		if local == "" {
			local = "postmaster"
		}
	}
	switch l {
	case 's':
		return c.sender
	case 'l':
		return local
	case 'o':
		return sdom
	case 'd':
		return domain
	case 'i':
		if v4 := c.ip.To4(); v4 != nil {
			return v4.String()
		}
		var parts []string
		for _, b := range c.ip.To16() {
			parts = append(parts, strconv.FormatUint(uint64(b>>4), 16), strconv.FormatUint(uint64(b&15), 16))
		}
		return strings.Join(parts, ".")
	case 'p':
		// §7.3: discouraged; validated name, preferring the domain itself.
		if c.validPTR == "" {
			c.validPTR = "unknown"
			if c.lookups < c.opts.MaxLookups {
				names := c.validatedNames()
				for _, n := range names {
					n = strings.ToLower(strings.TrimSuffix(n, "."))
					if n == domain || strings.HasSuffix(n, "."+domain) {
						c.validPTR = n
						break
					}
				}
				if c.validPTR == "unknown" && len(names) > 0 {
					c.validPTR = strings.TrimSuffix(names[0], ".")
				}
			}
		}
		return c.validPTR
	case 'v':
		if c.ip.To4() != nil {
			return "in-addr"
		}
		return "ip6"
	case 'h':
		return c.helo
	case 'c':
		return c.ip.String()
	case 'r':
		return c.opts.Receiver
	case 't':
		return strconv.FormatInt(c.opts.Now.Unix(), 10)
	}
	return ""
}

func transform(v string, m macro) string {
	if m.digits == 0 && !m.reverse && m.delims == "" {
		return v
	}
	delims := m.delims
	if delims == "" {
		delims = "."
	}
	parts := strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(delims, r) })
	if m.reverse {
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
	}
	if m.digits > 0 && m.digits < len(parts) {
		parts = parts[len(parts)-m.digits:]
	}
	return strings.Join(parts, ".")
}

// escapeUnreserved percent-encodes every byte outside RFC 3986's
// unreserved set, as upper-case macro letters require (RFC 7208 §7.3).
func escapeUnreserved(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
