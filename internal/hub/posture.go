package hub

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/vigie-project/vigie/internal/posture"
	"github.com/vigie-project/vigie/internal/store"
)

// PostureConfig says how the hub checks the posture of the parties'
// declared domains.
type PostureConfig struct {
	// Interval is how often each domain is checked (default 24 h; at least
	// one minute).
	Interval time.Duration
	// Jitter spreads the checks: a domain's next check comes Interval plus
	// an offset below Jitter after its last one, the offset fixed per domain
	// (so that every instance agrees and checks do not all fall at once).
	// Default Interval/10; negative means none.
	Jitter time.Duration
	// Concurrency is the most domains checked at once (default 2); each
	// domain's checks are bounded by Options.Concurrency in turn.
	Concurrency int
	// Timeout bounds one domain's whole run (default 2 min); each query and
	// connection is bounded by Options.Timeout.
	Timeout time.Duration
	// Keep is how long history is kept (default 400 days); the newest run
	// of each domain is always kept.
	Keep time.Duration
	// Tick is how often the schedule looks for due domains (default a
	// quarter of Interval, at most one minute).
	Tick time.Duration
	// Options configure the checks (resolver, timeouts, ports for tests).
	Options posture.Options
	Logger  *slog.Logger
	// Now is the clock (tests).
	Now func() time.Time
}

// PostureSchedule runs vigie posture on a schedule for every domain each
// organisation declares in its settings, and stores every result (with
// history) for the party, the agency and the risk assessment. Run it on
// one hub instance only when several share a database (the others serve
// the results).
type PostureSchedule struct {
	cfg     PostureConfig
	st      *store.Store
	checker *posture.Checker
	sem     chan struct{}

	mu      sync.Mutex
	running map[string]bool // org/domain being checked
	orgs    map[int64]bool  // organisations with a check asked from the UI/API
	base    context.Context
	stop    context.CancelFunc
	wg      sync.WaitGroup
}

