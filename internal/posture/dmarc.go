package posture

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/dkim"
	"github.com/vigie-project/vigie/internal/mailauth/dmarc"
	"github.com/vigie-project/vigie/internal/mailauth/spf"
)

// DMARCPolicy is a DMARC record as the posture check reads it.
type DMARCPolicy struct {
	*dmarc.Record
	Testing bool // t=y (DMARCbis): receivers apply one level less
}

// ParseDMARC parses a DMARC record with the shared parser of
// internal/mailauth/dmarc and adds the DMARCbis t= tag it ignores.
func ParseDMARC(txt string) (*DMARCPolicy, error) {
	r, err := dmarc.ParseRecord(txt)
	if err != nil {
		return nil, err
	}
	p := &DMARCPolicy{Record: r}
	for spec := range strings.SplitSeq(txt, ";") {
		k, v, _ := strings.Cut(spec, "=")
		if strings.EqualFold(strings.TrimSpace(k), "t") {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "y":
				p.Testing = true
			case "n":
			default:
				return nil, fmt.Errorf("dmarc t=%q is not y or n", trunc(strings.TrimSpace(v), 20))
			}
		}
	}
	return p, nil
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// downgrade is the policy receivers apply under t=y.
func downgrade(p dmarc.Policy) dmarc.Policy {
	switch p {
	case dmarc.PolicyReject:
		return dmarc.PolicyQuarantine
	case dmarc.PolicyQuarantine:
		return dmarc.PolicyNone
	}
	return p
}

const dmarcFix = `A TXT record at _dmarc.DOMAIN such as "v=DMARC1; p=quarantine; rua=mailto:dmarc@DOMAIN" ` +
	`then, once the reports show every legitimate sender passes, p=reject. The same record works with Google Workspace, ` +
	`Microsoft 365, OVH and Gandi (each has the DNS zone editor where you add it; none publishes it for you).`

// checkDMARC is mail.dmarc.
func (c *Checker) checkDMARC(ctx context.Context, d *domainRun) Check {
	name := "_dmarc." + d.name
	txt, err := c.dns.txt(ctx, name)
	if err != nil {
		return errorCheck("read the DMARC record", err)
	}
	recs := withPrefix(txt, "v=DMARC1")
	org := mailauth.OrgDomain(d.name)
	fromOrg := false
	if len(recs) == 0 && org != d.name {
		// RFC 7489 §6.6.3: receivers fall back to the organisational domain,
		// whose sp= then applies.
		name = "_dmarc." + org
		if txt, err = c.dns.txt(ctx, name); err != nil {
			return errorCheck("read the organisational domain's DMARC record", err)
		}
		recs, fromOrg = withPrefix(txt, "v=DMARC1"), true
	}
	ch := Check{Evidence: quoteAll(name, recs)}
	switch len(recs) {
	case 0:
		ch.Status, ch.Summary, ch.Fix = StatusFail, "The domain publishes no DMARC record: receivers have no instruction to refuse mail forged in its name.", dmarcFix
		return ch
	case 1:
	default:
		ch.Status, ch.Summary, ch.Fix = StatusFail, fmt.Sprintf("%s holds %d DMARC records; receivers then ignore them all (RFC 7489 §6.6.3).", name, len(recs)), "Keep one record. "+dmarcFix
		return ch
	}
	p, err := ParseDMARC(recs[0])
	if err != nil {
		ch.Status, ch.Summary, ch.Fix = StatusFail, fmt.Sprintf("The DMARC record is invalid: %v.", err), dmarcFix
		return ch
	}
	pol, which := p.Policy, "p="
	if fromOrg {
		pol, which = p.SubdomainPolicy, "the sp= of "+org+" that applies here,"
	}
	eff := pol
	if p.Testing {
		eff = downgrade(pol)
	}
	var notes []string
	if p.Testing {
		notes = append(notes, fmt.Sprintf("t=y asks receivers to apply %s instead of %s", eff, pol))
	}
	// The organisational domain's own sp= governs its sub-domains: sp=none
	// leaves every sub-domain forgeable.
	if !fromOrg && org == d.name && p.SubdomainPolicy == dmarc.PolicyNone && pol != dmarc.PolicyNone {
		ch.Status = StatusFail
		ch.Summary = "The DMARC record protects the domain but sp=none leaves its sub-domains open to forgery."
		ch.Fix = "Remove sp=none (sub-domains then get p=) or set sp=reject."
		return ch
	}
	switch eff {
	case dmarc.PolicyNone:
		ch.Status = StatusFail
		ch.Summary = fmt.Sprintf("The DMARC policy %s is none: forged mail is reported but still delivered.", strings.TrimSuffix(which, "="))
		ch.Fix = "Once DMARC reports show every legitimate sender passes, set p=quarantine then p=reject."
		if len(notes) > 0 {
			ch.Summary = fmt.Sprintf("The DMARC policy is in effect none: %s.", strings.Join(notes, "; "))
			ch.Fix = "Once DMARC reports show every legitimate sender passes, drop t=y and set p=reject."
		}
		return ch
	case dmarc.PolicyQuarantine, dmarc.PolicyReject:
	}
	ch.Status = StatusPass
	ch.Summary = fmt.Sprintf("One valid DMARC record with policy %s.", eff)
	mx := d.mxSet(ctx)
	if mx.err == nil && mx.takesNoMail() && eff != dmarc.PolicyReject {
		ch.Status, ch.Summary = StatusWarn, "The domain sends no mail, so its DMARC policy should be p=reject, not "+string(eff)+"."
		ch.Fix = `"v=DMARC1; p=reject;" at _dmarc.DOMAIN.`
	}
	if p.Testing && ch.Status == StatusPass {
		ch.Status, ch.Summary = StatusWarn, fmt.Sprintf("The DMARC record is in test mode: %s.", strings.Join(notes, "; "))
		ch.Fix = "Drop t=y once the reports show every legitimate sender passes."
	}
	if p.Pct < 100 && ch.Status == StatusPass {
		ch.Status, ch.Summary = StatusWarn, fmt.Sprintf("The DMARC policy %s applies to only %d%% of failing mail (pct=%d).", eff, p.Pct, p.Pct)
		ch.Fix = "Remove pct= (100 is the default)."
	}
	// External report destinations need the receiver's consent (RFC 7489 §7.1).
	var missing []string
	for _, u := range append(append([]string(nil), p.RUA...), p.RUF...) {
		dest := reportDomain(u)
		if dest == "" || mailauth.OrgDomain(dest) == org {
			continue
		}
		auth := d.name + "._report._dmarc." + dest
		t, err := c.dns.txt(ctx, auth)
		if err != nil {
			return errorCheck("read the DMARC report authorisation record", err)
		}
		if len(withPrefix(t, "v=DMARC1")) == 0 {
			missing = append(missing, auth)
			ch.Evidence = append(ch.Evidence, auth+" TXT: none")
		} else {
			ch.Evidence = append(ch.Evidence, quoteAll(auth, t)...)
		}
	}
	if len(missing) > 0 && ch.Status == StatusPass {
		ch.Status = StatusWarn
		ch.Summary = fmt.Sprintf("DMARC reports go to another domain that has not accepted them (no %s): receivers will not send them.", strings.Join(missing, ", "))
		ch.Fix = `The report receiver publishes "v=DMARC1" at ` + strings.Join(missing, ", ") + " (report services do this when you register the domain)."
	}
	return ch
}

