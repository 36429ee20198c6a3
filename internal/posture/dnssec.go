package posture

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// RootAnchors are the IANA root zone trust anchors
// (https://data.iana.org/root-anchors/root-anchors.xml): KSK-2017 (20326)
// and KSK-2024 (38696), which signs the root DNSKEY set from October 2026.
var RootAnchors = mustDS(
	". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
	". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
)

func mustDS(lines ...string) []*dns.DS {
	var out []*dns.DS
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			panic(err) // built-in constants, covered by tests
		}
		out = append(out, rr.(*dns.DS))
	}
	return out
}

// supportedAlgorithms are the DNSSEC algorithms Vigie validates (RFC 8624
// "MUST" and "RECOMMENDED" for validation, RSASHA1 included since many
// zones still use it).
var supportedAlgorithms = map[uint8]bool{
	dns.RSASHA1: true, dns.RSASHA1NSEC3SHA1: true, dns.RSASHA256: true, dns.RSASHA512: true,
	dns.ECDSAP256SHA256: true, dns.ECDSAP384SHA384: true, dns.ED25519: true,
}

// dnssecError is a validation failure with its explanation for people.
type dnssecError struct {
	summary string
	fix     string
}

func (e *dnssecError) Error() string { return e.summary }

// split returns the records of type t and the RRSIGs covering t.
func split(rrs []dns.RR, t uint16) ([]dns.RR, []*dns.RRSIG) {
	var set []dns.RR
	var sigs []*dns.RRSIG
	for _, rr := range rrs {
		if rr.Header().Rrtype == t {
			set = append(set, rr)
		} else if s, ok := rr.(*dns.RRSIG); ok && s.TypeCovered == t {
			sigs = append(sigs, s)
		}
	}
	return set, sigs
}

// verifyRRset checks that one signature over set, by one of keys, is
// valid now. The error says why none is.
func verifyRRset(set []dns.RR, sigs []*dns.RRSIG, keys []*dns.DNSKEY, now time.Time) error {
	what := fmt.Sprintf("%s %s", set[0].Header().Name, dns.TypeToString[set[0].Header().Rrtype])
	if len(sigs) == 0 {
		return fmt.Errorf("%s has no signature (RRSIG)", what)
	}
	var last error
	for _, s := range sigs {
		if !supportedAlgorithms[s.Algorithm] {
			last = fmt.Errorf("%s is signed with algorithm %s (%d), which Vigie does not validate", what, dns.AlgorithmToString[s.Algorithm], s.Algorithm)
			continue
		}
		var key *dns.DNSKEY
		for _, k := range keys {
			if k.KeyTag() == s.KeyTag && k.Algorithm == s.Algorithm && strings.EqualFold(k.Hdr.Name, s.SignerName) {
				key = k
				break
			}
		}
		if key == nil {
			last = fmt.Errorf("%s is signed by key %d of %s, which is not in the validated key set", what, s.KeyTag, s.SignerName)
			continue
		}
		if err := s.Verify(key, set); err != nil {
			last = fmt.Errorf("the signature of %s by key %d does not verify: %v", what, s.KeyTag, err)
			continue
		}
		if !s.ValidityPeriod(now) {
			inc, exp := time.Unix(int64(s.Inception), 0).UTC(), time.Unix(int64(s.Expiration), 0).UTC()
			if now.Before(inc) {
				last = fmt.Errorf("the signature of %s by key %d is not valid before %s", what, s.KeyTag, inc.Format(time.RFC3339))
			} else {
				last = fmt.Errorf("the signature of %s by key %d expired on %s", what, s.KeyTag, exp.Format(time.RFC3339))
			}
			continue
		}
		return nil
	}
	return last
}

