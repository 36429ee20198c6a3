package pdns

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/hub/hubtest"
	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/lookalike"
	"github.com/vigie-project/vigie/internal/report"
	"github.com/vigie-project/vigie/internal/store"
)

func testCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vigie dns test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestDigEndToEnd queries the resolver with the real dig over UDP, TCP,
// DNS over TLS and DNS over HTTPS, as a technician would.
func TestDigEndToEnd(t *testing.T) {
	dig, err := exec.LookPath("dig")
	if err != nil {
		t.Skip("dig not installed (Debian package dnsutils; scripts/test.sh installs it)")
	}
	auth := startAuthority(t, 300)
	now := time.Now()
	b := NewBuilder(0)
	if err := b.AllowOwners([]lookalike.Owner{{Name: "the party", Domains: []string{"en-marche.fr"}, TLDSwap: true}}); err != nil {
		t.Fatal(err)
	}
	b.AddIndicators("hub", []*indicator.Indicator{{Type: indicator.Domain, Value: "evil.example", Description: "APT28 phishing page"}}, now)
	s, addr := startResolver(t, Options{Upstreams: upstreamTo(t, auth.addr)}, b.Policy())
	host, port, _ := net.SplitHostPort(addr)

	conf := &tls.Config{Certificates: []tls.Certificate{testCert(t)}}
	tl, err := tls.Listen("tcp", "127.0.0.1:0", conf)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.ServeStream(ctx, tl, true)
	_, tlsPort, _ := net.SplitHostPort(tl.Addr().String())
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/dns-query", s.DoH())
	hs := &http.Server{Handler: mux, TLSConfig: conf.Clone()} // as vigie dns serves it: HTTP/2, which dig requires
	go hs.ServeTLS(hl, "", "")
	defer hs.Close()
	_, httpsPort, _ := net.SplitHostPort(hl.Addr().String())

	for _, tc := range []struct {
		transport string
		args      []string
	}{
		{"udp", []string{"-p", port}},
		{"tcp", []string{"-p", port, "+tcp"}},
		{"tls", []string{"-p", tlsPort, "+tls"}},
		{"https", []string{"-p", httpsPort, "+https=/dns-query"}},
	} {
		digq := func(name string) string {
			args := append([]string{"@" + host, "+time=3", "+tries=1"}, tc.args...)
			args = append(args, name, "A")
			out, err := exec.Command(dig, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: dig %v: %v\n%s", tc.transport, args, err, out)
			}
			return string(out)
		}
		out := digq("www.example.org")
		if !strings.Contains(out, "status: NOERROR") || !strings.Contains(out, "192.0.2.10") {
			t.Errorf("%s: allowed name:\n%s", tc.transport, out)
		}
		for _, blocked := range []string{"login.evil.example", "onedrive-en-marche.fr"} {
			out := digq(blocked)
			if !strings.Contains(out, "status: NXDOMAIN") || !strings.Contains(out, "EDE: 15 (Blocked)") {
				t.Errorf("%s: %s must be NXDOMAIN with EDE 15:\n%s", tc.transport, blocked, out)
			}
		}
		if out := digq("onedrive-en-marche.fr"); !strings.Contains(out, "imitates en-marche.fr") {
			t.Errorf("%s: the EDE text must say what the name imitates:\n%s", tc.transport, out)
		}
	}
}

// TestBlocksReachHub: two parties run the resolver against a real hub;
// each blocks the same published domain; the blocks arrive as sightings
// through the spool, and the hub raises a campaign alert.
func TestBlocksReachHub(t *testing.T) {
	h := hubtest.Start(t)
	ctx := context.Background()
	partyB, err := h.Store.CreateOrg(ctx, store.Actor{Name: "test"}, "Party B", store.KindParty)
	if err != nil {
		t.Fatal(err)
	}
	tokB, err := hub.CreateToken(ctx, h.Store, store.Actor{Name: "test"}, partyB.ID, "sensor", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	h.Publish("domain", "onedrive-en-marche.fr")
	auth := startAuthority(t, 300)
	for i, token := range []string{h.SensorToken, tokB.Secret} {
		c, err := hubclient.New(h.URL, token)
		if err != nil {
			t.Fatal(err)
		}
		inds, _, _, err := c.Pull(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		pol, _, err := (&Sources{Hub: inds}).Build(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		spool := &hubclient.Spool{Dir: t.TempDir()}
		rep := &BlockReporter{Host: "resolver-" + string(rune('a'+i)), Sink: SpoolSink(spool)}
		_, addr := startResolver(t, Options{Upstreams: upstreamTo(t, auth.addr), OnBlock: rep.Add}, pol)
		for range 3 {
			if r := ask(t, addr, "login.onedrive-en-marche.fr", 1, true, "udp"); r.Rcode != 3 {
				t.Fatalf("party %d: the published domain is not blocked: %v", i, r)
			}
		}
		if err := rep.Flush(time.Now(), true); err != nil {
			t.Fatal(err)
		}
		if res, err := spool.Flush(ctx, c); err != nil || res.Sent < 1 {
			t.Fatalf("party %d: flush %+v %v, want one sighting (3 blocks added up)", i, res, err)
		}
	}
	var alerts struct {
		Items []struct {
			Value   string `json:"value"`
			Parties int    `json:"parties"`
		} `json:"items"`
	}
	if err := json.Unmarshal(h.Call("GET", "/api/v1/alerts?status=open", nil), &alerts); err != nil {
		t.Fatal(err)
	}
	if len(alerts.Items) != 1 || alerts.Items[0].Value != "onedrive-en-marche.fr" {
		t.Fatalf("campaign alerts: %+v, want one for onedrive-en-marche.fr", alerts.Items)
	}
	// The party sees a finding in plain words, with no client address (the
	// resolvers did not log clients).
	var findings struct {
		Items []struct {
			Finding report.Finding `json:"finding"`
		} `json:"items"`
	}
	body := h.Call("GET", "/api/v1/findings", nil)
	if err := json.Unmarshal(body, &findings); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range findings.Items {
		f := it.Finding
		if f.Sensor != "dns" {
			continue
		}
		n++
		if f.Subject.Name != "login.onedrive-en-marche.fr" || !strings.Contains(f.Advice, "password") || strings.Contains(string(body), "127.0.0.1") {
			t.Errorf("finding %+v", f)
		}
	}
	if n != 2 {
		t.Errorf("%d dns findings on the hub, want one per party:\n%s", n, body)
	}
}
