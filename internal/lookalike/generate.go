package lookalike

import (
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

// Candidate is one name an attacker could register to imitate a domain.
type Candidate struct {
	Name      string `json:"name"`      // in ASCII (punycode for IDN): "xn--ggle-55da.com"
	Technique string `json:"technique"` // the fuzzer that made it: "omission", "combo", "tld-swap" ...
	Base      string `json:"base"`      // the protected domain it imitates
}

// Fuzzers are the techniques Generate knows, in the order it runs them:
// dnstwist's (addition ... tld-swap, various) and those real campaigns
// used that dnstwist misses (plural, combo, combo-edit, two-edits,
// flattened-subdomain, combo-tld).
var Fuzzers = []string{
	"plural", "addition", "bitsquatting", "cyrillic", "homoglyph", "hyphenation", "insertion", "omission", "repetition",
	"replacement", "subdomain", "transposition", "vowel-swap", "dictionary", "tld-swap", "various",
	"combo", "combo-edit", "two-edits", "flattened-subdomain", "combo-tld",
}

// GenOptions tune Generate. The zero value generates every technique
// except combo-tld, with the built-in word list and the whole list of
// top-level domains.
type GenOptions struct {
	// Dictionary are the words of the dictionary fuzzer (dnstwist's
	// --dictionary); none, none made (the combo fuzzer uses Words).
	Dictionary []string
	// TLDs are the endings of tld-swap (dnstwist's --tld); nil means every
	// top-level domain (TLDs).
	TLDs []string
	// ComboTLDs are the endings, besides the domain's own, under which
	// combinations are written; nil means DefaultComboTLDs.
	ComboTLDs []string
	// Fuzzers restricts the techniques (names from Fuzzers); nil means
	// all but combo-tld.
	Fuzzers []string
	// MaxDedup bounds the memory used to drop repeated names (default
	// 2,000,000 names); past it, a name made by two techniques may be
	// written twice.
	MaxDedup int
}

// DefaultComboTLDs are the endings attackers used most for campaign
// look-alikes besides the party's own.
var DefaultComboTLDs = []string{"com", "net", "org", "fr", "eu", "info", "online", "site", "de", "co", "io", "app"}

// coreLure are the log-in words the combo-tld fuzzer writes under every
// ending: adfs-senate.services.
var coreLure = []string{"mail", "webmail", "login", "account", "accounts", "my", "sso", "adfs", "portal", "secure", "owa", "vpn", "office", "onedrive", "compte", "connexion"}

//go:embed tlds.txt
var tldData string

// TLDsDate is the date of the embedded list of top-level domains.
var TLDsDate string

// TLDs are the top-level domains of the root zone (embedded, IANA's list
// of TLDsDate), in ASCII (punycode for IDN TLDs).
var TLDs = func() []string {
	var out []string
	for _, l := range strings.Split(tldData, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "# date:") {
			TLDsDate = strings.TrimSpace(strings.TrimPrefix(l, "# date:"))
		}
		if l == "" || l[0] == '#' {
			continue
		}
		if a, err := idna.ToASCII(l); err == nil {
			out = append(out, a)
		}
	}
	return out
}()

