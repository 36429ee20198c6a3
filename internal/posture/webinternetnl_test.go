package posture

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
)

// webSite is one web set-up of the internet.nl comparison, shaped like
// what organisations really serve (headers copied in kind from the public
// answers of search engines, social networks, encyclopaedias, code hosts,
// banks, ministries, parties and associations).
type webSite struct {
	host, who string
	// addr is where the host's name points: 127.0.0.1 has HTTPS and HTTP,
	// 127.0.0.3 HTTPS only, 127.0.0.4 HTTP only, 127.0.0.5 both with a
	// certificate for other names (a host's default certificate),
	// 127.0.0.6 both with HTTPS in TLS 1.0 and 1.1 only.
	addr string
	// http is what port 80 does with "/": "" 301 to https:// on the same
	// host, "302" the same with 302, "www" 301 to https://www.HOST/,
	// "http-www" 301 to http://www.HOST/, "serve" the page, "meta" the
	// page with a <meta http-equiv=refresh> to https://, "dead" 301 to
	// https://old.HOST/, a name without address.
	http string
	// root is what https://HOST/ does: "" the page, "www" a 301 to
	// https://www.HOST/.
	root string
	// headers are the "Name: value" lines https://HOST/ sends, separated
	// by "\n".
	headers string
	// sectxt is the body of /.well-known/security.txt ("" none: 404;
	// "@signed" a file signed with gpg); {URL} stands for the URL it is
	// served at. sectxtType is its Content-Type ("" text/plain;
	// charset=utf-8, "-" none); sectxtAt "legacy" serves it at
	// /security.txt only, "www" redirects to https://www.HOST/ which
	// serves it.
	sectxt, sectxtType, sectxtAt string
	// inl overrides webInlDefault: internet.nl's verdict per check ("-"
	// not compared); vigie gives Vigie's own where it deliberately
	// deviates, explained by the phrase of doc.go in webDeviationDoc.
	inl, vigie string
	// why is the phrase of doc.go explaining this row's deviation, when
	// it is not the usual one of webDeviationDoc.
	why string
	// hdrBad lists the headers internet.nl rates below "good" in a way
	// that counts (csp, xcto, rp: a notice), which Vigie's web.headers
	// summary must name, and only those.
	hdrBad string
}

// webInlDefault: internet.nl passes every check.
const webInlDefault = "https=pass redirect=pass hsts=pass headers=pass security-txt=pass"

// webChecks are the compared check ids in the order of the figure.
var webChecks = []string{"web.https", "web.redirect", "web.hsts", "web.headers", "web.security-txt"}

// webDeviationDoc maps each deliberate deviation to the phrase of doc.go
// giving its reason.
var webDeviationDoc = map[string]string{
	"web.https=fail":    "a site that answers on port 80 but refuses connections on 443 fails",
	"web.hsts=fail":     "a max-age followed by a comma",
	"web.redirect=fail": "when it cannot follow the chain to its end",
	"web.hsts=pass":     `a quoted max-age ("31536000")`,
}

// Header sets, as sites send them.
const (
	hFull  = "Content-Security-Policy: default-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'\nX-Content-Type-Options: nosniff\nReferrer-Policy: no-referrer\nX-Frame-Options: DENY\nStrict-Transport-Security: max-age=31536000; includeSubDomains"
	stOK   = "Contact: mailto:security@{HOST}\nExpires: 2027-06-01T00:00:00Z\nPreferred-Languages: fr, en\nCanonical: {URL}\n"
	csp    = "Content-Security-Policy: "
	noCSP  = "Content-Security-Policy:"
	hsts   = "Strict-Transport-Security: "
	rp     = "Referrer-Policy: "
	xcto   = "X-Content-Type-Options: "
	noHSTS = "Strict-Transport-Security:"
)

