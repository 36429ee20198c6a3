package pdns

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Metrics counts what the resolver did, for Prometheus (WriteTo) and for
// tests. The names follow Prometheus conventions under vigie_dns_.
type Metrics struct {
	queries                      [4]atomic.Int64 // by transport
	malformed, refused           atomic.Int64
	rateLimited                  atomic.Int64
	cacheHits, cacheMisses       atomic.Int64
	stale, prefetches            atomic.Int64
	upstreamErrors               atomic.Int64
	policyNames                  atomic.Int64
	upstreamLatency              [11]atomic.Int64 // len(latencyBuckets)+1
	upstreamSumMicros, upstreamN atomic.Int64

	mu     sync.Mutex
	blocks map[string]int64 // by source kind
}

// latencyBuckets are the upper bounds of the upstream latency histogram.
var latencyBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2}

func newMetrics() *Metrics { return &Metrics{blocks: map[string]int64{}} }

func (m *Metrics) countBlock(kind string) {
	m.mu.Lock()
	m.blocks[kind]++
	m.mu.Unlock()
}

func (m *Metrics) observeUpstream(d time.Duration, err error) {
	if err != nil {
		m.upstreamErrors.Add(1)
		return
	}
	s := d.Seconds()
	i := sort.SearchFloat64s(latencyBuckets, s)
	m.upstreamLatency[i].Add(1)
	m.upstreamSumMicros.Add(d.Microseconds())
	m.upstreamN.Add(1)
}

// Blocked returns the number of blocked queries of a source kind ("" for all).
func (m *Metrics) Blocked(kind string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if kind != "" {
		return m.blocks[kind]
	}
	var n int64
	for _, v := range m.blocks {
		n += v
	}
	return n
}

// CacheHits is the number of answers served from the cache.
func (m *Metrics) CacheHits() int64 { return m.cacheHits.Load() }

// Stale is the number of stale answers served.
func (m *Metrics) Stale() int64 { return m.stale.Load() }

// WriteMetrics writes the metrics in the Prometheus text format.
func (s *Server) WriteMetrics(w io.Writer) error {
	m := s.M
	var err error
	p := func(format string, a ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, a...)
		}
	}
	p("# HELP vigie_dns_queries_total Queries received, by transport.\n# TYPE vigie_dns_queries_total counter\n")
	for i, name := range []string{"udp", "tcp", "tls", "https"} {
		p("vigie_dns_queries_total{transport=%q} %d\n", name, m.queries[i].Load())
	}
	p("# HELP vigie_dns_blocked_total Queries blocked, by the kind of source that listed the name.\n# TYPE vigie_dns_blocked_total counter\n")
	m.mu.Lock()
	kinds := make([]string, 0, len(m.blocks))
	for k := range m.blocks {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		p("vigie_dns_blocked_total{source=%q} %d\n", k, m.blocks[k])
	}
	m.mu.Unlock()
	counter := func(name, help string, v int64) {
		p("# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
	}
	counter("vigie_dns_cache_hits_total", "Answers served from the cache.", m.cacheHits.Load())
	counter("vigie_dns_cache_misses_total", "Queries sent upstream.", m.cacheMisses.Load())
	counter("vigie_dns_stale_answers_total", "Expired answers served because every upstream failed (RFC 8767).", m.stale.Load())
	counter("vigie_dns_prefetches_total", "Popular answers refreshed before they expired.", m.prefetches.Load())
	counter("vigie_dns_upstream_failures_total", "Forwarded queries that no upstream answered.", m.upstreamErrors.Load())
	counter("vigie_dns_refused_total", "Queries from clients outside --allow.", m.refused.Load())
	counter("vigie_dns_rate_limited_total", "Queries dropped because their client exceeded --rate-limit.", m.rateLimited.Load())
	counter("vigie_dns_malformed_total", "Requests that were not well-formed queries.", m.malformed.Load())
	p("# HELP vigie_dns_upstream_seconds Latency of answered upstream queries.\n# TYPE vigie_dns_upstream_seconds histogram\n")
	var cum int64
	for i, b := range latencyBuckets {
		cum += m.upstreamLatency[i].Load()
		p("vigie_dns_upstream_seconds_bucket{le=\"%g\"} %d\n", b, cum)
	}
	cum += m.upstreamLatency[len(latencyBuckets)].Load()
	p("vigie_dns_upstream_seconds_bucket{le=\"+Inf\"} %d\n", cum)
	p("vigie_dns_upstream_seconds_sum %g\nvigie_dns_upstream_seconds_count %d\n", float64(m.upstreamSumMicros.Load())/1e6, m.upstreamN.Load())
	p("# HELP vigie_dns_cache_entries Answers in the cache.\n# TYPE vigie_dns_cache_entries gauge\nvigie_dns_cache_entries %d\n", s.cache.len())
	p("# HELP vigie_dns_policy_names Trigger names in the policy in force.\n# TYPE vigie_dns_policy_names gauge\nvigie_dns_policy_names %d\n", m.policyNames.Load())
	return err
}
