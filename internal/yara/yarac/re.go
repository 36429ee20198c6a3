package yarac

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
)

// libyara's regex code (libyara/re.c, _yr_re_emit): hex strings and
// regular expressions are compiled to a small instruction set; each
// non-literal string's forward code is followed by its backward code,
// each ending with MATCH; a regexp in a condition is a 4-byte RE header
// (its flags) followed by its code. The decompiler recognises the shapes
// _yr_re_emit produces:
//
//	e1|e2   split_a L1; e1; jmp L2; L1: e2; L2:
//	e*      L0: split L1; e; jmp L0; L1:     (split_a greedy, split_b lazy)
//	e+      L0: e; split L0                  (split_b greedy, split_a lazy)
//	e?      split L1; e; L1:                 (split_a greedy, split_b lazy)
//	e{n,m}  repeat_start n m; e; repeat_end  (plus prolog and epilog copies)
//	.{n,m}  repeat_any n m
const (
	reAny          = 0xA0
	reLiteral      = 0xA2
	reMaskedLit    = 0xA4
	reClass        = 0xA5
	reWordChar     = 0xA7
	reNonWordChar  = 0xA8
	reSpace        = 0xA9
	reNonSpace     = 0xAA
	reDigit        = 0xAB
	reNonDigit     = 0xAC
	reMatch        = 0xAD
	reNotLit       = 0xAE // 4.3 and later: ~XX in a hex string
	reMaskedNotLit = 0xAF // 4.3 and later: ~X? and ~?X
	reMatchAtEnd   = 0xB0
	reMatchAtStart = 0xB1
	reWordBound    = 0xB2
	reNonWordBound = 0xB3
	reRepAnyG      = 0xB4
	reRepAnyU      = 0xB5
	reSplitA       = 0xC0
	reSplitB       = 0xC1
	reJump         = 0xC2
	reRepStartG    = 0xC3
	reRepEndG      = 0xC4
	reRepStartU    = 0xC5
	reRepEndU      = 0xC6

	reFlagNoCase = 0x20
	reFlagDotAll = 0x80

	// maxRENesting bounds the decompiler's recursion.
	maxRENesting = 1000
)

type reInst struct {
	off int
	op  byte
	arg []byte
}

// reArgSize is the size of each opcode's operand.
func reArgSize(op byte) (int, bool) {
	switch op {
	case reAny, reWordChar, reNonWordChar, reSpace, reNonSpace, reDigit, reNonDigit,
		reMatch, reMatchAtEnd, reMatchAtStart, reWordBound, reNonWordBound:
		return 0, true
	case reLiteral, reNotLit:
		return 1, true
	case reMaskedLit, reMaskedNotLit, reJump:
		return 2, true
	case reClass:
		return 33, true
	case reSplitA, reSplitB:
		return 3, true
	case reRepAnyG, reRepAnyU:
		return 4, true
	case reRepStartG, reRepEndG, reRepStartU, reRepEndU:
		return 8, true
	}
	return 0, false
}

// reBlock is one code sequence ending with MATCH.
type reBlock struct {
	start int
	end   int      // offset of the final MATCH
	insts []reInst // without the final MATCH
}

// reCode is the regex code section split into blocks; a block's
// instructions are decoded when a string or condition needs them.
type reCode struct {
	b      []byte
	blocks []*reBlock
	// byStart maps a block's first offset to it.
	byStart map[int]*reBlock
}

