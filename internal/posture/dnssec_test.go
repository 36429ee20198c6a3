package posture

import (
	"crypto"
	"fmt"
	"slices"
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

// nsec is the NSEC record at owner.
func nsec(owner, next string, types ...uint16) dns.RR {
	slices.Sort(types)
	return &dns.NSEC{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: 300}, NextDomain: next, TypeBitMap: types}
}

// nsec3 is the NSEC3 record of zone (no salt, no extra iterations, RFC
// 9276) for name, or, with name empty, the one at the hash owner; flags 1
// is opt-out. Its next hashed name is the last possible one.
func nsec3(zone, name string, flags uint8, owner string, types ...uint16) dns.RR {
	slices.Sort(types)
	next := "VVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVV"
	if name != "" {
		owner = dns.HashName(name, dns.SHA1, 0, "")
		next = succ32(owner)
	}
	return &dns.NSEC3{Hdr: dns.RR_Header{Name: strings.ToLower(owner) + "." + zone, Rrtype: dns.TypeNSEC3, Class: dns.ClassINET, Ttl: 300},
		Hash: dns.SHA1, Flags: flags, Iterations: 0, HashLength: 20, NextDomain: next, TypeBitMap: types}
}

// succ32 is the next base32hex string after h, so that an NSEC3 at a
// name's hash covers nothing else.
func succ32(h string) string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
	b := []byte(strings.ToUpper(h))
	for i := len(b) - 1; i >= 0; i-- {
		j := strings.IndexByte(digits, b[i])
		if j < len(digits)-1 {
			b[i] = digits[j+1]
			return string(b)
		}
		b[i] = '0'
	}
	return string(b)
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
	// The insecure delegations, each with the parent's signed proof that
	// there is no DS, the way NSEC and NSEC3 zones send it.
	deny := func(name string, rrs ...dns.RR) {
		for _, r := range rrs {
			z.Deny(name, tld.sign(t, []dns.RR{r}, from, to)...)
		}
	}
	signedZone("unsigned.test.", to, false, false)
	deny("unsigned.test.", nsec("unsigned.test.", "v.test.", dns.TypeNS, dns.TypeRRSIG, dns.TypeNSEC))
	deny("orphan.test.", nsec("orphan.test.", "p.test.", dns.TypeNS, dns.TypeRRSIG, dns.TypeNSEC))
	signedZone("unsigned3.test.", to, false, false)
	deny("unsigned3.test.", nsec3("test.", "unsigned3.test.", 0, "", dns.TypeNS))
	signedZone("optout.test.", to, false, false)
	deny("optout.test.", nsec3("test.", "test.", 1, "", dns.TypeSOA, dns.TypeNS, dns.TypeDNSKEY, dns.TypeRRSIG, dns.TypeNSEC3PARAM),
		nsec3("test.", "", 1, "00000000000000000000000000000000"))
	// The same closest-encloser proof without opt-out says the name does
	// not exist.
	signedZone("nooptout.test.", to, false, false)
	deny("nooptout.test.", nsec3("test.", "test.", 0, "", dns.TypeSOA, dns.TypeNS, dns.TypeDNSKEY, dns.TypeRRSIG, dns.TypeNSEC3PARAM),
		nsec3("test.", "", 0, "00000000000000000000000000000000"))
	// An opt-out NSEC3 covering the name, without the closest encloser's.
	signedZone("nocE.test.", to, false, false)
	deny("noce.test.", nsec3("test.", "", 1, "00000000000000000000000000000000"))
	// No proof at all, a proof signed by a key the parent does not
	// publish, a proof that lists a DS, and a proof for another name.
	signedZone("noproof.test.", to, false, false)
	signedZone("forged.test.", to, false, false)
	forger := newZoneKey(t, "test.")
	z.Deny("forged.test.", forger.sign(t, []dns.RR{nsec("forged.test.", "g.test.", dns.TypeNS)}, from, to)...)
	signedZone("hasds.test.", to, false, false)
	deny("hasds.test.", nsec("hasds.test.", "i.test.", dns.TypeNS, dns.TypeDS))
	signedZone("other.test.", to, false, false)
	deny("other.test.", nsec("a.test.", "b.test.", dns.TypeNS))
	// A domain two labels below the TLD: sub.test is an empty
	// non-terminal of the TLD zone (proven), party.sub.test its signed
	// child; and one below an unsigned delegation.
	deny("sub.test.", nsec("sa.test.", "party.sub.test.", dns.TypeNS, dns.TypeDS, dns.TypeRRSIG, dns.TypeNSEC))
	signedZone("party.sub.test.", to, true, true)
	// A name inside a signed zone, not a zone of its own (the
	// newsletter sub-domain of a party): its MX is signed by the zone,
	// validly or not.
	pk := signedZone("parti.test.", to, true, true)
	z.Deny("news.parti.test.", pk.sign(t, []dns.RR{nsec("news.parti.test.", "www.parti.test.", dns.TypeMX, dns.TypeRRSIG, dns.TypeNSEC)}, from, to)...)
	z.add(pk.sign(t, []dns.RR{rr(t, "news.parti.test. 300 IN MX 10 mx.parti.test.")}, from, to)...)
	z.Deny("old.parti.test.", pk.sign(t, []dns.RR{nsec("old.parti.test.", "parti.test.", dns.TypeA, dns.TypeRRSIG, dns.TypeNSEC)}, from, to)...)
	z.add(pk.sign(t, []dns.RR{rr(t, "old.parti.test. 300 IN A 192.0.2.7")}, from, now.Add(-time.Hour))...)
	deny("insec.test.", nsec("insec.test.", "j.test.", dns.TypeNS))
	signedZone("party.insec.test.", to, false, false)
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
		{"unsigned3.test", StatusFail, "its parent zone proves there is no DS"},
		{"optout.test", StatusFail, "its parent zone proves there is no DS"},
		{"nooptout.test", StatusFail, "proves that nooptout.test. does not exist"},
		{"noproof.test", StatusFail, "The parent did not prove that no DS exists for noproof.test.: the parent zone returned no DS and no NSEC"},
		{"forged.test", StatusFail, "did not prove that no DS exists for forged.test.: no NSEC or NSEC3 record returned matches or covers forged.test. (forged.test. NSEC is signed by key " + fmt.Sprint(forger.key.KeyTag())},
		{"hasds.test", StatusFail, "says a DS record exists, but none was returned"},
		{"other.test", StatusFail, "no NSEC or NSEC3 record returned matches or covers other.test. Validating"},
		{"noce.test", StatusFail, "no NSEC or NSEC3 record returned matches or covers noce.test."},
		{"news.parti.test", StatusPass, "validated the chain of trust"},
		{"old.parti.test", StatusFail, "The domain's records do not validate: the signature of old.parti.test. A"},
		{"party.sub.test", StatusPass, "validated the chain of trust"},
		{"party.insec.test", StatusFail, "its parent zone insec.test. is not signed"},
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
