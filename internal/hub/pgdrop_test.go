package hub

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"time"
)

// TestPostgresDropAnswers: after PostgreSQL drops the hub's connections
// (restart, failover, pg_terminate_backend), the first API request is
// answered normally, not with a 500.
func TestPostgresDropAnswers(t *testing.T) {
	var b [6]byte
	rand.Read(b[:])
	app := "vigie_hubdrop_" + hex.EncodeToString(b[:])
	e := newEnvOn(t, pgSchema(t)+"&application_name="+app)
	base := os.Getenv("VIGIE_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	for _, req := range []struct{ method, path, token string }{
		{"GET", "/api/v1/me", "a-sensor"},
		{"GET", "/api/v1/indicators", "b-sensor"},
		{"GET", "/api/v1/dashboard", "agency-analyst"},
		{"GET", "/healthz", ""},
	} {
		for range 3 {
			e.expect(e.do(req.method, req.path, req.token, nil), 200)
		}
		res, err := admin.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND application_name = $1", app)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			t.Fatal("no connection of the hub terminated")
		}
		time.Sleep(50 * time.Millisecond)
		e.expect(e.do(req.method, req.path, req.token, nil), 200)
	}
}
