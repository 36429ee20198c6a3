package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/leak"
	"github.com/vigie-project/vigie/internal/leakcase"
	"github.com/vigie-project/vigie/internal/store"
)

// Leak cases in the UI: the agency's analysts open a case, load a
// report.json or have the hub verify a dump placed on the server (the
// page follows the progress), read the items by verdict with their
// evidence, search them, revise a verdict, add notes, share items with
// the parties concerned and publish the signed statement. A party sees
// the items shared with it. The public lookup (/leaks) needs no login.
// Nothing from a dump is shown as active content: values are text in
// escaped templates, documents are shown as metadata and extracted text.

// casePages are the templates of leak cases.
var casePages = []string{"cases", "case", "case_item", "leaks"}

func init() {
	funcs["verdictLabel"] = func(v string, lang string) string { return leakcase.Label(leak.Verdict(v), lang) }
	funcs["verdicts"] = func() []leak.Verdict { return leak.VerdictOrder }
	funcs["reasonsIn"] = func(it *leak.Item, lang string) []string {
		if it == nil {
			return nil
		}
		if lang == langFR && len(it.ReasonsFR) == len(it.Reasons) {
			return it.ReasonsFR
		}
		return it.Reasons
	}
	funcs["jobPercent"] = hub.JobPercent
}

func (u *UI) caseRoutes() {
	u.mux.HandleFunc("GET /cases", u.full(u.cases))
	u.mux.HandleFunc("POST /cases", u.full(u.createCase))
	u.mux.HandleFunc("GET /cases/{id}", u.full(u.casePage))
	u.mux.HandleFunc("POST /cases/{id}/report", u.bounded(u.hub.ImportLimit()+hub.MaxKeyArchive+1<<20, u.full(u.caseReport)))
	u.mux.HandleFunc("POST /cases/{id}/verify", u.full(u.caseVerify))
	u.mux.HandleFunc("POST /cases/{id}/publish", u.full(u.casePublish))
	u.mux.HandleFunc("POST /cases/{id}/share", u.full(u.caseShareMatching))
	u.mux.HandleFunc("GET /cases/{id}/items/{item}", u.full(u.caseItem))
	u.mux.HandleFunc("POST /cases/{id}/items/{item}", u.full(u.caseItemAction))
	u.mux.HandleFunc("GET /leaks", u.hub.PublicLimited(u.leaks))
	u.mux.HandleFunc("POST /leaks", u.bounded(hub.MaxLookupUpload+1<<20, u.hub.PublicLimited(u.leaks)))
}

// bounded limits the request body before anything reads it (the CSRF
// check parses a form).
func (u *UI) bounded(limit int64, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		h(w, r)
	}
}

// caseErr is what the UI says when a case action fails.
func caseErr(err error) string {
	if hub.IsForbidden(err) {
		return "Only the agency's analysts and administrators manage leak cases."
	}
	msg, _ := hub.ErrorMessage(err)
	return msg
}

type casesData struct {
	Cases  []store.LeakCase
	Manage bool
}

func (u *UI) cases(w http.ResponseWriter, r *http.Request, q *req) {
	u.showCases(w, q, http.StatusOK, "")
}

func (u *UI) showCases(w http.ResponseWriter, q *req, code int, errMsg string) {
	cs, err := u.st.ListLeakCases(q.r.Context(), q.p.Viewer())
	if err != nil {
		u.fail(w, q, err)
		return
	}
	pg := q.page("Leak cases", "cases", casesData{Cases: cs, Manage: q.p.CanManageCases()})
	pg.Error = errMsg
	u.render(w, code, "cases", pg)
}

