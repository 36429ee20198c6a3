package dkim

import (
	"fmt"
	"strings"
)

// MaxTags bounds the number of tags in one tag list.
const MaxTags = 64

// TagList is a parsed DKIM tag list (RFC 6376 §3.2): tags in order and
// by name. Values have their surrounding whitespace removed; inner
// folding whitespace is kept (callers strip it where the grammar allows,
// e.g. in b= and p=).
type TagList struct {
	Names  []string
	Values map[string]string
}

// Get returns the value of tag name and whether it was present.
func (t TagList) Get(name string) (string, bool) {
	v, ok := t.Values[name]
	return v, ok
}

// ParseTagList parses "tag=value; tag=value;" text. Duplicate tags,
// bad tag names and a missing '=' are errors.
func ParseTagList(s string) (TagList, error) {
	tl := TagList{Values: map[string]string{}}
	for spec := range strings.SplitSeq(s, ";") {
		if strings.TrimSpace(spec) == "" {
			continue
		}
		name, value, ok := strings.Cut(spec, "=")
		name = strings.TrimSpace(name)
		if !ok {
			return TagList{}, fmt.Errorf("tag list: %q has no '='", truncate(strings.TrimSpace(spec), 40))
		}
		if !validTagName(name) {
			return TagList{}, fmt.Errorf("tag list: invalid tag name %q", truncate(name, 40))
		}
		if _, dup := tl.Values[name]; dup {
			return TagList{}, fmt.Errorf("tag list: duplicate tag %q", name)
		}
		if len(tl.Names) >= MaxTags {
			return TagList{}, fmt.Errorf("tag list: more than %d tags", MaxTags)
		}
		tl.Names = append(tl.Names, name)
		tl.Values[name] = strings.Trim(value, " \t\r\n")
	}
	return tl, nil
}

func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if i == 0 && !alpha {
			return false
		}
		if !alpha && !(c >= '0' && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}

// stripFWS removes all whitespace (used for base64 values).
func stripFWS(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
}

// RemoveBValue returns raw with the value of its b= tag removed.
func RemoveBValue(raw []byte) []byte { return removeBValue(raw) }

// removeBValue returns the raw signature header with the value of its b=
// tag removed (RFC 6376 §3.7: "with the value of the b= tag deleted"),
// keeping every other byte, including whitespace around it.
func removeBValue(raw []byte) []byte {
	s := string(raw)
	colon := strings.IndexByte(s, ':')
	if colon < 0 {
		return raw
	}
	pos := colon + 1
	for pos <= len(s) {
		end := strings.IndexByte(s[pos:], ';')
		if end < 0 {
			end = len(s)
		} else {
			end += pos
		}
		spec := s[pos:end]
		if eq := strings.IndexByte(spec, '='); eq >= 0 && strings.TrimSpace(spec[:eq]) == "b" {
			valStart := pos + eq + 1
			tail := s[end:]
			if end == len(s) {
				// Last tag: keep the trailing CRLF of the field.
				tail = ""
				if strings.HasSuffix(s, "\r\n") && valStart <= len(s)-2 {
					tail = "\r\n"
				}
			}
			return []byte(s[:valStart] + tail)
		}
		pos = end + 1
	}
	return raw
}
