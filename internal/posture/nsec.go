package posture

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// A DS query at a name below a signed zone that returns no DS is only
// believed with the parent's signed proof (RFC 4035 §5.2, RFC 5155 §8.6):
// an NSEC or NSEC3 record, signed by the parent's validated keys, whose
// type bitmap lists NS and not DS (an insecure delegation), or no NS (the
// name is inside the parent zone, not a delegation); or, with NSEC3, the
// closest-encloser proof whose next-closer name is covered by an opt-out
// NSEC3 (an unsigned delegation the parent chose not to list). Without a
// proof, an attacker on the path could strip the DS and the signatures
// and make a signed domain look unsigned.

// denial is what the parent's signed denial proves about a DS at a name.
type denial int

const (
	denialNone     denial = iota // no valid proof
	denialInsecure               // a delegation without DS: the child is unsigned
	denialNotCut                 // not a delegation: the name is in the parent zone
	denialNoName                 // the name does not exist in the parent zone
)

// maxNSEC3Iterations bounds the hashing work one proof can ask for; RFC
// 9276 §3.2 lets validators treat more iterations as insecure, and
// Vigie, which must say why, treats them as no proof.
const maxNSEC3Iterations = 150

// proveNoDS reads the signed denial in a DS answer for name (rcode
// NOERROR with no DS, or NXDOMAIN) and verifies it with keys, the
// validated keys of the parent zone. The string explains the proof (for
// the evidence) or why there is none.
func proveNoDS(msg *dns.Msg, name string, keys []*dns.DNSKEY, now time.Time) (denial, string) {
	name = dns.Fqdn(strings.ToLower(name))
	var nsecs []*dns.NSEC
	var nsec3s []*dns.NSEC3
	sigs := map[string][]*dns.RRSIG{} // owner/type → signatures
	for _, rr := range append(append([]dns.RR(nil), msg.Answer...), msg.Ns...) {
		switch v := rr.(type) {
		case *dns.NSEC:
			nsecs = append(nsecs, v)
		case *dns.NSEC3:
			nsec3s = append(nsec3s, v)
		case *dns.RRSIG:
			k := strings.ToLower(v.Hdr.Name) + "/" + dns.TypeToString[v.TypeCovered]
			sigs[k] = append(sigs[k], v)
		}
	}
	var problems []string
	verified := func(rr dns.RR) bool {
		h := rr.Header()
		k := strings.ToLower(h.Name) + "/" + dns.TypeToString[h.Rrtype]
		if err := verifyRRset([]dns.RR{rr}, sigs[k], keys, now); err != nil {
			problems = append(problems, err.Error())
			return false
		}
		return true
	}
	none := func(why string) (denial, string) {
		if len(problems) > 0 {
			why += " (" + strings.Join(problems, "; ") + ")"
		}
		return denialNone, why
	}
	if len(nsecs) == 0 && len(nsec3s) == 0 {
		return none("the parent zone returned no DS and no NSEC or NSEC3 record proving that none exists")
	}
	// NSEC (RFC 4035 §5.4).
	for _, n := range nsecs {
		owner := strings.ToLower(n.Hdr.Name)
		if owner == name {
			if !verified(n) {
				continue
			}
			return fromBitmap(n.TypeBitMap, "NSEC "+n.String())
		}
	}
	for _, n := range nsecs {
		if !nsecCovers(n, name) || !verified(n) {
			continue
		}
		next := strings.ToLower(n.NextDomain)
		if dns.IsSubDomain(name, next) && next != name {
			return denialNotCut, "NSEC " + n.String() + " (an empty non-terminal of the parent zone)"
		}
		return denialNoName, "NSEC " + n.String() + " (no such name)"
	}
	// NSEC3 (RFC 5155 §8).
	var usable []*dns.NSEC3
	for _, n := range nsec3s {
		switch {
		case n.Hash != dns.SHA1:
			problems = append(problems, fmt.Sprintf("NSEC3 hash algorithm %d unknown", n.Hash))
		case n.Iterations > maxNSEC3Iterations:
			problems = append(problems, fmt.Sprintf("NSEC3 with %d iterations, more than the %d Vigie accepts (RFC 9276)", n.Iterations, maxNSEC3Iterations))
		default:
			usable = append(usable, n)
		}
	}
	for _, n := range usable {
		if n.Match(name) && verified(n) {
			return fromBitmap(n.TypeBitMap, "NSEC3 "+n.String()+" (hash of "+name+")")
		}
	}
	// The closest encloser: the longest ancestor of name with a matching
	// NSEC3; the next closer name (one label longer) must be covered.
	labels := dns.SplitDomainName(name)
	for i := 1; i < len(labels); i++ {
		ce := dns.Fqdn(strings.Join(labels[i:], "."))
		nc := dns.Fqdn(strings.Join(labels[i-1:], "."))
		var match *dns.NSEC3
		for _, n := range usable {
			if n.Match(ce) && verified(n) {
				match = n
				break
			}
		}
		if match == nil {
			continue
		}
		for _, n := range usable {
			if n.Match(nc) || !n.Cover(nc) || !verified(n) {
				continue
			}
			ev := fmt.Sprintf("closest encloser %s (NSEC3 %s), next closer %s covered by NSEC3 %s", ce, match.Hdr.Name, nc, n.String())
			if n.Flags&1 == 1 {
				return denialInsecure, ev + " with opt-out"
			}
			return denialNoName, ev
		}
		return none("the NSEC3 records prove " + ce + " exists but do not cover " + nc)
	}
	return none("no NSEC or NSEC3 record returned matches or covers " + name)
}

