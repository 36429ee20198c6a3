package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vigie-project/vigie/internal/leak"
	"github.com/vigie-project/vigie/internal/mailauth"
)

const leakLong = `Authenticate a leak: when stolen mail and documents are dumped, "mixed with
forgeries", tell the public which items are authentic, altered, forged or
unverifiable, and why.

'vigie leak verify DUMP --out DIR' reads the dump (directories, zip archives,
.eml, mbox and Outlook .msg files, Office, OpenDocument, PDF and RTF documents,
and the documents attached to messages) and for each item:

  - mail: verifies every DKIM signature with keys from an archive (--keys: a
    zone file or "selector._domainkey.domain TXT" lines with the dates each key
    was valid; repeat --keys for several archives) and/or live DNS, judged at
    the message's own date; the verdict is authentic (everything a reader sees
    is signed), authentic-with-caveats (each caveat named), altered (a change
    is proven: by the signature, a second signature, or the party's copy),
    forged (signed with another key than the archived one, or unsigned from a
    domain that signs all its mail in the dump), reformatted (the party's copy
    shows only whitespace or transfer encoding changed) or unverifiable, with
    reasons; ARC chains are verified and reported;
  - documents: reads their metadata (authors, dates, software, language, time
    zone) and flags anomalies against the party's profile (--staff, --tz,
    --theft, --tools, --doc-lang);
  - with --originals: finds the party's own copy (same bytes, same Message-ID,
    or similar text by MinHash) and shows what changed: text diff, header
    fields, metadata.

The dump may be delivered as a directory or in any container: zip, 7-Zip,
tar, tar.gz, tar.xz, tar.bz2, nested; every file in it is listed, with a
reason when it could not be examined.

Forgeries are planted in batches: the report also groups items that share a
forger's traits (a program, language, time zone or Message-ID host rare in the
rest of the dump, hours outside the claimed author's habits, metadata
anomalies), never with an item proven authentic, and explains each group.

While it runs, a progress bar on standard error shows the share of the dump
read, the items examined per second and the time left (--progress json
prints one JSON event per line instead, for programs; --progress quiet
nothing). Memory stays bounded whatever the dump's size: messages are
examined a few at a time, fewer when they are large.

It writes DIR/report.html (self-contained, for publication, in --lang fr or
en; split into DIR/items-0001.html ... beyond 1,000 items), DIR/report.json
(for machines, reasons in both languages) and DIR/items.csv. A checkpoint in DIR lets an interrupted run
continue where it stopped, inside a large mbox too (--restart starts afresh).

Exit codes:
  0  report written, no item needs attention
  1  report written; some items are altered, modified copies, suspicious, or
     could not be examined
  2  error: no report written (unreadable dump, key archive or output directory)
  3  usage error
  130  interrupted (Ctrl-C): the checkpoint lets the next run continue`

type leakOptions struct {
	meta      metaOptions // --staff, --tz, --theft, --tools, --doc-lang: the party's profile
	originals string
	keys      []string
	lang      string
	maxMsg    string
	out       string
	noDNS     bool
	dnsServer string
	restart   bool
	workers   int
	json      bool
	progress  string
	memory    string
	cpuProf   string
	memProf   string
}

func newLeakCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "leak",
		Short: "Authenticate leaked mail and documents and write a public report",
		Long:  leakLong,
		Example: `  vigie leak verify dump/ --out report/
  vigie leak verify dump.zip --originals party-export/ --keys dkim-keys.zone --staff staff.txt --out report/`,
	}
	cmd.AddCommand(newLeakVerifyCommand(g))
	cmd.AddCommand(newLeakPublishCommand(g))
	return cmd
}