// decodeRECode splits the section into blocks; headers are the offsets
// of RE headers (condition regexps), which precede their code. notLits
// allows the negated literals of 4.3 and later.
func decodeRECode(b []byte, headers map[uint32]bool, notLits bool) (*reCode, error) {
	rc := &reCode{b: b, byStart: map[int]*reBlock{}}
	pos := 0
	for pos < len(b) {
		if headers[uint32(pos)] {
			pos += 4
		}
		blk := &reBlock{start: pos, end: -1}
		for blk.end < 0 {
			if pos >= len(b) {
				return nil, fmt.Errorf("corrupt yarac file: regex code at %d does not end with MATCH", blk.start)
			}
			op := b[pos]
			n, ok := reArgSize(op)
			if !ok || !notLits && (op == reNotLit || op == reMaskedNotLit) {
				return nil, fmt.Errorf("corrupt yarac file: unknown regex opcode 0x%02X at %d", op, pos)
			}
			if pos+1+n > len(b) {
				return nil, fmt.Errorf("corrupt yarac file: regex instruction at %d runs past the section", pos)
			}
			if op == reMatch {
				blk.end = pos
			}
			pos += 1 + n
		}
		rc.blocks = append(rc.blocks, blk)
		rc.byStart[blk.start] = blk
	}
	return rc, nil
}

// decoded returns blk with its instructions.
func (rc *reCode) decoded(blk *reBlock) *reBlock {
	if blk.insts != nil || blk.end == blk.start {
		return blk
	}
	count := 0
	for pos := blk.start; pos < blk.end; count++ {
		n, _ := reArgSize(rc.b[pos])
		pos += 1 + n
	}
	blk.insts = make([]reInst, 0, count)
	for pos := blk.start; pos < blk.end; {
		op := rc.b[pos]
		n, _ := reArgSize(op)
		blk.insts = append(blk.insts, reInst{off: pos, op: op, arg: rc.b[pos+1 : pos+1+n]})
		pos += 1 + n
	}
	return blk
}

// blockAt returns the block containing offset off, decoded.
func (rc *reCode) blockAt(off int) *reBlock {
	i := sort.Search(len(rc.blocks), func(i int) bool { return rc.blocks[i].start > off })
	if i == 0 {
		return nil
	}
	b := rc.blocks[i-1]
	if off > b.end {
		return nil
	}
	return rc.decoded(b)
}

// reNode is a decompiled regex.
type reNode struct {
	kind     int
	b        byte // literal value
	mask     byte
	class    []byte // 32-byte bitmap
	lits     []byte // nLits
	neg      bool
	text     string // specials: \w, ^, ...
	subs     []*reNode
	min, max int
	greedy   bool
	h        uint64 // structural hash, 0 until computed
}

// hash is a structural hash of the tree, computed once per node.
func (n *reNode) hash() uint64 {
	if n.h != 0 {
		return n.h
	}
	h := uint64(14695981039346656037)
	mix := func(v uint64) { h = (h ^ v) * 1099511628211 }
	mix(uint64(n.kind))
	mix(uint64(n.b)<<8 | uint64(n.mask))
	for _, c := range n.class {
		mix(uint64(c))
	}
	for _, c := range n.lits {
		mix(uint64(c))
	}
	if n.neg {
		mix(1)
	}
	for _, c := range []byte(n.text) {
		mix(uint64(c))
	}
	mix(uint64(n.min))
	mix(uint64(n.max))
	if n.greedy {
		mix(2)
	}
	for _, c := range n.subs {
		mix(c.hash())
	}
	if h == 0 {
		h = 1
	}
	n.h = h
	return h
}

// sameTree reports whether two trees are equal.
func sameTree(a, b *reNode) bool {
	if a == b {
		return true
	}
	if a.hash() != b.hash() || a.kind != b.kind || a.b != b.b || a.mask != b.mask || a.neg != b.neg ||
		a.text != b.text || a.min != b.min || a.max != b.max || a.greedy != b.greedy ||
		string(a.class) != string(b.class) || string(a.lits) != string(b.lits) || len(a.subs) != len(b.subs) {
		return false
	}
	for i := range a.subs {
		if !sameTree(a.subs[i], b.subs[i]) {
			return false
		}
	}
	return true
}

const (
	nLit  = iota
	nLits // a run of literals (lits)
	nMasked
	nAny
	nClass
	nSpecial
	nConcat
	nAlt
	nStar
	nPlus
	nOpt
	nRepeat
	nRepeatAny
)

