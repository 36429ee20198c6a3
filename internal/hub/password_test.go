package hub

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordPolicy(t *testing.T) {
	for _, tc := range []struct {
		pw, user string
		why      string // "" = accepted
	}{
		{"correct horse battery staple", "alice", ""},
		{"a brand new passphrase", "", ""},
		{"Tr0ub4dor&3-lemon-fig", "", ""},
		{"short", "", "too short"},
		{"password1234", "", "common password with digits"},
		{"Password2024!", "", "common password with digits"},
		{"Azertyuiop123", "", "most common"},
		{"123456789012", "", "no letters"},
		{"aaaaaaaaaaaaaaa", "", "repeats"},
		{"abcabcabcabcabc", "", "repeats"},
		{"abcdefghijklmn", "", "sequence"},
		{"poiuytrezaqwerty", "", ""},
		{"marseille-marseille", "", "common password"},
		{"jean-dupont-2027!", "jean-dupont", "user name"},
		{"motdepasse2027", "", "common password with digits"},
		{"vigie-vigie-2027", "", "name of this service"},
	} {
		err := CheckPasswordPolicy(tc.pw, tc.user)
		switch {
		case tc.why == "" && err != nil:
			t.Errorf("%q refused: %v", tc.pw, err)
		case tc.why != "" && err == nil:
			t.Errorf("%q accepted, want refused (%s)", tc.pw, tc.why)
		case err != nil && !errors.Is(err, ErrWeakPassword):
			t.Errorf("%q: error does not wrap ErrWeakPassword: %v", tc.pw, err)
		}
	}
	if _, err := HashPassword("password1234"); err == nil || !strings.Contains(err.Error(), "common") {
		t.Fatalf("HashPassword took a common password: %v", err)
	}
	if n := len(commonPasswords()); n < 3000 {
		t.Fatalf("common password list has %d entries", n)
	}
}
