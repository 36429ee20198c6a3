package scanrun

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
	"github.com/vigie-project/vigie/internal/report"
	"github.com/vigie-project/vigie/internal/sweep"
)

// TestAgainstTheRealHub runs the scan against Vigie's own hub: the agency
// publishes a file-name indicator to every party, a party's sensor token
// pulls it, the scan finds the file, and the sighting reaches the hub once
// even though two runs report it.
func TestAgainstTheRealHub(t *testing.T) {
	ctx := context.Background()
	h := hubtest.Start(t)
	h.Publish("filename", "hubtool.exe")

	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "hubtool.exe"), []byte("x"), 0o644)
	cfg := Config{Paths: []string{root}, NoBuiltin: true, HubURL: h.URL, HubToken: h.SensorToken, StateDir: t.TempDir(), Format: "jsonl", Sweep: sweep.Options{Threads: 1}}
	for run := 1; run <= 2; run++ {
		var out, errb bytes.Buffer
		res, err := Run(ctx, cfg, &out, &errb)
		if err != nil || res.Findings != 1 || errb.Len() != 0 {
			t.Fatalf("run %d: %+v %v\n%s", run, res, err, errb.String())
		}
	}
	body := string(h.Call("GET", "/api/v1/sightings", nil))
	t.Logf("hub sightings: %s", body)
	if n := strings.Count(body, "hubtool.exe"); n != 1 || strings.Contains(body, `"count":2`) {
		t.Errorf("the hub lists %d sightings of hubtool.exe, want 1:\n%s", n, body)
	}
}

// The findings go with the sightings: the hub keeps what was found, on
// which machine, where, what matched and what to do, for the party.
func TestFindingsReachTheHub(t *testing.T) {
	ctx := context.Background()
	h := hubtest.Start(t)
	h.Publish("filename", "pagemgr.exe")
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "pagemgr.exe"), []byte("x"), 0o644)
	cfg := Config{Paths: []string{root}, NoBuiltin: true, HubURL: h.URL, HubToken: h.SensorToken, StateDir: t.TempDir(), Format: "jsonl",
		Sweep: sweep.Options{Threads: 1, Host: "laptop-7"}}
	for run := 1; run <= 2; run++ {
		var out, errb bytes.Buffer
		if res, err := Run(ctx, cfg, &out, &errb); err != nil || res.Findings != 1 {
			t.Fatalf("run %d: %+v %v\n%s", run, res, err, errb.String())
		}
	}
	var page struct {
		Items []struct {
			Org     string `json:"org"`
			Host    string `json:"host"`
			Finding struct {
				Severity string `json:"severity"`
				Advice   string `json:"advice"`
				Subject  struct {
					Path string `json:"path"`
				} `json:"subject"`
				Match struct {
					Value string `json:"value"`
				} `json:"match"`
			} `json:"finding"`
		} `json:"items"`
	}
	if err := json.Unmarshal(h.Call("GET", "/api/v1/findings", nil), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 {
		t.Fatalf("the hub holds %d findings, want 1 (two runs, one finding): %+v", len(page.Items), page.Items)
	}
	f := page.Items[0]
	if f.Org != "Party A" || f.Host != "laptop-7" || !strings.HasSuffix(f.Finding.Subject.Path, "pagemgr.exe") || f.Finding.Match.Value != "pagemgr.exe" || f.Finding.Advice == "" || f.Finding.Severity == "" {
		t.Errorf("finding on the hub: %+v", f)
	}
}

// A long scan matches an indicator the agency publishes while it runs.
func TestScanReceivesIndicatorWhileRunning(t *testing.T) {
	h := hubtest.Start(t)
	h.Publish("filename", "a-known.exe")
	root := t.TempDir()
	// 50 directories, each with a file the scan knows from the start and
	// one named like the indicator published while it runs (directory
	// order is the file system's, so some come after the first finding)
	for i := range 50 {
		d := filepath.Join(root, fmt.Sprintf("d%02d", i))
		os.Mkdir(d, 0o755)
		os.WriteFile(filepath.Join(d, "a-known.exe"), []byte("x"), 0o644)
		os.WriteFile(filepath.Join(d, "z-published-later.exe"), []byte("y"), 0o644)
	}
	// When the first finding is made, the agency publishes another
	// indicator; the sweep (one thread) waits a few pull intervals.
	out, res := scanPublishingMidway(t, h, root, func() { h.Publish("filename", "z-published-later.exe") })
	if n := strings.Count(out, `"value":"z-published-later.exe"`); n == 0 {
		t.Fatalf("findings %d; the indicator published during the scan never matched:\n%s", res.Findings, out)
	}
}

// A long scan also uses a YARA rule and a hash the agency publishes while
// it runs (neither type was in force when it started), swapped in between
// files.
func TestScanReceivesRulesAndHashesWhileRunning(t *testing.T) {
	h := hubtest.Start(t)
	h.Publish("filename", "a-known.exe")
	root := t.TempDir()
	hashed := []byte("content published as a sha256 later")
	sum := sha256.Sum256(hashed)
	for i := range 40 {
		d := filepath.Join(root, fmt.Sprintf("d%02d", i))
		os.Mkdir(d, 0o755)
		os.WriteFile(filepath.Join(d, "a-known.exe"), []byte("x"), 0o644)
		os.WriteFile(filepath.Join(d, "z-doc.txt"), []byte("plain text with MARKER-LIVE-RULE-7731 inside"), 0o644)
		os.WriteFile(filepath.Join(d, "z-bin.dat"), hashed, 0o644)
	}
	out, res := scanPublishingMidway(t, h, root, func() {
		h.Call("POST", "/api/v1/indicators", map[string]any{"distribution": "all", "items": []map[string]any{
			{"type": "yara", "value": "live_marker", "rule": `rule live_marker { strings: $a = "MARKER-LIVE-RULE-7731" condition: $a }`},
			{"type": "sha256", "value": hex.EncodeToString(sum[:])},
		}})
	})
	if !strings.Contains(out, `live_marker`) {
		t.Errorf("findings %d; the rule published during the scan never matched:\n%s", res.Findings, out)
	}
	if !strings.Contains(out, hex.EncodeToString(sum[:])) {
		t.Errorf("the hash published during the scan never matched:\n%s", out)
	}
}

// scanPublishingMidway scans root following hub h (one thread, pulling
// every 30 ms); when the first a-known.exe is found, publish runs and the
// sweep waits a few pull intervals. It returns the JSON lines and result.
func scanPublishingMidway(t *testing.T, h *hubtest.Hub, root string, publish func()) (string, Result) {
	t.Helper()
	cfg := Config{Paths: []string{root}, NoBuiltin: true, HubURL: h.URL, HubToken: h.SensorToken, StateDir: t.TempDir(), Format: "jsonl",
		Sweep: sweep.Options{Threads: 1}, PullInterval: 30 * time.Millisecond}
	published := false
	cfg.Sweep.OnFinding = func(f *report.Finding) {
		if !published && strings.HasSuffix(f.Subject.Path, "a-known.exe") {
			published = true
			publish()
			time.Sleep(400 * time.Millisecond)
		}
	}
	var out, errb bytes.Buffer
	res, err := Run(context.Background(), cfg, &out, &errb)
	if err != nil {
		t.Fatal(err)
	}
	if !published {
		t.Fatalf("the first file was not found first: %s", out.String())
	}
	return out.String(), res
}
