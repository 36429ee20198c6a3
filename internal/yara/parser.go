package yara

import (
	"fmt"
	"io"
	"math"
)

// maxDepth bounds the nesting of expressions so hostile rules cannot
// exhaust the stack. A parenthesis counts two: about 10,000 nested
// parentheses, where libyara's parser stack ends ("memory exhausted").
const maxDepth = 20000

// maxReDepth bounds the nesting of groups in regular expressions and hex
// strings (libyara accepts thousands).
const maxReDepth = 5000

// maxStringsPerRule is libyara's YR_MAX_STRINGS_PER_RULE default.
const maxStringsPerRule = 10000

type nodeKind uint8

const (
	nInt nodeKind = iota
	nFloat
	nStr
	nRegex
	nFilesize
	nEntrypoint
	nStrMatch  // $a, $a at x, $a in (r)
	nStrCount  // #a, #a in (r)
	nStrOffset // @a, @a[i]
	nStrLength // !a, !a[i]
	nAnd
	nOr
	nNot
	nDefined
	nBin // binary op in op
	nNeg
	nBitNot
	nIntRead // uint8(x) ... name in s
	nIdent
	nField
	nIndex
	nCall
	nOf    // quantifier of set
	nForOf // for quant of set : (expr)
	nForIn // for quant vars in iterable : (expr)
	nRange // (a..b)
	nList  // (a, b, c) in for-in
	// resolved kinds
	nLoopVar
	nRuleRef
	nExternal
	nModule
)

// A condition of a large rule set is tens of thousands of nodes (the
// outside rule sets of issue 12: 75,000), so fields that few kinds use
// share room: a float constant keeps its bits in i (see fval), and a
// string reference ($a, #a, @a, !a) its identifier in s.
type node struct {
	kind nodeKind
	sidx int32 // string references: resolved string index in rule (-1 = anonymous)
	pos  Pos
	op   string
	s    string // string references: identifier without $ ("" = anonymous in loop)
	i    int64  // nFloat: math.Float64bits of the value
	a, b *node  // operands; for nStrMatch a=at, b=in-range
	list []*node
	re   *regexProg
	// the quantifier of nOf, nForOf and nForIn nodes; nil in every other
	// node (a condition tree is mostly other nodes, and these fields
	// doubled the size of each)
	*quantFields
}

// isStrRef reports whether n names a string ($a, #a, @a, !a).
func (n *node) isStrRef() bool {
	return n.kind == nStrMatch || n.kind == nStrCount || n.kind == nStrOffset || n.kind == nStrLength
}

// fval is the value of an nFloat node.
func (n *node) fval() float64 { return math.Float64frombits(uint64(n.i)) }

// quantFields are the fields of a node with a quantifier and a set or
// loop variables.
type quantFields struct {
	quant     *node // nil with qAll/qAny/qNone
	qkind     string
	percent   bool
	set       []strRef // string set (resolved)
	ruleSet   []int    // rule set (resolved, global rule indices)
	isRuleSet bool
	vars      []string
	varBase   int // first loop variable slot
	setPats   []setPat
}

func (q *quantFields) empty() bool {
	return q.quant == nil && q.qkind == "" && !q.percent && q.set == nil && q.ruleSet == nil && !q.isRuleSet && q.vars == nil && q.varBase == 0 && q.setPats == nil
}

// quantNode returns n's quantifier expression, nil for nodes without one.
func (n *node) quantNode() *node {
	if n.quantFields == nil {
		return nil
	}
	return n.quant
}

type setPat struct {
	name string
	wild bool
}

// strRef is a resolved string reference in a set.
type strRef int

// Meta is one metadata entry of a rule: Value is string, int64 or bool.
type Meta struct {
	Key   string
	Value any
}

type strKind int

const (
	skText strKind = iota
	skHex
	skRegex
)

type stringDef struct {
	id       string
	pos      Pos
	kind     strKind
	text     []byte
	body     string // hex or regex source
	nocaseRe bool
	dotall   bool
	// modifiers
	nocase, ascii, wide, fullword, private bool
	xor                                    bool
	xorMin, xorMax                         int
	b64, b64wide                           bool
	b64alpha, b64wideAlpha                 string
}

