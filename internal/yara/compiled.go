package yara

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// Saved compiled rules.
//
// MarshalCompiled writes the compiled form of a rule set: rules with their
// metadata, namespaces and imports, strings, patterns with their literals,
// byte-set sequences and Pike-VM programs, atoms, condition trees with
// resolved string/rule/loop-variable indices and regex programs, and the
// declared externals. LoadCompiled decodes it without parsing or atom
// selection; it only rebuilds the atom index buckets (a counting pass).
//
// Encoding: a hand-written binary format with encoding/binary varints
// rather than encoding/gob. gob would need exported mirror structs for
// every internal type, pays a type-description and reflection cost on
// every load, and gives no control over nesting depth or allocation sizes;
// the hand-written decoder bounds every count by the bytes left, limits
// condition nesting, and validates every index so that a decoded set is
// as safe to scan with as a freshly compiled one.
//
// File layout:
//
//	magic "VIGIE-YARC\n" | format version uvarint | engine version uvarint |
//	SHA-256 of payload (32 bytes) | payload
//
//	payload: string table | byte-set table | program table |
//	         externals | table sizes | rules (with condition trees) |
//	         strings | patterns | no-atom patterns | atoms
//
// Strings, byte sets and programs are referenced by table index: a rule
// set repeats few distinct ones many times (the full signature-base set
// saves to 10 MB instead of 45 MB this way), and equal programs are
// shared after loading.
//
// The checksum is verified before anything in the payload is decoded.

const compiledMagic = "VIGIE-YARC\n"

// compiledFormat is the version of the file layout; bump it on any change
// to the encoding.
const compiledFormat = 3

// EngineVersion identifies the semantics of the compiled form (node kinds,
// opcodes, pattern fields). Bump it whenever the compiler or the scanner
// change the meaning of saved data.
const EngineVersion = 2

// legacyMagic is the header of the format-0 files that saved rule sources.
const legacyMagic = "VIGIE-YARA-RULES\n"

// ErrIncompatibleCompiled is returned for a compiled file written by
// another format or engine version.
var ErrIncompatibleCompiled = errors.New("compiled with an incompatible version of vigie; recompile with 'vigie yara compile'")

// MaxCompiledSize bounds a compiled rules file.
const MaxCompiledSize = 1 << 30

const maxCompiledDepth = 4 * maxDepth // condition tree nesting in a file

// MarshalCompiled returns the saved form of r.
func (r *Rules) MarshalCompiled() []byte {
	w := &cwriter{strIdx: map[string]int{}, setIdx: map[byteSet]int{}, progIdx: map[string]int{}, tab: r.setTab}
	w.payload(r)
	body := w.b
	// tables: strings, byte sets, programs
	w.b = nil
	w.n(len(w.strTab))
	for _, s := range w.strTab {
		w.n(len(s))
		w.b = append(w.b, s...)
	}
	w.n(len(w.setTab))
	for _, s := range w.setTab {
		for _, x := range s {
			w.b = binary.LittleEndian.AppendUint64(w.b, x)
		}
	}
	w.n(len(w.progTab))
	for _, p := range w.progTab {
		w.b = append(w.b, p...)
	}
	payload := append(w.b, body...)
	sum := sha256.Sum256(payload)
	out := make([]byte, 0, len(compiledMagic)+8+32+len(payload))
	out = append(out, compiledMagic...)
	out = binary.AppendUvarint(out, compiledFormat)
	out = binary.AppendUvarint(out, EngineVersion)
	out = append(out, sum[:]...)
	return append(out, payload...)
}

// LoadCompiled decodes rules saved by MarshalCompiled. data is untrusted:
// any byte string yields rules equivalent to a compiled set or an error.
func LoadCompiled(data []byte) (*Rules, error) {
	if len(data) > MaxCompiledSize {
		return nil, fmt.Errorf("compiled rules larger than %d bytes", MaxCompiledSize)
	}
	if bytes.HasPrefix(data, []byte(legacyMagic)) {
		return nil, ErrIncompatibleCompiled
	}
	if !bytes.HasPrefix(data, []byte(compiledMagic)) {
		return nil, errors.New("not a vigie compiled rules file (bad magic)")
	}
	rest := data[len(compiledMagic):]
	fv, n := binary.Uvarint(rest)
	if n <= 0 {
		return nil, errors.New("truncated header")
	}
	rest = rest[n:]
	ev, n := binary.Uvarint(rest)
	if n <= 0 {
		return nil, errors.New("truncated header")
	}
	rest = rest[n:]
	if fv != compiledFormat || ev != EngineVersion {
		return nil, fmt.Errorf("format %d, engine %d (this vigie reads format %d, engine %d): %w", fv, ev, compiledFormat, EngineVersion, ErrIncompatibleCompiled)
	}
	if len(rest) < 32 {
		return nil, errors.New("truncated header (checksum)")
	}
	sum := sha256.Sum256(rest[32:])
	if !bytes.Equal(sum[:], rest[:32]) {
		return nil, errors.New("checksum mismatch (file corrupted)")
	}
	return decodePayload(rest[32:])
}

