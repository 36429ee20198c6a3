package posture

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

var updateDenialSeeds = flag.Bool("update-denial-seeds", false, "rewrite testdata/denial, the signed DS denials FuzzDenial starts from")

// denialNow is the time the denial seeds and FuzzDenial validate at,
// inside the seeds' signature validity (2026 to 2036).
var denialNow = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

// denialKey is a fixed Ed25519 key of zone (Ed25519 signatures are
// deterministic, so the seeds written with it do not change from one
// regeneration to the next); seed picks the key.
func denialKey(zone string, seed byte) zoneKey {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.ED25519,
		PublicKey: base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))}
	return zoneKey{k, priv}
}

// signDenial returns m with every NSEC and NSEC3 record of its answer and
// authority sections followed by its signature by k, valid from
// inception to expiration; the RRSIGs m carried are dropped.
func signDenial(m *dns.Msg, k zoneKey, inception, expiration time.Time) (*dns.Msg, error) {
	out := m.Copy()
	sign := func(rrs []dns.RR) ([]dns.RR, error) {
		var signed []dns.RR
		for _, rr := range rrs {
			switch rr.(type) {
			case *dns.NSEC, *dns.NSEC3:
			default:
				continue
			}
			h := rr.Header()
			sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: h.Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: h.Ttl},
				Inception: uint32(inception.Unix()), Expiration: uint32(expiration.Unix()),
				KeyTag: k.key.KeyTag(), SignerName: k.key.Hdr.Name, Algorithm: k.key.Algorithm}
			if err := sig.Sign(k.priv, []dns.RR{rr}); err != nil {
				return nil, err
			}
			signed = append(signed, rr, sig)
		}
		return signed, nil
	}
	var err error
	if out.Answer, err = sign(m.Answer); err != nil {
		return nil, err
	}
	if out.Ns, err = sign(m.Ns); err != nil {
		return nil, err
	}
	return out, nil
}

// denialSeeds are the DS answers for party.sub.test. the parent zone
// test. could send, by file name, with the verdict each proves when
// signed by the zone's key.
func denialSeeds() map[string]struct {
	rrs  []dns.RR
	want denial
} {
	iter := nsec3("test.", "party.sub.test.", 0, "", dns.TypeNS).(*dns.NSEC3)
	iter.Iterations = 151
	iter.Hdr.Name = strings.ToLower(dns.HashName("party.sub.test.", dns.SHA1, 151, "")) + ".test."
	type seed = struct {
		rrs  []dns.RR
		want denial
	}
	return map[string]seed{
		"nsec-insecure":    {[]dns.RR{nsec("party.sub.test.", "z.test.", dns.TypeNS, dns.TypeRRSIG, dns.TypeNSEC)}, denialInsecure},
		"nsec-ds-listed":   {[]dns.RR{nsec("party.sub.test.", "z.test.", dns.TypeNS, dns.TypeDS, dns.TypeRRSIG, dns.TypeNSEC)}, denialNone},
		"nsec-apex":        {[]dns.RR{nsec("party.sub.test.", "z.test.", dns.TypeNS, dns.TypeSOA, dns.TypeRRSIG, dns.TypeNSEC)}, denialNone},
		"nsec-not-cut":     {[]dns.RR{nsec("party.sub.test.", "z.test.", dns.TypeA, dns.TypeTXT, dns.TypeRRSIG, dns.TypeNSEC)}, denialNotCut},
		"nsec-ent":         {[]dns.RR{nsec("a.test.", "www.party.sub.test.", dns.TypeNS)}, denialNotCut},
		"nsec-no-name":     {[]dns.RR{nsec("a.test.", "t.test.", dns.TypeNS)}, denialNoName},
		"nsec3-match":      {[]dns.RR{nsec3("test.", "party.sub.test.", 0, "", dns.TypeNS)}, denialInsecure},
		"nsec3-not-cut":    {[]dns.RR{nsec3("test.", "party.sub.test.", 0, "", dns.TypeA, dns.TypeRRSIG)}, denialNotCut},
		"nsec3-optout":     {[]dns.RR{nsec3("test.", "test.", 1, "", dns.TypeNS, dns.TypeSOA), nsec3("test.", "", 1, "00000000000000000000000000000000")}, denialInsecure},
		"nsec3-no-name":    {[]dns.RR{nsec3("test.", "test.", 0, "", dns.TypeNS, dns.TypeSOA), nsec3("test.", "", 0, "00000000000000000000000000000000")}, denialNoName},
		"nsec3-iterations": {[]dns.RR{iter}, denialNone},
	}
}

