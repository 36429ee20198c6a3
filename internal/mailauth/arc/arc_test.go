package arc

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/dkim"
)

// sealer adds ARC sets to a message, the way an intermediary does.
type sealer struct {
	key  *rsa.PrivateKey
	sets [][3]string // per instance: AAR, AMS, AS raw fields
}

func rsaSign(t *testing.T, k *rsa.PrivateKey, data []byte) string {
	t.Helper()
	sum := sha256.Sum256(data)
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// seal adds ARC set number len(s.sets)+1 on top of msg with the given cv.
func (s *sealer) seal(t *testing.T, msg, cv, claimed string) string {
	t.Helper()
	n := len(s.sets) + 1
	aar := fmt.Sprintf("ARC-Authentication-Results: i=%d; mx%d.relay.example; %s\r\n", n, n, claimed)
	m, err := dkim.ParseMessage([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	bh := sha256.Sum256(dkim.CanonicalizeBody(m.Body, dkim.Relaxed))
	ams := fmt.Sprintf("ARC-Message-Signature: i=%d; a=rsa-sha256; c=relaxed/relaxed; d=relay.example; s=arc;\r\n h=from:to:subject:date; bh=%s;\r\n b=", n, base64.StdEncoding.EncodeToString(bh[:]))
	mm := &dkim.Message{Fields: append([]dkim.Field{{Name: "ARC-Message-Signature", Raw: []byte(ams + "\r\n")}}, m.Fields...), Body: m.Body}
	ams += rsaSign(t, s.key, dkim.HeaderHashInput(mm, []string{"from", "to", "subject", "date"}, 0, dkim.Relaxed)) + "\r\n"
	as := fmt.Sprintf("ARC-Seal: i=%d; a=rsa-sha256; cv=%s; d=relay.example; s=arc; t=1493971205;\r\n b=", n, cv)
	var buf bytes.Buffer
	for _, set := range s.sets {
		for _, f := range set {
			buf.Write(dkim.CanonicalizeHeader([]byte(f), dkim.Relaxed))
		}
	}
	buf.Write(dkim.CanonicalizeHeader([]byte(aar), dkim.Relaxed))
	buf.Write(dkim.CanonicalizeHeader([]byte(ams), dkim.Relaxed))
	buf.Write(bytes.TrimSuffix(dkim.CanonicalizeHeader([]byte(as+"\r\n"), dkim.Relaxed), []byte("\r\n")))
	as += rsaSign(t, s.key, buf.Bytes()) + "\r\n"
	s.sets = append(s.sets, [3]string{aar, ams, as})
	return as + ams + aar + msg
}

const baseMsg = "From: alice@example.org\r\nTo: list@lists.example\r\nSubject: hello\r\nDate: Fri, 05 May 2017 10:00:00 +0200\r\n\r\nHello.\r\n"

func TestVerifyChain(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := dkim.KeyRecord(key.Public())
	res := &mailauth.MapResolver{TXT: map[string][]string{"arc._domainkey.relay.example": {rec}}}
	opts := dkim.Options{Resolver: res}
	ctx := context.Background()

	s := &sealer{key: key}
	one := s.seal(t, baseMsg, "none", "dkim=pass header.d=example.org; spf=pass smtp.mailfrom=example.org")
	// A list modifies the subject, then seals again.
	modified := strings.Replace(one, "Subject: hello", "Subject: [list] hello", 1)
	two := s.seal(t, modified, "pass", "dkim=fail header.d=example.org; arc=pass")

	tests := []struct {
		name       string
		msg        string
		result     Result
		oldestPass int
		detail     string
	}{
		{"no chain", baseMsg, None, 0, "no ARC sets"},
		{"one hop", one, Pass, 1, ""},
		{"two hops, first AMS broken by the list", two, Pass, 2, ""},
		{"body changed after last seal", strings.Replace(two, "Hello.", "Bye.", 1), Fail, 0, "newest ARC-Message-Signature"},
		{"seal whitespace (relaxed canonicalization)", strings.Replace(two, "cv=none; d=relay.example", "cv=none;  d=relay.example", 1), Pass, 2, ""},
		{"seal tampered", strings.Replace(two, "cv=pass; d=relay.example; s=arc; t=1493971205", "cv=pass; d=relay.example; s=arc; t=1493971206", 1), Fail, 2, "ARC-Seal i=2"},
		{"aar of hop 1 changed", strings.Replace(two, "dkim=pass header.d=example.org", "dkim=pass header.d=evil.example", 1), Fail, 2, "ARC-Seal i=2"},
		{"missing set", strings.Replace(two, "ARC-Seal: i=1", "X-Old-Seal: i=1", 1), Fail, 0, "instance 1 has"},
		{"cv wrong", s2cv(t, key), Fail, 1, "cv="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Verify(ctx, []byte(tt.msg), opts)
			if r.Result != tt.result || r.OldestPass != tt.oldestPass || !strings.Contains(r.Detail, tt.detail) {
				t.Errorf("got %s oldest=%d %q; want %s oldest=%d %q", r.Result, r.OldestPass, r.Detail, tt.result, tt.oldestPass, tt.detail)
			}
		})
	}
	r := Verify(ctx, []byte(two), opts)
	if len(r.Sets) != 2 || r.Sets[0].Claimed == nil || r.Sets[0].Claimed.Results[0].Method != "dkim" || r.Sets[0].Claimed.Results[0].Result != "pass" {
		t.Fatalf("claimed upstream results: %+v", r.Sets)
	}
	if r.Sets[0].AMS.Result == dkim.Pass {
		t.Error("AMS 1 should fail after the subject change")
	}
}

// s2cv builds a chain whose second seal claims cv=none.
func s2cv(t *testing.T, key *rsa.PrivateKey) string {
	s := &sealer{key: key}
	one := s.seal(t, baseMsg, "none", "dkim=pass")
	return s.seal(t, one, "none", "arc=pass")
}
