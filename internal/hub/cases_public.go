package hub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/leak"
	"github.com/vigie-project/vigie/internal/leakcase"
	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mime"
	"github.com/vigie-project/vigie/internal/ratelimit"
	"github.com/vigie-project/vigie/internal/store"
)

// The public side of leak cases: no login, rate limited, published cases
// only. Journalists read a case's signed statement, and look an item up by
// Message-ID, SHA-256 or by uploading the message or document they were
// given. Nothing uploaded is kept: the bytes are hashed and, for a message
// no published case holds, judged with the published cases' archived DKIM
// keys, then dropped.

// MaxLookupUpload bounds a file uploaded to the public lookup.
const MaxLookupUpload = 25 << 20

// lookupTimeout bounds the verification of one uploaded message.
const lookupTimeout = 20 * time.Second

func (s *Server) publicCaseRoutes() {
	rate := s.opts.PublicRate
	if rate <= 0 {
		rate = 30
	}
	s.publicLimit = ratelimit.New(float64(rate)/60, float64(rate))
	s.mux.HandleFunc("GET /public/cases/{ref}/statement.html", s.limited(s.handleStatement))
	s.mux.HandleFunc("GET /public/cases/{ref}/statement.html.sig", s.limited(s.handleStatement))
	s.mux.HandleFunc("GET /api/v1/public/cases", s.limited(s.handlePublicCases))
	s.mux.HandleFunc("GET /api/v1/public/lookup", s.limited(s.handlePublicLookup))
	s.mux.HandleFunc("POST /api/v1/public/lookup", s.limited(s.handlePublicLookup))
}

// PublicLimited wraps a public handler with the per-address rate limit of
// the public pages (Options.PublicRate per minute).
func (s *Server) PublicLimited(h http.HandlerFunc) http.HandlerFunc { return s.limited(h) }

func (s *Server) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ip, _ := netip.ParseAddr(s.ClientIP(r)) // unparsable: one shared bucket
		if !s.publicLimit.Allow(ip, s.now()) {
			w.Header().Set("Retry-After", "60")
			if strings.HasPrefix(r.URL.Path, "/api/") {
				writeError(w, http.StatusTooManyRequests, "too many requests from your address: wait a minute")
			} else {
				http.Error(w, "Too many requests from your address: wait a minute. / Trop de requêtes depuis votre adresse : attendez une minute.", http.StatusTooManyRequests)
			}
			return
		}
		h(w, r)
	}
}

