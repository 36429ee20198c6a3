package hub

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
	"rsc.io/qr"
)

// Password hashing: argon2id, the memory-hard KDF of RFC 9106, with its
// second recommended parameter set scaled for a small server (64 MiB, 3
// passes). The stored form is the PHC string
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
	// MinPasswordLen is the shortest password accepted.
	MinPasswordLen = 12
	// MaxPasswordLen bounds the work an attacker can make the KDF do.
	MaxPasswordLen = 256
)

// HashPassword returns the argon2id hash of password in PHC form. It
// refuses a password that the policy refuses (CheckPasswordPolicy; callers
// that know the user name check it with the name first).
func HashPassword(password string) (string, error) {
	if err := CheckPasswordPolicy(password, ""); err != nil {
		return "", err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// dummyHash is compared against when a user does not exist, so that a
// login takes as long for an unknown name as for a wrong password.
var dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHRzYWx0c2FsdA$0G8Yq9Gp8bQmQ5E2oOZ0tBqS0fK0yAzq7mH3aJk6g9s"

// CheckPassword reports whether password matches the PHC hash.
func CheckPassword(hash, password string) bool {
	if len(password) > MaxPasswordLen {
		return false
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<20 || t > 20 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// RandomPassword returns a password of about 120 bits for first logins.
func RandomPassword() string {
	b := make([]byte, 15)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TokenPrefix starts every API token, so that secret scanners can find
// leaked ones.
const TokenPrefix = "vgt_"

// NewToken returns a fresh API token, its stored hash and its displayable
// prefix. The token is shown once; only the hash is kept.
func NewToken() (token, hash, prefix string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), token[:len(TokenPrefix)+6]
}

// HashToken is the stored form of a token (or a session id). Tokens carry
// 256 random bits, so a fast hash is enough: there is nothing to brute-force.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// TOTP (RFC 6238): HMAC-SHA1, 30-second steps, 6 digits, one step of
// clock drift allowed either way.

// NewTOTPSecret returns a random 160-bit secret in base32, as
// authenticator apps expect.
func NewTOTPSecret() string {
	b := make([]byte, 20)
	rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// TOTPURI is the otpauth:// URI an authenticator app scans.
func TOTPURI(issuer, account, secret string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + v.Encode()
}

// TOTPCode returns the code for secret at t.
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil || len(key) == 0 {
		return "", errors.New("bad TOTP secret")
	}
	return hotp(key, uint64(t.Unix()/30)), nil
}

func hotp(key []byte, counter uint64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1_000_000)
}

// CheckTOTP reports whether code is valid for secret at t (±1 step).
// It does not know which codes were used already: logins use TOTPStep and
// record the step so that a code cannot be replayed.
func CheckTOTP(secret, code string, t time.Time) bool {
	_, ok := TOTPStep(secret, code, t)
	return ok
}

// TOTPStep checks code for secret at t (±1 step) and returns the time step
// it belongs to. A caller records the step and refuses any code of that
// step or an earlier one afterwards (RFC 6238 section 5.2: a verifier must
// not accept the second attempt of the same OTP).
func TOTPStep(secret, code string, t time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	if _, err := strconv.Atoi(code); err != nil {
		return 0, false
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil || len(key) < 10 || allZero(key) {
		return 0, false
	}
	step := t.Unix() / 30
	var found int64
	ok := 0
	for d := int64(-1); d <= 1; d++ {
		eq := subtle.ConstantTimeCompare([]byte(hotp(key, uint64(step+d))), []byte(code))
		if eq == 1 {
			found = step + d
		}
		ok |= eq
	}
	return found, ok == 1
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// TOTPQR returns the otpauth URI as a QR code image (PNG, as a data: URI
// that the hub's Content-Security-Policy allows), for authenticator apps to
// scan.
func TOTPQR(uri string) (string, error) {
	c, err := qr.Encode(uri, qr.M)
	if err != nil {
		return "", fmt.Errorf("QR code: %w", err)
	}
	c.Scale = 6
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(c.PNG()), nil
}
