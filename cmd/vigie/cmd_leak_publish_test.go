package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLeakPublishCommand verifies a small dump, publishes the statement
// offline with a key made by ssh-keygen, and checks it with ssh-keygen -Y
// verify exactly as the command prints.
func TestLeakPublishCommand(t *testing.T) {
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("ssh-keygen is absent")
	}
	dir := t.TempDir()
	dump := filepath.Join(dir, "dump")
	os.MkdirAll(dump, 0o755)
	os.WriteFile(filepath.Join(dump, "a.eml"), []byte("From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\nMessage-ID: <a1@example.org>\r\nDate: Fri, 05 May 2017 10:00:00 +0200\r\n\r\nHello\r\n"), 0o644)
	os.WriteFile(filepath.Join(dump, "private.eml"), []byte("From: c@example.org\r\nSubject: my health\r\n\r\nprivate\r\n"), 0o644)
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"leak", "verify", "--no-dns", "--out", out, dump}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("verify: exit %d: %s", code, stderr.String())
	}
	key := filepath.Join(dir, "agency")
	if b, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, b)
	}
	withhold := filepath.Join(dir, "withhold.txt")
	os.WriteFile(withhold, []byte("# private\ndump/private.eml\n"), 0o644)
	st := filepath.Join(dir, "statement")
	stdout.Reset()
	code := run(context.Background(), []string{"leak", "publish", filepath.Join(out, "report.json"), "--key", key, "--out", st, "--identity", "statement@agency.example", "--withhold", withhold, "--title", "Leak of 5 May"}, nil, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("publish: exit %d: %s", code, stderr.String())
	}
	page, _ := os.ReadFile(filepath.Join(st, "statement.html"))
	if !strings.Contains(string(page), "dump/a.eml") || strings.Contains(string(page), "my health") || !strings.Contains(string(page), "1 other item(s)") {
		t.Errorf("statement: withheld item shown or published one missing")
	}
	// the command prints the allowed_signers line and the check
	var allowed string
	for _, l := range strings.Split(stdout.String(), "\n") {
		if a, ok := strings.CutPrefix(strings.TrimSpace(l), "echo '"); ok {
			allowed = strings.TrimSuffix(a, "' > allowed_signers")
		}
	}
	af := filepath.Join(dir, "allowed_signers")
	os.WriteFile(af, []byte(allowed+"\n"), 0o644)
	cmd := exec.Command("ssh-keygen", "-Y", "verify", "-f", af, "-I", "statement@agency.example", "-n", "vigie-statement", "-s", filepath.Join(st, "statement.html.sig"))
	cmd.Stdin = bytes.NewReader(page)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen -Y verify: %v %s (stdout was %s)", err, b, stdout.String())
	}
	for _, args := range [][]string{
		{"leak", "publish", filepath.Join(out, "report.json"), "--out", st},
		{"leak", "publish", filepath.Join(out, "report.json"), "--key", key},
	} {
		if code := run(context.Background(), args, nil, &stdout, &stderr); code != exitUsage {
			t.Errorf("%v: exit %d", args, code)
		}
	}
	if code := run(context.Background(), []string{"leak", "publish", filepath.Join(out, "items.csv"), "--key", key, "--out", st}, nil, &stdout, &stderr); code != exitError {
		t.Errorf("not a report: exit %d", code)
	}
}
