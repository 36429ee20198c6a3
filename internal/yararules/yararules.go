// Package yararules compiles YARA rules for the sensors that scan bytes (the
// file sweep, attachments in mail) and adapts the engine of package yara to
// the small interface they use: it declares the Loki/THOR
// externals (filename, filepath, extension, filetype, owner) at compile
// time and fills them per file, so signature-base rules work as written.
package yararules

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/report"
	"github.com/vigie-project/vigie/internal/yara"
)

// Limits on what one rule file or directory may hold.
const (
	maxRuleFiles = 20_000
	maxRuleBytes = 256 << 20
	// Timeout bounds the rule scan of one file.
	Timeout = 60 * time.Second
	// maxEvidence bounds the matched strings kept per finding.
	maxEvidence = 10
)

// externals are the Loki/THOR variables, declared with empty defaults.
var externals = map[string]any{"filename": "", "filepath": "", "extension": "", "filetype": "", "owner": ""}

// ruleMeta is what findings need of a rule, by namespace and name.
type ruleMeta struct {
	source, description, author, reference string
	score                                  int
	threats                                []string
	tlp                                    string
}

// Engine scans files with compiled rules. It is safe for concurrent use.
type Engine struct {
	rules   *yara.Rules          // nil when every indicator rule was skipped
	meta    map[string]*ruleMeta // namespace + ":" + rule
	count   int
	skipped []Skipped
}

// Skipped is a YARA indicator (from the hub or an indicator file) that
// could not be compiled and is left out: the sensor keeps protecting with
// the other rules and reports it.
type Skipped struct {
	ID     string // the indicator's id (a STIX id), when it has one
	Name   string // the rule name
	Source string // who published it
	Err    error
}

func (s Skipped) String() string {
	id := s.Name
	if s.ID != "" {
		id += " (" + s.ID + ")"
	}
	return fmt.Sprintf("YARA indicator %s could not be compiled and is not used: %v", id, s.Err)
}

// Finding turns a skipped rule into a finding the user sees: the scan or
// filter ran without that rule.
func (s Skipped) Finding(sensor, host string, at time.Time) *report.Finding {
	src := s.Source
	if src == "" {
		src = "the indicator feed"
	}
	return &report.Finding{
		Schema: report.SchemaVersion, Time: at, Sensor: sensor, Host: host, Severity: report.Low,
		Title:    "A YARA rule from " + src + " is broken and was not used: " + s.Name,
		Subject:  report.Subject{Kind: "rule", Name: s.Name},
		Match:    report.Match{Kind: "check", Type: "rule-compile", Value: s.Name, Source: s.Source},
		Evidence: []report.Evidence{{Name: "compile error", Data: shorten(s.Err.Error(), 300)}},
		Advice:   "The other rules and indicators still protect you. Tell whoever publishes this rule (the agency's hub) that it does not compile, so that they fix or withdraw it.",
		ID:       "rule-compile:" + cmp.Or(s.ID, s.Name),
	}
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Skipped lists the YARA indicators left out because they do not compile.
func (e *Engine) Skipped() []Skipped { return e.skipped }

// Check compiles one YARA indicator alone, as a sensor does (the
// Loki/THOR externals declared, includes refused), and checks that it
// defines a rule named name (when name is not empty). The hub runs it on
// every rule it imports, so that a broken rule is refused at the door.
func Check(name, rule string) error { return check(name, rule, true) }

func check(name, rule string, wantName bool) error {
	if strings.TrimSpace(rule) == "" {
		return fmt.Errorf("rule %s has no source", name)
	}
	if len(rule) > maxRuleBytes {
		return fmt.Errorf("rule %s is larger than %d MiB", name, maxRuleBytes>>20)
	}
	label := "rule " + name
	if name == "" {
		label = "rule"
	}
	rs, _, err := yara.Compile([]yara.Source{{Name: label, Data: []byte(rule)}}, yara.CompileOptions{Externals: externals, DisableIncludes: true})
	if err != nil {
		return err
	}
	if name == "" || !wantName {
		return nil
	}
	var names []string
	for _, ri := range rs.RuleInfos() {
		if ri.Name == name {
			return nil
		}
		names = append(names, ri.Name)
	}
	return fmt.Errorf("the source defines no rule named %s (it defines %s)", name, strings.Join(names, ", "))
}

// Load reads rule files (a file, or a directory whose *.yar and *.yara
// files are read recursively) and the YARA indicators of a collection
// (from the hub or an indicator file), and compiles them. Each file is its
// own namespace, so that two files may use the same rule name.
func Load(paths []string, inds []*indicator.Indicator) (*Engine, []yara.Warning, error) {
	var srcs []yara.Source
	total := 0
	origin := map[string]string{} // namespace → source name
	add := func(name, ns string, data []byte) error {
		total += len(data)
		if total > maxRuleBytes {
			return fmt.Errorf("%s: rules larger than %d MiB in all", name, maxRuleBytes>>20)
		}
		if len(srcs) >= maxRuleFiles {
			return fmt.Errorf("%s: more than %d rule files", name, maxRuleFiles)
		}
		srcs = append(srcs, yara.Source{Name: name, Data: data, Namespace: ns})
		origin[ns] = name
		return nil
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("rules: %w", err)
		}
		if !fi.IsDir() {
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, nil, fmt.Errorf("rules: %w", err)
			}
			if err := add(p, p, data); err != nil {
				return nil, nil, err
			}
			continue
		}
		var files []string
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			ext := strings.ToLower(filepath.Ext(q))
			if d.Type().IsRegular() && (ext == ".yar" || ext == ".yara") {
				files = append(files, q)
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("rules: %w", err)
		}
		if len(files) == 0 {
			return nil, nil, fmt.Errorf("rules: %s holds no .yar or .yara file", p)
		}
		sort.Strings(files)
		for _, q := range files {
			data, err := os.ReadFile(q)
			if err != nil {
				return nil, nil, fmt.Errorf("rules: %w", err)
			}
			if err := add(q, q, data); err != nil {
				return nil, nil, err
			}
		}
	}
	hubMeta := map[string]*indicator.Indicator{}
	var skipped []Skipped
	for i, ind := range inds {
		ns := fmt.Sprintf("indicator-%d", i)
		name := ind.Source
		if name == "" {
			name = "indicator " + ind.Value
		}
		// One broken indicator must not take the others down: each is
		// compiled alone first (includes refused: a rule from a feed
		// must not read the sensor's files), and one that does not
		// compile is skipped and reported.
		if err := check(ind.Value, ind.Rule, false); err != nil {
			skipped = append(skipped, Skipped{ID: ind.ID, Name: ind.Value, Source: ind.Source, Err: err})
			continue
		}
		if err := add(name, ns, []byte(ind.Rule)); err != nil {
			return nil, nil, err
		}
		hubMeta[ns] = ind
	}
	if len(srcs) == 0 {
		if len(skipped) > 0 {
			return &Engine{meta: map[string]*ruleMeta{}, skipped: skipped}, nil, nil
		}
		return nil, nil, nil
	}
	rules, warns, err := yara.Compile(srcs, yara.CompileOptions{Externals: externals})
	if err != nil {
		return nil, warns, fmt.Errorf("rules: %w", err)
	}
	e := &Engine{rules: rules, meta: map[string]*ruleMeta{}, skipped: skipped}
	for _, ri := range rules.RuleInfos() {
		if ri.Private {
			continue
		}
		e.count++
		m := &ruleMeta{source: origin[ri.Namespace]}
		if ind, ok := hubMeta[ri.Namespace]; ok {
			m.threats, m.tlp = ind.Threats, string(ind.TLP)
			m.source = ind.Source
		}
		for _, kv := range ri.Meta {
			switch strings.ToLower(kv.Key) {
			case "description":
				m.description = metaString(kv.Value)
			case "author":
				m.author = metaString(kv.Value)
			case "reference":
				m.reference = metaString(kv.Value)
			case "score":
				switch v := kv.Value.(type) {
				case int64:
					m.score = int(v)
				case string:
					m.score, _ = strconv.Atoi(v)
				}
			}
		}
		e.meta[ri.Namespace+":"+ri.Name] = m
	}
	return e, warns, nil
}

