package scanrun

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/sweep"
)

// TestAgainstTheRealHub runs the scan against Vigie's own hub: the agency
// publishes a file-name indicator to every party, a party's sensor token
// pulls it, the scan finds the file, and the sighting reaches the hub once
// even though two runs report it.
func TestAgainstTheRealHub(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	actor := store.Actor{Name: "test"}
	agency, err := st.CreateOrg(ctx, actor, "Agency", store.KindAgency)
	if err != nil {
		t.Fatal(err)
	}
	party, err := st.CreateOrg(ctx, actor, "Party A", store.KindParty)
	if err != nil {
		t.Fatal(err)
	}
	analyst, err := hub.CreateToken(ctx, st, actor, agency.ID, "analyst", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	sensor, err := hub.CreateToken(ctx, st, actor, party.ID, "sensor", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(hub.New(hub.Options{Store: st, BodyLimit: 1 << 20, ImportLimit: 256 << 10}))
	defer ts.Close()

	call := func(method, path, tok string, body any) []byte {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, ts.URL+path, rd)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: HTTP %d %s", method, path, resp.StatusCode, out)
		}
		return out
	}
	call("POST", "/api/v1/indicators", analyst.Secret, map[string]any{
		"items": []map[string]any{{"type": "filename", "value": "hubtool.exe"}}, "distribution": "all"})

	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "hubtool.exe"), []byte("x"), 0o644)
	cfg := Config{Paths: []string{root}, NoBuiltin: true, HubURL: ts.URL, HubToken: sensor.Secret, StateDir: t.TempDir(), Format: "jsonl", Sweep: sweep.Options{Threads: 1}}
	for run := 1; run <= 2; run++ {
		var out, errb bytes.Buffer
		res, err := Run(ctx, cfg, &out, &errb)
		if err != nil || res.Findings != 1 || errb.Len() != 0 {
			t.Fatalf("run %d: %+v %v\n%s", run, res, err, errb.String())
		}
	}
	body := string(call("GET", "/api/v1/sightings", analyst.Secret, nil))
	t.Logf("hub sightings: %s", body)
	if n := strings.Count(body, "hubtool.exe"); n != 1 || strings.Contains(body, `"count":2`) {
		t.Errorf("the hub lists %d sightings of hubtool.exe, want 1:\n%s", n, body)
	}
}
