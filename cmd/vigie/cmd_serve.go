package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/notify"
	"github.com/vigie-project/vigie/internal/posture"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/web"
)

type serveOptions struct {
	storeFlags
	addr       string
	tlsCert    string
	tlsKey     string
	selfSigned bool
	agency     string
	window     time.Duration
	minParties int
	breadth    indicator.Breadth
	tlsNames   []string
	publicURL  string

	// trustedProxies may name the client in X-Forwarded-For.
	trustedProxies []string
	// metricsListen serves /metrics apart; metricsTokenFile holds the token
	// that lets a scraper read /metrics on the main address.
	metricsListen, metricsTokenFile string

	// posture schedules vigie posture on the parties' declared domains.
	posture postureScheduleFlags
	// importDir holds files imported by name as jobs (too big to upload).
	importDir string

	// smtp is the relay notification mail goes through; webhookAllow the
	// non-public ranges webhooks may reach.
	smtp, smtpFrom string
	webhookAllow   []string
	// cases: leak cases (cmd_leak_publish.go).
	cases serveCaseFlags
}

// postureScheduleFlags are the flags of the hub's posture schedule.
type postureScheduleFlags struct {
	interval, jitter, timeout time.Duration
	concurrency               int
	resolver                  string
}

func (p *postureScheduleFlags) add(f *pflag.FlagSet) {
	f.DurationVar(&p.interval, "posture-interval", 24*time.Hour, "check the posture (vigie posture) of every domain the parties declare this often; 0 turns the schedule off (run it on one instance when several share a database)")
	f.DurationVar(&p.jitter, "posture-jitter", 0, "spread the posture checks: each domain's turn comes up to this much after its interval (default a tenth of --posture-interval)")
	f.IntVar(&p.concurrency, "posture-concurrency", 2, "posture checks: domains checked at once")
	f.DurationVar(&p.timeout, "posture-timeout", 2*time.Minute, "posture checks: the longest one domain's run may take")
	f.StringVar(&p.resolver, "posture-resolver", "", "posture checks: DNS server (host[:port]) to ask (default: the system's)")
}

// schedule builds the posture schedule (nil when turned off).
func (p *postureScheduleFlags) schedule(st *store.Store, g *globalOptions) (*hub.PostureSchedule, error) {
	if p.interval == 0 {
		return nil, nil
	}
	if p.interval < time.Minute || p.concurrency < 1 || p.timeout <= 0 || p.jitter < 0 {
		return nil, usageError("--posture-interval must be 0 or at least 1m, --posture-concurrency at least 1, --posture-timeout positive and --posture-jitter not negative")
	}
	sched, err := hub.NewPostureSchedule(st, hub.PostureConfig{Interval: p.interval, Jitter: p.jitter, Concurrency: p.concurrency, Timeout: p.timeout,
		Options: posture.Options{Resolver: p.resolver}, Logger: g.logger.With("component", "posture")})
	if err != nil {
		return nil, usageError("%v", err)
	}
	return sched, nil
}

