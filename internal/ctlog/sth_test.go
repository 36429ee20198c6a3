package ctlog

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"testing"
)

func TestCheckpointOrigin(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	spki, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	v, _ := NewVerifier(spki)
	cp, err := SignCheckpoint(k, "rome.ct.example/2026h1", STH{TreeSize: 7, Timestamp: 1})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := v.ParseCheckpoint(cp, ""); err != nil || s.TreeSize != 7 {
		t.Errorf("own origin: %+v %v", s, err)
	}
	if _, err := v.ParseCheckpoint(cp, "rome.ct.example/2026h1"); err != nil {
		t.Errorf("configured origin: %v", err)
	}
	if _, err := v.ParseCheckpoint(cp, "other.example/log"); !errors.Is(err, ErrUntrusted) {
		t.Errorf("another log's checkpoint accepted: %v", err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forged, _ := SignCheckpoint(other, "rome.ct.example/2026h1", STH{TreeSize: 7})
	if _, err := v.ParseCheckpoint(forged, ""); !errors.Is(err, ErrUntrusted) {
		t.Errorf("checkpoint signed by another key accepted: %v", err)
	}
}
