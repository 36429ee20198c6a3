package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigie-project/vigie/internal/lookalike"
)

const domainsLong = `Look-alike domains: the names an attacker registers so that a hurried reader
takes them for the party's (onedrive-en-marche.fr, mail-en-march.fr,
accoounts-google.com).

  generate  every candidate name for a domain, with the technique that makes it
  check     does a name imitate a protected domain: which, how, how strongly
  watch     which candidates exist (DNS, Certificate Transparency logs); new
            ones become findings and, with --hub, indicators on the hub`

// The domains command registers itself here while root.go carries another
// engineer's uncommitted edit; it takes its place after "scan" in --help.
func init() { commands = append(commands, newDomainsCommand) }

func newDomainsCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "domains",
		Short: "Find look-alike domains of the party and its providers (generate, check, watch)",
		Long:  domainsLong,
	}
	cmd.AddCommand(newDomainsGenerateCommand(g), newDomainsCheckCommand(g))
	if newDomainsWatchCommand != nil {
		cmd.AddCommand(newDomainsWatchCommand(g))
	}
	return cmd
}

// newDomainsWatchCommand is set by cmd_domains_watch.go.
var newDomainsWatchCommand func(*globalOptions) *cobra.Command

type domainsGenerateOptions struct {
	json, csv, stats bool
	limit            int
	dictionaries     []string
	tldFile          string
	fuzzers          []string
	comboTLD         bool
}

const domainsGenerateLong = `Write every name an attacker could register to imitate DOMAIN, one per line,
as it is made (the output streams; --limit stops it).

Techniques: dnstwist's (addition, bitsquatting, cyrillic, homoglyph with each
registry's IDN table, hyphenation, insertion, omission, repetition, replacement,
subdomain, transposition, vowel-swap, dictionary with --dictionary, tld-swap over
every top-level domain, various) and what real campaigns used: plural, combo (the
name with a French or English word of log-in pages, providers and campaigns, on
both sides, with and without hyphen), combo-edit (a misspelled name with a word),
two-edits, flattened-subdomain (accounts.google.com → accounts-google.com and its
misspellings); combo-tld (log-in words under every ending) with --combo-tld.

--json writes one object per line (name, technique, base); --csv a header and one
row per name; --stats only the count per technique.`

func newDomainsGenerateCommand(g *globalOptions) *cobra.Command {
	var o domainsGenerateOptions
	cmd := &cobra.Command{
		Use:   "generate [flags] DOMAIN...",
		Short: "Write the look-alike names an attacker could register",
		Long:  domainsGenerateLong,
		Example: `  vigie domains generate en-marche.fr
  vigie domains generate --stats accounts.google.com
  vigie domains generate --json --limit 1000 en-marche.fr
  vigie domains generate --tld tlds.txt --dictionary words.txt en-marche.fr`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDomainsGenerate(g, o, args)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "one JSON object per line: name, technique, base")
	f.BoolVar(&o.csv, "csv", false, "CSV with a header: name,technique,base")
	f.BoolVar(&o.stats, "stats", false, "print only the number of names per technique")
	f.IntVar(&o.limit, "limit", 0, "stop after N names (0: no limit)")
	f.StringArrayVar(&o.dictionaries, "dictionary", nil, "file of words for the dictionary technique, one per line (repeatable)")
	f.StringVar(&o.tldFile, "tld", "", "file of endings for tld-swap, one per line (default: every top-level domain, list of "+lookalike.TLDsDate+")")
	f.StringSliceVar(&o.fuzzers, "technique", nil, "only these techniques (comma-separated): "+strings.Join(lookalike.Fuzzers, ","))
	f.BoolVar(&o.comboTLD, "combo-tld", false, "also write log-in words joined to the name under every ending (adfs-senate.services); many names")
	return cmd
}