type ruleDef struct {
	name      string
	namespace string
	tags      []string
	meta      []Meta
	private   bool
	global    bool
	strs      []*stringDef
	cond      *node
	pos       Pos
	imports   map[string]bool
}

type includeRef struct {
	path string
	pos  Pos
}

type parser struct {
	lx *lexer
	mi *metaIntern // nil: metadata not interned
	// metaBuf collects the metadata of the rule being parsed
	metaBuf []Meta
	tok     token
	have    bool
	depth   int
	noOf    int // > 0 while parsing a "for" quantifier: "of" ends it
}

func (p *parser) peek() (token, error) {
	if !p.have {
		t, err := p.lx.next()
		if err != nil {
			return t, err
		}
		p.tok = t
		p.have = true
	}
	return p.tok, nil
}

func (p *parser) nextTok() (token, error) {
	t, err := p.peek()
	p.have = false
	return t, err
}

func (p *parser) errf(pos Pos, format string, a ...any) error {
	return &CompileError{Pos: pos, Msg: fmt.Sprintf(format, a...)}
}

func tokDesc(t token) string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tIdent, tKeyword, tPunct:
		return fmt.Sprintf("%q", t.s)
	case tIdentWild:
		return fmt.Sprintf("%q", t.s+"*")
	case tStrID:
		return "string identifier $" + t.s
	case tCountID:
		return "#" + t.s
	case tOffsetID:
		return "@" + t.s
	case tLengthID:
		return "!" + t.s
	case tString:
		return "text string"
	case tInt, tFloat:
		return "number"
	}
	return "token"
}

func (p *parser) expect(kind tokKind, s string) (token, error) {
	t, err := p.nextTok()
	if err != nil {
		return t, err
	}
	if t.kind != kind || (s != "" && t.s != s) {
		want := s
		if want == "" {
			switch kind {
			case tIdent:
				want = "identifier"
			case tString:
				want = "text string"
			case tInt:
				want = "integer"
			}
		}
		return t, p.errf(t.pos, "syntax error: expected %s, found %s", want, tokDesc(t))
	}
	return t, nil
}

func (p *parser) isP(s string) bool {
	t, err := p.peek()
	return err == nil && t.kind == tPunct && t.s == s
}

func (p *parser) isK(s string) bool {
	t, err := p.peek()
	return err == nil && t.kind == tKeyword && t.s == s
}

// parseFile parses a whole rule source.
// metaIntern shares the metadata keys and string values that repeat
// across the rules of one compile (signature-base: 43,700 metadata of 183
// keys, 25,000 of them repeating a value such as an author or a date), so
// that the compiled rules keep one copy of each.
type metaIntern struct {
	keys map[string]string
	vals map[string]any
}

func (mi *metaIntern) key(k string) string {
	if mi == nil {
		return k
	}
	if s, ok := mi.keys[k]; ok {
		return s
	}
	if mi.keys == nil {
		mi.keys = map[string]string{}
	}
	mi.keys[k] = k
	return k
}

// value returns v boxed, the same box for equal values.
func (mi *metaIntern) value(v string) any {
	if mi == nil {
		return v
	}
	if x, ok := mi.vals[v]; ok {
		return x
	}
	if mi.vals == nil {
		mi.vals = map[string]any{}
	}
	var x any = v
	mi.vals[v] = x
	return x
}

// parseItems parses src and hands each top-level item (importItem,
// includeRef or *ruleDef) to fn as soon as it is parsed, so that a caller
// that compiles rule by rule never holds the syntax of the whole file:
// for the signature-base set (7 MB of rules in one file) the parsed
// strings of all rules were about 20 MB of heap at once. The first error,
// of the parser or of fn, stops it, as libyara stops at the first error
// in source order.
//
// With rd non-nil, the source is read from rd as it is lexed (src is nil).
func parseItems(name string, src []byte, rd io.Reader, namespace string, mi *metaIntern, fn func(any) error) error {
	p := &parser{lx: newLexer(name, src, rd), mi: mi}
	err := p.items(namespace, fn)
	if p.lx.rerr != nil {
		// the source ended early: report that, not the syntax error it made
		return fmt.Errorf("%s: reading rules: %w", name, p.lx.rerr)
	}
	return err
}

