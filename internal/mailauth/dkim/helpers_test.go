//go:debug rsa1024min=0

package dkim

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth"
)

// Test keys are generated once per test binary (RSA generation is slow).
var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	rsaKey2  *rsa.PrivateKey
	rsa512   *rsa.PrivateKey
	edKey    ed25519.PrivateKey
)

func testKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if rsaKey2, err = rsa.GenerateKey(rand.Reader, 1024); err != nil {
			panic(err)
		}
		if rsa512, err = rsa.GenerateKey(rand.Reader, 512); err != nil {
			panic(err)
		}
		_, edKey, _ = ed25519.GenerateKey(rand.Reader)
	})
}

func keyRec(t testing.TB, pub crypto.PublicKey, extra string) string {
	t.Helper()
	r, err := KeyRecord(pub)
	if err != nil {
		t.Fatal(err)
	}
	if extra != "" {
		r = strings.Replace(r, "v=DKIM1; ", "v=DKIM1; "+extra+"; ", 1)
	}
	return r
}

// testResolver publishes the test keys under example.org selectors.
func testResolver(t testing.TB) *mailauth.MapResolver {
	testKeys(t)
	return &mailauth.MapResolver{
		TXT: map[string][]string{
			"rsa._domainkey.example.org":       {keyRec(t, rsaKey.Public(), "")},
			"ed._domainkey.example.org":        {keyRec(t, edKey.Public(), "")},
			"rsa1024._domainkey.example.org":   {keyRec(t, rsaKey2.Public(), "")},
			"weak._domainkey.example.org":      {keyRec(t, rsa512.Public(), "")},
			"only256._domainkey.example.org":   {keyRec(t, rsaKey.Public(), "h=sha256")},
			"testing._domainkey.example.org":   {keyRec(t, rsaKey.Public(), "t=y")},
			"strict._domainkey.example.org":    {keyRec(t, rsaKey.Public(), "t=s")},
			"revoked._domainkey.example.org":   {"v=DKIM1; k=rsa; p="},
			"wrongtype._domainkey.example.org": {keyRec(t, edKey.Public(), "")},
			"esp._domainkey.esp.example":       {keyRec(t, rsaKey.Public(), "")},
			"rsa._domainkey.mail.example.org":  {keyRec(t, rsaKey.Public(), "")},
		},
		Fail: map[string]bool{"down._domainkey.example.org": true},
	}
}

const testMsg = "From: Alice Example <alice@example.org>\r\n" +
	"To: bob@example.net\r\n" +
	"Subject: Budget meeting\r\n" +
	"Date: Fri, 05 May 2017 10:00:00 +0200\r\n" +
	"Message-ID: <1@example.org>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=us-ascii\r\n" +
	"\r\n" +
	"Hello Bob,\r\n" +
	"\r\n" +
	"the meeting moves to  Thursday.\r\n" +
	"\r\n" +
	"Alice\r\n"

var msgTime = time.Date(2017, 5, 5, 8, 0, 0, 0, time.UTC)

// sign signs msg and returns the signed message.
func sign(t testing.TB, msg string, o SignOptions) string {
	t.Helper()
	if o.Domain == "" {
		o.Domain = "example.org"
	}
	if o.Time.IsZero() {
		o.Time = msgTime
	}
	f, err := Sign([]byte(msg), o)
	if err != nil {
		t.Fatal(err)
	}
	return string(f) + msg
}
