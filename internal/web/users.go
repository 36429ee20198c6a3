package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/vigie-project/vigie/internal/hub"
)

// userRoutes: an administrator changes a user's role, disables, enables or
// deletes it (its own organisation's users; the agency's, any user).
func (u *UI) userRoutes() {
	u.mux.HandleFunc("POST /users/{id}/role", u.full(u.changeUserRole))
	u.mux.HandleFunc("POST /users/{id}/disable", u.full(u.userChanger(true)))
	u.mux.HandleFunc("POST /users/{id}/enable", u.full(u.userChanger(false)))
	u.mux.HandleFunc("POST /users/{id}/delete", u.full(u.deleteUser))
	u.mux.HandleFunc("POST /users/{id}/reset-password", u.full(u.resetUser(true)))
	u.mux.HandleFunc("POST /users/{id}/reset-second-factor", u.full(u.resetUser(false)))
}

// resetUser gives a user a new password (shown once, to be changed at the
// next login), or removes their second factors (a lost phone or key):
// what the login page tells people to ask their administrator for.
func (u *UI) resetUser(password bool) func(http.ResponseWriter, *http.Request, *req) {
	return func(w http.ResponseWriter, r *http.Request, q *req) {
		id, ok := u.userID(w, r, q)
		if !ok {
			return
		}
		pw := ""
		if password {
			pw = hub.RandomPassword()
		}
		nu, err := hub.ResetLogin(r.Context(), u.st, q.p.Viewer(), q.p.ActorFor(), q.us.ID, id, pw, !password)
		if err != nil {
			u.afterUserChange(w, r, q, "", err)
			return
		}
		if password {
			u.showUsers(w, r, q, 200, userData{NewUser: nu.Username, Password: pw}, "")
			return
		}
		u.afterUserChange(w, r, q, nu.Username+"'s authenticator app and passkeys are removed: they set up a new second factor at the next login.", nil)
	}
}

func (u *UI) userID(w http.ResponseWriter, r *http.Request, q *req) (int64, bool) {
	if !q.p.Can("admin") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return 0, false
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return 0, false
	}
	return id, true
}

// afterUserChange shows the users page with the outcome.
func (u *UI) afterUserChange(w http.ResponseWriter, r *http.Request, q *req, done string, err error) {
	switch {
	case errors.Is(err, hub.ErrRefused):
		u.showUsers(w, r, q, http.StatusUnprocessableEntity, userData{}, "Not done: "+err.Error()+".")
	case err != nil:
		u.fail(w, q, err)
	default:
		u.showUsers(w, r, q, 200, userData{Done: done}, "")
	}
}

func (u *UI) changeUserRole(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := u.userID(w, r, q)
	if !ok {
		return
	}
	role := r.PostFormValue("role")
	nu, err := hub.ChangeUser(r.Context(), u.st, q.p.Viewer(), q.p.ActorFor(), q.us.ID, id, hub.UserChange{Role: &role})
	u.afterUserChange(w, r, q, nu.Username+" is now "+nu.Role+". Their sessions ended: they log in again (with a second factor if the role needs one).", err)
}

func (u *UI) userChanger(disable bool) func(http.ResponseWriter, *http.Request, *req) {
	return func(w http.ResponseWriter, r *http.Request, q *req) {
		id, ok := u.userID(w, r, q)
		if !ok {
			return
		}
		nu, err := hub.ChangeUser(r.Context(), u.st, q.p.Viewer(), q.p.ActorFor(), q.us.ID, id, hub.UserChange{Disabled: &disable})
		done := nu.Username + " is enabled again."
		if disable {
			done = nu.Username + " is disabled: logged out everywhere, and their personal API tokens stop working. Sensor tokens go on."
		}
		u.afterUserChange(w, r, q, done, err)
	}
}

func (u *UI) deleteUser(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := u.userID(w, r, q)
	if !ok {
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		u.showUsers(w, r, q, http.StatusUnprocessableEntity, userData{}, "Tick the box to confirm the deletion.")
		return
	}
	victim, err := u.st.GetUser(r.Context(), q.p.Viewer(), id)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	err = hub.DeleteUser(r.Context(), u.st, q.p.Viewer(), q.p.ActorFor(), q.us.ID, id)
	u.afterUserChange(w, r, q, victim.Username+" is deleted. The audit log keeps what they did.", err)
}

// sensorCommand is a command line the party pastes to use a new token.
type sensorCommand struct {
	What, Line string
}

// sensorCommands are the commands that use a new token with this hub: the
// hub's address as the browser reached it.
func (u *UI) sensorCommands(r *http.Request, token string) []sensorCommand {
	scheme := "http"
	if u.hub.Secure(r) {
		scheme = "https"
	}
	hubURL := scheme + "://" + r.Host
	return []sensorCommand{
		{"Scan a computer or a share (pulls the indicators, reports what it finds):", "vigie scan --hub " + hubURL + " --token " + token + " /home /srv/share"},
		{"Check mail with the party's indicators:", "vigie mail check --hub " + hubURL + " --token " + token + " inbox.mbox"},
		{"Filter mail in Postfix (keeps the indicators up to date while it runs):", "vigie mail milter --hub " + hubURL + " --token " + token + " --listen inet:127.0.0.1:11332"},
		{"Or keep the token out of the command line and history:", "export VIGIE_TOKEN=" + token + "\nvigie scan --hub " + hubURL + " /home"},
	}
}
