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
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/leak"
	"github.com/vigie-project/vigie/internal/leakcase"
	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/store"
)

// Leak cases: the agency opens a case, loads the items of a verification
// (the report.json of vigie leak verify, or a verification the hub runs in
// the background on a dump placed in Options.LeakDir), revises verdicts,
// shares items with the parties concerned, and publishes a signed
// statement (package leakcase).

// MaxKeyArchive bounds an uploaded DKIM key archive.
const MaxKeyArchive = 8 << 20

// CaseJobStale is how long a running verification may go without progress
// before another may start (the hub that ran it stopped).
const CaseJobStale = 2 * time.Minute

func (s *Server) caseRoutes() {
	api := func(pattern string, h func(http.ResponseWriter, *http.Request, *Principal)) {
		s.mux.HandleFunc(pattern, s.withToken(h))
	}
	api("GET /api/v1/cases", s.handleListCases)
	api("POST /api/v1/cases", s.handleCreateCase)
	api("GET /api/v1/cases/{id}", s.handleGetCase)
	api("POST /api/v1/cases/{id}/report", s.handleCaseReport)
	api("POST /api/v1/cases/{id}/verify", s.handleCaseVerify)
	api("GET /api/v1/cases/{id}/items", s.handleCaseItems)
	api("GET /api/v1/cases/{id}/items/{item}", s.handleCaseItem)
	api("POST /api/v1/cases/{id}/items/{item}/override", s.handleCaseOverride)
	api("POST /api/v1/cases/{id}/items/{item}/notes", s.handleCaseNote)
	api("POST /api/v1/cases/{id}/items/{item}/share", s.handleCaseShare)
	api("POST /api/v1/cases/{id}/items/{item}/withhold", s.handleCaseWithhold)
	api("POST /api/v1/cases/{id}/publish", s.handleCasePublish)
	api("POST /api/v1/cases/{id}/share", s.handleCaseShareMatching)
	s.publicCaseRoutes()
}

// CanManageCases reports whether p may open, revise and publish leak
// cases: the agency's analysts and administrators.
func (p *Principal) CanManageCases() bool { return p.Can("publish") }

// CaseReport loads the report.json of vigie leak verify (read from r,
// bounded by the import limit) into a case; keys, when not empty, is the
// DKIM key archive the verification used, kept for the public lookup.
func (s *Server) CaseReport(ctx context.Context, p *Principal, caseID int64, r io.Reader, name string, keys []byte) (int, error) {
	if !p.CanManageCases() {
		return 0, errCases
	}
	if len(keys) > 0 {
		if err := checkKeyArchive(keys, "key archive"); err != nil {
			return 0, err
		}
	}
	rep, err := leakcase.ReadReport(r, name, s.opts.ImportLimit)
	if err != nil {
		return 0, &errInput{msg: err.Error()}
	}
	if _, err := s.st.GetLeakCase(ctx, p.Viewer(), caseID); err != nil {
		return 0, err
	}
	if err := s.loadReport(ctx, p.ActorFor(), caseID, rep, "report.json uploaded ("+name+")", string(keys)); err != nil {
		return 0, err
	}
	return len(rep.Items), nil
}

func (s *Server) loadReport(ctx context.Context, a store.Actor, caseID int64, rep *leak.Report, source, keys string) error {
	items := make([]store.LeakItem, 0, len(rep.Items))
	for _, it := range rep.Items {
		items = append(items, caseItem(it))
	}
	ka, _ := json.Marshal(rep.KeyArchives)
	if len(rep.KeyArchives) == 0 {
		ka = nil
	}
	return s.st.ReplaceLeakItems(ctx, a, caseID, store.CaseSource{Source: source, Tool: rep.Tool, KeyArchives: string(ka), Keys: keys}, items)
}

