package csvfmt

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/vigie-project/vigie/internal/indicator"
)

// ListTypes lists what a plain list can express: one value per line, with
// no room for a rule's text or a pattern's type.
var ListTypes = []indicator.Type{indicator.MD5, indicator.SHA1, indicator.SHA256, indicator.SHA512,
	indicator.Domain, indicator.URL, indicator.IPv4, indicator.IPv6, indicator.Email, indicator.Filename}

// DecodeList reads one value per line; blank lines and lines starting with
// "#" or "//" are skipped, and text after a tab, " #" or ";" on a line is
// taken as its description. Each value's type is detected.
func DecodeList(r io.Reader, opts indicator.ReadOptions) (*indicator.Collection, error) {
	opts = opts.Limits()
	c := &indicator.Collection{}
	sc := bufio.NewScanner(io.LimitReader(r, opts.MaxBytes+1))
	sc.Buffer(make([]byte, 64*1024), MaxLineBytes)
	var n int64
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Text()
		n += int64(len(raw)) + 1
		if n > opts.MaxBytes+1 {
			return nil, fmt.Errorf("%s: larger than the limit of %d bytes", opts.Name, opts.MaxBytes)
		}
		if line == 1 {
			raw = strings.TrimPrefix(raw, "\ufeff")
		}
		s := strings.TrimSpace(raw)
		if s == "" || strings.HasPrefix(s, "#") || strings.HasPrefix(s, "//") {
			continue
		}
		value, desc := s, ""
		for _, sep := range []string{"\t", " #", ";"} {
			if v, d, ok := strings.Cut(s, sep); ok {
				value, desc = strings.TrimSpace(v), strings.TrimSpace(d)
				break
			}
		}
		if len(c.Indicators) >= opts.MaxItems {
			return nil, opts.TooMany("lines")
		}
		t, v, err := indicator.Detect(value)
		if err != nil {
			if rerr := opts.Report(c, indicator.Problem{Where: fmt.Sprintf("line %d", line), Value: value, Reason: err.Error()}); rerr != nil {
				return nil, rerr
			}
			continue
		}
		c.Indicators = append(c.Indicators, indicator.Indicator{Type: t, Value: v, Description: desc, Source: opts.Source, TLP: opts.TLP})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: line %d: %w", opts.Name, line+1, err)
	}
	return c, nil
}

// EncodeList writes one value per line. Indicators a list cannot express
// (see ListTypes) must be filtered out by the caller.
func EncodeList(w io.Writer, c *indicator.Collection) error {
	bw := bufio.NewWriter(w)
	for i := range c.Indicators {
		bw.WriteString(c.Indicators[i].Value)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
