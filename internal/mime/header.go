package mime

import (
	"bytes"
	"fmt"
	gomime "mime"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Field is one header field.
type Field struct {
	Name  string // as written ("Content-Type")
	Raw   string // the value as written, unfolded, not decoded
	Value string // the value with RFC 2047 encoded words decoded to UTF-8
}

// Header is the ordered list of a part's header fields.
type Header []Field

// Get returns the decoded value of the first field named name
// (case-insensitive), or "".
func (h Header) Get(name string) string {
	for i := range h {
		if strings.EqualFold(h[i].Name, name) {
			return h[i].Value
		}
	}
	return ""
}

// GetRaw returns the undecoded value of the first field named name.
func (h Header) GetRaw(name string) string {
	for i := range h {
		if strings.EqualFold(h[i].Name, name) {
			return h[i].Raw
		}
	}
	return ""
}

// Values returns the decoded values of all fields named name, in order.
func (h Header) Values(name string) []string {
	var v []string
	for i := range h {
		if strings.EqualFold(h[i].Name, name) {
			v = append(v, h[i].Value)
		}
	}
	return v
}

// Count returns how many fields are named name.
func (h Header) Count(name string) int {
	n := 0
	for i := range h {
		if strings.EqualFold(h[i].Name, name) {
			n++
		}
	}
	return n
}

// Date parses the Date field; ok is false when it is missing or unreadable.
func (h Header) Date() (t time.Time, ok bool) {
	v := h.Get("Date")
	if v == "" {
		return time.Time{}, false
	}
	t, err := mail.ParseDate(strings.TrimSpace(v))
	return t, err == nil
}

// parseHeader reads header fields from the start of b and returns them
// with the offset where the body starts. It accepts CRLF and bare LF line
// ends, skips an mbox "From " line at the very start, and records lines it
// cannot read as defects.
func (p *parser) parseHeader(b []byte, where string) (Header, int) {
	var h Header
	pos := 0
	total := 0
	var name string
	var val []byte
	flush := func() {
		if name == "" {
			return
		}
		raw := strings.TrimSpace(string(val))
		if len(h) >= p.lim.MaxHeaderFields {
			p.defect(where, "limit", fmt.Sprintf("more than %d header fields; the rest are ignored", p.lim.MaxHeaderFields))
		} else {
			h = append(h, Field{Name: name, Raw: raw, Value: p.decodeWords(raw, where)})
		}
		name, val = "", val[:0]
	}
	first := true
	overflow := false
	for pos < len(b) {
		end := bytes.IndexByte(b[pos:], '\n')
		var line []byte
		next := len(b)
		if end >= 0 {
			line = b[pos : pos+end]
			next = pos + end + 1
		} else {
			line = b[pos:]
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			flush()
			return h, next
		}
		if first && bytes.HasPrefix(line, []byte("From ")) {
			first = false
			pos = next
			continue
		}
		first = false
		total += len(line)
		if total > p.lim.MaxHeaderBytes {
			if !overflow {
				p.defect(where, "limit", fmt.Sprintf("header larger than %d bytes; the rest is ignored", p.lim.MaxHeaderBytes))
				overflow = true
			}
			pos = next
			continue
		}
		if bytes.IndexByte(line, '\r') >= 0 || bytes.IndexByte(line, 0) >= 0 {
			p.defect(where, "header-injection", fmt.Sprintf("header line contains a bare CR or NUL: %q", clip(string(line), 60)))
			line = bytes.Map(func(r rune) rune {
				if r == '\r' || r == 0 {
					return ' '
				}
				return r
			}, line)
		}
		if line[0] == ' ' || line[0] == '\t' {
			if name == "" {
				p.defect(where, "malformed-header", "continuation line before any header field")
			} else {
				val = append(val, ' ')
				val = append(val, bytes.TrimLeft(line, " \t")...)
			}
			pos = next
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !validFieldName(line[:colon]) {
			// Clients differ; most show the rest of the message. A line
			// without a colon right after real fields usually means the
			// blank line is missing: the body starts here.
			if len(h) > 0 || name != "" {
				flush()
				p.defect(where, "malformed-header", fmt.Sprintf("line without a field name ends the header: %q", clip(string(line), 60)))
				return h, pos
			}
			p.defect(where, "malformed-header", fmt.Sprintf("header line without a field name: %q", clip(string(line), 60)))
			pos = next
			continue
		}
		flush()
		name = string(bytes.TrimRight(line[:colon], " \t"))
		val = append(val[:0], line[colon+1:]...)
		pos = next
	}
	flush()
	return h, len(b)
}

func validFieldName(b []byte) bool {
	b = bytes.TrimRight(b, " \t")
	if len(b) == 0 || len(b) > 200 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 127 || c == ':' {
			return false
		}
	}
	return true
}

// decodeWords decodes RFC 2047 encoded words; unknown charsets fall back
// the way clients do, and raw 8-bit text is read as UTF-8 or, failing
// that, Windows-1252.
func (p *parser) decodeWords(s, where string) string {
	if !utf8.ValidString(s) {
		s = decodeBytes("windows-1252", []byte(s))
	}
	if !strings.Contains(s, "=?") {
		return s
	}
	d := gomime.WordDecoder{CharsetReader: charsetReader}
	out, err := d.DecodeHeader(s)
	if err != nil {
		p.defect(where, "encoding", fmt.Sprintf("encoded word not decoded: %v", err))
		return s
	}
	return out
}

// DecodeHeaderValue decodes RFC 2047 encoded words in s with the same
// tolerance as Parse.
func DecodeHeaderValue(s string) string {
	p := &parser{}
	return p.decodeWords(s, "")
}

// Address is a mailbox from an address header.
type Address struct {
	Name string // display name, decoded
	Addr string // "local@domain" as written (may be empty or invalid)
}

// Domain returns the lower-cased domain of the address, or "".
func (a Address) Domain() string {
	at := strings.LastIndexByte(a.Addr, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(strings.Trim(a.Addr[at+1:], " .[]"))
}

// ParseAddressList reads an address header value the way clients display
// it: "Name <a@b>, c@d, "Last, First" <e@f>". It never fails; pieces it
// cannot read become addresses with an empty Addr and the text as Name.
// At most 1000 addresses are returned.
func ParseAddressList(v string) []Address {
	var out []Address
	for _, piece := range splitAddresses(v) {
		piece = strings.TrimSpace(piece)
		if piece == "" {
			continue
		}
		if len(out) >= 1000 {
			break
		}
		out = append(out, parseOneAddress(piece))
	}
	return out
}

func splitAddresses(v string) []string {
	var parts []string
	depthAngle, inQuote, start := 0, false, 0
	esc := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case esc:
			esc = false
		case c == '\\' && inQuote:
			esc = true
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '<':
			depthAngle++
		case c == '>':
			if depthAngle > 0 {
				depthAngle--
			}
		case (c == ',' || c == ';') && depthAngle == 0:
			parts = append(parts, v[start:i])
			start = i + 1
		}
	}
	return append(parts, v[start:])
}

