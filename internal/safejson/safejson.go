// Package safejson reads JSON from untrusted sources within limits on size
// and nesting depth, so that a huge or deeply nested document is refused with
// a clear message instead of exhausting memory or the stack.
package safejson

import (
	"encoding/json"
	"fmt"
	"io"
)

// ReadAll reads r up to max bytes. An input larger than max is an error
// naming it.
func ReadAll(r io.Reader, name string, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: larger than the limit of %d bytes", name, max)
	}
	return data, nil
}

// CheckDepth returns an error if data nests objects and arrays deeper than
// max. It does not otherwise validate data; it only tracks strings so that
// brackets inside them do not count.
func CheckDepth(data []byte, name string, max int) error {
	depth := 0
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > max {
				return fmt.Errorf("%s: JSON nested deeper than %d levels at byte %d", name, max, i)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// Decode reads r within the limits and unmarshals it into v. Errors name the
// input and, for syntax errors, the line and column.
func Decode(r io.Reader, name string, maxBytes int64, maxDepth int, v any) error {
	data, err := ReadAll(r, name, maxBytes)
	if err != nil {
		return err
	}
	return Unmarshal(data, name, maxDepth, v)
}

// Unmarshal is Decode for data already in memory.
func Unmarshal(data []byte, name string, maxDepth int, v any) error {
	if err := CheckDepth(data, name, maxDepth); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", name, Describe(data, err))
	}
	return nil
}

// Describe turns a json syntax or type error into one that gives the line
// and column in data.
func Describe(data []byte, err error) error {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}
