package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vigie-project/vigie/internal/hubclient"
)

// advisoriesOptions are the flags every advisories subcommand shares.
type advisoriesOptions struct {
	hub, token, ca string
	json           bool
}

func (o *advisoriesOptions) add(f *pflag.FlagSet) {
	f.StringVar(&o.hub, "hub", os.Getenv("VIGIE_HUB"), "hub URL (default $VIGIE_HUB)")
	f.StringVar(&o.token, "token", "", "a personal API token of yours on the hub, not a sensor token (default $VIGIE_TOKEN)")
	f.StringVar(&o.ca, "hub-ca", "", "PEM file of the CA (or self-signed certificate) that the hub's certificate must chain to")
	f.BoolVar(&o.json, "json", false, "write JSON instead of text")
}

// connect makes the hub client from the flags.
func (o *advisoriesOptions) connect() (*hubclient.Client, error) {
	if o.hub == "" {
		return nil, usageError("--hub is required (or set VIGIE_HUB)")
	}
	if o.token == "" {
		o.token = os.Getenv("VIGIE_TOKEN")
	}
	c, err := hubclient.New(o.hub, o.token)
	if err != nil {
		return nil, usageError("--hub/--token: %v", err)
	}
	if o.ca != "" {
		if err := c.TrustCAFile(o.ca); err != nil {
			return nil, usageError("--hub-ca: %v", err)
		}
	}
	return c, nil
}

const advisoriesLong = `Read the agency's advisories without a browser, acknowledge them and tick the
recommended actions your party has done: the same as the hub's Advisories page.
A party sees only the advisories sent to it, and only its own follow-up.

Use a personal API token (made on the hub's Tokens page, role member or
higher); sensor tokens cannot read advisories.

Exit codes:
  0  done
  2  the hub refused or could not be reached (the message says why)
  3  usage error`

func newAdvisoriesCommand(g *globalOptions) *cobra.Command {
	var o advisoriesOptions
	cmd := &cobra.Command{
		Use:   "advisories",
		Short: "Read, acknowledge and follow up the agency's advisories",
		Long:  advisoriesLong,
		Example: `  export VIGIE_HUB=https://hub.example.org VIGIE_TOKEN=vgt_...
  vigie advisories list
  vigie advisories show 7
  vigie advisories ack 7
  vigie advisories tick 7 1 --comment "blocked on our resolver"
  vigie advisories tick 7 1 --undo
  vigie advisories list --json | jq '.[] | select(.receipt.acknowledged_at == null)'`,
	}
	o.add(cmd.PersistentFlags())
	var status string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the advisories you received, newest first, with your follow-up",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAdvisoriesList(cmd.Context(), g, o, status)
		},
	}
	list.Flags().StringVar(&status, "status", "", "only this status: published, withdrawn (the agency: also draft)")
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show an advisory: its text, actions (numbered for tick), indicators and history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := advisoryArg(args[0])
			if err != nil {
				return err
			}
			return runAdvisoryShow(cmd.Context(), g, o, id)
		},
	}
	ack := &cobra.Command{
		Use:   "ack ID",
		Short: "Acknowledge an advisory for your party (again after a revision)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := advisoryArg(args[0])
			if err != nil {
				return err
			}
			return runAdvisoryAck(cmd.Context(), g, o, id)
		},
	}
	var undo bool
	var comment string
	tick := &cobra.Command{
		Use:   "tick ID N",
		Short: "Record that your party did action N of an advisory (N as numbered by show)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := advisoryArg(args[0])
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(args[1])
			if err != nil || n < 1 {
				return usageError("N: %q is not an action number (1, 2, ... as numbered by show)", args[1])
			}
			return runAdvisoryTick(cmd.Context(), g, o, id, n, !undo, comment)
		},
	}
	tick.Flags().BoolVar(&undo, "undo", false, "record the action as not done")
	tick.Flags().StringVar(&comment, "comment", "", "a comment for the agency (at most 1000 characters)")
	cmd.AddCommand(list, show, ack, tick)
	return cmd
}

func advisoryArg(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, usageError("ID: %q is not an advisory number (see vigie advisories list)", s)
	}
	return id, nil
}

