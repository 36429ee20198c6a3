package posture

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
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

// FuzzRenegClient runs the renegotiation client's handshake on any server
// bytes: an error or a handshake, never a panic or a hang.
func FuzzRenegClient(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "tls-flight", "*"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		c := newTLS12Client(streamConn{r: bytes.NewReader(stream)}, "fuzz.test", 0xC02B)
		c.handshake()
	})
}

// FuzzTLS13Client runs the 0-RTT client on any server bytes.
func FuzzTLS13Client(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "tls-flight", "*"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		p := &tlsProber{timeout: time.Second, dial: func(context.Context) (net.Conn, error) {
			return streamConn{r: bytes.NewReader(stream)}, nil
		}}
		tls13EarlyData(context.Background(), p)
	})
}
