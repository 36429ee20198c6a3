package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie/internal/advisory"
	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/store"
)

// The advisory pages: the agency writes an advisory (text in Markdown,
// severity, TLP, parties, checklist of actions, indicators and a YARA
// rule), publishes, revises and withdraws it, and follows per party who
// read it, acknowledged it and how many actions each has done, and reminds
// the late ones. A party sees its advisories only, acknowledges them and
// ticks the actions it has done, with a comment. Text is in
// catalog_fr_advisories.tsv.

// advisoryPages are the templates of the advisories.
// "advisories" shows the list (advPage.List) or one advisory
// (advPage.One): they share the words for severities and follow-up.
var advisoryPages = []string{"advisories", "advisory_edit"}

// advPage is the data of the advisories template.
type advPage struct {
	List *advListData
	One  *advData
}

func (u *UI) advisoryRoutes() {
	u.mux.HandleFunc("GET /advisories", u.full(u.advisoriesPage))
	u.mux.HandleFunc("GET /advisories/new", u.full(u.newAdvisoryPage))
	u.mux.HandleFunc("POST /advisories", u.full(u.createAdvisory))
	u.mux.HandleFunc("GET /advisories/{id}", u.full(u.advisoryPage))
	u.mux.HandleFunc("GET /advisories/{id}/edit", u.full(u.editAdvisoryPage))
	u.mux.HandleFunc("POST /advisories/{id}/edit", u.full(u.editAdvisory))
	u.mux.HandleFunc("POST /advisories/{id}/publish", u.full(u.publishAdvisory))
	u.mux.HandleFunc("POST /advisories/{id}/withdraw", u.full(u.withdrawAdvisory))
	u.mux.HandleFunc("POST /advisories/{id}/ack", u.full(u.ackAdvisory))
	u.mux.HandleFunc("POST /advisories/{id}/actions/{action}", u.full(u.tickAdvisory))
	u.mux.HandleFunc("POST /advisories/{id}/remind", u.full(u.remindAdvisory))
	u.mux.HandleFunc("GET /advisories/{id}/csaf.json", u.full(u.advisoryCSAF))
}

// advRow is one line of the advisory list: the advisory, for the agency
// each party's progress, for a party its own.
type advRow struct {
	store.AdvisoryRecord
	Progress []store.AdvisoryReceipt
}

type advListData struct {
	Items []advRow
}

func (u *UI) advisoriesPage(w http.ResponseWriter, r *http.Request, q *req) {
	recs, err := u.st.ListAdvisories(r.Context(), q.p.Viewer(), store.AdvisoryQuery{Limit: 200})
	if err != nil {
		u.fail(w, q, err)
		return
	}
	d := advListData{}
	for _, rec := range recs {
		row := advRow{AdvisoryRecord: rec}
		if q.p.Agency && rec.Status == advisory.Published {
			if row.Progress, err = u.st.AdvisoryProgress(r.Context(), q.p.Viewer(), rec.ID); err != nil {
				u.fail(w, q, err)
				return
			}
		}
		d.Items = append(d.Items, row)
	}
	u.render(w, 200, "advisories", q.page("Advisories", "advisories", advPage{List: &d}))
}

type advData struct {
	A          store.AdvisoryRecord
	Tracking   string
	HTML       template.HTML
	Indicators []store.Record
	// Progress is every party's line (agency), Ticks each party's ticks.
	Progress []hub.ProgressLine
	// Actions are the current actions with the viewing party's tick.
	Actions []advAction
}

type advAction struct {
	advisory.Action
	Tick store.AdvisoryTick
}

func (u *UI) advisoryID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return 0, false
	}
	return id, true
}

// agencyAdvisoryID is advisoryID for the pages and buttons of agency
// analysts and administrators only (others get "Not found.").
func (u *UI) agencyAdvisoryID(w http.ResponseWriter, r *http.Request, q *req) (int64, bool) {
	if !q.p.Can("publish") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return 0, false
	}
	return u.advisoryID(w, r)
}

func (u *UI) advisoryPage(w http.ResponseWriter, r *http.Request, q *req) {
	u.showAdvisory(w, r, q, 200, "", "")
}

