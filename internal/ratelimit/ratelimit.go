// Package ratelimit keeps clients of a public service to a steady rate:
// the protective DNS resolver (vigie dns) and the hub's public leak pages
// and lookup use it.
package ratelimit

import (
	"net/netip"
	"sync"
	"time"
)

// Limiter is a token bucket per client address: rate tokens a second up
// to burst. A bucket idle long enough to be full again (at least a minute)
// is forgotten, so the table stays the size of the active clients. Every
// address of one IPv6 /64 is one client: an attacker owns the whole prefix.
type Limiter struct {
	rate, burst float64
	forget      time.Duration
	shards      [16]rlShard
}

type rlShard struct {
	mu    sync.Mutex
	m     map[netip.Addr]*bucket
	swept time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// New makes a limiter of rate tokens a second (> 0) up to burst (>= 1).
func New(rate, burst float64) *Limiter {
	r := &Limiter{rate: rate, burst: max(burst, 1), forget: time.Minute}
	if refill := time.Duration(r.burst / rate * float64(time.Second)); refill > r.forget {
		r.forget = refill
	}
	for i := range r.shards {
		r.shards[i].m = map[netip.Addr]*bucket{}
	}
	return r
}

// Allow takes one token for a; false means the client is over its rate.
func (r *Limiter) Allow(a netip.Addr, now time.Time) bool {
	a = a.Unmap()
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			a = p.Addr()
		}
	}
	b16 := a.As16()
	s := &r.shards[(b16[15]^b16[11]^b16[7])%16]
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.swept) > r.forget {
		for k, b := range s.m {
			if now.Sub(b.last) > r.forget {
				delete(s.m, k)
			}
		}
		s.swept = now
	}
	b, ok := s.m[a]
	if !ok {
		b = &bucket{tokens: r.burst, last: now}
		s.m[a] = b
	}
	b.tokens = min(r.burst, b.tokens+now.Sub(b.last).Seconds()*r.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
