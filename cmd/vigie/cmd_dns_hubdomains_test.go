package main

import (
	"context"
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
	ctx := context.Background()
	rcode, errb := startDNSFollowingHub(t, h, "onedrive-en-marche.fr")
	deadline := time.Now().Add(10 * time.Second)
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
