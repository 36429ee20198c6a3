package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"html"
	"image/png"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/store"
)

var secretRe = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)

// TestTwoFactorRoles: every role that can publish indicators or create
// tokens must set up a second factor before reaching any page; a party
// member may log in with a password alone.
func TestTwoFactorRoles(t *testing.T) {
	s := newSite(t)
	for _, tc := range []struct {
		org, name, role string
		required        bool
	}{
		{"Agency", "boss", store.RoleAdmin, true},
		{"Agency", "analyst", store.RoleAnalyst, true},
		{"Party A", "party-admin", store.RoleAdmin, true},
		{"Agency", "reader", store.RoleMember, false},
		{"Party A", "volunteer", store.RoleMember, false},
	} {
		s.rawUser(tc.org, tc.name, tc.role)
		b := s.browser()
		_, body := b.login(tc.name, pw)
		asked := strings.Contains(body, "Set up two-factor login")
		if asked != tc.required {
			t.Errorf("%s (%s %s): asked to set up two-factor = %v, want %v", tc.name, tc.org, tc.role, asked, tc.required)
		}
		_, body = b.get("/indicators")
		if reached := strings.Contains(body, "<h1>Indicators"); reached == tc.required {
			t.Errorf("%s: reached the indicators page = %v before any second factor", tc.name, reached)
		}
	}
}

// TestTOTPSetupServerSecret: the secret comes from the hub, not from the
// form (an all-zero secret posted with its own valid code was accepted);
// the page links the otpauth URI (not "#ZgotmplZ") and shows a QR code.
func TestTOTPSetupServerSecret(t *testing.T) {
	s := newSite(t)
	s.rawUser("Party A", "ann", store.RoleAdmin)
	b := s.browser()
	_, body := b.login("ann", pw)
	body = html.UnescapeString(body)
	m := secretRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no secret on the set-up page: %s", body)
	}
	secret := m[1]
	if strings.Contains(body, "ZgotmplZ") || !strings.Contains(body, `href="otpauth://totp/Vigie:ann?`) {
		t.Fatalf("otpauth link broken: %s", body)
	}
	qr := regexp.MustCompile(`id="totp-qr" src="data:image/png;base64,([A-Za-z0-9+/=]+)"`).FindStringSubmatch(body)
	if qr == nil {
		t.Fatalf("no QR code image: %s", body)
	}
	raw, _ := base64.StdEncoding.DecodeString(qr[1])
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() < 100 {
		t.Fatalf("QR code is not a usable PNG: %v", err)
	}
	// A reload shows the same secret (the app may have scanned it).
	if _, again := b.get("/setup/totp"); secretRe.FindStringSubmatch(again)[1] != secret {
		t.Fatal("the pending secret changed on reload")
	}
	zero := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	zc, _ := hub.TOTPCode(zero, time.Now())
	if code, _ := b.post("/setup/totp", url.Values{"csrf": {b.csrf()}, "secret": {zero}, "code": {zc}}, ""); code != http.StatusUnprocessableEntity {
		t.Fatalf("a code for a secret posted by the form was accepted: %d", code)
	}
	u, _ := s.st.UserByName(context.Background(), "ann")
	if u.TOTPEnabled {
		t.Fatal("two-factor enabled with the posted secret")
	}
	c, _ := hub.TOTPCode(secret, time.Now())
	if code, body := b.post("/setup/totp", url.Values{"csrf": {b.csrf()}, "code": {c}}, ""); code != 200 || !strings.Contains(body, "Dashboard") {
		t.Fatalf("the hub's own secret refused: %d", code)
	}
	u, _ = s.st.UserByName(context.Background(), "ann")
	if !u.TOTPEnabled || u.TOTPSecret != secret || u.TOTPPending != "" {
		t.Fatalf("stored: enabled %v, secret kept %v, pending %q", u.TOTPEnabled, u.TOTPSecret == secret, u.TOTPPending)
	}
}

