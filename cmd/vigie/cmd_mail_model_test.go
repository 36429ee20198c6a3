package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
	"github.com/vigie-project/vigie/internal/mail"
	"github.com/vigie-project/vigie/internal/mail/model/modeltest"
)

// TestMailModelUploadAndCheck: the agency uploads the model its 'vigie
// mail learn' wrote; a party's 'vigie mail check --hub' pulls it into its
// state directory and runs with it; a file that is not a model is not
// uploaded, and a sensor token cannot upload.
func TestMailModelUploadAndCheck(t *testing.T) {
	h := hubtest.Start(t)
	dir := t.TempDir()
	m := modeltest.Trained(t, "agency model of the week")
	file := filepath.Join(dir, "agency.bin")
	if err := m.Save(file); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runMailCmd(t, "", "model", "upload", file, "--hub", h.URL, "--token", h.AnalystToken)
	if code != 0 || !strings.Contains(out, "mail model version 1 stored") {
		t.Fatalf("upload: exit %d\n%s%s", code, out, stderr)
	}
	if code, _, stderr := runMailCmd(t, "", "model", "upload", file, "--hub", h.URL, "--token", h.SensorToken); code != exitHub || !strings.Contains(stderr, "refused") {
		t.Errorf("a party's sensor token uploaded a model: exit %d %s", code, stderr)
	}
	junk := filepath.Join(dir, "junk.bin")
	os.WriteFile(junk, []byte("not a model"), 0o644)
	if code, _, stderr := runMailCmd(t, "", "model", "upload", junk, "--hub", h.URL, "--token", h.AnalystToken); code != exitError || !strings.Contains(stderr, "not a Vigie mail model") {
		t.Errorf("junk uploaded: exit %d %s", code, stderr)
	}

	msg := filepath.Join(dir, "m.eml")
	os.WriteFile(msg, []byte("From: Jean <jean@example.org>\r\nTo: c@party.example\r\nSubject: notes\r\nMessage-ID: <n1@example.org>\r\n\r\nSee you at the meeting.\r\n"), 0o644)
	state := t.TempDir()
	code, out, stderr = runMailCmd(t, "", "check", "--hub", h.URL, "--token", h.SensorToken, "--state-dir", state, msg)
	if code != 0 || stderr != "" {
		t.Fatalf("check --hub: exit %d\n%s%s", code, out, stderr)
	}
	got, err := os.ReadFile(filepath.Join(state, mail.HubModelFile))
	want, _ := os.ReadFile(file)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the agency's model is not in the state directory (%v)", err)
	}
	if in, from, err := mail.ResolveModel("", state); err != nil || in.Note != m.Note || filepath.Base(from) != mail.HubModelFile {
		t.Errorf("model in force: %q from %s (%v)", in.Note, from, err)
	}
}
