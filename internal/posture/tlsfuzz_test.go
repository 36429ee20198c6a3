package posture

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var updateFlightSeeds = flag.Bool("update-tls-seeds", false, "rewrite testdata/tls-flight from loopback servers")

// captureFlight sends the hello of spec to port and returns the bytes the
// server answered, as far as the probe reads them.
func captureFlight(t *testing.T, port int, spec helloSpec) []byte {
	t.Helper()
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", portOr(port, 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	c.Write(buildClientHello(spec))
	var buf bytes.Buffer
	readServerFlight(io.TeeReader(c, &buf), nil)
	return buf.Bytes()
}

// TestWriteFlightSeeds regenerates the fuzzing seeds (go test -run
// TestWriteFlightSeeds -update-tls-seeds): real first flights of Go's TLS
// server (TLS 1.2 with a certificate and ECDHE, TLS 1.3) and of the
// hand-written responder (DHE, SSL 3.0, compression, a refusal).
func TestWriteFlightSeeds(t *testing.T) {
	if !*updateFlightSeeds {
		t.Skip("run with -update-tls-seeds to rewrite testdata/tls-flight")
	}
	ca := newCA(t)
	goPort := startTLSRaw(t, goodTLSConfig(ca.issue(t, "good.test")))
	dhe := (&fakeTLS{versions: modern, suites: []uint16{0x009F}}).start(t)
	ssl3 := (&fakeTLS{versions: []uint16{verSSL30}, suites: []uint16{0x0005}, noEMS: true}).start(t)
	comp := (&fakeTLS{versions: modern, suites: []uint16{0x0035}, compression: true}).start(t)
	anon := (&fakeTLS{versions: modern, suites: []uint16{0xC018}}).start(t)
	seeds := map[string][]byte{
		"go-tls12-ecdhe": captureFlight(t, goPort, helloSpec{version: verTLS12, suites: legacySuites(verTLS12), serverName: "good.test"}),
		"go-tls13":       captureFlight(t, goPort, helloSpec{version: verTLS13, suites: tls13Suites, serverName: "good.test"}),
		"go-refused":     captureFlight(t, goPort, helloSpec{version: verTLS10, suites: []uint16{0x0005}}),
		"fake-dhe":       captureFlight(t, dhe, helloSpec{version: verTLS12, suites: legacySuites(verTLS12)}),
		"fake-ssl3":      captureFlight(t, ssl3, helloSpec{version: verSSL30, suites: legacySuites(verSSL30)}),
		"fake-deflate":   captureFlight(t, comp, helloSpec{version: verTLS12, suites: legacySuites(verTLS12), compression: true}),
		"fake-anon":      captureFlight(t, anon, helloSpec{version: verTLS12, suites: legacySuites(verTLS12)}),
	}
	dir := filepath.Join("testdata", "tls-flight")
	os.MkdirAll(dir, 0o755)
	for name, b := range seeds {
		if len(b) == 0 {
			t.Fatalf("%s: no bytes", name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzServerFlight feeds the probe's flight reader any bytes: it must
// return an error or a flight, never panic, never claim a suite outside
// the offered list, and an error is a refusal, a malformed flight or
// (for a version or suite the probe does not know) nothing else.
func FuzzServerFlight(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "tls-flight", "*"))
	if len(files) == 0 {
		f.Fatal("no seeds in testdata/tls-flight")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	offered := legacySuites(verTLS12)
	f.Fuzz(func(t *testing.T, stream []byte) {
		fl, err := readServerFlight(bytes.NewReader(stream), offered)
		if err != nil {
			if !errors.Is(err, errRefused) && !errors.Is(err, errFlight) {
				t.Fatalf("error %v is neither a refusal nor a malformed flight", err)
			}
			return
		}
		if !slices.Contains(offered, fl.suite) {
			t.Fatalf("suite %04x accepted but not offered", fl.suite)
		}
		if fl.version < verSSL30 || fl.version > verTLS13 {
			t.Fatalf("version %04x accepted", fl.version)
		}
	})
}

// streamConn is a net.Conn that reads a fixed byte stream and swallows
// writes.
type streamConn struct {
	net.Conn
	r *bytes.Reader
}

func (c streamConn) Read(b []byte) (int, error)       { return c.r.Read(b) }
func (c streamConn) Write(b []byte) (int, error)      { return len(b), nil }
func (c streamConn) Close() error                     { return nil }
func (c streamConn) SetDeadline(time.Time) error      { return nil }
func (c streamConn) SetReadDeadline(time.Time) error  { return nil }
func (c streamConn) SetWriteDeadline(time.Time) error { return nil }

// fuzzServerCert is a self-signed ECDSA certificate for the Go servers
// the client fuzzers talk to (the clients check no certificate).
func fuzzServerCert(tb testing.TB) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fuzz.test"}, DNSNames: []string{"fuzz.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tamperConn flips the bits of mask in the byte at offset off of what is
// written through it (mask 0: an honest server).
type tamperConn struct {
	net.Conn
	off, n int
	mask   byte
}

func (c *tamperConn) Write(b []byte) (int, error) {
	if c.mask != 0 && c.off >= c.n && c.off < c.n+len(b) {
		b = slices.Clone(b)
		b[c.off-c.n] ^= c.mask
	}
	c.n += len(b)
	return c.Conn.Write(b)
}

// fuzzServer is how the client fuzzers read their input: a first byte
// below 0x80 makes the whole input the server's bytes; from 0x80, the
// server is Go's crypto/tls over a pipe, configured by the low bits of the
// first byte, and the next three bytes flip the bits of one byte it
// writes (offset, mask; mask 0: untouched). Its dial function and, for
// the Go server, its configuration and whether it was tampered with.
type fuzzServer struct {
	dial     func(context.Context) (net.Conn, error)
	goServer bool
	cfg      *tls.Config
	tampered bool
	wait     func() // waits for the Go server to end
}

func newFuzzServer(t *testing.T, input []byte, cert tls.Certificate, configure func(cfg *tls.Config, bits byte)) *fuzzServer {
	if len(input) < 4 || input[0] < 0x80 {
		return &fuzzServer{wait: func() {}, dial: func(context.Context) (net.Conn, error) {
			return streamConn{r: bytes.NewReader(input)}, nil
		}}
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}
	configure(cfg, input[0])
	off, mask := int(binary.BigEndian.Uint16(input[1:3])), input[3]
	fs := &fuzzServer{goServer: true, cfg: cfg, tampered: mask != 0}
	done := make(chan struct{})
	fs.wait = func() { <-done }
	started := false
	fs.dial = func(context.Context) (net.Conn, error) {
		if started {
			t.Fatal("the client dialled twice")
		}
		started = true
		// loopback TCP rather than net.Pipe: the kernel's buffers let
		// both sides write at once, as on the network
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		go func() {
			defer close(done)
			server, err := l.Accept()
			l.Close()
			if err != nil {
				return
			}
			defer server.Close()
			server.SetDeadline(time.Now().Add(2 * time.Second))
			tc := tls.Server(&tamperConn{Conn: server, off: off, mask: mask}, cfg)
			if tc.Handshake() == nil && !cfg.SessionTicketsDisabled {
				// reads on: answers a renegotiation with an alert, lets
				// the client read its tickets; without tickets it closes
				io.Copy(io.Discard, tc)
			}
		}()
		return net.Dial("tcp", l.Addr().String())
	}
	return fs
}

// classified reports whether err says what went wrong in one of the
// ways the rules read: a refusal, a malformed flight, a timeout.
func classified(err error, refusal error) bool {
	var ne net.Error
	return errors.Is(err, refusal) || errors.Is(err, errFlight) || errors.As(err, &ne) && ne.Timeout()
}

// FuzzRenegClient runs the renegotiation test on any server bytes, and on
// Go's server (which refuses renegotiation) with one byte of its answer
// altered. It never counts a renegotiation nobody completed, every error
// is a refusal or a malformed flight, and an untouched Go server gives
// its verdict: no renegotiation accepted, with no error, on X25519 or
// P-256; on P-384 alone, an error naming the group the client lacks.
func FuzzRenegClient(f *testing.F) {
	seeds(f, "tls-flight")
	for _, b := range []byte{0x80, 0x81, 0x82} {
		f.Add(string([]byte{b, 0, 0, 0}))
		f.Add(string([]byte{b, 0, 60, 0x40}))
	}
	cert := fuzzServerCert(f)
	curves := []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384}
	f.Fuzz(func(t *testing.T, input string) {
		fs := newFuzzServer(t, []byte(input), cert, func(cfg *tls.Config, bits byte) {
			cfg.MaxVersion = tls.VersionTLS12
			cfg.CurvePreferences = []tls.CurveID{curves[int(bits&3)%len(curves)]}
		})
		p := &tlsProber{serverName: "fuzz.test", timeout: time.Second, dial: fs.dial}
		n, err := clientRenegotiations(context.Background(), p, 0xC02B)
		fs.wait()
		if n != 0 {
			t.Fatalf("%d renegotiations counted; no server here completes one", n)
		}
		if err != nil && !classified(err, errNoRenegotiation) {
			t.Fatalf("error %q is neither a refusal nor a malformed flight", err)
		}
		if !fs.goServer {
			if err == nil {
				t.Fatal("a handshake completed on bytes that were not a server's")
			}
			return
		}
		if fs.tampered {
			return
		}
		switch fs.cfg.CurvePreferences[0] {
		case tls.CurveP384:
			if !errors.Is(err, errFlight) || !strings.Contains(err.Error(), "not implemented") {
				t.Fatalf("server on P-384: %v, want the group named as not implemented", err)
			}
		default:
			if err != nil {
				t.Fatalf("Go server on %v: %v, want 0 renegotiations and no error", fs.cfg.CurvePreferences, err)
			}
		}
	})
}

// FuzzTLS13Client runs the 0-RTT test on any server bytes, and on Go's
// server (which never offers early data) with one byte of its answer
// altered. It never reports 0-RTT, every error is a refusal, a malformed
// flight or a timeout, and an untouched Go server gives its verdict: no
// 0-RTT and no error with or without tickets; a refusal when it speaks
// only TLS 1.2 or wants P-256 (a HelloRetryRequest).
func FuzzTLS13Client(f *testing.F) {
	seeds(f, "tls-flight")
	for _, b := range []byte{0x80, 0x81, 0x82, 0x84} {
		f.Add(string([]byte{b, 0, 0, 0}))
		f.Add(string([]byte{b, 0, 130, 0x01}))
	}
	cert := fuzzServerCert(f)
	f.Fuzz(func(t *testing.T, input string) {
		fs := newFuzzServer(t, []byte(input), cert, func(cfg *tls.Config, bits byte) {
			cfg.SessionTicketsDisabled = bits&1 != 0
			if bits&2 != 0 {
				cfg.CurvePreferences = []tls.CurveID{tls.CurveP256}
			}
			if bits&4 != 0 {
				cfg.MaxVersion = tls.VersionTLS12
			}
		})
		p := &tlsProber{serverName: "fuzz.test", timeout: time.Second, dial: fs.dial}
		got, err := tls13EarlyData(context.Background(), p)
		fs.wait()
		if got {
			t.Fatal("0-RTT reported; no server here offers it")
		}
		if err != nil && !classified(err, errRefused) {
			t.Fatalf("error %q is neither a refusal, a malformed flight nor a timeout", err)
		}
		if !fs.goServer {
			if err == nil {
				t.Fatal("a handshake completed on bytes that were not a server's")
			}
			return
		}
		if fs.tampered {
			return
		}
		refuses := fs.cfg.MaxVersion == tls.VersionTLS12 || len(fs.cfg.CurvePreferences) > 0
		if refuses != errors.Is(err, errRefused) || !refuses && err != nil {
			t.Fatalf("Go server (TLS 1.2 only %v, P-256 only %v, no tickets %v): %v; want a refusal: %v",
				fs.cfg.MaxVersion == tls.VersionTLS12, len(fs.cfg.CurvePreferences) > 0, fs.cfg.SessionTicketsDisabled, err, refuses)
		}
	})
}
