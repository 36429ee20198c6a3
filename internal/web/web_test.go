package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/store"
)

type site struct {
	t      *testing.T
	st     *store.Store
	ts     *httptest.Server
	a, b   store.Org
	agency store.Org
	ui     *UI
}

const pw = "correct horse battery staple"

func newSite(t *testing.T) *site {
	t.Helper()
	s := newSiteEmpty(t)
	ctx := context.Background()
	cli := store.Actor{Name: "cli"}
	s.agency, _ = s.st.CreateOrg(ctx, cli, "Agency", store.KindAgency)
	s.a, _ = s.st.CreateOrg(ctx, cli, "Party A", store.KindParty)
	s.b, _ = s.st.CreateOrg(ctx, cli, "Party B", store.KindParty)
	return s
}

// newSiteEmpty is a hub with UI on an empty store.
func newSiteEmpty(t *testing.T) *site { return newSiteOpts(t, hub.Options{}) }

// newSiteOpts is a hub with UI on an empty store, with options.
func newSiteOpts(t *testing.T, opts hub.Options) *site {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := &site{t: t, st: st}
	opts.Store = st
	srv := hub.New(opts)
	ui, err := New(srv)
	if err != nil {
		t.Fatal(err)
	}
	s.ui = ui
	srv.SetUI(ui)
	s.ts = httptest.NewServer(srv)
	t.Cleanup(s.ts.Close)
	return s
}

// user creates a user; one whose role needs a second factor gets a TOTP
// authenticator (testSecret), which browser.login answers.
func (s *site) user(org, name, role string) store.User {
	s.t.Helper()
	u, err := hub.CreateUser(context.Background(), s.st, store.Actor{Name: "cli"}, org, name, role, pw)
	if err != nil {
		s.t.Fatal(err)
	}
	if needs2FA(&u) {
		s.enableTOTP(u.ID)
		u, _ = s.st.UserByID(context.Background(), u.ID)
	}
	return u
}

// testSecret is the TOTP secret of the users made by site.user.
const testSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// enableTOTP (re)sets user id's authenticator to testSecret with no code
// used yet, so that a test may log in again within the same 30 seconds.
func (s *site) enableTOTP(id int64) {
	s.t.Helper()
	ctx := context.Background()
	if err := s.st.SetTOTPPending(ctx, id, testSecret); err != nil {
		s.t.Fatal(err)
	}
	if err := s.st.EnableTOTP(ctx, store.Actor{Name: "test"}, id, 0); err != nil {
		s.t.Fatal(err)
	}
}

type browser struct {
	t    *testing.T
	s    *site
	c    *http.Client
	last string // body of the last page
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: s.t, s: s, c: &http.Client{Jar: jar}}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	res, err := b.c.Get(b.s.ts.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	b.last = string(body)
	return res.StatusCode, b.last
}

func (b *browser) csrf() string {
	m := csrfRe.FindStringSubmatch(b.last)
	if m == nil {
		b.t.Fatalf("no CSRF token on the page: %s", b.last)
	}
	return m[1]
}

// post sends a form as a same-origin browser would (with Origin).
func (b *browser) post(path string, form url.Values, origin string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.s.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.send(req, origin)
}

// login logs in, answering the TOTP check of users made by site.user.
func (b *browser) login(name, password string) (int, string) {
	b.t.Helper()
	b.get("/login")
	code, body := b.post("/login", url.Values{"csrf": {b.csrf()}, "username": {name}, "password": {password}}, "")
	if strings.Contains(body, "Two-factor check") {
		if us, err := b.s.st.UserByName(context.Background(), name); err == nil && us.TOTPSecret == testSecret {
			b.s.enableTOTP(us.ID)
			c, _ := hub.TOTPCode(testSecret, time.Now())
			return b.post("/login/totp", url.Values{"csrf": {b.csrf()}, "code": {c}}, "")
		}
	}
	return code, body
}

func (b *browser) cookie() string {
	u, _ := url.Parse(b.s.ts.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "vigie_session" {
			return c.Value
		}
	}
	return ""
}

