package mail

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/hubclient"
)

// fakeHub takes sightings and stores them by id, like the hub's
// idempotency keys; down makes it answer 503.
type fakeHub struct {
	mu   sync.Mutex
	down bool
	got  map[string]hubclient.Sighting
	hits int
	// findings counts the findings received
	findings int
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down || r.Header.Get("Authorization") != "Bearer tok" {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	if r.URL.Path == "/api/v1/findings" {
		var req struct{ Items []json.RawMessage }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.findings += len(req.Items)
		w.Write([]byte(`{}`))
		return
	}
	if r.URL.Path != "/api/v1/sightings" {
		http.NotFound(w, r)
		return
	}
	var req struct{ Items []hubclient.Sighting }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.hits++
	for _, it := range req.Items {
		h.got[it.ID] = it
	}
	w.Write([]byte(`{}`))
}

func (h *fakeHub) set(down bool) {
	h.mu.Lock()
	h.down = down
	h.mu.Unlock()
}

func (h *fakeHub) values() map[string]bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]bool{}
	for _, s := range h.got {
		out[s.Type+":"+s.Value] = true
	}
	return out
}

const phishMail = "From: IT <it@acc0unts-party.example>\r\nTo: c@party.example\r\nSubject: Your password expires today\r\nMessage-ID: <p1@acc0unts-party.example>\r\nContent-Type: text/html\r\n\r\n<p>Your mailbox password expires today. Sign in to keep it.</p><a href=\"https://login.evil-host.example/owa\">Keep the same password</a><a href=\"http://192.0.2.7/x\">here</a>\r\n"

func TestSightings(t *testing.T) {
	a, err := New(Options{OwnDomains: []string{"party.example"}})
	if err != nil {
		t.Fatal(err)
	}
	res := a.Analyze(context.Background(), "p.eml", []byte(phishMail), nil)
	if res.Verdict != Phishing && res.Verdict != Malicious {
		t.Fatalf("verdict %s: %+v", res.Verdict, res.Reasons)
	}
	day1 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s1 := Sightings(res, "mx1", day1)
	vals := map[string]string{}
	for _, s := range s1 {
		vals[s.Type+":"+s.Value] = s.ID
		if s.Sensor != SightingSensor || s.Host != "mx1" || s.Count != 1 || !strings.Contains(s.ID, "p1@acc0unts-party.example") {
			t.Errorf("sighting %+v", s)
		}
	}
	for _, want := range []string{"domain:acc0unts-party.example", "domain:login.evil-host.example", "ipv4:192.0.2.7"} {
		if vals[want] == "" {
			t.Errorf("no sighting of %s in %v", want, vals)
		}
	}
	// same message, same day: same ids; next day: new ids
	s2 := Sightings(res, "mx1", day1.Add(3*time.Hour))
	s3 := Sightings(res, "mx1", day1.Add(24*time.Hour))
	if len(s2) != len(s1) || s2[0].ID != s1[0].ID || s3[0].ID == s1[0].ID {
		t.Errorf("ids not idempotent per day: %v / %v / %v", s1[0].ID, s2[0].ID, s3[0].ID)
	}
	// a clean message reports nothing
	clean := a.Analyze(context.Background(), "c.eml", []byte("From: Jean <jean@example.org>\r\nTo: c@party.example\r\nSubject: Lunch\r\n\r\nSee https://example.org/menu\r\n"), nil)
	if clean.Verdict != Clean {
		t.Fatalf("clean verdict %s", clean.Verdict)
	}
	if s := Sightings(clean, "mx1", day1); len(s) != 0 {
		t.Errorf("clean message sightings %+v", s)
	}
}

func TestHubReporterOutage(t *testing.T) {
	h := &fakeHub{got: map[string]hubclient.Sighting{}, down: true}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := hubclient.New(srv.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := New(Options{OwnDomains: []string{"party.example"}})
	res := a.Analyze(context.Background(), "p.eml", []byte(phishMail), nil)
	spool := &hubclient.Spool{Dir: filepath.Join(t.TempDir(), "spool")}
	rep := &HubReporter{Client: c, Spool: spool, Host: "mx1", Retry: 20 * time.Millisecond, Timeout: time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	go rep.Run(ctx)

	// the hub is down: Submit returns at once and the sightings wait in
	// the spool
	start := time.Now()
	rep.Submit(res)
	rep.Submit(res) // the same message twice (a retried delivery)
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("Submit took %v", d)
	}
	waitFor(t, func() bool { p, _ := spool.Pending(); return len(p) > 0 })
	if len(h.values()) != 0 {
		t.Fatal("hub down but got sightings")
	}
	// the hub comes back: the retry delivers everything, once per id
	h.set(false)
	waitFor(t, func() bool { p, _ := spool.Pending(); return len(p) == 0 && len(h.values()) > 0 })
	got := h.values()
	// the findings (what, where, what to do) travel with the sightings
	waitFor(t, func() bool { h.mu.Lock(); defer h.mu.Unlock(); return h.findings > 0 })
	if !got["domain:acc0unts-party.example"] || !got["domain:login.evil-host.example"] {
		t.Errorf("hub got %v", got)
	}
	h.mu.Lock()
	n := len(h.got)
	h.mu.Unlock()
	if n != len(Sightings(res, "mx1", time.Now())) {
		t.Errorf("hub holds %d distinct sightings, want %d", n, len(Sightings(res, "mx1", time.Now())))
	}
	// shutdown with the hub down: queued sightings go to the spool
	h.set(true)
	res2 := a.Analyze(context.Background(), "p2.eml", []byte(strings.Replace(phishMail, "<p1@", "<p2@", 1)), nil)
	rep.Submit(res2)
	cancel()
	<-rep.Done()
	waitFor(t, func() bool { p, _ := spool.Pending(); return len(p) > 0 })
	// a one-shot delivery (vigie mail check) flushes it when the hub is back
	h.set(false)
	r, err := Deliver(context.Background(), c, spool, nil)
	if err != nil || r.Batches == 0 {
		t.Fatalf("Deliver: %+v %v", r, err)
	}
	if p, _ := spool.Pending(); len(p) != 0 {
		t.Errorf("spool not emptied: %v", p)
	}
}

func TestHubReporterFullQueueSpools(t *testing.T) {
	spool := &hubclient.Spool{Dir: filepath.Join(t.TempDir(), "spool")}
	c, _ := hubclient.New("http://127.0.0.1:1", "tok")
	rep := &HubReporter{Client: c, Spool: spool, Host: "mx1"} // Run not started: nothing drains the queue
	a, _ := New(Options{OwnDomains: []string{"party.example"}})
	res := a.Analyze(context.Background(), "p.eml", []byte(phishMail), nil)
	for range hubQueue + 3 {
		rep.Submit(res)
	}
	if p, _ := spool.Pending(); len(p) != 3 {
		t.Errorf("%d batches spooled past the full queue, want 3", len(p))
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatal("timed out waiting")
}
