package yara

import (
	"fmt"
	"sync"
)

// libyara warns that a string "may slow down scanning" when the worst of
// the atoms it chose for the string scores below a threshold
// (parser.c, yr_parser_reduce_string_declaration). Vigie chooses its own
// atoms (atoms.go, compile.go), so to warn exactly when libyara warns this
// file scores the string as libyara 4.2.3 does (atoms.c): the heuristic
// quality of an atom, the best window of a literal, and for hex strings
// and regular expressions the atom tree libyara builds from its syntax
// tree. It changes nothing in what the scanner uses.

// lyMaxAtom is libyara's YR_MAX_ATOM_LENGTH.
const lyMaxAtom = 4

// lyWarnQuality is YR_ATOM_QUALITY_WARNING_THRESHOLD.
const lyWarnQuality = 255 - 22*lyMaxAtom + 38

// lyAtom is a libyara atom: up to 4 bytes, each with a mask (0xFF known,
// 0x0F or 0xF0 a nibble, 0x00 any byte).
type lyAtom struct {
	n    int
	b, m [lyMaxAtom]byte
}

// lyQuality is yr_atoms_heuristic_quality.
func lyQuality(a *lyAtom) int {
	var seen [256]bool
	q, unique := 0, 0
	for i := 0; i < a.n; i++ {
		switch a.m[i] {
		case 0x00:
			q -= 10
		case 0x0F, 0xF0:
			q += 4
		case 0xFF:
			switch c := a.b[i]; {
			case c == 0x00 || c == 0x20 || c == 0xCC || c == 0xFF:
				q += 12
			case (c|0x20) >= 'a' && (c|0x20) <= 'z':
				q += 18
			default:
				q += 20
			}
			if !seen[a.b[i]] {
				seen[a.b[i]] = true
				unique++
			}
		}
	}
	if unique == 1 && (seen[0x00] || seen[0x20] || seen[0x90] || seen[0xCC] || seen[0xFF]) {
		q -= 10 * a.n
	} else {
		q += 2 * unique
	}
	return 255 - 22*lyMaxAtom + q
}

func lyLiteralAtom(b []byte) lyAtom {
	var a lyAtom
	a.n = min(len(b), lyMaxAtom)
	for i := 0; i < a.n; i++ {
		a.b[i], a.m[i] = b[i], 0xFF
	}
	return a
}

// lyBestWindow is the best atom of a literal: its first bytes, or a
// better-scoring 4-byte window (yr_atoms_extract_from_string).
func lyBestWindow(s []byte) (lyAtom, int) {
	best := lyLiteralAtom(s)
	bq := lyQuality(&best)
	for i := lyMaxAtom; i < len(s); i++ {
		a := lyLiteralAtom(s[i-lyMaxAtom+1 : i+1])
		if q := lyQuality(&a); q > bq {
			best, bq = a, q
		}
	}
	return best, bq
}

// lyTextQuality is the minimum atom quality libyara computes for a text
// string without base64: the best window of the text, then every atom
// derived from it (wide, case variants, xor keys).
func lyTextQuality(sd *stringDef) int {
	best, minQ := lyBestWindow(sd.text)
	var atoms []lyAtom
	if sd.ascii || !sd.wide {
		atoms = append(atoms, best)
	}
	if sd.wide {
		var w lyAtom
		w.n = min(2*best.n, lyMaxAtom)
		for i := 0; i < lyMaxAtom; i++ {
			w.m[i] = 0xFF
		}
		for i := 0; i < best.n && 2*i < lyMaxAtom; i++ {
			w.b[2*i] = best.b[i]
		}
		atoms = append(atoms, w)
	}
	if sd.nocase {
		var variants []lyAtom
		for _, a := range atoms {
			variants = append(variants, lyCaseVariants(a)...)
		}
		atoms = append(atoms, variants...)
	}
	if sd.xor {
		var xs []lyAtom
		for _, a := range atoms {
			for k := sd.xorMin; k <= sd.xorMax; k++ {
				x := a
				for i := 0; i < x.n; i++ {
					x.b[i] ^= byte(k)
				}
				xs = append(xs, x)
			}
		}
		atoms = xs
	}
	for i := range atoms {
		minQ = min(minQ, lyQuality(&atoms[i]))
	}
	return minQ
}

// lyCaseVariants are the other case combinations of an atom's letters.
func lyCaseVariants(a lyAtom) []lyAtom {
	out := []lyAtom{a}
	for i := 0; i < a.n; i++ {
		c := a.b[i] | 0x20
		if c < 'a' || c > 'z' {
			continue
		}
		for _, v := range out {
			v.b[i] ^= 0x20
			out = append(out, v)
		}
	}
	return out[1:]
}

// lyLiteralsQuality is the quality of an alternation of literals (the
// syntax tree libyara builds for a base64 string): the worst of their
// best windows.
func lyLiteralsQuality(lits [][]byte) int {
	q := 255
	for _, l := range lits {
		_, bq := lyBestWindow(l)
		q = min(q, bq)
	}
	return q
}

