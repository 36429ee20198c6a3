package posture

import (
	"cmp"
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
// When the certificate is not valid or the server speaks only TLS older
// than 1.2, resp is the answer read anyway (as internet.nl reads headers),
// and certErr or oldTLS says why browsers would refuse it.
type webInfo struct {
	resp            *http.Response
	err             error
	version         uint16
	certErr, oldTLS error
}

// webClient is httpClient without redirects, checking the certificate or
// not, and accepting TLS 1.0 and 1.1 when legacy is set.
func (c *Checker) webClient(verify, legacy bool) *http.Client {
	cl := c.httpClient(false)
	cfg := cl.Transport.(*http.Transport).TLSClientConfig
	cfg.InsecureSkipVerify = !verify
	if legacy {
		cfg.MinVersion = tls.VersionTLS10
	}
	return cl
}

// isOldTLSError reports whether err says the server and Vigie share no
// TLS version (the server speaks only TLS 1.1 or older).
func isOldTLSError(err error) bool {
	return err != nil && strings.Contains(err.Error(), "protocol version")
}

// webInfo fetches https://DOMAIN/ once, without following redirects (the
// versions and suites the server accepts are web.tls's job).
func (d *domainRun) webInfo(ctx context.Context) webInfo {
	d.webOnce.Do(func() {
		c := d.c
		u := "https://" + hostPort(d.name, c.opts.HTTPSPort, 443) + "/"
		resp, _, err := c.fetchText(ctx, c.webClient(true, false), u, 1<<20)
		if isOldTLSError(err) {
			d.web.oldTLS = err
			resp, _, err = c.fetchText(ctx, c.webClient(true, true), u, 1<<20)
		}
		if err != nil && isCertError(err) {
			d.web.certErr = err
			resp, _, err = c.fetchText(ctx, c.webClient(false, d.web.oldTLS != nil), u, 1<<20)
		}
		if err != nil {
			d.web.err = err
			return
		}
		d.web.resp = resp
		if resp.TLS != nil {
			d.web.version = resp.TLS.Version
		}
	})
	return d.web
}

// header is every field of name in resp joined by ", " (RFC 9110 §5.3).
func header(resp *http.Response, name string) string {
	return strings.Join(resp.Header.Values(name), ", ")
}

// webHeaderSource returns the HTTPS answer to read headers from, or the
// check to report when there is none; note is added to the evidence when
// the certificate is not valid.
func (c *Checker) webHeaderSource(ctx context.Context, d *domainRun, what string) (*http.Response, []string, *Check) {
	w := d.webInfo(ctx)
	if w.err != nil && !definiteAbsence(w.err) {
		ch := errorCheck("reach https://"+d.name+"/", w.err)
		return nil, nil, &ch
	}
	if w.err != nil {
		return nil, nil, &Check{Status: StatusFail, Summary: "No HTTPS answer, so no " + what + ".", Evidence: []string{w.err.Error()},
			Fix: "Serve the site on port 443 with a certificate for " + d.name + "."}
	}
	var note []string
	if w.certErr != nil {
		note = append(note, "read although the certificate is not valid (web.https): "+w.certErr.Error())
	}
	if w.oldTLS != nil {
		note = append(note, "read over "+tlsName(w.version)+", which browsers refuse (web.https)")
	}
	return w.resp, note, nil
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
	case w.oldTLS != nil:
		ev := []string{w.oldTLS.Error()}
		if w.err != nil {
			ev = append(ev, "over TLS 1.0 or 1.1: "+w.err.Error())
		} else {
			ev = append(ev, fmt.Sprintf("https://%s/: %s over %s", d.name, w.resp.Status, tlsName(w.version)))
		}
		if w.certErr != nil {
			ev = append(ev, "certificate: "+w.certErr.Error())
		}
		return Check{Status: StatusFail, Summary: "The web site speaks only TLS 1.1 or older, which browsers have refused since 2020.", Evidence: ev,
			Fix: "Enable TLS 1.2 and 1.3 on the web server (nginx: ssl_protocols TLSv1.2 TLSv1.3; Apache: SSLProtocol -all +TLSv1.2 +TLSv1.3); web.tls lists what it accepts."}
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
	if !isRedirect(resp.StatusCode) || loc == "" {
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

// isRedirect reports whether status is one that browsers follow to its
// Location (RFC 9110 §15.4): 301, 302, 303, 307 or 308.
func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
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
	resp, note, ch := c.webHeaderSource(ctx, d, "HSTS")
	if ch != nil {
		return *ch
	}
	h := header(resp, "Strict-Transport-Security")
	fix := `Strict-Transport-Security: max-age=31536000 (nginx: add_header Strict-Transport-Security "max-age=31536000" always;).`
	ev := append([]string{fmt.Sprintf("Strict-Transport-Security: %q", trunc(h, 200))}, note...)
	if w := d.webInfo(ctx); w.oldTLS != nil {
		return Check{Status: StatusFail, Summary: "Browsers refuse the site's TLS 1.1 or older, so no HSTS header reaches them (web.https).", Evidence: ev,
			Fix: "Enable TLS 1.2 and 1.3 (web.https), then " + fix}
	}
	if h == "" {
		return Check{Status: StatusFail, Summary: "The HTTPS site sends no HSTS header: a visitor's first http:// request can be intercepted.", Evidence: ev, Fix: fix}
	}
	// Browsers apply the first header only (RFC 6797 §8.1).
	first := resp.Header.Get("Strict-Transport-Security")
	age, _, err := ParseHSTS(first)
	if err != nil {
		return Check{Status: StatusFail, Summary: fmt.Sprintf("The HSTS header is invalid, so browsers ignore it: %v.", err), Evidence: ev, Fix: fix}
	}
	if age < hstsMinAge {
		return Check{Status: StatusFail, Summary: fmt.Sprintf("HSTS max-age is %d seconds, less than one year (31536000).", age), Evidence: ev, Fix: fix}
	}
	return Check{Status: StatusPass, Summary: "HSTS is set for at least one year.", Evidence: ev}
}

// headersFix is the fix of web.headers.
const headersFix = `Content-Security-Policy: default-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'` + "\n" +
	`(add the https:// hosts the pages load from; no 'unsafe-inline': move inline scripts and styles to files)` + "\n" +
	`X-Content-Type-Options: nosniff` + "\n" + `Referrer-Policy: no-referrer (or same-origin)` + "\n" +
	`(nginx: add_header NAME "VALUE" always; Apache: Header always set NAME "VALUE")`

// checkHeaders is web.headers.
func (c *Checker) checkHeaders(ctx context.Context, d *domainRun) Check {
	resp, note, ch := c.webHeaderSource(ctx, d, "headers to read")
	if ch != nil {
		return *ch
	}
	csp, xcto := header(resp, "Content-Security-Policy"), header(resp, "X-Content-Type-Options")
	rp, xfo := header(resp, "Referrer-Policy"), header(resp, "X-Frame-Options")
	ev := []string{
		fmt.Sprintf("Content-Security-Policy: %q", trunc(csp, 300)),
		fmt.Sprintf("X-Content-Type-Options: %q", trunc(xcto, 50)),
		fmt.Sprintf("Referrer-Policy: %q", trunc(rp, 100)),
		fmt.Sprintf("X-Frame-Options: %q", trunc(xfo, 50)),
	}
	var bad []string
	switch p := CSPProblems(csp, d.name); {
	case csp == "":
		bad = append(bad, "no Content-Security-Policy")
	case len(p) > 0:
		bad = append(bad, "Content-Security-Policy allows "+strings.Join(p, ", "))
	}
	if !strings.EqualFold(firstValue(xcto), "nosniff") {
		bad = append(bad, "X-Content-Type-Options is not nosniff")
	}
	switch ReferrerPolicyRating(rp) {
	case "bad":
		bad = append(bad, fmt.Sprintf("Referrer-Policy %q sends the page address to other sites", trunc(rp, 60)))
	case "ok":
		ev = append(ev, "note: no-referrer or same-origin would tell other sites less than "+cmp.Or(rp, "the browsers' default strict-origin-when-cross-origin"))
	}
	if u := strings.ToUpper(firstValue(xfo)); u != "DENY" && u != "SAMEORIGIN" {
		ev = append(ev, "note: X-Frame-Options DENY or SAMEORIGIN protects old browsers that ignore frame-ancestors (internet.nl: information only)")
	}
	ev = append(ev, note...)
	if len(bad) > 0 {
		return Check{Status: StatusWarn, Summary: "Security headers missing or weak: " + strings.Join(bad, "; ") + ".", Evidence: ev, Fix: headersFix}
	}
	return Check{Status: StatusPass, Summary: "Content-Security-Policy, X-Content-Type-Options: nosniff and Referrer-Policy are set as internet.nl recommends.", Evidence: ev}
}

// securityTxtPath and securityTxtLegacyPath are where RFC 9116 §3 puts
// the file, and where older files sit.
const (
	securityTxtPath       = "/.well-known/security.txt"
	securityTxtLegacyPath = "/security.txt"
)

// checkSecurityTxt is web.security-txt.
func (c *Checker) checkSecurityTxt(ctx context.Context, d *domainRun) Check {
	base := "https://" + hostPort(d.name, c.opts.HTTPSPort, 443)
	u := base + securityTxtPath
	fix := "Serve /.well-known/security.txt as text/plain; charset=utf-8 with \"Contact: mailto:security@DOMAIN\" and \"Expires: " +
		c.opts.Now().AddDate(1, 0, -1).UTC().Format("2006-01-02") + "T00:00:00Z\" (less than a year ahead), every line ending in a line feed, see securitytxt.org."
	// Redirects are followed and the certificate is web.https's job, as in
	// internet.nl.
	cl := c.httpClient(true)
	cfg := cl.Transport.(*http.Transport).TLSClientConfig
	cfg.InsecureSkipVerify, cfg.MinVersion = true, tls.VersionTLS10
	resp, body, err := c.fetchText(ctx, cl, u, MaxSecurityTxtSize)
	if err != nil && !definiteAbsence(err) {
		return errorCheck("fetch "+u, err)
	}
	missing := func(ev []string) Check {
		return Check{Status: StatusWarn, Summary: "The site publishes no security.txt: researchers do not know whom to tell about a flaw.", Evidence: ev, Fix: fix}
	}
	if err != nil {
		return missing([]string{err.Error()})
	}
	ev := []string{fmt.Sprintf("GET %s: %s, Content-Type %q", u, resp.Status, resp.Header.Get("Content-Type"))}
	var problems []string
	if resp.StatusCode != http.StatusOK {
		lu := base + securityTxtLegacyPath
		lresp, lbody, lerr := c.fetchText(ctx, cl, lu, MaxSecurityTxtSize)
		if lerr != nil || lresp.StatusCode != http.StatusOK {
			return missing(ev)
		}
		resp, body = lresp, lbody
		ev = append(ev, fmt.Sprintf("GET %s: %s, Content-Type %q", lu, resp.Status, resp.Header.Get("Content-Type")))
		problems = append(problems, "it is at /security.txt, not /.well-known/security.txt (RFC 9116 §3)")
	}
	found := resp.Request.URL.String()
	if found != u {
		ev = append(ev, "found at "+found)
	}
	ct := resp.Header.Get("Content-Type")
	mt, params, perr := mime.ParseMediaType(ct)
	parse := true
	switch {
	case ct == "":
		problems, parse = append(problems, "it is served without Content-Type"), false
	case perr != nil || mt != "text/plain":
		problems, parse = append(problems, "it is not served as text/plain (RFC 9116 §3)"), false
	case params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8") && !strings.EqualFold(params["charset"], "csutf8"):
		problems = append(problems, fmt.Sprintf("its charset is %s, not utf-8", params["charset"]))
	}
	if body == "" {
		problems, parse = append(problems, "it is empty"), false
	}
	var s *SecurityTxt
	if parse {
		if s, err = ParseSecurityTxt(body, c.opts.Now(), found); err != nil {
			problems = append(problems, err.Error())
		} else {
			for _, e := range s.Errors {
				problems = append(problems, e.String())
			}
			if len(s.Contact) > 0 {
				ev = append(ev, "Contact: "+trunc(strings.Join(s.Contact, ", "), 200))
			}
			if !s.Expires.IsZero() {
				ev = append(ev, "Expires: "+s.Expires.Format(time.RFC3339))
			}
			for _, r := range s.Recommendations {
				ev = append(ev, "recommendation: "+r.String())
			}
		}
	}
	if len(problems) > 0 {
		if len(problems) > 10 {
			problems = append(problems[:10], fmt.Sprintf("and %d more", len(problems)-10))
		}
		return Check{Status: StatusWarn, Summary: "security.txt is not valid: " + strings.Join(problems, "; ") + ".", Evidence: ev, Fix: fix}
	}
	sum := "A valid security.txt names " + trunc(strings.Join(s.Contact, ", "), 200) + "."
	for _, r := range s.Recommendations {
		if r.Code == "long_expiry" {
			sum += " It expires more than a year ahead; RFC 9116 §2.5.5 recommends less."
		}
	}
	return Check{Status: StatusPass, Summary: sum, Evidence: ev}
}
