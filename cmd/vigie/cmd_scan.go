package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-project/vigie/internal/sweep"
	"github.com/vigie-project/vigie/internal/sweep/scanrun"
	"github.com/vigie-project/vigie/internal/yararules"
)

const scanLong = `Look for known attacker files on this computer or a file server.

Every file under PATH (by default the places that matter on this system: home
directories, temporary directories, startup and autorun locations, downloads
and mail stores) is checked against the loaded indicators: its name and path,
its MD5/SHA-1/SHA-256 (computed in one read, only if hash indicators are
loaded), and YARA rules (with the Loki/THOR externals filename, filepath,
extension, filetype and owner). Archives are opened — zip (with Office, ODF
and jar files), gzip, tar — and the VBA macros of Office documents are
decompressed and checked, to a depth and within size, ratio and entry limits:
a "zip bomb" ends in a finding, not a crash. A finding inside an archive names
the path in it: archive.zip!docs/a.docm!word/vbaProject.bin!VBA/Module1.

Indicators: the built-in pack (public APT28/APT29 indicators) unless
--no-builtin; --iocs FILE in any format "vigie indicators" reads (STIX 2.1,
MISP, CSV, Loki IOC files, plain lists); --rules FILE|DIR of YARA rules;
--hub URL --token T pulls the indicators shared with your party and reports
what was found back to the hub. When the hub cannot be reached, the last
pulled indicators are used and the sightings wait in a local spool until the
next run (nothing is lost, nothing is sent twice). A long sweep keeps pulling
the hub's changes (--pull-interval, default 5m): indicators and YARA rules
published, expired or withdrawn while it runs are compiled aside and swapped
in between files, so the files after the change are checked against the new
set (with --hub every digest is computed, for hashes published later).

The walker does not follow symbolic links, skips pseudo file systems
(/proc, /sys ...), never opens FIFOs, sockets or devices, and stays on the
starting file system unless --one-file-system=false.

A scan that could not look at everything says so: a file that cannot be
opened or read (no permission; on Windows, locked by another program) still
has its name and path checked against the indicators, and is reported as a
finding "could not be read"; a file on which the YARA rules ran longer than
--timeout (default and most 60s; hostile files can make some rules slow) is reported
"not fully scanned". Both are low-severity findings, so the result is never
"nothing found" after a partial scan.

Output: text for people (grouped by severity, with what to do), --json for
JSON lines (schema version 1: one "finding" object per line with "path" at top
level, "problem" lines for what could not be examined, a "summary" line last),
or --sarif (SARIF 2.1.0). A progress line is shown on a terminal.

Exit codes:
  0    nothing found, everything examined
  1    findings reported (even if some files could not be examined)
  2    error: the scan could not run, or some files could not be examined
       and nothing was found (the result is incomplete)
  3    usage error
  4    with --hub: nothing found, but the hub could not be used (unreachable,
       its certificate not trusted — see --hub-ca — or the token refused,
       e.g. revoked): the scan used the last indicators pulled and the
       sightings wait in the spool
  130  interrupted`

