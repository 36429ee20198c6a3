package dkim

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// Limits on hostile input.
const (
	// MaxMessageSize is the largest message Verify reads.
	MaxMessageSize = 64 << 20
	// MaxHeaderFields bounds the number of header fields of a message.
	MaxHeaderFields = 2000
	// MaxSignatures bounds the DKIM-Signature fields verified per message.
	MaxSignatures = 32
	// MaxHeaderFieldSize bounds one header field, folded lines included.
	MaxHeaderFieldSize = 1 << 20
)

// Field is one header field as it appears in the message: Raw holds the
// name, colon, value and folding, ending in CRLF.
type Field struct {
	Name string // as written
	Raw  []byte
}

// Key returns the lower-case field name.
func (f Field) Key() string { return strings.ToLower(f.Name) }

// Value returns the field value (after the colon, unfolded CRLFs kept).
func (f Field) Value() string {
	i := bytes.IndexByte(f.Raw, ':')
	return strings.TrimSuffix(string(f.Raw[i+1:]), "\r\n")
}

// Message is a parsed message: header fields in order and the body,
// all with CRLF line endings.
type Message struct {
	Fields []Field
	Body   []byte
	// NormalizedLF is true when the input used bare LF line endings and
	// was converted to CRLF before verification (as every verifier does
	// with messages stored in Unix files).
	NormalizedLF bool
	// MboxFromLine holds a leading mbox "From " separator line that was
	// removed, if any.
	MboxFromLine string
}

// ErrMalformed is wrapped by message parse errors.
var ErrMalformed = errors.New("malformed message")

// toCRLF converts bare LF to CRLF. It reports whether anything changed.
func toCRLF(raw []byte) ([]byte, bool) {
	n := 0
	for i, c := range raw {
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			n++
		}
	}
	if n == 0 {
		return raw, false
	}
	out := make([]byte, 0, len(raw)+n)
	for i, c := range raw {
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out, true
}

// ParseMessage splits raw into header fields and body. Bare LF line ends
// are converted to CRLF (reported in NormalizedLF). A leading mbox "From "
// line is removed and reported.
func ParseMessage(raw []byte) (*Message, error) {
	if len(raw) > MaxMessageSize {
		return nil, fmt.Errorf("%w: message larger than %d bytes", ErrMalformed, MaxMessageSize)
	}
	m := &Message{}
	raw, m.NormalizedLF = toCRLF(raw)
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.Index(raw, []byte("\r\n")); i >= 0 {
			m.MboxFromLine = string(raw[:i])
			raw = raw[i+2:]
		}
	}
	pos := 0
	for pos < len(raw) {
		if bytes.HasPrefix(raw[pos:], []byte("\r\n")) {
			m.Body = raw[pos+2:]
			return m, nil
		}
		// One field: first line plus continuation lines.
		start := pos
		for {
			i := bytes.Index(raw[pos:], []byte("\r\n"))
			if i < 0 {
				pos = len(raw)
				break
			}
			pos += i + 2
			if pos >= len(raw) || (raw[pos] != ' ' && raw[pos] != '\t') {
				break
			}
		}
		fieldRaw := raw[start:pos]
		if !bytes.HasSuffix(fieldRaw, []byte("\r\n")) {
			fieldRaw = append(append([]byte{}, fieldRaw...), '\r', '\n')
		}
		if len(fieldRaw) > MaxHeaderFieldSize {
			return nil, fmt.Errorf("%w: header field at offset %d longer than %d bytes", ErrMalformed, start, MaxHeaderFieldSize)
		}
		colon := bytes.IndexByte(fieldRaw, ':')
		if colon <= 0 {
			return nil, fmt.Errorf("%w: header line at offset %d has no field name and colon: %q", ErrMalformed, start, truncate(string(fieldRaw), 60))
		}
		name := strings.TrimRight(string(fieldRaw[:colon]), " \t")
		if !validFieldName(name) {
			return nil, fmt.Errorf("%w: invalid header field name %q at offset %d", ErrMalformed, truncate(name, 60), start)
		}
		if len(m.Fields) >= MaxHeaderFields {
			return nil, fmt.Errorf("%w: more than %d header fields", ErrMalformed, MaxHeaderFields)
		}
		m.Fields = append(m.Fields, Field{Name: name, Raw: fieldRaw})
	}
	return m, nil
}

func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 33 || s[i] > 126 || s[i] == ':' {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// Count returns how many fields are named name (case-insensitive).
func (m *Message) Count(name string) int {
	n := 0
	for _, f := range m.Fields {
		if strings.EqualFold(f.Name, name) {
			n++
		}
	}
	return n
}

// Get returns the values of the fields named name, top to bottom.
func (m *Message) Get(name string) []string {
	var out []string
	for _, f := range m.Fields {
		if strings.EqualFold(f.Name, name) {
			out = append(out, f.Value())
		}
	}
	return out
}

// selectFields picks the header fields named in h= the way RFC 6376 §5.4.2
// says: for each name, the bottom-most instance not yet used; a name with
// no instance left selects nothing (the "null string"). It returns the
// indexes into m.Fields (-1 for a missing instance). skip is the index of
// the signature field itself, which is never selected by h=.
func (m *Message) selectFields(names []string, skip int) []int {
	used := make(map[int]bool, len(names))
	out := make([]int, len(names))
	for k, name := range names {
		out[k] = -1
		for i := len(m.Fields) - 1; i >= 0; i-- {
			if i == skip || used[i] {
				continue
			}
			if strings.EqualFold(m.Fields[i].Name, name) {
				used[i] = true
				out[k] = i
				break
			}
		}
	}
	return out
}
