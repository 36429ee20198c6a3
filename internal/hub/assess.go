package hub

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/vigie-project/vigie/internal/advisory"
	"github.com/vigie-project/vigie/internal/assess"
	"github.com/vigie-project/vigie/internal/store"
)

// The risk assessment on the hub: a party answers the questionnaire
// (internal/assess), the hub measures the facts (sensor coverage, what the
// sensors found), computes the assessment and stores it with its inputs.
// A party sees its own; the agency sees every party's side by side.

// AssessmentMaxAge is how long a stored assessment is shown before the hub
// measures the facts again and computes a new one.
const AssessmentMaxAge = time.Hour

// AssessmentWindow is how far back the findings of an assessment go.
const AssessmentWindow = 90 * 24 * time.Hour

// errAgencyAnswers: the questionnaire is the party's to answer.
var errAgencyAnswers = errors.New("the questionnaire is answered by the party itself; the agency reads the answers")

// sensorSeen throttles the recording of pulls to one per token a minute.
type sensorSeen struct {
	mu     sync.Mutex
	pulled map[int64]time.Time
}

// notePull records that a sensor token pulled indicators.
func (s *Server) notePull(ctx context.Context, p *Principal) {
	if p.TokenID == 0 || p.Role != store.RoleSensor {
		return
	}
	now := s.now()
	s.seen.mu.Lock()
	if s.seen.pulled == nil {
		s.seen.pulled = map[int64]time.Time{}
	}
	due := now.Sub(s.seen.pulled[p.TokenID]) > time.Minute
	if due {
		s.seen.pulled[p.TokenID] = now
	}
	s.seen.mu.Unlock()
	if due {
		if err := s.st.RecordPull(ctx, p.TokenID, now); err != nil {
			s.log.Warn("recording an indicator pull", "err", err)
		}
	}
}

