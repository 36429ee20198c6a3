package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/formats"
	"github.com/vigie-project/vigie/internal/indicator/pack"
	"github.com/vigie-project/vigie/internal/indicator/warninglist"
)

func newIndicatorsCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "indicators",
		Aliases: []string{"ioc", "iocs"},
		Short:   "Read, convert and summarise threat indicators (STIX, MISP, CSV, Loki ...)",
		Long: `Read the threat indicators you already have — a STIX 2.1 bundle from OpenCTI,
a MISP event or feed, a CSV list, Loki IOC files — convert them between
formats, and see what is in them.

Formats: ` + formatList(),
		Example: `  vigie indicators stats --builtin
  vigie indicators convert --to misp-feed opencti-bundle.json feed/
  vigie indicators match --iocs feed/ login.onedrive-en-marche.fr`,
	}
	cmd.AddCommand(newIndicatorsConvertCommand(g), newIndicatorsStatsCommand(g), newIndicatorsMatchCommand(g), newIndicatorsPushCommand(g))
	return cmd
}

func formatList() string {
	var b strings.Builder
	for _, f := range formats.All {
		fmt.Fprintf(&b, "\n  %-10s %s", f.Name, f.Description)
	}
	return b.String()
}

// readOptions are the flags every command that reads indicators shares.
type readOptions struct {
	from        string
	lenient     bool
	warninglist string
}

func (o *readOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.from, "from", "", "input format (default: detected): "+strings.Join(formats.Names(), ", "))
	cmd.Flags().BoolVar(&o.lenient, "lenient", false, "keep reading after a malformed item; list the bad items instead of stopping at the first")
	cmd.Flags().StringVar(&o.warninglist, "warninglists", "", "drop known-good values: 'builtin' for Vigie's list, or a directory of MISP warninglists")
}

// read reads each path and merges the results; warning lists are applied
// last.
func (o *readOptions) read(g *globalOptions, paths []string) (*indicator.Collection, error) {
	all := &indicator.Collection{}
	for _, p := range paths {
		c, _, err := formats.Read(p, o.from, g.stdin, indicator.ReadOptions{Lenient: o.lenient})
		if err != nil {
			return nil, withCode(exitError, err)
		}
		all.Merge(c)
	}
	if o.warninglist != "" {
		var set *warninglist.Set
		if o.warninglist == "builtin" {
			set = warninglist.Builtin()
		} else {
			var err error
			if set, err = warninglist.LoadDir(o.warninglist); err != nil {
				return nil, withCode(exitError, fmt.Errorf("--warninglists: %w", err))
			}
		}
		warninglist.Apply(all, set)
	}
	return all, nil
}

type convertOptions struct {
	readOptions
	to      string
	builtin bool
}

