package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	// Into a directory, keeping the newest two.
	backups := t.TempDir()
	for i := range 3 {
		if code, _, e := vigie(t, "", "admin", "backup", backups, "--keep", "2", "--data", dir); code != 0 {
			t.Fatalf("backup %d into a directory: %d %s", i, code, e)
		}
		time.Sleep(1100 * time.Millisecond) // names have one-second resolution
	}
	if kept, _ := filepath.Glob(filepath.Join(backups, "vigie-*.db")); len(kept) != 2 {
		t.Fatalf("--keep 2 left %v", kept)
	}
	if code, _, _ := vigie(t, "", "admin", "backup", file+"3", "--keep", "2", "--data", dir); code != exitUsage {
		t.Fatalf("--keep with a file: %d", code)
	}
	if code, _, e := vigie(t, "", "admin", "backup", file+"2", "--db", "postgres://nobody@127.0.0.1:1/x"); code != exitError || e == "" {
		t.Fatalf("backup of an unreachable PostgreSQL: %d %s", code, e)
	}
}
