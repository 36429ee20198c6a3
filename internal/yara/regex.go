package yara

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"
)

// This file holds the byte-oriented regular expression engine shared by
// YARA regular expressions and hex strings: a parser for YARA's dialect, a
// parser for hex strings, and a Pike VM whose run time is linear in the
// input for a given program (no backtracking), bounded by a scan limit.

type byteSet [4]uint64

func (s *byteSet) add(b byte)      { s[b>>6] |= 1 << (b & 63) }
func (s *byteSet) has(b byte) bool { return s[b>>6]&(1<<(b&63)) != 0 }
func (s *byteSet) addRange(lo, hi int) {
	for c := lo; c <= hi; c++ {
		s.add(byte(c))
	}
}
func (s *byteSet) union(o *byteSet) {
	for i := range s {
		s[i] |= o[i]
	}
}
func (s *byteSet) invert() {
	for i := range s {
		s[i] = ^s[i]
	}
}
func (s *byteSet) count() int {
	return bits.OnesCount64(s[0]) + bits.OnesCount64(s[1]) + bits.OnesCount64(s[2]) + bits.OnesCount64(s[3])
}
func (s *byteSet) first() byte {
	for i, w := range s {
		if w != 0 {
			return byte(i*64 + bits.TrailingZeros64(w))
		}
	}
	return 0
}

func (s *byteSet) members() []byte {
	out := make([]byte, 0, s.count())
	for i, w := range s {
		for ; w != 0; w &= w - 1 {
			out = append(out, byte(i*64+bits.TrailingZeros64(w)))
		}
	}
	return out
}

type rkind uint8

const (
	rSet rkind = iota
	rConcat
	rAlt
	rRepeat
	rEmpty
	rBOL
	rEOL
	rWordB
	rNotWordB
	rWordBW    // \b in a wide regex: characters are (byte, 0) pairs
	rNotWordBW // \B in a wide regex
)

type rnode struct {
	kind   rkind
	set    byteSet
	subs   []*rnode
	min    int
	max    int // -1 = unbounded
	greedy bool
	// rangeAny marks a '.' repeated with {n,m} or ?, libyara's
	// RE_NODE_RANGE_ANY: in a regular expression's top-level sequence an
	// ungreedy one longer than chainThreshold is a chaining point.
	rangeAny bool
}

// maxRepeat is the largest bound accepted in {n,m} and hex jumps.
const maxRepeat = 32767

// maxProgLen bounds the size of one compiled program.
const maxProgLen = 1 << 15

// reScanLimit bounds how far a regular expression match may extend,
// as libyara's RE_SCAN_LIMIT does.
const reScanLimit = 4096

type reParser struct {
	s      string
	i      int
	nocase bool
	dotall bool
	depth  int
	// lastDot is the node of the last '.' read; unboundedDot records a
	// .*, .+ or .{n,} (libyara warns about those)
	lastDot      *rnode
	unboundedDot bool
	// greedySeen and lazySeen record the kinds of quantifiers read
	greedySeen, lazySeen bool
}

func (rp *reParser) errf(format string, a ...any) error {
	return fmt.Errorf(format, a...)
}

func parseRegex(s string, nocase, dotall bool) (*rnode, error) {
	n, _, err := parseRegexDot(s, nocase, dotall)
	return n, err
}

// reInfo is what libyara checks on a regular expression string beyond its
// syntax.
type reInfo struct {
	// unboundedDot: a dot repeated without bound (.*, .+, .{n,}), as
	// libyara's yr_re_ast_has_unbounded_quantifier_for_dot (a warning)
	unboundedDot bool
	// mixedGreedy: both greedy and lazy quantifiers (*, +, ?, {n,m} and
	// their "?" forms), which libyara refuses in a string
	mixedGreedy bool
}

// parseRegexDot parses a regular expression and reports what reInfo says.
func parseRegexDot(s string, nocase, dotall bool) (*rnode, reInfo, error) {
	rp := &reParser{s: s, nocase: nocase, dotall: dotall}
	n, err := rp.alt()
	if err == nil {
		err = rp.trailing()
	}
	if err != nil {
		return nil, reInfo{}, err
	}
	return n, reInfo{unboundedDot: rp.unboundedDot, mixedGreedy: rp.greedySeen && rp.lazySeen}, nil
}

