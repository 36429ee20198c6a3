package scanrun

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vigie-project/vigie/internal/sweep"
)

// fakeHub is a minimal hub: one filename indicator, sightings stored by id.
type fakeHub struct {
	mu   sync.Mutex
	down bool
	got  map[string]int
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down || r.Header.Get("Authorization") != "Bearer tok" {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	switch r.URL.Path {
	case "/api/v1/indicators":
		items := []map[string]any{{"type": "filename", "value": "hubtool.exe", "source": "agency", "seq": 1}}
		if r.URL.Query().Get("since") == "1" {
			items = nil
		}
		json.NewEncoder(w).Encode(map[string]any{"items": items, "next": "1", "more": false})
	case "/api/v1/sightings":
		var req struct {
			Items []struct {
				ID, Type, Value string
			}
		}
		json.NewDecoder(r.Body).Decode(&req)
		for _, it := range req.Items {
			h.got[it.Type+":"+it.Value+":"+it.ID]++
		}
		w.Write([]byte(`{}`))
	}
}

func TestHubRoundTripWithOutage(t *testing.T) {
	h := &fakeHub{got: map[string]int{}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "hubtool.exe"), []byte("x"), 0o644)
	state := t.TempDir()
	cfg := Config{Paths: []string{root}, NoBuiltin: true, HubURL: srv.URL, HubToken: "tok", StateDir: state, Format: "jsonl",
		Sweep: sweep.Options{Threads: 1}}

	// Run 1: pull and report.
	var out, errb bytes.Buffer
	res, err := Run(context.Background(), cfg, &out, &errb)
	if err != nil || res.Findings != 1 {
		t.Fatalf("run 1: %+v %v\n%s", res, err, errb.String())
	}
	if len(h.got) != 1 {
		t.Fatalf("hub got %v", h.got)
	}
	// Run 2: the hub is down: the cached indicators are used and the
	// sighting waits in the spool.
	h.mu.Lock()
	h.down = true
	h.mu.Unlock()
	os.WriteFile(filepath.Join(root, "sub-hubtool.exe"), nil, 0o644)
	os.MkdirAll(filepath.Join(root, "d"), 0o755)
	os.WriteFile(filepath.Join(root, "d", "hubtool.exe"), []byte("y"), 0o644)
	errb.Reset()
	res, err = Run(context.Background(), cfg, &out, &errb)
	if err != nil || res.Findings != 2 {
		t.Fatalf("run 2: %+v %v\n%s", res, err, errb.String())
	}
	if !strings.Contains(errb.String(), "next run") {
		t.Errorf("no warning that sightings wait: %s", errb.String())
	}
	if n, _ := filepath.Glob(filepath.Join(state, "spool", "batch-*.json")); len(n) != 1 {
		t.Fatalf("spool %v", n)
	}
	// Run 3: the hub is back: the spooled batch and the new one are
	// delivered; the hub counts every sighting once.
	h.mu.Lock()
	h.down = false
	h.mu.Unlock()
	if _, err := Run(context.Background(), cfg, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if n, _ := filepath.Glob(filepath.Join(state, "spool", "batch-*.json")); len(n) != 0 {
		t.Errorf("spool not emptied: %v", n)
	}
	if len(h.got) != 2 {
		t.Errorf("hub has %d distinct sightings, want 2 (two files, same day): %v", len(h.got), h.got)
	}
}
