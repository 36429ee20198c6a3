// Package scanrun is `vigie scan` without the command line: it gathers the
// indicator sources (the built-in pack, indicator files, the hub), compiles
// the rules, runs the sweep with a progress display and a report writer,
// and delivers sightings to the hub through the spool.
package scanrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/formats"
	"github.com/vigie-project/vigie/internal/indicator/pack"
	"github.com/vigie-project/vigie/internal/report"
	"github.com/vigie-project/vigie/internal/sweep"
	"github.com/vigie-project/vigie/internal/yararules"
)

// Config is what `vigie scan` was asked to do.
type Config struct {
	Paths     []string // empty: DefaultPaths()
	Sweep     sweep.Options
	NoBuiltin bool
	IOCs      []string // indicator files, any format formats.Read takes
	Rules     []string // rule files or directories
	HubURL    string
	HubToken  string
	HubCA     string // PEM file of certificates to trust for the hub (its self-signed certificate)
	// PullInterval is how often a running scan pulls the hub's changes
	// (default 5 minutes): a long sweep matches indicators published,
	// expired or withdrawn while it runs.
	PullInterval time.Duration
	StateDir     string // hub cache and spool; "" = user cache dir / vigie
	Format       string // text, jsonl, sarif
	Color        bool
	Progress     *sweep.Progress
	Version      string
	Logger       *slog.Logger
}

// Result is the outcome of a scan.
type Result struct {
	Summary  report.Summary
	Findings int
	Errors   int
	// HubErr is set when the hub could not be used: unreachable, not
	// trusted, or the token refused (the scan ran with the cached
	// indicators, the sightings wait in the spool).
	HubErr error
}

