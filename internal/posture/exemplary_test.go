package posture

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestExemplaryDomain sets up a domain the way a party should — signed
// zone, SPF/DMARC/DKIM, MTA-STS, TLS-RPT, STARTTLS with DANE, HTTPS with
// HSTS, headers and security.txt, two name servers, CAA — on loopback
// servers, and checks that every one of the 18 checks passes, in one run
// of well under 5 s.
func TestExemplaryDomain(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	from, to := now.Add(-7*24*time.Hour), now.Add(21*24*time.Hour)
	ca := newCA(t)
	const d = "exemplary.test"
	names := []string{d, "mta-sts." + d}
	var https int
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := strings.Cut(r.Host, ":")
		h := w.Header()
		switch {
		case r.TLS == nil:
			http.Redirect(w, r, fmt.Sprintf("https://%s:%d/", host, https), http.StatusMovedPermanently)
		case host == "mta-sts."+d && r.URL.Path == "/.well-known/mta-sts.txt":
			h.Set("Content-Type", "text/plain")
			fmt.Fprint(w, "version: STSv1\r\nmode: enforce\r\nmx: mx."+d+"\r\nmax_age: 604800\r\n")
		case r.URL.Path == "/.well-known/security.txt":
			h.Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprint(w, "Contact: mailto:security@"+d+"\nExpires: 2027-06-01T00:00:00Z\n")
		default:
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "no-referrer")
			fmt.Fprint(w, "<html>Programme</html>")
		}
	})
	https = startTLSConfig(t, handler, goodTLSConfig(ca.issue(t, names...)))
	plain := startHTTP(t, handler)
	mxCert := ca.issue(t, "mx."+d)
	smtp := startSMTP(t, goodTLSConfig(mxCert))

	zone := `
exemplary.test.            MX 10 mx.exemplary.test.
exemplary.test.            A 127.0.0.1
mx.exemplary.test.         A 127.0.0.1
mta-sts.exemplary.test.    A 127.0.0.1
exemplary.test.            TXT "v=spf1 mx -all"
_dmarc.exemplary.test.     TXT "v=DMARC1; p=reject; rua=mailto:dmarc@exemplary.test"
_mta-sts.exemplary.test.   TXT "v=STSv1; id=20261201"
_smtp._tls.exemplary.test. TXT "v=TLSRPTv1; rua=mailto:tlsrpt@exemplary.test"
exemplary.test.            NS ns1.exemplary.test.
exemplary.test.            NS ns2.exemplary.test.
ns1.exemplary.test.        A 192.0.2.53
ns2.exemplary.test.        A 198.51.100.53
exemplary.test.            CAA 0 issue "letsencrypt.org"
` + txtRR("google._domainkey.exemplary.test.", "v=DKIM1; k=rsa; p="+readKey(t, "2048"))
	z := startDNS(t, zone)
	root, tld, zk := newZoneKey(t, "."), newZoneKey(t, "test."), newZoneKey(t, d+".")
	z.add(root.sign(t, []dns.RR{root.key}, from, to)...)
	z.add(root.sign(t, []dns.RR{root.ds(tld)}, from, to)...)
	z.add(tld.sign(t, []dns.RR{tld.key}, from, to)...)
	z.add(tld.sign(t, []dns.RR{tld.ds(zk)}, from, to)...)
	z.add(zk.sign(t, []dns.RR{zk.key}, from, to)...)
	z.add(zk.sign(t, []dns.RR{rr(t, d+". 3600 IN SOA ns1."+d+". hostmaster."+d+". 1 7200 3600 1209600 300")}, from, to)...)
	leaf, _ := x509.ParseCertificate(mxCert.Certificate[0])
	tlsa := &dns.TLSA{Hdr: dns.RR_Header{Name: "_25._tcp.mx." + d + ".", Rrtype: dns.TypeTLSA, Class: dns.ClassINET, Ttl: 3600}}
	if err := tlsa.Sign(3, 1, 1, leaf); err != nil {
		t.Fatal(err)
	}
	z.add(zk.sign(t, []dns.RR{tlsa}, from, to)...)

	c := newTestChecker(t, z, Options{RootCAs: ca.pool, HTTPSPort: https, HTTPPort: plain, SMTPPort: smtp,
		TrustAnchors: []*dns.DS{root.key.ToDS(dns.SHA256)}, Now: func() time.Time { return now }})
	start := time.Now()
	r := c.Check(context.Background(), d)
	took := time.Since(start)
	if len(r.Checks) != 18 {
		t.Fatalf("%d checks", len(r.Checks))
	}
	for _, ch := range r.Checks {
		if ch.Status != StatusPass {
			t.Errorf("%s: %s %q\nevidence: %q", ch.ID, ch.Status, ch.Summary, ch.Evidence)
		}
	}
	if took > 5*time.Second {
		t.Errorf("one domain took %v, want under 5 s", took)
	}
	t.Logf("18 checks of %s in %v", d, took)
}
