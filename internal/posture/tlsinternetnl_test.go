package posture

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// tlsINLCase is a TLS server set up the way a common deployment is, and
// the verdict internet.nl gives each of its TLS subtests on it, worked out
// from its source (internetstandards/Internet.nl at cec0e01d:
// checks/tasks/tls/tls_constants.py for the lists,
// checks/tasks/tls/evaluation.py and scans.py for the tests,
// checks/tasks/tls/tasks_reports.py and checks/categories.py for the
// levels: "good" = pass, STATUS_NOTICE = warn, STATUS_FAIL = fail; web
// and mail use the same levels for these subtests). Only the subtests
// that do not pass are listed.
type tlsINLCase struct {
	who string
	srv fakeTLS
	inl map[string]Status
}

// ownDH3072 is a 3072-bit DH group of a server's own (not RFC 7919), as
// OpenSSL's automatic DH parameters or an old dhparam file give.
func ownDH3072() []byte {
	p := make([]byte, 384)
	for i := range p {
		p[i] = byte(0xA5 ^ i)
	}
	p[0], p[383] = 0xFF, 0x61
	return p
}

var (
	ecdheAEAD  = []uint16{0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC02B, 0xC02F}
	dheAEAD    = []uint16{0x009F, 0x009E, 0xCCAA}
	ecdheCBC2  = []uint16{0xC024, 0xC028, 0xC023, 0xC027}
	ecdheCBC1  = []uint16{0xC00A, 0xC014, 0xC009, 0xC013}
	rsaKex     = []uint16{0x009D, 0x009C, 0x003D, 0x003C, 0x0035, 0x002F}
	tripleDES  = []uint16{0x000A}
	oldVersion = []uint16{verTLS13, verTLS12, verTLS11, verTLS10}
)

