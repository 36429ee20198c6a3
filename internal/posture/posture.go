package posture

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Status is the verdict of one check.
type Status string

// The verdicts, from best to worst; StatusError means Vigie could not tell
// (a timeout, a server that does not answer), not that the domain is wrong.
const (
	StatusPass  Status = "pass"
	StatusWarn  Status = "warn"
	StatusFail  Status = "fail"
	StatusError Status = "error"
)

// Check is the outcome of one rule on one domain.
type Check struct {
	ID       string   `json:"id"`       // mail.spf, web.hsts ...
	Status   Status   `json:"status"`   // pass, warn, fail, error
	Summary  string   `json:"summary"`  // one sentence for people
	Evidence []string `json:"evidence"` // the records and answers seen
	Fix      string   `json:"fix"`      // "" when there is nothing to fix
}

// Result is every check run on one domain.
type Result struct {
	Domain string  `json:"domain"`
	Checks []Check `json:"checks"`
}

// Worst returns the worst status of the result (error counts as the worst).
func (r Result) Worst() Status {
	rank := map[Status]int{StatusPass: 0, StatusWarn: 1, StatusFail: 2, StatusError: 3}
	w := StatusPass
	for _, c := range r.Checks {
		if rank[c.Status] > rank[w] {
			w = c.Status
		}
	}
	return w
}

// Groups of checks selectable with Options.Only.
const (
	GroupMail = "mail"
	GroupWeb  = "web"
	GroupDNS  = "dns"
)

// Options configure a Checker. The zero value checks everything through the
// system resolver on the standard ports.
type Options struct {
	// Resolver is the DNS server (host:port) every query goes to;
	// "" reads /etc/resolv.conf.
	Resolver string
	// Timeout bounds each DNS query, connection and HTTP exchange (default 5 s).
	Timeout time.Duration
	// Concurrency is the most checks running at once across all domains
	// (default 8).
	Concurrency int
	// Only restricts the checks to one group: "mail", "web" or "dns".
	Only string
	// DKIMSelectors are tried in addition to CommonDKIMSelectors.
	DKIMSelectors []string
	// RootCAs verify web and MTA-STS certificates (nil: the system roots).
	RootCAs *x509.CertPool
	// Ports, for tests; 0 means the standard port.
	SMTPPort, HTTPPort, HTTPSPort int
	// TrustAnchors are the DS records DNSSEC validation starts from (nil:
	// RootAnchors); tests use their own root.
	TrustAnchors []*dns.DS
	// Now is the clock (security.txt Expires); nil means time.Now.
	Now func() time.Time
}

// CommonDKIMSelectors are the selectors the big mail hosts and common
// software use: Google Workspace (google), Microsoft 365 (selector1,
// selector2), and the usual defaults of mail servers and relays.
var CommonDKIMSelectors = []string{"google", "selector1", "selector2", "default", "mail", "k1", "s1", "s2", "dkim"}

// Checker runs the posture checks. It is safe for concurrent use.
type Checker struct {
	opts Options
	dns  *resolver
	sem  chan struct{}
}

// New returns a Checker for opts.
func New(opts Options) (*Checker, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	switch opts.Only {
	case "", GroupMail, GroupWeb, GroupDNS:
	default:
		return nil, fmt.Errorf("posture: group %q is not mail, web or dns", opts.Only)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	for _, s := range opts.DKIMSelectors {
		if _, ok := validName(s + "._domainkey.example"); !ok {
			return nil, fmt.Errorf("posture: DKIM selector %q is not a DNS label sequence", s)
		}
	}
	r, err := newResolver(opts.Resolver, opts.Timeout)
	if err != nil {
		return nil, err
	}
	return &Checker{opts: opts, dns: r, sem: make(chan struct{}, opts.Concurrency)}, nil
}

// ErrBadDomain is returned by NormaliseDomain for a name that is not a
// domain.
var ErrBadDomain = errors.New("not a domain name")

// NormaliseDomain lower-cases name, drops a final dot and checks that it is
// a plausible host name (labels of letters, digits and hyphens, at least two
// labels).
func NormaliseDomain(name string) (string, error) {
	n, ok := validName(name)
	if !ok || !strings.Contains(n, ".") {
		return "", fmt.Errorf("%q: %w", name, ErrBadDomain)
	}
	return n, nil
}

func validName(name string) (string, bool) {
	n := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
	if n == "" || len(n) > 253 {
		return "", false
	}
	for l := range strings.SplitSeq(n, ".") {
		if l == "" || len(l) > 63 {
			return "", false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", false
			}
		}
	}
	return n, true
}

// checkFunc is one rule. It returns the check; network failures it cannot
// interpret become StatusError checks.
type checkFunc func(ctx context.Context, d *domainRun) Check

type rule struct {
	id    string
	group string
	fn    checkFunc
}

