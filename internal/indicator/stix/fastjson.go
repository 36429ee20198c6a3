package stix

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// fastObject fills o from the JSON object data without reflection: the
// few properties of rawObject are matched by name, every other value is
// skipped. It is strict JSON; when it returns false (bad syntax, a property
// of an unexpected type, nesting deeper than maxDepth, invalid UTF-8) the
// caller decodes data with encoding/json instead, which gives the error
// message. Millions of indicators go through here, so it allocates only
// the strings it keeps.
func fastObject(data []byte, o *rawObject, maxDepth int) bool {
	s := scan{b: data, maxDepth: maxDepth}
	s.ws()
	if !s.obj(o) {
		return false
	}
	s.ws()
	return s.i == len(s.b)
}

type scan struct {
	b        []byte
	i        int
	depth    int
	maxDepth int
}

func (s *scan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *scan) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scan) eat(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scan) obj(o *rawObject) bool {
	if !s.eat('{') {
		return false
	}
	s.depth++
	if s.eat('}') {
		return true
	}
	for {
		s.ws()
		key, ok := s.rawString()
		if !ok || !s.eat(':') {
			return false
		}
		s.ws()
		if !s.field(key, o) {
			return false
		}
		if s.eat(',') {
			continue
		}
		return s.eat('}')
	}
}

// isNull consumes a JSON null: a known property set to null keeps its
// zero value, as with encoding/json.
func (s *scan) isNull() bool {
	if len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

func (s *scan) field(key []byte, o *rawObject) bool {
	var str *string
	var list *[]string
	var raw *json.RawMessage
	switch string(key) {
	case "type":
		str = &o.Type
	case "id":
		str = &o.ID
	case "created":
		str = &o.Created
	case "modified":
		str = &o.Modified
	case "created_by_ref":
		str = &o.CreatedByRef
	case "name":
		str = &o.Name
	case "description":
		str = &o.Description
	case "pattern":
		str = &o.Pattern
	case "pattern_type":
		str = &o.PatternType
	case "valid_from":
		str = &o.ValidFrom
	case "valid_until":
		str = &o.ValidUntil
	case "relationship_type":
		str = &o.RelationshipType
	case "source_ref":
		str = &o.SourceRef
	case "target_ref":
		str = &o.TargetRef
	case "sighting_of_ref":
		str = &o.SightingOfRef
	case "definition_type":
		str = &o.DefinitionType
	case "x_opencti_definition_type":
		str = &o.XOpenCTIDefType
	case "x_opencti_definition":
		str = &o.XOpenCTIDef
	case "x_vigie_exclude":
		str = &o.XVigieExclude
	case "labels":
		list = &o.Labels
	case "aliases":
		list = &o.Aliases
	case "x_mitre_aliases":
		list = &o.XMitreAliases
	case "object_marking_refs":
		list = &o.ObjectMarkingRefs
	case "definition":
		raw = &o.Definition
	case "extensions":
		raw = &o.Extensions
	case "confidence":
		if s.isNull() {
			o.Confidence = nil
			return true
		}
		start := s.i
		if !s.number() {
			return false
		}
		n, err := strconv.Atoi(string(s.b[start:s.i]))
		if err != nil {
			return false // a fraction or out of range: encoding/json says which
		}
		o.Confidence = &n
		return true
	case "revoked":
		switch {
		case s.lit("true"):
			o.Revoked = true
		case s.lit("false"):
			o.Revoked = false
		case s.isNull():
		default:
			return false
		}
		return true
	default:
		return s.skip()
	}
	switch {
	case str != nil:
		if s.isNull() {
			*str = ""
			return true
		}
		v, ok := s.str()
		*str = v
		return ok
	case list != nil:
		if s.isNull() {
			*list = nil
			return true
		}
		if !s.eat('[') {
			return false
		}
		*list = (*list)[:0]
		if s.eat(']') {
			if *list == nil {
				*list = []string{}
			}
			return true
		}
		for {
			s.ws()
			v, ok := s.str()
			if !ok {
				return false
			}
			*list = append(*list, v)
			if s.eat(',') {
				continue
			}
			return s.eat(']')
		}
	default:
		if s.isNull() {
			*raw = nil
			return true
		}
		start := s.i
		if !s.skip() {
			return false
		}
		*raw = json.RawMessage(s.b[start:s.i])
		return true
	}
}

func (s *scan) lit(w string) bool {
	if len(s.b)-s.i >= len(w) && string(s.b[s.i:s.i+len(w)]) == w {
		s.i += len(w)
		return true
	}
	return false
}

// rawString returns the bytes of a string without escapes (object keys);
// a key with escapes is left to encoding/json.
func (s *scan) rawString() ([]byte, bool) {
	if s.peek() != '"' {
		return nil, false
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			return s.b[start:j], true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return nil, false
		}
	}
	return nil, false
}

