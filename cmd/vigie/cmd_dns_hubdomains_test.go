package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
	"github.com/vigie-project/vigie/internal/store"
)

// TestDNSFollowsHubDomains: a domain the party declares on the hub while
// vigie dns runs (with no --protect) is protected after the next pull: its
// look-alikes are blocked, the domain itself still resolves.
func TestDNSFollowsHubDomains(t *testing.T) {
	h := hubtest.Start(t)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var errb bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		run(ctx, []string{"dns", "--listen", addr, "--upstream", fakeUpstream(t), "--no-builtin", "--no-providers",
			"--hub", h.URL, "--token", h.SensorToken, "--state-dir", t.TempDir(), "--pull-interval", "200ms"},
			strings.NewReader(""), &bytes.Buffer{}, &errb)
	}()
	defer func() { cancel(); wg.Wait() }()
	c := &dns.Client{Timeout: 500 * time.Millisecond}
	rcode := func(name string) int {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), dns.TypeA)
		if r, _, err := c.Exchange(m, addr); err == nil {
			return r.Rcode
		}
		return -1
	}
	deadline := time.Now().Add(10 * time.Second)
	for rcode("onedrive-en-marche.fr") != dns.RcodeSuccess {
		if time.Now().After(deadline) {
			t.Fatalf("vigie dns did not answer:\n%s", errb.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	party, err := h.Store.OrgByName(ctx, "Party A")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Store.PutOrgSettings(ctx, store.Viewer{Agency: true}, store.Actor{Name: "test"}, party.ID, store.OrgSettings{Sites: []string{"en-marche.fr"}}); err != nil {
		t.Fatal(err)
	}
	for rcode("onedrive-en-marche.fr") != dns.RcodeNameError {
		if time.Now().After(deadline) {
			t.Fatalf("the look-alike of the declared domain was not blocked after a pull:\n%s", errb.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if rc := rcode("www.en-marche.fr"); rc != dns.RcodeSuccess {
		t.Errorf("the party's own domain: rcode %d", rc)
	}
}
