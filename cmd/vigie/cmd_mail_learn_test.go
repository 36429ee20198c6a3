package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMailLearn: learn writes a model that check then uses, from --model
// or from the state directory; bad inputs are clear errors.
func TestMailLearn(t *testing.T) {
	dir := t.TempDir()
	ham := filepath.Join(dir, "ham")
	if err := os.MkdirAll(ham, 0o755); err != nil {
		t.Fatal(err)
	}
	msg := "From: Tresorerie <tresorerie@example.org>\r\nTo: c.martin@example.org\r\nSubject: Dons du mois\r\nMessage-ID: <a.1@example.org>\r\n\r\nLe virement des dons du mois est parti ce matin.\r\n"
	if err := os.WriteFile(filepath.Join(ham, "1.eml"), []byte(msg), 0o644); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "party.bin")
	code, out, errs := vigie(t, "", "mail", "learn", "--ham", ham, "--model", model, "--state-dir", dir)
	if code != exitOK || !strings.Contains(out, "learned 1 legitimate and 0 phishing") || !strings.Contains(out, "built-in") {
		t.Fatalf("learn: code %d, out %q, err %q", code, out, errs)
	}
	// a second run starts from the file it wrote
	if code, out, _ := vigie(t, "", "mail", "learn", "--ham", ham, "--model", model, "--state-dir", dir); code != exitOK || !strings.Contains(out, "starting from the "+model) {
		t.Errorf("second learn: code %d, out %q", code, out)
	}
	if code, _, errs := vigie(t, "", "mail", "check", "--model", model, filepath.Join(ham, "1.eml")); code != exitOK {
		t.Errorf("check with the learned model: code %d, err %q", code, errs)
	}
	if code, _, errs := vigie(t, "", "mail", "check", "--model", filepath.Join(dir, "none.bin"), filepath.Join(ham, "1.eml")); code != exitError || !strings.Contains(errs, "none.bin") {
		t.Errorf("check with a missing model: code %d, err %q", code, errs)
	}
	if code, _, _ := vigie(t, "", "mail", "learn", "--model", model); code != exitUsage {
		t.Errorf("learn without mail: code %d, want %d", code, exitUsage)
	}
	if code, _, errs := vigie(t, "", "mail", "learn", "--ham", filepath.Join(dir, "missing"), "--model", model); code != exitError || !strings.Contains(errs, "missing") {
		t.Errorf("learn from a missing directory: code %d, err %q", code, errs)
	}
}
