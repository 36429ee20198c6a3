package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStatus: "vigie status" says the milter is up (from the milter's own
// --metrics-listen endpoint), when the hub was last pulled and what waits
// in the spool; once the milter is stopped it says so and exits 1.
func TestStatus(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := l.Addr().String()
	l.Close()
	state := t.TempDir()
	os.MkdirAll(filepath.Join(state, "spool"), 0o700)
	os.WriteFile(filepath.Join(state, "spool", "batch-20261207T010000.000000000-abcd.json"),
		[]byte(`[{"id":"s1","value":"accounts-office.fr","type":"domain-name","observed_at":"2026-12-07T01:00:00Z","count":1,"sensor":"mail"}]`), 0o600)
	pulled := time.Now().Add(-3 * time.Hour).UTC()
	os.WriteFile(filepath.Join(state, "hub-indicators.json"), fmt.Appendf(nil, `{"cursor":"c1","pulled":%q,"indicators":[]}`, pulled.Format(time.RFC3339)), 0o600)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var mout, merr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"mail", "milter", "--listen", "inet:127.0.0.1:0", "--metrics-listen", metricsAddr}, strings.NewReader(""), &mout, &merr)
	}()
	up := false
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		if r, err := http.Get("http://" + metricsAddr + "/healthz"); err == nil {
			r.Body.Close()
			up = r.StatusCode == 200
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !up {
		cancel()
		t.Fatalf("the milter's /healthz never answered; stderr:\n%s", merr.String())
	}

	code, out, _ := vigie(t, "", "status", "--state-dir", state, "--metrics", "http://"+metricsAddr)
	for _, want := range []string{"Mail milter: up since", "0 message(s) checked", "Hub: indicators last pulled", "3 hours ago",
		"Spool: 1 sighting(s) in 1 batch(es) wait for the hub", "All right."} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("exit %d with everything up:\n%s", code, out)
	}

	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the milter did not stop")
	}
	code, out, _ = vigie(t, "", "status", "--state-dir", state, "--metrics", "http://"+metricsAddr)
	if code != exitFindings || !strings.Contains(out, "Mail milter: NOT ANSWERING") || !strings.Contains(out, "delivered unchecked") {
		t.Errorf("milter down: exit %d\n%s", code, out)
	}

	// old pull, no milter here
	os.WriteFile(filepath.Join(state, "hub-indicators.json"), fmt.Appendf(nil, `{"pulled":%q}`, time.Now().Add(-72*time.Hour).UTC().Format(time.RFC3339)), 0o600)
	code, out, _ = vigie(t, "", "status", "--state-dir", state, "--metrics", "none")
	if code != exitFindings || !strings.Contains(out, "3 days ago") || !strings.Contains(out, "That is old") || strings.Contains(out, "Mail milter") {
		t.Errorf("old pull: exit %d\n%s", code, out)
	}
}
