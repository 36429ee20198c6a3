package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vigie-project/vigie/internal/ctlog"
	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/lookalike"
	"github.com/vigie-project/vigie/internal/lookalike/watch"
	"github.com/vigie-project/vigie/internal/report"
)

const domainsLong = `Look-alike domains: the names an attacker registers so that a hurried reader
takes them for the party's (onedrive-en-marche.fr, mail-en-march.fr,
accoounts-google.com).

  generate  every candidate name for a domain, with the technique that makes it
  check     does a name imitate a protected domain: which, how, how strongly
  watch     which candidates exist (DNS, Certificate Transparency logs); new
            ones become findings and, with --hub, indicators on the hub`

func newDomainsCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "domains",
		Short: "Find look-alike domains of the party and its providers (generate, check, watch)",
		Long:  domainsLong,
	}
	cmd.AddCommand(newDomainsGenerateCommand(g), newDomainsCheckCommand(g), newDomainsWatchCommand(g))
	return cmd
}

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
	hub         domainsHubOptions
}

// domainsHubOptions are the hub flags of check and watch: with --hub, the
// party's declared domains (its settings on the hub) are protected too.
type domainsHubOptions struct {
	url, token, ca string
}

func (h *domainsHubOptions) add(f *pflag.FlagSet, what string) {
	f.StringVar(&h.url, "hub", "", "hub URL: protect the domains the party declares on the hub (its settings)"+what)
	f.StringVar(&h.token, "token", "", "hub API token, a party's sensor token will do (default $VIGIE_TOKEN)")
	f.StringVar(&h.ca, "hub-ca", "", "PEM file of the CA (or self-signed certificate) that the hub's certificate must chain to")
}

// client connects to the hub (nil without --hub).
func (h *domainsHubOptions) client() (*hubclient.Client, error) {
	if h.url == "" {
		if h.token != "" || h.ca != "" {
			return nil, usageError("--token and --hub-ca need --hub")
		}
		return nil, nil
	}
	if h.token == "" {
		h.token = os.Getenv("VIGIE_TOKEN")
	}
	c, err := hubclient.New(h.url, h.token)
	if err != nil {
		return nil, usageError("--hub: %v", err)
	}
	if h.ca != "" {
		if err := c.TrustCAFile(h.ca); err != nil {
			return nil, usageError("--hub-ca: %v", err)
		}
	}
	return c, nil
}

const domainsCheckLong = `Tell, for each NAME, whether it imitates a protected domain: which one, by which
technique, how strongly (a score from 0 to 1; 0.8 and more is strong by itself),
and why in a sentence. Names are arguments, or one per line on standard input
with "-".

The party's domains are given with --protect or --protect-file (one per line),
or taken from the party's settings on the hub with --hub (and a token of the
party, a sensor token will do); providers with --provider (Google, Microsoft, OVHcloud ... or "all"), protected
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
  vigie domains check --protect-file ours.txt --provider google,microsoft --json - < names.txt
  vigie domains check --hub https://hub.example.org --token "$VIGIE_TOKEN" - < names.txt`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDomainsCheck(cmd.Context(), g, o, args)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.protect, "protect", nil, "the party's domains (comma-separated or repeated)")
	f.StringVar(&o.protectFile, "protect-file", "", "file of the party's domains, one per line")
	f.StringSliceVar(&o.providers, "provider", nil, "providers to protect with all their domains (google, microsoft, ovhcloud ... or all)")
	f.BoolVar(&o.json, "json", false, "one JSON object per name: name, imitates, technique, score, reason")
	f.Float64Var(&o.minScore, "min-score", 0, "report only matches at least this strong (0 to 1)")
	o.hub.add(f, "")
	return cmd
}

// partyDomains reads --protect and --protect-file.
func partyDomains(protect []string, protectFile string) ([]string, error) {
	own := append([]string{}, protect...)
	if protectFile != "" {
		more, err := readWordFile(protectFile)
		if err != nil {
			return nil, usageError("--protect-file: %v", err)
		}
		own = append(own, more...)
	}
	return own, nil
}