// caseItem is what the store keeps of a report item: the fields searched
// and filtered on, the text of the full-text index, and the whole item.
func caseItem(it *leak.Item) store.LeakItem {
	ci := leakcase.ItemFromReport(it)
	data, _ := json.Marshal(it)
	out := store.LeakItem{Path: it.Path, Kind: it.Kind, SHA256: it.SHA256, MessageID: ci.MessageID, Sender: ci.From, Subject: ci.Subject, Machine: string(it.Verdict), Data: string(data)}
	search := []string{it.Path, it.Format, it.Error}
	if m := it.Mail; m != nil {
		out.SentAt = m.Sent
		if out.SentAt.IsZero() {
			out.SentAt = mailauth.ParseDate(m.Date)
		}
		search = append(search, m.From, m.To, m.Cc, m.Subject, m.MessageID, m.Date)
		search = append(search, m.Attachments...)
	}
	if d := it.Document; d != nil {
		for _, v := range []string{d.Modified, d.Created} {
			if t, err := time.Parse(time.RFC3339, v); err == nil && out.SentAt.IsZero() {
				out.SentAt = t
			}
		}
		search = append(search, d.Title, d.Author, d.LastModifiedBy, d.Company, d.Application)
	}
	search = append(search, it.Reasons...)
	out.Search = strings.Join(search, "\n")
	return out
}

// checkKeyArchive refuses a DKIM key archive that does not parse or
// holds no key record.
func checkKeyArchive(b []byte, name string) error {
	ar, err := mailauth.ParseArchive(bytes.NewReader(b), name)
	if err != nil {
		return &errInput{msg: err.Error()}
	}
	if len(ar.Records()) == 0 {
		return &errInput{msg: name + ": no DKIM key record (selector._domainkey.domain TXT \"v=DKIM1; ...\")"}
	}
	return nil
}

// CaseVerify starts the verification of a dump placed on the server (a
// path under Options.LeakDir) for a case, in the background; keys are key
// archives under LeakDir too. Progress is recorded on the case (its Job);
// the items replace the case's when it ends. A verification interrupted
// (the hub stopped) continues from its checkpoint when started again.
func (s *Server) CaseVerify(ctx context.Context, p *Principal, caseID int64, dump string, keys []string) error {
	if !p.CanManageCases() {
		return errCases
	}
	if s.opts.LeakDir == "" {
		return &errInput{msg: "this hub has no directory for dumps (vigie serve --leak-dir): upload a report.json instead"}
	}
	if _, err := s.st.GetLeakCase(ctx, p.Viewer(), caseID); err != nil {
		return err
	}
	dumpPath, err := s.underLeakDir(dump)
	if err != nil {
		return err
	}
	c := leak.Config{Dump: dumpPath, Resume: true, Tool: "vigie hub", Limits: leak.DefaultLimits, Workers: s.opts.LeakWorkers}
	var chain mailauth.Chain
	var keyText bytes.Buffer
	for _, k := range keys {
		kp, err := s.underLeakDir(k)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(kp)
		if err != nil {
			return &errInput{msg: "key archive " + k + ": " + err.Error()}
		}
		if len(b) > MaxKeyArchive {
			return &errInput{msg: fmt.Sprintf("key archive %s: larger than %d bytes", k, MaxKeyArchive)}
		}
		if err := checkKeyArchive(b, k); err != nil {
			return err
		}
		ar, _ := mailauth.ParseArchive(bytes.NewReader(b), k)
		chain = append(chain, ar)
		keyText.Write(b)
		keyText.WriteString("\n")
		c.KeyRecords += len(ar.Records())
		sum := sha256.Sum256(b)
		c.KeyFiles = append(c.KeyFiles, leak.KeyArchive{Path: k, SHA256: hex.EncodeToString(sum[:]), Records: len(ar.Records())})
	}
	if len(chain) > 0 {
		c.Resolver = chain
		c.Keys = strings.Join(keys, ", ")
	}
	if s.opts.CaseWorkDir != "" {
		c.Out = filepath.Join(s.opts.CaseWorkDir, "case-"+strconv.FormatInt(caseID, 10))
	}
	started, err := s.st.StartCaseJob(ctx, p.ActorFor(), caseID, "verifying "+dump, CaseJobStale)
	if err != nil {
		return err
	}
	if !started {
		return &errInput{msg: "a verification of this case is already running"}
	}
	a := p.ActorFor()
	go s.runCaseJob(caseID, a, c, dump, keyText.String())
	return nil
}

