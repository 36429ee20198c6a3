package lookalike

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Limits of a host name (RFC 1035 §2.3.4): 253 characters written without
// the final dot, 63 per label.
const (
	MaxNameLen  = 253
	MaxLabelLen = 63
)

// Problems a name can have; a *NameError wraps one of them, so that
// callers can count them with errors.Is.
var (
	ErrEmpty        = errors.New("empty name")
	ErrTooLong      = errors.New("name longer than 253 characters")
	ErrLabelTooLong = errors.New("label longer than 63 characters")
	ErrEmptyLabel   = errors.New("empty label (two dots in a row, or a leading dot)")
	ErrBadChar      = errors.New("character not allowed in a host name")
	ErrPunycode     = errors.New("invalid punycode label")
	ErrMixedScript  = errors.New("label mixes writing systems (for example Latin and Cyrillic), a spoofing pattern registries refuse")
	ErrBidi         = errors.New("bidirectional control character (it reorders what people read)")
	ErrNoSuffix     = errors.New("no registrable domain (the name is a public suffix or has no known ending)")
)

// NameError says which name is bad and why.
type NameError struct {
	Name  string // the name as given, cut to 80 characters
	Label string // the offending label, when one
	Err   error  // one of the Err* values above
}

func (e *NameError) Error() string {
	if e.Label != "" {
		return fmt.Sprintf("%q: label %q: %v", e.Name, e.Label, e.Err)
	}
	return fmt.Sprintf("%q: %v", e.Name, e.Err)
}

func (e *NameError) Unwrap() error { return e.Err }

func nameErr(name, label string, err error) error {
	if len(name) > 80 {
		name = name[:77] + "..."
	}
	if len(label) > 40 {
		label = label[:37] + "..."
	}
	return &NameError{Name: name, Label: label, Err: err}
}

// Name is a host name split for matching.
type Name struct {
	ASCII  string // lower case, punycode, no final dot: "xn--ggle-55da.com"
	Reg    string // registrable domain (eTLD+1): "xn--ggle-55da.com"
	Suffix string // public suffix: "com"
	Sub    string // labels left of Reg: "www" ("" when none)
	Label  string // Reg without its suffix, in Unicode: "gооgle"
	// IDN is true when any label was punycode or non-ASCII.
	IDN bool
	// MixedScript is true when a label mixes writing systems; Check then
	// reports the name as an error unless it imitates a protected domain.
	MixedScript bool
}

// ParseName validates a host name and splits it. A leading "*." (a
// certificate wildcard) and a final dot are dropped; upper case is folded.
// Every problem is a *NameError naming the name and the label.
func ParseName(s string) (Name, error) {
	var n Name
	orig := s
	s = strings.TrimPrefix(s, "*.")
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return n, nameErr(orig, "", ErrEmpty)
	}
	if len(s) > MaxNameLen*4 { // before any work: bounded whatever the input
		return n, nameErr(orig, "", ErrTooLong)
	}
	if !isLowerASCIIHost(s) {
		a, idn, err := toASCIIChecked(orig, s)
		if err != nil {
			return n, err
		}
		s = a
		n.IDN = idn
	}
	if len(s) > MaxNameLen {
		return n, nameErr(orig, "", ErrTooLong)
	}
	// labels
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			continue
		}
		l := s[start:i]
		switch {
		case l == "":
			return n, nameErr(orig, "", ErrEmptyLabel)
		case len(l) > MaxLabelLen:
			return n, nameErr(orig, l, ErrLabelTooLong)
		case strings.HasPrefix(l, "xn--"):
			n.IDN = true
			u, err := idna.Lookup.ToUnicode(l)
			if err != nil || u == l || !utf8.ValidString(u) {
				return n, nameErr(orig, l, ErrPunycode)
			}
			if err := checkUnicodeLabel(orig, u); err != nil {
				if errors.Is(err, ErrMixedScript) {
					n.MixedScript = true
				} else {
					return n, err
				}
			}
		}
		start = i + 1
	}
	n.ASCII = s
	// an ending not in the list ("evil.invalid") is its last label
	suffix := publicSuffix(s)
	if suffix == s {
		return n, nameErr(orig, "", ErrNoSuffix)
	}
	n.Suffix = suffix
	rest := s[:len(s)-len(suffix)-1]
	if dot := strings.LastIndexByte(rest, '.'); dot >= 0 {
		n.Sub, n.Label = rest[:dot], rest[dot+1:]
	} else {
		n.Label = rest
	}
	n.Reg = s[len(n.Sub):]
	if n.Sub != "" {
		n.Reg = n.Reg[1:]
	}
	if strings.HasPrefix(n.Label, "xn--") {
		n.Label, _ = idna.Punycode.ToUnicode(n.Label)
	}
	return n, nil
}

