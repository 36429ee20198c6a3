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
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// zoneServer is an authoritative DNS server on loopback serving the
// records of a zone file text; it answers NXDOMAIN for names that do not
// exist and NOERROR/NODATA for names that do (or have children).
type zoneServer struct {
	addr string
	mu   sync.Mutex
	rrs  map[string][]dns.RR // by owner name, lower-case, FQDN
}

func startDNS(t *testing.T, zone string) *zoneServer {
	t.Helper()
	z := &zoneServer{rrs: map[string][]dns.RR{}}
	z.load(t, zone)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: z}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	z.addr = pc.LocalAddr().String()
	return z
}

func (z *zoneServer) load(t *testing.T, zone string) {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(zone), "", "test")
	zp.SetDefaultTTL(300)
	z.mu.Lock()
	defer z.mu.Unlock()
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		n := strings.ToLower(rr.Header().Name)
		z.rrs[n] = append(z.rrs[n], rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("test zone: %v", err)
	}
}

// add puts records into the zone.
func (z *zoneServer) add(rrs ...dns.RR) {
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, rr := range rrs {
		n := strings.ToLower(rr.Header().Name)
		z.rrs[n] = append(z.rrs[n], rr)
	}
}

func (z *zoneServer) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	q := r.Question[0]
	name := strings.ToLower(q.Name)
	z.mu.Lock()
	defer z.mu.Unlock()
	for range 8 {
		rrs, exists := z.rrs[name]
		var cname string
		for _, rr := range rrs {
			if s, ok := rr.(*dns.RRSIG); rr.Header().Rrtype == q.Qtype || ok && s.TypeCovered == q.Qtype {
				m.Answer = append(m.Answer, rr)
			} else if c, ok := rr.(*dns.CNAME); ok {
				m.Answer = append(m.Answer, rr)
				cname = strings.ToLower(c.Target)
			}
		}
		if cname != "" && q.Qtype != dns.TypeCNAME {
			name = cname
			continue
		}
		if !exists && len(m.Answer) == 0 {
			for n := range z.rrs {
				if strings.HasSuffix(n, "."+name) {
					exists = true // an empty non-terminal
					break
				}
			}
			if !exists {
				m.Rcode = dns.RcodeNameError
			}
		}
		break
	}
	if len(m.Answer) > 0 {
		m.Rcode = dns.RcodeSuccess
	}
	w.WriteMsg(m)
}

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
	l, err := net.Listen("tcp", "127.0.0.1:0")
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