func newServeCommand(g *globalOptions) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the hub: web UI, JSON API, TAXII 2.1 server and MISP feed",
		Long: `Run the hub the agency shares with the parties: analysts publish indicators
(with TLP and to which parties they go), sensors pull them and report
sightings, and the dashboard shows which indicators fire where. An
indicator seen at two or more parties within a day raises a campaign alert.

It needs nothing installed: the data lives in an embedded SQLite file in
--data. With --db postgres://... it uses PostgreSQL instead, and several
hub instances can serve behind a load balancer. The database schema is
created and upgraded at start.

On the first start, with an empty database, it creates the agency
organisation and a user "admin", and prints the password once: log in, then
choose a new password and set up two-factor authentication.

Endpoints: / (web UI), /api/v1/ (JSON API, described at
/api/v1/openapi.yaml), /taxii2/ (TAXII 2.1), /misp/feed/manifest.json (MISP
feed), /healthz. Prometheus metrics are not public: serve them on a private
address with --metrics-listen, or on the main address to a scraper holding
the token of --metrics-token-file.

Every --posture-interval (24 h by default) the hub runs the posture checks of
vigie posture on each domain the parties declare in their settings (at most
--posture-concurrency at once, each bounded by --posture-timeout) and keeps
the results with their history, shown to the party and to the agency.

Notifications: each user chooses, on the Notifications page, what to
receive (new advisory, campaign alert, sighting at their party, look-alike
domain, silent sensor) by e-mail or webhook (Slack, Mattermost, Matrix, or
a signed JSON POST). Mail goes through the relay of --smtp (with
--smtp-from and --public-url, so that messages link to the hub). Nothing
above TLP:GREEN is put in a message: only a link. Webhooks may not reach
the hub itself or a private address unless --webhook-allow names it.

Behind a reverse proxy or load balancer, name it with --trusted-proxy so
that login throttling sees the real client address (X-Forwarded-For) and
passkeys the real scheme (X-Forwarded-Proto); the headers of anyone else
are ignored.

Exit codes: 0 stopped cleanly (Ctrl-C, SIGTERM), 2 error (the message says
why), 3 usage error.`,
		Example: `  vigie serve
  vigie serve --data /var/lib/vigie --addr 0.0.0.0:8443 --tls-cert hub.crt --tls-key hub.key
  vigie serve --addr 0.0.0.0:8443 --self-signed
  vigie serve --db postgres://vigie@db.internal/vigie --addr 0.0.0.0:8080
  vigie serve --addr 127.0.0.1:8080 --trusted-proxy 127.0.0.1   # behind nginx or Caddy on the same machine
  vigie serve --public-url https://hub.example.org --smtp smtp://relay.example.org:587 --smtp-from vigie@example.org`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd, g, o)
		},
	}
	o.add(cmd, false)
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on (HOST:PORT)")
	f.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key serves HTTPS")
	f.StringVar(&o.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	f.BoolVar(&o.selfSigned, "self-signed", false, "serve HTTPS with a self-signed certificate made in --data (browsers warn; sensors trust it with --hub-ca, a copy of DATA/selfsigned-cert.pem)")
	f.StringVar(&o.publicURL, "public-url", "", "the hub's address as the parties reach it (https://hub.example.org), given in TAXII discovery; default: the scheme and host of each request")
	f.StringSliceVar(&o.tlsNames, "tls-names", nil, "with --self-signed: the public names and addresses sensors use to reach the hub, put in the certificate (repeat or comma-separate: hub.party.example,203.0.113.7)")
	f.StringVar(&o.agency, "agency-name", "Agency", "name of the agency organisation made on first start")
	f.DurationVar(&o.window, "campaign-window", 24*time.Hour, "an indicator seen by several parties within this time raises a campaign alert")
	f.IntVar(&o.minParties, "campaign-parties", 2, "how many parties make a campaign")
	f.StringVar(&o.metricsListen, "metrics-listen", "", "serve /metrics (Prometheus) and /healthz on this separate address, e.g. 127.0.0.1:9464 (keep it private)")
	f.StringVar(&o.metricsTokenFile, "metrics-token-file", "", "file holding a token a scraper sends as \"Authorization: Bearer\" to read /metrics on the main address (without it or --metrics-listen, /metrics is not served)")
	f.StringSliceVar(&o.trustedProxies, "trusted-proxy", nil, "address or CIDR of a reverse proxy or load balancer in front of the hub, whose X-Forwarded-For and X-Forwarded-Proto are believed (repeatable); without it the headers are ignored")
	f.StringVar(&o.smtp, "smtp", "", "mail relay for notifications: smtp://[user:password@]host[:port] (STARTTLS), smtps://host[:465], or smtp://127.0.0.1:25?tls=none")
	f.StringVar(&o.smtpFrom, "smtp-from", "", "sender address of notification mail (with --smtp)")
	f.StringSliceVar(&o.webhookAllow, "webhook-allow", nil, "non-public address or CIDR webhooks may reach anyway, e.g. 10.0.5.0/24 for an internal Mattermost (repeatable)")
	f.IntVar(&o.breadth.MinIPv4Bits, "min-prefix-ipv4", indicator.DefaultBreadth.MinIPv4Bits, "refuse IPv4 range indicators wider than this prefix length (0.0.0.0/0 would match every address)")
	f.IntVar(&o.breadth.MinIPv6Bits, "min-prefix-ipv6", indicator.DefaultBreadth.MinIPv6Bits, "refuse IPv6 range indicators wider than this prefix length")
	o.posture.add(f)
	f.StringVar(&o.importDir, "import-dir", "", "directory of indicator files too big to upload, imported in the background by name (POST /api/v1/imports?path=NAME); uploads imported as jobs are kept in DATA/imports meanwhile")
	o.cases.add(f)
	return cmd
}

