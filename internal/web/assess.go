package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/vigie-project/vigie/internal/assess"
	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/store"
)

// The risk assessment pages: a party fills in the questionnaire and reads
// its result (score per group with the evidence, the plan with the first
// three actions in bold, the trend); the agency reads every party's result
// side by side and prints one as a report (HTML, or PDF when Chromium is on
// the hub); the method page says how the figures are made, the same for
// every party. Texts of the questionnaire and the plan come from
// internal/assess in both languages; the pages' own text goes through the
// catalog (catalog_fr_assess.tsv).

// assessPages are the templates of the assessment.
var assessPages = []string{"assess", "assess_questions", "assess_method", "assess_overview", "assess_report"}

func init() {
	funcs["assessHome"] = func(p *hub.Principal) string {
		if p != nil && p.Agency {
			return "/assessment/overview"
		}
		return "/assessment"
	}
	funcs["assessAt"] = func(org, id int64) string {
		return fmt.Sprintf("/assessment?org=%d&id=%d", org, id)
	}
	funcs["tr"] = func(t assess.Text, lang string) string { return t.In(lang) }
	funcs["threat"] = threatText
	funcs["effort"] = effortText
	funcs["level"] = levelOf
	funcs["pct"] = func(v, of int) int {
		if of <= 0 {
			return 0
		}
		return v * 100 / of
	}
	funcs["groupTitle"] = func(id assess.GroupID, lang string) string {
		for _, g := range assess.Current().Groups {
			if g.ID == id {
				return g.Title.In(lang)
			}
		}
		return string(id)
	}
}

var threatNames = map[assess.Threat]assess.Text{
	assess.ThreatPhishing:      {FR: "hameçonnage", EN: "phishing"},
	assess.ThreatTakeover:      {FR: "prise de compte", EN: "account takeover"},
	assess.ThreatMalware:       {FR: "logiciel malveillant", EN: "malware"},
	assess.ThreatDataTheft:     {FR: "vol de données", EN: "data theft"},
	assess.ThreatImpersonation: {FR: "usurpation", EN: "impersonation"},
	assess.ThreatDataLoss:      {FR: "perte de données", EN: "data loss"},
}

func threatText(t assess.Threat, lang string) string {
	if n, ok := threatNames[t]; ok {
		return n.In(lang)
	}
	return string(t)
}

var effortNames = map[string]assess.Text{
	string(assess.Minutes):   {FR: "quelques minutes", EN: "minutes"},
	string(assess.Hours):     {FR: "quelques heures", EN: "hours"},
	string(assess.Days):      {FR: "quelques jours", EN: "days"},
	string(assess.Free):      {FR: "gratuit", EN: "free"},
	string(assess.LowMoney):  {FR: "peu coûteux", EN: "low cost"},
	string(assess.SomeMoney): {FR: "budget à prévoir", EN: "needs a budget"},
}

func effortText(e assess.Effort, lang string) string {
	return effortNames[string(e.Time)].In(lang) + ", " + effortNames[string(e.Money)].In(lang)
}

// levelOf is the colour class of a score, by the method's levels.
func levelOf(score int) string {
	switch {
	case score >= 80:
		return string(assess.LevelGood)
	case score >= 60:
		return string(assess.LevelFair)
	case score >= 40:
		return string(assess.LevelWeak)
	}
	return string(assess.LevelPoor)
}

func (u *UI) assessRoutes() {
	u.mux.HandleFunc("GET /assessment", u.full(u.assessPage))
	u.mux.HandleFunc("POST /assessment/refresh", u.full(u.assessRefresh))
	u.mux.HandleFunc("GET /assessment/questionnaire", u.full(u.assessQuestions))
	u.mux.HandleFunc("POST /assessment/questionnaire", u.full(u.assessSave))
	u.mux.HandleFunc("GET /assessment/method", u.full(u.assessMethod))
	u.mux.HandleFunc("GET /assessment/overview", u.full(u.assessOverview))
	u.mux.HandleFunc("GET /assessment/report", u.full(u.assessReport))
	u.mux.HandleFunc("GET /assessment/report.pdf", u.full(u.assessPDF))
}

// assessOrg is the party a page is about: the user's own, or for the
// agency the one of ?org= (0: none named).
func (u *UI) assessOrg(r *http.Request, q *req) (store.Org, error) {
	if !q.p.Agency {
		return u.st.GetOrg(r.Context(), q.p.Viewer(), q.p.OrgID)
	}
	id, err := strconv.ParseInt(r.FormValue("org"), 10, 64)
	if err != nil || id <= 0 {
		return store.Org{}, nil
	}
	o, err := u.st.GetOrg(r.Context(), q.p.Viewer(), id)
	if err == nil && o.Kind != store.KindParty {
		return o, store.ErrNotFound
	}
	return o, err
}

