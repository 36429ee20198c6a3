package web

// Passkeys (WebAuthn): the second factor that credential phishing cannot
// steal. The browser signs a challenge with a key bound to this site's
// domain: a look-alike site that relays the password and even a TOTP code
// gets nothing it can use, because the browser will not sign for the real
// domain there, and the hub checks the origin the browser reports.
//
// A passkey serves as the second factor after the password, or alone
// ("log in with a passkey"): the browser then proves both possession of
// the key and the user's verification (PIN or biometrics), which is two
// factors in one, so the hub requires user verification on that path.
//
// Ceremony state (the challenge) is kept in the store, keyed by the
// session (or by a one-time cookie for a passkey-only login), and can be
// answered once, within five minutes.

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/store"
)

const (
	ceremonyTTL     = 5 * time.Minute
	passkeyCookie   = "vigie_passkey"
	maxPasskeyBody  = 64 << 10
	maxPasskeysUser = 20
)

func (u *UI) passkeyRoutes() {
	u.mux.HandleFunc("POST /passkeys/register/begin", u.partial(u.passkeyRegisterBegin))
	u.mux.HandleFunc("POST /passkeys/register/finish", u.partial(u.passkeyRegisterFinish))
	u.mux.HandleFunc("POST /login/passkey/begin", u.partial(u.passkeyLoginBegin))
	u.mux.HandleFunc("POST /login/passkey/finish", u.partial(u.passkeyLoginFinish))
	u.mux.HandleFunc("POST /login/passkey/discover/begin", u.passkeyDiscoverBegin)
	u.mux.HandleFunc("POST /login/passkey/discover/finish", u.passkeyDiscoverFinish)
	u.mux.HandleFunc("GET /account", u.full(u.account))
	u.mux.HandleFunc("POST /account/passkeys/{id}/delete", u.full(u.deletePasskey))
}

// relyingParty is the WebAuthn configuration for the site the browser
// reached: the relying party id is the host name, the only accepted origin
// the scheme and host of the request. A phishing proxy on another domain
// cannot obtain a signature for this one.
func (u *UI) relyingParty(r *http.Request) (*webauthn.WebAuthn, error) {
	host := r.Host
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.Trim(name, "[]")
	if name == "" {
		return nil, errors.New("the request names no host")
	}
	scheme := "http"
	if u.hub.Secure(r) {
		scheme = "https"
	}
	return webauthn.New(&webauthn.Config{
		RPID:          name,
		RPDisplayName: "Vigie",
		RPOrigins:     []string{scheme + "://" + host},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: ceremonyTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: ceremonyTTL},
		},
	})
}

// waUser is a hub user as the WebAuthn library sees it.
type waUser struct {
	us     *store.User
	handle []byte
	creds  []webauthn.Credential
}

func (w *waUser) WebAuthnID() []byte                         { return w.handle }
func (w *waUser) WebAuthnName() string                       { return w.us.Username }
func (w *waUser) WebAuthnDisplayName() string                { return w.us.Username + " (" + w.us.OrgName + ")" }
func (w *waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

// loadWAUser reads the user's handle (making one the first time) and
// passkeys.
// ceremonyParties is what every passkey ceremony of a signed-in user
// needs: the relying party for this request's origin and the user with
// the passkeys stored for them. On failure it has answered the request.
func (u *UI) ceremonyParties(w http.ResponseWriter, r *http.Request, q *req) (*webauthn.WebAuthn, *waUser, bool) {
	wa, err := u.relyingParty(r)
	if err != nil {
		u.jsonError(w, q.lang, http.StatusBadRequest, err.Error())
		return nil, nil, false
	}
	wu, err := u.loadWAUser(r, q.us)
	if err != nil {
		u.logError(r, "reading passkeys", err)
		u.jsonError(w, q.lang, http.StatusInternalServerError, "The hub could not read your passkeys; its log has the details (reference "+hub.RequestID(r.Context())+").")
		return nil, nil, false
	}
	return wa, wu, true
}

func (u *UI) loadWAUser(r *http.Request, us *store.User) (*waUser, error) {
	b := make([]byte, 32)
	rand.Read(b)
	h, err := u.st.WebAuthnHandle(r.Context(), us.ID, base64.RawURLEncoding.EncodeToString(b))
	if err != nil {
		return nil, err
	}
	handle, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("user handle of %s: %w", us.Username, err)
	}
	pks, err := u.st.ListPasskeys(r.Context(), us.ID)
	if err != nil {
		return nil, err
	}
	wu := &waUser{us: us, handle: handle}
	for _, pk := range pks {
		var c webauthn.Credential
		if err := json.Unmarshal(pk.Data, &c); err != nil {
			return nil, fmt.Errorf("passkey %d of %s: %w", pk.ID, us.Username, err)
		}
		wu.creds = append(wu.creds, c)
	}
	return wu, nil
}

