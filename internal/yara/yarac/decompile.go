package yarac

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/vigie-project/vigie/internal/yara"
)

// Decoded is a yarac file turned back into source.
type Decoded struct {
	// Sources holds the rules in their original order, one source per
	// run of rules of one namespace.
	Sources []yara.Source
	// Externals are the external variables with the values yarac was
	// given (-d); vigie's -d overrides them.
	Externals map[string]any
	Rules     int
	// Strings counts the strings the rules declare (libyara splits a
	// hex string with a long jump into chained parts; they count once).
	Strings int
}

// Decode reads a yarac file.
func Decode(b []byte) (*Decoded, error) {
	if len(b) > yara.MaxCompiledSize {
		return nil, fmt.Errorf("yarac file larger than %d bytes", yara.MaxCompiledSize)
	}
	a, err := parseArena(b)
	if err != nil {
		return nil, err
	}
	m, err := readModel(a)
	if err != nil {
		return nil, err
	}
	if err := m.readMatches(); err != nil {
		return nil, err
	}
	// condition regexps: RE headers the code points to
	headers := map[uint32]bool{}
	err = a.eachReloc(bufCode, func(off uint64) error {
		r, err := a.ptr(bufCode, off)
		if err == nil && r.buf == bufRECode {
			headers[r.off] = true
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	rc, err := decodeRECode(a.bufs[bufRECode], headers, a.lay.since43)
	if err != nil {
		return nil, err
	}
	var atoms map[uint32][]byte
	for _, rl := range m.rules {
		for _, s := range rl.strings {
			if s.flags&strXor != 0 && atoms == nil {
				if atoms, err = m.atoms(); err != nil {
					return nil, err
				}
			}
			if err := m.prepareString(s, rc, atoms); err != nil {
				return nil, fmt.Errorf("rule %s: string %s: %w", rl.name, s.name, err)
			}
		}
	}
	return m.source(rc)
}

// prepareString finds a string's code and xor keys.
func (m *model) prepareString(s *yString, rc *reCode, atoms map[uint32][]byte) error {
	if s.flags&strLiteral == 0 {
		off, err := m.forwardCode(s)
		if err != nil {
			return err
		}
		blk := rc.blockAt(off)
		if blk == nil {
			return fmt.Errorf("corrupt yarac file: atom code outside every regex")
		}
		s.code = blk.insts
		s.codeStart = blk.start
		s.codeEnd = blk.end
	}
	if s.flags&strXor != 0 {
		if s.flags&strLiteral == 0 {
			return fmt.Errorf("xor on a non-literal string")
		}
		lo, hi, err := m.xorRange(s, atoms)
		if err != nil {
			return err
		}
		s.xorMin, s.xorMax = lo, hi
	}
	return nil
}

func (m *model) source(rc *reCode) (*Decoded, error) {
	insts, err := decodeCode(m.a.lay, m.a.bufs[bufCode])
	if err != nil {
		return nil, err
	}
	conds := make([]string, len(m.rules))
	done := make([]bool, len(m.rules))
	imports := make([][]string, len(m.namespaces))
	var pending []string
	addImport := func(ns int, mod string) {
		for _, x := range imports[ns] {
			if x == mod {
				return
			}
		}
		imports[ns] = append(imports[ns], mod)
	}
	lastNS := 0
	d := &condDecoder{m: m, insts: insts, mem: map[int64]*expr{}, reCode: rc,
		limit: maxExprText + exprTextPerCode*len(m.a.bufs[bufCode])}
	for d.i < len(insts) {
		in := insts[d.i]
		switch in.op {
		case opHalt:
			d.i = len(insts)
			continue
		case opNop:
			d.i++
		case opImport:
			name, err := d.name(in)
			if err != nil {
				return nil, err
			}
			pending = append(pending, name)
			d.i++
		case opInitRule:
			idx := int(uint32(in.u64() >> 32))
			if idx >= len(m.rules) || done[idx] {
				return nil, fmt.Errorf("corrupt yarac file: code for rule %d", idx)
			}
			rl := m.rules[idx]
			for _, p := range pending {
				addImport(rl.ns, p)
			}
			pending = nil
			lastNS = rl.ns
			d.rl, d.stack, d.loops = rl, nil, nil
			clear(d.mem)
			d.i++
			c, err := d.run()
			if err != nil {
				return nil, fmt.Errorf("rule %s: %w", rl.name, err)
			}
			conds[idx], done[idx] = c, true
		default:
			return nil, fmt.Errorf("corrupt yarac file: opcode %d between rules", in.op)
		}
	}
	if len(pending) > 0 && len(m.namespaces) == 0 {
		return nil, fmt.Errorf("corrupt yarac file: import outside every namespace")
	}
	for _, p := range pending {
		addImport(lastNS, p)
	}
	out := &Decoded{Externals: map[string]any{}, Rules: len(m.rules)}
	for _, rl := range m.rules {
		for _, s := range rl.strings {
			if s.chainTo == nullID {
				out.Strings++
			}
		}
	}
	for _, e := range m.externals {
		if f, ok := e.value.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			return nil, fmt.Errorf("external variable %s: value %v", e.name, f)
		}
		out.Externals[e.name] = e.value
	}
	var sb strings.Builder
	cur := -1
	flush := func() {
		if cur >= 0 {
			out.Sources = append(out.Sources, yara.Source{
				Name:      fmt.Sprintf("yarac:%s:%d", m.namespaces[cur].name, len(out.Sources)),
				Namespace: m.namespaces[cur].name,
				Data:      []byte(sb.String()),
			})
		}
		sb.Reset()
	}
	startNS := func(ns int) {
		flush()
		cur = ns
		for _, imp := range imports[ns] {
			fmt.Fprintf(&sb, "import %q\n", imp)
		}
	}
	for i, rl := range m.rules {
		if !done[i] {
			return nil, fmt.Errorf("rule %s: no condition code", rl.name)
		}
		if rl.ns != cur {
			startNS(rl.ns)
		}
		if err := m.writeRule(&sb, rl, conds[i]); err != nil {
			return nil, fmt.Errorf("rule %s: %w", rl.name, err)
		}
	}
	if len(m.rules) == 0 && len(m.namespaces) > 0 {
		startNS(lastNS)
	}
	flush()
	return out, nil
}

// Text returns the decoded rules as one YARA text, with a comment line
// before each namespace (for `vigie yara decompile`).
func (d *Decoded) Text() string {
	var sb strings.Builder
	for _, s := range d.Sources {
		fmt.Fprintf(&sb, "// namespace %s\n", s.Namespace)
		sb.Write(s.Data)
	}
	if len(d.Externals) > 0 {
		keys := make([]string, 0, len(d.Externals))
		for k := range d.Externals {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		sb.WriteString("// externals:")
		for _, k := range keys {
			fmt.Fprintf(&sb, " %s=%v", k, d.Externals[k])
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

func (m *model) writeRule(sb *strings.Builder, rl *rule, cond string) error {
	if rl.flags&ruleFlagPrivate != 0 {
		sb.WriteString("private ")
	}
	if rl.flags&ruleFlagGlobal != 0 {
		sb.WriteString("global ")
	}
	sb.WriteString("rule " + rl.name)
	if len(rl.tags) > 0 {
		sb.WriteString(" : " + strings.Join(rl.tags, " "))
	}
	sb.WriteString(" {\n")
	if len(rl.metas) > 0 {
		sb.WriteString("  meta:\n")
		for _, mt := range rl.metas {
			var v string
			switch mt.typ {
			case 1:
				v = intText(mt.value)
			case 2:
				v = quote([]byte(mt.str))
			case 3:
				v = "false"
				if mt.value != 0 {
					v = "true"
				}
			}
			fmt.Fprintf(sb, "    %s = %s\n", mt.name, v)
		}
	}
	if len(rl.strings) > 0 {
		sb.WriteString("  strings:\n")
		for i := 0; i < len(rl.strings); {
			s := rl.strings[i]
			if s.chainTo != nullID {
				return fmt.Errorf("string %s: chained part without its head", s.name)
			}
			// the chain: following parts, each chained to the previous
			parts := []*yString{s}
			j := i + 1
			for j < len(rl.strings) && rl.strings[j].chainTo == parts[len(parts)-1].off {
				parts = append(parts, rl.strings[j])
				j++
			}
			if len(parts) > 1 && parts[len(parts)-1].flags&strChainTail == 0 {
				return fmt.Errorf("string %s: chain without its tail", s.name)
			}
			text, err := stringText(parts)
			if err != nil {
				return fmt.Errorf("string %s: %w", s.name, err)
			}
			fmt.Fprintf(sb, "    %s = %s\n", s.name, text)
			i = j
		}
	}
	sb.WriteString("  condition:\n    " + cond + "\n}\n\n")
	return nil
}

// stringText writes a string's value and modifiers.
func stringText(parts []*yString) (string, error) {
	s := parts[0]
	var sb strings.Builder
	fl := s.flags
	switch {
	case fl&strHex != 0:
		sb.WriteString("{ ")
		for k, p := range parts {
			if k > 0 {
				if p.gapMax == math.MaxInt32 {
					fmt.Fprintf(&sb, "[%d-] ", p.gapMin)
				} else {
					fmt.Fprintf(&sb, "[%d-%d] ", p.gapMin, p.gapMax)
				}
			}
			if p.flags&strLiteral != 0 {
				for _, c := range p.literal {
					writeHexByte(&sb, c)
				}
				continue
			}
			n, err := p.tree()
			if err != nil {
				return "", err
			}
			if err := hexText(n, &sb); err != nil {
				return "", err
			}
		}
		sb.WriteString("}")
		if fl&strPrivate != 0 {
			sb.WriteString(" private")
		}
		return sb.String(), nil
	case fl&(strRegexp|strBase64|strBase64Wide) != 0:
		// a base64 string is the regexp of its encodings; the
		// alternatives are written as such
		sb.WriteString("/")
		for k, p := range parts {
			if k > 0 {
				sb.WriteByte('.')
				writeRange(&sb, int(p.gapMin), int(p.gapMax))
				sb.WriteByte('?')
			}
			if p.flags&strLiteral != 0 {
				for _, c := range p.literal {
					writeRegexByte(&sb, c, false)
				}
				continue
			}
			n, err := p.tree()
			if err != nil {
				return "", err
			}
			if n.kind == nAlt && len(parts) > 1 {
				sb.WriteString("(")
			}
			if err := regexText(n, &sb); err != nil {
				return "", err
			}
			if n.kind == nAlt && len(parts) > 1 {
				sb.WriteString(")")
			}
		}
		sb.WriteString("/")
		if fl&strDotAll != 0 {
			sb.WriteString("s")
		}
	default:
		if len(parts) > 1 {
			return "", fmt.Errorf("chained text string")
		}
		sb.WriteString(quote(s.literal))
	}
	if fl&(strBase64|strBase64Wide) == 0 {
		if fl&strASCII != 0 && (fl&strWide != 0 || fl&strXor != 0) {
			sb.WriteString(" ascii")
		}
		if fl&strWide != 0 {
			sb.WriteString(" wide")
		}
	}
	if fl&strNoCase != 0 {
		sb.WriteString(" nocase")
	}
	if fl&strFullWord != 0 {
		sb.WriteString(" fullword")
	}
	if fl&strPrivate != 0 {
		sb.WriteString(" private")
	}
	if fl&strXor != 0 {
		switch {
		case s.xorMin == 0 && s.xorMax == 255:
			sb.WriteString(" xor")
		case s.xorMin == s.xorMax:
			fmt.Fprintf(&sb, " xor(%d)", s.xorMin)
		default:
			fmt.Fprintf(&sb, " xor(%d-%d)", s.xorMin, s.xorMax)
		}
	}
	return sb.String(), nil
}

// tree decompiles a string's forward code.
func (s *yString) tree() (*reNode, error) {
	return decompileRE(&reBlock{start: s.codeStart, end: s.codeEnd, insts: s.code})
}

const hexDigits = "0123456789ABCDEF"

// writeHexByte writes c as a hex-string token.
func writeHexByte(sb *strings.Builder, c byte) {
	sb.WriteByte(hexDigits[c>>4])
	sb.WriteByte(hexDigits[c&15])
	sb.WriteByte(' ')
}
