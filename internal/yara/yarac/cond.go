package yarac

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Opcodes of libyara 4.2's condition code (include/yara/exec.h); the
// opcodes of 4.3 and later are translated to these by canonOp, the ones
// 4.3 added have numbers of their own here (80 to 84, unused by 4.2).
const (
	opAnd        = 1
	opOr         = 2
	opNot        = 3
	opBitNot     = 4
	opBitAnd     = 5
	opBitOr      = 6
	opBitXor     = 7
	opShl        = 8
	opShr        = 9
	opMod        = 10
	opIntToDbl   = 11
	opStrToBool  = 12
	opPush       = 13
	opPop        = 14
	opCall       = 15
	opObjLoad    = 16
	opObjValue   = 17
	opObjField   = 18
	opIndexArray = 19
	opCount      = 20
	opLength     = 21
	opFound      = 22
	opFoundAt    = 23
	opFoundIn    = 24
	opOffset     = 25
	opOf         = 26
	opPushRule   = 27
	opInitRule   = 28
	opMatchRule  = 29
	opIncrM      = 30
	opClearM     = 31
	opAddM       = 32
	opPopM       = 33
	opPushM      = 34
	opSetM       = 35
	opSwapUndef  = 36
	opFilesize   = 37
	opEntrypoint = 38
	opMatches    = 40
	opImport     = 41
	opLookupDict = 42
	opJUndef     = 43
	opJUndefP    = 44
	opJNUndef    = 45
	opJNUndefP   = 46
	opJFalse     = 47
	opJFalseP    = 48
	opJTrue      = 49
	opJTrueP     = 50
	opJLP        = 51
	opJLEP       = 52
	opIterNext   = 53
	opIterArray  = 54
	opIterDict   = 55
	opIterRange  = 56
	opIterEnum   = 57
	opJZ         = 58
	opJZP        = 59
	opPush8      = 60
	opPush16     = 61
	opPush32     = 62
	opPushU      = 63
	opContains   = 64
	opStartsWith = 65
	opEndsWith   = 66
	opIContains  = 67
	opIStarts    = 68
	opIEnds      = 69
	opIEquals    = 70
	opOfPercent  = 71
	opOfFoundIn  = 72
	opCountIn    = 73
	opDefined    = 74
	// 4.3 and later
	opIterStrSet  = 80 // OP_ITER_START_STRING_SET
	opIterCond    = 81 // OP_ITER_CONDITION
	opIterEnd     = 82 // OP_ITER_END
	opIterTextSet = 83 // OP_ITER_START_TEXT_STRING_SET
	opOfFoundAt   = 84 // OP_OF_FOUND_AT
	opIntBegin    = 100
	opDblBegin    = 120
	opStrBegin    = 140
	opReadInt     = 240
	opNop         = 254
	opHalt        = 255

	undefined = 0xFFFABADAFABADAFF

	// maxStack bounds the decompiler's stack (libyara's is 16384).
	maxStack = 1 << 16
	// maxExprText and exprTextPerCode bound the text made while
	// decompiling the conditions: expressions are strings built from
	// their operands' text, so a long chain copies its prefix again at
	// each step; signature-base needs about 4 bytes per byte of code.
	maxExprText     = 64 << 20
	exprTextPerCode = 64
	// maxLoopDepth: libyara nests at most 4 loops.
	maxLoopDepth = 8
)

type inst struct {
	off int
	op  byte
	arg []byte
}

func (in inst) u64() uint64 { return binary.LittleEndian.Uint64(in.arg) }
func (in inst) i64() int64  { return int64(in.u64()) }

