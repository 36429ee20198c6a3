package posture

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vigie-project/vigie/internal/mailauth/spf"
)

// spfLookupLimit is RFC 7208 §4.6.4: at most 10 terms that cause DNS
// queries (include, a, mx, ptr, exists, redirect) in one evaluation,
// counted through includes and redirects.
const spfLookupLimit = 10

// maxSPFRecords bounds the records fetched in one walk (a loop or a fan
// out of includes cannot make the check run away).
const maxSPFRecords = 40

// SPFAnalysis is what walking a domain's SPF record found.
type SPFAnalysis struct {
	Record   string   // the domain's own record
	Lookups  int      // DNS-querying terms, counted through includes and redirect
	All      string   // the final all ("-all", "~all", "?all", "+all") or "" when none
	Problems []string // each a sentence: why the record does not work as meant
	Warnings []string // each a sentence: what works but should not be used
	Evidence []string
}

// txtLookup returns the TXT records at a name (nil when it does not exist).
type txtLookup func(ctx context.Context, name string) ([]string, error)

// AnalyzeSPF walks the SPF record of domain: exactly one v=spf1 record,
// valid syntax, includes and redirect resolvable, the DNS lookup count
// through them, and the "all" that ends the evaluation (directly or through
// redirect=). A loop among includes is a problem, not a hang.
func AnalyzeSPF(ctx context.Context, domain string, lookup txtLookup) (SPFAnalysis, error) {
	w := &spfWalk{lookup: lookup, seen: map[string]bool{}}
	rec, err := w.record(ctx, domain)
	if err != nil {
		return SPFAnalysis{Evidence: w.evidence}, err
	}
	w.a.Record = rec
	if rec == "" {
		w.a.Evidence = w.evidence
		return w.a, nil
	}
	all, err := w.walk(ctx, domain, rec, 0, true)
	if err != nil {
		return SPFAnalysis{Evidence: w.evidence}, err
	}
	w.a.All = all
	w.a.Evidence = w.evidence
	return w.a, nil
}

type spfWalk struct {
	lookup   txtLookup
	seen     map[string]bool
	fetched  int
	a        SPFAnalysis
	evidence []string
}

// errNoSPF says the domain itself publishes no SPF record.
var errNoSPF = errors.New("no SPF record")

func (w *spfWalk) record(ctx context.Context, name string) (string, error) {
	w.fetched++
	if w.fetched > maxSPFRecords {
		return "", fmt.Errorf("more than %d SPF records to fetch", maxSPFRecords)
	}
	txt, err := w.lookup(ctx, name)
	if err != nil {
		return "", err
	}
	var recs []string
	for _, t := range txt {
		if spf.IsSPF(t) {
			recs = append(recs, t)
		}
	}
	w.evidence = append(w.evidence, quoteAll(name, recs)...)
	switch len(recs) {
	case 0:
		return "", nil
	case 1:
		return recs[0], nil
	}
	w.a.Problems = append(w.a.Problems, fmt.Sprintf("%s publishes %d SPF records; receivers treat that as a permanent error (RFC 7208 §4.5).", name, len(recs)))
	return "", nil
}

// walk evaluates the static structure of rec (the record of name) and
// returns its final all. top is true for the domain's own record.
func (w *spfWalk) walk(ctx context.Context, name, rec string, depth int, top bool) (string, error) {
	if w.seen[name] {
		w.a.Problems = append(w.a.Problems, fmt.Sprintf("%s includes itself through its includes or redirects (a loop); receivers return permerror.", name))
		return "", nil
	}
	w.seen[name] = true
	defer delete(w.seen, name)
	r, err := spf.ParseRecord(rec)
	if err != nil {
		w.a.Problems = append(w.a.Problems, fmt.Sprintf("the SPF record of %s is invalid: %v.", name, err))
		return "", nil
	}
	all := ""
	for _, m := range r.Mechanisms {
		switch m.Kind {
		case "include", "a", "mx", "ptr", "exists":
			w.a.Lookups++
		}
		if m.Kind == "ptr" {
			w.a.Warnings = append(w.a.Warnings, fmt.Sprintf("%s uses the ptr mechanism, which RFC 7208 §5.5 says not to use (slow, unreliable, and some receivers ignore it).", name))
		}
		if m.Kind == "all" && all == "" {
			all = string(m.Qualifier) + "all"
		}
		if m.Kind == "include" && !strings.Contains(m.Domain, "%") {
			if err := w.follow(ctx, name, m.Domain, "include", depth); err != nil {
				return "", err
			}
		}
	}
	if all != "" {
		return all, nil // redirect= is ignored when all is present
	}
	if r.Redirect == "" {
		return "", nil
	}
	w.a.Lookups++
	if strings.Contains(r.Redirect, "%") {
		return "", nil // a macro: cannot be followed statically
	}
	return w.followRedirect(ctx, name, r.Redirect, depth)
}

func (w *spfWalk) follow(ctx context.Context, from, target, how string, depth int) error {
	target = strings.ToLower(strings.TrimSuffix(target, "."))
	if depth >= spfLookupLimit {
		w.a.Problems = append(w.a.Problems, fmt.Sprintf("includes nest deeper than %d at %s.", spfLookupLimit, target))
		return nil
	}
	rec, err := w.record(ctx, target)
	if err != nil {
		return err
	}
	if rec == "" {
		w.a.Problems = append(w.a.Problems, fmt.Sprintf("%s %ss %s, which publishes no SPF record: receivers return permerror.", from, how, target))
		return nil
	}
	all, err := w.walk(ctx, target, rec, depth+1, false)
	if err == nil && all == "+all" {
		// An include whose record ends in +all matches every server, so
		// the including record lets anyone send (internet.nl: "invalid
		// include"). ?all, ~all and -all only end the include without a
		// match.
		w.a.Problems = append(w.a.Problems, fmt.Sprintf("%s %ss %s, whose record ends in +all: every server on the Internet passes.", from, how, target))
	}
	return err
}