func (u *UI) createCase(w http.ResponseWriter, r *http.Request, q *req) {
	c, err := u.hub.CreateCase(r.Context(), q.p, r.PostFormValue("title"), r.PostFormValue("description"))
	if err != nil {
		u.showCases(w, q, http.StatusUnprocessableEntity, caseErr(err))
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/cases/%d", c.ID), http.StatusSeeOther)
}

// verdictGroup is the items of one verdict on the case page.
type verdictGroup struct {
	Verdict string
	Items   []store.LeakItem
}

type verdictCount struct {
	Verdict string
	N       int
}

type caseData struct {
	C       store.LeakCase
	Groups  []verdictGroup
	Total   int
	Shown   int
	Filter  url.Values
	Counts  []verdictCount
	Manage  bool
	Server  bool // the hub can verify dumps placed on it
	Entries []string
	Publish bool // the hub has a statement key
	KeyLine string
	More    string
	Running bool
	// Stale: a verification stopped making progress (its hub stopped); it
	// may be started again and continues from its checkpoint.
	Stale   bool
	Parties []store.Org
	// Query is the filter's query string, for the bulk share form.
	Query string
}

func caseID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (u *UI) casePage(w http.ResponseWriter, r *http.Request, q *req) {
	u.showCase(w, q, http.StatusOK, "", "")
}

func (u *UI) showCase(w http.ResponseWriter, q *req, code int, flash, errMsg string) {
	r := q.r
	id, ok := caseID(r)
	if !ok {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	c, err := u.st.GetLeakCase(r.Context(), q.p.Viewer(), id)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	f, ferr := hub.ParseItemFilter(r)
	if ferr != nil && errMsg == "" {
		errMsg, code = "The filter is not valid: "+ferr.Error(), http.StatusBadRequest
		f = store.LeakItemFilter{}
	}
	items, total, err := u.st.ListLeakItems(r.Context(), q.p.Viewer(), id, f)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	d := caseData{C: c, Total: total, Shown: len(items), Filter: r.URL.Query(), Manage: q.p.CanManageCases(), Running: c.Job.State == store.JobRunning}
	if d.Running && u.now().Sub(c.Job.Updated) > hub.CaseJobStale {
		// no progress for a while: the hub that ran it stopped
		d.Running, d.Stale = false, true
	}
	if d.Manage {
		d.Server, d.Entries, d.Publish, d.KeyLine = u.hub.CanVerifyOnServer(), u.hub.LeakDirEntries(), u.hub.CanPublishCases(), u.hub.StatementKeyLine()
		d.Parties = u.parties(q.r, q)
		qv := r.URL.Query()
		qv.Del("offset")
		d.Query = qv.Encode()
	}
	byVerdict := map[string][]store.LeakItem{}
	for _, it := range items {
		byVerdict[it.Verdict] = append(byVerdict[it.Verdict], it)
	}
	for _, v := range leak.VerdictOrder {
		if n := c.Counts[string(v)]; n > 0 {
			d.Counts = append(d.Counts, verdictCount{Verdict: string(v), N: n})
		}
		if its := byVerdict[string(v)]; len(its) > 0 {
			d.Groups = append(d.Groups, verdictGroup{Verdict: string(v), Items: its})
		}
	}
	if f.Offset+len(items) < total {
		next := r.URL.Query()
		next.Set("offset", strconv.Itoa(f.Offset+len(items)))
		d.More = fmt.Sprintf("/cases/%d?%s", id, next.Encode())
	}
	pg := q.page(c.Title, "cases", d)
	pg.Flash, pg.Error = flash, errMsg
	u.render(w, code, "case", pg)
}

func (u *UI) caseReport(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := caseID(r)
	if !ok {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		u.showCase(w, q, http.StatusRequestEntityTooLarge, "", caseErr(fmt.Errorf("reading the upload: %w", err)))
		return
	}
	defer r.MultipartForm.RemoveAll()
	f, fh, err := r.FormFile("report")
	if err != nil {
		u.showCase(w, q, http.StatusUnprocessableEntity, "", "Choose the report.json that vigie leak verify wrote.")
		return
	}
	defer f.Close()
	var keys []byte
	if kf, _, err := r.FormFile("keys"); err == nil {
		keys, err = io.ReadAll(io.LimitReader(kf, hub.MaxKeyArchive+1))
		kf.Close()
		if err != nil || len(keys) > hub.MaxKeyArchive {
			u.showCase(w, q, http.StatusRequestEntityTooLarge, "", "The key archive is too large.")
			return
		}
	}
	n, err := u.hub.CaseReport(r.Context(), q.p, id, f, fh.Filename, keys)
	if err != nil {
		u.showCase(w, q, http.StatusUnprocessableEntity, "", caseErr(err))
		return
	}
	r.URL.RawQuery = ""
	u.showCase(w, q, http.StatusOK, fmt.Sprintf("Loaded %d items.", n), "")
}

func (u *UI) caseVerify(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := caseID(r)
	if !ok {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	var keys []string
	for _, k := range strings.Split(r.PostFormValue("keys"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	if err := u.hub.CaseVerify(r.Context(), q.p, id, r.PostFormValue("dump"), keys); err != nil {
		u.showCase(w, q, http.StatusUnprocessableEntity, "", caseErr(err))
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/cases/%d", id), http.StatusSeeOther)
}

func (u *UI) casePublish(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := caseID(r)
	if !ok {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	if _, err := u.hub.PublishCase(r.Context(), q.p, id); err != nil {
		u.showCase(w, q, http.StatusUnprocessableEntity, "", caseErr(err))
		return
	}
	r.URL.RawQuery = ""
	u.showCase(w, q, http.StatusOK, "Published: the signed statement is online and the public lookup answers for this case.", "")
}

// caseShareMatching shares every item that passes the page's filter with
// a party (or stops sharing them).
func (u *UI) caseShareMatching(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := caseID(r)
	if !ok {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	f, err := hub.ParseItemFilter(r)
	if err != nil {
		u.showCase(w, q, http.StatusBadRequest, "", "The filter is not valid: "+err.Error())
		return
	}
	share := r.PostFormValue("action") != "unshare"
	n, err := u.hub.CaseShareMatching(r.Context(), q.p, id, f, r.PostFormValue("party"), share)
	if err != nil {
		u.showCase(w, q, http.StatusUnprocessableEntity, "", caseErr(err))
		return
	}
	if share {
		u.showCase(w, q, http.StatusOK, fmt.Sprintf("Shared %d items with the party.", n), "")
	} else {
		u.showCase(w, q, http.StatusOK, fmt.Sprintf("Stopped sharing %d items with the party.", n), "")
	}
}

type caseItemData struct {
	C       store.LeakCase
	It      hub.CaseItemView
	Manage  bool
	Parties []store.Org
}

func (u *UI) caseItem(w http.ResponseWriter, r *http.Request, q *req) {
	u.showCaseItem(w, q, http.StatusOK, "", "")
}

func (u *UI) showCaseItem(w http.ResponseWriter, q *req, code int, flash, errMsg string) {
	r := q.r
	id, ok := caseID(r)
	itemID, err := strconv.ParseInt(r.PathValue("item"), 10, 64)
	if !ok || err != nil {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	c, err := u.st.GetLeakCase(r.Context(), q.p.Viewer(), id)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	it, err := u.hub.CaseItem(r.Context(), q.p, id, itemID)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	d := caseItemData{C: c, It: it, Manage: q.p.CanManageCases()}
	if d.Manage {
		d.Parties = u.parties(q.r, q)
	}
	pg := q.page(it.Path, "cases", d)
	pg.Flash, pg.Error = flash, errMsg
	u.render(w, code, "case_item", pg)
}

// caseItemAction is every form of the item page: action=override, note,
// share, unshare, withhold, publish-item.
func (u *UI) caseItemAction(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := caseID(r)
	itemID, err := strconv.ParseInt(r.PathValue("item"), 10, 64)
	if !ok || err != nil {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	ctx, p := r.Context(), q.p
	var flash string
	switch r.PostFormValue("action") {
	case "override":
		err, flash = u.hub.CaseOverride(ctx, p, id, itemID, r.PostFormValue("verdict"), r.PostFormValue("why")), "Verdict revised."
	case "note":
		err, flash = u.hub.CaseNote(ctx, p, id, itemID, r.PostFormValue("body")), "Note added."
	case "share":
		err, flash = u.hub.CaseShare(ctx, p, id, itemID, r.PostFormValue("party"), true), "Shared with the party."
	case "unshare":
		err, flash = u.hub.CaseShare(ctx, p, id, itemID, r.PostFormValue("party"), false), "No longer shared with the party."
	case "withhold":
		err, flash = u.hub.CaseWithhold(ctx, p, id, itemID, true), "Withheld from the statement and the public lookup."
	case "publish-item":
		err, flash = u.hub.CaseWithhold(ctx, p, id, itemID, false), "Back in the statement and the public lookup."
	default:
		u.httpError(w, r, "Unknown action.", http.StatusBadRequest)
		return
	}
	if err != nil {
		u.showCaseItem(w, q, http.StatusUnprocessableEntity, "", caseErr(err))
		return
	}
	u.showCaseItem(w, q, http.StatusOK, flash, "")
}

type leaksData struct {
	Cases  []hub.PublicCase
	Result *hub.LookupResult
	Asked  bool
}

// leaks is the public page: the published cases and the lookup. It needs
// no login; what is uploaded is not kept.
func (u *UI) leaks(w http.ResponseWriter, r *http.Request) {
	lang := requestLang(r, "")
	pg := page{Title: "Leaks: check an item", Lang: lang}
	if _, us := u.session(r); us != nil {
		pg.User, pg.P = us, principal(us)
		pg.Lang = requestLang(r, us.Language)
	}
	cs, err := u.hub.PublicCases(r.Context())
	if err != nil {
		u.failReq(w, r, err)
		return
	}
	d := leaksData{Cases: cs}
	code := http.StatusOK
	if r.Method == http.MethodPost {
		d.Asked = true
		lq := hub.LookupRequest{}
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			pg.Error, code = fmt.Sprintf("The file is too large (more than %d MiB).", hub.MaxLookupUpload>>20), http.StatusRequestEntityTooLarge
		} else {
			defer r.MultipartForm.RemoveAll()
			lq.MessageID, lq.SHA256 = r.PostFormValue("message_id"), r.PostFormValue("sha256")
			if f, fh, err := r.FormFile("file"); err == nil {
				lq.File, err = io.ReadAll(io.LimitReader(f, hub.MaxLookupUpload+1))
				lq.FileName = fh.Filename
				f.Close()
				if err != nil {
					pg.Error, code = "The file could not be read.", http.StatusBadRequest
				}
			}
		}
		if pg.Error == "" {
			res, err := u.hub.Lookup(r.Context(), lq)
			if err != nil {
				msg, known := hub.ErrorMessage(err)
				if !known {
					u.failReq(w, r, err)
					return
				}
				pg.Error, code = msg, http.StatusUnprocessableEntity
			} else {
				d.Result = &res
			}
		}
	}
	pg.Data, pg.Nav = d, "leaks"
	u.render(w, code, "leaks", pg)
}
