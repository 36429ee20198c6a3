// Package watch finds which look-alikes of a party's domains exist, and
// tells the party and the agency: candidate names (from the generator)
// are looked up in DNS (NS, A/AAAA, MX) through a chosen resolver at a
// bounded rate, and Certificate Transparency logs are followed for
// certificates whose names the detector flags. Every new look-alike
// becomes a report.Finding with its evidence (records, certificate issuer
// and dates, first seen) and, with a hub, a finding and a domain sighting
// on the hub, from which the agency publishes an indicator to all parties
// (so vigie dns blocks it and vigie mail flags it at the next pull).
package watch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie/internal/ctlog"
	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/lookalike"
	"github.com/vigie-project/vigie/internal/report"
)

// Log is a Certificate Transparency log to follow.
type Log struct {
	URL string
	API ctlog.API
	Key []byte // DER SubjectPublicKeyInfo (or its base64)
}

// Config configures a Watcher.
type Config struct {
	Detector *lookalike.Detector
	// Candidates are the names looked up in DNS (generate's output).
	Candidates []string
	// Resolver is the DNS server, "host:port"; empty uses the system's.
	Resolver string
	// Concurrency bounds parallel DNS look-ups (default 8); Rate bounds
	// look-ups per second (default 50).
	Concurrency int
	Rate        float64
	// Logs are the CT logs to follow; FromStart reads them from their
	// first entry instead of their current end.
	Logs      []Log
	FromStart bool
	// StateDir keeps what was already reported and where each log
	// stopped; required.
	StateDir string
	// Hub, when set, receives findings and sightings.
	Hub *hubclient.Client
	// Publish, with an agency analyst's hub token, also publishes each
	// new look-alike as a domain indicator to every party.
	Publish bool
	// Propose, with a party's hub token, proposes each new look-alike to
	// the agency, which reviews it and publishes it to every party.
	Propose bool
	Sensor  string // sensor name on the hub (default "domains")
	Logger  *slog.Logger
	// MinScore is the weakest match reported from CT logs (default
	// lookalike.StrongScore: a CT stream is large).
	MinScore float64
	Now      func() time.Time
}

// Watcher runs the watch. Build it with New.
type Watcher struct {
	cfg   Config
	res   *net.Resolver
	seen  map[string]seenName
	mu    sync.Mutex
	logs  []*ctlog.Follower
	spool *hubclient.Spool

	nextMu sync.Mutex
	next   *protected // set by SetProtected, taken by the next pass
}

type protected struct {
	det        *lookalike.Detector
	candidates []string
}

// SetProtected replaces the detector and the candidates looked up in DNS
// (the party changed its declared domains on the hub); the next pass uses
// them. Safe to call while a pass runs.
func (w *Watcher) SetProtected(det *lookalike.Detector, candidates []string) {
	w.nextMu.Lock()
	w.next = &protected{det, candidates}
	w.nextMu.Unlock()
}

// seenName is what the state remembers of a reported look-alike.
type seenName struct {
	FirstSeen time.Time `json:"first_seen"`
	Via       string    `json:"via"` // "dns" or a log URL
}

