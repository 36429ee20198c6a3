package posture

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

const webZone = `
good.test.     A 127.0.0.1
www.test.      A 127.0.0.1
www.www.test.  A 127.0.0.1
plain.test.    A 127.0.0.1
badcert.test.  A 127.0.0.1
expired.test.  A 127.0.0.1
html.test.     A 127.0.0.1
noexp.test.    A 127.0.0.1
far.test.      A 127.0.0.1
signed.test.   A 127.0.0.1
noweb.test.    MX 0 .
`

func webHandler(httpsPort int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := strings.Cut(r.Host, ":")
		h := w.Header()
		if r.TLS == nil { // port 80
			switch host {
			case "plain.test":
				fmt.Fprint(w, "<html>Bienvenue</html>")
			case "www.test":
				http.Redirect(w, r, fmt.Sprintf("https://www.www.test:%d/", httpsPort), http.StatusMovedPermanently)
			default:
				http.Redirect(w, r, fmt.Sprintf("https://%s:%d%s", host, httpsPort, r.URL.Path), http.StatusMovedPermanently)
			}
			return
		}
		if r.URL.Path == "/.well-known/security.txt" {
			text := "text/plain; charset=utf-8"
			switch host {
			case "good.test":
				h.Set("Content-Type", text)
				fmt.Fprint(w, "Contact: mailto:security@good.test\nExpires: 2027-06-01T00:00:00Z\nPreferred-Languages: fr, en\n")
			case "expired.test":
				h.Set("Content-Type", text)
				fmt.Fprint(w, "Contact: mailto:security@expired.test\nExpires: 2025-01-01T00:00:00Z\n")
			case "html.test":
				h.Set("Content-Type", "text/html")
				fmt.Fprint(w, "<html>Contact: mailto:x@html.test</html>")
			case "noexp.test":
				h.Set("Content-Type", text)
				fmt.Fprint(w, "Contact: https://noexp.test/contact\n")
			case "far.test":
				h.Set("Content-Type", text)
				fmt.Fprint(w, "Contact: mailto:security@far.test\nExpires: 2031-01-01T00:00:00Z\n")
			case "signed.test":
				h.Set("Content-Type", text)
				fmt.Fprint(w, "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nContact: mailto:cert@signed.test\nExpires: 2027-03-01T00:00:00+01:00\n-----BEGIN PGP SIGNATURE-----\n\niHUEARYKAB0=\n-----END PGP SIGNATURE-----\n")
			default:
				http.NotFound(w, r)
			}
			return
		}
		switch host {
		case "good.test":
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload")
			h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		case "www.test":
			h.Set("Strict-Transport-Security", "max-age=300")
			h.Set("X-Content-Type-Options", "nosniff")
		case "expired.test":
			h.Set("Strict-Transport-Security", "max-age=31536000, includeSubDomains")
		}
		fmt.Fprint(w, "<html>Bienvenue</html>")
	})
}

