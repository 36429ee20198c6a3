package posture

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// MaxPolicySize bounds the MTA-STS policy file (RFC 8461 §3.3 suggests
// 64 KiB).
const MaxPolicySize = 64 << 10

// STSRecord is the _mta-sts TXT record.
type STSRecord struct {
	ID string
}

// ParseSTSRecord parses "v=STSv1; id=..." (RFC 8461 §3.1): v= first,
// id= of 1 to 32 letters and digits.
func ParseSTSRecord(txt string) (*STSRecord, error) {
	var r STSRecord
	for i, f := range strings.Split(txt, ";") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("mta-sts record field %q has no '='", trunc(f, 40))
		}
		switch {
		case i == 0:
			if k != "v" || v != "STSv1" {
				return nil, errors.New("mta-sts record does not start with v=STSv1")
			}
		case k == "id":
			if r.ID != "" {
				return nil, errors.New("mta-sts record has id= twice")
			}
			if len(v) < 1 || len(v) > 32 || !isAlnum(v) {
				return nil, fmt.Errorf("mta-sts id=%q is not 1 to 32 letters and digits", trunc(v, 40))
			}
			r.ID = v
		}
	}
	if r.ID == "" {
		return nil, errors.New("mta-sts record has no id=")
	}
	return &r, nil
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// STSPolicy is an MTA-STS policy file.
type STSPolicy struct {
	Mode   string // enforce, testing, none
	MX     []string
	MaxAge int
}

// ParseSTSPolicy parses a policy file (RFC 8461 §3.2): "key: value" lines
// ending in CRLF or LF; version STSv1, mode, max_age (0..31557600), and
// at least one mx unless mode is none.
func ParseSTSPolicy(text string) (*STSPolicy, error) {
	if len(text) > MaxPolicySize {
		return nil, fmt.Errorf("mta-sts policy of %d bytes, more than %d", len(text), MaxPolicySize)
	}
	p := &STSPolicy{MaxAge: -1}
	version := ""
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("mta-sts policy line %d %q has no ':'", n+1, trunc(line, 40))
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "version":
			version = v
		case "mode":
			if p.Mode != "" {
				return nil, errors.New("mta-sts policy has mode twice")
			}
			p.Mode = v
		case "max_age":
			a, err := strconv.Atoi(v)
			if err != nil || a < 0 || a > 31557600 || len(v) > 10 {
				return nil, fmt.Errorf("mta-sts max_age %q is not 0..31557600", trunc(v, 20))
			}
			p.MaxAge = a
		case "mx":
			if len(p.MX) >= 100 {
				return nil, errors.New("mta-sts policy has more than 100 mx lines")
			}
			m := strings.ToLower(strings.TrimSuffix(v, "."))
			if _, ok := validName(strings.TrimPrefix(m, "*.")); !ok {
				return nil, fmt.Errorf("mta-sts mx %q is not a host name or *.pattern", trunc(v, 40))
			}
			p.MX = append(p.MX, m)
		}
	}
	if version != "STSv1" {
		return nil, fmt.Errorf("mta-sts policy version %q is not STSv1", trunc(version, 20))
	}
	switch p.Mode {
	case "enforce", "testing", "none":
	default:
		return nil, fmt.Errorf("mta-sts policy mode %q is not enforce, testing or none", trunc(p.Mode, 20))
	}
	if p.MaxAge < 0 {
		return nil, errors.New("mta-sts policy has no max_age")
	}
	if p.Mode != "none" && len(p.MX) == 0 {
		return nil, errors.New("mta-sts policy has no mx line")
	}
	return p, nil
}

// Covers reports whether host matches one of the policy's mx patterns; a
// "*." pattern matches exactly one more label (RFC 8461 §4.1).
func (p *STSPolicy) Covers(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, m := range p.MX {
		if rest, ok := strings.CutPrefix(m, "*."); ok {
			if i := strings.IndexByte(host, '.'); i > 0 && host[i+1:] == rest {
				return true
			}
		} else if m == host {
			return true
		}
	}
	return false
}

// httpClient returns a client that resolves through the Checker's resolver,
// trusts Options.RootCAs, and never waits longer than the timeout.
func (c *Checker) httpClient(follow bool) *http.Client {
	tr := &http.Transport{
		DialContext:            c.dialContext,
		TLSClientConfig:        &tls.Config{RootCAs: c.opts.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    c.opts.Timeout,
		ResponseHeaderTimeout:  c.opts.Timeout,
		DisableKeepAlives:      true,
		MaxResponseHeaderBytes: 64 << 10,
	}
	cl := &http.Client{Transport: tr, Timeout: 2 * c.opts.Timeout}
	if !follow {
		cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	} else {
		cl.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("more than 5 redirects")
			}
			return nil
		}
	}
	return cl
}