// slowWarning is libyara's warning for a string whose atoms score below
// its threshold.
func slowWarning(sd *stringDef, quality int) []Warning {
	if quality >= lyWarnQuality {
		return nil
	}
	return []Warning{{Pos: sd.pos, Msg: fmt.Sprintf("string \"$%s\" may slow down scanning", sd.id)}}
}

// lyNode is a node of libyara's regexp syntax tree as atom extraction
// sees it.
type lyNode struct {
	kind  lyKind
	b, m  byte      // lyLit
	subs  []*lyNode // lyConcat, lyAlt, lyRepeat (one)
	times int       // lyRepeat: how many copies of the child extend an atom
}

type lyKind uint8

const (
	lyLit    lyKind = iota // LITERAL, MASKED_LITERAL, ANY (mask 0)
	lyBreak                // any node that ends an atom (classes, anchors, STAR, RANGE_ANY...)
	lyConcat               // CONCAT
	lyAlt                  // ALT
	lyRepeat               // PLUS and RANGE: the child, min(start, 4) times, then a break
)

// lyFromTree converts Vigie's parsed hex string or regexp to the shape of
// libyara's syntax tree.
func lyFromTree(n *rnode, hex bool) *lyNode {
	isAny := func(s *rnode) bool {
		if s.kind != rSet {
			return false
		}
		c := s.set.count()
		return c == 256 || (!hex && c == 255 && !s.set.has('\n'))
	}
	switch n.kind {
	case rSet:
		c := n.set.count()
		switch {
		case isAny(n):
			return &lyAnyNode
		case c == 1:
			return &lyExactNodes[n.set.first()]
		case !hex && c == 2:
			// a letter in a case-insensitive regexp
			f := n.set.first()
			if (f|0x20) >= 'a' && (f|0x20) <= 'z' && n.set.has(f^0x20) {
				return &lyExactNodes[f]
			}
		case hex && c == 16:
			f := n.set.first()
			for _, mask := range []byte{0x0F, 0xF0} {
				ok := true
				for b := 0; b < 256 && ok; b++ {
					ok = n.set.has(byte(b)) == (byte(b)&mask == f&mask)
				}
				if ok {
					return &lyNode{kind: lyLit, b: f & mask, m: mask}
				}
			}
		}
		return &lyBreakNode
	case rConcat, rAlt:
		k := lyConcat
		if n.kind == rAlt {
			k = lyAlt
		}
		out := &lyNode{kind: k, subs: make([]*lyNode, 0, len(n.subs))}
		for _, s := range n.subs {
			out.subs = append(out.subs, lyFromTree(s, hex))
		}
		return out
	case rRepeat:
		sub := n.subs[0]
		if isAny(sub) {
			switch {
			case hex && n.min == 1 && n.max == 1: // [1] is ??
				return &lyAnyNode
			case !hex && n.min == 1 && n.max < 0: // .+ is PLUS
				return &lyNode{kind: lyRepeat, subs: []*lyNode{{kind: lyLit}}, times: 1}
			}
			return &lyBreakNode // RANGE_ANY, STAR
		}
		if n.min == 0 && n.max < 0 {
			return &lyBreakNode // STAR
		}
		return &lyNode{kind: lyRepeat, subs: []*lyNode{lyFromTree(sub, hex)}, times: min(n.min, lyMaxAtom)}
	}
	return &lyBreakNode
}

// The leaves lyFromTree returns most are shared (lyExtract only reads
// the tree): one allocation per byte of every hex string and regexp was a
// tenth of what compiling signature-base allocated.
var (
	lyAnyNode    = lyNode{kind: lyLit}
	lyBreakNode  = lyNode{kind: lyBreak}
	lyExactNodes = func() (t [256]lyNode) {
		for i := range t {
			t[i] = lyNode{kind: lyLit, b: byte(i), m: 0xFF}
		}
		return t
	}()
)

// lyTreeQuality is the minimum atom quality libyara computes for a hex
// string or regexp: a hex string is first split at its jumps over
// chainThreshold (each part scored alone, the worst counts).
//
// A regexp whose repeats nest ((…){4}){4}… would make the walk
// exponential (libyara reaches its code-size limit before extracting
// atoms; Vigie scores first): past lyMaxSteps the quality is taken as
// the best, no warning is given, and the compiler's own limits judge the
// string.
func lyTreeQuality(n *rnode, hex bool) int {
	root := lyFromTree(n, hex)
	score := func(r *lyNode) int {
		t, ok := lyExtract(r)
		if !ok {
			return 255
		}
		return lyChoose(t)
	}
	if !hex || n.kind != rConcat {
		return score(root)
	}
	q := 255
	start := 0
	for i, s := range n.subs {
		if isJump(s) && i > 0 && i < len(n.subs)-1 && (s.min > chainThreshold || s.max > chainThreshold || s.max < 0) {
			q = min(q, score(&lyNode{kind: lyConcat, subs: root.subs[start:i]}))
			start = i + 1
		}
	}
	return min(q, score(&lyNode{kind: lyConcat, subs: root.subs[start:]}))
}

