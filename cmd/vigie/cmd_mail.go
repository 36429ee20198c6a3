package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/formats"
	"github.com/vigie-project/vigie/internal/indicator/pack"
	"github.com/vigie-project/vigie/internal/mail"
	"github.com/vigie-project/vigie/internal/mail/milter"
	"github.com/vigie-project/vigie/internal/mail/model"
	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/report"
)

func newMailCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mail",
		Short: "Check mail for phishing and malware (files, mailboxes, or inline as a milter)",
		Long: `Check e-mail the way an attacker's first message must be caught: look-alike
senders and links, fake security alerts, credential-harvesting pages, dangerous
attachments, forged senders (SPF, DKIM, DMARC, ARC) and known indicators.
Every message gets a verdict — clean, suspicious, phishing or malicious — with
a score, the reasons in plain words, and what to do.`,
		Example: `  vigie mail check --protect yourparty.fr suspicious.eml
  vigie mail check --json ~/Maildir
  vigie mail milter --listen inet:127.0.0.1:11332 --protect yourparty.fr
  vigie mail check --rules rules/ --hub https://hub.example.org --token "$VIGIE_TOKEN" inbox.mbox`,
	}
	cmd.AddCommand(newMailCheckCommand(g), newMailMilterCommand(g), newMailLearnCommand(g), newMailModelCommand(g))
	return cmd
}

// analyzerOptions are the flags shared by mail check and mail milter.
type analyzerOptions struct {
	modelFrom  string // where the model in force was read ("built-in", a path)
	protect    []string
	partyName  string
	iocs       []string
	noBuiltin  bool
	dns        string
	dnsTimeout time.Duration
	trustedAR  []string
	forwardTo  string
	oauth      []string
	maxSize    int
	rules      []string
	hubURL     string
	hubToken   string
	hubCA      string
	stateDir   string
	model      string
	noModel    bool
	partners   []string
}

// hubLink is the hub a command reports to, once flags are checked.
type hubLink struct {
	client *hubclient.Client
	spool  *hubclient.Spool
	cache  string // the pulled indicators, shared with vigie scan
	// err is the hub's error when it could not be used (unreachable, not
	// trusted, token refused): one-shot runs exit with exitHub.
	err error
	// models follows the agency's mail model (nil with --model or
	// --no-model).
	models *mail.ModelFollower
	// model is the agency's model swapped in by a running milter;
	// analyzers built after the swap use it
	model atomic.Pointer[model.Model]
}

func (o *analyzerOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringSliceVar(&o.protect, "protect", nil, "the party's own domains, protected against look-alikes (repeat or comma-separate)")
	f.StringVar(&o.partyName, "party", "", "the party's name, used in reasons")
	f.StringSliceVar(&o.iocs, "iocs", nil, "indicator files to match (STIX, MISP, CSV, Loki ...; repeatable)")
	f.BoolVar(&o.noBuiltin, "no-builtin", false, "do not load the built-in indicator pack")
	f.StringVar(&o.dns, "dns", "", "verify SPF/DKIM/DMARC/ARC with this DNS server (host or host:port); without it, only trusted Authentication-Results are read")
	f.DurationVar(&o.dnsTimeout, "dns-timeout", 5*time.Second, "timeout of one DNS query")
	f.StringSliceVar(&o.trustedAR, "trusted-authserv-id", nil, "trust Authentication-Results added by this upstream server (its authserv-id)")
	f.StringVar(&o.forwardTo, "forward-to", "", "address volunteers should forward suspicious mail to (shown in the advice)")
	f.StringSliceVar(&o.oauth, "oauth-client", nil, "OAuth client ids the party really uses (consent links for others are flagged)")
	f.IntVar(&o.maxSize, "max-size", 50<<20, "largest message examined, in bytes (the rest of a larger one is not)")
	f.StringSliceVar(&o.rules, "rules", nil, "YARA rule file or directory (*.yar, *.yara) applied to every attachment and archive entry (repeatable)")
	f.StringVar(&o.hubURL, "hub", "", "hub URL: pull the party's indicators (cached for offline runs) and report sightings")
	f.StringVar(&o.hubToken, "token", "", "hub API token (default $VIGIE_TOKEN)")
	f.StringVar(&o.hubCA, "hub-ca", "", "PEM file of the certificate(s) to trust for the hub: a hub run with --self-signed (its DATA/selfsigned-cert.pem) or a private CA")
	f.StringVar(&o.stateDir, "state-dir", "", "where the hub indicator cache and the sightings spool live (default: the user cache directory/vigie)")
	f.StringVar(&o.model, "model", "", "learned content model file (from 'vigie mail learn' or an agency); default: the state directory's "+mail.ModelFile+" if any, else the built-in model")
	f.BoolVar(&o.noModel, "no-model", false, "run the rules only, without the learned content model")
	f.StringSliceVar(&o.partners, "partner", nil, "domains of organisations the party deals with (press, bank, donation platform, ministries), protected against look-alikes (repeatable)")
}