func runDomainsGenerate(g *globalOptions, o domainsGenerateOptions, args []string) error {
	if o.json && o.csv {
		return usageError("--json and --csv cannot be combined")
	}
	if o.limit < 0 {
		return usageError("--limit must be positive")
	}
	opt := lookalike.GenOptions{Fuzzers: o.fuzzers}
	for _, p := range o.dictionaries {
		words, err := readWordFile(p)
		if err != nil {
			return err
		}
		opt.Dictionary = append(opt.Dictionary, words...)
	}
	if o.tldFile != "" {
		tlds, err := readWordFile(o.tldFile)
		if err != nil {
			return err
		}
		for i, t := range tlds {
			tlds[i] = strings.TrimPrefix(t, ".")
		}
		opt.TLDs = tlds
	}
	if o.comboTLD && len(opt.Fuzzers) == 0 {
		opt.Fuzzers = append([]string{}, lookalike.Fuzzers...)
	} else if !o.comboTLD && len(opt.Fuzzers) > 0 {
		for _, f := range opt.Fuzzers {
			if f == "combo-tld" {
				o.comboTLD = true
			}
		}
	}
	w := bufio.NewWriterSize(g.stdout, 64<<10)
	defer w.Flush()
	var cw *csv.Writer
	if o.csv {
		cw = csv.NewWriter(w)
		cw.Write([]string{"name", "technique", "base"})
	}
	enc := json.NewEncoder(w)
	stats := lookalike.Stats{}
	n := 0
	emit := func(c lookalike.Candidate) error {
		n++
		stats[c.Technique]++
		switch {
		case o.stats:
		case o.json:
			if err := enc.Encode(c); err != nil {
				return err
			}
		case o.csv:
			cw.Write([]string{c.Name, c.Technique, c.Base})
		default:
			w.WriteString(c.Name)
			if err := w.WriteByte('\n'); err != nil {
				return err
			}
		}
		if o.limit > 0 && n >= o.limit {
			return lookalike.ErrStop
		}
		return nil
	}
	for _, d := range args {
		if err := lookalike.Generate(d, opt, emit); err != nil {
			var ne *lookalike.NameError
			if errors.As(err, &ne) {
				return usageError("domain %v", err)
			}
			return fmt.Errorf("generate %s: %w", d, err)
		}
		if o.limit > 0 && n >= o.limit {
			break
		}
	}
	if cw != nil {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
	}
	if o.stats {
		for _, kv := range stats.Sorted() {
			fmt.Fprintf(w, "%-20s %s\n", kv[0], kv[1])
		}
		fmt.Fprintf(w, "%-20s %d\n", "total", n)
	}
	return w.Flush()
}

