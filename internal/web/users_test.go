package web

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/store"
)

// TestUsersAdminUI: a party administrator disables, enables, re-roles and
// deletes a user of the party; the disabled user is logged out at once;
// another party's administrator reaches none of it.
func TestUsersAdminUI(t *testing.T) {
	s := newSite(t)
	s.user("Party A", "ann", store.RoleAdmin)
	vol := s.user("Party A", "volunteer", store.RoleMember)
	s.user("Party B", "bob", store.RoleAdmin)
	id := itoa(vol.ID)

	v := s.browser()
	if _, body := v.login("volunteer", pw); !strings.Contains(body, "Dashboard") {
		t.Fatal("volunteer cannot log in")
	}
	a := s.browser()
	a.login("ann", pw)
	a.get("/users")
	if code, body := a.post("/users/"+id+"/disable", url.Values{"csrf": {a.csrf()}}, ""); code != 200 || !strings.Contains(body, "volunteer is disabled") {
		t.Fatalf("disable: %d %s", code, body)
	}
	if _, body := v.get("/"); !strings.Contains(body, "Log in") {
		t.Fatal("the disabled user's session still works")
	}
	if _, body := v.login("volunteer", pw); strings.Contains(body, "Dashboard") {
		t.Fatal("a disabled user logged in")
	}
	b := s.browser()
	b.login("bob", pw)
	b.get("/users")
	bcsrf := b.csrf()
	for _, action := range []string{"enable", "disable", "role", "delete"} {
		if code, _ := b.post("/users/"+id+"/"+action, url.Values{"csrf": {bcsrf}, "role": {"admin"}, "confirm": {"yes"}}, ""); code != 404 {
			t.Errorf("party B's admin can %s A's user: %d", action, code)
		}
	}
	a.post("/users/"+id+"/enable", url.Values{"csrf": {a.csrf()}}, "")
	if _, body := v.login("volunteer", pw); !strings.Contains(body, "Dashboard") {
		t.Fatal("enabled user cannot log in")
	}
	// Promoted to admin: logged out, and must now set up a second factor.
	if code, body := a.post("/users/"+id+"/role", url.Values{"csrf": {a.csrf()}, "role": {"admin"}}, ""); code != 200 || !strings.Contains(body, "volunteer is now admin") {
		t.Fatalf("role: %d %s", code, body)
	}
	if _, body := v.get("/"); !strings.Contains(body, "Log in") {
		t.Fatal("session survived the promotion")
	}
	if _, body := v.login("volunteer", pw); !strings.Contains(body, "Set up two-factor login") {
		t.Fatal("the new admin was not asked for a second factor")
	}
	// Nobody disables themselves.
	if code, body := a.post("/users/"+itoa(s.mustUser("ann").ID)+"/disable", url.Values{"csrf": {a.csrf()}}, ""); code != http.StatusUnprocessableEntity || !strings.Contains(body, "your own account") {
		t.Fatalf("self-disable: %d", code)
	}
	if code, _ := a.post("/users/"+id+"/delete", url.Values{"csrf": {a.csrf()}}, ""); code != http.StatusUnprocessableEntity {
		t.Fatalf("delete without confirmation: %d", code)
	}
	if code, body := a.post("/users/"+id+"/delete", url.Values{"csrf": {a.csrf()}, "confirm": {"yes"}}, ""); code != 200 || !strings.Contains(body, "volunteer is deleted") {
		t.Fatalf("delete: %d %s", code, body)
	}
	if _, err := s.st.UserByName(t.Context(), "volunteer"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("user still stored")
	}
}

