package ctlog

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"testing"
)

func FuzzParseLeaf(f *testing.F) {
	f.Add(encodeLeaf(1, false, Hash{}, []byte("x"), nil))
	f.Add(encodeLeaf(1, true, Hash{}, []byte{0x30, 0x03, 0x02, 0x01, 0x01}, []byte{0, 0, 5, 0, 0, 0, 0, 1}))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseLeaf(0, b)
		if e.LeafHash != LeafHash(b) {
			t.Fatal("leaf hash not set")
		}
		_ = err
	})
}

func FuzzParseDataTile(f *testing.F) {
	f.Add(encodeLeaf(1, false, Hash{}, []byte("x"), nil)[2:])
	f.Add(append(encodeLeaf(1, true, Hash{}, []byte("tbs"), nil)[2:], 0, 0, 1, 'c', 0, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		ParseDataTile(0, b, func(Entry, error) error { n++; return nil })
		if n > len(b)/15+1 {
			t.Fatalf("%d entries from %d bytes", n, len(b))
		}
	})
}

func FuzzParseCheckpoint(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	spki, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	v, err := NewVerifier(spki)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := SignCheckpoint(k, "log.example/2025", STH{TreeSize: 3})
	f.Add(good)
	f.Add([]byte("log.example/2025\n3\nAAAA\n\n— log.example/2025 AAAA\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := v.ParseCheckpoint(b, "log.example/2025")
		if err == nil && s.TreeSize != 3 {
			t.Fatalf("forged checkpoint accepted: %+v", s)
		}
	})
}