// ValidateDNSSEC validates the chain of trust from the trust anchors down
// to domain's SOA record, querying every DS and DNSKEY set itself; it does
// not trust the resolver's AD bit. A nil error means the domain is signed
// and its chain valid; the evidence lists each step.
func (c *Checker) ValidateDNSSEC(ctx context.Context, domain string) ([]string, error) {
	now := c.opts.Now()
	anchors := c.opts.TrustAnchors
	if len(anchors) == 0 {
		anchors = RootAnchors
	}
	fqdn := dns.Fqdn(strings.ToLower(domain))
	labels := dns.SplitDomainName(fqdn)
	zones := []string{"."}
	for i := len(labels) - 1; i >= 0; i-- {
		zones = append(zones, dns.Fqdn(strings.Join(labels[i:], ".")))
	}
	var ev []string
	var keys []*dns.DNSKEY
	trusted := anchors
	for _, z := range zones {
		if z != "." {
			in, err := c.dns.exchange(ctx, z, dns.TypeDS, true)
			if err != nil && !errors.Is(err, errNXDOMAIN) {
				return ev, err
			}
			var ds []dns.RR
			var sigs []*dns.RRSIG
			if in != nil {
				ds, sigs = split(in.Answer, dns.TypeDS)
			}
			if len(ds) == 0 {
				kind, why := proveNoDS(in, z, keys, now)
				switch kind {
				case denialNotCut:
					ev = append(ev, z+" DS: none, not a zone cut, proven by "+why)
					if z == fqdn {
						return c.validateInZone(ctx, fqdn, keys, ev)
					}
					continue
				case denialNoName:
					return ev, &dnssecError{fmt.Sprintf("The parent zone proves that %s does not exist (%s).", z, why),
						"Check the domain's spelling and that its registration has not lapsed."}
				case denialNone:
					return ev, &dnssecError{fmt.Sprintf("The parent did not prove that no DS exists for %s: %s. Validating resolvers treat such an answer as bogus, and it is what an attacker who strips the DS to make a signed domain look unsigned would send.", z, strings.TrimSuffix(why, ".")),
						"Check with `dig +dnssec DS " + z + "` that the parent's NSEC or NSEC3 proof comes back signed; if the answers go through a resolver or middlebox that drops DNSSEC records, give another one (--resolver); otherwise ask the parent zone's operator (the registry) to fix its signer."}
				}
				ev = append(ev, z+" DS: none, insecure delegation proven by "+why)
				if z != fqdn {
					return ev, &dnssecError{fmt.Sprintf("The domain is not signed with DNSSEC: its parent zone %s is not signed (its own parent proves it has no DS), so its DNS answers can be forged.", z),
						"DNSSEC needs every zone above the domain to be signed; ask the operator of " + strings.TrimSuffix(z, ".") + " to sign it, or register the domain under a signed zone."}
				}
				kin, _ := c.dns.exchange(ctx, z, dns.TypeDNSKEY, true)
				if kin != nil {
					if k, _ := split(kin.Answer, dns.TypeDNSKEY); len(k) > 0 {
						return ev, &dnssecError{fmt.Sprintf("The zone %s publishes DNSKEY records but its parent has no DS record for it (and proves it): the chain of trust is broken, so validating resolvers treat it as unsigned.", z),
							"Publish the DS record at the registrar (OVH: Domains > DNSSEC; Gandi: Domain > DNSSEC), or turn DNSSEC on where the zone is hosted so it does it."}
					}
				}
				return ev, &dnssecError{fmt.Sprintf("The domain is not signed with DNSSEC (its parent zone proves there is no DS record for %s): its DNS answers can be forged.", z),
					"Turn DNSSEC on at the DNS host (OVH and Gandi: one switch in the domain's settings; Google Cloud DNS, Azure DNS, Cloudflare: enable it, then publish the DS at the registrar)."}
			}
			if err := verifyRRset(ds, sigs, keys, now); err != nil {
				return ev, &dnssecError{"The DS record of " + z + " is not validly signed by its parent: " + err.Error() + ".", "Ask the parent zone's operator (the registry) to re-sign; check the DS at the registrar."}
			}
			trusted = trusted[:0:0]
			for _, rr := range ds {
				trusted = append(trusted, rr.(*dns.DS))
				ev = append(ev, rr.String())
			}
		}
		in, err := c.dns.exchange(ctx, z, dns.TypeDNSKEY, true)
		if err != nil {
			return ev, err
		}
		set, sigs := split(in.Answer, dns.TypeDNSKEY)
		if len(set) == 0 {
			return ev, &dnssecError{fmt.Sprintf("The parent publishes a DS for %s but the zone has no DNSKEY: validating resolvers fail every query (SERVFAIL).", z),
				"Re-enable signing at the DNS host, or remove the DS record at the registrar."}
		}
		var zoneKeys, matching []*dns.DNSKEY
		for _, rr := range set {
			k := rr.(*dns.DNSKEY)
			zoneKeys = append(zoneKeys, k)
			for _, d := range trusted {
				if d.KeyTag == k.KeyTag() && d.Algorithm == k.Algorithm {
					if kd := k.ToDS(d.DigestType); kd != nil && strings.EqualFold(kd.Digest, d.Digest) {
						matching = append(matching, k)
					}
				}
			}
		}
		if len(matching) == 0 {
			var tags []string
			for _, d := range trusted {
				tags = append(tags, fmt.Sprintf("%d", d.KeyTag))
			}
			return ev, &dnssecError{fmt.Sprintf("No DNSKEY of %s matches its DS record (key tag %s): the chain of trust is broken (a key rollover without updating the DS?), so validating resolvers fail every query.", z, strings.Join(tags, ", ")),
				"Publish at the registrar the DS of the zone's current key-signing key (the DNS host shows it), and remove the old one."}
		}
		if err := verifyRRset(set, sigs, matching, now); err != nil {
			return ev, &dnssecError{"The key set of " + z + " does not validate: " + err.Error() + ".", "Re-sign the zone (the DNS host's signer must run; check its signature validity and refresh period)."}
		}
		keys = zoneKeys
		ev = append(ev, fmt.Sprintf("%s DNSKEY: %d key(s), signed by key %d (matches the DS)", z, len(set), matching[0].KeyTag()))
	}
	in, err := c.dns.exchange(ctx, fqdn, dns.TypeSOA, true)
	if err != nil {
		return ev, err
	}
	soa, sigs := split(in.Answer, dns.TypeSOA)
	if len(soa) == 0 {
		return ev, fmt.Errorf("%s has no SOA record: Vigie validates DNSSEC at the apex of a zone, give the registered domain", fqdn)
	}
	if err := verifyRRset(soa, sigs, keys, now); err != nil {
		return ev, &dnssecError{"The zone's records do not validate: " + err.Error() + ".", "Re-sign the zone: signatures must be refreshed before they expire (the DNS host's signer must run)."}
	}
	ev = append(ev, fqdn+" SOA: signature valid")
	return ev, nil
}