// readWordFile reads one word per line, skipping blank lines and # or //
// comments (dnstwist's dictionaries start with // lines).
func readWordFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(io.LimitReader(f, 64<<20))
	for sc.Scan() {
		l := strings.ToLower(strings.TrimSpace(sc.Text()))
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "//") {
			continue
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

type domainsCheckOptions struct {
	protect     []string
	protectFile string
	providers   []string
	json        bool
	minScore    float64
}

const domainsCheckLong = `Tell, for each NAME, whether it imitates a protected domain: which one, by which
technique, how strongly (a score from 0 to 1; 0.8 and more is strong by itself),
and why in a sentence. Names are arguments, or one per line on standard input
with "-".

The party's domains are given with --protect or --protect-file (one per line);
providers with --provider (Google, Microsoft, OVHcloud ... or "all"), protected
with every domain they really own, so that googleusercontent.com or
office365.com are not flagged. A protected domain inside a longer name
(myaccount.google.com-securitysettingpage.tk) counts.

--json writes one object per name and line: name, imitates (empty when none),
technique, score, reason (and error for a name that is not a valid host name).

Exit codes:
  0  no name imitates a protected domain
  1  some names imitate a protected domain
  2  some names are not valid host names (and none imitates)
  3  usage error`

func newDomainsCheckCommand(g *globalOptions) *cobra.Command {
	var o domainsCheckOptions
	cmd := &cobra.Command{
		Use:   "check [flags] NAME...|-",
		Short: "Tell whether names imitate the party's or its providers' domains",
		Long:  domainsCheckLong,
		Example: `  vigie domains check --protect en-marche.fr onedrive-en-marche.fr mail-en-march.fr
  vigie domains check --protect-file ours.txt --provider google,microsoft --json - < names.txt`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDomainsCheck(g, o, args)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.protect, "protect", nil, "the party's domains (comma-separated or repeated)")
	f.StringVar(&o.protectFile, "protect-file", "", "file of the party's domains, one per line")
	f.StringSliceVar(&o.providers, "provider", nil, "providers to protect with all their domains (google, microsoft, ovhcloud ... or all)")
	f.BoolVar(&o.json, "json", false, "one JSON object per name: name, imitates, technique, score, reason")
	f.Float64Var(&o.minScore, "min-score", 0, "report only matches at least this strong (0 to 1)")
	return cmd
}

// domainsDetector builds the detector from the party's domains and the
// chosen providers.
func domainsDetector(protect []string, protectFile string, providers []string) (*lookalike.Detector, error) {
	own := append([]string{}, protect...)
	if protectFile != "" {
		more, err := readWordFile(protectFile)
		if err != nil {
			return nil, usageError("--protect-file: %v", err)
		}
		own = append(own, more...)
	}
	var owners []lookalike.Owner
	if len(own) > 0 {
		owners = append(owners, lookalike.Owner{Name: "the party", Domains: own, TLDSwap: true})
	}
	for _, p := range providers {
		p = strings.TrimSpace(p)
		found := false
		for _, o := range lookalike.Providers {
			if strings.EqualFold(p, "all") || strings.EqualFold(p, o.Name) || strings.EqualFold(p+"cloud", o.Name) {
				owners = append(owners, o)
				found = true
			}
		}
		if !found {
			var names []string
			for _, o := range lookalike.Providers {
				names = append(names, o.Name)
			}
			return nil, usageError("--provider %q: unknown (known: all, %s)", p, strings.Join(names, ", "))
		}
	}
	if len(owners) == 0 {
		return nil, usageError("nothing to protect: give --protect, --protect-file or --provider")
	}
	d, err := lookalike.New(owners)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return d, nil
}

type checkLine struct {
	Name      string  `json:"name"`
	Imitates  string  `json:"imitates"`
	Technique string  `json:"technique,omitempty"`
	Score     float64 `json:"score"`
	Reason    string  `json:"reason,omitempty"`
	Error     string  `json:"error,omitempty"`
}

func runDomainsCheck(g *globalOptions, o domainsCheckOptions, args []string) error {
	d, err := domainsDetector(o.protect, o.protectFile, o.providers)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(g.stdout, 64<<10)
	defer w.Flush()
	enc := json.NewEncoder(w)
	flagged, bad := 0, 0
	check := func(name string) error {
		m, ok, err := d.CheckName(name)
		if ok && m.Score < o.minScore {
			ok = false
		}
		l := checkLine{Name: name}
		switch {
		case err != nil:
			bad++
			l.Error = err.Error()
		case ok:
			flagged++
			l.Imitates, l.Technique, l.Score, l.Reason = m.Protected, m.Technique, m.Score, m.Detail
		}
		if o.json {
			return enc.Encode(l)
		}
		var werr error
		switch {
		case err != nil:
			fmt.Fprintf(g.stderr, "vigie: %v\n", err)
		case ok:
			_, werr = fmt.Fprintf(w, "%s\timitates %s\t%s\t%.2f\t%s\n", name, l.Imitates, l.Technique, l.Score, l.Reason)
		default:
			_, werr = fmt.Fprintf(w, "%s\tok\n", name)
		}
		return werr
	}
	for _, a := range args {
		if a != "-" {
			if err := check(a); err != nil {
				return err
			}
			continue
		}
		sc := bufio.NewScanner(g.stdin)
		sc.Buffer(make([]byte, 64<<10), 64<<10)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
				if err := check(l); err != nil {
					return err
				}
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("standard input: %w (lines are limited to 64 KiB)", err)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	switch {
	case flagged > 0:
		return withCode(exitFindings, nil)
	case bad > 0:
		return withCode(exitError, fmt.Errorf("%d name(s) are not valid host names", bad))
	}
	return nil
}
