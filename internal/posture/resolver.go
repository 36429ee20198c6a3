package posture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Query types the checks use.
const (
	typeTXT  = dns.TypeTXT
	typeMX   = dns.TypeMX
	typeNS   = dns.TypeNS
	typeCAA  = dns.TypeCAA
	typeA    = dns.TypeA
	typeAAAA = dns.TypeAAAA
)

// maxAnswerRRs bounds the records kept from one answer.
const maxAnswerRRs = 100

// errNXDOMAIN is returned by query when the name does not exist.
var errNXDOMAIN = errors.New("NXDOMAIN (the name does not exist)")

type mxRR struct {
	pref uint16
	host string
}

// answer is what a query returned, by type.
type answer struct {
	txt   []string // each TXT record's strings joined, as RFC 7208 §3.3 says
	mx    []mxRR
	ns    []string
	caa   []*dns.CAA
	ips   []net.IP
	rrs   []string // presentation form, for evidence
	cname string
}

// resolver sends queries to one recursive server with a timeout each.
type resolver struct {
	server  string
	timeout time.Duration
}

func newResolver(server string, timeout time.Duration) (*resolver, error) {
	if server == "" {
		cc, err := dns.ClientConfigFromFile("/etc/resolv.conf")
		if err != nil || len(cc.Servers) == 0 {
			return nil, fmt.Errorf("posture: no resolver given and none in /etc/resolv.conf (give --resolver): %v", err)
		}
		server = net.JoinHostPort(cc.Servers[0], cc.Port)
	}
	if _, _, err := net.SplitHostPort(server); err != nil {
		server = net.JoinHostPort(server, "53")
	}
	return &resolver{server: server, timeout: timeout}, nil
}

// query asks for name/qtype. NXDOMAIN is errNXDOMAIN; other failures
// (SERVFAIL, timeouts) are errors naming the query; NOERROR with no
// records of the type is an empty answer. A CNAME chain the recursive
// server followed is accepted; only records of qtype are kept.
func (r *resolver) query(ctx context.Context, name string, qtype uint16) (*answer, error) {
	in, err := r.exchange(ctx, name, qtype, false)
	if err != nil {
		return nil, err
	}
	a := &answer{}
	for i, rr := range in.Answer {
		if i == maxAnswerRRs {
			break
		}
		if c, ok := rr.(*dns.CNAME); ok {
			a.cname = c.Target
			a.rrs = append(a.rrs, rr.String())
			continue
		}
		if rr.Header().Rrtype != qtype {
			continue
		}
		a.rrs = append(a.rrs, rr.String())
		switch v := rr.(type) {
		case *dns.TXT:
			a.txt = append(a.txt, strings.Join(v.Txt, ""))
		case *dns.MX:
			a.mx = append(a.mx, mxRR{v.Preference, v.Mx})
		case *dns.NS:
			a.ns = append(a.ns, strings.ToLower(strings.TrimSuffix(v.Ns, ".")))
		case *dns.CAA:
			a.caa = append(a.caa, v)
		case *dns.A:
			a.ips = append(a.ips, v.A)
		case *dns.AAAA:
			a.ips = append(a.ips, v.AAAA)
		}
	}
	return a, nil
}

// exchange sends one query and returns the reply of a NOERROR answer;
// for NXDOMAIN it returns the reply (its authority section may hold the
// signed proof) with an error wrapping errNXDOMAIN.
// With dnssec, the DO bit asks for the signatures and the CD bit asks a
// validating resolver to pass bogus data on, so that Vigie can explain it.
func (r *resolver) exchange(ctx context.Context, name string, qtype uint16, dnssec bool) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	m.CheckingDisabled = dnssec
	m.SetEdns0(4096, dnssec)
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	cl := &dns.Client{Net: "udp", Timeout: r.timeout, UDPSize: 4096}
	in, _, err := cl.ExchangeContext(ctx, m, r.server)
	if err == nil && in.Truncated {
		cl.Net = "tcp"
		in, _, err = cl.ExchangeContext(ctx, m, r.server)
	}
	var ne net.Error
	if err != nil && !errors.As(err, &ne) && ctx.Err() == nil {
		return nil, fmt.Errorf("%s %s query to %s: unreadable answer, larger than the %d bytes Vigie accepts or malformed: %w", name, dns.TypeToString[qtype], r.server, cl.UDPSize, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s query to %s: %w", name, dns.TypeToString[qtype], r.server, err)
	}
	switch in.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		if len(in.Ns) > maxAnswerRRs {
			in.Ns = in.Ns[:maxAnswerRRs]
		}
		return in, fmt.Errorf("%s %s: %w", name, dns.TypeToString[qtype], errNXDOMAIN)
	default:
		return nil, fmt.Errorf("%s %s query to %s: %s", name, dns.TypeToString[qtype], r.server, dns.RcodeToString[in.Rcode])
	}
	if len(in.Answer) > maxAnswerRRs {
		in.Answer = in.Answer[:maxAnswerRRs]
	}
	if len(in.Ns) > maxAnswerRRs {
		in.Ns = in.Ns[:maxAnswerRRs]
	}
	return in, nil
}

// txt returns the TXT records at name; a missing name is no records.
func (r *resolver) txt(ctx context.Context, name string) ([]string, error) {
	a, err := r.query(ctx, name, typeTXT)
	if errors.Is(err, errNXDOMAIN) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return a.txt, nil
}

// lookupIP returns the IPv4 then IPv6 addresses of host.
func (r *resolver) lookupIP(ctx context.Context, host string) ([]net.IP, error) {
	if ip := net.ParseIP(host); ip != nil {
		return []net.IP{ip}, nil
	}
	var ips []net.IP
	var firstErr error
	for _, t := range []uint16{typeA, typeAAAA} {
		a, err := r.query(ctx, host, t)
		if err != nil {
			if firstErr == nil && !errors.Is(err, errNXDOMAIN) {
				firstErr = err
			}
			if errors.Is(err, errNXDOMAIN) {
				return nil, err
			}
			continue
		}
		ips = append(ips, a.ips...)
	}
	if len(ips) == 0 && firstErr != nil {
		return nil, firstErr
	}
	return ips, nil
}

// withPrefix keeps the records that start with prefix (case-insensitive),
// the way SPF, DMARC, MTA-STS and TLS-RPT pick their record among the TXT
// records of a name.
func withPrefix(recs []string, prefix string) []string {
	var out []string
	for _, r := range recs {
		if len(r) >= len(prefix) && strings.EqualFold(r[:len(prefix)], prefix) {
			out = append(out, r)
		}
	}
	return out
}

func quoteAll(name string, recs []string) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		out = append(out, fmt.Sprintf("%s TXT %q", name, r))
	}
	return out
}
