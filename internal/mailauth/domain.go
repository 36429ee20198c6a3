package mailauth

import (
	"net/mail"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
)

// OrgDomain returns the organisational domain of name (RFC 7489 §3.2):
// the public suffix plus one label, from the public suffix list compiled
// into golang.org/x/net/publicsuffix. A name that is itself a public
// suffix (or not a valid name) is returned unchanged.
func OrgDomain(name string) string {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	od, err := publicsuffix.EffectiveTLDPlusOne(name)
	if err != nil {
		return name
	}
	return od
}

// Aligned reports whether two domains align under DMARC rules: strict
// means identical, relaxed means the same organisational domain.
func Aligned(a, b string, strict bool) bool {
	a = strings.ToLower(strings.TrimSuffix(a, "."))
	b = strings.ToLower(strings.TrimSuffix(b, "."))
	if a == "" || b == "" {
		return false
	}
	if strict {
		return a == b
	}
	return a == b || OrgDomain(a) == OrgDomain(b)
}

// AddressDomains returns the lower-case domains of the addresses in a
// header value such as From. It falls back to a plain "@domain" scan
// when the value is not a valid RFC 5322 address list (spoofed From
// fields often are not).
func AddressDomains(value string) []string {
	var out []string
	if list, err := mail.ParseAddressList(value); err == nil {
		for _, a := range list {
			if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
				out = append(out, strings.ToLower(a.Address[i+1:]))
			}
		}
		return out
	}
	v := value
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		v = v[i+1:]
		if j := strings.IndexByte(v, '>'); j >= 0 {
			v = v[:j]
		}
	}
	if i := strings.LastIndexByte(v, '@'); i >= 0 {
		d := strings.TrimSpace(v[i+1:])
		d = strings.TrimRight(d, "> \t\r\n;,")
		if d != "" {
			out = append(out, strings.ToLower(d))
		}
	}
	return out
}

// ParseDate parses an RFC 5322 Date header value; the zero time if it
// cannot be parsed.
func ParseDate(v string) time.Time {
	t, err := mail.ParseDate(strings.TrimSpace(v))
	if err != nil {
		return time.Time{}
	}
	return t
}

// TimedResolver is implemented by resolvers whose answers depend on a
// point in time (an Archive with validity periods, a Chain holding one).
type TimedResolver interface {
	ResolverAt(t time.Time) KeyResolver
}

// ResolverAt implements TimedResolver.
func (a *Archive) ResolverAt(t time.Time) KeyResolver { return a.AtTime(t) }

// ResolverAt implements TimedResolver: each member that is timed is
// replaced by its view at t.
func (c Chain) ResolverAt(t time.Time) KeyResolver {
	out := make(Chain, len(c))
	for i, r := range c {
		if tr, ok := r.(TimedResolver); ok {
			out[i] = tr.ResolverAt(t)
		} else {
			out[i] = r
		}
	}
	return out
}