// hdr is hFull with each "Name: value" of changes replacing that header
// ("Name:" alone removes it; a header given twice is sent twice).
func hdr(changes ...string) string {
	lines := strings.Split(hFull, "\n")
	for _, c := range changes {
		name, _, _ := strings.Cut(c, ":")
		out := lines[:0:0]
		for _, l := range lines {
			if n, _, _ := strings.Cut(l, ":"); !strings.EqualFold(n, name) {
				out = append(out, l)
			}
		}
		lines = out
	}
	for _, c := range changes {
		if _, v, _ := strings.Cut(c, ":"); strings.TrimSpace(v) != "" {
			lines = append(lines, c)
		}
	}
	return strings.Join(lines, "\n")
}

var webSites = []webSite{
	// reference set-ups
	{host: "standards.test", who: "standards body with every header and a signed security.txt (like internet.nl's own site)", headers: hFull, sectxt: "@signed"},
	{host: "cyber-agency.test", who: "national cyber agency: HSTS preload for two years, CSP with its own static host", headers: hdr(hsts+"max-age=63072000; includeSubDomains; preload",
		csp+"default-src 'self' https://static.cyber-agency.test; img-src 'self' data: https://static.cyber-agency.test; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"), sectxt: stOK},
	{host: "api-gouv.test", who: "state API portal: everything 'none'", headers: hdr(csp + "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"), sectxt: stOK},
	// big tech
	{host: "search.test", who: "search engine: http:// to https://www. first, HSTS only through the preload list", http: "www",
		headers: "X-Frame-Options: SAMEORIGIN\nContent-Security-Policy-Report-Only: object-src 'none';base-uri 'self';script-src 'nonce-Zm9v' 'strict-dynamic' 'report-sample' 'unsafe-eval' 'unsafe-inline' https: http:",
		sectxt:  "Contact: https://g.co/vulnz\nContact: mailto:security@search.test\nEncryption: https://services.search.test/pgp-key.txt\nExpires: 2027-05-01T00:00:00Z\nAcknowledgments: https://bughunters.search.test/\nPolicy: https://g.co/vrp\nHiring: https://search.test/careers\n",
		inl:     "redirect=fail hsts=fail headers=warn", hdrBad: "csp xcto"},
	{host: "social.test", who: "social network: six months of HSTS, CSP with 'unsafe-inline' and blob:", headers: hdr(hsts+"max-age=15552000; preload",
		csp+"default-src * data: blob: 'self' 'wasm-unsafe-eval';script-src *.social.test *.fbcdn.test blob: 'self' 'unsafe-inline' 'unsafe-eval';style-src data: blob: 'unsafe-inline' *;frame-ancestors 'self';upgrade-insecure-requests;",
		rp+"origin-when-cross-origin"), sectxt: stOK, inl: "hsts=fail headers=warn", hdrBad: "csp rp"},
	{host: "encyclopedia.test", who: "encyclopaedia: HSTS preload, no CSP, origin-when-cross-origin", headers: hdr(hsts+"max-age=106384710; includeSubDomains; preload", noCSP, rp+"origin-when-cross-origin"),
		inl: "headers=warn security-txt=warn", hdrBad: "csp rp"},
	{host: "codehost.test", who: "code host: strict CSP but hosts without https:// and 'unsafe-inline' styles, a referrer fallback list", headers: hdr(hsts+"max-age=31536000; includeSubdomains; preload",
		csp+"default-src 'none'; base-uri 'self'; child-src codehost.test/assets-cdn/worker/ gist.codehost.test/assets-cdn/worker/; connect-src 'self' uploads.codehost.test api.codehost.test; form-action 'self' codehost.test gist.codehost.test; frame-ancestors 'none'; img-src 'self' data: codehostassets.test; script-src codehostassets.test; style-src 'unsafe-inline' codehostassets.test",
		rp+"origin-when-cross-origin, strict-origin-when-cross-origin"),
		sectxt: "Contact: https://hackerone.test/codehost\nExpires: 2027-03-31T00:00:00Z\nPolicy: https://bounty.codehost.test\nPreferred-Languages: en\nCanonical: {URL}\n",
		inl:    "headers=warn", hdrBad: "csp"},
	{host: "shop.test", who: "retailer: https:// redirects to www. with HSTS on the redirect", root: "www", headers: "Strict-Transport-Security: max-age=47474747; includeSubDomains; preload",
		sectxt: stOK, inl: "headers=warn", hdrBad: "csp xcto"},
	{host: "video.test", who: "video site: https:// redirects to www. without HSTS on the redirect", root: "www", headers: "Content-Type: text/html",
		sectxt: stOK, inl: "hsts=fail headers=warn", hdrBad: "csp xcto"},
	// banks
	{host: "bank-a.test", who: "bank: full set, Referrer-Policy strict-origin-when-cross-origin", headers: hdr(rp + "strict-origin-when-cross-origin"), sectxt: stOK},
	{host: "bank-b.test", who: "bank: CSP with 'unsafe-inline' for its tag manager", headers: hdr(csp + "default-src 'self'; script-src 'self' 'unsafe-inline' https://www.tagmanager.test; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"),
		sectxt: stOK, inl: "headers=warn", hdrBad: "csp"},
	{host: "bank-c.test", who: "bank: HSTS max-age=31536000, includeSubDomains written with a comma", headers: hdr(hsts + "max-age=31536000, includeSubDomains"),
		sectxt: stOK, vigie: "hsts=fail"},
	{host: "bank-d.test", who: "bank: proxy and application both send HSTS, the first for a year", headers: hdr(hsts+"max-age=31536000", hsts+"max-age=300"), sectxt: stOK},
	{host: "bank-e.test", who: "bank: includeSubDomains before max-age, two years", headers: hdr(hsts + "includeSubDomains; max-age=63072000"), sectxt: stOK},
	{host: "bank-f.test", who: "bank: 30 days of HSTS while testing", headers: hdr(hsts + "max-age=2592000"), sectxt: stOK, inl: "hsts=fail"},
	{host: "bank-g.test", who: "bank: HSTS switched off with max-age=0", headers: hdr(hsts + "max-age=0"), sectxt: stOK, inl: "hsts=fail"},
	{host: "bank-h.test", who: "bank: a quoted max-age", headers: hdr(hsts + `max-age="31536000"`), sectxt: stOK, inl: "hsts=fail", vigie: "hsts=pass"},
	// state
	{host: "ministere-web.test", who: "ministry: nonce-based strict CSP with 'strict-dynamic' and https: fallback", headers: hdr(csp + "object-src 'none'; script-src 'nonce-r4nd0m' 'strict-dynamic' https: 'unsafe-inline'; base-uri 'none'"),
		sectxt: stOK, inl: "headers=warn", hdrBad: "csp"},
	{host: "prefecture-web.test", who: "prefecture: CSP upgrade-insecure-requests only", headers: hdr(csp + "upgrade-insecure-requests"), sectxt: stOK, inl: "headers=warn", hdrBad: "csp"},
	{host: "mairie-web.test", who: "town hall: CSP frame-ancestors only (clickjacking)", headers: hdr(csp + "frame-ancestors 'self'"), sectxt: stOK, inl: "headers=warn", hdrBad: "csp"},
	{host: "region.test", who: "region: default-src https: (any HTTPS site)", headers: hdr(csp + "default-src https:; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"), sectxt: stOK, inl: "headers=warn", hdrBad: "csp"},
	{host: "musee.test", who: "museum: images from a CDN over http://", headers: hdr(csp + "default-src 'self'; img-src 'self' http://cdn.musee.test; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"), sectxt: stOK, inl: "headers=warn", hdrBad: "csp"},
	{host: "hopital.test", who: "hospital: img-src *", headers: hdr(csp + "default-src 'self'; img-src *; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"), sectxt: stOK, inl: "headers=warn", hdrBad: "csp"},
	{host: "universite.test", who: "university: data: images allowed, scripts only from itself", headers: hdr(csp + "default-src 'self'; img-src 'self' data:; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"), sectxt: stOK},
	{host: "lycee.test", who: "school: data: scripts", headers: hdr(csp + "default-src 'self'; script-src 'self' data:; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"), sectxt: stOK, inl: "headers=warn", hdrBad: "csp"},
	{host: "cnil-web.test", who: "regulator: a third-party CDN in default-src", headers: hdr(csp + "default-src 'self' https://cdn.jsdelivr.test; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"), sectxt: stOK, inl: "headers=warn", hdrBad: "csp"},
	// political parties
	{host: "parti-web-a.test", who: "party site on WordPress: http:// serves the site too", http: "serve", headers: hdr(rp + "no-referrer-when-downgrade"), sectxt: stOK, inl: "redirect=fail headers=warn", hdrBad: "rp"},
	{host: "parti-web-b.test", who: "party: http:// to http://www. then https://", http: "http-www", headers: hFull, sectxt: stOK, inl: "redirect=fail"},
	{host: "parti-web-c.test", who: "party: http:// to https://www. first", http: "www", headers: hFull, sectxt: stOK, inl: "redirect=fail"},
	{host: "parti-web-d.test", who: "party: a 302 to https:// on the same host", http: "302", headers: hFull, sectxt: stOK},
	{host: "parti-web-e.test", who: "party: a page with a meta refresh instead of a redirect", http: "meta", headers: hFull, sectxt: stOK, inl: "redirect=fail"},
	{host: "parti-web-p.test", who: "party: http:// redirects to a former host name that no longer exists", http: "dead", headers: hFull, sectxt: stOK,
		inl: "redirect=pass", vigie: "redirect=fail"},
	{host: "parti-web-f.test", who: "party on plain HTTP only: nothing on port 443", addr: "127.0.0.4", http: "serve", headers: hFull, sectxt: stOK,
		inl: "https=error redirect=- hsts=- headers=- security-txt=-", vigie: "https=fail"},
	{host: "parti-web-g.test", who: "party: HTTPS only, nothing on port 80", addr: "127.0.0.3", headers: hFull, sectxt: stOK},
	{host: "parti-web-old.test", who: "party on an old appliance: TLS 1.0 and 1.1 only", addr: "127.0.0.6", headers: hFull, sectxt: stOK,
		inl: "https=pass redirect=- hsts=fail headers=- security-txt=-", vigie: "https=fail", why: "a server that speaks only TLS 1.1 or older fails"},
	{host: "parti-web-h.test", who: "party on shared hosting: the host's default certificate", addr: "127.0.0.5", headers: hdr(noCSP), sectxt: stOK,
		inl: "https=fail headers=warn", hdrBad: "csp"},
	{host: "parti-web-i.test", who: "party: no HSTS, no security headers at all", headers: "Server: Apache", inl: "hsts=fail headers=warn security-txt=warn", hdrBad: "csp xcto"},
	{host: "parti-web-j.test", who: "party: X-Content-Type-Options misspelt no-sniff", headers: hdr(xcto + "no-sniff"), sectxt: stOK, inl: "headers=warn", hdrBad: "xcto"},
	{host: "parti-web-k.test", who: "party: X-Content-Type-Options sent twice by proxy and app", headers: hdr(xcto+"nosniff", xcto+"nosniff"), sectxt: stOK},
	{host: "parti-web-l.test", who: "party: Referrer-Policy unsafe-url", headers: hdr(rp + "unsafe-url"), sectxt: stOK, inl: "headers=warn", hdrBad: "rp"},
	{host: "parti-web-m.test", who: "party: no Referrer-Policy, no X-Frame-Options (browser defaults)", headers: hdr(rp, "X-Frame-Options:"), sectxt: stOK},
	{host: "parti-web-n.test", who: "party: Referrer-Policy same-origin", headers: hdr(rp + "same-origin"), sectxt: stOK},
	{host: "parti-web-o.test", who: "party: Referrer-Policy fallback list ending in a weak policy", headers: hdr(rp + "no-referrer, unsafe-url"), sectxt: stOK, inl: "headers=warn", hdrBad: "rp"},
	// security.txt as published
	{host: "asso-web-a.test", who: "association: security.txt expired last year", headers: hFull, sectxt: "Contact: mailto:security@asso-web-a.test\nExpires: 2025-12-31T23:00:00Z\n", inl: "security-txt=warn"},
	{host: "asso-web-b.test", who: "association: a single-page app answering every path with its HTML", headers: hFull, sectxt: "<!doctype html><title>App</title>", sectxtType: "text/html; charset=utf-8", inl: "security-txt=warn"},
	{host: "asso-web-c.test", who: "association: a 2019 draft security.txt without Expires", headers: hFull, sectxt: "Contact: mailto:security@asso-web-c.test\nEncryption: https://asso-web-c.test/key.asc\n", inl: "security-txt=warn"},
	{host: "asso-web-d.test", who: "association: security.txt at the old /security.txt", headers: hFull, sectxt: stOK, sectxtAt: "legacy", inl: "security-txt=warn"},
	{host: "asso-web-e.test", who: "association: Contact written as a bare address", headers: hFull, sectxt: "Contact: security@asso-web-e.test\nExpires: 2027-06-01T00:00:00Z\n", inl: "security-txt=warn"},
	{host: "asso-web-f.test", who: "association: Expires five years ahead", headers: hFull, sectxt: "Contact: mailto:security@asso-web-f.test\nExpires: 2031-12-31T23:59:59Z\n"},
	{host: "asso-web-g.test", who: "association: charset=iso-8859-1", headers: hFull, sectxt: stOK, sectxtType: "text/plain; charset=iso-8859-1", inl: "security-txt=warn"},
	{host: "asso-web-h.test", who: "association: security.txt redirected to the www. host, Canonical naming it", headers: hFull, sectxt: stOK, sectxtAt: "www"},
	{host: "asso-web-i.test", who: "association: security.txt copied from another site, Canonical naming that site", headers: hFull,
		sectxt: "Contact: mailto:security@asso-web-i.test\nExpires: 2027-06-01T00:00:00Z\nCanonical: https://other-asso.test/.well-known/security.txt\n", inl: "security-txt=warn"},
	{host: "asso-web-j.test", who: "association: last line without a line feed", headers: hFull, sectxt: "Contact: mailto:security@asso-web-j.test\nExpires: 2027-06-01T00:00:00Z", inl: "security-txt=warn"},
	{host: "asso-web-k.test", who: "association: security.txt without Content-Type", headers: hFull, sectxt: stOK, sectxtType: "-", inl: "security-txt=warn"},
	{host: "asso-web-l.test", who: "association: http:// Contact page", headers: hFull, sectxt: "Contact: http://asso-web-l.test/contact\nExpires: 2027-06-01T00:00:00Z\n", inl: "security-txt=warn"},
}

