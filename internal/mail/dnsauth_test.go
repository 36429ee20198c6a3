package mail

import (
	"context"
	"crypto/ed25519"
	"net/netip"
	"testing"

	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/dkim"
)

// TestDNSAuth verifies authentication itself (DKIM signature, SPF on the
// envelope, DMARC alignment) against a test DNS: the genuine Google alert
// passes and is clean; the same alert with its sender forged fails DMARC
// and is phishing; and a DNS failure is temperror, never fail.
func TestDNSAuth(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := dkim.KeyRecord(pub)
	if err != nil {
		t.Fatal(err)
	}
	res := &mailauth.MapResolver{TXT: map[string][]string{
		"s1._domainkey.accounts.google.com": {rec},
		"_dmarc.google.com":                 {"v=DMARC1; p=reject"},
		"accounts.google.com":               {"v=spf1 ip4:192.0.2.0/24 -all"},
	}, Fail: map[string]bool{"_dmarc.broken.example": true}}
	auth := DNSAuth{Resolver: res}
	a := testAnalyzer(t, Options{Auth: auth})
	env := &Envelope{ClientIP: netip.MustParseAddr("192.0.2.25"), Helo: "mail-sor-f41.google.com", MailFrom: "no-reply@accounts.google.com"}

	genuine := tmsg{from: "Google <no-reply@accounts.google.com>", subject: "Security alert", html: googleAlertHTML}.bytes()
	field, err := dkim.Sign(genuine, dkim.SignOptions{Domain: "accounts.google.com", Selector: "s1", Signer: priv})
	if err != nil {
		t.Fatal(err)
	}
	// Sign returns the DKIM-Signature field, to put on top of the message
	signed := append(append([]byte{}, field...), genuine...)
	r := a.Analyze(context.Background(), "genuine.eml", signed, env)
	if r.Auth.DKIM != "pass" || r.Auth.SPF != "pass" || r.Auth.DMARC != "pass" || r.Verdict != Clean {
		t.Errorf("genuine alert: auth %+v verdict %s\n%s", r.Auth, r.Verdict, dumpReasons(r))
	}

	// the Podesta message, sent from an attacker's server with a forged
	// google.com sender and no signature
	forged := tmsg{from: "Google <no-reply@accounts.google.com>", subject: "*Someone has your password*", html: podestaHTML}.bytes()
	bad := &Envelope{ClientIP: netip.MustParseAddr("203.0.113.9"), Helo: "x", MailFrom: "no-reply@accounts.google.com"}
	r = a.Analyze(context.Background(), "forged.eml", forged, bad)
	if r.Auth.DMARC != "fail" || r.Auth.SPF != "fail" || rank(r.Verdict) < rank(Phishing) || !r.has("dmarc-fail") {
		t.Errorf("forged alert: auth %+v verdict %s\n%s", r.Auth, r.Verdict, dumpReasons(r))
	}

	// DNS down for the sender's domain: never "fail"
	broken := tmsg{from: "Info <info@broken.example>", subject: "Bonjour", text: "Bonjour."}.bytes()
	r = a.Analyze(context.Background(), "broken.eml", broken, nil)
	if r.Auth.DMARC == "fail" || r.has("dmarc-fail") {
		t.Errorf("DNS failure reported as fail: %+v", r.Auth)
	}
}
