package hubclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// fakeHub serves two pages of indicators and stores sightings by id, like
// the real hub (the id is the idempotency key).
type fakeHub struct {
	mu        sync.Mutex
	down      bool
	reject    bool
	posts     int
	sightings map[string]int // id → times received
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer secret" {
		http.Error(w, `{"error":"bad token"}`, http.StatusUnauthorized)
		return
	}
	if h.down {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return
	}
	switch {
	case r.Method == "GET" && r.URL.Path == "/api/v1/indicators":
		since, _ := strconv.Atoi(r.URL.Query().Get("since"))
		all := []map[string]any{
			{"type": "sha256", "value": fmt.Sprintf("%064x", 1), "seq": 1},
			{"type": "filename", "value": "pagemgr.exe", "seq": 2},
			{"type": "domain", "value": "old.example", "seq": 3, "expired": true},
		}
		var items []map[string]any
		for _, it := range all {
			if it["seq"].(int) > since && len(items) < 2 {
				items = append(items, it)
			}
		}
		next := since
		if len(items) > 0 {
			next = items[len(items)-1]["seq"].(int)
		}
		json.NewEncoder(w).Encode(map[string]any{"items": items, "next": strconv.Itoa(next), "more": next < 3})
	case r.Method == "POST" && r.URL.Path == "/api/v1/sightings":
		h.posts++
		if h.reject {
			http.Error(w, `{"error":"malformed"}`, http.StatusUnprocessableEntity)
			return
		}
		var req struct{ Items []Sighting }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		for _, s := range req.Items {
			h.sightings[s.ID]++
		}
		w.Write([]byte(`{"accepted":1}`))
	default:
		http.NotFound(w, r)
	}
}

func TestPullPages(t *testing.T) {
	h := &fakeHub{sightings: map[string]int{}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := New(srv.URL, "secret")
	if err != nil {
		t.Fatal(err)
	}
	inds, expired, next, err := c.Pull(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(inds) != 2 || len(expired) != 1 || next != "3" {
		t.Fatalf("inds %v expired %v next %q", inds, expired, next)
	}
	bad, _ := New(srv.URL, "wrong")
	if _, _, _, err := bad.Pull(context.Background(), ""); err == nil {
		t.Error("want an error for a refused token")
	}
	if _, err := New("ftp://x", "t"); err == nil {
		t.Error("want an error for a non-HTTP URL")
	}
}

func TestSpoolDeliversOnceAfterOutage(t *testing.T) {
	h := &fakeHub{sightings: map[string]int{}, down: true}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, _ := New(srv.URL, "secret")
	sp := &Spool{Dir: filepath.Join(t.TempDir(), "spool")}
	ctx := context.Background()

	// Run 1: the hub is down; the sightings wait in the spool.
	if err := sp.Add([]Sighting{sg("a", "filename", "x"), sg("b", "filename", "y")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.Flush(ctx, c); err == nil {
		t.Fatal("want an error while the hub is down")
	}
	if p, _ := sp.Pending(); len(p) != 1 {
		t.Fatalf("pending %v, want the batch kept", p)
	}
	// Run 2: the hub is back; a new batch is added; both are delivered.
	h.mu.Lock()
	h.down = false
	h.mu.Unlock()
	sp.Add([]Sighting{sg("c", "filename", "z")})
	res, err := sp.Flush(ctx, c)
	if err != nil || res.Sent != 3 || res.Batches != 2 {
		t.Fatalf("flush %+v err %v", res, err)
	}
	// Run 3: nothing left, nothing sent twice.
	res, err = sp.Flush(ctx, c)
	if err != nil || res.Sent != 0 {
		t.Fatalf("second flush %+v err %v", res, err)
	}
	for id, n := range h.sightings {
		if n != 1 {
			t.Errorf("sighting %s received %d times", id, n)
		}
	}
	if len(h.sightings) != 3 {
		t.Errorf("hub has %d sightings, want 3", len(h.sightings))
	}
}

func TestSpoolRejectedAndCorruptBatches(t *testing.T) {
	h := &fakeHub{sightings: map[string]int{}, reject: true}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, _ := New(srv.URL, "secret")
	sp := &Spool{Dir: t.TempDir()}
	sp.Add([]Sighting{sg("a", "filename", "x")})
	os.WriteFile(filepath.Join(sp.Dir, "batch-0-corrupt.json"), []byte("{not json"), 0o600)
	res, err := sp.Flush(context.Background(), c)
	if err != nil || res.Rejected != 2 {
		t.Fatalf("flush %+v err %v", res, err)
	}
	if p, _ := sp.Pending(); len(p) != 0 {
		t.Errorf("rejected batches still pending: %v", p)
	}
	if ents, _ := os.ReadDir(filepath.Join(sp.Dir, "rejected")); len(ents) != 2 {
		t.Errorf("want 2 batches kept in rejected/, got %d", len(ents))
	}
}

func TestSpoolSplitsBatches(t *testing.T) {
	sp := &Spool{Dir: t.TempDir()}
	items := make([]Sighting, MaxBatch+1)
	for i := range items {
		items[i] = sg(strconv.Itoa(i), "filename", "f.exe")
	}
	sp.Add(items)
	if p, _ := sp.Pending(); len(p) != 2 {
		t.Errorf("want 2 batches, got %d", len(p))
	}
}

// sg is a valid sighting.
func sg(id, typ, value string) Sighting {
	return Sighting{ID: id, Type: typ, Value: value, ObservedAt: "2026-05-01T08:30:00Z", Count: 1, Sensor: "test"}
}
