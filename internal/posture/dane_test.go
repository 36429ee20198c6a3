package posture

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestDANE publishes TLSA records for MX hosts in a zone signed under a
// test root, and probes a loopback SMTP server: a matching DANE-EE record
// passes, a record for another key fails, an unsigned TLSA fails, no TLSA
// warns.
func TestDANE(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	from, to := now.Add(-7*24*time.Hour), now.Add(21*24*time.Hour)
	ca := newCA(t)
	mxCert := ca.issue(t, "mx.dane.test")
	other := ca.issue(t, "old.dane.test")
	port := startSMTP(t, &tls.Config{Certificates: []tls.Certificate{mxCert}, MinVersion: tls.VersionTLS12})

	z := startDNS(t, `
dane.test.          MX 10 mx.dane.test.
w.dane.test.        MX 10 wrongmx.dane.test.
u.dane.test.        MX 10 mx.other.test.
n.dane.test.        MX 10 nodane.dane.test.
deep.dane.test.     MX 10 mx.deep.sub.test.
far.dane.test.      MX 10 mx.far.sub2.test.
mx.deep.sub.test.   A 127.0.0.1
mx.far.sub2.test.   A 127.0.0.1
mx.dane.test.       A 127.0.0.1
wrongmx.dane.test.  A 127.0.0.1
nodane.dane.test.   A 127.0.0.1
mx.other.test.      A 127.0.0.1
`)
	root, tld, zone := newZoneKey(t, "."), newZoneKey(t, "test."), newZoneKey(t, "dane.test.")
	z.add(root.sign(t, []dns.RR{root.key}, from, to)...)
	z.add(root.sign(t, []dns.RR{root.ds(tld)}, from, to)...)
	z.add(tld.sign(t, []dns.RR{tld.key}, from, to)...)
	z.add(tld.sign(t, []dns.RR{tld.ds(zone)}, from, to)...)
	z.add(zone.sign(t, []dns.RR{zone.key}, from, to)...)
	tlsa := func(name string, cert tls.Certificate) dns.RR {
		leaf, err := x509.ParseCertificate(cert.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		r := &dns.TLSA{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeTLSA, Class: dns.ClassINET, Ttl: 3600}}
		if err := r.Sign(3, 1, 1, leaf); err != nil {
			t.Fatal(err)
		}
		return r
	}
	z.add(zone.sign(t, []dns.RR{tlsa("_25._tcp.mx.dane.test.", mxCert)}, from, to)...)
	z.add(zone.sign(t, []dns.RR{tlsa("_25._tcp.wrongmx.dane.test.", other)}, from, to)...)
	z.add(tlsa("_25._tcp.mx.other.test.", mxCert)) // other.test is not signed
	// Signers two labels below the TLD: sub.test is an empty non-terminal
	// of test. (proven by NSEC), sub2.test has no proof.
	deep, far := newZoneKey(t, "deep.sub.test."), newZoneKey(t, "far.sub2.test.")
	for _, k := range []zoneKey{deep, far} {
		z.add(tld.sign(t, []dns.RR{tld.ds(k)}, from, to)...)
		z.add(k.sign(t, []dns.RR{k.key}, from, to)...)
		name := "_25._tcp.mx." + k.key.Hdr.Name
		z.add(k.sign(t, []dns.RR{tlsa(name, mxCert)}, from, to)...)
	}
	z.Deny("sub.test.", tld.sign(t, []dns.RR{nsec("sa.test.", "deep.sub.test.", dns.TypeNS, dns.TypeRRSIG, dns.TypeNSEC)}, from, to)...)

	c := newTestChecker(t, z, Options{SMTPPort: port, RootCAs: ca.pool, TrustAnchors: []*dns.DS{root.key.ToDS(dns.SHA256)}, Now: func() time.Time { return now }})
	for _, tc := range []struct {
		domain string
		want   Status
		says   string
	}{
		{"dane.test", StatusPass, "validated with DNSSEC, that match its certificate"},
		{"w.dane.test", StatusFail, "no TLSA record matches the certificate"},
		{"u.dane.test", StatusFail, "do not validate"},
		{"n.dane.test", StatusWarn, "No MX publishes DANE"},
		{"deep.dane.test", StatusPass, "validated with DNSSEC"},
		{"far.dane.test", StatusFail, "the parent did not prove that sub2.test., above the signer far.sub2.test., has no DS"},
	} {
		t.Run(tc.domain, func(t *testing.T) {
			ch := runOne(t, c, tc.domain, "mail.dane")
			if ch.Status != tc.want || !strings.Contains(ch.Summary, tc.says) {
				t.Errorf("%s: %s %q\nwant %s containing %q\nevidence: %q", tc.domain, ch.Status, ch.Summary, tc.want, tc.says, ch.Evidence)
			}
		})
	}
}
