package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-project/vigie/internal/docmeta"
)

const metaLong = `Read the metadata of documents (Word, Excel, PowerPoint old and new, OpenDocument,
PDF, RTF) natively, without running any program on them: who wrote and last saved
each one, when, with what software and version, in which language and time zone,
how often it was revised and for how long it was edited, PDF edits appended after
creation, custom properties.

With organisation facts (--staff, --tz, --theft, --tools, --lang, or --check) the
documents are also checked against what the organisation's genuine documents look
like, and every anomaly is explained in plain words: an author who is not on the
staff, a Cyrillic name or a Russian user interface ("Листы"), a time zone the staff
do not use, a save after the theft, many files saved within minutes, software the
organisation does not use, editing time or revision counts that do not fit.

--json prints a JSON array shaped like 'exiftool -j -G1': one object per file with
"SourceFile" and "Group:Tag" keys using exiftool's names (FlashPix:Author,
XML:LastModifiedBy, PDF:Producer ...); anomalies are added as "Vigie:Anomaly".

--text prints instead the plain text Vigie reads from each document (the text the
leak authenticator compares with the originals), under a "==> FILE <==" line.

Directories are read recursively. A file that cannot be read is reported and the
others are still read.

Exit codes:
  0  every file was read (and, when checks were requested, no anomaly was found)
  1  checks were requested and anomalies were found
  2  some files could not be read (the others are still printed)
  3  usage error`

type metaOptions struct {
	json      bool
	staffFile string
	tz        string
	theft     string
	tools     string
	langs     string
	scripts   string
	check     bool
	text      bool
	maxSize   int64
}