// trailing refuses what is left after the expression.
func (rp *reParser) trailing() error {
	if rp.i < len(rp.s) {
		if rp.s[rp.i] == ')' {
			return rp.errf("unbalanced ')' at offset %d", rp.i)
		}
		return rp.errf("unexpected %q at offset %d", rp.s[rp.i], rp.i)
	}
	return nil
}

func (rp *reParser) alt() (*rnode, error) {
	rp.depth++
	defer func() { rp.depth-- }()
	if rp.depth > maxReDepth {
		return nil, rp.errf("regular expression nested too deeply")
	}
	var alts []*rnode
	for {
		c, err := rp.concat()
		if err != nil {
			return nil, err
		}
		// libyara's grammar has no empty first alternative: /(|abc)ef/,
		// /|a/ and /a()b/ are syntax errors, /(abc|)ef/ and /a||b/ are not
		if len(alts) == 0 && c.kind == rEmpty && rp.i < len(rp.s) && (rp.s[rp.i] == '|' || rp.depth > 1) {
			return nil, rp.errf("syntax error: empty alternative at offset %d", rp.i)
		}
		alts = append(alts, c)
		if rp.i < len(rp.s) && rp.s[rp.i] == '|' {
			rp.i++
			continue
		}
		break
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return &rnode{kind: rAlt, subs: alts}, nil
}

func (rp *reParser) concat() (*rnode, error) {
	var items []*rnode
	for rp.i < len(rp.s) {
		c := rp.s[rp.i]
		if c == '|' || c == ')' {
			break
		}
		atom, err := rp.atom()
		if err != nil {
			return nil, err
		}
		atom, err = rp.quant(atom)
		if err != nil {
			return nil, err
		}
		items = append(items, atom)
	}
	if len(items) == 0 {
		return &rnode{kind: rEmpty}, nil
	}
	if len(items) == 1 {
		return items[0], nil
	}
	return &rnode{kind: rConcat, subs: items}, nil
}

func (rp *reParser) readInt() (int, bool) {
	st := rp.i
	for rp.i < len(rp.s) && rp.s[rp.i] >= '0' && rp.s[rp.i] <= '9' {
		rp.i++
	}
	if st == rp.i {
		return 0, false
	}
	v, err := strconv.Atoi(rp.s[st:rp.i])
	if err != nil || v > maxRepeat {
		return maxRepeat + 1, true
	}
	return v, true
}

func (rp *reParser) quant(a *rnode) (*rnode, error) {
	for rp.i < len(rp.s) {
		c := rp.s[rp.i]
		mn, mx := 0, 0
		rangeQuant := c == '{' || c == '?'
		switch c {
		case '*':
			mn, mx = 0, -1
			rp.i++
		case '+':
			mn, mx = 1, -1
			rp.i++
		case '?':
			mn, mx = 0, 1
			rp.i++
		case '{':
			save := rp.i
			rp.i++
			lo, okLo := rp.readInt()
			hi := lo
			ok := true
			if rp.i < len(rp.s) && rp.s[rp.i] == ',' {
				rp.i++
				var okHi bool
				hi, okHi = rp.readInt()
				if !okHi {
					hi = -1
				}
				if !okLo {
					lo = 0
					if !okHi {
						ok = false
					}
				}
			} else if !okLo {
				ok = false
			}
			if !ok || rp.i >= len(rp.s) || rp.s[rp.i] != '}' {
				rp.i = save
				return a, nil // literal '{' handled by caller next round
			}
			rp.i++
			if lo > maxRepeat || hi > maxRepeat {
				return nil, rp.errf("repeat interval too large (max %d)", maxRepeat)
			}
			if hi != -1 && hi < lo {
				return nil, rp.errf("bad repeat interval {%d,%d}", lo, hi)
			}
			if hi == 0 {
				// libyara's re_lexer refuses {0}, {0,0} and {,0}
				return nil, rp.errf("bad repeat interval {%d,%d}", lo, hi)
			}
			mn, mx = lo, hi
		default:
			return a, nil
		}
		if a.kind >= rBOL {
			return nil, rp.errf("quantifier applied to an assertion")
		}
		if mx == -1 && a == rp.lastDot {
			rp.unboundedDot = true
		}
		greedy := true
		if rp.i < len(rp.s) && rp.s[rp.i] == '?' {
			greedy = false
			rp.i++
		}
		if greedy {
			rp.greedySeen = true
		} else {
			rp.lazySeen = true
		}
		a = &rnode{kind: rRepeat, subs: []*rnode{a}, min: mn, max: mx, greedy: greedy, rangeAny: rangeQuant && a == rp.lastDot}
	}
	return a, nil
}

func (rp *reParser) lit(b byte) *rnode {
	n := &rnode{kind: rSet}
	n.set.add(b)
	if rp.nocase {
		if b >= 'a' && b <= 'z' {
			n.set.add(b - 32)
		} else if b >= 'A' && b <= 'Z' {
			n.set.add(b + 32)
		}
	}
	return n
}

func classFor(c byte) (byteSet, bool) {
	var s byteSet
	switch c {
	case 'w', 'W':
		s.addRange('a', 'z')
		s.addRange('A', 'Z')
		s.addRange('0', '9')
		s.add('_')
	case 's', 'S':
		for _, b := range []byte(" \t\n\r\f\v") {
			s.add(b)
		}
	case 'd', 'D':
		s.addRange('0', '9')
	default:
		return s, false
	}
	if c == 'W' || c == 'S' || c == 'D' {
		s.invert()
	}
	return s, true
}

// escByte decodes a simple escape (after the backslash) at rp.i.
func (rp *reParser) escByte() (byte, error) {
	if rp.i >= len(rp.s) {
		return 0, rp.errf("trailing backslash")
	}
	c := rp.s[rp.i]
	rp.i++
	switch c {
	case 'n':
		return '\n', nil
	case 't':
		return '\t', nil
	case 'r':
		return '\r', nil
	case 'f':
		return '\f', nil
	case 'a':
		return 7, nil
	case 'x':
		if rp.i+1 < len(rp.s) && hexVal(int(rp.s[rp.i])) >= 0 && hexVal(int(rp.s[rp.i+1])) >= 0 {
			v := hexVal(int(rp.s[rp.i]))<<4 | hexVal(int(rp.s[rp.i+1]))
			rp.i += 2
			return byte(v), nil
		}
		return 0, rp.errf(`illegal escape sequence \x: two hexadecimal digits expected`)
	}
	return c, nil
}

func (rp *reParser) atom() (*rnode, error) {
	c := rp.s[rp.i]
	switch c {
	case '(':
		rp.i++
		if rp.i+1 < len(rp.s) && rp.s[rp.i] == '?' && rp.s[rp.i+1] == ':' {
			rp.i += 2
		}
		n, err := rp.alt()
		if err != nil {
			return nil, err
		}
		if rp.i >= len(rp.s) || rp.s[rp.i] != ')' {
			return nil, rp.errf("missing ')'")
		}
		rp.i++
		return n, nil
	case '.':
		rp.i++
		n := &rnode{kind: rSet}
		rp.lastDot = n
		n.set.invert()
		if !rp.dotall {
			n.set[0] &^= 1 << '\n'
		}
		return n, nil
	case '^':
		rp.i++
		return &rnode{kind: rBOL}, nil
	case '$':
		rp.i++
		return &rnode{kind: rEOL}, nil
	case '[':
		return rp.class()
	case '*', '+', '?':
		return nil, rp.errf("quantifier %q without operand at offset %d", c, rp.i)
	case '\\':
		rp.i++
		if rp.i >= len(rp.s) {
			return nil, rp.errf("trailing backslash")
		}
		e := rp.s[rp.i]
		if s, ok := classFor(e); ok {
			rp.i++
			return &rnode{kind: rSet, set: s}, nil
		}
		if e == 'b' {
			rp.i++
			return &rnode{kind: rWordB}, nil
		}
		if e == 'B' {
			rp.i++
			return &rnode{kind: rNotWordB}, nil
		}
		b, err := rp.escByte()
		if err != nil {
			return nil, err
		}
		return rp.lit(b), nil
	}
	rp.i++
	return rp.lit(c), nil
}

func (rp *reParser) class() (*rnode, error) {
	rp.i++ // [
	neg := false
	if rp.i < len(rp.s) && rp.s[rp.i] == '^' {
		neg = true
		rp.i++
	}
	n := &rnode{kind: rSet}
	first := true
	for {
		if rp.i >= len(rp.s) {
			return nil, rp.errf("missing ']' in character class")
		}
		c := rp.s[rp.i]
		if c == ']' && !first {
			rp.i++
			break
		}
		first = false
		var lo int
		if c == '\\' {
			rp.i++
			if rp.i >= len(rp.s) {
				return nil, rp.errf("trailing backslash")
			}
			if s, ok := classFor(rp.s[rp.i]); ok {
				rp.i++
				n.set.union(&s)
				continue
			}
			b, err := rp.escByte()
			if err != nil {
				return nil, err
			}
			lo = int(b)
		} else {
			rp.i++
			lo = int(c)
		}
		hi := lo
		if rp.i+1 < len(rp.s) && rp.s[rp.i] == '-' && rp.s[rp.i+1] != ']' {
			rp.i++
			c2 := rp.s[rp.i]
			if c2 == '\\' {
				rp.i++
				b, err := rp.escByte()
				if err != nil {
					return nil, err
				}
				hi = int(b)
			} else {
				rp.i++
				hi = int(c2)
			}
			if hi < lo {
				return nil, rp.errf("bad character range %c-%c", rune(lo), rune(hi))
			}
		}
		n.set.addRange(lo, hi)
	}
	if rp.nocase {
		for c := 'a'; c <= 'z'; c++ {
			if n.set.has(byte(c)) || n.set.has(byte(c-32)) {
				n.set.add(byte(c))
				n.set.add(byte(c - 32))
			}
		}
	}
	if neg {
		n.set.invert()
	}
	return n, nil
}

// parseHex parses the body of a hex string into the same tree.
func parseHex(body string) (*rnode, error) {
	hp := &hexParser{s: body, stack: make([]*rnode, 0, len(body)/3+1)}
	n, err := hp.alt(0)
	if err != nil {
		return nil, err
	}
	hp.skip()
	if hp.i < len(hp.s) {
		return nil, fmt.Errorf("unexpected %q in hex string", hp.s[hp.i])
	}
	// a hex string may not start or end with a jump
	if n.kind == rConcat {
		if isJump(n.subs[0]) || isJump(n.subs[len(n.subs)-1]) {
			return nil, fmt.Errorf("hex string cannot start or end with a jump")
		}
	} else if isJump(n) {
		return nil, fmt.Errorf("hex string cannot be only a jump")
	}
	return n, nil
}

func isJump(n *rnode) bool {
	return n.kind == rRepeat && n.subs[0].kind == rSet && n.subs[0].set.count() == 256 && !(n.min == 1 && n.max == 1)
}

type hexParser struct {
	s     string
	i     int
	stack []*rnode // items of the sequences being parsed (see concat)
}

// hexByteNodes are the rSet nodes of the 256 exact hex bytes, shared by
// every parsed hex string: no pass changes an rSet node once built
// (widen makes new ones), and one node per byte of every hex string was
// an eighth of what compiling signature-base allocated.
var hexByteNodes = func() (t [256]rnode) {
	for i := range t {
		t[i].kind = rSet
		t[i].set.add(byte(i))
	}
	return t
}()

// setNode returns an rSet node for the bytes b with b&mask == val; the
// node of an exact byte is shared, so a caller that changes the set must
// ask for a new one (neg).
func (hp *hexParser) setNode(val, mask byte, neg bool) *rnode {
	if mask == 0xFF && !neg {
		return &hexByteNodes[val]
	}
	n := &rnode{kind: rSet}
	switch mask {
	case 0xFF:
		n.set.add(val)
	case 0:
		n.set.invert()
	default:
		for b := 0; b < 256; b++ {
			if byte(b)&mask == val {
				n.set.add(byte(b))
			}
		}
	}
	return n
}

func (hp *hexParser) skip() {
	for hp.i < len(hp.s) {
		c := hp.s[hp.i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			hp.i++
			continue
		}
		break
	}
}

func (hp *hexParser) alt(depth int) (*rnode, error) {
	if depth > maxReDepth {
		return nil, fmt.Errorf("hex string nested too deeply")
	}
	var alts []*rnode
	for {
		c, err := hp.concat(depth)
		if err != nil {
			return nil, err
		}
		alts = append(alts, c)
		hp.skip()
		if hp.i < len(hp.s) && hp.s[hp.i] == '|' {
			hp.i++
			continue
		}
		break
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return &rnode{kind: rAlt, subs: alts}, nil
}

func (hp *hexParser) nibble() (val, mask byte, err error) {
	if hp.i >= len(hp.s) {
		return 0, 0, fmt.Errorf("incomplete byte in hex string")
	}
	c := hp.s[hp.i]
	hp.i++
	if c == '?' {
		return 0, 0, nil
	}
	v := hexVal(int(c))
	if v < 0 {
		return 0, 0, fmt.Errorf("invalid character %q in hex string", c)
	}
	return byte(v), 0xF, nil
}

func (hp *hexParser) concat(depth int) (*rnode, error) {
	// the items are collected on hp.stack (an alternative's items above
	// those of the enclosing sequence), then copied at their exact size:
	// growing a slice per sequence was a tenth of what compiling
	// signature-base allocated
	start := len(hp.stack)
	for {
		hp.skip()
		if hp.i >= len(hp.s) {
			break
		}
		c := hp.s[hp.i]
		if c == '|' || c == ')' {
			break
		}
		switch {
		case c == '(':
			hp.i++
			n, err := hp.alt(depth + 1)
			if err != nil {
				return nil, err
			}
			hp.skip()
			if hp.i >= len(hp.s) || hp.s[hp.i] != ')' {
				return nil, fmt.Errorf("missing ')' in hex string")
			}
			hp.i++
			hp.stack = append(hp.stack, n)
		case c == '[':
			hp.i++
			hp.skip()
			st := hp.i
			for hp.i < len(hp.s) && hp.s[hp.i] != ']' {
				hp.i++
			}
			if hp.i >= len(hp.s) {
				return nil, fmt.Errorf("missing ']' in hex string jump")
			}
			spec := hp.s[st:hp.i]
			hp.i++
			lo, hi, err := parseJump(spec)
			if err != nil {
				return nil, err
			}
			// libyara's hex grammar: [0] is no jump; inside an
			// alternation (any group) a jump must be bounded by the
			// chaining threshold
			if lo == 0 && hi == 0 && !strings.Contains(spec, "-") {
				return nil, fmt.Errorf("invalid jump length in [%s]", spec)
			}
			if depth > 0 && hi < 0 {
				return nil, fmt.Errorf("unbounded jumps not allowed inside alternation (|)")
			}
			if depth > 0 && (lo > chainThreshold || hi > chainThreshold) {
				return nil, fmt.Errorf("jumps over %d not allowed inside alternation (|)", chainThreshold)
			}
			any := &rnode{kind: rSet}
			any.set.invert()
			// jumps are lazy, as in libyara's hex grammar: a hex string
			// matches its shortest extent from each start
			if k := len(hp.stack) - 1; k >= start && isJump(hp.stack[k]) {
				// consecutive jumps are one jump
				prev := hp.stack[k]
				prev.min += lo
				if prev.max < 0 || hi < 0 {
					prev.max = -1
				} else {
					prev.max += hi
				}
				if prev.min > maxRepeat || prev.max > maxRepeat {
					return nil, fmt.Errorf("jump too large in hex string (max %d)", maxRepeat)
				}
				continue
			}
			hp.stack = append(hp.stack, &rnode{kind: rRepeat, subs: []*rnode{any}, min: lo, max: hi, greedy: false})
		default:
			neg := false
			if c == '~' {
				neg = true
				hp.i++
			}
			h, hm, err := hp.nibble()
			if err != nil {
				return nil, err
			}
			l, lm, err := hp.nibble()
			if err != nil {
				return nil, err
			}
			val, mask := h<<4|l, hm<<4|lm
			if neg && mask == 0 {
				return nil, fmt.Errorf("negation of ?? is not allowed in hex string")
			}
			n := hp.setNode(val, mask, neg)
			if neg {
				n.set.invert()
			}
			hp.stack = append(hp.stack, n)
		}
	}
	items := hp.stack[start:]
	hp.stack = hp.stack[:start]
	if len(items) == 0 {
		return nil, fmt.Errorf("empty hex string or alternative")
	}
	if len(items) == 1 {
		return items[0], nil
	}
	return &rnode{kind: rConcat, subs: append([]*rnode(nil), items...)}, nil
}

func parseJump(spec string) (int, int, error) {
	trim := func(s string) string {
		for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
			s = s[1:]
		}
		for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
			s = s[:len(s)-1]
		}
		return s
	}
	spec = trim(spec)
	atoi := func(s string) (int, error) {
		v, err := strconv.Atoi(trim(s))
		if err != nil || v < 0 {
			return 0, fmt.Errorf("invalid jump [%s] in hex string", spec)
		}
		if v > maxRepeat {
			return 0, fmt.Errorf("jump [%s] too large in hex string (max %d)", spec, maxRepeat)
		}
		return v, nil
	}
	for k := 0; k < len(spec); k++ {
		if spec[k] == '-' {
			lo, hi := 0, -1
			var err error
			if trim(spec[:k]) != "" {
				if lo, err = atoi(spec[:k]); err != nil {
					return 0, 0, err
				}
			}
			if trim(spec[k+1:]) != "" {
				if hi, err = atoi(spec[k+1:]); err != nil {
					return 0, 0, err
				}
				if hi < lo {
					return 0, 0, fmt.Errorf("invalid jump [%s]: lower bound greater than upper bound", spec)
				}
			}
			return lo, hi, nil
		}
	}
	v, err := atoi(spec)
	if err != nil {
		return 0, 0, err
	}
	return v, v, nil
}