func (p *parser) items(namespace string, fn func(any) error) error {
	for {
		t, err := p.peek()
		if err != nil {
			return err
		}
		if t.kind == tEOF {
			return nil
		}
		var it any
		switch {
		case t.kind == tKeyword && t.s == "import":
			p.nextTok()
			s, err := p.expect(tString, "")
			if err != nil {
				return err
			}
			it = importItem{name: s.s, pos: s.pos}
		case t.kind == tKeyword && t.s == "include":
			p.nextTok()
			s, err := p.expect(tString, "")
			if err != nil {
				return err
			}
			it = includeRef{s.s, s.pos}
		case t.kind == tKeyword && (t.s == "rule" || t.s == "private" || t.s == "global"):
			r, err := p.parseRule()
			if err != nil {
				return err
			}
			r.namespace = namespace
			it = r
		default:
			return p.errf(t.pos, "syntax error: expected rule, import or include, found %s", tokDesc(t))
		}
		if err := fn(it); err != nil {
			return err
		}
	}
}

type importItem struct {
	name string
	pos  Pos
}

func (p *parser) parseRule() (*ruleDef, error) {
	r := &ruleDef{}
	for {
		t, err := p.nextTok()
		if err != nil {
			return nil, err
		}
		if t.kind == tKeyword && t.s == "private" {
			r.private = true
			continue
		}
		if t.kind == tKeyword && t.s == "global" {
			r.global = true
			continue
		}
		if t.kind == tKeyword && t.s == "rule" {
			break
		}
		return nil, p.errf(t.pos, "syntax error: expected \"rule\", found %s", tokDesc(t))
	}
	name, err := p.nextTok()
	if err != nil {
		return nil, err
	}
	if name.kind != tIdent {
		return nil, p.errf(name.pos, "syntax error: expected rule name, found %s", tokDesc(name))
	}
	r.name = name.s
	r.pos = name.pos
	if p.isP(":") {
		p.nextTok()
		for {
			t, err := p.peek()
			if err != nil {
				return nil, err
			}
			if t.kind != tIdent {
				break
			}
			p.nextTok()
			for _, x := range r.tags {
				if x == t.s {
					return nil, p.errf(t.pos, "duplicate tag %q", t.s)
				}
			}
			r.tags = append(r.tags, t.s)
		}
		if len(r.tags) == 0 {
			t, _ := p.peek()
			return nil, p.errf(t.pos, "syntax error: expected tag after ':'")
		}
	}
	if _, err := p.expect(tPunct, "{"); err != nil {
		return nil, err
	}
	if p.isK("meta") {
		p.nextTok()
		if _, err := p.expect(tPunct, ":"); err != nil {
			return nil, err
		}
		for {
			t, err := p.peek()
			if err != nil {
				return nil, err
			}
			if t.kind != tIdent && !(t.kind == tKeyword && t.s != "strings" && t.s != "condition") {
				break
			}
			if t.kind == tKeyword {
				// keywords are not valid meta keys
				return nil, p.errf(t.pos, "syntax error: %q is a reserved word and cannot be a meta identifier", t.s)
			}
			p.nextTok()
			if _, err := p.expect(tPunct, "="); err != nil {
				return nil, err
			}
			v, err := p.nextTok()
			if err != nil {
				return nil, err
			}
			var val any
			switch {
			case v.kind == tString:
				val = p.mi.value(v.s)
			case v.kind == tInt:
				val = v.i
			case v.kind == tPunct && v.s == "-":
				n, err := p.expect(tInt, "")
				if err != nil {
					return nil, err
				}
				val = -n.i
			case v.kind == tKeyword && v.s == "true":
				val = true
			case v.kind == tKeyword && v.s == "false":
				val = false
			default:
				return nil, p.errf(v.pos, "syntax error: meta value must be a string, integer or boolean, found %s", tokDesc(v))
			}
			p.metaBuf = append(p.metaBuf, Meta{p.mi.key(t.s), val})
		}
		// exact size: append's spare capacity was a fifth of the metadata
		if len(p.metaBuf) > 0 {
			r.meta = make([]Meta, len(p.metaBuf))
			copy(r.meta, p.metaBuf)
			clear(p.metaBuf)
			p.metaBuf = p.metaBuf[:0]
		}
	}
	if p.isK("strings") {
		p.nextTok()
		if _, err := p.expect(tPunct, ":"); err != nil {
			return nil, err
		}
		for {
			t, err := p.peek()
			if err != nil {
				return nil, err
			}
			if t.kind != tStrID {
				break
			}
			if len(r.strs) == maxStringsPerRule {
				return nil, p.errf(t.pos, "too many strings in rule %q (limit: %d)", r.name, maxStringsPerRule)
			}
			sd, err := p.parseString()
			if err != nil {
				return nil, err
			}
			for _, o := range r.strs {
				if o.id == sd.id && sd.id != "" {
					return nil, p.errf(sd.pos, "duplicated string identifier $%s", sd.id)
				}
			}
			r.strs = append(r.strs, sd)
		}
		if len(r.strs) == 0 {
			t, _ := p.peek()
			return nil, p.errf(t.pos, "syntax error: empty strings section")
		}
	}
	if _, err := p.expect(tKeyword, "condition"); err != nil {
		return nil, err
	}
	if _, err := p.expect(tPunct, ":"); err != nil {
		return nil, err
	}
	c, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	r.cond = c
	if _, err := p.expect(tPunct, "}"); err != nil {
		return nil, err
	}
	return r, nil
}

