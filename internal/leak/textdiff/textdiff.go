// Package textdiff writes readable unified diffs of two texts, line by
// line, within bounds: the Myers algorithm (O((N+M)·D)) stops after
// MaxEdits edits, and inputs are cut at MaxLines lines, so a hostile or
// simply unrelated pair of large texts costs bounded time. When a bound is
// hit the diff says so instead of pretending to be complete.
package textdiff

import (
	"fmt"
	"strings"
)

// Limits of one diff.
const (
	MaxLines = 50000 // lines of each side considered
	MaxEdits = 2000  // edit distance beyond which the diff gives up (memory grows as its square)
)

// Op is one line of an edit script.
type Op struct {
	Kind byte // ' ' same, '-' only in A, '+' only in B
	Text string
}

// Result is the outcome of Diff.
type Result struct {
	Ops       []Op
	Added     int  // lines only in B
	Removed   int  // lines only in A
	Truncated bool // an input was longer than MaxLines
	TooMany   bool // more than MaxEdits edits: Ops is a plain replacement
}

// Equal reports whether no line changed.
func (r *Result) Equal() bool { return r.Added == 0 && r.Removed == 0 }

// Lines splits text into lines without their line ends (CRLF or LF).
func Lines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

// Diff compares the lines of a and b.
func Diff(a, b []string) *Result {
	r := &Result{}
	if len(a) > MaxLines {
		a, r.Truncated = a[:MaxLines], true
	}
	if len(b) > MaxLines {
		b, r.Truncated = b[:MaxLines], true
	}
	// Common prefix and suffix first: the usual case (a few edits in a
	// long text) then costs almost nothing.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	for _, l := range a[:pre] {
		r.Ops = append(r.Ops, Op{' ', l})
	}
	mid, ok := myers(a[pre:len(a)-suf], b[pre:len(b)-suf])
	if !ok {
		r.TooMany = true
		mid = mid[:0]
		for _, l := range a[pre : len(a)-suf] {
			mid = append(mid, Op{'-', l})
		}
		for _, l := range b[pre : len(b)-suf] {
			mid = append(mid, Op{'+', l})
		}
	}
	r.Ops = append(r.Ops, mid...)
	for _, l := range a[len(a)-suf:] {
		r.Ops = append(r.Ops, Op{' ', l})
	}
	for _, o := range r.Ops {
		switch o.Kind {
		case '+':
			r.Added++
		case '-':
			r.Removed++
		}
	}
	return r
}

// myers returns the shortest edit script from a to b, or false when it
// needs more than MaxEdits edits.
func myers(a, b []string) ([]Op, bool) {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		var ops []Op
		for _, l := range a {
			ops = append(ops, Op{'-', l})
		}
		for _, l := range b {
			ops = append(ops, Op{'+', l})
		}
		return ops, n+m <= MaxEdits
	}
	max := n + m
	if max > MaxEdits {
		max = MaxEdits
	}
	off := max + 1
	v := make([]int, 2*max+3)
	var trace [][]int
	found := false
	for d := 0; d <= max && !found; d++ {
		// Keep only the diagonals reachable at this d: memory O(D²).
		trace = append(trace, append([]int(nil), v[off-d-1:off+d+2]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
	}
	if !found {
		return nil, false
	}
	// Backtrack through the saved V arrays.
	var rev []Op
	x, y := n, m
	for d := len(trace) - 1; d > 0; d-- {
		vd := trace[d]
		o := d + 1 // index of diagonal 0 in vd
		k := x - y
		var pk int
		if k == -d || (k != d && vd[o+k-1] < vd[o+k+1]) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := vd[o+pk]
		py := px - pk
		for x > px && y > py {
			x--
			y--
			rev = append(rev, Op{' ', a[x]})
		}
		if x == px {
			y--
			rev = append(rev, Op{'+', b[y]})
		} else {
			x--
			rev = append(rev, Op{'-', a[x]})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, Op{' ', a[x]})
	}
	ops := make([]Op, len(rev))
	for i := range rev {
		ops[i] = rev[len(rev)-1-i]
	}
	return ops, true
}

// Unified renders r as a unified diff with context lines of context
// around each change, headed by the two names. An equal pair gives "".
// At most maxLines lines are written (0: no limit); a cut is said.
func (r *Result) Unified(nameA, nameB string, context, maxLines int) string {
	if r.Equal() {
		return ""
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", nameA, nameB)
	written := 0
	ops := r.Ops
	// Line numbers of each op in A and B.
	la, lb := make([]int, len(ops)+1), make([]int, len(ops)+1)
	for i, o := range ops {
		la[i+1], lb[i+1] = la[i], lb[i]
		if o.Kind != '+' {
			la[i+1]++
		}
		if o.Kind != '-' {
			lb[i+1]++
		}
	}
	i := 0
	for i < len(ops) {
		if ops[i].Kind == ' ' {
			i++
			continue
		}
		start := max(i-context, 0)
		end := i
		// Extend the hunk while changes are within 2*context of each other.
		for j := i; j < len(ops); j++ {
			if ops[j].Kind != ' ' {
				end = j
			} else if j-end > 2*context {
				break
			}
		}
		stop := min(end+context+1, len(ops))
		fmt.Fprintf(&sb, "@@ -%d,%d +%d,%d @@\n", la[start]+1, la[stop]-la[start], lb[start]+1, lb[stop]-lb[start])
		for _, o := range ops[start:stop] {
			if maxLines > 0 && written >= maxLines {
				fmt.Fprintf(&sb, "[diff cut after %d lines: %d lines added, %d removed in all]\n", maxLines, r.Added, r.Removed)
				return sb.String()
			}
			sb.WriteByte(o.Kind)
			sb.WriteString(o.Text)
			sb.WriteByte('\n')
			written++
		}
		i = stop
	}
	if r.TooMany {
		fmt.Fprintf(&sb, "[more than %d changed lines: shown as a whole replacement]\n", MaxEdits)
	}
	if r.Truncated {
		fmt.Fprintf(&sb, "[only the first %d lines of each text were compared]\n", MaxLines)
	}
	return sb.String()
}
