package pdns

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/indicator"
)

// SightingSensor names the resolver in hub sightings.
const SightingSensor = "vigie-dns"

// BlockReporter turns blocked queries into hub sightings. Blocks of one
// name are added up per minute, so that a device retrying a blocked name
// a hundred times makes one sighting with a count of a hundred; each
// sighting's id is the resolver, the name and the minute, so that a batch
// sent twice is counted once by the hub. The value is what the hub can
// correlate across parties: the indicator's own value when an indicator
// fired (the campaign alert then fires when two parties' resolvers block
// it), otherwise the listed or look-alike name.
//
// Add never blocks the resolver: it only updates a map. Run Flush on a
// ticker (Run does) to hand the minute's sightings to Sink, typically a
// local spool that a hub outage cannot lose.
type BlockReporter struct {
	Host string
	Sink func([]hubclient.Sighting) error
	Log  *slog.Logger

	mu      sync.Mutex
	pending map[repKey]*hubclient.Sighting
}

type repKey struct {
	typ, value string
	minute     int64
}

// maxPending bounds the distinct names waiting between two flushes.
const maxPending = 100_000

// Add records one block.
func (r *BlockReporter) Add(b Block) {
	typ, value := string(indicator.Domain), b.Decision.Trigger
	if ind := b.Decision.Indicator; ind != nil {
		typ, value = string(ind.Type), ind.Value
	}
	if value == "" {
		value = b.Name
	}
	minute := b.Time.Unix() / 60
	k := repKey{typ: typ, value: value, minute: minute}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending == nil {
		r.pending = map[repKey]*hubclient.Sighting{}
	}
	if s, ok := r.pending[k]; ok {
		s.Count++
		return
	}
	if len(r.pending) >= maxPending {
		return // the next flush makes room; the metrics still count every block
	}
	at := time.Unix(minute*60, 0).UTC()
	r.pending[k] = &hubclient.Sighting{
		ID:    "dns:" + r.Host + ":" + typ + ":" + value + "@" + at.Format("2006-01-02T15:04"),
		Value: value, Type: typ, ObservedAt: b.Time.UTC().Format(time.RFC3339), Count: 1,
		Sensor: SightingSensor, Host: r.Host,
	}
}

// Flush hands the sightings of finished minutes (all of them when all is
// set) to Sink; on a Sink error they stay for the next flush.
func (r *BlockReporter) Flush(now time.Time, all bool) error {
	cur := now.Unix() / 60
	r.mu.Lock()
	var out []hubclient.Sighting
	var keys []repKey
	for k, s := range r.pending {
		if all || k.minute < cur {
			out = append(out, *s)
			keys = append(keys, k)
		}
	}
	r.mu.Unlock()
	if len(out) == 0 || r.Sink == nil {
		return nil
	}
	if err := r.Sink(out); err != nil {
		return err
	}
	r.mu.Lock()
	for _, k := range keys {
		delete(r.pending, k)
	}
	r.mu.Unlock()
	return nil
}

// Run flushes every interval until ctx is done, then flushes everything.
func (r *BlockReporter) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := r.Flush(time.Now(), true); err != nil && r.Log != nil {
				r.Log.Error("dns sightings not saved", "err", err)
			}
			return
		case now := <-t.C:
			if err := r.Flush(now, false); err != nil && r.Log != nil {
				r.Log.Warn("dns sightings kept for the next try", "err", err)
			}
		}
	}
}

// trimDot drops a final dot.
func trimDot(s string) string { return strings.TrimSuffix(s, ".") }