// widen returns the tree matching the UTF-16LE ("wide") form: each byte
// followed by a zero byte.
func widen(n *rnode) *rnode {
	switch n.kind {
	case rSet:
		z := &rnode{kind: rSet}
		z.add0()
		return &rnode{kind: rConcat, subs: []*rnode{n, z}}
	case rConcat, rAlt, rRepeat:
		c := *n
		c.subs = make([]*rnode, len(n.subs))
		for i, s := range n.subs {
			c.subs[i] = widen(s)
		}
		return &c
	case rWordB:
		return &rnode{kind: rWordBW}
	case rNotWordB:
		return &rnode{kind: rNotWordBW}
	}
	return n
}

func (n *rnode) add0() { n.set.add(0) }

// ---- Pike VM ----

type opcode uint8

const (
	opSet opcode = iota
	opSplit
	opJmp
	opMatch
	opBOL
	opEOL
	opWordB
	opNotWordB
	opWordBW    // word boundary between wide characters
	opNotWordBW // no word boundary between wide characters
)

// inst is one instruction: 8 bytes (programs are at most maxProgLen
// instructions, so 16-bit operands suffice; a large rule set holds over a
// million instructions).
type inst struct {
	op   opcode
	set  uint16 // index into sets
	x, y uint16
}

// regexProg is a compiled program.
type regexProg struct {
	insts []inst
	sets  []byteSet
	// shared: sets is the rule set's byte-set table (Rules.setTab), not
	// the program's own (see interner.prog)
	shared bool
}

