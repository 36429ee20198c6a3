package misp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// MISP's JSON is loosely typed: the same field is a string in one export
// ("timestamp": "1465681304", "to_ids": "1") and a number or a boolean in
// another. These types accept every spelling seen in MISP and PyMISP output.

// flexString is a JSON string, number, boolean or null, kept as text.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
		return nil
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("want a string or number, got %s", kindOf(b))
	}
	*s = flexString(b)
	return nil
}

// flexBool is a JSON boolean, or "0"/"1"/"true"/"false", 0/1, or null.
type flexBool struct {
	Set, V bool
}

func (f *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	switch s {
	case "null", "":
		*f = flexBool{}
	case "true", "1", "True":
		*f = flexBool{true, true}
	case "false", "0", "False":
		*f = flexBool{true, false}
	default:
		return fmt.Errorf("want a boolean, got %s", shortJSON(b))
	}
	return nil
}

// org is MISP's Org/Orgc object. A search index also has "org": "" and
// "orgc": "" strings, which encoding/json folds onto the same field; a
// string is accepted and ignored unless it names the organisation.
type org struct {
	Name string     `json:"name"`
	UUID flexString `json:"uuid"`
}

func (o *org) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != "" && o.Name == "" {
			o.Name = s
		}
		return nil
	}
	var v struct {
		Name flexString `json:"name"`
		UUID flexString `json:"uuid"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v.Name != "" {
		o.Name = string(v.Name)
	}
	if v.UUID != "" {
		o.UUID = v.UUID
	}
	return nil
}

func kindOf(b []byte) string {
	if len(b) > 0 && b[0] == '{' {
		return "an object"
	}
	return "an array"
}

func shortJSON(b []byte) string {
	if len(b) > 40 {
		return string(b[:37]) + "..."
	}
	return string(b)
}

// The writer below produces JSON byte for byte as Python's json.dump does
// with its default settings (", " and ": " separators, ensure_ascii), which
// is how PyMISP's feed generator writes manifest.json and the events, so
// that a Vigie feed diffs cleanly against one made by PyMISP. Keys keep the
// order they are added in.

// obj is a JSON object with ordered keys.
type obj []kv

type kv struct {
	K string
	V any // string, bool, int, int64, obj, []any, []obj
}

func (o obj) add(k string, v any) obj { return append(o, kv{k, v}) }

// writePy writes v as Python's json.dumps(v) would, or with indent > 0 as
// json.dumps(v, indent=indent).
func writePy(buf *bytes.Buffer, v any, indent, level int) {
	nl := func(l int) {
		if indent > 0 {
			buf.WriteByte('\n')
			for i := 0; i < indent*l; i++ {
				buf.WriteByte(' ')
			}
		}
	}
	sep := ", "
	if indent > 0 {
		sep = ","
	}
	switch x := v.(type) {
	case string:
		writePyString(buf, x)
	case bool:
		if x {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case int:
		buf.WriteString(strconv.Itoa(x))
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	case nil:
		buf.WriteString("null")
	case obj:
		if len(x) == 0 {
			buf.WriteString("{}")
			return
		}
		buf.WriteByte('{')
		for i, e := range x {
			if i > 0 {
				buf.WriteString(sep)
			}
			nl(level + 1)
			writePyString(buf, e.K)
			buf.WriteString(": ")
			writePy(buf, e.V, indent, level+1)
		}
		nl(level)
		buf.WriteByte('}')
	case []obj:
		a := make([]any, len(x))
		for i := range x {
			a[i] = x[i]
		}
		writePy(buf, a, indent, level)
	case []string:
		a := make([]any, len(x))
		for i := range x {
			a[i] = x[i]
		}
		writePy(buf, a, indent, level)
	case []any:
		if len(x) == 0 {
			buf.WriteString("[]")
			return
		}
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteString(sep)
			}
			nl(level + 1)
			writePy(buf, e, indent, level+1)
		}
		nl(level)
		buf.WriteByte(']')
	default:
		// Unreachable with the types this package builds; written
		// visibly rather than dropped.
		writePyString(buf, fmt.Sprint(x))
	}
}

const hexDigits = "0123456789abcdef"

// writePyString escapes s as Python's json module does with ensure_ascii:
// every non-ASCII character as \uXXXX (UTF-16 surrogate pairs above the
// BMP). Invalid UTF-8 is written as U+FFFD.
func writePyString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			buf.WriteString(`\"`)
		case '\\':
			buf.WriteString(`\\`)
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		case '\t':
			buf.WriteString(`\t`)
		case '\b':
			buf.WriteString(`\b`)
		case '\f':
			buf.WriteString(`\f`)
		default:
			if r < 0x20 || r > 0x7e {
				if r == utf8.RuneError {
					r = 0xfffd
				}
				if r > 0xffff {
					r -= 0x10000
					writeU(buf, 0xd800+(r>>10))
					writeU(buf, 0xdc00+(r&0x3ff))
				} else {
					writeU(buf, r)
				}
				continue
			}
			buf.WriteByte(byte(r))
		}
	}
	buf.WriteByte('"')
}

func writeU(buf *bytes.Buffer, r rune) {
	buf.WriteString(`\u`)
	buf.WriteByte(hexDigits[r>>12&0xf])
	buf.WriteByte(hexDigits[r>>8&0xf])
	buf.WriteByte(hexDigits[r>>4&0xf])
	buf.WriteByte(hexDigits[r&0xf])
}
