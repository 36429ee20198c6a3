package web

// Login: a password, then a second factor (a passkey or a TOTP code) for
// every user who can publish indicators or create tokens, and for anyone
// who set one up.
//
// Failed logins slow further attempts down instead of locking the account:
// a failure on an (account, client address) pair makes the next attempt
// from that pair wait, doubling up to a bound; failures on an account from
// everywhere slow it down too, but never a browser where the user logged in
// before (it carries a device cookie), so that an attacker guessing
// passwords cannot lock the real user out. The client address is the
// connection's, or the one a configured trusted proxy names.

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/store"
)

// Login throttles. pairThrottle: one account from one address (a guesser);
// accountThrottle: one account from all addresses (a distributed guesser;
// skipped by a trusted browser); secondFactorThrottle: wrong TOTP codes
// after a right password.
var (
	pairThrottle         = store.Throttle{Free: 3, Base: 2 * time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}
	accountThrottle      = store.Throttle{Free: 10, Base: time.Second, Max: 2 * time.Minute, Forget: 24 * time.Hour}
	secondFactorThrottle = store.Throttle{Free: 3, Base: 2 * time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}
)

const (
	loginCSRFCookie = "vigie_login_csrf"
	// deviceCookie marks a browser where a user logged in fully.
	deviceCookie = "vigie_device"
	deviceTTL    = 180 * 24 * time.Hour
)

// authPages are the templates of login and account pages.
var authPages = []string{"login", "totp", "setup_totp", "password", "account"}

func (u *UI) authRoutes() {
	u.mux.HandleFunc("GET /login", u.loginPage)
	u.mux.HandleFunc("POST /login", u.login)
	u.mux.HandleFunc("POST /logout", u.logout)
	u.mux.HandleFunc("GET /login/totp", u.partial(u.totpPage))
	u.mux.HandleFunc("POST /login/totp", u.partial(u.totp))
	u.mux.HandleFunc("GET /setup/totp", u.partial(u.setupTOTPPage))
	u.mux.HandleFunc("POST /setup/totp", u.partial(u.setupTOTP))
	u.mux.HandleFunc("GET /account/password", u.partial(u.passwordPage))
	u.mux.HandleFunc("POST /account/password", u.partial(u.changePassword))
	u.mux.HandleFunc("POST /account/language", u.full(u.setLanguage))
	u.passkeyRoutes()
	u.userRoutes()
}

// needs2FA: every role that can publish indicators (agency administrators
// and analysts) or create tokens (administrators of any organisation), and
// whoever set up a second factor.
func needs2FA(us *store.User) bool {
	if has2FA(us) || us.Role == store.RoleAdmin {
		return true
	}
	return us.OrgKind == store.KindAgency && us.Role == store.RoleAnalyst
}

// has2FA: the user has a passkey or a TOTP authenticator.
func has2FA(us *store.User) bool { return us.TOTPEnabled || us.Passkeys > 0 }

func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	if se, _ := u.session(r); se != nil && se.SecondFactor {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	u.showLogin(w, r, http.StatusOK, "")
}

func (u *UI) showLogin(w http.ResponseWriter, r *http.Request, code int, msg string) {
	tok := randomID()
	u.setCookie(w, r, loginCSRFCookie, tok, 3600)
	u.render(w, code, "login", page{Title: "Log in", CSRF: tok, Error: msg, Lang: requestLang(r, "")})
}

// waitMessage tells how long to wait, in words.
func waitMessage(d time.Duration) string {
	switch {
	case d <= time.Minute:
		return fmt.Sprintf("%d seconds", int(d.Seconds())+1)
	default:
		return fmt.Sprintf("%d minutes", int(d.Minutes())+1)
	}
}

// trustedDevice reports whether the request carries the device cookie of
// user id.
func (u *UI) trustedDevice(r *http.Request, userID int64) bool {
	c, err := r.Cookie(deviceCookie)
	if err != nil || len(c.Value) > 100 || userID == 0 {
		return false
	}
	id, err := u.st.DeviceUser(r.Context(), hub.HashToken(c.Value))
	return err == nil && id == userID
}