type progBuilder struct {
	p   *regexProg
	set map[byteSet]int32
	err error
}

func (b *progBuilder) emit(in inst) int32 {
	if len(b.p.insts) >= maxProgLen {
		if b.err == nil {
			b.err = fmt.Errorf("regular expression or hex string too complex (program exceeds %d instructions)", maxProgLen)
		}
		return int32(len(b.p.insts) - 1)
	}
	b.p.insts = append(b.p.insts, in)
	return int32(len(b.p.insts) - 1)
}

// setIdx returns the index of s in the program's sets, adding it if new.
// Most programs have a few sets, found by a linear search; a map indexes
// them past smallSets (a map per program was a fifth of what compiling
// signature-base allocated).
func (b *progBuilder) setIdx(s byteSet) int32 {
	const smallSets = 32
	if b.set == nil {
		for i := range b.p.sets {
			if b.p.sets[i] == s {
				return int32(i)
			}
		}
		if len(b.p.sets) == smallSets {
			b.set = make(map[byteSet]int32, 2*smallSets)
			for i, x := range b.p.sets {
				b.set[x] = int32(i)
			}
		}
	} else if i, ok := b.set[s]; ok {
		return i
	}
	i := int32(len(b.p.sets))
	b.p.sets = append(b.p.sets, s)
	if b.set != nil {
		b.set[s] = i
	}
	return i
}

