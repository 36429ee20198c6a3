package leak

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-project/vigie/internal/docmeta"
	"github.com/vigie-project/vigie/internal/mailauth"
)

// Config is what one verification run needs. Zero values are usable:
// no originals, no keys (every signed message is then unverifiable),
// default limits, one worker per CPU.
type Config struct {
	// Dump is the leak: a file or a directory (archives and mboxes in it
	// are expanded).
	Dump string
	// Originals is the party's own mail export and documents (optional).
	Originals string
	// Resolver finds DKIM keys: an archive, live DNS, or a
	// mailauth.Chain of both. Nil: no key is found.
	Resolver mailauth.KeyResolver
	// Org describes the party's genuine documents for the anomaly rules.
	Org docmeta.OrgProfile
	// Out is the directory report.json, items.csv, report.html and the
	// checkpoint are written to. Empty: nothing is written (Run still
	// returns the report).
	Out string
	// Resume continues from the checkpoint in Out (default true in the
	// command; a checkpoint made with other inputs is ignored).
	Resume bool
	// Limits bound the work per item.
	Limits Limits
	// Workers is the number of items examined at once (0: GOMAXPROCS).
	Workers int
	// Memory bounds the bytes of messages and files held in memory at
	// once, between the walker and the workers (0: DefaultMemory): a dump
	// of large messages is examined with fewer of them at a time, so the
	// run's memory does not grow with the dump or the attachments.
	Memory int64
	// Now is the current time (zero: time.Now()); messages are judged at
	// their own date, Now only matters for facts like "expired since".
	Now time.Time
	// Progress, when set, is called at most every ProgressEvery with the
	// run's progress, and once at the end.
	Progress      func(Progress)
	ProgressEvery time.Duration
	// Info labels the report (key archive path, whether live DNS was
	// used, staff list size).
	Keys       string
	KeyRecords int
	LiveDNS    bool
	// Tool is the program name and version written in the report.
	Tool string
	// KeyFiles are the key archive files behind Resolver: their SHA-256
	// is written in the report's header. CommandLine is the command that
	// ran (for the header). Lang is report.html's language ("en", "fr").
	KeyFiles    []KeyArchive
	CommandLine string
	Lang        string
}

// DefaultMemory is the default bound on the bytes of items in memory
// (Config.Memory). An item is counted three times its size: its bytes,
// the canonical copy DKIM hashes, and its decoded parts.
const DefaultMemory = 384 << 20

// Progress is reported during a run.
type Progress struct {
	Phase   string // "originals" or "dump"
	Items   int    // items examined in this phase
	Resumed int    // items taken from the checkpoint
	Errors  int
	Path    string // the last item
	Elapsed time.Duration
	Done    bool
	// Bytes of the dump's files read so far in this run, out of
	// TotalBytes (what was left to read when the run started: files
	// done in an earlier run are not counted).
	Bytes, TotalBytes int64
}

// Rate is the number of items examined per second.
func (p Progress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Items) / p.Elapsed.Seconds()
}

// Left estimates the time left from the share of bytes read so far (0
// when it cannot be estimated yet).
func (p Progress) Left() time.Duration {
	if p.Bytes <= 0 || p.TotalBytes <= 0 || p.Elapsed < time.Second || p.Done {
		return 0
	}
	left := float64(max(p.TotalBytes-p.Bytes, 0)) / float64(p.Bytes) * float64(p.Elapsed)
	return time.Duration(left)
}

// Fraction is the share of the bytes read (0 to 1; 0 when unknown).
func (p Progress) Fraction() float64 {
	if p.TotalBytes <= 0 {
		return 0
	}
	return min(float64(p.Bytes)/float64(p.TotalBytes), 1)
}

