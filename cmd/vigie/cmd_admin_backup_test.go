package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/store"
)

// TestAdminBackupRestore: vigie admin backup copies a hub's database and
// vigie admin restore brings it back into another data directory.
func TestAdminBackupRestore(t *testing.T) {
	dir := t.TempDir()
	if code, _, e := vigie(t, "", "admin", "org", "create", "Parti Exemple", "--kind", "party", "--data", dir); code != 0 {
		t.Fatalf("org create: %d %s", code, e)
	}
	file := filepath.Join(t.TempDir(), "vigie-backup.db")
	code, out, e := vigie(t, "", "admin", "backup", file, "--data", dir)
	if code != 0 || !strings.Contains(out, "backup written to "+file) {
		t.Fatalf("backup: %d %s %s", code, out, e)
	}
	if code, _, e := vigie(t, "", "admin", "backup", file, "--data", dir); code != exitError || !strings.Contains(e, "exists") {
		t.Fatalf("backup over a file: %d %s", code, e)
	}
	other := t.TempDir()
	if code, out, e := vigie(t, "", "admin", "restore", file, "--data", other); code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("restore: %d %s %s", code, out, e)
	}
	s, err := store.Open(context.Background(), store.Config{DataDir: other})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if orgs, _ := s.AllOrgs(context.Background()); len(orgs) != 1 || orgs[0].Name != "Parti Exemple" {
		t.Fatalf("restored: %v", orgs)
	}
	if code, _, e := vigie(t, "", "admin", "backup", file+"2", "--db", "postgres://nobody@127.0.0.1:1/x"); code != exitError || e == "" {
		t.Fatalf("backup of an unreachable PostgreSQL: %d %s", code, e)
	}
}
