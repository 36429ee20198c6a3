package stix

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/vigie-project/vigie/internal/indicator"
)

// Value is an indicator value found in a pattern, not yet normalised.
type Value struct {
	Type       indicator.Type
	Value      string
	Comparison string // the comparison it comes from, as written
}

// Issue is a part of a pattern that did not become an indicator as
// written: a comparison Vigie cannot match, or a constraint (AND, a
// qualifier) it had to drop, so that the indicators it kept match more than
// the pattern did.
type Issue struct {
	Text   string // the comparison or qualifier
	Reason string
}

// pathFullRegex is the object path Vigie writes for a PathRegex indicator
// (a regular expression over a file's full path, as in Loki's
// filename-iocs): STIX has no such property, so it is a custom one.
const pathFullRegex = "file:x_vigie_full_path"

// Extract returns the indicator values of a pattern: every "=" comparison
// and every "IN" set on an object path Vigie can match, however they are
// joined, and an Issue for everything else.
func Extract(p *Pattern) ([]Value, []Issue) {
	var x extractor
	x.obs(p.Root)
	return x.values, x.issues
}

type extractor struct {
	values []Value
	issues []Issue
}

func (x *extractor) issue(text, reason string) {
	x.issues = append(x.issues, Issue{Text: text, Reason: reason})
}

// issueAt inserts an issue at index at, so that an issue about a whole
// expression comes before those about its parts.
func (x *extractor) issueAt(at int, text, reason string) {
	x.issues = append(x.issues, Issue{})
	copy(x.issues[at+1:], x.issues[at:])
	x.issues[at] = Issue{Text: text, Reason: reason}
}

func (x *extractor) obs(e ObsExpr) {
	switch e := e.(type) {
	case *Observation:
		x.comp(e.Expr, false)
	case *ObsBinary:
		at, n := len(x.issues), len(x.values)
		x.obs(e.L)
		x.obs(e.R)
		if e.Op != "OR" && len(x.values) > n {
			x.issueAt(at, obsText(e), "observations joined by "+e.Op+" are kept as separate indicators, each matching on its own: the pattern was loosened")
		}
	case *ObsQualified:
		at, n := len(x.issues), len(x.values)
		x.obs(e.Expr)
		if len(x.values) > n {
			x.issueAt(at, e.Text, "qualifier "+e.Qualifier+" ignored: the indicators match on a single occurrence, any time")
		}
	}
}

func (x *extractor) comp(e CompExpr, inAnd bool) {
	switch e := e.(type) {
	case *CompBinary:
		at, n := len(x.issues), len(x.values)
		and := inAnd || e.Op == "AND"
		x.comp(e.L, and)
		x.comp(e.R, and)
		if e.Op == "AND" && !inAnd && len(x.values) > n {
			x.issueAt(at, compText(e), "comparisons joined by AND are kept as separate indicators, each matching on its own: the conjunction was loosened")
		}
	case *Exists:
		x.issue(e.Text, "an EXISTS test cannot be an indicator")
	case *Comparison:
		x.comparison(e)
	}
}

func (x *extractor) comparison(c *Comparison) {
	if c.Not {
		x.issue(c.Text, "a negated comparison (NOT) cannot be an indicator")
		return
	}
	path := c.Path.String()
	if path == pathFullRegex && c.Op == "MATCHES" {
		x.values = append(x.values, Value{Type: indicator.PathRegex, Value: c.Value.Text, Comparison: c.Text})
		return
	}
	t, reason := pathType(c.Path)
	if t == "" {
		x.issue(c.Text, reason)
		return
	}
	var lits []Literal
	switch c.Op {
	case "=":
		lits = []Literal{c.Value}
	case "IN":
		lits = c.Set
		if len(lits) == 0 {
			x.issue(c.Text, "an empty IN set matches nothing")
			return
		}
	default:
		x.issue(c.Text, "operator "+c.Op+" cannot be an indicator (only = and IN can)")
		return
	}
	for _, l := range lits {
		if l.Kind != LitString {
			x.issue(c.Text, "compares "+path+" with a "+l.Kind+" value, not a string")
			continue
		}
		vt := t
		if t == autoAddr {
			vt = addrType(l.Text)
		}
		x.values = append(x.values, Value{Type: vt, Value: l.Text, Comparison: c.Text})
	}
}

// autoAddr marks network-traffic references, which may be an address or a
// domain name depending on the value.
const autoAddr indicator.Type = "auto"

func addrType(v string) indicator.Type {
	s := strings.TrimSpace(v)
	if p, err := netip.ParsePrefix(s); err == nil {
		if p.Addr().Is4() {
			return indicator.IPv4
		}
		return indicator.IPv6
	}
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Unmap().Is4() {
			return indicator.IPv4
		}
		return indicator.IPv6
	}
	return indicator.Domain
}

