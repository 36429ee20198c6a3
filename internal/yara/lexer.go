package yara

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Pos is a position in a rule source: file name, 1-based line and column.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// CompileError is a rule compilation error at a position.
type CompileError struct {
	Pos Pos
	Msg string
}

func (e *CompileError) Error() string { return fmt.Sprintf("%s: error: %s", e.Pos, e.Msg) }

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tStrID     // $name or $name* (with wildcard flag)
	tCountID   // #name
	tOffsetID  // @name
	tLengthID  // !name
	tString    // "text"
	tInt       // integer literal
	tFloat     // float literal
	tPunct     // operators and punctuation, text in s
	tKeyword   // reserved word, text in s
	tRegexp    // regex literal (lexed on demand)
	tHexString // hex string (lexed on demand)
	tIdentWild // identifier followed by * (rule set wildcard)
)

type token struct {
	kind tokKind
	s    string
	i    int64
	f    float64
	pos  Pos
	wild bool // $a* wildcard
}

// keywords maps each reserved word to itself, so that the lexer finds a
// keyword's string without allocating one.
var keywords = func() map[string]string {
	m := map[string]string{}
	for _, k := range strings.Fields(`all and any ascii at base64 base64wide condition contains endswith
		entrypoint false filesize for fullword global import icontains iendswith iequals in include
		istartswith matches meta nocase none not of or private rule startswith strings them true wide
		xor defined`) {
		m[k] = k
	}
	return m
}()

// maxLiteralLen bounds text strings and regular expressions: libyara's
// lexer buffer (YR_LEX_BUF_SIZE 8192) holds at most 8190 bytes of one.
const maxLiteralLen = 8190

type lexer struct {
	src  []byte // the source, or the window of it being lexed when read from rd
	file string
	off  int
	line int
	col  int
	// a source read as it is lexed (Source.Reader): rd is the rest (nil
	// once read), rerr the read error that ended it early; src keeps the
	// text from the current token on (see more and skipSpace)
	rd   io.Reader
	rerr error
	hold int // > 0 while the parser may move back (mark): no compaction
}

func newLexer(file string, src []byte, rd io.Reader) *lexer {
	return &lexer{src: src, rd: rd, file: file, line: 1, col: 1}
}

// lexChunk is what a streamed source is read by: the window holds the
// current token and at most a chunk or two past it, where reading the
// whole file first kept all of it in the heap while the rules compiled
// (7 MB for signature-base, plus the collector's headroom on top).
const lexChunk = 64 << 10