func (s *Server) handleStatement(w http.ResponseWriter, r *http.Request) {
	page, sig, err := s.st.Statement(r.Context(), r.PathValue("ref"))
	if errors.Is(err, store.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=300")
	if strings.HasSuffix(r.URL.Path, ".sig") {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="statement.html.sig"`)
		io.WriteString(w, sig)
		return
	}
	// The page is static: its inline style only, nothing else.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, page)
}

// PublicCase is a published case as the public sees it.
type PublicCase struct {
	Ref       string         `json:"ref"`
	Title     string         `json:"title"`
	Published time.Time      `json:"published"`
	Items     int            `json:"items"`
	Counts    map[string]int `json:"counts"`
	Statement string         `json:"statement"`
	Signature string         `json:"signature"`
}

// PublicCases lists the published cases.
func (s *Server) PublicCases(ctx context.Context) ([]PublicCase, error) {
	cs, err := s.st.PublishedLeakCases(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]PublicCase, 0, len(cs))
	for _, c := range cs {
		out = append(out, PublicCase{Ref: c.Ref, Title: c.Title, Published: c.PublishedAt, Items: c.Items, Counts: c.Counts, Statement: StatementPath(c.Ref), Signature: StatementPath(c.Ref) + ".sig"})
	}
	return out, nil
}

func (s *Server) handlePublicCases(w http.ResponseWriter, r *http.Request) {
	cs, err := s.PublicCases(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"cases": cs})
}

// LookupRequest is what the public asks about: a Message-ID, a SHA-256,
// or a file (a message or a document) with its name.
type LookupRequest struct {
	MessageID string
	SHA256    string
	File      []byte
	FileName  string
}

// LookupHit is a published item that matches.
type LookupHit struct {
	Case      string       `json:"case"`
	CaseTitle string       `json:"case_title"`
	Statement string       `json:"statement"`
	Path      string       `json:"path"`
	Kind      string       `json:"kind"`
	MessageID string       `json:"message_id,omitempty"`
	SHA256    string       `json:"sha256,omitempty"`
	Subject   string       `json:"subject,omitempty"`
	From      string       `json:"from,omitempty"`
	Verdict   leak.Verdict `json:"verdict"`
	// Machine is the verification's verdict; Revised the agency's reason
	// when an analyst changed it.
	Machine   leak.Verdict `json:"machine_verdict"`
	Revised   string       `json:"revised,omitempty"`
	Reasons   []string     `json:"reasons"`
	ReasonsFR []string     `json:"reasons_fr,omitempty"`
	// By says how it matched: "sha256" (the same bytes) or "message-id"
	// (the same Message-ID: a message and an altered copy share it).
	By string `json:"matched_by"`
}

// FreshVerdict is the verdict on an uploaded message that no published
// case holds, judged with the published cases' archived keys.
type FreshVerdict struct {
	Verdict   leak.Verdict `json:"verdict"`
	Reasons   []string     `json:"reasons"`
	ReasonsFR []string     `json:"reasons_fr,omitempty"`
	// Keys are the published cases whose key archives were used.
	Keys []string `json:"keys_from_cases"`
}

// LookupResult answers a lookup.
type LookupResult struct {
	MessageID string        `json:"message_id,omitempty"`
	SHA256    string        `json:"sha256,omitempty"`
	Hits      []LookupHit   `json:"hits"`
	Fresh     *FreshVerdict `json:"fresh,omitempty"`
	// Note explains an answer without hits.
	Note string `json:"note,omitempty"`
}

var sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Lookup answers the public: the published items with that Message-ID or
// SHA-256 (of the uploaded file, or given), and for an uploaded message
// that no published case holds, a fresh verdict with the published cases'
// archived DKIM keys. Nothing is stored.
func (s *Server) Lookup(ctx context.Context, q LookupRequest) (LookupResult, error) {
	var res LookupResult
	res.MessageID = leakcase.NormalizeMessageID(q.MessageID)
	res.SHA256 = strings.ToLower(strings.TrimSpace(q.SHA256))
	if len(res.MessageID) > 998 {
		return res, &errInput{msg: "Message-ID: longer than a header line may be"}
	}
	if res.SHA256 != "" && !sha256Re.MatchString(res.SHA256) {
		return res, &errInput{msg: "SHA-256: 64 hexadecimal digits are expected"}
	}
	isMail := false
	if len(q.File) > 0 {
		if len(q.File) > MaxLookupUpload {
			return res, &errInput{msg: fmt.Sprintf("the file is larger than %d MiB", MaxLookupUpload>>20)}
		}
		sum := sha256.Sum256(q.File)
		res.SHA256 = hex.EncodeToString(sum[:])
		if looksLikeMail(q.FileName, q.File) {
			m, err := mime.Parse(q.File, mime.Limits{MaxMessageBytes: MaxLookupUpload})
			if err != nil {
				return res, &errInput{msg: q.FileName + ": " + err.Error()}
			}
			isMail = true
			if id := leakcase.NormalizeMessageID(m.Header.Get("Message-ID")); id != "" && len(id) <= 998 {
				res.MessageID = id
			}
		}
	}
	if res.MessageID == "" && res.SHA256 == "" {
		return res, &errInput{msg: "give a Message-ID, a SHA-256, or a file"}
	}
	hits, err := s.st.LookupPublished(ctx, res.MessageID, res.SHA256)
	if err != nil {
		return res, err
	}
	res.Hits = []LookupHit{}
	for _, h := range hits {
		res.Hits = append(res.Hits, lookupHit(h, res.SHA256))
	}
	// The same bytes first: a message and its altered copy share a
	// Message-ID.
	sort.SliceStable(res.Hits, func(i, j int) bool { return res.Hits[i].By == "sha256" && res.Hits[j].By != "sha256" })
	if len(res.Hits) == 0 && isMail {
		fresh, err := s.freshVerdict(ctx, q.File)
		if err != nil {
			return res, err
		}
		res.Fresh = fresh
	}
	if len(res.Hits) == 0 && res.Fresh == nil {
		res.Note = "not in any case the agency has published"
	}
	return res, nil
}

func lookupHit(h store.PublicHit, sha string) LookupHit {
	si := statementItem(h.Item)
	out := LookupHit{Case: h.CaseRef, CaseTitle: h.CaseTitle, Statement: StatementPath(h.CaseRef), Path: si.Path, Kind: si.Kind, MessageID: si.MessageID, SHA256: si.SHA256,
		Subject: si.Subject, From: si.From, Verdict: si.Verdict(), Machine: si.Machine, Reasons: si.Reasons, ReasonsFR: si.ReasonsFR, By: "message-id"}
	if sha != "" && si.SHA256 == sha {
		out.By = "sha256"
	}
	if si.Override != nil {
		out.Revised = si.Override.Why
	}
	if out.Reasons == nil {
		out.Reasons = []string{}
	}
	return out
}

// looksLikeMail tells a message from a document: by its name, else by a
// first line that is a header field.
func looksLikeMail(name string, b []byte) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".eml", ".msg.txt", ".mime":
		return true
	case ".pdf", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".doc", ".xls", ".ppt", ".rtf", ".zip":
		return false
	}
	line, _, _ := bytes.Cut(b[:min(len(b), 1000)], []byte("\n"))
	field, _, ok := bytes.Cut(line, []byte(":"))
	return ok && len(field) > 0 && len(field) < 80 && !bytes.ContainsAny(field, " \t<>")
}

// freshVerdict judges an uploaded message with the archived DKIM keys of
// the published cases, as vigie leak verify would. The message is written
// to a private temporary file for the verifier and removed at once.
func (s *Server) freshVerdict(ctx context.Context, raw []byte) (*FreshVerdict, error) {
	keys, err := s.st.PublishedKeys(ctx)
	if err != nil {
		return nil, err
	}
	var chain mailauth.Chain
	var refs []string
	for ref, k := range keys {
		ar, err := mailauth.ParseArchive(strings.NewReader(k), ref)
		if err != nil {
			continue // checked when it was loaded; a bad one is not a reason to fail the public
		}
		chain = append(chain, ar)
		refs = append(refs, ref)
	}
	if len(chain) == 0 {
		return nil, nil
	}
	dir, err := os.MkdirTemp("", "vigie-lookup-")
	if err != nil {
		return nil, fmt.Errorf("lookup: %w", err)
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "message.eml")
	if err := os.WriteFile(p, raw, 0o600); err != nil {
		return nil, fmt.Errorf("lookup: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	rep, err := leak.Run(ctx, leak.Config{Dump: p, Resolver: chain, Workers: 1, Tool: "vigie hub", Limits: leak.DefaultLimits})
	if err != nil {
		return nil, &errInput{msg: "the message could not be verified: " + err.Error()}
	}
	for _, it := range rep.Items {
		if it.Kind == leak.KindMail {
			return &FreshVerdict{Verdict: it.Verdict, Reasons: it.Reasons, ReasonsFR: it.ReasonsFR, Keys: refs}, nil
		}
	}
	return nil, nil
}

func (s *Server) handlePublicLookup(w http.ResponseWriter, r *http.Request) {
	q := LookupRequest{MessageID: r.URL.Query().Get("message_id"), SHA256: r.URL.Query().Get("sha256")}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, MaxLookupUpload+1<<20)
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			if err := r.ParseMultipartForm(1 << 20); err != nil {
				writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("upload: %v (at most %d MiB)", err, MaxLookupUpload>>20))
				return
			}
			defer r.MultipartForm.RemoveAll()
			q.MessageID, q.SHA256 = r.FormValue("message_id"), r.FormValue("sha256")
			if f, h, err := r.FormFile("file"); err == nil {
				b, err := io.ReadAll(io.LimitReader(f, MaxLookupUpload+1))
				f.Close()
				if err != nil {
					writeError(w, http.StatusBadRequest, "upload: "+err.Error())
					return
				}
				q.File, q.FileName = b, h.Filename
			}
		} else {
			var in struct {
				MessageID string `json:"message_id"`
				SHA256    string `json:"sha256"`
			}
			if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil {
				writeError(w, http.StatusBadRequest, "malformed JSON: "+err.Error())
				return
			}
			q.MessageID, q.SHA256 = in.MessageID, in.SHA256
		}
	}
	res, err := s.Lookup(r.Context(), q)
	var in *errInput
	if errors.As(err, &in) {
		writeError(w, http.StatusUnprocessableEntity, in.msg)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
