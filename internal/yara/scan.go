package yara

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"
)

// StringMatch is one match of a string.
type StringMatch struct {
	Offset int64
	Length int
	Data   []byte // up to MaxMatchData bytes of the matched data
}

// StringMatches lists the matches of one string of a matching rule.
type StringMatches struct {
	ID      string // without $
	IsHex   bool   // a hex string (yara -s prints its data as hex bytes)
	Matches []StringMatch
}

// RuleInfo describes a compiled rule.
type RuleInfo struct {
	Name      string
	Namespace string
	Tags      []string
	Meta      []Meta
	Private   bool
	Global    bool
}

// RuleInfos lists the compiled rules in declaration order; Match.Index
// indexes it. The slice is built once and shared by every caller: do not
// modify it (yara -n walks it for every file).
func (r *Rules) RuleInfos() []RuleInfo {
	r.infoOnce.Do(func() {
		out := make([]RuleInfo, len(r.rules))
		for i, ru := range r.rules {
			out[i] = RuleInfo{Name: ru.def.name, Namespace: ru.namespace, Tags: ru.def.tags, Meta: ru.def.meta, Private: ru.def.private, Global: ru.def.global}
		}
		r.infos = out
	})
	return r.infos
}

// Match is a rule that matched a file.
type Match struct {
	Index     int // the rule's position in Rules.RuleInfos
	Rule      string
	Namespace string
	Tags      []string
	Meta      []Meta
	Strings   []StringMatches // non-private strings with at least one match
	// NotMatching marks a rule that did not match, returned only with
	// ScanOptions.StringsOfNonMatching.
	NotMatching bool
}

// ScanOptions tune one scan.
type ScanOptions struct {
	// Externals override the compiled default values of external variables.
	Externals map[string]any
	// Timeout bounds one file's scan; 0 means no limit.
	Timeout time.Duration
	// MaxFileSize bounds the size of files read by ScanFile (default 2 GiB).
	MaxFileSize int64
	// MaxMatchesPerString caps the matches recorded per string (default 1,000,000 like libyara).
	MaxMatchesPerString int
	// FastMode stops looking for more matches of a string once it has one.
	FastMode bool
	// NoStringData leaves StringMatch.Data empty.
	NoStringData bool
	// StringsOfNonMatching also returns the non-private rules that did not
	// match but whose strings did, with NotMatching set (yara -n -s prints
	// those strings).
	StringsOfNonMatching bool
	// OnTooManyMatches, when set, is called once per string whose matches
	// reached MaxMatchesPerString: later matches are dropped and the
	// rule's result may be wrong. yara prints "warning: rule "R": too many
	// matches for $S, results for this rule may be incorrect".
	OnTooManyMatches func(rule, stringID string)
	// OnConsoleLog, when set, receives each message of the console
	// module's log and hex functions, as libyara's CALLBACK_MSG_CONSOLE_LOG
	// (yara prints them on a line each); without it they are dropped.
	OnConsoleLog func(msg string)
	// ModuleData is data handed to modules by name (yara -x MODULE=FILE);
	// of Vigie's modules only "tests" reads it (tests.module_data).
	ModuleData map[string][]byte
}

// mmapThreshold is the size from which ScanFile maps files instead of
// reading them.
const mmapThreshold = 1 << 20

// MaxMatchData is how many bytes of each match are kept (libyara: 512).
const MaxMatchData = 512

// ErrTimeout is returned when a scan exceeds its timeout.
var ErrTimeout = errors.New("scan timed out")

type smatch struct {
	Offset int64
	Length int
}

type scanCtx struct {
	rules     *Rules
	data      []byte
	ctx       context.Context
	deadline  time.Time
	externals map[string]value
	vm        vmState
	strMatch  [][]smatch
	touched   []int32    // strings with at least one match
	parts     [][]smatch // matches of hex chain parts, by pattern.part-1
	partsUsed []int32    // parts with at least one match
	ruleHas   []bool     // per rule: one of its strings matched
	maxPer    int
	onTooMany func(rule, stringID string)
	onConsole func(msg string)
	modData   map[string][]byte
	capped    map[int32]bool // strings whose match limit was reported
	fast      bool
	results   []int8 // per rule: 0 unknown, 1 true, 2 false
	mods      map[string]value
	ev        *evaluator
	err       error
	checks    int
	nsGlobal  map[string]bool
}