// more reads more of a streamed source into the window, after what it
// holds (offsets into it stay valid); false at the end of the source.
func (l *lexer) more() bool {
	for l.rd != nil {
		if cap(l.src)-len(l.src) < lexChunk/2 {
			w := make([]byte, len(l.src), max(2*cap(l.src), len(l.src)+lexChunk))
			copy(w, l.src)
			l.src = w
		}
		n, err := l.rd.Read(l.src[len(l.src):cap(l.src)])
		l.src = l.src[:len(l.src)+n]
		if err != nil {
			if err != io.EOF {
				l.rerr = err
			}
			l.rd = nil
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// compact drops the lexed text before the current token from the window
// of a streamed source. Only called between tokens, when no offset into
// the window is held (and not while the parser may move back).
func (l *lexer) compact() {
	if l.rd == nil || l.hold > 0 || l.off < lexChunk {
		return
	}
	n := copy(l.src, l.src[l.off:])
	l.src = l.src[:n]
	l.off = 0
}

// lexMark is a lexer position the parser can go back to.
type lexMark struct{ off, line, col int }

// mark returns the current position; until reset, the window keeps
// everything from it on.
func (l *lexer) mark() lexMark {
	l.hold++
	return lexMark{l.off, l.line, l.col}
}

// reset moves back to m.
func (l *lexer) reset(m lexMark) {
	l.hold--
	l.off, l.line, l.col = m.off, m.line, m.col
}

func (l *lexer) pos() Pos { return Pos{l.file, l.line, l.col} }

func (l *lexer) peekc() int {
	if l.off >= len(l.src) && !l.more() {
		return -1
	}
	return int(l.src[l.off])
}

func (l *lexer) peekAt(n int) int {
	for l.off+n >= len(l.src) {
		if !l.more() {
			return -1
		}
	}
	return int(l.src[l.off+n])
}

func (l *lexer) adv() byte {
	c := l.src[l.off]
	l.off++
	if c == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	return c
}

// advTo advances to offset end (not past the source), counting lines and
// columns as adv does.
func (l *lexer) advTo(end int) {
	seg := l.src[l.off:end]
	if k := bytes.LastIndexByte(seg, '\n'); k >= 0 {
		l.line += bytes.Count(seg, []byte{'\n'})
		l.col = len(seg) - k
	} else {
		l.col += len(seg)
	}
	l.off = end
}

// identEnd returns the offset after the identifier characters from i.
func (l *lexer) identEnd(i int) int {
	for (i < len(l.src) || l.more()) && isIdentChar(int(l.src[i])) {
		i++
	}
	return i
}

func (l *lexer) errf(p Pos, format string, a ...any) error {
	return &CompileError{Pos: p, Msg: fmt.Sprintf(format, a...)}
}

// skipSpace skips blanks and comments.
func (l *lexer) skipSpace() error {
	l.compact()
	for l.off < len(l.src) || l.more() {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			l.adv()
		case c == '/' && l.peekAt(1) == '/':
			for (l.off < len(l.src) || l.more()) && l.src[l.off] != '\n' {
				l.adv()
			}
		case c == '/' && l.peekAt(1) == '*':
			p := l.pos()
			l.adv()
			l.adv()
			for {
				if l.off >= len(l.src) && !l.more() {
					return l.errf(p, "unterminated comment")
				}
				if l.src[l.off] == '*' && l.peekAt(1) == '/' {
					l.adv()
					l.adv()
					break
				}
				l.adv()
			}
		default:
			return nil
		}
	}
	return nil
}

func isIdentStart(c int) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
func isIdentChar(c int) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }
func isDigit(c int) bool     { return c >= '0' && c <= '9' }

// puncts2 are the two-character operators, tried before the one-character
// ones of puncts1 (indexed by the character).
var (
	puncts2 = []string{"..", "<<", ">>", "<=", ">=", "==", "!="}
	puncts1 = func() (t [256]string) {
		for _, s := range []string{"(", ")", "[", "]", "{", "}", ",", ":", "=", "<", ">", "+", "-", "*", "\\", "%", "&", "|", "^", "~", ".", "/"} {
			t[s[0]] = s
		}
		return t
	}()
)

// next lexes the next ordinary token.
func (l *lexer) next() (token, error) {
	if err := l.skipSpace(); err != nil {
		return token{}, err
	}
	p := l.pos()
	c := l.peekc()
	if c < 0 {
		return token{kind: tEOF, pos: p}, nil
	}
	switch {
	case isIdentStart(c):
		start := l.off
		l.advTo(l.identEnd(start))
		b := l.src[start:l.off]
		if len(b) > 128 {
			return token{}, l.errf(p, "identifier %q too long (max 128)", string(b[:32])+"...")
		}
		if k, ok := keywords[string(b)]; ok {
			return token{kind: tKeyword, s: k, pos: p}, nil
		}
		// "r*" in a rule set is an identifier and a '*' token (libyara's
		// grammar), so that "var_one*3" is a multiplication
		return token{kind: tIdent, s: string(b), pos: p}, nil
	case c == '$' || c == '#' || c == '@' || (c == '!' && (isIdentChar(l.peekAt(1)) || l.peekAt(1) == '*' || l.peekAt(1) == '[' || l.peekAt(1) == ' ' || l.peekAt(1) == ')' || l.peekAt(1) < 0)):
		if c == '!' && l.peekAt(1) == '=' {
			break
		}
		l.adv()
		start := l.off
		l.advTo(l.identEnd(start))
		t := token{s: string(l.src[start:l.off]), pos: p}
		switch c {
		case '$':
			t.kind = tStrID
		case '#':
			t.kind = tCountID
		case '@':
			t.kind = tOffsetID
		case '!':
			t.kind = tLengthID
		}
		// only $name* is a wildcard token: #a*2, @a*2 and !a*2 multiply
		if c == '$' && l.peekc() == '*' {
			l.adv()
			t.wild = true
		}
		return t, nil
	case isDigit(c):
		return l.number()
	case c == '"':
		s, err := l.textString()
		if err != nil {
			return token{}, err
		}
		return token{kind: tString, s: s, pos: p}, nil
	}
	if d := l.peekAt(1); d >= 0 {
		for _, pu := range puncts2 {
			if pu[0] == byte(c) && pu[1] == byte(d) {
				l.adv()
				l.adv()
				return token{kind: tPunct, s: pu, pos: p}, nil
			}
		}
	}
	if pu := puncts1[c]; pu != "" {
		l.adv()
		return token{kind: tPunct, s: pu, pos: p}, nil
	}
	return token{}, l.errf(p, "unexpected character %q", rune(c))
}

func (l *lexer) number() (token, error) {
	p := l.pos()
	start := l.off
	if l.peekc() == '0' && (l.peekAt(1) == 'x' || l.peekAt(1) == 'X') {
		l.adv()
		l.adv()
		hs := l.off
		for {
			c := l.peekc()
			if isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') {
				l.adv()
				continue
			}
			break
		}
		if l.off == hs {
			return token{}, l.errf(p, "invalid hexadecimal number %q", string(l.src[start:l.off]))
		}
		v, err := strconv.ParseUint(string(l.src[hs:l.off]), 16, 64)
		if err != nil || v > math.MaxInt64 {
			return token{}, l.errf(p, "integer overflow in %q", string(l.src[start:l.off]))
		}
		return token{kind: tInt, i: int64(v), pos: p}, nil
	}
	if l.peekc() == '0' && l.peekAt(1) == 'o' {
		l.adv()
		l.adv()
		hs := l.off
		for c := l.peekc(); c >= '0' && c <= '7'; c = l.peekc() {
			l.adv()
		}
		if l.off == hs {
			return token{}, l.errf(p, "invalid octal number %q", string(l.src[start:l.off]))
		}
		v, err := strconv.ParseUint(string(l.src[hs:l.off]), 8, 64)
		if err != nil || v > math.MaxInt64 {
			return token{}, l.errf(p, "integer overflow in %q", string(l.src[start:l.off]))
		}
		return token{kind: tInt, i: int64(v), pos: p}, nil
	}
	for isDigit(l.peekc()) {
		l.adv()
	}
	if l.peekc() == '.' && isDigit(l.peekAt(1)) {
		l.adv()
		for isDigit(l.peekc()) {
			l.adv()
		}
		f, err := strconv.ParseFloat(string(l.src[start:l.off]), 64)
		if err != nil {
			return token{}, l.errf(p, "invalid number %q", string(l.src[start:l.off]))
		}
		return token{kind: tFloat, f: f, pos: p}, nil
	}
	v, err := strconv.ParseInt(string(l.src[start:l.off]), 10, 64)
	if err != nil {
		return token{}, l.errf(p, "integer overflow in %q", string(l.src[start:l.off]))
	}
	mul := int64(1)
	if l.peekc() == 'K' && l.peekAt(1) == 'B' {
		mul = 1024
	} else if l.peekc() == 'M' && l.peekAt(1) == 'B' {
		mul = 1024 * 1024
	}
	if mul > 1 {
		l.adv()
		l.adv()
		if v > math.MaxInt64/mul {
			return token{}, l.errf(p, "integer overflow in %q", string(l.src[start:l.off]))
		}
		v *= mul
	}
	if isIdentChar(l.peekc()) {
		return token{}, l.errf(p, "invalid number: unexpected %q after digits", rune(l.peekc()))
	}
	return token{kind: tInt, i: v, pos: p}, nil
}