// validateInZone validates a name that has no zone of its own (the
// parent proved it is not a zone cut): its MX, A or TXT records, the
// first set it has, must be signed by the validated keys of the zone it
// belongs to. A name with none of them is covered by the signed proof
// alone.
func (c *Checker) validateInZone(ctx context.Context, fqdn string, keys []*dns.DNSKEY, ev []string) ([]string, error) {
	for _, t := range []uint16{dns.TypeMX, dns.TypeA, dns.TypeTXT} {
		in, err := c.dns.exchange(ctx, fqdn, t, true)
		if err != nil {
			return ev, err
		}
		set, sigs := split(in.Answer, t)
		if len(set) == 0 {
			continue
		}
		if err := verifyRRset(set, sigs, keys, c.opts.Now()); err != nil {
			return ev, &dnssecError{"The domain's records do not validate: " + err.Error() + ".", "Re-sign the zone that holds the domain: signatures must be refreshed before they expire (the DNS host's signer must run)."}
		}
		return append(ev, fmt.Sprintf("%s %s: signature valid (the name is inside the zone of %s)", fqdn, dns.TypeToString[t], keys[0].Hdr.Name)), nil
	}
	return ev, nil
}

// checkDNSSEC is dns.dnssec.
func (c *Checker) checkDNSSEC(ctx context.Context, d *domainRun) Check {
	ev, err := c.ValidateDNSSEC(ctx, d.name)
	var de *dnssecError
	switch {
	case err == nil:
		return Check{Status: StatusPass, Summary: "The domain is signed with DNSSEC and Vigie validated the chain of trust from the root.", Evidence: ev}
	case errors.As(err, &de):
		return Check{Status: StatusFail, Summary: de.summary, Evidence: ev, Fix: de.fix}
	}
	ch := errorCheck("validate DNSSEC", err)
	ch.Evidence = ev
	return ch
}
