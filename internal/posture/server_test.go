package posture

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/vigie-project/vigie/internal/posture/posturetest"
)

// zoneServer is the loopback DNS server of posturetest, under the names
// these tests use.
type zoneServer struct {
	*posturetest.Zone
	addr string
}

func startDNS(t *testing.T, zone string) *zoneServer {
	t.Helper()
	z := posturetest.StartDNS(t, zone)
	return &zoneServer{Zone: z, addr: z.Addr}
}

// add puts records into the zone.
func (z *zoneServer) add(rrs ...dns.RR) { z.Add(rrs...) }

// testCA is a certificate authority for the test servers.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newCA(t *testing.T) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Vigie posture test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

func (ca *testCA) issue(t *testing.T, names ...string) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]},
		DNSNames: names, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// issueRSA issues an RSA certificate (RSA key exchange suites need one).
func (ca *testCA) issueRSA(t *testing.T, names ...string) tls.Certificate {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]},
		DNSNames: names, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// startTLSConfig serves handler over TLS with cfg on loopback.
func startTLSConfig(t *testing.T, handler http.Handler, cfg *tls.Config) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler, ErrorLog: log.New(io.Discard, "", 0), TLSConfig: cfg}
	go srv.ServeTLS(l, "", "")
	t.Cleanup(func() { srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

// startHTTPS serves handler over TLS on loopback with a certificate for
// names; minVersion lets a test accept TLS 1.0.
func startHTTPS(t *testing.T, ca *testCA, handler http.Handler, minVersion uint16, names ...string) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cert := ca.issue(t, names...)
	srv := &http.Server{Handler: handler, ErrorLog: log.New(io.Discard, "", 0), TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: minVersion}}
	go srv.ServeTLS(l, "", "")
	t.Cleanup(func() { srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

func startHTTP(t *testing.T, handler http.Handler) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

// smtpServer is a minimal SMTP server speaking EHLO and STARTTLS, enough
// for the posture probe: tlsCfg nil means STARTTLS is not offered.
func startSMTP(t *testing.T, tlsCfg *tls.Config) int {
	t.Helper()
	return startSMTPAt(t, "127.0.0.1:0", tlsCfg)
}

// startSMTPAt is startSMTP listening on addr.
func startSMTPAt(t *testing.T, addr string, tlsCfg *tls.Config) int {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serveSMTP(c, tlsCfg)
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

func serveSMTP(c net.Conn, tlsCfg *tls.Config) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	fmt.Fprintf(c, "220 mx.test ESMTP\r\n")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			fmt.Fprintf(c, "250-mx.test\r\n250-PIPELINING\r\n")
			if tlsCfg != nil {
				fmt.Fprintf(c, "250-STARTTLS\r\n")
			}
			fmt.Fprintf(c, "250 8BITMIME\r\n")
		case cmd == "STARTTLS" && tlsCfg != nil:
			fmt.Fprintf(c, "220 go ahead\r\n")
			tc := tls.Server(c, tlsCfg)
			if tc.Handshake() != nil {
				return
			}
			tc.Close()
			return
		case cmd == "QUIT":
			fmt.Fprintf(c, "221 bye\r\n")
			return
		default:
			fmt.Fprintf(c, "502 no\r\n")
		}
	}
}

// newTestChecker returns a Checker that asks the zone server.
func newTestChecker(t *testing.T, z *zoneServer, o Options) *Checker {
	t.Helper()
	o.Resolver = z.addr
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = func() time.Time { return time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC) }
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runOne runs the check id on domain.
func runOne(t *testing.T, c *Checker, domain, id string) Check {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := &domainRun{name: domain, c: c}
	for _, r := range c.rules() {
		if r.id == id {
			ch := r.fn(ctx, d)
			ch.ID = id
			return ch
		}
	}
	t.Fatalf("no check %s", id)
	return Check{}
}