func (w *spfWalk) followRedirect(ctx context.Context, from, target string, depth int) (string, error) {
	target = strings.ToLower(strings.TrimSuffix(target, "."))
	if depth >= spfLookupLimit {
		w.a.Problems = append(w.a.Problems, fmt.Sprintf("redirects nest deeper than %d at %s.", spfLookupLimit, target))
		return "", nil
	}
	rec, err := w.record(ctx, target)
	if err != nil {
		return "", err
	}
	if rec == "" {
		w.a.Problems = append(w.a.Problems, fmt.Sprintf("%s redirects to %s, which publishes no SPF record: receivers return permerror.", from, target))
		return "", nil
	}
	return w.walk(ctx, target, rec, depth+1, false)
}

// checkSPF is mail.spf.
func (c *Checker) checkSPF(ctx context.Context, d *domainRun) Check {
	a, err := AnalyzeSPF(ctx, d.name, c.dns.txt)
	if err != nil {
		return errorCheck("read the SPF records", err)
	}
	mx := d.mxSet(ctx)
	noMail := mx.err == nil && mx.takesNoMail()
	ch := Check{Evidence: a.Evidence}
	switch {
	case a.Record == "" && len(a.Problems) == 0:
		ch.Status, ch.Summary = StatusFail, "The domain publishes no SPF record: anyone can send mail that claims to come from it."
	case len(a.Problems) > 0:
		ch.Status, ch.Summary = StatusFail, "The SPF record does not work: "+strings.Join(a.Problems, " ")
	case a.Lookups > spfLookupLimit:
		ch.Status, ch.Summary = StatusFail, fmt.Sprintf("The SPF record needs %d DNS lookups through its includes; receivers stop at %d and return permerror.", a.Lookups, spfLookupLimit)
	case a.All != "-all" && a.All != "~all":
		what := "does not end in ~all or -all"
		if a.All != "" {
			what = "ends in " + a.All
		}
		ch.Status, ch.Summary = StatusFail, "The SPF record "+what+", so it lets any server send as the domain."
	case noMail && a.All != "-all":
		ch.Status, ch.Summary = StatusWarn, "The domain receives no mail and should send none, but its SPF record ends in "+a.All+" instead of -all."
	case len(a.Warnings) > 0:
		ch.Status, ch.Summary = StatusWarn, "The SPF record works but "+strings.Join(a.Warnings, " ")
	default:
		ch.Status, ch.Summary = StatusPass, fmt.Sprintf("One valid SPF record ending in %s, %d DNS lookups of the %d allowed.", a.All, a.Lookups, spfLookupLimit)
	}
	if a.Record != "" {
		ch.Evidence = append(ch.Evidence, fmt.Sprintf("DNS-querying terms counted through includes: %d", a.Lookups))
	}
	if ch.Status == StatusWarn && len(a.Warnings) > 0 && !noMail {
		ch.Fix = "Replace ptr with the ip4:/ip6: ranges or a:/mx: names of the servers that send the mail."
	} else if ch.Status != StatusPass {
		if noMail {
			ch.Fix = `A domain that sends no mail: "v=spf1 -all".`
		} else {
			ch.Fix = `One TXT record at the domain listing who sends its mail, ending in -all (or ~all while you check): ` +
				`Google Workspace "v=spf1 include:_spf.google.com ~all"; Microsoft 365 "v=spf1 include:spf.protection.outlook.com -all"; ` +
				`OVH "v=spf1 include:mx.ovh.com ~all"; Gandi "v=spf1 include:_mailcust.gandi.net ~all". Merge several senders into one record.`
		}
	}
	return ch
}

// checkMX is mail.mx: the MX set, and the null MX of a domain without mail.
func (c *Checker) checkMX(ctx context.Context, d *domainRun) Check {
	mx := d.mxSet(ctx)
	if mx.err != nil && !errors.Is(mx.err, errNXDOMAIN) {
		return errorCheck("read the MX records", mx.err)
	}
	ch := Check{Evidence: mx.raw}
	switch {
	case errors.Is(mx.err, errNXDOMAIN):
		ch.Status, ch.Summary = StatusFail, "The domain does not exist in the DNS (NXDOMAIN)."
		ch.Fix = "Check the spelling of the domain, or that its registration has not lapsed."
	case mx.nullMX && mx.receivesMail():
		ch.Status, ch.Summary = StatusWarn, "The domain publishes a null MX next to real MX records; RFC 7505 says the null MX must be alone (senders use the real ones, but the domain says two contradictory things)."
		ch.Fix = "Remove the \"MX 0 .\" record, or the other MX records if the domain takes no mail."
	case mx.receivesMail():
		ch.Status, ch.Summary = StatusPass, fmt.Sprintf("The domain receives mail at %s.", strings.Join(mx.hosts, ", "))
	case mx.nullMX:
		ch.Status, ch.Summary = StatusPass, "The domain says it takes no mail with a null MX (RFC 7505)."
	default:
		ch.Status, ch.Summary = StatusWarn, "The domain has no MX record: senders fall back to its address record. A domain that takes no mail should say so with a null MX."
		ch.Fix = `"DOMAIN. MX 0 ." (RFC 7505), together with "v=spf1 -all" and a DMARC record with p=reject.`
	}
	return ch
}
