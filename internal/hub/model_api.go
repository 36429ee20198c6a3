package hub

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/vigie-project/vigie/internal/mail/model"
	"github.com/vigie-project/vigie/internal/store"
)

// The mail content model the agency hands out. The agency trains a model
// on the phishing its parties forward and on legitimate mail
// (`vigie mail learn`, tools/mailtrain) and uploads the file; every
// party's sensors (`vigie mail check --hub`, `vigie mail milter --hub`)
// pull it like the indicators — If-None-Match on its ETag, so an unchanged
// model costs one small answer — check its SHA-256 and format, and swap it
// in at once. Each upload is a new version; the hub refuses a file that is
// not a usable model, and a sensor that receives a damaged one keeps the
// model it has.
//
//	POST /api/v1/mail-model            the model file as the body (agency admin or analyst)
//	GET  /api/v1/mail-model            the model in force (any token); 404 when none
//	GET  /api/v1/mail-model/versions   the versions uploaded, newest first
//
// The answer of GET carries the version and digest in X-Vigie-Model-Version
// and X-Vigie-Model-SHA256, and the digest as its ETag.

// Headers of the model answer.
const (
	HeaderModelVersion = "X-Vigie-Model-Version"
	HeaderModelSHA256  = "X-Vigie-Model-SHA256"
)

func (s *Server) modelRoutes() {
	api := func(pattern string, h func(http.ResponseWriter, *http.Request, *Principal)) {
		s.mux.HandleFunc(pattern, s.withToken(h))
	}
	api("GET /api/v1/mail-model", s.handleGetMailModel)
	api("POST /api/v1/mail-model", s.handlePostMailModel)
	api("GET /api/v1/mail-model/versions", s.handleListMailModels)
}

// modelETag is the ETag of a model version: its digest.
func modelETag(m store.MailModel) string { return `"` + m.SHA256 + `"` }

func (s *Server) handleGetMailModel(w http.ResponseWriter, r *http.Request, p *Principal) {
	cur, err := s.st.CurrentMailModel(r.Context())
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "the agency has not uploaded a mail model; sensors use their own or the built-in one")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	etag := modelETag(cur)
	w.Header().Set("ETag", etag)
	w.Header().Set(HeaderModelVersion, strconv.FormatInt(cur.Version, 10))
	w.Header().Set(HeaderModelSHA256, cur.SHA256)
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	data, err := s.st.MailModelData(r.Context(), cur.Version)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

func (s *Server) handlePostMailModel(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("publish") {
		forbid(w, "upload a mail model (the agency's administrators and analysts do)")
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, store.MaxMailModelBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("mail model larger than %d bytes", store.MaxMailModelBytes))
			return
		}
		writeError(w, http.StatusBadRequest, "reading the mail model: "+err.Error())
		return
	}
	m, err := model.Decode(data)
	if err == nil {
		err = m.Vet()
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "refused: the body is not a usable Vigie mail model (the output of 'vigie mail learn'): "+err.Error())
		return
	}
	rec, err := s.st.PutMailModel(r.Context(), p.ActorFor(), data, store.MailModel{Note: m.Note, Ham: int64(m.Ham), Phish: int64(m.Phish)})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.Info("mail model uploaded", "version", rec.Version, "sha256", rec.SHA256, "actor", p.Actor)
	writeJSON(w, http.StatusCreated, rec)
}

func (s *Server) handleListMailModels(w http.ResponseWriter, r *http.Request, p *Principal) {
	ms, err := s.st.ListMailModels(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ms})
}
