// Package authres parses Authentication-Results header fields (RFC 8601),
// and the ARC-Authentication-Results variant with its leading i= tag
// (RFC 8617 §4.1.1). The values are claims made by whoever added the
// field: a parser reports them, it cannot make them true.
package authres

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Limits.
const (
	MaxFieldLength = 64 << 10
	MaxResults     = 100
	MaxProperties  = 50
	maxCommentNest = 20
)

// Property is one ptype.property=value of a result ("header.d=example.org").
type Property struct {
	Type     string `json:"type"`
	Property string `json:"property"`
	Value    string `json:"value"`
}

// MethodResult is one "method=result" statement.
type MethodResult struct {
	Method     string     `json:"method"`
	Version    int        `json:"version,omitempty"`
	Result     string     `json:"result"`
	Reason     string     `json:"reason,omitempty"`
	Properties []Property `json:"properties,omitempty"`
}

// Get returns the value of ptype.property, or "".
func (m MethodResult) Get(ptype, property string) string {
	for _, p := range m.Properties {
		if strings.EqualFold(p.Type, ptype) && strings.EqualFold(p.Property, property) {
			return p.Value
		}
	}
	return ""
}

// Results is one parsed field.
type Results struct {
	// Instance is the ARC instance (i=) of an ARC-Authentication-Results
	// field, 0 otherwise.
	Instance   int            `json:"instance,omitempty"`
	AuthServID string         `json:"authserv_id"`
	Version    int            `json:"version,omitempty"`
	Results    []MethodResult `json:"results"`
}

// Parse parses the value of an Authentication-Results field (everything
// after the colon).
func Parse(value string) (*Results, error) { return parse(value, false) }

// ParseARC parses the value of an ARC-Authentication-Results field.
func ParseARC(value string) (*Results, error) { return parse(value, true) }

type lexer struct {
	s   string
	pos int
}

// skipCFWS skips whitespace and (nested) comments.
func (l *lexer) skipCFWS() error {
	for l.pos < len(l.s) {
		c := l.s[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			l.pos++
		case c == '(':
			depth := 0
			for l.pos < len(l.s) {
				c := l.s[l.pos]
				switch c {
				case '\\':
					l.pos++
				case '(':
					depth++
					if depth > maxCommentNest {
						return errors.New("comments nested too deep")
					}
				case ')':
					depth--
				}
				l.pos++
				if depth == 0 {
					break
				}
			}
			if depth != 0 {
				return errors.New("unterminated comment")
			}
		default:
			return nil
		}
	}
	return nil
}

func isTokenChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return c >= 0x80 // UTF-8 in values (RFC 6532) accepted
	}
	return !strings.ContainsRune("()<>,;:\\\"/[]?= ", rune(c))
}

// token reads a token; extra lists characters allowed in addition
// (e.g. "." and "@" and "/" and ":" in property values).
func (l *lexer) token(extra string) string {
	start := l.pos
	for l.pos < len(l.s) && (isTokenChar(l.s[l.pos]) || strings.IndexByte(extra, l.s[l.pos]) >= 0) {
		l.pos++
	}
	return l.s[start:l.pos]
}

func (l *lexer) quoted() (string, error) {
	var b strings.Builder
	l.pos++ // opening quote
	for l.pos < len(l.s) {
		c := l.s[l.pos]
		switch c {
		case '\\':
			if l.pos+1 < len(l.s) {
				b.WriteByte(l.s[l.pos+1])
			}
			l.pos += 2
			continue
		case '"':
			l.pos++
			return b.String(), nil
		}
		b.WriteByte(c)
		l.pos++
	}
	return "", errors.New("unterminated quoted string")
}

// value reads a token or quoted string.
func (l *lexer) value(extra string) (string, error) {
	if l.pos < len(l.s) && l.s[l.pos] == '"' {
		return l.quoted()
	}
	return l.token(extra), nil
}

func (l *lexer) peek() byte {
	if l.pos < len(l.s) {
		return l.s[l.pos]
	}
	return 0
}

func (l *lexer) errf(format string, a ...any) error {
	return fmt.Errorf("authentication-results at offset %d: %s", l.pos, fmt.Sprintf(format, a...))
}

