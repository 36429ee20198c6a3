// Package yaracli implements `vigie yara`: rule loading, the directory
// walk, the concurrent scan and the output format of libyara's `yara`
// command line tool, so that tools that parse `yara` output work
// unchanged.
package yaracli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie/internal/yara"
	"github.com/vigie-project/vigie/internal/yara/yarac"
)

// Options are the command line options of `vigie yara`.
type Options struct {
	Recursive     bool
	PrintStrings  bool
	PrintLength   bool
	PrintMeta     bool
	PrintTags     bool
	PrintNS       bool
	Negate        bool
	Count         bool
	NoWarnings    bool
	FastMode      bool
	Compiled      bool // the single RULES argument is a file saved by Save
	Threads       int
	Timeout       time.Duration // -a: a single file's scan time; for a directory or scan list, the whole run's (as yara)
	SkipLarger    int64
	MaxRules      int
	Tags          []string
	Identifiers   []string
	Defines       []string // name=value
	NoFollowLinks bool
	JSON          bool // one JSON object per matching rule and file (JSON Lines)
	ScanList      bool // TARGET is a file listing paths to scan, one a line (--scan-list)
	FailOnWarn    bool // warnings make the compilation fail (--fail-on-warnings)
	ModuleData    bool // print the data of the imported modules (-D)
	Stats         bool // print the rule set's statistics before scanning (-S)
	// ModuleDataFiles are -x MODULE=FILE arguments: libyara hands FILE's
	// content to MODULE; of Vigie's modules only "tests" reads it (in
	// libyara cuckoo does too).
	ModuleDataFiles []string
	// MaxStringsPerRule refuses rules with more strings (0: libyara's
	// default, 10,000).
	MaxStringsPerRule int
	// AtomQualityTable is a libyara atom quality table file: checked and
	// not used, Vigie selects atoms its own way (matches are the same).
	AtomQualityTable string
	// StackSize (-k) and MaxProcessMemoryChunk are accepted for
	// compatibility: Vigie's condition evaluator has no slot stack (its
	// nesting is bounded when rules are compiled) and it scans files, not
	// process memory.
	StackSize             int
	MaxProcessMemoryChunk int64
}

// MaxThreads is yara's limit on -p (YR_MAX_THREADS).
const MaxThreads = 32

// DefaultMaxStringsPerRule is libyara's default limit of strings in one rule.
const DefaultMaxStringsPerRule = 10000

// Prepare compiles ruleArgs (or loads the compiled file with o.Compiled),
// with yara's checks of the command line: -x files, the atom quality
// table, --fail-on-warnings, --max-strings-per-rule; with -S it prints the
// statistics to stdout. Messages are yara's.
func Prepare(ruleArgs []string, o Options, stdout, stderr io.Writer) (*yara.Rules, error) {
	if o.Threads > MaxThreads {
		return nil, fmt.Errorf("maximum number of threads is %d", MaxThreads)
	}
	for _, x := range o.ModuleDataFiles {
		_, file, ok := strings.Cut(x, "=")
		if !ok {
			return nil, errors.New("wrong syntax for `-x` option")
		}
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("could not open file \"%s\"", file)
		}
		f.Close()
	}
	if o.StackSize < 0 || o.MaxProcessMemoryChunk < 0 || o.MaxStringsPerRule < 0 {
		return nil, errors.New("--stack-size, --max-strings-per-rule and --max-process-memory-chunk take a positive number")
	}
	var rules *yara.Rules
	var err error
	if o.Compiled {
		if len(ruleArgs) != 1 {
			return nil, errors.New("can't accept multiple rules files if one of them is in compiled form")
		}
		rules, err = Load(ruleArgs[0], o.Defines)
		if err != nil {
			return nil, err
		}
	} else {
		if o.AtomQualityTable != "" {
			if err := checkAtomQualityTable(o.AtomQualityTable); err != nil {
				return nil, fmt.Errorf("error loading atom quality table: %w", err)
			}
		}
		srcs, err := LoadSources(ruleArgs)
		if err != nil {
			return nil, err
		}
		ext, err := externals(o.Defines)
		if err != nil {
			return nil, err
		}
		var warns []yara.Warning
		rules, warns, err = compileLean(srcs, ext, o.NoWarnings)
		if err != nil {
			return nil, err
		}
		if !o.NoWarnings {
			for _, w := range warns {
				fmt.Fprintln(stderr, w.String())
			}
			if o.FailOnWarn && len(warns) > 0 {
				return nil, fmt.Errorf("%d warning(s) and --fail-on-warnings", len(warns))
			}
		}
		limit := o.MaxStringsPerRule
		if limit == 0 {
			limit = DefaultMaxStringsPerRule
		}
		if ns, name, n, over := rules.RuleOverStrings(limit); over {
			return nil, fmt.Errorf("too many strings in rule \"%s\" (limit: %d; namespace %s has %d)", name, limit, ns, n)
		}
	}
	if o.Stats {
		PrintStats(stdout, rules)
	}
	return rules, nil
}

