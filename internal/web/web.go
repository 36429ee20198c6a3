// Package web is the hub's user interface: server-rendered pages from
// embedded templates, no JavaScript needed. People log in with a password
// and, when they have one (agency administrators must), a TOTP code; the
// dashboard shows sightings over time, the top indicators, the parties and
// their last contact, and open campaign alerts.
//
// Sessions live in the store (the cookie holds a random id, the store its
// hash), so several hub instances share them. Every form carries a CSRF
// token bound to the session; POSTs from another origin are refused; the
// session id changes at login and after the second factor (no fixation).
package web

import (
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/store"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed static
var staticFS embed.FS

// sessionTTL is how long a login lasts.
const sessionTTL = 12 * time.Hour

// UI serves the web pages.
type UI struct {
	hub   *hub.Server
	st    *store.Store
	pages map[string]*template.Template
	// pagesFR are the pages in French, cat the French catalog (i18n.go).
	pagesFR map[string]*template.Template
	cat     *catalog
	mux     *http.ServeMux
	secure  bool
	now     func() time.Time
}

var funcs = template.FuncMap{
	"roles": func() []string { return []string{store.RoleMember, store.RoleAnalyst, store.RoleAdmin} },
	"join":  func(s []string) string { return strings.Join(s, ", ") },
	"when":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"dist": func(d string) string {
		switch d {
		case store.DistAll:
			return "all parties"
		case store.DistListed:
			return "listed parties"
		case store.DistAgency:
			return "agency only"
		}
		return d
	},
}

// New builds the UI of a hub server.
func New(h *hub.Server) (*UI, error) {
	u := &UI{hub: h, st: h.Store(), pages: map[string]*template.Template{}, pagesFR: map[string]*template.Template{}, mux: http.NewServeMux(), secure: h.TLS(), now: time.Now}
	var err error
	if u.cat, err = loadCatalog(catalogFR); err != nil {
		return nil, err
	}
	for _, name := range append([]string{"dashboard", "indicators", "edit", "sightings", "lookalikes", "orgs", "users", "tokens", "notifications"}, append(authPages, append(assessPages, append(settingsPages, append(casePages, append(advisoryPages, importPages...)...)...)...)...)...) {
		for _, lang := range []string{langEN, langFR} {
			t, err := template.New(name).Funcs(funcs).ParseFS(templatesFS, "templates/layout.html", "templates/publish.html", "templates/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("web: template %s: %w", name, err)
			}
			if lang == langFR {
				u.cat.translateTemplate(t, nil)
				u.pagesFR[name] = t
			} else {
				u.pages[name] = t
			}
		}
	}
	static, _ := fs.Sub(staticFS, "static")
	u.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	u.authRoutes()
	u.assessRoutes()
	u.settingsRoutes()
	u.caseRoutes()
	u.advisoryRoutes()
	u.importRoutes()
	u.mux.HandleFunc("GET /{$}", u.full(u.dashboard))
	u.mux.HandleFunc("GET /indicators", u.full(u.indicators))
	u.mux.HandleFunc("POST /indicators", u.full(u.addIndicator))
	u.mux.HandleFunc("POST /indicators/import", u.full(u.importIndicators))
	u.mux.HandleFunc("POST /indicators/{id}/expire", u.full(u.expireIndicator))
	u.mux.HandleFunc("GET /indicators/{id}/edit", u.full(u.editPage))
	u.mux.HandleFunc("POST /indicators/{id}/edit", u.full(u.editIndicator))
	u.mux.HandleFunc("GET /sightings", u.full(u.sightings))
	u.mux.HandleFunc("GET /lookalikes", u.full(u.lookalikes))
	u.mux.HandleFunc("POST /alerts/{id}/close", u.full(u.closeAlert))
	u.mux.HandleFunc("GET /orgs", u.full(u.orgs))
	u.mux.HandleFunc("POST /orgs", u.full(u.createOrg))
	u.mux.HandleFunc("GET /users", u.full(u.users))
	u.mux.HandleFunc("POST /users", u.full(u.createUser))
	u.mux.HandleFunc("GET /tokens", u.full(u.tokens))
	u.mux.HandleFunc("POST /tokens", u.full(u.createToken))
	u.mux.HandleFunc("POST /tokens/{id}/revoke", u.full(u.revokeToken))
	u.mux.HandleFunc("GET /notifications", u.full(u.notifications))
	u.mux.HandleFunc("POST /notifications/channels", u.full(u.createChannel))
	u.mux.HandleFunc("POST /notifications/channels/{id}/delete", u.full(u.deleteChannel))
	u.mux.HandleFunc("POST /notifications/channels/{id}/test", u.full(u.testChannel))
	u.mux.HandleFunc("POST /notifications/deliveries/{id}/retry", u.full(u.retryDelivery))
	return u, nil
}

func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && !sameOrigin(r) {
		u.httpError(w, r, "This form was sent from another site: refused.", http.StatusForbidden)
		return
	}
	u.mux.ServeHTTP(w, r)
}

