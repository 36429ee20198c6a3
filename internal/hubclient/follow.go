package hubclient

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// Follower keeps a long-running sensor (the milter, the DNS filter) on the
// hub's current indicators. It pulls the changes after its cursor on an
// interval (with jitter, so that the parties' sensors do not all ask at the
// same second), with If-None-Match so that an unchanged feed costs the hub
// nothing, and backs off exponentially while the hub fails. After each
// change — an indicator published, changed, expired or withdrawn, or one
// whose validity starts or ends — it hands the whole set in force to
// Apply, which builds its match sets aside and swaps them in at once: a
// message or query is always checked against one complete set, never a
// half-applied one. The set is kept in the cache file between runs, so a
// restart without the hub starts with the last indicators pulled.
type Follower struct {
	Client *Client
	// CachePath is the cache file shared with one-shot runs ("" keeps
	// the set in memory only).
	CachePath string
	// Interval between pulls (default 5 minutes).
	Interval time.Duration
	// Jitter is the fraction of Interval a wait may differ by, either
	// way (default 0.1).
	Jitter float64
	// MaxBackoff bounds the wait after repeated failures (default 30
	// minutes, at least Interval).
	MaxBackoff time.Duration
	// Apply receives the hub indicators in force after each change, and
	// once at the first Sync. It must not keep inds beyond the swap
	// (the slice is the follower's copy, not modified afterwards). An
	// error is logged, and the set is offered again at the next pull.
	Apply func(inds []indicator.Indicator) error
	// Settings, when set, receives the organisation's settings (its
	// declared domains) at the first Sync and after each change, on the
	// same schedule as the indicators (kept next to CachePath for a
	// restart without the hub). An error is logged, and the settings are
	// offered again at the next pull. With Settings and no Apply, only
	// the settings are followed.
	Settings func(s OrgSettings) error
	// Logger receives what happens (default: discarded).
	Logger *slog.Logger
	// Now is the clock (tests).
	Now func() time.Time

	mu       sync.Mutex
	cache    pullCache
	loaded   bool
	applied  bool
	etag     string
	boundary time.Time // next ValidFrom/ValidUntil after the last apply
	failures int
	lastOK   time.Time // last successful pull (LastPull)

	settingsApplied bool
	settingsKey     string // the declared domains last applied
}

func (f *Follower) defaults() {
	if f.Interval <= 0 {
		f.Interval = 5 * time.Minute
	}
	if f.Jitter <= 0 {
		f.Jitter = 0.1
	}
	if f.MaxBackoff < f.Interval {
		f.MaxBackoff = max(30*time.Minute, f.Interval)
	}
	if f.Logger == nil {
		f.Logger = slog.New(slog.DiscardHandler)
	}
	if f.Now == nil {
		f.Now = time.Now
	}
}

// Sync pulls once and applies the set when it changed (always on the
// first call, from the cache when the hub cannot be reached). It returns
// whether Apply was called, and the pull's error (a *StaleError when the
// hub could not be asked: the set in force is then the cached one).
func (f *Follower) Sync(ctx context.Context) (applied bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.defaults()
	if f.Settings == nil {
		return f.syncIndicators(ctx)
	}
	serr := f.syncSettings(ctx)
	if f.Apply != nil {
		applied, err = f.syncIndicators(ctx)
	} else if serr == nil {
		f.failures, f.lastOK = 0, f.Now()
	} else {
		f.failures++
	}
	if err == nil {
		err = serr
	}
	return applied, err
}

// syncIndicators is Sync for the indicators; f.mu is held.
func (f *Follower) syncIndicators(ctx context.Context) (applied bool, err error) {
	if !f.loaded {
		f.cache, f.loaded = loadCache(f.CachePath), true
	}
	ch, perr := f.Client.PullChanges(ctx, f.cache.Cursor, f.etag)
	changed := false
	for _, r := range ch.Refused {
		f.Logger.Warn("hub feed: indicator not applied", "reason", r)
	}
	if perr == nil {
		f.etag = ch.ETag
		if !ch.NotModified {
			changed = f.cache.merge(ch, f.Now())
			if changed || f.cache.Cursor != "" {
				if err := f.cache.save(f.CachePath); err != nil {
					f.Logger.Warn("hub feed: the indicators could not be cached", "err", err, "path", f.CachePath)
				}
			}
		}
		f.failures = 0
		f.lastOK = f.Now()
	} else {
		f.failures++
		perr = staleError(perr, f.cache)
	}
	now := f.Now()
	due := !f.boundary.IsZero() && !now.Before(f.boundary)
	if f.applied && !changed && !due {
		return false, perr
	}
	inds := append([]indicator.Indicator(nil), f.cache.Indicators...)
	if f.Apply != nil {
		if err := f.Apply(inds); err != nil {
			f.Logger.Error("hub feed: the new indicators could not be applied; the previous set stays in force", "err", err)
			f.etag = "" // offer the set again at the next pull
			if perr == nil {
				perr = err
			}
			return false, perr
		}
	}
	f.applied = true
	f.boundary = nextBoundary(inds, now)
	f.Logger.Info("hub feed: indicators applied", "indicators", len(inds), "changed", changed)
	return true, perr
}

// nextBoundary is the first time after now when an indicator of inds
// starts or stops being valid (zero when none).
func nextBoundary(inds []indicator.Indicator, now time.Time) time.Time {
	var b time.Time
	for i := range inds {
		for _, t := range [2]time.Time{inds[i].ValidFrom, inds[i].ValidUntil} {
			if !t.IsZero() && t.After(now) && (b.IsZero() || t.Before(b)) {
				b = t
			}
		}
	}
	return b
}

// Run syncs until ctx ends: at once (unless Sync was already called),
// then after each wait. It returns ctx's error.
func (f *Follower) Run(ctx context.Context) error {
	f.mu.Lock()
	synced := f.loaded
	f.mu.Unlock()
	for {
		if synced {
			t := time.NewTimer(f.wait())
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		synced = true
		_, err := f.Sync(ctx)
		if err != nil && ctx.Err() == nil {
			var te *TokenError
			if errors.As(err, &te) {
				f.Logger.Error("hub feed: the hub refused the token; the last indicators pulled stay in force", "err", err)
			} else {
				f.Logger.Warn("hub feed: pull failed; the last indicators pulled stay in force", "err", err)
			}
		}
	}
}

// wait is the time to the next pull: the interval with jitter, or after
// failures an exponential back-off (from a quarter of the interval,
// doubling, up to MaxBackoff), also with jitter.
func (f *Follower) wait() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.defaults()
	d := f.Interval
	if f.failures > 0 {
		d = max(f.Interval/4, time.Second)
		for i := 1; i < f.failures && d < f.MaxBackoff; i++ {
			d *= 2
		}
		d = min(d, f.MaxBackoff)
	}
	if !f.boundary.IsZero() {
		if until := f.boundary.Sub(f.Now()); until > 0 && until < d {
			return until // an indicator starts or ends before then
		}
	}
	j := (rand.Float64()*2 - 1) * f.Jitter * float64(d)
	return max(time.Duration(float64(d)+j), 10*time.Millisecond)
}
