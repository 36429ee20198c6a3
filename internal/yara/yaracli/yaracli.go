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
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie/internal/yara"
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
	Timeout       time.Duration
	SkipLarger    int64
	MaxRules      int
	Tags          []string
	Identifiers   []string
	Defines       []string // name=value
	NoFollowLinks bool
	JSON          bool // one JSON object per matching rule and file (JSON Lines)
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
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading rules: %w", err)
		}
		out = append(out, yara.Source{Name: path, Data: b, Namespace: ns})
	}
	return out, nil
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
	rules, warns, err := yara.Compile(srcs, yara.CompileOptions{Externals: ext})
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
	rules, err := Compile(ruleArgs, defines, noWarnings, stderr)
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

// Result summarizes a run.
type Result struct {
	Files   int
	Matches int
	Errors  int
}

// Run scans target (file or directory) with rules and writes yara-style
// output.
func Run(ctx context.Context, rules *yara.Rules, target string, o Options, stdout, stderr io.Writer) (Result, error) {
	var res Result
	ext, err := externals(o.Defines)
	if err != nil {
		return res, err
	}
	_ = ext // compiled in already; scans use compiled values
	st, err := os.Stat(target)
	if err != nil {
		return res, fmt.Errorf("could not open %s: %w", target, err)
	}
	threads := o.Threads
	if threads <= 0 {
		threads = 1
	}
	var mu sync.Mutex
	scanOne := func(path string, single bool) {
		var buf bytes.Buffer
		var ebuf bytes.Buffer
		n, err := scanFile(ctx, rules, path, single, o, &buf)
		mu.Lock()
		defer mu.Unlock()
		res.Files++
		if err != nil {
			res.Errors++
			fmt.Fprintf(&ebuf, "error scanning %s: %v\n", path, err)
		}
		res.Matches += n
		stdout.Write(buf.Bytes())
		stderr.Write(ebuf.Bytes())
	}
	if !st.IsDir() {
		scanOne(target, true)
		return res, nil
	}
	paths := make(chan string, 256)
	var wg sync.WaitGroup
	for i := 0; i < threads; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				if ctx.Err() != nil {
					continue
				}
				scanOne(p, false)
			}
		}()
	}
	walkErr := filepath.WalkDir(target, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			mu.Lock()
			fmt.Fprintf(stderr, "error scanning %s: %v\n", p, err)
			res.Errors++
			mu.Unlock()
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.IsDir() {
			if p != target && !o.Recursive {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if o.NoFollowLinks {
				return nil
			}
			fi, err := os.Stat(p)
			if err != nil || !fi.Mode().IsRegular() {
				return nil
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		if o.SkipLarger > 0 {
			if fi, err := d.Info(); err == nil && fi.Size() > o.SkipLarger {
				return nil
			}
		}
		// print paths the way yara does: TARGET/relative
		if rel, err := filepath.Rel(target, p); err == nil && target != "" {
			if strings.HasSuffix(target, string(filepath.Separator)) {
				p = target + rel
			} else {
				p = target + string(filepath.Separator) + rel
			}
		}
		paths <- p
		return nil
	})
	close(paths)
	wg.Wait()
	if walkErr != nil && !errors.Is(walkErr, context.Canceled) {
		return res, walkErr
	}
	return res, ctx.Err()
}

func scanFile(ctx context.Context, rules *yara.Rules, path string, single bool, o Options, w *bytes.Buffer) (int, error) {
	sopts := yara.ScanOptions{Timeout: o.Timeout, FastMode: o.FastMode, NoStringData: !o.PrintStrings && !o.JSON}
	matches, err := rules.ScanFile(ctx, path, sopts)
	if err != nil {
		return 0, err
	}
	shown := filterRules(rules, matches, o)
	if o.Count {
		if single {
			fmt.Fprintf(w, "%d\n", len(shown))
		} else {
			fmt.Fprintf(w, "%s: %d\n", path, len(shown))
		}
		return len(shown), nil
	}
	for _, m := range shown {
		if o.JSON {
			if err := writeJSON(w, m, path); err != nil {
				return 0, err
			}
			continue
		}
		WriteMatch(w, m, path, o)
	}
	return len(shown), nil
}

// filterRules applies -n, -t, -i and -l.
func filterRules(rules *yara.Rules, matches []yara.Match, o Options) []yara.Match {
	var list []yara.Match
	if o.Negate {
		hit := map[string]bool{}
		for _, m := range matches {
			hit[m.Namespace+":"+m.Rule] = true
		}
		for _, r := range rules.RuleInfos() {
			if r.Private || hit[r.Namespace+":"+r.Name] {
				continue
			}
			list = append(list, yara.Match{Rule: r.Name, Namespace: r.Namespace, Tags: r.Tags, Meta: r.Meta})
		}
	} else {
		list = matches
	}
	var out []yara.Match
	for _, m := range list {
		if len(o.Tags) > 0 {
			ok := false
			for _, t := range m.Tags {
				for _, want := range o.Tags {
					if t == want {
						ok = true
					}
				}
			}
			if !ok {
				continue
			}
		}
		if len(o.Identifiers) > 0 {
			ok := false
			for _, id := range o.Identifiers {
				if id == m.Rule {
					ok = true
				}
			}
			if !ok {
				continue
			}
		}
		out = append(out, m)
		if o.MaxRules > 0 && len(out) >= o.MaxRules {
			break
		}
	}
	return out
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
					fmt.Fprintf(w, "0x%x:%d:$%s", sm.Offset, sm.Length, s.ID)
				} else {
					fmt.Fprintf(w, "0x%x:$%s", sm.Offset, s.ID)
				}
				if o.PrintStrings {
					w.WriteString(": ")
					if s.IsHex {
						for i, b := range sm.Data {
							if i > 0 {
								w.WriteByte(' ')
							}
							fmt.Fprintf(w, "%02X", b)
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

func escapeMeta(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c >= 32 && c <= 126:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "\\x%02x", c)
		}
	}
	return b.String()
}