type reDecoder struct {
	insts []reInst
	slab  []reNode
	end   int // offset just past the last instruction
	depth int
}

// decompileRE turns a block into a tree.
func decompileRE(blk *reBlock) (*reNode, error) {
	d := &reDecoder{insts: blk.insts}
	d.end = blk.start
	if k := len(blk.insts); k > 0 {
		d.end = blk.insts[k-1].off + 1 + len(blk.insts[k-1].arg)
	}
	n, _, err := d.seq(0, d.end)
	return n, err
}

func i16(b []byte) int { return int(int16(binary.LittleEndian.Uint16(b))) }

// index returns the index of the instruction at offset off (len(insts)
// for the end of the block).
func (d *reDecoder) index(off int) (int, bool) {
	if off == d.end {
		return len(d.insts), true
	}
	i := sort.Search(len(d.insts), func(i int) bool { return d.insts[i].off >= off })
	return i, i < len(d.insts) && d.insts[i].off == off
}

// node allocates a node from a slab (a hex string is a node per byte).
func (d *reDecoder) node(n reNode) *reNode {
	if len(d.slab) == cap(d.slab) {
		d.slab = make([]reNode, 0, min(2*cap(d.slab)+8, 256))
	}
	d.slab = append(d.slab, n)
	return &d.slab[len(d.slab)-1]
}

