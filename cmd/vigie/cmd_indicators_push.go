package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-project/vigie/internal/hubclient"
)

type pushOptions struct {
	hub, token, hubCA       string
	tlp, distribution, path string
	format                  string
	parties                 []string
	wait, json              bool
	every                   time.Duration
}

func newIndicatorsPushCommand(g *globalOptions) *cobra.Command {
	var o pushOptions
	cmd := &cobra.Command{
		Use:   "push --hub URL [--token T] FILE | --path NAME",
		Short: "Import a file of indicators into the hub in the background (any size), and follow it",
		Long: `Send a file of indicators (STIX 2.1 bundle, MISP event, CSV, list) to the hub,
which imports it in the background as a job: the file is streamed, never held
in memory on either side, and stored in batches as it is read. Items that
cannot become indicators are reported by their place in the file; the valid
ones are stored. With --path, the hub reads NAME from its own import directory
(vigie serve --import-dir) instead: for files of several gigabytes.

The token is an agency analyst's or administrator's (default $VIGIE_TOKEN).
With --wait, the progress is printed until the job ends; a job cut by a
restart of the hub is resumed on the Indicators page or with
POST /api/v1/imports/ID/resume.

Exit codes: 0 the job was accepted (with --wait: done); 2 the job failed or
the hub refused the file; 3 wrong flags; 4 the hub could not be reached or
refused the token.`,
		Example: `  vigie indicators push --hub https://hub.example.org opencti-export.json --wait
  vigie indicators push --hub https://hub.example.org --distribution listed --parties "Parti Exemple" event.json
  vigie indicators push --hub https://hub.example.org --path feed-2026-12.json --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPush(cmd.Context(), g, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.hub, "hub", "", "hub URL")
	f.StringVar(&o.token, "token", "", "hub API token of an agency analyst or administrator (default $VIGIE_TOKEN)")
	f.StringVar(&o.hubCA, "hub-ca", "", "PEM file of the certificate(s) to trust for the hub")
	f.StringVar(&o.tlp, "tlp", "", "TLP of the indicators the file does not mark (the file's own markings win)")
	f.StringVar(&o.distribution, "distribution", "", "who receives them: all, listed (with --parties) or agency")
	f.StringSliceVar(&o.parties, "parties", nil, "parties of --distribution listed (names, repeat or comma-separate)")
	f.StringVar(&o.format, "format", "", "the file's format (default: detected)")
	f.StringVar(&o.path, "path", "", "import NAME from the hub's import directory instead of sending a file")
	f.BoolVar(&o.wait, "wait", false, "follow the job until it ends")
	f.DurationVar(&o.every, "every", 5*time.Second, "with --wait: how often to ask the hub")
	f.BoolVar(&o.json, "json", false, "print the job as JSON (with --wait, once it ends)")
	return cmd
}

func runPush(ctx context.Context, g *globalOptions, o pushOptions, args []string) error {
	if o.hub == "" {
		return usageError("--hub is required")
	}
	if (o.path == "") == (len(args) != 1) {
		return usageError("give one FILE, or --path NAME")
	}
	if o.every < 100*time.Millisecond {
		return usageError("--every must be at least 100ms")
	}
	if o.token == "" {
		o.token = os.Getenv("VIGIE_TOKEN")
	}
	c, err := hubclient.New(o.hub, o.token)
	if err != nil {
		return usageError("%v", err)
	}
	if o.hubCA != "" {
		if err := c.TrustCAFile(o.hubCA); err != nil {
			return err
		}
	}
	q := url.Values{}
	for k, v := range map[string]string{"tlp": o.tlp, "distribution": o.distribution, "format": o.format, "path": o.path, "parties": strings.Join(o.parties, ",")} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var j hubclient.ImportJob
	if o.path != "" {
		j, err = c.StartImport(ctx, nil, 0, q)
	} else {
		f, ferr := os.Open(args[0])
		if ferr != nil {
			return ferr
		}
		defer f.Close()
		fi, ferr := f.Stat()
		if ferr != nil {
			return ferr
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s: not a regular file", args[0])
		}
		q.Set("name", filepath.Base(args[0]))
		j, err = c.StartImport(ctx, f, fi.Size(), q)
	}
	if err != nil {
		return hubErr(err)
	}
	if !o.json || !o.wait {
		if o.json {
			return printJob(g, j)
		}
		fmt.Fprintf(g.stdout, "%s: import job %s started\n", j.Name, j.ID)
	}
	if !o.wait {
		return nil
	}
	for !j.Finished() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(o.every):
		}
		if j, err = c.ImportJob(ctx, j.ID); err != nil {
			return hubErr(err)
		}
		if !o.json {
			fmt.Fprintf(g.stderr, "%s: %s, %d/%d items (%.0f%%, %.0f/s)\n", j.Name, j.State, j.ItemsDone, j.ItemsTotal, j.Percent, j.ItemsPerSecond)
		}
	}
	if o.json {
		if err := printJob(g, j); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(g.stdout, "%s: %s — %d new, %d updated, %d known-good left out, %d could not become indicators (GET /api/v1/imports/%s/problems)\n",
			j.Name, j.State, j.Created, j.Updated, j.Warninglisted, j.Problems, j.ID)
	}
	switch j.State {
	case "done":
		return nil
	case "interrupted":
		return withCode(exitError, fmt.Errorf("import job %s was interrupted by a restart of the hub: resume it (Indicators page)", j.ID))
	}
	return withCode(exitError, fmt.Errorf("import job %s failed: %s", j.ID, j.Error))
}

func printJob(g *globalOptions, j hubclient.ImportJob) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}

// hubErr gives a hub that cannot be used its exit code.
func hubErr(err error) error {
	var ue *hubclient.UnreachableError
	var te *hubclient.TokenError
	if errors.As(err, &ue) || errors.As(err, &te) {
		return withCode(exitHub, err)
	}
	return withCode(exitError, err)
}
