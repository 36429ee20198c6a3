package dkim

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignOptions describe a signature to make. Sign exists for tests and
// for tools that need to produce reference messages; Vigie itself only
// verifies.
type SignOptions struct {
	Domain   string
	Selector string
	// Signer is an *rsa.PrivateKey or ed25519.PrivateKey.
	Signer crypto.Signer
	// Hash is crypto.SHA256 (default) or crypto.SHA1 (rsa only).
	Hash        crypto.Hash
	HeaderCanon Canonicalization // default relaxed
	BodyCanon   Canonicalization // default relaxed
	// Headers lists the fields to sign, in h= order; default: the
	// ImportantHeaders present, each listed once more than it occurs
	// (over-signed).
	Headers []string
	// BodyLength adds l= with the full canonical body length.
	BodyLength bool
	Identity   string    // i=, optional
	Time       time.Time // t=, optional
	Expiration time.Time // x=, optional
}

// Sign returns a DKIM-Signature header field (ending in CRLF) to put at
// the top of raw.
func Sign(raw []byte, o SignOptions) ([]byte, error) {
	m, err := ParseMessage(raw)
	if err != nil {
		return nil, err
	}
	if o.Domain == "" || o.Selector == "" || o.Signer == nil {
		return nil, errors.New("dkim sign: domain, selector and signer are required")
	}
	if o.Hash == 0 {
		o.Hash = crypto.SHA256
	}
	if o.HeaderCanon == "" {
		o.HeaderCanon = Relaxed
	}
	if o.BodyCanon == "" {
		o.BodyCanon = Relaxed
	}
	var alg string
	switch o.Signer.(type) {
	case *rsa.PrivateKey:
		alg = "rsa-sha256"
		if o.Hash == crypto.SHA1 {
			alg = "rsa-sha1"
		}
	case ed25519.PrivateKey:
		alg = "ed25519-sha256"
		o.Hash = crypto.SHA256
	default:
		return nil, fmt.Errorf("dkim sign: unsupported key type %T", o.Signer)
	}
	headers := o.Headers
	if headers == nil {
		for _, h := range ImportantHeaders {
			n := m.Count(h)
			if n == 0 && !strings.EqualFold(h, "From") {
				continue
			}
			for i := 0; i <= n; i++ {
				headers = append(headers, strings.ToLower(h))
			}
		}
	}
	body := CanonicalizeBody(m.Body, o.BodyCanon)
	bh := newHash(o.Hash)
	bh.Write(body)
	var b strings.Builder
	fmt.Fprintf(&b, "DKIM-Signature: v=1; a=%s; c=%s/%s; d=%s; s=%s;", alg, o.HeaderCanon, o.BodyCanon, o.Domain, o.Selector)
	if o.Identity != "" {
		fmt.Fprintf(&b, " i=%s;", o.Identity)
	}
	if !o.Time.IsZero() {
		fmt.Fprintf(&b, " t=%d;", o.Time.Unix())
	}
	if !o.Expiration.IsZero() {
		fmt.Fprintf(&b, " x=%d;", o.Expiration.Unix())
	}
	if o.BodyLength {
		b.WriteString(" l=" + strconv.Itoa(len(body)) + ";")
	}
	fmt.Fprintf(&b, "\r\n h=%s;\r\n bh=%s;\r\n b=", strings.Join(headers, ":"), base64.StdEncoding.EncodeToString(bh.Sum(nil)))
	field := []byte(b.String() + "\r\n")

	// Hash the headers with the new field on top.
	mm := &Message{Fields: append([]Field{{Name: "DKIM-Signature", Raw: field}}, m.Fields...), Body: m.Body}
	data := HeaderHashInput(mm, headers, 0, o.HeaderCanon)
	h := newHash(o.Hash)
	h.Write(data)
	sum := h.Sum(nil)
	var sig []byte
	switch k := o.Signer.(type) {
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, o.Hash, sum)
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, sum)
	}
	if err != nil {
		return nil, fmt.Errorf("dkim sign: %w", err)
	}
	out := bytes.TrimSuffix(field, []byte("\r\n"))
	out = append(append([]byte{}, out...), base64.StdEncoding.EncodeToString(sig)...)
	return append(out, '\r', '\n'), nil
}

// KeyRecord returns the TXT record value publishing pub.
func KeyRecord(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return "", err
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k), nil
	}
	return "", fmt.Errorf("dkim: unsupported public key %T", pub)
}