// checkAtomQualityTable checks a libyara atom quality table: entries of
// 4 atom bytes and a quality byte.
func checkAtomQualityTable(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return errors.New("could not open file")
	}
	if st.Size()%5 != 0 || st.Size() > 64<<20 {
		return fmt.Errorf("%s: not an atom quality table (size %d is not a whole number of 5-byte entries, or over 64 MiB)", path, st.Size())
	}
	return nil
}

// PrintStats prints -S: the figures of yara's print_rules_stats that have
// a meaning in Vigie, in its format, then those of Vigie's atom index
// (libyara's Aho-Corasick table figures have no counterpart).
func PrintStats(w io.Writer, rules *yara.Rules) {
	s := rules.Stats()
	fmt.Fprintf(w, "number of rules                    : %d\n", s.Rules)
	fmt.Fprintf(w, "number of strings                  : %d\n", s.Strings)
	fmt.Fprintf(w, "number of patterns                 : %d\n", s.Patterns)
	fmt.Fprintf(w, "number of atoms                    : %d\n", s.Atoms)
	fmt.Fprintf(w, "number of patterns without atoms   : %d\n", s.NoAtom)
}

// ParseDefine turns "name=value" into a typed external value, like yara:
// true/false are booleans, integers and floats are numbers, the rest is a
// string (surrounding double quotes removed).
func ParseDefine(s string) (string, any, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return "", nil, fmt.Errorf("-d %q: want name=value", s)
	}
	switch v {
	case "true":
		return k, true, nil
	case "false":
		return k, false, nil
	}
	if i, err := strconv.ParseInt(v, 0, 64); err == nil {
		return k, i, nil
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && strings.ContainsAny(v, ".eE") {
		return k, f, nil
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	return k, v, nil
}

func externals(defs []string) (map[string]any, error) {
	m := map[string]any{}
	for _, d := range defs {
		k, v, err := ParseDefine(d)
		if err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, nil
}

// LoadSources reads rule files given as [NAMESPACE:]PATH.
func LoadSources(args []string) ([]yara.Source, error) {
	var out []yara.Source
	for _, a := range args {
		ns, path := "", a
		if i := strings.Index(a, ":"); i > 0 && !(i == 1 && len(a) > 2 && (a[2] == '\\' || a[2] == '/')) {
			if _, err := os.Stat(a); err != nil {
				ns, path = a[:i], a[i+1:]
			}
		}
		// opened here for the errors of a missing or unreadable file, read
		// as it is compiled (see ruleFile)
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("reading rules: %w", err)
		}
		fi, err := f.Stat()
		f.Close()
		if err == nil && fi.IsDir() {
			err = fmt.Errorf("read %s: is a directory", path)
		}
		if err != nil {
			return nil, fmt.Errorf("reading rules: %w", err)
		}
		out = append(out, yara.Source{Name: path, Reader: &ruleFile{path: path}, Namespace: ns})
	}
	return out, nil
}

// ruleFile is a rule file read as it is compiled: the compiler never
// holds the whole text (7 MB of heap for signature-base in one file, for
// the whole compile). It is opened on the first read and closed at its
// end, so that thousands of rule files never take as many descriptors.
type ruleFile struct {
	path string
	f    *os.File
	done bool
}

func (r *ruleFile) Read(p []byte) (int, error) {
	if r.done {
		return 0, io.EOF
	}
	if r.f == nil {
		f, err := os.Open(r.path)
		if err != nil {
			r.done = true
			return 0, err
		}
		r.f = f
	}
	n, err := r.f.Read(p)
	if err != nil {
		r.close()
	}
	return n, err
}

// close closes the file if a compile stopped before its end.
func (r *ruleFile) close() {
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
	r.done = true
}

// closeSources closes the rule files LoadSources opened.
func closeSources(srcs []yara.Source) {
	for _, s := range srcs {
		if f, ok := s.Reader.(*ruleFile); ok {
			f.close()
		}
	}
}

// gcPercent is the garbage collector's target while vigie yara scans, and
// compileGCPercent while it compiles. Most of what a compile allocates
// (syntax of hex strings and regexes, programs equal to ones another rule
// already has) is garbage as soon as the string is compiled, and a scan's
// garbage (module data, read buffers) is short-lived too; with Go's
// default of 100 the heap grows to twice the compiled rules before it is
// collected. At 50 the peak resident size for the full signature-base
// set dropped from about 165 to 135 MB compiling and from 147 to 122 MB
// scanning, for the same CPU. Since compiling allocates half as much, 25
// while compiling takes its peak from 108-112 to 101-104 MB for about the
// CPU it took at 50 before; a scan allocates little (tens of MB over
// corpus128), so 20 while scanning costs no measurable CPU and takes the
// scan's peak from 113 to 106-110 MB (BENCHMARKS.md, issue 12 fourth
// pass).
const (
	gcPercent        = 20
	compileGCPercent = 25
)

// leanGC sets the collector to percent unless the user set GOGC, and
// returns the function that restores the previous setting.
func leanGC(percent int) (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(percent)
	return func() { debug.SetGCPercent(old) }
}

// compileHeapFloor is counted as live heap while rules compile, and never
// written (a large allocation comes zeroed from the system; untouched,
// its pages take no memory). Rule files are read as they are compiled,
// so the heap starts the compile nearly empty, and at compileGCPercent
// the collector ran every few hundred KB until the compiled rules had
// grown: 29-30 collections for signature-base instead of 22 with the
// whole file in the heap (which set a floor of its own), 12 % more
// compile CPU. This floor takes them to 17-18 for a quarter of itself
// at the peak (3 MB); see BENCHMARKS.md, issue 12 fifth pass.
const compileHeapFloor = 12 << 20

// compileFloor returns the floor to keep alive while compiling; nil when
// GOGC or GOMEMLIMIT is set (the operator tunes the collector, and the
// floor would count against a memory limit).
func compileFloor() []byte {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	return make([]byte, compileHeapFloor)
}

// compileLean compiles srcs with the collector at compileGCPercent.
//
// Compiling a large rule set allocates several times what the rules keep
// (signature-base: about 400 MB for 45 MB of rules), and a scan allocates
// little: without a collection here that garbage stays resident through
// the whole scan, on top of the files being scanned. One collection that
// returns the freed memory to the system costs tens of milliseconds.
// With noWarnings (-w, which also turns --fail-on-warnings off), the checks
// that only give warnings are skipped.
func compileLean(srcs []yara.Source, ext map[string]any, noWarnings bool) (*yara.Rules, []yara.Warning, error) {
	defer leanGC(compileGCPercent)()
	defer closeSources(srcs)
	floor := compileFloor()
	rules, warns, err := yara.Compile(srcs, yara.CompileOptions{Externals: ext, ReleaseSources: true, NoWarnings: noWarnings})
	runtime.KeepAlive(floor)
	debug.FreeOSMemory()
	return rules, warns, err
}

// Compile compiles rule files with the -d externals and prints warnings
// to stderr unless noWarnings.
func Compile(ruleArgs []string, defines []string, noWarnings bool, stderr io.Writer) (*yara.Rules, error) {
	srcs, err := LoadSources(ruleArgs)
	if err != nil {
		return nil, err
	}
	ext, err := externals(defines)
	if err != nil {
		return nil, err
	}
	rules, warns, err := compileLean(srcs, ext, noWarnings)
	if err != nil {
		return nil, err
	}
	if !noWarnings {
		for _, w := range warns {
			fmt.Fprintln(stderr, w.String())
		}
	}
	return rules, nil
}

// Save compiles ruleArgs and writes the compiled form (see
// yara.Rules.MarshalCompiled) to out; the -d externals are saved with it.
func Save(ruleArgs, defines []string, out string, stderr io.Writer, noWarnings bool) error {
	return SaveWith(ruleArgs, Options{Defines: defines, NoWarnings: noWarnings}, out, stderr)
}

// SaveWith is Save with yarac's checks from o (see Prepare):
// --fail-on-warnings, --max-strings-per-rule, --atom-quality-table.
func SaveWith(ruleArgs []string, o Options, out string, stderr io.Writer) error {
	o.Compiled, o.Stats = false, false
	rules, err := Prepare(ruleArgs, o, io.Discard, stderr)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, rules.MarshalCompiled(), 0o644); err != nil {
		return fmt.Errorf("writing compiled rules: %w", err)
	}
	return nil
}