// trendChart is the overall score over time, drawn as SVG on the server.
type trendChart struct {
	Width, Height int
	Points        string // polyline points
	Dots          []trendDot
	First, Last   time.Time
}

type trendDot struct {
	X, Y, Score int
	ID          int64
	At          time.Time
}

func makeTrend(points []store.AssessmentPoint) trendChart {
	c := trendChart{Width: 600, Height: 120}
	if len(points) == 0 {
		return c
	}
	// One point a day: the day's last assessment.
	var days []store.AssessmentPoint
	for _, p := range points {
		if n := len(days); n > 0 && days[n-1].At.UTC().Format(time.DateOnly) == p.At.UTC().Format(time.DateOnly) {
			days[n-1] = p
			continue
		}
		days = append(days, p)
	}
	c.First, c.Last = days[0].At, days[len(days)-1].At
	step := 0
	if len(days) > 1 {
		step = (c.Width - 20) / (len(days) - 1)
	}
	for i, p := range days {
		d := trendDot{X: 10 + i*step, Y: 10 + (100-p.Score)*(c.Height-20)/100, Score: p.Score, ID: p.ID, At: p.At}
		c.Dots = append(c.Dots, d)
		c.Points += fmt.Sprintf("%d,%d ", d.X, d.Y)
	}
	return c
}

type assessData struct {
	Org      store.Org
	A        store.StoredAssessment
	Trend    trendChart
	Sensors  []store.SensorToken
	Top      []assess.Action
	Rest     []assess.Action
	Answers  *store.StoredAnswers
	Versions []store.StoredAnswers
	// For the report: the stylesheet's address, and whether a PDF can be made.
	CSS      string
	CanPDF   bool
	Printed  time.Time
	Language string
}

func (u *UI) loadAssessment(w http.ResponseWriter, r *http.Request, q *req, refresh bool) (assessData, bool) {
	o, err := u.assessOrg(r, q)
	if err == nil && o.ID == 0 {
		http.Redirect(w, r, "/assessment/overview", http.StatusSeeOther)
		return assessData{}, false
	}
	if err != nil {
		u.fail(w, q, err)
		return assessData{}, false
	}
	var sa store.StoredAssessment
	if id, perr := strconv.ParseInt(r.FormValue("id"), 10, 64); perr == nil && id > 0 && !refresh {
		// A stored assessment, shown as it was made (even under an
		// earlier questionnaire or method).
		sa, err = u.st.GetAssessment(r.Context(), q.p.Viewer(), o.ID, id)
	} else {
		sa, err = u.hub.Assessment(r.Context(), q.p.Viewer(), o.ID, refresh)
	}
	if err != nil {
		u.fail(w, q, err)
		return assessData{}, false
	}
	d := assessData{Org: o, A: sa, CanPDF: chromiumPath() != ""}
	for _, a := range sa.Result.Plan {
		if a.Top {
			d.Top = append(d.Top, a)
		} else {
			d.Rest = append(d.Rest, a)
		}
	}
	points, err := u.st.AssessmentTrend(r.Context(), q.p.Viewer(), o.ID, u.now().Add(-365*24*time.Hour), 0)
	if err != nil {
		u.fail(w, q, err)
		return assessData{}, false
	}
	d.Trend = makeTrend(points)
	if d.Sensors, err = u.st.SensorTokens(r.Context(), q.p.Viewer(), o.ID); err != nil {
		u.fail(w, q, err)
		return assessData{}, false
	}
	return d, true
}

func (u *UI) assessPage(w http.ResponseWriter, r *http.Request, q *req) {
	d, ok := u.loadAssessment(w, r, q, false)
	if !ok {
		return
	}
	u.render(w, 200, "assess", q.page("Risk assessment", "assessment", d))
}

func (u *UI) assessRefresh(w http.ResponseWriter, r *http.Request, q *req) {
	d, ok := u.loadAssessment(w, r, q, true)
	if !ok {
		return
	}
	pg := q.page("Risk assessment", "assessment", d)
	pg.Flash = "Measured again and recomputed."
	u.render(w, 200, "assess", pg)
}

// questionRow is one question of the form with the party's answer.
type questionRow struct {
	Q      assess.Question
	Answer string
}

type questionGroup struct {
	Group assess.Group
	Rows  []questionRow
}

type questionsData struct {
	Org      store.Org
	Version  int
	Groups   []questionGroup
	Answers  store.StoredAnswers
	Versions []store.StoredAnswers
	ReadOnly bool
}

