package dkim

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func FuzzParseTagList(f *testing.F) {
	f.Add("v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=sel; h=from:to; bh=AAAA; b=BB\r\n BB")
	f.Add("v=DKIM1; k=ed25519; p=")
	f.Add(";;a=;b = c ;")
	f.Fuzz(func(t *testing.T, s string) {
		tl, err := ParseTagList(s)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, n := range tl.Names {
			if seen[n] || !validTagName(n) {
				t.Fatalf("bad or duplicate tag %q", n)
			}
			seen[n] = true
		}
		if len(tl.Names) != len(tl.Values) {
			t.Fatal("names and values disagree")
		}
		_, _ = ParseKey(s)
	})
}

func FuzzCanonicalize(f *testing.F) {
	f.Add([]byte("Subject:  a \r\n\tb  \r\n"), []byte(" C \r\nD \t E\r\n\r\n\r\n"))
	f.Add([]byte("X:\r\n"), []byte(""))
	f.Add([]byte("A : b"), []byte("no final crlf"))
	f.Fuzz(func(t *testing.T, hdr, body []byte) {
		// Canonicalization is idempotent.
		if bytes.IndexByte(hdr, ':') > 0 {
			h1 := CanonicalizeHeader(hdr, Relaxed)
			if h2 := CanonicalizeHeader(h1, Relaxed); !bytes.Equal(h1, h2) {
				t.Errorf("relaxed header not idempotent: %q -> %q -> %q", hdr, h1, h2)
			}
		}
		body, _ = toCRLF(bytes.ReplaceAll(body, []byte("\r"), nil))
		for _, c := range []Canonicalization{Simple, Relaxed} {
			b1 := CanonicalizeBody(body, c)
			if b2 := CanonicalizeBody(b1, c); !bytes.Equal(b1, b2) {
				t.Errorf("%s body not idempotent: %q -> %q -> %q", c, body, b1, b2)
			}
			if len(b1) > 0 && !bytes.HasSuffix(b1, []byte("\r\n")) {
				t.Errorf("%s body does not end in CRLF: %q", c, b1)
			}
		}
	})
}

func FuzzVerify(f *testing.F) {
	testKeys(f)
	res := testResolver(f)
	f.Add([]byte(sign(f, testMsg, SignOptions{Selector: "rsa", Signer: rsaKey})))
	f.Add([]byte(sign(f, testMsg, SignOptions{Selector: "ed", Signer: edKey, BodyLength: true})))
	f.Add([]byte("DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=rsa; h=from; bh=; b=; l=99999999999999999999\r\nFrom: a\r\n\r\n"))
	f.Add([]byte("From x\nA: b\n\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 1<<16 {
			return
		}
		rep := VerifyMessage(context.Background(), raw, Options{Resolver: res})
		if len(rep.Signatures) == 0 {
			t.Fatal("no result")
		}
		v := Forensic(rep)
		if v.Kind == "" || v.Summary == "" {
			t.Fatalf("empty verdict %+v", v)
		}
		for _, s := range rep.Signatures {
			if s.Result == Pass && !s.CryptoValid {
				t.Fatalf("pass without valid cryptography: %+v", s)
			}
			if v.Kind == Authentic && strings.Contains(strings.Join(v.Caveats, ""), "l=") {
				t.Fatal("authentic with caveats")
			}
		}
	})
}
