package posture

import (
	"regexp"
	"slices"
	"strings"
)

// The security headers web.headers reads, rated as internet.nl does
// (checks/tasks/http_headers.py): a header sent several times counts as
// its values joined by ", ", as HTTP (RFC 9110 §5.3) and internet.nl's
// client read them.

// cspSource is one source expression of a CSP directive, classified.
type cspSource struct {
	self, none, unsafeInline, unsafeEval, unsafeHashes, reportSample bool
	scheme                                                           string // of a host source ("https" in https://cdn.example)
	host                                                             string // of a host source
	schemeSource                                                     string // "https" for "https:"
}

// CSP source grammars (CSP3 §2.3.1), in the order internet.nl tries them:
// a host source (with an optional scheme, port and path), a scheme source,
// then a keyword, nonce or hash.
var (
	cspHostSource   = regexp.MustCompile(`^(?:(.+)://)?([^:/']+|\[.+\])(?::(\d+|\*))?(/.*)?$`)
	cspSchemeSource = regexp.MustCompile(`^(https?|data|mediastream|blob|filesystem):$`)
	cspKeyword      = regexp.MustCompile(`^(?:'self'|'unsafe-eval'|'unsafe-hashes'|'unsafe-inline'|'none'|'nonce-[+a-zA-Z0-9/]+=*'|'(?:sha256|sha384|sha512)-[+a-zA-Z0-9/]+=*')`)
	cspSelfNone     = regexp.MustCompile(`^(?:'self'|'none')$`)
)

// cspDirective says how a directive falls back (CSP3 §6.8) and which
// source forms it takes; directives not listed are ignored, as by
// internet.nl.
type cspDirective struct {
	fallback []string
	kind     int // cspSources, cspSourcesDynamic (with 'strict-dynamic', 'report-sample'), cspAncestors, cspOther
}

const (
	cspSources = iota
	cspSourcesDynamic
	cspAncestors
	cspOther // values that are not sources (sandbox, report-to ...)
	cspNoValue
)

var cspDirectives = map[string]cspDirective{
	"default-src":               {nil, cspSources},
	"child-src":                 {[]string{"default-src"}, cspSourcesDynamic},
	"connect-src":               {[]string{"default-src"}, cspSources},
	"font-src":                  {[]string{"default-src"}, cspSources},
	"frame-src":                 {[]string{"child-src", "default-src"}, cspSources},
	"img-src":                   {[]string{"default-src"}, cspSourcesDynamic},
	"manifest-src":              {[]string{"default-src"}, cspSources},
	"media-src":                 {[]string{"default-src"}, cspSources},
	"object-src":                {[]string{"default-src"}, cspSources},
	"prefetch-src":              {[]string{"default-src"}, cspSources},
	"script-src":                {[]string{"default-src"}, cspSourcesDynamic},
	"script-src-elem":           {[]string{"script-src", "default-src"}, cspSourcesDynamic},
	"script-src-attr":           {[]string{"script-src", "default-src"}, cspSourcesDynamic},
	"style-src":                 {[]string{"default-src"}, cspSources},
	"style-src-elem":            {[]string{"style-src", "default-src"}, cspSourcesDynamic},
	"style-src-attr":            {[]string{"style-src", "default-src"}, cspSourcesDynamic},
	"worker-src":                {[]string{"child-src", "script-src", "default-src"}, cspSources},
	"base-uri":                  {nil, cspSourcesDynamic},
	"form-action":               {nil, cspSourcesDynamic},
	"navigate-to":               {nil, cspSourcesDynamic},
	"frame-ancestors":           {nil, cspAncestors},
	"plugin-types":              {nil, cspOther},
	"sandbox":                   {nil, cspOther},
	"report-to":                 {nil, cspOther},
	"trusted-types":             {nil, cspOther},
	"block-all-mixed-content":   {nil, cspNoValue},
	"upgrade-insecure-requests": {nil, cspNoValue},
}

