package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
)

// Sensors and a hub run with --self-signed: without --hub-ca the one-shot
// sensors cannot trust it and exit 4 (not success); with --hub-ca they
// work; once the token is revoked they exit 4 again.
func TestSensorsHubCAAndExitCode(t *testing.T) {
	h := hubtest.StartTLS(t, "hub.party.example")
	h.Publish("domain", "tls-check.example")
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean")
	os.MkdirAll(clean, 0o755)
	os.WriteFile(filepath.Join(clean, "notes.txt"), []byte("hello"), 0o644)
	msg := filepath.Join(dir, "m.eml")
	os.WriteFile(msg, []byte("From: Jean <jean@example.org>\r\nTo: c@party.example\r\nSubject: Lunch\r\nMessage-ID: <l1@example.org>\r\n\r\nSee you at noon.\r\n"), 0o644)
	state := t.TempDir()
	cmds := map[string][]string{
		"scan":       {"scan", "--no-builtin", "--no-progress", "--hub", h.URL, "--token", h.SensorToken, "--state-dir", state, clean},
		"mail check": {"mail", "check", "--no-builtin", "--hub", h.URL, "--token", h.SensorToken, "--state-dir", state, msg},
	}
	runIt := func(args []string) (int, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
		return code, errb.String()
	}
	withCA := func(args []string) []string {
		return append(append([]string{}, args[:len(args)-1]...), "--hub-ca", h.CAFile, args[len(args)-1])
	}
	for name, args := range cmds {
		if code, stderr := runIt(args); code != exitHub || !strings.Contains(stderr, "certificate") {
			t.Errorf("%s without --hub-ca: exit %d, want %d\n%s", name, code, exitHub, stderr)
		}
		if code, stderr := runIt(withCA(args)); code != exitOK {
			t.Errorf("%s with --hub-ca: exit %d\n%s", name, code, stderr)
		}
	}
	h.RevokeSensor()
	for name, args := range cmds {
		if code, stderr := runIt(withCA(args)); code != exitHub || !strings.Contains(stderr, "token") {
			t.Errorf("%s with a revoked token: exit %d, want %d\n%s", name, code, exitHub, stderr)
		}
	}
	if code, _ := runIt([]string{"scan", "--hub-ca", h.CAFile, clean}); code != exitUsage {
		t.Errorf("--hub-ca without --hub: exit %d", code)
	}
}
