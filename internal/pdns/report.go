package pdns

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/report"
)

// SightingSensor names the resolver in hub sightings.
const SightingSensor = "vigie-dns"

// BlockReporter turns blocked queries into hub sightings and findings. Blocks of one
// name are added up per minute, so that a device retrying a blocked name
// a hundred times makes one sighting with a count of a hundred; each
// sighting's id is the resolver, the name and the minute, so that a batch
// sent twice is counted once by the hub. The value is what the hub can
// correlate across parties: the indicator's own value when an indicator
// fired (the campaign alert then fires when two parties' resolvers block
// it), otherwise the listed or look-alike name.
//
// Each sighting comes with a finding in plain words for the party's
// dashboard: which name, why it is dangerous, what to do; the client's
// address is in it only when the resolver logs clients.
//
// Add never blocks the resolver: it only updates a map. Run Flush on a
// ticker (Run does) to hand the minute's sightings and findings to Sink,
// typically a local spool that a hub outage cannot lose.
type BlockReporter struct {
	Host string
	Sink func([]hubclient.Sighting, []report.Finding) error
	Log  *slog.Logger

	mu      sync.Mutex
	pending map[repKey]*pendingBlock
	dropped int // blocks not reported since the last flush (too many names)
}

type pendingBlock struct {
	s hubclient.Sighting
	f report.Finding
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
		r.pending = map[repKey]*pendingBlock{}
	}
	if p, ok := r.pending[k]; ok {
		p.s.Count++
		p.addClient(b.Client)
		return
	}
	if len(r.pending) >= maxPending {
		r.dropped++ // said at the next flush; the metrics still count every block
		return
	}
	at := time.Unix(minute*60, 0).UTC()
	id := "dns:" + r.Host + ":" + typ + ":" + value + "@" + at.Format("2006-01-02T15:04")
	p := &pendingBlock{
		s: hubclient.Sighting{ID: id, Value: value, Type: typ, ObservedAt: b.Time.UTC().Format(time.RFC3339), Count: 1,
			Sensor: SightingSensor, Host: r.Host},
		f: blockFinding(b, id, r.Host, typ, value),
	}
	p.addClient(b.Client)
	r.pending[k] = p
}

// maxClientsPerFinding bounds the client addresses one finding lists.
const maxClientsPerFinding = 20

func (p *pendingBlock) addClient(a netip.Addr) {
	if !a.IsValid() || len(p.f.Evidence) > maxClientsPerFinding {
		return
	}
	for _, e := range p.f.Evidence {
		if e.Name == "client" && e.Data == a.String() {
			return
		}
	}
	p.f.Evidence = append(p.f.Evidence, report.Evidence{Name: "client", Data: a.String(), Detail: "the device that asked for the name"})
}

// blockFinding says in plain words what a block means for the party.
func blockFinding(b Block, id, host, typ, value string) report.Finding {
	d := b.Decision
	m := report.Match{Kind: "indicator", Type: typ, Value: value, Source: d.Source}
	title := "A device on the network tried to reach a known malicious domain"
	sev := report.High
	switch d.Kind {
	case KindLookalike:
		m = report.Match{Kind: "check", Type: "look-alike", Value: value, Source: "look-alike detector"}
		title = "A device on the network tried to reach a look-alike of a protected domain"
	case KindRPZ, KindList:
		m = report.Match{Kind: "check", Type: d.Kind, Value: value, Source: d.Source}
		title = "A device on the network tried to reach a domain on a block list"
		sev = report.Medium
	}
	if ind := d.Indicator; ind != nil {
		m.TLP = string(ind.TLP)
		m.Threats = ind.Threats
		if ind.Source != "" {
			m.Source = ind.Source
		}
	}
	return report.Finding{
		Schema: report.SchemaVersion, Time: b.Time.UTC(), Sensor: "dns", Host: host, Severity: sev,
		Title:    title,
		Subject:  report.Subject{Kind: "dns-query", Name: b.Name},
		Match:    m,
		Evidence: []report.Evidence{{Name: "reason", Data: b.Name, Detail: d.Reason()}},
		Advice: "The lookup was blocked, so the page did not open. Someone clicked a link or opened a file that leads there: " +
			"find out who (run vigie dns with --log-clients to see which device), ask whether they typed a password or downloaded something, " +
			"and if so change that password at once and have the device checked (vigie scan).",
		ID: id,
	}
}

// Flush hands the sightings and findings of finished minutes (all of them when all is
// set) to Sink; on a Sink error they stay for the next flush.
func (r *BlockReporter) Flush(now time.Time, all bool) error {
	cur := now.Unix() / 60
	r.mu.Lock()
	if r.dropped > 0 && r.Log != nil {
		r.Log.Warn("blocked queries not reported to the hub: more distinct names in a minute than the reporter keeps", "dropped", r.dropped, "max_names", maxPending)
	}
	r.dropped = 0
	var out []hubclient.Sighting
	var fs []report.Finding
	var keys []repKey
	for k, p := range r.pending {
		if all || k.minute < cur {
			out = append(out, p.s)
			fs = append(fs, p.f)
			keys = append(keys, k)
		}
	}
	r.mu.Unlock()
	if len(out) == 0 || r.Sink == nil {
		return nil
	}
	if err := r.Sink(out, fs); err != nil {
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

// SpoolSink is a BlockReporter.Sink that writes to a spool: sightings and
// findings wait there until the hub takes them.
func SpoolSink(s *hubclient.Spool) func([]hubclient.Sighting, []report.Finding) error {
	return func(ss []hubclient.Sighting, fs []report.Finding) error {
		if err := s.Add(ss); err != nil {
			return err
		}
		return s.AddFindings(fs)
	}
}

// trimDot drops a final dot.
func trimDot(s string) string { return strings.TrimSuffix(s, ".") }