// TestTOTPReplay: a code accepted once is refused after, even within its
// 30 seconds, and so is any older code.
func TestTOTPReplay(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	us := s.user("Agency", "boss", store.RoleAdmin)
	secret := hub.NewTOTPSecret()
	s.st.SetTOTPPending(ctx, us.ID, secret)
	if err := s.st.EnableTOTP(ctx, store.Actor{Name: "t"}, us.ID, 0); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	code, _ := hub.TOTPCode(secret, now)
	b := s.browser()
	b.login("boss", pw)
	if _, body := b.post("/login/totp", url.Values{"csrf": {b.csrf()}, "code": {code}}, ""); !strings.Contains(body, "Dashboard") {
		t.Fatalf("first use refused: %s", body)
	}
	// The attacker who watched the code (a phishing proxy) tries it again.
	e := s.browser()
	e.login("boss", pw)
	st, body := e.post("/login/totp", url.Values{"csrf": {e.csrf()}, "code": {code}}, "")
	if st != http.StatusUnauthorized || !strings.Contains(body, "already used") {
		t.Fatalf("replayed code: %d %s", st, body)
	}
	old, _ := hub.TOTPCode(secret, now.Add(-30*time.Second))
	if st, _ := e.post("/login/totp", url.Values{"csrf": {e.csrf()}, "code": {old}}, ""); st != http.StatusUnauthorized {
		t.Fatalf("an older code accepted: %d", st)
	}
}

// rawUser creates a user without any second factor.
func (s *site) rawUser(org, name, role string) store.User {
	s.t.Helper()
	u, err := hub.CreateUser(context.Background(), s.st, store.Actor{Name: "cli"}, org, name, role, pw)
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

// proxied is a site behind a trusted reverse proxy at 127.0.0.1, so that
// tests can speak from several client addresses.
func proxied(t *testing.T) *site {
	s := newSiteOpts(t, hub.Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	ctx := context.Background()
	cli := store.Actor{Name: "cli"}
	s.agency, _ = s.st.CreateOrg(ctx, cli, "Agency", store.KindAgency)
	s.a, _ = s.st.CreateOrg(ctx, cli, "Party A", store.KindParty)
	s.b, _ = s.st.CreateOrg(ctx, cli, "Party B", store.KindParty)
	return s
}

// loginFrom logs in as if from addr (the proxy's X-Forwarded-For).
func (b *browser) loginFrom(addr, name, password string) (int, string) {
	b.t.Helper()
	b.get("/login")
	form := url.Values{"csrf": {b.csrf()}, "username": {name}, "password": {password}}
	req, _ := http.NewRequest("POST", b.s.ts.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.s.ts.URL)
	req.Header.Set("X-Forwarded-For", addr)
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	b.last = string(body)
	return res.StatusCode, b.last
}

// TestLockoutCannotBeTurnedAgainstUsers: an attacker failing logins on an
// account is slowed down, but cannot keep the real user out, nor other
// users behind the same proxy; the wait is bounded; `admin user reset`'s
// store call clears it.
func TestLockoutCannotBeTurnedAgainstUsers(t *testing.T) {
	s := proxied(t)
	ctx := context.Background()
	now := time.Now()
	clock := func() time.Time { return now }
	s.st.SetClock(clock)
	s.ui.now = clock
	s.user("Party A", "volunteer", store.RoleMember)
	s.user("Party A", "colleague", store.RoleMember)

	// The volunteer has logged in from their laptop before.
	laptop := s.browser()
	if _, body := laptop.loginFrom("198.51.100.7", "volunteer", pw); !strings.Contains(body, "Dashboard") {
		t.Fatal("first login failed")
	}
	laptop.post("/logout", url.Values{"csrf": {laptop.csrf()}}, "")

	attacker := s.browser()
	throttled := 0
	for range 40 {
		code, body := attacker.loginFrom("203.0.113.66", "volunteer", "guess number one")
		if code == http.StatusTooManyRequests {
			throttled++
			if !strings.Contains(body, "Wait") {
				t.Fatalf("throttle message: %s", body)
			}
		}
		now = now.Add(3 * time.Second)
	}
	if throttled == 0 {
		t.Fatal("an attacker guessing 40 times in two minutes was never slowed down")
	}
	// The real user, from a browser where they logged in before: at once.
	if code, body := laptop.loginFrom("198.51.100.7", "volunteer", pw); code != 200 || !strings.Contains(body, "Dashboard") {
		t.Fatalf("the real user is locked out by the attacker: %d", code)
	}
	// A colleague behind the same proxy, or from the attacker's own
	// address (a shared office NAT): not affected.
	if code, body := s.browser().loginFrom("203.0.113.66", "colleague", pw); code != 200 || !strings.Contains(body, "Dashboard") {
		t.Fatalf("another user behind the same address is locked out: %d", code)
	}
	// From a new browser the account's own throttle applies, but the wait
	// is bounded: never more than two minutes, and never a lock.
	fresh := s.browser()
	code, body := fresh.loginFrom("192.0.2.10", "volunteer", pw)
	if code == http.StatusTooManyRequests {
		if !strings.Contains(body, "seconds") && !strings.Contains(body, "2 minutes") && !strings.Contains(body, "3 minutes") {
			t.Fatalf("the wait is not bounded: %s", body)
		}
		now = now.Add(accountThrottle.Max + time.Second)
		if code, body = fresh.loginFrom("192.0.2.10", "volunteer", pw); code != 200 {
			t.Fatalf("still refused after the longest wait: %d", code)
		}
	}
	// A client cannot forge its address without a trusted proxy: the
	// header from an untrusted peer is ignored.
	direct := newSite(t)
	if got := direct.ui.hub.ClientIP(&http.Request{RemoteAddr: "192.0.2.1:1234", Header: http.Header{"X-Forwarded-For": {"10.9.9.9"}}}); got != "192.0.2.1" {
		t.Fatalf("X-Forwarded-For trusted from a client: %s", got)
	}
	// Reset clears every throttle of the account.
	for range 10 {
		attacker.loginFrom("203.0.113.66", "volunteer", "guess number two")
	}
	if err := s.st.ClearLoginThrottle(ctx, "volunteer"); err != nil {
		t.Fatal(err)
	}
	if code, _ := attacker.loginFrom("203.0.113.66", "volunteer", pw); code != 200 {
		t.Fatalf("after reset: %d", code)
	}
}

// TestPasswordPolicyInUI: the new-password form refuses a common password
// with a clear message.
func TestPasswordPolicyInUI(t *testing.T) {
	s := newSite(t)
	s.user("Party A", "volunteer", store.RoleMember)
	b := s.browser()
	b.login("volunteer", pw)
	b.get("/account/password")
	code, body := b.post("/account/password", url.Values{"csrf": {b.csrf()}, "current": {pw}, "new": {"Password2027!"}}, "")
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "common password") {
		t.Fatalf("common password: %d %s", code, body)
	}
	code, body = b.post("/account/password", url.Values{"csrf": {b.csrf()}, "current": {pw}, "new": {"volunteer-volunteer-7"}}, "")
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "user name") {
		t.Fatalf("password with the user name: %d %s", code, body)
	}
}

