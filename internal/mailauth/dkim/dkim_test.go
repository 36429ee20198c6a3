package dkim

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth"
)

// RFC 6376 §3.4.5 canonicalization examples.
func TestCanonicalizationRFCExample(t *testing.T) {
	hdr := []string{"A: X\r\n", "B : Y\t\r\n\tZ  \r\n"}
	var relaxed, simple string
	for _, h := range hdr {
		relaxed += string(CanonicalizeHeader([]byte(h), Relaxed))
		simple += string(CanonicalizeHeader([]byte(h), Simple))
	}
	if relaxed != "a:X\r\nb:Y Z\r\n" {
		t.Errorf("relaxed header = %q", relaxed)
	}
	if simple != "A: X\r\nB : Y\t\r\n\tZ  \r\n" {
		t.Errorf("simple header = %q", simple)
	}
	body := []byte(" C \r\nD \t E\r\n\r\n\r\n")
	if got := string(CanonicalizeBody(body, Relaxed)); got != " C\r\nD E\r\n" {
		t.Errorf("relaxed body = %q", got)
	}
	if got := string(CanonicalizeBody(body, Simple)); got != " C \r\nD \t E\r\n" {
		t.Errorf("simple body = %q", got)
	}
}

func TestCanonicalizeBodyEdges(t *testing.T) {
	tests := []struct {
		in, simple, relaxed string
	}{
		{"", "\r\n", ""},
		{"\r\n", "\r\n", ""},
		{"\r\n\r\n", "\r\n", ""},
		{"abc", "abc\r\n", "abc\r\n"},
		{"abc\r\n\r\n \r\n", "abc\r\n\r\n \r\n", "abc\r\n"},
		{"  \t\r\n", "  \t\r\n", ""},
		{"a  b\t\tc \r\n", "a  b\t\tc \r\n", "a b c\r\n"},
	}
	for _, tt := range tests {
		if got := string(CanonicalizeBody([]byte(tt.in), Simple)); got != tt.simple {
			t.Errorf("simple(%q) = %q, want %q", tt.in, got, tt.simple)
		}
		if got := string(CanonicalizeBody([]byte(tt.in), Relaxed)); got != tt.relaxed {
			t.Errorf("relaxed(%q) = %q, want %q", tt.in, got, tt.relaxed)
		}
	}
}

func TestParseTagList(t *testing.T) {
	tl, err := ParseTagList(" v=1; a = rsa-sha256 ;\r\n b=ab\r\n cd ; ")
	if err != nil {
		t.Fatal(err)
	}
	if tl.Values["a"] != "rsa-sha256" || stripFWS(tl.Values["b"]) != "abcd" || !slices.Equal(tl.Names, []string{"v", "a", "b"}) {
		t.Errorf("got %+v", tl)
	}
	for _, bad := range []string{"v=1; v=1", "1a=x", "noequals", "a-b=1"} {
		if _, err := ParseTagList(bad); err == nil {
			t.Errorf("ParseTagList(%q) accepted", bad)
		}
	}
}

func TestRemoveBValue(t *testing.T) {
	in := "DKIM-Signature: v=1; bh=abc=; b=AAAA\r\n BBBB; d=x\r\n"
	want := "DKIM-Signature: v=1; bh=abc=; b=; d=x\r\n"
	if got := string(removeBValue([]byte(in))); got != want {
		t.Errorf("got %q want %q", got, want)
	}
	in = "DKIM-Signature: v=1; bh=abc=; b=AAAA\r\n BBBB\r\n"
	want = "DKIM-Signature: v=1; bh=abc=; b=\r\n"
	if got := string(removeBValue([]byte(in))); got != want {
		t.Errorf("last tag: got %q want %q", got, want)
	}
}

