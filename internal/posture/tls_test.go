package posture

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startTLSRaw serves TLS handshakes with cfg on loopback, nothing more.
func startTLSRaw(t *testing.T, cfg *tls.Config) int {
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
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				tc := tls.Server(c, cfg)
				tc.Handshake()
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// goodTLSConfig is a Go TLS server configuration internet.nl rates well:
// TLS 1.2 and 1.3, ECDHE with AES-GCM or ChaCha20 only (Go's defaults
// also accept CBC suites with SHA-1, which internet.nl rates insufficient).
func goodTLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}}
}

// fakeTLS is a hand-written TLS responder: it reads a ClientHello and
// answers the first flight a server configured this way would send
// (ServerHello, an empty Certificate, ServerKeyExchange, ServerHelloDone),
// so that the probe can be tested on what Go's crypto/tls cannot serve:
// SSL 3.0, RC4, NULL, export and anonymous suites, compression, no
// renegotiation_info, no extended master secret, weak DH groups, SHA-1
// signatures. It never completes a handshake; the probe never asks it to.
type fakeTLS struct {
	versions    []uint16 // accepted versions
	suites      []uint16 // accepted suites, in the server's order
	clientOrder bool     // pick in the client's order instead
	noReneg     bool     // no renegotiation_info in ServerHello
	noEMS       bool     // no extended_master_secret in ServerHello
	compression bool     // pick DEFLATE when offered
	group       uint16   // ECDHE curve (default x25519), even if not offered
	dhP         []byte   // DHE prime (default ffdhe3072)
	honourSig   bool     // sign with the client's first signature algorithm
	silent      bool     // read the hello and never answer
	hugeCert    bool     // send a Certificate message of 200 KB
	refuseSHA1  bool     // refuse a TLS 1.2 hello offering only SHA-1 signatures
}

// clientHello is what the responder reads of a ClientHello.
type clientHello struct {
	version     uint16
	suites      []uint16
	compression []byte
	tls13       bool
	sigAlgs     []uint16
}

func readClientHello(c net.Conn) (clientHello, error) {
	var ch clientHello
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(c, hdr); err != nil {
		return ch, err
	}
	body := make([]byte, int(hdr[3])<<8|int(hdr[4]))
	if _, err := io.ReadFull(c, body); err != nil {
		return ch, err
	}
	r := &reader{b: body}
	r.n(4)
	ch.version = uint16(r.u16())
	r.n(32)
	r.vec8()
	s := &reader{b: r.vec16()}
	for len(s.b) >= 2 {
		ch.suites = append(ch.suites, uint16(s.u16()))
	}
	ch.compression = r.vec8()
	exts := &reader{}
	if len(r.b) > 0 {
		exts.b = r.vec16()
	}
	for len(exts.b) > 0 && !exts.bad {
		typ, data := exts.u16(), exts.vec16()
		d := &reader{b: data}
		switch typ {
		case 43:
			v := &reader{b: d.vec8()}
			for len(v.b) >= 2 {
				if v.u16() == verTLS13 {
					ch.tls13 = true
				}
			}
		case 13:
			v := &reader{b: d.vec16()}
			for len(v.b) >= 2 {
				ch.sigAlgs = append(ch.sigAlgs, uint16(v.u16()))
			}
		}
	}
	if r.bad || exts.bad {
		return ch, errors.New("bad ClientHello")
	}
	return ch, nil
}

