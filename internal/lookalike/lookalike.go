package lookalike

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"sort"
	"strings"

	"golang.org/x/net/idna"
)

// Owner is one protected organisation and every domain it really uses.
type Owner struct {
	Name    string   // "Google", "the party"
	Domains []string // "google.com", "gmail.com", ...; sub-domains included
	// Keywords are the names people read in a message that claim to be
	// this owner ("Google", "Gmail"); the mail analyzer uses them to spot
	// impersonation. Matched as whole words, case-insensitively.
	Keywords []string
	// TLDSwap flags the owner's names under other endings ("party.com"
	// for "party.fr"). Set it for a party's own domains; big providers
	// hold their names under most country endings (yahoo.com.au), so for
	// them another ending is not a look-alike.
	TLDSwap bool
}

// Match says which protected domain a host imitates and how.
type Match struct {
	Host      string `json:"host"`
	Owner     string `json:"owner"`
	Protected string `json:"protected"` // the domain imitated
	// Technique is how: homoglyph, punycode, typo (and its kinds:
	// omission, insertion, repetition, replacement, transposition, plural,
	// vowel-swap), hyphen, combo, subdomain, flattened-subdomain, tld-swap.
	Technique string `json:"technique"`
	Detail    string `json:"detail"` // a sentence for people
	// Score is the confidence that the name was made to be taken for the
	// protected one, from 0 to 1: 0.9 and more for look-alike characters,
	// a flattened protected sub-domain or the whole protected domain inside
	// another name; about 0.8 for one typo in a long name or the name
	// joined to log-in words; 0.5–0.6 for weak signs (two typos, the name
	// joined to unknown words). Callers that act alone on a match (calling
	// a message phishing) should require StrongScore.
	Score float64 `json:"score"`
}

// StrongScore is the confidence above which a match is, by itself, strong
// evidence of impersonation.
const StrongScore = 0.8

// Detector checks host names against protected owners. Build it with New;
// it is safe for concurrent use.
type Detector struct {
	owned  map[string]int // protected domain → owner index
	brands []brand
	owners []Owner

	bySkel map[string][]int32 // skeleton of label → brands
	byTok  map[string][]int32 // first hyphen-token of label → brands
	// byLen[l][c] are the brands of skeleton length l with letter c among
	// their first three: a name at most two edits away keeps at least one
	// of those three letters among its own first three.
	byLen    [MaxLabelLen + 3][29]lenBucket
	byPrefix [29][29][]int32 // first two letters of label → brands that may be glued to words
	flats    []flat
	maxToks  int // most hyphen-tokens in a brand label
}

type brand struct {
	owner   int
	domain  string // registrable domain, "en-marche.fr"
	label   string // "en-marche"
	suffix  string // "fr"
	skel    string // skeleton(label)
	mask    uint32 // letters of skel
	hist    hist   // letter counts of skel
	common  bool
	tldSwap bool
}

// lenBucket holds the brands whose skeleton has one length, with their
// letter masks side by side so that the typo filter scans memory in order.
type lenBucket struct {
	ids   []int32
	masks []uint32
}

// flat is a protected sub-domain written as one label: "accounts-google"
// for accounts.google.com.
type flat struct {
	brand int32
	sub   string // "accounts.google.com"
	label string // "accounts-google"
	skel  string
	hist  hist
}