// ScanFile reads the file at path and scans it.
func (r *Rules) ScanFile(ctx context.Context, path string, opts ScanOptions) ([]Match, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	limit := opts.MaxFileSize
	if limit <= 0 {
		limit = 2 << 30
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: file size %d exceeds the limit of %d bytes", path, st.Size(), limit)
	}
	if st.Size() >= mmapThreshold && st.Mode().IsRegular() {
		if data, unmap, ok := mapFile(f, st.Size()); ok {
			defer unmap()
			return r.ScanBytes(ctx, data, opts) // match data is copied out
		}
	}
	var data []byte
	bp, _ := r.readPool.Get().(*[]byte)
	if bp != nil && int64(cap(*bp)) > st.Size() {
		data = (*bp)[:0]
	} else {
		data = make([]byte, 0, max(st.Size()+1, 64<<10))
	}
	data, err = readAllInto(f, data, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ms, err := r.ScanBytes(ctx, data, opts) // match data is copied out
	if cap(data) <= mmapThreshold+1 {
		data = data[:0]
		r.readPool.Put(&data)
	}
	return ms, err
}

func readAllInto(f io.Reader, b []byte, limit int64) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			return nil, fmt.Errorf("file grew beyond the limit of %d bytes", limit)
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// ScanBytes scans data and returns the matching non-private rules in
// declaration order.
func (r *Rules) ScanBytes(ctx context.Context, data []byte, opts ScanOptions) ([]Match, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	sc := &scanCtx{rules: r, data: data, ctx: ctx, maxPer: opts.MaxMatchesPerString, fast: opts.FastMode, onTooMany: opts.OnTooManyMatches, onConsole: opts.OnConsoleLog, modData: opts.ModuleData}
	if sc.maxPer <= 0 {
		sc.maxPer = 1_000_000
	}
	if opts.Timeout > 0 {
		sc.deadline = time.Now().Add(opts.Timeout)
	}
	if len(opts.Externals) > 0 {
		sc.externals = map[string]value{}
		for k, v := range opts.Externals {
			if _, ok := r.externals[k]; !ok {
				return nil, fmt.Errorf("external variable %q was not declared at compile time", k)
			}
			val, err := externalValue(v)
			if err != nil {
				return nil, fmt.Errorf("external %q: %w", k, err)
			}
			sc.externals[k] = val
		}
	}
	bufs := r.getBufs()
	defer r.putBufs(bufs, sc)
	sc.strMatch = bufs.strMatch
	sc.parts = bufs.parts
	sc.results = bufs.results
	sc.ruleHas = bufs.ruleHas
	sc.vm = bufs.vm
	sc.findStrings()
	if sc.err != nil {
		return nil, sc.err
	}
	for _, si := range sc.touched {
		sc.ruleHas[r.strs[si].rule] = true
	}
	// evaluate
	maxVars := 0
	for _, ru := range r.rules {
		maxVars = max(maxVars, ru.nvars)
	}
	sc.ev = &evaluator{sc: sc, vars: make([]value, maxVars)}
	// global rules first: a false global rule disables its namespace
	if r.hasGlobal {
		sc.nsGlobal = map[string]bool{}
		for _, ru := range r.rules {
			if ru.def.global && !sc.ruleResult(ru.idx) {
				sc.nsGlobal[ru.namespace] = true
			}
		}
	}
	var out []Match
	for _, ru := range r.rules {
		if ru.needsMatch && !sc.ruleHas[ru.idx] {
			continue
		}
		ok := sc.ruleResult(ru.idx)
		if sc.err != nil {
			return nil, sc.err
		}
		if ru.def.private {
			continue
		}
		notMatching := !ok || sc.nsGlobal[ru.namespace]
		if notMatching && !(opts.StringsOfNonMatching && sc.ruleHas[ru.idx]) {
			continue
		}
		m := Match{Index: ru.idx, Rule: ru.def.name, Namespace: ru.namespace, Tags: ru.def.tags, Meta: ru.def.meta, NotMatching: notMatching}
		for _, si := range ru.strs {
			cs := r.strs[si]
			ms := sc.strMatch[si]
			if cs.private || len(ms) == 0 {
				continue
			}
			sm := StringMatches{ID: cs.id, IsHex: cs.isHex}
			for _, x := range ms {
				d := StringMatch{Offset: x.Offset, Length: x.Length}
				if !opts.NoStringData {
					end := x.Offset + int64(min(x.Length, MaxMatchData))
					d.Data = append([]byte(nil), data[x.Offset:end]...)
				}
				sm.Matches = append(sm.Matches, d)
			}
			m.Strings = append(m.Strings, sm)
		}
		out = append(out, m)
	}
	return out, nil
}

// ruleResult evaluates rule i once (memoized).
func (sc *scanCtx) ruleResult(i int) bool {
	switch sc.results[i] {
	case 1:
		return true
	case 2:
		return false
	case 3:
		return false // cycle guard
	}
	ru := sc.rules.rules[i]
	if ru.needsMatch && !sc.ruleHas[i] {
		sc.results[i] = 2
		return false
	}
	sc.results[i] = 3
	ev := sc.ev
	saved := ev.rule
	ev.rule = ru
	ok := ev.evalBool(ru.cond)
	ev.rule = saved
	if ev.aborted && sc.err == nil {
		sc.err = fmt.Errorf("rule %q: condition evaluation exceeded its step limit", ru.def.name)
	}
	if sc.nsGlobal != nil && sc.nsGlobal[ru.namespace] && !ru.def.global {
		ok = false
	}
	if ok {
		sc.results[i] = 1
	} else {
		sc.results[i] = 2
	}
	return ok
}

func (sc *scanCtx) matches(si int) []smatch {
	if si < 0 || si >= len(sc.strMatch) {
		return nil
	}
	return sc.strMatch[si]
}

// checkTime is called periodically during matching.
func (sc *scanCtx) checkTime() bool {
	sc.checks++
	if sc.checks&1023 != 0 {
		return sc.err == nil
	}
	if !sc.deadline.IsZero() && time.Now().After(sc.deadline) {
		sc.err = ErrTimeout
		return false
	}
	if err := sc.ctx.Err(); err != nil {
		sc.err = err
		return false
	}
	return true
}

func isAlnum(b byte) bool {
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
}

var foldTable = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if i >= 'A' && i <= 'Z' {
			t[i] = byte(i + 32)
		}
	}
	return
}()

