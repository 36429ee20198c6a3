package yara

// CLIView turns the string matches of a Match into what libyara's scanner
// records, for a yara-compatible -s/-L output. The rule outcome does not
// change; only which occurrences libyara keeps:
//
//   - A literal string used only as "$x at N" (the same constant N every
//     time) is searched by libyara at N alone (STRING_FLAGS_FIXED_OFFSET,
//     parser.c): its other occurrences are never recorded, so -s prints
//     only the one at N.
//   - When the ascii and the wide form of a string match at the same
//     offset, libyara keeps the first one it verified, the ascii form
//     (scan.c verifies ascii before wide and never replaces a match at an
//     existing offset).
//
// A CLIView is built once per rule set and is safe for concurrent use.
type CLIView struct {
	r     *Rules
	rules map[string]int // namespace "\x00" name -> rule index
	fixed map[int]int64  // global string index -> the only offset libyara records
}

// NewCLIView analyses the compiled conditions of r.
func (r *Rules) NewCLIView() *CLIView {
	v := &CLIView{r: r, rules: map[string]int{}, fixed: map[int]int64{}}
	for i, ru := range r.rules {
		v.rules[ru.namespace+"\x00"+ru.def.name] = i
		v.analyseRule(ru)
	}
	return v
}

// fixedState is libyara's per-string bookkeeping: still fixed, at offset.
type fixedState struct {
	set     bool
	off     int64
	cleared bool
}

func (v *CLIView) analyseRule(ru *rule) {
	st := map[int]*fixedState{}
	get := func(g int) *fixedState {
		s := st[g]
		if s == nil {
			s = &fixedState{}
			st[g] = s
		}
		return s
	}
	clearStr := func(g int) { get(g).cleared = true }
	atStr := func(g int, at *node) {
		s := get(g)
		if at == nil || at.kind != nInt {
			s.cleared = true
			return
		}
		if !s.set {
			s.set, s.off = true, at.i
		} else if s.off != at.i {
			s.cleared = true
		}
	}
	var walk func(n *node)
	walk = func(n *node) {
		if n == nil {
			return
		}
		switch n.kind {
		case nStrMatch, nStrCount, nStrOffset, nStrLength:
			targets := []int{int(n.sidx)}
			if n.sidx < 0 { // anonymous in a for-of loop: every string of the rule
				targets = ru.strs
			}
			for _, g := range targets {
				if n.kind == nStrMatch && n.a != nil {
					atStr(g, n.a)
				} else {
					clearStr(g)
				}
			}
		}
		if n.quantFields != nil {
			for _, g := range n.set {
				clearStr(int(g))
			}
		}
		walk(n.a)
		walk(n.b)
		walk(n.quantNode())
		for _, c := range n.list {
			walk(c)
		}
	}
	walk(ru.cond)
	for g, s := range st {
		if s.cleared || !s.set || !v.literal(ru, g) {
			continue
		}
		v.fixed[g] = s.off
	}
}

// literal reports whether libyara marks string g STRING_FLAGS_LITERAL:
// a text string, or a hex/regex string without any variable part; never
// a base64 string.
func (v *CLIView) literal(ru *rule, g int) bool {
	if g < 0 || g >= len(v.r.strs) {
		return false
	}
	cs := v.r.strs[g]
	if cs.b64 {
		return false
	}
	if len(cs.pats) == 0 {
		return false
	}
	for _, pi := range cs.pats {
		p := v.r.pats[pi]
		if p.kind == pkLiteral {
			continue
		}
		// a hex or regex string compiled to a fixed byte sequence
		if p.sets == nil {
			return false
		}
		for _, x := range p.sets {
			if v.r.setTab[x].count() != 1 {
				return false
			}
		}
	}
	return true
}

// Apply rewrites m.Strings in place (see CLIView); strings left without
// an occurrence are dropped.
func (v *CLIView) Apply(m *Match) {
	ri, ok := v.rules[m.Namespace+"\x00"+m.Rule]
	if !ok {
		return
	}
	ru := v.r.rules[ri]
	out := m.Strings[:0]
	next := 0 // m.Strings follow the rule's string order
	for _, s := range m.Strings {
		// anonymous strings share the identifier "": the k-th one
		// matched is the next of the rule's strings with that identifier
		g := -1
		for _, from := range []int{next, 0} {
			for k := from; k < len(ru.strs); k++ {
				if v.r.strs[ru.strs[k]].id == s.ID {
					g, next = ru.strs[k], k+1
					break
				}
			}
			if g >= 0 {
				break
			}
		}
		if g < 0 {
			out = append(out, s)
			continue
		}
		if off, ok := v.fixed[g]; ok {
			var keep []StringMatch
			for _, sm := range s.Matches {
				if sm.Offset == off {
					keep = append(keep, sm)
				}
			}
			s.Matches = keep
		}
		v.preferASCII(g, s.Matches)
		if len(s.Matches) > 0 {
			out = append(out, s)
		}
	}
	m.Strings = out
}

// preferASCII replaces a wide-form match by the ascii form of the same
// literal string when the ascii form matches at the same offset.
func (v *CLIView) preferASCII(g int, ms []StringMatch) {
	cs := v.r.strs[g]
	var ascii []*pattern
	hasWide := false
	for _, pi := range cs.pats {
		p := v.r.pats[pi]
		if p.wide {
			hasWide = true
		} else if (p.kind == pkLiteral && len(p.lit) > 0) || (p.kind == pkRegex && (p.prog != nil || p.sets != nil)) {
			ascii = append(ascii, p)
		}
	}
	if !hasWide || len(ascii) == 0 {
		return
	}
	for i := range ms {
		sm := &ms[i]
		for _, p := range ascii {
			n := len(p.lit)
			switch {
			case p.kind == pkRegex && p.sets != nil:
				// a regex that is a fixed sequence of byte sets
				n = len(p.sets)
				if n > len(sm.Data) || !setsMatch(v.r.setTab, p.sets, sm.Data) {
					continue
				}
			case p.kind == pkRegex:
				// the ascii form of a regex: its anchored match at the
				// offset, inside the wide match's data
				var vm vmState
				n = vm.matchAt(p.prog, sm.Data, 0, len(sm.Data))
				if n <= 0 {
					continue
				}
			}
			if n >= sm.Length || n > len(sm.Data) {
				continue
			}
			d := sm.Data[:n]
			if p.kind == pkLiteral && !litEqual(d, p.lit, p.nocase) {
				continue
			}
			if p.fullword && sm.Length > n && isAlnum(sm.Data[n]) {
				continue
			}
			sm.Length = n
			sm.Data = d
			break
		}
	}
}

func litEqual(d, lit []byte, nocase bool) bool {
	if len(d) != len(lit) {
		return false
	}
	for i := range d {
		if d[i] != lit[i] && !(nocase && foldTable[d[i]] == foldTable[lit[i]]) {
			return false
		}
	}
	return true
}

func setsMatch(tab []byteSet, seq []uint16, d []byte) bool {
	for i, x := range seq {
		if !tab[x].has(d[i]) {
			return false
		}
	}
	return true
}