// runCaseJob runs one verification and records its progress and result.
func (s *Server) runCaseJob(caseID int64, a store.Actor, c leak.Config, dump, keys string) {
	ctx := context.Background()
	start := s.now()
	job := store.CaseJob{State: store.JobRunning, Started: start}
	c.ProgressEvery = time.Second
	c.Progress = func(pr leak.Progress) {
		job.Items, job.Updated = pr.Items+pr.Resumed, s.now()
		job.Detail = progressLine(pr)
		if err := s.st.SetCaseJob(ctx, caseID, job); err != nil {
			s.log.Warn("case verification progress", slog.Int64("case", caseID), slog.Any("err", err))
		}
	}
	rep, err := leak.Run(ctx, c)
	if err == nil {
		err = s.loadReport(ctx, a, caseID, rep, "verified on the hub: "+dump, keys)
	}
	indexed := 0
	if err == nil {
		job.Detail, job.Updated = fmt.Sprintf("%d items verified; indexing their text for the search", len(rep.Items)), s.now()
		s.st.SetCaseJob(ctx, caseID, job)
		terr := dumpTexts(ctx, c.Dump, func(batch []store.LeakText) error {
			n, err := s.st.AddLeakTexts(ctx, caseID, batch)
			indexed += n
			return err
		})
		if terr != nil {
			s.log.Warn("case text index", slog.Int64("case", caseID), slog.Any("err", terr))
		}
	}
	job.Updated = s.now()
	if err != nil {
		job.State, job.Detail = store.JobFailed, err.Error()
		s.log.Warn("case verification failed", slog.Int64("case", caseID), slog.Any("err", err))
	} else {
		job.State, job.Items = store.JobDone, len(rep.Items)
		job.Detail = fmt.Sprintf("%d items verified in %s; the text of %d searchable", len(rep.Items), job.Updated.Sub(start).Round(time.Second), indexed)
	}
	if err := s.st.SetCaseJob(ctx, caseID, job); err != nil {
		s.log.Warn("case verification state", slog.Int64("case", caseID), slog.Any("err", err))
	}
}

// progressLine says how far a verification is: items, rate, and the
// time left when the dump's size is known.
func progressLine(pr leak.Progress) string {
	if pr.Phase == "originals" {
		return fmt.Sprintf("reading the party's originals: %d files", pr.Items)
	}
	secs := max(pr.Elapsed.Seconds(), 0.001)
	line := fmt.Sprintf("%d items (%.0f/s)", pr.Items+pr.Resumed, float64(pr.Items)/secs)
	if pr.Resumed > 0 {
		line += fmt.Sprintf(", %d from the checkpoint", pr.Resumed)
	}
	if pr.TotalBytes > 0 && pr.Bytes > 0 {
		pct := float64(pr.Bytes) / float64(pr.TotalBytes)
		left := time.Duration(secs*(1-pct)/pct) * time.Second
		line += fmt.Sprintf(", %.0f%% read, about %s left", 100*min(pct, 1), left.Round(time.Second))
	}
	return line
}

// JobPercent is how far a running verification is, 0 to 100, when its
// detail line says it.
func JobPercent(detail string) int {
	i := strings.Index(detail, "% read")
	if i < 0 {
		return 0
	}
	j := strings.LastIndex(detail[:i], " ")
	n, _ := strconv.Atoi(detail[j+1 : i])
	return min(max(n, 0), 100)
}

// underLeakDir resolves a path given by an analyst inside LeakDir,
// refusing one that leaves it (.., an absolute path elsewhere, a symbolic
// link pointing out).
func (s *Server) underLeakDir(rel string) (string, error) {
	root, err := filepath.EvalSymlinks(s.opts.LeakDir)
	if err != nil {
		return "", fmt.Errorf("leak directory: %w", err)
	}
	p := rel
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, rel)
	}
	p, err = filepath.EvalSymlinks(p)
	if err != nil {
		return "", &errInput{msg: fmt.Sprintf("%s: not found in the hub's leak directory", rel)}
	}
	if r, err := filepath.Rel(root, p); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", &errInput{msg: fmt.Sprintf("%s: outside the hub's leak directory", rel)}
	}
	return p, nil
}

