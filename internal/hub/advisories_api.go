package hub

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/vigie-project/vigie/internal/advisory"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/store"
)

func (s *Server) advisoryRoutes() {
	api := func(pattern string, h func(http.ResponseWriter, *http.Request, *Principal)) {
		s.mux.HandleFunc(pattern, s.withToken(func(w http.ResponseWriter, r *http.Request, p *Principal) {
			// Advisories are for people (and their tools), not sensors.
			if !p.Can("view") {
				forbid(w, "read advisories")
				return
			}
			h(w, r, p)
		}))
	}
	api("GET /api/v1/advisories", s.handleListAdvisories)
	api("POST /api/v1/advisories", s.handleCreateAdvisory)
	api("GET /api/v1/advisories/feed.atom", s.handleAdvisoryFeed)
	api("GET /api/v1/advisories/{id}", s.handleGetAdvisory)
	api("PATCH /api/v1/advisories/{id}", s.handlePatchAdvisory)
	api("POST /api/v1/advisories/{id}/publish", s.handlePublishAdvisory)
	api("POST /api/v1/advisories/{id}/withdraw", s.handleWithdrawAdvisory)
	api("POST /api/v1/advisories/{id}/ack", s.handleAckAdvisory)
	api("POST /api/v1/advisories/{id}/actions/{action}", s.handleTickAdvisory)
	api("GET /api/v1/advisories/{id}/progress", s.handleAdvisoryProgress)
	api("POST /api/v1/advisories/{id}/remind", s.handleRemindAdvisory)
	api("GET /api/v1/advisories/{id}/csaf", s.handleAdvisoryCSAF)
}

// advisoryError answers an error of the advisory calls: the user's input
// (422, naming the field), not found, forbidden, or the hub's failure.
func (s *Server) advisoryError(w http.ResponseWriter, r *http.Request, err error) {
	msg, user := AdvisoryErrorMessage(err)
	switch {
	case errors.Is(err, errForbidden):
		forbid(w, "write advisories (agency analysts and administrators only)")
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not found")
	case user:
		writeError(w, http.StatusUnprocessableEntity, msg)
	default:
		s.serverError(w, r, err)
	}
}

// AdvisoryView is an advisory as the API shows it: the record, its text
// rendered to safe HTML, and the attached indicators the caller may see.
type AdvisoryView struct {
	store.AdvisoryRecord
	Tracking   string         `json:"tracking"`
	HTML       string         `json:"html"`
	IndicatorV []store.Record `json:"attached_indicators,omitempty"`
}

// AdvisoryView returns an advisory the principal may see, with its HTML
// and indicators; a party's opening of it is recorded as read.
func (s *Server) AdvisoryView(r *http.Request, p *Principal, id int64) (AdvisoryView, error) {
	ctx := r.Context()
	if err := s.st.MarkAdvisoryRead(ctx, p.Viewer(), p.ActorFor(), id); err != nil {
		return AdvisoryView{}, err
	}
	rec, err := s.st.GetAdvisory(ctx, p.Viewer(), id)
	if err != nil {
		return AdvisoryView{}, err
	}
	html, err := advisory.RenderMarkdown(rec.Body)
	if err != nil {
		return AdvisoryView{}, err
	}
	inds, err := s.AdvisoryIndicators(ctx, p, rec)
	if err != nil {
		return AdvisoryView{}, err
	}
	return AdvisoryView{AdvisoryRecord: rec, Tracking: rec.Tracking(), HTML: html, IndicatorV: inds}, nil
}

func (s *Server) handleListAdvisories(w http.ResponseWriter, r *http.Request, p *Principal) {
	q := store.AdvisoryQuery{Status: advisory.Status(r.URL.Query().Get("status"))}
	switch q.Status {
	case "", advisory.Draft, advisory.Published, advisory.Withdrawn:
	default:
		writeError(w, http.StatusBadRequest, "status: want draft, published or withdrawn")
		return
	}
	limit, err := parseLimit(r, 100, 500)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	q.Limit = limit
	if b := r.URL.Query().Get("before"); b != "" {
		if q.BeforeID, err = strconv.ParseInt(b, 10, 64); err != nil {
			writeError(w, http.StatusBadRequest, "before: want an advisory id")
			return
		}
	}
	items, err := s.st.ListAdvisories(r.Context(), p.Viewer(), q)
	writeItems(s, w, r, items, err)
}

func (s *Server) handleCreateAdvisory(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in AdvisoryIn
	if !s.readJSON(w, r, &in) {
		return
	}
	rec, err := s.CreateAdvisory(r.Context(), p, in)
	if err != nil {
		s.advisoryError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rec)
}

// errAnswered tells advisoryCall that the handler already answered (a
// malformed body).
var errAnswered = errors.New("answered")

// advisoryCall runs fn on the advisory named by the path ({id}) and
// answers its result as JSON (200) or its error.
func (s *Server) advisoryCall(w http.ResponseWriter, r *http.Request, fn func(id int64) (any, error)) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	out, err := fn(id)
	switch {
	case errors.Is(err, errAnswered):
	case err != nil:
		s.advisoryError(w, r, err)
	default:
		writeJSON(w, http.StatusOK, out)
	}
}

