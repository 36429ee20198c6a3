package pdns

import (
	"encoding/binary"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// CacheOptions bound the answer cache.
type CacheOptions struct {
	// MaxEntries is the most answers kept (default 100,000).
	MaxEntries int
	// MaxTTL caps how long an answer is kept whatever its TTL (default one
	// day); MinTTL... is not offered: raising TTLs breaks fast failover.
	MaxTTL time.Duration
	// NegativeMaxTTL caps negative answers (default one hour, RFC 2308 §5
	// suggests one to three hours).
	NegativeMaxTTL time.Duration
	// Stale is how long an expired answer may still be served when every
	// upstream fails (RFC 8767; default one day, 0 uses the default, a
	// negative value turns serve-stale off).
	Stale time.Duration
}

func (o *CacheOptions) defaults() {
	if o.MaxEntries <= 0 {
		o.MaxEntries = 100_000
	}
	if o.MaxTTL <= 0 {
		o.MaxTTL = 24 * time.Hour
	}
	if o.NegativeMaxTTL <= 0 {
		o.NegativeMaxTTL = time.Hour
	}
	if o.Stale == 0 {
		o.Stale = 24 * time.Hour
	}
	if o.Stale < 0 {
		o.Stale = 0
	}
}

// staleTTL is the TTL of a stale answer (RFC 8767 §4 recommends 30 s).
const staleTTL = 30

const cacheShards = 64

// cache holds packed answers by question and client kind (with or
// without EDNS, DO bit), each ready to be copied out and patched.
type cache struct {
	opt    CacheOptions
	seed   maphash.Seed
	shards [cacheShards]cacheShard
	perMax int
}

type cacheShard struct {
	mu sync.RWMutex
	m  map[string]*cacheEntry
}

type cacheEntry struct {
	ans      wireAnswer
	stored   time.Time
	expires  time.Time // end of the TTL
	stale    time.Time // end of serve-stale
	ttl      uint32    // the TTL the entry was stored with
	ttlBuf   [8]uint16 // ans.ttls when it has room
	hits     atomic.Uint32
	fetching atomic.Bool // a prefetch is under way
	// passed is the generation of the policy under which the name last
	// passed (activePolicy); 0: never.
	passed atomic.Uint64
}

func newCache(o CacheOptions) *cache {
	o.defaults()
	c := &cache{opt: o, seed: maphash.MakeSeed(), perMax: max(o.MaxEntries/cacheShards, 1)}
	for i := range c.shards {
		c.shards[i].m = make(map[string]*cacheEntry)
	}
	return c
}

// cacheKey is the lower-case name, then type, class and the client kind.
// It is built in a caller's buffer to avoid allocating.
func cacheKey(buf []byte, q *query) []byte {
	buf = append(buf[:0], q.lower()...)
	var flags byte
	if q.hasOPT {
		flags |= 1
	}
	if q.do {
		flags |= 2
	}
	if q.cd {
		flags |= 4
	}
	return append(buf, 0, byte(q.qtype>>8), byte(q.qtype), byte(q.qclass>>8), byte(q.qclass), flags)
}

func (c *cache) shard(key []byte) *cacheShard {
	return &c.shards[maphash.Bytes(c.seed, key)%cacheShards]
}

// get returns the entry for key, fresh or within serve-stale.
func (c *cache) get(key []byte, now time.Time) (*cacheEntry, bool) {
	s := c.shard(key)
	s.mu.RLock()
	e, ok := s.m[string(key)]
	s.mu.RUnlock()
	if !ok || now.After(e.stale) {
		return nil, false
	}
	return e, true
}

// newEntry keeps a copy of the answer w, to be cached for ttl seconds.
func (c *cache) newEntry(w *wireAnswer, ttl uint32, now time.Time) *cacheEntry {
	e := &cacheEntry{ans: *w, stored: now, ttl: ttl}
	e.ans.msg = append([]byte(nil), w.msg...)
	if len(w.ttls) <= len(e.ttlBuf) {
		e.ans.ttls = append(e.ttlBuf[:0], w.ttls...)
	} else {
		e.ans.ttls = append([]uint16(nil), w.ttls...)
	}
	e.expires = now.Add(time.Duration(ttl) * time.Second)
	e.stale = e.expires.Add(c.opt.Stale)
	return e
}

// put keeps e under key, evicting about a tenth of a full shard in the
// map's random order. Entries with TTL 0 are not kept.
func (c *cache) put(key []byte, e *cacheEntry) {
	if e.ttl == 0 {
		return
	}
	s := c.shard(key)
	s.mu.Lock()
	if len(s.m) >= c.perMax {
		n := c.perMax/10 + 1
		for k := range s.m {
			delete(s.m, k)
			if n--; n == 0 {
				break
			}
		}
	}
	s.m[string(key)] = e
	s.mu.Unlock()
}

// age is how many whole seconds an entry has been kept.
func (e *cacheEntry) age(now time.Time) uint32 {
	d := now.Sub(e.stored)
	if d < 0 {
		return 0
	}
	return uint32(d / time.Second)
}

// rcode of the stored answer.
func (e *cacheEntry) rcode() int { return int(binary.BigEndian.Uint16(e.ans.msg[2:]) & 0xF) }

// len counts the entries (for metrics).
func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}
