package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// pgURL is the PostgreSQL server the conformance suite also runs against;
// VIGIE_TEST_POSTGRES overrides it, "off" skips.
func pgURL() string {
	if u := os.Getenv("VIGIE_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// opener opens a fresh, empty store and returns a function that reopens
// the same database (to test migrations on restart).
type opener func(t *testing.T) (s *Store, reopen func() (*Store, error))

func openSQLite(t *testing.T) (*Store, func() (*Store, error)) {
	dir := t.TempDir()
	open := func() (*Store, error) { return Open(context.Background(), Config{DataDir: dir}) }
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, open
}

// TestingPostgres creates a fresh schema on the test server and returns a
// URL whose search_path points at it; the schema is dropped at cleanup.
func TestingPostgres(t testing.TB) string {
	t.Helper()
	base := pgURL()
	if base == "off" {
		t.Skip("PostgreSQL tests disabled (VIGIE_TEST_POSTGRES=off)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		t.Skipf("PostgreSQL at %s is unreachable (%v): skipping the PostgreSQL half of the store suite; set VIGIE_TEST_POSTGRES to a reachable server", redact(base), err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "vigie_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema + "&synchronous_commit=off"
}

func openPostgres(t *testing.T) (*Store, func() (*Store, error)) {
	url := TestingPostgres(t)
	open := func() (*Store, error) { return Open(context.Background(), Config{URL: url}) }
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, open
}

// TestStore runs the one conformance suite against both databases.
func TestStore(t *testing.T) {
	for _, db := range []struct {
		name string
		open opener
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(db.name, func(t *testing.T) {
			for _, tc := range suite {
				t.Run(tc.name, func(t *testing.T) { tc.fn(t, db.open) })
			}
		})
	}
}

var suite = []struct {
	name string
	fn   func(t *testing.T, open opener)
}{
	{"migrations", testMigrations},
	{"accounts", testAccounts},
	{"two parties", testTwoParties},
	{"indicator feed", testIndicatorFeed},
	{"import is a transaction", testImportAtomic},
	{"sightings", testSightings},
	{"login lock-out", testLockout},
	{"withdrawal when distribution narrows", testWithdrawal},
}

var cli = Actor{Name: "cli"}

type fixture struct {
	s            *Store
	agency, a, b Org
	vAgency      Viewer
	vA, vB       Viewer
	ctx          context.Context
}

func newFixture(t *testing.T, open opener) *fixture {
	t.Helper()
	s, _ := open(t)
	ctx := context.Background()
	f := &fixture{s: s, ctx: ctx}
	var err error
	if f.agency, err = s.CreateOrg(ctx, cli, "Agency", KindAgency); err != nil {
		t.Fatal(err)
	}
	if f.a, err = s.CreateOrg(ctx, cli, "Party A", KindParty); err != nil {
		t.Fatal(err)
	}
	if f.b, err = s.CreateOrg(ctx, cli, "Party B", KindParty); err != nil {
		t.Fatal(err)
	}
	f.vAgency = Viewer{OrgID: f.agency.ID, Agency: true}
	f.vA = Viewer{OrgID: f.a.ID}
	f.vB = Viewer{OrgID: f.b.ID}
	return f
}

func testMigrations(t *testing.T, open opener) {
	s, reopen := open(t)
	ctx := context.Background()
	v, err := s.SchemaVersion(ctx)
	if err != nil || v < 1 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	if _, err := s.CreateOrg(ctx, cli, "Keep me", KindParty); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Several instances starting at once apply each migration once.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	stores := make([]*Store, 3)
	for i := range 3 {
		wg.Go(func() { stores[i], errs[i] = reopen() })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	orgs, err := stores[0].AllOrgs(ctx)
	if err != nil || len(orgs) != 1 || orgs[0].Name != "Keep me" {
		t.Fatalf("data lost across restart: %v %v", orgs, err)
	}
	// One row per migration (numbers may have gaps while areas land).
	ms, _ := stores[0].migrations()
	var n int
	if err := stores[0].r.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil || n != len(ms) {
		t.Fatalf("schema_migrations has %d rows, want %d (%v)", n, len(ms), err)
	}
	// A database newer than this code is refused.
	if _, err := stores[0].w.Exec(stores[0].q("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)"), 9999); err != nil {
		t.Fatal(err)
	}
	if s2, err := reopen(); err == nil || !strings.Contains(err.Error(), "forward only") {
		if s2 != nil {
			s2.Close()
		}
		t.Fatalf("opening a newer schema: %v", err)
	}
}

func testAccounts(t *testing.T, open opener) {
	f := newFixture(t, open)
	s, ctx := f.s, f.ctx
	if _, err := s.CreateOrg(ctx, cli, "Party A", KindParty); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate org: %v", err)
	}
	if _, err := s.CreateOrg(ctx, cli, "X", "club"); err == nil {
		t.Fatal("bad kind accepted")
	}
	u, err := s.CreateUser(ctx, cli, User{OrgID: f.a.ID, Username: "alice", Role: RoleAdmin, PasswordHash: "h1"})
	if err != nil {
		t.Fatal(err)
	}
	if u.OrgName != "Party A" || u.OrgKind != KindParty || u.ID == 0 {
		t.Fatalf("user %+v", u)
	}
	if _, err := s.CreateUser(ctx, cli, User{OrgID: f.a.ID, Username: "alice", Role: RoleAdmin, PasswordHash: "h"}); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate user: %v", err)
	}
	se := Session{IDHash: "sess1", UserID: u.ID, CSRF: "c", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.CreateSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetSession(ctx, "sess1"); err != nil || got.UserID != u.ID {
		t.Fatalf("session %+v %v", got, err)
	}
	pw := "h2"
	if err := s.UpdateUser(ctx, f.vA, cli, u.ID, UserUpdate{PasswordHash: &pw}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSession(ctx, "sess1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session survived a password change: %v", err)
	}
	if got, _ := s.UserByName(ctx, "alice"); got.PasswordHash != "h2" {
		t.Fatalf("password not changed: %q", got.PasswordHash)
	}
	tok, err := s.CreateToken(ctx, cli, Token{OrgID: f.a.ID, Role: RoleSensor, Hash: "th", Prefix: "vgt_ab"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.TokenByHash(ctx, "th")
	if err != nil || got.ID != tok.ID || !got.Usable(time.Now()) || got.OrgName != "Party A" {
		t.Fatalf("token %+v %v", got, err)
	}
	if err := s.RevokeToken(ctx, f.vA, cli, tok.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TokenByHash(ctx, "th"); got.Usable(time.Now()) {
		t.Fatal("revoked token usable")
	}
	exp, _ := s.CreateToken(ctx, cli, Token{OrgID: f.a.ID, Role: RoleMember, Hash: "old", Prefix: "p", ExpiresAt: time.Now().Add(-time.Minute)})
	if got, _ := s.TokenByHash(ctx, "old"); got.Usable(time.Now()) || got.ID != exp.ID {
		t.Fatal("expired token usable")
	}
	if _, err := s.CreateToken(ctx, cli, Token{OrgID: f.a.ID, Role: "root", Hash: "x"}); err == nil {
		t.Fatal("bad role accepted")
	}
	log, err := s.ListAudit(ctx, f.vAgency, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"org.create", "user.create", "user.update", "token.create", "token.revoke"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit log lacks %s: %v", want, actions)
		}
	}
}

// testTwoParties proves that nothing of party A is visible to party B.
func testTwoParties(t *testing.T, open opener) {
	f := newFixture(t, open)
	s, ctx := f.s, f.ctx
	ua, _ := s.CreateUser(ctx, cli, User{OrgID: f.a.ID, Username: "a-admin", Role: RoleAdmin, PasswordHash: "h"})
	ta, _ := s.CreateToken(ctx, cli, Token{OrgID: f.a.ID, Role: RoleSensor, Hash: "ta", Prefix: "p"})
	_, onlyA, err := s.PutIndicators(ctx, f.vAgency, cli, []indicator.Indicator{{Type: indicator.Domain, Value: "only-a.example"}}, PutOptions{Distribution: DistListed, Parties: []int64{f.a.ID}})
	if err != nil {
		t.Fatal(err)
	}
	_, agencyOnly, err := s.PutIndicators(ctx, f.vAgency, cli, []indicator.Indicator{{Type: indicator.Domain, Value: "secret.example"}}, PutOptions{Distribution: DistAgency})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.PutIndicators(ctx, f.vAgency, cli, []indicator.Indicator{{Type: indicator.Domain, Value: "all.example"}}, PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddSightings(ctx, f.a.ID, []Sighting{{ClientID: "s1", Type: "domain", Value: "only-a.example", ObservedAt: time.Now(), Count: 1, Sensor: "dns"}}, Correlation{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddFindings(ctx, f.a.ID, []Finding{{ClientID: "f1", At: time.Now(), Sensor: "scan", Severity: "high", Title: "t", Body: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}

	// B sees none of it.
	if _, err := s.GetUser(ctx, f.vB, ua.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("B reads A's user: %v", err)
	}
	if err := s.UpdateUser(ctx, f.vB, cli, ua.ID, UserUpdate{Disabled: new(true)}); !errors.Is(err, ErrNotFound) {
		t.Errorf("B changes A's user: %v", err)
	}
	if us, _ := s.ListUsers(ctx, f.vB); len(us) != 0 {
		t.Errorf("B lists A's users: %v", us)
	}
	if ts, _ := s.ListTokens(ctx, f.vB); len(ts) != 0 {
		t.Errorf("B lists A's tokens: %v", ts)
	}
	if err := s.RevokeToken(ctx, f.vB, cli, ta.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("B revokes A's token: %v", err)
	}
	if _, err := s.GetIndicator(ctx, f.vB, onlyA[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("B reads A's indicator: %v", err)
	}
	if _, err := s.GetIndicator(ctx, f.vA, agencyOnly[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("A reads an agency-only indicator: %v", err)
	}
	if _, err := s.UpdateIndicator(ctx, f.vA, cli, onlyA[0].ID, IndicatorChange{Description: new("x")}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a party edits an indicator: %v", err)
	}
	if _, _, err := s.PutIndicators(ctx, f.vA, cli, []indicator.Indicator{{Type: indicator.Domain, Value: "x.example"}}, PutOptions{}); err == nil {
		t.Error("a party publishes an indicator")
	}
	for name, v := range map[string]Viewer{"A": f.vA, "B": f.vB} {
		inds, _ := s.ListIndicators(ctx, v, IndicatorQuery{Feed: true})
		var vals []string
		for _, r := range inds {
			vals = append(vals, r.Value)
			if r.Distribution == DistListed && (len(r.Parties) != 1 || r.Parties[0] != v.OrgID) {
				t.Errorf("%s sees the party list %v", name, r.Parties)
			}
		}
		want := map[string]string{"A": "only-a.example all.example", "B": "all.example"}[name]
		if strings.Join(vals, " ") != want {
			t.Errorf("%s pulls %v, want %s", name, vals, want)
		}
	}
	if ss, _ := s.ListSightings(ctx, f.vB, SightingQuery{OrgID: f.a.ID}); len(ss) != 0 {
		t.Errorf("B lists A's sightings: %v", ss)
	}
	if fs, _ := s.ListFindings(ctx, f.vB, f.a.ID, 0); len(fs) != 0 {
		t.Errorf("B lists A's findings: %v", fs)
	}
	if _, err := s.GetOrg(ctx, f.vB, f.a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("B reads A's organisation: %v", err)
	}
	if os, _ := s.ListOrgs(ctx, f.vB); len(os) != 1 || os[0].ID != f.b.ID {
		t.Errorf("B lists organisations %v", os)
	}
	al, _ := s.ListAudit(ctx, f.vB, 0)
	for _, e := range al {
		if e.OrgID != f.b.ID {
			t.Errorf("B reads audit entry %+v", e)
		}
	}
	d, err := s.Dashboard(ctx, f.vB, 7)
	if err != nil || d.Total != 0 || len(d.TopIndicators) != 0 || len(d.Orgs) != 1 || len(d.OpenAlerts) != 0 {
		t.Errorf("B's dashboard shows others' data: %+v %v", d, err)
	}
	// A and the agency see A's data.
	if ss, _ := s.ListSightings(ctx, f.vA, SightingQuery{}); len(ss) != 1 || ss[0].IndicatorID != onlyA[0].ID {
		t.Errorf("A's sightings: %+v", ss)
	}
	if ss, _ := s.ListSightings(ctx, f.vAgency, SightingQuery{}); len(ss) != 1 || ss[0].Org != "Party A" {
		t.Errorf("agency's sightings: %+v", ss)
	}
	if fs, _ := s.ListFindings(ctx, f.vAgency, 0, 0); len(fs) != 1 {
		t.Errorf("agency's findings: %+v", fs)
	}
}

func testIndicatorFeed(t *testing.T, open opener) {
	f := newFixture(t, open)
	s, ctx := f.s, f.ctx
	var inds []indicator.Indicator
	for i := range 25 {
		inds = append(inds, indicator.Indicator{Type: indicator.SHA256, Value: fmt.Sprintf("%064x", i), Threats: []string{"X-Agent"}, TLP: indicator.TLPAmber})
	}
	res, _, err := s.PutIndicators(ctx, f.vAgency, cli, inds, PutOptions{})
	if err != nil || res.Created != 25 {
		t.Fatalf("%+v %v", res, err)
	}
	// Page through the feed as party A.
	var seen []string
	after := int64(0)
	for {
		page, err := s.ListIndicators(ctx, f.vA, IndicatorQuery{Feed: true, AfterSeq: after, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			seen = append(seen, r.Value)
		}
		after = page[len(page)-1].Seq
	}
	if len(seen) != 25 {
		t.Fatalf("feed gave %d indicators", len(seen))
	}
	// Expiring moves the indicator to the head of the feed.
	r, err := s.ExpireIndicator(ctx, f.vAgency, cli, mustFirst(t, s, f.vAgency).ID)
	if err != nil || !r.Expired {
		t.Fatalf("expire: %+v %v", r, err)
	}
	page, _ := s.ListIndicators(ctx, f.vA, IndicatorQuery{Feed: true, AfterSeq: after})
	if len(page) != 1 || !page[0].Expired || page[0].Threats[0] != "X-Agent" || page[0].TLP != indicator.TLPAmber {
		t.Fatalf("after expiry the feed has %+v", page)
	}
	// Re-importing the same values updates, not duplicates.
	res, _, err = s.PutIndicators(ctx, f.vAgency, cli, inds[:3], PutOptions{})
	if err != nil || res.Updated != 3 || res.Created != 0 {
		t.Fatalf("re-import: %+v %v", res, err)
	}
	total, active, err := s.CountIndicators(ctx, f.vA)
	if err != nil || total != 25 || active != 24 {
		t.Fatalf("count %d %d %v", total, active, err)
	}
	found, _ := s.ListIndicators(ctx, f.vA, IndicatorQuery{Search: fmt.Sprintf("%064x", 7)})
	if len(found) != 1 {
		t.Fatalf("search found %d", len(found))
	}
	found, _ = s.ListIndicators(ctx, f.vA, IndicatorQuery{Search: "x-agent", Active: true})
	if len(found) != 24 {
		t.Fatalf("search by threat found %d", len(found))
	}
	seq, _ := s.IndicatorSeq(ctx)
	if seq < 29 {
		t.Fatalf("sequence %d", seq)
	}
}

func mustFirst(t *testing.T, s *Store, v Viewer) Record {
	t.Helper()
	rs, err := s.ListIndicators(context.Background(), v, IndicatorQuery{Limit: 1})
	if err != nil || len(rs) == 0 {
		t.Fatalf("no indicator: %v", err)
	}
	return rs[0]
}

func testImportAtomic(t *testing.T, open opener) {
	f := newFixture(t, open)
	s, ctx := f.s, f.ctx
	if _, _, err := s.PutIndicators(ctx, f.vAgency, cli, []indicator.Indicator{{ID: "indicator--1", Type: indicator.Domain, Value: "one.example"}}, PutOptions{}); err != nil {
		t.Fatal(err)
	}
	// The third indicator reuses the id of another value: the whole batch fails.
	bad := []indicator.Indicator{
		{Type: indicator.Domain, Value: "two.example"},
		{Type: indicator.Domain, Value: "three.example"},
		{ID: "indicator--1", Type: indicator.Domain, Value: "four.example"},
	}
	_, _, err := s.PutIndicators(ctx, f.vAgency, cli, bad, PutOptions{})
	if err == nil || !strings.Contains(err.Error(), "indicator--1") {
		t.Fatalf("conflicting id: %v", err)
	}
	all, _ := s.ListIndicators(ctx, f.vAgency, IndicatorQuery{})
	if len(all) != 1 {
		t.Fatalf("half an import was kept: %d indicators", len(all))
	}
	// A cancelled import (a client gone, a shutdown) keeps nothing either.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := s.PutIndicators(cctx, f.vAgency, cli, bad[:2], PutOptions{}); err == nil {
		t.Fatal("cancelled import succeeded")
	}
	all, _ = s.ListIndicators(ctx, f.vAgency, IndicatorQuery{})
	if len(all) != 1 {
		t.Fatalf("cancelled import kept %d indicators", len(all))
	}
}

func testSightings(t *testing.T, open opener) {
	f := newFixture(t, open)
	s, ctx := f.s, f.ctx
	now := time.Now().UTC()
	_, recs, err := s.PutIndicators(ctx, f.vAgency, cli, []indicator.Indicator{{Type: indicator.Domain, Value: "evil.example"}, {Type: indicator.IPv4, Value: "192.0.2.1"}}, PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	batch := []Sighting{
		{ClientID: "a-1", Type: "domain", Value: "login.evil.example", ObservedAt: now, Count: 3, Sensor: "dns"},
		{ClientID: "a-2", Type: "ipv4", Value: "192.0.2.1", ObservedAt: now, Count: 1, Sensor: "dns"},
		{ClientID: "a-3", Type: "domain", Value: "harmless.example", ObservedAt: now, Count: 1, Sensor: "dns"},
	}
	res, err := s.AddSightings(ctx, f.a.ID, batch, Correlation{})
	if err != nil || res.Accepted != 3 || res.Matched != 2 || res.Alerts != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	// The same batch again is not counted twice.
	res, err = s.AddSightings(ctx, f.a.ID, batch, Correlation{})
	if err != nil || res.Accepted != 0 || res.Duplicates != 3 {
		t.Fatalf("retry: %+v %v", res, err)
	}
	// B uses the same client id: a different organisation, a new sighting.
	res, err = s.AddSightings(ctx, f.b.ID, []Sighting{{ClientID: "a-1", Type: "domain", Value: "evil.example", ObservedAt: now.Add(-time.Hour), Count: 1, Sensor: "scan"}}, Correlation{})
	if err != nil || res.Accepted != 1 || res.Alerts != 1 {
		t.Fatalf("B: %+v %v", res, err)
	}
	alerts, err := s.ListAlerts(ctx, f.vAgency, "open", 0)
	if err != nil || len(alerts) != 1 || alerts[0].Value != "evil.example" || alerts[0].Parties != 2 || strings.Join(alerts[0].PartyNames, ",") != "Party A,Party B" {
		t.Fatalf("alerts %+v %v", alerts, err)
	}
	if al, _ := s.ListAlerts(ctx, f.vA, "", 0); len(al) != 0 {
		t.Fatalf("a party sees campaign alerts: %v", al)
	}
	// Outside the window: no alert for the IP.
	s.AddSightings(ctx, f.b.ID, []Sighting{{ClientID: "old", Type: "ipv4", Value: "192.0.2.1", ObservedAt: now.Add(-72 * time.Hour), Count: 1, Sensor: "scan"}}, Correlation{})
	if alerts, _ := s.ListAlerts(ctx, f.vAgency, "open", 0); len(alerts) != 1 {
		t.Fatalf("an old sighting raised an alert: %+v", alerts)
	}
	if err := s.CloseAlert(ctx, f.vA, cli, alerts[0].ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a party closes an alert: %v", err)
	}
	if err := s.CloseAlert(ctx, f.vAgency, cli, alerts[0].ID); err != nil {
		t.Fatal(err)
	}
	d, err := s.Dashboard(ctx, f.vAgency, 30)
	if err != nil {
		t.Fatal(err)
	}
	if d.Total != 7 || len(d.Days) != 30 || len(d.TopIndicators) != 2 || d.TopIndicators[0].ID != recs[0].ID || d.TopIndicators[0].Count != 4 || d.TopIndicators[0].Parties != 2 {
		t.Fatalf("dashboard %+v", d)
	}
	for _, o := range d.Orgs {
		if o.Kind == KindParty && o.LastContactAt.IsZero() {
			t.Errorf("%s has no last contact", o.Name)
		}
	}
	da, _ := s.Dashboard(ctx, f.vA, 30)
	if da.Total != 5 {
		t.Fatalf("A's dashboard total %d", da.Total)
	}
	ss, _ := s.ListSightings(ctx, f.vAgency, SightingQuery{Indicator: recs[0].ID})
	if len(ss) != 2 {
		t.Fatalf("sightings of evil.example: %+v", ss)
	}
	page1, _ := s.ListSightings(ctx, f.vAgency, SightingQuery{Limit: 2})
	page2, _ := s.ListSightings(ctx, f.vAgency, SightingQuery{Limit: 2, BeforeID: page1[1].ID})
	if len(page1) != 2 || len(page2) != 2 || page2[0].ID >= page1[1].ID {
		t.Fatalf("paging: %v %v", page1, page2)
	}
}

func testLockout(t *testing.T, open opener) {
	s, _ := open(t)
	ctx := context.Background()
	for i := range 4 {
		until, err := s.LoginFailure(ctx, "user:bob", 5, time.Minute, time.Minute)
		if err != nil || !until.IsZero() {
			t.Fatalf("failure %d locked: %v %v", i, until, err)
		}
	}
	until, err := s.LoginFailure(ctx, "user:bob", 5, time.Minute, time.Minute)
	if err != nil || until.IsZero() {
		t.Fatalf("not locked after 5 failures: %v", err)
	}
	if u, _ := s.LockedUntil(ctx, "user:bob"); u.IsZero() {
		t.Fatal("LockedUntil says not locked")
	}
	s.ClearLoginFailures(ctx, "user:bob")
	if u, _ := s.LockedUntil(ctx, "user:bob"); !u.IsZero() {
		t.Fatal("still locked after clear")
	}
}

func testWithdrawal(t *testing.T, open opener) {
	f := newFixture(t, open)
	s, ctx := f.s, f.ctx
	_, recs, err := s.PutIndicators(ctx, f.vAgency, cli, []indicator.Indicator{{Type: indicator.Domain, Value: "narrow.example"}}, PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id := recs[0].ID
	cursor := func(v Viewer) int64 {
		page, _ := s.ListIndicators(ctx, v, IndicatorQuery{Feed: true})
		return page[len(page)-1].Seq
	}
	afterA, afterB := cursor(f.vA), cursor(f.vB)
	// Narrowed to A only: B's feed says withdrawn, A's has the update.
	dist := DistListed
	if _, err := s.UpdateIndicator(ctx, f.vAgency, cli, id, IndicatorChange{Distribution: &dist, Parties: []int64{f.a.ID}}); err != nil {
		t.Fatal(err)
	}
	pb, _ := s.ListIndicators(ctx, f.vB, IndicatorQuery{Feed: true, AfterSeq: afterB})
	if len(pb) != 1 || !pb[0].Withdrawn || pb[0].ID != id || pb[0].Value != "narrow.example" {
		t.Fatalf("B's feed after narrowing: %+v", pb)
	}
	pa, _ := s.ListIndicators(ctx, f.vA, IndicatorQuery{Feed: true, AfterSeq: afterA})
	if len(pa) != 1 || pa[0].Withdrawn {
		t.Fatalf("A's feed after narrowing: %+v", pa)
	}
	if _, err := s.GetIndicator(ctx, f.vB, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B still reads it: %v", err)
	}
	// Widened again: B gets it back, no longer withdrawn.
	afterB = pb[0].Seq
	all := DistAll
	if _, err := s.UpdateIndicator(ctx, f.vAgency, cli, id, IndicatorChange{Distribution: &all}); err != nil {
		t.Fatal(err)
	}
	pb, _ = s.ListIndicators(ctx, f.vB, IndicatorQuery{Feed: true, AfterSeq: afterB})
	if len(pb) != 1 || pb[0].Withdrawn {
		t.Fatalf("B's feed after widening: %+v", pb)
	}
	if full, _ := s.ListIndicators(ctx, f.vB, IndicatorQuery{Feed: true}); len(full) != 1 || full[0].Withdrawn {
		t.Fatalf("B's full feed: %+v", full)
	}
	// Agency only: both parties get a withdrawal.
	ag := DistAgency
	s.UpdateIndicator(ctx, f.vAgency, cli, id, IndicatorChange{Distribution: &ag})
	for _, v := range []Viewer{f.vA, f.vB} {
		p, _ := s.ListIndicators(ctx, v, IndicatorQuery{Feed: true, AfterSeq: pb[0].Seq})
		if len(p) != 1 || !p[0].Withdrawn {
			t.Fatalf("feed of %d after agency-only: %+v", v.OrgID, p)
		}
	}
}
