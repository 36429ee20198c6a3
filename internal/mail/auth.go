package mail

import (
	"context"
	"net/netip"
	"strings"

	"github.com/vigie-project/vigie/internal/mime"
)

// Envelope is what the SMTP session tells about a message, when known (the
// milter knows it; a file on disk does not).
type Envelope struct {
	ClientIP   netip.Addr
	ClientName string // reverse DNS name the MTA found
	Helo       string
	MailFrom   string // envelope sender (Return-Path)
	Rcpt       []string
}

// AuthResults are the sender-authentication results for one message.
// Each result is one of pass, fail, softfail, neutral, none, temperror,
// permerror, policy, or "unknown" when nothing could be checked (no DNS,
// no trusted upstream). A DNS failure is temperror or unknown, never fail.
type AuthResults struct {
	SPF         string   `json:"spf"`
	SPFDomain   string   `json:"spf_domain,omitempty"`
	DKIM        string   `json:"dkim"`                   // the best result over all signatures
	DKIMDomains []string `json:"dkim_domains,omitempty"` // d= of passing signatures
	DMARC       string   `json:"dmarc"`
	DMARCPolicy string   `json:"dmarc_policy,omitempty"` // p= of the From domain when known
	ARC         string   `json:"arc"`
	Source      string   `json:"source,omitempty"` // "verified", "trusted upstream mx.example.org"
}

// Authenticator checks SPF, DKIM, DMARC and ARC for a message. The mailauth
// package provides the real, DNS-backed implementation; TrustedResults
// reads the verdicts of a trusted upstream MTA.
type Authenticator interface {
	Authenticate(ctx context.Context, raw []byte, msg *mime.Message, env *Envelope) (AuthResults, error)
}

func unknownAuth() AuthResults {
	return AuthResults{SPF: "unknown", DKIM: "unknown", DMARC: "unknown", ARC: "unknown"}
}

// TrustedResults reads Authentication-Results fields (RFC 8601) added by
// trusted upstream servers, named by their authserv-id. Fields from any
// other authserv-id may be forged by the sender and are ignored. Only the
// topmost trusted field is used (the one added last, by our side).
type TrustedResults struct {
	AuthServIDs []string
}

// Authenticate implements Authenticator.
func (t TrustedResults) Authenticate(_ context.Context, _ []byte, msg *mime.Message, _ *Envelope) (AuthResults, error) {
	r := unknownAuth()
	for _, v := range msg.Header.Values("Authentication-Results") {
		id, res := parseAuthResults(v)
		if !containsFold(t.AuthServIDs, id) {
			continue
		}
		r.Source = "trusted upstream " + id
		for _, m := range res {
			switch m.method {
			case "spf":
				r.SPF = m.result
				r.SPFDomain = domainOf(m.props["smtp.mailfrom"])
			case "dkim":
				if m.result == "pass" {
					r.DKIMDomains = append(r.DKIMDomains, strings.ToLower(m.props["header.d"]))
				}
				r.DKIM = betterResult(r.DKIM, m.result)
			case "dmarc":
				r.DMARC = m.result
				if p := m.props["policy.published-domain-policy"]; p != "" {
					r.DMARCPolicy = p
				}
			case "arc":
				r.ARC = m.result
			}
		}
		break
	}
	return r, nil
}

// betterResult keeps the most favourable DKIM result over signatures: one
// valid signature is enough.
func betterResult(old, n string) string {
	rank := map[string]int{"pass": 6, "fail": 5, "policy": 4, "neutral": 3, "permerror": 2, "temperror": 2, "none": 1, "unknown": 0}
	if rank[n] > rank[old] || old == "unknown" {
		return n
	}
	return old
}

type arMethod struct {
	method, result string
	props          map[string]string
}

// parseAuthResults reads "authserv-id [version]; method=result prop=val
// ...; ..." with comments removed. It is lenient: unknown pieces are
// skipped.
func parseAuthResults(v string) (string, []arMethod) {
	v = stripComments(v)
	parts := strings.Split(v, ";")
	id := strings.ToLower(strings.TrimSpace(strings.Fields(parts[0] + " x")[0]))
	var out []arMethod
	for _, p := range parts[1:] {
		f := strings.Fields(p)
		if len(f) == 0 || len(out) > 50 {
			continue
		}
		eq := strings.IndexByte(f[0], '=')
		if eq <= 0 {
			continue
		}
		m := arMethod{method: strings.ToLower(f[0][:eq]), result: strings.ToLower(f[0][eq+1:]), props: map[string]string{}}
		if i := strings.IndexByte(m.method, '/'); i >= 0 {
			m.method = m.method[:i]
		}
		for _, kv := range f[1:] {
			if e := strings.IndexByte(kv, '='); e > 0 {
				m.props[strings.ToLower(kv[:e])] = strings.Trim(kv[e+1:], `"`)
			}
		}
		out = append(out, m)
	}
	return id, out
}

func stripComments(s string) string {
	if strings.IndexByte(s, '(') < 0 {
		return s
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		addr = addr[i+1:]
	}
	return strings.ToLower(strings.Trim(addr, "<> ."))
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