// pathType maps an object path to the indicator type it carries, or gives
// the reason why Vigie cannot match it.
func pathType(p ObjectPath) (indicator.Type, string) {
	keys := make([]string, 0, len(p.Steps))
	for _, s := range p.Steps {
		if s.IsIdx {
			return "", "Vigie cannot match the object path " + p.String()
		}
		keys = append(keys, s.Key)
	}
	path := strings.Join(keys, ".")
	switch p.Type {
	case "file":
		if len(keys) == 2 && keys[0] == "hashes" {
			switch hashName(keys[1]) {
			case "MD5":
				return indicator.MD5, ""
			case "SHA1":
				return indicator.SHA1, ""
			case "SHA256":
				return indicator.SHA256, ""
			case "SHA512":
				return indicator.SHA512, ""
			}
			return "", "Vigie does not match " + keys[1] + " file hashes (only MD5, SHA-1, SHA-256 and SHA-512)"
		}
		if path == "name" {
			return indicator.Filename, ""
		}
	case "domain-name":
		if path == "value" {
			return indicator.Domain, ""
		}
	case "url":
		if path == "value" {
			return indicator.URL, ""
		}
	case "ipv4-addr":
		if path == "value" {
			return indicator.IPv4, ""
		}
	case "ipv6-addr":
		if path == "value" {
			return indicator.IPv6, ""
		}
	case "email-addr":
		if path == "value" {
			return indicator.Email, ""
		}
	case "email-message":
		if path == "from_ref.value" || path == "sender_ref.value" {
			return indicator.Email, ""
		}
	case "network-traffic":
		if path == "dst_ref.value" || path == "src_ref.value" {
			return autoAddr, ""
		}
	}
	return "", "Vigie cannot match the object path " + p.String()
}

func obsText(e ObsExpr) string {
	var b strings.Builder
	writeObs(&b, e)
	return b.String()
}

func writeObs(b *strings.Builder, e ObsExpr) {
	if b.Len() > 200 {
		return
	}
	switch e := e.(type) {
	case *Observation:
		b.WriteByte('[')
		writeComp(b, e.Expr)
		b.WriteByte(']')
	case *ObsBinary:
		b.WriteByte('(')
		writeObs(b, e.L)
		b.WriteString(" " + e.Op + " ")
		writeObs(b, e.R)
		b.WriteByte(')')
	case *ObsQualified:
		writeObs(b, e.Expr)
		b.WriteString(" " + e.Text)
	}
}

func compText(e CompExpr) string {
	var b strings.Builder
	writeComp(&b, e)
	return b.String()
}

func writeComp(b *strings.Builder, e CompExpr) {
	if b.Len() > 200 {
		return
	}
	switch e := e.(type) {
	case *CompBinary:
		for i, sub := range []CompExpr{e.L, e.R} {
			if i > 0 {
				b.WriteString(" " + e.Op + " ")
			}
			if s, ok := sub.(*CompBinary); ok && s.Op != e.Op {
				b.WriteByte('(')
				writeComp(b, sub)
				b.WriteByte(')')
			} else {
				writeComp(b, sub)
			}
		}
	case *Comparison:
		b.WriteString(e.Text)
	case *Exists:
		b.WriteString(e.Text)
	}
}

// hashName folds a STIX hash key to compare it: "SHA-256", "sha256" and
// "SHA_256" all give "SHA256".
func hashName(k string) string {
	if len(k) > 16 {
		return ""
	}
	var b [16]byte
	n := 0
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c == '-' || c == '_':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		b[n] = c
		n++
	}
	return string(b[:n])
}

// simplePaths are the object paths of the one-comparison patterns that
// make up nearly all real indicators, as Vigie, OpenCTI and MISP write them.
var simplePaths = map[string]indicator.Type{
	"domain-name:value": indicator.Domain, "url:value": indicator.URL,
	"ipv4-addr:value": indicator.IPv4, "ipv6-addr:value": indicator.IPv6,
	"email-addr:value": indicator.Email, "email-message:from_ref.value": indicator.Email,
	"email-message:sender_ref.value": indicator.Email, "file:name": indicator.Filename,
	"file:hashes.MD5": indicator.MD5, "file:hashes.'MD5'": indicator.MD5,
	"file:hashes.'SHA-1'": indicator.SHA1, "file:hashes.'SHA1'": indicator.SHA1, "file:hashes.SHA1": indicator.SHA1,
	"file:hashes.'SHA-256'": indicator.SHA256, "file:hashes.'SHA256'": indicator.SHA256, "file:hashes.SHA256": indicator.SHA256,
	"file:hashes.'SHA-512'": indicator.SHA512, "file:hashes.'SHA512'": indicator.SHA512, "file:hashes.SHA512": indicator.SHA512,
}

// simplePattern recognises a pattern of the exact form
// "[path = 'value']" with a path of simplePaths and a value without quotes
// or backslashes, and returns what ParsePattern and Extract would, without
// building a syntax tree. Anything else is left to the parser.
func simplePattern(p string) (Value, bool) {
	if len(p) < 8 || p[0] != '[' || p[len(p)-1] != ']' || p[len(p)-2] != '\'' {
		return Value{}, false
	}
	inner := p[1 : len(p)-1]
	i := strings.Index(inner, " = '")
	if i < 0 {
		return Value{}, false
	}
	t, ok := simplePaths[inner[:i]]
	if !ok || i+4 > len(inner)-1 {
		return Value{}, false
	}
	v := inner[i+4 : len(inner)-1]
	if strings.ContainsAny(v, `'\`) || !utf8.ValidString(v) {
		return Value{}, false
	}
	return Value{Type: t, Value: strings.Clone(v), Comparison: inner}, true
}