// sendsNoMail reports whether domain declares that it sends no mail the
// way internet.nl recognises it (checks/tasks/mail.py,
// skip_dkim_for_non_sending_domain): its one SPF record has no term but
// "-all" (and exp=), and the DMARC policy that applies to it is reject (p=
// of its own record; sp=, which defaults to p=, of the organisational
// domain's).
func (c *Checker) sendsNoMail(ctx context.Context, domain string) (bool, error) {
	txt, err := c.dns.txt(ctx, domain)
	if err != nil {
		return false, err
	}
	spfs := withPrefix(txt, "v=spf1")
	if len(spfs) != 1 {
		return false, nil
	}
	r, err := spf.ParseRecord(spfs[0])
	if err != nil || r.Redirect != "" || len(r.Unknown) > 0 || len(r.Mechanisms) != 1 ||
		r.Mechanisms[0].Kind != "all" || r.Mechanisms[0].Qualifier != spf.QFail {
		return false, nil
	}
	recs, err := c.dns.txt(ctx, "_dmarc."+domain)
	if err != nil {
		return false, err
	}
	fromOrg := false
	if org := mailauth.OrgDomain(domain); len(withPrefix(recs, "v=DMARC1")) == 0 && org != domain {
		if recs, err = c.dns.txt(ctx, "_dmarc."+org); err != nil {
			return false, err
		}
		fromOrg = true
	}
	recs = withPrefix(recs, "v=DMARC1")
	if len(recs) != 1 {
		return false, nil
	}
	p, err := ParseDMARC(recs[0])
	if err != nil {
		return false, nil
	}
	if fromOrg {
		return p.SubdomainPolicy == dmarc.PolicyReject, nil
	}
	return p.Policy == dmarc.PolicyReject, nil
}

