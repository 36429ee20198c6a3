package posture

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// validatedRRset fetches name/qtype with its signatures and validates it
// from the trust anchors down to the deepest signed zone above name (zone
// cuts found by their DS records). It returns the records, or nil when
// the name has none of that type.
func (c *Checker) validatedRRset(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	now := c.opts.Now()
	anchors := c.opts.TrustAnchors
	if len(anchors) == 0 {
		anchors = RootAnchors
	}
	fqdn := dns.Fqdn(strings.ToLower(name))
	in, err := c.dns.exchange(ctx, fqdn, qtype, true)
	if errors.Is(err, errNXDOMAIN) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	set, sigs := split(in.Answer, qtype)
	if len(set) == 0 {
		return nil, nil
	}
	if len(sigs) == 0 {
		return set, fmt.Errorf("%s %s is not signed", fqdn, dns.TypeToString[qtype])
	}
	signer := strings.ToLower(sigs[0].SignerName)
	if !dns.IsSubDomain(signer, fqdn) {
		return set, fmt.Errorf("%s is signed by %s, which is not above it", fqdn, signer)
	}
	labels := dns.SplitDomainName(signer)
	zones := []string{"."}
	for i := len(labels) - 1; i >= 0; i-- {
		zones = append(zones, dns.Fqdn(strings.Join(labels[i:], ".")))
	}
	trusted := anchors
	var keys []*dns.DNSKEY
	for _, z := range zones {
		if z != "." {
			din, err := c.dns.exchange(ctx, z, dns.TypeDS, true)
			if err != nil && !errors.Is(err, errNXDOMAIN) {
				return set, err
			}
			var ds []dns.RR
			var dsigs []*dns.RRSIG
			if din != nil {
				ds, dsigs = split(din.Answer, dns.TypeDS)
			}
			if len(ds) == 0 {
				if z == signer {
					return set, fmt.Errorf("the zone %s has no DS record in its parent: its signatures cannot be validated", z)
				}
				switch kind, why := proveNoDS(din, z, keys, now); kind {
				case denialNotCut:
					continue
				case denialInsecure:
					return set, fmt.Errorf("%s, above the signer %s, is an unsigned delegation (%s)", z, signer, why)
				default:
					return set, fmt.Errorf("the parent did not prove that %s, above the signer %s, has no DS: %s", z, signer, why)
				}
			}
			if err := verifyRRset(ds, dsigs, keys, now); err != nil {
				return set, err
			}
			trusted = nil
			for _, rr := range ds {
				trusted = append(trusted, rr.(*dns.DS))
			}
		}
		kin, err := c.dns.exchange(ctx, z, dns.TypeDNSKEY, true)
		if err != nil {
			return set, err
		}
		kset, ksigs := split(kin.Answer, dns.TypeDNSKEY)
		var zoneKeys, matching []*dns.DNSKEY
		for _, rr := range kset {
			k := rr.(*dns.DNSKEY)
			zoneKeys = append(zoneKeys, k)
			for _, d := range trusted {
				if kd := k.ToDS(d.DigestType); d.KeyTag == k.KeyTag() && kd != nil && strings.EqualFold(kd.Digest, d.Digest) {
					matching = append(matching, k)
				}
			}
		}
		if len(matching) == 0 {
			return set, fmt.Errorf("no DNSKEY of %s matches its DS", z)
		}
		if err := verifyRRset(kset, ksigs, matching, now); err != nil {
			return set, err
		}
		keys = zoneKeys
	}
	return set, verifyRRset(set, sigs, keys, now)
}

// checkDANE is mail.dane: TLSA records of each MX (RFC 7672), validated
// with DNSSEC by Vigie, matching the certificate the MX presents.
func (c *Checker) checkDANE(ctx context.Context, d *domainRun) Check {
	mx := d.mxSet(ctx)
	if mx.err != nil {
		return errorCheck("read the MX records", mx.err)
	}
	if !mx.receivesMail() {
		return Check{Status: StatusPass, Summary: "The domain receives no mail, so it needs no DANE records."}
	}
	hosts := mx.hosts
	if len(hosts) > maxMXChecked {
		hosts = hosts[:maxMXChecked]
	}
	ch := Check{}
	var none, bad, good []string
	fix := "Publish for each MX, in a DNSSEC-signed zone, \"_25._tcp.MX. TLSA 3 1 1 <SHA-256 of the certificate's public key>\" (and a second record for the next key before a rollover). Google Workspace does not offer DANE; Microsoft 365 does for its own MX (enable inbound SMTP DANE); OVH and Gandi MXes: check with your host."
	for _, h := range hosts {
		name := "_25._tcp." + h
		set, err := c.validatedRRset(ctx, name, dns.TypeTLSA)
		switch {
		case len(set) == 0 && err == nil:
			none = append(none, h)
			ch.Evidence = append(ch.Evidence, name+" TLSA: none")
			continue
		case len(set) == 0:
			return errorCheck("read the TLSA records of "+h, err)
		}
		for _, rr := range set {
			ch.Evidence = append(ch.Evidence, rr.String())
		}
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s (the TLSA records do not validate: %v)", h, err))
			continue
		}
		res := c.probeMX(ctx, h)
		if res.err != nil || !res.starttls {
			bad = append(bad, fmt.Sprintf("%s (DANE published but no STARTTLS session: %v)", h, res.err))
			continue
		}
		matched, usable := false, false
		for _, rr := range set {
			t := rr.(*dns.TLSA)
			if t.Usage != 2 && t.Usage != 3 {
				continue // PKIX usages are unusable for SMTP (RFC 7672 §3.1.3)
			}
			usable = true
			certs := res.chain
			if t.Usage == 3 && len(certs) > 0 {
				certs = certs[:1]
			} else if t.Usage == 2 && len(certs) > 1 {
				certs = certs[1:]
			}
			for _, cert := range certs {
				if t.Verify(cert) == nil {
					matched = true
				}
			}
		}
		switch {
		case !usable:
			bad = append(bad, h+" (only PKIX-TA/PKIX-EE usages 0 and 1, unusable for SMTP: RFC 7672 §3.1.3)")
		case !matched:
			bad = append(bad, h+" (no TLSA record matches the certificate the MX presents: DANE senders will not deliver)")
		default:
			good = append(good, h)
		}
	}
	switch {
	case len(bad) > 0:
		ch.Status, ch.Summary, ch.Fix = StatusFail, "DANE is broken for "+strings.Join(bad, "; ")+".", fix
	case len(good) == 0:
		ch.Status, ch.Summary, ch.Fix = StatusWarn, "No MX publishes DANE (TLSA) records: senders cannot authenticate the mail servers without trusting the first answer.", fix
	case len(none) > 0:
		ch.Status, ch.Summary, ch.Fix = StatusWarn, "DANE is valid for "+strings.Join(good, ", ")+" but missing for "+strings.Join(none, ", ")+".", fix
	default:
		ch.Status, ch.Summary = StatusPass, "Every MX publishes TLSA records, validated with DNSSEC, that match its certificate."
	}
	return ch
}