func (u *UI) questionsData(r *http.Request, q *req, o store.Org, given map[string]string) (questionsData, error) {
	d := questionsData{Org: o, Version: assess.QuestionnaireVersion, ReadOnly: q.p.Agency}
	sa, err := u.st.LatestAnswers(r.Context(), q.p.Viewer(), o.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return d, err
	}
	d.Answers = sa
	if d.Versions, err = u.st.AnswersHistory(r.Context(), q.p.Viewer(), o.ID, 20); err != nil {
		return d, err
	}
	if given == nil {
		given = map[string]string{}
		for _, it := range sa.Items {
			given[it.Question] = it.Value
		}
	}
	qs := assess.Current()
	for _, g := range qs.Groups {
		qg := questionGroup{Group: g}
		for _, x := range qs.Questions {
			if x.Group == g.ID {
				qg.Rows = append(qg.Rows, questionRow{Q: x, Answer: given[x.ID]})
			}
		}
		d.Groups = append(d.Groups, qg)
	}
	return d, nil
}

func (u *UI) assessQuestions(w http.ResponseWriter, r *http.Request, q *req) {
	o, err := u.assessOrg(r, q)
	if err == nil && o.ID == 0 {
		http.Redirect(w, r, "/assessment/overview", http.StatusSeeOther)
		return
	}
	if err != nil {
		u.fail(w, q, err)
		return
	}
	d, err := u.questionsData(r, q, o, nil)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	u.render(w, 200, "assess_questions", q.page("Assessment questionnaire", "assessment", d))
}

// assessSave stores the form's answers: every question answered, in the
// questionnaire's order; a question left blank is not answered.
func (u *UI) assessSave(w http.ResponseWriter, r *http.Request, q *req) {
	if q.p.Agency {
		u.httpError(w, r, "The questionnaire is answered by the party itself.", http.StatusForbidden)
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("questionnaire_version"))
	var items []assess.Answer
	given := map[string]string{}
	for _, x := range assess.Current().Questions {
		if v := r.PostFormValue("q." + x.ID); v != "" {
			items = append(items, assess.Answer{Question: x.ID, Value: v})
			given[x.ID] = v
		}
	}
	sa, err := u.hub.SaveAnswers(r.Context(), q.p, items, version)
	var ve assess.ValidationError
	if errors.As(err, &ve) {
		o, _ := u.st.GetOrg(r.Context(), q.p.Viewer(), q.p.OrgID)
		d, derr := u.questionsData(r, q, o, given)
		if derr != nil {
			u.fail(w, q, derr)
			return
		}
		pg := q.page("Assessment questionnaire", "assessment", d)
		pg.Error = "Nothing was saved: " + ve.Error()
		u.render(w, http.StatusUnprocessableEntity, "assess_questions", pg)
		return
	}
	if err != nil {
		u.fail(w, q, err)
		return
	}
	d, ok := u.loadAssessment(w, r, q, false)
	if !ok {
		return
	}
	d.A = sa
	pg := q.page("Risk assessment", "assessment", d)
	pg.Flash = fmt.Sprintf("Answers saved (%d questions). The assessment is up to date.", len(items))
	u.render(w, 200, "assess", pg)
}

type methodData struct {
	Version, Method int
	Groups          []questionGroup
	Facts           []assess.FactRule
	Top             int
}

func (u *UI) assessMethod(w http.ResponseWriter, r *http.Request, q *req) {
	qs := assess.Current()
	d := methodData{Version: qs.Version, Method: assess.MethodVersion, Facts: assess.FactRules(), Top: assess.TopActions}
	for _, g := range qs.Groups {
		qg := questionGroup{Group: g}
		for _, x := range qs.Questions {
			if x.Group == g.ID {
				qg.Rows = append(qg.Rows, questionRow{Q: x})
			}
		}
		d.Groups = append(d.Groups, qg)
	}
	u.render(w, 200, "assess_method", q.page("Assessment method", "assessment", d))
}

type overviewData struct {
	Groups []assess.Group
	Rows   []overviewRow
}

type overviewRow struct {
	A      store.StoredAssessment
	Scores []assess.GroupScore
}

func (u *UI) assessOverview(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.p.Agency {
		http.Redirect(w, r, "/assessment", http.StatusSeeOther)
		return
	}
	all, err := u.hub.AssessmentOverview(r.Context(), q.p.Viewer())
	if err != nil {
		u.fail(w, q, err)
		return
	}
	d := overviewData{Groups: assess.Current().Groups}
	for _, sa := range all {
		row := overviewRow{A: sa}
		for _, g := range d.Groups {
			gs := assess.GroupScore{Group: g.ID}
			for _, x := range sa.Result.Groups {
				if x.Group == g.ID {
					gs = x
				}
			}
			row.Scores = append(row.Scores, gs)
		}
		d.Rows = append(d.Rows, row)
	}
	u.render(w, 200, "assess_overview", q.page("Assessment of the parties", "assessment", d))
}

func (u *UI) assessReport(w http.ResponseWriter, r *http.Request, q *req) {
	d, ok := u.loadAssessment(w, r, q, false)
	if !ok {
		return
	}
	d.CSS, d.Printed = "/static/assess.css", u.now()
	u.render(w, 200, "assess_report", q.page("Risk assessment report", "assessment", d))
}