func (b *progBuilder) gen(n *rnode, reverse bool) {
	if b.err != nil {
		return
	}
	switch n.kind {
	case rSet:
		b.emit(inst{op: opSet, set: uint16(b.setIdx(n.set))})
	case rEmpty:
	case rBOL:
		if reverse {
			b.emit(inst{op: opEOL})
		} else {
			b.emit(inst{op: opBOL})
		}
	case rEOL:
		if reverse {
			b.emit(inst{op: opBOL})
		} else {
			b.emit(inst{op: opEOL})
		}
	case rWordB:
		b.emit(inst{op: opWordB})
	case rNotWordB:
		b.emit(inst{op: opNotWordB})
	case rWordBW:
		b.emit(inst{op: opWordBW})
	case rNotWordBW:
		b.emit(inst{op: opNotWordBW})
	case rConcat:
		if reverse {
			for i := len(n.subs) - 1; i >= 0; i-- {
				b.gen(n.subs[i], reverse)
			}
		} else {
			for _, s := range n.subs {
				b.gen(s, reverse)
			}
		}
	case rAlt:
		var jmps []int32
		for i, s := range n.subs {
			if i < len(n.subs)-1 {
				sp := b.emit(inst{op: opSplit})
				b.p.insts[sp].x = uint16(sp + 1)
				b.gen(s, reverse)
				jmps = append(jmps, b.emit(inst{op: opJmp}))
				b.p.insts[sp].y = uint16(len(b.p.insts))
			} else {
				b.gen(s, reverse)
			}
		}
		for _, j := range jmps {
			b.p.insts[j].x = uint16(len(b.p.insts))
		}
	case rRepeat:
		sub := n.subs[0]
		for i := 0; i < n.min; i++ {
			b.gen(sub, reverse)
			if b.err != nil {
				return
			}
		}
		if n.max == -1 {
			// L: split body, out ; body ; jmp L
			sp := b.emit(inst{op: opSplit})
			b.gen(sub, reverse)
			j := b.emit(inst{op: opJmp, x: uint16(sp)})
			_ = j
			b.setSplit(sp, sp+1, int32(len(b.p.insts)), n.greedy)
			return
		}
		var sps []int32
		for i := n.min; i < n.max; i++ {
			sp := b.emit(inst{op: opSplit})
			sps = append(sps, sp)
			b.gen(sub, reverse)
			if b.err != nil {
				return
			}
		}
		end := int32(len(b.p.insts))
		for _, sp := range sps {
			b.setSplit(sp, sp+1, end, n.greedy)
		}
	}
}