// hostPort returns host with the configured port when it is not the default.
func hostPort(host string, port, def int) string {
	if port == 0 || port == def {
		return host
	}
	return fmt.Sprintf("%s:%d", host, port)
}

// fetchText GETs url and returns its body, refusing more than limit bytes.
func (c *Checker) fetchText(ctx context.Context, cl *http.Client, url string, limit int64) (*http.Response, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("User-Agent", "vigie-posture")
	resp, err := cl.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return resp, "", fmt.Errorf("reading %s: %w", url, err)
	}
	if int64(len(body)) > limit {
		return resp, "", fmt.Errorf("%s is larger than %d bytes", url, limit)
	}
	return resp, string(body), nil
}

const mtastsFix = `Publish "_mta-sts.DOMAIN TXT \"v=STSv1; id=20261207\"" and serve https://mta-sts.DOMAIN/.well-known/mta-sts.txt ` +
	`(a certificate for mta-sts.DOMAIN) containing "version: STSv1", "mode: enforce", "mx: <each MX or *.pattern>", "max_age: 604800". ` +
	`Google Workspace: mx: aspmx.l.google.com and mx: *.aspmx.l.google.com (a * stands for one label only); Microsoft 365: mx: *.mail.protection.outlook.com; OVH: mx: *.mail.ovh.net; Gandi: mx: *.mail.gandi.net.`

// checkMTASTS is mail.mta-sts.
func (c *Checker) checkMTASTS(ctx context.Context, d *domainRun) Check {
	mx := d.mxSet(ctx)
	if mx.err == nil && !mx.receivesMail() {
		return Check{Status: StatusPass, Summary: "The domain receives no mail, so it needs no MTA-STS policy."}
	}
	name := "_mta-sts." + d.name
	txt, err := c.dns.txt(ctx, name)
	if err != nil {
		return errorCheck("read the MTA-STS record", err)
	}
	recs := withPrefix(txt, "v=STSv1")
	ch := Check{Evidence: quoteAll(name, recs)}
	switch len(recs) {
	case 0:
		ch.Status, ch.Summary, ch.Fix = StatusWarn, "The domain publishes no MTA-STS policy: an attacker on the path can strip STARTTLS and read or redirect mail sent to it.", mtastsFix
		return ch
	case 1:
	default:
		ch.Status, ch.Summary, ch.Fix = StatusFail, fmt.Sprintf("%s holds %d MTA-STS records; senders then ignore MTA-STS (RFC 8461 §3.1).", name, len(recs)), mtastsFix
		return ch
	}
	if _, err := ParseSTSRecord(recs[0]); err != nil {
		ch.Status, ch.Summary, ch.Fix = StatusFail, fmt.Sprintf("The MTA-STS record is invalid: %v.", err), mtastsFix
		return ch
	}
	url := "https://" + hostPort("mta-sts."+d.name, c.opts.HTTPSPort, 443) + "/.well-known/mta-sts.txt"
	resp, body, err := c.fetchText(ctx, c.httpClient(false), url, MaxPolicySize)
	if err != nil && isCertError(err) {
		ch.Status, ch.Fix = StatusFail, mtastsFix
		ch.Summary = fmt.Sprintf("The MTA-STS policy host has no valid certificate, so senders cannot fetch the policy: %v.", err)
		return ch
	}
	if err != nil {
		ch.Status = StatusError
		ch.Summary = fmt.Sprintf("The MTA-STS record is published but the policy could not be fetched: %v.", err)
		ch.Fix = mtastsFix
		return ch
	}
	ch.Evidence = append(ch.Evidence, fmt.Sprintf("GET %s: %s, Content-Type %q", url, resp.Status, resp.Header.Get("Content-Type")))
	if resp.StatusCode != http.StatusOK {
		ch.Status, ch.Summary, ch.Fix = StatusFail, fmt.Sprintf("The MTA-STS policy URL answers %s, not 200 (senders do not follow redirects).", resp.Status), mtastsFix
		return ch
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/plain" {
		ch.Status, ch.Summary, ch.Fix = StatusFail, fmt.Sprintf("The MTA-STS policy is served as %q; RFC 8461 §3.2 requires text/plain.", trunc(resp.Header.Get("Content-Type"), 40)), mtastsFix
		return ch
	}
	ch.Evidence = append(ch.Evidence, "policy: "+strings.Join(strings.Fields(trunc(body, 400)), " "))
	p, err := ParseSTSPolicy(body)
	if err != nil {
		ch.Status, ch.Summary, ch.Fix = StatusFail, fmt.Sprintf("The MTA-STS policy is invalid: %v.", err), mtastsFix
		return ch
	}
	var uncovered []string
	for _, h := range mx.hosts {
		if !p.Covers(h) {
			uncovered = append(uncovered, h)
		}
	}
	switch {
	case len(uncovered) > 0:
		ch.Status = StatusFail
		ch.Summary = fmt.Sprintf("The MTA-STS policy does not cover the MX %s: senders that enforce it will refuse to deliver there.", strings.Join(uncovered, ", "))
		ch.Fix = "Add an mx: line for each MX to the policy, then change the id= of the TXT record."
	case p.Mode == "enforce":
		ch.Status, ch.Summary = StatusPass, "MTA-STS is published in enforce mode and covers every MX."
	case p.Mode == "testing":
		ch.Status, ch.Summary = StatusWarn, "MTA-STS is in testing mode: failures are reported, but mail is still delivered without TLS."
		ch.Fix = "Once TLS-RPT reports are clean, set mode: enforce and change the id= of the TXT record."
	default:
		ch.Status, ch.Summary = StatusFail, "The MTA-STS policy has mode none: it protects nothing."
		ch.Fix = "Set mode: enforce and change the id= of the TXT record."
	}
	return ch
}

