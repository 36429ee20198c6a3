package yara

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
)

type vkind uint8

const (
	vUndef vkind = iota
	vInt
	vFloat
	vStr
	vStruct
	vArray
	vDict
	vFunc
	vLazy // module field computed on first access: o is func() value
)

// value is a condition value; YARA's booleans are integers.
type value struct {
	k vkind
	i int64
	f float64
	s string
	o any
}

var undef = value{}

func intVal(i int64) value { return value{k: vInt, i: i} }
func boolVal(b bool) value {
	if b {
		return value{k: vInt, i: 1}
	}
	return value{k: vInt, i: 0}
}
func strVal(s string) value    { return value{k: vStr, s: s} }
func floatVal(f float64) value { return value{k: vFloat, f: f} }
func (v value) truthy() bool {
	switch v.k {
	case vInt:
		return v.i != 0
	case vFloat:
		return v.f != 0
	case vStr:
		return v.s != ""
	case vStruct, vArray, vDict:
		return true
	}
	return false
}

// Module object model: structures, arrays, dictionaries and functions.
type mstruct struct {
	fields map[string]value
	consts map[string]int64 // shared read-only module constants, looked up on a miss
}

func (m *mstruct) set(name string, v value) { m.fields[name] = v }
func newStruct() *mstruct                   { return &mstruct{fields: map[string]value{}} }
func structVal(m *mstruct) value            { return value{k: vStruct, o: m} }

type marray struct{ items []value }

func arrayVal(items []value) value { return value{k: vArray, o: &marray{items: items}} }

type mdict struct {
	keys []string
	m    map[string]value
}

func dictVal(d *mdict) value { return value{k: vDict, o: d} }

type mfunc func(e *evaluator, args []value) value

func funcVal(f mfunc) value { return value{k: vFunc, o: f} }

// evaluator evaluates conditions for one file.
type evaluator struct {
	sc      *scanCtx
	rule    *rule
	vars    []value
	anon    int // current string in for-of
	steps   int
	aborted bool
}

// maxEvalSteps bounds the work of one rule's condition (loops over big
// ranges); when exceeded the scan fails with a timeout-like error.
const maxEvalSteps = 50_000_000

func (e *evaluator) strIdx(n *node) int {
	if n.sidx < 0 {
		return e.anon
	}
	return int(n.sidx)
}

func (e *evaluator) evalBool(n *node) bool { return e.eval(n).truthy() }

