package pdns

import (
	"net/netip"
	"sync"
	"time"
)

// rateLimiter is a token bucket per client address: rate tokens a second
// up to burst. Buckets idle for a minute are forgotten, so the table stays
// the size of the active clients.
type rateLimiter struct {
	rate, burst float64
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

const rlForget = time.Minute

func newRateLimiter(rate, burst float64) *rateLimiter {
	r := &rateLimiter{rate: rate, burst: burst}
	for i := range r.shards {
		r.shards[i].m = map[netip.Addr]*bucket{}
	}
	return r
}

// allow takes one token for a; false means the client is over its rate.
func (r *rateLimiter) allow(a netip.Addr, now time.Time) bool {
	// Clients of one IPv6 /64 are one client: an attacker owns the whole
	// prefix.
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			a = p.Addr()
		}
	}
	b16 := a.As16()
	s := &r.shards[(b16[15]^b16[11]^b16[7])%16]
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.swept) > rlForget {
		for k, b := range s.m {
			if now.Sub(b.last) > rlForget {
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
