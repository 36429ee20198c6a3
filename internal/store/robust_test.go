package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"testing"
	"time"
)

// TestSQLiteSynchronousFull: the writer connection, which commits the
// sightings the hub acknowledges, runs with synchronous=FULL: in WAL mode
// NORMAL may lose the last commits on power failure.
func TestSQLiteSynchronousFull(t *testing.T) {
	s, _ := openSQLite(t)
	var mode, journal string
	if err := s.w.QueryRow("PRAGMA synchronous").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := s.w.QueryRow("PRAGMA journal_mode").Scan(&journal); err != nil {
		t.Fatal(err)
	}
	if mode != "2" || journal != "wal" { // 2 = FULL
		t.Fatalf("writer: synchronous=%s journal_mode=%s, want 2 (FULL) and wal", mode, journal)
	}
}

// TestPostgresReconnect: after PostgreSQL drops every connection of the
// hub (a restart, a failover, pg_terminate_backend), the next request
// works: a broken connection is retried once on a fresh one.
func TestPostgresReconnect(t *testing.T) {
	// A name of its own, so that the test terminates only its connections
	// (other tests may share the server).
	var b [6]byte
	rand.Read(b[:])
	app := "vigie_reconnect_" + hex.EncodeToString(b[:])
	url := TestingPostgres(t) + "&application_name=" + app
	ctx := context.Background()
	s, err := Open(ctx, Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	org, err := s.CreateOrg(ctx, cli, "Party A", KindParty)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", pgURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	for round := range 3 {
		// Fill the pool with idle connections, then kill them all.
		for range 4 {
			if _, err := s.AllOrgs(ctx); err != nil {
				t.Fatal(err)
			}
		}
		res, err := admin.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() AND application_name = $1", app)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			t.Fatal("no backend terminated")
		}
		time.Sleep(100 * time.Millisecond)
		// A read, a write in a transaction and a plain write, each first
		// after the drop.
		if _, err := s.GetOrg(ctx, Viewer{Agency: true}, org.ID); err != nil {
			t.Fatalf("round %d: first read after the drop: %v", round, err)
		}
		killAll(t, admin, app)
		if _, err := s.CreateOrg(ctx, cli, "Party "+string(rune('B'+round)), KindParty); err != nil {
			t.Fatalf("round %d: first transaction after the drop: %v", round, err)
		}
		killAll(t, admin, app)
		if err := s.TouchOrg(ctx, org.ID, time.Now()); err != nil {
			t.Fatalf("round %d: first write after the drop: %v", round, err)
		}
	}
}

func killAll(t *testing.T, admin *sql.DB, app string) {
	t.Helper()
	if _, err := admin.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() AND application_name = $1", app); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
}
