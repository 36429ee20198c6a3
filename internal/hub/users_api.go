package hub

import (
	"errors"
	"net/http"
)

// handlePatchUser changes a user's role or disables / enables it:
// PATCH /api/v1/users/{id} {"role": "analyst"} or {"disabled": true}.
func (s *Server) handlePatchUser(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("admin") {
		forbid(w, "change users")
		return
	}
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	var c UserChange
	if !s.readJSON(w, r, &c) {
		return
	}
	if c.Role == nil && c.Disabled == nil {
		writeError(w, http.StatusUnprocessableEntity, `nothing to change: send "role" and/or "disabled"`)
		return
	}
	u, err := ChangeUser(r.Context(), s.st, p.Viewer(), p.ActorFor(), p.UserID, id, c)
	if errors.Is(err, ErrRefused) {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// handleDeleteUser removes a user: DELETE /api/v1/users/{id}.
func (s *Server) handleDeleteUser(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("admin") {
		forbid(w, "delete users")
		return
	}
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	err := DeleteUser(r.Context(), s.st, p.Viewer(), p.ActorFor(), p.UserID, id)
	if errors.Is(err, ErrRefused) {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted": id})
}