// New builds a Detector. Domains are normalised (lower case, punycode);
// invalid ones are returned as an error naming them.
func New(owners []Owner) (*Detector, error) {
	d := &Detector{owned: map[string]int{}, owners: owners, bySkel: map[string][]int32{}, byTok: map[string][]int32{}}
	seen := map[string]int{}
	type pendingFlat struct {
		reg, sub string
	}
	var flats []pendingFlat
	for oi, o := range owners {
		for _, dom := range o.Domains {
			a, err := toASCII(dom)
			if err != nil {
				return nil, fmt.Errorf("protected domain %q of %s: %w", dom, o.Name, err)
			}
			d.owned[a] = oi
			reg, suffix := registrable(a)
			if reg == "" {
				// a hosting suffix of the owner ("appspot.com"): owned, but
				// not a brand name
				continue
			}
			if reg != a {
				// a protected sub-domain: its registrable domain is the
				// owner's too, and its flattened form a look-alike
				flats = append(flats, pendingFlat{reg, a})
				if _, ok := d.owned[reg]; !ok {
					d.owned[reg] = oi
				}
			}
			if _, dup := seen[reg]; dup {
				continue
			}
			label := strings.TrimSuffix(strings.TrimSuffix(reg, suffix), ".")
			if strings.HasPrefix(label, "xn--") {
				if u, err := idna.Punycode.ToUnicode(label); err == nil {
					label = u
				}
			}
			if len(label) < 2 || (len(label) < 3 && !o.TLDSwap) || (!o.TLDSwap && genericLabels[label]) {
				// a provider's name that is a plain word (mail.microsoft,
				// cloud.google, free.fr) is owned but not a brand: "free-email"
				// or "cloud-mail" imitate no one
				continue
			}
			sk := skeleton(label)
			seen[reg] = len(d.brands)
			d.brands = append(d.brands, brand{owner: oi, domain: reg, label: label, suffix: suffix, skel: sk, mask: charMask(sk), hist: histOf(sk),
				common: len(label) < 5 || commonLabels[label], tldSwap: o.TLDSwap})
		}
	}
	// longest labels first: "en-marche" before "marche"
	sort.SliceStable(d.brands, func(i, j int) bool { return len(d.brands[i].label) > len(d.brands[j].label) })
	typoSeen := map[string]bool{}
	for i, b := range d.brands {
		seen[b.domain] = i
		bi := int32(i)
		d.bySkel[b.skel] = append(d.bySkel[b.skel], bi)
		first, _, _ := strings.Cut(b.label, "-")
		d.byTok[first] = append(d.byTok[first], bi)
		d.maxToks = max(d.maxToks, strings.Count(b.label, "-")+1)
		if !b.common && len(b.skel) < len(d.byLen) && !typoSeen[b.skel] {
			// one entry per skeleton: amazon.fr and amazon.de are one
			// spelling to compare against
			typoSeen[b.skel] = true
			var done uint32
			for k := 0; k < 3 && k < len(b.skel); k++ {
				c := charIndex(b.skel[k])
				if done&(1<<c) != 0 {
					continue
				}
				done |= 1 << c
				lb := &d.byLen[len(b.skel)][c]
				lb.ids = append(lb.ids, bi)
				lb.masks = append(lb.masks, b.mask)
			}
		}
		if len(b.label) >= 3 && (!b.common || b.tldSwap) {
			p := &d.byPrefix[charIndex(b.label[0])][charIndex(b.label[1])]
			*p = append(*p, bi)
		}
	}
	for _, f := range flats {
		bi, ok := seen[f.reg]
		if !ok {
			continue
		}
		suffix := d.brands[bi].suffix
		l := strings.ReplaceAll(strings.TrimSuffix(f.sub, "."+suffix), ".", "-")
		if strings.HasPrefix(l, "www-") {
			continue
		}
		d.flats = append(d.flats, flat{brand: int32(bi), sub: f.sub, label: l, skel: skeleton(l), hist: histOf(skeleton(l))})
	}
	return d, nil
}

func toASCII(h string) (string, error) {
	if isLowerASCIIHost(h) {
		return h, nil
	}
	h = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
	if h == "" {
		return "", fmt.Errorf("empty name")
	}
	a, err := idna.Lookup.ToASCII(h)
	if err != nil {
		a, err = idna.Punycode.ToASCII(h)
		if err != nil {
			return "", err
		}
	}
	return a, nil
}

// Owned reports whether host is one of the protected domains or a
// sub-domain of one, and whose.
func (d *Detector) Owned(host string) (owner string, ok bool) {
	h, err := toASCII(host)
	if err != nil {
		return "", false
	}
	if oi, ok := d.ownedIdx(h); ok {
		return d.owners[oi].Name, true
	}
	return "", false
}

func (d *Detector) ownedIdx(h string) (int, bool) {
	for {
		if oi, ok := d.owned[h]; ok {
			return oi, true
		}
		dot := strings.IndexByte(h, '.')
		if dot < 0 {
			return 0, false
		}
		h = h[dot+1:]
	}
}

// Check tells whether host imitates a protected domain. Hosts that are
// protected domains, their sub-domains, IP addresses and invalid names
// never match (CheckName says why a name is invalid).
func (d *Detector) Check(host string) (Match, bool) {
	m, ok, _ := d.CheckName(host)
	return m, ok
}