func (o *analyzerOptions) build(ctx context.Context, g *globalOptions) (*mail.Analyzer, *hubLink, error) {
	mk, hub, err := o.prepare(ctx, g)
	if err != nil {
		return nil, nil, err
	}
	var hi []indicator.Indicator
	if hub != nil {
		// the same cache as vigie scan: offline runs use the last pull
		if hi, err = hubclient.PullCached(ctx, hub.client, hub.cache); err != nil {
			fmt.Fprintf(g.stderr, "vigie mail: warning: %v\n", err)
			hub.err = err
		}
	}
	a, err := mk(hi)
	return a, hub, err
}

// analyzerMaker builds an analyzer with the given hub indicators added to
// the command's own (built-in pack, --iocs, --rules).
type analyzerMaker func(hubIndicators []indicator.Indicator) (*mail.Analyzer, error)

// prepare checks the flags and reads everything but the hub's indicators.
// It returns the function that builds an analyzer for a set of hub
// indicators: a one-shot check calls it once, the milter again at each
// change of the hub's feed.
func (o *analyzerOptions) prepare(ctx context.Context, g *globalOptions) (analyzerMaker, *hubLink, error) {
	if o.hubURL != "" && o.hubToken == "" {
		o.hubToken = os.Getenv("VIGIE_TOKEN")
	}
	if o.hubToken != "" && o.hubURL == "" {
		return nil, nil, usageError("--token needs --hub")
	}
	if o.hubCA != "" && o.hubURL == "" {
		return nil, nil, usageError("--hub-ca needs --hub")
	}
	opts := mail.Options{
		OwnDomains:        o.protect,
		OwnName:           o.partyName,
		ForwardTo:         o.forwardTo,
		KnownOAuthClients: o.oauth,
		Partners:          o.partners,
	}
	var hub *hubLink
	if o.hubURL != "" {
		c, err := hubclient.New(o.hubURL, o.hubToken)
		if err != nil {
			return nil, nil, usageError("%v", err)
		}
		if o.hubCA != "" {
			if err := c.TrustCAFile(o.hubCA); err != nil {
				return nil, nil, usageError("%v", err)
			}
		}
		state := o.stateDir
		if state == "" {
			d, err := os.UserCacheDir()
			if err != nil {
				return nil, nil, usageError("no state directory (give --state-dir): %v", err)
			}
			state = filepath.Join(d, "vigie")
		}
		hub = &hubLink{client: c, spool: &hubclient.Spool{Dir: filepath.Join(state, "spool")}, cache: filepath.Join(state, "hub-indicators.json")}
	}
	if !o.noModel {
		state := o.stateDir
		if state == "" {
			if d, err := os.UserCacheDir(); err == nil {
				state = filepath.Join(d, "vigie")
			}
		}
		if hub != nil && o.model == "" {
			// the agency's model, when the hub has a new one; a refused
			// or unreachable one leaves the last kept in force
			hub.models = &mail.ModelFollower{Client: hub.client, StateDir: state, Interval: time.Hour, Logger: g.logger}
			if _, err := hub.models.Sync(ctx); err != nil && !errors.Is(err, hubclient.ErrNoMailModel) {
				fmt.Fprintf(g.stderr, "vigie mail: warning: %v\n", err)
			}
		}
		m, from, err := mail.ResolveModel(o.model, state)
		if err != nil {
			return nil, nil, withCode(exitError, err)
		}
		opts.Model = m
		o.modelFrom = from
	}
	opts.Limits.MaxMessageBytes = o.maxSize
	var inds []indicator.Indicator
	if !o.noBuiltin {
		c, err := pack.Load()
		if err != nil {
			return nil, nil, withCode(exitError, err)
		}
		inds = append(inds, c.Indicators...)
	}
	for _, p := range o.iocs {
		c, _, err := formats.Read(p, "", g.stdin, indicator.ReadOptions{Lenient: true})
		if err != nil {
			return nil, nil, withCode(exitError, fmt.Errorf("--iocs %s: %w", p, err))
		}
		inds = append(inds, c.Indicators...)
	}
	switch {
	case o.dns != "":
		opts.Auth = mail.DNSAuth{Resolver: mailauth.NewDNSResolver(o.dns, o.dnsTimeout)}
	case len(o.trustedAR) > 0:
		opts.Auth = mail.TrustedResults{AuthServIDs: o.trustedAR}
	}
	base := inds[:len(inds):len(inds)]
	mk := func(hubInds []indicator.Indicator) (*mail.Analyzer, error) {
		opts := opts
		if hub != nil {
			if m := hub.model.Load(); m != nil {
				opts.Model = m
			}
		}
		all := append(base, hubInds...)
		var m *indicator.Matcher
		if len(all) > 0 {
			m = indicator.NewMatcher(all, indicator.MatcherOptions{At: time.Now()})
			opts.Indicators = m
		}
		// as in vigie scan: rule files and the YARA indicators (hub, --iocs)
		if len(o.rules) > 0 || (m != nil && m.Has(indicator.YARA)) {
			var indRules []*indicator.Indicator
			if m != nil {
				indRules = m.Rules()
			}
			rs, err := mail.LoadRules(o.rules, indRules)
			if err != nil {
				return nil, withCode(exitError, err)
			}
			if rs != nil {
				for _, sk := range rs.Skipped() {
					// one broken rule from a feed never stops the filter
					fmt.Fprintf(g.stderr, "vigie mail: warning: %s\n", sk)
					g.logger.Warn("mail: a YARA indicator does not compile and is not used", "rule", sk.Name, "id", sk.ID, "err", sk.Err)
				}
				opts.Scanners = append(opts.Scanners[:len(opts.Scanners):len(opts.Scanners)], rs)
			}
		}
		a, err := mail.New(opts)
		if err != nil {
			return nil, usageError("%v", err)
		}
		return a, nil
	}
	return mk, hub, nil
}

