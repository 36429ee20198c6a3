// Package csvfmt reads and writes indicators as CSV (a header row naming the
// columns) and as plain lists (one value per line, type detected).
//
// CSV columns are recognised by their header, case-insensitively:
//
//	type (kind, ioc_type, attribute_type)    value (indicator, ioc, observable)
//	tlp   source   description (comment)   threats (threat, malware, actor)
//	tags  valid_from (first_seen)   valid_until (expires, last_seen)
//	confidence (score)   informational   rule   exclude   id
//
// Only value is required; without a type column each value's type is
// detected as in a plain list. Lists of threats and tags are separated by
// "|". The delimiter is a comma, or a semicolon or tab when the header uses
// one.
package csvfmt

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// Types lists what CSV can express: everything.
var Types = indicator.Types

// Columns is the header Encode writes.
var Columns = []string{"type", "value", "tlp", "source", "description", "threats", "tags", "valid_from", "valid_until", "confidence", "informational", "id", "exclude", "rule"}

var aliases = map[string]string{
	"type": "type", "kind": "type", "ioc_type": "type", "attribute_type": "type", "indicator_type": "type",
	"value": "value", "indicator": "value", "ioc": "value", "observable": "value", "ioc_value": "value",
	"tlp": "tlp", "source": "source", "description": "description", "comment": "description",
	"threats": "threats", "threat": "threats", "malware": "threats", "actor": "threats", "intrusion_set": "threats",
	"tags": "tags", "valid_from": "valid_from", "first_seen": "valid_from", "valid_until": "valid_until",
	"expires": "valid_until", "last_seen": "valid_until", "confidence": "confidence", "score": "confidence",
	"informational": "informational", "rule": "rule", "exclude": "exclude", "id": "id", "uuid": "id",
}

// MaxLineBytes bounds one line of a list or one CSV record.
const MaxLineBytes = 1 << 20

// Sniff reports whether head looks like a CSV file with a header naming a
// value column.
func Sniff(head []byte) bool {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	fields := splitHeader(string(line))
	if len(fields) < 2 {
		return false
	}
	for _, f := range fields {
		if aliases[normHeader(f)] == "value" {
			return true
		}
	}
	return false
}

func splitHeader(line string) []string {
	line = strings.TrimRight(line, "\r")
	for _, d := range []string{",", ";", "\t"} {
		if strings.Contains(line, d) {
			return strings.Split(line, d)
		}
	}
	return []string{line}
}

func normHeader(h string) string {
	h = strings.ToLower(strings.Trim(strings.TrimSpace(h), `"`))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(h)
}

// Decode reads a CSV file with a header row.
func Decode(r io.Reader, opts indicator.ReadOptions) (*indicator.Collection, error) {
	opts = opts.Limits()
	br := bufio.NewReader(io.LimitReader(r, opts.MaxBytes+1))
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	head, _ := br.Peek(4096)
	first, _, _ := bytes.Cut(head, []byte("\n"))
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	switch {
	case bytes.Contains(first, []byte("\t")) && !bytes.Contains(first, []byte(",")):
		cr.Comma = '\t'
	case bytes.Contains(first, []byte(";")) && !bytes.Contains(first, []byte(",")):
		cr.Comma = ';'
	}
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: reading the header row: %w", opts.Name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		if k, ok := aliases[normHeader(h)]; ok {
			if _, dup := col[k]; !dup {
				col[k] = i
			}
		}
	}
	if _, ok := col["value"]; !ok {
		return nil, fmt.Errorf("%s: line 1: the header names no value column (want one of value, indicator, ioc, observable)", opts.Name)
	}
	c := &indicator.Collection{}
	var read int64
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// A *csv.ParseError names the line and column.
			return nil, fmt.Errorf("%s: %w", opts.Name, err)
		}
		line := 0
		if len(rec) > 0 {
			line, _ = cr.FieldPos(0)
		}
		if cr.InputOffset() > opts.MaxBytes {
			return nil, fmt.Errorf("%s: larger than the limit of %d bytes", opts.Name, opts.MaxBytes)
		}
		get := func(k string) string {
			if i, ok := col[k]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if get("value") == "" && get("rule") == "" {
			continue
		}
		if len(c.Indicators) >= opts.MaxItems {
			return nil, opts.TooMany("rows")
		}
		read++
		ind, err := fromRecord(get, opts)
		if err != nil {
			if rerr := opts.Report(c, indicator.Problem{Where: fmt.Sprintf("line %d", line), Value: get("value"), Reason: err.Error()}); rerr != nil {
				return nil, rerr
			}
			continue
		}
		c.Indicators = append(c.Indicators, ind)
	}
	return c, nil
}