func (sc *scanCtx) record(p *pattern, start, length int) {
	if length == 0 {
		return // libyara never reports empty matches
	}
	if p.part != 0 {
		sc.recordPart(p, start, length)
		return
	}
	si := p.str
	ms := sc.strMatch[si]
	if len(ms) >= sc.maxPer {
		sc.tooMany(si)
		return
	}
	if sc.fast && len(ms) > 0 {
		return
	}
	// dedupe: same start offset keeps the longest
	for k := len(ms) - 1; k >= 0 && k >= len(ms)-8; k-- {
		if ms[k].Offset == int64(start) {
			if length > ms[k].Length {
				ms[k].Length = length
			}
			return
		}
	}
	if len(ms) == 0 {
		sc.touched = append(sc.touched, si)
	}
	sc.strMatch[si] = append(ms, smatch{Offset: int64(start), Length: length})
}

// recordPart records a match of a hex chain part; chains are joined
// after the scan (joinChains). Each part keeps at most maxPer matches,
// like a string.
func (sc *scanCtx) recordPart(p *pattern, start, length int) {
	k := p.part - 1
	ms := sc.parts[k]
	if len(ms) >= sc.maxPer {
		sc.tooMany(p.str)
		return
	}
	if n := len(ms); n > 0 && ms[n-1].Offset == int64(start) {
		return // case variants of an atom report a position twice
	}
	if len(ms) == 0 {
		sc.partsUsed = append(sc.partsUsed, k)
	}
	sc.parts[k] = append(ms, smatch{Offset: int64(start), Length: length})
}

// tooMany reports, once per string, that its match limit was reached.
func (sc *scanCtx) tooMany(si int32) {
	if sc.onTooMany == nil || sc.capped[si] {
		return
	}
	if sc.capped == nil {
		sc.capped = map[int32]bool{}
	}
	sc.capped[si] = true
	cs := sc.rules.strs[si]
	sc.onTooMany(sc.rules.rules[cs.rule].def.name, "$"+cs.id)
}