func newScanCommand(g *globalOptions) *cobra.Command {
	var (
		cfg        scanrun.Config
		jsonOut    bool
		sarifOut   bool
		maxSize    string
		oneFS      bool
		maxDepth   int
		noProgress bool
	)
	cmd := &cobra.Command{
		Use:   "scan [PATH...]",
		Short: "Look for known attacker files (hashes, names, YARA rules, inside archives)",
		Long:  scanLong,
		Example: `  vigie scan
  vigie scan --json /srv/share > findings.jsonl
  vigie scan --iocs apt28-bundle.json --rules signature-base/yara/ /home
  vigie scan --hub https://hub.example.org --token "$VIGIE_TOKEN" --exclude '*.iso' --max-size 512M`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if jsonOut && sarifOut {
				return usageError("--json and --sarif cannot be used together")
			}
			cfg.Format = "text"
			if jsonOut {
				cfg.Format = "jsonl"
			} else if sarifOut {
				cfg.Format = "sarif"
			}
			n, err := scanParseSize(maxSize)
			if err != nil {
				return usageError("--max-size: %v", err)
			}
			cfg.Sweep.MaxSize = n
			cfg.Sweep.CrossMounts = !oneFS
			if maxDepth < 0 {
				return usageError("--max-depth must be 0 or more")
			}
			cfg.Sweep.Limits = sweep.DefaultLimits
			cfg.Sweep.Limits.MaxDepth = maxDepth
			if cfg.Sweep.Threads < 0 {
				return usageError("--threads must be 1 or more")
			}
			if cfg.HubURL != "" && cfg.HubToken == "" {
				cfg.HubToken = os.Getenv("VIGIE_TOKEN")
			}
			if cfg.HubToken != "" && cfg.HubURL == "" {
				return usageError("--token needs --hub")
			}
			if cfg.PullInterval < time.Second {
				return usageError("--pull-interval must be at least 1s")
			}
			if cfg.HubCA != "" && cfg.HubURL == "" {
				return usageError("--hub-ca needs --hub")
			}
			if cfg.Sweep.RuleTimeout <= 0 || cfg.Sweep.RuleTimeout > yararules.Timeout {
				return usageError("--timeout must be a duration between 1ms and %v (the rule engine's own limit per file), like 30s", yararules.Timeout)
			}
			cfg.Paths = args
			cfg.Version = version
			cfg.Logger = g.logger
			cfg.Color = cfg.Format == "text" && scanIsTerminal(g.stdout) && !g.noColor && os.Getenv("NO_COLOR") == ""
			if !noProgress && scanIsTerminal(g.stderr) && (cfg.Format == "text" || !scanIsTerminal(g.stdout)) {
				width := 80
				if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
					width = c
				}
				cfg.Progress = sweep.NewProgress(g.stderr, 250*time.Millisecond, width-1)
			}
			res, err := scanrun.Run(cmd.Context(), cfg, g.stdout, g.stderr)
			if err != nil {
				return err
			}
			switch {
			case res.Findings > 0:
				return withCode(exitFindings, nil)
			case res.Errors > 0:
				return withCode(exitError, nil)
			case res.HubErr != nil:
				return withCode(exitHub, nil)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&jsonOut, "json", false, "write JSON lines (one finding per line, then a summary)")
	f.BoolVar(&sarifOut, "sarif", false, "write a SARIF 2.1.0 log")
	f.StringArrayVar(&cfg.IOCs, "iocs", nil, "indicator file or directory, any supported format (repeatable)")
	f.StringArrayVar(&cfg.Rules, "rules", nil, "YARA rule file, or directory of .yar/.yara files (repeatable)")
	f.BoolVar(&cfg.NoBuiltin, "no-builtin", false, "do not use the built-in indicator pack")
	f.StringVar(&cfg.HubURL, "hub", "", "hub URL: pull the party's indicators, report sightings back")
	f.StringVar(&cfg.HubToken, "token", "", "hub API token (default $VIGIE_TOKEN)")
	f.StringVar(&cfg.HubCA, "hub-ca", "", "PEM file of the certificate(s) to trust for the hub: a hub run with --self-signed (its DATA/selfsigned-cert.pem) or a private CA")
	f.DurationVar(&cfg.PullInterval, "pull-interval", 5*time.Minute, "with --hub: how often a running scan pulls the hub's changes (new indicators and rules apply to the files after them)")
	f.StringVar(&cfg.StateDir, "state-dir", "", "where the hub indicator cache and the sightings spool live (default: the user cache directory/vigie)")
	f.StringArrayVar(&cfg.Sweep.Exclude, "exclude", nil, "skip files and directories whose path or name matches this glob (repeatable)")
	f.StringVar(&maxSize, "max-size", "256M", "do not read files larger than this (their names are still checked); 0 = no limit")
	f.BoolVar(&oneFS, "one-file-system", true, "stay on the file system of each PATH (--one-file-system=false crosses mount points)")
	f.IntVar(&cfg.Sweep.Threads, "threads", 0, "files examined at once (default: the number of CPUs)")
	f.IntVar(&maxDepth, "max-depth", sweep.DefaultMaxDepth, "archive levels to open (0: do not open archives)")
	f.StringVar(&cfg.Sweep.Host, "host", "", "host name in findings (default: this computer's name)")
	f.BoolVar(&noProgress, "no-progress", false, "never show the progress line")
	f.DurationVar(&cfg.Sweep.RuleTimeout, "timeout", yararules.Timeout, `time limit of the YARA rule scan of one file (at most 60s); a file that reaches it is reported "not fully scanned"`)
	return cmd
}

// scanParseSize reads "256M", "1G", "512k", "1048576" (bytes); "0" means no limit.
func scanParseSize(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "IB"), "B")
	mult := int64(1)
	if s != "" {
		switch s[len(s)-1] {
		case 'K':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		case 'T':
			mult = 1 << 40
		}
		if mult > 1 {
			s = s[:len(s)-1]
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (want e.g. 256M, 1G, 0 for no limit)", s)
	}
	if n == 0 {
		return -1, nil
	}
	return n * mult, nil
}

// scanIsTerminal reports whether w is a terminal (a character device).
func scanIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
