package hubclient

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
)

// A hub run with --self-signed --tls-names: a sensor without --hub-ca
// cannot trust it (an UnreachableError, a hub problem), with --hub-ca it
// pulls; a revoked token is a TokenError.
func TestSelfSignedHubAndHubCA(t *testing.T) {
	h := hubtest.StartTLS(t, "hub.party.example")
	h.Publish("domain", "tls-only.example")
	ctx := context.Background()

	plain := mustClient(t, h.URL, h.SensorToken)
	_, _, _, err := plain.Pull(ctx, "")
	var ue *UnreachableError
	if err == nil || !asUnreachable(err, &ue) || !IsHubProblem(err) {
		t.Fatalf("an untrusted certificate: %v", err)
	}
	c := mustClient(t, h.URL, h.SensorToken)
	if err := c.TrustCAFile(h.CAFile); err != nil {
		t.Fatal(err)
	}
	inds, _, _, err := c.Pull(ctx, "")
	if err != nil || len(inds) != 1 {
		t.Fatalf("with --hub-ca: %v %v", inds, err)
	}
	h.RevokeSensor()
	_, _, _, err = c.Pull(ctx, "")
	var te *TokenError
	if !asToken(err, &te) || !IsHubProblem(err) {
		t.Fatalf("a revoked token: %v", err)
	}
	// a file without a certificate is refused up front
	bad := filepath.Join(t.TempDir(), "x.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o644)
	if err := c.TrustCAFile(bad); err == nil {
		t.Error("a file without a certificate was accepted")
	}
}

func asUnreachable(err error, out **UnreachableError) bool {
	for e := err; e != nil; {
		if u, ok := e.(*UnreachableError); ok {
			*out = u
			return true
		}
		x, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = x.Unwrap()
	}
	return false
}

func asToken(err error, out **TokenError) bool {
	t, ok := err.(*TokenError)
	*out = t
	return ok
}
