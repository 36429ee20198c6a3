package mail

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Stats count the verdicts of a run.
type Stats struct {
	Messages int             `json:"messages"`
	Errors   int             `json:"errors"` // messages that could not be read or parsed
	Verdicts map[Verdict]int `json:"verdicts"`
}

// Flagged is the number of messages judged suspicious or worse.
func (s Stats) Flagged() int {
	return s.Verdicts[Suspicious] + s.Verdicts[Phishing] + s.Verdicts[Malicious]
}

// CheckPath analyzes every message under path (see Walk) and calls out
// for each result, in input order.
func (a *Analyzer) CheckPath(ctx context.Context, path string, stdin io.Reader, opts ReadOptions, out func(*Result) error) (Stats, error) {
	st := Stats{Verdicts: map[Verdict]int{}}
	if opts.MaxMessageBytes == 0 && a.opts.Limits.MaxMessageBytes > 0 {
		opts.MaxMessageBytes = a.opts.Limits.MaxMessageBytes
	}
	err := Walk(path, stdin, opts, func(it Item) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var r *Result
		if it.Err != nil && it.Raw == nil {
			r = &Result{File: it.Name, Auth: unknownAuth(), Error: fmt.Sprintf("%s: %v", it.Name, it.Err)}
			r.add(Reason{Check: "unreadable", Category: CatStructure, Score: SuspiciousScore, Text: "The message could not be read, so it could not be checked."})
			r.finish(a.opts.ForwardTo)
		} else {
			r = a.Analyze(ctx, it.Name, it.Raw, nil)
			if it.Truncated {
				r.add(Reason{Check: "too-large", Category: CatStructure, Score: 1, Text: "The message is larger than the limit; only its start was checked."})
				r.finish(a.opts.ForwardTo)
			}
		}
		st.Messages++
		if r.Error != "" {
			st.Errors++
		}
		st.Verdicts[r.Verdict]++
		return out(r)
	})
	return st, err
}

// WriteJSON writes r as one line of JSON.
func WriteJSON(w io.Writer, r *Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// WriteText writes r for people: the verdict, the reasons in plain words,
// and what to do. Clean messages take one line.
func WriteText(w io.Writer, r *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s (score %.1f)", r.File, strings.ToUpper(string(r.Verdict)), r.Score)
	if r.Subject != "" {
		fmt.Fprintf(&b, "  %q", shorten(r.Subject, 80))
	}
	b.WriteByte('\n')
	if r.Error != "" {
		fmt.Fprintf(&b, "  error: %s\n", r.Error)
	}
	if r.Verdict != Clean {
		if r.From != "" {
			fmt.Fprintf(&b, "  from: %s\n", shorten(r.From, 100))
		}
		for _, x := range r.Reasons {
			fmt.Fprintf(&b, "  - %s [%s, +%.1f]\n", x.Text, x.Check, x.Score)
			for _, e := range x.Evidence {
				if e.Data != "" {
					fmt.Fprintf(&b, "      %s: %s\n", e.Name, e.Data)
				}
			}
		}
		if r.Auth.Source != "" {
			fmt.Fprintf(&b, "  authentication (%s): spf=%s dkim=%s dmarc=%s arc=%s\n", r.Auth.Source, r.Auth.SPF, r.Auth.DKIM, r.Auth.DMARC, r.Auth.ARC)
		}
		fmt.Fprintf(&b, "  what to do: %s\n", r.Advice)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
