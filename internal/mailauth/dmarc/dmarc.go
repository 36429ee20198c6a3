// Package dmarc evaluates DMARC (RFC 7489): record discovery at the
// RFC5322.From domain with fallback to its organisational domain (public
// suffix list), relaxed/strict identifier alignment of SPF and DKIM,
// and the p/sp/pct policy.
package dmarc

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie/internal/mailauth"
)

// MaxRecordLength bounds a DMARC record.
const MaxRecordLength = 4096

// Result is the DMARC result.
type Result string

// Results (RFC 8601 dmarc= values).
const (
	Pass      Result = "pass"
	Fail      Result = "fail"
	None      Result = "none"
	TempError Result = "temperror"
	PermError Result = "permerror"
)

// Policy is a requested handling.
type Policy string

// Policies.
const (
	PolicyNone       Policy = "none"
	PolicyQuarantine Policy = "quarantine"
	PolicyReject     Policy = "reject"
)

// Record is a parsed DMARC record.
type Record struct {
	Policy          Policy
	SubdomainPolicy Policy // sp= (defaults to Policy)
	ADKIM, ASPF     string // "r" or "s"
	Pct             int
	RUA, RUF        []string
	FO, RF          string
	RI              int
	// PolicyDefaulted is set when p= was missing or invalid and rua=
	// made the record usable as p=none (RFC 7489 §6.6.3).
	PolicyDefaulted bool
}

// IsDMARC reports whether a TXT record claims to be DMARC.
func IsDMARC(txt string) bool {
	t := strings.TrimLeft(txt, " \t")
	if !strings.HasPrefix(t, "v") {
		return false
	}
	v, _, _ := strings.Cut(t, ";")
	k, val, ok := strings.Cut(v, "=")
	return ok && strings.TrimSpace(k) == "v" && strings.TrimSpace(val) == "DMARC1"
}

func parsePolicy(s string) (Policy, bool) {
	switch p := Policy(strings.ToLower(strings.TrimSpace(s))); p {
	case PolicyNone, PolicyQuarantine, PolicyReject:
		return p, true
	}
	return "", false
}

// ParseRecord parses a DMARC record.
func ParseRecord(txt string) (*Record, error) {
	if len(txt) > MaxRecordLength {
		return nil, fmt.Errorf("dmarc record longer than %d bytes", MaxRecordLength)
	}
	if !IsDMARC(txt) {
		return nil, errors.New("dmarc record does not start with v=DMARC1")
	}
	r := &Record{ADKIM: "r", ASPF: "r", Pct: 100, RI: 86400, FO: "0", RF: "afrf"}
	seen := map[string]bool{}
	var pRaw, spRaw string
	hasP := false
	for i, spec := range strings.Split(txt, ";") {
		if strings.TrimSpace(spec) == "" {
			continue
		}
		k, v, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, fmt.Errorf("dmarc tag %q has no '='", trunc(strings.TrimSpace(spec), 40))
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if seen[k] {
			return nil, fmt.Errorf("dmarc tag %s= appears twice", trunc(k, 20))
		}
		if len(seen) > 64 {
			return nil, errors.New("dmarc record has too many tags")
		}
		seen[k] = true
		switch k {
		case "v":
			if i != 0 {
				return nil, errors.New("dmarc v= is not the first tag")
			}
		case "p":
			pRaw, hasP = v, true
		case "sp":
			spRaw = v
		case "adkim", "aspf":
			lv := strings.ToLower(v)
			if lv != "r" && lv != "s" {
				return nil, fmt.Errorf("dmarc %s=%q is not r or s", k, trunc(v, 20))
			}
			if k == "adkim" {
				r.ADKIM = lv
			} else {
				r.ASPF = lv
			}
		case "pct":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 100 {
				return nil, fmt.Errorf("dmarc pct=%q is not 0..100", trunc(v, 20))
			}
			r.Pct = n
		case "rua", "ruf":
			var uris []string
			for u := range strings.SplitSeq(v, ",") {
				if u = strings.TrimSpace(u); u != "" {
					uris = append(uris, u)
				}
			}
			if k == "rua" {
				r.RUA = uris
			} else {
				r.RUF = uris
			}
		case "fo":
			r.FO = v
		case "rf":
			r.RF = v
		case "ri":
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("dmarc ri=%q is not a number", trunc(v, 20))
			}
			r.RI = int(n)
		default:
			// Unknown tags are ignored (RFC 7489 §6.3).
		}
	}
	p, ok := parsePolicy(pRaw)
	if !hasP || !ok {
		if len(r.RUA) == 0 {
			if !hasP {
				return nil, errors.New("dmarc record has no p= tag")
			}
			return nil, fmt.Errorf("dmarc p=%q is not none, quarantine or reject", trunc(pRaw, 20))
		}
		p, r.PolicyDefaulted = PolicyNone, true
	}
	r.Policy, r.SubdomainPolicy = p, p
	if spRaw != "" {
		sp, ok := parsePolicy(spRaw)
		if !ok {
			return nil, fmt.Errorf("dmarc sp=%q is not none, quarantine or reject", trunc(spRaw, 20))
		}
		r.SubdomainPolicy = sp
	}
	return r, nil
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// DKIMResult is one DKIM signature outcome as DMARC needs it.
type DKIMResult struct {
	Domain string // d=
	Pass   bool
}

