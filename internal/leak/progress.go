package leak

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// ProgressBar returns a Config.Progress that draws one line on a
// terminal (w): a bar of the bytes read, the items examined and their
// rate, and the time left, e.g.
//
//	dump [########------------]  41%  8,210 items  97/s  3.7/9.0 GB  2m45s left
//
// and, at the end of each phase, a summary line.
func ProgressBar(w io.Writer) func(Progress) {
	var mu sync.Mutex
	shown := 0
	return func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		if p.Done {
			// Spaces rather than an ANSI erase: old Windows consoles show
			// no escape codes.
			fmt.Fprintf(w, "\r%s\r%s: %s items in %s (%s from the checkpoint, %d could not be examined)\n",
				strings.Repeat(" ", shown), p.Phase, thousands(p.Items), p.Elapsed.Round(time.Second), thousands(p.Resumed), p.Errors)
			shown = 0
			return
		}
		line := progressLine(p)
		n := utf8.RuneCountInString(line)
		fmt.Fprint(w, "\r"+line+strings.Repeat(" ", max(0, shown-n)))
		shown = max(shown, n)
	}
}

// progressLine is the text of the bar.
func progressLine(p Progress) string {
	const width = 20
	var b strings.Builder
	b.WriteString(p.Phase + " ")
	if p.TotalBytes > 0 {
		f := p.Fraction()
		full := int(f * width)
		fmt.Fprintf(&b, "[%s%s] %3d%%  ", strings.Repeat("#", full), strings.Repeat("-", width-full), int(f*100))
	}
	fmt.Fprintf(&b, "%s items  %.0f/s", thousands(p.Items), p.Rate())
	if p.TotalBytes > 0 {
		fmt.Fprintf(&b, "  %s/%s", gb(p.Bytes), gb(p.TotalBytes))
	}
	if left := p.Left(); left > 0 {
		fmt.Fprintf(&b, "  %s left", left.Round(time.Second))
	} else if p.TotalBytes > 0 {
		b.WriteString("  estimating time left")
	}
	return b.String()
}

// ProgressJSON returns a Config.Progress that writes one JSON object per
// line to w, for programs that follow a run:
//
//	{"phase":"dump","items":8210,"resumed":0,"errors":3,"bytes":3712000000,"total_bytes":9020000000,"items_per_second":97.2,"seconds_left":165,"elapsed_seconds":84.5,"done":false}
func ProgressJSON(w io.Writer) func(Progress) {
	var mu sync.Mutex
	enc := json.NewEncoder(w)
	return func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		enc.Encode(progressEvent{Phase: p.Phase, Items: p.Items, Resumed: p.Resumed, Errors: p.Errors, Bytes: p.Bytes, TotalBytes: p.TotalBytes,
			Rate: float64(int(p.Rate()*10)) / 10, SecondsLeft: int64(p.Left().Seconds()), Elapsed: float64(p.Elapsed.Milliseconds()) / 1000, Done: p.Done})
	}
}

type progressEvent struct {
	Phase       string  `json:"phase"`
	Items       int     `json:"items"`
	Resumed     int     `json:"resumed"`
	Errors      int     `json:"errors"`
	Bytes       int64   `json:"bytes"`
	TotalBytes  int64   `json:"total_bytes"`
	Rate        float64 `json:"items_per_second"`
	SecondsLeft int64   `json:"seconds_left"`
	Elapsed     float64 `json:"elapsed_seconds"`
	Done        bool    `json:"done"`
}

// gb writes a byte count in GB (MB under 1 GB).
func gb(n int64) string {
	if n < 1e9 {
		return fmt.Sprintf("%.0f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}

// thousands writes n with commas: 21,075.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
