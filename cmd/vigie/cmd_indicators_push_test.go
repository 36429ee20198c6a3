package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
)

// vigie indicators push sends a file to the hub as an import job and, with
// --wait, follows it to the end: the valid items are stored, the bad one
// is counted; a party's sensor token is refused (exit 4).
func TestIndicatorsPush(t *testing.T) {
	h := hubtest.Start(t)
	file := filepath.Join(t.TempDir(), "feed.csv")
	os.WriteFile(file, []byte("type,value\ndomain,push1.example.org\nipv4,300.1.1.1\ndomain,push2.example.org\n"), 0o600)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"indicators", "push", "--hub", h.URL, "--token", h.AnalystToken, "--wait", "--every", "100ms", "--json", file}, strings.NewReader(""), &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	var j struct {
		State             string
		Created, Problems int64
		Name              string
	}
	if err := json.Unmarshal(out.Bytes(), &j); err != nil || j.State != "done" || j.Created != 2 || j.Problems != 1 || j.Name != "feed.csv" {
		t.Fatalf("job %+v %v: %s", j, err, out.String())
	}
	if body := string(h.Call("GET", "/api/v1/indicators?q=push2.example.org", nil)); !strings.Contains(body, "push2.example.org") {
		t.Errorf("not stored: %s", body)
	}
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"indicators", "push", "--hub", h.URL, "--token", h.SensorToken, file}, strings.NewReader(""), &out, &errb); code != exitHub {
		t.Errorf("a sensor token: exit %d, want %d: %s", code, exitHub, errb.String())
	}
	if code := run(context.Background(), []string{"indicators", "push", "--hub", h.URL, "--token", h.AnalystToken}, strings.NewReader(""), &out, &errb); code != exitUsage {
		t.Errorf("no file: exit %d", code)
	}
}