// sameOrigin checks Origin (or Referer) against the request's host.
func sameOrigin(r *http.Request) bool {
	src := r.Header.Get("Origin")
	if src == "" || src == "null" {
		src = r.Header.Get("Referer")
	}
	if src == "" {
		return r.Header.Get("Origin") != "null"
	}
	o, err := url.Parse(src)
	return err == nil && strings.EqualFold(o.Host, r.Host)
}

// cookieName is the session cookie's name: with HTTPS (served by the hub
// or by a trusted proxy) the __Host- prefix binds it to this host.
func (u *UI) cookieName(r *http.Request) string {
	if u.secure || u.hub.Secure(r) {
		return "__Host-vigie_session"
	}
	return "vigie_session"
}

func (u *UI) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: u.secure || u.hub.Secure(r), SameSite: http.SameSiteLaxMode})
}

func randomID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// page is what every template gets.
type page struct {
	Title, Nav   string
	User         *store.User
	P            *hub.Principal
	CSRF         string
	Flash, Error string
	Data         any
	// Lang is the page's language (en or fr).
	Lang string
}

func (u *UI) render(w http.ResponseWriter, code int, name string, pg page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	t := u.pages[name]
	if pg.Lang == langFR {
		t = u.pagesFR[name]
		pg.Title, pg.Flash, pg.Error = u.cat.message(pg.Title), u.cat.message(pg.Flash), u.cat.message(pg.Error)
	} else {
		pg.Lang = langEN
	}
	w.Header().Set("Content-Language", pg.Lang)
	w.WriteHeader(code)
	if err := t.ExecuteTemplate(w, name+".html", pg); err != nil {
		fmt.Fprintf(w, "<p>page error: %s</p>", template.HTMLEscapeString(err.Error()))
	}
}

// session returns the request's session and user, if any.
func (u *UI) session(r *http.Request) (*store.Session, *store.User) {
	c, err := r.Cookie(u.cookieName(r))
	if err != nil || len(c.Value) > 100 {
		return nil, nil
	}
	se, err := u.st.GetSession(r.Context(), hub.HashToken(c.Value))
	if err != nil {
		return nil, nil
	}
	us, err := u.st.UserByID(r.Context(), se.UserID)
	if err != nil || us.Disabled {
		return nil, nil
	}
	return &se, &us
}

func principal(us *store.User) *hub.Principal {
	return &hub.Principal{OrgID: us.OrgID, OrgName: us.OrgName, Agency: us.OrgKind == store.KindAgency, Role: us.Role, Actor: "user:" + us.Username, UserID: us.ID}
}

// startSession replaces any session of the browser with a new one.
func (u *UI) startSession(w http.ResponseWriter, r *http.Request, us *store.User, secondFactor bool) error {
	if c, err := r.Cookie(u.cookieName(r)); err == nil {
		u.st.DeleteSession(r.Context(), hub.HashToken(c.Value))
	}
	id := randomID()
	now := u.now()
	if err := u.st.CreateSession(r.Context(), store.Session{IDHash: hub.HashToken(id), UserID: us.ID, CSRF: randomID(), SecondFactor: secondFactor, CreatedAt: now, ExpiresAt: now.Add(sessionTTL)}); err != nil {
		return err
	}
	u.setCookie(w, r, u.cookieName(r), id, int(sessionTTL/time.Second))
	return nil
}

