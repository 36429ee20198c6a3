package yara

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Source is one rule source: Name is shown in error positions and is the
// base for relative includes; Data is the rule text.
type Source struct {
	Name string
	Data []byte
	// Reader, when Data is nil, is read as the source is compiled: the
	// whole text is never in memory at once (a 7 MB rule file was 7 MB of
	// heap, and more with the collector's headroom, for the whole compile).
	Reader    io.Reader
	Namespace string // "" means "default"
}

// CompileOptions tune compilation.
type CompileOptions struct {
	// Externals declares external variables and their default values:
	// int64, float64, bool or string.
	Externals map[string]any
	// DisableIncludes rejects include directives.
	DisableIncludes bool
	// ReadInclude reads an included file; nil means os.ReadFile.
	ReadInclude func(path string) ([]byte, error)
	// ReleaseSources lets Compile set each Source's Data to nil once it
	// is parsed, so that the text (7 MB for signature-base) is not kept
	// while the rules are compiled; for callers that do not reuse it.
	ReleaseSources bool
	// NoWarnings skips what only gives warnings, and Compile returns
	// none: libyara's atom extraction for "may slow down scanning" is
	// about a tenth of compiling signature-base (yara -w).
	NoWarnings bool
}

// Warning is a non-fatal compiler remark (e.g. a string that slows scans).
type Warning struct {
	Pos Pos
	Msg string
}

func (w Warning) String() string { return fmt.Sprintf("%s: warning: %s", w.Pos, w.Msg) }

// Rules is a compiled rule set. It is read-only after Compile and safe for
// concurrent scans.
type Rules struct {
	rules     []*rule
	strs      []*cstring
	pats      []*pattern
	setTab    []byteSet // the byte sets that set sequences of patterns index
	index     *atomIndex
	noAtom    []int32 // patterns scanned without atoms
	chains    []hexChain
	nparts    int // chain parts (pattern.part numbers them from 1)
	externals map[string]value
	imports   []string // modules in the order of the sources' import statements (see ImportedModules)
	extDecl   map[string]any
	hasGlobal bool
	infoOnce  sync.Once
	infos     []RuleInfo // RuleInfos, built on first use
	pool      sync.Pool  // *scanBufs
	readPool  sync.Pool  // *[]byte read buffers for small files
}

type rule struct {
	def        *ruleDef
	idx        int
	strs       []int // global string indices, in declaration order
	cond       *node
	nvars      int
	namespace  string
	needsMatch bool // the condition is false unless one of strs matched
}

type cstring struct {
	id      string
	pats    []int32
	rule    int32
	private bool
	isHex   bool
	b64     bool // base64 or base64wide: never a literal string for the CLI
}

type patKind uint8

const (
	pkLiteral patKind = iota
	pkRegex
)

type pattern struct {
	str      int32
	part     int32 // 1 + slot of this chain part's matches; 0: not a chain part
	kind     patKind
	nocase   bool
	fullword bool
	wide     bool // for fullword checks
	anyFirst bool
	atomOff  int // offset of atom from match start when rev == nil
	lit      []byte
	// the fields of hex strings and regexps; literals (most patterns of a
	// rule set: 27,000 of signature-base's 35,000) share noReFields, which
	// is never written, and are 64 bytes instead of 176
	*reFields
}

// reFields are the fields of a pattern that only hex strings and regexps
// use.
type reFields struct {
	prog     *regexProg // nil when sets or restProg verify the pattern
	rev      *regexProg // reversed prefix before the atom, nil if fixed
	limit    int
	first    *byteSet   // possible first bytes (no-atom patterns; nil: none)
	sets     []uint16   // when non-nil, the pattern is exactly this sequence of byte sets (indices into Rules.setTab)
	prefix   []uint16   // leading byte sets checked before running restProg (likewise)
	restProg *regexProg // the program after prefix (nil: run prog)
	// revChecks are bytes the variable prefix before the atom must hold
	// at a bounded distance: checked before the reverse program runs, they
	// reject most atom hits of hex strings like { 83 ?? 06 [7-17] FA ... }
	revChecks []revCheck
}

// noReFields are the (zero) reFields of every literal pattern.
var noReFields reFields

// leadingSets returns how many of els are byte sets before the first
// other node.
func leadingSets(els []*rnode) int {
	k := 0
	for k < len(els) && els[k].kind == rSet {
		k++
	}
	return k
}

// revCheck says that one of the bytes at distances lo..hi before the atom
// (1 = the byte just before it) is in set.
type revCheck struct {
	set    byteSet
	lo, hi int32
}

// maxRevCheckWindow bounds the distances a revCheck looks at.
const maxRevCheckWindow = 256

// prefixChecks chooses up to two revChecks for a variable prefix: the
// byte sets of the prefix at a bounded distance from the atom, the most
// selective first (few members, common bytes counted as many, narrow
// window).
func prefixChecks(prefix []*rnode) []revCheck {
	var best [2]revCheck
	bestScore := [2]int{-1, -1} // -1: none
	lo, hi := 0, 0
	for i := len(prefix) - 1; i >= 0 && hi >= 0 && hi < maxRevCheckWindow; i-- {
		e := prefix[i]
		if e.kind == rSet {
			if n := e.set.count(); n <= 16 {
				w := n
				if e.set.has(0) || e.set.has(0xFF) || e.set.has(0x20) {
					w += 8
				}
				c, sc := revCheck{set: e.set, lo: int32(lo + 1), hi: int32(hi + 1)}, w*(hi-lo+1)
				switch {
				case bestScore[0] < 0 || sc < bestScore[0]:
					best[1], bestScore[1] = best[0], bestScore[0]
					best[0], bestScore[0] = c, sc
				case bestScore[1] < 0 || sc < bestScore[1]:
					best[1], bestScore[1] = c, sc
				}
			}
		}
		l, h := lenRange(e)
		lo += l
		if h < 0 {
			hi = -1
		} else {
			hi += h
		}
	}
	switch {
	case bestScore[1] >= 0:
		return []revCheck{best[0], best[1]}
	case bestScore[0] >= 0:
		return []revCheck{best[0]}
	}
	return nil
}

// chainThreshold is libyara's YR_STRING_CHAINING_THRESHOLD: a hex jump
// whose bounds exceed it splits the hex string into a chain of parts.
const chainThreshold = 200

// hexChain is a hex string split at its long or unbounded jumps, as
// libyara chains strings: each part is matched on its own (with its own
// atoms, so "{ 61 62 [-] 63 [-] 7A 7A }" costs one pass over the data,
// not one pass per "ab"), and after the scan every match of the first
// part is joined to the nearest chain of later parts whose gaps fit. The
// string matches from the first part's start to the end of the earliest
// possible last part: the shortest match, as libyara reports it.
type hexChain struct {
	str    int32
	parts  []int32 // pattern indices, first to last
	gapMin []int   // gapMin[k], gapMax[k]: bytes from the end of part k-1 to the start of part k (gapMin[0] unused)
	gapMax []int   // -1: unbounded
}

type compiler struct {
	r        *Rules
	warnings []Warning
	ruleByNS map[string]map[string]int
	opts     CompileOptions
	atoms    []atomEntry
	included map[string]bool
	depth    int
	wildUsed map[string][]string // per namespace: prefixes of rule-set wildcards already used
	share    *interner
	metas    metaIntern
	exprs    map[exprKey]*node // see shareExprs
	hexSeen  map[string]hexCompiled
	elemBuf  []atomElem // treePatterns' scratch
}

// hexCompiled says where the compiled form of a hex string's text is:
// a later string with the same text (signature-base: 10,715 hex strings,
// 4,265 distinct texts) copies its patterns, atoms and chain instead of
// parsing, compiling and choosing atoms again (see reuseHex).
type hexCompiled struct {
	pats, atoms, noAtom [2]int32 // ranges of c.r.pats, c.atoms and c.r.noAtom
	chain               int32    // index in c.r.chains, -1: not chained
	quality             int      // libyara's atom quality, for the warning
}

// exprKey identifies a pure expression node by its fields and its
// (already shared) operands.
type exprKey struct {
	kind  nodeKind
	op, s string
	i     int64 // an nFloat's bits too
	a, b  *node
}