// New checks cfg and loads the state.
func New(cfg Config) (*Watcher, error) {
	if cfg.Detector == nil {
		return nil, errors.New("watch: no detector")
	}
	if cfg.StateDir == "" {
		return nil, errors.New("watch: no state directory")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 50
	}
	if cfg.Sensor == "" {
		cfg.Sensor = "domains"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MinScore == 0 {
		cfg.MinScore = lookalike.StrongScore
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	w := &Watcher{cfg: cfg, seen: map[string]seenName{}, spool: &hubclient.Spool{Dir: filepath.Join(cfg.StateDir, "spool")}}
	w.res = net.DefaultResolver
	if cfg.Resolver != "" {
		addr := cfg.Resolver
		if _, _, err := net.SplitHostPort(addr); err != nil {
			addr = net.JoinHostPort(addr, "53")
		}
		w.res = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}}
	}
	for _, l := range cfg.Logs {
		v, err := ctlog.NewVerifier(l.Key)
		if err != nil {
			return nil, fmt.Errorf("log %s: %w", l.URL, err)
		}
		api := l.API
		if api == "" {
			api = ctlog.RFC6962
		}
		w.logs = append(w.logs, &ctlog.Follower{URL: strings.TrimSuffix(l.URL, "/"), API: api, Verifier: v})
	}
	if b, err := os.ReadFile(w.seenPath()); err == nil {
		if err := json.Unmarshal(b, &w.seen); err != nil {
			return nil, fmt.Errorf("state %s: %w", w.seenPath(), err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return w, nil
}

func (w *Watcher) seenPath() string { return filepath.Join(w.cfg.StateDir, "lookalikes.json") }

func (w *Watcher) logPath(f *ctlog.Follower) string {
	r := strings.NewReplacer("://", "_", "/", "_", ":", "_")
	return filepath.Join(w.cfg.StateDir, "ctlog-"+string(f.API)+"-"+r.Replace(f.URL)+".json")
}

// Round is what one pass found.
type Round struct {
	Findings  []report.Finding
	Looked    int              // DNS look-ups done
	DNSErrors int              // look-ups that failed (timeout, refused, SERVFAIL)
	DNSError  error            // the first of them
	Existing  int              // candidates that exist
	Entries   uint64           // CT entries read
	Malformed uint64           // CT entries skipped
	LogErrors map[string]error // per log: unreachable or untrusted
}

// Once runs one pass: DNS for every candidate, then each log up to its
// current tree head. New look-alikes are returned as findings (and sent
// to the hub); names reported before are not reported again.
func (w *Watcher) Once(ctx context.Context) (Round, error) {
	var r Round
	r.LogErrors = map[string]error{}
	w.nextMu.Lock()
	if w.next != nil {
		w.cfg.Detector, w.cfg.Candidates, w.next = w.next.det, w.next.candidates, nil
	}
	w.nextMu.Unlock()
	if len(w.cfg.Candidates) > 0 {
		if err := w.dnsPass(ctx, &r); err != nil {
			return r, err
		}
	}
	for _, f := range w.logs {
		if err := w.logPass(ctx, f, &r); err != nil {
			if ctx.Err() != nil {
				return r, ctx.Err()
			}
			r.LogErrors[f.URL] = err
			w.cfg.Logger.Warn("ct log", "url", f.URL, "err", err)
		}
	}
	sort.Slice(r.Findings, func(i, j int) bool { return r.Findings[i].Subject.Name < r.Findings[j].Subject.Name })
	if err := w.saveSeen(); err != nil {
		return r, err
	}
	if w.cfg.Hub != nil {
		// findings the hub did not take last time go first
		pending, err := w.loadPending()
		if err != nil {
			return r, err
		}
		send := append(pending, r.Findings...)
		if len(send) > 0 {
			if err := w.toHub(ctx, send, len(pending)); err != nil {
				if perr := w.savePending(send); perr != nil {
					return r, perr
				}
				return r, fmt.Errorf("hub (the findings are kept and sent at the next pass): %w", err)
			}
			if err := w.savePending(nil); err != nil {
				return r, err
			}
		}
	}
	return r, nil
}

func (w *Watcher) pendingPath() string { return filepath.Join(w.cfg.StateDir, "pending-findings.json") }

func (w *Watcher) loadPending() ([]report.Finding, error) {
	b, err := os.ReadFile(w.pendingPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var fs []report.Finding
	if err := json.Unmarshal(b, &fs); err != nil {
		return nil, fmt.Errorf("%s: %w", w.pendingPath(), err)
	}
	return fs, nil
}

func (w *Watcher) savePending(fs []report.Finding) error {
	if len(fs) == 0 {
		err := os.Remove(w.pendingPath())
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	b, err := json.Marshal(fs)
	if err != nil {
		return err
	}
	return writeAtomic(w.pendingPath(), b)
}

// Run repeats Once every interval until ctx ends, calling fn after each
// pass.
func (w *Watcher) Run(ctx context.Context, every time.Duration, fn func(Round)) error {
	for {
		r, err := w.Once(ctx)
		if err != nil && ctx.Err() == nil {
			w.cfg.Logger.Error("watch pass", "err", err)
		}
		if fn != nil {
			fn(r)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

func (w *Watcher) saveSeen() error {
	w.mu.Lock()
	b, err := json.MarshalIndent(w.seen, "", " ")
	w.mu.Unlock()
	if err != nil {
		return err
	}
	return writeAtomic(w.seenPath(), b)
}

func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// firstTime records name as reported and says whether it is new.
func (w *Watcher) firstTime(name, via string) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s, ok := w.seen[name]; ok {
		return s.FirstSeen, false
	}
	now := w.cfg.Now().UTC()
	w.seen[name] = seenName{FirstSeen: now, Via: via}
	return now, true
}

// Records are what DNS says of a name.
type Records struct {
	NS, Addrs, MX []string
}

func (rc Records) exists() bool { return len(rc.NS)+len(rc.Addrs)+len(rc.MX) > 0 }

func (w *Watcher) lookup(ctx context.Context, name string) (Records, error) {
	var rc Records
	var firstErr error
	note := func(err error) {
		var de *net.DNSError
		if err != nil && !(errors.As(err, &de) && de.IsNotFound) && firstErr == nil {
			firstErr = err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ns, err := w.res.LookupNS(ctx, name)
	note(err)
	for _, n := range ns {
		rc.NS = append(rc.NS, strings.TrimSuffix(n.Host, "."))
	}
	ips, err := w.res.LookupNetIP(ctx, "ip", name)
	note(err)
	for _, ip := range ips {
		rc.Addrs = append(rc.Addrs, ip.String())
	}
	mx, err := w.res.LookupMX(ctx, name)
	note(err)
	for _, m := range mx {
		rc.MX = append(rc.MX, strings.TrimSuffix(m.Host, "."))
	}
	if !rc.exists() && firstErr != nil {
		return rc, firstErr
	}
	return rc, nil
}

func (w *Watcher) dnsPass(ctx context.Context, r *Round) error {
	jobs := make(chan string)
	var mu sync.Mutex
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / w.cfg.Rate)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for i := 0; i < w.cfg.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range jobs {
				rc, err := w.lookup(ctx, name)
				mu.Lock()
				r.Looked++
				mu.Unlock()
				if err != nil {
					w.cfg.Logger.Debug("dns", "name", name, "err", err)
					mu.Lock()
					r.DNSErrors++
					if r.DNSError == nil {
						r.DNSError = fmt.Errorf("%s: %w", name, err)
					}
					mu.Unlock()
					continue
				}
				if !rc.exists() {
					continue
				}
				mu.Lock()
				r.Existing++
				mu.Unlock()
				m, ok, _ := w.cfg.Detector.CheckName(name)
				if !ok {
					continue
				}
				first, isNew := w.firstTime(name, "dns")
				if !isNew {
					continue
				}
				f := w.finding(name, m, first, dnsEvidence(rc), len(rc.MX) > 0)
				mu.Lock()
				r.Findings = append(r.Findings, f)
				mu.Unlock()
			}
		}()
	}
	var err error
feed:
	for _, c := range w.cfg.Candidates {
		select {
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		case <-tick.C:
		}
		select {
		case jobs <- c:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	return err
}

func dnsEvidence(rc Records) []report.Evidence {
	var ev []report.Evidence
	if len(rc.NS) > 0 {
		ev = append(ev, report.Evidence{Name: "NS", Data: strings.Join(rc.NS, " "), Detail: "the name is registered and delegated to these name servers"})
	}
	if len(rc.Addrs) > 0 {
		ev = append(ev, report.Evidence{Name: "A/AAAA", Data: strings.Join(rc.Addrs, " "), Detail: "the name points to these addresses: a web site (a fake log-in page) can be served"})
	}
	if len(rc.MX) > 0 {
		ev = append(ev, report.Evidence{Name: "MX", Data: strings.Join(rc.MX, " "), Detail: "the name has mail servers: it can send and receive mail, so phishing mail can come from it"})
	}
	return ev
}

func (w *Watcher) logPass(ctx context.Context, f *ctlog.Follower, r *Round) error {
	var st ctlog.State
	path := w.logPath(f)
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &st); err != nil {
			return fmt.Errorf("state %s: %w", path, err)
		}
	}
	matches := map[uint64]lookalike.Match{}
	want := func(e *ctlog.Entry) bool {
		for _, n := range e.Names {
			if m, ok := w.cfg.Detector.Check(n); ok && m.Score >= w.cfg.MinScore {
				matches[e.Index] = m
				return true
			}
		}
		return false
	}
	res, err := f.Poll(ctx, &st, w.cfg.FromStart, want, func(e ctlog.Entry) error {
		m := matches[e.Index]
		name := strings.TrimPrefix(m.Host, "*.")
		first, isNew := w.firstTime(name, f.URL)
		if !isNew {
			return nil
		}
		ev := []report.Evidence{
			{Name: "certificate", Data: strings.Join(e.Names, " "), Detail: fmt.Sprintf("a certificate for these names was logged in %s (entry %d) on %s", f.URL, e.Index, e.Timestamp.Format(time.RFC3339))},
			{Name: "issuer", Data: e.Issuer, Detail: fmt.Sprintf("valid from %s to %s, serial %s", e.NotBefore.Format(time.RFC3339), e.NotAfter.Format(time.RFC3339), e.Serial)},
		}
		if e.Precert {
			ev[0].Detail += " as a precertificate (the certificate is being issued)"
		}
		if e.Verified != "" {
			ev = append(ev, report.Evidence{Name: "proof", Data: e.Verified, Detail: "the entry is proven to be in the log's signed tree"})
		}
		r.Findings = append(r.Findings, w.finding(name, m, first, ev, false))
		return nil
	})
	r.Entries += res.Read
	r.Malformed += res.Malformed
	b, merr := json.Marshal(st)
	if merr == nil {
		merr = writeAtomic(path, b)
	}
	if err != nil {
		return err
	}
	return merr
}

// finding turns a look-alike into the one report model.
func (w *Watcher) finding(name string, m lookalike.Match, first time.Time, ev []report.Evidence, mail bool) report.Finding {
	sev := report.Medium
	switch {
	case mail && m.Score >= lookalike.StrongScore:
		sev = report.High
	case m.Score < lookalike.StrongScore:
		sev = report.Low
	}
	title := fmt.Sprintf("Look-alike domain %s imitates %s", name, m.Protected)
	if mail {
		title += " and can send mail"
	}
	ev = append([]report.Evidence{{Name: "look-alike", Data: fmt.Sprintf("%s, score %.2f", m.Technique, m.Score), Detail: m.Detail},
		{Name: "first seen", Data: first.Format(time.RFC3339)}, {Name: "imitates", Data: m.Protected}}, ev...)
	return report.Finding{
		Schema: report.SchemaVersion, Time: first, Sensor: w.cfg.Sensor, Severity: sev, Title: title,
		Subject:  report.Subject{Kind: "domain", Name: name},
		Match:    report.Match{Kind: "check", Type: "lookalike", Value: m.Technique},
		Evidence: ev,
		Advice: "Block the name on the party's DNS filter (vigie dns) and mail filter, warn staff not to use it, " +
			"send it to the agency so it is published to all parties, and ask the registrar to suspend it (show this evidence).",
		ID: "domains:" + name,
	}
}

// toHub sends the findings and a domain sighting for each; sightings go
// through the spool so that none is lost when the hub is down.
func (w *Watcher) toHub(ctx context.Context, fs []report.Finding, resent int) error {
	var sg []hubclient.Sighting
	for _, f := range fs[resent:] { // resent findings' sightings are already spooled
		sg = append(sg, hubclient.Sighting{ID: f.ID, Value: f.Subject.Name, Type: "domain", ObservedAt: f.Time.Format(time.RFC3339), Count: 1, Sensor: w.cfg.Sensor})
	}
	if err := w.spool.Add(sg); err != nil {
		return err
	}
	if err := w.cfg.Hub.PostFindings(ctx, fs); err != nil {
		return err
	}
	if _, err := w.spool.Flush(ctx, w.cfg.Hub); err != nil {
		return fmt.Errorf("sightings: %w", err)
	}
	if w.cfg.Propose && !w.cfg.Publish {
		if _, err := w.cfg.Hub.ProposeLookalikes(ctx, proposals(fs)); err != nil {
			return err
		}
	}
	if !w.cfg.Publish {
		return nil
	}
	var inds []indicator.Indicator
	for _, f := range fs {
		inds = append(inds, indicator.Indicator{Type: indicator.Domain, Value: f.Subject.Name, Source: "vigie domains watch",
			Description: f.Title + ": " + f.Evidence[0].Detail, Confidence: confidence(f), Tags: []string{"lookalike", f.Match.Value}, ValidFrom: f.Time})
	}
	return w.cfg.Hub.PublishIndicators(ctx, inds, "all")
}

// confidence maps a finding's severity to STIX confidence.
func confidence(f report.Finding) int {
	switch f.Severity {
	case report.High:
		return 90
	case report.Medium:
		return 80
	}
	return 50
}

// proposals turns findings into look-alike proposals for the agency.
func proposals(fs []report.Finding) []hubclient.Proposal {
	out := make([]hubclient.Proposal, 0, len(fs))
	for _, f := range fs {
		p := hubclient.Proposal{Name: f.Subject.Name, Technique: f.Match.Value, FirstSeen: f.Time}
		for _, e := range f.Evidence {
			switch e.Name {
			case "look-alike":
				p.Reason = e.Detail
				if i := strings.LastIndex(e.Data, ", score "); i >= 0 {
					p.Score, _ = strconv.ParseFloat(e.Data[i+len(", score "):], 64)
				}
			case "imitates":
				p.Imitates = e.Data
			case "first seen":
			default:
				if len(p.Evidence) < 30 {
					p.Evidence = append(p.Evidence, e.Name+": "+e.Data)
				}
			}
		}
		out = append(out, p)
	}
	return out
}

// Candidates returns the names the DNS pass looks up for the protected
// domains own: what lookalike.Generate makes for each with opts, at most
// maxPerDomain per domain (0: no bound).
func Candidates(own []string, opts lookalike.GenOptions, maxPerDomain int) ([]string, error) {
	var out []string
	for _, d := range own {
		n := 0
		err := lookalike.Generate(d, opts, func(c lookalike.Candidate) error {
			out = append(out, c.Name)
			if n++; maxPerDomain > 0 && n >= maxPerDomain {
				return lookalike.ErrStop
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
