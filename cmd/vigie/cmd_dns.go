package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/pdns"
)

// dnsPolicyOptions are the flags that say what is blocked, shared by
// `vigie dns` and `vigie dns check`.
type dnsPolicyOptions struct {
	rpz, blocklists, iocs []string
	protect               []string
	protectFile           string
	noProviders           bool
	noBuiltin             bool
	lenient               bool
	hubURL, hubToken      string
	hubCA                 string
	stateDir              string
}

func (o *dnsPolicyOptions) addFlags(f interface {
	StringArrayVar(*[]string, string, []string, string)
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
}) {
	f.StringArrayVar(&o.rpz, "rpz", nil, "Response Policy Zone file (QNAME triggers; NXDOMAIN, NODATA, PASSTHRU, DROP, local data); repeatable, first wins")
	f.StringArrayVar(&o.blocklists, "blocklist", nil, "plain list of names to block with their sub-domains (one a line, hosts-file lines, or ||name^); repeatable")
	f.StringArrayVar(&o.iocs, "iocs", nil, "indicator file in any format 'vigie indicators' reads: its domains are blocked (repeatable)")
	f.StringArrayVar(&o.protect, "protect", nil, "the party's own domain: names imitating it are blocked, it is always allowed (repeatable)")
	f.StringVar(&o.protectFile, "protect-file", "", "file of protected domains, one a line")
	f.BoolVar(&o.noProviders, "no-providers", false, "do not protect the big mail and cloud providers (Google, Microsoft, ...) from look-alikes")
	f.BoolVar(&o.noBuiltin, "no-builtin", false, "do not block the domains of the built-in APT28 pack")
	f.BoolVar(&o.lenient, "lenient", false, "skip malformed list lines (they are counted and logged) instead of refusing the file")
	f.StringVar(&o.hubURL, "hub", "", "hub URL: pull the party's indicators and declared domains, report blocks as sightings")
	f.StringVar(&o.hubToken, "token", "", "hub API token (default $VIGIE_TOKEN)")
	f.StringVar(&o.hubCA, "hub-ca", "", "PEM file of the CA (or self-signed certificate) that the hub's certificate must chain to")
	f.StringVar(&o.stateDir, "state-dir", "", "where the hub indicator cache and the sightings spool live (default: the user cache directory/vigie)")
}

// sources turns the flags into the policy sources (without the hub part).
func (o *dnsPolicyOptions) sources() (*pdns.Sources, error) {
	protect := append([]string(nil), o.protect...)
	if o.protectFile != "" {
		data, err := os.ReadFile(o.protectFile)
		if err != nil {
			return nil, usageError("--protect-file: %v", err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if j := strings.IndexByte(line, '#'); j >= 0 {
				line = strings.TrimSpace(line[:j])
			}
			if line == "" {
				continue
			}
			if strings.ContainsAny(line, " \t/") {
				return nil, usageError("--protect-file %s:%d: %q is not a domain", o.protectFile, i+1, line)
			}
			protect = append(protect, line)
		}
	}
	return &pdns.Sources{RPZ: o.rpz, Blocklists: o.blocklists, IOCFiles: o.iocs, Builtin: !o.noBuiltin,
		Protect: protect, Providers: !o.noProviders, Lenient: o.lenient}, nil
}

// setup checks the list and hub flags: the policy sources, and the hub
// client with its state directory when --hub is given.
func (o *dnsPolicyOptions) setup() (*pdns.Sources, *hubclient.Client, string, error) {
	src, err := o.sources()
	if err != nil {
		return nil, nil, "", err
	}
	hc, state, err := o.hub()
	if err != nil {
		return nil, nil, "", err
	}
	return src, hc, state, nil
}

// hub connects to the hub when --hub is given; nil otherwise.
func (o *dnsPolicyOptions) hub() (*hubclient.Client, string, error) {
	if o.hubURL == "" {
		if o.hubToken != "" {
			return nil, "", usageError("--token needs --hub")
		}
		return nil, "", nil
	}
	if o.hubToken == "" {
		o.hubToken = os.Getenv("VIGIE_TOKEN")
	}
	c, err := hubclient.New(o.hubURL, o.hubToken)
	if err != nil {
		return nil, "", usageError("%v", err)
	}
	if o.hubCA != "" {
		if err := c.TrustCAFile(o.hubCA); err != nil {
			return nil, "", usageError("%v", err)
		}
	}
	state := o.stateDir
	if state == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			return nil, "", usageError("no state directory (give --state-dir): %v", err)
		}
		state = filepath.Join(d, "vigie")
	}
	return c, state, nil
}