func checkCSRF(r *http.Request, want string) bool {
	got := r.Header.Get("X-CSRF-Token") // scripts (passkeys) send it here
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// req is an authenticated request.
type req struct {
	r    *http.Request
	lang string
	se   *store.Session
	us   *store.User
	p    *hub.Principal
}

func (q *req) page(title, nav string, data any) page {
	return page{Title: title, Nav: nav, User: q.us, P: q.p, CSRF: q.se.CSRF, Data: data, Lang: q.lang}
}

// partial lets in a user who passed the password but maybe not yet the
// second factor (the TOTP and password pages).
func (u *UI) partial(h func(http.ResponseWriter, *http.Request, *req)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		se, us := u.session(r)
		if se == nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && !checkCSRF(r, se.CSRF) {
			u.httpError(w, r, "The form expired: go back, reload the page and try again.", http.StatusForbidden)
			return
		}
		h(w, r, &req{r: r, lang: requestLang(r, us.Language), se: se, us: us, p: principal(us)})
	}
}

// full requires a complete login.
func (u *UI) full(h func(http.ResponseWriter, *http.Request, *req)) http.HandlerFunc {
	return u.partial(func(w http.ResponseWriter, r *http.Request, q *req) {
		switch {
		case !q.se.SecondFactor && has2FA(q.us):
			http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
		case !q.se.SecondFactor, needs2FA(q.us) && !has2FA(q.us):
			// The second case: a session from before the user's role (or
			// the hub's rules) required a second factor.
			http.Redirect(w, r, "/setup/totp", http.StatusSeeOther)
		case q.us.MustChangePassword:
			http.Redirect(w, r, "/account/password", http.StatusSeeOther)
		default:
			h(w, r, q)
		}
	})
}

// chart is the sightings-per-day bar chart, drawn as SVG on the server.
type chart struct {
	Width, Height int
	Bars          []bar
	Labels        []label
}

type bar struct {
	X, Y, W, H int
	Label      string
	Count      int64
}

type label struct {
	X, Y int
	Text string
}

func makeChart(days []store.DayCount) chart {
	c := chart{Width: 900, Height: 180}
	if len(days) == 0 {
		return c
	}
	var top int64 = 1
	for _, d := range days {
		top = max(top, d.Count)
	}
	plotH := c.Height - 20
	step := c.Width / len(days)
	for i, d := range days {
		h := int(d.Count * int64(plotH-10) / top)
		if d.Count > 0 && h < 2 {
			h = 2
		}
		c.Bars = append(c.Bars, bar{X: i*step + 1, Y: plotH - h, W: max(step-2, 1), H: h, Label: d.Day.Format("2 Jan"), Count: d.Count})
		if i%7 == 0 || (i == len(days)-1 && i%7 >= 4) {
			c.Labels = append(c.Labels, label{X: i * step, Y: c.Height - 4, Text: d.Day.Format("2 Jan")})
		}
	}
	c.Labels = append(c.Labels, label{X: 0, Y: 10, Text: "max " + strconv.FormatInt(top, 10)})
	return c
}

type dashData struct {
	D       store.Dashboard
	Chart   chart
	Parties []store.Org
}

func (u *UI) dashboard(w http.ResponseWriter, r *http.Request, q *req) {
	d, err := u.st.Dashboard(r.Context(), q.p.Viewer(), 30)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	var parties []store.Org
	for _, o := range d.Orgs {
		if o.Kind == store.KindParty || !q.p.Agency {
			parties = append(parties, o)
		}
	}
	u.render(w, 200, "dashboard", q.page("Dashboard", "dashboard", dashData{D: d, Chart: makeChart(d.Days), Parties: parties}))
}

func (u *UI) fail(w http.ResponseWriter, q *req, err error) {
	u.failReq(w, q.r, err)
}

type indData struct {
	Q, Type string
	Types   []indicator.Type
	Items   []store.Record
	More    string
	Parties []store.Org
	Created string
	// Skipped lists what an import left out (warning lists, problems).
	Skipped []string
	// Jobs are the newest imports in the background (imports.go).
	Jobs []hub.JobView
}