// Run runs the scan. The error is non-nil when the scan could not run
// (bad indicator or rule file, no path readable); findings and per-file
// problems are in the result.
func Run(ctx context.Context, cfg Config, stdout, stderr io.Writer) (Result, error) {
	var res Result
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	coll := &indicator.Collection{}
	if !cfg.NoBuiltin {
		p, err := pack.Load()
		if err != nil {
			return res, err
		}
		coll.Merge(p)
	}
	for _, f := range cfg.IOCs {
		c, _, err := formats.Read(f, "", nil, indicator.ReadOptions{Lenient: true})
		if err != nil {
			return res, fmt.Errorf("--iocs %s: %w", f, err)
		}
		for _, p := range c.Problems {
			if p.Kind == indicator.ProblemMalformed {
				fmt.Fprintf(stderr, "vigie scan: warning: %s\n", p)
			}
		}
		coll.Merge(c)
	}
	var hub *hubclient.Client
	var spool *hubclient.Spool
	var follower *hubclient.Follower
	var hubInds []indicator.Indicator
	if cfg.HubURL != "" {
		var err error
		if hub, err = hubclient.New(cfg.HubURL, cfg.HubToken); err != nil {
			return res, err
		}
		if cfg.HubCA != "" {
			if err := hub.TrustCAFile(cfg.HubCA); err != nil {
				return res, err
			}
		}
		state := cfg.StateDir
		if state == "" {
			d, err := os.UserCacheDir()
			if err != nil {
				return res, fmt.Errorf("no state directory (give --state-dir): %w", err)
			}
			state = filepath.Join(d, "vigie")
		}
		spool = &hubclient.Spool{Dir: filepath.Join(state, "spool"), Logger: log}
		follower = &hubclient.Follower{Client: hub, CachePath: filepath.Join(state, "hub-indicators.json"), Interval: cfg.PullInterval, Logger: log,
			Apply: func(inds []indicator.Indicator) error { hubInds = inds; return nil }}
		if _, err := follower.Sync(ctx); err != nil {
			fmt.Fprintf(stderr, "vigie scan: warning: %v\n", err)
			res.HubErr = err
		}
	}
	// The matcher in force: the local indicators and the hub's, rebuilt
	// and swapped as a whole when the hub's change while the scan runs.
	base := coll.Indicators
	build := func(hubInds []indicator.Indicator) *indicator.Matcher {
		c := &indicator.Collection{Indicators: append(append(make([]indicator.Indicator, 0, len(base)+len(hubInds)), base...), hubInds...)}
		c.Dedupe()
		return indicator.NewMatcher(c.Indicators, indicator.MatcherOptions{At: time.Now()})
	}
	m := indicator.NewLive(build(hubInds))

	var engine sweep.RuleEngine
	var skipped []yararules.Skipped
	if len(cfg.Rules) > 0 || m.Has(indicator.YARA) {
		e, warns, err := yararules.Load(cfg.Rules, m.Rules())
		for _, w := range warns {
			log.Debug("rule warning", "warning", w.String())
		}
		if err != nil {
			return res, err
		}
		if e != nil {
			engine = e
			skipped = e.Skipped()
		}
	}
	var live *liveRules
	if follower != nil {
		// The hub's rules and indicators change while a long sweep runs:
		// each change is built aside and swapped in between files.
		live = &liveRules{local: cfg.Rules, log: log, key: rulesKey(m.Rules())}
		if e, ok := engine.(*yararules.Engine); ok {
			live.cur.Store(e)
		}
		engine = live
		cfg.Sweep.Live = true
		follower.Apply = func(inds []indicator.Indicator) error {
			next := build(inds)
			if err := live.update(next.Rules()); err != nil {
				return err // the previous indicators and rules stay in force
			}
			m.Swap(next)
			return nil
		}
		fctx, stopFollow := context.WithCancel(ctx)
		followed := make(chan struct{})
		go func() { follower.Run(fctx); close(followed) }()
		defer func() { stopFollow(); <-followed }()
	}

	w, err := report.New(cfg.Format, stdout, report.Options{Color: cfg.Color, Tool: "vigie", Version: cfg.Version})
	if err != nil {
		return res, err
	}
	// A broken rule from a feed is left out, never the whole scan: say so
	// in the report (a "problem" line) and in the log.
	for _, sk := range skipped {
		log.Warn("scan: a YARA indicator does not compile and is not used", "rule", sk.Name, "id", sk.ID, "source", sk.Source, "err", sk.Err)
		if err := w.Problem("rule "+sk.Name, fmt.Errorf("not used, it does not compile: %w", sk.Err)); err != nil {
			return res, fmt.Errorf("writing the report: %w", err)
		}
	}
	opts := cfg.Sweep
	opts.Paths = cfg.Paths
	if len(opts.Paths) == 0 {
		opts.Paths = DefaultPaths()
		if len(opts.Paths) == 0 {
			return res, errors.New("none of the default places to scan exists here: give the paths to scan")
		}
	}
	if opts.Host == "" {
		opts.Host, _ = os.Hostname()
	}
	opts.Progress = cfg.Progress
	if total, ok := totalSize(opts.Paths); ok {
		cfg.Progress.SetTotal(total)
	}
	var findings []*report.Finding
	var writeErr error
	sum := report.Summary{}
	also := cfg.Sweep.OnFinding // the caller's own hook, if any, runs too
	opts.OnFinding = func(f *report.Finding) {
		sum.Add(f)
		findings = append(findings, f)
		if err := w.Write(f); err != nil && writeErr == nil {
			writeErr = err
		}
		if also != nil {
			also(f)
		}
	}
	opts.OnError = func(path string, err error) {
		if err := w.Problem(path, err); err != nil && writeErr == nil {
			writeErr = err
		}
	}
	s := sweep.New(m, coll.Threats, engine, opts)
	runSum, runErr := s.Run(ctx)
	runSum.Findings, runSum.BySeverity = sum.Findings, sum.BySeverity
	runSum.Extra["indicators"] = int64(m.Len())
	if e, ok := engine.(*yararules.Engine); ok {
		runSum.Extra["rules"] = int64(e.Rules())
	}
	if live != nil {
		if e := live.cur.Load(); e != nil {
			runSum.Extra["rules"] = int64(e.Rules())
		}
		seen := map[string]bool{}
		for _, sk := range skipped {
			seen[sk.ID] = true
		}
		for _, sk := range live.skippedLater() {
			if !seen[sk.ID] {
				seen[sk.ID] = true
				skipped = append(skipped, sk)
			}
		}
	}
	res.Summary, res.Findings, res.Errors = runSum, runSum.Findings, runSum.Errors
	if runErr != nil && ctx.Err() == nil && runSum.Examined == 0 {
		return res, runErr
	}
	if err := w.Close(runSum); err != nil {
		return res, fmt.Errorf("writing the report: %w", err)
	}
	if writeErr != nil {
		return res, fmt.Errorf("writing the report: %w", writeErr)
	}
	if hub != nil {
		for _, sk := range skipped {
			findings = append(findings, sk.Finding("scan", opts.Host, time.Now().UTC()))
		}
		if err := deliver(ctx, hub, spool, findings, opts.Host, stderr); err != nil && res.HubErr == nil {
			res.HubErr = err
		}
	}
	if runErr != nil {
		return res, runErr
	}
	return res, nil
}