// ---- writer ----

// cwriter writes the payload body; strings, byte sets and programs go into tables
// written before the body and are referenced by index (a rule set has few
// distinct byte sets and file names, each used many times).
type cwriter struct {
	b      []byte
	strIdx map[string]int
	strTab []string
	setIdx map[byteSet]int
	setTab []byteSet
	tab    []byteSet // the rules' table (Rules.setTab)
	// scratch of prog: the sets a program uses, and for each set of its
	// table the slot in that list (valid where stamp is gen)
	local []uint16
	stamp []uint32
	slot  []uint16
	gen   uint32
	// encoded program -> index in progTab
	progIdx map[string]int
	progTab []string
}

func (w *cwriter) u(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *cwriter) i(v int64)  { w.b = binary.AppendVarint(w.b, v) }
func (w *cwriter) n(v int)    { w.u(uint64(v)) }
func (w *cwriter) bytes(b []byte) {
	w.n(len(b))
	w.b = append(w.b, b...)
}
func (w *cwriter) str(s string) {
	i, ok := w.strIdx[s]
	if !ok {
		i = len(w.strTab)
		w.strIdx[s] = i
		w.strTab = append(w.strTab, s)
	}
	w.n(i)
}
func (w *cwriter) bool(b bool) {
	if b {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}
func (w *cwriter) f64(f float64) { w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(f)) }
func (w *cwriter) set(s byteSet) {
	i, ok := w.setIdx[s]
	if !ok {
		i = len(w.setTab)
		w.setIdx[s] = i
		w.setTab = append(w.setTab, s)
	}
	w.n(i)
}

// sets writes an optional sequence of byte sets (indices into the rules'
// table): 0 for nil, len+1 otherwise.
func (w *cwriter) sets(s []uint16) {
	if s == nil {
		w.n(0)
		return
	}
	w.n(len(s) + 1)
	for _, x := range s {
		w.set(w.tab[x])
	}
}

// prog writes a reference to p in the program table (0 for nil): equal
// programs (the same hex string or regex in many rules) are stored once
// and shared after loading, which they can be as programs are read-only.
func (w *cwriter) prog(p *regexProg) {
	if p == nil {
		w.n(0)
		return
	}
	body := w.b
	w.b = nil
	// the sets a program uses, in the order its instructions first use
	// them (a program that uses the rule set's table lists only its own)
	w.local = w.local[:0]
	w.gen++
	if len(w.stamp) < len(p.sets) {
		w.stamp, w.slot = make([]uint32, len(p.sets)), make([]uint16, len(p.sets))
	}
	for _, in := range p.insts {
		if in.op == opSet && w.stamp[in.set] != w.gen {
			w.stamp[in.set], w.slot[in.set] = w.gen, uint16(len(w.local))
			w.local = append(w.local, in.set)
		}
	}
	w.n(len(w.local))
	for _, k := range w.local {
		w.set(p.sets[k])
	}
	w.n(len(p.insts))
	for _, in := range p.insts {
		w.b = append(w.b, byte(in.op))
		set := in.set
		if in.op == opSet {
			set = w.slot[in.set]
		}
		w.i(int64(set))
		w.i(int64(in.x))
		w.i(int64(in.y))
	}
	enc := string(w.b)
	w.b = body
	i, ok := w.progIdx[enc]
	if !ok {
		i = len(w.progTab)
		w.progIdx[enc] = i
		w.progTab = append(w.progTab, enc)
	}
	w.n(i + 1)
}

// value writes a scalar (int, float, string) value; the only kinds an
// external or metadata can hold.
func (w *cwriter) anyScalar(v any) {
	switch x := v.(type) {
	case int64:
		w.b = append(w.b, 1)
		w.i(x)
	case int:
		w.b = append(w.b, 1)
		w.i(int64(x))
	case float64:
		w.b = append(w.b, 2)
		w.f64(x)
	case bool:
		w.b = append(w.b, 3)
		w.bool(x)
	case string:
		w.b = append(w.b, 4)
		w.str(x)
	default:
		w.b = append(w.b, 0)
	}
}

const (
	nfA = 1 << iota
	nfB
	nfQuant
	nfRe
	nfPercent
	nfRuleSet
)

