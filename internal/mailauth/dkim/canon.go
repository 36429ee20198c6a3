package dkim

import (
	"bytes"
	"fmt"
	"strings"
)

// Canonicalization is "simple" or "relaxed" (RFC 6376 §3.4).
type Canonicalization string

// The two canonicalization algorithms.
const (
	Simple  Canonicalization = "simple"
	Relaxed Canonicalization = "relaxed"
)

func isWSP(c byte) bool { return c == ' ' || c == '\t' }

// CanonicalizeHeader returns the canonical form of one header field (raw
// form: name, colon, value with folding, ending in CRLF).
//
// simple (§3.4.1): unchanged.
// relaxed (§3.4.2): name lower-cased; value unfolded (CRLF removed),
// every run of WSP turned into one SP, WSP at the end of the value and
// around the colon removed; ends in CRLF.
func CanonicalizeHeader(raw []byte, c Canonicalization) []byte {
	if c == Simple {
		return raw
	}
	colon := bytes.IndexByte(raw, ':')
	if colon < 0 {
		return raw
	}
	name := strings.ToLower(strings.TrimRight(string(raw[:colon]), " \t"))
	out := make([]byte, 0, len(raw))
	out = append(out, name...)
	out = append(out, ':')
	val := raw[colon+1:]
	space := false
	started := false
	for i := 0; i < len(val); i++ {
		ch := val[i]
		if ch == '\r' || ch == '\n' {
			continue
		}
		if isWSP(ch) {
			space = true
			continue
		}
		if space && started {
			out = append(out, ' ')
		}
		space = false
		started = true
		out = append(out, ch)
	}
	return append(out, '\r', '\n')
}

// CanonicalizeBody returns the canonical body (RFC 6376 §3.4.3, §3.4.4).
// body must use CRLF line endings.
//
// simple: trailing empty lines removed; an empty body becomes one CRLF;
// a last line without CRLF gets one.
// relaxed: WSP at line ends removed, inner WSP runs become one SP,
// trailing empty lines removed; an empty body stays empty; a non-empty
// last line without CRLF gets one.
func CanonicalizeBody(body []byte, c Canonicalization) []byte {
	if c == Simple {
		end := len(body)
		for end >= 2 && body[end-2] == '\r' && body[end-1] == '\n' {
			end -= 2
		}
		out := make([]byte, end, end+2)
		copy(out, body[:end])
		return append(out, '\r', '\n')
	}
	out := make([]byte, 0, len(body)+2)
	for len(body) > 0 {
		var line []byte
		i := bytes.Index(body, []byte("\r\n"))
		if i < 0 {
			line, body = body, nil
		} else {
			line, body = body[:i], body[i+2:]
		}
		// Trailing WSP removed, inner runs reduced to one SP.
		end := len(line)
		for end > 0 && isWSP(line[end-1]) {
			end--
		}
		line = line[:end]
		find := indexSP
		if bytes.IndexByte(line, '\t') >= 0 {
			find = indexWSP
		}
		for len(line) > 0 {
			j := find(line)
			if j < 0 {
				out = append(out, line...)
				break
			}
			out = append(out, line[:j]...)
			k := j + 1
			for k < len(line) && isWSP(line[k]) {
				k++
			}
			out = append(out, ' ')
			line = line[k:]
		}
		out = append(out, '\r', '\n')
	}
	// Remove trailing empty lines.
	for len(out) >= 4 && bytes.HasSuffix(out, []byte("\r\n\r\n")) {
		out = out[:len(out)-2]
	}
	if bytes.Equal(out, []byte("\r\n")) {
		out = out[:0]
	}
	return out
}

func indexSP(b []byte) int { return bytes.IndexByte(b, ' ') }

// indexWSP returns the index of the first SP or HTAB in b, or -1.
func indexWSP(b []byte) int {
	for i, c := range b {
		if c == ' ' || c == '\t' {
			return i
		}
	}
	return -1
}

// parseCanon parses a c= value: "header[/body]", body defaulting to simple.
func parseCanon(s string) (Canonicalization, Canonicalization, error) {
	h, b, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "/")
	if !ok {
		b = "simple"
	}
	hc, err1 := canonFrom(h)
	bc, err2 := canonFrom(b)
	if err1 != nil {
		return "", "", err1
	}
	if err2 != nil {
		return "", "", err2
	}
	return hc, bc, nil
}

func canonFrom(s string) (Canonicalization, error) {
	switch s {
	case "simple":
		return Simple, nil
	case "relaxed":
		return Relaxed, nil
	}
	return "", fmt.Errorf("unknown canonicalization %q", s)
}
