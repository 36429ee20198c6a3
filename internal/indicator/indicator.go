package indicator

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Type is the kind of observable an indicator matches.
type Type string

// The indicator types. IPv4 and IPv6 values are a single address or a CIDR
// block ("192.0.2.0/24").
const (
	MD5       Type = "md5"
	SHA1      Type = "sha1"
	SHA256    Type = "sha256"
	SHA512    Type = "sha512"
	Domain    Type = "domain"     // matches the domain and all its sub-domains
	URL       Type = "url"        // a normalised URL
	IPv4      Type = "ipv4"       // an IPv4 address or CIDR block
	IPv6      Type = "ipv6"       // an IPv6 address or CIDR block
	Email     Type = "email"      // an e-mail address
	Filename  Type = "filename"   // a file's base name, matched case-insensitively
	PathRegex Type = "path-regex" // a regular expression over a file's full path (Loki's filename-iocs)
	YARA      Type = "yara"       // a YARA rule: Value is the rule name, Rule its source
)

// Types lists every indicator type, in the order reports show them.
var Types = []Type{MD5, SHA1, SHA256, SHA512, Domain, URL, IPv4, IPv6, Email, Filename, PathRegex, YARA}

// ParseType returns the Type named s (as in Types, case-insensitive), with a
// few common aliases ("sha-256", "hostname", "ip", "ip-dst", "email-src" ...).
func ParseType(s string) (Type, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	for _, t := range Types {
		if k == string(t) {
			return t, nil
		}
	}
	switch k {
	case "sha-1":
		return SHA1, nil
	case "sha-256":
		return SHA256, nil
	case "sha-512":
		return SHA512, nil
	case "hostname", "host", "fqdn", "domain-name":
		return Domain, nil
	case "uri", "link":
		return URL, nil
	case "ipv4-addr", "ip4", "ip", "ip-dst", "ip-src", "ip-addr", "ip-address", "ipaddress", "cidr":
		return IPv4, nil
	case "ipv6-addr", "ip6":
		return IPv6, nil
	case "email-addr", "email-src", "email-dst", "e-mail", "mail":
		return Email, nil
	case "file", "file-name", "filepath", "file-path":
		return Filename, nil
	case "regex", "filename-regex":
		return PathRegex, nil
	case "yara-rule":
		return YARA, nil
	}
	return "", fmt.Errorf("unknown indicator type %q", s)
}

// IsHash reports whether t is one of the file-hash types.
func (t Type) IsHash() bool { return t == MD5 || t == SHA1 || t == SHA256 || t == SHA512 }

// Threat is what an indicator relates to: a malware family (X-Agent,
// Zebrocy), an intrusion set (APT28), a campaign or a threat actor.
type Threat struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind,omitempty"` // "malware", "intrusion-set", "campaign", "threat-actor", "tool"
	Aliases []string `json:"aliases,omitempty"`
}

// ThreatKinds are the accepted values of Threat.Kind, as in STIX 2.1.
var ThreatKinds = []string{"malware", "intrusion-set", "campaign", "threat-actor", "tool"}