type mailCheckOptions struct {
	analyzerOptions
	json  bool
	quiet bool
}

func newMailCheckCommand(g *globalOptions) *cobra.Command {
	var o mailCheckOptions
	cmd := &cobra.Command{
		Use:   "check FILE|DIR|- ...",
		Short: "Check messages in .eml files, mbox files, Maildirs or standard input",
		Long: `Check messages and print a verdict for each: clean, suspicious, phishing or
malicious, with a score, the reasons in plain words and what to do.

Inputs: a message file (.eml), an mbox or MMDF mailbox (mboxo/mboxrd quoting
undone), a Maildir (cur/ and new/), a directory of any of these (walked), or
"-" for standard input. A message that cannot be read or parsed is reported
as suspicious, never passed over.

With --json, one JSON object per line per message: file, verdict, score,
reasons (check, category, score, text, evidence), advice, auth, defects.

YARA rules (--rules FILE|DIR, repeatable; a directory is read for *.yar and
*.yara) run on every attachment and every archive entry the analyzer opens.
A match is a reason named rule:NAME with the rule's description. A rule with
a "score" meta of 70 or more, or with no score, makes the message malicious;
a lower score adds 3 points (a weak sign).

--hub URL --token T (or $VIGIE_TOKEN) pulls the indicators shared with your
party, with the same cache as 'vigie scan' (--state-dir), so a run without
the hub uses the last pull. Sightings go back to the hub for every indicator
or rule hit and, for phishing and malicious messages, for the sender's domain
and the links' hosts; their ids (Message-ID, value, day) make a message
reported twice count once. They go through the spool in --state-dir: when
the hub cannot be reached nothing is lost, and the next run sends them.
With --hub the learned model is the agency's when it has uploaded one ('vigie
mail model upload'): pulled when it changed (its SHA-256 checked; a damaged
or unusable file is refused with a warning and the last one kept), kept in
--state-dir as hub-mail-model.bin. --model, or a mail-model.bin of your own
'vigie mail learn' there, comes first.

Exit codes:
  0  every message is clean
  1  at least one message is suspicious, phishing or malicious
  2  an input could not be read (the message says which)
  3  usage error
  4  with --hub: every message is clean, but the hub could not be used
     (unreachable, its certificate not trusted — see --hub-ca — or the
     token refused, e.g. revoked); the last indicators pulled were used and
     the sightings wait in the spool`,
		Example: `  vigie mail check suspicious.eml
  vigie mail check --protect en-marche.fr --forward-to securite@en-marche.fr ~/Maildir
  vigie mail check --json --iocs apt28.stix.json archive.mbox
  vigie mail check --rules /etc/vigie/rules/ --hub https://hub.example.org --token "$VIGIE_TOKEN" ~/Maildir
  cat message.eml | vigie mail check -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMailCheck(cmd, g, o, args)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().BoolVar(&o.json, "json", false, "print one JSON object per message")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "print only messages that are not clean")
	return cmd
}

func runMailCheck(cmd *cobra.Command, g *globalOptions, o mailCheckOptions, args []string) error {
	a, hub, err := o.build(cmd.Context(), g)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	var sightings []hubclient.Sighting
	var findings []report.Finding // sent with the sightings: what, where, what to do
	flagged, failed := 0, 0
	for _, p := range args {
		st, err := a.CheckPath(cmd.Context(), p, g.stdin, mail.ReadOptions{MaxMessageBytes: o.maxSize}, func(r *mail.Result) error {
			if hub != nil {
				sightings = append(sightings, mail.Sightings(r, host, time.Now())...)
				findings = append(findings, mail.HubFindings(r, host, time.Now())...)
			}
			if o.quiet && r.Verdict == mail.Clean {
				return nil
			}
			if o.json {
				return mail.WriteJSON(g.stdout, r)
			}
			return mail.WriteText(g.stdout, r)
		})
		flagged += st.Flagged()
		failed += st.Errors
		if err != nil {
			return withCode(exitError, err)
		}
	}
	if hub != nil {
		r, err := mail.Deliver(cmd.Context(), hub.client, hub.spool, sightings, findings...)
		if r.Rejected > 0 {
			fmt.Fprintf(g.stderr, "vigie mail: warning: the hub refused %d batch(es) of sightings; they are kept in %s\n", r.Rejected, filepath.Join(hub.spool.Dir, "rejected"))
		}
		if err != nil {
			fmt.Fprintf(g.stderr, "vigie mail: warning: sightings not delivered yet (%v); %d batch(es) wait in %s and will be sent on the next run\n", err, r.Pending, hub.spool.Dir)
			if hub.err == nil {
				hub.err = err
			}
		}
	}
	if failed > 0 {
		return withCode(exitError, fmt.Errorf("%d message(s) could not be read or parsed (reported above)", failed))
	}
	if flagged > 0 {
		return withCode(exitFindings, nil)
	}
	if hub != nil && hub.err != nil {
		return withCode(exitHub, nil)
	}
	return nil
}

type mailMilterOptions struct {
	analyzerOptions
	listen      string
	socketMode  string
	socketGroup string
	policy      string
	failMode    string
	host        string
	pull        time.Duration
	inFlight    int64
	tempDir     string
	metrics     string
}

func newMailMilterCommand(g *globalOptions) *cobra.Command {
	var o mailMilterOptions
	cmd := &cobra.Command{
		Use:   "milter",
		Short: "Filter mail inline in Postfix or Sendmail (milter protocol)",
		Long: `Run as a milter: Postfix or Sendmail hands every message to vigie before
accepting it. Each message gets the same analysis as 'vigie mail check'; the
policy file says what to do with each verdict (accept, tag, quarantine,
reject, tempfail) and whether mail fails open or closed when it cannot be
analysed in time. Messages that go through get an Authentication-Results
field and X-Vigie-Verdict, X-Vigie-Score and X-Vigie-Reasons fields.

YARA rules (--rules FILE|DIR, repeatable; a directory is read for *.yar and
*.yara) run on every attachment and every archive entry the analyzer opens.
A match is a reason named rule:NAME with the rule's description. A rule with
a "score" meta of 70 or more, or with no score, makes the message malicious;
a lower score adds 3 points (a weak sign).

--hub URL --token T (or $VIGIE_TOKEN) pulls the indicators shared with your
party, with the same cache as 'vigie scan' (--state-dir), so a run without
the hub uses the last pull. Sightings go back to the hub for every indicator
or rule hit and, for phishing and malicious messages, for the sender's domain
and the links' hosts; their ids (Message-ID, value, day) make a message
reported twice count once. They go through the spool in --state-dir: when
the hub cannot be reached nothing is lost, and the next run sends them.
With --hub the learned model is the agency's when it has uploaded one ('vigie
mail model upload'), checked (SHA-256, format) and kept in --state-dir as
hub-mail-model.bin; a new version is pulled every hour and swapped in
without a restart; a damaged or unusable one is refused in the log and the
model in force stays. --model, or a mail-model.bin of your own 'vigie mail
learn' there, comes first.
The milter never waits for the hub: sightings are queued in memory (bounded;
when full they are written straight to the spool) and sent in the background;
a failed delivery is retried every minute, and what is queued at shutdown is
spooled.
While it runs, the milter pulls the hub's changes every --pull-interval (5
minutes, with jitter; an unchanged feed costs one 304 answer; exponential
back-off while the hub fails) and applies them without a restart: an
indicator published, expired or withdrawn takes effect for the next message.
Each message is checked against one complete set (the new set is built aside
and swapped in at once). A YARA indicator that does not compile is left out
with a warning; the other rules keep running.

Postfix (main.cf), over TCP:
  smtpd_milters = inet:127.0.0.1:11332
  non_smtpd_milters = $smtpd_milters
  milter_protocol = 6
  milter_default_action = accept     # what Postfix does if vigie is down

or over a unix socket (faster; vigie --listen unix:/var/spool/postfix/vigie/milter.sock):
  smtpd_milters = unix:vigie/milter.sock   # relative to Postfix's queue directory,
                                           # right whether smtpd is chrooted or not
The socket is created mode 0660 (--socket-mode) in the group of its
directory (--socket-group), replacing a stale socket a killed vigie left.
Postfix's smtpd runs as the user "postfix", which must be able to use it:
  install -d -o vigie -g postfix -m 0750 /var/spool/postfix/vigie
(or put postfix in vigie's group: adduser postfix vigie). If Postfix cannot
connect it logs "Permission denied" and applies milter_default_action.

milter_default_action decides what happens to mail while vigie is down,
restarting or unreachable: "accept" delivers it unchecked (mail keeps
flowing; only Postfix's log says so), "tempfail" answers 4xx and the
sending servers retry later (nothing passes unchecked; mail is delayed
until vigie is back). Run vigie under a supervisor (deploy/systemd:
Restart=always) and watch it: /metrics and /healthz on --metrics-listen
(default 127.0.0.1:9332), and "vigie status" says in plain words whether
the milter is up, when the hub was last reached and what waits in the spool.

Policy file (--policy), one setting per line, "#" for comments; the values
shown are the defaults:
  clean        accept        # accept | tag | quarantine | reject | tempfail
  suspicious   tag           # tag: headers plus a subject prefix
  phishing     quarantine    # Postfix puts the message in its hold queue
  malicious    reject        # 550 with reject-text
  on-failure   open          # open: accept marked unchecked; closed: tempfail
  reject-text  5.7.1 Message refused: it carries malware or phishing (vigie)
  subject-tag  [%s]
  authserv-id  vigie
  timeout      20s
  max-size     52428800

Memory: a message body beyond 256 KiB waits in a temporary file (--temp-dir)
while it arrives; at most --max-in-flight bytes of messages are analysed at
once (analysis takes a few times a message's size); memory is given back to
the system after large messages. To cap the process, set GOMEMLIMIT in its
environment (the unit in deploy/systemd sets GOMEMLIMIT=768MiB).

A hub that cannot be reached or trusted, or that refuses the token, does
not stop the milter: it keeps filtering with the last indicators pulled,
logs the problem at every pull, and the sightings wait in the spool.

Exit codes:
  0  stopped by a signal after finishing the messages in progress
  2  could not listen or read the policy
  3  usage error`,
		Example: `  vigie mail milter --listen inet:127.0.0.1:11332
  vigie mail milter --listen unix:/var/spool/postfix/vigie/milter.sock --policy /etc/vigie/mail-policy.conf --protect en-marche.fr --dns 127.0.0.1
  vigie mail milter --rules /etc/vigie/rules/ --hub https://hub.example.org --token "$VIGIE_TOKEN" --state-dir /var/lib/vigie`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMailMilter(cmd, g, o)
		},
	}
	o.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "inet:127.0.0.1:11332", "socket to listen on: inet:HOST:PORT or unix:/path")
	f.StringVar(&o.socketMode, "socket-mode", "0660", "permissions of a unix socket (octal); Postfix needs write access")
	f.StringVar(&o.socketGroup, "socket-group", "", "group of a unix socket, name or id (default: the group of the socket's directory)")
	f.Int64Var(&o.inFlight, "max-in-flight", milter.DefaultMaxBytesInFlight, "bytes of messages analysed at once, across connections (a message waits for room, then gets the on-failure answer)")
	f.StringVar(&o.metrics, "metrics-listen", defaultMetricsAddr, `serve /metrics (Prometheus) and /healthz on this address, read by "vigie status" ("none": off)`)
	f.StringVar(&o.tempDir, "temp-dir", "", "where bodies of large messages wait while they arrive (default: the system's temporary directory)")
	f.StringVar(&o.policy, "policy", "", "policy file (default policy when empty)")
	f.StringVar(&o.failMode, "on-failure", "", "open or closed: overrides the policy's on-failure")
	f.StringVar(&o.host, "host", "", "this server's name in sightings (default: the host name)")
	f.DurationVar(&o.pull, "pull-interval", 5*time.Minute, "with --hub: how often the hub's indicators are pulled while running (with jitter; changes apply at once, without a restart)")
	return cmd
}

