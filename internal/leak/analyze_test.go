package leak

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestHasARC: an ARC set is seen in the header section only, whatever the
// case, line ends or place of the field.
func TestHasARC(t *testing.T) {
	tests := []struct {
		raw  string
		want bool
	}{
		{"ARC-Seal: i=1; a=rsa-sha256\r\nFrom: a\r\n\r\nbody", true},
		{"From: a\nArc-seal : i=1\n\nbody", true},
		{"From a@b Fri May  5 10:00:00 2017\nFrom: a\nARC-Seal: i=1\n\nbody", true},
		{"From: a\r\n\r\nARC-Seal: i=1 (in the body)\r\n", false},
		{"From: a\r\nX-ARC-Seal-Copy: no\r\n\r\n", false},
	}
	for _, tt := range tests {
		if got := hasARC([]byte(tt.raw)); got != tt.want {
			t.Errorf("hasARC(%q) = %v, want %v", tt.raw, got, tt.want)
		}
	}
}

// TestBodySum: the body's SHA-256 with LF line ends, whether the message
// was stored with CRLF or LF.
func TestBodySum(t *testing.T) {
	sum := sha256.Sum256([]byte("line 1\nline 2\n"))
	want := hex.EncodeToString(sum[:])
	for _, raw := range []string{"Subject: x\r\n\r\nline 1\r\nline 2\r\n", "Subject: x\n\nline 1\nline 2\n"} {
		if got := bodySum([]byte(raw)); got != want {
			t.Errorf("bodySum(%q) = %s, want %s", raw, got, want)
		}
	}
	if got := bodySum([]byte("Subject: x\r\n")); got != "" {
		t.Errorf("no body: %q", got)
	}
}