const pageSize = 50

func (u *UI) indicators(w http.ResponseWriter, r *http.Request, q *req) {
	u.showIndicators(w, r, q, 200, "", "")
}

func (u *UI) showIndicators(w http.ResponseWriter, r *http.Request, q *req, code int, flash, errMsg string, skipped ...string) {
	qs := r.URL.Query()
	d := indData{Q: qs.Get("q"), Type: qs.Get("type"), Types: indicator.Types, Skipped: skipped}
	before, _ := strconv.ParseInt(qs.Get("before"), 10, 64)
	iq := store.IndicatorQuery{Search: d.Q, BeforeRef: before, Limit: pageSize}
	if d.Type != "" {
		if t, err := indicator.ParseType(d.Type); err == nil {
			iq.Type = t
		}
	}
	items, err := u.st.ListIndicators(r.Context(), q.p.Viewer(), iq)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	d.Items = items
	if len(items) == pageSize {
		v := url.Values{"q": {d.Q}, "type": {d.Type}, "before": {strconv.FormatInt(items[len(items)-1].Ref(), 10)}}
		d.More = "/indicators?" + v.Encode()
	}
	if q.p.Can("publish") {
		orgs, _ := u.st.ListOrgs(r.Context(), q.p.Viewer())
		for _, o := range orgs {
			if o.Kind == store.KindParty {
				d.Parties = append(d.Parties, o)
			}
		}
	}
	d.Jobs = u.importJobs(r, q)
	pg := q.page("Indicators", "indicators", d)
	pg.Flash, pg.Error = flash, errMsg
	u.render(w, code, "indicators", pg)
}

func importOptions(r *http.Request) hub.ImportOptions {
	return hub.ImportOptions{TLP: r.PostFormValue("tlp"), Distribution: r.PostFormValue("distribution"), Parties: r.PostForm["parties"], Lenient: r.PostFormValue("lenient") == "true"}
}

func (u *UI) addIndicator(w http.ResponseWriter, r *http.Request, q *req) {
	ind := indicator.Indicator{Type: indicator.Type(r.PostFormValue("type")), Value: strings.TrimSpace(r.PostFormValue("value")), Description: r.PostFormValue("description")}
	rep, err := u.hub.AddIndicators(r.Context(), q.p, []indicator.Indicator{ind}, importOptions(r))
	u.afterImport(w, r, q, rep, err)
}

func (u *UI) afterImport(w http.ResponseWriter, r *http.Request, q *req, rep hub.ImportReport, err error) {
	r.URL.RawQuery = ""
	if err != nil {
		msg, _ := hub.ErrorMessage(err)
		u.showIndicators(w, r, q, http.StatusUnprocessableEntity, "", "Nothing was stored: "+msg)
		return
	}
	msg := fmt.Sprintf("Done: %d new, %d updated.", rep.Created, rep.Updated)
	if rep.Warninglisted > 0 {
		msg += fmt.Sprintf(" %d known-good values (warning lists) left out.", rep.Warninglisted)
	}
	if n := len(rep.Problems) - rep.Warninglisted; n > 0 {
		msg += fmt.Sprintf(" %d items could not become indicators (listed below).", n)
	}
	if rep.Restricted > 0 {
		msg += fmt.Sprintf(" %d TLP:RED indicators were kept for the agency: TLP:RED goes only to the parties you tick.", rep.Restricted)
	}
	var skipped []string
	for i, p := range rep.Problems {
		if i == 200 {
			skipped = append(skipped, fmt.Sprintf("… and %d more", len(rep.Problems)-200))
			break
		}
		skipped = append(skipped, p.String())
	}
	u.showIndicators(w, r, q, 200, msg, "", skipped...)
}

