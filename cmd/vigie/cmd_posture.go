package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/posture"
	"github.com/vigie-project/vigie/internal/report"
)

type postureOptions struct {
	json          bool
	resolver      string
	only          string
	timeout       time.Duration
	maxTime       time.Duration
	concurrency   int
	dkimSelectors []string
	ca            string
	smtpPort      int
	httpPort      int
	httpsPort     int
	hubURL        string
	hubToken      string
	hubCA         string
}

func newPostureCommand(g *globalOptions) *cobra.Command {
	var o postureOptions
	cmd := &cobra.Command{
		Use:   "posture DOMAIN...",
		Short: "Check from outside how a domain's mail, web and DNS resist impersonation and interception",
		Long: `Check, from the outside as anyone can, whether the party's domains are set up
so that nobody can send mail in their name, read mail sent to them, or
impersonate their web site:

  mail.mx           the MX records; a domain without mail has a null MX
  mail.spf          exactly one SPF record, ending in -all or ~all, at most
                    10 DNS lookups through its includes
  mail.dmarc        exactly one DMARC record with p=quarantine or p=reject
  mail.dkim         DKIM keys published, none shorter than 1024 bits
  mail.mta-sts      MTA-STS in enforce mode, covering every MX
  mail.tls-rpt      a TLS-RPT record for TLS failure reports
  mail.starttls     every MX offers STARTTLS, TLS 1.2+, valid certificate
  mail.tls          each MX's TLS rated by internet.nl's rules: versions,
                    every cipher suite accepted, DH/ECDH parameters,
                    cipher order, compression, renegotiation, signatures
  mail.dane         TLSA records of each MX, validated with DNSSEC, match
                    the certificate it presents
  web.https         the site answers over HTTPS with a valid certificate
  web.tls           the web server's TLS, by the same rules as mail.tls
  web.redirect      http:// redirects to https:// on the same host
  web.hsts          HSTS max-age of at least one year
  web.headers       Content-Security-Policy, X-Content-Type-Options,
                    Referrer-Policy
  web.security-txt  /.well-known/security.txt valid and not expired
  dns.ns            two name servers or more, in different networks
  dns.caa           CAA records say which CAs may issue certificates
  dns.dnssec        the zone is signed and Vigie validates the chain of
                    trust itself from the root trust anchors

Each check is pass, warn, fail or error (Vigie could not tell), with a
sentence, the records and answers seen, and how to fix it (with the
records Google Workspace, Microsoft 365, OVH or Gandi need).

Exit codes:
  0  every check passed
  1  some check warned or failed
  2  some check could not be run (error), or the command failed
  3  usage error`,
		Example: `  vigie posture party.fr
  vigie posture party.fr campaign2027.fr --json
  vigie posture party.fr --only mail --dkim-selector s2026
  vigie posture party.fr --resolver 9.9.9.9:53 --timeout 3s
  vigie posture party.fr --hub https://hub.agence.example --token $TOKEN`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPosture(cmd.Context(), g, o, args)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, `one JSON object per domain and line: {"domain", "checks": [{"id", "status", "summary", "evidence", "fix"}]}`)
	f.StringVar(&o.resolver, "resolver", "", "DNS resolver to ask, host[:port] (default: the first of /etc/resolv.conf)")
	f.StringVar(&o.only, "only", "", "run one group of checks: mail, web or dns")
	f.DurationVar(&o.timeout, "timeout", 5*time.Second, "limit for each DNS query, connection and HTTP exchange")
	f.DurationVar(&o.maxTime, "max-time", 2*time.Minute, "limit for the whole run")
	f.IntVar(&o.concurrency, "concurrency", 8, "most checks running at once")
	f.StringArrayVar(&o.dkimSelectors, "dkim-selector", nil, "DKIM selector to look for besides the common ones (repeatable)")
	f.StringVar(&o.ca, "ca", "", "PEM file of CA certificates to trust for HTTPS instead of the system's")
	f.IntVar(&o.smtpPort, "smtp-port", 25, "SMTP port of the MX hosts")
	f.IntVar(&o.httpPort, "http-port", 80, "HTTP port of the web site")
	f.IntVar(&o.httpsPort, "https-port", 443, "HTTPS port of the web site and the MTA-STS host")
	f.StringVar(&o.hubURL, "hub", "", "hub URL: send the checks that did not pass as findings")
	f.StringVar(&o.hubToken, "token", "", "hub API token (default $VIGIE_TOKEN)")
	f.StringVar(&o.hubCA, "hub-ca", "", "PEM file of the CA (or self-signed certificate) that the hub's certificate must chain to")
	return cmd
}

