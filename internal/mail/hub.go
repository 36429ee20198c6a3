package mail

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/report"
	"github.com/vigie-project/vigie/internal/yararules"
)

// maxSightingHosts bounds the link hosts one message reports.
const maxSightingHosts = 50

// SightingSensor names the mail analyzer in hub sightings.
const SightingSensor = "vigie-mail"

// Sightings turns a result into hub sightings: every indicator or rule
// that fired, and, for phishing and malicious messages, the values an
// analyst of another party would look for — the sender's domain and the
// hosts of the links. Each id is the message (its Message-ID, or the
// file name when it has none), the value and the day, so the same message
// reported twice (a rerun, a retried batch) is counted once by the hub.
func Sightings(r *Result, host string, now time.Time) []hubclient.Sighting {
	key := r.MessageID
	if key == "" {
		key = r.File
	}
	day := now.UTC().Format("2006-01-02")
	at := now.UTC().Format(time.RFC3339)
	seen := map[string]bool{}
	var out []hubclient.Sighting
	add := func(typ, value string) {
		if value == "" || seen[typ+"\x00"+value] {
			return
		}
		seen[typ+"\x00"+value] = true
		out = append(out, hubclient.Sighting{
			ID:    "mail:" + shorten(key, 200) + ":" + typ + ":" + shorten(value, 300) + "@" + day,
			Value: value, Type: typ, ObservedAt: at, Count: 1, Sensor: SightingSensor, Host: host,
		})
	}
	for _, x := range r.Reasons {
		if x.Match == nil {
			continue
		}
		switch x.Match.Kind {
		case "indicator":
			add(x.Match.Type, x.Match.Value)
		case "yara":
			add(string(indicator.YARA), x.Match.Value)
		}
	}
	if r.Verdict == Phishing || r.Verdict == Malicious {
		add(string(indicator.Domain), r.senderDomain)
		for _, h := range r.linkHosts {
			if a, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
				if a.Is4() {
					add(string(indicator.IPv4), a.String())
				} else {
					add(string(indicator.IPv6), a.String())
				}
				continue
			}
			add(string(indicator.Domain), h)
		}
	}
	return out
}

// HubReporter delivers the sightings of analysed messages to the hub
// without ever holding up the caller (the milter's SMTP transaction):
// Submit only queues; a background goroutine writes each batch to the
// spool (a directory, so that a hub outage or a restart loses nothing)
// and then flushes the spool to the hub. When the bounded queue is full,
// Submit writes the sightings to the spool itself (local disk, never the
// network); the next flush sends them.
type HubReporter struct {
	Client *hubclient.Client
	Spool  *hubclient.Spool
	Host   string
	Logger *slog.Logger
	// Retry is how often a spool left by a failed flush is retried
	// (default one minute).
	Retry time.Duration
	// Timeout bounds one flush (default 30 s).
	Timeout time.Duration

	q    chan hubItems
	once sync.Once
	done chan struct{}
}

// hubItems is what one message sends to the hub.
type hubItems struct {
	sightings []hubclient.Sighting
	findings  []report.Finding
}

// HubFindings are the findings of a result as the hub keeps them (the
// machine, the message, what matched, how bad, what to do), stamped with
// the time; a clean message has none.
func HubFindings(r *Result, host string, now time.Time) []report.Finding {
	fs := r.Findings(host)
	for i := range fs {
		fs[i].Time = now.UTC()
		fs[i].ID = shorten(fs[i].ID, 180) + "@" + now.UTC().Format("2006-01-02")
	}
	return fs
}

// hubQueue is the number of messages' sightings waiting in memory.
const hubQueue = 1024

func (h *HubReporter) init() {
	h.once.Do(func() {
		h.q = make(chan hubItems, hubQueue)
		h.done = make(chan struct{})
		if h.Logger == nil {
			h.Logger = slog.New(slog.DiscardHandler)
		}
		if h.Spool != nil && h.Spool.Logger == nil {
			h.Spool.Logger = h.Logger // dropped sightings are logged with their reason
		}
		if h.Retry <= 0 {
			h.Retry = time.Minute
		}
		if h.Timeout <= 0 {
			h.Timeout = 30 * time.Second
		}
	})
}