func runServe(cmd *cobra.Command, g *globalOptions, o *serveOptions) error {
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return usageError("--tls-cert and --tls-key go together")
	}
	if o.selfSigned && o.tlsCert != "" {
		return usageError("--self-signed and --tls-cert exclude each other")
	}
	if o.publicURL != "" {
		if u, err := url.Parse(o.publicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
			return usageError("--public-url %q: want https://host[:port][/path]", o.publicURL)
		}
	}
	if len(o.tlsNames) > 0 && !o.selfSigned {
		return usageError("--tls-names goes with --self-signed (a certificate you give names its own hosts)")
	}
	if o.minParties < 2 || o.window <= 0 {
		return usageError("--campaign-parties must be 2 or more and --campaign-window positive")
	}
	if err := o.breadth.Validate(); err != nil || o.breadth.MinIPv4Bits == 0 || o.breadth.MinIPv6Bits == 0 {
		return usageError("--min-prefix-ipv4 must be 1 to 32 and --min-prefix-ipv6 1 to 128")
	}
	proxies, err := hub.ParseTrustedProxies(o.trustedProxies)
	if err != nil {
		return usageError("--trusted-proxy: %v", err)
	}
	notifyOpts, err := o.notifyOptions(cmd.Context())
	if err != nil {
		return err
	}
	var metricsToken string
	if o.metricsTokenFile != "" {
		b, err := os.ReadFile(o.metricsTokenFile)
		if err != nil {
			return fmt.Errorf("--metrics-token-file: %w", err)
		}
		if metricsToken = strings.TrimSpace(string(b)); len(metricsToken) < 16 {
			return usageError("--metrics-token-file %s: the token must be at least 16 characters", o.metricsTokenFile)
		}
	}
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	st, err := o.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	user, pw, err := hub.Bootstrap(ctx, st, o.agency)
	if err != nil {
		return err
	}
	tls := o.tlsCert != "" || o.selfSigned
	hopts := hub.Options{Store: st, Logger: g.logger, TLS: tls, TrustedProxies: proxies, MetricsToken: metricsToken, Correlation: store.Correlation{Window: o.window, MinParties: o.minParties}, Breadth: o.breadth, PublicURL: o.publicURL,
		SpoolDir: filepath.Join(o.data, "imports"), ImportDir: o.importDir, Notify: notifyOpts}
	if err := o.cases.apply(&hopts, o.data); err != nil {
		return err
	}
	srv := hub.New(hopts)
	go srv.RunNotifier(ctx)
	ui, err := web.New(srv)
	if err != nil {
		return err
	}
	srv.SetUI(ui)
	sched, err := o.posture.schedule(st, g)
	if err != nil {
		return err
	}
	if sched != nil {
		srv.SetPostureSchedule(sched)
		done := make(chan struct{})
		go func() { sched.Run(ctx); close(done) }()
		// Stop the checks in flight before the store closes.
		defer func() { cancel(); <-done }()
	}
	dataDir, _ := filepath.Abs(o.data)
	metricsErr := make(chan error, 1)
	if o.metricsListen != "" {
		go func() {
			err := hub.Serve(ctx, srv.MetricsHandler(), hub.ListenOptions{Addr: o.metricsListen, Ready: func(a net.Addr) {
				fmt.Fprintf(g.stderr, "vigie hub metrics on http://%s/metrics\n", a)
			}})
			if err != nil {
				metricsErr <- fmt.Errorf("--metrics-listen: %w", err)
				cancel()
			}
		}()
	}
	err = hub.Serve(ctx, srv, hub.ListenOptions{
		Addr: o.addr, CertFile: o.tlsCert, KeyFile: o.tlsKey, SelfSigned: o.selfSigned, TLSNames: o.tlsNames, DataDir: dataDir,
		Ready: func(a net.Addr) {
			scheme := "http"
			if tls {
				scheme = "https"
			}
			url := fmt.Sprintf("%s://%s/", scheme, a.String())
			where := "SQLite in " + dataDir
			if o.db != "" {
				where = "PostgreSQL"
			}
			fmt.Fprintf(g.stderr, "vigie hub listening on %s (%s)\n", url, where)
			if o.selfSigned {
				fmt.Fprintf(g.stderr, "self-signed certificate: %s — copy it to the sensors and give it to them with --hub-ca\n", filepath.Join(dataDir, "selfsigned-cert.pem"))
			}
			if pw != "" {
				fmt.Fprintf(g.stderr, "\nFirst start: log in at %slogin\n  user:     %s\n  password: %s\n(shown once; you will choose a new password and set up two-factor authentication)\n\n", url, user, pw)
			}
		},
	})
	select {
	case merr := <-metricsErr:
		return merr
	default:
	}
	return err
}

// notifyOptions reads the mail relay and the webhook guard: webhooks may
// not reach the hub's own addresses (its listening address and what its
// public name resolves to), nor non-public ones unless allowed.
func (o *serveOptions) notifyOptions(ctx context.Context) (hub.NotifyOptions, error) {
	var n hub.NotifyOptions
	if o.smtp != "" {
		if o.publicURL == "" {
			return n, usageError("--smtp needs --public-url: notification mail links to the hub")
		}
		m, err := notify.ParseSMTP(o.smtp, o.smtpFrom)
		if err != nil {
			return n, usageError("%v", err)
		}
		n.Mailer = m
	} else if o.smtpFrom != "" {
		return n, usageError("--smtp-from goes with --smtp")
	}
	allow, err := hub.ParseTrustedProxies(o.webhookAllow)
	if err != nil {
		return n, usageError("--webhook-allow: %v", err)
	}
	g := &notify.Guard{Allow: allow}
	hosts := []string{}
	if h, _, err := net.SplitHostPort(o.addr); err == nil && h != "" {
		hosts = append(hosts, h)
	}
	if u, err := url.Parse(o.publicURL); err == nil && u.Hostname() != "" {
		hosts = append(hosts, u.Hostname())
	}
	for _, h := range hosts {
		addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", h)
		if err != nil {
			continue // the name may only resolve from outside; loopback and private addresses are refused anyway
		}
		for _, a := range addrs {
			if !a.Unmap().IsUnspecified() {
				g.Deny = append(g.Deny, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			}
		}
	}
	n.Guard = g
	return n, nil
}