// seq decodes instructions from index i up to offset end.
func (d *reDecoder) seq(i, end int) (*reNode, int, error) {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxRENesting {
		return nil, 0, fmt.Errorf("regex nested deeper than %d", maxRENesting)
	}
	var items []reItem
	litEnd := -1
	for i < len(d.insts) && d.insts[i].off < end {
		in := d.insts[i]
		var n *reNode
		next := i + 1
		switch in.op {
		case reLiteral:
			// consecutive literals make one node
			if k := len(items) - 1; k >= 0 && litEnd == in.off && (items[k].n.kind == nLit || items[k].n.kind == nLits) {
				p := items[k].n
				if p.kind == nLit {
					p.kind, p.lits = nLits, []byte{p.b}
				}
				p.lits = append(p.lits, in.arg[0])
				litEnd = in.off + 2
				i = next
				continue
			}
			n = d.node(reNode{kind: nLit, b: in.arg[0]})
			litEnd = in.off + 2
		case reMaskedLit:
			n = d.node(reNode{kind: nMasked, b: in.arg[0], mask: in.arg[1]})
		case reNotLit:
			n = d.node(reNode{kind: nMasked, b: in.arg[0], mask: 0xFF, neg: true})
		case reMaskedNotLit:
			n = d.node(reNode{kind: nMasked, b: in.arg[0], mask: in.arg[1], neg: true})
		case reAny:
			n = d.node(reNode{kind: nAny})
		case reClass:
			n = d.node(reNode{kind: nClass, neg: in.arg[0] != 0, class: in.arg[1:33]})
		case reWordChar, reNonWordChar, reSpace, reNonSpace, reDigit, reNonDigit,
			reMatchAtEnd, reMatchAtStart, reWordBound, reNonWordBound:
			n = &reNode{kind: nSpecial, text: map[byte]string{
				reWordChar: `\w`, reNonWordChar: `\W`, reSpace: `\s`, reNonSpace: `\S`,
				reDigit: `\d`, reNonDigit: `\D`, reMatchAtEnd: `$`, reMatchAtStart: `^`,
				reWordBound: `\b`, reNonWordBound: `\B`}[in.op]}
		case reRepAnyG, reRepAnyU:
			lo := int(binary.LittleEndian.Uint16(in.arg))
			hi := int(binary.LittleEndian.Uint16(in.arg[2:]))
			if lo > hi {
				return nil, 0, fmt.Errorf("regex code at %d: repeat {%d,%d}", in.off, lo, hi)
			}
			n = d.node(reNode{kind: nRepeatAny, min: lo, max: hi, greedy: in.op == reRepAnyG})
		case reRepStartG, reRepStartU:
			lo := int(binary.LittleEndian.Uint16(in.arg))
			hi := int(binary.LittleEndian.Uint16(in.arg[2:]))
			skip := int(int32(binary.LittleEndian.Uint32(in.arg[4:])))
			endOff := in.off + skip - 9
			j, ok := d.index(endOff)
			if !ok || skip <= 9 || endOff >= end || j >= len(d.insts) || d.insts[j].op != in.op+1 || lo > hi {
				return nil, 0, fmt.Errorf("regex code at %d: malformed repeat", in.off)
			}
			body, _, err := d.seq(i+1, endOff)
			if err != nil {
				return nil, 0, err
			}
			n = &reNode{kind: nRepeat, subs: []*reNode{body}, min: lo, max: hi, greedy: in.op == reRepStartG}
			next = j + 1
		case reSplitA, reSplitB:
			o := i16(in.arg[1:])
			target := in.off + o
			if o < 0 {
				// e+: the items from target on are the body
				k := len(items)
				for k > 0 && items[k-1].off > target {
					k--
				}
				if k > 0 && items[k-1].n.kind == nLits && items[k-1].off < target {
					// the body starts inside a run of literals: split it
					it := items[k-1]
					c := (target - it.off) / 2
					if (target-it.off)%2 != 0 || c >= len(it.n.lits) {
						return nil, 0, fmt.Errorf("regex code at %d: split into the middle of an instruction", in.off)
					}
					head := d.node(reNode{kind: nLits, lits: it.n.lits[:c:c]})
					if c == 1 {
						head = d.node(reNode{kind: nLit, b: it.n.lits[0]})
					}
					tail := d.node(reNode{kind: nLits, lits: it.n.lits[c:]})
					if len(tail.lits) == 1 {
						tail = d.node(reNode{kind: nLit, b: tail.lits[0]})
					}
					items = append(items[:k-1], reItem{it.off, head}, reItem{target, tail})
					k = len(items)
				}
				if k == 0 || items[k-1].off != target {
					return nil, 0, fmt.Errorf("regex code at %d: split into the middle of an instruction", in.off)
				}
				k--
				body := concat(nodesOf(items[k:]))
				n = &reNode{kind: nPlus, subs: []*reNode{body}, greedy: in.op == reSplitB}
				items = items[:k]
				items = append(items, reItem{target, n})
				i = next
				continue
			}
			l2 := target
			j2, ok := d.index(l2)
			if !ok || l2 <= in.off || l2 > end {
				return nil, 0, fmt.Errorf("regex code at %d: split out of its sequence", in.off)
			}
			jl, isJump := d.index(l2 - 3)
			if isJump && jl > i && d.insts[jl].op == reJump {
				jt := d.insts[jl].off + i16(d.insts[jl].arg)
				switch {
				case jt == in.off:
					body, _, err := d.seq(i+1, l2-3)
					if err != nil {
						return nil, 0, err
					}
					n = &reNode{kind: nStar, subs: []*reNode{body}, greedy: in.op == reSplitA}
					next = j2
				case jt >= l2:
					j3, ok := d.index(jt)
					if !ok || jt > end || in.op != reSplitA {
						return nil, 0, fmt.Errorf("regex code at %d: malformed alternation", in.off)
					}
					e1, _, err := d.seq(i+1, l2-3)
					if err != nil {
						return nil, 0, err
					}
					e2, _, err := d.seq(j2, jt)
					if err != nil {
						return nil, 0, err
					}
					n = &reNode{kind: nAlt, subs: []*reNode{e1, e2}}
					next = j3
				default:
					isJump = false
				}
			} else {
				isJump = false
			}
			if n == nil {
				body, _, err := d.seq(i+1, l2)
				if err != nil {
					return nil, 0, err
				}
				n = &reNode{kind: nOpt, subs: []*reNode{body}, greedy: in.op == reSplitA}
				next = j2
			}
		default:
			return nil, 0, fmt.Errorf("regex code at %d: unexpected opcode 0x%02X", in.off, in.op)
		}
		items = append(items, reItem{in.off, n})
		i = next
	}
	if i < len(d.insts) && d.insts[i].off != end || i >= len(d.insts) && end != d.end {
		return nil, 0, fmt.Errorf("regex code: sequence does not end at %d", end)
	}
	return concat(nodesOf(items)), i, nil
}