// TestBehindTLSProxy: behind a trusted proxy that says the browser used
// HTTPS, cookies are Secure (the session one __Host-) and HSTS is sent;
// the same header from anyone else changes nothing.
func TestBehindTLSProxy(t *testing.T) {
	for _, tc := range []struct {
		name   string
		site   *site
		secure bool
	}{
		{"trusted proxy", proxied(t), true},
		{"no proxy configured", newSite(t), false},
	} {
		s := tc.site
		s.rawUser("Party A", "volunteer", store.RoleMember)
		b := s.browser()
		b.get("/login")
		form := url.Values{"csrf": {b.csrf()}, "username": {"volunteer"}, "password": {pw}}
		req, _ := http.NewRequest("POST", s.ts.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", s.ts.URL)
		req.Header.Set("X-Forwarded-Proto", "https")
		b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		res, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var session *http.Cookie
		for _, c := range res.Cookies() {
			if strings.HasSuffix(c.Name, "vigie_session") {
				session = c
			}
		}
		if session == nil {
			t.Fatalf("%s: no session cookie (%d)", tc.name, res.StatusCode)
		}
		hsts := res.Header.Get("Strict-Transport-Security") != ""
		if session.Secure != tc.secure || (session.Name == "__Host-vigie_session") != tc.secure || hsts != tc.secure {
			t.Errorf("%s: cookie %s secure=%v, HSTS %v; want secure %v", tc.name, session.Name, session.Secure, hsts, tc.secure)
		}
	}
}

// TestOldSessionMustSetUpSecondFactor: a session that began before the
// user's role required a second factor (an upgrade of the hub) reaches no
// page until the user sets one up.
func TestOldSessionMustSetUpSecondFactor(t *testing.T) {
	s := newSite(t)
	us := s.rawUser("Party A", "ann", store.RoleAdmin)
	id := "an-old-session-cookie-value"
	if err := s.st.CreateSession(context.Background(), store.Session{IDHash: hub.HashToken(id), UserID: us.ID, CSRF: "c", SecondFactor: true, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	u, _ := url.Parse(s.ts.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "vigie_session", Value: id, Path: "/"}})
	for _, path := range []string{"/", "/tokens", "/users"} {
		if _, body := b.get(path); !strings.Contains(body, "Set up two-factor login") {
			t.Errorf("%s reachable without a second factor", path)
		}
	}
}
