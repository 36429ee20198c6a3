package hub

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The token rotation of docs/hub-operations.md, step by step, while a
// sensor keeps pulling: the party's administrator creates a new sensor
// token, the sensor switches to it, the Tokens list shows it used, the old
// one is revoked and stops at once — and no pull of the sensor failed.
func TestTokenRotationWithoutAGap(t *testing.T) {
	e := newEnv(t)
	e.publish("domain", "rotation.example.org", "all")
	var current atomic.Value
	current.Store(e.tok["a-sensor"])
	var failures, pulls atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/indicators", nil)
			req.Header.Set("Authorization", "Bearer "+current.Load().(string))
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != 200 {
				failures.Add(1)
			}
			if res != nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			pulls.Add(1)
			time.Sleep(2 * time.Millisecond)
		}
	})
	waitPulls := func(n int64) {
		for target := pulls.Load() + n; pulls.Load() < target; {
			time.Sleep(time.Millisecond)
		}
	}
	waitPulls(5)
	// 1. The party's administrator creates the new token.
	nt := e.expect(e.do("POST", "/api/v1/tokens", "a-admin", map[string]any{"role": "sensor", "name": "office scanner 2027"}), 201).json(t)
	newTok, newID := nt["token"].(string), nt["id"].(float64)
	if nt["org"] != "Party A" {
		t.Errorf("new token: %v", nt)
	}
	// 2. The sensor's configuration gets it.
	current.Store(newTok)
	waitPulls(5)
	// 3. The Tokens list shows the new token used.
	used := false
	for _, tk := range e.expect(e.do("GET", "/api/v1/tokens", "a-admin", nil), 200).items(t) {
		if tk["id"].(float64) == newID && tk["last_used_at"] != nil {
			used = true
		}
	}
	if !used {
		t.Error("the Tokens list does not show the new token as used")
	}
	// 4. The old token is revoked: it stops at once, the new one goes on.
	var oldID float64
	for _, tk := range e.expect(e.do("GET", "/api/v1/tokens", "a-admin", nil), 200).items(t) {
		if tk["role"] == "sensor" && tk["id"].(float64) != newID {
			oldID = tk["id"].(float64)
		}
	}
	e.expect(e.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", int64(oldID)), "a-admin", nil), 200)
	e.expect(e.do("GET", "/api/v1/indicators", e.tok["a-sensor"], nil), 401)
	waitPulls(5)
	close(stop)
	wg.Wait()
	if f := failures.Load(); f != 0 {
		t.Fatalf("%d of %d pulls failed during the rotation", f, pulls.Load())
	}
	// Party B's administrator cannot revoke or see Party A's tokens.
	e.expect(e.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", int64(newID)), "b-admin", nil), 404)
	e.expect(e.do("GET", "/api/v1/indicators", newTok, nil), 200)
}