const dnsLong = `Run a protective DNS resolver for the party's office network or VPN: every
device that uses it (phones included) cannot look up a phishing domain,
and the agency hears who tried.

A name is blocked when an indicator (the hub's, --iocs files, the built-in
APT28 pack) lists it or a parent, when an RPZ file (--rpz) or a plain list
(--blocklist) names it, or when it imitates a protected domain (--protect,
and with --hub the domains the party declares on the hub, followed at each
pull: the party's own; the big providers unless --no-providers), even if no
feed lists it yet. The protected owners' real domains are always allowed.

A blocked client gets NXDOMAIN, or with --sinkhole the address of a page
(served with --block-page) that says the site was blocked, why, and whom to
call (--contact). EDNS clients also get an Extended DNS Error (RFC 8914)
"Blocked" or "Filtered" with the reason: 'dig' prints it as EDE.

Everything else is forwarded to --upstream resolvers (several allowed;
plain IP[:port] over UDP with TCP on truncation, tcp://, tls://host:853 for
DNS over TLS, https://host/dns-query for DNS over HTTPS) and cached with
its TTL (capped), negative answers too (RFC 2308); when every upstream
fails, the last answer is served stale (RFC 8767).

Listeners: --listen (UDP and TCP), --tls-listen (DNS over TLS),
--https-listen (DNS over HTTPS at /dns-query), with --tls-cert/--tls-key or
--self-signed. Only the networks in --allow are answered (default loopback
and the private ranges: never an open resolver); each client address is
rate limited (--rate-limit).

Privacy: blocks are reported (hub sightings, logs) without the client's
address unless --log-clients is given: staff's browsing stays private.

Lists reload without dropping a query on SIGHUP, after each hub pull that
changes the indicators, and when the party's declared domains change.
--metrics-listen serves Prometheus /metrics and /healthz.

Exit codes: 0 stopped cleanly, 2 error (a list that cannot be read, a port
that cannot be bound), 3 wrong flags, 130 interrupted.`

const dnsExample = `  vigie dns --listen 127.0.0.1:53 --upstream 9.9.9.9 --protect en-marche.fr
  vigie dns --listen 0.0.0.0:53 --upstream tls://dns.quad9.net@9.9.9.9:853 \
      --rpz /etc/vigie/policy.rpz --blocklist /etc/vigie/phishing.txt \
      --hub https://hub.example.org --token "$VIGIE_TOKEN" --protect en-marche.fr \
      --sinkhole 192.168.1.2 --block-page 192.168.1.2:80 --contact "Service informatique, 01 23 45 67 89"
  vigie dns check accounts-google.com login.onedrive-en-marche.fr --protect en-marche.fr`