// keyboards are the neighbouring keys on QWERTY, QWERTZ and AZERTY
// layouts (as dnstwist).
var keyboards = []map[byte]string{
	{'1': "2q", '2': "3wq1", '3': "4ew2", '4': "5re3", '5': "6tr4", '6': "7yt5", '7': "8uy6", '8': "9iu7", '9': "0oi8", '0': "po9",
		'q': "12wa", 'w': "3esaq2", 'e': "4rdsw3", 'r': "5tfde4", 't': "6ygfr5", 'y': "7uhgt6", 'u': "8ijhy7", 'i': "9okju8", 'o': "0plki9", 'p': "lo0",
		'a': "qwsz", 's': "edxzaw", 'd': "rfcxse", 'f': "tgvcdr", 'g': "yhbvft", 'h': "ujnbgy", 'j': "ikmnhu", 'k': "olmji", 'l': "kop",
		'z': "asx", 'x': "zsdc", 'c': "xdfv", 'v': "cfgb", 'b': "vghn", 'n': "bhjm", 'm': "njk"},
	{'1': "2q", '2': "3wq1", '3': "4ew2", '4': "5re3", '5': "6tr4", '6': "7zt5", '7': "8uz6", '8': "9iu7", '9': "0oi8", '0': "po9",
		'q': "12wa", 'w': "3esaq2", 'e': "4rdsw3", 'r': "5tfde4", 't': "6zgfr5", 'z': "7uhgt6", 'u': "8ijhz7", 'i': "9okju8", 'o': "0plki9", 'p': "lo0",
		'a': "qwsy", 's': "edxyaw", 'd': "rfcxse", 'f': "tgvcdr", 'g': "zhbvft", 'h': "ujnbgz", 'j': "ikmnhu", 'k': "olmji", 'l': "kop",
		'y': "asx", 'x': "ysdc", 'c': "xdfv", 'v': "cfgb", 'b': "vghn", 'n': "bhjm", 'm': "njk"},
	{'1': "2a", '2': "3za1", '3': "4ez2", '4': "5re3", '5': "6tr4", '6': "7yt5", '7': "8uy6", '8': "9iu7", '9': "0oi8", '0': "po9",
		'a': "2zq1", 'z': "3esqa2", 'e': "4rdsz3", 'r': "5tfde4", 't': "6ygfr5", 'y': "7uhgt6", 'u': "8ijhy7", 'i': "9okju8", 'o': "0plki9", 'p': "lo0m",
		'q': "zswa", 's': "edxwqz", 'd': "rfcxse", 'f': "tgvcdr", 'g': "yhbvft", 'h': "ujnbgy", 'j': "iknhu", 'k': "olji", 'l': "kopm", 'm': "lp",
		'w': "sxq", 'x': "wsdc", 'c': "xdfv", 'v': "cfgb", 'b': "vghn", 'n': "bhj"},
}

// asciiGlyphs are look-alikes written with ASCII only (any ending).
var asciiGlyphs = map[rune][]string{
	'0': {"o"}, '1': {"l", "i"}, '3': {"8"}, '6': {"9"}, '8': {"3"}, '9': {"6"},
	'b': {"d", "lb"}, 'c': {"e"}, 'd': {"b", "cl", "dl"}, 'e': {"c"}, 'g': {"q"}, 'h': {"lh"}, 'i': {"1", "l"},
	'k': {"lk", "ik", "lc"}, 'l': {"1", "i"}, 'm': {"n", "nn", "rn", "rr"}, 'n': {"m", "r"}, 'o': {"0"}, 'q': {"g"}, 'w': {"vv"},
}

// idnGlyphs are non-ASCII look-alikes (dnstwist's table); each is used
// only under endings whose registry accepts it (idnTable).
var idnGlyphs = map[rune]string{
	'2': "ƻ", '5': "ƽ",
	'a': "àáâãäåɑạǎăȧąə", 'b': "ʙɓḃḅḇƅ", 'c': "ƈċćçčĉᴄ", 'd': "ɗđďɖḑḋḍḏḓ", 'e': "éèêëēĕěėẹęȩɇḛ", 'f': "ƒḟ",
	'g': "ɢɡġğǵģĝǧǥ", 'h': "ĥȟħɦḧḩⱨḣḥḫẖ", 'i': "íìïıɩǐĭỉịɨȋīɪ", 'j': "ʝǰɉĵ", 'k': "ḳḵⱪķᴋ", 'l': "ɫł",
	'm': "ṁṃᴍɱḿ", 'n': "ńṅṇṉñņǹňꞑ", 'o': "ȯọỏơóöᴏ", 'p': "ƿƥṕṗ", 'q': "ʠ", 'r': "ʀɼɽŕŗřɍɾȓȑṙṛṟ",
	's': "ʂśṣṡșŝšꜱ", 't': "ţŧṫṭțƫ", 'u': "ᴜǔŭüʉùúûũūųưůűȕȗụ", 'v': "ṿⱱᶌṽⱴᴠ", 'w': "ŵẁẃẅⱳẇẉẘᴡ",
	'x': "ẋẍ", 'y': "ʏýÿŷƴȳɏỿẏỵ", 'z': "ʐżźᴢƶẓẕⱬ",
}

// latinToCyrillic are the Cyrillic letters that read as Latin ones
// (dnstwist's cyrillic fuzzer).
var latinToCyrillic = map[rune]rune{
	'a': 'а', 'b': 'ь', 'c': 'с', 'd': 'ԁ', 'e': 'е', 'g': 'ԍ', 'h': 'һ', 'i': 'і', 'j': 'ј', 'k': 'к', 'l': 'ӏ',
	'm': 'м', 'o': 'о', 'p': 'р', 'q': 'ԛ', 's': 'ѕ', 't': 'т', 'v': 'ѵ', 'w': 'ԝ', 'x': 'х', 'y': 'у',
}