func cat(lists ...[]uint16) []uint16 {
	var out []uint16
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

var tlsINLCases = []tlsINLCase{
	{who: "nginx with Mozilla's \"modern\" settings (TLS 1.3 only)",
		srv: fakeTLS{versions: []uint16{verTLS13}, suites: good13}},
	{who: "nginx with Mozilla's \"intermediate\" settings: DHE with ffdhe2048, ssl_prefer_server_ciphers off",
		srv: fakeTLS{versions: modern, suites: cat(good13, ecdheAEAD, dheAEAD), clientOrder: true, dhP: ffdhePrime(2048).Bytes()},
		inl: map[string]Status{"tls_ciphers": StatusWarn, "fs_params": StatusFail, "tls_cipher_order": StatusFail}},
	{who: "the same with ssl_prefer_server_ciphers on and the RFC 7919 ffdhe3072 group",
		srv: fakeTLS{versions: modern, suites: cat(good13, ecdheAEAD, dheAEAD), dhP: ffdhePrime(3072).Bytes()},
		inl: map[string]Status{"tls_ciphers": StatusWarn, "fs_params": StatusWarn}},
	{who: "ECDHE with AES-GCM and ChaCha20 only, server order (what Vigie's fix gives)",
		srv: fakeTLS{versions: modern, suites: cat(good13, ecdheAEAD)}},
	{who: "Mozilla's \"old\" settings: TLS 1.0 and up, CBC, RSA key exchange, 3DES, server order",
		srv: fakeTLS{versions: oldVersion, suites: cat(good13, ecdheAEAD, dheAEAD, ecdheCBC2, ecdheCBC1, rsaKex, tripleDES), dhP: ffdhePrime(2048).Bytes()},
		inl: map[string]Status{"tls_version": StatusFail, "tls_ciphers": StatusFail, "fs_params": StatusFail}},
	{who: "Postfix with Debian's defaults (medium ciphers, OpenSSL's own DH group, client order, SHA-224 allowed)",
		srv: fakeTLS{versions: modern, suites: cat(good13, ecdheAEAD, ecdheCBC2, dheAEAD, ecdheCBC1, rsaKex), clientOrder: true, dhP: ownDH3072(), honourSig: true, refuseSHA1: true},
		inl: map[string]Status{"tls_ciphers": StatusFail, "fs_params": StatusFail, "tls_cipher_order": StatusFail, "kex_hash_func": StatusWarn}},
	{who: "Windows Server 2012 R2 SChannel defaults (Exchange, IIS): TLS 1.0-1.2, CBC-SHA384 preferred to GCM, RSA, 3DES, SHA-1 signatures",
		srv: fakeTLS{versions: []uint16{verTLS12, verTLS11, verTLS10}, suites: cat(ecdheCBC2, ecdheCBC1, []uint16{0xC030, 0xC02F}, rsaKex, tripleDES), group: groupSecp384r1, honourSig: true},
		inl: map[string]Status{"tls_version": StatusFail, "tls_ciphers": StatusFail, "tls_cipher_order": StatusFail, "kex_hash_func": StatusFail}},
	{who: "an old appliance on OpenSSL 0.9.8: TLS 1.0 only, RC4, DHE-1024, compression, no RFC 5746",
		srv: fakeTLS{versions: []uint16{verTLS10}, suites: []uint16{0x0005, 0x0004, 0x0033, 0x002F, 0x000A}, compression: true, noReneg: true, noEMS: true, dhP: ownDH3072()[:128]},
		inl: map[string]Status{"tls_version": StatusFail, "tls_ciphers": StatusFail, "fs_params": StatusFail, "tls_compression": StatusFail, "renegotiation_secure": StatusFail}},
	{who: "a TLS 1.2 server on a library without RFC 7627",
		srv: fakeTLS{versions: modern, suites: cat(good13, ecdheAEAD), noEMS: true},
		inl: map[string]Status{"extended_master_secret": StatusFail}},
	{who: "a server that picks secp224r1 whatever the client offers",
		srv: fakeTLS{versions: []uint16{verTLS12}, suites: ecdheAEAD, group: groupSecp224r1},
		inl: map[string]Status{"fs_params": StatusWarn}},
}

// TestTLSInternetNLAgreement rates each configuration and compares every
// internet.nl TLS subtest Vigie implements with internet.nl's verdict. The
// figures doc.go prints (servers, subtests, agreement) must be the ones
// measured here.
func TestTLSInternetNLAgreement(t *testing.T) {
	raw, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(strings.ReplaceAll(string(raw), "\n//", "\n")), " ")
	subtests := []string{"tls_version", "tls_ciphers", "fs_params", "tls_cipher_order", "tls_compression",
		"renegotiation_secure", "extended_master_secret", "kex_hash_func"}
	agree, total := 0, 0
	for _, tc := range tlsINLCases {
		port := tc.srv.start(t)
		p := &tlsProber{timeout: 2 * time.Second, dial: func(ctx context.Context) (net.Conn, error) {
			return net.Dial("tcp", net.JoinHostPort("127.0.0.1", portOr(port, 0)))
		}}
		s, err := scanTLS(context.Background(), p)
		if err != nil {
			t.Errorf("%s: %v", tc.who, err)
			continue
		}
		r := rateTLS("server.test", s)
		var diff []string
		for _, st := range subtests {
			want := tc.inl[st]
			if want == "" {
				want = StatusPass
			}
			total++
			if r.subtests[st] == want {
				agree++
			} else {
				diff = append(diff, st+": Vigie "+string(r.subtests[st])+", internet.nl "+string(want))
			}
		}
		if len(diff) > 0 {
			t.Errorf("%s:\n  %s\nevidence: %q", tc.who, strings.Join(diff, "\n  "), r.evidence)
		}
	}
	t.Logf("TLS subtests: Vigie agrees with internet.nl on %d of %d (%d configurations)", agree, total, len(tlsINLCases))
	for _, claim := range []string{
		fmt.Sprintf("tlsinternetnl_test.go sets up %d servers", len(tlsINLCases)),
		fmt.Sprintf("compares %d subtests", len(subtests)),
		fmt.Sprintf("with the verdict internet.nl's code gives: %d of %d agree.", agree, total),
	} {
		if !strings.Contains(doc, claim) {
			t.Errorf("doc.go does not state the measured TLS agreement: %q", claim)
		}
	}
}
