package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/mail/milter"
)

// defaultMetricsAddr is where "vigie mail milter" serves its health by
// default, and where "vigie status" looks for it.
const defaultMetricsAddr = "127.0.0.1:9332"

type statusOptions struct {
	stateDir string
	metrics  string
	maxAge   time.Duration
}

func newStatusCommand(g *globalOptions) *cobra.Command {
	var o statusOptions
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Say whether the sensors are working: the milter, the hub pulls, the sightings spool",
		Long: `Say in plain words whether this machine's sensors are doing their job:

  - the mail milter: is it answering (its --metrics-listen endpoint), how
    many messages it checked, how many went through unchecked;
  - the hub: when the indicators were last pulled (the milter's own figure
    when it runs, else the cache in --state-dir);
  - the spool: how many sightings wait in --state-dir/spool for the hub,
    and how many batches were set aside in spool/rejected/.

When the milter is down, Postfix applies its milter_default_action: with
"accept" mail is delivered unchecked, with "tempfail" it is delayed. Either
way, someone must restart it.

Exit codes:
  0  everything looks right
  1  something needs attention (listed)
  3  usage error`,
		Example: `  vigie status
  vigie status --state-dir /var/lib/vigie --metrics http://127.0.0.1:9332
  vigie status --metrics none        # no milter on this machine`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStatus(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.stateDir, "state-dir", "", "the sensors' state directory (default: the user cache directory/vigie)")
	f.StringVar(&o.metrics, "metrics", "http://"+defaultMetricsAddr, `the milter's metrics endpoint ("none": no milter here)`)
	f.DurationVar(&o.maxAge, "max-age", 24*time.Hour, "a hub pull or a waiting sighting older than this needs attention")
	return cmd
}