func (e *evaluator) eval(n *node) value {
	e.steps++
	if e.steps > maxEvalSteps {
		e.aborted = true
	}
	if e.aborted {
		return undef
	}
	sc := e.sc
	switch n.kind {
	case nInt:
		return intVal(n.i)
	case nFloat:
		return floatVal(n.fval())
	case nStr:
		return strVal(n.s)
	case nFilesize:
		return intVal(int64(len(sc.data)))
	case nEntrypoint:
		return sc.entrypoint()
	case nStrMatch:
		ms := sc.matches(e.strIdx(n))
		if n.a != nil {
			at := e.eval(n.a)
			if at.k != vInt {
				// libyara's OP_FOUND_AT: false, not undefined
				return boolVal(false)
			}
			for _, m := range ms {
				if m.Offset == at.i {
					return boolVal(true)
				}
			}
			return boolVal(false)
		}
		if n.b != nil {
			lo, hi, ok := e.rangeVals(n.b)
			if !ok {
				return undef
			}
			for _, m := range ms {
				if m.Offset >= lo && m.Offset <= hi {
					return boolVal(true)
				}
			}
			return boolVal(false)
		}
		return boolVal(len(ms) > 0)
	case nStrCount:
		ms := sc.matches(e.strIdx(n))
		if n.b != nil {
			lo, hi, ok := e.rangeVals(n.b)
			if !ok {
				return undef
			}
			c := 0
			for _, m := range ms {
				if m.Offset >= lo && m.Offset <= hi {
					c++
				}
			}
			return intVal(int64(c))
		}
		return intVal(int64(len(ms)))
	case nStrOffset, nStrLength:
		ms := sc.matches(e.strIdx(n))
		idx := int64(1)
		if n.a != nil {
			v := e.eval(n.a)
			if v.k != vInt {
				return undef
			}
			idx = v.i
		}
		if idx < 1 || idx > int64(len(ms)) {
			return undef
		}
		m := ms[idx-1]
		if n.kind == nStrOffset {
			return intVal(m.Offset)
		}
		return intVal(int64(m.Length))
	case nAnd:
		if !e.evalBool(n.a) {
			return boolVal(false)
		}
		return boolVal(e.evalBool(n.b))
	case nOr:
		if e.evalBool(n.a) {
			return boolVal(true)
		}
		return boolVal(e.evalBool(n.b))
	case nNot:
		v := e.eval(n.a)
		if v.k == vUndef {
			return undef
		}
		return boolVal(!v.truthy())
	case nDefined:
		return boolVal(e.eval(n.a).k != vUndef)
	case nNeg:
		v := e.eval(n.a)
		switch v.k {
		case vInt:
			return intVal(-v.i)
		case vFloat:
			return floatVal(-v.f)
		}
		return undef
	case nBitNot:
		v := e.eval(n.a)
		if v.k != vInt {
			return undef
		}
		return intVal(^v.i)
	case nBin:
		return e.binop(n)
	case nIntRead:
		off := e.eval(n.a)
		if off.k != vInt {
			return undef
		}
		return readInt(sc.data, off.i, n.s)
	case nLoopVar:
		return e.vars[n.i]
	case nRuleRef:
		return boolVal(sc.ruleResult(int(n.i)))
	case nExternal:
		if v, ok := sc.externals[n.s]; ok {
			return v
		}
		return sc.rules.externals[n.s]
	case nModule:
		return sc.module(n.s)
	case nField:
		v := e.eval(n.a)
		if v.k != vStruct {
			return undef
		}
		ms := v.o.(*mstruct)
		f, ok := ms.fields[n.s]
		if !ok {
			if c, ok := ms.consts[n.s]; ok {
				return intVal(c)
			}
			return undef
		}
		if f.k == vLazy {
			f = f.o.(func() value)()
			ms.fields[n.s] = f
		}
		return f
	case nIndex:
		v := e.eval(n.a)
		ix := e.eval(n.b)
		switch v.k {
		case vArray:
			if ix.k != vInt {
				return undef
			}
			a := v.o.(*marray)
			if ix.i < 0 || ix.i >= int64(len(a.items)) {
				return undef
			}
			return a.items[ix.i]
		case vDict:
			if ix.k != vStr {
				return undef
			}
			d, ok := v.o.(*mdict).m[ix.s]
			if !ok {
				return undef
			}
			return d
		}
		return undef
	case nCall:
		fv := e.eval(n.a)
		if fv.k != vFunc {
			return undef
		}
		args := make([]value, len(n.list))
		for i, a := range n.list {
			if a.kind == nRegex {
				args[i] = value{k: vStr, o: a.re, s: a.s}
				continue
			}
			args[i] = e.eval(a)
		}
		return fv.o.(mfunc)(e, args)
	case nOf:
		return e.evalOf(n)
	case nForOf:
		return e.evalForOf(n)
	case nForIn:
		return e.evalForIn(n)
	case nRegex:
		return undef
	}
	return undef
}

func (e *evaluator) rangeVals(r *node) (int64, int64, bool) {
	a, b := e.eval(r.a), e.eval(r.b)
	if a.k != vInt || b.k != vInt {
		return 0, 0, false
	}
	return a.i, b.i, true
}

func readInt(data []byte, off int64, fn string) value {
	be := strings.HasSuffix(fn, "be")
	name := strings.TrimSuffix(fn, "be")
	size := 1
	switch name {
	case "int16", "uint16":
		size = 2
	case "int32", "uint32":
		size = 4
	}
	// off > len-size, not off+size > len: off+size overflows for offsets
	// near math.MaxInt64
	if off < 0 || off > int64(len(data))-int64(size) {
		return undef
	}
	b := data[off : off+int64(size)]
	var u uint64
	switch size {
	case 1:
		u = uint64(b[0])
	case 2:
		if be {
			u = uint64(binary.BigEndian.Uint16(b))
		} else {
			u = uint64(binary.LittleEndian.Uint16(b))
		}
	case 4:
		if be {
			u = uint64(binary.BigEndian.Uint32(b))
		} else {
			u = uint64(binary.LittleEndian.Uint32(b))
		}
	}
	if name[0] == 'u' {
		return intVal(int64(u))
	}
	switch size {
	case 1:
		return intVal(int64(int8(u)))
	case 2:
		return intVal(int64(int16(u)))
	}
	return intVal(int64(int32(u)))
}