func writeJSONOut(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// receiptState says in words where a party stands.
func receiptState(r *hubclient.AdvisoryReceipt, version int) string {
	if r == nil {
		return ""
	}
	s := "unread"
	switch {
	case !r.AckedAt.IsZero() && r.AckedVersion < version:
		s = fmt.Sprintf("acknowledged version %d, now %d", r.AckedVersion, version)
	case !r.AckedAt.IsZero():
		s = "acknowledged"
	case !r.ReadAt.IsZero():
		s = "read"
	}
	if r.Total > 0 {
		s += fmt.Sprintf(", %d/%d actions done", r.Done, r.Total)
	}
	return s
}

func runAdvisoriesList(ctx context.Context, g *globalOptions, o advisoriesOptions, status string) error {
	c, err := o.connect()
	if err != nil {
		return err
	}
	items, err := c.Advisories(ctx, status)
	if err != nil {
		return err
	}
	if o.json {
		if items == nil {
			items = []hubclient.Advisory{}
		}
		return writeJSONOut(g.stdout, items)
	}
	if len(items) == 0 {
		fmt.Fprintln(g.stdout, "No advisory.")
		return nil
	}
	for _, a := range items {
		line := fmt.Sprintf("%-5d %-8s %-18s %-9s %s", a.ID, a.Severity, a.TLP.String(), a.Status, a.Title)
		if st := receiptState(a.Receipt, a.Version); st != "" {
			line += "  [" + st + "]"
		}
		fmt.Fprintln(g.stdout, line)
	}
	return nil
}

func runAdvisoryShow(ctx context.Context, g *globalOptions, o advisoriesOptions, id int64) error {
	c, err := o.connect()
	if err != nil {
		return err
	}
	a, err := c.Advisory(ctx, id)
	if err != nil {
		return err
	}
	if o.json {
		return writeJSONOut(g.stdout, a)
	}
	w := g.stdout
	fmt.Fprintf(w, "%s\n%s · %s · %s · %s", a.Title, a.Tracking, a.Severity, a.TLP.String(), a.Status)
	if a.Version > 0 {
		fmt.Fprintf(w, " · version %d", a.Version)
	}
	fmt.Fprintln(w)
	if st := receiptState(a.Receipt, a.Version); st != "" {
		fmt.Fprintf(w, "Your party: %s\n", st)
	}
	fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(a.Body))
	if acts := a.CurrentActions(); len(acts) > 0 {
		fmt.Fprintln(w, "\nRecommended actions (tick them with: vigie advisories tick", a.ID, "N):")
		for i, x := range acts {
			mark := "[ ]"
			t, ok := a.Ticks[x.ID]
			if ok && t.Done {
				mark = "[x]"
			}
			fmt.Fprintf(w, "  %d. %s %s\n", i+1, mark, x.Text)
			if ok && t.By != "" {
				fmt.Fprintf(w, "        %s, %s", t.By, t.At.UTC().Format("2006-01-02 15:04 UTC"))
				if t.Comment != "" {
					fmt.Fprintf(w, ": %s", t.Comment)
				}
				fmt.Fprintln(w)
			}
		}
	}
	if len(a.Indicators) > 0 {
		fmt.Fprintln(w, "\nIndicators (your sensors receive them):")
		for _, ind := range a.Indicators {
			fmt.Fprintf(w, "  %s %s\n", ind.Type, ind.Value)
		}
	}
	if len(a.Revisions) > 0 {
		fmt.Fprintln(w, "\nHistory:")
		for _, r := range a.Revisions {
			fmt.Fprintf(w, "  version %d, %s: %s\n", r.Version, r.At.UTC().Format("2006-01-02 15:04 UTC"), r.Summary)
		}
	}
	return nil
}

func runAdvisoryAck(ctx context.Context, g *globalOptions, o advisoriesOptions, id int64) error {
	c, err := o.connect()
	if err != nil {
		return err
	}
	if err := c.AcknowledgeAdvisory(ctx, id); err != nil {
		return err
	}
	if o.json {
		return writeJSONOut(g.stdout, map[string]any{"advisory": id, "status": "acknowledged"})
	}
	fmt.Fprintf(g.stdout, "Advisory %d acknowledged: the agency sees it.\n", id)
	return nil
}

func runAdvisoryTick(ctx context.Context, g *globalOptions, o advisoriesOptions, id int64, n int, done bool, comment string) error {
	c, err := o.connect()
	if err != nil {
		return err
	}
	a, err := c.Advisory(ctx, id)
	if err != nil {
		return err
	}
	acts := a.CurrentActions()
	if n > len(acts) {
		return usageError("advisory %d has %d actions: N must be 1 to %d", id, len(acts), len(acts))
	}
	x := acts[n-1]
	if err := c.TickAdvisoryAction(ctx, id, x.ID, done, comment); err != nil {
		return err
	}
	if o.json {
		return writeJSONOut(g.stdout, map[string]any{"advisory": id, "action": x.ID, "text": x.Text, "done": done})
	}
	state := "done"
	if !done {
		state = "not done"
	}
	fmt.Fprintf(g.stdout, "Recorded: %q %s.\n", x.Text, state)
	return nil
}