// rules lists every check in the order they are reported.
func (c *Checker) rules() []rule {
	return []rule{
		{"mail.mx", GroupMail, c.checkMX},
		{"mail.spf", GroupMail, c.checkSPF},
		{"mail.dmarc", GroupMail, c.checkDMARC},
		{"mail.dkim", GroupMail, c.checkDKIM},
		{"mail.mta-sts", GroupMail, c.checkMTASTS},
		{"mail.tls-rpt", GroupMail, c.checkTLSRPT},
		{"mail.starttls", GroupMail, c.checkSTARTTLS},
		{"mail.tls", GroupMail, c.checkMailTLS},
		{"mail.dane", GroupMail, c.checkDANE},
		{"web.https", GroupWeb, c.checkHTTPS},
		{"web.tls", GroupWeb, c.checkWebTLS},
		{"web.redirect", GroupWeb, c.checkRedirect},
		{"web.hsts", GroupWeb, c.checkHSTS},
		{"web.headers", GroupWeb, c.checkHeaders},
		{"web.security-txt", GroupWeb, c.checkSecurityTxt},
		{"dns.ns", GroupDNS, c.checkNS},
		{"dns.caa", GroupDNS, c.checkCAA},
		{"dns.dnssec", GroupDNS, c.checkDNSSEC},
	}
}

// domainRun holds what several checks of one domain share, fetched once.
type domainRun struct {
	name string
	c    *Checker

	mxOnce sync.Once
	mx     mxInfo

	webOnce sync.Once
	web     webInfo
}

// Check runs every selected check on domain (already normalised) and
// returns them in a stable order. ctx bounds the whole run.
func (c *Checker) Check(ctx context.Context, domain string) Result {
	d := &domainRun{name: domain, c: c}
	var rs []rule
	for _, r := range c.rules() {
		if c.opts.Only == "" || c.opts.Only == r.group {
			rs = append(rs, r)
		}
	}
	out := make([]Check, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case c.sem <- struct{}{}:
			case <-ctx.Done():
				out[i] = Check{ID: r.id, Status: StatusError, Summary: "The run's time limit was reached before this check could start."}
				return
			}
			defer func() { <-c.sem }()
			ch := r.fn(ctx, d)
			ch.ID = r.id
			ch.Fix = strings.ReplaceAll(ch.Fix, "DOMAIN", domain)
			if ch.Evidence == nil {
				ch.Evidence = []string{}
			}
			out[i] = ch
		}()
	}
	wg.Wait()
	return Result{Domain: domain, Checks: out}
}

// Run checks every domain, at most Options.Concurrency checks at a time,
// and calls emit with each result in the order of domains.
func (c *Checker) Run(ctx context.Context, domains []string, emit func(Result)) {
	results := make([]chan Result, len(domains))
	for i, dom := range domains {
		results[i] = make(chan Result, 1)
		go func() { results[i] <- c.Check(ctx, dom) }()
	}
	for _, ch := range results {
		emit(<-ch)
	}
}

// errorCheck turns a network failure into an error verdict.
func errorCheck(what string, err error) Check {
	return Check{Status: StatusError, Summary: fmt.Sprintf("Vigie could not %s: %v.", what, err)}
}

// errNoAddress says a host name has no A or AAAA record.
var errNoAddress = errors.New("no A or AAAA record")

// mxInfo is the domain's MX set.
type mxInfo struct {
	hosts  []string // sorted by preference, null MX excluded
	nullMX bool     // "0 ." published (RFC 7505)
	raw    []string
	err    error
}

func (d *domainRun) mxSet(ctx context.Context) mxInfo {
	d.mxOnce.Do(func() {
		ans, err := d.c.dns.query(ctx, d.name, typeMX)
		if err != nil {
			d.mx.err = err
			return
		}
		type pref struct {
			p uint16
			h string
		}
		var ps []pref
		for _, rr := range ans.mx {
			d.mx.raw = append(d.mx.raw, fmt.Sprintf("%s MX %d %s", d.name, rr.pref, rr.host))
			if rr.host == "." || rr.host == "" {
				d.mx.nullMX = true
				continue
			}
			ps = append(ps, pref{rr.pref, strings.ToLower(strings.TrimSuffix(rr.host, "."))})
		}
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].p < ps[j].p })
		for _, p := range ps {
			d.mx.hosts = append(d.mx.hosts, p.h)
		}
	})
	return d.mx
}

// receivesMail reports whether the domain has a real MX.
func (m mxInfo) receivesMail() bool { return len(m.hosts) > 0 }

// takesNoMail reports whether the domain says it takes no mail with a
// null MX alone (RFC 7505), which also means it should send none (its
// bounces could not come back, §4.2). A domain without any MX says
// nothing: it may send through Google and receive nowhere.
func (m mxInfo) takesNoMail() bool { return m.nullMX && len(m.hosts) == 0 }

// dialContext resolves host through the Checker's resolver (so that tests
// and --resolver see the same answers) and connects to the first address
// that answers.
func (c *Checker) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := c.dns.lookupIP(ctx, host)
	if err != nil {
		return nil, err
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("%s: %w", host, errNoAddress)
	}
	var last error
	dl := net.Dialer{Timeout: c.opts.Timeout}
	for i, ip := range ips {
		if i == 4 {
			break
		}
		conn, err := dl.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		last = err
	}
	return nil, last
}

func portOr(p, def int) string {
	if p == 0 {
		p = def
	}
	return fmt.Sprint(p)
}
