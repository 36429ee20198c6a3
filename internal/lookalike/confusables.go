package lookalike

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// confusable maps characters that look like Latin letters or digits to the
// letter they imitate (a subset of Unicode's confusables.txt covering the
// scripts attackers use in domain names: Cyrillic, Greek, Armenian,
// fullwidth and mathematical forms, IPA).
var confusable = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c', 'т': 't',
	'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ї': 'i', 'ј': 'j', 'һ': 'h', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'ɡ': 'g',
	'ӏ': 'l', 'ь': 'b', 'п': 'n', 'г': 'r', 'ц': 'u', 'д': 'd', 'ф': 'o', 'з': '3',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u',
	'χ': 'x', 'ω': 'w', 'γ': 'y', 'μ': 'u',
	// Armenian
	'ա': 'w', 'ց': 'g', 'հ': 'h', 'ո': 'n', 'ս': 'u', 'օ': 'o', 'ք': 'p', 'զ': 'q',
	// Latin look-alikes and IPA
	'ı': 'i', 'ł': 'l', 'ƚ': 'l', 'ɩ': 'i', 'ɑ': 'a', 'ɛ': 'e', 'ɪ': 'i', 'ʟ': 'l', 'ɴ': 'n', 'ʀ': 'r', 'ꜱ': 's',
	'ø': 'o', 'đ': 'd', 'ħ': 'h', 'ß': 'b', 'þ': 'p', 'ŀ': 'l', 'ſ': 'f',
}

// skeleton reduces a label to a form in which look-alike spellings
// coincide: Unicode confusables and diacritics folded to ASCII, then ASCII
// homoglyphs folded ("0"→"o", "1"/"l"/"i"→"l", "rn"→"m", "vv"→"w",
// "cl"→"d").
func skeleton(s string) string {
	var buf [4 * MaxLabelLen]byte
	return string(skeletonTo(buf[:0], s))
}

// skeletonTo appends the skeleton of s to dst; for ASCII input that fits
// dst's capacity it does not allocate.
func skeletonTo(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			var b strings.Builder
			for _, r := range norm.NFKD.String(s) {
				if unicode.Is(unicode.Mn, r) {
					continue
				}
				if c, ok := confusable[unicode.ToLower(r)]; ok {
					r = c
				}
				b.WriteRune(unicode.ToLower(r))
			}
			s = b.String()
			break
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		switch c {
		case '0':
			c = 'o'
		case '1', 'i', '!', '|':
			c = 'l'
		case '5', '$':
			c = 's'
		case '@':
			c = 'a'
		case 'r':
			if i+1 < len(s) && s[i+1] == 'n' {
				c = 'm'
				i++
			}
		case 'v':
			if i+1 < len(s) && s[i+1] == 'v' {
				c = 'w'
				i++
			}
		case 'c':
			if i+1 < len(s) && s[i+1] == 'l' {
				c = 'd'
				i++
			}
		}
		dst = append(dst, c)
	}
	return dst
}

// distance is the optimal-string-alignment edit distance (insertions,
// deletions, substitutions and transpositions of adjacent characters),
// computed only up to max+1 (longer inputs return max+1 early).
func distance(a, b string, max int) int {
	if abs(len(a)-len(b)) > max {
		return max + 1
	}
	if len(a) > 64 || len(b) > 64 {
		if a == b {
			return 0
		}
		return max + 1
	}
	var rows [3][65]int8
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = int8(j)
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = int8(i)
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := int8(1)
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if int(best) > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return int(prev[len(b)])
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