// parseCSPSource classifies one source expression for a directive of
// kind; ok is false for a value internet.nl ignores.
func parseCSPSource(v string, kind int) (cspSource, bool) {
	var s cspSource
	if m := cspHostSource.FindStringSubmatch(v); m != nil {
		s.scheme, s.host = m[1], m[2]
		return s, true
	}
	if m := cspSchemeSource.FindStringSubmatch(v); m != nil {
		s.schemeSource = m[1]
		return s, true
	}
	if kind == cspAncestors {
		if m := cspSelfNone.FindString(v); m != "" {
			s.self, s.none = m == "'self'", m == "'none'"
			return s, true
		}
		return s, false
	}
	if m := cspKeyword.FindString(v); m != "" {
		switch m {
		case "'self'":
			s.self = true
		case "'none'":
			s.none = true
		case "'unsafe-inline'":
			s.unsafeInline = true
		case "'unsafe-eval'":
			s.unsafeEval = true
		case "'unsafe-hashes'":
			s.unsafeHashes = true
		}
		return s, true
	}
	if kind == cspSourcesDynamic {
		if v == "'report-sample'" {
			s.reportSample = true
			return s, true
		}
		return s, v == "'strict-dynamic'"
	}
	return s, false
}

// CSPProblems rates a Content-Security-Policy value (the header's fields
// joined by ", ") for the site domain with internet.nl's rules and returns
// what it finds wrong, in internet.nl's words: no 'unsafe-inline',
// 'unsafe-eval' or 'unsafe-hashes'; no http: and no bare https: source; no
// host without a scheme; no "*" or 127.0.0.1 host; no data: for scripts or
// objects; default-src and base-uri limited to 'self' (and hosts of the
// domain) or 'none'; frame-ancestors 'self' or 'none'; form-action set.
// An empty value returns nil: the caller reports the header as missing.
func CSPProblems(value, domain string) []string {
	if strings.TrimSpace(value) == "" {
		return nil
	}
	parsed := map[string][]cspSource{}
	for policy := range strings.SplitSeq(value, ",") {
		for d := range strings.SplitSeq(policy, ";") {
			// Browsers read directive names, keywords, schemes and hosts
			// in any case (CSP3 §2.2.1 lower-cases the names; §6.7
			// matches keywords ASCII case-insensitively); nonce and hash
			// values, the only case-sensitive parts, are not rated.
			f := strings.Fields(strings.ToLower(d))
			if len(f) == 0 {
				continue
			}
			name := f[0]
			dir, ok := cspDirectives[name]
			if !ok {
				continue
			}
			if dir.kind == cspOther || dir.kind == cspNoValue {
				continue // nothing internet.nl rates
			}
			for _, v := range f[1:] {
				if s, ok := parseCSPSource(v, dir.kind); ok {
					parsed[name] = append(parsed[name], s)
				}
			}
		}
	}
	// effective returns the directives whose sources apply for names:
	// each one, or the first of its fallbacks the policy has.
	effective := func(names ...string) []string {
		var out []string
		for _, n := range names {
			if _, ok := parsed[n]; ok {
				out = append(out, n)
				continue
			}
			for _, f := range cspDirectives[n].fallback {
				if _, ok := parsed[f]; ok {
					out = append(out, f)
					break
				}
			}
		}
		return out
	}
	has := func(pred func(cspSource) bool, names ...string) bool {
		dirs := names
		if len(names) == 0 {
			for n := range parsed {
				dirs = append(dirs, n)
			}
		} else {
			dirs = effective(names...)
		}
		for _, n := range dirs {
			if slices.ContainsFunc(parsed[n], pred) {
				return true
			}
		}
		return false
	}
	var out []string
	add := func(bad bool, what string) {
		if bad {
			out = append(out, what)
		}
	}
	add(has(func(s cspSource) bool { return s.unsafeInline }), "'unsafe-inline'")
	add(has(func(s cspSource) bool { return s.unsafeEval }), "'unsafe-eval'")
	add(has(func(s cspSource) bool { return s.scheme == "http" || s.scheme == "*" || s.schemeSource == "http" }), "an http: source")
	add(has(func(s cspSource) bool { return s.schemeSource == "https" }), "a bare https: source (any site)")
	add(has(func(s cspSource) bool { return s.host != "" && s.scheme == "" }), "a host without https://")
	add(has(func(s cspSource) bool { return s.schemeSource == "data" }, "object-src", "script-src"), "data: for scripts or objects")
	add(has(func(s cspSource) bool { return s.host == "*" || s.host == "127.0.0.1" }), `a "*" or 127.0.0.1 host`)
	add(has(func(s cspSource) bool { return s.unsafeHashes }), "'unsafe-hashes'")
	defaultOK := cspSelfOrNone(parsed["default-src"], domain)
	add(!defaultOK, "default-src missing or not limited to 'self' or 'none'")
	add(!defaultOK && !has(func(s cspSource) bool { return s.self || s.none || s.host != "" }, "frame-src"), "frame-src missing or not limited")
	add(!has(func(s cspSource) bool { return s.self || s.none }, "frame-ancestors"), "frame-ancestors missing or not 'self' or 'none'")
	add(!cspSelfOrNone(parsed["base-uri"], domain), "base-uri missing or not limited to 'self' or 'none'")
	add(!has(func(s cspSource) bool { return s.self || s.none || s.host != "" }, "form-action"), "form-action missing")
	return out
}