// jsonError answers a script with an error message in lang.
func (u *UI) jsonError(w http.ResponseWriter, lang string, code int, msg string) {
	if lang == langFR {
		msg = u.cat.message(msg)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func jsonOK(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}

// ceremonyError answers a failed WebAuthn check: the library's detail
// goes to the log, the person gets a plain sentence.
func (u *UI) ceremonyError(w http.ResponseWriter, r *http.Request, lang, what string, err error) {
	var perr *protocol.Error
	if errors.As(err, &perr) {
		u.hub.Logger().Info("web: passkey refused", "request_id", hub.RequestID(r.Context()), "what", what, "err", perr.Details, "info", perr.DevInfo)
	} else {
		u.hub.Logger().Info("web: passkey refused", "request_id", hub.RequestID(r.Context()), "what", what, "err", err)
	}
	u.jsonError(w, lang, http.StatusBadRequest, "The passkey check failed ("+what+"). Try again; if it keeps failing, use another passkey or your authenticator app.")
}

func (u *UI) passkeyRegisterBegin(w http.ResponseWriter, r *http.Request, q *req) {
	// A full login, or a user setting up their first second factor.
	if !q.se.SecondFactor && has2FA(q.us) {
		u.jsonError(w, q.lang, http.StatusForbidden, "Finish logging in first.")
		return
	}
	if q.us.Passkeys >= maxPasskeysUser {
		u.jsonError(w, q.lang, http.StatusUnprocessableEntity, fmt.Sprintf("You have %d passkeys already: remove one first.", q.us.Passkeys))
		return
	}
	wa, wu, ok := u.ceremonyParties(w, r, q)
	if !ok {
		return
	}
	opts, sd, err := wa.BeginRegistration(wu,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{ResidentKey: protocol.ResidentKeyRequirementPreferred, UserVerification: protocol.VerificationPreferred}),
		webauthn.WithExclusions(webauthn.Credentials(wu.creds).CredentialDescriptors()),
	)
	if err != nil {
		u.ceremonyError(w, r, q.lang, "starting registration", err)
		return
	}
	if !u.saveCeremony(w, r, q.se.IDHash, q.us.ID, "register", sd) {
		return
	}
	jsonOK(w, opts)
}

func (u *UI) saveCeremony(w http.ResponseWriter, r *http.Request, key string, userID int64, kind string, sd *webauthn.SessionData) bool {
	data, err := json.Marshal(sd)
	if err == nil {
		err = u.st.PutCeremony(r.Context(), key, userID, kind, data, u.now().Add(ceremonyTTL))
	}
	if err != nil {
		u.logError(r, "keeping a passkey challenge", err)
		u.jsonError(w, langEN, http.StatusInternalServerError, "The hub could not start the passkey check; its log has the details (reference "+hub.RequestID(r.Context())+").")
		return false
	}
	return true
}

func (u *UI) takeCeremony(r *http.Request, key, kind string, userID int64) (webauthn.SessionData, error) {
	var sd webauthn.SessionData
	id, data, err := u.st.TakeCeremony(r.Context(), key, kind)
	if err != nil {
		return sd, err
	}
	if userID != 0 && id != userID {
		return sd, store.ErrNotFound
	}
	if err := json.Unmarshal(data, &sd); err != nil {
		return sd, fmt.Errorf("passkey challenge: %w", err)
	}
	return sd, nil
}

func (u *UI) passkeyRegisterFinish(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.se.SecondFactor && has2FA(q.us) {
		u.jsonError(w, q.lang, http.StatusForbidden, "Finish logging in first.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxPasskeyBody)
	sd, err := u.takeCeremony(r, q.se.IDHash, "register", q.us.ID)
	if err != nil {
		u.jsonError(w, q.lang, http.StatusBadRequest, "No passkey registration is in progress (or it took more than five minutes): try again.")
		return
	}
	wa, wu, ok := u.ceremonyParties(w, r, q)
	if !ok {
		return
	}
	cred, err := wa.FinishRegistration(wu, sd, r)
	if err != nil {
		u.ceremonyError(w, r, q.lang, "registration", err)
		return
	}
	data, err := json.Marshal(cred)
	if err != nil {
		u.logError(r, "encoding a passkey", err)
		u.jsonError(w, q.lang, http.StatusInternalServerError, "The hub could not save the passkey.")
		return
	}
	name := strings.TrimSpace(r.URL.Query().Get("name"))
	if name == "" {
		name = "passkey made " + u.now().UTC().Format("2006-01-02")
	}
	if _, err := u.st.AddPasskey(r.Context(), q.p.ActorFor(), store.Passkey{UserID: q.us.ID, CredentialID: base64.RawURLEncoding.EncodeToString(cred.ID), Name: name, Data: data}); err != nil {
		if errors.Is(err, store.ErrConflict) {
			u.jsonError(w, q.lang, http.StatusConflict, "This passkey is registered already.")
			return
		}
		u.logError(r, "saving a passkey", err)
		u.jsonError(w, q.lang, http.StatusInternalServerError, "The hub could not save the passkey.")
		return
	}
	next := "/account"
	if !q.se.SecondFactor {
		// The first second factor, made right after the password: the login
		// is complete.
		if err := u.startSession(w, r, q.us, true); err != nil {
			u.logError(r, "starting a session", err)
			u.jsonError(w, q.lang, http.StatusInternalServerError, "The hub could not start a session.")
			return
		}
		u.loggedIn(w, r, q.us, "passkey set up")
		next = "/"
	}
	saved := "Passkey saved: " + name + "."
	if q.lang == langFR {
		saved = u.cat.message(saved)
	}
	jsonOK(w, map[string]string{"redirect": next, "message": saved})
}

func (u *UI) passkeyLoginBegin(w http.ResponseWriter, r *http.Request, q *req) {
	if q.us.Passkeys == 0 {
		u.jsonError(w, q.lang, http.StatusBadRequest, "You have no passkey yet.")
		return
	}
	wa, wu, ok := u.ceremonyParties(w, r, q)
	if !ok {
		return
	}
	opts, sd, err := wa.BeginLogin(wu, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		u.ceremonyError(w, r, q.lang, "starting the check", err)
		return
	}
	if !u.saveCeremony(w, r, q.se.IDHash, q.us.ID, "login", sd) {
		return
	}
	jsonOK(w, opts)
}

func (u *UI) passkeyLoginFinish(w http.ResponseWriter, r *http.Request, q *req) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPasskeyBody)
	ctx := r.Context()
	key := store.ThrottlePairKey(strings.ToLower(q.us.Username), "second-factor")
	if until, _ := u.st.LockedUntil(ctx, key); !until.IsZero() {
		u.jsonError(w, q.lang, http.StatusTooManyRequests, "Too many failed checks. Wait "+waitMessage(until.Sub(u.now()))+" and try again.")
		return
	}
	sd, err := u.takeCeremony(r, q.se.IDHash, "login", q.us.ID)
	if err != nil {
		u.jsonError(w, q.lang, http.StatusBadRequest, "No passkey check is in progress (or it took more than five minutes): try again.")
		return
	}
	wa, wu, ok := u.ceremonyParties(w, r, q)
	if !ok {
		return
	}
	cred, err := wa.FinishLogin(wu, sd, r)
	if err == nil && cred.Authenticator.CloneWarning {
		err = errors.New("the passkey's signature counter went backwards: it may have been cloned")
	}
	if err != nil {
		u.hub.CountLoginFailure()
		u.st.ThrottleFailure(ctx, key, secondFactorThrottle)
		u.ceremonyError(w, r, q.lang, "login", err)
		return
	}
	if !u.passkeyUsed(w, r, q.us, cred) {
		return
	}
	u.st.ClearLoginThrottle(ctx, strings.ToLower(q.us.Username))
	if err := u.startSession(w, r, q.us, true); err != nil {
		u.logError(r, "starting a session", err)
		u.jsonError(w, q.lang, http.StatusInternalServerError, "The hub could not start a session.")
		return
	}
	u.loggedIn(w, r, q.us, "with a passkey")
	jsonOK(w, map[string]string{"redirect": "/"})
}

// passkeyUsed saves the credential's new state (sign counter, flags).
func (u *UI) passkeyUsed(w http.ResponseWriter, r *http.Request, us *store.User, cred *webauthn.Credential) bool {
	data, err := json.Marshal(cred)
	if err == nil {
		err = u.st.UsePasskey(r.Context(), us.ID, base64.RawURLEncoding.EncodeToString(cred.ID), data)
	}
	if err != nil {
		u.logError(r, "saving a passkey's use", err)
		u.jsonError(w, langEN, http.StatusInternalServerError, "The hub could not record the passkey's use.")
		return false
	}
	return true
}

// passkeyDiscoverBegin starts a passkey-only login: the browser offers the
// passkeys it holds for this site. The login form's CSRF cookie guards it.
func (u *UI) passkeyDiscoverBegin(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || !checkCSRF(r, c.Value) {
		u.jsonError(w, requestLang(r, ""), http.StatusForbidden, "The login form expired. Reload the page and try again.")
		return
	}
	wa, err := u.relyingParty(r)
	if err != nil {
		u.jsonError(w, requestLang(r, ""), http.StatusBadRequest, err.Error())
		return
	}
	// Required user verification: the library refuses an assertion whose
	// UV flag is not set, so a passkey alone is two factors.
	opts, sd, err := wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		u.ceremonyError(w, r, requestLang(r, ""), "starting the check", err)
		return
	}
	id := randomID()
	if !u.saveCeremony(w, r, hub.HashToken(id), 0, "discover", sd) {
		return
	}
	u.setCookie(w, r, passkeyCookie, id, int(ceremonyTTL/time.Second))
	jsonOK(w, opts)
}

