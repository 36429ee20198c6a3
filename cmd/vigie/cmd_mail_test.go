package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runMailCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"mail"}, args...), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestMailCheck(t *testing.T) {
	dir := t.TempDir()
	clean := "From: Jean <jean@example.org>\r\nTo: c@en-marche.fr\r\nSubject: Réunion\r\nDate: Mon, 1 Feb 2026 10:00:00 +0100\r\n\r\nÀ jeudi.\r\n"
	phish := "From: Office 365 <noreply@accounts-office.fr>\r\nTo: c@en-marche.fr\r\nSubject: Your password expires today\r\nContent-Type: text/html\r\n\r\n<a href=\"https://accounts-office.fr/owa\">Keep the same password</a>\r\n"
	os.WriteFile(filepath.Join(dir, "a-clean.eml"), []byte(clean), 0o644)
	os.WriteFile(filepath.Join(dir, "b-phish.eml"), []byte(phish), 0o644)

	code, out, stderr := runMailCmd(t, "", "check", "--json", "--protect", "en-marche.fr", dir)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitFindings, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %q", out)
	}
	var verdicts []string
	for _, l := range lines {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("not JSON: %v: %s", err, l)
		}
		for _, k := range []string{"file", "verdict", "score", "reasons"} {
			if _, ok := r[k]; !ok {
				t.Errorf("field %s missing in %s", k, l)
			}
		}
		verdicts = append(verdicts, r["verdict"].(string))
	}
	if verdicts[0] != "clean" || verdicts[1] != "phishing" {
		t.Errorf("verdicts %v", verdicts)
	}

	// clean input on stdin: exit 0
	if code, out, _ := runMailCmd(t, clean, "check", "-"); code != 0 || !strings.Contains(out, "-: CLEAN") {
		t.Errorf("stdin: exit %d, %q", code, out)
	}
	// an unreadable message: exit 2, reported
	os.WriteFile(filepath.Join(dir, "c-empty.eml"), nil, 0o644)
	if code, out, stderr := runMailCmd(t, "", "check", filepath.Join(dir, "c-empty.eml")); code != exitError || !strings.Contains(out, "SUSPICIOUS") || !strings.Contains(stderr, "could not be read or parsed") {
		t.Errorf("empty: exit %d, out %q, stderr %q", code, out, stderr)
	}
	// usage
	if code, _, _ := runMailCmd(t, "", "check"); code != exitUsage {
		t.Errorf("no args: exit %d", code)
	}
}