// ParseTLSRPT parses a TLS-RPT record (RFC 8460 §3): "v=TLSRPTv1;
// rua=URI[,URI]" where each URI is mailto: or https:.
func ParseTLSRPT(txt string) ([]string, error) {
	var rua []string
	for i, f := range strings.Split(txt, ";") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("tls-rpt field %q has no '='", trunc(f, 40))
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if i == 0 {
			if k != "v" || v != "TLSRPTv1" {
				return nil, errors.New("tls-rpt record does not start with v=TLSRPTv1")
			}
			continue
		}
		if k != "rua" {
			continue
		}
		if rua != nil {
			return nil, errors.New("tls-rpt record has rua= twice")
		}
		for u := range strings.SplitSeq(v, ",") {
			u = strings.TrimSpace(u)
			lu := strings.ToLower(u)
			if !(strings.HasPrefix(lu, "mailto:") && strings.Contains(u, "@") || strings.HasPrefix(lu, "https://") && len(u) > len("https://")) {
				return nil, fmt.Errorf("tls-rpt rua %q is not a mailto: or https: URI", trunc(u, 40))
			}
			rua = append(rua, u)
		}
	}
	if len(rua) == 0 {
		return nil, errors.New("tls-rpt record has no rua=")
	}
	return rua, nil
}

// checkTLSRPT is mail.tls-rpt.
func (c *Checker) checkTLSRPT(ctx context.Context, d *domainRun) Check {
	mx := d.mxSet(ctx)
	if mx.err == nil && !mx.receivesMail() {
		return Check{Status: StatusPass, Summary: "The domain receives no mail, so it needs no TLS-RPT record."}
	}
	name := "_smtp._tls." + d.name
	txt, err := c.dns.txt(ctx, name)
	if err != nil {
		return errorCheck("read the TLS-RPT record", err)
	}
	recs := withPrefix(txt, "v=TLSRPTv1")
	ch := Check{Evidence: quoteAll(name, recs)}
	fix := `"_smtp._tls.DOMAIN TXT \"v=TLSRPTv1; rua=mailto:tls-reports@DOMAIN\"" (the same with every mail host).`
	switch len(recs) {
	case 0:
		ch.Status, ch.Summary, ch.Fix = StatusWarn, "The domain publishes no TLS-RPT record: nobody tells it when senders fail to deliver over TLS.", fix
	case 1:
		if _, err := ParseTLSRPT(recs[0]); err != nil {
			ch.Status, ch.Summary, ch.Fix = StatusFail, fmt.Sprintf("The TLS-RPT record is invalid: %v.", err), fix
		} else {
			ch.Status, ch.Summary = StatusPass, "A valid TLS-RPT record asks senders to report TLS failures."
		}
	default:
		ch.Status, ch.Summary, ch.Fix = StatusFail, fmt.Sprintf("%s holds %d TLS-RPT records; senders then use none (RFC 8460 §3).", name, len(recs)), fix
	}
	return ch
}