func (e *evaluator) binop(n *node) value {
	if n.op == "matches" {
		l := e.eval(n.a)
		if l.k != vStr {
			return undef
		}
		return boolVal(e.sc.vm.search(n.b.re, []byte(l.s)))
	}
	l := e.eval(n.a)
	r := e.eval(n.b)
	if l.k == vUndef || r.k == vUndef {
		if n.i == floatLess {
			return boolVal(false)
		}
		return undef
	}
	if l.k == vStr || r.k == vStr {
		if l.k != vStr || r.k != vStr {
			return undef
		}
		a, b := l.s, r.s
		switch n.op {
		case "==":
			return boolVal(a == b)
		case "!=":
			return boolVal(a != b)
		case "<":
			return boolVal(a < b)
		case ">":
			return boolVal(a > b)
		case "<=":
			return boolVal(a <= b)
		case ">=":
			return boolVal(a >= b)
		case "contains":
			return boolVal(strings.Contains(a, b))
		case "icontains":
			return boolVal(bytes.Contains(lowerASCII(a), lowerASCII(b)))
		case "startswith":
			return boolVal(strings.HasPrefix(a, b))
		case "istartswith":
			return boolVal(bytes.HasPrefix(lowerASCII(a), lowerASCII(b)))
		case "endswith":
			return boolVal(strings.HasSuffix(a, b))
		case "iendswith":
			return boolVal(bytes.HasSuffix(lowerASCII(a), lowerASCII(b)))
		case "iequals":
			return boolVal(bytes.Equal(lowerASCII(a), lowerASCII(b)))
		}
		return undef
	}
	if l.k == vFloat || r.k == vFloat {
		if (l.k != vFloat && l.k != vInt) || (r.k != vFloat && r.k != vInt) {
			return undef
		}
		a, b := l.f, r.f
		if l.k == vInt {
			a = float64(l.i)
		}
		if r.k == vInt {
			b = float64(r.i)
		}
		switch n.op {
		case "+":
			return floatVal(a + b)
		case "-":
			return floatVal(a - b)
		case "*":
			return floatVal(a * b)
		case "\\":
			// IEEE division, as libyara's OP_DBL_DIV: 1.5 \ 0 is +Inf
			return floatVal(a / b)
		}
		return compare(n.op, a, b)
	}
	if l.k != vInt || r.k != vInt {
		return undef
	}
	a, b := l.i, r.i
	switch n.op {
	case "+":
		return intVal(a + b)
	case "-":
		return intVal(a - b)
	case "*":
		return intVal(a * b)
	case "\\":
		if b == 0 || (a == math.MinInt64 && b == -1) {
			return undef
		}
		return intVal(a / b)
	case "%":
		if b == 0 || (a == math.MinInt64 && b == -1) {
			return undef
		}
		return intVal(a % b)
	case "&":
		return intVal(a & b)
	case "|":
		return intVal(a | b)
	case "^":
		return intVal(a ^ b)
	case "<<":
		if b < 0 {
			return undef
		}
		if b >= 64 {
			return intVal(0)
		}
		return intVal(a << uint(b))
	case ">>":
		if b < 0 {
			return undef
		}
		if b >= 64 {
			return intVal(0)
		}
		return intVal(a >> uint(b))
	}
	return compare(n.op, a, b)
}

// compare applies a comparison operator; undef for any other operator.
func compare[T int64 | float64](op string, a, b T) value {
	switch op {
	case "==":
		return boolVal(a == b)
	case "!=":
		return boolVal(a != b)
	case "<":
		return boolVal(a < b)
	case ">":
		return boolVal(a > b)
	case "<=":
		return boolVal(a <= b)
	case ">=":
		return boolVal(a >= b)
	}
	return undef
}

func lowerASCII(s string) []byte {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return b
}

// quantNeeded returns how many of total items must be true, and whether
// the quantifier is "none".
func (e *evaluator) quantNeeded(n *node, total int) (need int64, none bool, ok bool) {
	switch n.qkind {
	case "all":
		return int64(total), false, true
	case "any":
		return 1, false, true
	case "none":
		return 0, true, true
	}
	v := e.eval(n.quant)
	if v.k != vInt {
		return 0, false, false
	}
	if n.percent {
		// at least v% of total, rounded up
		need = (v.i*int64(total) + 99) / 100
		return need, false, true
	}
	return v.i, false, true
}