func (u *UI) passkeyDiscoverFinish(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPasskeyBody)
	lc, err1 := r.Cookie(loginCSRFCookie)
	pc, err2 := r.Cookie(passkeyCookie)
	if err1 != nil || err2 != nil || !checkCSRF(r, lc.Value) || len(pc.Value) > 100 {
		u.jsonError(w, requestLang(r, ""), http.StatusForbidden, "The login form expired. Reload the page and try again.")
		return
	}
	u.setCookie(w, r, passkeyCookie, "", -1)
	sd, err := u.takeCeremony(r, hub.HashToken(pc.Value), "discover", 0)
	if err != nil {
		u.jsonError(w, requestLang(r, ""), http.StatusBadRequest, "No passkey check is in progress (or it took more than five minutes): try again.")
		return
	}
	wa, err := u.relyingParty(r)
	if err != nil {
		u.jsonError(w, requestLang(r, ""), http.StatusBadRequest, err.Error())
		return
	}
	var found *store.User
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		us, err := u.st.UserByWebAuthnHandle(r.Context(), base64.RawURLEncoding.EncodeToString(userHandle))
		if err != nil {
			return nil, fmt.Errorf("no user for this passkey: %w", err)
		}
		if us.Disabled {
			return nil, errors.New("the user is disabled")
		}
		found = &us
		return u.loadWAUser(r, &us)
	}
	_, cred, err := wa.FinishPasskeyLogin(handler, sd, r)
	if err == nil && cred.Authenticator.CloneWarning {
		err = errors.New("the passkey's signature counter went backwards: it may have been cloned")
	}
	if err != nil || found == nil {
		u.hub.CountLoginFailure()
		if err == nil {
			err = errors.New("no user")
		}
		u.st.Audit(r.Context(), store.Actor{Name: "ip:" + u.hub.ClientIP(r)}, "login.failed", "passkey", "")
		u.ceremonyError(w, r, requestLang(r, ""), "login", err)
		return
	}
	if !u.passkeyUsed(w, r, found, cred) {
		return
	}
	if err := u.startSession(w, r, found, true); err != nil {
		u.logError(r, "starting a session", err)
		u.jsonError(w, requestLang(r, ""), http.StatusInternalServerError, "The hub could not start a session.")
		return
	}
	u.setCookie(w, r, loginCSRFCookie, "", -1)
	u.loggedIn(w, r, found, "with a passkey alone (user verified)")
	jsonOK(w, map[string]string{"redirect": "/"})
}

