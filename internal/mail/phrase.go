package mail

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Phrase matching: wording checks look for families of phrases in the
// message text. Regular expressions with hundreds of alternatives are far
// too slow on long mail, so each family is written in a tiny pattern
// language — words, "(a|b)" alternatives, "?" for an optional group or
// character, "[- ]" classes — expanded once into plain phrases and
// matched over the text's words in one pass: every word but the last must
// match exactly, the last as a prefix ("expir" matches "expires"), unless
// the phrase ends in "#" ("gratuit#" matches "gratuit", not
// "gratuitously").

// tokenize lower-cases s and splits it into words of letters, digits, "$"
// and "€"; everything else separates words. At most max words.
func tokenize(s string, max int) []string {
	out := make([]string, 0, len(s)/6)
	start := -1
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '$' || r == '€'
		if word {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, strings.ToLower(s[start:i]))
			start = -1
			if len(out) >= max {
				return out
			}
		}
	}
	if start >= 0 {
		out = append(out, strings.ToLower(s[start:]))
	}
	return out
}

type phrase struct {
	words  []string
	family int
	exact  bool // the last word must match whole
}

// phraseSet holds the expanded phrases of several families. The built-in
// sets are expanded on first use, not when the package loads: every vigie
// command links this package, and expanding them all took 28 ms and 7 MB
// at each start (vigie yara, vigie version ...).
type phraseSet struct {
	once     sync.Once
	families []string // the patterns, expanded by build

	names  []string            // one sample phrase per family, for evidence
	multi  map[string][]phrase // first word → phrases of two words or more
	single map[string]int      // one-word phrases (prefix match) → family
	minLen int                 // shortest one-word phrase
	lens   []int               // lengths of one-word phrases, ascending
	first  [256]bool           // first bytes of one-word phrases
	// Bit filters of the keys of multi and single (keyBit): a word whose
	// bit is clear is not a key, without a map lookup. Most words of a
	// message are no key of a set; a message's words go through a dozen
	// sets.
	multiBits, singleBits keyFilter
}

// keyFilter is a set of 4,096 bits, one per keyBit value.
type keyFilter [64]uint64

func (f *keyFilter) add(k string)      { b := keyBit(k); f[b>>6] |= 1 << (b & 63) }
func (f *keyFilter) has(k string) bool { b := keyBit(k); return f[b>>6]&(1<<(b&63)) != 0 }
func (ps *phraseSet) addMulti(p phrase) {
	ps.multi[p.words[0]] = append(ps.multi[p.words[0]], p)
	ps.multiBits.add(p.words[0])
}

// keyBit mixes a non-empty word's length and its first, second and last
// bytes into 12 bits.
func keyBit(k string) uint32 {
	h := uint32(len(k))*0x9E3779B1 ^ uint32(k[0])*0x85EBCA77 ^ uint32(k[len(k)-1])*0xC2B2AE3D
	if len(k) > 1 {
		h ^= uint32(k[1]) * 0x27D4EB2F
	}
	h ^= h >> 15
	h *= 0x2C1B3C6D
	h ^= h >> 12
	return h & 4095
}

// builtinPhrases are the sets made by mustPhrases (a test expands them all).
var builtinPhrases []*phraseSet

// mustPhrases returns the set of the phrase families, expanded on first
// use; a family that does not expand panics then (built-in lists, covered
// by TestBuiltinPhrasesExpand).
func mustPhrases(families ...string) *phraseSet {
	ps := &phraseSet{families: families}
	builtinPhrases = append(builtinPhrases, ps)
	return ps
}

// build expands the families (once, before the first match).
func (ps *phraseSet) build() {
	if ps.multi == nil {
		ps.multi, ps.single, ps.minLen = map[string][]phrase{}, map[string]int{}, 1<<30
	}
	families := ps.families
	for fi, pat := range families {
		alts, err := expand(pat, 20000)
		if err != nil {
			panic(fmt.Sprintf("phrase family %d: %v", fi, err)) // built-in lists, covered by tests
		}
		ps.names = append(ps.names, "")
		for _, a := range alts {
			exact := strings.HasSuffix(a, "#")
			w := tokenize(strings.TrimSuffix(a, "#"), 64)
			if len(w) == 0 {
				continue
			}
			if ps.names[fi] == "" {
				ps.names[fi] = strings.Join(w, " ")
			}
			if exact {
				ps.addMulti(phrase{words: w, family: fi, exact: true})
				continue
			}
			if len(w) == 1 {
				if _, ok := ps.single[w[0]]; !ok {
					ps.single[w[0]] = fi
					ps.singleBits.add(w[0])
				}
				ps.minLen = min(ps.minLen, len(w[0]))
				ps.first[w[0][0]] = true
				if !slices.Contains(ps.lens, len(w[0])) {
					ps.lens = append(ps.lens, len(w[0]))
					slices.Sort(ps.lens)
				}
				continue
			}
			ps.addMulti(phrase{words: w, family: fi})
		}
	}
}

