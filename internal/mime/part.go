package mime

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Part is one node of a message's MIME tree. The root part is the message
// itself.
type Part struct {
	// Path names the part as clients and analysts do: "1", "1.2", "2.1.1";
	// the root is "".
	Path   string
	Header Header
	// MediaType is the lower-cased type ("text/html"); parts without a
	// readable Content-Type are "text/plain" (or "message/rfc822" inside
	// multipart/digest), as RFC 2045 says.
	MediaType string
	Params    map[string]string // Content-Type parameters, decoded
	Charset   string            // lower-cased charset parameter, "" if none
	// Encoding is the lower-cased Content-Transfer-Encoding ("base64").
	Encoding string
	// Disposition is "inline", "attachment" or "" when not given.
	Disposition string
	// Filename is the decoded name from Content-Disposition's filename or
	// Content-Type's name (or a uuencode begin line).
	Filename string
	// Body is the content after transfer decoding (bytes, not text). For
	// multipart parts it is empty.
	Body []byte
	// Text is Body decoded to UTF-8 for text/* parts (empty otherwise).
	Text string
	// Parts are the children of a multipart, or the single child of an
	// attached message/rfc822.
	Parts []*Part
	// Offset is where the part's header starts in the raw message.
	Offset int
	// Truncated is set when a limit cut the part's body.
	Truncated bool

	bodyStart int
}

// IsMultipart reports whether the part is a multipart container.
func (p *Part) IsMultipart() bool { return strings.HasPrefix(p.MediaType, "multipart/") }

// IsAttachment reports whether clients show the part as an attachment:
// an explicit attachment disposition, a file name, or a type that is not
// text or a container.
func (p *Part) IsAttachment() bool {
	if p.IsMultipart() {
		return false
	}
	if p.Disposition == "attachment" || p.Filename != "" {
		return true
	}
	switch {
	case strings.HasPrefix(p.MediaType, "text/"), p.MediaType == "message/rfc822",
		p.MediaType == "message/delivery-status", p.MediaType == "message/disposition-notification":
		return false
	}
	return true
}

// Walk calls fn for p and every part below it, depth first, in order.
func (p *Part) Walk(fn func(*Part)) {
	fn(p)
	for _, c := range p.Parts {
		c.Walk(fn)
	}
}

// Defect is an irregularity of the input: broken MIME, a limit reached, a
// header that looks injected.
type Defect struct {
	Part   string // path of the part ("" for the message header)
	Kind   string // "malformed-header", "header-injection", "boundary", "encoding", "charset", "limit", "structure"
	Detail string
}

func (d Defect) String() string {
	where := "message"
	if d.Part != "" {
		where = "part " + d.Part
	}
	return fmt.Sprintf("%s: %s: %s", where, d.Kind, d.Detail)
}

// Message is a parsed mail message.
type Message struct {
	*Part          // the root part: its Header is the message header
	Size      int  // bytes of raw input examined
	Truncated bool // the raw message was longer than Limits.MaxMessageBytes
	Defects   []Defect
	// HeaderEnd is the offset of the message body in the raw input.
	HeaderEnd int
}

// ErrNotMail is returned for input that has no mail header at all.
var ErrNotMail = errors.New("not a mail message: no header fields")

type parser struct {
	lim     Limits
	parts   int
	decoded int
	defects []Defect
	stopped bool // MaxParts reached
}

func (p *parser) defect(where, kind, detail string) {
	if len(p.defects) >= 200 {
		return
	}
	if len(p.defects) == 199 {
		detail = "too many defects; the rest are not listed"
		kind = "limit"
	}
	p.defects = append(p.defects, Defect{Part: where, Kind: kind, Detail: detail})
}

// Parse reads one message from raw. It fails only when raw holds no mail
// header at all; every other problem is a Defect.
func Parse(raw []byte, lim Limits) (*Message, error) {
	p := &parser{lim: lim.withDefaults()}
	m := &Message{}
	if len(raw) > p.lim.MaxMessageBytes {
		raw = raw[:p.lim.MaxMessageBytes]
		m.Truncated = true
		p.defect("", "limit", fmt.Sprintf("message larger than %d bytes; only the start was examined", p.lim.MaxMessageBytes))
	}
	m.Size = len(raw)
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errors.New("empty message")
	}
	root := p.parsePart(raw, 0, "", 0, "")
	m.Part = root
	if len(root.Header) == 0 {
		return nil, ErrNotMail
	}
	m.HeaderEnd = root.bodyStart
	m.Defects = p.defects
	return m, nil
}