// webHandler serves webSites; https is the HTTPS port and plain the HTTP
// one, for the redirects.
func webSitesHandler(t *testing.T, https, plain *int) http.Handler {
	signed, err := os.ReadFile("testdata/web/signed-security.txt")
	if err != nil {
		t.Fatal(err)
	}
	sites := map[string]webSite{}
	for _, s := range webSites {
		sites[s.host] = s
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := strings.Cut(r.Host, ":")
		s, ok := sites[host]
		if !ok { // www. hosts and other redirect targets
			if base, isWWW := strings.CutPrefix(host, "www."); isWWW && r.URL.Path == securityTxtPath && sites[base].sectxtAt == "www" {
				s = sites[base]
				serveSecurityTxt(w, r, s, signed)
				return
			}
			fmt.Fprint(w, "<html>www</html>")
			return
		}
		if r.TLS == nil {
			target := fmt.Sprintf("https://%s:%d/", host, *https)
			switch s.http {
			case "":
				http.Redirect(w, r, target, http.StatusMovedPermanently)
			case "302":
				http.Redirect(w, r, target, http.StatusFound)
			case "www":
				http.Redirect(w, r, fmt.Sprintf("https://www.%s:%d/", host, *https), http.StatusMovedPermanently)
			case "http-www":
				http.Redirect(w, r, fmt.Sprintf("http://www.%s:%d/", host, *plain), http.StatusMovedPermanently)
			case "dead":
				http.Redirect(w, r, fmt.Sprintf("https://old.%s:%d/", host, *https), http.StatusMovedPermanently)
			case "meta":
				fmt.Fprintf(w, `<html><meta http-equiv="refresh" content="0; url=%s"></html>`, target)
			default:
				fmt.Fprint(w, "<html>Bienvenue</html>")
			}
			return
		}
		switch r.URL.Path {
		case securityTxtPath:
			if s.sectxt == "" || s.sectxtAt == "legacy" {
				http.NotFound(w, r)
				return
			}
			if s.sectxtAt == "www" {
				http.Redirect(w, r, fmt.Sprintf("https://www.%s:%d%s", host, *https, securityTxtPath), http.StatusMovedPermanently)
				return
			}
			serveSecurityTxt(w, r, s, signed)
			return
		case securityTxtLegacyPath:
			if s.sectxtAt == "legacy" {
				serveSecurityTxt(w, r, s, signed)
				return
			}
			http.NotFound(w, r)
			return
		case "/":
		default:
			http.NotFound(w, r)
			return
		}
		for l := range strings.SplitSeq(s.headers, "\n") {
			if n, v, ok := strings.Cut(l, ":"); ok {
				w.Header().Add(n, strings.TrimSpace(v))
			}
		}
		if s.root == "www" {
			http.Redirect(w, r, fmt.Sprintf("https://www.%s:%d/", host, *https), http.StatusMovedPermanently)
			return
		}
		fmt.Fprint(w, "<html>Bienvenue</html>")
	})
}