// CheckName tells whether host imitates a protected domain: which one, by
// which technique, how strongly, and why in a sentence. A name that is not
// a valid host name (too long, empty or over-long labels, bad punycode,
// bidi controls, mixed scripts that imitate nothing) returns a *NameError.
func (d *Detector) CheckName(host string) (Match, bool, error) {
	if host == "" {
		return Match{}, false, nameErr(host, "", ErrEmpty)
	}
	if c := host[0]; (c >= '0' && c <= '9' || c == '[' || c == ':') && len(host) <= 64 {
		if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
			return Match{}, false, nil
		}
	}
	n, err := ParseName(host)
	if errors.Is(err, ErrNoSuffix) && strings.Contains(strings.Trim(host, "."), ".") {
		// a hosting suffix such as netlify.app or akamaihd.net is a real
		// host name but no one's registrable domain: nothing to imitate
		return Match{}, false, nil
	}
	if err != nil {
		return Match{}, false, err
	}
	if _, ok := d.ownedIdx(n.ASCII); ok {
		return Match{}, false, nil
	}
	m, ok := d.match(host, &n)
	if !ok && n.MixedScript {
		return Match{}, false, nameErr(host, n.Label, ErrMixedScript)
	}
	return m, ok, nil
}

func (d *Detector) match(host string, n *Name) (Match, bool) {
	var buf [4 * MaxLabelLen]byte
	uni := n.Label
	skel := skeletonTo(buf[:0], uni)
	m := Match{Host: host}
	set := func(bi int32, tech string, score float64, format string, args ...any) (Match, bool) {
		b := &d.brands[bi]
		m.Owner, m.Protected, m.Technique, m.Score = d.owners[b.owner].Name, b.domain, tech, score
		m.Detail = fmt.Sprintf(format, args...)
		return m, true
	}
	// 1. same name, or the same once look-alike characters are folded
	for _, bi := range d.bySkel[string(skel)] {
		b := &d.brands[bi]
		switch {
		case uni == b.label:
			// common words and short names under other endings are other
			// people's sites (iri.com, office.net)
			if !b.tldSwap || b.common {
				continue
			}
			return set(bi, "tld-swap", 0.75, "%s is the name %s under another ending (.%s instead of .%s)", n.Reg, b.domain, n.Suffix, b.suffix)
		case n.IDN:
			return set(bi, "punycode", 0.95, "%s is written with look-alike characters (%s.%s) to read as %s", n.Reg, uni, n.Suffix, b.domain)
		default:
			return set(bi, "homoglyph", 0.9, "%s swaps letters for look-alikes (%s) to read as %s", n.Reg, glyphSwaps(uni, b.label), b.domain)
		}
	}
	// 2. a protected sub-domain written as one label: accounts-google.com
	sh := histOf(string(skel))
	hyphen := strings.IndexByte(uni, '-') >= 0
	for _, f := range d.flats {
		maxd := 1
		if len(f.label) >= 12 {
			maxd = 2
		}
		if hyphen && len(uni) >= len(f.label) && (uni == f.label || containsTokens(uni, f.label)) {
			m, _ := set(f.brand, "flattened-subdomain", 0.95, "%s writes the protected address %s with a hyphen instead of a dot, in a domain that does not belong to its owner", n.Reg, f.sub)
			m.Protected = f.sub
			return m, true
		}
		if abs(len(skel)-len(f.skel)) > maxd || sh.diff(&f.hist) > 2*maxd {
			continue
		}
		if dd := distance(string(skel), f.skel, maxd); dd <= maxd {
			m, _ := set(f.brand, "flattened-subdomain", 0.9, "%s is the protected address %s with its dot turned into a hyphen and %d letter(s) changed", n.Reg, f.sub, dd)
			m.Protected = f.sub
			return m, true
		}
	}
	// 3. one or two typos in the whole name
	if len(skel) < len(d.byLen) {
		sm := charMask(string(skel))
		var heads uint32
		for l := max(3, len(skel)-2); l <= len(skel)+2 && l < len(d.byLen); l++ {
			// one typo for names under 9 letters, two from 9 on
			maxd := 1
			if l >= 9 {
				maxd = 2
			}
			if abs(l-len(skel)) > maxd {
				continue
			}
			heads = 0
			for h := 0; h <= maxd && h < len(skel); h++ {
				c := charIndex(skel[h])
				if heads&(1<<c) != 0 {
					continue
				}
				heads |= 1 << c
				lb := &d.byLen[l][c]
				for k, bm := range lb.masks {
					if bits.OnesCount32(sm&^bm) > maxd || bits.OnesCount32(bm&^sm) > maxd {
						continue
					}
					bi := lb.ids[k]
					b := &d.brands[bi]
					if sh.diff(&b.hist) > 2*maxd {
						continue
					}
					if uni == b.label {
						continue
					}
					// under another ending, a short name one letter away is
					// most often a word of another language (senat.fr)
					otherTLD := n.Suffix != b.suffix
					if otherTLD && len(b.label) < 7 {
						continue
					}
					dd := distance(string(skel), b.skel, maxd)
					if dd > maxd {
						continue
					}
					kind := editKind(uni, b.label)
					sc := 0.85
					switch {
					case dd == 2:
						sc = 0.6
					case len(b.label) < 7:
						sc = 0.75
					}
					if otherTLD {
						sc -= 0.1
					}
					if dd == 1 {
						return set(bi, kind, sc, "%s differs from %s by one letter (%s)", n.Reg, b.domain, editSentence(kind))
					}
					return set(bi, "typo", sc, "%s differs from %s by two letters", n.Reg, b.domain)
				}
			}
		}
	}
	// 4. the protected name as whole words of a longer name
	if m, ok := d.tokenMatch(n, set); ok {
		return m, ok
	}
	// 5. the protected name glued to log-in words: googlesecurity.com
	if len(uni) >= 4 && len(uni) <= 2*MaxLabelLen {
		for i := 0; i+3 <= len(uni); i++ {
			for _, bi := range d.byPrefix[charIndex(uni[i])][charIndex(uni[i+1])] {
				b := &d.brands[bi]
				if !strings.HasPrefix(uni[i:], b.label) || len(b.label) == len(uni) {
					continue
				}
				rest := uni[:i] + "-" + uni[i+len(b.label):]
				if segmentsIntoLure(strings.Trim(rest, "-")) {
					return set(bi, "combo", 0.8, "%s glues the name %s to words of a log-in or campaign page (%s)", n.Reg, b.label, strings.Trim(rest, "-"))
				}
			}
		}
	}
	return Match{}, false
}