func (p *parser) parseString() (*stringDef, error) {
	t, _ := p.nextTok()
	if t.wild {
		return nil, p.errf(t.pos, "syntax error: wildcard not allowed in string definition")
	}
	sd := &stringDef{id: t.s, pos: t.pos}
	if _, err := p.expect(tPunct, "="); err != nil {
		return nil, err
	}
	if p.have {
		return nil, p.errf(t.pos, "internal parser state error")
	}
	if err := p.lx.skipSpace(); err != nil {
		return nil, err
	}
	switch p.lx.peekc() {
	case '"':
		pos := p.lx.pos()
		text, err := p.lx.textBytes()
		if err != nil {
			return nil, err
		}
		sd.kind = skText
		sd.text = text
		if len(sd.text) == 0 {
			return nil, p.errf(pos, "empty string $%s", sd.id)
		}
	case '{':
		body, _, err := p.lx.hexLiteral()
		if err != nil {
			return nil, err
		}
		sd.kind = skHex
		sd.body = body
	case '/':
		body, nc, da, _, err := p.lx.regexLiteral()
		if err != nil {
			return nil, err
		}
		sd.kind = skRegex
		sd.body = body
		sd.nocaseRe = nc
		sd.dotall = da
	default:
		return nil, p.errf(p.lx.pos(), "syntax error: expected text string, hex string or regular expression for $%s", sd.id)
	}
	seen := map[string]bool{}
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind != tKeyword {
			break
		}
		m := t.s
		switch m {
		case "nocase", "ascii", "wide", "fullword", "private", "xor", "base64", "base64wide":
		default:
			return sd, p.checkMods(sd)
		}
		p.nextTok()
		if seen[m] {
			return nil, p.errf(t.pos, "duplicated modifier %q", m)
		}
		seen[m] = true
		switch m {
		case "nocase":
			sd.nocase = true
		case "ascii":
			sd.ascii = true
		case "wide":
			sd.wide = true
		case "fullword":
			sd.fullword = true
		case "private":
			sd.private = true
		case "xor":
			sd.xor = true
			sd.xorMin, sd.xorMax = 0, 255
			if p.isP("(") {
				p.nextTok()
				a, err := p.expect(tInt, "")
				if err != nil {
					return nil, err
				}
				sd.xorMin, sd.xorMax = int(a.i), int(a.i)
				if p.isP("-") {
					p.nextTok()
					b, err := p.expect(tInt, "")
					if err != nil {
						return nil, err
					}
					sd.xorMax = int(b.i)
				}
				if _, err := p.expect(tPunct, ")"); err != nil {
					return nil, err
				}
				if a.i < 0 || a.i > 255 || sd.xorMax < 0 || sd.xorMax > 255 {
					return nil, p.errf(a.pos, "invalid xor range: values must be 0-255")
				}
				if sd.xorMin > sd.xorMax {
					return nil, p.errf(a.pos, "invalid xor range: lower bound greater than upper bound")
				}
			}
		case "base64", "base64wide":
			alpha := ""
			if p.isP("(") {
				p.nextTok()
				a, err := p.expect(tString, "")
				if err != nil {
					return nil, err
				}
				if len(a.s) != 64 {
					return nil, p.errf(a.pos, "invalid base64 alphabet: length must be 64")
				}
				alpha = a.s
				if _, err := p.expect(tPunct, ")"); err != nil {
					return nil, err
				}
			}
			if m == "base64" {
				sd.b64, sd.b64alpha = true, alpha
			} else {
				sd.b64wide, sd.b64wideAlpha = true, alpha
			}
		}
	}
	return sd, p.checkMods(sd)
}

