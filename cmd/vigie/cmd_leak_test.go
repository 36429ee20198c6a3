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

// TestLeakVerifyOptions: the report in French, the message size limit,
// several key archives named with their SHA-256 in the header, and exit
// status 130 when interrupted, as the help says.
func TestLeakVerifyOptions(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "dump")
	os.MkdirAll(dump, 0o755)
	os.WriteFile(filepath.Join(dump, "a.eml"), []byte("From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\nDate: Fri, 05 May 2017 10:00:00 +0200\r\n\r\nHello\r\n"), 0o644)
	os.WriteFile(filepath.Join(dump, "big.eml"), []byte("From: Press <press@example.org>\r\nSubject: The big one\r\n\r\n"+strings.Repeat("x", 4096)+"\r\n"), 0o644)
	k1, k2 := filepath.Join(dir, "k1.zone"), filepath.Join(dir, "k2.zone")
	os.WriteFile(k1, []byte("s1._domainkey.example.org. IN TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"), 0o644)
	os.WriteFile(k2, []byte("s2._domainkey.example.org. IN TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"), 0o644)
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"leak", "verify", "--no-dns", "--lang", "fr", "--max-message-size", "2K", "--keys", k1, "--keys", k2, "--out", out, dump}, nil, &stdout, &stderr)
	if code != exitFindings {
		t.Fatalf("exit %d (want 1: big.eml could not be examined): %s", code, stderr.String())
	}
	html, _ := os.ReadFile(filepath.Join(out, "report.html"))
	for _, s := range []string{`lang="fr"`, "Rapport de vérification", "k1.zone", "k2.zone", "--max-message-size", "The big one"} {
		if !strings.Contains(string(html), s) {
			t.Errorf("report.html lacks %q", s)
		}
	}
	if code := run(context.Background(), []string{"leak", "verify", "--lang", "de", "--out", out, dump}, nil, &stdout, &stderr); code != exitUsage {
		t.Errorf("--lang de: exit %d", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stderr.Reset()
	if code := run(ctx, []string{"leak", "verify", "--no-dns", "--restart", "--out", out, dump}, nil, &stdout, &stderr); code != exitSignal {
		t.Errorf("interrupted: exit %d, want 130: %s", code, stderr.String())
	}
}

// TestLeakVerifyProgress: --progress json prints one JSON event per line
// on standard error, the last one done; a bad --progress or --memory is a
// usage error.
func TestLeakVerifyProgress(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "dump")
	os.MkdirAll(dump, 0o755)
	os.WriteFile(filepath.Join(dump, "a.eml"), []byte("From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\nDate: Fri, 05 May 2017 10:00:00 +0200\r\n\r\nHello\r\n"), 0o644)
	var stdout, stderr bytes.Buffer
	out := filepath.Join(dir, "out")
	if code := run(context.Background(), []string{"leak", "verify", "--no-dns", "--progress", "json", "--out", out, dump}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	first, _, _ := strings.Cut(stderr.String(), "\n")
	if !strings.HasPrefix(first, `{"phase":"dump","items":1,`) || !strings.Contains(first, `"total_bytes":`) || !strings.Contains(first, `"done":true`) {
		t.Errorf("progress event: %s", first)
	}
	for _, args := range [][]string{{"--progress", "loud"}, {"--memory", "lots"}} {
		if code := run(context.Background(), append([]string{"leak", "verify", "--no-dns", "--out", out, dump}, args...), nil, &stdout, &stderr); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}