func TestWebChecks(t *testing.T) {
	z := startDNS(t, webZone)
	ca := newCA(t)
	names := []string{"good.test", "www.test", "www.www.test", "plain.test", "expired.test", "html.test", "noexp.test", "far.test", "signed.test"}
	var https int
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { webHandler(https).ServeHTTP(w, r) })
	https = startHTTPS(t, ca, handler, tls.VersionTLS12, names...)
	oldHTTPS := startHTTPS(t, ca, handler, tls.VersionTLS10, names...)
	plain := startHTTP(t, handler)
	rsaCert := ca.issueRSA(t, names...)
	// A server that still offers RSA key exchange, and one that offers 3DES.
	noPFS := startTLSConfig(t, handler, &tls.Config{Certificates: []tls.Certificate{rsaCert}, MinVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_128_GCM_SHA256}})
	des := startTLSConfig(t, handler, &tls.Config{Certificates: []tls.Certificate{rsaCert}, MinVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA}})
	goodTLS := startTLSConfig(t, handler, goodTLSConfig(ca.issue(t, names...)))
	c := newTestChecker(t, z, Options{RootCAs: ca.pool, HTTPSPort: https, HTTPPort: plain})
	old := newTestChecker(t, z, Options{RootCAs: ca.pool, HTTPSPort: oldHTTPS, HTTPPort: plain})
	for _, tc := range []struct {
		domain, id string
		c          *Checker
		want       Status
		says       string
	}{
		{"good.test", "web.https", c, StatusPass, "valid certificate"},
		{"good.test", "web.https", old, StatusPass, "valid certificate"}, // TLS 1.0 is web.tls's job
		{"good.test", "web.tls", old, StatusFail, "accepts TLS 1.1, TLS 1.0"},
		{"good.test", "web.tls", newTestChecker(t, z, Options{RootCAs: ca.pool, HTTPSPort: noPFS, HTTPPort: plain}), StatusFail, "(TLS_RSA_WITH_AES_128_GCM_SHA256)"},
		{"good.test", "web.tls", newTestChecker(t, z, Options{RootCAs: ca.pool, HTTPSPort: des, HTTPPort: plain}), StatusFail, "(TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA)"},
		{"good.test", "web.tls", newTestChecker(t, z, Options{RootCAs: ca.pool, HTTPSPort: goodTLS, HTTPPort: plain}), StatusPass, "follows the NCSC-NL guidelines"},
		{"noweb.test", "web.tls", c, StatusFail, "No HTTPS server"},
		{"badcert.test", "web.https", c, StatusFail, "certificate is not valid"},
		{"noweb.test", "web.https", c, StatusFail, "not reachable"},
		{"good.test", "web.redirect", c, StatusPass, "same host"},
		{"www.test", "web.redirect", c, StatusFail, "another host (www.www.test)"},
		{"plain.test", "web.redirect", c, StatusFail, "without a redirect"},
		{"noweb.test", "web.redirect", c, StatusPass, "Nothing answers"},
		{"good.test", "web.hsts", c, StatusPass, "one year"},
		{"expired.test", "web.hsts", c, StatusFail, "invalid"}, // a comma: browsers ignore the header
		{"www.test", "web.hsts", c, StatusFail, "max-age is 300"},
		{"plain.test", "web.hsts", c, StatusFail, "no HSTS"},
		{"good.test", "web.headers", c, StatusPass, "are set"},
		{"www.test", "web.headers", c, StatusWarn, "no Content-Security-Policy."},
		{"good.test", "web.security-txt", c, StatusPass, "mailto:security@good.test"},
		{"signed.test", "web.security-txt", c, StatusWarn, "signature block is malformed"},
		{"expired.test", "web.security-txt", c, StatusWarn, "expired on 2025-01-01"},
		{"html.test", "web.security-txt", c, StatusWarn, "text/plain"},
		{"noexp.test", "web.security-txt", c, StatusWarn, "no Expires"},
		{"far.test", "web.security-txt", c, StatusPass, "more than a year"},
		{"www.test", "web.security-txt", c, StatusWarn, "at /security.txt, not /.well-known/security.txt"},
		{"noweb.test", "web.security-txt", c, StatusWarn, "no security.txt"},
	} {
		t.Run(tc.domain+"/"+tc.id, func(t *testing.T) {
			ch := runOne(t, tc.c, tc.domain, tc.id)
			if ch.Status != tc.want || !strings.Contains(ch.Summary, tc.says) {
				t.Errorf("%s %s: %s %q\nwant %s containing %q\nevidence: %q", tc.domain, tc.id, ch.Status, ch.Summary, tc.want, tc.says, ch.Evidence)
			}
			if ch.Status != StatusPass && ch.Fix == "" {
				t.Errorf("%s %s: %s without a fix", tc.domain, tc.id, ch.Status)
			}
		})
	}
}

func TestParseSecurityTxt(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	const url = "https://party.test/.well-known/security.txt"
	for _, tc := range []struct{ in, err, rec string }{
		{"Contact: mailto:a@b.example\nExpires: 2027-01-01T00:00:00Z\n", "", "no_encryption"},
		{"# comment\r\nContact: tel:+33-1-00-00-00-00\r\nExpires: 2027-01-01 00:00:00.5+02:00\r\n", "", "not_signed"},
		{"Contact: mailto:a@b.example\nExpires: 2028-01-01T00:00:00Z\n", "", "long_expiry"},
		{"Expires: 2027-01-01T00:00:00Z\n", "no_contact", ""},
		{"Contact: security@b.example\nExpires: 2027-01-01T00:00:00Z\n", "no_uri", ""},
		{"Contact: http://b.example/security\nExpires: 2027-01-01T00:00:00Z\n", "no_https", ""},
		{"Contact: mailto:a@b.example\nExpires: Fri, 1 Jan 2027 00:00:00 GMT\n", "invalid_expiry", ""},
		{"Contact: mailto:a@b.example\nExpires: 2027-02-30T00:00:00Z\n", "invalid_expiry", ""},
		{"Contact: mailto:a@b.example\nExpires: 2026-01-01T00:00:00Z\n", "expired", ""},
		{"Contact: mailto:a@b.example\nExpires: 2027-01-01T00:00:00Z\nExpires: 2027-02-01T00:00:00Z\n", "multi_expire", ""},
		{"Contact: mailto:a@b.example\nExpires: 2027-01-01T00:00:00Z", "no_line_separators", ""},
		{"Contact:mailto:a@b.example\nExpires: 2027-01-01T00:00:00Z\n", "no_space", ""},
		{"Contact : mailto:a@b.example\nExpires: 2027-01-01T00:00:00Z\n", "prec_ws", ""},
		{"Contact security team\nExpires: 2027-01-01T00:00:00Z\n", "invalid_line", ""},
		{"Contact: mailto:a@b.example\nExpires: 2027-01-01T00:00:00Z\nCanonical: https://www.party.test/.well-known/security.txt\n", "no_canonical_match", ""},
		{"Contact: mailto:a@b.example\nExpires: 2027-01-01T00:00:00Z\nPreferred-Languages: fr, en\nPreferred-Languages: de\n", "multi_lang", ""},
		{"Contact: mailto:a@b.example\nExpires: 2027-01-01T00:00:00Z\nPreferred-Languages: french\n", "invalid_lang", ""},
		{"\ufeffContact: mailto:a@b.example\nExpires: 2027-01-01T00:00:00Z\n", "bom_in_file", ""},
		{"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nContact: mailto:a@b.example\nExpires: 2027-01-01T00:00:00Z\n", "pgp_error", ""},
		{"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nContact: mailto:a@b.example\nExpires: 2027-01-01T00:00:00Z\n-----BEGIN PGP SIGNATURE-----\n\niHUEARYKAB0=\n-----END PGP SIGNATURE-----\n", "pgp_error", ""},
	} {
		s, err := ParseSecurityTxt(tc.in, now, url)
		if err != nil {
			t.Errorf("%.40q: %v", tc.in, err)
			continue
		}
		codes := func(ns []SecurityTxtNote) (out []string) {
			for _, n := range ns {
				out = append(out, n.Code)
			}
			return out
		}
		errs, recs := codes(s.Errors), codes(s.Recommendations)
		if tc.err == "" && len(errs) > 0 || tc.err != "" && !slices.Contains(errs, tc.err) {
			t.Errorf("%.60q: errors %v, want %q", tc.in, errs, tc.err)
		}
		if tc.rec != "" && !slices.Contains(recs, tc.rec) {
			t.Errorf("%.60q: recommendations %v, want %q", tc.in, recs, tc.rec)
		}
	}
	if _, err := ParseSecurityTxt(strings.Repeat("#", MaxSecurityTxtSize+1), now, url); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("oversized file: %v", err)
	}
}

