package advisory

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-project/vigie/internal/indicator"
)

// Severity is how urgent an advisory is.
type Severity string

// The severities, least urgent first.
const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Severities lists the severities, least urgent first.
var Severities = []Severity{Low, Medium, High, Critical}

// Status is where an advisory is in its life.
type Status string

// The statuses.
const (
	Draft     Status = "draft"     // seen by the agency only
	Published Status = "published" // seen by its parties
	Withdrawn Status = "withdrawn" // seen, marked withdrawn; its indicators are withdrawn
)

// Limits on what people type. Titles also go into mail subjects.
const (
	MaxTitle      = 200      // characters
	MaxBody       = 64 << 10 // bytes of Markdown
	MaxActions    = 50
	MaxActionText = 500 // characters
	MaxComment    = 1000
	MaxSummary    = 300
)

// Action is one recommended action of the checklist.
type Action struct {
	ID       int64  `json:"id"`
	Position int    `json:"position"`
	Text     string `json:"text"`
	// AddedIn is the version that added the action (0: before the first
	// publication).
	AddedIn int `json:"added_in,omitempty"`
	// RemovedIn is the version that removed it (0: still there). A removed
	// action no longer counts, but what parties ticked stays on record.
	RemovedIn int `json:"removed_in,omitempty"`
}

// Revision is one publication, revision or withdrawal.
type Revision struct {
	Version int       `json:"version"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor,omitempty"`
	Summary string    `json:"summary"`
	Title   string    `json:"title,omitempty"`
}

// Advisory is an advisory's content and life.
type Advisory struct {
	ID       int64         `json:"id"`
	UUID     string        `json:"uuid"`
	Title    string        `json:"title"`
	Severity Severity      `json:"severity"`
	TLP      indicator.TLP `json:"tlp"`
	// Body is what is happening, in Markdown.
	Body        string     `json:"body"`
	Actions     []Action   `json:"actions"`
	Status      Status     `json:"status"`
	Version     int        `json:"version"`
	Revisions   []Revision `json:"revisions,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	PublishedAt time.Time  `json:"published_at,omitzero"`
	WithdrawnAt time.Time  `json:"withdrawn_at,omitzero"`
}

// Tracking is the advisory's public identifier: "VIGIE-ADV-2026-0007"
// (the year of creation and the number).
func (a *Advisory) Tracking() string {
	return fmt.Sprintf("VIGIE-ADV-%d-%04d", a.CreatedAt.UTC().Year(), a.ID)
}

// CurrentActions are the actions not removed by a revision.
func (a *Advisory) CurrentActions() []Action {
	var out []Action
	for _, x := range a.Actions {
		if x.RemovedIn == 0 {
			out = append(out, x)
		}
	}
	return out
}

// ParseSeverity reads a severity ("High" or "high").
func ParseSeverity(s string) (Severity, error) {
	k := Severity(strings.ToLower(strings.TrimSpace(s)))
	for _, v := range Severities {
		if k == v {
			return v, nil
		}
	}
	return "", fmt.Errorf("severity %q: want low, medium, high or critical", s)
}

// ErrInput marks an error in what a person typed; its message names the
// field and the problem.
var ErrInput = errors.New("invalid advisory")

func inputErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInput}, args...)...)
}

// CheckLine checks one line of text a person typed that may end up in a
// mail header or subject (a title, a revision summary): it must not be
// empty unless allowed, hold no line break or other control character,
// be valid UTF-8, and be at most max characters.
func CheckLine(field, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return "", inputErr("%s is empty", field)
		}
		return "", nil
	}
	if !utf8.ValidString(s) {
		return "", inputErr("%s is not valid UTF-8", field)
	}
	if strings.ContainsAny(s, "\r\n") {
		return "", inputErr("%s holds a line break: it must be one line", field)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", inputErr("%s holds a control character (%U)", field, r)
		}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", inputErr("%s is %d characters long, at most %d", field, n, max)
	}
	return s, nil
}

// CheckText checks a multi-line text (a comment): valid UTF-8, no control
// characters but line breaks and tabs, at most max characters.
func CheckText(field, s string, max int) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if !utf8.ValidString(s) {
		return "", inputErr("%s is not valid UTF-8", field)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return "", inputErr("%s holds a control character (%U)", field, r)
		}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", inputErr("%s is %d characters long, at most %d", field, n, max)
	}
	return s, nil
}

// Input is what the agency writes: the content of a draft or a revision.
type Input struct {
	Title    string
	Severity string
	TLP      string
	Body     string
	// Actions are the checklist's lines, in order.
	Actions []string
}

// Content is a checked Input.
type Content struct {
	Title    string
	Severity Severity
	TLP      indicator.TLP
	Body     string
	Actions  []string
}

// Check validates what the agency wrote and returns it cleaned: trimmed,
// empty action lines dropped. Every error names the field.
func (in Input) Check() (Content, error) {
	var c Content
	var err error
	if c.Title, err = CheckLine("the title", in.Title, MaxTitle, true); err != nil {
		return c, err
	}
	if c.Severity, err = ParseSeverity(in.Severity); err != nil {
		return c, fmt.Errorf("%w: %s", ErrInput, err.Error())
	}
	tlp, err := indicator.ParseTLP(in.TLP)
	if err != nil {
		return c, fmt.Errorf("%w: %s", ErrInput, err.Error())
	}
	if tlp == "" {
		return c, inputErr("the TLP is missing: choose clear, green, amber, amber+strict or red")
	}
	if tlp == indicator.TLPWhite {
		tlp = indicator.TLPClear
	}
	c.TLP = tlp
	if len(in.Body) > MaxBody {
		return c, inputErr("the text is %d bytes long, at most %d", len(in.Body), MaxBody)
	}
	if c.Body, err = CheckText("the text", in.Body, MaxBody); err != nil {
		return c, err
	}
	seen := map[string]bool{}
	for i, a := range in.Actions {
		a, err := CheckLine(fmt.Sprintf("action %d", i+1), a, MaxActionText, false)
		if err != nil {
			return c, err
		}
		if a == "" {
			continue
		}
		if seen[a] {
			return c, inputErr("action %d repeats an earlier action: %q", i+1, a)
		}
		seen[a] = true
		c.Actions = append(c.Actions, a)
	}
	if len(c.Actions) > MaxActions {
		return c, inputErr("%d actions, at most %d", len(c.Actions), MaxActions)
	}
	return c, nil
}

// SplitActions reads a checklist typed one action a line (a textarea, a
// file), leaving out blank lines and a leading "- " or "- [ ] ".
func SplitActions(text string) []string {
	var out []string
	for line := range strings.SplitSeq(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		for _, p := range []string{"- [ ] ", "- [x] ", "* [ ] ", "- ", "* "} {
			if strings.HasPrefix(line, p) {
				line = strings.TrimSpace(line[len(p):])
				break
			}
		}
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}