// countryOf reports whether suffix is base under a country code: com.au
// for com, co.uk for co.
func countryOf(suffix, base string) bool {
	cc, ok := strings.CutPrefix(suffix, base+".")
	return ok && len(cc) == 2 && !strings.Contains(cc, ".")
}

// tokenMatch finds a protected label as whole hyphen- or dot-separated
// words of the name: accounts-google.com, google.com.evil.tk,
// myaccount.google.com-securitysettingpage.tk, onedrive-en-marche.fr.
func (d *Detector) tokenMatch(n *Name, set func(int32, string, float64, string, ...any) (Match, bool)) (Match, bool) {
	s := n.ASCII
	regStart := len(s) - len(n.Reg)
	labelEnd := regStart + len(n.Reg) - len(n.Suffix) - 1
	hyphenLabel := strings.IndexByte(n.Reg, '-') >= 0
	if n.Sub == "" && !hyphenLabel {
		return Match{}, false
	}
	var best Match
	found := false
	keep := func(m Match, ok bool) {
		if ok && (!found || m.Score > best.Score) {
			best, found = m, true
		}
	}
	if !n.IDN {
		for start := 0; start < len(s); {
			end := start
			for end < len(s) && s[end] != '.' && s[end] != '-' {
				end++
			}
			for _, bi := range d.byTok[s[start:end]] {
				b := &d.brands[bi]
				if !strings.HasPrefix(s[start:], b.label) {
					continue
				}
				after := start + len(b.label)
				if after < len(s) && s[after] != '.' && s[after] != '-' {
					continue
				}
				// the whole protected domain followed by more: google.com.evil.tk,
				// en-marche.fr.eu.org (a free suffix anyone registers under);
				// not yahoo.com.au, the brand's label under its own suffix in a
				// country (com.au, co.uk: a country domain of the brand itself,
				// judged as a TLD swap)
				if !(start == regStart && countryOf(n.Suffix, b.suffix)) && strings.HasPrefix(s[after:], "."+b.suffix) {
					e := after + 1 + len(b.suffix)
					if e < len(s) && (s[e] == '.' || s[e] == '-') {
						keep(set(bi, "subdomain", 0.9, "%s starts with the protected domain %s but belongs to %s", s, b.domain, n.Reg))
						continue
					}
				}
				switch {
				case start >= regStart && after <= labelEnd:
					// inside the registrable label, with other words
					rest := otherWords(s[regStart:labelEnd], start-regStart, after-regStart)
					switch {
					case len(rest) == 0:
						// the registrable label is the protected name itself
						// (yahoo.com.au): a TLD swap, judged before this
					case allLure(rest) && (!b.common || hasWord(rest)):
						keep(set(bi, "hyphen", 0.85, "%s joins the name %s with the words %s to look like one of its services", n.Reg, b.label, strings.Join(rest, ", ")))
					case !b.common && len(b.label) >= 5:
						keep(set(bi, "hyphen", 0.55, "%s contains the name %s joined with other words (%s)", n.Reg, b.label, strings.Join(rest, ", ")))
					}
				case after <= regStart && !b.common:
					keep(set(bi, "subdomain", 0.7, "%s uses the name %s in front of an unrelated domain, %s", s, b.label, n.Reg))
				}
			}
			start = end + 1
		}
	}
	if found && best.Score >= StrongScore {
		return best, true
	}
	if !hyphenLabel {
		return best, found
	}
	// a misspelled or look-alike protected name among the words:
	// mail-en-march.fr, accounts-micros0ft.com
	toks := strings.Split(n.Label, "-")
	if len(toks) > 12 {
		return best, found
	}
	for k := 1; k <= d.maxToks && k < len(toks); k++ {
		for i := 0; i+k <= len(toks); i++ {
			w := strings.Join(toks[i:i+k], "-")
			ws := skeleton(w)
			rest := append(append([]string{}, toks[:i]...), toks[i+k:]...)
			lure := allLure(rest)
			for _, bi := range d.bySkel[ws] {
				b := &d.brands[bi]
				if b.common && (!lure || !hasWord(rest)) {
					continue
				}
				sc := 0.85
				if !lure {
					sc = 0.55
				}
				keep(set(bi, "hyphen", sc, "%s joins a look-alike of %s (%s) with other words (%s)", n.Reg, b.domain, w, strings.Join(rest, ", ")))
			}
			if !lure || len(ws) >= len(d.byLen)-2 {
				continue
			}
			wm := charMask(ws)
			for l := max(6, len(ws)-1); l <= len(ws)+1; l++ {
				for h := 0; h < 2 && h < len(ws); h++ {
					lb := &d.byLen[l][charIndex(ws[h])]
					for k, bm := range lb.masks {
						if bits.OnesCount32(wm&^bm) > 1 || bits.OnesCount32(bm&^wm) > 1 {
							continue
						}
						bi := lb.ids[k]
						b := &d.brands[bi]
						if distance(ws, b.skel, 1) <= 1 {
							keep(set(bi, "hyphen", 0.8, "%s joins a misspelling of %s (%s) with the words %s", n.Reg, b.label, w, strings.Join(rest, ", ")))
						}
					}
				}
			}
		}
	}
	return best, found
}

