package dkim

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Key is a parsed DKIM key record (RFC 6376 §3.6.1).
type Key struct {
	KeyType  string   // "rsa" or "ed25519"
	Hashes   []string // h= (empty: any)
	Services []string // s= (empty: "*")
	Flags    []string // t= flags: "y" testing, "s" strict identity
	Public   crypto.PublicKey
	Bits     int  // RSA modulus size; 256 for Ed25519
	Revoked  bool // p= empty
	Notes    string
}

// Testing reports the t=y flag.
func (k *Key) Testing() bool { return k.hasFlag("y") }

// StrictIdentity reports the t=s flag (i= domain must equal d=).
func (k *Key) StrictIdentity() bool { return k.hasFlag("s") }

func (k *Key) hasFlag(f string) bool {
	for _, x := range k.Flags {
		if x == f {
			return true
		}
	}
	return false
}

func splitColon(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ":") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var errRevoked = errors.New("key revoked (empty p=)")

// ParseKey parses a DKIM key TXT record. A record with an empty p= is
// returned with Revoked set and an error wrapping errRevoked.
func ParseKey(txt string) (*Key, error) {
	tl, err := ParseTagList(txt)
	if err != nil {
		return nil, fmt.Errorf("key record: %w", err)
	}
	if v, ok := tl.Get("v"); ok {
		if v != "DKIM1" {
			return nil, fmt.Errorf("key record: v=%q is not DKIM1", truncate(v, 20))
		}
		if tl.Names[0] != "v" {
			return nil, errors.New("key record: v= is not the first tag")
		}
	}
	k := &Key{KeyType: "rsa"}
	if v, ok := tl.Get("k"); ok {
		k.KeyType = strings.ToLower(v)
	}
	if v, ok := tl.Get("h"); ok {
		k.Hashes = splitColon(v)
	}
	if v, ok := tl.Get("s"); ok {
		k.Services = splitColon(v)
	}
	if v, ok := tl.Get("t"); ok {
		k.Flags = splitColon(v)
	}
	k.Notes, _ = tl.Get("n")
	p, ok := tl.Get("p")
	if !ok {
		return nil, errors.New("key record: no p= tag")
	}
	p = stripFWS(p)
	if p == "" {
		k.Revoked = true
		return k, errRevoked
	}
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		return nil, fmt.Errorf("key record: p= is not base64: %w", err)
	}
	switch k.KeyType {
	case "rsa":
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			// Some publishers put a bare PKCS#1 RSAPublicKey in p=.
			rk, err2 := x509.ParsePKCS1PublicKey(der)
			if err2 != nil {
				return nil, fmt.Errorf("key record: p= is not an RSA public key: %w", err)
			}
			pub = rk
		}
		rk, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("key record: k=rsa but p= holds a %T", pub)
		}
		k.Public, k.Bits = rk, rk.N.BitLen()
	case "ed25519":
		if len(der) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("key record: ed25519 key of %d bytes, want %d", len(der), ed25519.PublicKeySize)
		}
		k.Public, k.Bits = ed25519.PublicKey(der), 256
	default:
		return nil, fmt.Errorf("key record: unsupported key type k=%s", truncate(k.KeyType, 20))
	}
	return k, nil
}