// LeakDirEntries lists what is in the hub's leak directory (for the
// case page's form), at most 200 names.
func (s *Server) LeakDirEntries() []string {
	if s.opts.LeakDir == "" {
		return nil
	}
	es, err := os.ReadDir(s.opts.LeakDir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range es {
		if len(out) == 200 {
			break
		}
		out = append(out, e.Name())
	}
	return out
}

// CanVerifyOnServer reports whether the hub has a directory for dumps.
func (s *Server) CanVerifyOnServer() bool { return s.opts.LeakDir != "" }

// CanPublishCases reports whether the hub has the agency's statement key.
func (s *Server) CanPublishCases() bool { return s.opts.StatementKey != nil }

// StatementKeyLine is the allowed_signers line of the agency's statement
// key (empty without one).
func (s *Server) StatementKeyLine() string {
	if s.opts.StatementKey == nil {
		return ""
	}
	return leakcase.AllowedSigners(s.statementIdentity(), s.opts.StatementKey.PublicKey())
}

func (s *Server) statementIdentity() string {
	if s.opts.StatementIdentity != "" {
		return s.opts.StatementIdentity
	}
	return "statement@vigie"
}

// PublishCase makes a case's signed statement (every item not withheld,
// with the analysts' revisions) and publishes it: the statement at
// /public/cases/REF/statement.html, the items in the public lookup.
// Publishing again replaces the statement.
func (s *Server) PublishCase(ctx context.Context, p *Principal, caseID int64) (store.LeakCase, error) {
	if !p.CanManageCases() {
		return store.LeakCase{}, errCases
	}
	if s.opts.StatementKey == nil {
		return store.LeakCase{}, &errInput{msg: "this hub has no statement key (vigie serve --statement-key): publish offline with vigie leak publish"}
	}
	c, err := s.st.GetLeakCase(ctx, p.Viewer(), caseID)
	if err != nil {
		return store.LeakCase{}, err
	}
	items, withheld, err := s.st.PublishedItems(ctx, caseID)
	if err != nil {
		return store.LeakCase{}, err
	}
	if len(items) == 0 {
		return store.LeakCase{}, &errInput{msg: "the case has no item to publish: load a report or verify a dump first"}
	}
	st := &leakcase.Statement{Case: c.Ref, Title: c.Title, Agency: p.OrgName, Published: s.now().UTC(), Tool: c.Tool, Withheld: withheld, Identity: s.statementIdentity()}
	if c.KeyArchives != "" {
		json.Unmarshal([]byte(c.KeyArchives), &st.KeyArchives)
	}
	for _, it := range items {
		st.Items = append(st.Items, statementItem(it))
	}
	page, sig, err := leakcase.Publish(st, s.opts.StatementKey)
	if err != nil {
		return store.LeakCase{}, err
	}
	if err := s.st.PublishLeakCase(ctx, p.ActorFor(), caseID, string(page), string(sig)); err != nil {
		return store.LeakCase{}, err
	}
	return s.st.GetLeakCase(ctx, p.Viewer(), caseID)
}

// statementItem is a stored item as the statement shows it.
func statementItem(it store.LeakItem) leakcase.Item {
	var li leak.Item
	json.Unmarshal([]byte(it.Data), &li)
	out := leakcase.ItemFromReport(&li)
	out.Path, out.Kind, out.SHA256, out.MessageID, out.Machine = it.Path, it.Kind, it.SHA256, it.MessageID, leak.Verdict(it.Machine)
	if it.OverrideBy != "" {
		out.Override = &leakcase.Override{Verdict: leak.Verdict(it.Verdict), Why: it.OverrideWhy, By: it.OverrideBy, At: it.OverrideAt}
	}
	return out
}

// CaseOverride revises an item's verdict (verdict "" returns to the
// machine's); why is required and kept with who and when.
func (s *Server) CaseOverride(ctx context.Context, p *Principal, caseID, itemID int64, verdict, why string) error {
	if !p.CanManageCases() {
		return errCases
	}
	if verdict != "" && !leakcase.ValidVerdict(leak.Verdict(verdict)) {
		return &errInput{msg: fmt.Sprintf("verdict %q: not one of %v", verdict, leak.VerdictOrder)}
	}
	if strings.TrimSpace(why) == "" {
		return &errInput{msg: "say why the verdict changes (why)"}
	}
	return s.st.OverrideLeakVerdict(ctx, p.ActorFor(), caseID, itemID, verdict, why)
}

// CaseNote adds an analyst's note to an item.
func (s *Server) CaseNote(ctx context.Context, p *Principal, caseID, itemID int64, body string) error {
	if !p.CanManageCases() {
		return errCases
	}
	if strings.TrimSpace(body) == "" || len(body) > store.MaxNote {
		return &errInput{msg: fmt.Sprintf("a note must be 1 to %d characters", store.MaxNote)}
	}
	return s.st.AddLeakNote(ctx, p.ActorFor(), caseID, itemID, body)
}

// CaseShare shares an item with a party (by name), or stops sharing it.
func (s *Server) CaseShare(ctx context.Context, p *Principal, caseID, itemID int64, party string, share bool) error {
	if !p.CanManageCases() {
		return errCases
	}
	o, err := s.st.OrgByName(ctx, party)
	if err != nil {
		return &errInput{msg: fmt.Sprintf("no party named %q", party)}
	}
	if o.Kind != store.KindParty {
		return &errInput{msg: fmt.Sprintf("%q is not a party", party)}
	}
	return s.st.ShareLeakItems(ctx, p.ActorFor(), caseID, []int64{itemID}, o.ID, share)
}

// CaseShareMatching shares with a party (or stops sharing) every item of
// the case that passes the filter (its Limit and Offset are ignored): a
// party concerned by hundreds of messages gets them in one step. It
// returns how many items it changed.
func (s *Server) CaseShareMatching(ctx context.Context, p *Principal, caseID int64, f store.LeakItemFilter, party string, share bool) (int, error) {
	if !p.CanManageCases() {
		return 0, errCases
	}
	o, err := s.st.OrgByName(ctx, party)
	if err != nil || o.Kind != store.KindParty {
		return 0, &errInput{msg: fmt.Sprintf("no party named %q", party)}
	}
	var ids []int64
	for f.Offset, f.Limit = 0, 1000; ; f.Offset += f.Limit {
		items, total, err := s.st.ListLeakItems(ctx, p.Viewer(), caseID, f)
		if err != nil {
			return 0, err
		}
		for _, it := range items {
			ids = append(ids, it.ID)
		}
		if len(items) == 0 || f.Offset+len(items) >= total {
			break
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return len(ids), s.st.ShareLeakItems(ctx, p.ActorFor(), caseID, ids, o.ID, share)
}

// CaseWithhold keeps an item out of the public statement and lookup, or
// puts it back.
func (s *Server) CaseWithhold(ctx context.Context, p *Principal, caseID, itemID int64, withheld bool) error {
	if !p.CanManageCases() {
		return errCases
	}
	return s.st.SetLeakWithheld(ctx, p.ActorFor(), caseID, itemID, withheld)
}

// CreateCase opens a case.
func (s *Server) CreateCase(ctx context.Context, p *Principal, title, description string) (store.LeakCase, error) {
	if !p.CanManageCases() {
		return store.LeakCase{}, errCases
	}
	if t := strings.TrimSpace(title); t == "" || len(t) > store.MaxCaseTitle {
		return store.LeakCase{}, &errInput{msg: fmt.Sprintf("a case title must be 1 to %d characters", store.MaxCaseTitle)}
	}
	return s.st.CreateLeakCase(ctx, p.ActorFor(), title, description)
}

// errCases is returned when the principal may not manage leak cases.
var errCases = fmt.Errorf("manage leak cases (the agency's analysts and administrators only): %w", errForbidden)

// IsForbidden reports whether err says the principal may not act.
func IsForbidden(err error) bool { return errors.Is(err, errForbidden) }

func (s *Server) caseError(w http.ResponseWriter, r *http.Request, err error) {
	var in *errInput
	switch {
	case errors.Is(err, errForbidden):
		forbid(w, "manage leak cases (the agency's analysts and administrators only)")
	case errors.As(err, &in):
		writeError(w, http.StatusUnprocessableEntity, in.msg)
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not found")
	default:
		s.serverError(w, r, err)
	}
}

func caseIDs(r *http.Request) (caseID, itemID int64, ok bool) {
	caseID, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || caseID <= 0 {
		return 0, 0, false
	}
	if v := r.PathValue("item"); v != "" {
		itemID, err = strconv.ParseInt(v, 10, 64)
		if err != nil || itemID <= 0 {
			return 0, 0, false
		}
	}
	return caseID, itemID, true
}

func (s *Server) handleListCases(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("view") {
		forbid(w, "sensor tokens cannot read leak cases")
		return
	}
	cs, err := s.st.ListLeakCases(r.Context(), p.Viewer())
	writeItems(s, w, r, cs, err)
}

func (s *Server) handleCreateCase(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct{ Title, Description string }
	if !s.readJSON(w, r, &in) {
		return
	}
	c, err := s.CreateCase(r.Context(), p, in.Title, in.Description)
	if err != nil {
		s.caseError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) handleGetCase(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, _, ok := caseIDs(r)
	if !ok || !p.Can("view") {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	c, err := s.st.GetLeakCase(r.Context(), p.Viewer(), id)
	if err != nil {
		s.caseError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// handleCaseReport takes report.json as the body; a DKIM key archive may
// come with it as multipart/form-data (fields "report" and "keys").
func (s *Server) handleCaseReport(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, _, ok := caseIDs(r)
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.ImportLimit+MaxKeyArchive+1<<20)
	body, name, keys := io.Reader(r.Body), "report.json", []byte(nil)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		f, h, err := r.FormFile("report")
		if err != nil {
			writeError(w, http.StatusBadRequest, "multipart upload: a file field named report is required")
			return
		}
		defer f.Close()
		body, name = f, h.Filename
		if kf, _, err := r.FormFile("keys"); err == nil {
			keys, err = io.ReadAll(io.LimitReader(kf, MaxKeyArchive+1))
			kf.Close()
			if err != nil || len(keys) > MaxKeyArchive {
				writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("key archive: larger than %d bytes", MaxKeyArchive))
				return
			}
		}
	}
	n, err := s.CaseReport(r.Context(), p, id, body, name, keys)
	if err != nil {
		s.caseError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"items": n})
}

func (s *Server) handleCaseVerify(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, _, ok := caseIDs(r)
	var in struct {
		Dump string   `json:"dump"`
		Keys []string `json:"keys"`
	}
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	if err := s.CaseVerify(r.Context(), p, id, in.Dump, in.Keys); err != nil {
		s.caseError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"state": store.JobRunning, "progress": "/api/v1/cases/" + strconv.FormatInt(id, 10)})
}

// ParseItemFilter reads the item filters of a request: verdict, sender,
// since and until (dates, YYYY-MM-DD or RFC 3339), q (full text), limit
// and offset.
func ParseItemFilter(r *http.Request) (store.LeakItemFilter, error) {
	q := r.URL.Query()
	f := store.LeakItemFilter{Verdict: q.Get("verdict"), Sender: q.Get("sender"), Query: q.Get("q")}
	if len(f.Query) > 500 || len(f.Sender) > 200 {
		return f, errors.New("q or sender: too long")
	}
	for _, d := range []struct {
		name string
		to   *time.Time
		add  time.Duration
	}{{"since", &f.Since, 0}, {"until", &f.Until, 24 * time.Hour}} {
		v := q.Get(d.name)
		if v == "" {
			continue
		}
		if t, err := time.Parse("2006-01-02", v); err == nil {
			*d.to = t.Add(d.add)
		} else if t, err := time.Parse(time.RFC3339, v); err == nil {
			*d.to = t
		} else {
			return f, fmt.Errorf("%s=%q: a date is expected (2017-05-05 or RFC 3339)", d.name, v)
		}
	}
	var err error
	if f.Limit, err = parseLimit(r, 200, 1000); err != nil {
		return f, err
	}
	if v := q.Get("offset"); v != "" {
		if f.Offset, err = strconv.Atoi(v); err != nil || f.Offset < 0 {
			return f, errors.New("offset: a number of items is expected")
		}
	}
	return f, nil
}

func (s *Server) handleCaseItems(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, _, ok := caseIDs(r)
	if !ok || !p.Can("view") {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	f, err := ParseItemFilter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	items, total, err := s.st.ListLeakItems(r.Context(), p.Viewer(), id, f)
	if err != nil {
		s.caseError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNilSlice(items), "total": total})
}

// CaseItemView is an item with its evidence (the item of report.json) and
// notes.
type CaseItemView struct {
	store.LeakItem
	Evidence *leak.Item       `json:"evidence"`
	Notes    []store.LeakNote `json:"notes,omitempty"`
}

// CaseItem returns an item the principal may see, with its evidence.
func (s *Server) CaseItem(ctx context.Context, p *Principal, caseID, itemID int64) (CaseItemView, error) {
	it, err := s.st.GetLeakItem(ctx, p.Viewer(), caseID, itemID)
	if err != nil {
		return CaseItemView{}, err
	}
	v := CaseItemView{LeakItem: it, Evidence: new(leak.Item)}
	if err := json.Unmarshal([]byte(it.Data), v.Evidence); err != nil {
		return CaseItemView{}, fmt.Errorf("item %d: stored evidence: %w", itemID, err)
	}
	if v.Notes, err = s.st.LeakNotes(ctx, p.Viewer(), caseID, itemID); err != nil {
		return CaseItemView{}, err
	}
	return v, nil
}

func (s *Server) handleCaseItem(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, item, ok := caseIDs(r)
	if !ok || !p.Can("view") {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	v, err := s.CaseItem(r.Context(), p, id, item)
	if err != nil {
		s.caseError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) caseAction(w http.ResponseWriter, r *http.Request, p *Principal, in any, act func(caseID, itemID int64) error) {
	id, item, ok := caseIDs(r)
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	if !s.readJSON(w, r, in) {
		return
	}
	if err := act(id, item); err != nil {
		s.caseError(w, r, err)
		return
	}
	v, err := s.CaseItem(r.Context(), p, id, item)
	if err != nil {
		s.caseError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleCaseOverride(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct{ Verdict, Why string }
	s.caseAction(w, r, p, &in, func(c, i int64) error { return s.CaseOverride(r.Context(), p, c, i, in.Verdict, in.Why) })
}

func (s *Server) handleCaseNote(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct{ Body string }
	s.caseAction(w, r, p, &in, func(c, i int64) error { return s.CaseNote(r.Context(), p, c, i, in.Body) })
}

func (s *Server) handleCaseShare(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct {
		Party string `json:"party"`
		Share *bool  `json:"share"`
	}
	s.caseAction(w, r, p, &in, func(c, i int64) error {
		return s.CaseShare(r.Context(), p, c, i, in.Party, in.Share == nil || *in.Share)
	})
}

func (s *Server) handleCaseWithhold(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct {
		Withheld bool `json:"withheld"`
	}
	s.caseAction(w, r, p, &in, func(c, i int64) error { return s.CaseWithhold(r.Context(), p, c, i, in.Withheld) })
}

func (s *Server) handleCasePublish(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, _, ok := caseIDs(r)
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	c, err := s.PublishCase(r.Context(), p, id)
	if err != nil {
		s.caseError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"case": c, "statement": StatementPath(c.Ref), "signature": StatementPath(c.Ref) + ".sig", "allowed_signers": s.StatementKeyLine()})
}

// StatementPath is where the statement of a published case is served.
func StatementPath(ref string) string { return "/public/cases/" + ref + "/statement.html" }

// handleCaseShareMatching shares the items that pass the query's filters
// (as GET /items takes them) with {party}, or stops sharing ({share: false}).
func (s *Server) handleCaseShareMatching(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, _, ok := caseIDs(r)
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	f, err := ParseItemFilter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var in struct {
		Party string `json:"party"`
		Share *bool  `json:"share"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	n, err := s.CaseShareMatching(r.Context(), p, id, f, in.Party, in.Share == nil || *in.Share)
	if err != nil {
		s.caseError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"items": n})
}