// Load reads a file written by Save; defines given on the command line
// override the saved externals. Loading decodes the compiled form and
// rebuilds the atom index: no parsing, no atom selection.
func Load(path string, defines []string) (*yara.Rules, error) {
	b, err := readCompiled(path)
	if err != nil {
		return nil, err
	}
	if yarac.IsYarac(b) {
		return loadYarac(path, b, defines)
	}
	rules, err := yara.LoadCompiled(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ext, err := externals(defines)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(ext))
	for k := range ext {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := rules.SetExternal(k, ext[k]); err != nil {
			return nil, err
		}
	}
	return rules, nil
}

// readCompiled reads a compiled rules file, at most yara.MaxCompiledSize.
func readCompiled(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading compiled rules: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading compiled rules: %w", err)
	}
	if st.Size() > yara.MaxCompiledSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, yara.MaxCompiledSize)
	}
	// one read into a buffer of the file's size (io.ReadAll would grow
	// and copy its buffer several times for a big rule set)
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("reading compiled rules: %w", err)
	}
	return b, nil
}

// loadYarac loads a file compiled by libyara 4.2 to 4.5's yarac: package yarac
// turns it back into source, which is compiled as usual; the externals
// saved in the file are the defaults, -d overrides them.
func loadYarac(path string, b []byte, defines []string) (*yara.Rules, error) {
	// decoding makes garbage too (libyara's tables as Go values)
	restore := leanGC(compileGCPercent)
	d, err := yarac.Decode(b)
	restore()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ext, err := externals(defines)
	if err != nil {
		return nil, err
	}
	for k, v := range ext {
		// as yara -C: a -d must name a variable the rules declare
		if _, ok := d.Externals[k]; !ok {
			return nil, fmt.Errorf("%s: -d %s: the compiled rules declare no such external variable", path, k)
		}
		d.Externals[k] = v
	}
	rules, _, err := compileLean(d.Sources, d.Externals, true)
	if err != nil {
		return nil, fmt.Errorf("%s: rules decoded from yarac do not compile: %w", path, err)
	}
	return rules, nil
}