type reItem struct {
	off int
	n   *reNode
}

func nodesOf(items []reItem) []*reNode {
	out := make([]*reNode, 0, len(items))
	for _, it := range items {
		out = append(out, it.n)
	}
	return out
}

func concat(ns []*reNode) *reNode {
	if len(ns) == 1 {
		return ns[0]
	}
	return &reNode{kind: nConcat, subs: ns}
}

// regexText renders a tree as YARA regexp syntax (between the slashes).
func regexText(n *reNode, sb *strings.Builder) error {
	switch n.kind {
	case nLit:
		writeRegexByte(sb, n.b, false)
	case nLits:
		for _, c := range n.lits {
			writeRegexByte(sb, c, false)
		}
	case nAny:
		sb.WriteByte('.')
	case nClass:
		return writeClass(sb, n)
	case nSpecial:
		sb.WriteString(n.text)
	case nConcat:
		for _, s := range mergeRuns(n.subs) {
			if s.kind == nAlt {
				sb.WriteByte('(')
				if err := regexText(s, sb); err != nil {
					return err
				}
				sb.WriteByte(')')
				continue
			}
			if err := regexText(s, sb); err != nil {
				return err
			}
		}
	case nAlt:
		if err := regexText(n.subs[0], sb); err != nil {
			return err
		}
		sb.WriteByte('|')
		return regexText(n.subs[1], sb)
	case nStar, nPlus, nOpt, nRepeat:
		if n.kind == nRepeat && n.max == 0 {
			return nil
		}
		if err := regexGroup(n.subs[0], sb); err != nil {
			return err
		}
		switch n.kind {
		case nStar:
			sb.WriteByte('*')
		case nPlus:
			sb.WriteByte('+')
		case nOpt:
			sb.WriteByte('?')
		case nRepeat:
			writeRange(sb, n.min, n.max)
		}
		if !n.greedy {
			sb.WriteByte('?')
		}
	case nRepeatAny:
		sb.WriteByte('.')
		writeRange(sb, n.min, n.max)
		if !n.greedy {
			sb.WriteByte('?')
		}
	case nMasked:
		if n.mask == 0xFF && !n.neg {
			writeRegexByte(sb, n.b, false)
			return nil
		}
		return fmt.Errorf("masked byte in a regular expression")
	default:
		return fmt.Errorf("unknown regex node")
	}
	return nil
}

// reMaxRange is libyara's RE_MAX_RANGE: the bound "{n,}" stands for.
const reMaxRange = 32767

func writeRange(sb *strings.Builder, lo, hi int) {
	switch {
	case lo == hi:
		fmt.Fprintf(sb, "{%d}", lo)
	case hi >= reMaxRange:
		fmt.Fprintf(sb, "{%d,}", lo)
	default:
		fmt.Fprintf(sb, "{%d,%d}", lo, hi)
	}
}