func codeArgSize(op byte) (int, bool) {
	switch {
	case op >= opIntBegin && op <= opIntBegin+10, op >= opDblBegin && op <= opDblBegin+10,
		op >= opStrBegin && op <= opStrBegin+5, op >= opReadInt && op <= opReadInt+11:
		return 0, true
	}
	switch op {
	case opAnd, opOr, opNot, opBitNot, opBitAnd, opBitOr, opBitXor, opShl, opShr, opMod,
		opStrToBool, opPop, opObjValue, opIndexArray, opCount, opLength, opFound, opFoundAt,
		opFoundIn, opOffset, opFilesize, opEntrypoint, opMatches, opLookupDict, opIterNext,
		opIterArray, opIterDict, opIterRange, opIterEnum, opPushU, opContains, opStartsWith,
		opEndsWith, opIContains, opIStarts, opIEnds, opIEquals, opOfFoundIn, opCountIn,
		opDefined, opNop, opHalt, opIterStrSet, opIterCond, opIterEnd, opIterTextSet, opOfFoundAt:
		return 0, true
	case opPush, opCall, opObjLoad, opObjField, opImport, opPushRule, opMatchRule, opClearM,
		opAddM, opIncrM, opPopM, opPushM, opSetM, opSwapUndef, opOf, opOfPercent, opIntToDbl,
		opInitRule:
		return 8, true
	case opJUndef, opJUndefP, opJNUndef, opJNUndefP, opJFalse, opJFalseP, opJTrue, opJTrueP,
		opJLP, opJLEP, opJZ, opJZP, opPush32:
		return 4, true
	case opPush8:
		return 1, true
	case opPush16:
		return 2, true
	}
	return 0, false
}

// canonOp translates an opcode of the file's version to this package's
// numbering (4.2's, plus 80 to 84 for the opcodes 4.3 added).
func canonOp(lay *layout, raw byte) (byte, bool) {
	switch {
	case raw < 58 || raw >= opIntBegin:
		return raw, true
	case !lay.since43:
		return raw, raw <= opDefined
	}
	switch raw {
	case 58:
		return opIterStrSet, true
	case 59:
		return opIterCond, true
	case 60:
		return opIterEnd, true
	case 78:
		return opIterTextSet, true
	case 79:
		return opOfFoundAt, true
	}
	if raw >= 61 && raw <= 77 { // OP_JZ to OP_DEFINED moved up by 3
		return raw - 3, true
	}
	return 0, false
}

// decodeCode splits the code section into instructions.
func decodeCode(lay *layout, b []byte) ([]inst, error) {
	out := make([]inst, 0, len(b)/4) // signature-base: 3.7 bytes per instruction
	for pos := 0; pos < len(b); {
		op, ok := canonOp(lay, b[pos])
		n := 0
		if ok {
			n, ok = codeArgSize(op)
		}
		if !ok {
			return nil, fmt.Errorf("corrupt yarac file: unknown opcode %d at code offset %d (arena format %d)", b[pos], pos, lay.version)
		}
		if pos+1+n > len(b) {
			return nil, fmt.Errorf("corrupt yarac file: instruction at code offset %d runs past the code", pos)
		}
		out = append(out, inst{off: pos, op: op, arg: b[pos+1 : pos+1+n]})
		pos += 1 + n
		if op == opHalt {
			break
		}
	}
	return out, nil
}

// Kinds of symbolic values.
const (
	eInt  = iota
	eRaw8 // an 8-byte OP_PUSH constant: an integer or a double
	eFloat
	eStr
	eBool
	eRegex
	eObj
	eStrRef
	eRuleRef
	eUndef
	eIter
)

type expr struct {
	kind  int
	text  string
	u     uint64 // constant value of eInt/eRaw8 constants
	konst bool
	str   *yString
	// strSet: an eIter over a string set (4.3's for-of loops)
	strSet bool
}

func (e *expr) asFloat() string {
	if e.kind == eRaw8 {
		f := math.Float64frombits(e.u)
		return floatText(f)
	}
	return e.text
}

func floatText(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "(0.0 \\ 0.0)" // not expected; see floatOK
	}
	s := strconv.FormatFloat(math.Abs(f), 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	if f < 0 || math.Signbit(f) {
		return "(-" + s + ")"
	}
	return s
}

func intText(v int64) string {
	if v == math.MinInt64 {
		return "(-9223372036854775807 - 1)"
	}
	return strconv.FormatInt(v, 10)
}

type loopFrame struct {
	forOf bool
	frame int64
	quant *expr
	set   string
	vars  []string
	iter  *expr
}

// condDecoder runs one rule's condition code symbolically.
type condDecoder struct {
	m      *model
	rl     *rule
	insts  []inst
	i      int
	stack  []*expr
	mem    map[int64]*expr
	loops  []*loopFrame
	size   int // bytes of text made so far, all rules together
	limit  int
	reCode *reCode
}

func (d *condDecoder) errf(format string, args ...any) error {
	off := -1
	if d.i < len(d.insts) {
		off = d.insts[d.i].off
	}
	return fmt.Errorf("condition (code offset %d): %s", off, fmt.Sprintf(format, args...))
}