func (w *cwriter) node(n *node) {
	if n == nil {
		w.n(0)
		return
	}
	w.n(int(n.kind) + 1)
	var fl uint64
	if n.a != nil {
		fl |= nfA
	}
	if n.b != nil {
		fl |= nfB
	}
	q := n.quantFields
	if q == nil {
		q = &quantFields{}
	}
	if q.quant != nil {
		fl |= nfQuant
	}
	if n.re != nil {
		fl |= nfRe
	}
	if q.percent {
		fl |= nfPercent
	}
	if q.isRuleSet {
		fl |= nfRuleSet
	}
	w.u(fl)
	w.str(n.pos.File)
	w.n(n.pos.Line)
	w.n(n.pos.Col)
	// the format keeps apart the fields that nodes share (see node)
	s, i, f, sid := n.s, n.i, 0.0, ""
	if n.isStrRef() {
		s, sid = "", n.s
	}
	if n.kind == nFloat {
		i, f = 0, n.fval()
	}
	w.str(n.op)
	w.str(s)
	w.i(i)
	w.f64(f)
	w.str(sid)
	w.i(int64(n.sidx))
	w.str(q.qkind)
	w.n(len(q.set))
	for _, s := range q.set {
		w.n(int(s))
	}
	w.n(len(q.ruleSet))
	for _, s := range q.ruleSet {
		w.n(s)
	}
	w.n(len(q.vars))
	for _, v := range q.vars {
		w.str(v)
	}
	w.n(q.varBase)
	w.n(len(q.setPats))
	for _, sp := range q.setPats {
		w.str(sp.name)
		w.bool(sp.wild)
	}
	if n.re != nil {
		w.prog(n.re)
	}
	if n.a != nil {
		w.node(n.a)
	}
	if n.b != nil {
		w.node(n.b)
	}
	if q.quant != nil {
		w.node(q.quant)
	}
	w.n(len(n.list))
	for _, x := range n.list {
		w.node(x)
	}
}

func (w *cwriter) payload(r *Rules) {
	// externals (declared values, in key order for a stable file)
	keys := make([]string, 0, len(r.extDecl))
	for k := range r.extDecl {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w.n(len(keys))
	for _, k := range keys {
		w.str(k)
		w.anyScalar(r.extDecl[k])
	}
	w.bool(r.hasGlobal)
	// table sizes first, so that every index can be checked on read
	w.n(len(r.rules))
	w.n(len(r.strs))
	w.n(len(r.pats))
	for _, ru := range r.rules {
		d := ru.def
		w.str(d.name)
		w.str(ru.namespace)
		w.n(len(d.tags))
		for _, t := range d.tags {
			w.str(t)
		}
		w.n(len(d.meta))
		for _, m := range d.meta {
			w.str(m.Key)
			w.anyScalar(m.Value)
		}
		w.bool(d.private)
		w.bool(d.global)
		w.str(d.pos.File)
		w.n(d.pos.Line)
		w.n(d.pos.Col)
		imps := make([]string, 0, len(d.imports))
		for k := range d.imports {
			imps = append(imps, k)
		}
		sort.Strings(imps)
		w.n(len(imps))
		for _, k := range imps {
			w.str(k)
		}
		w.n(len(ru.strs))
		for _, s := range ru.strs {
			w.n(s)
		}
		w.n(ru.nvars)
		w.bool(ru.needsMatch)
		w.node(ru.cond)
	}
	for _, s := range r.strs {
		w.str(s.id)
		w.n(int(s.rule))
		w.bool(s.private)
		w.bool(s.isHex)
		w.bool(s.b64)
		w.n(len(s.pats))
		for _, p := range s.pats {
			w.n(int(p))
		}
	}
	for _, p := range r.pats {
		w.n(int(p.str))
		w.b = append(w.b, byte(p.kind))
		w.bytes(p.lit)
		w.bool(p.nocase)
		w.bool(p.fullword)
		w.bool(p.wide)
		w.bool(p.anyFirst)
		w.prog(p.prog)
		w.prog(p.rev)
		w.prog(p.restProg)
		w.n(p.atomOff)
		w.i(int64(p.limit))
		if p.first != nil {
			w.set(*p.first)
		} else {
			w.set(byteSet{})
		}
		w.sets(p.sets)
		w.sets(p.prefix)
		w.n(int(p.part))
		w.n(len(p.revChecks))
		for _, c := range p.revChecks {
			w.set(c.set)
			w.n(int(c.lo))
			w.n(int(c.hi))
		}
	}
	w.n(len(r.noAtom))
	for _, p := range r.noAtom {
		w.n(int(p))
	}
	w.n(r.nparts)
	w.n(len(r.chains))
	for _, ch := range r.chains {
		w.n(int(ch.str))
		w.n(len(ch.parts))
		for k, pi := range ch.parts {
			w.n(int(pi))
			w.i(int64(ch.gapMin[k]))
			w.i(int64(ch.gapMax[k]))
		}
	}
	// atoms, in index order: 2+-byte atoms (already sorted by bucket),
	// then 1-byte atoms by byte
	ix := r.index
	n1 := 0
	for b := range ix.one {
		n1 += len(ix.one[b])
	}
	w.n(len(ix.ent2) + n1)
	for _, a := range ix.ent2 {
		w.b = append(w.b, a.n)
		w.b = binary.LittleEndian.AppendUint32(w.b, a.val)
		w.b = binary.LittleEndian.AppendUint32(w.b, a.mask)
		w.n(int(a.pat))
	}
	for b := range ix.one {
		for _, p := range ix.one[b] {
			w.b = append(w.b, 1)
			w.b = binary.LittleEndian.AppendUint32(w.b, uint32(b))
			w.b = binary.LittleEndian.AppendUint32(w.b, 0xFF)
			w.n(int(p))
		}
	}
}

// ---- reader ----

type creader struct {
	b       []byte
	off     int
	err     error
	strTab  []string
	setTab  []byteSet
	progTab []*regexProg
	slab    []node // nodes are allocated in chunks: fewer, larger allocations
	sslab   []uint16
	local   []uint16  // scratch of progBody
	tab     []byteSet // the loaded rules' table (Rules.setTab)
	tabIx   []int32   // index in tab of each set of setTab, -1 for none
	islab   []inst
}

// seqSlab and instSlab hand out sub-slices of shared chunks (capped, so
// an append could never write into a neighbour).
func (r *creader) seqSlab(n int) []uint16 {
	if n == 0 {
		return []uint16{} // non-nil: a pattern's empty set sequence differs from none
	}
	if n > 1024 {
		return make([]uint16, n)
	}
	if len(r.sslab) < n {
		r.sslab = make([]uint16, 8192)
	}
	out := r.sslab[:n:n]
	r.sslab = r.sslab[n:]
	return out
}

func (r *creader) instSlab(n int) []inst {
	if n > 2048 {
		return make([]inst, n)
	}
	if len(r.islab) < n {
		r.islab = make([]inst, 8192)
	}
	out := r.islab[:n:n]
	r.islab = r.islab[n:]
	return out
}

func (r *creader) newNode() *node {
	if len(r.slab) == 0 {
		r.slab = make([]node, 512)
	}
	n := &r.slab[0]
	r.slab = r.slab[1:]
	return n
}

// tables reads the string and byte-set tables that start the payload.
func (r *creader) tables() {
	n := r.count(1, "string table")
	if r.err != nil {
		return
	}
	r.strTab = make([]string, n)
	for i := range r.strTab {
		l := r.count(1, "string length")
		r.strTab[i] = string(r.raw(l))
	}
	n = r.count(32, "byte set table")
	if r.err != nil {
		return
	}
	r.setTab = make([]byteSet, n)
	for i := range r.setTab {
		b := r.raw(32)
		if b == nil {
			return
		}
		for k := range r.setTab[i] {
			r.setTab[i][k] = binary.LittleEndian.Uint64(b[8*k:])
		}
	}
	n = r.count(6, "program table")
	if r.err != nil {
		return
	}
	r.progTab = make([]*regexProg, n)
	for i := range r.progTab {
		r.progTab[i] = r.progBody()
		if r.err != nil {
			r.err = fmt.Errorf("program %d: %w", i, r.err)
			return
		}
	}
}

func (r *creader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("offset %d: %s", r.off, fmt.Sprintf(format, a...))
	}
}