func newMetaCommand(g *globalOptions) *cobra.Command {
	var o metaOptions
	cmd := &cobra.Command{
		Use:   "meta [flags] FILE|DIR...",
		Short: "Read document metadata (authors, dates, software, time zone) and flag anomalies",
		Long:  metaLong,
		Example: `  vigie meta leak/Budget.docx
  vigie meta --json leak/ > meta.json
  vigie meta --text leak/Budget.xls
  vigie meta --staff staff.txt --tz +01:00,+02:00 --theft 2017-05-01 --tools "Microsoft Office,LibreOffice" --lang fr,en leak/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMeta(g, o, args)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print a JSON array shaped like 'exiftool -j -G1'")
	f.StringVar(&o.staffFile, "staff", "", "file listing the organisation's staff, one name or account per line (# comments)")
	f.StringVar(&o.tz, "tz", "", "UTC offsets of the organisation's computers, e.g. +01:00,+02:00")
	f.StringVar(&o.theft, "theft", "", "date (and time) of the theft, e.g. 2017-05-01 or 2017-05-01T18:00:00+02:00")
	f.StringVar(&o.tools, "tools", "", "applications the organisation uses, comma-separated substrings (e.g. \"Microsoft Office,LibreOffice\")")
	f.StringVar(&o.langs, "lang", "", "languages of the organisation's software and documents, e.g. fr,en")
	f.StringVar(&o.scripts, "scripts", "", "writing systems the staff use (default Latin), e.g. Latin,Greek")
	f.BoolVar(&o.check, "check", false, "run the checks that need no organisation facts (scripts, bursts, edit times, dates)")
	f.BoolVar(&o.text, "text", false, "print each document's plain text instead of its metadata")
	f.Int64Var(&o.maxSize, "max-size", docmeta.DefaultLimits.MaxFileSize, "largest file read, in bytes")
	return cmd
}

func runMeta(g *globalOptions, o metaOptions, args []string) error {
	org, checks, err := o.profile()
	if err != nil {
		return err
	}
	if o.maxSize <= 0 {
		return usageError("--max-size must be positive")
	}
	limits := docmeta.DefaultLimits
	limits.MaxFileSize = o.maxSize
	files, bad := docmeta.Expand(args)
	if o.text {
		if o.json || checks {
			return usageError("--text cannot be combined with --json or the checks")
		}
		return printTexts(g, limits, files, bad)
	}
	results := append(bad, limits.ReadFiles(files)...)
	var anomalies []docmeta.Anomaly
	if checks {
		metas := make([]*docmeta.Meta, 0, len(results))
		for _, r := range results {
			if r.Err == nil || len(r.Meta.Tags) > 0 {
				metas = append(metas, r.Meta)
			}
		}
		anomalies = docmeta.Check(metas, org)
	}
	if o.json {
		err = docmeta.WriteJSON(g.stdout, results, anomalies)
	} else {
		err = docmeta.WriteText(g.stdout, results, anomalies)
	}
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
		}
	}
	switch {
	case failed > 0:
		fmt.Fprintf(g.stderr, "vigie meta: %d of %d files could not be read\n", failed, len(results))
		return withCode(exitError, nil)
	case len(anomalies) > 0:
		return withCode(exitFindings, nil)
	}
	return nil
}

// printTexts prints the text of each file under a "==> FILE <==" line;
// files that cannot be read are reported on stderr and give exit code 2.
func printTexts(g *globalOptions, limits docmeta.Limits, files []string, bad []docmeta.Result) error {
	failed := len(bad)
	for _, r := range bad {
		fmt.Fprintf(g.stderr, "vigie meta: %s: %v\n", r.Meta.Source, r.Err)
	}
	for _, f := range files {
		text, ok, err := limits.FileText(f)
		fmt.Fprintf(g.stdout, "==> %s <==\n", f)
		switch {
		case !ok:
			fmt.Fprintln(g.stdout, "(no text is read from files of this format)")
		case err != nil && text == "":
			failed++
			fmt.Fprintf(g.stderr, "vigie meta: %s: %v\n", f, err)
		default:
			if err != nil {
				failed++
				fmt.Fprintf(g.stderr, "vigie meta: %s: text read in part: %v\n", f, err)
			}
			fmt.Fprintln(g.stdout, strings.TrimRight(text, "\n"))
		}
	}
	if failed > 0 {
		fmt.Fprintf(g.stderr, "vigie meta: %d of %d files could not be read whole\n", failed, len(files)+len(bad))
		return withCode(exitError, nil)
	}
	return nil
}

// profile turns the flags into the organisation profile; checks tells
// whether any check was requested.
func (o metaOptions) profile() (docmeta.OrgProfile, bool, error) {
	var org docmeta.OrgProfile
	checks := o.check
	if o.staffFile != "" {
		checks = true
		data, err := os.ReadFile(o.staffFile)
		if err != nil {
			return org, false, usageError("--staff: %v", err)
		}
		if len(data) > 4<<20 {
			return org, false, usageError("--staff: %s is larger than 4 MiB", o.staffFile)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			org.Staff = append(org.Staff, line)
		}
		if err := sc.Err(); err != nil {
			return org, false, usageError("--staff: %s: %v", o.staffFile, err)
		}
	}
	if o.tz != "" {
		checks = true
		for _, s := range splitList(o.tz) {
			d, err := parseOffset(s)
			if err != nil {
				return org, false, usageError("--tz: %v", err)
			}
			org.Offsets = append(org.Offsets, d)
		}
	}
	if o.theft != "" {
		checks = true
		t, err := parseWhen(o.theft)
		if err != nil {
			return org, false, usageError("--theft: %v", err)
		}
		org.TheftDate = t
	}
	if o.tools != "" {
		checks = true
		org.Tools = splitList(o.tools)
	}
	if o.langs != "" {
		checks = true
		org.Languages = splitList(o.langs)
	}
	if o.scripts != "" {
		checks = true
		org.Scripts = splitList(o.scripts)
	}
	return org, checks, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseOffset reads "+01:00", "+1", "-05:30", "UTC+3".
func parseOffset(s string) (time.Duration, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "UTC"), "GMT")
	if t == "" || t == "Z" {
		return 0, nil
	}
	sign := time.Duration(1)
	switch t[0] {
	case '+':
		t = t[1:]
	case '-':
		sign = -1
		t = t[1:]
	default:
		return 0, fmt.Errorf("%q: an offset starts with + or -, e.g. +01:00", s)
	}
	hs, ms, _ := strings.Cut(t, ":")
	h, err := strconv.Atoi(hs)
	if err != nil || h > 14 {
		return 0, fmt.Errorf("%q is not a UTC offset like +01:00", s)
	}
	m := 0
	if ms != "" {
		if m, err = strconv.Atoi(ms); err != nil || m > 59 {
			return 0, fmt.Errorf("%q is not a UTC offset like +01:00", s)
		}
	}
	return sign * (time.Duration(h)*time.Hour + time.Duration(m)*time.Minute), nil
}

// parseWhen reads a date, a date and time, or an RFC 3339 time (UTC when no zone is given).
func parseWhen(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date like 2017-05-01 or 2017-05-01T18:00:00+02:00", s)
}
