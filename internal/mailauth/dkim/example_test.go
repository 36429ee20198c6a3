package dkim_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/dkim"
)

const message = "From: Alice <alice@example.org>\r\n" +
	"To: bob@example.net\r\n" +
	"Subject: Budget\r\n" +
	"Date: Fri, 05 May 2017 10:00:00 +0200\r\n" +
	"\r\n" +
	"The meeting moves to Thursday.\r\n"

// signed returns message signed by example.org with an Ed25519 key, and
// a resolver publishing that key.
func signed(o dkim.SignOptions) (string, *mailauth.MapResolver) {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)) // a fixed test key
	o.Domain, o.Selector, o.Signer = "example.org", "ed2017", key
	o.Time = time.Date(2017, 5, 5, 8, 0, 0, 0, time.UTC)
	sig, err := dkim.Sign([]byte(message), o)
	if err != nil {
		panic(err)
	}
	rec, _ := dkim.KeyRecord(key.Public())
	return string(sig) + message, &mailauth.MapResolver{TXT: map[string][]string{"ed2017._domainkey.example.org": {rec}}}
}

func ExampleVerify() {
	msg, resolver := signed(dkim.SignOptions{})
	for _, r := range dkim.Verify(context.Background(), []byte(msg), dkim.Options{Resolver: resolver}) {
		fmt.Println(r.Result, r.Domain, r.Selector, r.Algorithm, "aligned:", r.FromAligned)
	}

	tampered := strings.Replace(msg, "Thursday", "Friday", 1)
	for _, r := range dkim.Verify(context.Background(), []byte(tampered), dkim.Options{Resolver: resolver}) {
		fmt.Println(r.Result, r.Reason)
	}
	// Output:
	// pass example.org ed2017 ed25519-sha256 aligned: true
	// fail body-hash-mismatch
}

func ExampleForensic() {
	msg, resolver := signed(dkim.SignOptions{BodyLength: true})
	// Someone appends a line after the signed length (l=).
	msg += "P.S. Please wire the deposit to the new account.\r\n"
	rep := dkim.VerifyMessage(context.Background(), []byte(msg), dkim.Options{Resolver: resolver, JudgeAt: dkim.JudgeMessageDate})
	v := dkim.Forensic(rep)
	fmt.Println(v.Kind)
	for _, c := range v.Caveats {
		fmt.Println("-", c)
	}
	// Output:
	// authentic-with-caveats
	// - l=32: 50 canonical body bytes after the signed length are not covered: anyone could have appended them
}

func ExampleForensic_altered() {
	msg, resolver := signed(dkim.SignOptions{})
	msg = strings.Replace(msg, "Subject: Budget", "Subject: Resignation", 1)
	v := dkim.Forensic(dkim.VerifyMessage(context.Background(), []byte(msg), dkim.Options{Resolver: resolver}))
	fmt.Println(v.Kind, v.AlteredParts)
	fmt.Println(v.Altered[1])
	// Output:
	// altered [headers]
	//   a signed field among: From, To, Subject, Date, DKIM-Signature (its own tags or b=) was changed
}