func (b *progBuilder) setSplit(sp, body, out int32, greedy bool) {
	if int(sp) >= len(b.p.insts) {
		return
	}
	if greedy {
		b.p.insts[sp].x, b.p.insts[sp].y = uint16(body), uint16(out)
	} else {
		b.p.insts[sp].x, b.p.insts[sp].y = uint16(out), uint16(body)
	}
}

func compileNode(n *rnode, reverse bool) (*regexProg, error) {
	// the program is built in reused scratch slices (growing them by
	// append for every program was a fifth of what compiling
	// signature-base allocated), then copied at its exact size: append's
	// spare capacity was a third of the memory of a large rule set
	scratch := progScratch.Get().(*regexProg)
	b := &progBuilder{p: &regexProg{insts: scratch.insts[:0], sets: scratch.sets[:0]}}
	b.gen(n, reverse)
	b.emit(inst{op: opMatch})
	var p *regexProg
	if b.err == nil {
		p = &regexProg{insts: append([]inst(nil), b.p.insts...), sets: append([]byteSet(nil), b.p.sets...)}
	}
	scratch.insts, scratch.sets = b.p.insts[:0], b.p.sets[:0]
	progScratch.Put(scratch)
	if b.err != nil {
		return nil, b.err
	}
	return p, nil
}