// lyMaxSteps bounds lyExtract's walk: signature-base's largest string
// takes a few thousand steps.
const lyMaxSteps = 1 << 16

// lyTree is a node of libyara's atom tree.
type lyTree struct {
	kind byte // 'L' leaf, '&' and, '|' or
	atom lyAtom
	subs []*lyTree
}

// lyTrim is _yr_atoms_trim: drop unknown bytes at both ends, and keep a
// single byte when unknown bytes are as many as known ones.
func lyTrim(a *lyAtom) {
	left := 0
	for left < a.n && a.m[left] == 0 {
		left++
	}
	for a.n > left && a.m[a.n-1] == 0 {
		a.n--
	}
	a.n -= left
	if a.n == 0 {
		return
	}
	ff, zz := 0, 0
	for i := 0; i < a.n; i++ {
		switch a.m[left+i] {
		case 0xFF:
			ff++
		case 0x00:
			zz++
		}
	}
	if zz >= ff {
		a.n = 1
	}
	copy(a.b[:], a.b[left:])
	copy(a.m[:], a.m[left:])
}

// lyExtract is _yr_atoms_extract_from_re: it walks the syntax tree with
// libyara's explicit stack and builds the atom tree.
// It gives up (false) after lyMaxSteps steps.
func lyExtract(root *lyNode) (*lyTree, bool) {
	type item = lyItem
	top := &lyTree{kind: '|'}
	// the stack is reused: growing it for every string was a tenth of
	// what compiling signature-base allocated
	sp := lyStacks.Get().(*[]lyItem)
	stack := append((*sp)[:0], item{nil, top}, item{root, top})
	defer func() {
		clear(stack[:cap(stack)])
		*sp = stack[:0]
		lyStacks.Put(sp)
	}()
	var cur *lyTree
	var recent [lyMaxAtom]*lyNode
	n := 0
	var best lyAtom
	bestQ := -1
	window := func() lyAtom {
		var a lyAtom
		a.n = n
		for i := 0; i < n; i++ {
			a.b[i], a.m[i] = recent[i].b, recent[i].m
		}
		return a
	}
	for steps := 0; len(stack) > 0; steps++ {
		if steps > lyMaxSteps {
			return nil, false
		}
		si := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if si.app != nil {
			if n > 0 {
				a := window()
				lyTrim(&a)
				leaf := &lyTree{kind: 'L', atom: best}
				if lyQuality(&a) > bestQ {
					leaf.atom = a
				}
				cur.subs = append(cur.subs, leaf)
				n = 0
			}
			cur = si.app
			bestQ = -1
		}
		if si.n == nil {
			continue
		}
		switch x := si.n; x.kind {
		case lyLit:
			if n < lyMaxAtom {
				recent[n] = x
				best.b[n], best.m[n] = x.b, x.m
				n++
				best.n = n
			} else if bestQ < 255 {
				a := window()
				lyTrim(&a)
				if q := lyQuality(&a); q > bestQ {
					best, bestQ = a, q
				}
				copy(recent[:], recent[1:])
				recent[lyMaxAtom-1] = x
			}
		case lyConcat:
			for i := len(x.subs) - 1; i >= 0; i-- {
				stack = append(stack, item{x.subs[i], nil})
			}
		case lyAlt:
			and := &lyTree{kind: '&'}
			cur.subs = append(cur.subs, and)
			stack = append(stack, item{nil, cur})
			ors := make([]*lyTree, len(x.subs))
			for i := range x.subs {
				ors[i] = &lyTree{kind: '|'}
			}
			and.subs = ors
			for i := len(x.subs) - 1; i >= 0; i-- {
				stack = append(stack, item{x.subs[i], ors[i]})
			}
		case lyRepeat:
			stack = append(stack, item{nil, cur})
			for i := 0; i < x.times; i++ {
				stack = append(stack, item{x.subs[0], nil})
			}
		default:
			stack = append(stack, item{nil, cur})
		}
	}
	return top, true
}

// lyItem is an entry of lyExtract's stack.
type lyItem struct {
	n   *lyNode
	app *lyTree // when set, the pending leaf is appended and app becomes current
}

// lyStacks holds *[]lyItem that lyExtract reuses.
var lyStacks = sync.Pool{New: func() any { return new([]lyItem) }}

// lyChoose is _yr_atoms_choose's quality: a leaf scores its trimmed atom
// (0 when nothing is left), an OR its best child, an AND its worst.
func lyChoose(t *lyTree) int {
	switch t.kind {
	case 'L':
		a := t.atom
		lyTrim(&a)
		if a.n == 0 {
			return 0
		}
		return lyQuality(&a)
	case '|':
		q := 0
		for _, s := range t.subs {
			q = max(q, lyChoose(s))
			if q == 255 {
				break
			}
		}
		return q
	}
	q := 255
	for _, s := range t.subs {
		q = min(q, lyChoose(s))
	}
	return q
}
