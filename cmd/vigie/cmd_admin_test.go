package main

import (
	"strings"
	"testing"
)

// TestAdmin checks the interface scripts rely on: org create/list (name
// first, kind among the columns) and token create (the token on the last
// line).
func TestAdmin(t *testing.T) {
	dir := t.TempDir()
	if code, _, e := vigie(t, "", "admin", "org", "create", "Agency", "--kind", "agency", "--data", dir); code != 0 {
		t.Fatalf("org create: %d %s", code, e)
	}
	if code, _, e := vigie(t, "", "admin", "org", "create", "Parti Exemple", "--kind", "party", "--data", dir); code != 0 {
		t.Fatalf("org create: %d %s", code, e)
	}
	if code, _, _ := vigie(t, "", "admin", "org", "create", "X", "--kind", "club", "--data", dir); code != exitUsage {
		t.Fatalf("bad kind: %d", code)
	}
	if code, _, e := vigie(t, "", "admin", "org", "create", "Agency", "--kind", "agency", "--data", dir); code != exitError || !strings.Contains(e, "already exists") {
		t.Fatalf("duplicate: %d %s", code, e)
	}
	_, out, _ := vigie(t, "", "admin", "org", "list", "--data", dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "Agency ") || !strings.Contains(lines[0], "agency") || !strings.HasPrefix(lines[1], "Parti Exemple ") || !strings.Contains(lines[1], "party") {
		t.Fatalf("org list:\n%s", out)
	}
	code, out, e := vigie(t, "", "admin", "token", "create", "--org", "Parti Exemple", "--role", "sensor", "--data", dir)
	if code != 0 {
		t.Fatalf("token create: %d %s", code, e)
	}
	ls := strings.Split(strings.TrimSpace(out), "\n")
	if tok := ls[len(ls)-1]; !strings.HasPrefix(tok, "vgt_") || len(tok) < 40 {
		t.Fatalf("last line is not the token: %q", out)
	}
	if code, _, _ := vigie(t, "", "admin", "token", "create", "--org", "Parti Exemple", "--role", "root", "--data", dir); code != exitUsage {
		t.Fatalf("bad role: %d", code)
	}
	if code, _, e := vigie(t, "", "admin", "token", "create", "--org", "Nobody", "--role", "sensor", "--data", dir); code != exitError || !strings.Contains(e, "Nobody") {
		t.Fatalf("unknown org: %d %s", code, e)
	}
	_, out, _ = vigie(t, "", "admin", "token", "list", "--data", dir)
	if !strings.Contains(out, "Parti Exemple") || !strings.Contains(out, "active") {
		t.Fatalf("token list: %s", out)
	}
	if code, out, _ := vigie(t, "", "admin", "token", "revoke", "1", "--data", dir); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %d %s", code, out)
	}
	if code, _, _ := vigie(t, "", "admin", "token", "revoke", "1", "--data", dir); code != exitError {
		t.Fatalf("revoke twice: %d", code)
	}
	if code, out, e := vigie(t, "a long enough passphrase\n", "admin", "user", "create", "ann", "--org", "Parti Exemple", "--role", "admin", "--password-stdin", "--data", dir); code != 0 || strings.Contains(out, "password (shown once)") {
		t.Fatalf("user create: %d %s %s", code, out, e)
	}
	if code, _, e := vigie(t, "short\n", "admin", "user", "create", "bob", "--org", "Parti Exemple", "--password-stdin", "--data", dir); code != exitError || !strings.Contains(e, "too short") {
		t.Fatalf("short password: %d %s", code, e)
	}
	if code, out, _ := vigie(t, "", "admin", "user", "reset", "ann", "--totp", "--data", dir); code != 0 || !strings.Contains(out, "password (shown once)") {
		t.Fatalf("reset: %d %s", code, out)
	}
	_, out, _ = vigie(t, "", "admin", "user", "list", "--data", dir)
	if !strings.HasPrefix(out, "ann ") {
		t.Fatalf("user list: %s", out)
	}
	if code, _, _ := vigie(t, "", "serve", "--tls-cert", "x.pem", "--data", dir); code != exitUsage {
		t.Fatalf("serve with half a TLS pair: %d", code)
	}
}