// mergeRuns joins adjacent repetitions of the same atom: libyara emits
// e{n,m} as a prolog copy of e, a repeat of e and an optional epilog copy
// (so /b{1,}/ comes back as b, b{0,32765}, b?); together they are
// e{n,m} again. Plain atoms join either greediness; two quantified ones
// join only when both are greedy or both lazy.
func mergeRuns(subs []*reNode) []*reNode {
	subs = peelLits(subs)
	var res []*reNode
	var cur *reRun
	emit := func() {
		if cur != nil {
			res = append(res, cur.nodes()...)
			cur = nil
		}
	}
	for _, n := range subs {
		r, ok := repetition(n)
		if !ok {
			emit()
			res = append(res, n)
			continue
		}
		if cur != nil && sameTree(cur.body, r.body) && (r.plain || cur.plain || cur.greedy == r.greedy) {
			cur.min += r.min
			cur.max = min(cur.max+r.max, reMaxRange)
			if cur.plain {
				cur.greedy = r.greedy
			}
			cur.plain = cur.plain && r.plain
			cur.origs = append(cur.origs, n)
			continue
		}
		emit()
		cur = &r
	}
	emit()
	return res
}

// peelLits splits off the ends of a run of literals that continue a
// repetition of the same byte before or after it ("a{2}" + "ab" +
// "b{0,3}" becomes "a{2}" "a" "b" "b{0,3}", which mergeRuns joins).
func peelLits(subs []*reNode) []*reNode {
	litRep := func(x *reNode, c byte) bool {
		switch x.kind {
		case nStar, nPlus, nOpt, nRepeat:
			return x.subs[0].kind == nLit && x.subs[0].b == c
		}
		return false
	}
	var out []*reNode
	for i, n := range subs {
		if n.kind != nLits || len(n.lits) < 2 {
			out = append(out, n)
			continue
		}
		l := n.lits
		front := i > 0 && litRep(subs[i-1], l[0])
		back := i+1 < len(subs) && litRep(subs[i+1], l[len(l)-1])
		if !front && !back {
			out = append(out, n)
			continue
		}
		if front {
			out = append(out, &reNode{kind: nLit, b: l[0]})
			l = l[1:]
		}
		var last *reNode
		if back && len(l) > 0 {
			last = &reNode{kind: nLit, b: l[len(l)-1]}
			l = l[:len(l)-1]
		}
		switch len(l) {
		case 0:
		case 1:
			out = append(out, &reNode{kind: nLit, b: l[0]})
		default:
			out = append(out, &reNode{kind: nLits, lits: l})
		}
		if last != nil {
			out = append(out, last)
		}
	}
	return out
}

// reRun is a node seen as body{min,max}.
type reRun struct {
	origs    []*reNode
	body     *reNode
	min, max int
	greedy   bool
	plain    bool
}

// repetition describes n as a repetition of an atom.
func repetition(n *reNode) (reRun, bool) {
	r := reRun{origs: []*reNode{n}, body: n, min: 1, max: 1, greedy: true, plain: true}
	switch n.kind {
	case nStar, nPlus, nOpt, nRepeat:
		r.body, r.greedy, r.plain = n.subs[0], n.greedy, false
		r.min, r.max = map[int][2]int{nStar: {0, reMaxRange}, nPlus: {1, reMaxRange}, nOpt: {0, 1}, nRepeat: {n.min, n.max}}[n.kind][0],
			map[int][2]int{nStar: {0, reMaxRange}, nPlus: {1, reMaxRange}, nOpt: {0, 1}, nRepeat: {n.min, n.max}}[n.kind][1]
	case nLit, nLits, nAny, nClass, nSpecial, nConcat, nAlt:
		// a group is joined only with quantified copies of itself
	default:
		return r, false
	}
	return r, true
}

// nodes rebuilds a run as one node. Plain copies alone stay as they
// are: "aa" as a{2} would be a greedy quantifier, which YARA refuses in
// a regexp with lazy ones.
func (r *reRun) nodes() []*reNode {
	if len(r.origs) == 1 || r.plain {
		return r.origs
	}
	return []*reNode{{kind: nRepeat, subs: []*reNode{r.body}, min: r.min, max: r.max, greedy: r.greedy}}
}

