package hub

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The password policy follows NIST SP 800-63B section 5.1.1.2: a minimum
// length, no composition rules, and a check against passwords that are
// commonly used or expected (a list of common passwords, repetitions and
// keyboard sequences, and the user's own name).

//go:embed commonpasswords.txt
var commonPasswordsTxt string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for line := range strings.SplitSeq(commonPasswordsTxt, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[line] = true
	}
	return m
})

// ErrWeakPassword is wrapped by every refusal of the password policy.
var ErrWeakPassword = errors.New("password refused")

// sequences are runs that people type instead of a password.
var sequences = []string{
	"abcdefghijklmnopqrstuvwxyz", "01234567890", "09876543210",
	"qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn",
	"1qaz2wsx3edc4rfv", "1q2w3e4r5t6y7u8i9o0p", "qazwsxedcrfv",
}

// CheckPasswordPolicy returns an error saying why password may not be used
// by username (which may be empty), or nil. The message is for the person
// choosing the password.
func CheckPasswordPolicy(password, username string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLen {
		return fmt.Errorf("%w: too short, use at least %d characters (a few random words are easiest)", ErrWeakPassword, MinPasswordLen)
	}
	if len(password) > MaxPasswordLen {
		return fmt.Errorf("%w: too long, at most %d characters", ErrWeakPassword, MaxPasswordLen)
	}
	low := strings.ToLower(password)
	distinct := map[rune]bool{}
	for _, r := range low {
		distinct[r] = true
	}
	if len(distinct) < 5 {
		return fmt.Errorf("%w: it repeats a few characters; use a few random words instead", ErrWeakPassword)
	}
	common := commonPasswords()
	squeezed := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, low)
	if common[low] || common[squeezed] {
		return fmt.Errorf("%w: it is one of the most common passwords, the first ones attackers try", ErrWeakPassword)
	}
	// A common word with digits or symbols around it ("Password2024!").
	core := strings.Map(func(r rune) rune {
		if !unicode.IsLetter(r) {
			return -1
		}
		return r
	}, squeezed)
	if core == "" {
		return fmt.Errorf("%w: it has no letters; use a few random words instead", ErrWeakPassword)
	}
	if common[core] || (isRepeat(core) && common[period(core)]) {
		return fmt.Errorf("%w: it is a common password with digits or symbols added, which attackers try early", ErrWeakPassword)
	}
	if isRepeat(squeezed) {
		return fmt.Errorf("%w: it repeats a short pattern; use a few random words instead", ErrWeakPassword)
	}
	for _, seq := range sequences {
		if isSequence(squeezed, seq) {
			return fmt.Errorf("%w: it is a keyboard or alphabet sequence", ErrWeakPassword)
		}
	}
	if u := strings.ToLower(strings.TrimSpace(username)); utf8.RuneCountInString(u) >= 3 && strings.Contains(squeezed, u) {
		return fmt.Errorf("%w: it contains the user name", ErrWeakPassword)
	}
	if strings.Contains(squeezed, "vigie") && utf8.RuneCountInString(squeezed) < 20 {
		return fmt.Errorf("%w: it is built on the name of this service", ErrWeakPassword)
	}
	return nil
}

// isRepeat reports whether s is a shorter string repeated ("abcabcabcabc").
func isRepeat(s string) bool {
	for n := 1; n <= len(s)/2; n++ {
		if len(s)%n == 0 && strings.Repeat(s[:n], len(s)/n) == s {
			return true
		}
	}
	return false
}

// period is the shortest string that, repeated, makes s.
func period(s string) string {
	for n := 1; n <= len(s)/2; n++ {
		if len(s)%n == 0 && strings.Repeat(s[:n], len(s)/n) == s {
			return s[:n]
		}
	}
	return s
}

// isSequence reports whether s runs along seq (forwards or backwards,
// wrapping around), possibly repeated.
func isSequence(s, seq string) bool {
	if len(s) < 6 {
		return false
	}
	ring := strings.Repeat(seq, 1+len(s)/len(seq)+1)
	rev := []rune(ring)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return strings.Contains(ring, s) || strings.Contains(string(rev), s)
}
