package stix

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the pattern parser. A pattern beyond them is malformed; real
// patterns are far below (the longest in ATT&CK and OpenCTI exports are a
// few kilobytes).
const (
	MaxPatternLen   = 1 << 20 // bytes
	MaxPatternDepth = 100     // nested parentheses and brackets
)

// Pattern is a parsed STIX pattern: observation expressions joined by AND,
// OR and FOLLOWEDBY, each a comparison expression in square brackets.
type Pattern struct {
	Root ObsExpr
}

// ObsExpr is an observation expression: *Observation, *ObsBinary or
// *ObsQualified.
type ObsExpr interface{ obsExpr() }

// Observation is "[ comparison-expression ]".
type Observation struct {
	Expr CompExpr
}

// ObsBinary joins two observation expressions with "AND", "OR" or
// "FOLLOWEDBY".
type ObsBinary struct {
	Op   string
	L, R ObsExpr
}

// ObsQualified is an observation expression with a qualifier: Qualifier is
// "WITHIN", "REPEATS" or "START"; Text is the qualifier as written
// ("WITHIN 300 SECONDS").
type ObsQualified struct {
	Expr      ObsExpr
	Qualifier string
	Text      string
}

func (*Observation) obsExpr()  {}
func (*ObsBinary) obsExpr()    {}
func (*ObsQualified) obsExpr() {}

// CompExpr is a comparison expression: *CompBinary, *Comparison or *Exists.
type CompExpr interface{ compExpr() }

// CompBinary joins two comparison expressions with "AND" or "OR".
type CompBinary struct {
	Op   string
	L, R CompExpr
}

// Comparison is "object-path [NOT] op value": Op is one of = != > < >= <=
// IN LIKE MATCHES ISSUBSET ISSUPERSET. For IN, Set holds the values;
// otherwise Value.
type Comparison struct {
	Path  ObjectPath
	Not   bool
	Op    string
	Value Literal
	Set   []Literal
	Text  string // the comparison as written, for messages
}

// Exists is "[NOT] EXISTS object-path".
type Exists struct {
	Path ObjectPath
	Not  bool
	Text string
}

func (*CompBinary) compExpr() {}
func (*Comparison) compExpr() {}
func (*Exists) compExpr()     {}

// ObjectPath is "type:property.key[index]...". Steps are the property
// names and list indexes after the colon; an index step has Index set and
// Key empty ("*" is Any).
type ObjectPath struct {
	Type  string
	Steps []PathStep
}

// PathStep is one step of an object path.
type PathStep struct {
	Key   string
	Index int
	IsIdx bool
	Any   bool
}

// String gives the path in the canonical form Vigie writes:
// file:hashes.'SHA-256', email-message:to_refs[*].value.
func (p ObjectPath) String() string {
	var b strings.Builder
	b.WriteString(p.Type)
	b.WriteByte(':')
	for i, s := range p.Steps {
		switch {
		case s.Any:
			b.WriteString("[*]")
		case s.IsIdx:
			fmt.Fprintf(&b, "[%d]", s.Index)
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			if isIdent(s.Key) {
				b.WriteString(s.Key)
			} else {
				b.WriteString(quote(s.Key))
			}
		}
	}
	return b.String()
}

// Literal kinds.
const (
	LitString    = "string"
	LitInt       = "int"
	LitFloat     = "float"
	LitBool      = "bool"
	LitBinary    = "binary"
	LitHex       = "hex"
	LitTimestamp = "timestamp"
)

// Literal is a constant of a comparison. Text is the decoded value: the
// string without quotes and escapes, the number as written, the bytes of
// b'...' and h'...' literals, the timestamp as written.
type Literal struct {
	Kind string
	Text string
}

// quote writes s as a STIX string literal: in single quotes, with \' and
// \\ the only escapes.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\'' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('\'')
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// PatternError is a syntax error in a pattern, at byte offset Pos.
type PatternError struct {
	Pos int
	Msg string
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("pattern syntax error at byte %d: %s", e.Pos, e.Msg)
}

// token kinds
const (
	tEOF = iota
	tIdent
	tString
	tInt
	tFloat
	tBinary
	tHex
	tTimestamp
	tBool
	tKeyword
	tPunct // [ ] ( ) : . , *
	tOp    // = != > < >= <=
)

type token struct {
	kind int
	text string // decoded value, keyword, punctuation or operator
	pos  int
}