// cspSelfOrNone reports whether sources are 'none' alone, or 'self' with
// only hosts of domain (its sub-domains or parents, sharing one base) and
// 'report-sample', internet.nl's rule for default-src and base-uri.
func cspSelfOrNone(sources []cspSource, domain string) bool {
	domain = strings.TrimSuffix(domain, ".")
	expected, matched := 0, 0
	self, none := false, false
	var hosts []string
	for _, s := range sources {
		switch {
		case s.self:
			expected++
			self = true
		case s.reportSample:
			expected++
		case s.host != "":
			expected++
			h := strings.TrimSuffix(s.host, ".")
			if !slices.Contains(hosts, h) {
				hosts = append(hosts, h)
			}
			switch {
			case strings.HasPrefix(h, "*."):
				if h[2:] == "" || !sameOrSubdomain(domain, h[2:]) {
					return false
				}
			case !sameOrSubdomain(h, domain) && !sameOrSubdomain(domain, h):
				return false
			}
			matched++
		case s.none:
			none = true
		}
	}
	if none && !self && expected == 0 {
		return true
	}
	if !self {
		return false
	}
	if len(hosts) > 0 {
		if matched == 0 {
			return false
		}
		base := hosts[0]
		for _, h := range hosts {
			if len(h) < len(base) {
				base = h
			}
		}
		for _, h := range hosts {
			if !sameOrSubdomain(h, base) {
				return false
			}
		}
	}
	return expected == len(sources)
}

// sameOrSubdomain reports whether host is domain or one of its
// sub-domains, on a label boundary: evilparty.test is not party.test's.
func sameOrSubdomain(host, domain string) bool {
	return host == domain || strings.HasSuffix(host, "."+domain)
}

// Referrer-Policy values (W3C Referrer Policy §3) as internet.nl rates
// the last one given (the one browsers apply): good, acceptable with a
// recommendation, or leaking the path to other sites.
var (
	referrerGood = []string{"no-referrer", "same-origin"}
	referrerOK   = []string{"strict-origin", "strict-origin-when-cross-origin"}
	referrerBad  = []string{"origin", "origin-when-cross-origin", "no-referrer-when-downgrade", "unsafe-url"}
)

// ReferrerPolicyRating rates a Referrer-Policy value: "good", "ok" (a
// recommendation: no-referrer or same-origin would leak less; also when
// the header is missing, since browsers then apply
// strict-origin-when-cross-origin) or "bad".
func ReferrerPolicyRating(value string) string {
	if strings.TrimSpace(value) == "" {
		return "ok"
	}
	vs := strings.Split(value, ",")
	last := strings.TrimSpace(vs[len(vs)-1])
	switch {
	case slices.Contains(referrerGood, last):
		return "good"
	case slices.Contains(referrerOK, last):
		return "ok"
	}
	return "bad"
}

// firstValue is the first of a header's comma-separated values.
func firstValue(v string) string {
	f, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(f)
}