// shareExprs replaces the pure subexpressions of a compiled condition by
// one node per distinct expression: constants (a third of
// signature-base's 64,000 condition nodes: 0x5A4D, 1MB, 0...), filesize,
// and the operators over them such as uint16(0) == 0x5A4D, which
// thousands of rules repeat. Once the rule is checked their positions are
// no longer needed, and evaluation only reads them. Anything that names a
// string of the rule, a loop variable or a module is kept as it is.
func (c *compiler) shareExprs(n *node) (*node, bool) {
	if n == nil {
		return nil, true
	}
	pure := n.quantFields == nil && n.list == nil && n.re == nil
	switch n.kind {
	case nInt, nFloat, nStr, nFilesize, nEntrypoint, nIntRead, nBin, nAnd, nOr, nNot, nNeg, nBitNot:
	default:
		pure = false
	}
	var ok bool
	if n.a, ok = c.shareExprs(n.a); !ok {
		pure = false
	}
	if n.b, ok = c.shareExprs(n.b); !ok {
		pure = false
	}
	for i := range n.list {
		n.list[i], _ = c.shareExprs(n.list[i])
	}
	if n.quantFields != nil {
		n.quant, _ = c.shareExprs(n.quant)
	}
	if !pure {
		return n, false
	}
	k := exprKey{n.kind, n.op, n.s, n.i, n.a, n.b}
	if y, ok := c.exprs[k]; ok {
		return y, true
	}
	if c.exprs == nil {
		c.exprs = map[exprKey]*node{}
	}
	c.exprs[k] = n
	return n, true
}

// Compile compiles rule sources into a Rules set.
func Compile(sources []Source, opts CompileOptions) (*Rules, []Warning, error) {
	c := &compiler{
		r:        &Rules{externals: map[string]value{}, extDecl: map[string]any{}},
		ruleByNS: map[string]map[string]int{},
		opts:     opts,
		included: map[string]bool{},
		share:    newInterner(),
	}
	for k, v := range opts.Externals {
		val, err := externalValue(v)
		if err != nil {
			return nil, nil, fmt.Errorf("external %q: %w", k, err)
		}
		c.r.externals[k] = val
		c.r.extDecl[k] = v
	}
	for i, s := range sources {
		ns := s.Namespace
		if ns == "" {
			ns = "default"
		}
		data := s.Data
		if opts.ReleaseSources {
			sources[i].Data, s.Data = nil, nil
		}
		var rd io.Reader
		if data == nil {
			rd = s.Reader
		}
		if err := c.compileSource(s.Name, data, rd, ns); err != nil {
			return nil, c.warnings, err
		}
	}
	c.r.setTab = c.share.finish()
	c.r.index = buildAtomIndex(c.atoms)
	if opts.NoWarnings {
		return c.r, nil, nil
	}
	return c.r, c.warnings, nil
}

func externalValue(v any) (value, error) {
	switch x := v.(type) {
	case int:
		return intVal(int64(x)), nil
	case int64:
		return intVal(x), nil
	case float64:
		return value{k: vFloat, f: x}, nil
	case bool:
		if x {
			return intVal(1), nil
		}
		return intVal(0), nil
	case string:
		return strVal(x), nil
	}
	return value{}, fmt.Errorf("unsupported type %T (want int64, float64, bool or string)", v)
}

const maxIncludeDepth = 16

func (c *compiler) compileSource(name string, data []byte, rd io.Reader, ns string) error {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > maxIncludeDepth {
		return fmt.Errorf("%s: includes nested too deeply (max %d)", name, maxIncludeDepth)
	}
	imports := map[string]bool{}
	// each rule is compiled as soon as it is parsed: its parsed strings are
	// garbage once compiled, and the parse of the next rules never holds
	// them all at once
	return parseItems(name, data, rd, ns, &c.metas, func(it any) error {
		switch x := it.(type) {
		case importItem:
			if c.depth == 1 {
				// of the source text, only the order of its imports is kept
				c.r.imports = append(c.r.imports, x.name)
			}
			if !knownModules[x.name] {
				return &CompileError{Pos: x.pos, Msg: fmt.Sprintf("unknown module %q", x.name)}
			}
			imports[x.name] = true
		case includeRef:
			if c.opts.DisableIncludes {
				return &CompileError{Pos: x.pos, Msg: "includes are disabled"}
			}
			p := x.path
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(name), p)
			}
			rd := c.opts.ReadInclude
			if rd == nil {
				rd = os.ReadFile
			}
			b, err := rd(p)
			if err != nil {
				return &CompileError{Pos: x.pos, Msg: fmt.Sprintf("cannot include %q: %v", x.path, err)}
			}
			return c.compileSource(p, b, nil, ns)
		case *ruleDef:
			x.imports = imports
			return c.addRule(x)
		}
		return nil
	})
}

var knownModules = map[string]bool{"pe": true, "elf": true, "math": true, "hash": true, "time": true, "console": true}

func (c *compiler) addRule(d *ruleDef) error {
	nsm := c.ruleByNS[d.namespace]
	if nsm == nil {
		nsm = map[string]int{}
		c.ruleByNS[d.namespace] = nsm
	}
	if _, dup := nsm[d.name]; dup {
		return &CompileError{Pos: d.pos, Msg: fmt.Sprintf("duplicated identifier %q", d.name)}
	}
	// "any of (r*)" means the rules r* declared so far; libyara refuses a
	// later rule that the wildcard would have named
	for _, pre := range c.wildUsed[d.namespace] {
		if strings.HasPrefix(d.name, pre) {
			return &CompileError{Pos: d.pos, Msg: fmt.Sprintf("rule identifier %q matches previously used wildcard rule set", d.name)}
		}
	}
	r := &rule{def: d, idx: len(c.r.rules), namespace: d.namespace}
	for _, sd := range d.strs {
		si := len(c.r.strs)
		cs := &cstring{id: sd.id, rule: int32(r.idx), private: sd.private, isHex: sd.kind == skHex, b64: sd.b64 || sd.b64wide}
		c.r.strs = append(c.r.strs, cs)
		r.strs = append(r.strs, si)
		if err := c.buildPatterns(sd, si, cs); err != nil {
			return err
		}
		// the patterns hold what scanning needs; the source text of the
		// string is not kept
		sd.text, sd.body = nil, ""
	}
	// libyara declares the rule before its condition: the condition may
	// name the rule itself, alone or in a rule set ("1 of (a*)" in rule
	// a), and such a reference is false while the rule is evaluated
	nsm[d.name] = r.idx
	rs := &resolver{c: c, r: r, d: d}
	cond, err := rs.resolve(d.cond)
	if err != nil {
		return err
	}
	if ci, err := rs.check(cond); err != nil {
		return err
	} else if ci.isObj() {
		return rs.errf(cond.pos, "wrong usage of identifier %q", ci.name)
	}
	for i, sd := range d.strs {
		if rs.used == nil || !rs.used[i] {
			return &CompileError{Pos: sd.pos, Msg: fmt.Sprintf("unreferenced string \"$%s\" in rule %q", sd.id, d.name)}
		}
	}
	// the parsed strings are not needed after compile (cstring keeps what
	// the CLI prints)
	d.strs = nil
	r.nvars = rs.maxVars
	r.needsMatch = needsMatch(cond)
	// the compiled condition (r.cond) replaces the parsed one
	r.cond, _ = c.shareExprs(cond)
	d.cond = nil
	if d.global {
		c.r.hasGlobal = true
	}
	nsm[d.name] = r.idx
	c.r.rules = append(c.r.rules, r)
	return nil
}

// ---- strings to patterns ----

func (c *compiler) addPattern(p *pattern) int32 {
	i := int32(len(c.r.pats))
	c.r.pats = append(c.r.pats, p)
	return i
}

func wideBytes(b []byte) []byte {
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, x, 0)
	}
	return out
}