func (u *UI) importIndicators(w http.ResponseWriter, r *http.Request, q *req) {
	r.Body = http.MaxBytesReader(w, r.Body, u.hub.ImportLimit()+1<<20)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		u.afterImport(w, r, q, hub.ImportReport{}, fmt.Errorf("reading the upload: %w", err))
		return
	}
	var body io.Reader
	name := "pasted text"
	if f, fh, err := r.FormFile("file"); err == nil && fh.Size > 0 {
		defer f.Close()
		if fh.Size > jobThreshold || r.PostFormValue("background") == "true" {
			u.backgroundImport(w, r, q, f, fh.Filename)
			return
		}
		body, name = f, fh.Filename
	} else if t := r.PostFormValue("text"); strings.TrimSpace(t) != "" {
		body = strings.NewReader(t)
	} else {
		u.showIndicators(w, r, q, http.StatusUnprocessableEntity, "", "Choose a file or paste indicators first.")
		return
	}
	rep, err := u.hub.Import(r.Context(), q.p, body, name, "", "", importOptions(r))
	u.afterImport(w, r, q, rep, err)
}

func (u *UI) expireIndicator(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.p.Can("publish") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	rec, err := u.st.ExpireIndicator(r.Context(), q.p.Viewer(), q.p.ActorFor(), r.PathValue("id"))
	if err != nil {
		u.fail(w, q, err)
		return
	}
	r.URL.RawQuery = ""
	u.showIndicators(w, r, q, 200, "Expired: "+rec.Value+". Sensors drop it at their next pull.", "")
}

type sightData struct {
	Q, Org   string
	Orgs     []store.Org
	Items    []store.Sighting
	More     string
	Findings []store.Finding
}

func (u *UI) sightings(w http.ResponseWriter, r *http.Request, q *req) {
	qs := r.URL.Query()
	d := sightData{Q: qs.Get("q"), Org: qs.Get("org")}
	sq := store.SightingQuery{Search: d.Q, Indicator: qs.Get("indicator"), Limit: pageSize}
	sq.BeforeID, _ = strconv.ParseInt(qs.Get("before"), 10, 64)
	if q.p.Agency {
		d.Orgs, _ = u.st.ListOrgs(r.Context(), q.p.Viewer())
		for _, o := range d.Orgs {
			if o.Name == d.Org {
				sq.OrgID = o.ID
			}
		}
	}
	items, err := u.st.ListSightings(r.Context(), q.p.Viewer(), sq)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	d.Items = items
	if d.Q == "" && sq.Indicator == "" && sq.BeforeID == 0 {
		if d.Findings, err = u.st.ListFindings(r.Context(), q.p.Viewer(), sq.OrgID, 20); err != nil {
			u.fail(w, q, err)
			return
		}
	}
	if len(items) == pageSize {
		v := url.Values{"q": {d.Q}, "org": {d.Org}, "indicator": {sq.Indicator}, "before": {strconv.FormatInt(items[len(items)-1].ID, 10)}}
		d.More = "/sightings?" + v.Encode()
	}
	u.render(w, 200, "sightings", q.page("Sightings", "sightings", d))
}