func newDNSCommand(g *globalOptions) *cobra.Command {
	var o dnsPolicyOptions
	var (
		listen, tlsListen, httpsListen, upstreams, allow, sinkholes []string
		tlsCert, tlsKey, dataDir, blockPage, contact, metricsListen string
		upstreamCA                                                  string
		selfSigned, logClients, jsonLogs                            bool
		rate                                                        float64
		burst                                                       int
		blockTTL                                                    uint32
		cacheSize                                                   int
		cacheMaxTTL, stale, pullEvery                               time.Duration
	)
	cmd := &cobra.Command{
		Use:     "dns",
		Short:   "Protective DNS resolver: block phishing and look-alike domains for the whole office",
		Long:    dnsLong,
		Example: dnsExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(listen)+len(tlsListen)+len(httpsListen) == 0 {
				return usageError("nothing to listen on: give --listen, --tls-listen or --https-listen")
			}
			if len(upstreams) == 0 {
				return usageError("no --upstream resolver")
			}
			log := g.logger
			if jsonLogs {
				log = slog.New(slog.NewJSONHandler(g.stderr, nil))
			}
			var uo pdns.UpstreamOptions
			if upstreamCA != "" {
				pem, err := os.ReadFile(upstreamCA)
				if err != nil {
					return usageError("--upstream-ca: %v", err)
				}
				uo.RootCAs = x509.NewCertPool()
				if !uo.RootCAs.AppendCertsFromPEM(pem) {
					return usageError("--upstream-ca %s: no PEM certificate in it", upstreamCA)
				}
			}
			var ups []pdns.Upstream
			for _, u := range upstreams {
				up, err := pdns.ParseUpstream(u, uo)
				if err != nil {
					return usageError("--upstream: %v", err)
				}
				ups = append(ups, up)
			}
			var allowed []netip.Prefix
			for _, a := range allow {
				p, err := netip.ParsePrefix(a)
				if err != nil {
					ad, err2 := netip.ParseAddr(a)
					if err2 != nil {
						return usageError("--allow %q: not a network (10.0.0.0/8) or an address", a)
					}
					p = netip.PrefixFrom(ad, ad.BitLen())
				}
				allowed = append(allowed, p.Masked())
			}
			opts := pdns.Options{Upstreams: ups, Allow: allowed, RateLimit: rate, Burst: burst, BlockTTL: blockTTL,
				LogClients: logClients, Logger: log,
				Cache: pdns.CacheOptions{MaxEntries: cacheSize, MaxTTL: cacheMaxTTL, Stale: stale}}
			for _, s := range sinkholes {
				a, err := netip.ParseAddr(s)
				if err != nil {
					return usageError("--sinkhole %q: not an IP address", s)
				}
				if a.Is4() {
					opts.Sinkhole4 = a
				} else {
					opts.Sinkhole6 = a
				}
			}
			src, hc, state, err := o.setup()
			if err != nil {
				return err
			}
			return runDNS(cmd.Context(), g, log, dnsRun{opts: opts, src: src, hub: hc, state: state, pullEvery: pullEvery,
				listen: listen, tlsListen: tlsListen, httpsListen: httpsListen, tlsCert: tlsCert, tlsKey: tlsKey,
				selfSigned: selfSigned, dataDir: dataDir, blockPage: blockPage, contact: contact, metrics: metricsListen})
		},
	}
	f := cmd.Flags()
	o.addFlags(f)
	f.StringArrayVar(&listen, "listen", nil, "address for DNS over UDP and TCP, e.g. 127.0.0.1:53 or 0.0.0.0:53 (repeatable)")
	f.StringArrayVar(&tlsListen, "tls-listen", nil, "address for DNS over TLS, e.g. 0.0.0.0:853 (repeatable)")
	f.StringArrayVar(&httpsListen, "https-listen", nil, "address for DNS over HTTPS (/dns-query), e.g. 0.0.0.0:443 (repeatable)")
	f.StringArrayVar(&upstreams, "upstream", nil, "upstream resolver: IP[:port], tcp://IP:port, tls://[name@]host:853, https://host/dns-query (repeatable)")
	f.StringVar(&upstreamCA, "upstream-ca", "", "PEM file of the CA that DNS-over-TLS/HTTPS upstreams chain to (default: the system's)")
	f.StringArrayVar(&allow, "allow", nil, "client network answered (repeatable; default loopback and private ranges)")
	f.Float64Var(&rate, "rate-limit", 1000, "queries per second one client address may send (0: no limit)")
	f.IntVar(&burst, "burst", 0, "size of each client's bucket (default twice --rate-limit)")
	f.StringArrayVar(&sinkholes, "sinkhole", nil, "answer A/AAAA queries of blocked names with this address (the block page's) instead of NXDOMAIN")
	f.StringVar(&blockPage, "block-page", "", "address to serve the block page on over HTTP, e.g. 192.168.1.2:80")
	f.StringVar(&contact, "contact", "", "whom a blocked user should call, shown on the block page")
	f.Uint32Var(&blockTTL, "block-ttl", 60, "TTL in seconds of blocked answers")
	f.IntVar(&cacheSize, "cache-size", 100_000, "answers kept in the cache")
	f.DurationVar(&cacheMaxTTL, "cache-max-ttl", 24*time.Hour, "longest time an answer is kept whatever its TTL")
	f.DurationVar(&stale, "stale", 24*time.Hour, "how long an expired answer may be served when every upstream fails (RFC 8767; negative: never)")
	f.StringVar(&tlsCert, "tls-cert", "", "certificate (PEM) for --tls-listen and --https-listen")
	f.StringVar(&tlsKey, "tls-key", "", "private key (PEM) for --tls-cert")
	f.BoolVar(&selfSigned, "self-signed", false, "make a self-signed certificate in --data for DNS over TLS/HTTPS (clients must be told to trust it)")
	f.StringVar(&dataDir, "data", "vigie-dns-data", "where --self-signed keeps its certificate")
	f.StringVar(&metricsListen, "metrics-listen", "", "address for Prometheus /metrics and /healthz, e.g. 127.0.0.1:9153")
	f.BoolVar(&logClients, "log-clients", false, "put the client's address in logs of blocked queries (off: staff's browsing stays private)")
	f.BoolVar(&jsonLogs, "json", false, "write logs as JSON lines")
	f.DurationVar(&pullEvery, "pull-interval", 5*time.Minute, "how often to pull the hub's indicators (with --hub; with jitter, and backing off while the hub fails)")
	cmd.AddCommand(newDNSCheckCommand(g))
	return cmd
}