const stdB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// base64Variants returns the base64 encodings of s as it may appear in
// a longer encoded text: s preceded by 0, 1 or 2 bytes, with the leading
// characters that depend on the preceding bytes and the trailing
// characters that depend on the following bytes cut off. This is
// libyara's construction (base64.c): every character whose six bits all
// come from s is kept, so "pwsh" gives "cHdza" (not "cHdz"). As in
// libyara, the one-byte string has no offset-1 variant. The alphabet is
// any 64 bytes (duplicates and '=' allowed, as libyara allows them).
func base64Variants(s []byte, alpha string) [][]byte {
	if alpha == "" {
		alpha = stdB64
	}
	var out [][]byte
	for off := 0; off < 3; off++ {
		if off == 1 && len(s) == 1 {
			continue
		}
		buf := append(make([]byte, off), s...)
		// bit position of each output character: char k covers bits
		// [6k, 6k+6) of buf; keep those entirely inside s's bits
		first, last := 8*off, 8*len(buf) // s covers bits [first, last)
		var enc []byte
		for k := 0; 6*k < last; k++ {
			lo, hi := 6*k, 6*k+6
			if lo < first || hi > last {
				continue
			}
			v := 0
			for b := lo; b < hi; b++ {
				v = v<<1 | int(buf[b/8]>>(7-b%8)&1)
			}
			enc = append(enc, alpha[v])
		}
		if len(enc) > 0 {
			out = append(out, enc)
		}
	}
	return out
}

func (c *compiler) buildPatterns(sd *stringDef, si int, cs *cstring) error {
	errAt := func(msg string) error {
		return &CompileError{Pos: sd.pos, Msg: fmt.Sprintf("string $%s: %s", sd.id, msg)}
	}
	switch sd.kind {
	case skText:
		ascii := sd.ascii || !sd.wide
		var lits [][]byte
		var wides []bool
		add := func(b []byte, w bool) {
			lits = append(lits, b)
			wides = append(wides, w)
		}
		if sd.b64 || sd.b64wide {
			// libyara (base64.c): "wide" widens the text before encoding,
			// "base64wide" widens the encoded text; ascii (explicit or by
			// default) encodes the text as it is
			alpha := sd.b64alpha
			if alpha == "" {
				alpha = sd.b64wideAlpha
			}
			var inputs [][]byte
			if sd.wide {
				inputs = append(inputs, wideBytes(sd.text))
			}
			if ascii {
				inputs = append(inputs, sd.text)
			}
			for _, in := range inputs {
				for _, v := range base64Variants(in, alpha) {
					if sd.b64 {
						add(v, false)
					}
					if sd.b64wide {
						add(wideBytes(v), true)
					}
				}
			}
			if len(lits) == 0 {
				return errAt("base64 encoding too short")
			}
		} else if sd.xor {
			for k := sd.xorMin; k <= sd.xorMax; k++ {
				if ascii {
					b := make([]byte, len(sd.text))
					for i, x := range sd.text {
						b[i] = x ^ byte(k)
					}
					add(b, false)
				}
				if sd.wide {
					w := wideBytes(sd.text)
					for i := range w {
						w[i] ^= byte(k)
					}
					add(w, true)
				}
			}
		} else {
			if ascii {
				add(sd.text, false)
			}
			if sd.wide {
				add(wideBytes(sd.text), true)
			}
		}
		switch {
		case c.opts.NoWarnings:
		case sd.b64 || sd.b64wide:
			c.warnings = append(c.warnings, slowWarning(sd, lyLiteralsQuality(lits))...)
		default:
			c.warnings = append(c.warnings, slowWarning(sd, lyTextQuality(sd))...)
		}
		seen := map[string]bool{}
		for i, l := range lits {
			key := string(l)
			if seen[key] {
				continue
			}
			seen[key] = true
			p := &pattern{str: int32(si), kind: pkLiteral, lit: l, nocase: sd.nocase, fullword: sd.fullword, wide: wides[i], reFields: &noReFields}
			pi := c.addPattern(p)
			cs.pats = append(cs.pats, pi)
			c.literalAtoms(p, pi)
		}
		return nil
	case skHex:
		if h, ok := c.hexSeen[sd.body]; ok {
			c.reuseHex(h, sd, si, cs)
			return nil
		}
		n, err := parseHex(sd.body)
		if err != nil {
			return errAt(err.Error())
		}
		h := hexCompiled{
			pats: [2]int32{int32(len(c.r.pats))}, atoms: [2]int32{int32(len(c.atoms))},
			noAtom: [2]int32{int32(len(c.r.noAtom))}, chain: -1,
		}
		if !c.opts.NoWarnings {
			h.quality = lyTreeQuality(n, true)
			c.warnings = append(c.warnings, slowWarning(sd, h.quality)...)
		}
		nchains := len(c.r.chains)
		if _, err := c.chainPatterns(n, si, cs, sd, true, nil); err != nil {
			return err
		}
		h.pats[1], h.atoms[1], h.noAtom[1] = int32(len(c.r.pats)), int32(len(c.atoms)), int32(len(c.r.noAtom))
		if len(c.r.chains) > nchains {
			h.chain = int32(nchains)
		}
		if c.hexSeen == nil {
			c.hexSeen = map[string]hexCompiled{}
		}
		c.hexSeen[sd.body] = h
		return nil
	default:
		n, info, err := parseRegexDot(sd.body, sd.nocase || sd.nocaseRe, sd.dotall)
		if err != nil {
			return errAt("invalid regular expression: " + err.Error())
		}
		if info.mixedGreedy {
			return errAt("greedy and ungreedy quantifiers can't be mixed in a regular expression")
		}
		if info.unboundedDot {
			c.warnings = append(c.warnings, Warning{Pos: sd.pos, Msg: fmt.Sprintf("$%s contains .*, .+ or .{x,} consider using .{,N}, .{1,N} or {x,N} with a reasonable value for N", sd.id)})
		}
		if !c.opts.NoWarnings {
			c.warnings = append(c.warnings, slowWarning(sd, lyTreeQuality(n, false))...)
		}
		// the ascii and the wide form, each chained on its own (libyara
		// chains the parts of both forms together: a match whose parts mix
		// the two forms is not found here)
		ascii := sd.ascii || !sd.wide
		for _, wide := range []bool{false, true} {
			if wide && !sd.wide || !wide && !ascii {
				continue
			}
			var xform func(*rnode) *rnode
			if wide {
				xform = widen
			}
			pats, err := c.chainPatterns(n, si, cs, sd, false, xform)
			if err != nil {
				return err
			}
			for _, pi := range pats {
				c.r.pats[pi].fullword = sd.fullword
				c.r.pats[pi].wide = wide
			}
		}
		return nil
	}
}

// reuseHex gives string si the compiled form of an earlier hex string
// with the same text: copies of its patterns (sharing their read-only
// programs, byte sets and regexp fields), its atoms and its chain, all
// pointing at the new patterns, in the order compiling it again would
// give them.
func (c *compiler) reuseHex(h hexCompiled, sd *stringDef, si int, cs *cstring) {
	if !c.opts.NoWarnings {
		c.warnings = append(c.warnings, slowWarning(sd, h.quality)...)
	}
	delta := int32(len(c.r.pats)) - h.pats[0]
	for pi := h.pats[0]; pi < h.pats[1]; pi++ {
		p := new(pattern)
		*p = *c.r.pats[pi]
		p.str, p.part = int32(si), 0
		cs.pats = append(cs.pats, c.addPattern(p))
	}
	for _, a := range c.atoms[h.atoms[0]:h.atoms[1]] {
		a.pat += delta
		c.atoms = append(c.atoms, a)
	}
	for _, pi := range c.r.noAtom[h.noAtom[0]:h.noAtom[1]] {
		c.r.noAtom = append(c.r.noAtom, pi+delta)
	}
	if h.chain >= 0 {
		old := c.r.chains[h.chain]
		ch := hexChain{str: int32(si), parts: make([]int32, len(old.parts)), gapMin: old.gapMin, gapMax: old.gapMax}
		for k, pi := range old.parts {
			ch.parts[k] = pi + delta
			c.r.nparts++
			c.r.pats[pi+delta].part = int32(c.r.nparts)
		}
		c.r.chains = append(c.r.chains, ch)
	}
}