func metaString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// Rules is the number of (non-private) rules loaded.
func (e *Engine) Rules() int { return e.count }

// MaxSize: the sweep's --max-size applies.
func (e *Engine) MaxSize() int64 { return 0 }

// ScanBytes runs the rules over data with the file's externals.
func (e *Engine) ScanBytes(ctx context.Context, data []byte, ext Externals) ([]RuleMatch, error) {
	if e.rules == nil {
		return nil, nil
	}
	ms, err := e.rules.ScanBytes(ctx, data, yara.ScanOptions{
		Externals: map[string]any{"filename": ext.Filename, "filepath": ext.Filepath, "extension": ext.Extension, "filetype": ext.Filetype, "owner": ext.Owner},
		Timeout:   Timeout,
	})
	if err != nil {
		return nil, err
	}
	out := make([]RuleMatch, 0, len(ms))
	for _, m := range ms {
		rm := RuleMatch{Rule: m.Rule, Namespace: m.Namespace, Tags: m.Tags}
		if meta, ok := e.meta[m.Namespace+":"+m.Rule]; ok {
			rm.Source, rm.Description, rm.Author, rm.Reference = meta.source, meta.description, meta.author, meta.reference
			rm.Score, rm.Threats, rm.TLP = meta.score, meta.threats, meta.tlp
		}
	strs:
		for _, s := range m.Strings {
			for _, sm := range s.Matches {
				if len(rm.Strings) >= maxEvidence {
					break strs
				}
				rm.Strings = append(rm.Strings, report.Evidence{Name: "$" + s.ID, Offset: sm.Offset, Data: show(sm.Data, s.IsHex)})
			}
		}
		out = append(out, rm)
	}
	return out, nil
}

// show renders matched bytes for people: text as text (escaped), binary as
// hex, at most 64 bytes.
func show(b []byte, isHex bool) string {
	cut := ""
	if len(b) > 64 {
		b, cut = b[:64], "…"
	}
	printable := !isHex
	for _, c := range b {
		if (c < 0x20 && c != '\t') || c >= 0x7f {
			printable = false
			break
		}
	}
	if printable {
		return string(b) + cut
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%02X", c)
	}
	return sb.String() + cut
}