func parseOneAddress(s string) Address {
	// group syntax "undisclosed-recipients:" leaves a name with a colon
	if lt := strings.LastIndexByte(s, '<'); lt >= 0 {
		gt := strings.IndexByte(s[lt:], '>')
		addr := s[lt+1:]
		if gt >= 0 {
			addr = s[lt+1 : lt+gt]
		}
		name := strings.TrimSpace(s[:lt])
		return Address{Name: unquote(name), Addr: cleanAddr(addr)}
	}
	// "a@b (Name)"
	if op := strings.IndexByte(s, '('); op > 0 {
		name := strings.Trim(s[op:], "() ")
		return Address{Name: name, Addr: cleanAddr(s[:op])}
	}
	if strings.IndexByte(s, '@') >= 0 {
		f := strings.Fields(s)
		for _, w := range f {
			if strings.IndexByte(w, '@') >= 0 {
				return Address{Addr: cleanAddr(w)}
			}
		}
	}
	return Address{Name: unquote(s)}
}

func cleanAddr(a string) string {
	a = strings.TrimSpace(a)
	a = strings.Trim(a, "<>\"' ")
	if strings.HasPrefix(strings.ToLower(a), "mailto:") {
		a = a[7:]
	}
	return a
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
		s = strings.ReplaceAll(s, `\"`, `"`)
		s = strings.ReplaceAll(s, `\\`, `\`)
	}
	return strings.TrimSpace(s)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