// Decompile prints the rules of a yarac file as source to w and a
// summary to stderr.
func Decompile(path string, w, stderr io.Writer) error {
	b, err := readCompiled(path)
	if err != nil {
		return err
	}
	if !yarac.IsYarac(b) {
		return fmt.Errorf("%s: not a file compiled by libyara's yarac", path)
	}
	d, err := yarac.Decode(b)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := io.WriteString(w, d.Text()); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%s: %d rules, %d strings\n", path, d.Rules, d.Strings)
	return nil
}

// Result summarizes a run.
type Result struct {
	Files   int
	Matches int
	Errors  int
}

// ErrScanFailed is returned by Run when TARGET is a single file that
// could not be scanned; the message, in yara's words, is already on
// stderr. yara exits with 1 then; in a directory or a scan list a file
// that fails is reported and the run goes on (exit 0), as in yara.
var ErrScanFailed = errors.New("scan failed")

// run is the state of one Run shared by the scanning goroutines.
type run struct {
	rules *yara.Rules
	view  *yara.CLIView
	o     Options
	mods  []string // modules imported by the rules, printed with -D
	// modData is the content of the -x files, by module
	modData map[string][]byte
	// deadline ends a directory or scan-list run (yara's -a: the whole
	// run gets Timeout; zero: no limit)
	deadline time.Time
	mu       sync.Mutex
	total    int64 // matching rules over the whole run (yara's -l counts these)
	res      Result
}

