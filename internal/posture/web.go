package posture

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// hstsMinAge is one year, internet.nl's minimum HSTS max-age.
const hstsMinAge = 31536000

// webInfo is the answer of https://DOMAIN/, shared by the web checks.
type webInfo struct {
	resp    *http.Response
	err     error
	version uint16
	certErr error
}

// webInfo fetches https://DOMAIN/ once, without following redirects (the
// versions and suites the server accepts are web.tls's job).
func (d *domainRun) webInfo(ctx context.Context) webInfo {
	d.webOnce.Do(func() {
		c := d.c
		u := "https://" + hostPort(d.name, c.opts.HTTPSPort, 443) + "/"
		resp, _, err := c.fetchText(ctx, c.httpClient(false), u, 1<<20)
		if err != nil {
			d.web.err = err
			if isCertError(err) {
				d.web.certErr = err
			}
			return
		}
		d.web.resp = resp
		if resp.TLS != nil {
			d.web.version = resp.TLS.Version
		}
	})
	return d.web
}

// definiteAbsence reports whether err says for sure that nothing serves
// there (no address, connection refused), as opposed to a timeout or a
// resolver failure, after which Vigie cannot tell.
func definiteAbsence(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, errNoAddress) || errors.Is(err, errNXDOMAIN)
}

// isCertError reports whether err is a certificate verification failure
// (the server answered, but with a certificate that is not valid).
func isCertError(err error) bool {
	var ce *tls.CertificateVerificationError
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	var ie x509.CertificateInvalidError
	return errors.As(err, &ce) || errors.As(err, &ue) || errors.As(err, &he) || errors.As(err, &ie)
}

// checkHTTPS is web.https.
func (c *Checker) checkHTTPS(ctx context.Context, d *domainRun) Check {
	w := d.webInfo(ctx)
	switch {
	case w.certErr != nil:
		return Check{Status: StatusFail, Summary: "The web site's certificate is not valid for " + d.name + ": browsers show a warning.",
			Evidence: []string{w.certErr.Error()}, Fix: "Install a certificate for the name from a public CA (Let's Encrypt, or the host's: OVH and Gandi offer one free with hosting)."}
	case w.err != nil && !definiteAbsence(w.err):
		return errorCheck("reach https://"+d.name+"/", w.err)
	case w.err != nil:
		return Check{Status: StatusFail, Summary: "The web site is not reachable over HTTPS.", Evidence: []string{w.err.Error()},
			Fix: "Serve the site on port 443 with a certificate for " + d.name + "."}
	}
	ev := []string{fmt.Sprintf("https://%s/: %s over %s", d.name, w.resp.Status, tlsName(w.version))}
	return Check{Status: StatusPass, Summary: "The web site answers over HTTPS (TLS 1.2 or newer) with a valid certificate.", Evidence: ev}
}

// checkRedirect is web.redirect.
func (c *Checker) checkRedirect(ctx context.Context, d *domainRun) Check {
	u := "http://" + hostPort(d.name, c.opts.HTTPPort, 80) + "/"
	resp, _, err := c.fetchText(ctx, c.httpClient(false), u, 1<<20)
	if definiteAbsence(err) {
		return Check{Status: StatusPass, Summary: "Nothing answers on plain HTTP, so nothing can be read in clear there.", Evidence: []string{err.Error()}}
	}
	if err != nil {
		return errorCheck("fetch "+u, err)
	}
	loc := resp.Header.Get("Location")
	ev := []string{fmt.Sprintf("GET %s: %s, Location %q", u, resp.Status, loc)}
	fix := "Redirect every http:// URL to the same host on https:// first (nginx: return 301 https://$host$request_uri;), then to www. if you wish."
	if resp.StatusCode < 300 || resp.StatusCode > 399 || loc == "" {
		return Check{Status: StatusFail, Summary: "The web site is served over plain HTTP without a redirect to HTTPS.", Evidence: ev, Fix: fix}
	}
	l, err := url.Parse(loc)
	if err == nil && !l.IsAbs() {
		l = resp.Request.URL.ResolveReference(l)
	}
	if err != nil || !strings.EqualFold(l.Scheme, "https") {
		return Check{Status: StatusFail, Summary: "http:// redirects, but not to https://.", Evidence: ev, Fix: fix}
	}
	if !strings.EqualFold(l.Hostname(), d.name) {
		return Check{Status: StatusFail, Summary: fmt.Sprintf("http:// redirects first to another host (%s), so HSTS for %s is never set.", l.Hostname(), d.name), Evidence: ev, Fix: fix}
	}
	return Check{Status: StatusPass, Summary: "http:// redirects to https:// on the same host.", Evidence: ev}
}

// ParseHSTS returns the max-age of a Strict-Transport-Security header
// (RFC 6797 §6.1) and whether includeSubDomains is set.
func ParseHSTS(v string) (int64, bool, error) {
	age := int64(-1)
	sub := false
	for d := range strings.SplitSeq(v, ";") {
		k, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "max-age":
			n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(val), `"`), 10, 64)
			if err != nil || n < 0 || age >= 0 {
				return 0, false, fmt.Errorf("max-age %q is not one number of seconds", trunc(val, 20))
			}
			age = n
		case "includesubdomains":
			sub = true
		}
	}
	if age < 0 {
		return 0, false, errors.New("no max-age")
	}
	return age, sub, nil
}