// NewPostureSchedule prepares a schedule on st; call Run to start it.
func NewPostureSchedule(st *store.Store, cfg PostureConfig) (*PostureSchedule, error) {
	if cfg.Interval == 0 {
		cfg.Interval = 24 * time.Hour
	}
	if cfg.Interval < time.Minute {
		return nil, fmt.Errorf("posture schedule: interval %v: want at least one minute", cfg.Interval)
	}
	switch {
	case cfg.Jitter == 0:
		cfg.Jitter = cfg.Interval / 10
	case cfg.Jitter < 0:
		cfg.Jitter = 0
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 2
	}
	if cfg.Concurrency > 64 {
		return nil, fmt.Errorf("posture schedule: concurrency %d: at most 64 domains at once", cfg.Concurrency)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if cfg.Keep <= 0 {
		cfg.Keep = 400 * 24 * time.Hour
	}
	if cfg.Tick <= 0 {
		cfg.Tick = min(cfg.Interval/4, time.Minute)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c, err := posture.New(cfg.Options)
	if err != nil {
		return nil, fmt.Errorf("posture schedule: %w", err)
	}
	base, stop := context.WithCancel(context.Background())
	return &PostureSchedule{cfg: cfg, st: st, checker: c, sem: make(chan struct{}, cfg.Concurrency),
		running: map[string]bool{}, orgs: map[int64]bool{}, base: base, stop: stop}, nil
}

// SetPostureSchedule lets the API and UI show the schedule and start
// checks on demand.
func (s *Server) SetPostureSchedule(p *PostureSchedule) { s.posture = p }

// PostureSchedule returns the schedule (nil when this hub runs none).
func (s *Server) PostureSchedule() *PostureSchedule { return s.posture }

// Describe says the schedule in words, for the API and the UI.
func (p *PostureSchedule) Describe() string {
	return fmt.Sprintf("every %v (jitter %v), %d domain(s) at once, %v per domain at most", p.cfg.Interval, p.cfg.Jitter, p.cfg.Concurrency, p.cfg.Timeout)
}

// Interval is how often each domain is checked.
func (p *PostureSchedule) Interval() time.Duration { return p.cfg.Interval }

// Run checks due domains every Tick until ctx ends, then waits for the
// checks in flight (each bounded by Timeout) and returns ctx's error.
func (p *PostureSchedule) Run(ctx context.Context) error {
	defer p.wg.Wait()
	defer p.stop()
	t := time.NewTicker(p.cfg.Tick)
	defer t.Stop()
	for {
		if _, err := p.Pass(ctx); err != nil && ctx.Err() == nil {
			p.cfg.Logger.Error("posture schedule", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// offset is the fixed part of Jitter of one domain.
func (p *PostureSchedule) offset(org int64, domain string) time.Duration {
	if p.cfg.Jitter <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(org, 10) + "/" + domain))
	return time.Duration(h.Sum64() % uint64(p.cfg.Jitter))
}

type postureJob struct {
	org    int64
	domain string
}

// due lists the declared domains whose turn has come (never checked, or
// last checked Interval plus their offset ago), skipping those in flight.
func (p *PostureSchedule) due(ctx context.Context, onlyOrg int64) ([]postureJob, error) {
	all, err := p.st.AllOrgSettings(ctx)
	if err != nil {
		return nil, err
	}
	now := p.cfg.Now()
	var jobs []postureJob
	for _, o := range all {
		if onlyOrg != 0 && o.OrgID != onlyOrg {
			continue
		}
		last, err := p.st.PostureDue(ctx, o.OrgID)
		if err != nil {
			return nil, err
		}
		for _, d := range o.Domains() {
			at, seen := last[d]
			if onlyOrg == 0 && seen && now.Before(at.Add(p.cfg.Interval+p.offset(o.OrgID, d))) {
				continue
			}
			jobs = append(jobs, postureJob{o.OrgID, d})
		}
	}
	return jobs, nil
}

// Pass checks every domain that is due, at most Concurrency at once, and
// returns when they are done, with how many were checked. It also drops
// history older than Keep.
func (p *PostureSchedule) Pass(ctx context.Context) (int, error) {
	jobs, err := p.due(ctx, 0)
	if err != nil {
		return 0, fmt.Errorf("posture schedule: %w", err)
	}
	n := p.runJobs(ctx, jobs, true)
	if _, err := p.st.PrunePosture(ctx, p.cfg.Now().Add(-p.cfg.Keep)); err != nil {
		return n, fmt.Errorf("posture schedule: %w", err)
	}
	return n, nil
}

// ErrPostureBusy is returned by CheckOrgSoon while the organisation's
// previous check on demand is still running.
var ErrPostureBusy = errors.New("a posture check of this organisation is already running; its results appear when it ends")

// CheckOrgSoon starts checking every domain organisation orgID declares,
// in the background, and returns how many there are. A second call while
// the first runs gives ErrPostureBusy.
func (p *PostureSchedule) CheckOrgSoon(orgID int64) (int, error) {
	ctx, cancel := context.WithTimeout(p.base, time.Minute)
	defer cancel()
	jobs, err := p.due(ctx, orgID)
	if err != nil {
		return 0, fmt.Errorf("posture schedule: %w", err)
	}
	if len(jobs) == 0 {
		return 0, errors.New("the organisation declares no domain yet: add its sites and mail domains in its settings")
	}
	p.mu.Lock()
	if p.orgs[orgID] {
		p.mu.Unlock()
		return 0, ErrPostureBusy
	}
	p.orgs[orgID] = true
	p.mu.Unlock()
	p.wg.Go(func() {
		defer func() {
			p.mu.Lock()
			delete(p.orgs, orgID)
			p.mu.Unlock()
		}()
		p.runJobs(p.base, jobs, false)
	})
	return len(jobs), nil
}

// Wait waits for the checks started by CheckOrgSoon.
func (p *PostureSchedule) Wait() { p.wg.Wait() }

// runJobs checks jobs, at most Concurrency domains at once across every
// caller, skipping a domain already in flight; it returns how many ran.
func (p *PostureSchedule) runJobs(ctx context.Context, jobs []postureJob, scheduled bool) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	n := 0
	for _, j := range jobs {
		key := strconv.FormatInt(j.org, 10) + "/" + j.domain
		p.mu.Lock()
		busy := p.running[key]
		if !busy {
			p.running[key] = true
		}
		p.mu.Unlock()
		if busy {
			continue
		}
		select {
		case p.sem <- struct{}{}:
		case <-ctx.Done():
			p.mu.Lock()
			delete(p.running, key)
			p.mu.Unlock()
			wg.Wait()
			return n
		}
		wg.Go(func() {
			defer func() {
				<-p.sem
				p.mu.Lock()
				delete(p.running, key)
				p.mu.Unlock()
			}()
			if p.checkOne(ctx, j, scheduled) {
				mu.Lock()
				n++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return n
}

func (p *PostureSchedule) checkOne(ctx context.Context, j postureJob, scheduled bool) bool {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	start := p.cfg.Now()
	res := p.checker.Check(ctx, j.domain)
	if ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled) {
		return false // the hub is stopping: do not store a half run
	}
	end := p.cfg.Now()
	run, err := p.st.AddPostureRun(context.WithoutCancel(ctx), j.org, start, end, res)
	if err != nil {
		p.cfg.Logger.Error("posture: store result", "org_id", j.org, "domain", j.domain, "err", err)
		return false
	}
	p.cfg.Logger.Info("posture checked", "org_id", j.org, "domain", j.domain, "worst", run.Worst,
		"pass", run.Pass, "warn", run.Warn, "fail", run.Fail, "error", run.Error, "took", end.Sub(start).Round(time.Millisecond), "scheduled", scheduled)
	return true
}
