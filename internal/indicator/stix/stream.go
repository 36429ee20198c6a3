package stix

import (
	"errors"
	"fmt"
	"io"
)

// stream cuts a JSON document into the values Decode needs — the elements
// of the "objects" array, the other members of the top-level object — with
// a byte scanner that only follows strings and brackets. Each value is then
// checked and decoded by fastObject (or encoding/json), so a broken object
// is reported by its position and, in a lenient read, the ones after it are
// still read. It is several times faster than encoding/json's Decoder and
// never holds more than one value in memory.
type stream struct {
	r        io.Reader
	buf      []byte
	pos, end int   // unread bytes are buf[pos:end]
	off      int64 // input offset of buf[0]
	err      error // read error, returned once the buffer is used up
	maxDepth int
	name     string
}

func newStream(r io.Reader, name string, maxDepth int) *stream {
	return &stream{r: r, buf: make([]byte, 0, 256<<10), maxDepth: maxDepth, name: name}
}

// offset is the input offset of the next unread byte.
func (s *stream) offset() int64 { return s.off + int64(s.pos) }

func (s *stream) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: byte %d: %s", s.name, s.offset(), fmt.Sprintf(format, args...))
}

// fill reads more input, keeping buf[keep:] (keep <= pos). It returns
// false at the end of the input or on a read error (in s.err).
func (s *stream) fill(keep int) bool {
	if s.err != nil {
		return false
	}
	if keep > 0 {
		n := copy(s.buf[:cap(s.buf)], s.buf[keep:s.end])
		s.off += int64(keep)
		s.pos -= keep
		s.end = n
	}
	if s.end == cap(s.buf) {
		nb := make([]byte, cap(s.buf)*2)
		copy(nb, s.buf[:s.end])
		s.buf = nb[:0]
	}
	n, err := s.r.Read(s.buf[s.end:cap(s.buf)])
	s.end += n
	s.buf = s.buf[:s.end]
	if err != nil {
		s.err = err
	}
	return n > 0 || err == nil
}

func (s *stream) readErr() error {
	if s.err == nil || errors.Is(s.err, io.EOF) {
		return s.errorf("unexpected end of input")
	}
	if errors.Is(s.err, errTooBig) {
		return errTooBig
	}
	return fmt.Errorf("%s: %w", s.name, s.err)
}

// next skips blanks and returns the next byte without consuming it; 0 at
// the end of the input.
func (s *stream) next() byte {
	for {
		for s.pos < s.end {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\r', '\n':
				s.pos++
			default:
				return c
			}
		}
		if !s.fill(s.pos) {
			return 0
		}
	}
}

// value returns the next JSON value's bytes, valid until the next call.
// Only strings and brackets are followed; the syntax inside is checked by
// whoever decodes the value.
func (s *stream) value() ([]byte, error) {
	c := s.next()
	if c == 0 {
		return nil, s.readErr()
	}
	if c == '}' || c == ']' || c == ',' || c == ':' {
		return nil, s.errorf("expected a value, found %q", c)
	}
	start := s.pos
	i := s.pos
	depth := 0
	inStr, esc := false, false
	for {
		for ; i < s.end; i++ {
			c := s.buf[i]
			if inStr {
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = false
					if depth == 0 {
						s.pos = i + 1
						return s.buf[start:s.pos], nil
					}
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
				if depth > s.maxDepth {
					s.pos = i
					return nil, s.errorf("JSON nested deeper than %d levels", s.maxDepth)
				}
			case '}', ']':
				if depth == 0 { // the end of a number or literal
					s.pos = i
					return s.buf[start:i], nil
				}
				depth--
				if depth == 0 {
					s.pos = i + 1
					return s.buf[start:s.pos], nil
				}
			case ',', ' ', '\t', '\r', '\n':
				if depth == 0 {
					s.pos = i
					return s.buf[start:i], nil
				}
			}
		}
		// Need more input: keep the value read so far.
		rel := i - start
		s.pos = start
		if !s.fill(start) {
			if depth == 0 && !inStr && rel > 0 { // a number or literal at the end
				s.pos = s.end
				return s.buf[0:s.end], nil
			}
			return nil, s.readErr()
		}
		start = 0
		i = rel
	}
}

// expect consumes the byte c after blanks.
func (s *stream) expect(c byte, what string) error {
	got := s.next()
	if got == 0 {
		if s.err != nil && !errors.Is(s.err, io.EOF) {
			return s.readErr()
		}
		return s.errorf("unexpected end of input, expected %s", what)
	}
	if got != c {
		return s.errorf("expected %s, found %q", what, got)
	}
	s.pos++
	return nil
}
