package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/store"
)

// Large imports run in the background (hub import jobs): a file uploaded
// on the Indicators page larger than jobThreshold, or any file when
// "import in the background" is ticked, becomes a job whose progress the
// page lists; a job cut by a restart of the hub is resumed from there.

// jobThreshold is the size from which an uploaded file is imported in
// the background.
const jobThreshold = 8 << 20

// importPages are the templates of this file.
var importPages = []string{"importjob"}

func (u *UI) importRoutes() {
	u.mux.HandleFunc("GET /imports/{id}", u.full(u.importJobPage))
	u.mux.HandleFunc("POST /imports/{id}/resume", u.full(u.resumeImportJob))
}

// backgroundImport starts a job for an uploaded file and shows the page
// with its progress.
func (u *UI) backgroundImport(w http.ResponseWriter, r *http.Request, q *req, body io.Reader, name string) {
	j, err := u.hub.StartImportJob(r.Context(), q.p, body, name, "", importOptions(r))
	r.URL.RawQuery = ""
	if err != nil {
		msg, known := hub.ErrorMessage(err)
		if !known {
			u.logError(r, "starting an import job", err)
		}
		u.showIndicators(w, r, q, http.StatusUnprocessableEntity, "", "Nothing was stored: "+msg)
		return
	}
	u.showIndicators(w, r, q, http.StatusAccepted, fmt.Sprintf("%s is imported in the background: its progress is shown below.", j.Name), "")
}

// importJobs are the newest jobs shown on the Indicators page (agency
// publishers only).
func (u *UI) importJobs(r *http.Request, q *req) []hub.JobView {
	if !q.p.Can("publish") {
		return nil
	}
	js, err := u.hub.ImportJobs(r.Context(), q.p, 10)
	if err != nil {
		u.logError(r, "listing import jobs", err)
	}
	return js
}

type importJobData struct {
	Job      hub.JobView
	Problems []store.JobProblem
	More     bool
}

// importJobPage shows one job and what it could not import.
func (u *UI) importJobPage(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.p.Can("publish") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	j, err := u.hub.ImportJob(r.Context(), q.p, r.PathValue("id"))
	if err != nil {
		u.failReq(w, r, err)
		return
	}
	const shown = 500
	ps, err := u.st.ImportJobProblems(r.Context(), q.p.Viewer(), j.ID, 0, shown)
	if err != nil {
		u.failReq(w, r, err)
		return
	}
	u.render(w, 200, "importjob", q.page("Import", "indicators", importJobData{Job: j, Problems: ps, More: j.Problems > shown}))
}

// resumeImportJob resumes an interrupted job.
func (u *UI) resumeImportJob(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.p.Can("publish") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	j, err := u.hub.ResumeImportJob(r.Context(), q.p, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		u.failReq(w, r, err)
		return
	}
	r.URL.RawQuery = ""
	if err != nil {
		msg, _ := hub.ErrorMessage(err)
		u.showIndicators(w, r, q, http.StatusUnprocessableEntity, "", msg)
		return
	}
	u.showIndicators(w, r, q, http.StatusAccepted, fmt.Sprintf("%s is imported again from where it stopped.", j.Name), "")
}

// httpError answers a plain-text error in the language of the request
// (the user's choice, else the browser's).
func (u *UI) httpError(w http.ResponseWriter, r *http.Request, msg string, code int) {
	pref := ""
	if _, us := u.session(r); us != nil {
		pref = us.Language
	}
	lang := requestLang(r, pref)
	if lang == langFR {
		msg = u.cat.message(msg)
	}
	w.Header().Set("Content-Language", lang)
	http.Error(w, msg, code)
}