func (s *site) mustUser(name string) store.User {
	s.t.Helper()
	u, err := s.st.UserByName(s.t.Context(), name)
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

// TestPartyAdminPages: a party's administrator sees its own organisation
// (not "Not found"), and the token page shows the commands to paste.
func TestPartyAdminPages(t *testing.T) {
	s := newSite(t)
	s.user("Party A", "ann", store.RoleAdmin)
	a := s.browser()
	a.login("ann", pw)
	code, body := a.get("/orgs")
	if code != 200 || !strings.Contains(body, "Party A") || strings.Contains(body, "Party B") || strings.Contains(body, "Add a party") {
		t.Fatalf("orgs page for a party admin: %d", code)
	}
	a.get("/tokens")
	code, body = a.post("/tokens", url.Values{"csrf": {a.csrf()}, "role": {"sensor"}, "name": {"office"}}, "")
	tok := csrfRe.FindString(body) // any match proves the page rendered
	if code != 200 || tok == "" {
		t.Fatalf("token creation: %d", code)
	}
	want := "vigie scan --hub " + s.ts.URL + " --token vgt_"
	if !strings.Contains(body, want) || !strings.Contains(body, "vigie mail milter --hub "+s.ts.URL+" --token vgt_") {
		t.Fatalf("token page lacks the command to paste (%q): %s", want, body)
	}
	ts, _ := s.st.ListTokens(t.Context(), store.Viewer{OrgID: s.a.ID})
	if len(ts) != 1 || ts[0].UserID != s.mustUser("ann").ID {
		t.Fatalf("token not tied to its maker: %+v", ts)
	}
}

// TestUIErrorLogged: a page that fails says "the log has the details" with
// a reference, and the log has that reference and the error.
func TestUIErrorLogged(t *testing.T) {
	var buf bytes.Buffer
	s := newSiteOpts(t, hub.Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	s.ui.mux.HandleFunc("GET /test-failure", func(w http.ResponseWriter, r *http.Request) {
		s.ui.serverError(w, r, "reading the disk", errors.New("disk on fire"))
	})
	res, err := http.Get(s.ts.URL + "/test-failure")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	id := res.Header.Get("X-Request-Id")
	if res.StatusCode != 500 || id == "" {
		t.Fatalf("status %d, id %q", res.StatusCode, id)
	}
	if log := buf.String(); !strings.Contains(log, "request_id="+id) || !strings.Contains(log, "disk on fire") {
		t.Fatalf("log: %s", log)
	}
}

// TestAdminResetsLogin: what the login page promises ("ask your
// administrator"): a new password shown once, to change at the next login,
// and the removal of a lost second factor.
func TestAdminResetsLogin(t *testing.T) {
	s := newSite(t)
	s.user("Party A", "ann", store.RoleAdmin)
	bob := s.user("Party A", "bob", store.RoleAdmin) // has TOTP
	a := s.browser()
	a.login("ann", pw)
	a.get("/users")
	code, body := a.post("/users/"+itoa(bob.ID)+"/reset-second-factor", url.Values{"csrf": {a.csrf()}}, "")
	if code != 200 || !strings.Contains(body, "set up a new second factor") {
		t.Fatalf("reset second factor: %d %s", code, body)
	}
	if got := s.mustUser("bob"); got.TOTPEnabled || got.Passkeys != 0 {
		t.Fatalf("second factor still there: %+v", got)
	}
	code, body = a.post("/users/"+itoa(bob.ID)+"/reset-password", url.Values{"csrf": {a.csrf()}}, "")
	m := regexp.MustCompile(`<code class="secret">([^<]+)</code>`).FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("reset password: %d %s", code, body)
	}
	b := s.browser()
	if _, body := b.login("bob", pw); strings.Contains(body, "Dashboard") {
		t.Fatal("the old password still works")
	}
	if _, body := b.login("bob", m[1]); !strings.Contains(body, "Set up two-factor login") {
		t.Fatalf("bob with the new password is not asked to set up a second factor: %s", body)
	}
	if code, _ := a.post("/users/"+itoa(s.mustUser("ann").ID)+"/reset-password", url.Values{"csrf": {a.csrf()}}, ""); code != http.StatusUnprocessableEntity {
		t.Fatalf("self reset: %d", code)
	}
	s.user("Party B", "mallory", store.RoleAdmin)
	m2 := s.browser()
	m2.login("mallory", pw)
	m2.get("/users")
	if code, _ := m2.post("/users/"+itoa(bob.ID)+"/reset-password", url.Values{"csrf": {m2.csrf()}}, ""); code != 404 {
		t.Fatalf("another party resets bob: %d", code)
	}
}
