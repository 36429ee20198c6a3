package yarac

import (
	"fmt"
	"math"
)

// Structure sizes and field offsets of libyara 4.2 to 4.5 on 64-bit hosts
// (include/yara/types.h, #pragma pack(8), pointers as 8-byte references);
// YR_RULE's, which changed in 4.4, is in the arena's layout.
const (
	nsSize     = 16 // name ref, idx
	metaSize   = 32 // identifier, string, integer, type, flags
	stringSize = 56 // flags, idx, fixed_offset, rule_idx, length, string, chained_to, gap min/max, identifier
	extSize    = 24 // type, value, identifier
	matchSize  = 40 // string, forward_code, backward_code, next, backtrack
)

// Flags of YR_RULE and YR_STRING.
const (
	ruleFlagPrivate = 0x01
	ruleFlagGlobal  = 0x02
	ruleFlagNull    = 0x04

	strHex        = 0x02
	strNoCase     = 0x04
	strASCII      = 0x08
	strWide       = 0x10
	strRegexp     = 0x20
	strFullWord   = 0x80
	strAnonymous  = 0x100
	strLiteral    = 0x400
	strLastInRule = 0x1000
	strChainPart  = 0x2000
	strChainTail  = 0x4000
	strDotAll     = 0x20000
	strXor        = 0x80000
	strPrivate    = 0x100000
	strBase64     = 0x200000
	strBase64Wide = 0x400000

	metaLastInRule = 1
)

// Limits on what a file may declare; libyara's own limits are far lower
// for counts per rule, the totals are bounded by the file size anyway.
const (
	maxStringsPerRule = 1 << 20
	maxMetasPerRule   = 1 << 20
	maxTags           = 1 << 16
	// maxStringLength bounds a literal string (libyara's lexer stops at
	// 8 KB; a hex string's bytes can be longer).
	maxStringLength = 1 << 24
)

type rule struct {
	idx     int
	name    string
	ns      int // namespace index
	flags   int32
	tags    []string
	metas   []meta
	strings []*yString
}

type meta struct {
	name  string
	typ   int32 // 1 integer, 2 string, 3 boolean
	str   string
	value int64
}

// yString is one YR_STRING (a whole string, or one part of a chain).
type yString struct {
	off                uint32 // offset in the strings table
	rule               int    // index of its rule
	name               string
	flags              uint32
	literal            []byte // STRING_FLAGS_LITERAL
	chainTo            uint32 // offset of the previous part, or nullID
	gapMin             int32
	gapMax             int32
	code               []reInst // forward regex code when not literal
	codeStart, codeEnd int
	xorMin             int
	xorMax             int
	matchOff           []uint32 // AC matches of this string (offsets in the pool)
}

type namespace struct {
	name string
}

// model is the content of a yarac file.
type model struct {
	a          *arena
	namespaces []namespace
	nsByOff    map[uint32]int
	rules      []*rule
	strByOff   map[uint32]*yString
	externals  []external
	numStrings int
}

type external struct {
	name  string
	value any
}