// TestWriteDenialSeeds regenerates testdata/denial (go test -run
// TestWriteDenialSeeds -update-denial-seeds): each answer signed by
// denialKey("test.", 1), which FuzzDenial and TestDenialSeeds trust.
func TestWriteDenialSeeds(t *testing.T) {
	if !*updateDenialSeeds {
		t.Skip("run with -update-denial-seeds to rewrite testdata/denial")
	}
	dir := filepath.Join("testdata", "denial")
	old, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, p := range old {
		os.Remove(p)
	}
	os.MkdirAll(dir, 0o755)
	k := denialKey("test.", 1)
	for name, s := range denialSeeds() {
		m := new(dns.Msg)
		m.SetQuestion("party.sub.test.", dns.TypeDS)
		m.Id = 1
		m.Ns = s.rrs
		signed, err := signDenial(m, k, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		wire, err := signed.Pack()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), wire, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDenialSeeds: each seed of FuzzDenial, as shipped, is a real signed
// proof reaching the verdict it was built for; the same answer without
// keys, with another zone key or after its signatures expired proves
// nothing.
func TestDenialSeeds(t *testing.T) {
	keys := []*dns.DNSKEY{denialKey("test.", 1).key}
	seeds := denialSeeds()
	files, _ := filepath.Glob(filepath.Join("testdata", "denial", "*"))
	if len(files) != len(seeds) {
		t.Fatalf("%d files in testdata/denial, %d seeds: run TestWriteDenialSeeds -update-denial-seeds", len(files), len(seeds))
	}
	reached := map[denial]bool{}
	for _, p := range files {
		s, ok := seeds[filepath.Base(p)]
		if !ok {
			t.Errorf("%s: not a seed of denialSeeds", p)
			continue
		}
		wire, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m := new(dns.Msg)
		if err := m.Unpack(wire); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		k, why := proveNoDS(m, "party.sub.test.", keys, denialNow)
		if k != s.want {
			t.Errorf("%s: verdict %d (%s), want %d", p, k, why, s.want)
		}
		reached[k] = true
		for _, other := range []struct {
			what string
			keys []*dns.DNSKEY
			now  time.Time
		}{{"without keys", nil, denialNow}, {"with another key", []*dns.DNSKEY{denialKey("test.", 2).key}, denialNow},
			{"after expiry", keys, time.Date(2036, 1, 2, 0, 0, 0, 0, time.UTC)}} {
			if k, why := proveNoDS(m, "party.sub.test.", other.keys, other.now); k != denialNone {
				t.Errorf("%s %s: verdict %d (%s), want no proof", p, other.what, k, why)
			}
		}
	}
	for _, d := range []denial{denialNone, denialInsecure, denialNotCut, denialNoName} {
		if !reached[d] {
			t.Errorf("no seed reaches verdict %d", d)
		}
	}
}

// FuzzDenial reads a DS answer (wire form) for its NSEC/NSEC3 proof of
// the name asked (party.sub.test. without a question), twice: as
// received, and with every NSEC and NSEC3 record signed afresh by the
// zone's key, so that mutated records reach the proof checks instead of
// stopping at a broken signature. Checked: no panic; without keys, with
// another key or after the signatures expired, never a proof; the verdict
// does not depend on the name's case; a record at the name listing DS or
// SOA is never read as a proof; a proof of an insecure delegation or of
// no zone cut rests on a record that says so, and a record at the name
// rules out "no such name".
func FuzzDenial(f *testing.F) {
	seeds(f, "denial")
	zone := denialKey("test.", 1)
	keys := []*dns.DNSKEY{zone.key}
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, wire string) {
		m := new(dns.Msg)
		if m.Unpack([]byte(wire)) != nil || len(m.Answer)+len(m.Ns) > 64 {
			return
		}
		name := "party.sub.test."
		if len(m.Question) > 0 {
			if _, ok := dns.IsDomainName(m.Question[0].Name); ok && m.Question[0].Name != "." {
				name = strings.ToLower(dns.Fqdn(m.Question[0].Name))
			}
		}
		if k, why := proveNoDS(m, name, nil, denialNow); k != denialNone {
			t.Fatalf("proof %d without keys: %s", k, why)
		}
		checkDenial(t, m, name, keys, false)
		signed, err := signDenial(m, zone, from, to)
		if err != nil {
			return // a record miekg/dns cannot sign (a name too long once canonical)
		}
		checkDenial(t, signed, name, keys, true)
		for _, other := range []struct {
			keys []*dns.DNSKEY
			now  time.Time
		}{{[]*dns.DNSKEY{denialKey("test.", 2).key}, denialNow}, {keys, to.Add(time.Hour)}} {
			if k, why := proveNoDS(signed, name, other.keys, other.now); k != denialNone {
				t.Fatalf("proof %d with another key or expired signatures: %s", k, why)
			}
		}
	})
}