// Run scans target (file, directory, or with ScanList a file listing
// paths) with rules and writes yara-style output.
func Run(ctx context.Context, rules *yara.Rules, target string, o Options, stdout, stderr io.Writer) (Result, error) {
	if _, err := externals(o.Defines); err != nil {
		return Result{}, err
	}
	defer leanGC(gcPercent)()
	rn := &run{rules: rules, view: rules.NewCLIView(), o: o}
	for _, x := range o.ModuleDataFiles {
		name, file, ok := strings.Cut(x, "=")
		if !ok {
			return Result{}, errors.New("wrong syntax for `-x` option")
		}
		b, err := readModuleData(file)
		if err != nil {
			return Result{}, err
		}
		if rn.modData == nil {
			rn.modData = map[string][]byte{}
		}
		rn.modData[name] = b
	}
	if o.ModuleData {
		rn.mods = rules.ImportedModules()
	}
	threads := o.Threads
	if threads <= 0 {
		threads = 1
	}
	st, statErr := os.Stat(target)
	isDir := statErr == nil && st.IsDir()
	if o.ScanList && isDir {
		fmt.Fprintln(stderr, "error: cannot use a directory as scan list.")
		return rn.res, ErrScanFailed
	}
	if !o.ScanList && !isDir {
		// a single file: errors end the run with exit 1, like yara
		var buf bytes.Buffer
		n, err := rn.scanFile(ctx, target, true, &buf)
		stdout.Write(buf.Bytes())
		rn.res.Files, rn.res.Matches = 1, n
		if err != nil {
			rn.res.Errors++
			fmt.Fprintf(stderr, "error scanning %s: %s\n", target, scanErrText(err))
			return rn.res, ErrScanFailed
		}
		return rn.res, nil
	}
	if o.Timeout > 0 {
		rn.deadline = time.Now().Add(o.Timeout)
	}
	paths := make(chan string, 256)
	var wg sync.WaitGroup
	for i := 0; i < threads; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				if ctx.Err() != nil || rn.pastDeadline() {
					continue // as yara, files left when time is up are not scanned
				}
				rn.scanQueued(ctx, p, stdout, stderr)
			}
		}()
	}
	var err error
	if isDir {
		err = rn.walk(ctx, target, paths, stderr)
	} else {
		err = rn.scanList(ctx, target, paths, stderr)
	}
	close(paths)
	wg.Wait()
	if err != nil && !errors.Is(err, context.Canceled) {
		return rn.res, err
	}
	return rn.res, ctx.Err()
}

// pastDeadline reports whether the -a time of a directory or scan-list
// run is over.
func (rn *run) pastDeadline() bool {
	return !rn.deadline.IsZero() && !time.Now().Before(rn.deadline)
}

// scanQueued scans one file of a directory or a scan list.
// outBufs holds per-file output buffers: with -n a file's output is
// every rule name (about 500 KB on signature-base), once per file.
var outBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (rn *run) scanQueued(ctx context.Context, p string, stdout, stderr io.Writer) {
	buf := outBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 8<<20 {
			outBufs.Put(buf)
		}
	}()
	n, err := rn.scanFile(ctx, p, false, buf)
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.res.Files++
	rn.res.Matches += n
	if rn.o.Count {
		fmt.Fprintf(buf, "%s: %d\n", p, n)
	}
	stdout.Write(buf.Bytes())
	if err != nil {
		rn.res.Errors++
		fmt.Fprintf(stderr, "error scanning %s: %s\n", p, scanErrText(err))
	}
}

// scanErrText words a scan error as yara's print_scanner_error does.
func scanErrText(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return "could not open file"
	case errors.Is(err, yara.ErrTimeout):
		return "scanning timed out"
	}
	return err.Error()
}