// checkHSTS is web.hsts.
func (c *Checker) checkHSTS(ctx context.Context, d *domainRun) Check {
	w := d.webInfo(ctx)
	if w.err != nil && !definiteAbsence(w.err) && !isCertError(w.err) {
		return errorCheck("reach https://"+d.name+"/", w.err)
	}
	if w.err != nil {
		return Check{Status: StatusFail, Summary: "No HTTPS answer, so no HSTS.", Evidence: []string{w.err.Error()}}
	}
	h := w.resp.Header.Get("Strict-Transport-Security")
	fix := `Strict-Transport-Security: max-age=31536000 (nginx: add_header Strict-Transport-Security "max-age=31536000" always;).`
	ev := []string{fmt.Sprintf("Strict-Transport-Security: %q", h)}
	if h == "" {
		return Check{Status: StatusFail, Summary: "The HTTPS site sends no HSTS header: a visitor's first http:// request can be intercepted.", Evidence: ev, Fix: fix}
	}
	age, _, err := ParseHSTS(h)
	if err != nil {
		return Check{Status: StatusFail, Summary: fmt.Sprintf("The HSTS header is invalid: %v.", err), Evidence: ev, Fix: fix}
	}
	if age < hstsMinAge {
		return Check{Status: StatusFail, Summary: fmt.Sprintf("HSTS max-age is %d seconds, less than one year (31536000).", age), Evidence: ev, Fix: fix}
	}
	return Check{Status: StatusPass, Summary: "HSTS is set for at least one year.", Evidence: ev}
}

// checkHeaders is web.headers.
func (c *Checker) checkHeaders(ctx context.Context, d *domainRun) Check {
	w := d.webInfo(ctx)
	if w.err != nil && !definiteAbsence(w.err) && !isCertError(w.err) {
		return errorCheck("reach https://"+d.name+"/", w.err)
	}
	if w.err != nil {
		return Check{Status: StatusFail, Summary: "No HTTPS answer to read headers from.", Evidence: []string{w.err.Error()}}
	}
	var missing, ev []string
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
		v := w.resp.Header.Get(h)
		ev = append(ev, fmt.Sprintf("%s: %q", h, trunc(v, 200)))
		if v == "" || h == "X-Content-Type-Options" && !strings.EqualFold(strings.TrimSpace(v), "nosniff") {
			missing = append(missing, h)
		}
	}
	if len(missing) > 0 {
		return Check{Status: StatusWarn, Summary: "Security headers missing or wrong: " + strings.Join(missing, ", ") + ".", Evidence: ev,
			Fix: `Content-Security-Policy: default-src 'self'; frame-ancestors 'self'` + "\n" + `X-Content-Type-Options: nosniff` + "\n" + `Referrer-Policy: strict-origin-when-cross-origin`}
	}
	return Check{Status: StatusPass, Summary: "Content-Security-Policy, X-Content-Type-Options: nosniff and Referrer-Policy are set.", Evidence: ev}
}

// checkSecurityTxt is web.security-txt.
func (c *Checker) checkSecurityTxt(ctx context.Context, d *domainRun) Check {
	u := "https://" + hostPort(d.name, c.opts.HTTPSPort, 443) + "/.well-known/security.txt"
	fix := "Serve /.well-known/security.txt as text/plain with \"Contact: mailto:security@DOMAIN\" and \"Expires: " +
		c.opts.Now().AddDate(1, 0, 0).UTC().Format("2006-01-02") + "T00:00:00Z\" (less than a year ahead), see securitytxt.org."
	resp, body, err := c.fetchText(ctx, c.httpClient(true), u, MaxSecurityTxtSize)
	if err != nil && !definiteAbsence(err) && !isCertError(err) {
		return errorCheck("fetch "+u, err)
	}
	if err != nil {
		return Check{Status: StatusWarn, Summary: "No security.txt could be fetched: researchers do not know whom to tell about a flaw.", Evidence: []string{err.Error()}, Fix: fix}
	}
	ev := []string{fmt.Sprintf("GET %s: %s, Content-Type %q", u, resp.Status, resp.Header.Get("Content-Type"))}
	if resp.StatusCode != http.StatusOK {
		return Check{Status: StatusWarn, Summary: "The site publishes no security.txt: researchers do not know whom to tell about a flaw.", Evidence: ev, Fix: fix}
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/plain" {
		return Check{Status: StatusFail, Summary: "security.txt is not served as text/plain (RFC 9116 §3).", Evidence: ev, Fix: fix}
	}
	s, err := ParseSecurityTxt(body)
	if err != nil {
		return Check{Status: StatusFail, Summary: fmt.Sprintf("security.txt is invalid: %v.", err), Evidence: ev, Fix: fix}
	}
	ev = append(ev, "Contact: "+strings.Join(s.Contact, ", "), "Expires: "+s.Expires.Format(time.RFC3339))
	now := c.opts.Now()
	switch {
	case s.Expires.Before(now):
		return Check{Status: StatusFail, Summary: "security.txt expired on " + s.Expires.Format("2006-01-02") + ".", Evidence: ev, Fix: fix}
	case s.Expires.After(now.AddDate(1, 0, 0)):
		return Check{Status: StatusWarn, Summary: "security.txt expires more than a year ahead; RFC 9116 §2.5.5 recommends less, so that stale contacts expire.", Evidence: ev, Fix: fix}
	}
	return Check{Status: StatusPass, Summary: "A valid security.txt names " + strings.Join(s.Contact, ", ") + ".", Evidence: ev}
}