func (e *evaluator) evalOf(n *node) value {
	var count, total int
	if n.isRuleSet {
		total = len(n.ruleSet)
		for _, ri := range n.ruleSet {
			if e.sc.ruleResult(ri) {
				count++
			}
		}
	} else {
		total = len(n.set)
		var at value
		var lo, hi int64
		if n.a != nil {
			at = e.eval(n.a)
			if at.k != vInt {
				return undef
			}
		}
		if n.b != nil {
			var ok bool
			lo, hi, ok = e.rangeVals(n.b)
			if !ok {
				return undef
			}
		}
		for _, si := range n.set {
			ms := e.sc.matches(int(si))
			hit := false
			switch {
			case n.a != nil:
				for _, m := range ms {
					if m.Offset == at.i {
						hit = true
						break
					}
				}
			case n.b != nil:
				for _, m := range ms {
					if m.Offset >= lo && m.Offset <= hi {
						hit = true
						break
					}
				}
			default:
				hit = len(ms) > 0
			}
			if hit {
				count++
			}
		}
	}
	need, none, ok := e.quantNeeded(n, total)
	if !ok {
		return undef
	}
	if none {
		return boolVal(count == 0)
	}
	return boolVal(int64(count) >= need)
}

func (e *evaluator) evalForOf(n *node) value {
	need, none, ok := e.quantNeeded(n, len(n.set))
	if !ok {
		return undef
	}
	saved := e.anon
	defer func() { e.anon = saved }()
	count := int64(0)
	for _, si := range n.set {
		e.anon = int(si)
		if e.evalBool(n.a) {
			count++
			if !none && n.qkind != "all" && count >= need {
				return boolVal(true)
			}
			if none {
				return boolVal(false)
			}
		} else if n.qkind == "all" {
			return boolVal(false)
		}
	}
	if none {
		return boolVal(true)
	}
	return boolVal(count >= need)
}

// maxLoopIterations bounds for-in loops over ranges.
const maxLoopIterations = 1 << 22

func (e *evaluator) evalForIn(n *node) value {
	// the iteration: count items, item(k) stores the k-th item's values
	// in the loop variables
	var count int
	var item func(k int)
	it := n.b
	base := n.varBase
	switch it.kind {
	case nRange:
		lo, hi, ok := e.rangeVals(it)
		if len(n.vars) != 1 {
			return undef
		}
		if !ok {
			// libyara iterates nothing over an undefined bound
			return boolVal(false)
		}
		// the unsigned difference is exact when hi >= lo (hi-lo may
		// overflow int64); items are computed as lo+k so that nothing
		// wraps at math.MaxInt64
		if hi >= lo {
			if uint64(hi)-uint64(lo) >= maxLoopIterations {
				e.aborted = true
				return undef
			}
			count = int(hi-lo) + 1
		}
		item = func(k int) { e.vars[base] = intVal(lo + int64(k)) }
	case nList:
		if len(n.vars) != 1 {
			return undef
		}
		vals := make([]value, len(it.list))
		for i, x := range it.list {
			vals[i] = e.eval(x)
		}
		count = len(vals)
		item = func(k int) { e.vars[base] = vals[k] }
	default:
		v := e.eval(it)
		switch v.k {
		case vArray:
			if len(n.vars) != 1 {
				return undef
			}
			items := v.o.(*marray).items
			count = len(items)
			item = func(k int) { e.vars[base] = items[k] }
		case vDict:
			if len(n.vars) != 2 {
				return undef
			}
			d := v.o.(*mdict)
			count = len(d.keys)
			item = func(k int) {
				e.vars[base] = strVal(d.keys[k])
				e.vars[base+1] = d.m[d.keys[k]]
			}
		default:
			// an undefined array or dictionary: nothing to iterate
			return boolVal(false)
		}
	}
	// a loop over no items is false whatever its quantifier, as in
	// libyara (4.2 and 4.5 alike)
	if count == 0 {
		return boolVal(false)
	}
	need, none, ok := e.quantNeeded(n, count)
	if !ok {
		// libyara reads an undefined quantifier as "all"
		need, none = int64(count), false
	}
	hits := int64(0)
	for k := 0; k < count; k++ {
		item(k)
		if e.evalBool(n.a) {
			hits++
			if none {
				return boolVal(false)
			}
			if n.qkind != "all" && hits >= need {
				return boolVal(true)
			}
		} else if n.qkind == "all" {
			return boolVal(false)
		}
		if e.aborted {
			return undef
		}
	}
	if none {
		return boolVal(true)
	}
	return boolVal(hits >= need)
}
