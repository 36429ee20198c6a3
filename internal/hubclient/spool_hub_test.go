package hubclient

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// The values a milter reported as domains (issue #20) are dropped on the
// sensor, with the reason, before they are spooled; the valid ones of the
// same batch reach the hub.
func TestSpoolDropsInvalidValuesBeforeSpooling(t *testing.T) {
	h := hubtest.Start(t)
	c := mustClient(t, h.URL, h.SensorToken)
	sp := &Spool{Dir: filepath.Join(t.TempDir(), "spool"), Logger: quiet}
	bad := []string{"pedidoretido188781463", "{nutella.de}", "theskimm,com", "0xb2a2f51a", "evil-host.fr\u00a0Cliquez ici"}
	items := []Sighting{sg("good-1", "domain", "Phish-Login.COM."), sg("good-2", "ipv4", "185.86.148.227")}
	for i, v := range bad {
		items = append(items, sg("bad-"+string(rune('a'+i)), "domain", v))
	}
	dropped, err := sp.AddChecked(items)
	if err != nil {
		t.Fatal(err)
	}
	if len(dropped) != len(bad) {
		t.Fatalf("dropped %d, want %d: %+v", len(dropped), len(bad), dropped)
	}
	for _, d := range dropped {
		if d.Reason == "" || !strings.HasPrefix(d.Sighting.ID, "bad-") {
			t.Errorf("dropped %+v", d)
		}
	}
	res, err := sp.Flush(context.Background(), c)
	if err != nil || res.Sent != 2 || res.Rejected != 0 || res.Dropped != 0 {
		t.Fatalf("flush %+v %v", res, err)
	}
	body := string(h.Call("GET", "/api/v1/sightings", nil))
	if !strings.Contains(body, `"phish-login.com"`) || !strings.Contains(body, "185.86.148.227") {
		t.Errorf("the valid sightings did not reach the hub: %s", body)
	}
}

// A batch already in the spool with one value the hub refuses (written by
// an older sensor) is not dropped whole: the hub stores the good items,
// the bad one is logged and removed, the batch leaves the spool.
func TestSpoolBatchWithOneBadItem(t *testing.T) {
	h := hubtest.Start(t)
	c := mustClient(t, h.URL, h.SensorToken)
	sp := &Spool{Dir: filepath.Join(t.TempDir(), "spool"), Logger: quiet}
	items := []Sighting{sg("ok-1", "domain", "evil-one.com"), sg("bad", "domain", "theskimm,com"), sg("ok-2", "domain", "evil-two.com")}
	data, _ := json.Marshal(items)
	os.MkdirAll(sp.Dir, 0o700)
	if err := os.WriteFile(filepath.Join(sp.Dir, "batch-20260101T000000.000000000-old.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := sp.Flush(context.Background(), c)
	if err != nil || res.Dropped != 1 || res.Sent != 2 || res.Rejected != 0 || res.Batches != 1 {
		t.Fatalf("flush %+v %v", res, err)
	}
	if p, _ := sp.Pending(); len(p) != 0 {
		t.Errorf("batch still pending: %v", p)
	}
	if _, err := os.Stat(filepath.Join(sp.Dir, "rejected")); err == nil {
		t.Error("a batch was moved to rejected/")
	}
	body := string(h.Call("GET", "/api/v1/sightings", nil))
	if !strings.Contains(body, "evil-one.com") || !strings.Contains(body, "evil-two.com") {
		t.Errorf("the good sightings are not on the hub: %s", body)
	}
	// the batch again (a lost acknowledgement): counted once
	os.WriteFile(filepath.Join(sp.Dir, "batch-20260101T000001.000000000-old.json"), data, 0o600)
	if res, err := sp.Flush(context.Background(), c); err != nil || res.Dropped != 1 {
		t.Fatalf("second flush %+v %v", res, err)
	}
	body = string(h.Call("GET", "/api/v1/sightings", nil))
	if n := strings.Count(body, `"evil-one.com"`); n != 1 {
		t.Errorf("evil-one.com stored %d times", n)
	}
	// a batch of only bad items: 422 with the items named, all dropped
	only, _ := json.Marshal([]Sighting{sg("bad-2", "domain", "0xb2a2f51a")})
	os.WriteFile(filepath.Join(sp.Dir, "batch-20260101T000002.000000000-old.json"), only, 0o600)
	if res, err := sp.Flush(context.Background(), c); err != nil || res.Dropped != 1 || res.Rejected != 0 {
		t.Fatalf("all-bad flush %+v %v", res, err)
	}
	if p, _ := sp.Pending(); len(p) != 0 {
		t.Errorf("batch still pending: %v", p)
	}
}
