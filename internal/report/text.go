package report

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Text writes findings for people: grouped by severity (worst first), each
// with what was found, where, why it is suspicious and what to do, then a
// summary. Problems are listed after the findings. With Color, severities
// are coloured for a terminal.
type Text struct {
	w        io.Writer
	o        Options
	findings []*Finding
	problems []string
}

var _ Writer = (*Text)(nil)

// NewText returns a text writer.
func NewText(w io.Writer, o Options) *Text {
	if o.What == "" {
		o.What = "files"
	}
	return &Text{w: w, o: o}
}

// Write keeps the finding: text output is grouped, so it is written at Close.
func (t *Text) Write(f *Finding) error {
	c := *f
	t.findings = append(t.findings, &c)
	return nil
}

// Problem keeps the problem for the end of the report.
func (t *Text) Problem(subject string, err error) error {
	t.problems = append(t.problems, printable(subject)+": "+err.Error())
	return nil
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiDim    = "\x1b[2m"
)

func (t *Text) paint(code, s string) string {
	if !t.o.Color {
		return s
	}
	return code + s + ansiReset
}

func (t *Text) sevColor(s Severity) string {
	switch s {
	case Critical:
		return ansiBold + ansiRed
	case High:
		return ansiRed
	case Medium:
		return ansiYellow
	case Low:
		return ansiCyan
	}
	return ""
}

// Close writes the grouped findings, the problems and the summary.
func (t *Text) Close(sum Summary) error {
	bw := bufio.NewWriter(t.w)
	sort.SliceStable(t.findings, func(i, j int) bool {
		a, b := t.findings[i], t.findings[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		return a.Subject.String() < b.Subject.String()
	})
	last := Severity(-1)
	for _, f := range t.findings {
		if f.Severity != last {
			last = f.Severity
			n := 0
			for _, g := range t.findings {
				if g.Severity == last {
					n++
				}
			}
			fmt.Fprintf(bw, "%s\n\n", t.paint(t.sevColor(last)+ansiBold, fmt.Sprintf("== %s (%d) ==", strings.ToUpper(last.String()), n)))
		}
		t.writeFinding(bw, f)
	}
	if len(t.problems) > 0 {
		fmt.Fprintf(bw, "%s\n", t.paint(ansiBold, fmt.Sprintf("== NOT EXAMINED (%d) ==", len(t.problems))))
		for _, p := range t.problems {
			fmt.Fprintf(bw, "  %s\n", p)
		}
		fmt.Fprintln(bw)
	}
	t.writeSummary(bw, sum)
	return bw.Flush()
}

func (t *Text) writeFinding(w io.Writer, f *Finding) {
	fmt.Fprintf(w, "%s %s\n", t.paint(t.sevColor(f.Severity), "["+strings.ToUpper(f.Severity.String())+"]"), printable(f.Title))
	fmt.Fprintf(w, "  where:  %s\n", printable(f.Subject.String()))
	m := f.Match
	what := m.Value
	switch m.Kind {
	case "indicator":
		what = m.Type + " indicator " + m.Value
	case "yara":
		what = "YARA rule " + m.Value
	case "check":
		what = "check " + m.Value
	}
	fmt.Fprintf(w, "  match:  %s\n", printable(what))
	var from []string
	if m.Source != "" {
		from = append(from, "source: "+m.Source)
	}
	if len(m.Threats) > 0 {
		from = append(from, "threat: "+strings.Join(m.Threats, ", "))
	}
	if m.TLP != "" {
		from = append(from, "TLP:"+strings.ToUpper(m.TLP))
	}
	if len(from) > 0 {
		fmt.Fprintf(w, "  from:   %s\n", printable(strings.Join(from, "; ")))
	}
	for i, e := range f.Evidence {
		label := "  why:    "
		if i > 0 {
			label = "          "
		}
		s := e.Name
		if e.Offset != 0 {
			s += fmt.Sprintf(" at 0x%x", e.Offset)
		}
		if e.Data != "" {
			s += ": " + e.Data
		}
		if e.Detail != "" {
			s += " — " + e.Detail
		}
		fmt.Fprintf(w, "%s%s\n", label, printable(s))
	}
	if f.Advice != "" {
		fmt.Fprintf(w, "  todo:   %s\n", printable(f.Advice))
	}
	fmt.Fprintln(w)
}

func (t *Text) writeSummary(w io.Writer, s Summary) {
	verdict := t.paint(ansiBold, "Nothing suspicious found.")
	if s.Findings > 0 {
		var parts []string
		for sev := Critical; sev >= Info; sev-- {
			if n := s.BySeverity[sev.String()]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, sev))
			}
		}
		verdict = t.paint(ansiBold+ansiRed, fmt.Sprintf("%d finding(s): %s.", s.Findings, strings.Join(parts, ", ")))
	}
	fmt.Fprintln(w, verdict)
	line := fmt.Sprintf("Examined %d %s", s.Examined, t.o.What)
	if s.Bytes > 0 {
		line += fmt.Sprintf(" (%s)", humanBytes(s.Bytes))
	}
	line += fmt.Sprintf(" in %s.", s.Duration.Round(time.Millisecond))
	fmt.Fprintln(w, line)
	if s.Errors > 0 {
		fmt.Fprintf(w, "%d could not be examined (listed above): the result is incomplete.\n", s.Errors)
	}
	if len(s.Extra) > 0 {
		keys := make([]string, 0, len(s.Extra))
		for k := range s.Extra {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", strings.ReplaceAll(k, "_", " "), s.Extra[k]))
		}
		fmt.Fprintf(w, "%s\n", t.paint(ansiDim, strings.Join(parts, ", ")))
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// printable escapes control characters, so that an odd file name cannot
// rewrite the terminal.
func printable(s string) string {
	ok := true
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\uFFFD' {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	q := fmt.Sprintf("%+q", s)
	return q[1 : len(q)-1]
}