// scanList queues the paths listed in listFile, one a line; a directory
// in the list is walked (recursively with -r), like yara --scan-list.
func (rn *run) scanList(ctx context.Context, listFile string, paths chan<- string, stderr io.Writer) error {
	b, err := os.ReadFile(listFile)
	if err != nil {
		fmt.Fprintf(stderr, "error: could not open file \"%s\".\n", listFile)
		return ErrScanFailed
	}
	if len(b) > maxScanList {
		return fmt.Errorf("scan list %s: larger than %d bytes", listFile, maxScanList)
	}
	for _, line := range strings.SplitAfter(string(b), "\n") {
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if rn.pastDeadline() {
			return nil
		}
		if st, err := os.Stat(line); err == nil && st.IsDir() {
			if err := rn.walk(ctx, line, paths, stderr); err != nil {
				return err
			}
			continue
		}
		paths <- line
	}
	return nil
}

// maxScanList bounds the size of a --scan-list file (64 MiB: about a
// million paths).
const maxScanList = 64 << 20

// walk queues the regular files of dir, and with -r those of its
// subdirectories, as yara's scan_dir does: entries are named DIR/NAME
// (a TARGET given with a final "/" gives "//", as in yara), symbolic
// links are followed (to files and, with -r, to directories) unless -N,
// a link to "." is skipped, and unreadable entries are skipped silently.
// Unlike yara, a directory already entered (a link loop) is not entered
// again.
func (rn *run) walk(ctx context.Context, target string, paths chan<- string, stderr io.Writer) error {
	return rn.walkDir(ctx, target, map[string]bool{}, paths, stderr)
}

