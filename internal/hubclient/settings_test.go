package hubclient

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
	"github.com/vigie-project/vigie/internal/store"
)

// TestFollowerSettings: the follower hands the party's declared domains
// over at the first sync and after each change only; a failing Settings
// keeps the previous domains and offers them again at the next pull; the
// domains kept on disk start a follower while the hub is down.
func TestFollowerSettings(t *testing.T) {
	ctx := context.Background()
	h := hubtest.Start(t)
	party, err := h.Store.OrgByName(ctx, "Party A")
	if err != nil {
		t.Fatal(err)
	}
	declare := func(d ...string) {
		t.Helper()
		if _, err := h.Store.PutOrgSettings(ctx, agencyViewer(t, h), storeActor, party.ID, store.OrgSettings{Sites: d}); err != nil {
			t.Fatal(err)
		}
	}
	declare("en-marche.fr")
	c, err := New(h.URL, h.SensorToken)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	calls := 0
	var fail error
	f := &Follower{Client: c, CachePath: filepath.Join(t.TempDir(), "hub"), Settings: func(s OrgSettings) error {
		calls++
		if fail != nil {
			return fail
		}
		got = s.Domains()
		return nil
	}}
	sync := func() error { _, err := f.Sync(ctx); return err }
	if err := sync(); err != nil || calls != 1 || strings.Join(got, ",") != "en-marche.fr" {
		t.Fatalf("first sync: %v calls %d got %v", err, calls, got)
	}
	if err := sync(); err != nil || calls != 1 {
		t.Errorf("unchanged settings applied again: %v calls %d", err, calls)
	}
	declare("en-marche.fr", "la-republique.fr")
	fail = errors.New("no room")
	if err := sync(); err == nil || calls != 2 || len(got) != 1 {
		t.Errorf("a failing apply: %v calls %d got %v", err, calls, got)
	}
	fail = nil
	if err := sync(); err != nil || calls != 3 || strings.Join(got, ",") != "en-marche.fr,la-republique.fr" {
		t.Errorf("offered again: %v calls %d got %v", err, calls, got)
	}
	down, _ := New("http://127.0.0.1:1", h.SensorToken)
	var kept []string
	f2 := &Follower{Client: down, CachePath: f.CachePath, Settings: func(s OrgSettings) error { kept = s.Domains(); return nil }}
	if _, err := f2.Sync(ctx); err == nil || len(kept) != 2 {
		t.Errorf("hub down: %v kept %v", err, kept)
	}
}