// joinChains turns the matches of hex chain parts into string matches:
// each match of a chain's first part that starts a chain of part matches
// with fitting gaps becomes a match ending at the earliest possible end of
// the last part (libyara's _yr_scan_verify_chained_string_match is
// non-greedy the same way). Work is O(m log m) in the part matches:
// from the last part back, each part match learns the earliest chain end
// reachable from it through a sliding-window minimum over the next part's
// matches.
func (sc *scanCtx) joinChains() {
	r := sc.rules
	for ci := range r.chains {
		ch := &r.chains[ci]
		ok := true
		for _, pi := range ch.parts {
			if len(sc.parts[r.pats[pi].part-1]) == 0 {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		last := len(ch.parts) - 1
		next := sortedPart(sc.parts[r.pats[ch.parts[last]].part-1])
		// best[i]: earliest chain end from next[i]
		best := make([]int64, len(next))
		for i, m := range next {
			best[i] = m.Offset + int64(m.Length)
		}
		for k := last - 1; k >= 0; k-- {
			cur := sortedPart(sc.parts[r.pats[ch.parts[k]].part-1])
			cb := make([]int64, len(cur))
			gmin, gmax := int64(ch.gapMin[k+1]), int64(ch.gapMax[k+1])
			// queries in order of their window start (the match end)
			order := make([]int, len(cur))
			for i := range order {
				order[i] = i
			}
			sort.Slice(order, func(a, b int) bool {
				ea := cur[order[a]].Offset + int64(cur[order[a]].Length)
				eb := cur[order[b]].Offset + int64(cur[order[b]].Length)
				return ea < eb
			})
			// window over next (sorted by start): [lo, hi) with a deque of
			// indices of increasing best
			var dq []int
			lo, hi := 0, 0
			for _, qi := range order {
				end := cur[qi].Offset + int64(cur[qi].Length)
				wlo := end + gmin
				for hi < len(next) && (gmax < 0 || next[hi].Offset <= end+gmax) {
					if best[hi] >= 0 {
						for len(dq) > 0 && best[dq[len(dq)-1]] >= best[hi] {
							dq = dq[:len(dq)-1]
						}
						dq = append(dq, hi)
					}
					hi++
				}
				for lo < hi && next[lo].Offset < wlo {
					lo++
				}
				for len(dq) > 0 && dq[0] < lo {
					dq = dq[1:]
				}
				cb[qi] = -1
				if len(dq) > 0 {
					cb[qi] = best[dq[0]]
				}
			}
			next, best = cur, cb
		}
		p := r.pats[ch.parts[0]]
		for i, m := range next {
			if best[i] >= 0 {
				sc.recordWhole(p, int(m.Offset), int(best[i]-m.Offset))
			}
		}
		if !sc.checkTime() {
			return
		}
	}
}

// recordWhole records a joined chain match for the chain's string.
func (sc *scanCtx) recordWhole(p *pattern, start, length int) {
	q := *p
	q.part = 0
	sc.record(&q, start, length)
}

// sortedPart sorts part matches by start (they are found in atom order).
func sortedPart(ms []smatch) []smatch {
	if !sort.SliceIsSorted(ms, func(a, b int) bool { return ms[a].Offset < ms[b].Offset }) {
		sort.Slice(ms, func(a, b int) bool { return ms[a].Offset < ms[b].Offset })
	}
	return ms
}

func (sc *scanCtx) fullwordOK(p *pattern, start, end int) bool {
	d := sc.data
	if p.wide {
		if start >= 2 && d[start-1] == 0 && isAlnum(d[start-2]) {
			return false
		}
		if end+1 < len(d) && d[end+1] == 0 && isAlnum(d[end]) {
			return false
		}
		return true
	}
	if start >= 1 && isAlnum(d[start-1]) {
		return false
	}
	if end < len(d) && isAlnum(d[end]) {
		return false
	}
	return true
}

func (sc *scanCtx) verifyLiteral(p *pattern, start int) {
	d := sc.data
	l := p.lit
	if start < 0 || start+len(l) > len(d) {
		return
	}
	w := d[start : start+len(l)]
	if p.nocase {
		for i := range l {
			if foldTable[w[i]] != foldTable[l[i]] {
				return
			}
		}
	} else if string(w) != string(l) {
		return
	}
	if p.fullword && !sc.fullwordOK(p, start, start+len(l)) {
		return
	}
	sc.record(p, start, len(l))
}

func (sc *scanCtx) verifyRegex(p *pattern, atomPos int) {
	if p.rev == nil {
		start := atomPos - p.atomOff
		if start < 0 {
			return
		}
		sc.tryAt(p, start)
		return
	}
	for i := range p.revChecks {
		if !revCheckOK(&p.revChecks[i], sc.data, atomPos) {
			return
		}
	}
	starts := sc.vm.startsBefore(p.rev, sc.data, atomPos, reScanLimit, nil)
	for _, s := range starts {
		sc.tryAt(p, s)
	}
}

// revCheckOK reports whether a byte of c.set is at a distance c.lo to
// c.hi before pos.
func revCheckOK(c *revCheck, d []byte, pos int) bool {
	from, to := pos-int(c.hi), pos-int(c.lo) // positions from..to, inclusive
	if to < 0 {
		return false
	}
	from = max(from, 0)
	for j := to; j >= from; j-- {
		if c.set.has(d[j]) {
			return true
		}
	}
	return false
}

func (sc *scanCtx) tryAt(p *pattern, start int) {
	if p.sets != nil {
		d := sc.data
		if start < 0 || start+len(p.sets) > len(d) {
			return
		}
		tab := sc.rules.setTab
		for i, x := range p.sets {
			if !tab[x].has(d[start+i]) {
				return
			}
		}
		sc.recordRegex(p, start, len(p.sets))
		return
	}
	if p.restProg != nil {
		d := sc.data
		k := len(p.prefix)
		if start < 0 || start+k > len(d) {
			return
		}
		tab := sc.rules.setTab
		for i, x := range p.prefix {
			if !tab[x].has(d[start+i]) {
				return
			}
		}
		n := sc.vm.matchAt(p.restProg, d, start+k, p.limit-k)
		if n >= 0 {
			sc.recordRegex(p, start, k+n)
		}
		return
	}
	n := sc.vm.matchAt(p.prog, sc.data, start, p.limit)
	if n < 0 {
		return
	}
	sc.recordRegex(p, start, n)
}

// recordRegex records a match of a regex or hex pattern; a fullword
// regex's match must not touch an alphanumeric byte (libyara checks
// fullword on the match the regex found and does not look for another).
func (sc *scanCtx) recordRegex(p *pattern, start, length int) {
	if p.fullword && !sc.fullwordOK(p, start, start+length) {
		return
	}
	sc.record(p, start, length)
}

// findStrings runs the atom index over the data and verifies hits.
func (sc *scanCtx) findStrings() {
	r := sc.rules
	pats := r.pats
	// an atom hit may be reported several times for the same pattern and
	// position (case variants); verification is idempotent thanks to dedupe
	r.index.scan(sc.data, func(pi int32, pos int) bool {
		p := pats[pi]
		if p.kind == pkLiteral {
			sc.verifyLiteral(p, pos-p.atomOff)
			return sc.checkTime()
		}
		sc.verifyRegex(p, pos)
		if p.costly() {
			sc.checks |= 1023 // a costly program: look at the clock now
		}
		return sc.checkTime()
	})
	if sc.err != nil {
		return
	}
	for _, pi := range r.noAtom {
		p := pats[pi]
		for i := 0; i <= len(sc.data); i++ {
			if i < len(sc.data) && !p.anyFirst && (p.first == nil || !p.first.has(sc.data[i])) {
				continue
			}
			if i == len(sc.data) && !p.anyFirst {
				break
			}
			sc.tryAt(p, i)
			if p.costly() {
				sc.checks |= 1023
			}
			if !sc.checkTime() {
				return
			}
		}
	}
	if len(r.chains) > 0 {
		sc.joinChains()
		if sc.err != nil {
			return
		}
	}
	for _, si := range sc.touched {
		ms := sc.strMatch[si]
		if len(ms) > 1 {
			sort.Slice(ms, func(a, b int) bool { return ms[a].Offset < ms[b].Offset })
			// dedupe equal offsets
			out := ms[:1]
			for _, m := range ms[1:] {
				last := &out[len(out)-1]
				if m.Offset == last.Offset {
					if m.Length > last.Length {
						last.Length = m.Length
					}
					continue
				}
				out = append(out, m)
			}
			sc.strMatch[si] = out
		}
	}
}

// scanBufs are per-scan buffers sized to the rule set, pooled so that a
// scan of a small file does not allocate and clear per-string tables.
type scanBufs struct {
	strMatch [][]smatch
	parts    [][]smatch
	results  []int8
	ruleHas  []bool
	vm       vmState
}

func (r *Rules) getBufs() *scanBufs {
	if b, ok := r.pool.Get().(*scanBufs); ok {
		return b
	}
	return &scanBufs{
		strMatch: make([][]smatch, len(r.strs)),
		parts:    make([][]smatch, r.nparts),
		results:  make([]int8, len(r.rules)),
		ruleHas:  make([]bool, len(r.rules)),
	}
}

func (r *Rules) putBufs(b *scanBufs, sc *scanCtx) {
	for _, si := range sc.touched {
		b.strMatch[si] = nil
		b.ruleHas[r.strs[si].rule] = false
	}
	for _, k := range sc.partsUsed {
		b.parts[k] = nil
	}
	clear(b.results)
	b.vm = sc.vm
	r.pool.Put(b)
}