func (d *condDecoder) push(e *expr) error {
	if len(d.stack) >= maxStack {
		return d.errf("stack deeper than %d", maxStack)
	}
	d.size += len(e.text)
	if d.size > d.limit {
		return d.errf("conditions too large to decompile (more than %d bytes of text)", d.limit)
	}
	d.stack = append(d.stack, e)
	return nil
}

func (d *condDecoder) pop() (*expr, error) {
	if len(d.stack) == 0 {
		return nil, d.errf("stack underflow")
	}
	e := d.stack[len(d.stack)-1]
	d.stack = d.stack[:len(d.stack)-1]
	return e, nil
}

func (d *condDecoder) pop2() (*expr, *expr, error) {
	b, err := d.pop()
	if err != nil {
		return nil, nil, err
	}
	a, err := d.pop()
	return a, b, err
}

// expect checks that the next instructions have these opcodes (and
// memory slots where slot >= 0) and skips them.
func (d *condDecoder) expect(seq ...[2]int64) error {
	for _, s := range seq {
		d.i++
		if d.i >= len(d.insts) || int64(d.insts[d.i].op) != s[0] {
			return d.errf("unexpected loop code (want opcode %d)", s[0])
		}
		if s[1] >= 0 && d.insts[d.i].i64() != s[1] {
			return d.errf("unexpected loop slot")
		}
	}
	return nil
}

var binOps = map[byte]string{
	opAnd: "and", opOr: "or", opBitAnd: "&", opBitOr: "|", opBitXor: "^", opShl: "<<",
	opShr: ">>", opMod: "%", opContains: "contains", opStartsWith: "startswith",
	opEndsWith: "endswith", opIContains: "icontains", opIStarts: "istartswith",
	opIEnds: "iendswith", opIEquals: "iequals", opMatches: "matches",
}

