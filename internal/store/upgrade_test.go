package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// previousSchema is the last migration of the hub before indicator
// versions and import jobs (0010): the database an upgrade starts from.
const previousSchema = 9

// oldHub makes the database a hub of the previous schema leaves behind:
// its migrations, an agency, a party, a sensor token and an indicator
// shared with the party, written as that hub wrote them.
func oldHub(t *testing.T, db *sql.DB, dialect Dialect) {
	t.Helper()
	ms, err := (&Store{dialect: dialect}).migrations()
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
	for _, m := range ms {
		if m.version > previousSchema {
			continue
		}
		for _, stmt := range splitSQL(m.sql) {
			exec(stmt)
		}
		exec(fmt.Sprintf("INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, '%s', 1)", m.version, m.name))
	}
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	exec(fmt.Sprintf("INSERT INTO orgs (id, name, kind, created_at) VALUES (1, 'Agency', 'agency', %d), (2, 'Party A', 'party', %d)", at, at))
	exec(fmt.Sprintf("INSERT INTO tokens (id, org_id, role, name, hash, prefix, created_at) VALUES (1, 2, 'sensor', 'scanner', 'h1', 'vgt_old', %d)", at))
	exec(fmt.Sprintf(`INSERT INTO indicators (id, uuid, org_id, type, value, label, distribution, created_at, modified_at, seq)
		VALUES (1, 'indicator--77777777-7777-4777-8777-777777777777', 1, 'domain', 'old.example.org', 'old.example.org', 'all', %d, %d, 1)`, at, at))
	exec("UPDATE counters SET value = 1 WHERE name = 'indicator_seq'")
}

// TestUpgradeFromPreviousSchema: a hub of the previous schema upgraded by
// this one (docs/hub-operations.md, "Upgrade and rollback") keeps its
// organisations, tokens and indicators, which gain their version; new
// versions and import jobs then work.
func TestUpgradeFromPreviousSchema(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) (*sql.DB, Config)
	}{
		{"sqlite", func(t *testing.T) (*sql.DB, Config) {
			dir := t.TempDir()
			db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "vigie.db"))
			if err != nil {
				t.Fatal(err)
			}
			return db, Config{DataDir: dir}
		}},
		{"postgres", func(t *testing.T) (*sql.DB, Config) {
			url := TestingPostgres(t)
			db, err := sql.Open("pgx", url)
			if err != nil {
				t.Fatal(err)
			}
			return db, Config{URL: url}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, cfg := tc.open(t)
			dialect := SQLite
			if cfg.URL != "" {
				dialect = Postgres
			}
			oldHub(t, db, dialect)
			db.Close()
			s, err := Open(ctx, cfg)
			if err != nil {
				t.Fatalf("upgrade: %v", err)
			}
			defer s.Close()
			ms, _ := s.migrations()
			if v, err := s.SchemaVersion(ctx); err != nil || v != ms[len(ms)-1].version {
				t.Fatalf("schema %d after the upgrade (%v)", v, err)
			}
			party := Viewer{OrgID: 2}
			recs, err := s.ListIndicators(ctx, party, IndicatorQuery{Feed: true})
			if err != nil || len(recs) != 1 || recs[0].Value != "old.example.org" || recs[0].Version.IsZero() {
				t.Fatalf("the party's indicator after the upgrade: %+v %v", recs, err)
			}
			if ts, err := s.ListTokens(ctx, party); err != nil || len(ts) != 1 || ts[0].Prefix != "vgt_old" {
				t.Fatalf("tokens after the upgrade: %+v %v", ts, err)
			}
			// A new version of the upgraded indicator keeps the old one.
			agency, actor := Viewer{OrgID: 1, Agency: true}, Actor{OrgID: 1, Name: "test"}
			ind := indicator.Indicator{ID: recs[0].ID, Type: indicator.Domain, Value: "new.example.org", Modified: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
			if _, _, err := s.PutIndicators(ctx, agency, actor, []indicator.Indicator{ind}, PutOptions{}); err != nil {
				t.Fatal(err)
			}
			recs, _ = s.ListIndicators(ctx, party, IndicatorQuery{Feed: true})
			vs, err := s.IndicatorVersions(ctx, recs)
			if err != nil || len(recs) != 1 {
				t.Fatal(err)
			}
			v := vs[recs[0].Ref()]
			if len(v) != 2 || v[0].Indicator.Value != "old.example.org" || v[1].Indicator.Value != "new.example.org" || !v[1].Current {
				t.Fatalf("versions after the upgrade: %+v", v)
			}
			if _, err := s.CreateImportJob(ctx, agency, actor, ImportJob{ID: "import--1", Name: "x.csv", Spool: "/nonexistent"}); err != nil {
				t.Fatalf("import job after the upgrade: %v", err)
			}
		})
	}
}

// TestRollbackRecipe: the backup taken before the upgrade, restored, is
// the previous schema with the previous data — what the previous binary
// opens — and the upgraded database is kept aside.
func TestRollbackRecipe(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	oldHub(t, db, SQLite)
	// 1. Back up (the previous binary's vigie admin backup makes a
	// consistent copy the same way).
	backup := filepath.Join(t.TempDir(), "before-upgrade.db")
	if _, err := db.Exec("VACUUM INTO '" + backup + "'"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// 2. Upgrade, and use the new version a while.
	s, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateOrg(ctx, Actor{Name: "cli"}, "Made after the upgrade", KindParty); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// 3. Roll back: the hub stopped, restore the backup.
	info, err := Restore(ctx, backup, dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.SchemaVersion != previousSchema || info.Indicators != 1 {
		t.Fatalf("restored backup: %+v", info)
	}
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "vigie.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var maxV, orgs int
	raw.QueryRow("SELECT MAX(version) FROM schema_migrations").Scan(&maxV)
	raw.QueryRow("SELECT COUNT(*) FROM orgs").Scan(&orgs)
	if maxV != previousSchema || orgs != 2 {
		t.Fatalf("after the rollback: schema %d, %d organisations (want %d, 2: the restore must not upgrade it)", maxV, orgs, previousSchema)
	}
	kept, _ := filepath.Glob(filepath.Join(dir, "vigie.db.before-restore-*"))
	if len(kept) == 0 {
		t.Fatal("the upgraded database was not kept aside")
	}
	if _, err := os.Stat(kept[0]); err != nil {
		t.Fatal(err)
	}
}