func runStatus(ctx context.Context, g *globalOptions, o statusOptions) error {
	state := o.stateDir
	if state == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			return usageError("no state directory (give --state-dir): %v", err)
		}
		state = filepath.Join(d, "vigie")
	}
	now := time.Now()
	w := g.stdout
	var problems []string

	// the milter
	var lastPull time.Time
	if o.metrics != "" && o.metrics != "none" {
		m, err := fetchMetrics(ctx, o.metrics)
		if err != nil {
			fmt.Fprintf(w, "Mail milter: NOT ANSWERING at %s (%v).\n", o.metrics, err)
			fmt.Fprintln(w, "  Postfix now applies milter_default_action: with accept, mail is delivered unchecked; with tempfail, it is delayed.")
			fmt.Fprintln(w, "  Restart it (systemctl restart vigie-milter) and look at its log (journalctl -u vigie-milter).")
			problems = append(problems, "the mail milter is not answering")
		} else {
			started := time.Unix(int64(m["vigie_milter_start_time_seconds"]), 0)
			var parts []string
			total := 0.0
			for _, v := range []string{"clean", "suspicious", "phishing", "malicious"} {
				n := m[`vigie_milter_messages_total{verdict="`+v+`"}`]
				total += n
				parts = append(parts, fmt.Sprintf("%s %.0f", v, n))
			}
			fmt.Fprintf(w, "Mail milter: up since %s (%s), %.0f message(s) checked: %s.\n", started.Local().Format("2006-01-02 15:04"), ago(now, started), total, strings.Join(parts, ", "))
			if n := m["vigie_milter_unchecked_total"]; n > 0 {
				fmt.Fprintf(w, "  %.0f message(s) could not be checked in time and were handled by the on-failure policy (see its log).\n", n)
			}
			if n := m["vigie_milter_in_flight_bytes"]; n > 0 {
				fmt.Fprintf(w, "  %s of mail being received or checked now.\n", byteSize(int64(n)))
			}
			if ts, ok := m["vigie_hub_last_pull_time_seconds"]; ok {
				if ts > 0 {
					lastPull = time.Unix(int64(ts), 0)
				} else {
					fmt.Fprintln(w, "  It has not reached the hub since it started: it uses the indicators it had.")
				}
			}
		}
	}

	// the hub pulls
	cachePath := filepath.Join(state, "hub-indicators.json")
	pulled, n, err := hubclient.CacheStatus(cachePath)
	switch {
	case err != nil:
		fmt.Fprintf(w, "Hub: the indicator cache %s cannot be read (%v).\n", cachePath, err)
		problems = append(problems, "the indicator cache cannot be read")
	case lastPull.IsZero() && pulled.IsZero():
		fmt.Fprintf(w, "Hub: no indicators pulled yet into %s (sensors use the built-in pack and --iocs files).\n", state)
	default:
		if lastPull.IsZero() || pulled.After(lastPull) {
			lastPull = pulled
		}
		fmt.Fprintf(w, "Hub: indicators last pulled %s (%s); %d in the cache.\n", lastPull.Local().Format("2006-01-02 15:04"), ago(now, lastPull), n)
		if now.Sub(lastPull) > o.maxAge {
			fmt.Fprintln(w, "  That is old: check the hub address, the token and the network (the sensors keep using the last indicators).")
			problems = append(problems, "the last hub pull is older than "+o.maxAge.String())
		}
	}

	// the spool
	sp := &hubclient.Spool{Dir: filepath.Join(state, "spool")}
	st, err := sp.Status()
	switch {
	case err != nil:
		fmt.Fprintf(w, "Spool: %s cannot be read (%v).\n", sp.Dir, err)
		problems = append(problems, "the spool cannot be read")
	case st.Batches == 0:
		fmt.Fprintf(w, "Spool: no sightings wait for the hub (%s).\n", sp.Dir)
	default:
		fmt.Fprintf(w, "Spool: %d sighting(s) in %d batch(es) wait for the hub in %s; the oldest since %s (%s).\n",
			st.Sightings, st.Batches, sp.Dir, st.Oldest.Local().Format("2006-01-02 15:04"), ago(now, st.Oldest))
		fmt.Fprintln(w, "  They are sent when the hub answers (every run of a sensor, every minute for the milter).")
		if now.Sub(st.Oldest) > o.maxAge {
			problems = append(problems, "sightings have waited for the hub longer than "+o.maxAge.String())
		}
	}
	if st.Unreadable > 0 {
		fmt.Fprintf(w, "  %d batch file(s) cannot be read.\n", st.Unreadable)
		problems = append(problems, "spool files cannot be read")
	}
	if st.Rejected > 0 {
		fmt.Fprintf(w, "  %d batch(es) the hub refused are kept in %s for someone to look at.\n", st.Rejected, filepath.Join(sp.Dir, "rejected"))
		problems = append(problems, "the hub refused some sightings")
	}

	if len(problems) > 0 {
		fmt.Fprintf(w, "Needs attention: %s.\n", strings.Join(problems, "; "))
		return withCode(exitFindings, nil)
	}
	fmt.Fprintln(w, "All right.")
	return nil
}

// fetchMetrics reads the milter's /metrics.
func fetchMetrics(ctx context.Context, base string) (map[string]float64, error) {
	u := strings.TrimSuffix(base, "/")
	if !strings.HasSuffix(u, "/metrics") {
		u += "/metrics"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) && ue.Unwrap() != nil {
			err = ue.Unwrap()
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return nil, fmt.Errorf("%s answered %s", u, resp.Status)
	}
	m, err := milter.ParseMetrics(resp.Body)
	if err != nil {
		return nil, err
	}
	if m["vigie_milter_up"] != 1 {
		return nil, fmt.Errorf("%s is not a vigie milter's metrics", u)
	}
	return m, nil
}

// ago says how long ago t was, in round words.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "in the future: check this machine's clock"
	case d < 2*time.Minute:
		return "just now"
	case d < 2*time.Hour:
		return fmt.Sprintf("%d minutes ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