// Submit queues the sightings of one result; it does not wait for the hub.
func (h *HubReporter) Submit(r *Result) {
	h.init()
	now := time.Now()
	items := hubItems{sightings: Sightings(r, h.Host, now), findings: HubFindings(r, h.Host, now)}
	if len(items.sightings) == 0 && len(items.findings) == 0 {
		return
	}
	select {
	case h.q <- items:
	default:
		if err := h.spool(items); err != nil {
			h.Logger.Error("mail: sightings lost: the queue is full and the spool cannot be written", "err", err, "message_id", r.MessageID)
		}
	}
}

func (h *HubReporter) spool(items hubItems) error {
	if err := h.Spool.Add(items.sightings); err != nil {
		return err
	}
	return h.Spool.AddFindings(items.findings)
}

// Run delivers queued sightings until ctx ends, then writes what is still
// queued to the spool and returns (the next run sends it).
func (h *HubReporter) Run(ctx context.Context) {
	h.init()
	defer close(h.done)
	tick := time.NewTicker(h.Retry)
	defer tick.Stop()
	pending := true // the spool may hold batches of an earlier run
	for {
		if pending {
			pending = h.flush(ctx) != nil
		}
		select {
		case items := <-h.q:
			batch := h.drain(items)
			if err := h.spool(batch); err != nil {
				h.Logger.Error("mail: sightings lost: the spool cannot be written", "err", err, "sightings", len(batch.sightings))
			}
			pending = true
		case <-tick.C:
		case <-ctx.Done():
			if batch := h.drain(hubItems{}); len(batch.sightings)+len(batch.findings) > 0 {
				if err := h.spool(batch); err != nil {
					h.Logger.Error("mail: sightings lost at shutdown: the spool cannot be written", "err", err, "sightings", len(batch.sightings))
				}
			}
			return
		}
	}
}

// Done is closed when Run has returned.
func (h *HubReporter) Done() <-chan struct{} {
	h.init()
	return h.done
}

// drain appends everything queued now to items, up to one hub batch.
func (h *HubReporter) drain(items hubItems) hubItems {
	for len(items.sightings) < hubclient.MaxBatch && len(items.findings) < hubclient.MaxBatch {
		select {
		case more := <-h.q:
			items.sightings = append(items.sightings, more.sightings...)
			items.findings = append(items.findings, more.findings...)
		default:
			return items
		}
	}
	return items
}

func (h *HubReporter) flush(ctx context.Context) error {
	fctx, cancel := context.WithTimeout(ctx, h.Timeout)
	defer cancel()
	res, err := h.Spool.Flush(fctx, h.Client)
	if res.Rejected > 0 {
		h.Logger.Warn("mail: the hub refused batches of sightings; they are kept", "batches", res.Rejected, "dir", h.Spool.Dir+"/rejected")
	}
	if res.Dropped > 0 {
		h.Logger.Warn("mail: the hub refused some sightings (each is logged with its reason); the others were delivered", "dropped", res.Dropped)
	}
	if err != nil {
		h.Logger.Warn("mail: sightings not delivered yet; they wait in the spool", "err", err, "batches", res.Pending, "dir", h.Spool.Dir)
		return fmt.Errorf("sightings: %w", err)
	}
	return nil
}

// Deliver writes sightings to the spool and flushes it once, for one-shot
// runs (vigie mail check). On error, the result's Pending batches wait in
// the spool for the next run.
func Deliver(ctx context.Context, c *hubclient.Client, spool *hubclient.Spool, items []hubclient.Sighting, findings ...report.Finding) (hubclient.FlushResult, error) {
	if err := spool.Add(items); err != nil {
		return hubclient.FlushResult{}, fmt.Errorf("the sightings could not be kept for the hub: %w", err)
	}
	if err := spool.AddFindings(findings); err != nil {
		return hubclient.FlushResult{}, fmt.Errorf("the findings could not be kept for the hub: %w", err)
	}
	return spool.Flush(ctx, c)
}

// Skipped lists the YARA indicators left out because they do not compile:
// the filter runs with the other rules and says which ones it could not use.
func (s *RuleScanner) Skipped() []yararules.Skipped { return s.e.Skipped() }