// chainPoint reports whether e, an element of a string's top-level
// sequence, is one of libyara's chaining points (yr_re_ast_split_at_chaining_point):
// a hex jump, or in a regular expression an ungreedy '.' repeated with
// {n,m}?, whose bounds pass chainThreshold. libyara then matches the parts
// as separate strings and checks only the distance between them — so in a
// regular expression the gap matches any byte, a newline too, and
// /ab.{300,400}?cd/ finds "ab", 350 bytes with a newline, "cd" (libyara
// 4.2.3 and 4.5 alike; Vigie does the same so that rules written against
// it match the same files). The unbounded {n,} is libyara's RE_MAX_RANGE.
func chainPoint(e *rnode, hex bool) (gapMin, gapMax int, ok bool) {
	if hex {
		if !isJump(e) || !(e.max < 0 || e.min > chainThreshold || e.max > chainThreshold) {
			return 0, 0, false
		}
		return e.min, e.max, true
	}
	if e.kind != rRepeat || !e.rangeAny || e.greedy {
		return 0, 0, false
	}
	mx := e.max
	if mx < 0 {
		mx = maxRepeat
	}
	if e.min <= chainThreshold && mx <= chainThreshold {
		return 0, 0, false
	}
	return e.min, mx, true
}

// hasChainPoint reports whether n's top-level sequence has a chaining
// point between two other elements.
func hasChainPoint(n *rnode, hex bool) bool {
	if n.kind != rConcat {
		return false
	}
	for i := 1; i < len(n.subs)-1; i++ {
		if _, _, ok := chainPoint(n.subs[i], hex); ok {
			return true
		}
	}
	return false
}

// chainPatterns splits a string at its chaining points (see chainPoint)
// and compiles each part as one pattern, with xform (the wide form of a
// regular expression, or nil) applied to each part; without such a point
// the string is one pattern. It returns the patterns made.
func (c *compiler) chainPatterns(n *rnode, si int, cs *cstring, sd *stringDef, hex bool, xform func(*rnode) *rnode) ([]int32, error) {
	first := len(cs.pats)
	if !hasChainPoint(n, hex) {
		if xform != nil {
			n = xform(n)
		}
		err := c.treePatterns(n, si, cs, sd, hex)
		return cs.pats[first:], err
	}
	ch := hexChain{str: int32(si)}
	// a part is the run of n.subs between two chaining points; it is
	// always a sequence, so that it compiles to one pattern (a regular
	// expression's top-level alternation would make one per branch)
	start := 0
	flush := func(end int) error {
		cur := n.subs[start:end:end]
		start = end + 1
		part := &rnode{kind: rConcat, subs: cur}
		if hex && len(cur) == 1 {
			part = cur[0]
		}
		if xform != nil {
			part = xform(part)
		}
		before := len(cs.pats)
		if err := c.treePatterns(part, si, cs, sd, hex); err != nil {
			return err
		}
		ch.parts = append(ch.parts, cs.pats[before:]...)
		return nil
	}
	ch.gapMin, ch.gapMax = []int{0}, []int{0}
	for i := 1; i < len(n.subs)-1; i++ {
		if lo, hi, ok := chainPoint(n.subs[i], hex); ok {
			if err := flush(i); err != nil {
				return nil, err
			}
			ch.gapMin = append(ch.gapMin, lo)
			ch.gapMax = append(ch.gapMax, hi)
		}
	}
	if err := flush(len(n.subs)); err != nil {
		return nil, err
	}
	for _, pi := range ch.parts {
		c.r.nparts++
		c.r.pats[pi].part = int32(c.r.nparts)
	}
	c.r.chains = append(c.r.chains, ch)
	return cs.pats[first:], nil
}

func (c *compiler) literalAtoms(p *pattern, pi int32) {
	l := p.lit
	best, bestQ := 0, -1<<30
	n := min(maxAtomLen, len(l))
	for i := 0; i+n <= len(l); i++ {
		if q := literalAtomQuality(l[i:i+n], p.nocase); q > bestQ {
			best, bestQ = i, q
		}
	}
	p.atomOff = best
	c.atoms = appendLiteralAtoms(c.atoms, l[best:best+n], p.nocase, pi)
}

func isLetter(b byte) bool { return (b|0x20) >= 'a' && (b|0x20) <= 'z' }

// literalAtomQuality is atomQuality of the window w of a literal, whose
// byte sets are its bytes, or with nocase a letter in both cases, without
// building the sets.
func literalAtomQuality(w []byte, nocase bool) int {
	q := 0
	var seen byteSet
	for _, b := range w {
		if nocase && isLetter(b) {
			// the set's first member is the upper case letter; two
			// members cost 2
			b &^= 0x20
			q -= 2
		}
		q += byteQuality(b)
		seen.add(b)
	}
	distinct := seen.count()
	if distinct == 1 && len(w) > 1 && commonRepeat(seen) {
		q -= 10 * len(w)
	}
	return q + 4*distinct
}

// appendLiteralAtoms appends the index entries of the atom window w of a
// literal: one, or with nocase one per combination of the cases of its
// letters, in the order expandAtoms gives them (upper case first, the
// first byte varying slowest).
func appendLiteralAtoms(dst []atomEntry, w []byte, nocase bool, pi int32) []atomEntry {
	var bufs [2][1 << maxAtomLen]atomEntry
	which := 0
	cur := bufs[0][:1]
	cur[0] = atomEntry{n: uint8(len(w)), pat: pi}
	for j, b := range w {
		sh := 8 * j
		if !nocase || !isLetter(b) {
			for k := range cur {
				cur[k].val |= uint32(b) << sh
				cur[k].mask |= 0xFF << sh
			}
			continue
		}
		which ^= 1
		nx := bufs[which][:0]
		for _, o := range cur {
			o.mask |= 0xFF << sh
			up, lo := o, o
			up.val |= uint32(b&^0x20) << sh
			lo.val |= uint32(b|0x20) << sh
			nx = append(nx, up, lo)
		}
		cur = nx
	}
	return append(dst, cur...)
}

func foldSet(b byte) byteSet {
	var s byteSet
	s.add(b)
	if b >= 'a' && b <= 'z' {
		s.add(b - 32)
	} else if b >= 'A' && b <= 'Z' {
		s.add(b + 32)
	}
	return s
}

func mkAtom(a []byte, pi int32) atomEntry {
	e := atomEntry{n: uint8(len(a)), pat: pi}
	for i, b := range a {
		e.val |= uint32(b) << (8 * i)
		e.mask |= 0xFF << (8 * i)
	}
	return e
}

// flatten returns the top-level sequence of a tree.
func flatten(n *rnode, out []*rnode) []*rnode {
	if n.kind == rRepeat && n.min >= 1 {
		// x{n,m} = x x{n-1,m-1}: the first copy is at a known place
		out = flatten(n.subs[0], out)
		rest := *n
		rest.min--
		if rest.max > 0 {
			rest.max--
		}
		if rest.max == 0 {
			return out
		}
		return append(out, &rest)
	}
	if n.kind == rConcat {
		for _, s := range n.subs {
			out = flatten(s, out)
		}
		return out
	}
	return append(out, n)
}

// maxMatchLen caps computed match lengths, so that nested counted
// repetitions ((a{1000}){1000}...) cannot overflow.
const maxMatchLen = 1 << 31

// lenRange returns the shortest and the longest match of n; hi is -1 when
// matches are unbounded (or of a kind whose length is not computed, then
// with lo 0).
func lenRange(n *rnode) (lo, hi int) {
	mul := func(a, b int) int {
		if a != 0 && b > maxMatchLen/a {
			return maxMatchLen
		}
		return a * b
	}
	switch n.kind {
	case rSet:
		return 1, 1
	case rEmpty, rBOL, rEOL, rWordB, rNotWordB, rWordBW, rNotWordBW:
		return 0, 0
	case rConcat:
		for _, s := range n.subs {
			l, h := lenRange(s)
			lo = min(lo+l, maxMatchLen)
			if h < 0 || hi < 0 {
				hi = -1
			} else {
				hi = min(hi+h, maxMatchLen)
			}
		}
		return lo, hi
	case rAlt:
		lo, hi = lenRange(n.subs[0])
		for _, s := range n.subs[1:] {
			l, h := lenRange(s)
			lo = min(lo, l)
			if h < 0 || hi < 0 {
				hi = -1
			} else {
				hi = max(hi, h)
			}
		}
		return lo, hi
	case rRepeat:
		l, h := lenRange(n.subs[0])
		lo = mul(l, n.min)
		if n.max < 0 || h < 0 {
			return lo, -1
		}
		return lo, mul(h, n.max)
	}
	return 0, -1
}

// fixedLen returns the fixed match length of n, or -1.
func fixedLen(n *rnode) int {
	if lo, hi := lenRange(n); lo == hi {
		return lo
	}
	return -1
}