// parsePart parses one entity (header + body) found at offset in the raw
// message.
func (p *parser) parsePart(b []byte, offset int, path string, depth int, defType string) *Part {
	p.parts++
	part := &Part{Path: path, Offset: offset}
	h, bodyStart := p.parseHeader(b, path)
	part.Header = h
	part.bodyStart = bodyStart
	body := b[bodyStart:]

	ct := h.Get("Content-Type")
	if h.Count("Content-Type") > 1 {
		p.defect(path, "structure", "several Content-Type fields; the first is used")
	}
	mt, params, bad := parseMediaType(ct)
	if bad {
		p.defect(path, "structure", fmt.Sprintf("malformed Content-Type %q", clip(ct, 80)))
	}
	if mt == "" || !strings.Contains(mt, "/") {
		if mt != "" {
			p.defect(path, "structure", fmt.Sprintf("Content-Type %q has no subtype; read as text/plain", clip(mt, 40)))
		}
		mt = defType
		if mt == "" {
			mt = "text/plain"
		}
	}
	part.MediaType = mt
	part.Params = params
	part.Charset = strings.ToLower(strings.TrimSpace(params["charset"]))
	part.Encoding = strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	if cd := h.Get("Content-Disposition"); cd != "" {
		d, dp, _ := parseMediaType(cd)
		part.Disposition = d
		part.Filename = dp["filename"]
	}
	if part.Filename == "" {
		part.Filename = params["name"]
	}
	if strings.Contains(part.Filename, "=?") {
		part.Filename = p.decodeWords(part.Filename, path)
	}

	if strings.HasPrefix(mt, "multipart/") {
		boundary := params["boundary"]
		if boundary == "" {
			p.defect(path, "boundary", "multipart without a boundary; read as text")
			part.MediaType = "text/plain"
		} else {
			if depth+1 > p.lim.MaxDepth {
				p.defect(path, "limit", fmt.Sprintf("parts nested deeper than %d; the inner ones are not read", p.lim.MaxDepth))
				return part
			}
			childType := ""
			if mt == "multipart/digest" {
				childType = "message/rfc822"
			}
			p.parseMultipart(part, body, offset+bodyStart, boundary, depth, childType)
			return part
		}
	}
	p.decodeBody(part, body)
	if part.MediaType == "message/rfc822" || part.MediaType == "message/global" {
		if depth+1 > p.lim.MaxDepth {
			p.defect(path, "limit", fmt.Sprintf("messages nested deeper than %d; the inner ones are not read", p.lim.MaxDepth))
			return part
		}
		if p.parts >= p.lim.MaxParts {
			p.stop(path)
			return part
		}
		if len(bytes.TrimSpace(part.Body)) > 0 {
			child := p.parsePart(part.Body, offset+bodyStart, childPath(path, 1), depth+1, "")
			part.Parts = []*Part{child}
		}
	}
	return part
}

func (p *parser) stop(path string) {
	if !p.stopped {
		p.stopped = true
		p.defect(path, "limit", fmt.Sprintf("more than %d parts; the rest are not read", p.lim.MaxParts))
	}
}

func childPath(parent string, n int) string {
	if parent == "" {
		return strconv.Itoa(n)
	}
	return parent + "." + strconv.Itoa(n)
}