func newIndicatorsConvertCommand(g *globalOptions) *cobra.Command {
	var o convertOptions
	cmd := &cobra.Command{
		Use:   "convert [--from FORMAT] --to FORMAT (IN | --builtin) [OUT]",
		Short: "Convert indicators from one format to another",
		Long: `Convert indicators from one format to another. IN is a file, a directory (a
MISP feed, a Loki signature folder, or a folder of indicator files) or - for
standard input. OUT is a file, - for standard output (the default), or a
directory for the misp-feed and loki formats.

--builtin writes the built-in indicator pack (public APT28/APT29
indicators, what the sensors use offline) instead of reading IN, for
instance as a STIX bundle an agency imports into its hub:
  vigie indicators convert --builtin --to stix apt28-pack.json

Values, types, TLP, threats, validity and descriptions are kept wherever the
output format can express them; what it cannot express is listed on stderr.

Exit codes: 0 converted; 2 the input could not be read or the output written;
3 wrong flags.`,
		Example: `  vigie indicators convert --to misp-feed opencti-bundle.json feed/
  vigie indicators convert --from csv --to stix iocs.csv bundle.json
  vigie indicators convert --to csv signature-base/iocs/ - | less
  cat event.json | vigie indicators convert --to list -`,
		Args: cobra.RangeArgs(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConvert(g, o, args)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().StringVar(&o.to, "to", "", "output format (required): "+strings.Join(formats.Names(), ", "))
	cmd.Flags().BoolVar(&o.builtin, "builtin", false, "convert the built-in indicator pack (no IN): e.g. to import it into a hub")
	return cmd
}

func runConvert(g *globalOptions, o convertOptions, args []string) error {
	if o.to == "" {
		return usageError("--to is required (one of %s)", strings.Join(formats.Names(), ", "))
	}
	to, err := formats.Lookup(o.to)
	if err != nil {
		return usageError("--to: %v", err)
	}
	var c *indicator.Collection
	out := "-"
	if o.builtin {
		if len(args) > 1 {
			return usageError("with --builtin, give only OUT")
		}
		if len(args) == 1 {
			out = args[0]
		}
		if c, err = pack.Load(); err != nil {
			return withCode(exitError, err)
		}
	} else {
		if len(args) == 0 {
			return usageError("give IN (a file, a directory or -), or --builtin")
		}
		if len(args) == 2 {
			out = args[1]
		}
		if c, err = o.read(g, args[:1]); err != nil {
			return err
		}
	}
	lost, err := formats.Write(to, out, g.stdout, c)
	if err != nil {
		return withCode(exitError, err)
	}
	printProblems(g.stderr, c.Problems)
	printProblems(g.stderr, lost)
	if out != "-" {
		fmt.Fprintf(g.stderr, "Wrote %d indicators to %s (%s).\n", len(c.Indicators)-len(lost), out, to.Name)
	}
	return nil
}

// printProblems lists what was not kept, grouped by kind, at most 20 lines a
// kind (the count says how many more).
func printProblems(w io.Writer, ps []indicator.Problem) {
	if len(ps) == 0 {
		return
	}
	byKind := map[string][]indicator.Problem{}
	var kinds []string
	for _, p := range ps {
		if _, ok := byKind[p.Kind]; !ok {
			kinds = append(kinds, p.Kind)
		}
		byKind[p.Kind] = append(byKind[p.Kind], p)
	}
	for _, k := range kinds {
		list := byKind[k]
		fmt.Fprintf(w, "%d %s:\n", len(list), problemHeading(k))
		for i, p := range list {
			if i == 20 {
				fmt.Fprintf(w, "  ... and %d more (use --json with 'vigie indicators stats' for all)\n", len(list)-20)
				break
			}
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
}

func problemHeading(kind string) string {
	switch kind {
	case indicator.ProblemMalformed:
		return "malformed items skipped"
	case indicator.ProblemUnsupported:
		return "items Vigie cannot turn into indicators"
	case indicator.ProblemWarninglist:
		return "known-good values dropped by a warning list"
	case indicator.ProblemDuplicate:
		return "duplicates"
	}
	return kind
}

type statsOptions struct {
	readOptions
	json    bool
	builtin bool
}

func newIndicatorsStatsCommand(g *globalOptions) *cobra.Command {
	var o statsOptions
	cmd := &cobra.Command{
		Use:   "stats [--json] [--builtin] FILE...",
		Short: "Show what a set of indicators holds: counts per type, TLP and threat, and what was rejected",
		Long: `Show what indicator files hold: how many indicators of each type, each TLP
level and each threat (malware family, intrusion set), and every item that was
not turned into an indicator, with the reason.

--builtin shows the indicator pack built into vigie: public indicators of the
APT28 attacks on the 2016 US and 2017 French campaigns, each with its source.

Exit codes: 0 read; 2 an input could not be read; 3 wrong flags.`,
		Example: `  vigie indicators stats --builtin
  vigie indicators stats --lenient --json bundle.json event.json
  vigie indicators stats signature-base/iocs/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStats(g, o, args)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().BoolVar(&o.json, "json", false, "print the statistics as JSON")
	cmd.Flags().BoolVar(&o.builtin, "builtin", false, "include the built-in indicator pack")
	return cmd
}

func runStats(g *globalOptions, o statsOptions, args []string) error {
	if len(args) == 0 && !o.builtin {
		return usageError("name at least one FILE, or --builtin")
	}
	c, err := o.read(g, args)
	if err != nil {
		return err
	}
	if o.builtin {
		b, err := pack.Load()
		if err != nil {
			return withCode(exitError, err)
		}
		c.Merge(b)
	}
	st := indicator.ComputeStats(c)
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			indicator.Stats
			Problems []indicator.Problem `json:"problems"`
		}{st, c.Problems})
	}
	w := g.stdout
	fmt.Fprintf(w, "%d indicators", st.Indicators)
	if st.Informational > 0 {
		fmt.Fprintf(w, " (%d informational only)", st.Informational)
	}
	fmt.Fprintln(w)
	printCounts(w, "by type", st.ByType)
	printCounts(w, "by TLP", st.ByTLP)
	printCounts(w, "by threat", st.ByThreat)
	if len(c.Threats) > 0 {
		fmt.Fprintf(w, "%d threats described\n", len(c.Threats))
		printCounts(w, "by kind", st.Threats)
	}
	if len(st.Skipped) > 0 {
		fmt.Fprintln(w, "Objects without indicators, not kept:")
		printCounts(w, "by type", st.Skipped)
	}
	if len(c.Problems) == 0 {
		fmt.Fprintln(w, "Nothing was rejected.")
		return nil
	}
	printProblems(w, c.Problems)
	return nil
}

func printCounts(w io.Writer, label string, m map[string]int) {
	if len(m) == 0 {
		return
	}
	var parts []string
	for _, c := range indicator.Sorted(m) {
		parts = append(parts, fmt.Sprintf("%s %d", c.Key, c.N))
	}
	const max = 25
	if len(parts) > max {
		parts = append(parts[:max], fmt.Sprintf("... (%d more)", len(parts)-max))
	}
	fmt.Fprintf(w, "  %-10s %s\n", label+":", strings.Join(parts, ", "))
}

type matchOptions struct {
	readOptions
	iocs    []string
	builtin bool
	json    bool
}

func newIndicatorsMatchCommand(g *globalOptions) *cobra.Command {
	var o matchOptions
	cmd := &cobra.Command{
		Use:   "match [--iocs FILE]... [--builtin] VALUE...",
		Short: "Check values (hashes, domains, URLs, addresses) against indicators",
		Long: `Check observed values — a file hash, a domain from a log, a link from a mail,
an IP address — against indicators. Domains match their sub-domains too
(login.evil.com matches evil.com), and addresses match CIDR blocks. With no
--iocs, the built-in pack is used. A VALUE of - reads values from standard
input, one per line.

Exit codes: 0 nothing matched; 1 at least one value matched; 2 an input could
not be read; 3 wrong flags.`,
		Example: `  vigie indicators match login.onedrive-en-marche.fr
  vigie indicators match --iocs feed/ --iocs extra.csv 45.32.129.185 evil.com
  cut -d' ' -f3 dns.log | vigie indicators match --iocs bundle.json -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMatch(g, o, args)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().StringArrayVar(&o.iocs, "iocs", nil, "indicator file or directory, any format (repeatable)")
	cmd.Flags().BoolVar(&o.builtin, "builtin", false, "also use the built-in pack (the default when no --iocs is given)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print one JSON object per matching value")
	return cmd
}

func runMatch(g *globalOptions, o matchOptions, args []string) error {
	c, err := o.read(g, o.iocs)
	if err != nil {
		return err
	}
	if o.builtin || len(o.iocs) == 0 {
		b, err := pack.Load()
		if err != nil {
			return withCode(exitError, err)
		}
		c.Merge(b)
	}
	printProblems(g.stderr, c.Problems)
	m := indicator.NewMatcher(c.Indicators, indicator.MatcherOptions{IncludeInformational: true})
	g.logger.Info("indicators loaded", "count", m.Len())
	values := args
	if len(args) == 1 && args[0] == "-" {
		values = nil
		sc := bufio.NewScanner(g.stdin)
		sc.Buffer(make([]byte, 64*1024), indicator.MaxValueLen+1)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" {
				values = append(values, l)
			}
		}
		if err := sc.Err(); err != nil {
			return withCode(exitError, fmt.Errorf("stdin, after %d values: %w", len(values), err))
		}
	}
	found := 0
	enc := json.NewEncoder(g.stdout)
	for _, v := range values {
		typ, norm, err := indicator.Detect(v)
		if err != nil {
			fmt.Fprintf(g.stderr, "%s: %v\n", v, err)
			continue
		}
		ind, ok := m.Lookup(typ, norm)
		if !ok && typ == indicator.URL {
			// A URL also matches through its host.
			if h := hostOf(norm); h != "" {
				ind, ok = m.Lookup(indicator.Domain, h)
			}
		}
		if !ok {
			continue
		}
		found++
		if o.json {
			if err := enc.Encode(struct {
				Value     string               `json:"value"`
				Type      indicator.Type       `json:"type"`
				Indicator *indicator.Indicator `json:"indicator"`
			}{v, typ, ind}); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(g.stdout, "MATCH %s  %s indicator %s", v, ind.Type, ind.Value)
		if len(ind.Threats) > 0 {
			fmt.Fprintf(g.stdout, "  threat: %s", strings.Join(ind.Threats, ", "))
		}
		if ind.TLP != "" {
			fmt.Fprintf(g.stdout, "  %s", ind.TLP)
		}
		fmt.Fprintln(g.stdout)
		if ind.Description != "" {
			fmt.Fprintf(g.stdout, "      %s\n", ind.Description)
		}
		if ind.Source != "" {
			fmt.Fprintf(g.stdout, "      source: %s\n", ind.Source)
		}
	}
	if found > 0 {
		return withCode(exitFindings, nil)
	}
	return nil
}

func hostOf(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		host = host[:i]
	}
	return host
}