func (r *creader) u() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.fail("bad or truncated varint")
		return 0
	}
	r.off += n
	return v
}

func (r *creader) i() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b[r.off:])
	if n <= 0 {
		r.fail("bad or truncated varint")
		return 0
	}
	r.off += n
	return v
}

// int reads a non-negative int no larger than max.
func (r *creader) int(max int, what string) int {
	v := r.u()
	if max < 0 || v > uint64(max) {
		r.fail("%s %d out of range (max %d)", what, v, max)
		return 0
	}
	return int(v)
}

// count reads an element count; each element takes at least minSize bytes,
// so a count larger than the bytes left is rejected before allocating.
func (r *creader) count(minSize int, what string) int {
	return r.int((len(r.b)-r.off)/minSize, what+" count")
}

func (r *creader) byte1() byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.b) {
		r.fail("truncated")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *creader) bool() bool {
	c := r.byte1()
	if c > 1 {
		r.fail("bad boolean %d", c)
	}
	return c == 1
}

func (r *creader) raw(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b)-r.off {
		r.fail("truncated")
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *creader) bytes() []byte {
	n := r.count(1, "byte string length")
	s := r.raw(n)
	if s == nil {
		return nil
	}
	return append([]byte(nil), s...)
}

func (r *creader) str() string {
	i := r.int(len(r.strTab)-1, "string reference")
	if r.err != nil {
		return ""
	}
	return r.strTab[i]
}

func (r *creader) file() string { return r.str() }

func (r *creader) u32() uint32 {
	s := r.raw(4)
	if s == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(s)
}

func (r *creader) f64() float64 {
	s := r.raw(8)
	if s == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(s))
}