func (rn *run) walkDir(ctx context.Context, dir string, visited map[string]bool, paths chan<- string, stderr io.Writer) error {
	o := rn.o
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		if visited[real] {
			return nil
		}
		visited[real] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil && len(entries) == 0 {
		return nil
	}
	for _, e := range entries {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if rn.pastDeadline() {
			return nil
		}
		p := dir + string(filepath.Separator) + e.Name()
		if e.Type()&fs.ModeSymlink != 0 {
			if o.NoFollowLinks {
				continue
			}
			if l, err := os.Readlink(p); err == nil && l == "." {
				continue
			}
		}
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		switch {
		case fi.Mode().IsRegular():
			if o.SkipLarger > 0 && fi.Size() >= o.SkipLarger {
				rn.mu.Lock()
				fmt.Fprintf(stderr, "skipping %s (%d bytes) because it's larger than %d bytes.\n", p, fi.Size(), o.SkipLarger)
				rn.mu.Unlock()
				continue
			}
			paths <- p
		case fi.IsDir() && o.Recursive:
			if err := rn.walkDir(ctx, p, visited, paths, stderr); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanFile scans path and writes what yara's callback prints for it: the
// -D module data, then every non-private rule in declaration order,
// shown or not after -n, -t and -i, until the -l limit stops the file. It
// returns the number of matching rules, which is what -c prints (yara
// 4.2.3 counts matching rules whatever -n, -t and -i say).
func (rn *run) scanFile(ctx context.Context, path string, single bool, w *bytes.Buffer) (int, error) {
	o := rn.o
	timeout := o.Timeout
	if !rn.deadline.IsZero() {
		timeout = max(time.Until(rn.deadline), time.Millisecond)
	}
	sopts := yara.ScanOptions{Timeout: timeout, FastMode: o.FastMode, NoStringData: !o.PrintStrings && !o.JSON,
		// yara -n -s (or -L) prints the strings that matched in rules that did not
		StringsOfNonMatching: o.Negate && (o.PrintStrings || o.PrintLength || o.JSON),
		ModuleData:           rn.modData}
	// console.log messages: yara prints them as the conditions run, after
	// the module data and before the rules' output for the file
	var logs []string
	sopts.OnConsoleLog = func(msg string) { logs = append(logs, msg) }
	matches, err := rn.rules.ScanFile(ctx, path, sopts)
	if err != nil {
		return 0, err
	}
	if len(rn.mods) > 0 {
		// yara prints the module data when the module is loaded, before
		// the rules' output for the file
		data, err := os.ReadFile(path)
		if err != nil {
			return 0, err
		}
		if err := rn.rules.DumpModulesData(w, data, rn.mods, rn.modData); err != nil {
			return 0, err
		}
	}
	for _, l := range logs {
		w.WriteString(l)
		w.WriteByte('\n')
	}
	count := 0
	if !o.Negate && o.MaxRules == 0 {
		// only matching rules print or count: no need to visit the others
		for i := range matches {
			m := &matches[i]
			if ruleSelected(m.Tags, m.Rule, o) && !o.Count {
				rn.view.Apply(m)
				if o.JSON {
					if err := writeJSON(w, *m, path); err != nil {
						return count, err
					}
				} else {
					WriteMatch(w, *m, path, o)
				}
			}
			count++
		}
		if o.Count && single {
			fmt.Fprintf(w, "%d\n", count)
		}
		return count, nil
	}
	hit := make(map[int]int, len(matches)) // rule index -> match
	strsOf := map[int]int{}                // rule index -> strings of a rule that did not match
	for i, m := range matches {
		if m.NotMatching {
			strsOf[m.Index] = i
		} else {
			hit[m.Index] = i
		}
	}
	// a rule that did not match, printed with -n and none of the flags
	// that add to its line, is its name and the path: -n prints every
	// rule of a large set for every file (signature-base over 1 GiB:
	// 260 million lines), so that line is written without a Match
	plain := !o.JSON && !o.PrintNS && !o.PrintTags && !o.PrintMeta && !o.PrintStrings && !o.PrintLength
	all := len(o.Tags) == 0 && len(o.Identifiers) == 0 // no -t or -i
	infos := rn.rules.RuleInfos()
	for ix := range infos {
		ri := &infos[ix]
		if ri.Private {
			continue
		}
		mi, matching := hit[ix]
		show := (all || ruleSelected(ri.Tags, ri.Name, o)) && matching != o.Negate
		if show && !o.Count && !matching && plain {
			w.WriteString(ri.Name)
			w.WriteByte(' ')
			w.WriteString(path)
			w.WriteByte('\n')
		} else if show && !o.Count {
			m := yara.Match{Rule: ri.Name, Namespace: ri.Namespace, Tags: ri.Tags, Meta: ri.Meta}
			if matching {
				m = matches[mi]
				rn.view.Apply(&m)
			} else if si, ok := strsOf[ix]; ok {
				m = matches[si]
				rn.view.Apply(&m)
			}
			if o.JSON {
				if err := writeJSON(w, m, path); err != nil {
					return count, err
				}
			} else {
				WriteMatch(w, m, path, o)
			}
		}
		if matching {
			count++
		}
		if o.MaxRules > 0 {
			rn.mu.Lock()
			if matching {
				rn.total++
			}
			stop := rn.total >= int64(o.MaxRules)
			rn.mu.Unlock()
			if stop {
				break
			}
		}
	}
	if o.Count && single {
		fmt.Fprintf(w, "%d\n", count)
	}
	return count, nil
}

// ruleSelected applies -t and -i as yara does.
func ruleSelected(tags []string, name string, o Options) bool {
	show := true
	if len(o.Tags) > 0 {
		show = false
		for _, want := range o.Tags {
			for _, t := range tags {
				if t == want {
					show = true
				}
			}
		}
	}
	if len(o.Identifiers) > 0 {
		show = false
		for _, id := range o.Identifiers {
			if id == name {
				show = true
			}
		}
	}
	return show
}

// WriteMatch writes one rule match in yara's format:
//
//	[NS:]RULE [tags] [meta] PATH
//	0xOFFSET:$id: data          (with -s; 0xOFFSET:LEN:$id: with -L)
func WriteMatch(w *bytes.Buffer, m yara.Match, path string, o Options) {
	if o.PrintNS {
		w.WriteString(m.Namespace)
		w.WriteByte(':')
	}
	w.WriteString(m.Rule)
	w.WriteByte(' ')
	if o.PrintTags {
		w.WriteByte('[')
		w.WriteString(strings.Join(m.Tags, ","))
		w.WriteString("] ")
	}
	if o.PrintMeta {
		w.WriteByte('[')
		for i, me := range m.Meta {
			if i > 0 {
				w.WriteByte(',')
			}
			switch v := me.Value.(type) {
			case string:
				fmt.Fprintf(w, "%s=\"%s\"", me.Key, escapeMeta(v))
			case int64:
				fmt.Fprintf(w, "%s =%d", me.Key, v)
			case bool:
				fmt.Fprintf(w, "%s=%t", me.Key, v)
			}
		}
		w.WriteString("] ")
	}
	w.WriteString(path)
	w.WriteByte('\n')
	if o.PrintStrings || o.PrintLength {
		for _, s := range m.Strings {
			for _, sm := range s.Matches {
				if o.PrintLength {
					// yara prints the length of the data it kept (at most 512 bytes)
					fmt.Fprintf(w, "0x%x:%d:$%s", sm.Offset, min(sm.Length, yara.MaxMatchData), s.ID)
				} else {
					fmt.Fprintf(w, "0x%x:$%s", sm.Offset, s.ID)
				}
				if o.PrintStrings {
					w.WriteString(": ")
					if s.IsHex {
						// yara's print_hex_string: 64 bytes at most, then " ..."
						for i, b := range sm.Data[:min(len(sm.Data), 64)] {
							if i > 0 {
								w.WriteByte(' ')
							}
							fmt.Fprintf(w, "%02X", b)
						}
						if len(sm.Data) > 64 {
							w.WriteString(" ...")
						}
					} else {
						for _, b := range sm.Data {
							if b >= 32 && b <= 126 {
								w.WriteByte(b)
							} else {
								fmt.Fprintf(w, "\\x%02X", b)
							}
						}
					}
				}
				w.WriteByte('\n')
			}
		}
	}
}

// jsonMatch is the --json form of one match.
type jsonMatch struct {
	Path      string         `json:"path"`
	Rule      string         `json:"rule"`
	Namespace string         `json:"namespace"`
	Tags      []string       `json:"tags,omitempty"`
	Meta      map[string]any `json:"meta,omitempty"`
	Strings   []jsonString   `json:"strings,omitempty"`
}

type jsonString struct {
	ID     string `json:"id"`
	Offset int64  `json:"offset"`
	Length int    `json:"length"`
	Data   []byte `json:"data,omitempty"` // base64 in JSON
}

func writeJSON(w *bytes.Buffer, m yara.Match, path string) error {
	jm := jsonMatch{Path: path, Rule: m.Rule, Namespace: m.Namespace, Tags: m.Tags}
	if len(m.Meta) > 0 {
		jm.Meta = map[string]any{}
		for _, me := range m.Meta {
			jm.Meta[me.Key] = me.Value
		}
	}
	for _, s := range m.Strings {
		for _, sm := range s.Matches {
			jm.Strings = append(jm.Strings, jsonString{ID: "$" + s.ID, Offset: sm.Offset, Length: sm.Length, Data: sm.Data})
		}
	}
	b, err := json.Marshal(jm)
	if err != nil {
		return fmt.Errorf("encoding match: %w", err)
	}
	w.Write(b)
	w.WriteByte('\n')
	return nil
}

// escapeMeta escapes a meta string as yara's print_escaped does: \" \' \\,
// C escapes for \a..\r, octal for other control bytes and bytes >= 127.
func escapeMeta(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\'' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 127:
			fmt.Fprintf(&b, "\\%03o", c)
		case c >= 32:
			b.WriteByte(c)
		case c >= 7 && c <= 13:
			b.WriteByte('\\')
			b.WriteByte("abtnvfr"[c-7])
		default:
			fmt.Fprintf(&b, "\\%03o", c)
		}
	}
	return b.String()
}

// MaxModuleData bounds a -x file: module data is a small report (libyara's
// cuckoo reads a JSON sandbox report), and every scanned file gets it.
const MaxModuleData = 64 << 20

// readModuleData reads a -x file, at most MaxModuleData bytes
// (-x tests=/dev/zero used to read forever).
func readModuleData(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("could not open file \"%s\"", file)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxModuleData+1))
	if err != nil {
		return nil, fmt.Errorf("could not read file \"%s\": %w", file, err)
	}
	if len(b) > MaxModuleData {
		return nil, fmt.Errorf("module data file \"%s\" is larger than %d MB", file, MaxModuleData>>20)
	}
	return b, nil
}