// parseMultipart splits body on the boundary the way clients do: a
// delimiter is "--boundary" at the start of a line, optionally followed by
// blanks; "--boundary--" closes. A missing closing delimiter ends the
// multipart at the end of the input.
func (p *parser) parseMultipart(part *Part, body []byte, offset int, boundary string, depth int, childType string) {
	delim := []byte("--" + boundary)
	type span struct{ start, end int }
	var spans []span
	pos := 0
	cur := -1
	closed := false
	for pos <= len(body) {
		i := indexLineStart(body, pos, delim)
		if i < 0 {
			break
		}
		after := i + len(delim)
		// the rest of the delimiter line
		eol := bytes.IndexByte(body[after:], '\n')
		lineEnd := len(body)
		if eol >= 0 {
			lineEnd = after + eol + 1
		}
		rest := bytes.TrimRight(body[after:lineEnd], " \t\r\n")
		isClose := bytes.HasPrefix(rest, []byte("--"))
		if len(rest) > 0 && !isClose {
			// "--boundaryX": a longer boundary of a nested multipart, not ours
			pos = after
			continue
		}
		if cur >= 0 {
			end := i
			// the CRLF before the delimiter belongs to it
			if end > 0 && body[end-1] == '\n' {
				end--
				if end > 0 && body[end-1] == '\r' {
					end--
				}
			}
			if end < cur {
				end = cur
			}
			spans = append(spans, span{cur, end})
		}
		if isClose {
			closed = true
			break
		}
		cur = lineEnd
		pos = lineEnd
		if len(spans) > p.lim.MaxParts {
			break
		}
	}
	if cur < 0 {
		p.defect(part.Path, "boundary", fmt.Sprintf("boundary %q never appears; the body is read as text", clip(boundary, 40)))
		part.MediaType = "text/plain"
		p.decodeBody(part, body)
		return
	}
	if !closed {
		p.defect(part.Path, "boundary", "closing boundary missing; the last part runs to the end of the message")
		spans = append(spans, span{cur, len(body)})
	}
	for n, s := range spans {
		if p.parts >= p.lim.MaxParts {
			p.stop(part.Path)
			return
		}
		child := p.parsePart(body[s.start:s.end], offset+s.start, childPath(part.Path, n+1), depth+1, childType)
		part.Parts = append(part.Parts, child)
	}
}

// indexLineStart finds delim at the start of a line at or after pos.
func indexLineStart(b []byte, pos int, delim []byte) int {
	for pos < len(b) {
		i := bytes.Index(b[pos:], delim)
		if i < 0 {
			return -1
		}
		i += pos
		if i == 0 || b[i-1] == '\n' {
			return i
		}
		pos = i + 1
	}
	return -1
}

// decodeBody undoes the transfer encoding and, for text, the charset.
func (p *parser) decodeBody(part *Part, body []byte) {
	max := p.lim.MaxPartBytes
	if left := p.lim.MaxDecodedBytes - p.decoded; left < max {
		max = left
	}
	if max < 0 {
		max = 0
	}
	var out []byte
	var bad, trunc bool
	switch part.Encoding {
	case "base64":
		out, bad, trunc = decodeBase64(body, max)
	case "quoted-printable":
		out, bad, trunc = decodeQP(body, max)
	case "x-uuencode", "uuencode", "x-uue":
		var name string
		out, name, bad, trunc = decodeUU(body, max)
		if part.Filename == "" {
			part.Filename = name
		}
	case "", "7bit", "8bit", "binary":
		out = body
		if len(out) > max {
			out, trunc = out[:max], true
		}
	default:
		p.defect(part.Path, "encoding", fmt.Sprintf("unknown transfer encoding %q; read as is", clip(part.Encoding, 40)))
		out = body
		if len(out) > max {
			out, trunc = out[:max], true
		}
	}
	if bad {
		p.defect(part.Path, "encoding", fmt.Sprintf("invalid %s data repaired as clients do", part.Encoding))
	}
	if trunc {
		part.Truncated = true
		p.defect(part.Path, "limit", fmt.Sprintf("decoded part larger than the limit (%d bytes left); the rest is not examined", max))
	}
	p.decoded += len(out)
	part.Body = out
	if strings.HasPrefix(part.MediaType, "text/") {
		if part.Charset != "" && !KnownCharset(part.Charset) {
			p.defect(part.Path, "charset", fmt.Sprintf("unknown charset %q; read as UTF-8 or Windows-1252", clip(part.Charset, 40)))
		}
		part.Text = decodeBytes(part.Charset, out)
	}
}