// body reads the JSON request body into v, or answers the problem.
func (s *Server) body(w http.ResponseWriter, r *http.Request, v any) error {
	if !s.readJSON(w, r, v) {
		return errAnswered
	}
	return nil
}

func (s *Server) handleGetAdvisory(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.advisoryCall(w, r, func(id int64) (any, error) { return s.AdvisoryView(r, p, id) })
}

func (s *Server) handlePatchAdvisory(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.advisoryCall(w, r, func(id int64) (any, error) {
		var in AdvisoryIn
		if err := s.body(w, r, &in); err != nil {
			return nil, err
		}
		return s.UpdateAdvisory(r.Context(), p, id, in)
	})
}

func (s *Server) handlePublishAdvisory(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.advisoryCall(w, r, func(id int64) (any, error) { return s.PublishAdvisory(r.Context(), p, id) })
}

func (s *Server) handleWithdrawAdvisory(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.advisoryCall(w, r, func(id int64) (any, error) {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := s.body(w, r, &in); err != nil {
			return nil, err
		}
		return s.WithdrawAdvisory(r.Context(), p, id, in.Reason)
	})
}

func (s *Server) handleAckAdvisory(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.advisoryCall(w, r, func(id int64) (any, error) {
		return map[string]string{"status": "acknowledged"}, s.st.AcknowledgeAdvisory(r.Context(), p.Viewer(), p.ActorFor(), id)
	})
}

// TickIn is a party's tick of one action.
type TickIn struct {
	Done    *bool  `json:"done"`
	Comment string `json:"comment"`
}

func (s *Server) handleTickAdvisory(w http.ResponseWriter, r *http.Request, p *Principal) {
	action, err := strconv.ParseInt(r.PathValue("action"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	s.advisoryCall(w, r, func(id int64) (any, error) {
		var in TickIn
		if err := s.body(w, r, &in); err != nil {
			return nil, err
		}
		if in.Done == nil {
			return nil, fmt.Errorf("%w: done: say true (the action is done) or false", advisory.ErrInput)
		}
		return map[string]any{"status": "recorded", "done": *in.Done}, s.st.TickAdvisoryAction(r.Context(), p.Viewer(), p.ActorFor(), id, action, *in.Done, in.Comment)
	})
}

// ProgressLine is where one party stands with an advisory, with its ticks
// (their comments included) for the agency.
type ProgressLine struct {
	store.AdvisoryReceipt
	State string               `json:"state"`
	Ticks []store.AdvisoryTick `json:"ticks,omitempty"`
}

// AdvisoryProgress returns, per party, where it stands with an advisory:
// every party for the agency, only its own line for a party.
func (s *Server) AdvisoryProgress(r *http.Request, p *Principal, id int64) ([]ProgressLine, error) {
	recs, err := s.st.AdvisoryProgress(r.Context(), p.Viewer(), id)
	if err != nil {
		return nil, err
	}
	out := make([]ProgressLine, 0, len(recs))
	for _, rc := range recs {
		ticks, err := s.st.AdvisoryTicksOf(r.Context(), p.Viewer(), id, rc.OrgID)
		if err != nil {
			return nil, err
		}
		out = append(out, ProgressLine{AdvisoryReceipt: rc, State: rc.State(), Ticks: ticks})
	}
	return out, nil
}

func (s *Server) handleAdvisoryProgress(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.advisoryCall(w, r, func(id int64) (any, error) {
		lines, err := s.AdvisoryProgress(r, p, id)
		return map[string]any{"items": lines}, err
	})
}

func (s *Server) handleRemindAdvisory(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.advisoryCall(w, r, func(id int64) (any, error) {
		var in struct {
			Parties []string `json:"parties"`
		}
		if r.ContentLength != 0 {
			if err := s.body(w, r, &in); err != nil {
				return nil, err
			}
		}
		sent, err := s.RemindAdvisory(r.Context(), p, id, in.Parties)
		return map[string]any{"reminded": nonNilSlice(sent)}, err
	})
}

func (s *Server) handleAdvisoryCSAF(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	doc, err := s.AdvisoryCSAF(r.Context(), p, id, s.baseURL(r))
	if err != nil {
		s.advisoryError(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", "attachment; filename=\""+doc.Document.Tracking.ID+".json\"")
	writeJSON(w, http.StatusOK, doc)
}

// handleAdvisoryFeed serves the Atom feed of the TLP:CLEAR advisories the
// caller receives (feed readers send the token as the Basic password).
func (s *Server) handleAdvisoryFeed(w http.ResponseWriter, r *http.Request, p *Principal) {
	recs, err := s.st.ListAdvisories(r.Context(), p.Viewer(), store.AdvisoryQuery{TLP: indicator.TLPClear, Limit: 100})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var advs []advisory.Advisory
	for _, rec := range recs {
		if rec.Status == advisory.Draft {
			continue
		}
		full, err := s.st.GetAdvisory(r.Context(), p.Viewer(), rec.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		advs = append(advs, full.Advisory)
	}
	base := s.baseURL(r)
	var buf bytes.Buffer
	if err := advisory.WriteAtom(&buf, advisory.AtomFeed{ID: base + "/api/v1/advisories/feed.atom", Title: "Vigie advisories (TLP:CLEAR)", Author: "Vigie hub",
		Self: base + "/api/v1/advisories/feed.atom", Base: base}, advs, s.now()); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write(buf.Bytes())
}