// domainsDetector builds the detector from the party's domains and the
// chosen providers.
func domainsDetector(own []string, providers []string) (*lookalike.Detector, error) {
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
		return nil, usageError("nothing to protect: give --protect, --protect-file or --provider, or declare the party's domains on the hub (Settings) and give --hub")
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

func runDomainsCheck(ctx context.Context, g *globalOptions, o domainsCheckOptions, args []string) error {
	own, err := partyDomains(o.protect, o.protectFile)
	if err != nil {
		return err
	}
	hc, err := o.hub.client()
	if err != nil {
		return err
	}
	if hc != nil {
		st, err := hc.OrgSettings(ctx)
		if err != nil {
			return withCode(exitError, err)
		}
		if len(st.Domains()) == 0 && len(own) == 0 {
			return usageError("the hub lists no domain for %s: declare the party's domains on the hub's Settings page, or give --protect", st.Org)
		}
		own = append(own, st.Domains()...)
	}
	d, err := domainsDetector(own, o.providers)
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

type domainsWatchOptions struct {
	protect     []string
	protectFile string
	providers   []string
	resolver    string
	noDNS       bool
	maxCands    int
	rate        float64
	concurrency int
	ctLogs      []string
	fromStart   bool
	hub         domainsHubOptions
	hubEvery    time.Duration
	publish     bool
	stateDir    string
	interval    time.Duration
	format      string
}

const domainsWatchLong = `Find which look-alikes of the protected domains exist, and tell the party and the
agency.

DNS: every candidate generate makes for the party's domains (--max-candidates of
them) is looked up (NS, A/AAAA, MX) through --resolver at --rate look-ups per
second with --concurrency in flight. A name with an MX record can send mail:
the finding says so and is rated high.

Certificate Transparency: each --ct-log is followed from its current end (or
its first entry with --from-start), in the RFC 6962 API or the static tiled API:
  --ct-log https://ct.example/2025h1,BASE64KEY          (RFC 6962)
  --ct-log static,https://ct.example/2025h1,BASE64KEY   (c2sp.org/static-ct-api)
where BASE64KEY is the log's public key (DER SubjectPublicKeyInfo, as in log
lists). Tree heads, consistency and entries are verified; a log that lies is
reported and not read again. Certificates whose names imitate a protected domain
(score 0.8 or more) become findings with the issuer and dates.

Every new look-alike is printed once (the state in --state-dir remembers what was
reported and where each log stopped, so a restart resumes). With --hub and
--token, findings and domain sightings go to the hub, the domains the party
declares on the hub (its settings) are protected too, re-read every
--hub-interval (a change applies from the next pass; the last ones read are
kept in --state-dir for a restart without the hub), and each new look-alike is
proposed to the agency, which reviews it and publishes it to every party. With
an agency analyst's token and --publish, each look-alike is published directly
as a domain indicator to every party, which vigie dns blocks and vigie mail
flags at their next pull.

Without --interval the watch runs one pass and exits: 1 when look-alikes were
found, 0 when none, 2 on error.`

func newDomainsWatchCommand(g *globalOptions) *cobra.Command {
	var o domainsWatchOptions
	cmd := &cobra.Command{
		Use:   "watch [flags]",
		Short: "Find look-alikes that exist (DNS, Certificate Transparency) and report them",
		Long:  domainsWatchLong,
		Example: `  vigie domains watch --protect en-marche.fr --resolver 9.9.9.9 --state-dir /var/lib/vigie/domains
  vigie domains watch --protect en-marche.fr --no-dns --ct-log static,https://ct.example/2025h1,MFkw... --interval 5m \
      --hub https://hub.example.org --token "$VIGIE_TOKEN"
  vigie domains watch --hub https://hub.example.org --token "$VIGIE_TOKEN" --interval 30m   # the domains declared on the hub`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDomainsWatch(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.protect, "protect", nil, "the party's domains (comma-separated or repeated)")
	f.StringVar(&o.protectFile, "protect-file", "", "file of the party's domains, one per line")
	f.StringSliceVar(&o.providers, "provider", nil, "providers whose look-alikes to report from CT logs too (google, microsoft ... or all)")
	f.StringVar(&o.resolver, "resolver", "", "DNS server for the look-ups, host[:port] (default: the system's)")
	f.BoolVar(&o.noDNS, "no-dns", false, "do not look candidates up in DNS (CT logs only)")
	f.IntVar(&o.maxCands, "max-candidates", 20000, "look up at most N candidates per protected domain")
	f.Float64Var(&o.rate, "rate", 50, "DNS look-ups per second at most")
	f.IntVar(&o.concurrency, "concurrency", 8, "DNS look-ups in flight at most")
	f.StringArrayVar(&o.ctLogs, "ct-log", nil, "a CT log to follow: [static,]URL,BASE64KEY (repeatable)")
	f.BoolVar(&o.fromStart, "from-start", false, "read new CT logs from their first entry instead of their current end")
	o.hub.add(f, ", send findings and sightings and propose look-alikes to the agency")
	f.DurationVar(&o.hubEvery, "hub-interval", 5*time.Minute, "with --hub: how often the declared domains are read again")
	f.BoolVar(&o.publish, "publish", false, "publish look-alikes as domain indicators to every party (agency analyst token)")
	f.StringVar(&o.stateDir, "state-dir", "", "directory of the watch's state (default: the user cache directory, vigie/domains)")
	f.DurationVar(&o.interval, "interval", 0, "repeat every interval (e.g. 10m) until interrupted; 0 runs once")
	f.StringVar(&o.format, "format", "text", "output: "+strings.Join(report.Formats, ", "))
	return cmd
}

func runDomainsWatch(ctx context.Context, g *globalOptions, o domainsWatchOptions) error {
	flagOwn, err := partyDomains(o.protect, o.protectFile)
	if err != nil {
		return err
	}
	hc, err := o.hub.client()
	if err != nil {
		return err
	}
	if hc == nil && o.publish {
		return usageError("--publish needs --hub")
	}
	if o.hubEvery < time.Second {
		return usageError("--hub-interval must be at least 1s")
	}
	cfg := watch.Config{Resolver: o.resolver, Rate: o.rate, Concurrency: o.concurrency, FromStart: o.fromStart, StateDir: o.stateDir, Logger: g.logger, Publish: o.publish}
	if cfg.StateDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return usageError("--state-dir: %v", err)
		}
		cfg.StateDir = filepath.Join(dir, "vigie", "domains")
	}
	for _, spec := range o.ctLogs {
		parts := strings.Split(spec, ",")
		l := watch.Log{API: ctlog.RFC6962}
		if len(parts) == 3 && (parts[0] == "static" || parts[0] == "rfc6962") {
			l.API, parts = ctlog.API(parts[0]), parts[1:]
		}
		if len(parts) != 2 || !strings.HasPrefix(parts[0], "http") {
			return usageError("--ct-log %q: want [static,]URL,BASE64KEY", spec)
		}
		l.URL, l.Key = parts[0], []byte(parts[1])
		cfg.Logs = append(cfg.Logs, l)
	}
	// protection builds the detector and the DNS candidates from the flags'
	// domains and the hub's.
	protection := func(hubOwn []string) (*lookalike.Detector, []string, error) {
		own := append(append([]string{}, flagOwn...), hubOwn...)
		if len(own) == 0 && !o.noDNS {
			msg := "DNS look-ups need the party's domains (--protect, or declared on the hub with --hub); use --no-dns to follow CT logs only"
			return nil, nil, usageError("%s", msg)
		}
		det, err := domainsDetector(own, o.providers)
		if err != nil {
			return nil, nil, err
		}
		if o.noDNS {
			return det, nil, nil
		}
		cands, err := watch.Candidates(own, lookalike.GenOptions{}, o.maxCands)
		if err != nil {
			return nil, nil, usageError("--protect %v", err)
		}
		return det, cands, nil
	}
	var (
		mu       sync.Mutex
		hubOwn   []string
		w        *watch.Watcher
		follower *hubclient.Follower
	)
	if hc != nil {
		cfg.Hub, cfg.Propose = hc, !o.publish
		// The party's declared domains, read now and then every
		// --hub-interval; a change is applied from the next pass.
		follower = &hubclient.Follower{Client: hc, CachePath: filepath.Join(cfg.StateDir, "hub"), Interval: o.hubEvery, Logger: g.logger,
			Settings: func(st hubclient.OrgSettings) error {
				mu.Lock()
				defer mu.Unlock()
				hubOwn = st.Domains()
				if w == nil {
					return nil
				}
				det, cands, err := protection(hubOwn)
				if err != nil {
					return err
				}
				w.SetProtected(det, cands)
				g.logger.Info("domains watch: protected domains changed on the hub", "domains", strings.Join(hubOwn, ","))
				return nil
			}}
		if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
			return fmt.Errorf("--state-dir: %w", err)
		}
		if _, err := follower.Sync(ctx); err != nil {
			fmt.Fprintf(g.stderr, "vigie domains watch: warning: %v\n", err)
		}
	}
	mu.Lock()
	det, cands, err := protection(hubOwn)
	mu.Unlock()
	if err != nil {
		return err
	}
	cfg.Detector, cfg.Candidates = det, cands
	mu.Lock()
	w, err = watch.New(cfg)
	mu.Unlock()
	if err != nil {
		return err
	}
	out, err := report.New(o.format, g.stdout, report.Options{Tool: "vigie", What: "names"})
	if err != nil {
		return usageError("--format: %v", err)
	}
	var sum report.Summary
	found := 0
	show := func(r watch.Round) {
		for i := range r.Findings {
			out.Write(&r.Findings[i])
			sum.Add(&r.Findings[i])
			found++
		}
		for u, err := range r.LogErrors {
			out.Problem(u, err)
			sum.Errors++
		}
		if r.DNSErrors > 0 {
			out.Problem("DNS", fmt.Errorf("%d of %d look-ups failed, first %v", r.DNSErrors, r.Looked, r.DNSError))
			sum.Errors++
		}
		sum.Examined += int64(r.Looked) + int64(r.Entries)
	}
	if o.interval > 0 {
		if follower != nil {
			fctx, stop := context.WithCancel(ctx)
			defer stop()
			go follower.Run(fctx)
		}
		err := w.Run(ctx, o.interval, show)
		out.Close(sum)
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	r, err := w.Once(ctx)
	show(r)
	if cerr := out.Close(sum); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if found > 0 {
		return withCode(exitFindings, nil)
	}
	if r.Looked > 0 && r.DNSErrors == r.Looked {
		return withCode(exitError, fmt.Errorf("no DNS look-up succeeded: is the resolver %q reachable?", o.resolver))
	}
	if len(r.LogErrors) > 0 && len(r.LogErrors) == len(cfg.Logs) {
		return withCode(exitError, fmt.Errorf("no CT log could be read"))
	}
	return nil
}