// addExact adds the "|"-separated keywords of pat as whole words (no
// prefix match) to family f.
func (ps *phraseSet) addExact(pat string, f int) {
	for _, k := range strings.Split(pat, "|") {
		w := tokenize(k, 64)
		if len(w) == 0 {
			continue
		}
		// an exact one-word keyword is stored as a one-word "multi" phrase
		// with an end marker, so that "orange" does not match "oranges".
		ps.addMulti(phrase{words: w, family: f, exact: true})
	}
}

// match returns which families occur in words (as a bit set, up to 64
// families) and, for the first one found, the position of the hit.
func (ps *phraseSet) match(words []string) (fams uint64, at int) {
	ps.once.Do(ps.build)
	at = -1
	hit := func(f, i int) {
		if fams&(1<<uint(f)) == 0 && at < 0 {
			at = i
		}
		fams |= 1 << uint(f)
	}
	for i, w := range words {
		if w == "" {
			continue // tokenize makes none; a key is never empty
		}
		var multi []phrase
		if ps.multiBits.has(w) {
			multi = ps.multi[w]
		}
		for _, p := range multi {
			if fams&(1<<uint(p.family)) != 0 || i+len(p.words) > len(words) {
				continue
			}
			ok := true
			for k := 1; k < len(p.words); k++ {
				if k == len(p.words)-1 && !p.exact {
					ok = strings.HasPrefix(words[i+k], p.words[k])
				} else {
					ok = words[i+k] == p.words[k]
				}
				if !ok {
					break
				}
			}
			if ok {
				hit(p.family, i)
			}
		}
		if len(ps.single) > 0 && len(w) >= ps.minLen && ps.first[w[0]] {
			for _, n := range ps.lens {
				if n > len(w) {
					break
				}
				if n < len(w) && !utf8.RuneStart(w[n]) {
					continue
				}
				if !ps.singleBits.has(w[:n]) {
					continue
				}
				if f, ok := ps.single[w[:n]]; ok {
					hit(f, i)
				}
			}
		}
	}
	return fams, at
}

func popcount(x uint64) int {
	n := 0
	for x != 0 {
		x &= x - 1
		n++
	}
	return n
}

// expand turns a pattern into the list of strings it denotes.
func expand(pat string, max int) ([]string, error) {
	p := &expander{s: pat, max: max}
	out, err := p.alt()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q at %d in %q", p.s[p.i], p.i, pat)
	}
	return out, nil
}

type expander struct {
	s   string
	i   int
	max int
}

func (p *expander) alt() ([]string, error) {
	var out []string
	for {
		seq, err := p.seq()
		if err != nil {
			return nil, err
		}
		out = append(out, seq...)
		if p.i < len(p.s) && p.s[p.i] == '|' {
			p.i++
			continue
		}
		return out, nil
	}
}

func (p *expander) seq() ([]string, error) {
	cur := []string{""}
	for p.i < len(p.s) && p.s[p.i] != '|' && p.s[p.i] != ')' {
		var atom []string
		c := p.s[p.i]
		switch c {
		case '(':
			p.i++
			a, err := p.alt()
			if err != nil {
				return nil, err
			}
			if p.i >= len(p.s) || p.s[p.i] != ')' {
				return nil, fmt.Errorf("missing ) in %q", p.s)
			}
			p.i++
			atom = a
		case '[':
			end := strings.IndexByte(p.s[p.i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("missing ] in %q", p.s)
			}
			for _, r := range p.s[p.i+1 : p.i+end] {
				atom = append(atom, string(r))
			}
			p.i += end + 1
		case '\\':
			if p.i+1 >= len(p.s) {
				return nil, fmt.Errorf("trailing \\ in %q", p.s)
			}
			atom = []string{string(p.s[p.i+1])}
			p.i += 2
		default:
			_, size := utf8.DecodeRuneInString(p.s[p.i:])
			atom = []string{p.s[p.i : p.i+size]}
			p.i += size
		}
		if p.i < len(p.s) && p.s[p.i] == '?' {
			p.i++
			atom = append(atom, "")
		}
		next := make([]string, 0, len(cur)*len(atom))
		for _, a := range cur {
			for _, b := range atom {
				next = append(next, a+b)
			}
		}
		if len(next) > p.max {
			return nil, fmt.Errorf("pattern %q expands to more than %d phrases", p.s, p.max)
		}
		cur = next
	}
	return cur, nil
}
