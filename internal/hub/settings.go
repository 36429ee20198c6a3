package hub

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/vigie-project/vigie/internal/store"
)

// settingsRoutes adds the party settings, posture and look-alike proposal
// endpoints.
func (s *Server) settingsRoutes() {
	api := func(pattern string, h func(http.ResponseWriter, *http.Request, *Principal)) {
		s.mux.HandleFunc(pattern, s.withToken(h))
	}
	api("GET /api/v1/org/settings", s.handleGetSettings)
	api("PUT /api/v1/org/settings", s.handlePutSettings)
	api("GET /api/v1/org/posture", s.handleGetPosture)
	api("POST /api/v1/org/posture/check", s.handleCheckPosture)
	api("GET /api/v1/lookalikes/proposals", s.handleListProposals)
	api("POST /api/v1/lookalikes/proposals", s.handlePropose)
	api("POST /api/v1/lookalikes/proposals/{id}/accept", s.handleAcceptProposal)
	api("POST /api/v1/lookalikes/proposals/{id}/reject", s.handleRejectProposal)
}

// CanEditSettings reports whether p may change organisation orgID's
// settings: a party's administrator its own organisation's, the agency's
// administrators and analysts any organisation's.
func (p *Principal) CanEditSettings(orgID int64) bool {
	if p.Agency {
		return p.Role == store.RoleAdmin || p.Role == store.RoleAnalyst
	}
	return orgID == p.OrgID && p.Role == store.RoleAdmin
}

// settingsOrg is the organisation a settings request is about: the
// caller's own, or for the agency the one named by ?org=ID. A party naming
// another organisation gets "not found", like any row it may not see.
func settingsOrg(r *http.Request, p *Principal) (int64, error) {
	v := r.URL.Query().Get("org")
	if v == "" {
		return p.OrgID, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: org %q: want an organisation id (a positive number, see GET /api/v1/orgs)", store.ErrBadSettings, v)
	}
	if !p.Agency && id != p.OrgID {
		return 0, store.ErrNotFound
	}
	return id, nil
}

// writeSettingsError answers a store error: bad input is the client's
// (400, with the field and value), the rest as usual.
func (s *Server) writeSettingsError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrBadSettings) {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.serverError(w, r, err)
}

// handleGetSettings serves an organisation's settings. Every role may read
// its own organisation's declared domains (sensors protect them); contacts
// are personal data, left out for sensor tokens.
func (s *Server) handleGetSettings(w http.ResponseWriter, r *http.Request, p *Principal) {
	org, err := settingsOrg(r, p)
	if err != nil {
		s.writeSettingsError(w, r, err)
		return
	}
	st, err := s.st.GetOrgSettings(r.Context(), p.Viewer(), org)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if p.Role == store.RoleSensor {
		st.Contacts, st.UpdatedBy = []store.Contact{}, ""
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handlePutSettings(w http.ResponseWriter, r *http.Request, p *Principal) {
	org, err := settingsOrg(r, p)
	if err != nil {
		s.writeSettingsError(w, r, err)
		return
	}
	if !p.CanEditSettings(org) {
		forbid(w, "change the organisation's settings (a party's administrator, or the agency, may)")
		return
	}
	var in store.OrgSettings
	if !s.readJSON(w, r, &in) {
		return
	}
	st, err := s.st.PutOrgSettings(r.Context(), p.Viewer(), p.ActorFor(), org, in)
	if err != nil {
		s.writeSettingsError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// postureAnswer is the body of GET /api/v1/org/posture.
type postureAnswer struct {
	OrgID   int64              `json:"org_id"`
	Latest  []store.PostureRun `json:"latest"`
	History []store.PostureRun `json:"history"`
	// Schedule says how often the hub checks the declared domains (empty
	// when this hub does not run the schedule).
	Schedule string `json:"schedule,omitempty"`
}

// handleGetPosture serves the newest posture result of each declared
// domain and the history (?history=N runs, default 50).
func (s *Server) handleGetPosture(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("view") {
		forbid(w, "read the posture results")
		return
	}
	org, err := settingsOrg(r, p)
	if err != nil {
		s.writeSettingsError(w, r, err)
		return
	}
	if _, err := s.st.GetOrg(r.Context(), p.Viewer(), org); err != nil {
		s.serverError(w, r, err)
		return
	}
	n := 50
	if v := r.URL.Query().Get("history"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n < 0 || n > 1000 {
			writeError(w, http.StatusBadRequest, "history "+strconv.Quote(v)+": want 0 to 1000 runs")
			return
		}
	}
	a := postureAnswer{OrgID: org, History: []store.PostureRun{}}
	if a.Latest, err = s.st.LatestPosture(r.Context(), org); err != nil {
		s.serverError(w, r, err)
		return
	}
	if n > 0 {
		if a.History, err = s.st.PostureHistory(r.Context(), org, n); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if s.posture != nil {
		a.Schedule = s.posture.Describe()
	}
	writeJSON(w, http.StatusOK, a)
}

// handleCheckPosture starts a posture check of the organisation's declared
// domains now (in the background; the results appear in GET
// /api/v1/org/posture when done).
func (s *Server) handleCheckPosture(w http.ResponseWriter, r *http.Request, p *Principal) {
	org, err := settingsOrg(r, p)
	if err != nil {
		s.writeSettingsError(w, r, err)
		return
	}
	if !p.CanEditSettings(org) {
		forbid(w, "start a posture check (a party's administrator, or the agency, may)")
		return
	}
	if _, err := s.st.GetOrg(r.Context(), p.Viewer(), org); err != nil {
		s.serverError(w, r, err)
		return
	}
	if s.posture == nil {
		writeError(w, http.StatusServiceUnavailable, "this hub does not run posture checks (vigie serve --posture-interval)")
		return
	}
	n, err := s.posture.CheckOrgSoon(org)
	if err != nil {
		writeError(w, http.StatusConflict, err.Error())
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"domains": n, "status": "started"})
}