var keywords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "FOLLOWEDBY": true, "LIKE": true, "MATCHES": true,
	"ISSUPERSET": true, "ISSUBSET": true, "EXISTS": true, "LAST": true, "IN": true, "START": true,
	"STOP": true, "SECONDS": true, "WITHIN": true, "REPEATS": true, "TIMES": true,
}

type lexer struct {
	src string
	pos int
}

func (l *lexer) errf(pos int, format string, args ...any) error {
	return &PatternError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func isSpaceAt(s string, i int) (int, bool) {
	c := s[i]
	if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f' {
		return 1, true
	}
	if c < utf8.RuneSelf {
		return 0, false
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	switch r {
	case 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return n, true
	}
	if r >= 0x2000 && r <= 0x200a {
		return n, true
	}
	return 0, false
}

func (l *lexer) skip() error {
	for l.pos < len(l.src) {
		if n, ok := isSpaceAt(l.src, l.pos); ok {
			l.pos += n
			continue
		}
		if strings.HasPrefix(l.src[l.pos:], "/*") {
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end < 0 {
				return l.errf(l.pos, "comment not closed")
			}
			l.pos += 2 + end + 2
			continue
		}
		if strings.HasPrefix(l.src[l.pos:], "//") {
			end := strings.IndexAny(l.src[l.pos:], "\r\n")
			if end < 0 {
				l.pos = len(l.src)
			} else {
				l.pos += end
			}
			continue
		}
		break
	}
	return nil
}

// quoted reads a '...' literal starting at the quote at l.pos and returns
// its decoded content.
func (l *lexer) quoted(start int) (string, error) {
	var b strings.Builder
	i := l.pos + 1
	for {
		if i >= len(l.src) {
			return "", l.errf(start, "string not closed")
		}
		c := l.src[i]
		switch c {
		case '\'':
			l.pos = i + 1
			return b.String(), nil
		case '\\':
			if i+1 >= len(l.src) {
				return "", l.errf(start, "string not closed")
			}
			n := l.src[i+1]
			if n != '\'' && n != '\\' {
				return "", l.errf(i, "bad escape \\%c in string (only \\' and \\\\ are allowed)", n)
			}
			b.WriteByte(n)
			i += 2
		default:
			b.WriteByte(c)
			i++
		}
	}
}

func (l *lexer) next() (token, error) {
	if err := l.skip(); err != nil {
		return token{}, err
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	s := l.src
	c := s[l.pos]
	switch {
	case c == '\'':
		v, err := l.quoted(start)
		return token{kind: tString, text: v, pos: start}, err
	case (c == 'b' || c == 'h' || c == 't') && l.pos+1 < len(s) && s[l.pos+1] == '\'':
		l.pos++
		v, err := l.quoted(start)
		if err != nil {
			return token{}, err
		}
		switch c {
		case 'b':
			d, err := base64.StdEncoding.Strict().DecodeString(v)
			if err != nil || v == "" {
				return token{}, l.errf(start, "bad base64 binary literal b'%s'", short(v))
			}
			return token{kind: tBinary, text: string(d), pos: start}, nil
		case 'h':
			d, err := hex.DecodeString(v)
			if err != nil {
				return token{}, l.errf(start, "bad hex literal h'%s'", short(v))
			}
			return token{kind: tHex, text: string(d), pos: start}, nil
		default:
			if !validTimestamp(v) {
				return token{}, l.errf(start, "bad timestamp literal t'%s' (want t'YYYY-MM-DDThh:mm:ss[.s+]Z')", short(v))
			}
			return token{kind: tTimestamp, text: v, pos: start}, nil
		}
	case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		i := l.pos + 1
		for i < len(s) && (s[i] == '_' || s[i] == '-' || 'a' <= s[i] && s[i] <= 'z' || 'A' <= s[i] && s[i] <= 'Z' || '0' <= s[i] && s[i] <= '9') {
			i++
		}
		w := s[l.pos:i]
		l.pos = i
		if keywords[w] {
			return token{kind: tKeyword, text: w, pos: start}, nil
		}
		if w == "true" || w == "false" {
			return token{kind: tBool, text: w, pos: start}, nil
		}
		return token{kind: tIdent, text: w, pos: start}, nil
	case c == '+' || c == '-' || c == '.' && l.pos+1 < len(s) && isDigit(s[l.pos+1]) || isDigit(c):
		return l.number(start)
	}
	for _, op := range [...]string{"==", "!=", "<>", "<=", ">=", "=", "<", ">"} {
		if strings.HasPrefix(s[l.pos:], op) {
			l.pos += len(op)
			switch op {
			case "==":
				op = "="
			case "<>":
				op = "!="
			}
			return token{kind: tOp, text: op, pos: start}, nil
		}
	}
	if strings.IndexByte("[]():.,*", c) >= 0 {
		l.pos++
		return token{kind: tPunct, text: string(c), pos: start}, nil
	}
	r, _ := utf8.DecodeRuneInString(s[l.pos:])
	return token{}, l.errf(start, "unexpected character %q", r)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (l *lexer) number(start int) (token, error) {
	s := l.src
	i := l.pos
	if s[i] == '+' || s[i] == '-' {
		i++
	}
	digits := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[digits:i]
	kind := tInt
	if i < len(s) && s[i] == '.' && i+1 < len(s) && isDigit(s[i+1]) {
		kind = tFloat
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	} else if intPart == "" {
		return token{}, l.errf(start, "a number needs digits")
	} else if len(intPart) > 1 && intPart[0] == '0' {
		return token{}, l.errf(start, "an integer has no leading zero")
	}
	text := s[l.pos:i]
	l.pos = i
	if kind == tInt {
		if _, err := strconv.ParseInt(strings.TrimPrefix(text, "+"), 10, 64); err != nil {
			return token{}, l.errf(start, "integer %s out of range", short(text))
		}
	}
	return token{kind: kind, text: text, pos: start}, nil
}

// validTimestamp checks the STIX pattern timestamp form
// YYYY-MM-DDThh:mm:ss[.fraction]Z (the grammar allows a leap second 60).
func validTimestamp(v string) bool {
	if len(v) < 20 || v[len(v)-1] != 'Z' || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' {
		return false
	}
	for _, i := range []int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18} {
		if !isDigit(v[i]) {
			return false
		}
	}
	rest := v[19 : len(v)-1]
	if rest != "" {
		if rest[0] != '.' || len(rest) < 2 {
			return false
		}
		for i := 1; i < len(rest); i++ {
			if !isDigit(rest[i]) {
				return false
			}
		}
	}
	sec := v[17:19]
	check := v[:19] + "Z"
	if sec == "60" {
		check = v[:17] + "59Z"
	}
	_, err := time.Parse("2006-01-02T15:04:05Z", check)
	return err == nil
}

func short(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// parser is a recursive-descent parser for the STIX patterning grammar
// (STIXPattern.g4 of the OASIS cti-stix2-json-schemas). Binary operators
// are parsed with loops (left-associative), so recursion depth grows only
// with parentheses, which depth bounds.
type parser struct {
	lex   lexer
	tok   token
	depth int
}

// ParsePattern parses a STIX 2.1 pattern. The error, a *PatternError, gives
// the byte offset and the problem.
func ParsePattern(src string) (*Pattern, error) {
	if len(src) > MaxPatternLen {
		return nil, &PatternError{Pos: 0, Msg: fmt.Sprintf("pattern is %d bytes long, more than the %d allowed", len(src), MaxPatternLen)}
	}
	if !utf8.ValidString(src) {
		return nil, &PatternError{Pos: 0, Msg: "pattern is not valid UTF-8"}
	}
	p := &parser{lex: lexer{src: src}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, &PatternError{Pos: 0, Msg: "empty pattern"}
	}
	root, err := p.obsExprs()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("the end of the pattern")
	}
	return &Pattern{Root: root}, nil
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) is(kind int, text string) bool { return p.tok.kind == kind && p.tok.text == text }

func (p *parser) unexpected(want string) error {
	got := "end of pattern"
	switch p.tok.kind {
	case tEOF:
	case tString:
		got = "string " + quote(short(p.tok.text))
	default:
		got = fmt.Sprintf("%q", short(p.tok.text))
	}
	return &PatternError{Pos: p.tok.pos, Msg: fmt.Sprintf("expected %s, found %s", want, got)}
}

func (p *parser) expect(kind int, text string) error {
	if !p.is(kind, text) {
		return p.unexpected(fmt.Sprintf("%q", text))
	}
	return p.advance()
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxPatternDepth {
		return &PatternError{Pos: p.tok.pos, Msg: fmt.Sprintf("pattern nested deeper than %d levels", MaxPatternDepth)}
	}
	return nil
}

// obsExprs: obsOr (FOLLOWEDBY obsOr)*
func (p *parser) obsExprs() (ObsExpr, error) {
	return p.obsBinary("FOLLOWEDBY", func() (ObsExpr, error) {
		return p.obsBinary("OR", func() (ObsExpr, error) {
			return p.obsBinary("AND", p.obsQualified)
		})
	})
}

func (p *parser) obsBinary(op string, sub func() (ObsExpr, error)) (ObsExpr, error) {
	l, err := sub()
	if err != nil {
		return nil, err
	}
	for p.is(tKeyword, op) {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := sub()
		if err != nil {
			return nil, err
		}
		l = &ObsBinary{Op: op, L: l, R: r}
	}
	return l, nil
}

// obsQualified: obsPrimary qualifier*
func (p *parser) obsQualified() (ObsExpr, error) {
	e, err := p.obsPrimary()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tKeyword {
		start := p.tok.pos
		switch p.tok.text {
		case "WITHIN":
			if err := p.advance(); err != nil {
				return nil, err
			}
			if (p.tok.kind != tInt && p.tok.kind != tFloat) || strings.HasPrefix(p.tok.text, "-") {
				return nil, p.unexpected("a positive number of seconds after WITHIN")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			if !p.is(tKeyword, "SECONDS") {
				return nil, p.unexpected("SECONDS")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			e = &ObsQualified{Expr: e, Qualifier: "WITHIN", Text: p.text(start)}
		case "REPEATS":
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.tok.kind != tInt || strings.HasPrefix(p.tok.text, "-") {
				return nil, p.unexpected("a positive integer after REPEATS")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			if !p.is(tKeyword, "TIMES") {
				return nil, p.unexpected("TIMES")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			e = &ObsQualified{Expr: e, Qualifier: "REPEATS", Text: p.text(start)}
		case "START":
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.tok.kind != tTimestamp {
				return nil, p.unexpected("a t'...' timestamp after START")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			if !p.is(tKeyword, "STOP") {
				return nil, p.unexpected("STOP")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.tok.kind != tTimestamp {
				return nil, p.unexpected("a t'...' timestamp after STOP")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			e = &ObsQualified{Expr: e, Qualifier: "START", Text: p.text(start)}
		default:
			return e, nil
		}
	}
	return e, nil
}

// text returns the source from start to the current token, trimmed.
func (p *parser) text(start int) string {
	end := p.tok.pos
	if p.tok.kind == tEOF {
		end = len(p.lex.src)
	}
	return strings.TrimSpace(p.lex.src[start:end])
}

// obsPrimary: '[' compOr ']' | '(' obsExprs ')'
func (p *parser) obsPrimary() (ObsExpr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	switch {
	case p.is(tPunct, "["):
		if err := p.advance(); err != nil {
			return nil, err
		}
		c, err := p.compOr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tPunct, "]"); err != nil {
			return nil, err
		}
		return &Observation{Expr: c}, nil
	case p.is(tPunct, "("):
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := p.obsExprs()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tPunct, ")"); err != nil {
			return nil, err
		}
		return e, nil
	}
	return nil, p.unexpected("'[' or '(' to start an observation expression")
}

func (p *parser) compOr() (CompExpr, error) {
	l, err := p.compAnd()
	if err != nil {
		return nil, err
	}
	for p.is(tKeyword, "OR") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.compAnd()
		if err != nil {
			return nil, err
		}
		l = &CompBinary{Op: "OR", L: l, R: r}
	}
	return l, nil
}

func (p *parser) compAnd() (CompExpr, error) {
	l, err := p.propTest()
	if err != nil {
		return nil, err
	}
	for p.is(tKeyword, "AND") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.propTest()
		if err != nil {
			return nil, err
		}
		l = &CompBinary{Op: "AND", L: l, R: r}
	}
	return l, nil
}

func (p *parser) propTest() (CompExpr, error) {
	start := p.tok.pos
	if p.is(tPunct, "(") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		if err := p.advance(); err != nil {
			return nil, err
		}
		c, err := p.compOr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tPunct, ")"); err != nil {
			return nil, err
		}
		return c, nil
	}
	not := false
	if p.is(tKeyword, "NOT") {
		not = true
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.is(tKeyword, "EXISTS") {
			return nil, p.unexpected("EXISTS after a leading NOT")
		}
	}
	if p.is(tKeyword, "EXISTS") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		path, err := p.objectPath()
		if err != nil {
			return nil, err
		}
		return &Exists{Path: path, Not: not, Text: p.text(start)}, nil
	}
	path, err := p.objectPath()
	if err != nil {
		return nil, err
	}
	c := &Comparison{Path: path}
	if p.is(tKeyword, "NOT") {
		c.Not = true
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	switch {
	case p.tok.kind == tOp:
		c.Op = p.tok.text
		if err := p.advance(); err != nil {
			return nil, err
		}
		lit, err := p.literal()
		if err != nil {
			return nil, err
		}
		if c.Op != "=" && c.Op != "!=" && lit.Kind == LitBool {
			return nil, &PatternError{Pos: p.tok.pos, Msg: fmt.Sprintf("%s needs an orderable value, not a boolean", c.Op)}
		}
		c.Value = lit
	case p.is(tKeyword, "IN"):
		c.Op = "IN"
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.expect(tPunct, "("); err != nil {
			return nil, err
		}
		if !p.is(tPunct, ")") {
			for {
				lit, err := p.literal()
				if err != nil {
					return nil, err
				}
				c.Set = append(c.Set, lit)
				if !p.is(tPunct, ",") {
					break
				}
				if err := p.advance(); err != nil {
					return nil, err
				}
			}
		}
		if err := p.expect(tPunct, ")"); err != nil {
			return nil, err
		}
	case p.tok.kind == tKeyword && (p.tok.text == "LIKE" || p.tok.text == "MATCHES" || p.tok.text == "ISSUBSET" || p.tok.text == "ISSUPERSET"):
		c.Op = p.tok.text
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind != tString {
			return nil, p.unexpected("a string after " + c.Op)
		}
		c.Value = Literal{Kind: LitString, Text: p.tok.text}
		if err := p.advance(); err != nil {
			return nil, err
		}
	default:
		return nil, p.unexpected("a comparison operator (=, !=, <, >, <=, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)")
	}
	c.Text = p.text(start)
	return c, nil
}

func (p *parser) literal() (Literal, error) {
	var k string
	switch p.tok.kind {
	case tString:
		k = LitString
	case tInt:
		k = LitInt
	case tFloat:
		k = LitFloat
	case tBool:
		k = LitBool
	case tBinary:
		k = LitBinary
	case tHex:
		k = LitHex
	case tTimestamp:
		k = LitTimestamp
	default:
		return Literal{}, p.unexpected("a value (string, number, boolean, b'...', h'...' or t'...')")
	}
	lit := Literal{Kind: k, Text: p.tok.text}
	return lit, p.advance()
}

// objectPath: type ':' first ('.' key | '[' index ']')*
func (p *parser) objectPath() (ObjectPath, error) {
	var path ObjectPath
	if p.tok.kind != tIdent {
		return path, p.unexpected("an object type such as file or domain-name")
	}
	path.Type = p.tok.text
	if err := p.advance(); err != nil {
		return path, err
	}
	if err := p.expect(tPunct, ":"); err != nil {
		return path, err
	}
	switch p.tok.kind {
	case tIdent:
		if strings.Contains(p.tok.text, "-") {
			return path, &PatternError{Pos: p.tok.pos, Msg: fmt.Sprintf("property name %q has a hyphen: quote it", p.tok.text)}
		}
		path.Steps = append(path.Steps, PathStep{Key: p.tok.text})
	case tString:
		path.Steps = append(path.Steps, PathStep{Key: p.tok.text})
	default:
		return path, p.unexpected("a property name after " + path.Type + ":")
	}
	if err := p.advance(); err != nil {
		return path, err
	}
	for {
		if len(path.Steps) > 64 {
			return path, &PatternError{Pos: p.tok.pos, Msg: "object path longer than 64 steps"}
		}
		switch {
		case p.is(tPunct, "."):
			if err := p.advance(); err != nil {
				return path, err
			}
			switch p.tok.kind {
			case tIdent:
				if strings.Contains(p.tok.text, "-") {
					return path, &PatternError{Pos: p.tok.pos, Msg: fmt.Sprintf("property name %q has a hyphen: quote it", p.tok.text)}
				}
			case tString:
			default:
				return path, p.unexpected("a property name after '.'")
			}
			path.Steps = append(path.Steps, PathStep{Key: p.tok.text})
			if err := p.advance(); err != nil {
				return path, err
			}
		case p.is(tPunct, "["):
			if err := p.advance(); err != nil {
				return path, err
			}
			switch {
			case p.is(tPunct, "*"):
				path.Steps = append(path.Steps, PathStep{IsIdx: true, Any: true})
			case p.tok.kind == tInt:
				n, _ := strconv.Atoi(strings.TrimPrefix(p.tok.text, "+"))
				path.Steps = append(path.Steps, PathStep{IsIdx: true, Index: n})
			default:
				return path, p.unexpected("a list index or '*'")
			}
			if err := p.advance(); err != nil {
				return path, err
			}
			if err := p.expect(tPunct, "]"); err != nil {
				return path, err
			}
		default:
			return path, nil
		}
	}
}