func newLeakVerifyCommand(g *globalOptions) *cobra.Command {
	var o leakOptions
	cmd := &cobra.Command{
		Use:   "verify DUMP --out DIR",
		Short: "Verify a leak dump and write report.html, report.json and items.csv",
		Long:  leakLong,
		Example: `  vigie leak verify dump/ --out report/
  vigie leak verify dump.zip --originals party/ --keys keys.zone --no-dns --staff staff.txt --tz +01:00,+02:00 --theft 2017-05-01 --out report/
  vigie leak verify /data/leak --out report/ --progress json 2>progress.jsonl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLeakVerify(cmd, g, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.originals, "originals", "", "the party's own mail export and documents, to compare with")
	f.StringArrayVar(&o.keys, "keys", nil, "archive of DKIM keys: zone file or 'selector._domainkey.domain TXT' lines, with '; valid FROM..TO' (repeat for several)")
	f.StringVar(&o.lang, "lang", "en", "language of report.html: en or fr (report.json holds both)")
	f.StringVar(&o.maxMsg, "max-message-size", "64M", "largest message examined (larger ones are listed with their From and Subject)")
	f.StringVar(&o.out, "out", "", "directory for report.html, report.json, items.csv and the checkpoint (required)")
	f.BoolVar(&o.noDNS, "no-dns", false, "do not look keys up in live DNS (only the --keys archive)")
	f.StringVar(&o.dnsServer, "dns-server", "", "DNS server for key lookups, host[:port] (default: the system's)")
	f.BoolVar(&o.restart, "restart", false, "ignore the checkpoint in --out and examine everything again")
	f.IntVar(&o.workers, "workers", 0, "items examined at once (default: one per CPU)")
	f.BoolVar(&o.json, "json", false, "also print report.json to standard output")
	f.StringVar(&o.progress, "progress", "auto", "progress on standard error: bar (items per second, time left), json (one event per line, for machines), quiet, or auto (bar on a terminal, else quiet)")
	f.StringVar(&o.memory, "memory", "384M", "bound on the bytes of messages and files held at once (large messages are then examined fewer at a time)")
	f.StringVar(&o.cpuProf, "cpuprofile", "", "write a CPU profile (pprof) of the run to this file")
	f.StringVar(&o.memProf, "memprofile", "", "write a heap profile (pprof) at the end of the run to this file")
	f.StringVar(&o.meta.staffFile, "staff", "", "the party's staff, one name or account per line (# comments)")
	f.StringVar(&o.meta.tz, "tz", "", "UTC offsets of the party's computers, e.g. +01:00,+02:00")
	f.StringVar(&o.meta.theft, "theft", "", "date (and time) of the theft, e.g. 2017-05-01")
	f.StringVar(&o.meta.tools, "tools", "", "applications the party uses, comma-separated (e.g. \"Microsoft Office,LibreOffice\")")
	f.StringVar(&o.meta.langs, "doc-lang", "", "languages of the party's software and documents, e.g. fr,en")
	return cmd
}

func runLeakVerify(cmd *cobra.Command, g *globalOptions, o leakOptions, dump string) error {
	if o.out == "" {
		return usageError("--out DIR is required")
	}
	if o.workers < 0 {
		return usageError("--workers must not be negative")
	}
	switch o.progress {
	case "auto", "bar", "json", "quiet":
	default:
		return usageError("--progress must be auto, bar, json or quiet, not %q", o.progress)
	}
	if o.lang != "en" && o.lang != "fr" {
		return usageError("--lang must be en or fr, not %q", o.lang)
	}
	maxMsg, err := scanParseSize(o.maxMsg)
	if err != nil || maxMsg <= 0 {
		return usageError("--max-message-size: a size such as 64M is expected, not %q", o.maxMsg)
	}
	memory, err := scanParseSize(o.memory)
	if err != nil || memory <= 0 {
		return usageError("--memory: a size such as 384M is expected, not %q", o.memory)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// The garbage collector works harder before the process grows
		// past twice the bound (the copies DKIM and MIME make of a large
		// message are short-lived).
		debug.SetMemoryLimit(2 * memory)
	}
	org, _, err := o.meta.profile()
	if err != nil {
		return err
	}
	c := leak.Config{Dump: dump, Originals: o.originals, Out: o.out, Org: org, Resume: !o.restart,
		Workers: o.workers, Keys: strings.Join(o.keys, ", "), LiveDNS: !o.noDNS, Tool: "vigie " + version,
		Lang: o.lang, CommandLine: commandLine(cmd), Limits: leak.DefaultLimits, Memory: memory}
	c.Limits.MaxMessageSize = maxMsg
	var chain mailauth.Chain
	for _, k := range o.keys {
		ar, err := mailauth.LoadArchiveFile(k)
		if err != nil {
			return withCode(exitError, fmt.Errorf("--keys: %w", err))
		}
		c.KeyRecords += len(ar.Records())
		c.KeyFiles = append(c.KeyFiles, leak.KeyArchive{Path: k, Records: len(ar.Records())})
		chain = append(chain, ar)
	}
	if !o.noDNS {
		chain = append(chain, mailauth.NewDNSResolver(o.dnsServer, 5*time.Second))
	}
	if len(chain) > 0 {
		c.Resolver = chain
	}
	switch o.progress {
	case "auto":
		if scanIsTerminal(g.stderr) {
			c.Progress = leak.ProgressBar(g.stderr)
		}
	case "bar":
		c.Progress = leak.ProgressBar(g.stderr)
	case "json":
		c.Progress = leak.ProgressJSON(g.stderr)
		c.ProgressEvery = time.Second
	case "quiet":
	}
	stopProfile, err := startProfiles(o.cpuProf, o.memProf)
	if err != nil {
		return withCode(exitError, err)
	}
	rep, err := leak.Run(cmd.Context(), c)
	if perr := stopProfile(); perr != nil && err == nil {
		return withCode(exitError, perr)
	}
	if err != nil {
		if cmd.Context().Err() != nil || errors.Is(err, context.Canceled) {
			// Ctrl-C: exit 130; the checkpoint keeps what was done
			return fmt.Errorf("interrupted (run again with the same --out to continue): %w", context.Canceled)
		}
		return withCode(exitError, err)
	}
	if o.json {
		if err := leak.WriteJSON(g.stdout, rep); err != nil {
			return withCode(exitError, err)
		}
	}
	attention := 0
	for _, it := range rep.Items {
		if it.Verdict.Needs() {
			attention++
		}
	}
	fmt.Fprintf(g.stderr, "vigie leak verify: %d items, report in %s (report.html, report.json, items.csv)", len(rep.Items), o.out)
	for _, v := range leak.VerdictOrder {
		if n := rep.Counts[string(v)]; n > 0 {
			fmt.Fprintf(g.stderr, "; %s %d", v, n)
		}
	}
	fmt.Fprintln(g.stderr)
	if attention > 0 {
		return withCode(exitFindings, nil)
	}
	return nil
}

// commandLine is the command as typed, for the report's header (the
// program name, then the arguments, quoted when they hold spaces).
func commandLine(cmd *cobra.Command) string {
	parts := []string{"vigie"}
	for _, a := range os.Args[1:] {
		if strings.ContainsAny(a, " \t'\"") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	if len(os.Args) <= 1 || !strings.Contains(strings.Join(os.Args, " "), "leak") {
		// run from a test or embedded: rebuild from the command's flags
		parts = []string{cmd.CommandPath()}
		cmd.Flags().Visit(func(f *pflag.Flag) { parts = append(parts, "--"+f.Name+"="+f.Value.String()) })
		parts = append(parts, cmd.Flags().Args()...)
	}
	return strings.Join(parts, " ")
}

// startProfiles starts a CPU profile and arranges a heap profile; the
// function returned stops and writes them.
func startProfiles(cpu, mem string) (func() error, error) {
	var cf *os.File
	if cpu != "" {
		var err error
		if cf, err = os.Create(cpu); err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(cf); err != nil {
			cf.Close()
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
	}
	return func() error {
		if cf != nil {
			pprof.StopCPUProfile()
			if err := cf.Close(); err != nil {
				return fmt.Errorf("--cpuprofile: %w", err)
			}
		}
		if mem == "" {
			return nil
		}
		f, err := os.Create(mem)
		if err != nil {
			return fmt.Errorf("--memprofile: %w", err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			f.Close()
			return fmt.Errorf("--memprofile: %w", err)
		}
		return f.Close()
	}, nil
}
