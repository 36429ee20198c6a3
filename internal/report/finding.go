// Package report is the one report model every Vigie sensor produces — the
// file sweep, the mail filter, the DNS filter, the leak authenticator — and
// the writers that turn it into text for people, JSON lines for machines,
// SARIF for code-scanning tools, and sightings for the hub.
//
// A Finding says what was examined (a file path, a message, a domain), what
// matched (an indicator or a rule, with its source, threat and TLP), how bad
// it is, the evidence (offsets and matched strings, headers, the check that
// failed) and what a non-expert should do about it.
package report

import (
	"fmt"
	"strings"
	"time"
)

// SchemaVersion is the version of the JSON form of Finding. It changes when
// a field is removed or changes meaning; adding a field does not change it.
const SchemaVersion = 1

// Severity orders findings for people: what to look at first.
type Severity int

// Severities, least severe first.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity is the inverse of String.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want info, low, medium, high or critical)", s)
}

// MarshalText writes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// Subject is what was examined.
type Subject struct {
	// Kind: "file", "mail", "domain", "url", "dns-query", "document".
	Kind string `json:"kind"`
	// Path of a file; inside containers the levels are joined with "!":
	// "archive.zip!docs/a.docm!word/vbaProject.bin".
	Path string `json:"path,omitempty"`
	// Name is a message id, a domain, a query name, when there is no path.
	Name   string `json:"name,omitempty"`
	Size   int64  `json:"size,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// String names the subject for people.
func (s Subject) String() string {
	if s.Path != "" {
		return s.Path
	}
	return s.Name
}

// Match is what fired: an indicator or a rule.
type Match struct {
	// Kind: "indicator", "yara", "check" (a built-in heuristic such as a
	// failed DMARC check or a look-alike domain).
	Kind string `json:"kind"`
	// Type of indicator (sha256, domain ...) or of check.
	Type string `json:"type,omitempty"`
	// Value is the indicator value, or the rule or check name.
	Value   string   `json:"value"`
	Source  string   `json:"source,omitempty"`
	Threats []string `json:"threats,omitempty"`
	TLP     string   `json:"tlp,omitempty"`
	Tags    []string `json:"tags,omitempty"`
}

// Evidence is one piece of what was seen: a matched string at an offset, a
// header, the result of a check.
type Evidence struct {
	Name   string `json:"name"`             // "$s1", "DKIM", "From"
	Offset int64  `json:"offset,omitzero"`  // byte offset in the subject, when meaningful
	Data   string `json:"data,omitempty"`   // what was seen, escaped for display, shortened
	Detail string `json:"detail,omitempty"` // a sentence explaining it
}

// Finding is one thing a sensor found.
type Finding struct {
	Schema   int       `json:"schema"`
	Time     time.Time `json:"time"`
	Sensor   string    `json:"sensor"` // "scan", "mail", "dns", "leak"
	Host     string    `json:"host,omitempty"`
	Severity Severity  `json:"severity"`
	// Title is one line in plain words: "Known APT28 malware (X-Agent)".
	Title    string     `json:"title"`
	Subject  Subject    `json:"subject"`
	Match    Match      `json:"match"`
	Evidence []Evidence `json:"evidence,omitempty"`
	// Advice tells a non-expert what to do next.
	Advice string `json:"advice,omitempty"`
	// ID is a stable identifier of the finding (sensor, subject and match),
	// used as the idempotency key when the finding is sent to the hub.
	ID string `json:"id,omitempty"`
}

// Summary counts findings and work done, for the end of a run.
type Summary struct {
	Examined   int64            `json:"examined"`
	Bytes      int64            `json:"bytes,omitempty"`
	Findings   int              `json:"findings"`
	BySeverity map[string]int   `json:"by_severity,omitempty"`
	Errors     int              `json:"errors"`
	Duration   time.Duration    `json:"duration_ns"`
	Extra      map[string]int64 `json:"extra,omitempty"`
}

// Add counts f in the summary.
func (s *Summary) Add(f *Finding) {
	s.Findings++
	if s.BySeverity == nil {
		s.BySeverity = map[string]int{}
	}
	s.BySeverity[f.Severity.String()]++
}