// maxLen returns the longest possible match, or -1 if unbounded.
func maxLen(n *rnode) int {
	_, hi := lenRange(n)
	return hi
}

// firstSet computes the bytes a match can start with; ok=false if the
// pattern can match the empty string.
func firstSet(n *rnode, s *byteSet) (nullable bool) {
	switch n.kind {
	case rSet:
		s.union(&n.set)
		return false
	case rEmpty, rBOL, rEOL, rWordB, rNotWordB, rWordBW, rNotWordBW:
		return true
	case rConcat:
		for _, x := range n.subs {
			if !firstSet(x, s) {
				return false
			}
		}
		return true
	case rAlt:
		null := false
		for _, x := range n.subs {
			if firstSet(x, s) {
				null = true
			}
		}
		return null
	case rRepeat:
		null := firstSet(n.subs[0], s)
		return null || n.min == 0
	}
	return true
}

const maxAtomsPerPattern = 64

func (c *compiler) treePatterns(n *rnode, si int, cs *cstring, sd *stringDef, isHex bool) error {
	errAt := func(msg string) error {
		return &CompileError{Pos: sd.pos, Msg: fmt.Sprintf("string $%s: %s", sd.id, msg)}
	}
	// a top-level alternation of a regex becomes one pattern per branch
	if n.kind == rAlt && !isHex {
		for _, b := range n.subs {
			if err := c.treePatterns(b, si, cs, sd, isHex); err != nil {
				return err
			}
		}
		return nil
	}
	p := &pattern{str: int32(si), kind: pkRegex, reFields: &reFields{limit: reScanLimit}}
	if ml := maxLen(n); ml >= 0 && ml > reScanLimit {
		p.limit = ml
	} else if isHex && ml < 0 {
		p.limit = 1 << 20
	}
	pi := c.addPattern(p)
	cs.pats = append(cs.pats, pi)
	defer c.share.pattern(p) // once every field is set

	els := flatten(n, make([]*rnode, 0, len(n.subs)+1))
	// a sequence of byte sets (plain hex strings with ?? and nibbles,
	// simple regexes) is verified by a direct set-by-set compare
	simple := true
	for _, e := range els {
		if e.kind != rSet {
			simple = false
			break
		}
	}
	// (with the rule set's table of byte sets full, the program verifies)
	if simple {
		p.sets = c.share.seqOf(els)
	} else if k := leadingSets(els); k > 0 && len(els) > 1 {
		// leading byte sets are checked directly; the VM runs only on the
		// rest (exact: a fixed prefix has no alternatives)
		p.prefix = c.share.seqOf(els[:k])
	}
	if p.prefix != nil {
		rest, err := compileNode(&rnode{kind: rConcat, subs: els[len(p.prefix):]}, false)
		if err != nil {
			return errAt(err.Error())
		}
		p.restProg = rest
	}
	// the whole program is compiled only when neither form above verifies
	// the pattern; its size limit is checked all the same (one instruction
	// per byte set, and one to end)
	switch {
	case p.sets != nil && len(p.sets)+1 > maxProgLen, p.restProg != nil && len(p.prefix)+len(p.restProg.insts) > maxProgLen:
		return errAt(fmt.Sprintf("regular expression or hex string too complex (program exceeds %d instructions)", maxProgLen))
	case p.sets == nil && p.restProg == nil:
		prog, err := compileNode(n, false)
		if err != nil {
			return errAt(err.Error())
		}
		p.prog = prog
	}
	// candidate windows of small sets, scored from each set's count and
	// first byte, taken once per element
	bestQ, bestStart, bestLen := -1<<30, -1, 0
	info := c.elemBuf[:0]
	for _, e := range els {
		if e.kind != rSet {
			info = append(info, atomElem{})
			continue
		}
		info = append(info, atomElemOf(&e.set))
	}
	c.elemBuf = info
	for i := range els {
		combos := 1
		for j := i; j < len(els) && j-i < maxAtomLen; j++ {
			e := els[j]
			if e.kind != rSet {
				break
			}
			nc, ok := atomWindowSet(&e.set, int(info[j].cnt), j-i, combos)
			if !ok {
				break
			}
			combos = nc
			if q := windowQuality(info[i : j+1]); q > bestQ {
				bestQ, bestStart, bestLen = q, i, j-i+1
			}
		}
	}
	// an alternation element gives one atom per branch (taken at the
	// start of each branch, so all sit at the element's start)
	var altAtoms [][]byte
	for i, e := range els {
		if e.kind != rAlt {
			continue
		}
		var atoms [][]byte
		q := 1 << 30
		ok := true
		for _, br := range e.subs {
			fb := flatten(br, nil)
			var w []byteSet
			combos := 1
			for _, x := range fb {
				if x.kind != rSet || len(w) == maxAtomLen {
					break
				}
				cnt := x.set.count()
				if cnt > 4 || combos*cnt > maxAtomsPerPattern {
					break
				}
				combos *= cnt
				w = append(w, x.set)
			}
			if len(w) == 0 {
				ok = false
				break
			}
			q = min(q, atomQuality(w))
			atoms = append(atoms, expandAtoms(w)...)
			if len(atoms) > maxAtomsPerPattern {
				ok = false
				break
			}
		}
		if ok && q > bestQ {
			bestQ, bestStart, bestLen = q, i, 0
			altAtoms = atoms
		}
	}
	if bestStart < 0 || bestQ < 10 {
		// no usable atom: scan every position whose byte can start a match
		p.first = new(byteSet)
		p.anyFirst = firstSet(n, p.first)
		c.r.noAtom = append(c.r.noAtom, pi)
		return nil
	}
	prefix := els[:bestStart]
	fixed := 0
	for _, e := range prefix {
		l := fixedLen(e)
		if l < 0 {
			fixed = -1
			break
		}
		fixed += l
	}
	if fixed >= 0 {
		p.atomOff = fixed
	} else {
		rev, err := compileNode(&rnode{kind: rConcat, subs: prefix}, true)
		if err != nil {
			return errAt(err.Error())
		}
		p.rev = rev
		p.revChecks = prefixChecks(prefix)
	}
	if bestLen == 0 {
		for _, a := range altAtoms {
			c.atoms = append(c.atoms, mkAtom(a, pi))
		}
		return nil
	}
	w := make([]byteSet, bestLen)
	for j := range w {
		w[j] = els[bestStart+j].set
	}
	c.atoms = append(c.atoms, windowAtoms(w, pi)...)
	return nil
}

// ---- identifier resolution ----

type resolver struct {
	used    []bool
	c       *compiler
	r       *rule
	d       *ruleDef
	scope   []string // loop variables
	inForOf int
	maxVars int
	// varTypes are the types of the loop variables in scope, by slot,
	// while check walks a loop's body
	varTypes []cinfo
}

func (rs *resolver) markUsed(i int) {
	if rs.used == nil {
		rs.used = make([]bool, len(rs.d.strs))
	}
	rs.used[i] = true
}

func (rs *resolver) errf(pos Pos, format string, a ...any) error {
	return &CompileError{Pos: pos, Msg: fmt.Sprintf(format, a...)}
}

func (rs *resolver) strIndex(pos Pos, id string) (int, error) {
	if id == "" {
		if rs.inForOf == 0 {
			return 0, rs.errf(pos, "anonymous string $ used outside of a \"for ... of\" loop")
		}
		return -1, nil
	}
	for i, sd := range rs.d.strs {
		if sd.id == id {
			rs.markUsed(i)
			return rs.r.strs[i], nil
		}
	}
	return 0, rs.errf(pos, "undefined string identifier $%s in rule %q", id, rs.d.name)
}

func matchWild(pat setPat, name string) bool {
	if pat.wild {
		return strings.HasPrefix(name, pat.name)
	}
	return name == pat.name
}

