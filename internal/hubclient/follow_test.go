package hubclient

import (
	"context"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
	"github.com/vigie-project/vigie/internal/indicator"
)

// countingTransport counts the hub's answers by status.
type countingTransport struct {
	mu     sync.Mutex
	status map[int]int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		c.mu.Lock()
		c.status[resp.StatusCode]++
		c.mu.Unlock()
	}
	return resp, err
}

func (c *countingTransport) count(code int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status[code]
}

// A running sensor gets an indicator published on the hub while it runs,
// and stops matching one the agency expires or withdraws; an unchanged
// feed is answered 304; each change is applied as one whole set.
func TestFollowerAgainstTheRealHub(t *testing.T) {
	h := hubtest.Start(t)
	first := h.PublishOne("domain", "first-wave.example")
	c, err := New(h.URL, h.SensorToken)
	if err != nil {
		t.Fatal(err)
	}
	ct := &countingTransport{status: map[int]int{}}
	c.SetHTTPClient(&http.Client{Transport: ct, Timeout: 10 * time.Second})
	var current atomic.Pointer[indicator.Matcher]
	var applies atomic.Int32
	f := &Follower{Client: c, CachePath: filepath.Join(t.TempDir(), "hub-indicators.json"), Interval: 40 * time.Millisecond,
		Apply: func(inds []indicator.Indicator) error {
			current.Store(indicator.NewMatcher(inds, indicator.MatcherOptions{At: time.Now()}))
			applies.Add(1)
			return nil
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	defer func() { cancel(); <-done }()

	matches := func(d string) bool {
		m := current.Load()
		if m == nil {
			return false
		}
		_, ok := m.Domain(d)
		return ok
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting until %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("the first indicator is in force", func() bool { return matches("mail.first-wave.example") })
	// an unchanged feed: 304s, and no new apply
	n := applies.Load()
	waitFor("the hub answered 304", func() bool { return ct.count(http.StatusNotModified) >= 2 })
	if applies.Load() != n {
		t.Errorf("an unchanged feed was applied again")
	}
	second := h.PublishOne("domain", "second-wave.example")
	waitFor("an indicator published while running matches", func() bool { return matches("second-wave.example") })
	if !matches("first-wave.example") {
		t.Fatal("the first indicator was lost when the second came")
	}
	h.Expire(first)
	waitFor("an expired indicator stops matching", func() bool { return !matches("first-wave.example") })
	h.Withdraw(second)
	waitFor("a withdrawn indicator stops matching", func() bool { return !matches("second-wave.example") })

	// a restart without the hub starts from the cache
	f2 := &Follower{Client: mustClient(t, "http://127.0.0.1:1", "x"), CachePath: f.CachePath}
	third := h.PublishOne("domain", "third-wave.example")
	_ = third
	waitFor("the third indicator is cached", func() bool { return matches("third-wave.example") })
	var got []indicator.Indicator
	f2.Apply = func(inds []indicator.Indicator) error { got = inds; return nil }
	applied, err := f2.Sync(context.Background())
	var se *StaleError
	if !applied || err == nil || !asStale(err, &se) || se.Cached != 1 || len(got) != 1 || got[0].Value != "third-wave.example" {
		t.Fatalf("offline start: applied %v err %v got %+v", applied, err, got)
	}
}

func mustClient(t *testing.T, u, tok string) *Client {
	c, err := New(u, tok)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func asStale(err error, se **StaleError) bool {
	e, ok := err.(*StaleError)
	*se = e
	return ok
}

// An indicator whose validity ends while the sensor runs stops matching
// then, though the hub's feed did not change.
func TestFollowerValidityBoundary(t *testing.T) {
	h := hubtest.Start(t)
	until := time.Now().Add(300 * time.Millisecond).UTC()
	h.Call("POST", "/api/v1/indicators", map[string]any{"items": []map[string]any{{"type": "domain", "value": "short-lived.example", "valid_until": until}}})
	c := mustClient(t, h.URL, h.SensorToken)
	var current atomic.Pointer[indicator.Matcher]
	f := &Follower{Client: c, Interval: time.Hour, Apply: func(inds []indicator.Indicator) error {
		current.Store(indicator.NewMatcher(inds, indicator.MatcherOptions{At: time.Now()}))
		return nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(3 * time.Second)
	for seen := false; ; time.Sleep(10 * time.Millisecond) {
		m := current.Load()
		if m == nil {
			if time.Now().After(deadline) {
				t.Fatal("nothing applied")
			}
			continue
		}
		_, ok := m.Domain("short-lived.example")
		if ok {
			seen = true
		}
		if seen && !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("seen %v; the indicator still matches after its validity ended", seen)
		}
	}
}

func TestFollowerBackoff(t *testing.T) {
	f := &Follower{Interval: time.Minute, MaxBackoff: 10 * time.Minute}
	f.defaults()
	var prev time.Duration
	for n := 1; n <= 8; n++ {
		f.failures = n
		d := f.wait()
		if d > 11*time.Minute || (n > 1 && n < 5 && d < prev) {
			t.Errorf("failure %d: wait %v (previous %v)", n, d, prev)
		}
		prev = d
	}
	if prev < 9*time.Minute {
		t.Errorf("back-off stops at %v, want about MaxBackoff", prev)
	}
	f.failures = 0
	if d := f.wait(); d < 54*time.Second || d > 66*time.Second {
		t.Errorf("interval with jitter: %v", d)
	}
}

// A new version of an indicator whose value changed replaces the old value
// in the sensor's set (the hub keeps one indicator per id).
func TestCacheNewVersionReplacesOldValue(t *testing.T) {
	c := pullCache{Indicators: []indicator.Indicator{{ID: "indicator--1", Type: indicator.Domain, Value: "v1.example.com"}, {ID: "indicator--2", Type: indicator.Domain, Value: "other.example.com"}}}
	if !c.merge(Changes{Indicators: []indicator.Indicator{{ID: "indicator--1", Type: indicator.Domain, Value: "v2.example.com"}}, Next: "x"}, time.Now()) {
		t.Fatal("not changed")
	}
	if len(c.Indicators) != 2 || c.Indicators[0].Value != "other.example.com" || c.Indicators[1].Value != "v2.example.com" {
		t.Fatalf("cache %+v", c.Indicators)
	}
}

// A hub that sends a match-everything range (an old import, a hub set with
// a wide bound) does not make the sensor flag every address.
func TestSensorRefusesMatchEverythingRanges(t *testing.T) {
	h := hubtest.Start(t)
	h.Publish("ipv4", "45.9.148.7")
	// planted in the hub's database as an import before the bound existed
	if _, _, err := h.Store.PutIndicators(context.Background(), agencyViewer(t, h), storeActor, []indicator.Indicator{{Type: indicator.IPv4, Value: "0.0.0.0/0"}, {Type: indicator.IPv6, Value: "::/0"}}, storePut); err != nil {
		t.Fatal(err)
	}
	c := mustClient(t, h.URL, h.SensorToken)
	ch, err := c.PullChanges(context.Background(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Indicators) != 1 || ch.Indicators[0].Value != "45.9.148.7" || len(ch.Refused) != 2 {
		t.Fatalf("applied %+v refused %v", ch.Indicators, ch.Refused)
	}
}