var arith = []string{"==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "\\"}

var readInts = []string{"int8", "int16", "int32", "uint8", "uint16", "uint32",
	"int8be", "int16be", "int32be", "uint8be", "uint16be", "uint32be"}

// run decodes from instruction i to the rule's OP_MATCH_RULE and returns
// the condition text and the index after it.
func (d *condDecoder) run() (string, error) {
	for ; d.i < len(d.insts); d.i++ {
		in := d.insts[d.i]
		op := in.op
		switch {
		case op >= opIntBegin && op <= opIntBegin+9, op >= opDblBegin && op <= opDblBegin+9,
			op >= opStrBegin && op <= opStrBegin+5:
			a, b, err := d.pop2()
			if err != nil {
				return "", err
			}
			k := int(op-opIntBegin) % 20
			var at, bt string
			kind := eInt
			switch {
			case op >= opStrBegin:
				k = int(op - opStrBegin)
				at, bt = a.text, b.text
			case op >= opDblBegin:
				k = int(op - opDblBegin)
				at, bt = a.asFloat(), b.asFloat()
				kind = eFloat
			default:
				at, bt = a.text, b.text
			}
			if k < 6 {
				kind = eBool
			}
			if err := d.push(&expr{kind: kind, text: "(" + at + " " + arith[k] + " " + bt + ")"}); err != nil {
				return "", err
			}
			continue
		case op == opIntBegin+10 || op == opDblBegin+10:
			a, err := d.pop()
			if err != nil {
				return "", err
			}
			t, kind := a.text, eInt
			if op == opDblBegin+10 {
				t, kind = a.asFloat(), eFloat
			}
			if err := d.push(&expr{kind: kind, text: "(-" + t + ")"}); err != nil {
				return "", err
			}
			continue
		case op >= opReadInt && op <= opReadInt+11:
			a, err := d.pop()
			if err != nil {
				return "", err
			}
			if err := d.push(&expr{kind: eInt, text: readInts[op-opReadInt] + "(" + a.text + ")"}); err != nil {
				return "", err
			}
			continue
		}
		if s, ok := binOps[op]; ok {
			a, b, err := d.pop2()
			if err != nil {
				return "", err
			}
			kind := eBool
			if op >= opBitAnd && op <= opMod {
				kind = eInt
			}
			if err := d.push(&expr{kind: kind, text: "(" + a.text + " " + s + " " + b.text + ")"}); err != nil {
				return "", err
			}
			continue
		}
		var e *expr
		switch op {
		case opMatchRule:
			if len(d.loops) != 0 || len(d.stack) != 1 {
				return "", d.errf("rule ends with %d values on the stack", len(d.stack))
			}
			if in.i64() != int64(d.rl.idx) {
				return "", d.errf("condition ends another rule (%d)", in.i64())
			}
			d.i++
			return d.stack[0].text, nil
		case opNop, opJFalse, opJTrue, opStrToBool, opObjValue, opIntToDbl:
			continue
		case opNot, opDefined, opBitNot:
			a, err := d.pop()
			if err != nil {
				return "", err
			}
			pre := map[byte]string{opNot: "not ", opDefined: "defined ", opBitNot: "~"}[op]
			kind := eBool
			if op == opBitNot {
				kind = eInt
			}
			e = &expr{kind: kind, text: "(" + pre + a.text + ")"}
		case opPushU:
			e = &expr{kind: eUndef, text: "all", konst: true, u: undefined}
		case opPush8:
			e = constInt(uint64(in.arg[0]))
		case opPush16:
			e = constInt(uint64(binary.LittleEndian.Uint16(in.arg)))
		case opPush32:
			e = constInt(uint64(binary.LittleEndian.Uint32(in.arg)))
		case opPush:
			var err error
			if e, err = d.pushArg(in); err != nil {
				return "", err
			}
		case opFilesize:
			e = &expr{kind: eInt, text: "filesize"}
		case opEntrypoint:
			e = &expr{kind: eInt, text: "entrypoint"}
		case opObjLoad:
			name, err := d.name(in)
			if err != nil {
				return "", err
			}
			e = &expr{kind: eObj, text: name}
		case opObjField:
			name, err := d.name(in)
			if err != nil {
				return "", err
			}
			a, err := d.pop()
			if err != nil {
				return "", err
			}
			if a.kind != eObj {
				return "", d.errf("field %s of a non-object", name)
			}
			e = &expr{kind: eObj, text: a.text + "." + name}
		case opIndexArray, opLookupDict:
			a, b, err := d.pop2()
			if err != nil {
				return "", err
			}
			if a.kind != eObj {
				return "", d.errf("index of a non-object")
			}
			e = &expr{kind: eObj, text: a.text + "[" + b.text + "]"}
		case opCall:
			e2, err := d.call(in)
			if err != nil {
				return "", err
			}
			e = e2
		case opPushRule:
			idx := in.i64()
			if idx < 0 || idx >= int64(len(d.m.rules)) || d.m.rules[idx].ns != d.rl.ns {
				return "", d.errf("reference to rule %d outside the namespace", idx)
			}
			e = &expr{kind: eRuleRef, text: d.m.rules[idx].name}
		case opFound, opCount, opFoundAt, opFoundIn, opCountIn, opOffset, opLength:
			s, err := d.pop()
			if err != nil {
				return "", err
			}
			if s.kind != eStrRef {
				return "", d.errf("string operation on a non-string")
			}
			name := s.text[1:]
			switch op {
			case opFound:
				e = &expr{kind: eBool, text: "$" + name}
			case opCount:
				e = &expr{kind: eInt, text: "#" + name}
			case opFoundAt:
				a, err := d.pop()
				if err != nil {
					return "", err
				}
				e = &expr{kind: eBool, text: "($" + name + " at " + a.text + ")"}
			case opFoundIn, opCountIn:
				lo, hi, err := d.pop2()
				if err != nil {
					return "", err
				}
				p := "$"
				kind := eBool
				if op == opCountIn {
					p, kind = "#", eInt
				}
				e = &expr{kind: kind, text: "(" + p + name + " in (" + lo.text + ".." + hi.text + "))"}
			case opOffset, opLength:
				a, err := d.pop()
				if err != nil {
					return "", err
				}
				p := "@"
				if op == opLength {
					p = "!"
				}
				e = &expr{kind: eInt, text: p + name + "[" + a.text + "]"}
			}
		case opOf, opOfPercent, opOfFoundIn, opOfFoundAt:
			var rng string
			switch op {
			case opOfFoundIn:
				lo, hi, err := d.pop2()
				if err != nil {
					return "", err
				}
				rng = " in (" + lo.text + ".." + hi.text + ")"
			case opOfFoundAt:
				at, err := d.pop()
				if err != nil {
					return "", err
				}
				rng = " at " + at.text
			}
			set, _, err := d.popSet((op == opOf || op == opOfPercent) && in.i64() == 1)
			if err != nil {
				return "", err
			}
			q, err := d.pop()
			if err != nil {
				return "", err
			}
			qt := quantText(q)
			if op == opOfPercent {
				qt = q.text + "%"
			}
			e = &expr{kind: eBool, text: "(" + qt + " of " + set + rng + ")"}
		case opIterRange:
			lo, hi, err := d.pop2()
			if err != nil {
				return "", err
			}
			e = &expr{kind: eIter, text: "(" + lo.text + ".." + hi.text + ")"}
		case opIterStrSet:
			n, err := d.pop()
			if err != nil {
				return "", err
			}
			set, k, err := d.popSet(false)
			if err != nil {
				return "", err
			}
			if !n.konst || n.u != uint64(k) {
				return "", d.errf("string set of %d strings counted as %s", k, n.text)
			}
			e = &expr{kind: eIter, text: set, strSet: true}
		case opIterEnum, opIterTextSet:
			n, err := d.pop()
			if err != nil {
				return "", err
			}
			if !n.konst || n.u == 0 || n.u > uint64(len(d.stack)) {
				return "", d.errf("bad enumeration")
			}
			items := make([]string, n.u)
			for k := len(items) - 1; k >= 0; k-- {
				it, _ := d.pop()
				items[k] = it.text
			}
			e = &expr{kind: eIter, text: "(" + strings.Join(items, ", ") + ")"}
		case opIterArray, opIterDict:
			a, err := d.pop()
			if err != nil {
				return "", err
			}
			if a.kind != eObj {
				return "", d.errf("loop over a non-object")
			}
			e = &expr{kind: eIter, text: a.text}
		case opClearM:
			if err := d.loopStart(in); err != nil {
				return "", err
			}
			continue
		case opIterNext:
			if err := d.iterNext(); err != nil {
				return "", err
			}
			continue
		case opPushM:
			v, ok := d.mem[in.i64()]
			if !ok {
				return "", d.errf("read of loop slot %d outside its loop", in.i64())
			}
			e = v
		case opAddM:
			if d.m.a.lay.since43 {
				return "", d.errf("unexpected opcode %d", op)
			}
			var err error
			if e, err = d.loopEnd(in); err != nil {
				return "", err
			}
		case opIncrM:
			if !d.m.a.lay.since43 {
				return "", d.errf("unexpected opcode %d", op)
			}
			var err error
			if e, err = d.loopEnd43(in); err != nil {
				return "", err
			}
		default:
			return "", d.errf("unexpected opcode %d", op)
		}
		if err := d.push(e); err != nil {
			return "", err
		}
	}
	return "", d.errf("condition without its end")
}

func constInt(v uint64) *expr {
	return &expr{kind: eInt, text: strconv.FormatUint(v, 10), konst: true, u: v}
}

func quantText(q *expr) string {
	if q.konst {
		switch q.u {
		case undefined:
			return "all"
		case 0:
			return "none"
		case 1:
			return "any"
		}
	}
	return q.text
}

// pushArg decodes OP_PUSH's operand: a pointer (a string of the rule, a
// text string, a regexp) when relocated, else a 64-bit constant.
func (d *condDecoder) pushArg(in inst) (*expr, error) {
	a := d.m.a
	off := uint64(in.off + 1)
	if !a.isReloc(bufCode, off) {
		v := in.u64()
		if v == undefined {
			return &expr{kind: eUndef, text: "all", konst: true, u: v}, nil
		}
		return &expr{kind: eRaw8, text: intText(int64(v)), konst: true, u: v}, nil
	}
	r, err := a.ptr(bufCode, off)
	if err != nil {
		return nil, err
	}
	switch r.buf {
	case bufStrings:
		s := d.m.strByOff[r.off]
		if s == nil || !d.ownString(s) {
			return nil, d.errf("reference to a string of another rule")
		}
		return &expr{kind: eStrRef, text: s.name, str: s}, nil
	case bufSZPool:
		// SIZED_STRING: uint32 length, uint32 flags, bytes
		hdr, err := a.bytesAt(r, 8)
		if err != nil {
			return nil, err
		}
		n := binary.LittleEndian.Uint32(hdr)
		if n > maxStringLength {
			return nil, d.errf("text string of %d bytes", n)
		}
		b, err := a.bytesAt(ref{r.buf, r.off + 8}, uint64(n))
		if err != nil {
			return nil, err
		}
		return &expr{kind: eStr, text: quote(b)}, nil
	case bufRECode:
		fl, err := a.u32(bufRECode, uint64(r.off))
		if err != nil {
			return nil, err
		}
		blk := d.reCode.byStart[int(r.off)+4]
		if blk == nil {
			return nil, d.errf("regexp without its code")
		}
		blk = d.reCode.decoded(blk)
		n, err := decompileRE(blk)
		if err != nil {
			return nil, d.errf("regexp: %v", err)
		}
		var sb strings.Builder
		sb.WriteByte('/')
		if err := regexText(n, &sb); err != nil {
			return nil, d.errf("regexp: %v", err)
		}
		sb.WriteByte('/')
		if fl&reFlagNoCase != 0 {
			sb.WriteByte('i')
		}
		if fl&reFlagDotAll != 0 {
			sb.WriteByte('s')
		}
		return &expr{kind: eRegex, text: sb.String()}, nil
	}
	return nil, d.errf("OP_PUSH of a pointer into buffer %d", r.buf)
}

func (d *condDecoder) ownString(s *yString) bool { return s.rule == d.rl.idx }

// name reads the identifier an OP_OBJ_LOAD/OP_OBJ_FIELD/OP_IMPORT points to.
func (d *condDecoder) name(in inst) (string, error) {
	r, err := d.m.a.ptr(bufCode, uint64(in.off+1))
	if err != nil {
		return "", err
	}
	s, err := d.m.a.cstring(r)
	if err != nil {
		return "", err
	}
	if !validIdent(s) {
		return "", d.errf("identifier %q", s)
	}
	return s, nil
}

func (d *condDecoder) call(in inst) (*expr, error) {
	r, err := d.m.a.ptr(bufCode, uint64(in.off+1))
	if err != nil {
		return nil, err
	}
	f, err := d.m.a.cstring(r)
	if err != nil {
		return nil, err
	}
	if len(f) > 128 || len(f) > len(d.stack) {
		return nil, d.errf("call with %d arguments", len(f))
	}
	args := make([]string, len(f))
	for k := len(f) - 1; k >= 0; k-- {
		a, _ := d.pop()
		switch f[k] {
		case 'f':
			args[k] = a.asFloat()
		case 'b':
			args[k] = a.text
			if a.konst && a.u <= 1 {
				args[k] = [2]string{"false", "true"}[a.u]
			}
		case 'i', 's', 'r':
			args[k] = a.text
		default:
			return nil, d.errf("argument type %q", f[k])
		}
	}
	fn, err := d.pop()
	if err != nil {
		return nil, err
	}
	if fn.kind != eObj {
		return nil, d.errf("call of a non-function")
	}
	return &expr{kind: eObj, text: fn.text + "(" + strings.Join(args, ", ") + ")"}, nil
}

// popSet pops a string or rule set down to its undefined marker and
// returns it as text, with the number of its members.
func (d *condDecoder) popSet(rules bool) (string, int, error) {
	var items []*expr
	for {
		e, err := d.pop()
		if err != nil {
			return "", 0, err
		}
		if e.kind == eUndef {
			break
		}
		items = append(items, e)
	}
	if len(items) == 0 {
		return "", 0, d.errf("empty set")
	}
	set, err := d.setText(items, rules)
	return set, len(items), err
}

// setText writes a set popped from the stack (last member first).
func (d *condDecoder) setText(items []*expr, rules bool) (string, error) {
	names := make([]string, len(items))
	for k, e := range items {
		want := eStrRef
		if rules {
			want = eRuleRef
		}
		if e.kind != want || rules == false && e.str == nil {
			return "", d.errf("set of other values")
		}
		names[len(items)-1-k] = e.text
	}
	if rules {
		return "(" + strings.Join(names, ", ") + ")", nil
	}
	// "them" when the set is every string of the rule (not chain parts)
	var heads []string
	anon := false
	for _, s := range d.rl.strings {
		if s.chainTo == nullID {
			heads = append(heads, s.name)
		}
	}
	for _, n := range names {
		if n == "$" {
			anon = true
		}
	}
	if len(heads) == len(names) {
		same := true
		for k := range heads {
			if heads[k] != names[k] {
				same = false
			}
		}
		if same {
			return "them", nil
		}
	}
	if anon {
		// "$" in a set names every anonymous string of the rule: the set
		// can be written only if it holds each of them once
		seen := map[*yString]bool{}
		nAnon := 0
		for _, e := range items {
			if e.str.name == "$" {
				if seen[e.str] || e.str.rule != d.rl.idx {
					return "", d.errf("a set naming some anonymous strings cannot be written in YARA")
				}
				seen[e.str] = true
			}
		}
		for _, s := range d.rl.strings {
			if s.name == "$" && s.chainTo == nullID {
				nAnon++
			}
		}
		if len(seen) != nAnon {
			return "", d.errf("a set naming some anonymous strings cannot be written in YARA")
		}
		var out []string
		for _, n := range names {
			if n != "$" {
				out = append(out, n)
			}
		}
		out = append(out, "$")
		return "(" + strings.Join(out, ", ") + ")", nil
	}
	return "(" + strings.Join(names, ", ") + ")", nil
}

// loopStart handles the three instructions that open a loop:
// for-in: CLEAR_M f, CLEAR_M f+1, POP_M f+2 (the quantifier);
// for-of: CLEAR_M f+1, CLEAR_M f+2, POP_M f (a string of the set).
func (d *condDecoder) loopStart(in inst) error {
	a := in.i64()
	if d.i+2 >= len(d.insts) || d.insts[d.i+1].op != opClearM || d.insts[d.i+1].i64() != a+1 || d.insts[d.i+2].op != opPopM {
		return d.errf("unexpected loop code")
	}
	if len(d.loops) >= maxLoopDepth {
		return d.errf("loops nested deeper than %d", maxLoopDepth)
	}
	p := d.insts[d.i+2].i64()
	d.i += 2
	switch p {
	case a + 2:
		q, err := d.pop()
		if err != nil {
			return err
		}
		d.loops = append(d.loops, &loopFrame{frame: a, quant: q})
	case a - 1:
		if d.m.a.lay.since43 {
			return d.errf("unexpected loop slots")
		}
		set, _, err := d.popSet(false)
		if err != nil {
			return err
		}
		q, err := d.pop()
		if err != nil {
			return err
		}
		d.loops = append(d.loops, &loopFrame{forOf: true, frame: p, quant: q, set: set})
		d.mem[p] = &expr{kind: eStrRef, text: "$", str: &yString{name: "$"}}
	default:
		return d.errf("unexpected loop slots")
	}
	return nil
}

// iterNext: ITER_NEXT, POP_M for each variable, JTRUE_P.
func (d *condDecoder) iterNext() error {
	if len(d.loops) == 0 || d.loops[len(d.loops)-1].forOf || d.loops[len(d.loops)-1].iter != nil {
		return d.errf("ITER_NEXT outside a loop")
	}
	lf := d.loops[len(d.loops)-1]
	if len(d.stack) == 0 || d.stack[len(d.stack)-1].kind != eIter {
		return d.errf("loop without an iterator")
	}
	lf.iter = d.stack[len(d.stack)-1]
	if lf.iter.strSet {
		// 4.3's for-of: the string is the one variable, named "$"
		lf.forOf, lf.set = true, lf.iter.text
	}
	for k := int64(0); ; k++ {
		if d.i+1 >= len(d.insts) {
			return d.errf("truncated loop")
		}
		nx := d.insts[d.i+1]
		if nx.op == opJTrueP {
			d.i++
			break
		}
		if nx.op != opPopM || nx.i64() != lf.frame+3+k || k >= 2 {
			return d.errf("unexpected loop variables")
		}
		name := fmt.Sprintf("_yc%d_%d", len(d.loops), k)
		lf.vars = append(lf.vars, name)
		d.mem[lf.frame+3+k] = &expr{kind: eObj, text: name}
		if lf.forOf {
			d.mem[lf.frame+3+k] = &expr{kind: eStrRef, text: "$", str: &yString{name: "$"}}
		}
		d.i++
	}
	if len(lf.vars) == 0 || lf.forOf && len(lf.vars) != 1 {
		return d.errf("loop without variables")
	}
	return nil
}

// loopEnd: ADD_M closes the loop body; the fixed epilogue follows.
func (d *condDecoder) loopEnd(in inst) (*expr, error) {
	if len(d.loops) == 0 {
		return nil, d.errf("ADD_M outside a loop")
	}
	lf := d.loops[len(d.loops)-1]
	body, err := d.pop()
	if err != nil {
		return nil, err
	}
	f := lf.frame
	var text string
	if lf.forOf {
		if in.i64() != f+1 {
			return nil, d.errf("unexpected loop slot")
		}
		if err := d.expect([2]int64{opIncrM, f + 2}, [2]int64{opJNUndef, -1}, [2]int64{opPop, -1},
			[2]int64{opSwapUndef, f + 2}, [2]int64{opPushM, f + 1}, [2]int64{opIntBegin + 4, -1}); err != nil {
			return nil, err
		}
		// the set's undefined marker stays on the stack until the POP
		delete(d.mem, f)
		text = "(for " + quantText(lf.quant) + " of " + lf.set + " : (" + body.text + "))"
	} else {
		if in.i64() != f || lf.iter == nil {
			return nil, d.errf("unexpected loop slot")
		}
		if err := d.expect([2]int64{opIncrM, f + 1}, [2]int64{opPushM, f + 2}, [2]int64{opJUndefP, -1},
			[2]int64{opPushM, f}, [2]int64{opPushM, f + 2}, [2]int64{opJLP, -1}, [2]int64{opPop, -1},
			[2]int64{opPushM, f + 1}, [2]int64{opJZ, -1}, [2]int64{opPop, -1}, [2]int64{opPushM, f},
			[2]int64{opPushM, f + 2}, [2]int64{opSwapUndef, f + 1}, [2]int64{opIntBegin + 5, -1}); err != nil {
			return nil, err
		}
		it, err := d.pop()
		if err != nil || it != lf.iter {
			return nil, d.errf("loop iterator lost")
		}
		for k := range lf.vars {
			delete(d.mem, f+3+int64(k))
		}
		text = "(for " + quantText(lf.quant) + " " + strings.Join(lf.vars, ", ") + " in " + lf.iter.text + " : (" + body.text + "))"
	}
	d.loops = d.loops[:len(d.loops)-1]
	return &expr{kind: eBool, text: text}, nil
}

// loopEnd43: INCR_M closes the body of a loop of 4.3 and later (every
// loop, for-of included, is compiled the same way); the fixed epilogue
// follows, up to ITER_END.
func (d *condDecoder) loopEnd43(in inst) (*expr, error) {
	if len(d.loops) == 0 {
		return nil, d.errf("INCR_M outside a loop")
	}
	lf := d.loops[len(d.loops)-1]
	f := lf.frame
	if in.i64() != f+1 || lf.iter == nil {
		return nil, d.errf("unexpected loop slot")
	}
	body, err := d.pop()
	if err != nil {
		return nil, err
	}
	if err := d.expect([2]int64{opPushM, f}, [2]int64{opPushM, f + 2}, [2]int64{opIterCond, -1},
		[2]int64{opAddM, f}, [2]int64{opJTrueP, -1}, [2]int64{opPop, -1}, [2]int64{opPushM, f + 1},
		[2]int64{opPushM, f}, [2]int64{opPushM, f + 2}, [2]int64{opIterEnd, -1}); err != nil {
		return nil, err
	}
	it, err := d.pop()
	if err != nil || it != lf.iter {
		return nil, d.errf("loop iterator lost")
	}
	for k := range lf.vars {
		delete(d.mem, f+3+int64(k))
	}
	var text string
	if lf.forOf {
		text = "(for " + quantText(lf.quant) + " of " + lf.set + " : (" + body.text + "))"
	} else {
		text = "(for " + quantText(lf.quant) + " " + strings.Join(lf.vars, ", ") + " in " + lf.iter.text + " : (" + body.text + "))"
	}
	d.loops = d.loops[:len(d.loops)-1]
	return &expr{kind: eBool, text: text}, nil
}

// quote writes b as a YARA text string.
func quote(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range b {
		switch {
		case c == '"' || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c >= 0x20 && c < 0x7F:
			sb.WriteByte(c)
		default:
			sb.WriteString(`\x`)
			sb.WriteByte(hexDigits[c>>4])
			sb.WriteByte(hexDigits[c&15])
		}
	}
	sb.WriteByte('"')
	return sb.String()
}