func (rs *resolver) resolveSet(n *node) error {
	if n.isRuleSet {
		nsm := rs.c.ruleByNS[rs.r.namespace]
		for _, sp := range n.setPats {
			found := false
			if sp.wild {
				if rs.c.wildUsed == nil {
					rs.c.wildUsed = map[string][]string{}
				}
				rs.c.wildUsed[rs.r.namespace] = append(rs.c.wildUsed[rs.r.namespace], sp.name)
				var idx []int
				for name, i := range nsm {
					if strings.HasPrefix(name, sp.name) {
						idx = append(idx, i)
					}
				}
				sort.Ints(idx)
				n.ruleSet = append(n.ruleSet, idx...)
				found = len(idx) > 0
			} else if i, ok := nsm[sp.name]; ok {
				n.ruleSet = append(n.ruleSet, i)
				found = true
			}
			if !found {
				return rs.errf(n.pos, "undefined rule %q in rule set", sp.name+map[bool]string{true: "*"}[sp.wild])
			}
		}
		return nil
	}
	for _, sp := range n.setPats {
		found := false
		for i, sd := range rs.d.strs {
			if matchWild(sp, sd.id) {
				rs.markUsed(i)
				n.set = append(n.set, strRef(rs.r.strs[i]))
				found = true
			}
		}
		if !found {
			if sp.name == "" && sp.wild {
				return rs.errf(n.pos, "rule %q has no strings for \"them\"", rs.d.name)
			}
			return rs.errf(n.pos, "undefined string identifier $%s%s in rule %q", sp.name, map[bool]string{true: "*"}[sp.wild], rs.d.name)
		}
	}
	return nil
}