// progScratch holds *regexProg whose slices compileNode reuses.
var progScratch = sync.Pool{New: func() any { return new(regexProg) }}

func compileRegexString(body string, nocase, dotall bool, pos Pos) (*regexProg, error) {
	n, err := parseRegex(body, nocase, dotall)
	if err != nil {
		return nil, &CompileError{Pos: pos, Msg: "invalid regular expression /" + truncate(body, 60) + "/: " + err.Error()}
	}
	// for "matches", an unanchored search: prefix with a lazy .*
	any := &rnode{kind: rSet}
	any.set.invert()
	n = &rnode{kind: rConcat, subs: []*rnode{{kind: rRepeat, subs: []*rnode{any}, min: 0, max: -1, greedy: false}, n}}
	p, err := compileNode(n, false)
	if err != nil {
		return nil, &CompileError{Pos: pos, Msg: err.Error()}
	}
	return p, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func isWordByte(b byte) bool {
	return b == '_' || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
}

// vmState holds reusable buffers for running programs; not safe for
// concurrent use (one per scan).
type vmState struct {
	cur, nxt  []int32
	onCur     []uint32 // generation marks
	gen       uint32
	stack     []int32
	matchEnds []int
}

func (vm *vmState) reset(n int) {
	if cap(vm.onCur) < n {
		vm.onCur = make([]uint32, n)
		vm.gen = 0
	}
	vm.onCur = vm.onCur[:n]
}

// addThread follows epsilon transitions from pc at data position i (the
// position of the next byte to read in the direction of travel).
func (vm *vmState) addThread(p *regexProg, list []int32, pc int32, data []byte, i int, reverse bool) []int32 {
	vm.stack = append(vm.stack[:0], pc)
	for len(vm.stack) > 0 {
		pc := vm.stack[len(vm.stack)-1]
		vm.stack = vm.stack[:len(vm.stack)-1]
		if vm.onCur[pc] == vm.gen {
			continue
		}
		vm.onCur[pc] = vm.gen
		in := &p.insts[pc]
		switch in.op {
		case opJmp:
			vm.stack = append(vm.stack, int32(in.x))
		case opSplit:
			vm.stack = append(vm.stack, int32(in.y), int32(in.x)) // x has priority (popped first)
		case opBOL, opEOL, opWordB, opNotWordB, opWordBW, opNotWordBW:
			// compute absolute position in forward terms
			pos := i
			if reverse {
				pos = i + 1 // in reverse, i is the index of next byte to read; boundary is after it
			}
			ok := false
			switch in.op {
			case opBOL:
				ok = pos == 0
			case opEOL:
				ok = pos == len(data)
			case opWordBW, opNotWordBW:
				// libyara (re.c _yr_re_is_word_char with character size
				// 2): a word character is an alphanumeric or '_' byte
				// followed by a zero byte
				before := pos >= 2 && isWordByte(data[pos-2]) && data[pos-1] == 0
				after := pos+1 < len(data) && isWordByte(data[pos]) && data[pos+1] == 0
				ok = before != after || pos == 0 || pos == len(data)
				if in.op == opNotWordBW {
					ok = !ok
				}
			default:
				// libyara (re.c, RE_OPCODE_WORD_BOUNDARY) puts a word
				// boundary at both ends of the data, whatever the byte
				// there: /\b-/ matches a "-" at offset 0, \B never
				// matches there
				before := pos > 0 && isWordByte(data[pos-1])
				after := pos < len(data) && isWordByte(data[pos])
				ok = before != after || pos == 0 || pos == len(data)
				if in.op == opNotWordB {
					ok = !ok
				}
			}
			if ok {
				vm.stack = append(vm.stack, pc+1)
			}
		default:
			list = append(list, pc)
		}
	}
	return list
}

// matchAt runs p anchored at data[start] forward and returns the length of
// the highest-priority match, or -1. limit bounds the match length.
func (vm *vmState) matchAt(p *regexProg, data []byte, start, limit int) int {
	vm.reset(len(p.insts))
	vm.gen++
	cur := vm.addThread(p, vm.cur[:0], 0, data, start, false)
	nxt := vm.nxt[:0]
	best := -1
	end := len(data)
	if limit >= 0 && start+limit < end {
		end = start + limit
	}
	i := start
	for len(cur) > 0 {
		vm.gen++
		nxt = nxt[:0]
		for _, pc := range cur {
			in := &p.insts[pc]
			if in.op == opMatch {
				best = i - start
				break // lower-priority threads are cut
			}
			if i < end && p.sets[in.set].has(data[i]) {
				nxt = vm.addThread(p, nxt, pc+1, data, i+1, false)
			}
		}
		if i >= end {
			break
		}
		cur, nxt = nxt, cur
		i++
	}
	vm.cur, vm.nxt = cur[:0], nxt[:0]
	return best
}

// startsBefore runs a reversed program backwards from data[end-1] and
// returns every start position where it matches (all accepting lengths).
func (vm *vmState) startsBefore(p *regexProg, data []byte, end, limit int, out []int) []int {
	vm.reset(len(p.insts))
	vm.gen++
	// i is index of next byte to read going backwards; boundary pos = i+1
	cur := vm.addThread(p, vm.cur[:0], 0, data, end-1, true)
	nxt := vm.nxt[:0]
	lo := 0
	if limit >= 0 && end-limit > 0 {
		lo = end - limit
	}
	i := end - 1
	for len(cur) > 0 {
		vm.gen++
		nxt = nxt[:0]
		matched := false
		for _, pc := range cur {
			in := &p.insts[pc]
			if in.op == opMatch {
				matched = true
				continue
			}
			if i >= lo && p.sets[in.set].has(data[i]) {
				nxt = vm.addThread(p, nxt, pc+1, data, i-1, true)
			}
		}
		if matched {
			out = append(out, i+1)
		}
		if i < lo {
			break
		}
		cur, nxt = nxt, cur
		i--
	}
	vm.cur, vm.nxt = cur[:0], nxt[:0]
	return out
}

// search reports whether p (compiled with a leading lazy .*) matches
// anywhere in data. Used by the "matches" operator.
func (vm *vmState) search(p *regexProg, data []byte) bool {
	return vm.matchAt(p, data, 0, -1) >= 0
}