func (u *UI) showAdvisory(w http.ResponseWriter, r *http.Request, q *req, code int, flash, errMsg string) {
	id, ok := u.advisoryID(w, r)
	if !ok {
		return
	}
	v, err := u.hub.AdvisoryView(r, q.p, id)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	d := advData{A: v.AdvisoryRecord, Tracking: v.Tracking, HTML: template.HTML(v.HTML), Indicators: v.IndicatorV} // sanitised by advisory.RenderMarkdown
	for _, a := range v.CurrentActions() {
		d.Actions = append(d.Actions, advAction{Action: a, Tick: v.Ticks[a.ID]})
	}
	if q.p.Agency {
		if d.Progress, err = u.hub.AdvisoryProgress(r, q.p, id); err != nil {
			u.fail(w, q, err)
			return
		}
	}
	pg := q.page("Advisory", "advisories", advPage{One: &d})
	pg.Flash, pg.Error = flash, errMsg
	u.render(w, code, "advisories", pg)
}

type advEditData struct {
	A store.AdvisoryRecord
	// Attached are the indicators attached to the advisory.
	Attached []store.Record
	In       hub.AdvisoryIn
	Actions  string
	New      bool
	Parties  []store.Org
	Listed   map[string]bool
	TLPs     []indicator.TLP
	Sevs     []advisory.Severity
}

func (u *UI) parties(r *http.Request, q *req) []store.Org {
	var out []store.Org
	orgs, _ := u.st.ListOrgs(r.Context(), q.p.Viewer())
	for _, o := range orgs {
		if o.Kind == store.KindParty {
			out = append(out, o)
		}
	}
	return out
}

func (u *UI) showAdvisoryForm(w http.ResponseWriter, r *http.Request, q *req, code int, d advEditData, errMsg string) {
	if !q.p.Can("publish") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	d.Parties = u.parties(r, q)
	d.TLPs = []indicator.TLP{indicator.TLPClear, indicator.TLPGreen, indicator.TLPAmber, indicator.TLPAmberStrict, indicator.TLPRed}
	d.Sevs = advisory.Severities
	d.Listed = map[string]bool{}
	for _, p := range d.In.Parties {
		d.Listed[p] = true
	}
	title := "New advisory"
	if !d.New {
		title = "Edit advisory"
	}
	pg := q.page(title, "advisories", d)
	pg.Error = errMsg
	u.render(w, code, "advisory_edit", pg)
}

func (u *UI) newAdvisoryPage(w http.ResponseWriter, r *http.Request, q *req) {
	u.showAdvisoryForm(w, r, q, 200, advEditData{New: true, In: hub.AdvisoryIn{Severity: "medium", TLP: "amber", Distribution: store.DistAll}}, "")
}

// advisoryForm reads the advisory form.
func advisoryForm(r *http.Request) hub.AdvisoryIn {
	return hub.AdvisoryIn{
		Title: r.PostFormValue("title"), Severity: r.PostFormValue("severity"), TLP: r.PostFormValue("tlp"), Body: r.PostFormValue("body"),
		Actions: advisory.SplitActions(r.PostFormValue("actions")), Distribution: r.PostFormValue("distribution"), Parties: r.PostForm["parties"],
		Indicators: r.PostFormValue("indicators"), YARA: r.PostFormValue("yara"), Detach: r.PostForm["detach"], Summary: r.PostFormValue("summary"),
		Publish: r.PostFormValue("publish") == "now",
	}
}

