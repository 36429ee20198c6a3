package milter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/mail"
)

// TestMilterNeverWaitsForTheHub: with a hub that hangs, mail still goes
// through at once and the sightings wait in the spool.
func TestMilterNeverWaitsForTheHub(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer hang.Close()
	defer close(release)
	c, err := hubclient.New(hang.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	spool := &hubclient.Spool{Dir: filepath.Join(t.TempDir(), "spool")}
	rep := &mail.HubReporter{Client: c, Spool: spool, Host: "mx-test", Timeout: 10 * time.Second}

	a, err := mail.New(mail.Options{OwnDomains: []string{"en-marche.fr"}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := Listen("inet:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{Analyzer: a, Policy: DefaultPolicy(), Results: rep, Host: "mx-test"}
	done := make(chan struct{})
	go rep.Run(ctx)
	go func() { s.Serve(ctx, l); close(done) }()
	defer func() { cancel(); <-done; <-rep.Done() }()

	for i := range 3 {
		start := time.Now()
		got := deliver(t, l.Addr().String(), phishHeaders, phishBody)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("message %d took %v with the hub hanging", i, d)
		}
		if !strings.Contains(strings.Join(got, "\n"), "X-Vigie-Verdict|phishing") {
			t.Fatalf("message %d: %q", i, got)
		}
	}
	// the first batch is spooled before the (hanging) attempt
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if p, _ := spool.Pending(); len(p) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no sightings in the spool")
		}
	}
}
