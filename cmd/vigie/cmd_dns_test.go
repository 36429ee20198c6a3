package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
)

// fakeUpstream answers every A query with 192.0.2.1.
func fakeUpstream(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(192, 0, 2, 1)}}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := l.Addr().String()
	l.Close()
	return a
}

// TestDNSCommand runs `vigie dns` as a user would start it and queries it:
// a listed name and a look-alike are blocked, others resolve, and the
// command stops cleanly when interrupted.
func TestDNSCommand(t *testing.T) {
	list := filepath.Join(t.TempDir(), "phishing.txt")
	os.WriteFile(list, []byte("# feed\nevil.example\n"), 0o644)
	addr := freeAddr(t)
	metrics := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	var wg sync.WaitGroup
	code := -1
	wg.Add(1)
	go func() {
		defer wg.Done()
		code = run(ctx, []string{"dns", "--listen", addr, "--upstream", fakeUpstream(t), "--blocklist", list,
			"--protect", "en-marche.fr", "--metrics-listen", metrics, "--no-builtin", "--log-level", "info"}, strings.NewReader(""), &out, &errb)
	}()
	c := &dns.Client{Timeout: 500 * time.Millisecond}
	q := func(name string) *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), dns.TypeA)
		for range 40 {
			if r, _, err := c.Exchange(m, addr); err == nil {
				return r
			}
			time.Sleep(100 * time.Millisecond)
		}
		cancel()
		wg.Wait()
		t.Fatalf("no answer from vigie dns on %s:\n%s", addr, errb.String())
		return nil
	}
	if r := q("www.example.org"); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Errorf("allowed name: %v", r)
	}
	for _, n := range []string{"login.evil.example", "onedrive-en-marche.fr", "accounts-google.com"} {
		if r := q(n); r.Rcode != dns.RcodeNameError {
			t.Errorf("%s: %s, want NXDOMAIN", n, dns.RcodeToString[r.Rcode])
		}
	}
	if r := q("www.en-marche.fr"); r.Rcode != dns.RcodeSuccess {
		t.Errorf("the party's own domain: %s", dns.RcodeToString[r.Rcode])
	}
	resp, err := (&netHTTP{}).get("http://" + metrics + "/metrics")
	if err != nil || !strings.Contains(resp, `vigie_dns_blocked_total{source="blocklist"} 1`) || !strings.Contains(resp, `vigie_dns_blocked_total{source="look-alike"} 2`) {
		t.Errorf("metrics: %v\n%s", err, resp)
	}
	cancel()
	wg.Wait()
	if code != exitOK && code != exitSignal {
		t.Errorf("exit %d after interrupt:\n%s", code, errb.String())
	}
	if logs := errb.String(); !strings.Contains(logs, "msg=blocked name=login.evil.example") || strings.Contains(logs, "client=") {
		t.Errorf("the log must record blocks without the client's address:\n%s", logs)
	}
}

func TestDNSCheckCommand(t *testing.T) {
	rpz := filepath.Join(t.TempDir(), "policy.rpz")
	os.WriteFile(rpz, []byte("$ORIGIN rpz.local.\nbad.example CNAME .\n"), 0o644)
	code, out, errs := vigie(t, "bad.example\nwww.google.com\nonedrive-en-marche.fr\nexample.org\n", "dns", "check", "--rpz", rpz, "--protect", "en-marche.fr", "--no-builtin", "--json", "-")
	if code != exitFindings {
		t.Fatalf("exit %d, want 1 (names blocked): %s", code, errs)
	}
	var got []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		got = append(got, m)
	}
	if len(got) != 4 || got[0]["blocked"] != true || got[0]["source_kind"] != "rpz" || got[1]["action"] != "allow" ||
		got[2]["imitates"] != "en-marche.fr" || got[3]["blocked"] != false {
		t.Errorf("check --json:\n%s", out)
	}
	if code, _, errs := vigie(t, "", "dns", "check", "--blocklist", "/nonexistent", "x.example"); code != exitError || !strings.Contains(errs, "/nonexistent") {
		t.Errorf("missing list: exit %d %s", code, errs)
	}
	bad := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(bad, []byte("ok.example\nnot a name\n"), 0o644)
	if code, _, errs := vigie(t, "", "dns", "check", "--blocklist", bad, "x.example"); code != exitError || !strings.Contains(errs, "bad.txt:2:") {
		t.Errorf("bad line: exit %d %s", code, errs)
	}
	if code, _, _ := vigie(t, "", "dns", "--upstream", "9.9.9.9"); code != exitUsage {
		t.Errorf("no listener: exit %d, want 3", code)
	}
}

type netHTTP struct{}

func (netHTTP) get(u string) (string, error) {
	resp, err := http.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// TestDNSFollowsHub: a domain published on the hub while vigie dns runs
// is blocked after the next pull, and the block reaches the hub.
func TestDNSFollowsHub(t *testing.T) {
	h := hubtest.Start(t)
	rcode, errb := startDNSFollowingHub(t, h, "portal-office.fr")
	deadline := time.Now().Add(10 * time.Second)
	h.Publish("domain", "portal-office.fr")
	for rcode("portal-office.fr") != dns.RcodeNameError {
		if time.Now().After(deadline) {
			t.Fatalf("the published domain was not blocked within the pull interval:\n%s", errb.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startDNSFollowingHub runs vigie dns against the test hub (pulling every
// 200 ms, no --protect), waits until it answers firstName, and returns a
// function giving the rcode of a name (-1 when no answer) and the run's
// stderr. The run stops when the test ends.
func startDNSFollowingHub(t *testing.T, h *hubtest.Hub, firstName string) (rcode func(string) int, errb *bytes.Buffer) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	errb = &bytes.Buffer{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		run(ctx, []string{"dns", "--listen", addr, "--upstream", fakeUpstream(t), "--no-builtin", "--no-providers",
			"--hub", h.URL, "--token", h.SensorToken, "--state-dir", t.TempDir(), "--pull-interval", "200ms"},
			strings.NewReader(""), &bytes.Buffer{}, errb)
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
	c := &dns.Client{Timeout: 500 * time.Millisecond}
	rcode = func(name string) int {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), dns.TypeA)
		if r, _, err := c.Exchange(m, addr); err == nil {
			return r.Rcode
		}
		return -1
	}
	deadline := time.Now().Add(10 * time.Second)
	for rcode(firstName) != dns.RcodeSuccess {
		if time.Now().After(deadline) {
			t.Fatalf("vigie dns did not answer:\n%s", errb.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return rcode, errb
}