func TestParseMessage(t *testing.T) {
	m, err := ParseMessage([]byte("From MAILER-DAEMON Fri May  5 10:00:00 2017\nA: 1\nB: 2\n  folded\n\nbody\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !m.NormalizedLF || m.MboxFromLine == "" || len(m.Fields) != 2 || string(m.Body) != "body\r\n" {
		t.Fatalf("got %+v", m)
	}
	if string(m.Fields[1].Raw) != "B: 2\r\n  folded\r\n" {
		t.Errorf("folded field = %q", m.Fields[1].Raw)
	}
	if _, err := ParseMessage([]byte("no colon here\r\n\r\n")); err == nil {
		t.Error("header line without colon accepted")
	}
	m, err = ParseMessage([]byte("A: 1\r\nB: 2"))
	if err != nil || len(m.Fields) != 2 || len(m.Body) != 0 {
		t.Errorf("headers only: %+v %v", m, err)
	}
}

func tamper(msg, old, new string) string {
	if !strings.Contains(msg, old) {
		panic("tamper: " + old + " not found")
	}
	return strings.Replace(msg, old, new, 1)
}

func TestVerify(t *testing.T) {
	testKeys(t)
	res := testResolver(t)
	base := testMsg
	rr := SignOptions{Selector: "rsa", Signer: rsaKey}
	ss := SignOptions{Selector: "rsa", Signer: rsaKey, HeaderCanon: Simple, BodyCanon: Simple}
	ed := SignOptions{Selector: "ed", Signer: edKey}
	tests := []struct {
		name   string
		msg    string
		opts   Options
		result Result
		reason Reason
		check  func(t *testing.T, r SignatureResult)
	}{
		{name: "rsa relaxed", msg: sign(t, base, rr), result: Pass},
		{name: "rsa simple", msg: sign(t, base, ss), result: Pass},
		{name: "ed25519", msg: sign(t, base, ed), result: Pass},
		{name: "ed25519 simple", msg: sign(t, base, SignOptions{Selector: "ed", Signer: edKey, HeaderCanon: Simple, BodyCanon: Simple}), result: Pass},
		{name: "LF-only file", msg: strings.ReplaceAll(sign(t, base, ss), "\r\n", "\n"), result: Pass},
		{name: "body changed", msg: tamper(sign(t, base, rr), "Thursday", "Friday"), result: Fail, reason: ReasonBodyHashMismatch},
		{name: "subject changed", msg: tamper(sign(t, base, rr), "Subject: Budget", "Subject: Secret"), result: Fail, reason: ReasonSignatureMismatch,
			check: func(t *testing.T, r SignatureResult) {
				if !slices.Contains(r.ChangedHeaderCandidates, "Subject") {
					t.Errorf("candidates %v", r.ChangedHeaderCandidates)
				}
			}},
		{name: "relaxed tolerates header whitespace", msg: tamper(sign(t, base, rr), "Subject: Budget", "subject:   Budget"), result: Pass},
		{name: "simple breaks on header whitespace", msg: tamper(sign(t, base, ss), "Subject: Budget", "Subject:  Budget"), result: Fail, reason: ReasonSignatureMismatch},
		{name: "relaxed tolerates body whitespace", msg: tamper(sign(t, base, rr), "moves to  Thursday.", "moves  to Thursday.  "), result: Pass},
		{name: "simple tolerates trailing blank lines", msg: sign(t, base, ss) + "\r\n\r\n", result: Pass},
		{name: "appended text localised", msg: sign(t, base, rr) + "P.S. wire the money\r\n", result: Fail, reason: ReasonBodyHashMismatch,
			check: func(t *testing.T, r SignatureResult) {
				if len(r.Hints) == 0 || !strings.Contains(r.Hints[0], "appended") {
					t.Errorf("hints %v", r.Hints)
				}
			}},
		{name: "l= with appended text", msg: sign(t, base, SignOptions{Selector: "rsa", Signer: rsaKey, BodyLength: true}) + "P.S. extra\r\n", result: Pass,
			check: func(t *testing.T, r SignatureResult) {
				if !r.BodyLengthLimited || r.UnsignedBodyBytes != int64(len("P.S. extra\r\n")) {
					t.Errorf("l=%v unsigned=%d", r.BodyLengthLimited, r.UnsignedBodyBytes)
				}
			}},
		{name: "l= longer than body", msg: tamper(sign(t, base, SignOptions{Selector: "rsa", Signer: rsaKey, BodyLength: true}), "Alice\r\n", ""), result: Fail, reason: ReasonBodyTooShort},
		{name: "prepended subject on over-signed", msg: "Subject: Forged\r\n" + sign(t, base, rr), result: Fail, reason: ReasonSignatureMismatch,
			check: func(t *testing.T, r SignatureResult) {
				if len(r.Hints) == 0 || !strings.Contains(r.Hints[0], "Subject field #1 of 2") {
					t.Errorf("hints %v", r.Hints)
				}
			}},
		{name: "prepended subject not over-signed", msg: "Subject: Forged\r\n" + sign(t, base, SignOptions{Selector: "rsa", Signer: rsaKey, Headers: []string{"from", "to", "subject", "date"}}), result: Pass,
			check: func(t *testing.T, r SignatureResult) {
				if !slices.Contains(r.Uncovered, "Subject #1 of 2") || !slices.Contains(r.NotOverSigned, "Subject") || !slices.Contains(r.NotSigned, "Message-ID") {
					t.Errorf("uncovered %v notover %v notsigned %v", r.Uncovered, r.NotOverSigned, r.NotSigned)
				}
			}},
		{name: "sha1 refused by default", msg: sign(t, base, SignOptions{Selector: "rsa", Signer: rsaKey, Hash: crypto.SHA1}), result: Fail, reason: ReasonWeakHash,
			check: func(t *testing.T, r SignatureResult) {
				if !r.CryptoValid || !r.WeakHash {
					t.Errorf("crypto %v weak %v", r.CryptoValid, r.WeakHash)
				}
			}},
		{name: "sha1 allowed", msg: sign(t, base, SignOptions{Selector: "rsa", Signer: rsaKey, Hash: crypto.SHA1}), opts: Options{AllowSHA1: true}, result: Pass, reason: ReasonWeakHash},
		{name: "sha1 on h=sha256 key", msg: sign(t, base, SignOptions{Selector: "only256", Signer: rsaKey, Hash: crypto.SHA1}), opts: Options{AllowSHA1: true}, result: PermError, reason: ReasonKeyHashNotAllowed},
		{name: "512-bit key", msg: sign(t, base, SignOptions{Selector: "weak", Signer: rsa512}), result: PermError, reason: ReasonKeyTooShort,
			check: func(t *testing.T, r SignatureResult) {
				if !r.CryptoValid || r.KeyBits != 512 {
					t.Errorf("crypto %v bits %d", r.CryptoValid, r.KeyBits)
				}
			}},
		{name: "512-bit key tampered", msg: tamper(sign(t, base, SignOptions{Selector: "weak", Signer: rsa512}), "Subject: Budget", "Subject: Secret"), result: Fail, reason: ReasonSignatureMismatch},
		{name: "expired now", msg: sign(t, base, SignOptions{Selector: "rsa", Signer: rsaKey, Expiration: msgTime.Add(7 * 24 * time.Hour)}), result: PermError, reason: ReasonExpired,
			check: func(t *testing.T, r SignatureResult) {
				if !r.CryptoValid || !r.Expired || r.ExpiredAtSigning {
					t.Errorf("crypto %v expired %v atSigning %v", r.CryptoValid, r.Expired, r.ExpiredAtSigning)
				}
			}},
		{name: "expired judged at message date", msg: sign(t, base, SignOptions{Selector: "rsa", Signer: rsaKey, Expiration: msgTime.Add(7 * 24 * time.Hour)}), opts: Options{JudgeAt: JudgeMessageDate}, result: Pass},
		{name: "expired judged at fixed time", msg: sign(t, base, SignOptions{Selector: "rsa", Signer: rsaKey, Expiration: msgTime.Add(7 * 24 * time.Hour)}), opts: Options{Time: msgTime.Add(24 * time.Hour)}, result: Pass},
		{name: "key not found", msg: sign(t, base, SignOptions{Selector: "gone", Signer: rsaKey}), result: PermError, reason: ReasonKeyNotFound},
		{name: "key revoked", msg: sign(t, base, SignOptions{Selector: "revoked", Signer: rsaKey}), result: PermError, reason: ReasonKeyRevoked},
		{name: "dns down", msg: sign(t, base, SignOptions{Selector: "down", Signer: rsaKey}), result: TempError, reason: ReasonKeyTemp},
		{name: "wrong key", msg: sign(t, base, SignOptions{Selector: "rsa", Signer: rsaKey2}), result: Fail, reason: ReasonSignatureMismatch},
		{name: "key type mismatch", msg: sign(t, base, SignOptions{Selector: "wrongtype", Signer: rsaKey}), result: PermError, reason: ReasonKeyTypeMismatch},
		{name: "testing key", msg: sign(t, base, SignOptions{Selector: "testing", Signer: rsaKey}), result: Pass,
			check: func(t *testing.T, r SignatureResult) {
				if !r.KeyTesting {
					t.Error("t=y not reported")
				}
			}},
		{name: "t=s with subdomain i=", msg: sign(t, base, SignOptions{Selector: "strict", Signer: rsaKey, Identity: "@mail.example.org"}), result: PermError, reason: ReasonIdentityMismatch},
		{name: "i= outside d=", msg: sign(t, base, SignOptions{Selector: "rsa", Signer: rsaKey, Identity: "@evil.example"}), result: PermError, reason: ReasonIdentityMismatch},
		{name: "From not signed", msg: sign(t, base, SignOptions{Selector: "rsa", Signer: rsaKey, Headers: []string{"subject"}}), result: PermError, reason: ReasonFromNotSigned},
		{name: "unaligned third party", msg: sign(t, base, SignOptions{Domain: "esp.example", Selector: "esp", Signer: rsaKey}), result: Pass,
			check: func(t *testing.T, r SignatureResult) {
				if r.FromAligned || !slices.Equal(r.FromDomains, []string{"example.org"}) {
					t.Errorf("aligned %v from %v", r.FromAligned, r.FromDomains)
				}
			}},
		{name: "subdomain aligned relaxed", msg: sign(t, base, SignOptions{Domain: "mail.example.org", Selector: "rsa", Signer: rsaKey}), result: Pass,
			check: func(t *testing.T, r SignatureResult) {
				if !r.FromAligned || r.FromAlignedStrict {
					t.Errorf("aligned %v strict %v", r.FromAligned, r.FromAlignedStrict)
				}
			}},
		{name: "unsigned", msg: base, result: None, reason: ReasonNoSignature},
		{name: "mbox >From quoting undone", msg: strings.ReplaceAll(sign(t, base+"From here on, we win.\r\n", rr), "\r\nFrom here", "\r\n>From here"), result: Pass,
			check: func(t *testing.T, r SignatureResult) {
				if !r.MboxUnquoted {
					t.Error("mbox unquoting not reported")
				}
			}},
		{name: "malformed", msg: "garbage without header\r\n\r\nbody", result: PermError, reason: ReasonMalformedMessage},
		{name: "bad signature syntax", msg: "DKIM-Signature: v=1; a=rsa-sha256; d=example.org\r\n" + base, result: PermError, reason: ReasonSyntax},
		{name: "unknown algorithm", msg: strings.Replace(sign(t, base, rr), "a=rsa-sha256", "a=rsa-sha512", 1), result: PermError, reason: ReasonUnsupportedAlg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.Resolver = res
			rs := Verify(context.Background(), []byte(tt.msg), o)
			r := rs[0]
			if r.Result != tt.result || r.Reason != tt.reason {
				t.Fatalf("got %s/%s (%s), want %s/%s", r.Result, r.Reason, r.Detail, tt.result, tt.reason)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestVerifyReportsLF(t *testing.T) {
	testKeys(t)
	msg := strings.ReplaceAll(sign(t, testMsg, SignOptions{Selector: "rsa", Signer: rsaKey}), "\r\n", "\n")
	rep := VerifyMessage(context.Background(), []byte(msg), Options{Resolver: testResolver(t)})
	if !rep.NormalizedLF || rep.Signatures[0].Result != Pass {
		t.Errorf("LF %v result %s", rep.NormalizedLF, rep.Signatures[0].Result)
	}
}

func TestForensic(t *testing.T) {
	testKeys(t)
	res := testResolver(t)
	rr := SignOptions{Selector: "rsa", Signer: rsaKey}
	full := SignOptions{Selector: "rsa", Signer: rsaKey, Headers: []string{"from", "from", "to", "to", "subject", "subject", "date", "date", "message-id", "message-id", "cc", "reply-to", "mime-version", "content-type"}}
	tests := []struct {
		name    string
		msg     string
		opts    Options
		kind    VerdictKind
		contain string // a caveat/altered/reason line must contain this
	}{
		{"authentic", sign(t, testMsg, full), Options{}, Authentic, ""},
		{"l= tail", sign(t, testMsg, SignOptions{Selector: "rsa", Signer: rsaKey, BodyLength: true}) + "P.S.\r\n", Options{}, AuthenticWithCaveats, "anyone could have appended"},
		{"unsigned reply-to", "Reply-To: evil@attacker.example\r\n" + sign(t, testMsg, rr), Options{}, AuthenticWithCaveats, "Reply-To (not signed)"},
		{"sha1", sign(t, testMsg, SignOptions{Selector: "rsa", Signer: rsaKey, Hash: crypto.SHA1}), Options{}, AuthenticWithCaveats, "SHA-1"},
		{"expired but valid when sent", sign(t, testMsg, SignOptions{Selector: "rsa", Signer: rsaKey, Expiration: msgTime.Add(time.Hour)}), Options{JudgeAt: JudgeMessageDate}, AuthenticWithCaveats, "valid at the message's time"},
		{"weak key", sign(t, testMsg, SignOptions{Selector: "weak", Signer: rsa512}), Options{}, AuthenticWithCaveats, "factored"},
		{"third party", sign(t, testMsg, SignOptions{Domain: "esp.example", Selector: "esp", Signer: rsaKey}), Options{}, AuthenticWithCaveats, "does not align"},
		{"body altered", tamper(sign(t, testMsg, rr), "Thursday", "Friday"), Options{}, Altered, "body does not match"},
		{"header altered", tamper(sign(t, testMsg, rr), "Subject: Budget", "Subject: Secret"), Options{}, Altered, "Subject"},
		{"no key", sign(t, testMsg, SignOptions{Selector: "gone", Signer: rsaKey}), Options{}, Unverifiable, "not evidence of forgery"},
		{"revoked", sign(t, testMsg, SignOptions{Selector: "revoked", Signer: rsaKey}), Options{}, Unverifiable, "revoked"},
		{"unsigned", testMsg, Options{}, Unverifiable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.Resolver = res
			v := Forensic(VerifyMessage(context.Background(), []byte(tt.msg), o))
			if v.Kind != tt.kind {
				t.Fatalf("kind %s, want %s: %+v", v.Kind, tt.kind, v)
			}
			if tt.contain != "" {
				all := strings.Join(append(append(append([]string{v.Summary}, v.Caveats...), v.Altered...), v.Reasons...), "\n")
				if !strings.Contains(all, tt.contain) {
					t.Errorf("%q not in:\n%s", tt.contain, all)
				}
			}
		})
	}
}

// Two signatures, one relaxed and one simple: a header whitespace change
// breaks the simple one only, and the verdict says so.
func TestForensicMixedCanonicalization(t *testing.T) {
	testKeys(t)
	msg := sign(t, testMsg, SignOptions{Selector: "rsa", Signer: rsaKey, HeaderCanon: Simple, BodyCanon: Simple})
	msg = sign(t, msg, SignOptions{Selector: "ed", Signer: edKey})
	msg = tamper(msg, "Subject: Budget", "Subject:  Budget")
	rep := VerifyMessage(context.Background(), []byte(msg), Options{Resolver: testResolver(t)})
	if rep.Signatures[0].Result != Pass || rep.Signatures[1].Result != Fail {
		t.Fatalf("results %s %s", rep.Signatures[0].Result, rep.Signatures[1].Result)
	}
	if h := strings.Join(rep.Signatures[1].Hints, " "); !strings.Contains(h, "only whitespace") {
		t.Errorf("hints %q", h)
	}
	v := Forensic(rep)
	if v.Kind != AuthenticWithCaveats || !strings.Contains(strings.Join(v.Caveats, " "), "signature #1") {
		t.Errorf("%+v", v)
	}
}

// A changed Subject with a second signature that does not cover Subject
// narrows the candidates.
func TestNarrowCandidates(t *testing.T) {
	testKeys(t)
	msg := sign(t, testMsg, SignOptions{Selector: "rsa", Signer: rsaKey, Headers: []string{"from", "to", "subject", "date"}})
	msg = sign(t, msg, SignOptions{Selector: "ed", Signer: edKey, Headers: []string{"from", "to", "date"}})
	msg = tamper(msg, "Subject: Budget", "Subject: Secret")
	rep := VerifyMessage(context.Background(), []byte(msg), Options{Resolver: testResolver(t)})
	got := rep.Signatures[1].ChangedHeaderCandidates
	if slices.Contains(got, "From") || !slices.Contains(got, "Subject") {
		t.Errorf("candidates %v", got)
	}
}

func TestArchiveAtMessageTime(t *testing.T) {
	testKeys(t)
	msg := sign(t, testMsg, SignOptions{Selector: "s2017", Signer: rsaKey})
	a := archiveWith(t, "s2017._domainkey.example.org TXT \""+keyRec(t, rsaKey.Public(), "")+"\" ; valid 2017-01-01..2017-12-31\n")
	rep := VerifyMessage(context.Background(), []byte(msg), Options{Resolver: a, JudgeAt: JudgeMessageDate})
	if r := rep.Signatures[0]; r.Result != Pass || r.KeySource != "archive" {
		t.Fatalf("at message date: %s %s %s", r.Result, r.Reason, r.KeySource)
	}
	if v := Forensic(rep); v.Kind != AuthenticWithCaveats || !strings.Contains(strings.Join(v.Caveats, " "), "archive") {
		t.Errorf("verdict %+v", v)
	}
	// Judged at a time outside the key's period, the archive has no key.
	msg2 := tamper(msg, "Date: Fri, 05 May 2017", "Date: Fri, 05 May 2019")
	rep = VerifyMessage(context.Background(), []byte(msg2), Options{Resolver: a, JudgeAt: JudgeMessageDate})
	if r := rep.Signatures[0]; r.Reason != ReasonKeyNotFound {
		t.Errorf("outside validity: %s %s", r.Result, r.Reason)
	}
}

func archiveWith(t *testing.T, text string) *mailauth.Archive {
	t.Helper()
	a, err := mailauth.ParseArchive(strings.NewReader(text), "test-archive")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A chain of an archive and DNS tries every key: a selector whose key was
// replaced in DNS still verifies with the archived key, and the verdict
// says the key comes from the archive only.
func TestChainTriesEveryKey(t *testing.T) {
	testKeys(t)
	msg := sign(t, testMsg, SignOptions{Selector: "rsa", Signer: rsaKey2})
	archive := archiveWith(t, "rsa._domainkey.example.org TXT \""+keyRec(t, rsaKey2.Public(), "")+"\"\n")
	dns := testResolver(t) // publishes a newer key under the same selector
	rep := VerifyMessage(context.Background(), []byte(msg), Options{Resolver: mailauth.Chain{dns, archive}})
	if r := rep.Signatures[0]; r.Result != Pass || r.KeySource != "archive" {
		t.Fatalf("rotated selector: %s %s source %q", r.Result, r.Reason, r.KeySource)
	}
	if v := Forensic(rep); !strings.Contains(strings.Join(v.Caveats, " "), "archive") {
		t.Errorf("no archive caveat: %+v", v)
	}
	// The same key in both: no archive caveat.
	msg = sign(t, testMsg, SignOptions{Selector: "rsa", Signer: rsaKey})
	archive = archiveWith(t, "rsa._domainkey.example.org TXT \""+keyRec(t, rsaKey.Public(), "")+"\"\n")
	rep = VerifyMessage(context.Background(), []byte(msg), Options{Resolver: mailauth.Chain{archive, dns}})
	if r := rep.Signatures[0]; r.Result != Pass || r.KeySource != "archive+dns" {
		t.Fatalf("same key: %s source %q", r.Result, r.KeySource)
	}
	if v := Forensic(rep); strings.Contains(strings.Join(v.Caveats, " "), "archive") {
		t.Errorf("archive caveat although DNS has the key: %+v", v)
	}
}

// A signature made with a forger's own RSA key under a real selector is
// told apart from a changed header field: the first does not decode under
// the published key, the second does (only its digest differs).
func TestOtherKey(t *testing.T) {
	testKeys(t)
	forger, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	res := testResolver(t)
	forged := sign(t, testMsg, SignOptions{Selector: "rsa", Signer: forger})
	changed := tamper(sign(t, testMsg, SignOptions{Selector: "rsa", Signer: rsaKey}), "Subject: Budget", "Subject: Secret")
	for _, tt := range []struct {
		name  string
		msg   string
		other bool
	}{{"forger's key", forged, true}, {"changed header", changed, false}} {
		rep := VerifyMessage(context.Background(), []byte(tt.msg), Options{Resolver: res})
		s := rep.Signatures[0]
		if s.SignatureOK || s.OtherKey != tt.other {
			t.Errorf("%s: signature ok %v, other key %v (want %v)", tt.name, s.SignatureOK, s.OtherKey, tt.other)
		}
	}
}

// Two signatures, one with l= that passes and one without that fails on
// its body hash: the caveat says how many bytes were appended, not that
// the body "changed in a way the other signature tolerates".
func TestForensicAppendedAfterL(t *testing.T) {
	testKeys(t)
	msg := sign(t, testMsg, SignOptions{Selector: "rsa", Signer: rsaKey})
	msg = sign(t, msg, SignOptions{Selector: "ed", Signer: edKey, BodyLength: true})
	msg += "P.S. Burn this.\r\n"
	v := Forensic(VerifyMessage(context.Background(), []byte(msg), Options{Resolver: testResolver(t)}))
	all := strings.Join(v.Caveats, "\n")
	if !strings.Contains(all, "17 body bytes were appended after the l=") || strings.Contains(all, "tolerates") {
		t.Errorf("caveats:\n%s", all)
	}
}

// A body whose bytes changed but whose text did not is told apart: spaces
// added at line ends under simple canonicalization, 8bit text re-encoded
// as quoted-printable by a relay.
func TestReformattedBody(t *testing.T) {
	testKeys(t)
	res := testResolver(t)
	eightbit := strings.Replace(testMsg, "charset=us-ascii\r\n", "charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n", 1)
	eightbit = strings.Replace(eightbit, "Hello Bob,", "Bonjour Bob, déjà", 1)
	signed := sign(t, eightbit, SignOptions{Selector: "rsa", Signer: rsaKey, Headers: []string{"from", "to", "subject", "date"}})
	qp := tamper(tamper(signed, "Content-Transfer-Encoding: 8bit", "Content-Transfer-Encoding: quoted-printable"), "déjà", "d=C3=A9j=C3=A0")
	simple := sign(t, testMsg, SignOptions{Selector: "rsa", Signer: rsaKey, BodyCanon: Simple})
	for _, tt := range []struct {
		name, msg string
		ws        bool
		reencoded string
	}{
		{"trailing spaces", tamper(simple, "Hello Bob,\r\n", "Hello Bob,  \r\n"), true, ""},
		{"quoted-printable", qp, false, "quoted-printable"},
		{"text changed", tamper(simple, "Thursday", "Friday"), false, ""},
	} {
		s := VerifyMessage(context.Background(), []byte(tt.msg), Options{Resolver: res}).Signatures[0]
		if s.BodyHashOK || !s.SignatureOK || s.BodyWhitespaceOnly != tt.ws || s.BodyReencoded != tt.reencoded {
			t.Errorf("%s: body ok %v, sig ok %v, whitespace %v, re-encoded %q; hints %q", tt.name, s.BodyHashOK, s.SignatureOK, s.BodyWhitespaceOnly, s.BodyReencoded, s.Hints)
		}
	}
}