func (p *parser) checkMods(sd *stringDef) error {
	bad := func(msg string) error { return p.errf(sd.pos, "invalid modifier combination for $%s: %s", sd.id, msg) }
	switch sd.kind {
	case skHex:
		if sd.nocase || sd.ascii || sd.wide || sd.fullword || sd.xor || sd.b64 || sd.b64wide {
			return bad("hex strings accept only the private modifier")
		}
	case skRegex:
		if sd.xor || sd.b64 || sd.b64wide {
			return bad("regular expressions do not accept xor or base64")
		}
	}
	if sd.xor && sd.nocase {
		return bad("xor and nocase")
	}
	if (sd.b64 || sd.b64wide) && (sd.nocase || sd.xor || sd.fullword) {
		return bad("base64 with nocase, xor or fullword")
	}
	if sd.b64 && sd.b64wide && sd.b64alpha != sd.b64wideAlpha {
		return bad("base64 and base64wide with different alphabets")
	}
	return nil
}

// ---- expressions ----

func (p *parser) enter(pos Pos) error {
	p.depth++
	if p.depth > maxDepth {
		return p.errf(pos, "expression nested too deeply (max %d)", maxDepth)
	}
	return nil
}

func (p *parser) parseExpr() (*node, error) {
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	return p.parseOr()
}

func (p *parser) parseOr() (*node, error) { return p.parseChain("or", nOr, p.parseAnd) }

func (p *parser) parseAnd() (*node, error) { return p.parseChain("and", nAnd, p.parseNot) }

// parseChain parses operands joined by a keyword ("a or b or c"), left
// associative.
func (p *parser) parseChain(word string, kind nodeKind, operand func() (*node, error)) (*node, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for p.isK(word) {
		t, _ := p.nextTok()
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = &node{kind: kind, pos: t.pos, a: l, b: r}
	}
	return l, nil
}

func (p *parser) parseNot() (*node, error) {
	if p.isK("not") || p.isK("defined") {
		t, _ := p.nextTok()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		k := nNot
		if t.s == "defined" {
			k = nDefined
		}
		return &node{kind: k, pos: t.pos, a: x}, nil
	}
	return p.parseEq()
}

var eqOps = map[string]bool{"==": true, "!=": true}
var strOps = map[string]bool{"contains": true, "icontains": true, "startswith": true, "istartswith": true, "endswith": true, "iendswith": true, "iequals": true, "matches": true}

func (p *parser) parseEq() (*node, error) {
	l, err := p.parseRel()
	if err != nil {
		return nil, err
	}
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind == tPunct && eqOps[t.s] || t.kind == tKeyword && strOps[t.s] {
			p.nextTok()
			if t.s == "matches" {
				body, nc, da, rp, err := p.lx.regexLiteral()
				if err != nil {
					return nil, err
				}
				r := &node{kind: nRegex, pos: rp, s: body}
				prog, err := compileRegexString(body, nc, da, rp)
				if err != nil {
					return nil, err
				}
				r.re = prog
				l = &node{kind: nBin, op: t.s, pos: t.pos, a: l, b: r}
				continue
			}
			r, err := p.parseRel()
			if err != nil {
				return nil, err
			}
			l = &node{kind: nBin, op: t.s, pos: t.pos, a: l, b: r}
			continue
		}
		return l, nil
	}
}

func (p *parser) parseRel() (*node, error) {
	return p.parseBinLevel(0)
}

var binLevels = [][]string{
	{"<", ">", "<=", ">="},
	{"|"},
	{"^"},
	{"&"},
	{"<<", ">>"},
	{"+", "-"},
	{"*", "\\", "%"},
}

