package hub

import (
	"strings"
	"testing"
	"time"
)

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q", h)
	}
	if !CheckPassword(h, "correct horse battery") || CheckPassword(h, "correct horse batterx") {
		t.Fatal("check")
	}
	if _, err := HashPassword("short"); err == nil {
		t.Fatal("short password accepted")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=99999999,t=1,p=1$AA$AA"} {
		if CheckPassword(bad, "x") {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestTOTP checks the RFC 6238 appendix B vectors (SHA-1, truncated to 6
// digits) and the drift window.
func TestTOTP(t *testing.T) {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890"
	for _, v := range []struct {
		unix int64
		code string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}} {
		got, err := TOTPCode(secret, time.Unix(v.unix, 0))
		if err != nil || got != v.code {
			t.Errorf("at %d: %s, want %s (%v)", v.unix, got, v.code, err)
		}
	}
	now := time.Unix(1234567890, 0)
	code, _ := TOTPCode(secret, now)
	if !CheckTOTP(secret, code, now.Add(29*time.Second)) || !CheckTOTP(secret, code, now.Add(-30*time.Second)) {
		t.Error("drift of one step refused")
	}
	if CheckTOTP(secret, code, now.Add(95*time.Second)) || CheckTOTP(secret, "abcdef", now) || CheckTOTP(secret, "", now) {
		t.Error("bad code accepted")
	}
	uri := TOTPURI("Vigie", "alice", secret)
	if !strings.HasPrefix(uri, "otpauth://totp/Vigie:alice?") || !strings.Contains(uri, "secret="+secret) {
		t.Errorf("uri %s", uri)
	}
}

func TestToken(t *testing.T) {
	tok, hash, prefix := NewToken()
	if !strings.HasPrefix(tok, "vgt_") || len(tok) < 40 || HashToken(tok) != hash || !strings.HasPrefix(tok, prefix) || prefix == tok {
		t.Fatalf("%s %s %s", tok, hash, prefix)
	}
}