func (rs *resolver) resolve(n *node) (*node, error) {
	if n == nil {
		return nil, nil
	}
	var err error
	switch n.kind {
	case nStrMatch, nStrCount, nStrOffset, nStrLength:
		si, err := rs.strIndex(n.pos, n.s)
		if err != nil {
			return nil, err
		}
		n.sidx = int32(si)
	case nIdent:
		for i := len(rs.scope) - 1; i >= 0; i-- {
			if rs.scope[i] == n.s {
				return &node{kind: nLoopVar, i: int64(i), pos: n.pos, s: n.s}, nil
			}
		}
		if ri, ok := rs.c.ruleByNS[rs.r.namespace][n.s]; ok {
			return &node{kind: nRuleRef, i: int64(ri), pos: n.pos, s: n.s}, nil
		}
		if _, ok := rs.c.r.externals[n.s]; ok {
			return &node{kind: nExternal, s: n.s, pos: n.pos}, nil
		}
		if knownModules[n.s] {
			if !rs.d.imports[n.s] {
				return nil, rs.errf(n.pos, "module %q used without import \"%s\"", n.s, n.s)
			}
			return &node{kind: nModule, s: n.s, pos: n.pos}, nil
		}
		return nil, rs.errf(n.pos, "undefined identifier %q", n.s)
	case nOf:
		if err := rs.resolveSet(n); err != nil {
			return nil, err
		}
	case nForOf:
		if err := rs.resolveSet(n); err != nil {
			return nil, err
		}
		if n.quant, err = rs.resolve(n.quant); err != nil {
			return nil, err
		}
		rs.inForOf++
		n.a, err = rs.resolve(n.a)
		rs.inForOf--
		return n, err
	case nForIn:
		if n.quant, err = rs.resolve(n.quant); err != nil {
			return nil, err
		}
		if n.b, err = rs.resolve(n.b); err != nil {
			return nil, err
		}
		n.varBase = len(rs.scope)
		for _, v := range n.vars {
			for _, o := range rs.scope {
				if o == v {
					return nil, rs.errf(n.pos, "loop variable %q shadows an outer one", v)
				}
			}
			rs.scope = append(rs.scope, v)
		}
		if len(rs.scope) > rs.maxVars {
			rs.maxVars = len(rs.scope)
		}
		n.a, err = rs.resolve(n.a)
		rs.scope = rs.scope[:n.varBase]
		return n, err
	}
	if n.quantFields != nil {
		if n.quant, err = rs.resolve(n.quant); err != nil {
			return nil, err
		}
	}
	if n.a, err = rs.resolve(n.a); err != nil {
		return nil, err
	}
	if n.b, err = rs.resolve(n.b); err != nil {
		return nil, err
	}
	for i, x := range n.list {
		if n.list[i], err = rs.resolve(x); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// needsMatch reports whether cond can only be true when at least one of
// the rule's own strings matched; such rules are skipped without
// evaluation when none of their strings matched.
func needsMatch(n *node) bool {
	if n == nil {
		return false
	}
	switch n.kind {
	case nStrMatch:
		return n.sidx >= 0
	case nAnd:
		return needsMatch(n.a) || needsMatch(n.b)
	case nOr:
		return needsMatch(n.a) && needsMatch(n.b)
	case nOf:
		if n.isRuleSet || len(n.set) == 0 {
			return false
		}
		switch n.qkind {
		case "any", "all":
			return true
		case "n":
			return n.quant != nil && n.quant.kind == nInt && n.quant.i >= 1
		}
		return false
	case nBin:
		// #a > N, #a >= N (N >= 1), #a == N (N >= 1)
		if n.a != nil && n.a.kind == nStrCount && n.a.b == nil && n.a.sidx >= 0 && n.b != nil && n.b.kind == nInt {
			switch n.op {
			case ">":
				return n.b.i >= 0
			case ">=", "==":
				return n.b.i >= 1
			}
		}
	}
	return false
}

// ---- static checks ----

// ctype is the static type of an expression, as far as the compiler
// knows it (module fields and calls are ctAny).
type ctype uint8

const (
	ctAny ctype = iota
	ctInt
	ctFloat
	ctStr
	ctBool
)

func (t ctype) String() string {
	return [...]string{"unknown", "integer", "float", "string", "boolean"}[t]
}

// cinfo is what check learns of an expression: its type and, for an
// integer constant, its value.
type cinfo struct {
	t     ctype
	v     int64
	known bool
	// a module object (structure, array, dictionary) as declared in
	// moduleSchema, or a module function's overloads; name is its
	// identifier for messages
	obj  *schemaNode
	fns  []funcSig
	name string
}

// fieldExtensions are module fields Vigie binds beyond libyara 4.2.3's
// declarations (from later YARA versions), by structure and name: the
// compiler accepts them, untyped.
var fieldExtensions = map[string]bool{"pe.is_signed": true, "pe.delayed_import_details": true}

// isObj reports whether c is a module object or function, which libyara
// refuses as a value ("wrong usage of identifier").
func (c cinfo) isObj() bool { return c.obj != nil || c.fns != nil }

// scalarInfo is the type of a declared integer, float or string member,
// or the member itself for a structure, array or dictionary.
func scalarInfo(m *schemaNode) cinfo {
	switch m.kind {
	case "i":
		return cinfo{t: ctInt}
	case "f":
		return cinfo{t: ctFloat}
	case "s":
		return cinfo{t: ctStr}
	}
	return cinfo{obj: m, name: m.name}
}

// itemInfo is the type of an item of a declared array or dictionary.
func itemInfo(m *schemaNode) cinfo {
	switch m.kind {
	case "[", "<":
		return cinfo{obj: &schemaNode{name: m.name, kind: "{", members: m.members, funcs: m.funcs}, name: m.name}
	}
	return scalarInfo(&schemaNode{name: m.name, kind: m.kind[1:]})
}

func typeLetter(t ctype) byte {
	return "?ifsb"[t]
}

// checkModule types module identifiers as libyara's grammar does: a
// field of a structure, an item of an array (integer index) or of a
// dictionary (string key), a call whose argument types match one of the
// function's overloads exactly.
func (rs *resolver) checkModule(n *node, a, b cinfo, items []cinfo) (cinfo, error) {
	switch n.kind {
	case nModule:
		if sch := moduleSchemas()[n.s]; sch != nil {
			return cinfo{obj: sch, name: n.s}, nil
		}
		return cinfo{}, nil
	case nField:
		if !a.isObj() {
			if a.t != ctAny {
				return cinfo{}, rs.errf(n.pos, "%q is not a structure", n.s)
			}
			return cinfo{}, nil
		}
		if a.fns != nil || a.obj.kind != "{" {
			return cinfo{}, rs.errf(n.pos, "%q is not a structure", a.name)
		}
		if m := a.obj.member(n.s); m != nil {
			return scalarInfo(m), nil
		}
		if f, ok := a.obj.funcs[n.s]; ok {
			return cinfo{fns: f, name: n.s}, nil
		}
		if fieldExtensions[a.name+"."+n.s] {
			return cinfo{}, nil
		}
		return cinfo{}, rs.errf(n.pos, "invalid field name %q", n.s)
	case nIndex:
		if !a.isObj() {
			if a.t != ctAny {
				return cinfo{}, rs.errf(n.pos, "value is not an array or dictionary")
			}
			return cinfo{}, nil
		}
		if b.isObj() {
			return cinfo{}, rs.errf(n.b.pos, "wrong usage of identifier %q", b.name)
		}
		kind := ""
		if a.obj != nil {
			kind = a.obj.kind
		}
		switch kind {
		case "[", "ai", "af", "as":
			if b.t != ctAny && b.t != ctInt {
				return cinfo{}, rs.errf(n.b.pos, "array indexes must be of integer type")
			}
		case "<", "di", "df", "ds":
			if b.t != ctAny && b.t != ctStr {
				return cinfo{}, rs.errf(n.b.pos, "dictionary keys must be of string type")
			}
		default:
			return cinfo{}, rs.errf(n.pos, "%q is not an array or dictionary", a.name)
		}
		return itemInfo(a.obj), nil
	case nCall:
		if !a.isObj() {
			if a.t != ctAny {
				return cinfo{}, rs.errf(n.pos, "value is not a function")
			}
			return cinfo{}, nil
		}
		if a.fns == nil {
			return cinfo{}, rs.errf(n.pos, "%q is not a function", a.name)
		}
		args := make([]byte, 0, len(n.list))
		known := true
		for i, x := range n.list {
			switch {
			case x.kind == nRegex:
				args = append(args, 'r')
			case items[i].isObj():
				return cinfo{}, rs.errf(x.pos, "wrong usage of identifier %q", items[i].name)
			case items[i].t == ctAny:
				known = false
			default:
				args = append(args, typeLetter(items[i].t))
			}
		}
		ret := a.fns[0].ret
		if known {
			found := false
			for _, f := range a.fns {
				if f.args == string(args) {
					found, ret = true, f.ret
					break
				}
			}
			if !found {
				return cinfo{}, rs.errf(n.pos, "wrong arguments for function %q", a.name)
			}
		}
		return scalarInfo(&schemaNode{name: a.name, kind: ret}), nil
	}
	return cinfo{}, nil
}

// checkForIn checks a "for ... in" loop: the iterable first, then the
// loop variables get the type of what it yields (libyara refuses a
// dictionary iterated with other than two variables, an array or a
// range with other than one), then the body.
func (rs *resolver) checkForIn(n *node) (cinfo, error) {
	qi, err := rs.check(n.quant)
	if err != nil {
		return cinfo{}, err
	}
	if qi.isObj() {
		return cinfo{}, rs.errf(n.quant.pos, "wrong usage of identifier %q", qi.name)
	}
	if n.quant != nil && n.percent && qi.t == ctInt && qi.known && (qi.v < 1 || qi.v > 100) {
		return cinfo{}, rs.errf(n.quant.pos, "percentage must be between 1 and 100 (inclusive)")
	}
	it := n.b
	vars := make([]cinfo, len(n.vars))
	switch {
	case it == nil:
	case it.kind == nRange:
		for _, x := range []*node{it.a, it.b} {
			c, err := rs.check(x)
			if err != nil {
				return cinfo{}, err
			}
			if c.isObj() {
				return cinfo{}, rs.errf(x.pos, "wrong usage of identifier %q", c.name)
			}
		}
		if len(n.vars) != 1 {
			return cinfo{}, rs.errf(n.pos, "iterator yields an integer on each iteration, but the loop expects %d", len(n.vars))
		}
		vars[0] = cinfo{t: ctInt}
	case it.kind == nList:
		// libyara 4.2 enumerates integers only; Vigie also takes
		// strings (YARA 4.3), but never a mix
		ints, strs := 0, 0
		for _, x := range it.list {
			c, err := rs.check(x)
			if err != nil {
				return cinfo{}, err
			}
			if c.isObj() {
				return cinfo{}, rs.errf(x.pos, "wrong usage of identifier %q", c.name)
			}
			switch c.t {
			case ctInt:
				ints++
			case ctStr:
				strs++
			case ctAny:
			default:
				return cinfo{}, rs.errf(x.pos, "wrong type for enumeration item")
			}
			if ints > 0 && strs > 0 {
				return cinfo{}, rs.errf(x.pos, "wrong type for enumeration item")
			}
		}
		if len(n.vars) != 1 {
			return cinfo{}, rs.errf(n.pos, "iterator yields an integer on each iteration, but the loop expects %d", len(n.vars))
		}
		switch {
		case strs == len(it.list):
			vars[0] = cinfo{t: ctStr}
		case ints == len(it.list):
			vars[0] = cinfo{t: ctInt}
		}
	default:
		c, err := rs.check(it)
		if err != nil {
			return cinfo{}, err
		}
		if c.obj != nil {
			switch c.obj.kind {
			case "[", "ai", "af", "as":
				if len(n.vars) != 1 {
					return cinfo{}, rs.errf(it.pos, "iterator for %q yields a single item on each iteration, but the loop expects %d", c.name, len(n.vars))
				}
				vars[0] = itemInfo(c.obj)
			case "<", "di", "df", "ds":
				if len(n.vars) != 2 {
					return cinfo{}, rs.errf(it.pos, "iterator for %q yields a key,value pair item on each iteration", c.name)
				}
				vars[0] = cinfo{t: ctStr}
				vars[1] = itemInfo(c.obj)
			default:
				return cinfo{}, rs.errf(it.pos, "identifier %q is not iterable", c.name)
			}
		} else if c.fns != nil || c.t != ctAny {
			return cinfo{}, rs.errf(it.pos, "identifier %q is not iterable", c.name)
		}
	}
	for len(rs.varTypes) < n.varBase+len(vars) {
		rs.varTypes = append(rs.varTypes, cinfo{})
	}
	copy(rs.varTypes[n.varBase:], vars)
	body, err := rs.check(n.a)
	for i := range vars {
		rs.varTypes[n.varBase+i] = cinfo{}
	}
	if err != nil {
		return cinfo{}, err
	}
	if body.isObj() {
		return cinfo{}, rs.errf(n.a.pos, "wrong usage of identifier %q", body.name)
	}
	return cinfo{t: ctBool}, nil
}

// check folds integer constants and applies the checks libyara's grammar
// makes at compile time (grammar.y): integer overflow in constant
// arithmetic, division by a constant zero, a negative constant shift,
// "%" on floats, non-integer "at" offsets, percentages outside 1..100,
// and enumerations mixing types.
func (rs *resolver) check(n *node) (cinfo, error) {
	if n == nil {
		return cinfo{}, nil
	}
	if n.kind == nForIn {
		return rs.checkForIn(n)
	}
	var ci [2]cinfo
	for i, x := range [2]*node{n.a, n.b} {
		c, err := rs.check(x)
		if err != nil {
			return cinfo{}, err
		}
		ci[i] = c
	}
	qi, err := rs.check(n.quantNode())
	if err != nil {
		return cinfo{}, err
	}
	items := make([]cinfo, len(n.list))
	for i, x := range n.list {
		if items[i], err = rs.check(x); err != nil {
			return cinfo{}, err
		}
	}
	a, b := ci[0], ci[1]
	switch n.kind {
	case nModule, nField, nIndex, nCall:
		return rs.checkModule(n, a, b, items)
	case nLoopVar:
		if int(n.i) < len(rs.varTypes) {
			return rs.varTypes[n.i], nil
		}
		return cinfo{}, nil
	}
	// anywhere else a module object or function is a value: libyara
	// refuses it
	for _, c := range append([]cinfo{a, b, qi}, items...) {
		if c.isObj() {
			return cinfo{}, rs.errf(n.pos, "wrong usage of identifier %q", c.name)
		}
	}
	switch n.kind {
	case nInt:
		if n.op == "bool" {
			return cinfo{t: ctBool}, nil
		}
		return cinfo{t: ctInt, v: n.i, known: true}, nil
	case nFloat:
		return cinfo{t: ctFloat}, nil
	case nStr:
		return cinfo{t: ctStr}, nil
	case nIntRead:
		if a.t != ctAny && a.t != ctInt {
			return cinfo{}, rs.errf(n.pos, "wrong type %q for %s", a.t.String(), n.s)
		}
		return cinfo{t: ctInt}, nil
	case nFilesize, nEntrypoint, nStrCount, nStrOffset, nStrLength:
		return cinfo{t: ctInt}, nil
	case nStrMatch:
		if n.a != nil && (a.t == ctStr || a.t == ctFloat || a.t == ctBool) {
			return cinfo{}, rs.errf(n.a.pos, "wrong type %q for at operator", a.t.String())
		}
		return cinfo{t: ctBool}, nil
	case nAnd, nOr, nNot, nDefined, nRuleRef:
		return cinfo{t: ctBool}, nil
	case nNeg:
		if a.t == ctStr || a.t == ctBool {
			return cinfo{}, rs.errf(n.pos, "wrong type %q for - operator", a.t.String())
		}
		if a.t == ctInt && a.known {
			return cinfo{t: ctInt, v: -a.v, known: true}, nil // wraps as libyara's 0 - (uint64)
		}
		return cinfo{t: a.t}, nil
	case nBitNot:
		if a.t == ctStr || a.t == ctFloat || a.t == ctBool {
			return cinfo{}, rs.errf(n.pos, "wrong type %q for ~ operator", a.t.String())
		}
		if a.t == ctInt && a.known {
			return cinfo{t: ctInt, v: ^a.v, known: true}, nil
		}
		return cinfo{t: ctInt}, nil
	case nExternal:
		switch v := rs.c.r.externals[n.s]; v.k {
		case vInt:
			return cinfo{t: ctInt}, nil
		case vFloat:
			return cinfo{t: ctFloat}, nil
		case vStr:
			return cinfo{t: ctStr}, nil
		}
		return cinfo{}, nil
	case nOf, nForOf, nForIn:
		if n.quantNode() != nil && n.percent && qi.t == ctInt && qi.known && (qi.v < 1 || qi.v > 100) {
			return cinfo{}, rs.errf(n.quant.pos, "percentage must be between 1 and 100 (inclusive)")
		}
		if n.kind == nOf && n.a != nil && (a.t == ctStr || a.t == ctFloat || a.t == ctBool) {
			return cinfo{}, rs.errf(n.a.pos, "wrong type %q for at operator", a.t.String())
		}
		return cinfo{t: ctBool}, nil
	case nBin:
		return rs.checkBin(n, a, b)
	}
	return cinfo{}, nil
}

func (rs *resolver) checkBin(n *node, a, b cinfo) (cinfo, error) {
	if err := rs.checkOperandTypes(n, a, b); err != nil {
		return cinfo{}, err
	}
	if n.op == "<" && (a.t == ctFloat || b.t == ctFloat) {
		// libyara's float "<" (OP_DBL_LT, 4.2 to 4.5) is false, not
		// undefined, when an operand is undefined; the other float
		// comparisons are undefined then
		n.i = floatLess
	}
	both := a.t == ctInt && b.t == ctInt && a.known && b.known
	overflow := func() (cinfo, error) {
		return cinfo{}, rs.errf(n.pos, "integer overflow in \"%d %s %d\"", a.v, n.op, b.v)
	}
	arith := func() ctype {
		if a.t == ctFloat || b.t == ctFloat {
			return ctFloat
		}
		if a.t == ctInt && b.t == ctInt {
			return ctInt
		}
		return ctAny
	}
	switch n.op {
	case "+", "-", "*", "\\":
		t := arith()
		if n.op == "\\" && t != ctFloat && b.t == ctInt && b.known && b.v == 0 {
			return cinfo{}, rs.errf(n.pos, "division by zero")
		}
		if !both {
			return cinfo{t: t}, nil
		}
		x, y := a.v, b.v
		var v int64
		switch n.op {
		case "+":
			if (y > 0 && x > math.MaxInt64-y) || (y < 0 && x < math.MinInt64-y) {
				return overflow()
			}
			v = x + y
		case "-":
			if (y < 0 && x > math.MaxInt64+y) || (y > 0 && x < math.MinInt64+y) {
				return overflow()
			}
			v = x - y
		case "*":
			// libyara compares magnitudes: |x| > MaxInt64 / |y|
			m1, m2 := uint64(x), uint64(y)
			if x < 0 {
				m1 = -m1
			}
			if y < 0 {
				m2 = -m2
			}
			if y != 0 && m1 > uint64(math.MaxInt64)/m2 {
				return overflow()
			}
			v = x * y
		default:
			if x == math.MinInt64 && y == -1 {
				return overflow()
			}
			v = x / y
		}
		return cinfo{t: ctInt, v: v, known: true}, nil
	case "%":
		if a.t == ctFloat || b.t == ctFloat {
			return cinfo{}, rs.errf(n.pos, "wrong type \"float\" for %% operator")
		}
		if b.t == ctInt && b.known && b.v == 0 {
			return cinfo{}, rs.errf(n.pos, "division by zero")
		}
		if both && !(a.v == math.MinInt64 && b.v == -1) {
			return cinfo{t: ctInt, v: a.v % b.v, known: true}, nil
		}
		return cinfo{t: ctInt}, nil
	case "<<", ">>":
		if b.t == ctInt && b.known && b.v < 0 {
			return cinfo{}, rs.errf(n.pos, "invalid operand: negative shift count %d for %s", b.v, n.op)
		}
		if !both {
			return cinfo{t: ctInt}, nil
		}
		if b.v >= 64 {
			return cinfo{t: ctInt, known: true}, nil
		}
		if n.op == "<<" {
			return cinfo{t: ctInt, v: a.v << uint(b.v), known: true}, nil
		}
		return cinfo{t: ctInt, v: a.v >> uint(b.v), known: true}, nil
	case "&", "|", "^":
		if !both {
			return cinfo{t: ctInt}, nil
		}
		switch n.op {
		case "&":
			return cinfo{t: ctInt, v: a.v & b.v, known: true}, nil
		case "|":
			return cinfo{t: ctInt, v: a.v | b.v, known: true}, nil
		}
		return cinfo{t: ctInt, v: a.v ^ b.v, known: true}, nil
	}
	return cinfo{t: ctBool}, nil
}

// floatLess marks (in node.i) a "<" between floats, which libyara makes
// false when an operand is undefined.
const floatLess = 1

// checkOperandTypes refuses the operand types libyara's grammar refuses
// (yr_parser_reduce_operation and check_type): a comparison or
// arithmetic between a string and a number, arithmetic on strings, a
// string operator on a number, a bitwise operator on a float or a
// string, any operator on a boolean. Only types the compiler knows are
// checked.
func (rs *resolver) checkOperandTypes(n *node, a, b cinfo) error {
	// a boolean ($a, a comparison, true) is no operand in libyara's
	// grammar (a syntax error there)
	if a.t == ctBool || b.t == ctBool {
		return rs.errf(n.pos, "wrong type \"boolean\" for %s operator", n.op)
	}
	num := func(t ctype) bool { return t == ctInt || t == ctFloat }
	known := func(t ctype) bool { return t == ctInt || t == ctFloat || t == ctStr }
	switch n.op {
	case "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "\\":
		if !known(a.t) || !known(b.t) {
			return nil
		}
		if num(a.t) && num(b.t) {
			return nil
		}
		if a.t == ctStr && b.t == ctStr {
			switch n.op {
			case "+", "-", "*", "\\":
				return rs.errf(n.pos, "strings don't support \"%s\" operation", n.op)
			}
			return nil
		}
		return rs.errf(n.pos, "type mismatch")
	case "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith", "iequals":
		for _, c := range []cinfo{a, b} {
			if known(c.t) && c.t != ctStr {
				return rs.errf(n.pos, "wrong type %q for %s operator", c.t.String(), n.op)
			}
		}
	case "matches":
		if known(a.t) && a.t != ctStr {
			return rs.errf(n.pos, "wrong type %q for matches operator", a.t.String())
		}
	case "%", "&", "|", "^", "<<", ">>":
		for _, c := range []cinfo{a, b} {
			if c.t == ctStr || (c.t == ctFloat && n.op != "%") {
				return rs.errf(n.pos, "wrong type %q for %s operator", c.t.String(), n.op)
			}
		}
	}
	return nil
}

// costly reports whether verifying p may run a long program (the scanner
// then looks at the clock at once).
func (p *pattern) costly() bool {
	switch {
	case p.prog != nil:
		return len(p.prog.insts) > 256
	case p.restProg != nil:
		return len(p.restProg.insts) > 256
	}
	return false
}