// genericLabels are plain words that some providers own as domains; they
// are not brands unless they are the party's own.
var genericLabels = map[string]bool{"mail": true, "cloud": true, "free": true, "docs": true, "drive": true, "post": true, "web": true,
	"online": true, "store": true, "teams": true, "sites": true, "app": true, "email": true}

// hasWord reports whether toks has a word that is not only digits.
func hasWord(toks []string) bool {
	for _, t := range toks {
		if !isDigits(t) {
			return true
		}
	}
	return false
}

// otherWords returns the hyphen-separated words of label outside [i, j).
func otherWords(label string, i, j int) []string {
	var out []string
	for _, part := range []string{label[:i], label[j:]} {
		for _, w := range strings.Split(part, "-") {
			if w != "" {
				out = append(out, w)
			}
		}
	}
	return out
}

// containsTokens reports whether sub occurs in s as whole hyphen-separated
// words.
func containsTokens(s, sub string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], sub)
		if j < 0 {
			return false
		}
		j += i
		e := j + len(sub)
		if (j == 0 || s[j-1] == '-') && (e == len(s) || s[e] == '-') {
			return true
		}
		i = j + 1
	}
}

// charMask has one bit per letter (and one for all digits, one for the
// hyphen) that s contains. One edit adds at most one letter and removes at
// most one, so two names whose masks differ by more than k letters either
// way are more than k edits apart.
func charMask(s string) uint32 {
	var m uint32
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			m |= 1 << (c - 'a')
		case c >= '0' && c <= '9':
			m |= 1 << 26
		case c == '-':
			m |= 1 << 27
		default:
			m |= 1 << 28
		}
	}
	return m
}

// charIndex is the bucket of a skeleton byte: a–z, digits, hyphen, other.
func charIndex(c byte) uint {
	switch {
	case c >= 'a' && c <= 'z':
		return uint(c - 'a')
	case c >= '0' && c <= '9':
		return 26
	case c == '-':
		return 27
	}
	return 28
}

