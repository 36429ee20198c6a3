package milter

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestMilterMetrics: /metrics counts messages by verdict and action, the
// messages let through unchecked, and shows the hub link; /healthz
// answers while the milter serves.
func TestMilterMetrics(t *testing.T) {
	srv := &Server{Policy: DefaultPolicy(), Host: "mx-test"}
	addr := serve(t, srv)
	pulled := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	hs := httptest.NewServer(srv.Handler(func() (time.Time, int) { return pulled, 3 }))
	defer hs.Close()

	deliver(t, addr, [][2]string{{"From", "Jean <jean@example.org>"}, {"Subject", "Réunion"}}, "Bonjour, à jeudi.\r\n")
	deliver(t, addr, phishHeaders, phishBody)
	deliver(t, addr, phishHeaders, phishBody)
	srv.Policy.Timeout = time.Nanosecond // analysis cannot finish: let through, unchecked
	deliver(t, addr, [][2]string{{"From", "a@example.org"}}, "x\r\n")

	// the analysis that was given up on still ends, and frees its bytes
	for deadline := time.Now().Add(5 * time.Second); srv.InFlight() != 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	resp, err := http.Get(hs.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMetrics(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]float64{
		`vigie_milter_up`: 1,
		`vigie_milter_messages_total{verdict="clean"}`:     1,
		`vigie_milter_messages_total{verdict="phishing"}`:  2,
		`vigie_milter_messages_total{verdict="malicious"}`: 0,
		`vigie_milter_actions_total{action="quarantine"}`:  2,
		`vigie_milter_actions_total{action="accept"}`:      2,
		`vigie_milter_unchecked_total`:                     1,
		`vigie_milter_in_flight_bytes`:                     0,
		`vigie_milter_connections_total`:                   4,
		`vigie_hub_last_pull_time_seconds`:                 float64(pulled.Unix()),
		`vigie_hub_spool_batches`:                          3,
	} {
		if got, ok := m[k]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, want)
		}
	}
	resp, err = http.Get(hs.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/healthz: %s", resp.Status)
	}
}

func TestParseMetrics(t *testing.T) {
	m, err := ParseMetrics(strings.NewReader("# HELP x y\n# TYPE x counter\nx 3\ny{a=\"b c\"} 1.5\nbroken\nz notanumber\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 || m["x"] != 3 || m[`y{a="b c"}`] != 1.5 {
		t.Errorf("%v", m)
	}
}
