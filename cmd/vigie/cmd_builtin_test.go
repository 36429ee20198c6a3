package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
	"github.com/vigie-project/vigie/internal/indicator/pack"
)

// The built-in pack can be loaded into a hub without the source tree:
// convert --builtin writes a STIX bundle the hub imports whole (every YARA
// rule compiles, no range is too wide).
func TestConvertBuiltinImportsIntoAHub(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pack.json")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"indicators", "convert", "--builtin", "--to", "stix", out}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want, err := pack.Load()
	if err != nil {
		t.Fatal(err)
	}
	h := hubtest.Start(t)
	body, _ := os.ReadFile(out)
	req, _ := http.NewRequest("POST", h.URL+"/api/v1/indicators/import?format=stix", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+h.AnalystToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep struct {
		Created  int `json:"created"`
		Warned   int `json:"warninglisted"`
		Problems []any
	}
	json.NewDecoder(resp.Body).Decode(&rep)
	if resp.StatusCode != 200 || rep.Created+rep.Warned < len(want.Indicators)*9/10 {
		t.Fatalf("import: HTTP %d, %+v (pack has %d)", resp.StatusCode, rep, len(want.Indicators))
	}
	if code := run(context.Background(), []string{"indicators", "convert", "--to", "stix"}, strings.NewReader(""), &stdout, &stderr); code != exitUsage {
		t.Errorf("no IN and no --builtin: exit %d", code)
	}
}
