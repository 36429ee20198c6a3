package milter

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/mail"
)

// A running milter used to pull the hub once at start: a domain published
// a minute later passed as clean. With the feed follower, an indicator
// published while the milter runs flags the next message, and one the
// agency expires stops flagging.
func TestMilterFollowsTheHub(t *testing.T) {
	h := hubtest.Start(t)
	c, err := hubclient.New(h.URL, h.SensorToken)
	if err != nil {
		t.Fatal(err)
	}
	live := &Analyzers{}
	f := &hubclient.Follower{Client: c, CachePath: filepath.Join(t.TempDir(), "hub-indicators.json"), Interval: 30 * time.Millisecond,
		Apply: func(inds []indicator.Indicator) error {
			a, err := mail.New(mail.Options{OwnDomains: []string{"en-marche.fr"}, Indicators: indicator.NewMatcher(inds, indicator.MatcherOptions{At: time.Now()})})
			if err != nil {
				return err
			}
			live.Store(a)
			return nil
		}}
	if _, err := f.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	l, err := Listen("inet:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{Live: live, Policy: DefaultPolicy(), Host: "mx-test"}
	done := make(chan struct{})
	go func() { s.Serve(ctx, l); close(done) }()
	go f.Run(ctx)
	defer func() { cancel(); <-done }()

	hdrs := [][2]string{{"From", "Paul <paul@newly-bad.example>"}, {"To", "staff@en-marche.fr"}, {"Subject", "Réunion"}}
	verdict := func() string {
		got := strings.Join(deliver(t, l.Addr().String(), hdrs, "Bonjour, à jeudi.\r\n"), "\n")
		i := strings.Index(got, "X-Vigie-Verdict|")
		if i < 0 {
			t.Fatalf("no verdict header: %q", got)
		}
		v, _, _ := strings.Cut(got[i+len("X-Vigie-Verdict|"):], "|")
		return v
	}
	waitVerdict := func(want func(string) bool, what string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for v := verdict(); !want(v); v = verdict() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: verdict still %q", what, v)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if v := verdict(); v != "clean" {
		t.Fatalf("before publication: %q", v)
	}
	id := h.PublishOne("domain", "newly-bad.example")
	waitVerdict(func(v string) bool { return v != "clean" }, "an indicator published while the milter runs")
	h.Expire(id)
	waitVerdict(func(v string) bool { return v == "clean" }, "an expired indicator")
}