// str decodes a JSON string.
func (s *scan) str() (string, bool) {
	if s.peek() != '"' {
		return "", false
	}
	start := s.i + 1
	j := start
	for j < len(s.b) {
		c := s.b[j]
		if c == '"' {
			v := s.b[start:j]
			if !utf8.Valid(v) {
				return "", false
			}
			s.i = j + 1
			return string(v), true
		}
		if c == '\\' || c < 0x20 {
			break
		}
		j++
	}
	// Slow path: escapes.
	buf := make([]byte, 0, j-start+16)
	buf = append(buf, s.b[start:j]...)
	for j < len(s.b) {
		c := s.b[j]
		switch {
		case c == '"':
			if !utf8.Valid(buf) {
				return "", false
			}
			s.i = j + 1
			return string(buf), true
		case c < 0x20:
			return "", false
		case c == '\\':
			if j+1 >= len(s.b) {
				return "", false
			}
			e := s.b[j+1]
			j += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(s.b, j)
				if !ok {
					return "", false
				}
				j += 4
				if utf16.IsSurrogate(r) {
					r2, ok2 := rune(0), false
					if j+6 <= len(s.b) && s.b[j] == '\\' && s.b[j+1] == 'u' {
						r2, ok2 = hex4(s.b, j+2)
					}
					if d := utf16.DecodeRune(r, r2); ok2 && d != utf8.RuneError {
						r = d
						j += 6
					} else {
						r = utf8.RuneError
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return "", false
			}
		default:
			buf = append(buf, c)
			j++
		}
	}
	return "", false
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number consumes a JSON number.
func (s *scan) number() bool {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	s.i = i
	return true
}

// skip consumes any JSON value, checking its syntax and nesting.
func (s *scan) skip() bool {
	s.ws()
	switch s.peek() {
	case '"':
		_, ok := s.skipString()
		return ok
	case '{', '[':
		s.depth++
		if s.depth > s.maxDepth {
			return false
		}
		open := s.b[s.i]
		close := byte('}')
		if open == '[' {
			close = ']'
		}
		s.i++
		if s.eat(close) {
			s.depth--
			return true
		}
		for {
			s.ws()
			if open == '{' {
				if _, ok := s.skipString(); !ok || !s.eat(':') {
					return false
				}
			}
			if !s.skip() {
				return false
			}
			if s.eat(',') {
				continue
			}
			if !s.eat(close) {
				return false
			}
			s.depth--
			return true
		}
	case 't':
		return s.lit("true")
	case 'f':
		return s.lit("false")
	case 'n':
		return s.lit("null")
	}
	return s.number()
}

func (s *scan) skipString() (int, bool) {
	if s.peek() != '"' {
		return 0, false
	}
	start := s.i
	j := s.i + 1
	for j < len(s.b) {
		c := s.b[j]
		switch {
		case c == '"':
			if !utf8.Valid(s.b[start+1 : j]) {
				return 0, false
			}
			s.i = j + 1
			return start, true
		case c < 0x20:
			return 0, false
		case c == '\\':
			if j+1 >= len(s.b) {
				return 0, false
			}
			switch s.b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if _, ok := hex4(s.b, j+2); !ok {
					return 0, false
				}
				j += 6
			default:
				return 0, false
			}
		default:
			j++
		}
	}
	return 0, false
}