// noteReport records which kinds of sensor reported with a token.
func (s *Server) noteReport(ctx context.Context, p *Principal, sensors []string) {
	if p.TokenID == 0 || len(sensors) == 0 {
		return
	}
	seen := map[string]bool{}
	var kinds []string
	for _, name := range sensors {
		if k := store.SensorKind(name); k != "" && !seen[k] {
			seen[k] = true
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		return
	}
	if err := s.st.RecordReport(ctx, p.TokenID, kinds, s.now()); err != nil {
		s.log.Warn("recording a sensor report", "err", err)
	}
}

// AssessmentFacts measures the facts of organisation orgID: the latest
// posture run of each declared domain (the hub's schedule), its sensor
// tokens (each kind of sensor that reported with a token counts as seen
// when the token was last used; a token that never reported counts for
// indicator freshness only), what the sensors found over AssessmentWindow,
// the agency's published advisories the party received (acknowledged or
// not, actions ticked done of total), and the leak cases about it (with
// items shared with it) whose statement is not yet published. The hub
// does not record the triage of sightings (Findings.TriageUnknown).
func (s *Server) AssessmentFacts(ctx context.Context, v store.Viewer, orgID int64) (assess.Facts, error) {
	now := s.now().UTC()
	facts := assess.Facts{MeasuredAt: now}
	toks, err := s.st.SensorTokens(ctx, v, orgID)
	if err != nil {
		return facts, err
	}
	for _, t := range toks {
		name := t.Name
		if name == "" {
			name = t.Prefix
		}
		if len(t.Reports) == 0 {
			if !t.LastUsedAt.IsZero() {
				facts.Sensors = append(facts.Sensors, assess.Sensor{Name: name, LastSeen: t.LastUsedAt, IndicatorsUpdated: t.LastPullAt})
			}
			continue
		}
		for _, kind := range slices.Sorted(maps.Keys(t.Reports)) {
			seen := t.Reports[kind]
			if t.LastUsedAt.After(seen) {
				seen = t.LastUsedAt
			}
			facts.Sensors = append(facts.Sensors, assess.Sensor{Kind: kind, Name: name, LastSeen: seen, IndicatorsUpdated: t.LastPullAt})
		}
	}
	// SensorTokens checked that v may see orgID.
	runs, err := s.st.LatestPosture(ctx, orgID)
	if err != nil {
		return facts, err
	}
	for _, run := range runs {
		for _, c := range run.Result.Checks {
			facts.Posture = append(facts.Posture, assess.PostureCheck{ID: c.ID, Domain: run.Domain, Status: string(c.Status), Summary: c.Summary})
		}
	}
	// The agency's advisories the party received, acknowledged and acted on.
	advs, err := s.st.ListAdvisories(ctx, store.Viewer{OrgID: orgID}, store.AdvisoryQuery{Status: advisory.Published, Limit: 500})
	if err != nil {
		return facts, err
	}
	for _, a := range advs {
		fa := assess.Advisory{ID: strconv.FormatInt(a.ID, 10)}
		if r := a.Receipt; r != nil {
			fa.Acknowledged, fa.ActionsTotal, fa.ActionsDone = r.State() == "acknowledged", r.Total, r.Done
		}
		facts.Advisories = append(facts.Advisories, fa)
	}
	exp, err := s.st.ExposureSince(ctx, v, orgID, now.Add(-AssessmentWindow))
	if err != nil {
		return facts, err
	}
	// Leak cases about the party: those with items the agency shared with
	// it, open until the agency publishes its statement.
	cases, err := s.st.ListLeakCases(ctx, store.Viewer{OrgID: orgID})
	if err != nil {
		return facts, err
	}
	open := 0
	for _, c := range cases {
		if c.PublishedAt.IsZero() {
			open++
		}
	}
	facts.Findings = assess.Findings{
		LeakCasesOpen:     open,
		Sightings:         exp.Sightings,
		TriageUnknown:     true,
		PhishingStopped:   exp.PhishingStopped,
		Lookalikes:        exp.Lookalikes,
		LookalikesHandled: exp.LookalikesBlocked,
	}
	return facts, nil
}

// SaveAnswers validates and stores a party's answers (the principal's own
// party), then computes and stores the assessment they give. A bad
// submission gives an assess.ValidationError naming each field.
func (s *Server) SaveAnswers(ctx context.Context, p *Principal, items []assess.Answer, version int) (store.StoredAssessment, error) {
	if p.Agency {
		return store.StoredAssessment{}, errAgencyAnswers
	}
	ans := assess.Answers{QuestionnaireVersion: version, AnsweredBy: p.Actor, AnsweredAt: s.now().UTC(), Items: items}
	if err := assess.Validate(assess.Current(), ans); err != nil {
		return store.StoredAssessment{}, err
	}
	if _, err := s.st.SaveAnswers(ctx, p.ActorFor(), p.OrgID, ans); err != nil {
		return store.StoredAssessment{}, err
	}
	return s.Assessment(ctx, p.Viewer(), p.OrgID, true)
}

// Assessment returns organisation orgID's assessment: the stored one when
// it is younger than AssessmentMaxAge and refresh is false, else a new one
// computed from the latest answers and facts measured now, stored first.
func (s *Server) Assessment(ctx context.Context, v store.Viewer, orgID int64, refresh bool) (store.StoredAssessment, error) {
	if !refresh {
		sa, err := s.st.LatestAssessment(ctx, v, orgID)
		if err == nil && s.now().Sub(sa.Result.ComputedAt) < AssessmentMaxAge && sa.Result.QuestionnaireVersion == assess.QuestionnaireVersion && sa.Result.MethodVersion == assess.MethodVersion {
			return sa, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return sa, err
		}
	}
	org, err := s.st.GetOrg(ctx, v, orgID)
	if err != nil {
		return store.StoredAssessment{}, err
	}
	if org.Kind != store.KindParty {
		return store.StoredAssessment{}, store.ErrNotFound
	}
	ans, err := s.st.LatestAnswers(ctx, v, orgID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.StoredAssessment{}, err
	}
	facts, err := s.AssessmentFacts(ctx, v, orgID)
	if err != nil {
		return store.StoredAssessment{}, err
	}
	res := assess.Assess(assess.Current(), ans.Answers, facts, s.now())
	id, err := s.st.SaveAssessment(ctx, orgID, ans.ID, facts, res)
	if err != nil {
		return store.StoredAssessment{}, err
	}
	return store.StoredAssessment{ID: id, OrgID: orgID, Org: org.Name, AnswersID: ans.ID, Facts: facts, Result: res}, nil
}

// Recompute computes a stored assessment again from its stored inputs and
// tells whether the figures are the same. An assessment made under another
// questionnaire or method version cannot be recomputed by this hub: it
// stays readable as stored, and Recompute says why.
func (s *Server) Recompute(ctx context.Context, v store.Viewer, orgID, id int64) (store.StoredAssessment, assess.Assessment, error) {
	sa, err := s.st.GetAssessment(ctx, v, orgID, id)
	if err != nil {
		return sa, assess.Assessment{}, err
	}
	if sa.Result.QuestionnaireVersion != assess.QuestionnaireVersion || sa.Result.MethodVersion != assess.MethodVersion {
		return sa, assess.Assessment{}, fmt.Errorf("assessment %d was made with questionnaire %d and method %d; this hub has questionnaire %d and method %d", id, sa.Result.QuestionnaireVersion, sa.Result.MethodVersion, assess.QuestionnaireVersion, assess.MethodVersion)
	}
	var ans assess.Answers
	if sa.AnswersID != 0 {
		sans, err := s.st.GetAnswers(ctx, v, orgID, sa.AnswersID)
		if err != nil {
			return sa, assess.Assessment{}, err
		}
		ans = sans.Answers
	}
	return sa, assess.Assess(assess.Current(), ans, sa.Facts, sa.Result.ComputedAt), nil
}

// AssessmentOverview returns every party's current assessment, by name
// (the agency's side-by-side view); a party gets its own only.
func (s *Server) AssessmentOverview(ctx context.Context, v store.Viewer) ([]store.StoredAssessment, error) {
	orgs, err := s.st.ListOrgs(ctx, v)
	if err != nil {
		return nil, err
	}
	var out []store.StoredAssessment
	for _, o := range orgs {
		if o.Kind != store.KindParty {
			continue
		}
		sa, err := s.Assessment(ctx, v, o.ID, false)
		if err != nil {
			return nil, fmt.Errorf("assessment of %s: %w", o.Name, err)
		}
		out = append(out, sa)
	}
	return out, nil
}

func (s *Server) assessRoutes() {
	api := func(pattern string, h func(http.ResponseWriter, *http.Request, *Principal)) {
		s.mux.HandleFunc(pattern, s.withToken(h))
	}
	api("GET /api/v1/assessment/questionnaire", func(w http.ResponseWriter, r *http.Request, p *Principal) {
		writeJSON(w, 200, assess.Current())
	})
	api("GET /api/v1/assessment/answers", s.handleGetAnswers)
	api("PUT /api/v1/assessment/answers", s.handlePutAnswers)
	api("GET /api/v1/assessment/answers/history", s.handleAnswersHistory)
	api("GET /api/v1/assessment", s.handleGetAssessment)
	api("GET /api/v1/assessment/plan", s.handleGetPlan)
	api("GET /api/v1/assessment/trend", s.handleTrend)
	api("GET /api/v1/assessment/overview", s.handleOverview)
	api("GET /api/v1/assessment/stored/{id}", s.handleStoredAssessment)
}

// assessOrg is the organisation an assessment request is about: the
// party's own, or for the agency the one named by ?org= (required).
func (s *Server) assessOrg(w http.ResponseWriter, r *http.Request, p *Principal) (int64, bool) {
	if !p.Can("view") {
		forbid(w, "read the assessment")
		return 0, false
	}
	org, err := s.orgParam(r.Context(), r, p)
	if err != nil {
		s.serverError(w, r, err)
		return 0, false
	}
	switch {
	case org != 0:
		return org, true
	case p.Agency:
		writeError(w, http.StatusBadRequest, "name the party with ?org= (its name or id)")
		return 0, false
	}
	return p.OrgID, true
}

func (s *Server) handleGetAnswers(w http.ResponseWriter, r *http.Request, p *Principal) {
	org, ok := s.assessOrg(w, r, p)
	if !ok {
		return
	}
	var (
		sa  store.StoredAnswers
		err error
	)
	if v := r.URL.Query().Get("version"); v != "" {
		id, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || id <= 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("version %q: want the positive id of a submission (see /api/v1/assessment/answers/history)", v))
			return
		}
		sa, err = s.st.GetAnswers(r.Context(), p.Viewer(), org, id)
	} else {
		sa, err = s.st.LatestAnswers(r.Context(), p.Viewer(), org)
	}
	if errors.Is(err, store.ErrNotFound) && r.URL.Query().Get("version") == "" {
		if _, gerr := s.st.GetOrg(r.Context(), p.Viewer(), org); gerr == nil {
			writeJSON(w, 200, store.StoredAnswers{OrgID: org, Answers: assess.Answers{QuestionnaireVersion: assess.QuestionnaireVersion, Items: []assess.Answer{}}})
			return
		}
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, 200, sa)
}

