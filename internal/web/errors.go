package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/store"
)

// logError writes err to the hub's log with the request's id, method and
// path, so that the reference a page shows leads to the details.
func (u *UI) logError(r *http.Request, what string, err error) {
	u.hub.Logger().LogAttrs(r.Context(), slog.LevelError, "web: "+what,
		slog.String("request_id", hub.RequestID(r.Context())), slog.String("method", r.Method),
		slog.String("path", r.URL.Path), slog.String("err", err.Error()))
}

// serverError logs err and answers 500 with the request's reference.
func (u *UI) serverError(w http.ResponseWriter, r *http.Request, what string, err error) {
	u.logError(r, what, err)
	u.httpError(w, r, "Something went wrong on the hub while "+what+"; its log has the details (reference "+hub.RequestID(r.Context())+").", http.StatusInternalServerError)
}

// failReq answers a store error: 404 for what the user may not see,
// otherwise a logged 500.
func (u *UI) failReq(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	u.serverError(w, r, "answering "+r.Method+" "+r.URL.Path, err)
}
