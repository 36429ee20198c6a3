package hub

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/store"
)

// MaxProposals is the most look-alikes proposed in one request.
const MaxProposals = 100

// handlePropose takes look-alike domains a party's watch found and
// proposes them to the agency as indicators. Body: {"items": [{"name",
// "imitates", "technique", "score", "reason", "evidence": [...],
// "first_seen"}]}. Sensor, admin and analyst tokens of a party may propose.
func (s *Server) handlePropose(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("report") {
		forbid(w, "propose look-alikes")
		return
	}
	var req struct {
		Items []store.LookalikeProposal `json:"items"`
	}
	if !s.readJSON(w, r, &req) {
		return
	}
	if len(req.Items) == 0 || len(req.Items) > MaxProposals {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("items: %d proposals given, want 1 to %d", len(req.Items), MaxProposals))
		return
	}
	type outcome struct {
		Name    string `json:"name"`
		ID      int64  `json:"id,omitempty"`
		Status  string `json:"status,omitempty"`
		Created bool   `json:"created,omitempty"`
		Error   string `json:"error,omitempty"`
	}
	var out []outcome
	created, bad := 0, 0
	for i, it := range req.Items {
		pr, isNew, err := s.st.ProposeLookalike(r.Context(), p.OrgID, p.ActorFor(), it)
		if err != nil {
			if !isBad(err) {
				s.serverError(w, r, err)
				return
			}
			bad++
			out = append(out, outcome{Name: indicator.Shorten(it.Name), Error: fmt.Sprintf("item %d: %v", i, err)})
			continue
		}
		if isNew {
			created++
			s.notifyLookalike(r.Context(), p, pr)
		}
		out = append(out, outcome{Name: pr.Name, ID: pr.ID, Status: pr.Status, Created: isNew})
	}
	code := http.StatusOK
	if bad == len(req.Items) {
		code = http.StatusBadRequest
	}
	writeJSON(w, code, map[string]any{"created": created, "rejected": bad, "items": out})
}

func isBad(err error) bool { return errors.Is(err, store.ErrBadSettings) }

// handleListProposals lists the proposals the caller may see (a party its
// own, the agency every party's), ?status=pending|accepted|rejected.
func (s *Server) handleListProposals(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("view") {
		forbid(w, "list look-alike proposals")
		return
	}
	status := r.URL.Query().Get("status")
	switch status {
	case "", store.ProposalPending, store.ProposalAccepted, store.ProposalRejected:
	default:
		writeError(w, http.StatusBadRequest, "status "+strconv.Quote(status)+": want pending, accepted or rejected")
		return
	}
	limit, err := parseLimit(r, 500, 5000)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	items, err := s.st.ListLookalikeProposals(r.Context(), p.Viewer(), status, limit)
	writeItems(s, w, r, items, err)
}

// reviewedProposal checks that p may review proposals and returns the id
// of the one in the path.
func reviewedProposal(w http.ResponseWriter, r *http.Request, p *Principal) (int64, bool) {
	if !p.Can("publish") {
		forbid(w, "review look-alike proposals (the agency's analysts do)")
		return 0, false
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "proposal id "+strconv.Quote(r.PathValue("id"))+": want a positive number")
		return 0, false
	}
	return id, true
}

// handleAcceptProposal publishes a proposed look-alike as a domain
// indicator (body, optional: {"distribution": "all|listed|agency",
// "parties": [ids], "tlp": "clear|green|amber|amber+strict|red"}).
func (s *Server) handleAcceptProposal(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, ok := reviewedProposal(w, r, p)
	if !ok {
		return
	}
	var req struct {
		Distribution string  `json:"distribution"`
		Parties      []int64 `json:"parties"`
		TLP          string  `json:"tlp"`
	}
	if r.ContentLength != 0 && !s.readJSON(w, r, &req) {
		return
	}
	opts := store.PutOptions{Distribution: req.Distribution, Parties: req.Parties}
	if opts.Distribution != "" && !store.ValidDistribution(opts.Distribution) {
		writeError(w, http.StatusBadRequest, "distribution "+strconv.Quote(req.Distribution)+": want all, listed or agency")
		return
	}
	if opts.Distribution == store.DistListed && len(opts.Parties) == 0 {
		writeError(w, http.StatusBadRequest, `distribution "listed" needs at least one party id in "parties"`)
		return
	}
	if req.TLP != "" {
		t, err := indicator.ParseTLP(req.TLP)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		opts.TLP = t
	}
	_, err := s.st.AcceptLookalike(r.Context(), p.Viewer(), p.ActorFor(), id, opts)
	s.afterReview(w, r, p, id, err)
}

// afterReview answers a review with the proposal as it now is.
func (s *Server) afterReview(w http.ResponseWriter, r *http.Request, p *Principal, id int64, err error) {
	if err != nil {
		s.writeSettingsError(w, r, err)
		return
	}
	pr, err := s.st.GetLookalikeProposal(r.Context(), p.Viewer(), id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pr)
}

// handleRejectProposal rejects a proposal with a reason the party reads
// (body: {"reason": "..."}).
func (s *Server) handleRejectProposal(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, ok := reviewedProposal(w, r, p)
	if !ok {
		return
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if !s.readJSON(w, r, &req) {
		return
	}
	s.afterReview(w, r, p, id, s.st.RejectLookalike(r.Context(), p.Viewer(), p.ActorFor(), id, req.Reason))
}