// Run examines the dump and returns the report; with Out set it writes
// report.json, items.csv and report.html there. One bad item never stops
// the run: it gets the verdict "error". Run fails only when the dump
// cannot be read at all, the output cannot be written, or ctx ends (the
// checkpoint then lets a new run continue).
func Run(ctx context.Context, c Config) (*Report, error) {
	if c.Limits == (Limits{}) {
		c.Limits = DefaultLimits
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Now.IsZero() {
		c.Now = time.Now()
	}
	if c.Memory <= 0 {
		c.Memory = DefaultMemory
	}
	if c.ProgressEvery == 0 {
		c.ProgressEvery = 500 * time.Millisecond
	}
	if _, err := os.Stat(c.Dump); err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	rep := &Report{SchemaVersion: SchemaVersion, Tool: c.Tool, Generated: c.Now.UTC(), Dump: c.Dump, Originals: c.Originals,
		Keys: c.Keys, KeyRecords: c.KeyRecords, LiveDNS: c.LiveDNS, Staff: len(c.Org.Staff), Counts: map[string]int{},
		CommandLine: c.CommandLine, Lang: normLang(c.Lang)}
	for _, k := range c.KeyFiles {
		if k.SHA256 == "" {
			sum, err := hashFile(k.Path)
			if err != nil {
				return nil, fmt.Errorf("key archive: %w", err)
			}
			k.SHA256 = sum
		}
		rep.KeyArchives = append(rep.KeyArchives, k)
	}
	c.KeyFiles = rep.KeyArchives // with their SHA-256, for the checkpoint's fingerprint

	var origs *originals
	if c.Originals != "" {
		if _, err := os.Stat(c.Originals); err != nil {
			return nil, fmt.Errorf("originals: %w", err)
		}
		origs = newOriginals()
		if err := origs.load(ctx, &c, c.Originals); err != nil {
			return nil, fmt.Errorf("reading originals: %w", err)
		}
		rep.OriginalCount = len(origs.list)
		sum, err := originalsDigest(ctx, c.Originals)
		if err != nil {
			return nil, fmt.Errorf("originals: %w", err)
		}
		rep.OriginalsSHA256 = sum
	}

	var cp *checkpoint
	if c.Out != "" {
		if err := os.MkdirAll(c.Out, 0o755); err != nil {
			return nil, fmt.Errorf("output directory: %w", err)
		}
		var err error
		cp, err = openCheckpoint(filepath.Join(c.Out, checkpointName), c.fingerprint(origs), c.Resume)
		if err != nil {
			return nil, err
		}
		defer cp.close()
		for _, it := range cp.items {
			rep.Items = append(rep.Items, it)
		}
		rep.Resumed = len(cp.items)
	}

	var mu sync.Mutex
	err := c.pipelineCP(ctx, c.Dump, cp, func(a *analysed) error {
		if origs != nil {
			origs.compare(a)
		}
		mu.Lock()
		rep.Items = append(rep.Items, a.item)
		mu.Unlock()
		if cp != nil {
			return cp.record(a.item)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	finish(rep, &c, origs != nil)
	if c.Out != "" {
		if err := WriteFiles(c.Out, rep); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// finish applies the rules that need every item (the metadata anomaly
// rules: bursts of files saved together) and sets the remaining verdicts.
func finish(rep *Report, c *Config, haveOriginals bool) {
	sortItems(rep.Items)
	applyPractice(rep.Items)
	// One meta per distinct file: the same document attached to fifty
	// messages is one document, not a burst of fifty saves. Anomalies
	// found on it apply to every copy.
	var metas []*docmeta.Meta
	copies := map[string][]*Item{} // path of the first copy -> all copies
	firstBySHA := map[string]string{}
	for _, it := range rep.Items {
		if it.meta == nil || it.Document == nil {
			continue
		}
		if first, ok := firstBySHA[it.SHA256]; ok && it.SHA256 != "" {
			copies[first] = append(copies[first], it)
			continue
		}
		firstBySHA[it.SHA256] = it.Path
		it.meta.Source = it.Path
		metas = append(metas, it.meta)
		copies[it.Path] = []*Item{it}
	}
	for _, an := range docmeta.Check(metas, c.Org) {
		targets := an.Sources
		if an.Source != "" {
			targets = []string{an.Source}
		}
		for _, p := range targets {
			for _, it := range copies[p] {
				it.Document.Anomalies = append(it.Document.Anomalies, an)
				it.Reasons = append(it.Reasons, "metadata anomaly ("+an.Rule+"): "+an.Explanation)
			}
		}
	}
	for _, it := range rep.Items {
		anomalies := it.Document != nil && len(it.Document.Anomalies) > 0
		switch {
		case it.Verdict == "" || it.Verdict == NoOriginal:
			if anomalies {
				it.Verdict = Suspicious
				it.Reasons = append([]string{"the metadata does not fit the party's genuine documents (see the anomalies); this alone does not prove a forgery"}, it.Reasons...)
			} else if it.Verdict == "" {
				it.Verdict = Unverifiable
				if haveOriginals {
					it.Verdict = NoOriginal
				} else {
					it.Reasons = append(it.Reasons, "no originals were given to compare with and the metadata shows no anomaly")
				}
			}
		case it.Verdict == IdenticalToOriginal && anomalies:
			it.Reasons = append(it.Reasons, "the anomalies above are also in the party's own original: they say nothing about the leak")
		}
		if it.Kind == KindOther && (it.Verdict == Unverifiable || it.Verdict == NoOriginal) && !slices.ContainsFunc(it.Reasons, func(r string) bool { return strings.HasPrefix(r, "not a mail or document format") }) {
			it.Reasons = append([]string{"not a mail or document format Vigie reads (" + it.Format + "): listed, and compared with the party's files by SHA-256 only"}, it.Reasons...)
		}
		if it.Reasons == nil {
			it.Reasons = []string{}
		}
		rep.Counts[string(it.Verdict)]++
	}
	translateItems(rep.Items)
	rep.Groups = groupForgeries(rep.Items)
}

// originalsDigest fingerprints the originals folder (or file): the
// SHA-256 of the lines "<sha256>  ./<path>\n" of every regular file,
// sorted by path in byte order, which is what
//
//	LC_ALL=C find . -type f | sort | xargs sha256sum | sha256sum
//
// prints in the folder: anyone holding the same originals can check the
// report was made with them.
func originalsDigest(ctx context.Context, root string) (string, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return hashFile(root)
	}
	var lines []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if !d.Type().IsRegular() {
			return nil
		}
		sum, err := hashFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		lines = append(lines, sum+"  ./"+filepath.ToSlash(rel)+"\n")
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i][66:] < lines[j][66:] })
	h := sha256.New()
	for _, l := range lines {
		io.WriteString(h, l)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// displayPath returns p relative to root: for a directory root, its
// base name then the relative path ("dump/mail/a.eml"); for a file root,
// its base name (with any "!member" or "#n" suffix kept).
func displayPath(root, p string) string {
	base := filepath.Base(root)
	if p == root {
		return base
	}
	if rest, ok := strings.CutPrefix(p, root); ok && rest != "" {
		switch rest[0] {
		case '/', '\\':
			return filepath.ToSlash(base + rest)
		case '!', '#':
			return base + rest
		}
	}
	return filepath.ToSlash(p)
}

// sortItems orders items by path, numbers compared as numbers (so that
// inbox.mbox#2 comes before inbox.mbox#10).
func sortItems(items []*Item) {
	sort.SliceStable(items, func(i, j int) bool { return naturalLess(items[i].Path, items[j].Path) })
}

func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := leadingDigits(a), leadingDigits(b)
		if da > 0 && db > 0 {
			na, _ := strconv.ParseUint(a[:min(da, 18)], 10, 64)
			nb, _ := strconv.ParseUint(b[:min(db, 18)], 10, 64)
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func leadingDigits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// fingerprint identifies the inputs of a run: a checkpoint made with other
// inputs is not reused.
// The originals are part of it by content: comparisons made against
// other originals are not reused.
func (c *Config) fingerprint(origs *originals) string {
	h := sha256.New()
	fmt.Fprintf(h, "v%d\x00%s\x00%s\x00%s\x00%v\x00%+v\x00", SchemaVersion, c.Dump, c.Originals, c.Keys, c.LiveDNS, c.Limits)
	if origs != nil {
		// Sorted: originals are indexed in the order workers finish.
		pairs := make([]string, 0, len(origs.list))
		for _, o := range origs.list {
			pairs = append(pairs, o.path+"\x00"+o.sha)
		}
		sort.Strings(pairs)
		for _, p := range pairs {
			fmt.Fprintf(h, "%s\x00", p)
		}
	}
	for _, s := range c.Org.Staff {
		fmt.Fprintf(h, "%s\x00", s)
	}
	// verdicts made with other keys are not reused
	for _, k := range c.KeyFiles {
		fmt.Fprintf(h, "key %s\x00", k.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func (c *Config) pipeline(ctx context.Context, root string, cp *checkpoint, fn func(*analysed) error) error {
	return c.run(ctx, "originals", root, cp, fn)
}

func (c *Config) pipelineCP(ctx context.Context, root string, cp *checkpoint, fn func(*analysed) error) error {
	return c.run(ctx, "dump", root, cp, fn)
}

// run walks root, examines entries on c.Workers goroutines and hands each
// result to fn (one at a time).
func (c *Config) run(ctx context.Context, phase, root string, cp *checkpoint, fn func(*analysed) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	entries := make(chan entry, c.Workers)
	results := make(chan *analysed, c.Workers)
	var walkErr error
	var read atomic.Int64
	mem := newMemBudget(max(c.Memory, 1))
	w := &walker{ctx: ctx, lim: c.Limits, skipDir: c.Out, read: &read}
	w.emit = func(e entry) error {
		// Paths are shown relative to the dump (or originals) root: the
		// report is published and must not show the analyst's disk.
		e.Path = displayPath(root, e.Path)
		// Memory, not the number of items, bounds what is in flight.
		if err := mem.acquire(ctx, weight(e)); err != nil {
			return err
		}
		select {
		case entries <- e:
			return nil
		case <-ctx.Done():
			mem.release(weight(e))
			return ctx.Err()
		}
	}
	if cp != nil {
		w.skip = cp.unitDone
		w.done = cp.unitEnd
		w.resume = cp.resumeAt
	}
	total := remainingBytes(ctx, root, c.Out, cp)
	go func() {
		walkErr = w.walk(root)
		close(entries)
	}()
	var wg sync.WaitGroup
	for range c.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range entries {
				a := c.analyse(ctx, e)
				a.item.unit, a.item.msgN, a.item.msgEnd = e.unit, e.msgN, e.msgEnd
				a.prepare()
				// Attached documents first: the checkpoint closes a
				// unit when its last walked item is recorded.
				attached := a.attached
				a.attached = nil
				for _, ae := range attached {
					da := c.analyse(ctx, ae)
					da.item.unit, da.item.attached, da.item.msgN = e.unit, true, e.msgN
					da.prepare()
					select {
					case results <- da:
					case <-ctx.Done():
						mem.release(weight(e))
						return
					}
				}
				// The entry's bytes are no longer needed: the results
				// keep only what the comparison uses.
				mem.release(weight(e))
				select {
				case results <- a:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	start := time.Now()
	last := start
	p := Progress{Phase: phase, TotalBytes: total}
	if cp != nil {
		p.Resumed = len(cp.items)
	}
	var fnErr error
	for a := range results {
		if fnErr != nil {
			continue
		}
		if err := fn(a); err != nil {
			fnErr = err
			cancel()
			continue
		}
		p.Items++
		if a.item.Verdict == Error {
			p.Errors++
		}
		if c.Progress != nil && time.Since(last) >= c.ProgressEvery {
			last = time.Now()
			p.Path, p.Elapsed, p.Bytes = a.item.Path, time.Since(start), read.Load()
			c.Progress(p)
		}
	}
	if c.Progress != nil {
		p.Path, p.Elapsed, p.Done, p.Bytes = "", time.Since(start), true, read.Load()
		c.Progress(p)
	}
	if fnErr != nil {
		return fnErr
	}
	if walkErr != nil && !errors.Is(walkErr, context.Canceled) {
		return walkErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return walkErr
}

// weight is what an entry counts against the memory budget.
func weight(e entry) int64 { return 3 * int64(len(e.Data)) }

// memBudget is a counting semaphore on bytes. An entry heavier than the
// whole budget is let through alone, so that no item is refused for it.
type memBudget struct {
	mu    sync.Mutex
	cond  *sync.Cond
	limit int64
	used  int64
}

func newMemBudget(limit int64) *memBudget {
	m := &memBudget{limit: limit}
	m.cond = sync.NewCond(&m.mu)
	return m
}

func (m *memBudget) acquire(ctx context.Context, n int64) error {
	n = min(n, m.limit)
	stop := context.AfterFunc(ctx, func() {
		m.mu.Lock()
		m.cond.Broadcast()
		m.mu.Unlock()
	})
	defer stop()
	m.mu.Lock()
	defer m.mu.Unlock()
	for m.used > 0 && m.used+n > m.limit {
		if err := ctx.Err(); err != nil {
			return err
		}
		m.cond.Wait()
	}
	m.used += n
	return nil
}

func (m *memBudget) release(n int64) {
	n = min(n, m.limit)
	m.mu.Lock()
	m.used -= n
	m.mu.Unlock()
	m.cond.Broadcast()
}

// remainingBytes is the size of the files under root left to read: the
// total of the regular files, less those done in an earlier run and the
// part of mbox files already examined (for the progress' time left).
func remainingBytes(ctx context.Context, root, skipDir string, cp *checkpoint) int64 {
	var total int64
	add := func(p string, fi fs.FileInfo) {
		if cp != nil {
			unit := unitKey(p, fi)
			if cp.unitDone(unit) {
				return
			}
			_, off := cp.resumeAt(unit)
			total -= off
		}
		total += fi.Size()
	}
	fi, err := os.Lstat(root)
	if err != nil {
		return 0
	}
	if !fi.IsDir() {
		add(root, fi)
		return total
	}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || ctx.Err() != nil {
			return nil
		}
		if d.IsDir() {
			if skipDir != "" && sameDir(p, skipDir) {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				add(p, fi)
			}
		}
		return nil
	})
	return max(total, 0)
}