// fromBitmap reads the type bitmap of the NSEC or NSEC3 record at the
// name itself.
func fromBitmap(types []uint16, ev string) (denial, string) {
	var ns, ds, soa bool
	for _, t := range types {
		switch t {
		case dns.TypeNS:
			ns = true
		case dns.TypeDS:
			ds = true
		case dns.TypeSOA:
			soa = true
		}
	}
	switch {
	case ds:
		return denialNone, "the parent's " + ev + " says a DS record exists, but none was returned"
	case soa:
		return denialNone, ev + " comes from the child zone's apex, not from its parent"
	case ns:
		return denialInsecure, ev + ": a delegation without DS"
	}
	return denialNotCut, ev + ": no delegation here"
}

// nsecCovers reports whether name falls strictly between the NSEC's owner
// and its next name in canonical order (the last NSEC of a zone wraps
// around to the apex).
func nsecCovers(n *dns.NSEC, name string) bool {
	owner, next := n.Hdr.Name, n.NextDomain
	if !dns.IsSubDomain(zoneOfNSEC(n), name) {
		return false
	}
	if canonicalCompare(owner, next) < 0 {
		return canonicalCompare(owner, name) < 0 && canonicalCompare(name, next) < 0
	}
	return canonicalCompare(owner, name) < 0 || canonicalCompare(name, next) < 0
}

// zoneOfNSEC is the zone that signed the NSEC record (its signer name is
// not at hand here; the apex is an ancestor of owner and next, so their
// common ancestor bounds it).
func zoneOfNSEC(n *dns.NSEC) string {
	a, b := dns.SplitDomainName(strings.ToLower(n.Hdr.Name)), dns.SplitDomainName(strings.ToLower(n.NextDomain))
	var common []string
	for i := 1; i <= len(a) && i <= len(b) && a[len(a)-i] == b[len(b)-i]; i++ {
		common = append([]string{a[len(a)-i]}, common...)
	}
	return dns.Fqdn(strings.Join(common, "."))
}

// canonicalCompare orders two names as RFC 4034 §6.1 does: label by label
// from the root, each label lower-cased and compared as bytes.
func canonicalCompare(a, b string) int {
	la, lb := wireLabels(a), wireLabels(b)
	for i := 1; i <= len(la) && i <= len(lb); i++ {
		if c := bytes.Compare(la[len(la)-i], lb[len(lb)-i]); c != 0 {
			return c
		}
	}
	return len(la) - len(lb)
}

// wireLabels returns the labels of name in wire form (escapes decoded),
// lower-cased.
func wireLabels(name string) [][]byte {
	buf := make([]byte, 256)
	off, err := dns.PackDomainName(dns.Fqdn(strings.ToLower(name)), buf, 0, nil, false)
	if err != nil {
		return nil
	}
	var out [][]byte
	for i := 0; i < off && buf[i] != 0; i += int(buf[i]) + 1 {
		out = append(out, bytes.ToLower(buf[i+1:i+1+int(buf[i])]))
	}
	return out
}