func (p *parser) parseBinLevel(lv int) (*node, error) {
	if lv == len(binLevels) {
		return p.parseUnary()
	}
	l, err := p.parseBinLevel(lv + 1)
	if err != nil {
		return nil, err
	}
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if lv == 1 && p.noOf == 0 && (p.isK("of") || p.percentOf()) {
			// an arithmetic expression quantifies "of"
			percent := p.isP("%")
			if percent {
				p.nextTok()
			}
			l, err = p.parseOf(t.pos, l, "n", percent)
			if err != nil {
				return nil, err
			}
			continue
		}
		if t.kind != tPunct || !contains(binLevels[lv], t.s) || (t.s == "%" && p.percentOf()) {
			return l, nil
		}
		p.nextTok()
		r, err := p.parseBinLevel(lv + 1)
		if err != nil {
			return nil, err
		}
		l = &node{kind: nBin, op: t.s, pos: t.pos, a: l, b: r}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) parseUnary() (*node, error) {
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	if t.kind == tPunct && (t.s == "-" || t.s == "~") {
		p.nextTok()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if t.s == "-" {
			if x.kind == nInt {
				x.i = -x.i
				return x, nil
			}
			if x.kind == nFloat {
				x.i = int64(math.Float64bits(-x.fval()))
				return x, nil
			}
			return &node{kind: nNeg, pos: t.pos, a: x}, nil
		}
		return &node{kind: nBitNot, pos: t.pos, a: x}, nil
	}
	return p.parsePostfixOf()
}

// parsePostfixOf parses a primary and an optional "of" quantifier.
func (p *parser) parsePostfixOf() (*node, error) {
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	if !(t.kind == tKeyword && (t.s == "all" || t.s == "any" || t.s == "none")) {
		return p.parsePrimary()
	}
	p.nextTok()
	return p.parseOf(t.pos, nil, t.s, false)
}

// percentOf reports whether the next tokens are "% of" (a percentage
// quantifier), without consuming them.
func (p *parser) percentOf() bool {
	if !p.isP("%") {
		return false
	}
	save := p.lx.mark()
	saveTok, saveHave := p.tok, p.have
	p.nextTok()
	r := p.isK("of")
	p.lx.reset(save)
	p.tok, p.have = saveTok, saveHave
	return r
}

// parseOf parses "of <set> [at x | in (a..b)]" after its quantifier: all,
// any, none, or an arithmetic expression (libyara's primary_expression,
// so "1 + 1 of them" is "2 of them" and "1050%100% of them" is
// "50% of them").
func (p *parser) parseOf(pos Pos, q *node, qkind string, percent bool) (*node, error) {
	if _, err := p.expect(tKeyword, "of"); err != nil {
		return nil, err
	}
	n := &node{kind: nOf, pos: pos, quantFields: &quantFields{quant: q, qkind: qkind, percent: percent}}
	if err := p.parseSet(n, true); err != nil {
		return nil, err
	}
	if p.isK("at") && !n.isRuleSet {
		p.nextTok()
		x, err := p.parseBinLevel(1)
		if err != nil {
			return nil, err
		}
		n.a = x
	} else if p.isK("in") && !n.isRuleSet {
		p.nextTok()
		r, err := p.parseRange()
		if err != nil {
			return nil, err
		}
		n.b = r
	}
	return n, nil
}