// toASCIIChecked folds case, rejects bidi controls and characters that
// have no place in a host name, and turns Unicode labels into punycode.
func toASCIIChecked(orig, s string) (string, bool, error) {
	idn := false
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return "", false, nameErr(orig, "", ErrBadChar)
		case isBidiControl(r):
			return "", false, nameErr(orig, "", ErrBidi)
		case r >= 0x80:
			idn = true
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
		default:
			return "", false, nameErr(orig, "", fmt.Errorf("%w: %q", ErrBadChar, r))
		}
	}
	if !idn {
		return strings.ToLower(s), false, nil
	}
	// check scripts label by label before IDNA mapping hides them
	for _, l := range strings.Split(s, ".") {
		if err := checkUnicodeLabel(orig, l); err != nil && !errors.Is(err, ErrMixedScript) {
			return "", true, err
		}
	}
	a, err := idna.Lookup.ToASCII(s)
	if err != nil {
		return "", true, nameErr(orig, "", fmt.Errorf("%w: %v", ErrPunycode, err))
	}
	return a, true, nil
}

// isBidiControl reports the invisible characters that reorder text: LRM,
// RLM, ALM, the embeddings, overrides and isolates.
func isBidiControl(r rune) bool {
	return r == 0x200E || r == 0x200F || r == 0x061C || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// checkUnicodeLabel refuses bidi controls and reports labels that mix
// scripts, following Unicode's "highly restrictive" profile (UTS #39
// §5.2): one script, or Latin with the Han-based combinations used in
// Chinese, Japanese and Korean.
func checkUnicodeLabel(orig, l string) error {
	var latin, cyr, greek, arm, han, kana, hangul, bopo, other bool
	var otherScript *unicode.RangeTable
	for _, r := range l {
		if isBidiControl(r) {
			return nameErr(orig, l, ErrBidi)
		}
		if r < 0x80 {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
				latin = true
			}
			continue
		}
		switch {
		case unicode.Is(unicode.Latin, r):
			latin = true
		case unicode.Is(unicode.Cyrillic, r):
			cyr = true
		case unicode.Is(unicode.Greek, r):
			greek = true
		case unicode.Is(unicode.Armenian, r):
			arm = true
		case unicode.Is(unicode.Han, r):
			han = true
		case unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
			kana = true
		case unicode.Is(unicode.Hangul, r):
			hangul = true
		case unicode.Is(unicode.Bopomofo, r):
			bopo = true
		case unicode.Is(unicode.Common, r), unicode.Is(unicode.Inherited, r):
		default:
			for _, t := range []*unicode.RangeTable{unicode.Arabic, unicode.Hebrew, unicode.Thai, unicode.Devanagari, unicode.Georgian, unicode.Bengali, unicode.Tamil} {
				if unicode.Is(t, r) {
					if otherScript != nil && otherScript != t {
						return nameErr(orig, l, ErrMixedScript)
					}
					otherScript = t
				}
			}
			other = true
		}
	}
	cjk := han || kana || hangul || bopo
	if cjk {
		latin = false // Latin with Han, kana, Hangul or Bopomofo is allowed
	}
	n := 0
	for _, b := range []bool{latin, cyr, greek, arm, cjk, other} {
		if b {
			n++
		}
	}
	cjkMix := (kana && (hangul || bopo)) || (hangul && bopo)
	if n > 1 || cjkMix {
		return nameErr(orig, l, ErrMixedScript)
	}
	return nil
}