// textString lexes a double-quoted string with YARA's escapes and returns
// the raw bytes as a Go string.
func (l *lexer) textString() (string, error) {
	b, err := l.textRaw()
	return string(b), err
}

// textBytes is textString for the text of a string definition, as bytes
// of its own (a literal pattern keeps them), without a string between.
func (l *lexer) textBytes() ([]byte, error) {
	if err := l.skipSpace(); err != nil {
		return nil, err
	}
	b, err := l.textRaw()
	return bytes.Clone(b), err
}

// textRaw lexes a text string; the bytes are the source's own when the
// text has no escape (most strings: no copy), to be copied by the caller.
func (l *lexer) textRaw() ([]byte, error) {
	p := l.pos()
	l.adv() // "
	if k := bytes.IndexAny(l.src[l.off:], "\"\\\n"); k >= 0 && k <= maxLiteralLen && l.src[l.off+k] == '"' {
		b := l.src[l.off : l.off+k]
		l.advTo(l.off + k + 1)
		return b, nil
	}
	var b []byte
	for {
		c := l.peekc()
		if c < 0 || c == '\n' {
			return nil, l.errf(p, "unterminated text string")
		}
		l.adv()
		if c == '"' {
			return b, nil
		}
		if c != '\\' {
			b = append(b, byte(c))
			if len(b) > maxLiteralLen {
				return nil, l.errf(p, "text string too long (max %d bytes, as libyara's lexer buffer)", maxLiteralLen)
			}
			continue
		}
		ep := l.pos()
		e := l.peekc()
		if e < 0 {
			return nil, l.errf(p, "unterminated text string")
		}
		l.adv()
		switch e {
		case 'n':
			b = append(b, '\n')
		case 't':
			b = append(b, '\t')
		case 'r':
			b = append(b, '\r')
		case '\\':
			b = append(b, '\\')
		case '"':
			b = append(b, '"')
		case 'x':
			h1, h2 := hexVal(l.peekc()), hexVal(l.peekAt(1))
			if h1 < 0 || h2 < 0 {
				return nil, l.errf(ep, `illegal escape sequence: \x must be followed by two hexadecimal digits`)
			}
			l.adv()
			l.adv()
			b = append(b, byte(h1<<4|h2))
		default:
			return nil, l.errf(ep, "illegal escape sequence \\%c in text string", rune(e))
		}
		if len(b) > maxLiteralLen {
			return nil, l.errf(p, "text string too long (max %d bytes, as libyara's lexer buffer)", maxLiteralLen)
		}
	}
}

