package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/posture"
	"github.com/vigie-project/vigie/internal/store"
)

// The party settings and posture pages: a party's administrator declares
// its domains (campaign sites, mail domains) and the people the agency
// calls; everyone in the party reads them and the posture of each domain
// (checked by the hub on a schedule, with history). The agency reads and
// edits any party's, reached from the Organisations page (?org=ID).

// settingsPages are the templates of these pages.
var settingsPages = []string{"settings", "posture"}

// Words of the posture verdicts and of the proposal states, in French (the
// templates get the values from the store, not from their own text).
var statusFR = map[string]string{
	string(posture.StatusPass): "réussi", string(posture.StatusWarn): "avertissement", string(posture.StatusFail): "échec", string(posture.StatusError): "erreur",
	store.ProposalPending: "en attente", store.ProposalAccepted: "publié", store.ProposalRejected: "refusé",
}

func init() {
	funcs["verdictWord"] = func(v any, lang string) string {
		var s string
		switch x := v.(type) {
		case posture.Status:
			s = string(x)
		case string:
			s = x
		}
		if fr, ok := statusFR[s]; ok && lang == langFR {
			return fr
		}
		return s
	}
}

func (u *UI) settingsRoutes() {
	u.mux.HandleFunc("GET /settings", u.full(u.settingsPage))
	u.mux.HandleFunc("POST /settings", u.full(u.saveSettings))
	u.mux.HandleFunc("GET /posture", u.full(u.posturePage))
	u.mux.HandleFunc("POST /posture/check", u.full(u.checkPosture))
	u.mux.HandleFunc("POST /lookalikes/proposals/{id}/accept", u.full(u.acceptProposal))
	u.mux.HandleFunc("POST /lookalikes/proposals/{id}/reject", u.full(u.rejectProposal))
}

// pageOrg is the organisation a settings or posture page is about: the
// user's own, or for the agency the one of ?org=ID. Another party's gives
// ErrNotFound.
func (u *UI) pageOrg(r *http.Request, q *req) (store.Org, error) {
	id := q.p.OrgID
	if v := r.URL.Query().Get("org"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return store.Org{}, store.ErrNotFound
		}
		id = n
	}
	return u.st.GetOrg(r.Context(), q.p.Viewer(), id)
}

// pageSettings is the page's organisation and its settings.
func (u *UI) pageSettings(r *http.Request, q *req) (store.Org, store.OrgSettings, error) {
	o, err := u.pageOrg(r, q)
	if err != nil {
		return o, store.OrgSettings{}, err
	}
	st, err := u.st.GetOrgSettings(r.Context(), q.p.Viewer(), o.ID)
	return o, st, err
}

type settingsData struct {
	Org         store.Org
	S           store.OrgSettings
	Sites, Mail string
	Contacts    []store.Contact
	CanEdit     bool
	MaxDomains  int
	MaxContacts int
}

// blankContacts is how many empty contact rows the form offers.
const blankContacts = 2

func (u *UI) settingsPage(w http.ResponseWriter, r *http.Request, q *req) {
	u.showSettings(w, r, q, http.StatusOK, "", "", nil)
}

// showSettings renders the settings of the page's organisation; in, when
// set, is what the user typed (shown again after a refused change).
func (u *UI) showSettings(w http.ResponseWriter, r *http.Request, q *req, code int, flash, errMsg string, in *store.OrgSettings) {
	o, st, err := u.pageSettings(r, q)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	d := settingsData{Org: o, S: st, CanEdit: q.p.CanEditSettings(o.ID), MaxDomains: store.MaxOrgDomains, MaxContacts: store.MaxOrgContacts}
	shown := st
	if in != nil {
		shown = *in
	}
	d.Sites, d.Mail = strings.Join(shown.Sites, "\n"), strings.Join(shown.MailDomains, "\n")
	d.Contacts = append(slices.Clone(shown.Contacts), make([]store.Contact, blankContacts)...)
	pg := q.page("Settings", "settings", d)
	pg.Flash, pg.Error = flash, errMsg
	u.render(w, code, "settings", pg)
}

// lines splits a textarea into its non-empty lines (commas and spaces
// separate too).
func lines(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == '\t' })
}

