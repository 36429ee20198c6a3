package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/store"
)

// TestAgainstTheRealHub runs the mail analyzer against Vigie's own hub:
// the agency publishes a sender domain to every party, a party's sensor
// pulls it (through the cache vigie scan uses), a message from that domain
// is flagged, and its sightings reach the hub once although they are
// delivered twice.
func TestAgainstTheRealHub(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	actor := store.Actor{Name: "test"}
	agency, err := st.CreateOrg(ctx, actor, "Agency", store.KindAgency)
	if err != nil {
		t.Fatal(err)
	}
	party, err := st.CreateOrg(ctx, actor, "Party A", store.KindParty)
	if err != nil {
		t.Fatal(err)
	}
	analyst, err := hub.CreateToken(ctx, st, actor, agency.ID, "analyst", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	sensor, err := hub.CreateToken(ctx, st, actor, party.ID, "sensor", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(hub.New(hub.Options{Store: st, BodyLimit: 1 << 20, ImportLimit: 256 << 10}))
	defer ts.Close()
	call := func(method, path string, body any) []byte {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, ts.URL+path, rd)
		req.Header.Set("Authorization", "Bearer "+analyst.Secret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: HTTP %d %s", method, path, resp.StatusCode, out)
		}
		return out
	}
	call("POST", "/api/v1/indicators", map[string]any{
		"items": []map[string]any{{"type": "domain", "value": "bad-sender.example"}}, "distribution": "all"})

	c, err := hubclient.New(ts.URL, sensor.Secret)
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	inds, err := hubclient.PullCached(ctx, c, filepath.Join(state, "hub-indicators.json"))
	if err != nil || len(inds) != 1 {
		t.Fatalf("pull: %v %v", inds, err)
	}
	a, err := New(Options{Indicators: indicator.NewMatcher(inds, indicator.MatcherOptions{At: time.Now()})})
	if err != nil {
		t.Fatal(err)
	}
	msg := "From: Paul <paul@bad-sender.example>\r\nTo: c@party.example\r\nSubject: hi\r\nMessage-ID: <b1@bad-sender.example>\r\n\r\nhello\r\n"
	res := a.Analyze(ctx, "b.eml", []byte(msg), nil)
	if !res.has("indicator-sender-domain") {
		t.Fatalf("hub indicator not applied: %+v", res.Reasons)
	}
	spool := &hubclient.Spool{Dir: filepath.Join(state, "spool")}
	for run := 1; run <= 2; run++ {
		if r, err := Deliver(ctx, c, spool, Sightings(res, "mx1", time.Now())); err != nil || r.Rejected != 0 {
			t.Fatalf("delivery %d: %+v %v", run, r, err)
		}
	}
	body := string(call("GET", "/api/v1/sightings", nil))
	if n := strings.Count(body, `"bad-sender.example"`); n != 1 || strings.Contains(body, `"count":2`) {
		t.Errorf("the hub lists %d sightings of bad-sender.example, want 1:\n%s", n, body)
	}
}