// idnScripts says which characters a registry accepts in its names (its
// IDN table, simplified to what matters for look-alikes).
type idnScripts uint8

const (
	idnNone     idnScripts = 0
	idnFrench   idnScripts = 1 << iota // the letters AFNIC accepts under .fr: à á â ã ä å æ ç è é ê ë ì í î ï ñ ò ó ô õ ö ù ú û ü ý ÿ œ ß
	idnLatin                           // Latin letters with diacritics and IPA
	idnCyrillic                        // Cyrillic
	idnGreek                           // Greek
)

const frenchLetters = "àáâãäåæçèéêëìíîïñòóôõöùúûüýÿœß"

// idnTable returns the scripts the registry of tld accepts. Generic
// endings (Verisign's .com/.net, most new gTLDs) take each script alone;
// country endings take their languages; some take no IDN at all.
func idnTable(tld string) idnScripts {
	switch tld {
	case "gov", "edu", "mil", "int", "arpa", "us", "uk", "au", "nz", "ie", "za", "in", "jp", "cn", "kr", "tw", "ly", "to", "tv", "cc", "io", "ai", "co", "me": // no IDN
		return idnNone
	case "fr", "re", "pm", "tf", "wf", "yt", "ca", "be", "lu":
		return idnFrench
	case "de", "at", "ch", "li", "nl", "dk", "se", "no", "fi", "is", "pl", "cz", "sk", "hu", "ro", "pt", "es", "it", "lt", "lv", "ee", "si", "hr", "tr", "br", "ar", "cl", "mx", "pe":
		return idnLatin | idnFrench
	case "ru", "su", "by", "ua", "kz", "bg", "mk", "xn--p1ai", "xn--90ais", "xn--j1amh", "xn--80ao21a", "xn--90a3ac", "xn--d1alf":
		return idnCyrillic
	case "gr", "cy", "xn--qxam":
		return idnGreek
	case "rs", "ba":
		return idnLatin | idnCyrillic
	case "eu":
		return idnFrench | idnLatin | idnCyrillic | idnGreek
	}
	if len(tld) == 2 {
		return idnNone // other country endings: ASCII only unless listed
	}
	return idnFrench | idnLatin | idnCyrillic | idnGreek
}

// allowedUnder reports whether a Unicode label can be registered under
// an ending with these scripts: every non-ASCII letter accepted, one
// script only, and valid for IDNA.
func (t idnScripts) allows(label string) bool {
	for _, r := range label {
		if r < 0x80 {
			continue
		}
		switch {
		case strings.ContainsRune(frenchLetters, r):
			if t&(idnFrench|idnLatin) == 0 {
				return false
			}
		case unicode.Is(unicode.Latin, r):
			if t&idnLatin == 0 {
				return false
			}
		case unicode.Is(unicode.Cyrillic, r):
			if t&idnCyrillic == 0 {
				return false
			}
		case unicode.Is(unicode.Greek, r):
			if t&idnGreek == 0 {
				return false
			}
		default:
			return false
		}
	}
	return checkUnicodeLabel("", label) == nil
}

// errStop ends generation early without an error (the limit was reached).
var errStop = errors.New("stop")

// generator holds one run of Generate.
type generator struct {
	base     string // the protected domain
	label    string // "en-marche" (Unicode)
	suffix   string // "fr"
	idn      idnScripts
	emitFn   func(Candidate) error
	seen     map[string]struct{}
	maxDedup int
	buf      []byte
}

