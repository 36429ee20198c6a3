package docmeta

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	xmpDateRe       = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}:\d{2})(:\d{2})?\s*(\S*)$`)
	xmpDatePrefixRe = regexp.MustCompile(`^\d{4}(-\d{2}){0,2}`)
	// jsonNumberRe is exiftool's test for values written as bare JSON numbers.
	jsonNumberRe = regexp.MustCompile(`^-?(\d|[1-9]\d{1,14})(\.\d{1,16})?([eE][-+]?\d{1,3})?$`)
)

// perlNum formats a float as Perl prints numbers (%.15g).
func perlNum(f float64) string {
	return strconv.FormatFloat(f, 'g', 15, 64)
}

// convertTimeSpan renders a duration in seconds (times mult) as exiftool's
// ConvertTimeSpan does ("6 minutes", "51.7 days").
func convertTimeSpan(val string, mult float64) string {
	f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
	if err != nil || f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return val
	}
	return timeSpan(f, mult)
}

func timeSpan(f, mult float64) string {
	if mult != 0 {
		f *= mult
	}
	switch {
	case f < 60:
		return perlNum(f) + " seconds"
	case f < 3600:
		format := "%.1f"
		if mult >= 60 {
			format = "%d"
		}
		s := "s"
		if f == 60 && mult != 0 {
			s = ""
		}
		if format == "%d" {
			return fmt.Sprintf("%d minute%s", int64(f/60), s)
		}
		return fmt.Sprintf("%.1f minute%s", f/60, s)
	case f < 24*3600:
		return fmt.Sprintf("%.1f hours", f/3600)
	}
	return fmt.Sprintf("%.1f days", f/(24*3600))
}

// exifTime formats t as exiftool does: "2006:01:02 15:04:05", with "Z" or
// "+02:00" when zone is true.
func exifTime(t time.Time, zone bool) string {
	s := t.Format("2006:01:02 15:04:05")
	if !zone {
		return s
	}
	_, off := t.Zone()
	if off == 0 && t.Location() == time.UTC {
		return s + "Z"
	}
	return s + t.Format("-07:00")
}

// Result is what the reader produced for one input: its metadata and the
// error, if any, that stopped reading.
type Result struct {
	Meta *Meta
	Err  error
}

// WriteJSON writes results as a JSON array shaped like `exiftool -j -G1`:
// one object per file, "SourceFile" first, then "Group:Tag" keys. Values
// that look like numbers are written as JSON numbers, as exiftool does.
// When a key occurs more than once, the first value is kept. Errors are
// written as "ExifTool:Error", warnings as "ExifTool:Warning", like exiftool;
// anomalies (may be nil) as a list under "Vigie:Anomaly".
func WriteJSON(w io.Writer, results []Result, anomalies []Anomaly) error {
	perFile := map[string][]string{}
	for _, a := range anomalies {
		srcs := a.Sources
		if a.Source != "" {
			srcs = []string{a.Source}
		}
		for _, s := range srcs {
			perFile[s] = append(perFile[s], a.Rule+": "+a.Explanation)
		}
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("[")
	for i, r := range results {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("{\n  \"SourceFile\": ")
		writeJSONString(bw, r.Meta.Source)
		seen := make(map[string]bool, len(r.Meta.Tags))
		field := func(key string, v any) {
			if seen[key] {
				return
			}
			seen[key] = true
			bw.WriteString(",\n  ")
			writeJSONString(bw, key)
			bw.WriteString(": ")
			writeJSONValue(bw, v)
		}
		if r.Err != nil {
			field("ExifTool:Error", r.Err.Error())
		}
		if len(r.Meta.Warnings) > 0 {
			field("ExifTool:Warning", r.Meta.Warnings[0])
		}
		if r.Meta.Type != "" {
			field("File:FileType", r.Meta.Type)
		}
		for _, t := range r.Meta.Tags {
			field(t.Key(), t.Value)
		}
		if as := perFile[r.Meta.Source]; len(as) > 0 {
			field("Vigie:Anomaly", as)
		}
		bw.WriteString("\n}")
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

func writeJSONValue(bw *bufio.Writer, v any) {
	switch x := v.(type) {
	case string:
		if jsonNumberRe.MatchString(x) {
			bw.WriteString(x)
			return
		}
		writeJSONString(bw, x)
	case []string:
		bw.WriteString("[")
		for i, s := range x {
			if i > 0 {
				bw.WriteString(",")
			}
			writeJSONValue(bw, s)
		}
		bw.WriteString("]")
	default:
		b, _ := json.Marshal(x)
		bw.Write(b)
	}
}

// writeJSONString writes s as a JSON string; invalid UTF-8 is replaced and
// NULs are dropped, as exiftool does.
func writeJSONString(bw *bufio.Writer, s string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\x00", "")
	bw.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			bw.WriteString(`\"`)
		case '\\':
			bw.WriteString(`\\`)
		case '\n':
			bw.WriteString(`\n`)
		case '\r':
			bw.WriteString(`\r`)
		case '\t':
			bw.WriteString(`\t`)
		case '\u2028', '\u2029':
			fmt.Fprintf(bw, `\u%04X`, r)
		default:
			if r < 0x20 {
				fmt.Fprintf(bw, `\u%04X`, r)
			} else {
				bw.WriteRune(r)
			}
		}
	}
	bw.WriteByte('"')
}
