package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/report"
)

// Default limits.
const (
	DefaultMaxSize     = 256 << 20 // files larger are not read (name checks still apply)
	DefaultMaxDepth    = 5         // container nesting
	DefaultMaxExpanded = 1 << 30   // bytes expanded from one top-level file
	DefaultMaxRatio    = 1000      // expanded bytes per byte of the top-level file
	DefaultMaxEntries  = 100_000   // container entries per top-level file
	// ratioFloor: the ratio limit applies only once this much was expanded,
	// so that small, very compressible files never count as bombs.
	ratioFloor = 32 << 20
)

// Limits bound the work spent on containers of one top-level file.
type Limits struct {
	// MaxDepth is how many container levels are opened (0: containers are
	// not opened; a negative value means the default).
	MaxDepth    int
	MaxExpanded int64
	MaxRatio    int64
	MaxEntries  int
}

func (l Limits) withDefaults() Limits {
	if l.MaxDepth < 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxExpanded <= 0 {
		l.MaxExpanded = DefaultMaxExpanded
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	return l
}

// DefaultLimits are the container limits used when Options.Limits is zero.
var DefaultLimits = Limits{MaxDepth: DefaultMaxDepth, MaxExpanded: DefaultMaxExpanded, MaxRatio: DefaultMaxRatio, MaxEntries: DefaultMaxEntries}

// Options configure a sweep.
type Options struct {
	// Paths to scan: directories (walked) or files.
	Paths []string
	// Exclude are glob patterns (filepath.Match syntax); a file or
	// directory is skipped when its full path or its base name matches.
	Exclude []string
	// MaxSize: files larger are not read (their name and path are still
	// checked); 0 means DefaultMaxSize, a negative value no limit.
	MaxSize int64
	// CrossMounts descends into directories on other file systems than the
	// starting path's (pseudo file systems are always skipped).
	CrossMounts bool
	// Threads is the number of files examined at once (0: the number of CPUs).
	Threads int
	// Limits on containers (zero value: DefaultLimits).
	Limits Limits
	// Host names the machine in findings.
	Host string
	// Now gives the time of findings (tests fix it); nil means time.Now.
	Now func() time.Time
	// OnError is called (serialised) for each file or directory that could
	// not be examined. Nil ignores them (they are still counted).
	OnError func(path string, err error)
	// OnFinding is called (serialised) with each finding as it is made.
	OnFinding func(f *report.Finding)
	// Progress, when not nil, is updated as the sweep runs.
	Progress *Progress
	// RuleTimeout bounds the rule scan of one file (0: only the engine's
	// own limit). A file whose scan is cut short is reported as a finding
	// "not fully scanned": some rules may not have been checked on it.
	RuleTimeout time.Duration
	// Live says the matcher is live (indicator.NewLive) and may gain
	// indicator types while the sweep runs (a scan following the hub):
	// every digest is computed and names and paths always checked, so an
	// indicator published during the run matches the files after it.
	Live bool
}

// Scanner examines files against one loaded set of indicators and rules.
type Scanner struct {
	m       *indicator.Matcher
	threats []indicator.Threat
	rules   RuleEngine // nil when no rules are loaded
	opts    Options
	limits  Limits

	needMD5, needSHA1, needSHA256 bool
	needNames, needPaths          bool

	owners ownerCache
	mu     sync.Mutex // serialises OnFinding and OnError
	stats  counters
	// openFn opens a file for reading (openFile; tests inject errors).
	openFn func(root *os.Root, name string) (*os.File, error)
}

// counters are updated atomically by the workers.
type counters struct {
	files, bytes, dirs           atomic.Int64
	findings, errors             atomic.Int64
	special, tooLarge, excluded  atomic.Int64
	vanished, changed, otherFS   atomic.Int64
	pseudo, entries, containers  atomic.Int64
	ruleSkipped, containerLimits atomic.Int64
	unreadable, ruleTimeouts     atomic.Int64
}

// New returns a scanner for the indicators of m (threats names the threats
// they refer to, for titles) and rules (nil when there are none).
func New(m *indicator.Matcher, threats []indicator.Threat, rules RuleEngine, opts Options) *Scanner {
	if opts.Threads <= 0 {
		opts.Threads = runtime.NumCPU()
	}
	if opts.MaxSize == 0 {
		opts.MaxSize = DefaultMaxSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	lim := opts.Limits
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	s := &Scanner{m: m, threats: threats, rules: rules, opts: opts, limits: lim.withDefaults(), openFn: openFile}
	if m != nil {
		s.needMD5, s.needSHA1, s.needSHA256 = m.Has(indicator.MD5), m.Has(indicator.SHA1), m.Has(indicator.SHA256)
		s.needNames, s.needPaths = m.Has(indicator.Filename), m.Has(indicator.PathRegex)
	}
	if opts.Live {
		s.needMD5, s.needSHA1, s.needSHA256, s.needNames, s.needPaths = true, true, true, true, true
	}
	return s
}

func (s *Scanner) needHash() bool { return s.needMD5 || s.needSHA1 || s.needSHA256 }

// needContent tells whether files must be read at all.
func (s *Scanner) needContent() bool {
	return s.needHash() || s.rules != nil || s.limits.MaxDepth > 0
}

// Run sweeps opts.Paths and returns the summary. Findings and errors go to
// the callbacks of Options as they happen. The error is non-nil only when
// the sweep could not run at all (no path could be opened) or ctx ended.
func (s *Scanner) Run(ctx context.Context) (report.Summary, error) {
	start := time.Now()
	if len(s.opts.Paths) == 0 {
		return report.Summary{}, errors.New("sweep: no path to scan")
	}
	jobs := make(chan job, s.opts.Threads*4)
	var wg sync.WaitGroup
	for range s.opts.Threads {
		wg.Go(func() {
			w := s.newWorker()
			for j := range jobs {
				if ctx.Err() != nil {
					j.f.Close()
					continue
				}
				w.examineFile(ctx, j)
			}
		})
	}
	s.opts.Progress.start()
	walkErr := s.walk(ctx, jobs)
	close(jobs)
	wg.Wait()
	s.opts.Progress.stop()
	sum := s.Summary(time.Since(start))
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	return sum, walkErr
}

// Summary returns the counts so far.
func (s *Scanner) Summary(d time.Duration) report.Summary {
	c := &s.stats
	sum := report.Summary{
		Examined: c.files.Load(),
		Bytes:    c.bytes.Load(),
		Errors:   int(c.errors.Load()),
		Duration: d,
		Extra:    map[string]int64{},
	}
	put := func(k string, v int64) {
		if v != 0 {
			sum.Extra[k] = v
		}
	}
	put("directories", c.dirs.Load())
	put("special_files_skipped", c.special.Load())
	put("too_large_skipped", c.tooLarge.Load())
	put("excluded", c.excluded.Load())
	put("vanished", c.vanished.Load())
	put("changed_while_read", c.changed.Load())
	put("other_filesystem_skipped", c.otherFS.Load())
	put("pseudo_filesystem_skipped", c.pseudo.Load())
	put("containers", c.containers.Load())
	put("container_entries", c.entries.Load())
	put("container_limits_hit", c.containerLimits.Load())
	put("too_large_for_rules", c.ruleSkipped.Load())
	put("could_not_be_read", c.unreadable.Load())
	put("not_fully_scanned", c.ruleTimeouts.Load())
	return sum
}

func (s *Scanner) emit(f *report.Finding) {
	s.stats.findings.Add(1)
	if s.opts.OnFinding == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.OnFinding(f)
}

func (s *Scanner) fail(path string, err error) {
	s.stats.errors.Add(1)
	if s.opts.OnError == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.OnError(path, err)
}

// job is one regular file opened by the walker for a worker. f is nil
// when only the names are checked: the content is not needed, or the file
// could not be opened (openErr).
type job struct {
	path    string
	f       *os.File
	info    os.FileInfo
	openErr error
}

func sizeString(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