func (s *Server) handleAnswersHistory(w http.ResponseWriter, r *http.Request, p *Principal) {
	org, ok := s.assessOrg(w, r, p)
	if !ok {
		return
	}
	items, err := s.st.AnswersHistory(r.Context(), p.Viewer(), org, 0)
	writeItems(s, w, r, items, err)
}

func (s *Server) handlePutAnswers(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("view") {
		forbid(w, "answer the questionnaire")
		return
	}
	if p.Agency {
		writeError(w, http.StatusForbidden, errAgencyAnswers.Error())
		return
	}
	var req struct {
		QuestionnaireVersion int             `json:"questionnaire_version"`
		Items                []assess.Answer `json:"items"`
	}
	if !s.readJSON(w, r, &req) {
		return
	}
	sa, err := s.SaveAnswers(r.Context(), p, req.Items, req.QuestionnaireVersion)
	var ve assess.ValidationError
	if errors.As(err, &ve) {
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Error: ve.Error(), Problems: ve})
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, 200, sa)
}

// currentAssessment answers a request about a party's assessment: it
// writes the error and returns false, or returns the assessment.
func (s *Server) currentAssessment(w http.ResponseWriter, r *http.Request, p *Principal) (store.StoredAssessment, bool) {
	org, ok := s.assessOrg(w, r, p)
	if !ok {
		return store.StoredAssessment{}, false
	}
	sa, err := s.Assessment(r.Context(), p.Viewer(), org, r.URL.Query().Get("refresh") == "true")
	if err != nil {
		s.serverError(w, r, err)
		return sa, false
	}
	return sa, true
}