func (u *UI) createAdvisory(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.p.Can("publish") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	in := advisoryForm(r)
	rec, err := u.hub.CreateAdvisory(r.Context(), q.p, in)
	if err != nil {
		u.advisoryFormError(w, r, q, advEditData{New: true, In: in, Actions: r.PostFormValue("actions")}, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/advisories/%d", rec.ID), http.StatusSeeOther)
}

// advisoryFormError shows the form again with what was typed and the
// problem, or fails for an error of the hub.
func (u *UI) advisoryFormError(w http.ResponseWriter, r *http.Request, q *req, d advEditData, err error) {
	msg, user := hub.AdvisoryErrorMessage(err)
	if !user {
		u.fail(w, q, err)
		return
	}
	u.showAdvisoryForm(w, r, q, http.StatusUnprocessableEntity, d, "Nothing was saved: "+msg)
}

func (u *UI) editAdvisoryPage(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := u.agencyAdvisoryID(w, r, q)
	if !ok {
		return
	}
	rec, err := u.st.GetAdvisory(r.Context(), q.p.Viewer(), id)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	in := hub.AdvisoryIn{Title: rec.Title, Severity: string(rec.Severity), TLP: string(rec.TLP), Body: rec.Body, Distribution: rec.Distribution}
	names := map[int64]string{}
	for _, o := range u.parties(r, q) {
		names[o.ID] = o.Name
	}
	for _, p := range rec.Parties {
		in.Parties = append(in.Parties, names[p])
	}
	var acts []string
	for _, a := range rec.CurrentActions() {
		acts = append(acts, a.Text)
	}
	attached, err := u.hub.AdvisoryIndicators(r.Context(), q.p, rec)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	u.showAdvisoryForm(w, r, q, 200, advEditData{A: rec, In: in, Actions: strings.Join(acts, "\n"), Attached: attached}, "")
}

func (u *UI) editAdvisory(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := u.agencyAdvisoryID(w, r, q)
	if !ok {
		return
	}
	in := advisoryForm(r)
	rec, err := u.hub.UpdateAdvisory(r.Context(), q.p, id, in)
	if err != nil {
		old, gerr := u.st.GetAdvisory(r.Context(), q.p.Viewer(), id)
		if gerr != nil {
			u.fail(w, q, gerr)
			return
		}
		u.advisoryFormError(w, r, q, advEditData{A: old, In: in, Actions: r.PostFormValue("actions")}, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/advisories/%d", rec.ID), http.StatusSeeOther)
}

// advisoryDone answers a button on the advisory page: the page again with
// what happened, or the problem.
func (u *UI) advisoryDone(w http.ResponseWriter, r *http.Request, q *req, flash string, err error) {
	if err != nil {
		msg, user := hub.AdvisoryErrorMessage(err)
		if !user || msg == "No such advisory." {
			u.fail(w, q, err)
			return
		}
		u.showAdvisory(w, r, q, http.StatusUnprocessableEntity, "", msg)
		return
	}
	u.showAdvisory(w, r, q, 200, flash, "")
}

func (u *UI) publishAdvisory(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := u.agencyAdvisoryID(w, r, q)
	if !ok {
		return
	}
	_, err := u.hub.PublishAdvisory(r.Context(), q.p, id)
	u.advisoryDone(w, r, q, "Published: the parties see it now, and their sensors get its indicators at their next pull.", err)
}

func (u *UI) withdrawAdvisory(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := u.agencyAdvisoryID(w, r, q)
	if !ok {
		return
	}
	_, err := u.hub.WithdrawAdvisory(r.Context(), q.p, id, r.PostFormValue("reason"))
	u.advisoryDone(w, r, q, "Withdrawn: the parties see it marked withdrawn, and their sensors drop its indicators.", err)
}

func (u *UI) ackAdvisory(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := u.advisoryID(w, r)
	if !ok {
		return
	}
	err := u.st.AcknowledgeAdvisory(r.Context(), q.p.Viewer(), q.p.ActorFor(), id)
	u.advisoryDone(w, r, q, "Acknowledged. The agency sees it.", err)
}

func (u *UI) tickAdvisory(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := u.advisoryID(w, r)
	if !ok {
		return
	}
	action, err := strconv.ParseInt(r.PathValue("action"), 10, 64)
	if err != nil {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	done := r.PostFormValue("done") == "true"
	err = u.st.TickAdvisoryAction(r.Context(), q.p.Viewer(), q.p.ActorFor(), id, action, done, r.PostFormValue("comment"))
	msg := "Recorded: done."
	if !done {
		msg = "Recorded: not done."
	}
	u.advisoryDone(w, r, q, msg, err)
}

func (u *UI) remindAdvisory(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := u.agencyAdvisoryID(w, r, q)
	if !ok {
		return
	}
	var parties []string
	if p := r.PostFormValue("party"); p != "" {
		parties = []string{p}
	}
	sent, err := u.hub.RemindAdvisory(r.Context(), q.p, id, parties)
	var names []string
	for _, s := range sent {
		names = append(names, s.OrgName)
	}
	msg := "No party is late: no reminder sent."
	if len(names) > 0 {
		msg = "Reminder recorded for " + strings.Join(names, ", ") + "."
	}
	u.advisoryDone(w, r, q, msg, err)
}

func (u *UI) advisoryCSAF(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := u.advisoryID(w, r)
	if !ok {
		return
	}
	doc, err := u.hub.AdvisoryCSAF(r.Context(), q.p, id, u.hub.BaseURL(r))
	if err != nil {
		u.fail(w, q, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", "attachment; filename=\""+doc.Document.Tracking.ID+".json\"")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		u.logError(r, "writing a CSAF export", err)
	}
}