func (u *UI) closeAlert(w http.ResponseWriter, r *http.Request, q *req) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if !q.p.Can("publish") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	if err := u.st.CloseAlert(r.Context(), q.p.Viewer(), q.p.ActorFor(), id); err != nil {
		u.fail(w, q, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

type orgData struct {
	Orgs []store.Org
}

func (u *UI) orgs(w http.ResponseWriter, r *http.Request, q *req) {
	u.showOrgs(w, r, q, 200, "", "")
}

// showOrgs lists every organisation to the agency, and its own to a party.
func (u *UI) showOrgs(w http.ResponseWriter, r *http.Request, q *req, code int, flash, errMsg string) {
	orgs, err := u.st.ListOrgs(r.Context(), q.p.Viewer())
	if err != nil {
		u.fail(w, q, err)
		return
	}
	pg := q.page("Organisations", "orgs", orgData{Orgs: orgs})
	pg.Flash, pg.Error = flash, errMsg
	u.render(w, code, "orgs", pg)
}

func (u *UI) createOrg(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.p.Can("orgs") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	o, err := u.st.CreateOrg(r.Context(), q.p.ActorFor(), name, r.PostFormValue("kind"))
	if err != nil {
		msg := "Could not add it: " + err.Error()
		if errors.Is(err, store.ErrConflict) {
			msg = "An organisation with this name already exists."
		}
		u.showOrgs(w, r, q, http.StatusUnprocessableEntity, "", msg)
		return
	}
	u.showOrgs(w, r, q, 200, "Added "+o.Name+". Now create a sensor token for it on the Tokens page.", "")
}

type userData struct {
	Users             []store.User
	Orgs              []store.Org
	NewUser, Password string
	// Done says what an administrator's change did.
	Done string
	// Self is the id of the user looking.
	Self int64
}

func (u *UI) users(w http.ResponseWriter, r *http.Request, q *req) {
	u.showUsers(w, r, q, 200, userData{}, "")
}

func (u *UI) showUsers(w http.ResponseWriter, r *http.Request, q *req, code int, d userData, errMsg string) {
	if !q.p.Can("admin") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	var err error
	if d.Users, err = u.st.ListUsers(r.Context(), q.p.Viewer()); err != nil {
		u.fail(w, q, err)
		return
	}
	d.Orgs, _ = u.st.ListOrgs(r.Context(), q.p.Viewer())
	d.Self = q.us.ID
	pg := q.page("Users", "users", d)
	pg.Error, pg.Flash = errMsg, d.Done
	u.render(w, code, "users", pg)
}

// targetOrg is the organisation named in a form: any for the agency, the
// user's own otherwise.
func (u *UI) targetOrg(r *http.Request, q *req) (store.Org, error) {
	name := r.PostFormValue("org")
	if !q.p.Agency || name == "" {
		return u.st.GetOrg(r.Context(), q.p.Viewer(), q.p.OrgID)
	}
	o, err := u.st.OrgByName(r.Context(), name)
	if err != nil {
		return store.Org{}, store.ErrNotFound
	}
	return o, nil
}

func (u *UI) createUser(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.p.Can("admin") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	org, err := u.targetOrg(r, q)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	pw := hub.RandomPassword()
	name := strings.TrimSpace(r.PostFormValue("username"))
	nu, err := hub.CreateUser(r.Context(), u.st, q.p.ActorFor(), org.Name, name, r.PostFormValue("role"), pw)
	if err != nil {
		msg := "Could not add the user: " + err.Error()
		if errors.Is(err, store.ErrConflict) {
			msg = "This user name is taken."
		}
		u.showUsers(w, r, q, http.StatusUnprocessableEntity, userData{}, msg)
		return
	}
	must := true
	u.st.UpdateUser(r.Context(), q.p.Viewer(), q.p.ActorFor(), nu.ID, store.UserUpdate{MustChangePassword: &must})
	u.showUsers(w, r, q, 200, userData{NewUser: nu.Username, Password: pw}, "")
}

type tokenData struct {
	Tokens []store.Token
	Orgs   []store.Org
	Secret string
	// Commands are what the party pastes to use a new token.
	Commands []sensorCommand
}

func (u *UI) tokens(w http.ResponseWriter, r *http.Request, q *req) {
	u.showTokens(w, r, q, 200, "", "", "")
}

func (u *UI) showTokens(w http.ResponseWriter, r *http.Request, q *req, code int, secret, flash, errMsg string) {
	if !q.p.Can("admin") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	d := tokenData{Secret: secret}
	if secret != "" {
		d.Commands = u.sensorCommands(r, secret)
	}
	var err error
	if d.Tokens, err = u.st.ListTokens(r.Context(), q.p.Viewer()); err != nil {
		u.fail(w, q, err)
		return
	}
	orgs, _ := u.st.ListOrgs(r.Context(), q.p.Viewer())
	for _, o := range orgs { // parties first: they are who needs sensor tokens
		if o.Kind == store.KindParty {
			d.Orgs = append(d.Orgs, o)
		}
	}
	for _, o := range orgs {
		if o.Kind != store.KindParty {
			d.Orgs = append(d.Orgs, o)
		}
	}
	pg := q.page("Tokens", "tokens", d)
	pg.Flash, pg.Error = flash, errMsg
	u.render(w, code, "tokens", pg)
}

func (u *UI) createToken(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.p.Can("admin") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	org, err := u.targetOrg(r, q)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	t, err := hub.CreateTokenFor(r.Context(), u.st, q.p.ActorFor(), q.p.UserID, org.ID, r.PostFormValue("role"), strings.TrimSpace(r.PostFormValue("name")), 0)
	if err != nil {
		u.showTokens(w, r, q, http.StatusUnprocessableEntity, "", "", "Could not create the token: "+err.Error())
		return
	}
	u.showTokens(w, r, q, 200, t.Secret, fmt.Sprintf("Token %d created for %s (role %s).", t.ID, org.Name, t.Role), "")
}

func (u *UI) revokeToken(w http.ResponseWriter, r *http.Request, q *req) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if !q.p.Can("admin") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	if err := u.st.RevokeToken(r.Context(), q.p.Viewer(), q.p.ActorFor(), id); err != nil {
		u.fail(w, q, err)
		return
	}
	u.showTokens(w, r, q, 200, "", fmt.Sprintf("Token %d revoked: it no longer works.", id), "")
}

type editData struct {
	Rec     store.Record
	TLPs    []indicator.TLP
	Parties []store.Org
	Listed  map[int64]bool
	Until   string
}

func (u *UI) editPage(w http.ResponseWriter, r *http.Request, q *req) {
	u.showEdit(w, r, q, 200, "")
}

func (u *UI) showEdit(w http.ResponseWriter, r *http.Request, q *req, code int, errMsg string) {
	if !q.p.Can("publish") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	rec, err := u.st.GetIndicator(r.Context(), q.p.Viewer(), r.PathValue("id"))
	if err != nil {
		u.fail(w, q, err)
		return
	}
	d := editData{Rec: rec, TLPs: append([]indicator.TLP{""}, indicator.TLPs...), Listed: map[int64]bool{}}
	for _, p := range rec.Parties {
		d.Listed[p] = true
	}
	if !rec.ValidUntil.IsZero() {
		d.Until = rec.ValidUntil.UTC().Format("2006-01-02T15:04")
	}
	orgs, _ := u.st.ListOrgs(r.Context(), q.p.Viewer())
	for _, o := range orgs {
		if o.Kind == store.KindParty {
			d.Parties = append(d.Parties, o)
		}
	}
	pg := q.page("Edit indicator", "indicators", d)
	pg.Error = errMsg
	u.render(w, code, "edit", pg)
}

func (u *UI) editIndicator(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.p.Can("publish") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	desc := r.PostFormValue("description")
	tlp, err := indicator.ParseTLP(r.PostFormValue("tlp"))
	if err != nil {
		u.showEdit(w, r, q, http.StatusUnprocessableEntity, err.Error())
		return
	}
	ch := store.IndicatorChange{Description: &desc, TLP: &tlp}
	until := time.Time{}
	if v := r.PostFormValue("valid_until"); v != "" {
		if until, err = time.Parse("2006-01-02T15:04", v); err != nil {
			u.showEdit(w, r, q, http.StatusUnprocessableEntity, "Valid until: use the date picker (YYYY-MM-DD HH:MM).")
			return
		}
	}
	ch.ValidUntil = &until
	dist := r.PostFormValue("distribution")
	if !store.ValidDistribution(dist) {
		u.showEdit(w, r, q, http.StatusUnprocessableEntity, "Choose who it goes to.")
		return
	}
	ch.Distribution = &dist
	if dist == store.DistListed {
		for _, name := range r.PostForm["parties"] {
			o, err := u.st.OrgByName(r.Context(), name)
			if err != nil || o.Kind != store.KindParty {
				u.showEdit(w, r, q, http.StatusUnprocessableEntity, "Unknown party "+name+".")
				return
			}
			ch.Parties = append(ch.Parties, o.ID)
		}
		if len(ch.Parties) == 0 {
			u.showEdit(w, r, q, http.StatusUnprocessableEntity, "Tick at least one party, or choose all parties.")
			return
		}
	}
	rec, err := u.st.UpdateIndicator(r.Context(), q.p.Viewer(), q.p.ActorFor(), r.PathValue("id"), ch)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	r.URL.RawQuery = ""
	u.showIndicators(w, r, q, 200, "Saved: "+rec.Value+". Sensors get the change at their next pull.", "")
}