// totalSize is the bytes to read when every path is a regular file (the
// progress display then shows the time left); directories are not
// counted ahead, which would cost a second walk.
func totalSize(paths []string) (int64, bool) {
	var n int64
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			return 0, false
		}
		n += fi.Size()
	}
	return n, true
}

// Sightings turns findings of indicators and rules into hub sightings. The
// id is the finding's id and the day, so a file seen again the next day is
// a new sighting and the same run delivered twice is not.
func Sightings(fs []*report.Finding, host string) []hubclient.Sighting {
	var out []hubclient.Sighting
	for _, f := range fs {
		var typ string
		switch f.Match.Kind {
		case "indicator":
			typ = f.Match.Type
		case "yara":
			typ = string(indicator.YARA)
		default:
			continue
		}
		out = append(out, hubclient.Sighting{
			ID: f.ID + "@" + f.Time.UTC().Format("2006-01-02"), Value: f.Match.Value, Type: typ,
			ObservedAt: f.Time.UTC().Format(time.RFC3339), Count: 1, Sensor: "vigie-scan", Host: host,
		})
	}
	return out
}

// HubFindings are the findings as the hub keeps them: the same file found
// again another day is a new finding, the same run delivered twice is not.
func HubFindings(fs []*report.Finding) []report.Finding {
	out := make([]report.Finding, 0, len(fs))
	for _, f := range fs {
		x := *f
		if x.Time.IsZero() {
			x.Time = time.Now().UTC()
		}
		x.ID = f.ID + "@" + x.Time.UTC().Format("2006-01-02")
		out = append(out, x)
	}
	return out
}

// deliver spools and sends the sightings and findings; it returns the
// hub's error when they could not be delivered now (they wait in the
// spool).
func deliver(ctx context.Context, hub *hubclient.Client, spool *hubclient.Spool, fs []*report.Finding, host string, stderr io.Writer) error {
	dropped, err := spool.AddChecked(Sightings(fs, host))
	for _, d := range dropped {
		fmt.Fprintf(stderr, "vigie scan: warning: sighting of %s %q not sent: %s\n", d.Sighting.Type, indicator.Shorten(d.Sighting.Value), d.Reason)
	}
	if err == nil {
		// the findings go with the sightings: machine, path, what matched,
		// how bad, what to do
		err = spool.AddFindings(HubFindings(fs))
	}
	if err != nil {
		fmt.Fprintf(stderr, "vigie scan: warning: the sightings could not be kept for the hub: %v\n", err)
		return nil
	}
	r, err := spool.Flush(ctx, hub)
	if r.Dropped > 0 {
		fmt.Fprintf(stderr, "vigie scan: warning: the hub refused %d sighting(s); the log says why, the others were delivered\n", r.Dropped)
	}
	if r.Rejected > 0 {
		fmt.Fprintf(stderr, "vigie scan: warning: the hub refused %d batch(es) of sightings; they are kept in %s\n", r.Rejected, filepath.Join(spool.Dir, "rejected"))
	}
	if err != nil {
		fmt.Fprintf(stderr, "vigie scan: warning: sightings not delivered yet (%v); %d batch(es) wait in %s and will be sent on the next run\n", err, r.Pending, spool.Dir)
		return err
	}
	return nil
}