type dnsRun struct {
	opts                           pdns.Options
	src                            *pdns.Sources
	hub                            *hubclient.Client
	state                          string
	pullEvery                      time.Duration
	listen, tlsListen, httpsListen []string
	tlsCert, tlsKey, dataDir       string
	selfSigned                     bool
	blockPage, contact, metrics    string
}

// runDNS starts the listeners and keeps the policy current until ctx ends.
func runDNS(ctx context.Context, g *globalOptions, log *slog.Logger, r dnsRun) error {
	var hubInds []indicator.Indicator
	var hubProtect []string // the domains the party declares on the hub
	var hubMu sync.Mutex
	flagProtect := r.src.Protect
	build := func() (*pdns.Policy, error) {
		hubMu.Lock()
		r.src.Hub = hubInds
		r.src.Protect = append(append([]string(nil), flagProtect...), hubProtect...)
		hubMu.Unlock()
		p, reports, err := r.src.Build(time.Now())
		if err != nil {
			return nil, err
		}
		for _, rep := range reports {
			if rep.Skipped > 0 {
				log.Warn("list lines skipped", "file", rep.File, "skipped", rep.Skipped, "first", rep.Problems[0].Error())
			}
		}
		st := p.Stats()
		log.Info("dns policy loaded", "names", st.Names, "allowed", st.Allowed, "look_alikes", st.Lookalikes)
		return p, nil
	}
	var reporter *pdns.BlockReporter
	var spool *hubclient.Spool
	var follower *hubclient.Follower
	if r.hub != nil {
		spool = &hubclient.Spool{Dir: filepath.Join(r.state, "spool"), Logger: log}
		host, _ := os.Hostname()
		reporter = &pdns.BlockReporter{Host: host, Sink: pdns.SpoolSink(spool), Log: log}
		// The follower's first sync gives the set in force (from the
		// cache when the hub cannot be reached) before anything listens.
		follower = &hubclient.Follower{Client: r.hub, CachePath: filepath.Join(r.state, "hub-indicators.json"),
			Interval: r.pullEvery, Logger: log, Apply: func(inds []indicator.Indicator) error {
				hubMu.Lock()
				hubInds = inds
				hubMu.Unlock()
				return nil
			}, Settings: func(st hubclient.OrgSettings) error {
				hubMu.Lock()
				hubProtect = st.Domains()
				hubMu.Unlock()
				return nil
			}}
		if _, err := follower.Sync(ctx); err != nil {
			log.Warn("hub", "err", err)
		}
	}
	pol, err := build()
	if err != nil {
		return withCode(exitError, err)
	}
	opts := r.opts
	logBlocks := log.Enabled(ctx, slog.LevelInfo)
	opts.OnBlock = func(b pdns.Block) {
		if logBlocks { // the reason costs a Sprintf: only when it is written
			args := []any{"name", b.Name, "type", b.QType, "source", b.Decision.Kind, "reason", b.Decision.Reason()}
			if b.Client.IsValid() {
				args = append(args, "client", b.Client.String())
			}
			log.Info("blocked", args...)
		}
		if reporter != nil {
			reporter.Add(b)
		}
	}
	srv := pdns.New(opts, pol)

	var tlsConf *tls.Config
	if len(r.tlsListen)+len(r.httpsListen) > 0 {
		cert, key := r.tlsCert, r.tlsKey
		if cert == "" && r.selfSigned {
			addr := append(append([]string(nil), r.tlsListen...), r.httpsListen...)[0]
			if cert, key, err = hub.SelfSignedCert(r.dataDir, addr); err != nil {
				return withCode(exitError, err)
			}
		}
		if cert == "" || key == "" {
			return usageError("--tls-listen and --https-listen need --tls-cert and --tls-key, or --self-signed")
		}
		kp, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return withCode(exitError, fmt.Errorf("--tls-cert: %w", err))
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{kp}, MinVersion: tls.VersionTLS12}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 16)
	goServe := func(name string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				errc <- fmt.Errorf("%s: %w", name, err)
				cancel()
			}
		}()
	}
	var closers []func()
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	for _, a := range r.listen {
		pc, err := pdns.ListenUDP(a)
		if err != nil {
			return withCode(exitError, err)
		}
		l, err := net.Listen("tcp", a)
		if err != nil {
			pc.Close()
			return withCode(exitError, fmt.Errorf("listen tcp %s: %w", a, err))
		}
		log.Info("dns listening", "udp", pc.LocalAddr().String(), "tcp", l.Addr().String())
		goServe("udp "+a, func() error { return srv.ServeUDP(ctx, pc) })
		goServe("tcp "+a, func() error { return srv.ServeStream(ctx, l, false) })
	}
	for _, a := range r.tlsListen {
		l, err := tls.Listen("tcp", a, tlsConf)
		if err != nil {
			return withCode(exitError, fmt.Errorf("listen tls %s: %w", a, err))
		}
		log.Info("dns over tls listening", "addr", l.Addr().String())
		goServe("tls "+a, func() error { return srv.ServeStream(ctx, l, true) })
	}
	serveHTTP := func(name, addr string, h http.Handler, tc *tls.Config) error {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return withCode(exitError, fmt.Errorf("listen %s %s: %w", name, addr, err))
		}
		hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
			IdleTimeout: 60 * time.Second, TLSConfig: tc, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
		closers = append(closers, func() {
			sctx, c := context.WithTimeout(context.Background(), 2*time.Second)
			defer c()
			hs.Shutdown(sctx)
		})
		log.Info(name+" listening", "addr", l.Addr().String())
		goServe(name+" "+addr, func() error {
			var err error
			if tc != nil {
				err = hs.ServeTLS(l, "", "")
			} else {
				err = hs.Serve(l)
			}
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return err
		})
		return nil
	}
	for _, a := range r.httpsListen {
		mux := http.NewServeMux()
		mux.Handle("/dns-query", srv.DoH())
		if err := serveHTTP("dns over https", a, mux, tlsConf); err != nil {
			return err
		}
	}
	if r.blockPage != "" {
		if err := serveHTTP("block page", r.blockPage, srv.BlockPage(r.contact), nil); err != nil {
			return err
		}
	}
	if r.metrics != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			srv.WriteMetrics(w)
		})
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
		if err := serveHTTP("metrics", r.metrics, mux, nil); err != nil {
			return err
		}
	}

	reload := func(why string) {
		p, err := build()
		if err != nil {
			log.Error("lists not reloaded: the previous ones stay in force", "why", why, "err", err)
			return
		}
		srv.SetPolicy(p)
		log.Info("lists reloaded", "why", why)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if reporter != nil {
		wg.Add(1)
		go func() { defer wg.Done(); reporter.Run(ctx, 30*time.Second) }()
	}
	if follower != nil {
		// From now on each change of the hub's set rebuilds the policy
		// aside and swaps it in; sightings go out after each pull.
		follower.Apply = func(inds []indicator.Indicator) error {
			hubMu.Lock()
			hubInds = inds
			hubMu.Unlock()
			reload("hub pull")
			return nil
		}
		follower.Settings = func(st hubclient.OrgSettings) error {
			hubMu.Lock()
			hubProtect = st.Domains()
			hubMu.Unlock()
			reload("protected domains changed on the hub")
			return nil
		}
		wg.Add(2)
		go func() { defer wg.Done(); follower.Run(ctx) }()
		go func() {
			defer wg.Done()
			t := time.NewTicker(time.Minute)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if _, err := spool.Flush(ctx, r.hub); err != nil && ctx.Err() == nil {
						log.Warn("sightings kept in the spool", "err", err)
					}
				}
			}
		}()
	}
	for {
		select {
		case <-ctx.Done():
			cancel()
			for _, c := range closers {
				c()
			}
			wg.Wait()
			select {
			case err := <-errc:
				return withCode(exitError, err)
			default:
			}
			if spool != nil {
				fctx, c := context.WithTimeout(context.Background(), 5*time.Second)
				spool.Flush(fctx, r.hub)
				c()
			}
			return nil
		case <-hup:
			reload("SIGHUP")
		}
	}
}