func fromRecord(get func(string) string, opts indicator.ReadOptions) (indicator.Indicator, error) {
	ind := indicator.Indicator{Source: opts.Source, TLP: opts.TLP}
	value := get("value")
	if ts := get("type"); ts != "" {
		t, err := indicator.ParseType(ts)
		if err != nil {
			return ind, err
		}
		ind.Type = t
		if t == indicator.YARA && value == "" {
			value = yaraRuleName(get("rule"))
		}
		t, n, err := indicator.NormalizeAs(t, value)
		if err != nil {
			return ind, err
		}
		ind.Type, ind.Value = t, n
	} else {
		t, n, err := indicator.Detect(value)
		if err != nil {
			return ind, err
		}
		ind.Type, ind.Value = t, n
	}
	var err error
	if s := get("tlp"); s != "" {
		if ind.TLP, err = indicator.ParseTLP(s); err != nil {
			return ind, err
		}
	}
	if s := get("source"); s != "" {
		ind.Source = s
	}
	ind.Description = get("description")
	ind.Threats = splitList(get("threats"))
	ind.Tags = splitList(get("tags"))
	if ind.ValidFrom, err = parseTime(get("valid_from")); err != nil {
		return ind, fmt.Errorf("valid_from: %w", err)
	}
	if ind.ValidUntil, err = parseTime(get("valid_until")); err != nil {
		return ind, fmt.Errorf("valid_until: %w", err)
	}
	if s := get("confidence"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 100 {
			return ind, fmt.Errorf("confidence %q is not a whole number from 0 to 100", s)
		}
		ind.Confidence = n
	}
	if s := get("informational"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return ind, fmt.Errorf("informational %q is not true or false", s)
		}
		ind.Informational = b
	}
	ind.ID = get("id")
	ind.Exclude = get("exclude")
	ind.Rule = get("rule")
	if ind.Type == indicator.YARA && ind.Rule == "" {
		return ind, errors.New("a YARA indicator needs its rule text in the rule column")
	}
	return ind, nil
}

// yaraRuleName returns the name of the first rule in src.
func yaraRuleName(src string) string {
	f := strings.Fields(src)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "rule" {
			return strings.TrimSuffix(strings.SplitN(f[i+1], ":", 2)[0], "{")
		}
	}
	return ""
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (want RFC 3339, e.g. 2017-05-05T18:00:00Z, or 2017-05-05)", s)
}

// Encode writes c as CSV with the Columns header.
func Encode(w io.Writer, c *indicator.Collection) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	rec := make([]string, len(Columns))
	for i := range c.Indicators {
		ind := &c.Indicators[i]
		rec[0] = string(ind.Type)
		rec[1] = ind.Value
		rec[2] = string(ind.TLP)
		rec[3] = ind.Source
		rec[4] = ind.Description
		rec[5] = strings.Join(ind.Threats, "|")
		rec[6] = strings.Join(ind.Tags, "|")
		rec[7] = formatTime(ind.ValidFrom)
		rec[8] = formatTime(ind.ValidUntil)
		rec[9] = ""
		if ind.Confidence != 0 {
			rec[9] = strconv.Itoa(ind.Confidence)
		}
		rec[10] = ""
		if ind.Informational {
			rec[10] = "true"
		}
		rec[11] = ind.ID
		rec[12] = ind.Exclude
		rec[13] = ind.Rule
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
