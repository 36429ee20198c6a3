package hub

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/store"
)

// TestServeSelfSigned starts the server with a self-signed certificate and
// checks HTTPS, HSTS and a clean shutdown; the certificate is reused on the
// next start.
func TestServeSelfSigned(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := New(Options{Store: st, TLS: true})
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, srv, ListenOptions{Addr: "127.0.0.1:0", SelfSigned: true, DataDir: dir, Ready: func(a net.Addr) { addrc <- a }})
	}()
	var addr net.Addr
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(20 * time.Second):
		t.Fatal("server did not start")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 10 * time.Second}
	res, err := client.Get("https://" + addr.String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Strict-Transport-Security"), "max-age=") || res.TLS == nil {
		t.Fatalf("%d %v %s", res.StatusCode, res.Header, body)
	}
	if cn := res.TLS.PeerCertificates[0].Subject.CommonName; !strings.Contains(cn, "self-signed") {
		t.Fatalf("certificate %q", cn)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	fi, err := os.Stat(filepath.Join(dir, "selfsigned-key.pem"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	c1, _ := os.ReadFile(filepath.Join(dir, "selfsigned-cert.pem"))
	SelfSignedCert(dir, "127.0.0.1:0")
	c2, _ := os.ReadFile(filepath.Join(dir, "selfsigned-cert.pem"))
	if string(c1) != string(c2) {
		t.Fatal("certificate regenerated on restart")
	}
}

func TestBootstrap(t *testing.T) {
	st, err := store.Open(context.Background(), store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	user, pw, err := Bootstrap(ctx, st, "ANSSI")
	if err != nil || user != "admin" || len(pw) < 16 {
		t.Fatalf("%q %q %v", user, pw, err)
	}
	u, _ := st.UserByName(ctx, "admin")
	if !CheckPassword(u.PasswordHash, pw) || !u.MustChangePassword || u.OrgKind != store.KindAgency || u.Role != store.RoleAdmin {
		t.Fatalf("admin %+v", u)
	}
	// A second start does nothing.
	if user, pw, err := Bootstrap(ctx, st, "ANSSI"); user != "" || pw != "" || err != nil {
		t.Fatalf("second bootstrap: %q %q %v", user, pw, err)
	}
}
