package scanrun

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
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