func hexVal(c int) int {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return -1
}

// regexLiteral lexes /.../flags starting at the current position (after
// skipping space). It returns the body (escapes kept) and flags.
func (l *lexer) regexLiteral() (body string, nocase, dotall bool, p Pos, err error) {
	if err = l.skipSpace(); err != nil {
		return
	}
	p = l.pos()
	if l.peekc() != '/' {
		err = l.errf(p, "expected a regular expression /.../")
		return
	}
	l.adv()
	start := l.off
	inClass := false
	for {
		c := l.peekc()
		if c < 0 || c == '\n' {
			err = l.errf(p, "unterminated regular expression")
			return
		}
		if c == '\\' {
			l.adv()
			if l.peekc() < 0 || l.peekc() == '\n' {
				err = l.errf(p, "unterminated regular expression")
				return
			}
			l.adv()
			continue
		}
		if c == '[' {
			inClass = true
		} else if c == ']' {
			inClass = false
		}
		if c == '/' && !inClass {
			break
		}
		l.adv()
	}
	body = string(l.src[start:l.off])
	if len(body) > maxLiteralLen {
		err = l.errf(p, "regular expression too long (max %d bytes, as libyara's lexer buffer)", maxLiteralLen)
		return
	}
	l.adv()
	for {
		c := l.peekc()
		if c == 'i' {
			nocase = true
		} else if c == 's' {
			dotall = true
		} else {
			break
		}
		l.adv()
	}
	if isIdentChar(l.peekc()) {
		err = l.errf(l.pos(), "unknown regular expression modifier %q", rune(l.peekc()))
	}
	return
}

// hexLiteral lexes { ... } hex string body, comments removed.
func (l *lexer) hexLiteral() (string, Pos, error) {
	if err := l.skipSpace(); err != nil {
		return "", Pos{}, err
	}
	p := l.pos()
	l.adv() // {
	// without a comment, the body is the text up to the brace
	if k := bytes.IndexAny(l.src[l.off:], "}/"); k >= 0 && l.src[l.off+k] == '}' {
		body := string(l.src[l.off : l.off+k])
		l.advTo(l.off + k + 1)
		return body, p, nil
	}
	var b []byte
	for {
		c := l.peekc()
		if c < 0 {
			return "", p, l.errf(p, "unterminated hex string")
		}
		if c == '}' {
			break
		}
		if c == '/' && l.peekAt(1) == '/' {
			for (l.off < len(l.src) || l.more()) && l.src[l.off] != '\n' {
				l.adv()
			}
			continue
		}
		if c == '/' && l.peekAt(1) == '*' {
			l.adv()
			l.adv()
			for (l.off < len(l.src) || l.more()) && !(l.src[l.off] == '*' && l.peekAt(1) == '/') {
				l.adv()
			}
			if l.off >= len(l.src) && !l.more() {
				return "", p, l.errf(p, "unterminated comment in hex string")
			}
			l.adv()
			l.adv()
			b = append(b, ' ')
			continue
		}
		b = append(b, l.adv())
	}
	l.adv()
	return string(b), p, nil
}