func (r *creader) set() byteSet {
	i := r.int(len(r.setTab)-1, "byte set reference")
	if r.err != nil {
		return byteSet{}
	}
	return r.setTab[i]
}

// setRef reads a reference to the file's byte-set table.
func (r *creader) setRef() int {
	return r.int(len(r.setTab)-1, "byte set reference")
}

// tabRef returns the index in the loaded rules' table (Rules.setTab) of
// the file's byte set i; false when the table is full (see maxSetTab).
// The rules' table is the file's when that fits (then programs use it
// too); otherwise it holds the sets of sequences, and programs keep their
// own.
func (r *creader) tabRef(i int) (uint16, bool) {
	if len(r.setTab) <= maxSetTab {
		return uint16(i), true
	}
	if r.tabIx == nil {
		r.tabIx = make([]int32, len(r.setTab))
		for k := range r.tabIx {
			r.tabIx[k] = -1
		}
	}
	if x := r.tabIx[i]; x >= 0 {
		return uint16(x), true
	}
	if len(r.tab) == maxSetTab {
		return 0, false
	}
	r.tabIx[i] = int32(len(r.tab))
	r.tab = append(r.tab, r.setTab[i])
	return uint16(len(r.tab) - 1), true
}

// sets reads an optional sequence of byte sets as indices into the
// loaded rules' table.
func (r *creader) sets() []uint16 {
	n := r.int(len(r.b)-r.off+1, "byte set count")
	if n == 0 || r.err != nil {
		return nil
	}
	out := r.seqSlab(n - 1)
	for k := range out {
		x, ok := r.tabRef(r.setRef())
		if !ok && r.err == nil {
			r.fail("more than %d distinct byte sets", maxSetTab)
		}
		out[k] = x
	}
	return out
}

// prog reads a program reference (0 for none).
func (r *creader) prog() *regexProg {
	i := r.int(len(r.progTab), "program reference")
	if i == 0 || r.err != nil {
		return nil
	}
	return r.progTab[i-1]
}

// progBody decodes and checks one program of the table.
func (r *creader) progBody() *regexProg {
	p := &regexProg{}
	ns := r.count(1, "program byte set")
	if r.err != nil {
		return nil
	}
	// the program uses the rules' table (as compiled) when that is the
	// file's, and keeps its own sets otherwise (see tabRef)
	local := r.local[:0]
	for range ns {
		local = append(local, uint16(r.setRef()))
	}
	r.local = local
	if r.err != nil {
		return nil
	}
	p.shared = len(r.setTab) <= maxSetTab
	if p.shared {
		p.sets = r.setTab
	} else {
		p.sets = make([]byteSet, ns)
		for k, i := range local {
			p.sets[k] = r.setTab[i]
		}
	}
	ni := r.count(4, "program instruction")
	if r.err != nil {
		return nil
	}
	if ni == 0 || ni > maxProgLen+1 {
		r.fail("program of %d instructions", ni)
		return nil
	}
	p.insts = r.instSlab(ni)
	for k := range p.insts {
		in := inst{op: opcode(r.byte1())}
		set, x, y := r.i(), r.i(), r.i()
		if r.err != nil {
			return nil
		}
		inRange := func(v int64) bool { return v >= 0 && v < int64(ni) }
		switch in.op {
		case opSet:
			if set < 0 || set >= int64(ns) || k+1 >= ni {
				r.fail("instruction %d: bad set or position", k)
			}
		case opSplit:
			if !inRange(x) || !inRange(y) {
				r.fail("instruction %d: split target out of range", k)
			}
		case opJmp:
			if !inRange(x) {
				r.fail("instruction %d: jump target out of range", k)
			}
		case opBOL, opEOL, opWordB, opNotWordB, opWordBW, opNotWordBW:
			if k+1 >= ni {
				r.fail("instruction %d: assertion at program end", k)
			}
		case opMatch:
		default:
			r.fail("instruction %d: unknown opcode %d", k, in.op)
		}
		if set < 0 || set > math.MaxUint16 || x < 0 || x > math.MaxUint16 || y < 0 || y > math.MaxUint16 {
			r.fail("instruction %d: operand out of range", k)
		}
		if r.err != nil {
			return nil
		}
		if in.op == opSet && p.shared {
			set = int64(r.local[set])
		}
		in.set, in.x, in.y = uint16(set), uint16(x), uint16(y)
		p.insts[k] = in
	}
	return p
}

func (r *creader) anyScalar(what string) any {
	switch r.byte1() {
	case 1:
		return r.i()
	case 2:
		return r.f64()
	case 3:
		return r.bool()
	case 4:
		return r.str()
	}
	r.fail("%s: bad value type", what)
	return nil
}

// nodeCtx carries what a condition node is checked against.
type nodeCtx struct {
	nstrs, nrules, nvars int
	inForOf              int
}