func readModel(a *arena) (*model, error) {
	m := &model{a: a, nsByOff: map[uint32]int{}, strByOff: map[uint32]*yString{}}
	// namespaces
	nsb := a.bufs[bufNamespaces]
	if len(nsb)%nsSize != 0 {
		return nil, fmt.Errorf("corrupt yarac file: namespaces table of %d bytes", len(nsb))
	}
	for off := 0; off < len(nsb); off += nsSize {
		r, err := a.ptr(bufNamespaces, uint64(off))
		if err != nil {
			return nil, err
		}
		name, err := a.cstring(r)
		if err != nil {
			return nil, fmt.Errorf("namespace %d: %w", off/nsSize, err)
		}
		if !validIdent(name) && name != "default" {
			return nil, fmt.Errorf("namespace %q: not an identifier vigie can name", name)
		}
		m.nsByOff[uint32(off)] = len(m.namespaces)
		m.namespaces = append(m.namespaces, namespace{name: name})
	}
	// rules, up to the null rule
	rb := a.bufs[bufRules]
	for off := 0; ; off += a.lay.ruleSize {
		if off+a.lay.ruleSize > len(rb) {
			return nil, fmt.Errorf("corrupt yarac file: rules table without its end marker")
		}
		flags, _ := a.u32(bufRules, uint64(off))
		if int32(flags)&ruleFlagNull != 0 {
			break
		}
		rl, err := m.readRule(off)
		if err != nil {
			return nil, err
		}
		m.rules = append(m.rules, rl)
	}
	if err := m.readExternals(); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *model) readRule(off int) (*rule, error) {
	a := m.a
	o := uint64(off)
	flags, _ := a.u32(bufRules, o)
	rl := &rule{idx: off / a.lay.ruleSize, flags: int32(flags)}
	// identifier, tags, metas, strings, ns
	refs := o + a.lay.ruleRefs
	r, err := a.ptr(bufRules, refs)
	if err != nil {
		return nil, err
	}
	if rl.name, err = a.cstring(r); err != nil {
		return nil, fmt.Errorf("rule %d: %w", rl.idx, err)
	}
	if !validIdent(rl.name) {
		return nil, fmt.Errorf("rule %d: name %q is not an identifier", rl.idx, rl.name)
	}
	wrap := func(err error) error { return fmt.Errorf("rule %s: %w", rl.name, err) }
	// namespace
	r, err = a.ptr(bufRules, refs+32)
	if err != nil {
		return nil, wrap(err)
	}
	ns, ok := m.nsByOff[r.off]
	if r.buf != bufNamespaces || !ok {
		return nil, wrap(fmt.Errorf("corrupt yarac file: namespace reference outside the namespaces table"))
	}
	rl.ns = ns
	// tags: NUL-terminated names ended by an empty one
	r, err = a.ptr(bufRules, refs+8)
	if err != nil {
		return nil, wrap(err)
	}
	for !r.null() {
		t, err := a.cstring(r)
		if err != nil {
			return nil, wrap(err)
		}
		if t == "" {
			break
		}
		if !validIdent(t) {
			return nil, wrap(fmt.Errorf("tag %q is not an identifier", t))
		}
		if len(rl.tags) >= maxTags {
			return nil, wrap(fmt.Errorf("more than %d tags", maxTags))
		}
		rl.tags = append(rl.tags, t)
		r.off += uint32(len(t)) + 1
	}
	// metas
	r, err = a.ptr(bufRules, refs+16)
	if err != nil {
		return nil, wrap(err)
	}
	if !r.null() {
		if r.buf != bufMetas || r.off%metaSize != 0 {
			return nil, wrap(fmt.Errorf("corrupt yarac file: metas reference outside the metas table"))
		}
		for mo := uint64(r.off); ; mo += metaSize {
			if mo+metaSize > uint64(len(a.bufs[bufMetas])) || len(rl.metas) >= maxMetasPerRule {
				return nil, wrap(fmt.Errorf("corrupt yarac file: metas run past their table"))
			}
			mt, last, err := m.readMeta(mo)
			if err != nil {
				return nil, wrap(err)
			}
			rl.metas = append(rl.metas, mt)
			if last {
				break
			}
		}
	}
	// strings
	r, err = a.ptr(bufRules, refs+24)
	if err != nil {
		return nil, wrap(err)
	}
	if !r.null() {
		if r.buf != bufStrings || r.off%stringSize != 0 {
			return nil, wrap(fmt.Errorf("corrupt yarac file: strings reference outside the strings table"))
		}
		for so := uint64(r.off); ; so += stringSize {
			if so+stringSize > uint64(len(a.bufs[bufStrings])) || len(rl.strings) >= maxStringsPerRule {
				return nil, wrap(fmt.Errorf("corrupt yarac file: strings run past their table"))
			}
			s, err := m.readString(so)
			if err != nil {
				return nil, wrap(err)
			}
			if _, dup := m.strByOff[s.off]; dup {
				return nil, wrap(fmt.Errorf("corrupt yarac file: string %s shared by two rules", s.name))
			}
			s.rule = rl.idx
			m.strByOff[s.off] = s
			rl.strings = append(rl.strings, s)
			m.numStrings++
			if s.flags&strLastInRule != 0 {
				break
			}
		}
	}
	return rl, nil
}