// Input are the authenticated identifiers of one message.
type Input struct {
	// FromDomain is the RFC5322.From domain.
	FromDomain string
	// SPFPass and SPFDomain: the SPF result and the domain it was
	// checked for (MAIL FROM, or HELO when MAIL FROM was empty).
	SPFPass   bool
	SPFDomain string
	DKIM      []DKIMResult
	// Sample in [0,1) decides pct= sampling; messages with Sample*100 <
	// pct get the policy (0 always does).
	Sample float64
}

// Report is the DMARC evaluation.
type Report struct {
	Result Result `json:"result"`
	Detail string `json:"detail,omitempty"`
	// RecordDomain is where the record was found (_dmarc.X); OrgDomain
	// is the From domain's organisational domain.
	RecordDomain string `json:"record_domain,omitempty"`
	OrgDomain    string `json:"org_domain"`
	Record       string `json:"record,omitempty"`
	// Policy is p= or sp= as applicable; Disposition is what to do after
	// pct sampling (a sampled-out message gets the next milder policy).
	Policy            Policy `json:"policy,omitempty"`
	Pct               int    `json:"pct,omitempty"`
	Disposition       Policy `json:"disposition,omitempty"`
	SPFAligned        bool   `json:"spf_aligned"`
	DKIMAligned       bool   `json:"dkim_aligned"`
	AlignedDKIMDomain string `json:"aligned_dkim_domain,omitempty"`
}

// Lookup finds the DMARC record for a From domain: _dmarc.<domain>, then
// _dmarc.<organisational domain>. It returns the record, the domain it
// was found at, and a result of none/temperror/permerror when there is
// no usable record.
func Lookup(ctx context.Context, r mailauth.KeyResolver, fromDomain string) (*Record, string, string, Result, error) {
	from := strings.ToLower(strings.TrimSuffix(fromDomain, "."))
	try := []string{from}
	if od := mailauth.OrgDomain(from); od != from {
		try = append(try, od)
	}
	for _, d := range try {
		recs, err := r.LookupTXT(ctx, "_dmarc."+d)
		if err != nil {
			if mailauth.IsNotFound(err) {
				continue
			}
			return nil, d, "", TempError, fmt.Errorf("_dmarc.%s: %v", d, err)
		}
		var ds []string
		for _, t := range recs {
			if IsDMARC(t) {
				ds = append(ds, t)
			}
		}
		switch len(ds) {
		case 0:
			continue
		case 1:
		default:
			// §6.6.3: more than one record: no DMARC processing.
			return nil, d, "", None, fmt.Errorf("_dmarc.%s has %d DMARC records", d, len(ds))
		}
		rec, err := ParseRecord(ds[0])
		if err != nil {
			if d == from && len(try) > 1 {
				continue
			}
			return nil, d, ds[0], PermError, fmt.Errorf("_dmarc.%s: %v", d, err)
		}
		return rec, d, ds[0], "", nil
	}
	return nil, "", "", None, fmt.Errorf("no DMARC record for %s or its organisational domain", from)
}

// Check evaluates DMARC for one message.
func Check(ctx context.Context, r mailauth.KeyResolver, in Input) Report {
	from := strings.ToLower(strings.TrimSuffix(in.FromDomain, "."))
	rep := Report{OrgDomain: mailauth.OrgDomain(from)}
	if from == "" {
		rep.Result, rep.Detail = PermError, "no RFC5322.From domain"
		return rep
	}
	rec, at, raw, res, err := Lookup(ctx, r, from)
	rep.RecordDomain, rep.Record = at, raw
	if rec == nil {
		rep.Result = res
		if err != nil {
			rep.Detail = err.Error()
		}
		return rep
	}
	rep.Policy = rec.Policy
	if at != from {
		rep.Policy = rec.SubdomainPolicy
	}
	rep.Pct = rec.Pct
	rep.SPFAligned = in.SPFPass && mailauth.Aligned(in.SPFDomain, from, rec.ASPF == "s")
	for _, d := range in.DKIM {
		if d.Pass && mailauth.Aligned(d.Domain, from, rec.ADKIM == "s") {
			rep.DKIMAligned, rep.AlignedDKIMDomain = true, strings.ToLower(d.Domain)
			break
		}
	}
	if rep.SPFAligned || rep.DKIMAligned {
		rep.Result, rep.Disposition = Pass, PolicyNone
		return rep
	}
	rep.Result = Fail
	rep.Detail = "neither SPF nor DKIM passed with an identifier aligned with " + from
	rep.Disposition = rep.Policy
	if in.Sample*100 >= float64(rec.Pct) {
		switch rep.Policy {
		case PolicyReject:
			rep.Disposition = PolicyQuarantine
		case PolicyQuarantine:
			rep.Disposition = PolicyNone
		}
	}
	return rep
}

// FromDomain returns the RFC5322.From domain DMARC applies to, given the
// values of the message's From fields. RFC 7489 §6.6.1: a message with
// several From fields or several addresses in different domains cannot
// be evaluated, and one without a From domain neither.
func FromDomain(fromValues []string) (string, error) {
	if len(fromValues) == 0 {
		return "", errors.New("no From field")
	}
	domain := ""
	for _, v := range fromValues {
		ds := mailauth.AddressDomains(v)
		if len(ds) == 0 {
			return "", fmt.Errorf("From %q has no address domain", trunc(strings.TrimSpace(v), 80))
		}
		for _, d := range ds {
			if domain != "" && d != domain {
				return "", fmt.Errorf("From fields name several domains (%s, %s)", domain, d)
			}
			domain = d
		}
	}
	return domain, nil
}
