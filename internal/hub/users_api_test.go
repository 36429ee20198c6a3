package hub

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/store"
)

// TestUserAdminAPI: an organisation's administrator disables, enables,
// re-roles and deletes its users; a disabled user's personal token stops
// working at once; other parties cannot touch them; nobody demotes the
// agency's last administrator.
func TestUserAdminAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, err := CreateUser(ctx, e.st, cliActor, "Party A", "ann", store.RoleAnalyst, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := CreateTokenFor(ctx, e.st, cliActor, u.ID, e.a.ID, store.RoleAdmin, "ann's laptop", 0)
	if err != nil {
		t.Fatal(err)
	}
	sensor, _ := CreateTokenFor(ctx, e.st, cliActor, u.ID, e.a.ID, store.RoleSensor, "office scanner", 0)
	e.tok["ann"], e.tok["ann-sensor"] = tok.Secret, sensor.Secret
	path := "/api/v1/users/" + itoa(u.ID)
	e.expect(e.do("GET", "/api/v1/me", "ann", nil), 200)

	e.expect(e.do("PATCH", path, "b-admin", map[string]any{"disabled": true}), 404)
	e.expect(e.do("PATCH", path, "a-member", map[string]any{"disabled": true}), 403)
	e.expect(e.do("PATCH", path, "a-admin", map[string]any{}), 422)
	e.expect(e.do("PATCH", path, "a-admin", map[string]any{"role": "root"}), 422)
	got := e.expect(e.do("PATCH", path, "a-admin", map[string]any{"disabled": true}), 200).json(t)
	if got["disabled"] != true {
		t.Fatalf("after disable: %v", got)
	}
	e.expect(e.do("GET", "/api/v1/me", "ann", nil), 401)
	e.expect(e.do("GET", "/api/v1/me", "ann-sensor", nil), 200) // the office's scanner goes on
	e.expect(e.do("PATCH", path, "a-admin", map[string]any{"disabled": false, "role": "member"}), 200)
	e.expect(e.do("GET", "/api/v1/me", "ann", nil), 200)
	if us, _ := e.st.UserByID(ctx, u.ID); us.Role != store.RoleMember || us.Disabled {
		t.Fatalf("after enable and re-role: %+v", us)
	}
	e.expect(e.do("DELETE", path, "b-admin", nil), 404)
	e.expect(e.do("DELETE", path, "a-admin", nil), 200)
	e.expect(e.do("GET", "/api/v1/me", "ann", nil), 401)
	e.expect(e.do("DELETE", path, "a-admin", nil), 404)

	// The agency's last administrator stays.
	boss, _ := CreateUser(ctx, e.st, cliActor, "Agency", "boss", store.RoleAdmin, "correct horse battery staple")
	r := e.expect(e.do("PATCH", "/api/v1/users/"+itoa(boss.ID), "agency-admin", map[string]any{"role": "analyst"}), 422)
	if !strings.Contains(string(r.body), "last enabled administrator") {
		t.Fatalf("last admin: %s", r.body)
	}
	e.expect(e.do("DELETE", "/api/v1/users/"+itoa(boss.ID), "agency-admin", nil), 422)
	if _, err := ChangeUser(ctx, e.st, store.Viewer{OrgID: e.agency.ID, Agency: true}, cliActor, boss.ID, boss.ID, UserChange{Disabled: new(true)}); err == nil {
		t.Fatal("a user disabled themselves")
	}
}

// TestTokenCreatedNamesOrg: POST /api/v1/tokens answers with the token's
// organisation (it said "org": "").
func TestTokenCreatedNamesOrg(t *testing.T) {
	e := newEnv(t)
	// While here: the API refuses a common password with the reason.
	r := e.expect(e.do("POST", "/api/v1/users", "a-admin", map[string]any{"username": "weak", "role": "member", "password": "Password2027!"}), 422)
	if !strings.Contains(string(r.body), "common password") {
		t.Fatalf("weak password: %s", r.body)
	}
	got := e.expect(e.do("POST", "/api/v1/tokens", "agency-admin", map[string]any{"org": "Party B", "role": "sensor", "name": "laptop"}), 201).json(t)
	if got["org"] != "Party B" || got["org_kind"] != "party" || !strings.HasPrefix(got["token"].(string), "vgt_") {
		t.Fatalf("created token: %v", got)
	}
}

// TestMetricsPrivate: /metrics is not public; the main listener serves it
// only with the metrics token, and MetricsHandler serves the separate
// listener.
func TestMetricsPrivate(t *testing.T) {
	e := newEnv(t)
	if r := e.do("GET", "/metrics", "", nil); r.code != 404 || strings.Contains(string(r.body), "vigie_http_requests_total") {
		t.Fatalf("metrics public: %d", r.code)
	}
	e.srv.opts.MetricsToken = "scrape-secret-0123456789"
	e.expect(e.do("GET", "/metrics", "", nil), 401)
	e.expect(e.do("GET", "/metrics", "", nil, "Authorization: Bearer wrong"), 401)
	e.expect(e.do("GET", "/metrics", "a-admin", nil), 401) // an API token is not the metrics token
	r := e.expect(e.do("GET", "/metrics", "", nil, "Authorization: Bearer scrape-secret-0123456789"), 200)
	if !strings.Contains(string(r.body), "vigie_login_failures_total") {
		t.Fatalf("metrics body: %s", r.body)
	}
	rec := httptest.NewRecorder()
	e.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "vigie_http_requests_total") {
		t.Fatalf("separate listener: %d", rec.Code)
	}
}

// TestServerErrorLogged: a 500 names a request id that the log has, with
// the error.
func TestServerErrorLogged(t *testing.T) {
	e := newEnv(t)
	var buf bytes.Buffer
	e.srv.log = slog.New(slog.NewTextHandler(&buf, nil))
	e.st.Close() // the database goes away
	r := e.do("GET", "/api/v1/me", "a-admin", nil)
	if r.code != 500 {
		t.Fatalf("status %d: %s", r.code, r.body)
	}
	id := r.hdr.Get("X-Request-Id")
	if id == "" || !strings.Contains(string(r.body), id) {
		t.Fatalf("no request id in the answer: %q %s", id, r.body)
	}
	if log := buf.String(); !strings.Contains(log, "request_id="+id) || !strings.Contains(log, "closed") {
		t.Fatalf("log lacks the request id or the error: %s", log)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