type accountData struct {
	Passkeys []store.Passkey
	TOTP     bool
	Required bool
}

func (u *UI) account(w http.ResponseWriter, r *http.Request, q *req) {
	u.showAccount(w, r, q, 200, "", "")
}

func (u *UI) showAccount(w http.ResponseWriter, r *http.Request, q *req, code int, flash, errMsg string) {
	pks, err := u.st.ListPasskeys(r.Context(), q.us.ID)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	pg := q.page("My account", "account", accountData{Passkeys: pks, TOTP: q.us.TOTPEnabled, Required: roleNeeds2FA(q.us)})
	pg.Flash, pg.Error = flash, errMsg
	u.render(w, code, "account", pg)
}

// roleNeeds2FA: the user's role requires a second factor, whatever they
// set up.
func roleNeeds2FA(us *store.User) bool {
	return us.Role == store.RoleAdmin || (us.OrgKind == store.KindAgency && us.Role == store.RoleAnalyst)
}

func (u *UI) deletePasskey(w http.ResponseWriter, r *http.Request, q *req) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if roleNeeds2FA(q.us) && !q.us.TOTPEnabled && q.us.Passkeys <= 1 {
		u.showAccount(w, r, q, http.StatusUnprocessableEntity, "", "This is your only second factor, which your role requires: add another passkey or an authenticator app first.")
		return
	}
	if err := u.st.DeletePasskey(r.Context(), q.p.ActorFor(), q.us.ID, id); err != nil {
		u.fail(w, q, err)
		return
	}
	q.us.Passkeys--
	u.showAccount(w, r, q, 200, "Passkey removed: it no longer opens your account.", "")
}