func TestLoginWithTOTP(t *testing.T) {
	s := newSite(t)
	s.rawUser("Agency", "boss", store.RoleAdmin)
	b := s.browser()
	if code, body := b.get("/"); code != 200 || !strings.Contains(body, "Log in") {
		t.Fatalf("not sent to login: %d", code)
	}
	// Session fixation: a cookie planted before login is not kept.
	u, _ := url.Parse(s.ts.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "vigie_session", Value: "planted-by-attacker", Path: "/"}})
	code, body := b.login("boss", pw)
	if code != 200 || !strings.Contains(body, "Set up two-factor login") {
		t.Fatalf("agency admin not asked to set up TOTP: %d %s", code, body)
	}
	first := b.cookie()
	if first == "planted-by-attacker" || first == "" {
		t.Fatal("session fixation: the planted id was kept")
	}
	// Without the second factor, nothing else is reachable.
	if _, body := b.get("/indicators"); !strings.Contains(body, "Set up two-factor") {
		t.Fatal("pages reachable before the second factor")
	}
	secret := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(b.last)[1]
	csrf := b.csrf()
	code, _ = b.post("/setup/totp", url.Values{"csrf": {csrf}, "secret": {secret}, "code": {"000000"}}, "")
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("wrong code accepted: %d", code)
	}
	c, _ := hub.TOTPCode(secret, time.Now())
	code, body = b.post("/setup/totp", url.Values{"csrf": {csrf}, "secret": {secret}, "code": {c}}, "")
	if code != 200 || !strings.Contains(body, "Dashboard") {
		t.Fatalf("after TOTP setup: %d", code)
	}
	if b.cookie() == first {
		t.Fatal("session id not renewed after the second factor")
	}
	// Log out, log in again: now the TOTP code is asked.
	b.post("/logout", url.Values{"csrf": {b.csrf()}}, "")
	code, body = b.login("boss", pw)
	if !strings.Contains(body, "Two-factor check") {
		t.Fatalf("TOTP not asked: %d", code)
	}
	// The code of the set-up step is spent (no replay): the next one, which
	// the one-step drift window accepts, logs in.
	c, _ = hub.TOTPCode(secret, time.Now().Add(30*time.Second))
	if _, body = b.post("/login/totp", url.Values{"csrf": {b.csrf()}, "code": {c}}, ""); !strings.Contains(body, "Dashboard") {
		t.Fatal("TOTP login failed")
	}
}

func TestCSRF(t *testing.T) {
	s := newSite(t)
	s.user("Party A", "ann", store.RoleAdmin)
	b := s.browser()
	b.login("ann", pw)
	b.get("/tokens")
	good := b.csrf()
	// No token, a wrong token, another origin: refused.
	if code, _ := b.post("/tokens", url.Values{"role": {"sensor"}}, ""); code != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d", code)
	}
	if code, _ := b.post("/tokens", url.Values{"role": {"sensor"}, "csrf": {"forged"}}, ""); code != http.StatusForbidden {
		t.Fatalf("wrong CSRF token: %d", code)
	}
	if code, _ := b.post("/tokens", url.Values{"role": {"sensor"}, "csrf": {good}}, "https://evil.example"); code != http.StatusForbidden {
		t.Fatalf("cross-origin post: %d", code)
	}
	// The login form itself needs its token.
	if code, _ := s.browser().post("/login", url.Values{"username": {"ann"}, "password": {pw}}, ""); code != http.StatusForbidden {
		t.Fatalf("login without CSRF: %d", code)
	}
	code, body := b.post("/tokens", url.Values{"role": {"sensor"}, "name": {"office"}, "csrf": {good}}, "")
	if code != 200 || !strings.Contains(body, `id="new-token">vgt_`) {
		t.Fatalf("token creation: %d", code)
	}
}