func runPosture(ctx context.Context, g *globalOptions, o postureOptions, args []string) error {
	switch o.only {
	case "", "mail", "web", "dns":
	default:
		return usageError("--only %q: want mail, web or dns", o.only)
	}
	if o.timeout <= 0 || o.maxTime <= 0 || o.concurrency < 1 {
		return usageError("--timeout and --max-time must be positive and --concurrency at least 1")
	}
	for _, p := range []int{o.smtpPort, o.httpPort, o.httpsPort} {
		if p < 1 || p > 65535 {
			return usageError("port %d is not 1..65535", p)
		}
	}
	var domains []string
	for _, a := range args {
		d, err := posture.NormaliseDomain(a)
		if err != nil {
			return usageError("%v", err)
		}
		domains = append(domains, d)
	}
	opts := posture.Options{Resolver: o.resolver, Timeout: o.timeout, Concurrency: o.concurrency, Only: o.only,
		DKIMSelectors: o.dkimSelectors, SMTPPort: o.smtpPort, HTTPPort: o.httpPort, HTTPSPort: o.httpsPort}
	if o.ca != "" {
		pem, err := os.ReadFile(o.ca)
		if err != nil {
			return usageError("--ca: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return usageError("--ca %s: no PEM certificate in it", o.ca)
		}
		opts.RootCAs = pool
	}
	c, err := posture.New(opts)
	if err != nil {
		return usageError("%v", err)
	}
	var hub *hubclient.Client
	if o.hubURL == "" && (o.hubToken != "" || o.hubCA != "") {
		return usageError("--token and --hub-ca need --hub")
	}
	if o.hubURL != "" {
		if o.hubToken == "" {
			o.hubToken = os.Getenv("VIGIE_TOKEN")
		}
		if hub, err = hubclient.New(o.hubURL, o.hubToken); err != nil {
			return usageError("%v", err)
		}
		if o.hubCA != "" {
			if err := hub.TrustCAFile(o.hubCA); err != nil {
				return usageError("%v", err)
			}
		}
	}
	var findings []report.Finding
	ctx, cancel := context.WithTimeout(ctx, o.maxTime)
	defer cancel()
	worst := posture.StatusPass
	var werr error
	c.Run(ctx, domains, func(r posture.Result) {
		switch r.Worst() {
		case posture.StatusError:
			worst = posture.StatusError
		case posture.StatusWarn, posture.StatusFail:
			if worst == posture.StatusPass {
				worst = posture.StatusFail
			}
		}
		findings = append(findings, posture.Findings(r, time.Now())...)
		if werr != nil {
			return
		}
		if o.json {
			b, err := json.Marshal(r)
			if err == nil {
				_, err = fmt.Fprintf(g.stdout, "%s\n", b)
			}
			werr = err
		} else {
			werr = writePostureText(g.stdout, r)
		}
	})
	if werr != nil {
		return withCode(exitError, fmt.Errorf("writing the results: %w", werr))
	}
	if hub != nil && len(findings) > 0 {
		hctx, hcancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer hcancel()
		if err := hub.PostFindings(hctx, findings); err != nil {
			return withCode(exitError, fmt.Errorf("sending %d finding(s) to the hub: %w", len(findings), err))
		}
		g.logger.Info("posture findings sent to the hub", "count", len(findings))
	}
	switch worst {
	case posture.StatusError:
		return withCode(exitError, nil)
	case posture.StatusFail:
		return withCode(exitFindings, nil)
	}
	return nil
}

// writePostureText prints one domain's checks in plain words.
func writePostureText(w io.Writer, r posture.Result) error {
	var b strings.Builder
	counts := map[posture.Status]int{}
	fmt.Fprintf(&b, "%s\n", r.Domain)
	for _, c := range r.Checks {
		counts[c.Status]++
		fmt.Fprintf(&b, "  %-5s %-17s %s\n", strings.ToUpper(string(c.Status)), c.ID, c.Summary)
		if c.Status == posture.StatusPass {
			continue
		}
		for _, e := range c.Evidence {
			fmt.Fprintf(&b, "        seen: %s\n", e)
		}
		if c.Fix != "" {
			for i, l := range strings.Split(c.Fix, "\n") {
				lead := "        fix:  "
				if i > 0 {
					lead = "              "
				}
				fmt.Fprintf(&b, "%s%s\n", lead, l)
			}
		}
	}
	fmt.Fprintf(&b, "  %d passed, %d warnings, %d failed, %d could not be checked\n\n",
		counts[posture.StatusPass], counts[posture.StatusWarn], counts[posture.StatusFail], counts[posture.StatusError])
	_, err := io.WriteString(w, b.String())
	return err
}