func (s *Server) handleGetAssessment(w http.ResponseWriter, r *http.Request, p *Principal) {
	if sa, ok := s.currentAssessment(w, r, p); ok {
		writeJSON(w, 200, sa)
	}
}

func (s *Server) handleGetPlan(w http.ResponseWriter, r *http.Request, p *Principal) {
	if sa, ok := s.currentAssessment(w, r, p); ok {
		writeJSON(w, 200, map[string]any{"org": sa.Org, "computed_at": sa.Result.ComputedAt, "items": sa.Result.Plan})
	}
}

func (s *Server) handleTrend(w http.ResponseWriter, r *http.Request, p *Principal) {
	org, ok := s.assessOrg(w, r, p)
	if !ok {
		return
	}
	days := 365
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("days %q: want a number from 1 to 3650", v))
			return
		}
		days = n
	}
	items, err := s.st.AssessmentTrend(r.Context(), p.Viewer(), org, s.now().Add(-time.Duration(days)*24*time.Hour), 0)
	writeItems(s, w, r, items, err)
}

func (s *Server) handleOverview(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("view") || !p.Agency {
		forbid(w, "read every party's assessment (the agency's overview)")
		return
	}
	items, err := s.AssessmentOverview(r.Context(), p.Viewer())
	writeItems(s, w, r, items, err)
}

// handleStoredAssessment returns one stored assessment with its inputs and
// whether recomputing it now gives the same figures.
func (s *Server) handleStoredAssessment(w http.ResponseWriter, r *http.Request, p *Principal) {
	org, ok := s.assessOrg(w, r, p)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("assessment id %q: want a positive number", r.PathValue("id")))
		return
	}
	sa, again, err := s.Recompute(r.Context(), p.Viewer(), org, id)
	out := map[string]any{"stored": sa}
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.serverError(w, r, err)
		return
	case err != nil && sa.ID != 0:
		out["reproduced"], out["reason"] = false, err.Error()
	case err != nil:
		s.serverError(w, r, err)
		return
	default:
		out["reproduced"] = reflect.DeepEqual(again, sa.Result)
	}
	writeJSON(w, 200, out)
}
