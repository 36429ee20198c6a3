package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBackupUnderLoad takes a backup while sightings are being written,
// restores it into a new data directory, and finds there every sighting
// the store acknowledged before the backup started.
func TestBackupUnderLoad(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	party, _ := s.CreateOrg(ctx, cli, "Party A", KindParty)
	var (
		acked   sync.Map // client id -> batch number
		batches atomic.Int64
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	base := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	wg.Go(func() {
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			batch := make([]Sighting, 200)
			for i := range batch {
				batch[i] = Sighting{ClientID: fmt.Sprintf("laptop/%d-%d", n, i), Type: "domain", Value: fmt.Sprintf("h%d.example", i), ObservedAt: base, Count: 1, Sensor: "dns"}
			}
			if _, err := s.AddSightings(ctx, party.ID, batch, Correlation{}); err != nil {
				t.Error(err)
				return
			}
			for _, it := range batch {
				acked.Store(it.ClientID, n)
			}
			batches.Add(1)
		}
	})
	for batches.Load() < 20 {
		time.Sleep(5 * time.Millisecond)
	}
	var before []string // acknowledged before the backup starts
	acked.Range(func(k, _ any) bool { before = append(before, k.(string)); return true })
	backup := filepath.Join(t.TempDir(), "vigie-backup.db")
	info, err := s.Backup(ctx, backup)
	during := batches.Load()
	time.Sleep(50 * time.Millisecond) // writes go on after the backup
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if info.Sightings < int64(len(before)) || info.SchemaVersion < 4 || info.Bytes == 0 {
		t.Fatalf("backup info %+v, %d acknowledged before", info, len(before))
	}
	if _, err := s.Backup(ctx, backup); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("backup over an existing file: %v", err)
	}
	// Restore into a fresh data directory and open it as the hub would.
	restored := t.TempDir()
	if _, err := Restore(ctx, backup, restored); err != nil {
		t.Fatal(err)
	}
	r, err := Open(ctx, Config{DataDir: restored})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	have := map[string]bool{}
	rows, err := r.r.Query("SELECT client_id FROM sightings")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		have[id] = true
	}
	rows.Close()
	for _, id := range before {
		if !have[id] {
			t.Fatalf("sighting %s acknowledged before the backup is missing from it (%d of %d there)", id, len(have), len(before))
		}
	}
	t.Logf("%d sightings acknowledged before the backup, %d in it, %d batches written by its end", len(before), len(have), during)
	if orgs, _ := r.AllOrgs(ctx); len(orgs) != 1 || orgs[0].Name != "Party A" {
		t.Fatalf("restored organisations: %v", orgs)
	}
	// Restoring over a database keeps the old one aside.
	if _, err := Restore(ctx, backup, restored); err != nil {
		t.Fatal(err)
	}
	kept, _ := filepath.Glob(filepath.Join(restored, "vigie.db.before-restore-*"))
	if len(kept) == 0 {
		t.Fatal("the replaced database was not kept")
	}
	// A file that is not a database is refused.
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("not a database at all, just text"), 0o600)
	if _, err := Restore(ctx, junk, t.TempDir()); err == nil {
		t.Fatal("junk restored")
	}
}

func TestBackupPostgresRefused(t *testing.T) {
	s, _ := openPostgres(t)
	if _, err := s.Backup(context.Background(), filepath.Join(t.TempDir(), "x.db")); err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("PostgreSQL backup: %v", err)
	}
}