// parseSet parses "them" or "( $a, $b* )" or "( rule1, rule2* )".
func (p *parser) parseSet(n *node, allowRules bool) error {
	t, err := p.nextTok()
	if err != nil {
		return err
	}
	if t.kind == tKeyword && t.s == "them" {
		n.setPats = []setPat{{"", true}}
		return nil
	}
	if t.kind != tPunct || t.s != "(" {
		return p.errf(t.pos, "syntax error: expected \"them\" or a parenthesized set, found %s", tokDesc(t))
	}
	for {
		e, err := p.nextTok()
		if err != nil {
			return err
		}
		switch {
		case e.kind == tStrID:
			if n.isRuleSet {
				return p.errf(e.pos, "syntax error: cannot mix strings and rules in a set")
			}
			n.setPats = append(n.setPats, setPat{e.s, e.wild})
		case e.kind == tIdent && allowRules:
			if len(n.setPats) > 0 && !n.isRuleSet {
				return p.errf(e.pos, "syntax error: cannot mix strings and rules in a set")
			}
			wild := p.isP("*")
			if wild {
				p.nextTok()
			}
			n.isRuleSet = true
			n.setPats = append(n.setPats, setPat{e.s, wild})
			n.pos = e.pos
		default:
			return p.errf(e.pos, "syntax error: expected string identifier in set, found %s", tokDesc(e))
		}
		c, err := p.nextTok()
		if err != nil {
			return err
		}
		if c.kind == tPunct && c.s == ")" {
			return nil
		}
		if c.kind != tPunct || c.s != "," {
			return p.errf(c.pos, "syntax error: expected ',' or ')' in set, found %s", tokDesc(c))
		}
	}
}

func (p *parser) parseRange() (*node, error) {
	t, err := p.expect(tPunct, "(")
	if err != nil {
		return nil, err
	}
	a, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tPunct, ".."); err != nil {
		return nil, err
	}
	b, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tPunct, ")"); err != nil {
		return nil, err
	}
	return &node{kind: nRange, pos: t.pos, a: a, b: b}, nil
}

var intFuncs = map[string]bool{
	"int8": true, "int16": true, "int32": true, "uint8": true, "uint16": true, "uint32": true,
	"int8be": true, "int16be": true, "int32be": true, "uint8be": true, "uint16be": true, "uint32be": true,
}

func (p *parser) parsePrimary() (*node, error) {
	t, err := p.nextTok()
	if err != nil {
		return nil, err
	}
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	switch t.kind {
	case tInt:
		return &node{kind: nInt, i: t.i, pos: t.pos}, nil
	case tFloat:
		return &node{kind: nFloat, i: int64(math.Float64bits(t.f)), pos: t.pos}, nil
	case tString:
		return &node{kind: nStr, s: t.s, pos: t.pos}, nil
	case tKeyword:
		switch t.s {
		case "true":
			return &node{kind: nInt, i: 1, pos: t.pos, op: "bool"}, nil
		case "false":
			return &node{kind: nInt, i: 0, pos: t.pos, op: "bool"}, nil
		case "filesize":
			return &node{kind: nFilesize, pos: t.pos}, nil
		case "entrypoint":
			return &node{kind: nEntrypoint, pos: t.pos}, nil
		case "for":
			return p.parseFor(t)
		}
	case tPunct:
		if t.s == "(" {
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect(tPunct, ")"); err != nil {
				return nil, err
			}
			return x, nil
		}
	case tStrID:
		if t.wild {
			return nil, p.errf(t.pos, "syntax error: wildcard $%s* not allowed here", t.s)
		}
		n := &node{kind: nStrMatch, s: t.s, pos: t.pos}
		if p.isK("at") {
			p.nextTok()
			x, err := p.parseBinLevel(1)
			if err != nil {
				return nil, err
			}
			n.a = x
		} else if p.isK("in") {
			p.nextTok()
			r, err := p.parseRange()
			if err != nil {
				return nil, err
			}
			n.b = r
		}
		return n, nil
	case tCountID:
		n := &node{kind: nStrCount, s: t.s, pos: t.pos}
		if p.isK("in") {
			p.nextTok()
			r, err := p.parseRange()
			if err != nil {
				return nil, err
			}
			n.b = r
		}
		return n, nil
	case tOffsetID, tLengthID:
		k := nStrOffset
		if t.kind == tLengthID {
			k = nStrLength
		}
		n := &node{kind: k, s: t.s, pos: t.pos}
		if p.isP("[") {
			p.nextTok()
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect(tPunct, "]"); err != nil {
				return nil, err
			}
			n.a = x
		}
		return n, nil
	case tIdent:
		if intFuncs[t.s] && p.isP("(") {
			p.nextTok()
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect(tPunct, ")"); err != nil {
				return nil, err
			}
			return &node{kind: nIntRead, s: t.s, a: x, pos: t.pos}, nil
		}
		var n *node = &node{kind: nIdent, s: t.s, pos: t.pos}
		for {
			switch {
			case p.isP("."):
				p.nextTok()
				f, err := p.nextTok()
				if err != nil {
					return nil, err
				}
				if f.kind != tIdent && f.kind != tKeyword {
					return nil, p.errf(f.pos, "syntax error: expected field name after '.', found %s", tokDesc(f))
				}
				n = &node{kind: nField, s: f.s, a: n, pos: f.pos}
			case p.isP("["):
				bt, _ := p.nextTok()
				x, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				if _, err := p.expect(tPunct, "]"); err != nil {
					return nil, err
				}
				n = &node{kind: nIndex, a: n, b: x, pos: bt.pos}
			case p.isP("("):
				ct, _ := p.nextTok()
				c := &node{kind: nCall, a: n, pos: ct.pos}
				for {
					var arg *node
					if !p.have {
						if err := p.lx.skipSpace(); err != nil {
							return nil, err
						}
					}
					if !p.have && p.lx.peekc() == '/' {
						body, nc, da, rp, err2 := p.lx.regexLiteral()
						if err2 != nil {
							return nil, err2
						}
						prog, err2 := compileRegexString(body, nc, da, rp)
						if err2 != nil {
							return nil, err2
						}
						arg = &node{kind: nRegex, s: body, re: prog, pos: rp}
					} else {
						if len(c.list) == 0 && p.isP(")") {
							break
						}
						var err error
						arg, err = p.parseExpr()
						if err != nil {
							return nil, err
						}
					}
					c.list = append(c.list, arg)
					if len(c.list) > 32 {
						return nil, p.errf(ct.pos, "too many function arguments")
					}
					if p.isP(",") {
						p.nextTok()
						continue
					}
					break
				}
				if _, err := p.expect(tPunct, ")"); err != nil {
					return nil, err
				}
				n = c
			default:
				return n, nil
			}
		}
	}
	return nil, p.errf(t.pos, "syntax error: unexpected %s in condition", tokDesc(t))
}

