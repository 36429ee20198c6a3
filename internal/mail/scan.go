package mail

import (
	"unicode"
	"unicode/utf8"
)

// Byte scans that replace regular expressions on the message text: the
// text of every message is searched for web addresses and forward markers,
// and Go's regular expressions, which have no literal prefix to skip to
// when the pattern is case-insensitive, cost more there than the rest of
// the checks. Each scan finds exactly what its expression found (the tests
// compare them, fuzzing included).

// isSpace is the regular expressions' \s: ASCII blanks.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// isWordByte is the regular expressions' \w: an ASCII letter or digit, or
// an underscore.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// foldPrefix returns the length in bytes of the prefix of s that equals
// lit ignoring case (Unicode simple folding, as (?i) does: "ſ" is an "s"),
// or -1.
func foldPrefix(s, lit string) int {
	i := 0
	for _, lr := range lit {
		if i >= len(s) {
			return -1
		}
		c := s[i]
		if c < utf8.RuneSelf && lr < utf8.RuneSelf {
			if c != byte(lr) && lower(c) != lower(byte(lr)) {
				return -1
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !foldEq(r, lr) {
			return -1
		}
		i += n
	}
	return i
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// foldEq reports whether r and l are the same letter ignoring case.
func foldEq(r, l rune) bool {
	if r == l {
		return true
	}
	for f := unicode.SimpleFold(l); f != l; f = unicode.SimpleFold(f) {
		if f == r {
			return true
		}
	}
	return false
}

// urlStart returns the length of "http://", "https://" or "www." (any
// case) at s[i:], when a word starts there, or -1.
func urlStart(s string, i int) int {
	if i > 0 && isWordByte(s[i-1]) {
		return -1
	}
	switch s[i] {
	case 'h', 'H':
		if n := foldPrefix(s[i:], "http"); n > 0 {
			j := i + n
			if m := foldPrefix(s[j:], "s"); m > 0 {
				if k := foldPrefix(s[j+m:], "://"); k > 0 {
					return n + m + k
				}
			}
			if k := foldPrefix(s[j:], "://"); k > 0 {
				return n + k
			}
		}
	case 'w', 'W':
		return foldPrefix(s[i:], "www.")
	}
	return -1
}

// eachURL calls fn with each web address written in s — "http://",
// "https://" or "www." at the start of a word, up to the first byte for
// which stop is true — at most max of them, leftmost first and without
// overlap.
func eachURL(s string, max int, stop func(byte) bool, fn func(start, end int)) {
	found := 0
	for i := 0; i < len(s) && found < max; i++ {
		c := s[i]
		if c != 'h' && c != 'H' && c != 'w' && c != 'W' {
			continue
		}
		n := urlStart(s, i)
		if n < 0 {
			continue
		}
		j := i + n
		for j < len(s) && !stop(s[j]) {
			j++
		}
		if j == i+n { // the expressions want at least one byte more
			continue
		}
		fn(i, j)
		found++
		i = j - 1
	}
}

// linkStop ends a web address written in text: a blank, <, >, quotes, ")"
// or "]".
func linkStop(c byte) bool {
	return isSpace(c) || c == '<' || c == '>' || c == '"' || c == '\'' || c == ')' || c == ']'
}

// withoutURLs replaces each web address of s (up to the next blank) by a
// space.
func withoutURLs(s string) string {
	var out []byte
	last := 0
	eachURL(s, len(s), isSpace, func(start, end int) {
		if out == nil {
			out = make([]byte, 0, len(s))
		}
		out = append(out, s[last:start]...)
		out = append(out, ' ')
		last = end
	})
	if out == nil {
		return s
	}
	return string(append(out, s[last:]...))
}