// reportDomain returns the domain of a mailto: report URI ("" otherwise).
func reportDomain(uri string) string {
	u, err := url.Parse(strings.TrimSpace(uri))
	if err != nil || !strings.EqualFold(u.Scheme, "mailto") {
		return ""
	}
	addr := u.Opaque
	if i := strings.IndexByte(addr, '!'); i >= 0 { // size limit suffix "!10m"
		addr = addr[:i]
	}
	_, dom, ok := strings.Cut(addr, "@")
	if !ok {
		return ""
	}
	n, ok := validName(dom)
	if !ok {
		return ""
	}
	return n
}

// checkDKIM is mail.dkim.
func (c *Checker) checkDKIM(ctx context.Context, d *domainRun) Check {
	node := "_domainkey." + d.name
	_, err := c.dns.query(ctx, node, typeTXT)
	nx := errors.Is(err, errNXDOMAIN)
	if err != nil && !nx {
		return errorCheck("query the _domainkey node", err)
	}
	noMail := false
	if nx {
		if noMail, err = c.sendsNoMail(ctx, d.name); err != nil {
			return errorCheck("read the SPF and DMARC records", err)
		}
	}
	ch := Check{}
	if nx {
		ch.Evidence = []string{node + ": NXDOMAIN"}
	} else {
		ch.Evidence = []string{node + ": NOERROR (the node exists)"}
	}
	sels := append(append([]string(nil), c.opts.DKIMSelectors...), CommonDKIMSelectors...)
	seen := map[string]bool{}
	var weak, short, found, bad []string
	for _, s := range sels {
		s = strings.ToLower(s)
		if seen[s] || nx && len(c.opts.DKIMSelectors) == 0 {
			continue // RFC 8020: nothing exists below an NXDOMAIN
		}
		seen[s] = true
		name := s + "." + node
		txt, err := c.dns.txt(ctx, name)
		if err != nil {
			return errorCheck("read DKIM key "+name, err)
		}
		for _, t := range txt {
			if !strings.Contains(t, "p=") {
				continue
			}
			ch.Evidence = append(ch.Evidence, fmt.Sprintf("%s TXT %q", name, trunc(t, 120)))
			k, err := dkim.ParseKey(t)
			switch {
			case k != nil && k.Revoked:
				ch.Evidence = append(ch.Evidence, name+": revoked key (empty p=)")
			case err != nil:
				bad = append(bad, fmt.Sprintf("%s (%v)", s, err))
			case k.KeyType == "rsa" && k.Bits < 1024:
				weak = append(weak, fmt.Sprintf("%s (RSA %d bits)", s, k.Bits))
			case k.KeyType == "rsa" && k.Bits < 2048:
				short = append(short, fmt.Sprintf("%s (RSA %d bits)", s, k.Bits))
				found = append(found, s)
			default:
				found = append(found, fmt.Sprintf("%s (%s %d bits)", s, k.KeyType, k.Bits))
			}
		}
	}
	switch {
	case len(weak) > 0:
		ch.Status, ch.Summary = StatusWarn, "DKIM keys shorter than 1024 bits can be factored and signatures forged: "+strings.Join(weak, ", ")+"."
		ch.Fix = "Create a new 2048-bit key in the mail host's admin console (Google Workspace: Apps > Gmail > Authenticate email; Microsoft 365: Defender > Email authentication > DKIM, rotate) and publish it under a new selector."
	case len(bad) > 0:
		ch.Status, ch.Summary = StatusWarn, "DKIM key records that receivers cannot use: "+strings.Join(bad, "; ")+"."
		ch.Fix = `A key record is "v=DKIM1; k=rsa; p=<base64 public key>" at SELECTOR._domainkey.DOMAIN, as the mail host gives it.`
	case nx && noMail:
		ch.Status, ch.Summary = StatusPass, `The domain says it sends no mail ("v=spf1 -all" and DMARC p=reject) and publishes no DKIM keys, as it should.`
	case nx:
		ch.Status, ch.Summary = StatusFail, "The _domainkey node does not exist (NXDOMAIN), so the domain publishes no DKIM key: its mail is not signed."
		ch.Fix = "Turn DKIM signing on at the mail host and publish its key: Google Workspace (selector google), Microsoft 365 (CNAMEs selector1 and selector2 to the tenant), OVH and Gandi (DKIM in the e-mail settings of the domain). " +
			`A domain that sends no mail says so instead with "v=spf1 -all" and "v=DMARC1; p=reject;".`
	case len(found) == 0:
		ch.Status, ch.Summary = StatusPass, "The _domainkey node exists (RFC 8020), so DKIM keys are published; give --dkim-selector to check their length."
	default:
		ch.Status, ch.Summary = StatusPass, "DKIM keys found: "+strings.Join(found, ", ")+"."
		if len(short) > 0 {
			ch.Summary += " Note: " + strings.Join(short, ", ") + " is below the 2048 bits now recommended."
		}
	}
	return ch
}