func parse(value string, arc bool) (*Results, error) {
	if len(value) > MaxFieldLength {
		return nil, fmt.Errorf("authentication-results longer than %d bytes", MaxFieldLength)
	}
	l := &lexer{s: value}
	r := &Results{}
	if err := l.skipCFWS(); err != nil {
		return nil, l.errf("%v", err)
	}
	if arc {
		t := l.token("")
		if !strings.EqualFold(t, "i") || l.peek() != '=' {
			return nil, l.errf("ARC-Authentication-Results does not start with i=")
		}
		l.pos++
		n, err := strconv.Atoi(l.token(""))
		if err != nil || n < 1 || n > 50 {
			return nil, l.errf("bad ARC instance")
		}
		r.Instance = n
		if err := l.skipCFWS(); err != nil {
			return nil, l.errf("%v", err)
		}
		if l.peek() != ';' {
			return nil, l.errf("expected ';' after i=")
		}
		l.pos++
		if err := l.skipCFWS(); err != nil {
			return nil, l.errf("%v", err)
		}
	}
	id, err := l.value(".@:-")
	if err != nil {
		return nil, l.errf("%v", err)
	}
	if id == "" {
		return nil, l.errf("missing authserv-id")
	}
	r.AuthServID = id
	if err := l.skipCFWS(); err != nil {
		return nil, l.errf("%v", err)
	}
	if c := l.peek(); c >= '0' && c <= '9' {
		v, _ := strconv.Atoi(l.token(""))
		r.Version = v
		if err := l.skipCFWS(); err != nil {
			return nil, l.errf("%v", err)
		}
	}
	for {
		if err := l.skipCFWS(); err != nil {
			return nil, l.errf("%v", err)
		}
		if l.pos >= len(l.s) {
			break
		}
		if l.peek() != ';' {
			return nil, l.errf("expected ';', found %q", l.peek())
		}
		l.pos++
		if err := l.skipCFWS(); err != nil {
			return nil, l.errf("%v", err)
		}
		if l.pos >= len(l.s) {
			break // trailing ';'
		}
		method := l.token("")
		if method == "" {
			return nil, l.errf("expected a method name")
		}
		if strings.EqualFold(method, "none") && len(r.Results) == 0 {
			if err := l.skipCFWS(); err != nil {
				return nil, l.errf("%v", err)
			}
			if l.pos >= len(l.s) || l.peek() == ';' {
				continue // "authserv-id; none": no results
			}
		}
		mr := MethodResult{Method: strings.ToLower(method)}
		if err := l.skipCFWS(); err != nil {
			return nil, l.errf("%v", err)
		}
		if l.peek() == '/' {
			l.pos++
			_ = l.skipCFWS()
			v, err := strconv.Atoi(l.token(""))
			if err != nil {
				return nil, l.errf("bad method version")
			}
			mr.Version = v
			_ = l.skipCFWS()
		}
		if l.peek() != '=' {
			return nil, l.errf("method %s without '=result'", mr.Method)
		}
		l.pos++
		if err := l.skipCFWS(); err != nil {
			return nil, l.errf("%v", err)
		}
		mr.Result = strings.ToLower(l.token(""))
		if mr.Result == "" {
			return nil, l.errf("method %s without a result", mr.Method)
		}
		for {
			if err := l.skipCFWS(); err != nil {
				return nil, l.errf("%v", err)
			}
			if l.pos >= len(l.s) || l.peek() == ';' {
				break
			}
			name := l.token(".")
			if name == "" {
				return nil, l.errf("unexpected %q", l.peek())
			}
			if err := l.skipCFWS(); err != nil {
				return nil, l.errf("%v", err)
			}
			if l.peek() != '=' {
				return nil, l.errf("%s without '='", name)
			}
			l.pos++
			if err := l.skipCFWS(); err != nil {
				return nil, l.errf("%v", err)
			}
			val, err := l.value(".@:/+=-_")
			if err != nil {
				return nil, l.errf("%v", err)
			}
			if strings.EqualFold(name, "reason") {
				mr.Reason = val
				continue
			}
			ptype, prop, ok := strings.Cut(name, ".")
			if !ok {
				return nil, l.errf("property %q is not ptype.property", name)
			}
			if len(mr.Properties) >= MaxProperties {
				return nil, l.errf("more than %d properties", MaxProperties)
			}
			mr.Properties = append(mr.Properties, Property{Type: strings.ToLower(ptype), Property: strings.ToLower(prop), Value: val})
		}
		if len(r.Results) >= MaxResults {
			return nil, l.errf("more than %d results", MaxResults)
		}
		r.Results = append(r.Results, mr)
	}
	return r, nil
}
