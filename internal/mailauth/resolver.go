package mailauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// KeyResolver looks up DNS TXT records. DKIM keys, SPF, DMARC and ARC all
// go through it. An implementation returns an error wrapping ErrNotFound
// when the name has no TXT record (NXDOMAIN or NODATA: a permanent
// answer) and any other error for a temporary failure (timeout, SERVFAIL,
// unreachable server). Callers turn ErrNotFound into "none"/"permerror"
// and anything else into "temperror"; a DNS failure never aborts a check.
type KeyResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// SourceResolver is implemented by resolvers that can say where a record
// came from ("dns", "archive"). DKIM reports it so that a forensic
// verdict can say "key from the archive only".
type SourceResolver interface {
	LookupTXTSource(ctx context.Context, name string) (records []string, source string, err error)
}

// Resolver is the full set of lookups SPF needs (A/AAAA, MX, PTR) on top
// of TXT. DNSResolver implements it.
type Resolver interface {
	KeyResolver
	// LookupIP returns the addresses of host; network is "ip4" or "ip6".
	LookupIP(ctx context.Context, network, host string) ([]net.IP, error)
	// LookupMX returns the exchange host names of name, in preference order.
	LookupMX(ctx context.Context, name string) ([]string, error)
	// LookupAddr returns the PTR names of an address.
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// ErrNotFound marks a permanent "no such record" answer (NXDOMAIN or no
// record of the asked type).
var ErrNotFound = errors.New("no such DNS record")

// IsNotFound reports whether err is a permanent "no record" answer.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// LookupTXTSource asks r for name and returns where the answer came from:
// the resolver's own source when it implements SourceResolver, else "dns".
func LookupTXTSource(ctx context.Context, r KeyResolver, name string) ([]string, string, error) {
	if sr, ok := r.(SourceResolver); ok {
		return sr.LookupTXTSource(ctx, name)
	}
	recs, err := r.LookupTXT(ctx, name)
	return recs, "dns", err
}

// DNSResolver queries one configured DNS server (UDP, falling back to TCP
// on truncation) with a per-query timeout. The zero Server means the
// system's resolver configuration.
type DNSResolver struct {
	// Server is "host:port" or "host" (port 53). Empty: system resolver.
	Server string
	// Timeout bounds each lookup; default 5s.
	Timeout time.Duration
	r       *net.Resolver
}

// NewDNSResolver returns a resolver that sends every query to server
// ("" = the system's configured servers).
func NewDNSResolver(server string, timeout time.Duration) *DNSResolver {
	d := &DNSResolver{Server: server, Timeout: timeout}
	if d.Timeout <= 0 {
		d.Timeout = 5 * time.Second
	}
	if server != "" {
		addr := server
		if _, _, err := net.SplitHostPort(server); err != nil {
			addr = net.JoinHostPort(strings.Trim(server, "[]"), "53")
		}
		d.Server = addr
		d.r = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var dl net.Dialer
			return dl.DialContext(ctx, network, addr)
		}}
	} else {
		d.r = &net.Resolver{PreferGo: true}
	}
	return d
}

func (d *DNSResolver) resolver() *net.Resolver {
	if d.r == nil {
		*d = *NewDNSResolver(d.Server, d.Timeout)
	}
	return d.r
}

func (d *DNSResolver) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	t := d.Timeout
	if t <= 0 {
		t = 5 * time.Second
	}
	return context.WithTimeout(ctx, t)
}

// wrapDNS converts a net error into ErrNotFound or a temporary error.
func wrapDNS(kind, name string, err error) error {
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound {
		return fmt.Errorf("dns %s %s: %w", kind, name, ErrNotFound)
	}
	return fmt.Errorf("dns %s %s: temporary failure: %w", kind, name, err)
}

// fqdn makes name absolute so that no resolv.conf search domain is
// appended to it.
func fqdn(name string) string {
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}

