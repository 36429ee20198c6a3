package hub

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"
)

// pgSchema makes a fresh schema on the test PostgreSQL server (as the store
// suite does) and returns a URL using it; it skips when the server is
// unreachable or VIGIE_TEST_POSTGRES=off.
func pgSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("VIGIE_TEST_POSTGRES")
	if base == "off" {
		t.Skip("PostgreSQL tests disabled (VIGIE_TEST_POSTGRES=off)")
	}
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		t.Skipf("PostgreSQL is unreachable (%v): skipping the PostgreSQL run of the API tests", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "vigie_hubtest_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema + "&synchronous_commit=off"
}

// TestPostgresAPI runs the tenancy, sighting and TAXII tests of the API on
// PostgreSQL (the other tests use the embedded SQLite).
func TestPostgresAPI(t *testing.T) {
	for name, fn := range map[string]func(*env){
		"two parties": func(e *env) { testTwoParties(e) },
		"sightings":   func(e *env) { testSightingsAndCampaign(e) },
		"taxii":       func(e *env) { testTAXIIOpenCTI(e) },
	} {
		t.Run(name, func(t *testing.T) { fn(newEnvOn(t, pgSchema(t))) })
	}
}