// Generate writes, through emit, every candidate name imitating domain,
// with its technique. Names are streamed as they are made; memory stays
// bounded (MaxDedup) whatever the domain and the number of names. emit's
// error stops generation and is returned (ErrStop stops it cleanly).
func Generate(domain string, opt GenOptions, emit func(Candidate) error) error {
	n, err := ParseName(domain)
	if err != nil {
		return err
	}
	g := &generator{base: n.Reg, label: n.Label, suffix: n.Suffix, emitFn: emit, seen: map[string]struct{}{}, maxDedup: opt.MaxDedup}
	if g.maxDedup <= 0 {
		g.maxDedup = 2_000_000
	}
	g.idn = idnTable(lastLabel(n.Suffix))
	want := map[string]bool{}
	for _, f := range opt.Fuzzers {
		want[f] = true
	}
	for _, f := range opt.Fuzzers {
		if !contains(Fuzzers, f) {
			return fmt.Errorf("unknown technique %q (known: %s)", f, strings.Join(Fuzzers, ", "))
		}
	}
	on := func(f string) bool {
		if len(want) == 0 {
			return f != "combo-tld"
		}
		return want[f]
	}
	dict := opt.Dictionary
	tlds := opt.TLDs
	if tlds == nil {
		tlds = TLDs
	}
	comboTLDs := opt.ComboTLDs
	if comboTLDs == nil {
		comboTLDs = DefaultComboTLDs
	}
	err = g.run(n, on, dict, tlds, comboTLDs)
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

// ErrStop, returned by an emit function, stops Generate without error.
var ErrStop = errStop

func (g *generator) run(n Name, on func(string) bool, dict, tlds, comboTLDs []string) error {
	l := g.label
	steps := []struct {
		name string
		fn   func(string, func(string) error) error
	}{
		{"plural", plural}, {"addition", addition}, {"bitsquatting", bitsquatting}, {"cyrillic", g.cyrillic}, {"homoglyph", g.homoglyph},
		{"hyphenation", hyphenation}, {"insertion", insertion}, {"omission", omission}, {"repetition", repetition},
		{"replacement", replacement}, {"subdomain", subdomainSplit}, {"transposition", transposition},
		{"vowel-swap", vowelSwap},
	}
	for _, s := range steps {
		if !on(s.name) {
			continue
		}
		tech := s.name
		if err := s.fn(l, func(v string) error { return g.emit(v, g.suffix, tech) }); err != nil {
			return err
		}
	}
	if on("dictionary") && len(dict) > 0 {
		if err := dictionary(l, dict, func(v string) error { return g.emit(v, g.suffix, "dictionary") }); err != nil {
			return err
		}
	}
	if on("tld-swap") {
		for _, t := range tlds {
			if t != g.suffix {
				if err := g.emit(l, t, "tld-swap"); err != nil {
					return err
				}
			}
		}
	}
	if on("various") {
		if err := g.various(n); err != nil {
			return err
		}
	}
	if on("combo") {
		for _, t := range append([]string{g.suffix}, comboTLDs...) {
			if err := combos(l, Words, true, func(v string) error { return g.emit(v, t, "combo") }); err != nil {
				return err
			}
		}
	}
	if on("combo-edit") {
		// a misspelled name with a word: mail-en-march.fr
		err := cheapEdits(l, func(v string) error {
			return combos(v, Words, false, func(c string) error { return g.emit(c, g.suffix, "combo-edit") })
		})
		if err != nil {
			return err
		}
	}
	if on("two-edits") {
		err := cheapEdits(l, func(v string) error {
			return cheapEdits(v, func(w string) error { return g.emit(w, g.suffix, "two-edits") })
		})
		if err != nil {
			return err
		}
	}
	if on("flattened-subdomain") && n.Sub != "" && n.Sub != "www" {
		// accounts.google.com → accounts-google.com, accountsgoogle.com,
		// and their one-letter misspellings (accoounts-google.com)
		flat := strings.ReplaceAll(n.Sub, ".", "-") + "-" + l
		glued := strings.ReplaceAll(n.Sub, ".", "") + l
		for _, f := range []string{flat, glued} {
			if err := g.emit(f, g.suffix, "flattened-subdomain"); err != nil {
				return err
			}
			if err := cheapEdits(f, func(v string) error { return g.emit(v, g.suffix, "flattened-subdomain") }); err != nil {
				return err
			}
			for _, t := range comboTLDs {
				if err := g.emit(f, t, "flattened-subdomain"); err != nil {
					return err
				}
			}
		}
	}
	if on("combo-tld") {
		for _, t := range tlds {
			if err := combos(l, coreLure, false, func(v string) error { return g.emit(v, t, "combo-tld") }); err != nil {
				return err
			}
		}
	}
	return nil
}

// emit validates label.suffix as a registrable name (punycode for
// Unicode labels the ending accepts) and passes it on once.
func (g *generator) emit(label, suffix, tech string) error {
	if label == "" || len(label) > 4*MaxLabelLen {
		return nil
	}
	ascii := true
	for i := 0; i < len(label); i++ {
		c := label[i]
		if c >= 0x80 {
			ascii = false
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return nil
		}
	}
	if !ascii {
		if strings.IndexByte(label, '.') >= 0 || !idnTable(lastLabel(suffix)).allows(label) {
			return nil
		}
		a, err := idna.Lookup.ToASCII(label)
		if err != nil {
			return nil
		}
		label = a
	}
	// each label: no leading or trailing hyphen, no "--" in 3rd-4th
	// position unless punycode, at most 63 bytes
	for _, part := range strings.Split(label, ".") {
		if part == "" || len(part) > MaxLabelLen || part[0] == '-' || part[len(part)-1] == '-' ||
			(len(part) >= 4 && part[2] == '-' && part[3] == '-' && !strings.HasPrefix(part, "xn--")) {
			return nil
		}
		if ascii && strings.HasPrefix(part, "xn--") {
			// an edit that made "xn--" must also make valid punycode
			if u, err := idna.Lookup.ToUnicode(part); err != nil || u == part {
				return nil
			}
		}
	}
	g.buf = append(append(append(g.buf[:0], label...), '.'), suffix...)
	if len(g.buf) > MaxNameLen {
		return nil
	}
	if _, dup := g.seen[string(g.buf)]; dup {
		return nil
	}
	name := string(g.buf)
	if name == g.base || publicSuffix(name) == name {
		return nil // the name itself, or a name no one can register (*.ck)
	}
	if len(g.seen) < g.maxDedup {
		g.seen[name] = struct{}{}
	}
	return g.emitFn(Candidate{Name: name, Technique: tech, Base: g.base})
}

func lastLabel(s string) string { return s[strings.LastIndexByte(s, '.')+1:] }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func addition(l string, f func(string) error) error {
	for _, c := range "0123456789abcdefghijklmnopqrstuvwxyz" {
		if err := f(l + string(c)); err != nil {
			return err
		}
	}
	return nil
}

func bitsquatting(l string, f func(string) error) error {
	for i := 0; i < len(l); i++ {
		for m := byte(1); m != 0; m <<= 1 {
			b := l[i] ^ m
			if b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' {
				if err := f(l[:i] + string(b) + l[i+1:]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (g *generator) cyrillic(l string, f func(string) error) error {
	var b strings.Builder
	for _, r := range l {
		c, ok := latinToCyrillic[r]
		if !ok {
			return nil // dnstwist: only when every letter has a Cyrillic twin
		}
		b.WriteRune(c)
	}
	return f(b.String())
}

// homoglyph replaces one character, every occurrence of one character,
// or two characters with look-alikes: ASCII ones under any ending,
// others only where the registry's IDN table accepts them.
func (g *generator) homoglyph(l string, f func(string) error) error {
	rs := []rune(l)
	glyphs := func(r rune) []string {
		out := asciiGlyphs[r]
		if g.idn != idnNone {
			for _, x := range idnGlyphs[r] {
				out = append(out, string(x))
			}
		}
		return out
	}
	sub := func(i int, gl string) string { return string(rs[:i]) + gl + string(rs[i+1:]) }
	for i, r := range rs {
		for _, gl := range glyphs(r) {
			if err := f(sub(i, gl)); err != nil {
				return err
			}
			// every occurrence
			if strings.Count(l, string(r)) > 1 {
				if err := f(strings.ReplaceAll(l, string(r), gl)); err != nil {
					return err
				}
			}
		}
	}
	// two characters
	for i := range rs {
		for _, gi := range glyphs(rs[i]) {
			for j := i + 1; j < len(rs); j++ {
				for _, gj := range glyphs(rs[j]) {
					if err := f(string(rs[:i]) + gi + string(rs[i+1:j]) + gj + string(rs[j+1:])); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func hyphenation(l string, f func(string) error) error {
	for i := 1; i < len(l); i++ {
		if err := f(l[:i] + "-" + l[i:]); err != nil {
			return err
		}
	}
	return nil
}

func insertion(l string, f func(string) error) error {
	for i := 1; i < len(l)-1; i++ {
		for _, kb := range keyboards {
			for _, c := range []byte(kb[l[i]]) {
				if err := f(l[:i] + string(c) + l[i:]); err != nil {
					return err
				}
				if err := f(l[:i+1] + string(c) + l[i+1:]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func omission(l string, f func(string) error) error {
	for i := 0; i < len(l); i++ {
		if err := f(l[:i] + l[i+1:]); err != nil {
			return err
		}
	}
	return nil
}

func repetition(l string, f func(string) error) error {
	for i := 0; i < len(l); i++ {
		if err := f(l[:i] + string(l[i]) + l[i:]); err != nil {
			return err
		}
	}
	return nil
}

func replacement(l string, f func(string) error) error {
	for i := 0; i < len(l); i++ {
		for _, kb := range keyboards {
			for _, c := range []byte(kb[l[i]]) {
				if err := f(l[:i] + string(c) + l[i+1:]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func subdomainSplit(l string, f func(string) error) error {
	for i := 1; i < len(l)-1; i++ {
		if l[i] != '-' && l[i-1] != '-' {
			if err := f(l[:i] + "." + l[i:]); err != nil {
				return err
			}
		}
	}
	return nil
}

func transposition(l string, f func(string) error) error {
	for i := 0; i+1 < len(l); i++ {
		if l[i] != l[i+1] {
			if err := f(l[:i] + string(l[i+1]) + string(l[i]) + l[i+2:]); err != nil {
				return err
			}
		}
	}
	return nil
}

func vowelSwap(l string, f func(string) error) error {
	for i := 0; i < len(l); i++ {
		if !strings.ContainsRune("aeiou", rune(l[i])) {
			continue
		}
		for _, v := range "aeiou" {
			if byte(v) != l[i] {
				if err := f(l[:i] + string(v) + l[i+1:]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// plural adds or removes a final s: actblues.com.
func plural(l string, f func(string) error) error {
	if strings.HasSuffix(l, "s") && len(l) > 3 {
		if err := f(l[:len(l)-1]); err != nil {
			return err
		}
	}
	if err := f(l + "s"); err != nil {
		return err
	}
	if strings.HasSuffix(l, "s") || strings.HasSuffix(l, "x") || strings.HasSuffix(l, "ch") {
		return f(l + "es")
	}
	return nil
}

// dictionary is dnstwist's: each word before and after the name, with
// and without hyphen, and in place of the first or last part of a
// hyphenated name.
func dictionary(l string, words []string, f func(string) error) error {
	if err := combos(l, words, true, f); err != nil {
		return err
	}
	if parts := strings.Split(l, "-"); len(parts) > 1 {
		for _, w := range words {
			if err := f(strings.Join(parts[:len(parts)-1], "-") + "-" + w); err != nil {
				return err
			}
			if err := f(w + "-" + strings.Join(parts[1:], "-")); err != nil {
				return err
			}
		}
	}
	return nil
}

// combos writes each word on both sides of the name, with a hyphen and,
// when glued is set, without.
func combos(l string, words []string, glued bool, f func(string) error) error {
	for _, w := range words {
		if w == l {
			continue
		}
		forms := [4]string{w + "-" + l, l + "-" + w}
		if glued {
			forms[2], forms[3] = w+l, l+w
		}
		for _, v := range forms {
			if v == "" {
				continue
			}
			if err := f(v); err != nil {
				return err
			}
		}
	}
	return nil
}

// cheapEdits are the one-letter misspellings people miss most:
// omission, repetition, transposition, vowel swap, ASCII look-alikes.
func cheapEdits(l string, f func(string) error) error {
	for _, fn := range []func(string, func(string) error) error{omission, repetition, transposition, vowelSwap} {
		if err := fn(l, f); err != nil {
			return err
		}
	}
	for i := 0; i < len(l); i++ {
		for _, gl := range asciiGlyphs[rune(l[i])] {
			if err := f(l[:i] + gl + l[i+1:]); err != nil {
				return err
			}
		}
	}
	return nil
}

// various are dnstwist's extra forms: the ending glued to the name
// (enmarchefr.fr, en-marche-fr.com), the last part of a two-part ending.
func (g *generator) various(n Name) error {
	l, t := g.label, g.suffix
	flatT := strings.ReplaceAll(t, ".", "")
	forms := [][2]string{{l + flatT, t}}
	if strings.Contains(t, ".") {
		forms = append(forms, [2]string{l, lastLabel(t)})
	} else if t != "com" {
		forms = append(forms, [2]string{l + "-" + t, "com"})
	}
	for _, fm := range forms {
		if err := g.emit(fm[0], fm[1], "various"); err != nil {
			return err
		}
	}
	return nil
}

// Stats counts candidates per technique.
type Stats map[string]int

// Sorted returns the techniques in Fuzzers order with their counts.
func (s Stats) Sorted() [][2]string {
	var out [][2]string
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.SliceStable(keys, func(i, j int) bool { return indexOf(Fuzzers, keys[i]) < indexOf(Fuzzers, keys[j]) })
	for _, k := range keys {
		out = append(out, [2]string{k, fmt.Sprint(s[k])})
	}
	return out
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return len(list)
}