// TestUIParties walks the main pages as party A and as party B and checks
// that B sees nothing of A's.
func TestUIParties(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	s.user("Party A", "ann", store.RoleAdmin)
	s.user("Party B", "bob", store.RoleAdmin)
	agency := store.Viewer{OrgID: s.agency.ID, Agency: true}
	if _, _, err := s.st.PutIndicators(ctx, agency, store.Actor{Name: "t"}, []indicatorT{{Type: "domain", Value: "only-a.example"}}, store.PutOptions{Distribution: store.DistListed, Parties: []int64{s.a.ID}}); err != nil {
		t.Fatal(err)
	}
	s.st.AddSightings(ctx, s.a.ID, []store.Sighting{{ClientID: "1", Type: "domain", Value: "only-a.example", ObservedAt: time.Now(), Count: 1, Sensor: "dns"}}, store.Correlation{})
	ta, _ := hub.CreateToken(ctx, s.st, store.Actor{Name: "t"}, s.a.ID, "sensor", "a-laptop", 0)
	s.st.AddFindings(ctx, s.a.ID, []store.Finding{{ClientID: "f1", At: time.Now(), Sensor: "scan", Severity: "high", Title: "X-Agent on only-a-laptop", Body: []byte("{}")}})

	a := s.browser()
	a.login("ann", pw)
	if _, body := a.get("/sightings"); !strings.Contains(body, "only-a.example") || !strings.Contains(body, "X-Agent on only-a-laptop") {
		t.Fatal("A does not see its sighting and finding")
	}
	if _, body := a.get("/"); !strings.Contains(body, `id="total-sightings">1<`) {
		t.Fatal("A's dashboard lacks its sighting")
	}
	b := s.browser()
	b.login("bob", pw)
	for _, path := range []string{"/", "/indicators", "/sightings", "/tokens", "/users", "/indicators?q=only"} {
		code, body := b.get(path)
		if code != 200 || strings.Contains(body, "only-a") || strings.Contains(body, "Party A") || strings.Contains(body, "a-laptop") || strings.Contains(body, ">ann<") {
			t.Errorf("B's %s (%d) shows A's data", path, code)
		}
	}
	if code, body := b.get("/orgs"); code != 200 || strings.Contains(body, "Party A") || !strings.Contains(body, "Party B") {
		t.Errorf("a party's organisations page: %d", code)
	}
	b.get("/tokens")
	if code, _ := b.post("/tokens/"+itoa(ta.ID)+"/revoke", url.Values{"csrf": {b.csrf()}}, ""); code != 404 {
		t.Errorf("B revokes A's token: %d", code)
	}
	b.get("/indicators")
	if code, _ := b.post("/indicators", url.Values{"csrf": {b.csrf()}, "value": {"x.example"}}, ""); code == 200 && strings.Contains(b.last, "Done") {
		t.Error("a party publishes an indicator")
	}
	if code, body := b.get("/static/style.css"); code != 200 || !strings.Contains(body, "--accent") {
		t.Error("style sheet")
	}
}

func TestEditIndicator(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	s.user("Agency", "ana", store.RoleAnalyst)
	agency := store.Viewer{OrgID: s.agency.ID, Agency: true}
	_, recs, err := s.st.PutIndicators(ctx, agency, store.Actor{Name: "t"}, []indicatorT{{Type: "domain", Value: "edit-me.example"}}, store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id := recs[0].ID
	b := s.browser()
	b.login("ana", pw)
	if code, body := b.get("/indicators/" + id + "/edit"); code != 200 || !strings.Contains(body, "edit-me.example") {
		t.Fatalf("edit page: %d", code)
	}
	code, body := b.post("/indicators/"+id+"/edit", url.Values{"csrf": {b.csrf()}, "description": {"fake webmail"}, "tlp": {"red"}, "distribution": {"listed"}, "parties": {"Party A"}, "valid_until": {"2030-01-01T00:00"}}, "")
	if code != 200 || !strings.Contains(body, "Saved") {
		t.Fatalf("save: %d %s", code, body)
	}
	rec, _ := s.st.GetIndicator(ctx, agency, id)
	if rec.Description != "fake webmail" || rec.TLP != "red" || rec.Distribution != store.DistListed || len(rec.Parties) != 1 || rec.Parties[0] != s.a.ID || rec.ValidUntil.Year() != 2030 {
		t.Fatalf("after edit: %+v", rec)
	}
	if _, err := s.st.GetIndicator(ctx, store.Viewer{OrgID: s.b.ID}, id); err == nil {
		t.Fatal("B still sees it")
	}
	b.get("/indicators/" + id + "/edit")
	if code, _ := b.post("/indicators/"+id+"/edit", url.Values{"csrf": {b.csrf()}, "tlp": {"purple"}, "distribution": {"all"}}, ""); code != http.StatusUnprocessableEntity {
		t.Fatalf("bad TLP: %d", code)
	}
}