// checkDenial checks the verdict on m against the records m holds; with
// allSigned, every NSEC and NSEC3 record carries a valid signature.
func checkDenial(t *testing.T, m *dns.Msg, name string, keys []*dns.DNSKEY, allSigned bool) {
	t.Helper()
	k, why := proveNoDS(m, name, keys, denialNow)
	if k2, why2 := proveNoDS(m, strings.ToUpper(name), keys, denialNow); k2 != k {
		t.Fatalf("verdict %d (%s) for %s, %d (%s) in upper case", k, why, name, k2, why2)
	}
	if k == denialNone {
		return
	}
	has := func(types []uint16, t uint16) bool { return slices.Contains(types, t) }
	var nsecAt, atName [][]uint16 // bitmaps of the NSEC records at the name; of every usable record there
	optOut, covering := false, false
	for _, rr := range append(slices.Clone(m.Answer), m.Ns...) {
		switch v := rr.(type) {
		case *dns.NSEC:
			if strings.EqualFold(v.Hdr.Name, name) {
				nsecAt = append(nsecAt, v.TypeBitMap)
				atName = append(atName, v.TypeBitMap)
			} else if next := strings.ToLower(v.NextDomain); dns.IsSubDomain(name, next) && next != name {
				covering = true // the next name is below name: an empty non-terminal
			}
		case *dns.NSEC3:
			if v.Hash != dns.SHA1 || v.Iterations > maxNSEC3Iterations {
				continue // never part of a proof
			}
			if v.Match(name) {
				atName = append(atName, v.TypeBitMap)
			}
			optOut = optOut || v.Flags&1 == 1
		}
	}
	if len(atName) > 0 && k == denialNoName {
		t.Fatalf("'no such name' though a record at %s is in the answer: %s", name, why)
	}
	if allSigned && len(nsecAt) > 0 && (has(nsecAt[0], dns.TypeDS) || has(nsecAt[0], dns.TypeSOA)) {
		t.Fatalf("proof %d though the NSEC at %s lists DS or SOA: %s", k, name, why)
	}
	supports := func(pred func(b []uint16) bool) bool { return slices.ContainsFunc(atName, pred) }
	switch k {
	case denialInsecure:
		if !optOut && !supports(func(b []uint16) bool { return has(b, dns.TypeNS) && !has(b, dns.TypeDS) && !has(b, dns.TypeSOA) }) {
			t.Fatalf("insecure delegation without a record at %s listing NS alone or an opt-out NSEC3: %s", name, why)
		}
	case denialNotCut:
		if !covering && !supports(func(b []uint16) bool { return !has(b, dns.TypeNS) && !has(b, dns.TypeDS) && !has(b, dns.TypeSOA) }) {
			t.Fatalf("no zone cut without a record at %s listing no NS, nor an NSEC whose next name is below it: %s", name, why)
		}
	}
}