// regexGroup writes n as one quantifiable atom.
func regexGroup(n *reNode, sb *strings.Builder) error {
	switch n.kind {
	case nLit, nAny, nClass:
		return regexText(n, sb)
	case nSpecial:
		if n.text != "^" && n.text != "$" {
			return regexText(n, sb)
		}
	}
	sb.WriteByte('(')
	if err := regexText(n, sb); err != nil {
		return err
	}
	sb.WriteByte(')')
	return nil
}

func writeRegexByte(sb *strings.Builder, c byte, inClass bool) {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == ' ' && !inClass {
		sb.WriteByte(c)
		return
	}
	sb.WriteString(`\x`)
	sb.WriteByte(hexDigits[c>>4])
	sb.WriteByte(hexDigits[c&15])
}

func writeClass(sb *strings.Builder, n *reNode) error {
	in := func(c int) bool { return n.class[c/8]&(1<<(c%8)) != 0 }
	any := false
	for c := 0; c < 256; c++ {
		if in(c) {
			any = true
			break
		}
	}
	if !any {
		if n.neg {
			sb.WriteString(`[\x00-\xFF]`)
			return nil
		}
		return fmt.Errorf("empty character class")
	}
	sb.WriteByte('[')
	if n.neg {
		sb.WriteByte('^')
	}
	for c := 0; c < 256; {
		if !in(c) {
			c++
			continue
		}
		e := c
		for e+1 < 256 && in(e+1) {
			e++
		}
		fmt.Fprintf(sb, `\x%02X`, c)
		if e > c {
			fmt.Fprintf(sb, `-\x%02X`, e)
		}
		c = e + 1
	}
	sb.WriteByte(']')
	return nil
}

// hexText renders a tree as hex-string tokens.
func hexText(n *reNode, sb *strings.Builder) error {
	switch n.kind {
	case nLit:
		writeHexByte(sb, n.b)
	case nLits:
		for _, c := range n.lits {
			writeHexByte(sb, c)
		}
	case nAny:
		sb.WriteString("?? ")
	case nMasked:
		if n.neg {
			if n.mask == 0 {
				return fmt.Errorf("hex string: negated ??")
			}
			sb.WriteByte('~')
		}
		switch n.mask {
		case 0xFF:
			fmt.Fprintf(sb, "%02X ", n.b)
		case 0xF0:
			fmt.Fprintf(sb, "%X? ", n.b>>4)
		case 0x0F:
			fmt.Fprintf(sb, "?%X ", n.b&0xF)
		case 0x00:
			sb.WriteString("?? ")
		default:
			return fmt.Errorf("hex string: mask 0x%02X", n.mask)
		}
	case nConcat:
		for _, s := range n.subs {
			if err := hexText(s, sb); err != nil {
				return err
			}
		}
	case nAlt:
		sb.WriteString("( ")
		if err := hexAlt(n, sb); err != nil {
			return err
		}
		sb.WriteString(") ")
	case nRepeatAny:
		switch {
		case n.min == n.max:
			fmt.Fprintf(sb, "[%d] ", n.min)
		case n.max > reMaxRange:
			// a jump left whole in a chained part (one next to a chain's
			// gap: { 31 [-] [8-] [-] 30 }) keeps its bounds as 16 bits,
			// [8-] as [8-65535]; libyara's regex scan stops at 4 KB
			// (YR_RE_SCAN_LIMIT), so any bound past that is unbounded
			fmt.Fprintf(sb, "[%d-] ", n.min)
		default:
			fmt.Fprintf(sb, "[%d-%d] ", n.min, n.max)
		}
	default:
		return fmt.Errorf("hex string: unexpected regex construct")
	}
	return nil
}

func hexAlt(n *reNode, sb *strings.Builder) error {
	for k, s := range n.subs {
		if k > 0 {
			sb.WriteString("| ")
		}
		var err error
		if s.kind == nAlt {
			err = hexAlt(s, sb)
		} else {
			err = hexText(s, sb)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