func newDNSCheckCommand(g *globalOptions) *cobra.Command {
	var o dnsPolicyOptions
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check NAME... | -",
		Short: "Tell whether names would be blocked, and by what",
		Long: `Tell, for each name (or one per line on standard input with -), whether
'vigie dns' with the same list flags would block it, by which list or
indicator, and why. Nothing is resolved.

Exit codes: 0 nothing blocked, 1 at least one name blocked, 2 error (a list
that cannot be read), 3 wrong flags.`,
		Example: `  vigie dns check accounts-google.com --protect en-marche.fr
  vigie dns check --rpz policy.rpz --json - < names.txt`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, hc, state, err := o.setup()
			if err != nil {
				return err
			}
			if hc != nil {
				inds, err := hubclient.PullCached(cmd.Context(), hc, filepath.Join(state, "hub-indicators.json"))
				if err != nil {
					fmt.Fprintf(g.stderr, "vigie dns: warning: %v\n", err)
				}
				src.Hub = inds
				st, err := hubclient.OrgSettingsCached(cmd.Context(), hc, filepath.Join(state, "hub-indicators.json.settings"))
				if err != nil {
					fmt.Fprintf(g.stderr, "vigie dns: warning: %v\n", err)
				}
				src.Protect = append(src.Protect, st.Domains()...)
			}
			pol, _, err := src.Build(time.Now())
			if err != nil {
				return withCode(exitError, err)
			}
			names := args
			if len(args) == 1 && args[0] == "-" {
				names = nil
				sc := bufio.NewScanner(g.stdin)
				sc.Buffer(make([]byte, 0, 4096), 4096)
				for sc.Scan() {
					if l := strings.TrimSpace(sc.Text()); l != "" {
						names = append(names, l)
					}
				}
				if err := sc.Err(); err != nil {
					return withCode(exitError, fmt.Errorf("standard input, line %d: %w", len(names)+1, err))
				}
			}
			blocked := false
			enc := json.NewEncoder(g.stdout)
			for _, n := range names {
				d := pol.Lookup(n)
				if d.Action.Blocked() {
					blocked = true
				}
				if asJSON {
					enc.Encode(struct {
						Name     string `json:"name"`
						Blocked  bool   `json:"blocked"`
						Action   string `json:"action"`
						Kind     string `json:"source_kind,omitempty"`
						Source   string `json:"source,omitempty"`
						Trigger  string `json:"trigger,omitempty"`
						Reason   string `json:"reason,omitempty"`
						Imitates string `json:"imitates,omitempty"`
					}{Name: n, Blocked: d.Action.Blocked(), Action: d.Action.String(), Kind: d.Kind, Source: d.Source, Trigger: d.Trigger,
						Reason: d.Reason(), Imitates: imitates(d)})
					continue
				}
				switch {
				case d.Action.Blocked():
					fmt.Fprintf(g.stdout, "BLOCKED  %s: %s\n", n, d.Reason())
				case d.Action == pdns.Allow:
					fmt.Fprintf(g.stdout, "allowed  %s: %s\n", n, d.Reason())
				default:
					fmt.Fprintf(g.stdout, "ok       %s\n", n)
				}
			}
			if blocked {
				return withCode(exitFindings, nil)
			}
			return nil
		},
	}
	o.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per name and line")
	return cmd
}

func imitates(d pdns.Decision) string {
	if d.Lookalike != nil {
		return d.Lookalike.Protected
	}
	return ""
}