func (m *model) readMeta(o uint64) (meta, bool, error) {
	a := m.a
	var mt meta
	r, err := a.ptr(bufMetas, o)
	if err != nil {
		return mt, false, err
	}
	if mt.name, err = a.cstring(r); err != nil {
		return mt, false, err
	}
	if !validIdent(mt.name) {
		return mt, false, fmt.Errorf("meta %q is not an identifier", mt.name)
	}
	v, _ := a.u64(bufMetas, o+16)
	mt.value = int64(v)
	t, _ := a.u32(bufMetas, o+24)
	mt.typ = int32(t)
	fl, _ := a.u32(bufMetas, o+28)
	switch mt.typ {
	case 1, 3:
	case 2:
		r, err := a.ptr(bufMetas, o+8)
		if err != nil {
			return mt, false, err
		}
		if mt.str, err = a.cstring(r); err != nil {
			return mt, false, fmt.Errorf("meta %s: %w", mt.name, err)
		}
	default:
		return mt, false, fmt.Errorf("meta %s: unknown type %d", mt.name, mt.typ)
	}
	return mt, fl&metaLastInRule != 0, nil
}

func (m *model) readString(o uint64) (*yString, error) {
	a := m.a
	fl, _ := a.u32(bufStrings, o)
	s := &yString{off: uint32(o), flags: fl, chainTo: nullID}
	r, err := a.ptr(bufStrings, o+48)
	if err != nil {
		return nil, err
	}
	if s.name, err = a.cstring(r); err != nil {
		return nil, err
	}
	if !validStringIdent(s.name) {
		return nil, fmt.Errorf("string name %q is not a string identifier", s.name)
	}
	if fl&strLiteral != 0 {
		n, _ := a.u32(bufStrings, o+20)
		if n > maxStringLength {
			return nil, fmt.Errorf("string %s: length %d", s.name, n)
		}
		r, err := a.ptr(bufStrings, o+24)
		if err != nil {
			return nil, err
		}
		if s.literal, err = a.bytesAt(r, uint64(n)); err != nil {
			return nil, fmt.Errorf("string %s: %w", s.name, err)
		}
	}
	r, err = a.ptr(bufStrings, o+32)
	if err != nil {
		return nil, err
	}
	if !r.null() {
		if r.buf != bufStrings || r.off%stringSize != 0 || uint64(r.off) >= o {
			return nil, fmt.Errorf("string %s: corrupt chain reference", s.name)
		}
		s.chainTo = r.off
		g1, _ := a.u32(bufStrings, o+40)
		g2, _ := a.u32(bufStrings, o+44)
		s.gapMin, s.gapMax = int32(g1), int32(g2)
		if s.gapMin < 0 || s.gapMax < s.gapMin {
			return nil, fmt.Errorf("string %s: chain gap [%d-%d]", s.name, s.gapMin, s.gapMax)
		}
	}
	return s, nil
}

func (m *model) readExternals() error {
	a := m.a
	eb := a.bufs[bufExternals]
	for o := uint64(0); ; o += extSize {
		if o+extSize > uint64(len(eb)) {
			return fmt.Errorf("corrupt yarac file: externals table without its end marker")
		}
		t, _ := a.u32(bufExternals, o)
		if t == 0 {
			return nil
		}
		r, err := a.ptr(bufExternals, o+16)
		if err != nil {
			return err
		}
		name, err := a.cstring(r)
		if err != nil {
			return fmt.Errorf("external variable: %w", err)
		}
		if !validIdent(name) {
			return fmt.Errorf("external variable %q is not an identifier", name)
		}
		v, _ := a.u64(bufExternals, o+8)
		e := external{name: name}
		switch t {
		case 1:
			e.value = math.Float64frombits(v)
		case 2:
			e.value = int64(v)
		case 3:
			e.value = v != 0
		case 4, 5:
			r, err := a.ptr(bufExternals, o+8)
			if err != nil {
				return err
			}
			if r.null() {
				e.value = ""
			} else if e.value, err = a.cstring(r); err != nil {
				return fmt.Errorf("external variable %s: %w", name, err)
			}
		default:
			return fmt.Errorf("external variable %s: unknown type %d", name, t)
		}
		m.externals = append(m.externals, e)
	}
}

func validIdent(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// validStringIdent: "$" then letters, digits and underscores.
func validStringIdent(s string) bool {
	if s == "" || s[0] != '$' || len(s) > 129 {
		return false
	}
	return s == "$" || validIdent("x"+s[1:])
}