func (u *UI) saveSettings(w http.ResponseWriter, r *http.Request, q *req) {
	o, err := u.pageOrg(r, q)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	if !q.p.CanEditSettings(o.ID) {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	in := store.OrgSettings{Sites: lines(r.PostFormValue("sites")), MailDomains: lines(r.PostFormValue("mail_domains"))}
	names, roles, emails, phones := r.PostForm["contact_name"], r.PostForm["contact_role"], r.PostForm["contact_email"], r.PostForm["contact_phone"]
	if len(names) > store.MaxOrgContacts+blankContacts {
		u.showSettings(w, r, q, http.StatusUnprocessableEntity, "", "Too many contacts.", &in)
		return
	}
	at := func(v []string, i int) string {
		if i < len(v) {
			return v[i]
		}
		return ""
	}
	for i := range names {
		in.Contacts = append(in.Contacts, store.Contact{Name: at(names, i), Role: at(roles, i), Email: at(emails, i), Phone: at(phones, i)})
	}
	if _, err := u.st.PutOrgSettings(r.Context(), q.p.Viewer(), q.p.ActorFor(), o.ID, in); err != nil {
		if errors.Is(err, store.ErrBadSettings) {
			u.showSettings(w, r, q, http.StatusUnprocessableEntity, "", "Nothing was saved: "+err.Error(), &in)
			return
		}
		u.fail(w, q, err)
		return
	}
	u.showSettings(w, r, q, http.StatusOK, "Saved. The domain watch and the DNS filter protect these domains from their next contact with the hub, and the hub checks their posture.", "", nil)
}

type postureRow struct {
	Org    store.Org
	Domain string
	Run    *store.PostureRun
}

type postureData struct {
	All      bool // the agency's overview of every party
	Org      store.Org
	Overview []postureRow // the agency's view of every party (no ?org)
	Latest   []postureRow // the organisation's declared domains
	History  []store.PostureRun
	Schedule string
	CanCheck bool
}

// latestRows pairs each declared domain of o with its newest run (nil when
// never checked).
func (u *UI) latestRows(r *http.Request, o store.Org, st store.OrgSettings) ([]postureRow, error) {
	runs, err := u.st.LatestPosture(r.Context(), o.ID)
	if err != nil {
		return nil, err
	}
	byDomain := map[string]*store.PostureRun{}
	for i := range runs {
		byDomain[runs[i].Domain] = &runs[i]
	}
	var out []postureRow
	for _, d := range st.Domains() {
		out = append(out, postureRow{Org: o, Domain: d, Run: byDomain[d]})
	}
	return out, nil
}

func (u *UI) posturePage(w http.ResponseWriter, r *http.Request, q *req) {
	u.showPosture(w, r, q, http.StatusOK, "", "")
}

func (u *UI) showPosture(w http.ResponseWriter, r *http.Request, q *req, code int, flash, errMsg string) {
	var d postureData
	if sched := u.hub.PostureSchedule(); sched != nil {
		d.Schedule = sched.Describe()
	}
	if q.p.Agency && r.URL.Query().Get("org") == "" {
		d.All = true
		all, err := u.st.AllOrgSettings(r.Context())
		if err != nil {
			u.fail(w, q, err)
			return
		}
		for _, st := range all {
			rows, err := u.latestRows(r, store.Org{ID: st.OrgID, Name: st.OrgName}, st)
			if err != nil {
				u.fail(w, q, err)
				return
			}
			d.Overview = append(d.Overview, rows...)
		}
	} else {
		o, st, err := u.pageSettings(r, q)
		if err != nil {
			u.fail(w, q, err)
			return
		}
		d.Org, d.CanCheck = o, q.p.CanEditSettings(o.ID) && d.Schedule != "" && len(st.Domains()) > 0
		if d.Latest, err = u.latestRows(r, o, st); err != nil {
			u.fail(w, q, err)
			return
		}
		if d.History, err = u.st.PostureHistory(r.Context(), o.ID, 50); err != nil {
			u.fail(w, q, err)
			return
		}
	}
	pg := q.page("Posture", "posture", d)
	pg.Flash, pg.Error = flash, errMsg
	u.render(w, code, "posture", pg)
}

func (u *UI) checkPosture(w http.ResponseWriter, r *http.Request, q *req) {
	o, err := u.pageOrg(r, q)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	sched := u.hub.PostureSchedule()
	if !q.p.CanEditSettings(o.ID) || sched == nil {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	if _, err := sched.CheckOrgSoon(o.ID); err != nil {
		msg := "No domain is declared yet: add them on the Settings page."
		if errors.Is(err, hub.ErrPostureBusy) {
			msg = "A check is already running: its results appear here when it ends."
		}
		u.showPosture(w, r, q, http.StatusConflict, "", msg)
		return
	}
	u.showPosture(w, r, q, http.StatusAccepted, "The check has started: reload this page in a minute to see the results.", "")
}