func (p *parser) parseFor(ft token) (*node, error) {
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	n := &node{pos: ft.pos, quantFields: &quantFields{}}
	if t.kind == tKeyword && (t.s == "all" || t.s == "any" || t.s == "none") {
		p.nextTok()
		n.qkind = t.s
	} else {
		p.noOf++
		q, err := p.parseBinLevel(1)
		p.noOf--
		if err != nil {
			return nil, err
		}
		n.quant = q
		n.qkind = "n"
		if p.isP("%") {
			p.nextTok()
			n.percent = true
		}
	}
	t, err = p.peek()
	if err != nil {
		return nil, err
	}
	if t.kind == tKeyword && t.s == "of" {
		p.nextTok()
		n.kind = nForOf
		if err := p.parseSet(n, false); err != nil {
			return nil, err
		}
	} else {
		n.kind = nForIn
		for {
			v, err := p.expect(tIdent, "")
			if err != nil {
				return nil, err
			}
			n.vars = append(n.vars, v.s)
			if p.isP(",") {
				p.nextTok()
				continue
			}
			break
		}
		if _, err := p.expect(tKeyword, "in"); err != nil {
			return nil, err
		}
		// iterable: (a..b), (x, y, z) or an expression
		if p.isP("(") {
			lp, _ := p.nextTok()
			first, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if p.isP("..") {
				p.nextTok()
				second, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				if _, err := p.expect(tPunct, ")"); err != nil {
					return nil, err
				}
				n.b = &node{kind: nRange, a: first, b: second, pos: lp.pos}
			} else {
				l := &node{kind: nList, pos: lp.pos, list: []*node{first}}
				for p.isP(",") {
					p.nextTok()
					x, err := p.parseExpr()
					if err != nil {
						return nil, err
					}
					l.list = append(l.list, x)
				}
				if _, err := p.expect(tPunct, ")"); err != nil {
					return nil, err
				}
				n.b = l
			}
		} else {
			x, err := p.parsePrimary()
			if err != nil {
				return nil, err
			}
			n.b = x
		}
	}
	if _, err := p.expect(tPunct, ":"); err != nil {
		return nil, err
	}
	if _, err := p.expect(tPunct, "("); err != nil {
		return nil, err
	}
	body, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tPunct, ")"); err != nil {
		return nil, err
	}
	n.a = body
	return n, nil
}