func (f *fakeTLS) start(t *testing.T) int {
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
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				f.serve(c)
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

func (f *fakeTLS) serve(c net.Conn) {
	ch, err := readClientHello(c)
	if err != nil {
		return
	}
	if f.silent {
		io.Copy(io.Discard, c)
		return
	}
	alert := func() { c.Write([]byte{21, 3, 1, 0, 2, 2, 40}) }
	version := uint16(0)
	if ch.tls13 && slices.Contains(f.versions, verTLS13) {
		version = verTLS13
	} else {
		for _, v := range f.versions {
			if v <= ch.version && v > version && v != verTLS13 {
				version = v
			}
		}
	}
	if version == 0 {
		alert()
		return
	}
	if f.refuseSHA1 && len(ch.sigAlgs) > 0 && !slices.ContainsFunc(ch.sigAlgs, func(a uint16) bool { return !slices.Contains(sigAlgsSHA1, a) }) {
		alert()
		return
	}
	var suite uint16
	pick := func(prefer, other []uint16) {
		for _, s := range prefer {
			if slices.Contains(other, s) && isTLS13Suite(s) == (version == verTLS13) {
				suite = s
				return
			}
		}
	}
	if f.clientOrder {
		pick(ch.suites, f.suites)
	} else {
		pick(f.suites, ch.suites)
	}
	if suite == 0 {
		alert()
		return
	}
	var sh []byte
	add := func(b ...byte) { sh = append(sh, b...) }
	legacy := version
	if version == verTLS13 {
		legacy = verTLS12
	}
	add(byte(legacy>>8), byte(legacy))
	add(make([]byte, 32)...)
	add(0, byte(suite>>8), byte(suite))
	comp := byte(0)
	if f.compression && bytes.Contains(ch.compression, []byte{1}) && version != verTLS13 {
		comp = 1
	}
	add(comp)
	var ext []byte
	e := func(typ uint16, data ...byte) {
		ext = append(ext, byte(typ>>8), byte(typ), byte(len(data)>>8), byte(len(data)))
		ext = append(ext, data...)
	}
	if version == verTLS13 {
		e(43, 3, 4)
		e(51, append([]byte{0, byte(groupX25519), 0, 32}, make([]byte, 32)...)...)
	} else {
		if !f.noReneg {
			e(0xff01, 0)
		}
		if !f.noEMS {
			e(23)
		}
	}
	if version != verSSL30 {
		add(byte(len(ext)>>8), byte(len(ext)))
		add(ext...)
	}
	flight := handshakeRecord(version, 2, sh)
	if version != verTLS13 {
		if f.hugeCert {
			// 200 KB in 16 KiB records: more than the probe reads.
			body := make([]byte, 200<<10)
			msg := append([]byte{11, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
			for len(msg) > 0 {
				n := min(len(msg), 1<<14)
				flight = append(flight, 22, byte(version>>8), byte(version), byte(n>>8), byte(n))
				flight = append(flight, msg[:n]...)
				msg = msg[n:]
			}
		} else {
			flight = append(flight, handshakeRecord(version, 11, []byte{0, 0, 0})...)
		}
		sig := []byte{}
		if version == verTLS12 {
			alg := uint16(0x0804)
			if f.honourSig && len(ch.sigAlgs) > 0 {
				alg = ch.sigAlgs[0]
			}
			sig = append(sig, byte(alg>>8), byte(alg))
		}
		sig = append(sig, 0, 4, 1, 2, 3, 4)
		kind, anon := suiteKex(suite)
		if anon {
			sig = nil
		}
		switch kind {
		case kexECDHE:
			g := f.group
			if g == 0 {
				g = groupX25519
			}
			ske := append([]byte{3, byte(g >> 8), byte(g), 32}, make([]byte, 32)...)
			flight = append(flight, handshakeRecord(version, 12, append(ske, sig...))...)
		case kexDHE:
			p := f.dhP
			if p == nil {
				p = ffdhePrime(3072).Bytes()
			}
			var ske []byte
			for _, v := range [][]byte{p, {2}, p[:len(p)-1]} {
				ske = append(ske, byte(len(v)>>8), byte(len(v)))
				ske = append(ske, v...)
			}
			flight = append(flight, handshakeRecord(version, 12, append(ske, sig...))...)
		}
		flight = append(flight, handshakeRecord(version, 14, nil)...)
	}
	c.Write(flight)
	io.Copy(io.Discard, c)
}

func handshakeRecord(version uint16, typ byte, body []byte) []byte {
	if version == verTLS13 {
		version = verTLS12
	}
	msg := append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
	return append([]byte{22, byte(version >> 8), byte(version), byte(len(msg) >> 8), byte(len(msg))}, msg...)
}

// everySuite is every suite the probe knows, TLS 1.3 first.
func everySuite() []uint16 {
	return append(slices.Clone(tls13Suites), legacySuites(verTLS12)...)
}

var (
	modern  = []uint16{verTLS13, verTLS12}
	good13  = []uint16{0x1302, 0x1303, 0x1301}
	good12  = []uint16{0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC02B, 0xC02F}
	goodAll = append(slices.Clone(good13), good12...)
)

// TestTLSRules covers both sides of every TLS rule on the hand-written
// responder, through web.tls.
func TestTLSRules(t *testing.T) {
	z := startDNS(t, "good.test. A 127.0.0.1\n")
	weakDH := make([]byte, 128) // a 1024-bit prime-sized group, not RFC 7919
	weakDH[0] = 0xC5
	weakDH[127] = 0x13
	for _, tc := range []struct {
		name string
		srv  fakeTLS
		want Status
		says string
	}{
		{"good", fakeTLS{versions: modern, suites: goodAll}, StatusPass, "follows the NCSC-NL guidelines"},
		{"tls13 only", fakeTLS{versions: []uint16{verTLS13}, suites: good13}, StatusPass, "follows"},
		{"tls10", fakeTLS{versions: []uint16{verTLS13, verTLS12, verTLS10}, suites: append(slices.Clone(goodAll), 0xC014)}, StatusFail, "accepts TLS 1.0"},
		{"tls11", fakeTLS{versions: []uint16{verTLS12, verTLS11}, suites: append(slices.Clone(good12), 0xC014)}, StatusFail, "accepts TLS 1.1"},
		{"ssl3", fakeTLS{versions: []uint16{verTLS12, verSSL30}, suites: append(slices.Clone(good12), 0x002F)}, StatusFail, "accepts SSL 3.0"},
		{"rc4", fakeTLS{versions: modern, suites: append(slices.Clone(goodAll), 0x0005)}, StatusFail, "insufficient cipher suite(s) (TLS_RSA_WITH_RC4_128_SHA)"},
		{"3des", fakeTLS{versions: modern, suites: append(slices.Clone(goodAll), 0xC012)}, StatusFail, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
		{"cbc sha1", fakeTLS{versions: modern, suites: append(slices.Clone(goodAll), 0xC013)}, StatusFail, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
		{"rsa kex", fakeTLS{versions: modern, suites: append(slices.Clone(goodAll), 0x009C)}, StatusFail, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
		{"null export anon", fakeTLS{versions: modern, suites: append(slices.Clone(goodAll), 0x0002, 0x0003, 0xC018)}, StatusFail, "3 insufficient"},
		{"phase out", fakeTLS{versions: modern, suites: append(slices.Clone(goodAll), 0xC028)}, StatusWarn, "to phase out (TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384)"},
		{"client order", fakeTLS{versions: modern, suites: append([]uint16{0xC028}, goodAll...), clientOrder: true}, StatusFail, "does not enforce its own cipher order (prefers TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384)"},
		{"dhe ffdhe3072", fakeTLS{versions: modern, suites: append(slices.Clone(goodAll), 0x009F)}, StatusWarn, "key exchange parameters to phase out"},
		{"dhe weak group", fakeTLS{versions: modern, suites: append(slices.Clone(goodAll), 0x009F), dhP: weakDH}, StatusFail, "insufficient key exchange parameters"},
		{"ffdhe2048", fakeTLS{versions: modern, suites: append(slices.Clone(goodAll), 0x009F), dhP: ffdhePrime(2048).Bytes()}, StatusFail, "insufficient key exchange parameters"},
		{"secp224r1", fakeTLS{versions: modern, suites: goodAll, group: groupSecp224r1}, StatusWarn, "key exchange parameters to phase out"},
		{"sect163k1", fakeTLS{versions: modern, suites: goodAll, group: 0x0001}, StatusFail, "insufficient key exchange parameters"},
		{"compression", fakeTLS{versions: modern, suites: goodAll, compression: true}, StatusFail, "TLS compression"},
		{"no secure renegotiation", fakeTLS{versions: modern, suites: goodAll, noReneg: true}, StatusFail, "secure renegotiation"},
		{"no extended master secret", fakeTLS{versions: modern, suites: goodAll, noEMS: true}, StatusFail, "extended master secret"},
		{"sha224 key exchange", fakeTLS{versions: modern, suites: goodAll, honourSig: true, refuseSHA1: true}, StatusWarn, "signs its key exchange with SHA-224"},
		{"sha1 key exchange", fakeTLS{versions: modern, suites: goodAll, honourSig: true}, StatusFail, "signs its key exchange with SHA-1"},
		{"every suite", fakeTLS{versions: modern, suites: everySuite()}, StatusFail, "insufficient cipher suite"},
		{"silent", fakeTLS{silent: true}, StatusError, "timeout"},
		{"huge flight", fakeTLS{versions: modern, suites: goodAll, hugeCert: true}, StatusError, "handshake message of 204800 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := tc.srv.start(t)
			c := newTestChecker(t, z, Options{HTTPSPort: port, Timeout: 500 * time.Millisecond})
			start := time.Now()
			ch := runOne(t, c, "good.test", "web.tls")
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			if ch.Status != tc.want || !strings.Contains(ch.Summary, tc.says) {
				t.Errorf("%s %q\nwant %s containing %q\nevidence: %q", ch.Status, ch.Summary, tc.want, tc.says, ch.Evidence)
			}
			if tc.name == "every suite" {
				var n int
				fmt.Sscanf(ch.Evidence[len(ch.Evidence)-1], "%d handshakes", &n)
				if n < 100 || n > maxTLSHandshakes {
					t.Errorf("every suite: %d handshakes", n)
				}
			}
			if (ch.Status == StatusFail || ch.Status == StatusWarn) != (ch.Fix != "") {
				t.Errorf("fix %q for %s", ch.Fix, ch.Status)
			}
		})
	}
}

// TestPostfixTLS rates a real Postfix as the MX, configured once with
// only what internet.nl rates good or sufficient and once accepting weak
// versions, suites and parameters.
func TestPostfixTLS(t *testing.T) {
	ca := newCA(t)
	pf := startPostfixMX(t, ca)
	z := startDNS(t, "pf.test. MX 10 mx.pf.test.\nmx.pf.test. A 127.0.0.1\n")
	for _, tc := range []struct {
		name string
		port int
		want Status
		says []string
	}{
		{"strong", pf.strong, StatusPass, []string{"follows the NCSC-NL guidelines"}},
		{"weak", pf.weak, StatusFail, []string{"accepts TLS 1.1, TLS 1.0", "insufficient cipher suite", "does not enforce its own cipher order",
			"insufficient key exchange parameters", "signs its key exchange with SHA-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestChecker(t, z, Options{SMTPPort: tc.port, Timeout: 5 * time.Second})
			start := time.Now()
			ch := runOne(t, c, "pf.test", "mail.tls")
			t.Logf("%s in %v: %s\n%s", tc.name, time.Since(start), ch.Summary, strings.Join(ch.Evidence, "\n"))
			if ch.Status != tc.want {
				t.Errorf("%s %q, want %s", ch.Status, ch.Summary, tc.want)
			}
			for _, s := range tc.says {
				if !strings.Contains(ch.Summary, s) {
					t.Errorf("summary %q lacks %q", ch.Summary, s)
				}
			}
			if tc.want == StatusFail && !strings.Contains(ch.Fix, "tls_high_cipherlist") {
				t.Errorf("fix %q", ch.Fix)
			}
		})
	}
}

// TestProbeBudget: a scan that needs more than maxTLSHandshakes stops,
// says so, and is not a pass.
func TestProbeBudget(t *testing.T) {
	port := (&fakeTLS{versions: modern, suites: goodAll}).start(t)
	p := &tlsProber{timeout: time.Second, count: maxTLSHandshakes - 8, dial: func(ctx context.Context) (net.Conn, error) {
		return net.Dial("tcp", net.JoinHostPort("127.0.0.1", portOr(port, 0)))
	}}
	s, err := scanTLS(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(s.incomplete, errProbeBudget) || p.count != maxTLSHandshakes {
		t.Fatalf("incomplete %v after %d handshakes", s.incomplete, p.count)
	}
	if r := rateTLS("good.test", s); r.status != StatusError {
		t.Errorf("%s %q", r.status, r.evidence)
	}
}

// TestClientHelloSize: no ClientHello message is 256-511 bytes long (RFC
// 7685), and every one parses back with what was offered.
func TestClientHelloSize(t *testing.T) {
	all := legacySuites(verTLS12)
	for n := 1; n <= len(all); n++ {
		for _, v := range []uint16{verSSL30, verTLS10, verTLS12, verTLS13} {
			suites := all[:n]
			if v == verTLS13 {
				suites = tls13Suites[:min(n, len(tls13Suites))]
			}
			rec := buildClientHello(helloSpec{version: v, suites: suites, serverName: "mx.example.test"})
			if l := len(rec) - 5; l >= 256 && l < 512 || int(rec[3])<<8|int(rec[4]) != l {
				t.Fatalf("%s with %d suites: hello of %d bytes", versionName(v), n, l)
			}
			c1, c2 := net.Pipe()
			go func() { c1.Write(rec); c1.Close() }()
			ch, err := readClientHello(c2)
			if err != nil || len(ch.suites) < len(suites) || ch.tls13 != (v == verTLS13) {
				t.Fatalf("%s with %d suites: %v %+v", versionName(v), n, err, ch)
			}
		}
	}
}

// startOpenSSLServer runs `openssl s_server` on loopback with a
// certificate from ca and the extra flags, or skips when openssl is
// missing.
func startOpenSSLServer(t *testing.T, ca *testCA, flags ...string) int {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skipf("openssl not installed: %v", err)
	}
	dir := t.TempDir()
	cert := ca.issue(t, "good.test")
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600)
	os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := append([]string{"s_server", "-quiet", "-accept", fmt.Sprintf("127.0.0.1:%d", port),
		"-cert", filepath.Join(dir, "cert.pem"), "-key", filepath.Join(dir, "key.pem")}, flags...)
	cmd := exec.Command("openssl", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Not -www, whose loop sleeps a second while a renegotiation is under
	// way; the plain mode needs a stdin that stays open.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return port
		}
		if time.Now().After(deadline) {
			t.Fatalf("openssl s_server does not listen: %s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestClientRenegotiation: the renegotiation client against real OpenSSL
// servers, one that allows client-initiated renegotiation (unlimited: a
// fail), OpenSSL's default (refused: a pass), and Go's server (which has
// no renegotiation).
func TestClientRenegotiation(t *testing.T) {
	ca := newCA(t)
	for _, tc := range []struct {
		name string
		port func() int
		want int
		rate Status
	}{
		{"openssl -client_renegotiation", func() int { return startOpenSSLServer(t, ca, "-client_renegotiation") }, maxClientRenegotiations, StatusFail},
		{"openssl default", func() int { return startOpenSSLServer(t, ca) }, 0, StatusPass},
		{"go", func() int { return startTLSRaw(t, goodTLSConfig(ca.issue(t, "good.test"))) }, 0, StatusPass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := tc.port()
			p := &tlsProber{serverName: "good.test", timeout: 2 * time.Second, dial: func(ctx context.Context) (net.Conn, error) {
				return net.Dial("tcp", net.JoinHostPort("127.0.0.1", portOr(port, 0)))
			}}
			n, err := clientRenegotiations(context.Background(), p, 0xC02B)
			if err != nil || n != tc.want {
				t.Fatalf("%d renegotiations, %v; want %d", n, err, tc.want)
			}
			r := rateTLS("good.test", &tlsScan{versions: []uint16{verTLS12}, secureReneg: true, ems: true, clientReneg: n})
			if r.subtests["renegotiation_client"] != tc.rate {
				t.Errorf("renegotiation_client %s, want %s: %q", r.subtests["renegotiation_client"], tc.rate, r.evidence)
			}
		})
	}
}

// TestZeroRTT: the TLS 1.3 client against real OpenSSL servers with and
// without -early_data, and Go's server (no 0-RTT).
func TestZeroRTT(t *testing.T) {
	ca := newCA(t)
	for _, tc := range []struct {
		name string
		port func() int
		want bool
	}{
		{"openssl -early_data", func() int { return startOpenSSLServer(t, ca, "-early_data") }, true},
		{"openssl default", func() int { return startOpenSSLServer(t, ca) }, false},
		{"go", func() int { return startTLSRaw(t, goodTLSConfig(ca.issue(t, "good.test"))) }, false},
		// a close without a ticket after the handshake: no resumption,
		// hence no 0-RTT (not an error)
		{"go without tickets, closing after the handshake", func() int {
			cfg := goodTLSConfig(ca.issue(t, "good.test"))
			cfg.SessionTicketsDisabled = true
			return startTLSRaw(t, cfg)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := tc.port()
			p := &tlsProber{serverName: "good.test", timeout: 2 * time.Second, dial: func(ctx context.Context) (net.Conn, error) {
				return net.Dial("tcp", net.JoinHostPort("127.0.0.1", portOr(port, 0)))
			}}
			got, err := tls13EarlyData(context.Background(), p)
			if err != nil || got != tc.want {
				t.Fatalf("0-RTT %v, %v; want %v", got, err, tc.want)
			}
			r := rateTLS("good.test", &tlsScan{versions: []uint16{verTLS13}, zeroRTT: got, zeroRTTTested: true})
			if want := map[bool]Status{true: StatusFail, false: StatusPass}[tc.want]; r.subtests["zero_rtt"] != want || r.status != want {
				t.Errorf("zero_rtt %s, status %s, want %s: %q", r.subtests["zero_rtt"], r.status, want, r.evidence)
			}
		})
	}
}

// TestCertRules: internet.nl's cert_pubkey and cert_signature on chains
// issued for the test, and on a real Go server with an RSA-2048 key.
func TestCertRules(t *testing.T) {
	ca := newCA(t)
	issue := func(pub, priv any, sig x509.SignatureAlgorithm, signer any, parent *x509.Certificate) *x509.Certificate {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "good.test"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), SignatureAlgorithm: sig}
		if parent == nil {
			parent, signer = ca.cert, ca.key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c
	}
	rsaKey := func(bits int) *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	r1024, r2048 := rsaKey(1024), rsaKey(2048)
	// A self-signed RSA-1024 root in the chain is not rated.
	rootTmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "old root"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign}
	rootDER, _ := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, &r1024.PublicKey, r1024)
	root, _ := x509.ParseCertificate(rootDER)
	for _, tc := range []struct {
		name     string
		chain    []*x509.Certificate
		key, sig Status
	}{
		{"ECDSA P-256", []*x509.Certificate{issue(&p256.PublicKey, p256, 0, nil, nil)}, StatusPass, StatusPass},
		{"Ed25519", []*x509.Certificate{issue(edPub, nil, 0, nil, nil)}, StatusPass, StatusPass},
		{"RSA-2048", []*x509.Certificate{issue(&r2048.PublicKey, r2048, 0, nil, nil)}, StatusWarn, StatusPass},
		{"RSA-1024", []*x509.Certificate{issue(&r1024.PublicKey, r1024, 0, nil, nil)}, StatusFail, StatusPass},
		{"ECDSA P-224", []*x509.Certificate{issue(&p224.PublicKey, p224, 0, nil, nil)}, StatusWarn, StatusPass},
		{"RSASSA-PSS signature", []*x509.Certificate{issue(&p256.PublicKey, nil, x509.SHA256WithRSAPSS, r1024, root)}, StatusPass, StatusFail},
		{"SHA-224 signature", []*x509.Certificate{swapOID(t, issue(&p256.PublicKey, p256, 0, nil, nil), oidECDSASHA256, oidECDSASHA224)}, StatusPass, StatusWarn},
		{"SHA-1 signature", []*x509.Certificate{swapOID(t, issue(&p256.PublicKey, nil, x509.SHA256WithRSA, r1024, root), oidRSASHA256, oidRSASHA1)}, StatusPass, StatusFail},
		{"self-signed root skipped", []*x509.Certificate{issue(&p256.PublicKey, nil, x509.SHA256WithRSA, r1024, root), root}, StatusPass, StatusPass},
	} {
		r := rateTLS("good.test", &tlsScan{versions: []uint16{verTLS13}, chain: tc.chain})
		if r.subtests["cert_pubkey"] != tc.key || r.subtests["cert_signature"] != tc.sig {
			t.Errorf("%s: cert_pubkey %s cert_signature %s, want %s %s\n%q", tc.name, r.subtests["cert_pubkey"], r.subtests["cert_signature"], tc.key, tc.sig, r.evidence)
		}
	}

	z := startDNS(t, "good.test. A 127.0.0.1\n")
	port := startTLSRaw(t, goodTLSConfig(ca.issueRSA(t, "good.test")))
	ch := runOne(t, newTestChecker(t, z, Options{HTTPSPort: port}), "good.test", "web.tls")
	if ch.Status != StatusWarn || !strings.Contains(ch.Summary, "certificate key to phase out (good.test RSA-2048") {
		t.Errorf("RSA-2048 site: %s %q\n%q", ch.Status, ch.Summary, ch.Evidence)
	}
}

// The DER of signature algorithm OIDs of equal length, to make
// certificates Go will not sign (SHA-224, SHA-1) out of ones it does.
var (
	oidECDSASHA256 = []byte{0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02}
	oidECDSASHA224 = []byte{0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x01}
	oidRSASHA256   = []byte{0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B}
	oidRSASHA1     = []byte{0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05}
)

// swapOID rewrites the signature algorithm of cert (inner and outer) from
// one OID to another; the signature no longer verifies, which the rules
// do not look at.
func swapOID(t *testing.T, cert *x509.Certificate, from, to []byte) *x509.Certificate {
	t.Helper()
	der := bytes.ReplaceAll(cert.Raw, from, to)
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFlightAlerts: a warning alert before the ServerHello
// (unrecognized_name, which servers send when they have no certificate
// for the name) does not end the handshake; a fatal one and close_notify
// are refusals; a reset is a refusal and another network error is not.
func TestFlightAlerts(t *testing.T) {
	flight := slices.Concat(tlsRecord(22, hsMessage(2, serverHello12(0xC02F))), tlsRecord(22, hsMessage(14, nil)))
	f, err := readServerFlight(bytes.NewReader(slices.Concat(tlsRecord(21, []byte{1, 112}), flight)), nil)
	if err != nil || f.suite != 0xC02F {
		t.Errorf("warning unrecognized_name, then a flight: suite %04x, err %v; want the handshake to go on", f.suite, err)
	}
	for _, a := range [][]byte{{2, 40}, {1, 0}} {
		f, err := readServerFlight(bytes.NewReader(slices.Concat(tlsRecord(21, a), flight)), nil)
		if !errors.Is(err, errRefused) || f.alert != int(a[1]) {
			t.Errorf("alert %v: %v, alert %d; want a refusal with alert %d", a, err, f.alert, a[1])
		}
	}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	unreachable := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}
	if !isReset(reset) || isReset(unreachable) {
		t.Errorf("isReset(reset) %v, isReset(unreachable) %v; want true, false", isReset(reset), isReset(unreachable))
	}
}