// hist counts the letters of a skeleton (digits, hyphens and the rest in
// three more buckets). One edit changes the counts by at most two in all,
// so names whose counts differ by more than 2k are more than k edits apart.
type hist [32]uint8

func histOf(s string) hist {
	var h hist
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			h[c-'a']++
		case c >= '0' && c <= '9':
			h[26]++
		case c == '-':
			h[27]++
		default:
			h[28]++
		}
	}
	return h
}

func (h *hist) diff(o *hist) int {
	n := 0
	for i := range h {
		d := int(h[i]) - int(o[i])
		if d < 0 {
			d = -d
		}
		n += d
	}
	return n
}

// editKind names the one edit that turns a into b, with dnstwist's names.
func editKind(a, b string) string {
	switch {
	case len(a) == len(b)+1:
		if a == b+"s" || a == b+"es" {
			return "plural"
		}
		for i := 0; i < len(b); i++ {
			if a[i] != b[i] {
				if i > 0 && a[i] == a[i-1] || a[i] == a[i+1] {
					return "repetition"
				}
				return "insertion"
			}
		}
		if a[len(a)-1] == a[len(a)-2] {
			return "repetition"
		}
		return "addition"
	case len(a)+1 == len(b):
		return "omission"
	case len(a) == len(b):
		for i := 0; i < len(a); i++ {
			if a[i] != b[i] {
				if i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] {
					return "transposition"
				}
				if isVowel(a[i]) && isVowel(b[i]) {
					return "vowel-swap"
				}
				if bits.OnesCount8(a[i]^b[i]) == 1 {
					return "bitsquatting"
				}
				return "replacement"
			}
		}
	}
	return "typo"
}

func isVowel(c byte) bool { return strings.IndexByte("aeiouy", c) >= 0 }

func editSentence(kind string) string {
	switch kind {
	case "plural":
		return "an s added at the end"
	case "repetition":
		return "a letter doubled"
	case "insertion", "addition":
		return "a letter added"
	case "omission":
		return "a letter left out"
	case "transposition":
		return "two letters swapped"
	case "vowel-swap":
		return "a vowel changed"
	case "bitsquatting":
		return "a letter one bit away"
	}
	return "a letter replaced"
}

// glyphSwaps describes the look-alike characters of a against b ("0 for
// o, rn for m").
func glyphSwaps(a, b string) string {
	var parts []string
	for _, p := range [][2]string{{"rn", "m"}, {"vv", "w"}, {"cl", "d"}, {"0", "o"}, {"1", "l"}, {"1", "i"}, {"l", "i"}, {"i", "l"}, {"5", "s"}} {
		if strings.Contains(a, p[0]) && !strings.Contains(b, p[0]) && strings.Contains(b, p[1]) {
			parts = append(parts, p[0]+" for "+p[1])
		}
	}
	if len(parts) == 0 {
		return "look-alike letters"
	}
	return strings.Join(parts, ", ")
}

// commonLabels are domain names that are ordinary words: for those only
// the strongest techniques count, so that "office-depot.com" is not a
// look-alike of office.com nor "livechat.com" of live.com.
var commonLabels = map[string]bool{
	"office": true, "live": true, "outlook": true, "windows": true, "azure": true, "apple": true, "amazon": true,
	"chase": true, "orange": true, "free": true, "skype": true, "teams": true, "zoom": true, "drive": true,
	"post": true, "mail": true, "google": false, "docs": true, "sites": true, "cloud": true, "store": true,
	"proton": true, "gmx": true, "citi": true, "yahoo": false, "aol": true, "discord": false, "steam": true,
	// short or ordinary names of the bulk-phished brands: "caixa" is a box,
	// "dpd", "bb", "sg", "nu", "db", "itau" sit one letter away from
	// many real domains
	"caixa": true, "bb": true, "dpd": true, "sg": true, "nu": true, "db": true, "itau": true,
	"kraken": true, "senate": false, "evri": true, "lidl": true, "aldi": true, "ikea": true, "temu": true, "shein": true, "bahn": true, "adac": true, "hsbc": true, "ebay": true, "avast": true,
}

// isLowerASCIIHost reports a name already in the form toASCII returns
// (lower-case letters, digits, hyphens and dots, no punycode), so that the
// common case skips IDNA processing.
func isLowerASCIIHost(h string) bool {
	if h == "" || h[len(h)-1] == '.' || strings.Contains(h, "xn--") {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}