// rememberDevice gives the browser a device cookie for user id.
func (u *UI) rememberDevice(w http.ResponseWriter, r *http.Request, userID int64) {
	val := ""
	if c, err := r.Cookie(deviceCookie); err == nil && len(c.Value) == 43 {
		val = c.Value
	} else {
		val = randomID()
	}
	if err := u.st.TrustDevice(r.Context(), hub.HashToken(val), userID, deviceTTL); err != nil {
		u.logError(r, "remembering a browser", err)
		return
	}
	u.setCookie(w, r, deviceCookie, val, int(deviceTTL/time.Second))
}

// throttled returns how long the login of name from addr must wait.
func (u *UI) throttled(r *http.Request, name, addr string, trusted bool) time.Duration {
	keys := []string{store.ThrottlePairKey(name, addr)}
	if !trusted {
		keys = append(keys, store.ThrottleAccountKey(name))
	}
	var wait time.Duration
	for _, k := range keys {
		until, err := u.st.LockedUntil(r.Context(), k)
		if err != nil {
			u.logError(r, "reading the login throttle", err)
			continue
		}
		if !until.IsZero() {
			wait = max(wait, until.Sub(u.now()))
		}
	}
	return wait
}

func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || !checkCSRF(r, c.Value) {
		u.showLogin(w, r, http.StatusForbidden, "The login form expired. Please try again.")
		return
	}
	ctx := r.Context()
	name := strings.TrimSpace(r.PostFormValue("username"))
	if len(name) > 100 {
		name = name[:100]
	}
	key := strings.ToLower(name)
	addr := u.hub.ClientIP(r)
	us, uerr := u.st.UserByName(ctx, name)
	trusted := uerr == nil && u.trustedDevice(r, us.ID)
	if wait := u.throttled(r, key, addr, trusted); wait > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		u.showLogin(w, r, http.StatusTooManyRequests, "Too many failed attempts for this account. Wait "+waitMessage(wait)+" and try again, or ask your administrator.")
		return
	}
	hash := "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	if uerr == nil {
		hash = us.PasswordHash
	}
	ok := hub.CheckPassword(hash, r.PostFormValue("password")) && uerr == nil && !us.Disabled
	if !ok {
		u.hub.CountLoginFailure()
		if _, err := u.st.ThrottleFailure(ctx, store.ThrottlePairKey(key, addr), pairThrottle); err != nil {
			u.logError(r, "recording a failed login", err)
		}
		if !trusted {
			if _, err := u.st.ThrottleFailure(ctx, store.ThrottleAccountKey(key), accountThrottle); err != nil {
				u.logError(r, "recording a failed login", err)
			}
		}
		u.st.Audit(ctx, store.Actor{OrgID: us.OrgID, Name: "ip:" + addr}, "login.failed", "user:"+indicator.Shorten(name), "")
		u.showLogin(w, r, http.StatusUnauthorized, "Wrong user name or password.")
		return
	}
	if err := u.st.ClearLoginThrottle(ctx, key); err != nil {
		u.logError(r, "clearing the login throttle", err)
	}
	if err := u.startSession(w, r, &us, !needs2FA(&us)); err != nil {
		u.serverError(w, r, "starting a session", err)
		return
	}
	u.setCookie(w, r, loginCSRFCookie, "", -1)
	next := "/"
	switch {
	case has2FA(&us):
		next = "/login/totp"
	case needs2FA(&us):
		next = "/setup/totp"
	default:
		u.loggedIn(w, r, &us, "")
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// loggedIn records a complete login.
func (u *UI) loggedIn(w http.ResponseWriter, r *http.Request, us *store.User, how string) {
	ctx := r.Context()
	u.st.RecordLogin(ctx, us.ID)
	u.st.Audit(ctx, store.Actor{OrgID: us.OrgID, Name: "user:" + us.Username}, "login", "", how)
	u.rememberDevice(w, r, us.ID)
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	se, _ := u.session(r)
	if se != nil {
		if !checkCSRF(r, se.CSRF) {
			u.httpError(w, r, "The form expired: reload the page.", http.StatusForbidden)
			return
		}
		u.st.DeleteSession(r.Context(), se.IDHash)
	}
	u.setCookie(w, r, u.cookieName(r), "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// secondFactorData is what the second-factor page offers.
type secondFactorData struct {
	TOTP, Passkey bool
}

func (u *UI) totpPage(w http.ResponseWriter, r *http.Request, q *req) {
	if !has2FA(q.us) {
		http.Redirect(w, r, "/setup/totp", http.StatusSeeOther)
		return
	}
	if q.se.SecondFactor {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	u.render(w, 200, "totp", q.page("Two-factor check", "", secondFactorData{TOTP: q.us.TOTPEnabled, Passkey: q.us.Passkeys > 0}))
}

func (u *UI) totp(w http.ResponseWriter, r *http.Request, q *req) {
	ctx := r.Context()
	key := store.ThrottlePairKey(strings.ToLower(q.us.Username), "second-factor")
	d := secondFactorData{TOTP: q.us.TOTPEnabled, Passkey: q.us.Passkeys > 0}
	if until, _ := u.st.LockedUntil(ctx, key); !until.IsZero() {
		pg := q.page("Two-factor check", "", d)
		pg.Error = "Too many wrong codes. Wait " + waitMessage(until.Sub(u.now())) + " and try again."
		u.render(w, http.StatusTooManyRequests, "totp", pg)
		return
	}
	step, ok := hub.TOTPStep(q.us.TOTPSecret, r.PostFormValue("code"), u.now())
	ok = ok && q.us.TOTPEnabled
	fresh := false
	if ok {
		var err error
		if fresh, err = u.st.UseTOTPStep(ctx, q.us.ID, step); err != nil {
			u.serverError(w, r, "checking a two-factor code", err)
			return
		}
	}
	if !ok || !fresh {
		u.hub.CountLoginFailure()
		u.st.ThrottleFailure(ctx, key, secondFactorThrottle)
		pg := q.page("Two-factor check", "", d)
		pg.Error = "That code is not right. Check your phone's clock and type the current code."
		if ok {
			pg.Error = "That code was already used. Wait for the next code (they change every 30 seconds) and type it."
		}
		u.render(w, http.StatusUnauthorized, "totp", pg)
		return
	}
	u.st.ClearLoginThrottle(ctx, strings.ToLower(q.us.Username))
	if err := u.startSession(w, r, q.us, true); err != nil {
		u.serverError(w, r, "starting a session", err)
		return
	}
	u.loggedIn(w, r, q.us, "with two-factor (TOTP)")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

type totpSetup struct {
	Secret string
	URI    template.URL // otpauth://: html/template would otherwise refuse the scheme
	QR     template.URL // data:image/png;base64,...
	// Required: the user must have a second factor; Passkeys: they may
	// register a passkey instead.
	Required, Passkeys bool
}

// totpSetupData returns the set-up page data for the user's pending
// secret, generating it (server-side) on first use.
func (u *UI) totpSetupData(r *http.Request, q *req) (totpSetup, error) {
	secret := q.us.TOTPPending
	if secret == "" {
		secret = hub.NewTOTPSecret()
		if err := u.st.SetTOTPPending(r.Context(), q.us.ID, secret); err != nil {
			return totpSetup{}, err
		}
		q.us.TOTPPending = secret
	}
	uri := hub.TOTPURI("Vigie", q.us.Username, secret)
	png, err := hub.TOTPQR(uri)
	if err != nil {
		return totpSetup{}, err
	}
	return totpSetup{Secret: secret, URI: template.URL(uri), QR: template.URL(png), Required: needs2FA(q.us), Passkeys: !q.se.SecondFactor}, nil
}

func (u *UI) setupTOTPPage(w http.ResponseWriter, r *http.Request, q *req) {
	if has2FA(q.us) && !q.se.SecondFactor {
		http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
		return
	}
	d, err := u.totpSetupData(r, q)
	if err != nil {
		u.serverError(w, r, "preparing two-factor set-up", err)
		return
	}
	u.render(w, 200, "setup_totp", q.page("Two-factor login", "", d))
}

func (u *UI) setupTOTP(w http.ResponseWriter, r *http.Request, q *req) {
	if has2FA(q.us) && !q.se.SecondFactor {
		http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
		return
	}
	// The secret is the one the hub generated and kept, never one sent by
	// the form: a posted "secret" field is ignored.
	d, err := u.totpSetupData(r, q)
	if err != nil {
		u.serverError(w, r, "preparing two-factor set-up", err)
		return
	}
	step, ok := hub.TOTPStep(d.Secret, r.PostFormValue("code"), u.now())
	if !ok {
		pg := q.page("Two-factor login", "", d)
		pg.Error = "That code is not right. Type the code your app shows now for Vigie."
		u.render(w, http.StatusUnprocessableEntity, "setup_totp", pg)
		return
	}
	if err := u.st.EnableTOTP(r.Context(), q.p.ActorFor(), q.us.ID, step); err != nil {
		u.serverError(w, r, "turning on two-factor login", err)
		return
	}
	if err := u.startSession(w, r, q.us, true); err != nil {
		u.serverError(w, r, "starting a session", err)
		return
	}
	if !q.se.SecondFactor {
		u.loggedIn(w, r, q.us, "two-factor (TOTP) set up")
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (u *UI) passwordPage(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.se.SecondFactor {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	u.render(w, 200, "password", q.page("New password", "", nil))
}

func (u *UI) changePassword(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.se.SecondFactor {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	fail := func(msg string) {
		pg := q.page("New password", "", nil)
		pg.Error = msg
		u.render(w, http.StatusUnprocessableEntity, "password", pg)
	}
	if !hub.CheckPassword(q.us.PasswordHash, r.PostFormValue("current")) {
		fail("The current password is not right.")
		return
	}
	newPW := r.PostFormValue("new")
	if newPW == r.PostFormValue("current") {
		fail("Choose a password different from the current one.")
		return
	}
	if err := hub.CheckPasswordPolicy(newPW, q.us.Username); err != nil {
		fail("This password is refused: " + strings.TrimPrefix(err.Error(), hub.ErrWeakPassword.Error()+": ") + ".")
		return
	}
	hash, err := hub.HashPassword(newPW)
	if err != nil {
		fail(err.Error())
		return
	}
	if err := u.st.UpdateUser(r.Context(), q.p.Viewer(), q.p.ActorFor(), q.us.ID, store.UserUpdate{PasswordHash: &hash, MustChangePassword: new(false)}); err != nil {
		u.serverError(w, r, "saving a password", err)
		return
	}
	if err := u.startSession(w, r, q.us, true); err != nil {
		u.serverError(w, r, "starting a session", err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// setLanguage records the user's UI language ("" = the browser's).
func (u *UI) setLanguage(w http.ResponseWriter, r *http.Request, q *req) {
	lang := r.PostFormValue("lang")
	if lang != "" && lang != langEN && lang != langFR {
		u.showAccount(w, r, q, http.StatusUnprocessableEntity, "", "Choose the language of the hub's pages.")
		return
	}
	if err := u.st.SetLanguage(r.Context(), q.us.ID, lang); err != nil {
		u.fail(w, q, err)
		return
	}
	q.us.Language = lang
	q.lang = requestLang(r, lang)
	u.showAccount(w, r, q, 200, "Language saved.", "")
}