// LookupTXT implements KeyResolver. The strings of a multi-string TXT
// record are concatenated.
func (d *DNSResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	ctx, cancel := d.ctx(ctx)
	defer cancel()
	recs, err := d.resolver().LookupTXT(ctx, fqdn(name))
	if err != nil {
		return nil, wrapDNS("TXT", name, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("dns TXT %s: %w", name, ErrNotFound)
	}
	return recs, nil
}

// LookupTXTSource implements SourceResolver.
func (d *DNSResolver) LookupTXTSource(ctx context.Context, name string) ([]string, string, error) {
	r, err := d.LookupTXT(ctx, name)
	return r, "dns", err
}

// LookupIP implements Resolver.
func (d *DNSResolver) LookupIP(ctx context.Context, network, host string) ([]net.IP, error) {
	ctx, cancel := d.ctx(ctx)
	defer cancel()
	ips, err := d.resolver().LookupIP(ctx, network, fqdn(host))
	if err != nil {
		return nil, wrapDNS(network, host, err)
	}
	return ips, nil
}

// LookupMX implements Resolver.
func (d *DNSResolver) LookupMX(ctx context.Context, name string) ([]string, error) {
	ctx, cancel := d.ctx(ctx)
	defer cancel()
	mxs, err := d.resolver().LookupMX(ctx, fqdn(name))
	if err != nil {
		return nil, wrapDNS("MX", name, err)
	}
	out := make([]string, 0, len(mxs))
	for _, mx := range mxs {
		out = append(out, mx.Host)
	}
	return out, nil
}

// LookupAddr implements Resolver.
func (d *DNSResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	ctx, cancel := d.ctx(ctx)
	defer cancel()
	names, err := d.resolver().LookupAddr(ctx, addr)
	if err != nil {
		return nil, wrapDNS("PTR", addr, err)
	}
	return names, nil
}

// SourcedRecord is a TXT record with the sources that returned it
// ("dns", "archive", or "dns+archive" when both hold the same value).
type SourcedRecord struct {
	Value  string
	Source string
}

// LookupTXTAll asks every member of the chain and merges the answers,
// so that a DKIM verifier can try every key ever published for a
// selector and report whether the one that verifies is still in DNS or
// only in the archive. It fails only when no member has a record: with a
// temporary error if any member failed temporarily.
func (c Chain) LookupTXTAll(ctx context.Context, name string) ([]SourcedRecord, error) {
	var out []SourcedRecord
	var tempErr error
	for _, r := range c {
		recs, src, err := LookupTXTSource(ctx, r, name)
		if err != nil {
			if !IsNotFound(err) && tempErr == nil {
				tempErr = err
			}
			continue
		}
	next:
		for _, v := range recs {
			for i := range out {
				if out[i].Value == v {
					if !strings.Contains(out[i].Source, src) {
						out[i].Source += "+" + src
					}
					continue next
				}
			}
			out = append(out, SourcedRecord{Value: v, Source: src})
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	if tempErr != nil {
		return nil, tempErr
	}
	return nil, fmt.Errorf("TXT %s: %w", name, ErrNotFound)
}

// Chain asks each resolver in turn and returns the first non-empty
// answer. A "not found" from one resolver moves on to the next; a
// temporary error is remembered and returned if no later resolver has the
// record, so that an unreachable DNS server still gives temperror and not
// "no key". The usual forensic chain is Chain{archive, dns}.
type Chain []KeyResolver

// LookupTXT implements KeyResolver.
func (c Chain) LookupTXT(ctx context.Context, name string) ([]string, error) {
	r, _, err := c.LookupTXTSource(ctx, name)
	return r, err
}

// LookupTXTSource implements SourceResolver.
func (c Chain) LookupTXTSource(ctx context.Context, name string) ([]string, string, error) {
	var tempErr error
	for _, r := range c {
		recs, src, err := LookupTXTSource(ctx, r, name)
		if err == nil && len(recs) > 0 {
			return recs, src, nil
		}
		if err != nil && !IsNotFound(err) && tempErr == nil {
			tempErr = err
		}
	}
	if tempErr != nil {
		return nil, "", tempErr
	}
	return nil, "", fmt.Errorf("TXT %s: %w", name, ErrNotFound)
}

// MapResolver is an in-memory resolver for tests and offline use: TXT,
// A/AAAA, MX and PTR answers by lower-case name without the final dot.
// A name listed in Fail returns a temporary error for every type.
type MapResolver struct {
	TXT  map[string][]string
	IP   map[string][]string
	MX   map[string][]string
	PTR  map[string][]string
	Fail map[string]bool
}

func normName(n string) string { return strings.ToLower(strings.TrimSuffix(n, ".")) }

func (m *MapResolver) get(tab map[string][]string, kind, name string) ([]string, error) {
	name = normName(name)
	if m.Fail[name] {
		return nil, fmt.Errorf("%s %s: temporary failure (simulated SERVFAIL)", kind, name)
	}
	v, ok := tab[name]
	if !ok || len(v) == 0 {
		return nil, fmt.Errorf("%s %s: %w", kind, name, ErrNotFound)
	}
	return v, nil
}

// LookupTXT implements KeyResolver.
func (m *MapResolver) LookupTXT(_ context.Context, name string) ([]string, error) {
	return m.get(m.TXT, "TXT", name)
}

// LookupIP implements Resolver.
func (m *MapResolver) LookupIP(_ context.Context, network, host string) ([]net.IP, error) {
	v, err := m.get(m.IP, network, host)
	if err != nil {
		return nil, err
	}
	var out []net.IP
	for _, s := range v {
		ip := net.ParseIP(s)
		if ip == nil {
			continue
		}
		if (network == "ip4") == (ip.To4() != nil) {
			out = append(out, ip)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s %s: %w", network, host, ErrNotFound)
	}
	return out, nil
}

// LookupMX implements Resolver.
func (m *MapResolver) LookupMX(_ context.Context, name string) ([]string, error) {
	return m.get(m.MX, "MX", name)
}

// LookupAddr implements Resolver.
func (m *MapResolver) LookupAddr(_ context.Context, addr string) ([]string, error) {
	return m.get(m.PTR, "PTR", addr)
}

var (
	_ Resolver       = (*DNSResolver)(nil)
	_ Resolver       = (*MapResolver)(nil)
	_ SourceResolver = Chain(nil)
)
