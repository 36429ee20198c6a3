package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLeakVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "dump")
	os.MkdirAll(dump, 0o755)
	os.WriteFile(filepath.Join(dump, "a.eml"), []byte("From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\nDate: Fri, 05 May 2017 10:00:00 +0200\r\n\r\nHello\r\n"), 0o644)
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"leak", "verify", "--no-dns", "--out", out, dump}, nil, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, f := range []string{"report.html", "report.json", "items.csv"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(stderr.String(), "unverifiable 1") {
		t.Errorf("summary: %s", stderr.String())
	}
	// A broken document: report written, exit 1.
	os.WriteFile(filepath.Join(dump, "b.docx"), []byte("PK\x03\x04broken"), 0o644)
	stderr.Reset()
	if code := run(context.Background(), []string{"leak", "verify", "--no-dns", "--out", out, dump}, nil, &stdout, &stderr); code != exitFindings {
		t.Fatalf("exit %d, want 1: %s", code, stderr.String())
	}
	if code := run(context.Background(), []string{"leak", "verify", dump}, nil, &stdout, &stderr); code != exitUsage {
		t.Fatalf("no --out: exit %d", code)
	}
	if code := run(context.Background(), []string{"leak", "verify", "--no-dns", "--out", out, filepath.Join(dir, "missing")}, nil, &stdout, &stderr); code != exitError {
		t.Fatalf("missing dump: exit %d", code)
	}
}
