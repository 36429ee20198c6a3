package posture

import (
	"crypto"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

type zoneKey struct {
	key  *dns.DNSKEY
	priv crypto.Signer
}

func newZoneKey(t *testing.T, zone string) zoneKey {
	t.Helper()
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	priv, err := k.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	return zoneKey{k, priv.(crypto.Signer)}
}

// sign returns set with its RRSIG, valid from inception to expiration.
func (k zoneKey) sign(t *testing.T, set []dns.RR, inception, expiration time.Time) []dns.RR {
	t.Helper()
	h := set[0].Header()
	sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: h.Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: h.Ttl},
		Inception: uint32(inception.Unix()), Expiration: uint32(expiration.Unix()),
		KeyTag: k.key.KeyTag(), SignerName: k.key.Hdr.Name, Algorithm: k.key.Algorithm}
	if err := sig.Sign(k.priv, set); err != nil {
		t.Fatal(err)
	}
	return append(append([]dns.RR(nil), set...), sig)
}

func (k zoneKey) ds(child zoneKey) dns.RR { return child.key.ToDS(dns.SHA256) }

func rr(t *testing.T, s string) dns.RR {
	t.Helper()
	r, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDNSSEC signs a test root, a test TLD and zones below it, good and
// broken in the ways zones really break, and validates them from the test
// root's trust anchor.
func TestDNSSEC(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	from, to := now.Add(-7*24*time.Hour), now.Add(21*24*time.Hour)
	z := startDNS(t, "")
	root, tld := newZoneKey(t, "."), newZoneKey(t, "test.")
	z.add(root.sign(t, []dns.RR{root.key}, from, to)...)
	z.add(root.sign(t, []dns.RR{root.ds(tld)}, from, to)...)
	z.add(tld.sign(t, []dns.RR{tld.key}, from, to)...)
	soa := func(zone string) []dns.RR {
		return []dns.RR{rr(t, zone+" 3600 IN SOA ns1."+zone+" hostmaster."+zone+" 2026120701 7200 3600 1209600 300")}
	}
	signedZone := func(name string, sigTo time.Time, withDS bool, withKey bool) zoneKey {
		k := newZoneKey(t, name)
		if withDS {
			z.add(tld.sign(t, []dns.RR{tld.ds(k)}, from, to)...)
		}
		if withKey {
			z.add(k.sign(t, []dns.RR{k.key}, from, to)...)
			z.add(k.sign(t, soa(name), from, sigTo)...)
		} else {
			z.add(soa(name)...)
		}
		return k
	}
	signedZone("good.test.", to, true, true)
	signedZone("expired.test.", now.Add(-36*time.Hour), true, true)
	signedZone("orphan.test.", to, false, true)
	signedZone("nokey.test.", to, true, false)
	signedZone("unsigned.test.", to, false, false)
	// broken.test: the parent holds the DS of a key the zone no longer uses.
	old := newZoneKey(t, "broken.test.")
	z.add(tld.sign(t, []dns.RR{tld.ds(old)}, from, to)...)
	cur := newZoneKey(t, "broken.test.")
	z.add(cur.sign(t, []dns.RR{cur.key}, from, to)...)
	z.add(cur.sign(t, soa("broken.test."), from, to)...)

	anchor := root.key.ToDS(dns.SHA256)
	c := newTestChecker(t, z, Options{TrustAnchors: []*dns.DS{anchor}, Now: func() time.Time { return now }})
	for _, tc := range []struct {
		domain string
		want   Status
		says   string
	}{
		{"good.test", StatusPass, "validated the chain of trust"},
		{"expired.test", StatusFail, "expired on " + now.Add(-36*time.Hour).Format("2006-01-02")},
		{"broken.test", StatusFail, "No DNSKEY of broken.test. matches its DS"},
		{"orphan.test", StatusFail, "its parent has no DS"},
		{"nokey.test", StatusFail, "has no DNSKEY"},
		{"unsigned.test", StatusFail, "not signed"},
	} {
		t.Run(tc.domain, func(t *testing.T) {
			ch := runOne(t, c, tc.domain, "dns.dnssec")
			if ch.Status != tc.want || !strings.Contains(ch.Summary, tc.says) {
				t.Errorf("%s: %s %q\nwant %s containing %q\nevidence: %q", tc.domain, ch.Status, ch.Summary, tc.want, tc.says, ch.Evidence)
			}
		})
	}
	// The same chain under the real root anchors does not validate: Vigie
	// starts from the anchor, not from what the server says.
	real := newTestChecker(t, z, Options{Now: func() time.Time { return now }})
	if ch := runOne(t, real, "good.test", "dns.dnssec"); ch.Status != StatusFail || !strings.Contains(ch.Summary, "No DNSKEY of . matches") {
		t.Errorf("under the IANA anchors: %s %q", ch.Status, ch.Summary)
	}
	if len(RootAnchors) != 2 || RootAnchors[1].KeyTag != 38696 {
		t.Errorf("root anchors: %v", RootAnchors)
	}
}
