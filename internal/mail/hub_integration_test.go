package mail

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/indicator"
)

// TestAgainstTheRealHub runs the mail analyzer against Vigie's own hub:
// the agency publishes a sender domain to every party, a party's sensor
// pulls it (through the cache vigie scan uses), a message from that domain
// is flagged, and its sightings reach the hub once although they are
// delivered twice.
func TestAgainstTheRealHub(t *testing.T) {
	ctx := context.Background()
	h := hubtest.Start(t)
	h.Publish("domain", "bad-sender.example")

	c, err := hubclient.New(h.URL, h.SensorToken)
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
	body := string(h.Call("GET", "/api/v1/sightings", nil))
	if n := strings.Count(body, `"bad-sender.example"`); n != 1 || strings.Contains(body, `"count":2`) {
		t.Errorf("the hub lists %d sightings of bad-sender.example, want 1:\n%s", n, body)
	}
}