// Indicator is one observable with what is known of it.
type Indicator struct {
	// ID is a stable identifier from the source (a STIX id, a MISP attribute
	// uuid); writers that need one and find none derive it from Type and
	// Value, so that exporting the same indicator twice gives the same id.
	ID    string `json:"id,omitempty"`
	Type  Type   `json:"type"`
	Value string `json:"value"` // normalised, see Normalize
	// Rule is the source text of a YARA rule (Type YARA only).
	Rule string `json:"rule,omitempty"`
	// Exclude is, for PathRegex, a regular expression of paths that are
	// not a match even when Value matches (Loki's false-positive filter).
	Exclude string `json:"exclude,omitempty"`

	Source      string `json:"source,omitempty"` // who published it: a report, feed, organisation
	Description string `json:"description,omitempty"`
	// Confidence is 0–100 as in STIX 2.1; 0 means "not stated".
	Confidence int       `json:"confidence,omitempty"`
	TLP        TLP       `json:"tlp,omitempty"`
	ValidFrom  time.Time `json:"valid_from,omitzero"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
	Threats    []string  `json:"threats,omitempty"` // names of Threat entries in the Collection
	Tags       []string  `json:"tags,omitempty"`
	// Informational marks a value that is context, not a detection signal
	// (MISP's to_ids=false): it is kept and exported but sensors do not
	// alert on it.
	Informational bool      `json:"informational,omitempty"`
	Created       time.Time `json:"created,omitzero"`
	Modified      time.Time `json:"modified,omitzero"`
}

// Key is an indicator's type and value: what it matches.
func (i *Indicator) Key() string { return string(i.Type) + ":" + i.Value }

// Identity is what makes two indicators the same one, for de-duplication
// and for replacing an indicator by a newer version: its Key, except that a
// YARA rule with an id is identified by that id and not by its rule name
// (two publishers' rules that happen to share a name are two indicators,
// and one must not silently replace the other).
func (i *Indicator) Identity() string {
	if i.Type == YARA && i.ID != "" {
		return string(i.Type) + "#" + i.ID
	}
	return i.Key()
}

// ValidAt reports whether the indicator is in force at t: after ValidFrom (if
// set) and before ValidUntil (if set).
func (i *Indicator) ValidAt(t time.Time) bool {
	if !i.ValidFrom.IsZero() && t.Before(i.ValidFrom) {
		return false
	}
	if !i.ValidUntil.IsZero() && !t.Before(i.ValidUntil) {
		return false
	}
	return true
}

// Problem kinds, for Collection.Problems.
const (
	ProblemMalformed   = "malformed"   // the item is broken: bad syntax, bad value
	ProblemUnsupported = "unsupported" // valid, but Vigie cannot make an indicator of it
	ProblemWarninglist = "warninglist" // a known-good value, dropped by a warning list
	ProblemDuplicate   = "duplicate"   // the same type and value appeared before
)

// Problem is an item of the input that did not become an indicator, and why.
type Problem struct {
	Input  string `json:"input"`           // file or stream name
	Where  string `json:"where,omitempty"` // "line 12", "object indicator--…", "attribute 3f2…"
	Kind   string `json:"kind"`            // one of the Problem* constants
	Value  string `json:"value,omitempty"` // the offending value, shortened
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Input)
	if p.Where != "" {
		b.WriteString(": ")
		b.WriteString(p.Where)
	}
	b.WriteString(": ")
	b.WriteString(p.Reason)
	if p.Value != "" {
		fmt.Fprintf(&b, " (%q)", p.Value)
	}
	return b.String()
}

// Error makes a Problem usable as an error (the strict readers return the
// first malformed item as one).
func (p Problem) Error() string { return p.String() }

// Collection is a set of indicators read from one or more inputs, with the
// threats they relate to and what was not kept.
type Collection struct {
	Indicators []Indicator `json:"indicators"`
	Threats    []Threat    `json:"threats,omitempty"`
	Problems   []Problem   `json:"problems,omitempty"`
	// Skipped counts input objects that carry no indicator and are not
	// kept (e.g. STIX "x-mitre-tactic" objects, MISP galaxies), by kind.
	Skipped map[string]int `json:"skipped,omitempty"`
}

// Skip counts one skipped input object of the given kind.
func (c *Collection) Skip(kind string) {
	if c.Skipped == nil {
		c.Skipped = map[string]int{}
	}
	c.Skipped[kind]++
}

// AddThreat adds t unless a threat with the same name (case-insensitive)
// is already there, in which case the aliases are merged. It returns the
// canonical name.
func (c *Collection) AddThreat(t Threat) string {
	for i := range c.Threats {
		if strings.EqualFold(c.Threats[i].Name, t.Name) {
			for _, a := range t.Aliases {
				if !containsFold(c.Threats[i].Aliases, a) {
					c.Threats[i].Aliases = append(c.Threats[i].Aliases, a)
				}
			}
			if c.Threats[i].Kind == "" {
				c.Threats[i].Kind = t.Kind
			}
			return c.Threats[i].Name
		}
	}
	c.Threats = append(c.Threats, t)
	return t.Name
}

// Threat returns the threat named name, if the collection has it.
func (c *Collection) Threat(name string) (Threat, bool) {
	for _, t := range c.Threats {
		if strings.EqualFold(t.Name, name) || containsFold(t.Aliases, name) {
			return t, true
		}
	}
	return Threat{}, false
}

// Merge appends everything of o to c.
func (c *Collection) Merge(o *Collection) {
	if c.Indicators == nil {
		c.Indicators = o.Indicators[:len(o.Indicators):len(o.Indicators)] // no copy for the common single-input case
	} else {
		c.Indicators = append(c.Indicators, o.Indicators...)
	}
	for _, t := range o.Threats {
		c.AddThreat(t)
	}
	c.Problems = append(c.Problems, o.Problems...)
	for k, n := range o.Skipped {
		if c.Skipped == nil {
			c.Skipped = map[string]int{}
		}
		c.Skipped[k] += n
	}
}

// Dedupe removes indicators whose Identity appeared earlier, merging
// their threats and tags into the first one. It returns how many it removed.
func (c *Collection) Dedupe() int {
	seen := make(map[string]int, len(c.Indicators))
	out := c.Indicators[:0]
	removed := 0
	for _, ind := range c.Indicators {
		k := ind.Identity()
		if j, ok := seen[k]; ok {
			first := &out[j]
			first.Threats = mergeStrings(first.Threats, ind.Threats)
			first.Tags = mergeStrings(first.Tags, ind.Tags)
			removed++
			continue
		}
		seen[k] = len(out)
		out = append(out, ind)
	}
	clear(c.Indicators[len(out):])
	c.Indicators = out
	return removed
}

// Sort orders indicators by type (in Types order) then value, for stable
// output.
func (c *Collection) Sort() {
	rank := make(map[Type]int, len(Types))
	for i, t := range Types {
		rank[t] = i
	}
	sort.SliceStable(c.Indicators, func(i, j int) bool {
		a, b := &c.Indicators[i], &c.Indicators[j]
		if a.Type != b.Type {
			return rank[a.Type] < rank[b.Type]
		}
		return a.Value < b.Value
	})
}

func mergeStrings(a, b []string) []string {
	for _, s := range b {
		if !containsFold(a, s) {
			a = append(a, s)
		}
	}
	return a
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
