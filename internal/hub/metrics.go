package hub

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// metrics are the hub's Prometheus metrics, written in the text exposition
// format by hand (a handful of counters and one histogram).
type metrics struct {
	mu       sync.Mutex
	requests map[[2]string]uint64 // route, code
	buckets  []float64
	hist     map[string]*histogram // route

	sightingsAccepted  atomic.Uint64
	sightingsDuplicate atomic.Uint64
	indicatorsImported atomic.Uint64
	loginFailures      atomic.Uint64
	notifySent         atomic.Uint64
	notifyFailed       atomic.Uint64
	start              time.Time
}

type histogram struct {
	counts []uint64
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{
		requests: map[[2]string]uint64{},
		hist:     map[string]*histogram{},
		buckets:  []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10},
		start:    time.Now(),
	}
}

func (m *metrics) observe(route string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{route, fmt.Sprint(code)}]++
	h := m.hist[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(m.buckets))}
		m.hist[route] = h
	}
	s := d.Seconds()
	for i, b := range m.buckets {
		if s <= b {
			h.counts[i]++
		}
	}
	h.sum += s
	h.n++
}

func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP vigie_http_requests_total HTTP requests by route and status code.")
	fmt.Fprintln(w, "# TYPE vigie_http_requests_total counter")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		fmt.Fprintf(w, "vigie_http_requests_total{route=%q,code=%q} %d\n", k[0], k[1], m.requests[k])
	}
	fmt.Fprintln(w, "# HELP vigie_http_request_duration_seconds Time to answer HTTP requests, by route.")
	fmt.Fprintln(w, "# TYPE vigie_http_request_duration_seconds histogram")
	routes := make([]string, 0, len(m.hist))
	for r := range m.hist {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		h := m.hist[r]
		for i, b := range m.buckets {
			fmt.Fprintf(w, "vigie_http_request_duration_seconds_bucket{route=%q,le=%q} %d\n", r, strings.TrimSuffix(fmt.Sprintf("%g", b), ".0"), h.counts[i])
		}
		fmt.Fprintf(w, "vigie_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", r, h.n)
		fmt.Fprintf(w, "vigie_http_request_duration_seconds_sum{route=%q} %g\n", r, h.sum)
		fmt.Fprintf(w, "vigie_http_request_duration_seconds_count{route=%q} %d\n", r, h.n)
	}
	counter := func(name, help string, v uint64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
	}
	counter("vigie_sightings_accepted_total", "Sightings stored.", m.sightingsAccepted.Load())
	counter("vigie_notifications_sent_total", "Notification messages delivered (mail or webhook).", m.notifySent.Load())
	counter("vigie_notifications_failed_total", "Notification deliveries that failed (each is retried).", m.notifyFailed.Load())
	counter("vigie_sightings_duplicate_total", "Sightings received again under an id already stored (retries).", m.sightingsDuplicate.Load())
	counter("vigie_indicators_imported_total", "Indicators created or updated.", m.indicatorsImported.Load())
	counter("vigie_login_failures_total", "Failed logins.", m.loginFailures.Load())
	fmt.Fprintf(w, "# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintf(w, "# HELP process_start_time_seconds Start time of the process.\n# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %d\n", m.start.Unix())
}