func (r *creader) node(c *nodeCtx, depth int) *node {
	k := r.int(int(nModule)+1, "node kind")
	if k == 0 || r.err != nil {
		return nil
	}
	if depth > maxCompiledDepth {
		r.fail("condition nested deeper than %d", maxCompiledDepth)
		return nil
	}
	n := r.newNode()
	n.kind = nodeKind(k - 1)
	fl := r.u()
	n.pos.File = r.file()
	n.pos.Line = r.int(math.MaxInt32, "line")
	n.pos.Col = r.int(math.MaxInt32, "column")
	n.op = r.str()
	n.s = r.str()
	n.i = r.i()
	if f := r.f64(); n.kind == nFloat {
		n.i = int64(math.Float64bits(f))
	}
	if sid := r.str(); n.isStrRef() {
		n.s = sid
	}
	sidx := r.i()
	var q quantFields
	q.qkind = r.str()
	if cnt := r.count(1, "string set"); cnt > 0 {
		q.set = make([]strRef, cnt)
		for j := range q.set {
			q.set[j] = strRef(r.int(c.nstrs-1, "string index"))
		}
	}
	if cnt := r.count(1, "rule set"); cnt > 0 {
		q.ruleSet = make([]int, cnt)
		for j := range q.ruleSet {
			q.ruleSet[j] = r.int(c.nrules-1, "rule index")
		}
	}
	if cnt := r.count(1, "loop variable"); cnt > 0 {
		q.vars = make([]string, cnt)
		for j := range q.vars {
			q.vars[j] = r.str()
		}
	}
	q.varBase = r.int(c.nvars, "loop variable base")
	if cnt := r.count(2, "set pattern"); cnt > 0 {
		q.setPats = make([]setPat, cnt)
		for j := range q.setPats {
			q.setPats[j] = setPat{name: r.str(), wild: r.bool()}
		}
	}
	q.percent = fl&nfPercent != 0
	q.isRuleSet = fl&nfRuleSet != 0
	switch {
	case n.kind == nOf || n.kind == nForOf || n.kind == nForIn:
		qq := q
		n.quantFields = &qq
	case fl&nfQuant != 0 || !q.empty():
		r.fail("quantifier in a node of kind %d", n.kind)
	}
	if fl&nfRe != 0 {
		n.re = r.prog()
		if n.re == nil {
			r.fail("missing regex program")
		}
	}
	if r.err != nil {
		return nil
	}
	// semantic checks: every index the evaluator dereferences
	switch n.kind {
	case nStrMatch, nStrCount, nStrOffset, nStrLength:
		if sidx < -1 || sidx >= int64(c.nstrs) || (sidx == -1 && c.inForOf == 0) {
			r.fail("string index %d out of range", sidx)
		}
	case nLoopVar:
		if n.i < 0 || n.i >= int64(c.nvars) {
			r.fail("loop variable %d out of range", n.i)
		}
	case nRuleRef:
		if n.i < 0 || n.i >= int64(c.nrules) {
			r.fail("rule reference %d out of range", n.i)
		}
	case nForIn:
		if n.varBase+len(n.vars) > c.nvars {
			r.fail("loop variables out of range")
		}
	case nRegex:
		if n.re == nil {
			r.fail("regex without program")
		}
	}
	if sidx < math.MinInt32 || sidx > math.MaxInt32 {
		r.fail("string index %d out of range", sidx)
	}
	n.sidx = int32(sidx)
	if n.kind == nForOf {
		c.inForOf++
	}
	if fl&nfA != 0 {
		n.a = r.node(c, depth+1)
	}
	if n.kind == nForOf {
		c.inForOf--
	}
	if fl&nfB != 0 {
		n.b = r.node(c, depth+1)
	}
	if fl&nfQuant != 0 && n.quantFields != nil {
		n.quant = r.node(c, depth+1)
	}
	if cnt := r.count(1, "list"); cnt > 0 {
		n.list = make([]*node, cnt)
		for j := range n.list {
			n.list[j] = r.node(c, depth+1)
			if n.list[j] == nil {
				r.fail("empty list element")
			}
		}
	}
	if r.err != nil {
		return nil
	}
	needA, needB := false, false
	switch n.kind {
	case nAnd, nOr, nIndex, nBin, nForIn, nRange:
		needA, needB = true, true
	case nNot, nDefined, nNeg, nBitNot, nIntRead, nField, nCall, nForOf:
		needA = true
	}
	if (needA && n.a == nil) || (needB && n.b == nil) {
		r.fail("node kind %d at %s lacks an operand", n.kind, n.pos)
		return nil
	}
	switch n.kind {
	case nStrMatch, nStrCount, nOf:
		if n.b != nil && n.b.kind != nRange {
			r.fail("range operand is not a range")
		}
	case nBin:
		if n.op == "matches" && n.b.kind != nRegex {
			r.fail("matches without a regex")
		}
	}
	switch n.kind {
	case nOf, nForOf, nForIn:
		switch n.qkind {
		case "all", "any", "none":
		default:
			if n.quant == nil {
				r.fail("quantifier without an expression")
			}
		}
	}
	return n
}