func runMailMilter(cmd *cobra.Command, g *globalOptions, o mailMilterOptions) error {
	p := milter.DefaultPolicy()
	if o.policy != "" {
		var err error
		if p, err = milter.LoadPolicy(o.policy); err != nil {
			return withCode(exitError, err)
		}
	}
	switch o.failMode {
	case "":
	case "open":
		p.FailOpen = true
	case "closed":
		p.FailOpen = false
	default:
		return usageError("--on-failure must be open or closed, not %q", o.failMode)
	}
	o.maxSize = p.MaxMessageBytes
	if o.pull < time.Second {
		return usageError("--pull-interval must be at least 1s")
	}
	mk, hub, err := o.prepare(cmd.Context(), g)
	if err != nil {
		return err
	}
	// The analyzer in force is swapped as a whole when the hub's feed
	// changes: each message is checked against one complete set.
	live := &milter.Analyzers{}
	var follower *hubclient.Follower
	if hub != nil {
		var applyErr error
		follower = &hubclient.Follower{Client: hub.client, CachePath: hub.cache, Interval: o.pull, Logger: g.logger,
			Apply: func(inds []indicator.Indicator) error {
				a, err := mk(inds)
				if err != nil {
					applyErr = err
					return err
				}
				live.Store(a)
				return nil
			}}
		if _, err := follower.Sync(cmd.Context()); err != nil && live.Load() != nil {
			fmt.Fprintf(g.stderr, "vigie mail: warning: %v\n", err)
		}
		if live.Load() == nil {
			return applyErr
		}
	} else {
		a, err := mk(nil)
		if err != nil {
			return err
		}
		live.Store(a)
	}
	mode, err := strconv.ParseUint(o.socketMode, 8, 32)
	if err != nil || mode == 0 || mode > 0o777 {
		return usageError("--socket-mode %q is not an octal permission like 0660", o.socketMode)
	}
	l, err := milter.ListenWith(o.listen, milter.SocketOptions{Mode: fs.FileMode(mode), Group: o.socketGroup})
	if err != nil {
		return withCode(exitError, err)
	}
	host := o.host
	if host == "" {
		host, _ = os.Hostname()
	}
	g.logger.Info("mail milter listening", "addr", o.listen)
	s := &milter.Server{Live: live, Policy: p, Logger: g.logger, Host: host, MaxBytesInFlight: o.inFlight, TempDir: o.tempDir}
	milter.SetHeapFloor(milter.DefaultHeapFloor) // the collector runs every few hundred messages, not every 40
	var rep *mail.HubReporter
	ctx, stop := context.WithCancel(cmd.Context())
	defer stop()
	if follower != nil {
		go follower.Run(ctx) // new, expired and withdrawn indicators apply while running
	}
	if hub != nil && hub.models != nil && filepath.Base(o.modelFrom) != mail.ModelFile {
		// the agency's model replaces the one in force as soon as the
		// hub has a new one (a party's own model, learned from the
		// agency's, stays)
		hub.models.Apply = func(m *model.Model) {
			hub.model.Store(m)
			if a := live.Load(); a != nil {
				a.SetModel(m)
			}
		}
		go hub.models.Run(ctx)
	}
	if o.metrics != "" && o.metrics != "none" {
		var hs milter.HubStatus
		if hub != nil {
			hs = func() (time.Time, int) {
				last, _ := follower.LastPull()
				p, _ := hub.spool.Pending()
				return last, len(p)
			}
		}
		ml, err := net.Listen("tcp", o.metrics)
		if err != nil {
			// health reporting must not stop mail filtering
			fmt.Fprintf(g.stderr, "vigie mail: warning: --metrics-listen %s: %v; no /metrics or /healthz\n", o.metrics, err)
		} else {
			hsrv := &http.Server{Handler: s.Handler(hs), ReadHeaderTimeout: 10 * time.Second}
			go hsrv.Serve(ml)
			defer hsrv.Close()
			g.logger.Info("mail milter health", "addr", "http://"+ml.Addr().String()+"/metrics")
		}
	}
	if hub != nil {
		// sightings go out in the background: mail never waits for the hub
		rep = &mail.HubReporter{Client: hub.client, Spool: hub.spool, Host: host, Logger: g.logger}
		s.Results = rep
		go rep.Run(ctx)
	}
	err = s.Serve(cmd.Context(), l)
	if rep != nil {
		stop()
		<-rep.Done() // what is still queued is written to the spool
	}
	if err != nil {
		return withCode(exitError, err)
	}
	return nil
}
