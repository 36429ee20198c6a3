package milter

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-project/vigie/internal/mail"
)

// Health. The MTA's milter_default_action decides what happens to mail
// while the milter is down, and with "accept" the only trace is a warning
// in the MTA's log. So the milter tells how it is doing: Handler serves
// /metrics (Prometheus text format, for a monitoring system) and /healthz
// (for a supervisor or "vigie status"), typically on 127.0.0.1.

// metrics are the milter's counters, updated atomically.
type milterStats struct {
	started     time.Time
	verdicts    sync.Map // mail.Verdict -> *atomic.Int64
	actions     sync.Map // Action -> *atomic.Int64
	failures    atomic.Int64
	protoErrors atomic.Int64
	conns       atomic.Int64
	connsTotal  atomic.Int64
	lastMessage atomic.Int64 // unix seconds
}

func counter(m *sync.Map, key any) *atomic.Int64 {
	if c, ok := m.Load(key); ok {
		return c.(*atomic.Int64)
	}
	c, _ := m.LoadOrStore(key, new(atomic.Int64))
	return c.(*atomic.Int64)
}

func (m *milterStats) verdict(v mail.Verdict, a Action) {
	counter(&m.verdicts, v).Add(1)
	counter(&m.actions, a).Add(1)
	m.lastMessage.Store(time.Now().Unix())
}

// failure counts a message answered by the failure policy (not analysed).
func (m *milterStats) failure(open bool) {
	m.failures.Add(1)
	a := Tempfail
	if open {
		a = Accept
	}
	counter(&m.actions, a).Add(1)
	m.lastMessage.Store(time.Now().Unix())
}

// HubStatus reports the hub link for the metrics: the time of the last
// successful pull of indicators (zero: none yet) and the sightings batches
// waiting in the spool.
type HubStatus func() (lastPull time.Time, spooled int)

// Handler serves /metrics and /healthz. hub may be nil (no hub).
func (s *Server) Handler(hub HubStatus) http.Handler {
	s.setup()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "ok: vigie milter up since %s, %d connection(s) open\n", s.metrics.started.UTC().Format(time.RFC3339), s.metrics.conns.Load())
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		s.writeMetrics(w, hub)
	})
	return mux
}

// writeMetrics writes the counters in the Prometheus text format.
func (s *Server) writeMetrics(w io.Writer, hub HubStatus) {
	m := &s.metrics
	metric := func(name, typ, help string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	labelled := func(sm *sync.Map, known []string) map[string]int64 {
		out := map[string]int64{}
		for _, k := range known {
			out[k] = 0
		}
		sm.Range(func(k, v any) bool {
			out[fmt.Sprint(k)] = v.(*atomic.Int64).Load()
			return true
		})
		return out
	}
	sorted := func(mm map[string]int64) []string {
		keys := make([]string, 0, len(mm))
		for k := range mm {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return keys
	}
	metric("vigie_milter_up", "gauge", "1 while the milter serves.")
	fmt.Fprintln(w, "vigie_milter_up 1")
	metric("vigie_milter_start_time_seconds", "gauge", "When the milter started (unix time).")
	fmt.Fprintf(w, "vigie_milter_start_time_seconds %d\n", m.started.Unix())
	metric("vigie_milter_messages_total", "counter", "Messages analysed, by verdict.")
	vs := labelled(&m.verdicts, []string{string(mail.Clean), string(mail.Suspicious), string(mail.Phishing), string(mail.Malicious)})
	for _, k := range sorted(vs) {
		fmt.Fprintf(w, "vigie_milter_messages_total{verdict=%q} %d\n", k, vs[k])
	}
	metric("vigie_milter_actions_total", "counter", "Answers given to the MTA, by action (including the failure policy's).")
	as := labelled(&m.actions, []string{string(Accept), string(Tag), string(Quarantine), string(Reject), string(Tempfail)})
	for _, k := range sorted(as) {
		fmt.Fprintf(w, "vigie_milter_actions_total{action=%q} %d\n", k, as[k])
	}
	metric("vigie_milter_unchecked_total", "counter", "Messages answered by the failure policy without a finished analysis (timeout, no memory room, internal error).")
	fmt.Fprintf(w, "vigie_milter_unchecked_total %d\n", m.failures.Load())
	metric("vigie_milter_protocol_errors_total", "counter", "Connections ended by a protocol or network error.")
	fmt.Fprintf(w, "vigie_milter_protocol_errors_total %d\n", m.protoErrors.Load())
	metric("vigie_milter_connections", "gauge", "MTA connections open now.")
	fmt.Fprintf(w, "vigie_milter_connections %d\n", m.conns.Load())
	metric("vigie_milter_connections_total", "counter", "MTA connections accepted.")
	fmt.Fprintf(w, "vigie_milter_connections_total %d\n", m.connsTotal.Load())
	metric("vigie_milter_in_flight_bytes", "gauge", "Message bytes held in memory now (being received or analysed).")
	fmt.Fprintf(w, "vigie_milter_in_flight_bytes %d\n", s.InFlight())
	metric("vigie_milter_last_message_time_seconds", "gauge", "When the last message was answered (unix time; 0: none yet).")
	fmt.Fprintf(w, "vigie_milter_last_message_time_seconds %d\n", m.lastMessage.Load())
	if hub != nil {
		last, spooled := hub()
		ts := int64(0)
		if !last.IsZero() {
			ts = last.Unix()
		}
		metric("vigie_hub_last_pull_time_seconds", "gauge", "When indicators were last pulled from the hub successfully (unix time; 0: never since start).")
		fmt.Fprintf(w, "vigie_hub_last_pull_time_seconds %d\n", ts)
		metric("vigie_hub_spool_batches", "gauge", "Batches of sightings waiting in the spool for the hub.")
		fmt.Fprintf(w, "vigie_hub_spool_batches %d\n", spooled)
	}
}

// ParseMetrics reads the Prometheus text format as written by Handler
// (one sample per line, no timestamps) into "name{labels}" -> value, for
// "vigie status". Comments and malformed lines are skipped.
func ParseMetrics(r io.Reader) (map[string]float64, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i <= 0 {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(line[i+1:], &v); err != nil {
			continue
		}
		out[line[:i]] = v
	}
	return out, nil
}