func decodePayload(b []byte) (*Rules, error) {
	r := &creader{b: b}
	r.tables()
	out := &Rules{externals: map[string]value{}, extDecl: map[string]any{}}
	ne := r.count(2, "external")
	for j := 0; j < ne && r.err == nil; j++ {
		k := r.str()
		v := r.anyScalar("external " + k)
		if r.err != nil {
			break
		}
		val, err := externalValue(v)
		if err != nil {
			r.fail("external %q: %v", k, err)
			break
		}
		out.extDecl[k] = v
		out.externals[k] = val
	}
	out.hasGlobal = r.bool()

	nr := r.count(8, "rule")
	nstr := r.count(8, "string")
	npat := r.count(8, "pattern")
	if r.err != nil {
		return nil, fmt.Errorf("compiled rules: %w", r.err)
	}
	out.rules = make([]*rule, nr)
	for j := 0; j < nr && r.err == nil; j++ {
		d := &ruleDef{}
		d.name = r.str()
		d.namespace = r.str()
		if cnt := r.count(1, "tag"); cnt > 0 {
			d.tags = make([]string, cnt)
			for t := range d.tags {
				d.tags[t] = r.str()
			}
		}
		if cnt := r.count(2, "meta"); cnt > 0 {
			d.meta = make([]Meta, cnt)
			for t := range d.meta {
				d.meta[t].Key = r.str()
				d.meta[t].Value = r.anyScalar("meta")
			}
		}
		d.private = r.bool()
		d.global = r.bool()
		d.pos.File = r.file()
		d.pos.Line = r.int(math.MaxInt32, "line")
		d.pos.Col = r.int(math.MaxInt32, "column")
		d.imports = map[string]bool{}
		ni := r.count(1, "import")
		for t := 0; t < ni && r.err == nil; t++ {
			d.imports[r.str()] = true
		}
		ru := &rule{def: d, idx: j, namespace: d.namespace}
		if ns := r.count(1, "rule string"); ns > 0 && r.err == nil {
			ru.strs = make([]int, ns)
			for t := range ru.strs {
				ru.strs[t] = r.int(nstr-1, "string index")
			}
		}
		ru.nvars = r.int(1024, "loop variable count")
		ru.needsMatch = r.bool()
		ru.cond = r.node(&nodeCtx{nstrs: nstr, nrules: nr, nvars: ru.nvars}, 0)
		if ru.cond == nil {
			r.fail("rule %d without condition", j)
		}
		if r.err != nil {
			return nil, fmt.Errorf("compiled rules: rule %d (%q): %w", j, d.name, r.err)
		}
		out.rules[j] = ru
	}
	var strSlab []cstring
	if r.err == nil {
		out.strs = make([]*cstring, nstr)
		strSlab = make([]cstring, nstr)
	}
	for j := 0; j < nstr && r.err == nil; j++ {
		cs := &strSlab[j]
		*cs = cstring{id: r.str(), rule: int32(r.int(nr-1, "rule index")), private: r.bool(), isHex: r.bool(), b64: r.bool()}
		if cnt := r.count(1, "string pattern"); cnt > 0 && r.err == nil {
			cs.pats = make([]int32, cnt)
			for t := range cs.pats {
				cs.pats[t] = int32(r.int(npat-1, "pattern index"))
			}
		}
		out.strs[j] = cs
	}
	var patSlab []pattern
	if r.err == nil {
		out.pats = make([]*pattern, npat)
		patSlab = make([]pattern, npat)
	}
	for j := 0; j < npat && r.err == nil; j++ {
		p := &patSlab[j]
		p.reFields = new(reFields)
		p.str = int32(r.int(nstr-1, "string index"))
		p.kind = patKind(r.byte1())
		p.lit = r.bytes()
		p.nocase = r.bool()
		p.fullword = r.bool()
		p.wide = r.bool()
		p.anyFirst = r.bool()
		p.prog = r.prog()
		p.rev = r.prog()
		p.restProg = r.prog()
		p.atomOff = r.int(math.MaxInt32, "atom offset")
		lim := r.i()
		if lim < -1 || lim > math.MaxInt32 {
			r.fail("pattern %d: limit %d out of range", j, lim)
		}
		p.limit = int(lim)
		if f := r.set(); f != (byteSet{}) {
			p.first = &f
		}
		p.sets = r.sets()
		p.prefix = r.sets()
		p.part = int32(r.int(math.MaxInt32, "chain part"))
		if cnt := r.count(3, "prefix check"); cnt > 0 && r.err == nil {
			p.revChecks = make([]revCheck, cnt)
			for k := range p.revChecks {
				c := &p.revChecks[k]
				c.set = r.set()
				c.lo = int32(r.int(math.MaxInt32, "prefix check distance"))
				c.hi = int32(r.int(math.MaxInt32, "prefix check distance"))
				// the compiler chooses checks within maxRevCheckWindow; a
				// larger distance would make every atom hit walk back over
				// the file
				if c.lo < 1 || c.hi < c.lo || c.hi > maxRevCheckWindow {
					r.fail("pattern %d: prefix check distances %d..%d", j, c.lo, c.hi)
				}
			}
		}
		if p.kind > pkRegex {
			r.fail("pattern %d: unknown kind %d", j, p.kind)
		}
		if p.kind == pkRegex && p.prog == nil && p.sets == nil && p.restProg == nil {
			r.fail("pattern %d: regex pattern without program", j)
		}
		if p.restProg != nil && len(p.prefix) == 0 {
			r.fail("pattern %d: rest program without prefix", j)
		}
		if rf := p.reFields; p.kind == pkLiteral && rf.prog == nil && rf.rev == nil && rf.limit == 0 && rf.first == nil &&
			rf.sets == nil && rf.prefix == nil && rf.restProg == nil && rf.revChecks == nil {
			p.reFields = &noReFields // as compiled
		}
		out.pats[j] = p
	}
	if cnt := r.count(1, "no-atom pattern"); cnt > 0 && r.err == nil {
		out.noAtom = make([]int32, cnt)
		for j := range out.noAtom {
			pi := r.int(npat-1, "pattern index")
			if r.err == nil && out.pats[pi].prog == nil && out.pats[pi].sets == nil && out.pats[pi].restProg == nil {
				r.fail("no-atom pattern %d without program", pi)
			}
			out.noAtom[j] = int32(pi)
		}
	}
	out.nparts = r.int(npat, "chain part count")
	nch := r.count(2, "chain")
	seenPart := make([]bool, out.nparts+1)
	for j := 0; j < nch && r.err == nil; j++ {
		ch := hexChain{str: int32(r.int(nstr-1, "string index"))}
		np := r.count(3, "chain part")
		if np < 2 && r.err == nil {
			r.fail("chain %d with %d parts", j, np)
		}
		for k := 0; k < np && r.err == nil; k++ {
			pi := r.int(npat-1, "pattern index")
			gmin, gmax := r.i(), r.i()
			if gmin < 0 || gmin > maxRepeat || gmax < -1 || gmax > maxRepeat {
				r.fail("chain %d: gap out of range", j)
			}
			if r.err != nil {
				break
			}
			pt := out.pats[pi].part
			if pt < 1 || int(pt) > out.nparts || seenPart[pt] || out.pats[pi].str != ch.str {
				r.fail("chain %d: pattern %d is not a free part of string %d", j, pi, ch.str)
				break
			}
			seenPart[pt] = true
			ch.parts = append(ch.parts, int32(pi))
			ch.gapMin = append(ch.gapMin, int(gmin))
			ch.gapMax = append(ch.gapMax, int(gmax))
		}
		out.chains = append(out.chains, ch)
	}
	for j := 0; j < npat && r.err == nil; j++ {
		if pt := out.pats[j].part; pt != 0 && (int(pt) > out.nparts || !seenPart[pt]) {
			r.fail("pattern %d: chain part %d not in any chain", j, pt)
		}
	}
	na := r.count(10, "atom")
	var atoms []atomEntry
	if r.err == nil {
		atoms = make([]atomEntry, na)
	}
	for j := 0; j < na && r.err == nil; j++ {
		a := atomEntry{n: r.byte1(), val: r.u32(), mask: r.u32(), pat: int32(r.int(npat-1, "pattern index"))}
		if a.n < 1 || a.n > maxAtomLen {
			r.fail("atom %d: length %d", j, a.n)
		}
		atoms[j] = a
	}
	if r.err == nil && r.off != len(r.b) {
		r.fail("%d trailing bytes", len(r.b)-r.off)
	}
	if r.err != nil {
		return nil, fmt.Errorf("compiled rules: %w", r.err)
	}
	// regex patterns are verified with their program; a bare literal
	// pattern reached through an atom needs nothing more
	out.setTab = r.setTab
	if len(r.setTab) > maxSetTab {
		out.setTab = slices.Clip(r.tab)
	}
	out.index = buildAtomIndex(atoms)
	return out, nil
}

// SetExternal changes the default value of an external variable (declaring
// it when the rules do not): int64, int, float64, bool or string. Use it
// only before the rules are shared between scans; per-scan values go in
// ScanOptions.Externals.
func (r *Rules) SetExternal(name string, v any) error {
	val, err := externalValue(v)
	if err != nil {
		return fmt.Errorf("external %q: %w", name, err)
	}
	r.externals[name] = val
	r.extDecl[name] = v
	return nil
}