// TestCSPProblems covers each of internet.nl's CSP rules on both sides.
func TestCSPProblems(t *testing.T) {
	const base = "; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
	for _, tc := range []struct{ csp, want string }{
		{"default-src 'self'" + base, ""},
		{"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'", ""},
		{"default-src 'self' https://static.party.test 'report-sample'" + base, ""},
		{"default-src 'self' https://static.party.test https://*.party.test" + base, "default-src"}, // internet.nl: hosts must share the shortest one's suffix
		{"default-src 'self' https://cdn.other.test" + base, "default-src"},
		{"default-src 'self' https://evilparty.test; frame-ancestors 'self'; base-uri 'self' https://evilparty.test; form-action 'self'", "default-src"}, // a suffix, not a sub-domain
		{"default-src 'self' https://party.test" + base, ""},                                                                                             // the domain itself
		{"default-src 'self' 'none'" + base, "default-src"},
		{"default-src 'self'; img-src 'self' data:" + base, ""},
		{"default-src 'self'; script-src 'self' data:" + base, "data:"},
		{"default-src 'self' data:" + base, "data:"},
		{"default-src 'self'; style-src 'self' 'unsafe-inline'" + base, "'unsafe-inline'"},
		{"default-src 'self'; script-src 'self' 'unsafe-eval'" + base, "'unsafe-eval'"},
		{"default-src 'self'; script-src 'self' 'unsafe-hashes' 'sha256-YWJj'" + base, "'unsafe-hashes'"},
		{"default-src 'self'; img-src http://cdn.party.test" + base, "http:"},
		{"default-src 'self'; img-src https:" + base, "bare https:"},
		{"default-src 'self'; img-src cdn.party.test" + base, "without https://"},
		{"default-src 'self'; img-src *" + base, `"*"`},
		{"default-src 'self'; frame-ancestors https://partner.test; base-uri 'self'; form-action 'self'", "frame-ancestors"},
		{"default-src 'self'; frame-ancestors 'self'; form-action 'self'", "base-uri"},
		{"default-src 'self'; frame-ancestors 'self'; base-uri 'self'", "form-action"},
		{"Default-Src 'self'; FRAME-ANCESTORS 'SELF'; Base-URI 'self'; Form-Action 'Self'", ""}, // names and keywords in any case, as browsers read them
		{"DEFAULT-SRC 'self'; Script-Src 'Unsafe-Inline'" + base, "'unsafe-inline'"},
		{"default-src 'self'; Object-Src DATA:" + base, "data:"},
		{"default-src 'self'; img-src HTTP://cdn.party.test" + base, "http:"},
		{"default-src 'self' HTTPS://Static.Party.Test" + base, ""},
		{"default-src 'self'" + base + ", script-src 'unsafe-inline'", "'unsafe-inline'"}, // a second header field
		{"upgrade-insecure-requests", "default-src"},
	} {
		got := strings.Join(CSPProblems(tc.csp, "party.test"), "; ")
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%q: problems %q, want %q", tc.csp, got, tc.want)
		}
	}
}

func TestReferrerPolicyRating(t *testing.T) {
	for v, want := range map[string]string{
		"": "ok", "no-referrer": "good", "same-origin": "good", "strict-origin": "ok",
		"strict-origin-when-cross-origin": "ok", "origin": "bad", "unsafe-url": "bad",
		"no-referrer-when-downgrade": "bad", "no-referrer, strict-origin-when-cross-origin": "ok",
		"same-origin, unsafe-url": "bad", "nonsense": "bad",
	} {
		if got := ReferrerPolicyRating(v); got != want {
			t.Errorf("%q: %s, want %s", v, got, want)
		}
	}
}
