package posture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
)

// checkNS is dns.ns: at least two name servers, not all in one network
// (one /24 for IPv4, one /48 for IPv6).
func (c *Checker) checkNS(ctx context.Context, d *domainRun) Check {
	a, err := c.dns.query(ctx, d.name, typeNS)
	if err != nil {
		return errorCheck("read the NS records", err)
	}
	ch := Check{}
	nets := map[string]bool{}
	for i, ns := range a.ns {
		if i == 20 {
			break
		}
		ips, err := c.dns.lookupIP(ctx, ns)
		if err != nil {
			ch.Evidence = append(ch.Evidence, fmt.Sprintf("%s: %v", ns, err))
			continue
		}
		var s []string
		for _, ip := range ips {
			s = append(s, ip.String())
			if v4 := ip.To4(); v4 != nil {
				nets[v4.Mask(net.CIDRMask(24, 32)).String()+"/24"] = true
			} else {
				nets[ip.Mask(net.CIDRMask(48, 128)).String()+"/48"] = true
			}
		}
		ch.Evidence = append(ch.Evidence, fmt.Sprintf("%s NS %s (%s)", d.name, ns, strings.Join(s, ", ")))
	}
	var ns []string
	for n := range nets {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	ch.Evidence = append(ch.Evidence, "networks: "+strings.Join(ns, ", "))
	fix := "Use at least two name servers in different networks: every host here gives you that (OVH dnsXX.ovh.net + nsXX.ovh.net, Gandi ns-*.gandi.net, Google Cloud DNS, Azure DNS)."
	switch {
	case len(a.ns) < 2:
		ch.Status, ch.Summary, ch.Fix = StatusFail, fmt.Sprintf("The domain has %d name server(s); RFC 1034 asks for at least two.", len(a.ns)), fix
	case len(nets) < 2:
		ch.Status, ch.Summary, ch.Fix = StatusWarn, "All name servers sit in one network: one outage or attack takes the domain off-line.", fix
	default:
		ch.Status, ch.Summary = StatusPass, fmt.Sprintf("%d name servers in %d different networks.", len(a.ns), len(nets))
	}
	return ch
}

// knownCAATag reports whether tag is in the IANA CAA property registry.
func knownCAATag(tag string) bool {
	switch strings.ToLower(tag) {
	case "issue", "issuewild", "issuevmc", "issuemail", "iodef", "contactemail", "contactphone", "auth", "path", "policy":
		return true
	}
	return false
}

// checkCAA is dns.caa: a CAA record set found at the domain or the closest
// ancestor (RFC 8659 §3), with at least one issue tag.
func (c *Checker) checkCAA(ctx context.Context, d *domainRun) Check {
	name := d.name
	for {
		a, err := c.dns.query(ctx, name, typeCAA)
		if err != nil && !errors.Is(err, errNXDOMAIN) {
			return errorCheck("read the CAA records", err)
		}
		if err == nil && len(a.caa) > 0 {
			ch := Check{Evidence: a.rrs}
			issue := false
			var invalid []string
			for _, r := range a.caa {
				if strings.EqualFold(r.Tag, "issue") {
					issue = true
				}
				err := validateCAA(r.Flag, r.Tag, r.Value)
				if err == nil {
					continue
				}
				if r.Flag&128 != 0 && !knownCAATag(r.Tag) {
					ch.Status, ch.Summary = StatusFail, fmt.Sprintf("A CAA record with the critical flag has the unknown tag %q: every CA must refuse to issue.", r.Tag)
					ch.Fix = "Remove the record, or clear its critical flag (128)."
					return ch
				}
				invalid = append(invalid, err.Error())
			}
			switch {
			case len(invalid) > 0:
				ch.Status, ch.Summary = StatusWarn, "CAA records at "+name+" have errors, which CAs may read differently: "+strings.Join(invalid, "; ")+"."
				ch.Fix = `Each record as "DOMAIN. CAA 0 issue \"letsencrypt.org\"", "CAA 0 iodef \"mailto:security@DOMAIN\"".`
			case !issue:
				ch.Status, ch.Summary = StatusWarn, "CAA records exist but none has the issue tag, which says which CA may issue certificates for the name."
				ch.Fix = `"DOMAIN. CAA 0 issue \"letsencrypt.org\"" and one line per CA you use.`
			default:
				ch.Status, ch.Summary = StatusPass, "CAA records at "+name+" limit which CAs may issue certificates."
			}
			return ch
		}
		i := strings.IndexByte(name, '.')
		if i < 0 || !strings.Contains(name[i+1:], ".") {
			break
		}
		name = name[i+1:]
	}
	return Check{Status: StatusWarn, Summary: "No CAA record: any CA may issue a certificate for the domain.", Evidence: []string{d.name + " CAA: none (up to the registered domain)"},
		Fix: `"DOMAIN. CAA 0 issue \"letsencrypt.org\"" (and one per CA you use; OVH and Gandi hosting certificates come from Let's Encrypt and Sectigo).`}
}