func serveSecurityTxt(w http.ResponseWriter, r *http.Request, s webSite, signed []byte) {
	body := s.sectxt
	if body == "@signed" {
		body = string(signed)
	}
	u := "https://" + r.Host + r.URL.Path
	body = strings.ReplaceAll(strings.ReplaceAll(body, "{URL}", u), "{HOST}", s.host)
	switch s.sectxtType {
	case "":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	case "-":
		w.Header()["Content-Type"] = nil // no Content-Type, not even sniffed
	default:
		w.Header().Set("Content-Type", s.sectxtType)
	}
	fmt.Fprint(w, body)
}

// serveAt serves handler on addr, over TLS when cfg is not nil.
func serveAt(t *testing.T, addr string, handler http.Handler, cfg *tls.Config) int {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler, ErrorLog: log.New(io.Discard, "", 0)}
	if cfg != nil {
		srv.TLSConfig = cfg
		go srv.ServeTLS(l, "", "")
	} else {
		go srv.Serve(l)
	}
	t.Cleanup(func() { srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

// TestWebInternetNLAgreement serves every web set-up on loopback and
// checks Vigie gives internet.nl's verdict, or its own documented one;
// the agreement figure printed in doc.go must be the one measured here.
func TestWebInternetNLAgreement(t *testing.T) {
	raw, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(strings.ReplaceAll(string(raw), "\n//", "\n")), " ")
	if len(webSites) < 40 {
		t.Fatalf("%d web set-ups, want at least 40", len(webSites))
	}
	var zone strings.Builder
	var names []string
	for _, s := range webSites {
		addr := s.addr
		if addr == "" {
			addr = "127.0.0.1"
		}
		fmt.Fprintf(&zone, "%s. A %s\nwww.%s. A 127.0.0.1\n", s.host, addr, s.host)
		names = append(names, s.host, "www."+s.host)
	}
	z := startDNS(t, zone.String())
	ca := newCA(t)
	cert, other := ca.issue(t, names...), ca.issue(t, "hosting.test", "*.hosting.test")
	var https, plain int
	h := webSitesHandler(t, &https, &plain)
	modern := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	https = serveAt(t, "127.0.0.1:0", h, modern)
	plain = serveAt(t, "127.0.0.1:0", h, nil)
	serveAt(t, fmt.Sprintf("127.0.0.3:%d", https), h, modern)
	serveAt(t, fmt.Sprintf("127.0.0.4:%d", plain), h, nil)
	serveAt(t, fmt.Sprintf("127.0.0.5:%d", https), h, &tls.Config{Certificates: []tls.Certificate{other}, MinVersion: tls.VersionTLS12})
	serveAt(t, fmt.Sprintf("127.0.0.5:%d", plain), h, nil)
	serveAt(t, fmt.Sprintf("127.0.0.6:%d", https), h, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
	serveAt(t, fmt.Sprintf("127.0.0.6:%d", plain), h, nil)
	c := newTestChecker(t, z, Options{RootCAs: ca.pool, HTTPSPort: https, HTTPPort: plain})

	verdicts := func(defaults, overrides string) map[string]string {
		out := map[string]string{}
		for _, f := range append(strings.Fields(defaults), strings.Fields(overrides)...) {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				t.Fatalf("bad verdict %q", f)
			}
			out["web."+k] = v
		}
		return out
	}
	agree, compared := map[string]int{}, map[string]int{}
	seen := map[string]bool{}
	for _, s := range webSites {
		if seen[s.host] {
			t.Errorf("%s listed twice", s.host)
		}
		seen[s.host] = true
		inl, dev := verdicts(webInlDefault, s.inl), verdicts("", s.vigie)
		for _, id := range webChecks {
			if inl[id] == "-" {
				continue
			}
			want := Status(inl[id])
			if v := dev[id]; v != "" {
				if v == inl[id] {
					t.Errorf("%s %s: deviation recorded with internet.nl's verdict %s", s.host, id, v)
				}
				why := webDeviationDoc[id+"="+v]
				if s.why != "" {
					why = s.why
				}
				if why == "" || !strings.Contains(doc, why) {
					t.Errorf("%s %s: deviation to %s is not documented in doc.go (%q)", s.host, id, v, why)
				}
				want = Status(v)
			}
			ch := runOne(t, c, s.host, id)
			if ch.Status != want {
				t.Errorf("%s (%s) %s: Vigie %s %q, want %s (internet.nl %s)\nevidence: %q", s.host, s.who, id, ch.Status, ch.Summary, want, inl[id], ch.Evidence)
			}
			if id == "web.headers" && ch.Status == StatusWarn {
				for _, hn := range []struct{ key, name string }{{"csp", "Content-Security-Policy"}, {"xcto", "X-Content-Type-Options"}, {"rp", "Referrer-Policy"}} {
					if named, bad := strings.Contains(ch.Summary, hn.name), strings.Contains(s.hdrBad, hn.key); named != bad {
						t.Errorf("%s web.headers: summary %q names %s: %v, internet.nl rates it below good: %v", s.host, ch.Summary, hn.name, named, bad)
					}
				}
			}
			if ch.Status != StatusPass && ch.Fix == "" && ch.Status != StatusError {
				t.Errorf("%s %s: %s without a fix", s.host, id, ch.Status)
			}
			compared[id]++
			if string(ch.Status) == inl[id] {
				agree[id]++
			}
		}
	}
	var parts []string
	for _, id := range webChecks {
		parts = append(parts, fmt.Sprintf("%s %d of %d", id, agree[id], compared[id]))
	}
	figure := strings.Join(parts, ", ")
	t.Logf("web agreement with internet.nl: %s", figure)
	if !strings.Contains(doc, figure) {
		t.Errorf("doc.go does not state the measured web agreement %q", figure)
	}
	if n := fmt.Sprintf("serves %d web set-ups", len(webSites)); !strings.Contains(doc, n) {
		t.Errorf("doc.go does not say it %s", n)
	}
}
