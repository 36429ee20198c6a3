package hub

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/formats"
	"github.com/vigie-project/vigie/internal/indicator/warninglist"
	"github.com/vigie-project/vigie/internal/report"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/yararules"
)

// Limits of the API.
const (
	MaxBatch     = 5000 // sightings or findings per POST
	MaxPageLimit = 5000 // indicators per pull page
	DefaultLimit = 1000
)

func forbid(w http.ResponseWriter, what string) {
	writeError(w, http.StatusForbidden, "your token's role may not "+what)
}

// readJSON decodes a bounded JSON body into v. Unknown fields are ignored.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.BodyLimit))
	if err != nil {
		s.serverError(w, r, err)
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			writeError(w, http.StatusBadRequest, fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, err))
		case errors.As(err, &te):
			writeError(w, http.StatusBadRequest, fmt.Sprintf("malformed JSON: field %q must be %s, not %s", te.Field, te.Type, te.Value))
		default:
			writeError(w, http.StatusBadRequest, "malformed JSON: "+err.Error())
		}
		return false
	}
	return true
}

// Cursors are opaque to clients: "v1." and the change sequence, base64url.
func encodeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1." + strconv.FormatInt(seq, 10)))
}

func decodeCursor(c string) (int64, error) {
	if c == "" || c == "0" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !bytes.HasPrefix(b, []byte("v1.")) {
		return 0, fmt.Errorf("invalid cursor %q: use the \"next\" value of the previous page, or omit since to start from the beginning", indicator.Shorten(c))
	}
	n, err := strconv.ParseInt(string(b[3:]), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid cursor %q", indicator.Shorten(c))
	}
	return n, nil
}

func parseLimit(r *http.Request, def, maxV int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("limit %q: want a positive number", indicator.Shorten(v))
	}
	return min(n, maxV), nil
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, p *Principal) {
	kind := store.KindParty
	if p.Agency {
		kind = store.KindAgency
	}
	writeJSON(w, 200, map[string]any{"org": p.OrgName, "org_id": p.OrgID, "org_kind": kind, "role": p.Role, "actor": p.Actor})
}

// pullPage is the answer of GET /api/v1/indicators.
type pullPage struct {
	Items []store.Record `json:"items"`
	// Next is the cursor for the next pull (pass it as since).
	Next string `json:"next"`
	// More is true when another page is ready now.
	More bool `json:"more"`
}

// handlePull serves the indicators shared with the caller's organisation,
// oldest change first, after the cursor in ?since=. Expired indicators are
// included (with expired: true) so that sensors drop them.
func (s *Server) handlePull(w http.ResponseWriter, r *http.Request, p *Principal) {
	q := r.URL.Query()
	after, err := decodeCursor(q.Get("since"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	limit, err := parseLimit(r, DefaultLimit, MaxPageLimit)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var typ indicator.Type
	if t := q.Get("type"); t != "" {
		if typ, err = indicator.ParseType(t); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	seq, err := s.st.IndicatorSeq(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.notePull(r.Context(), p)
	etag := fmt.Sprintf(`W/"%d-%d-%s"`, p.OrgID, seq, HashToken(r.URL.RawQuery)[:16])
	w.Header().Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	recs, err := s.st.ListIndicators(r.Context(), p.Viewer(), store.IndicatorQuery{Feed: true, AfterSeq: after, Limit: limit + 1, Search: q.Get("q"), Type: typ, Active: q.Get("active") == "true"})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	page := pullPage{Items: recs, Next: encodeCursor(after)}
	if len(recs) > limit {
		page.Items, page.More = recs[:limit], true
	}
	if n := len(page.Items); n > 0 {
		page.Next = encodeCursor(page.Items[n-1].Seq)
	}
	if page.Items == nil {
		page.Items = []store.Record{}
	}
	writeJSON(w, 200, page)
}

func (s *Server) handleGetIndicator(w http.ResponseWriter, r *http.Request, p *Principal) {
	rec, err := s.st.GetIndicator(r.Context(), p.Viewer(), r.PathValue("id"))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, 200, rec)
}

// ImportOptions say how imported indicators are published.
type ImportOptions struct {
	TLP          string `json:"tlp,omitempty"`
	Distribution string `json:"distribution,omitempty"`
	// Parties names the parties of distribution "listed" (names or ids).
	Parties []string `json:"parties,omitempty"`
	// Lenient keeps going past malformed items and reports them.
	Lenient bool `json:"lenient,omitempty"`
}

// ImportReport is what an import did.
type ImportReport struct {
	store.ImportResult
	// Superseded counts older versions of a STIX object in the input,
	// replaced by its newest version (modified).
	Superseded    int                 `json:"superseded,omitempty"`
	Warninglisted int                 `json:"warninglisted"`
	Duplicates    int                 `json:"duplicates"`
	Problems      []indicator.Problem `json:"problems,omitempty"`
	Skipped       map[string]int      `json:"skipped,omitempty"`
}

// errInput is an error in what the client sent (422), as opposed to a
// failure of the hub.
type errInput struct {
	msg      string
	problems []indicator.Problem
}

func (e *errInput) Error() string { return e.msg }

func (s *Server) putOptions(ctx context.Context, o ImportOptions) (store.PutOptions, error) {
	var po store.PutOptions
	t, err := indicator.ParseTLP(o.TLP)
	if err != nil {
		return po, &errInput{msg: err.Error()}
	}
	po.TLP = t
	po.Distribution = o.Distribution
	if po.Distribution == "" {
		po.Distribution = store.DistAll
		if len(o.Parties) > 0 {
			po.Distribution = store.DistListed
		}
	}
	if !store.ValidDistribution(po.Distribution) {
		return po, &errInput{msg: fmt.Sprintf("distribution %q: want all, listed or agency", o.Distribution)}
	}
	if po.Distribution == store.DistListed {
		if len(o.Parties) == 0 {
			return po, &errInput{msg: "distribution \"listed\" needs parties (parties=NAME,NAME)"}
		}
		for _, name := range o.Parties {
			org, err := s.st.OrgByName(ctx, name)
			if err != nil {
				if id, perr := strconv.ParseInt(name, 10, 64); perr == nil {
					org, err = s.st.GetOrg(ctx, store.Viewer{Agency: true}, id)
				}
			}
			if err != nil || org.Kind != store.KindParty {
				return po, &errInput{msg: fmt.Sprintf("party %q: no such party", name)}
			}
			po.Parties = append(po.Parties, org.ID)
		}
	}
	return po, nil
}

// Import reads indicators in any supported format from body and stores
// them in one transaction: either all are stored or none is.
func (s *Server) Import(ctx context.Context, p *Principal, body io.Reader, name, formatName, contentType string, o ImportOptions) (ImportReport, error) {
	var rep ImportReport
	if !p.Can("publish") {
		return rep, errForbidden
	}
	po, err := s.putOptions(ctx, o)
	if err != nil {
		return rep, err
	}
	c, err := formats.Decode(body, name, formatName, contentType, indicator.ReadOptions{Name: name, Lenient: o.Lenient, MaxBytes: s.opts.ImportLimit})
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || strings.Contains(err.Error(), "request body too large") {
			return rep, &http.MaxBytesError{Limit: s.opts.ImportLimit}
		}
		var prob indicator.Problem
		if errors.As(err, &prob) {
			return rep, &errInput{msg: prob.String(), problems: []indicator.Problem{prob}}
		}
		return rep, &errInput{msg: err.Error()}
	}
	mode := vetStrict
	if o.Lenient {
		mode = vetLenient
	}
	return s.storeCollection(ctx, p, c, po, name, mode)
}

// vetMode says how storeCollection treats indicators that must never
// reach a sensor.
type vetMode int

const (
	vetStrict  vetMode = iota // the first one refuses the whole import (422)
	vetLenient                // each is left out and reported as a problem
	vetDone                   // the caller already vetted the collection
)

// vet removes from c what must never reach a sensor: a YARA rule that does
// not compile (one broken rule would otherwise reach every party's
// sensors) and a network range wider than the configured bound
// (0.0.0.0/0 would flag every message). Strict: the first is an input
// error naming it; lenient: each is recorded in c.Problems.
func (s *Server) vet(c *indicator.Collection, input string, lenient bool) error {
	if err := s.opts.Breadth.Apply(c, input, lenient); err != nil {
		var prob indicator.Problem
		errors.As(err, &prob)
		return &errInput{msg: prob.String(), problems: []indicator.Problem{prob}}
	}
	kept := c.Indicators[:0:0]
	var probs []indicator.Problem
	for i := range c.Indicators {
		ind := &c.Indicators[i]
		if ind.Type == indicator.YARA {
			if err := yararules.Check(ind.Value, ind.Rule); err != nil {
				p := indicator.Problem{Input: input, Where: indicator.Where(ind), Kind: indicator.ProblemMalformed, Value: indicator.Shorten(ind.Value),
					Reason: "the YARA rule " + ind.Value + " does not compile: " + err.Error()}
				if !lenient {
					return &errInput{msg: p.String(), problems: []indicator.Problem{p}}
				}
				probs = append(probs, p)
				continue
			}
		}
		kept = append(kept, *ind)
	}
	if len(probs) > 0 {
		c.Indicators = kept
		c.Problems = append(c.Problems, probs...)
	}
	return nil
}

func (s *Server) storeCollection(ctx context.Context, p *Principal, c *indicator.Collection, po store.PutOptions, input string, mode vetMode) (ImportReport, error) {
	var rep ImportReport
	if mode != vetDone {
		if err := s.vet(c, input, mode == vetLenient); err != nil {
			return rep, err
		}
	}
	older := latestVersions(c)
	rep.Superseded = len(older)
	rep.Warninglisted = warninglist.Apply(c, s.opts.Warninglists)
	rep.Duplicates = c.Dedupe()
	// The older versions go after the versions in force: the store keeps
	// them as versions (TAXII serves them) without putting them in force.
	res, _, err := s.st.PutIndicators(ctx, p.Viewer(), p.ActorFor(), append(c.Indicators, older...), po)
	if err != nil {
		if strings.Contains(err.Error(), "already used by another") {
			return rep, &errInput{msg: err.Error()}
		}
		return rep, err
	}
	s.metrics.indicatorsImported.Add(uint64(res.Created + res.Updated))
	rep.ImportResult, rep.Problems, rep.Skipped = res, c.Problems, c.Skipped
	return rep, nil
}

// latestVersions keeps in c, of the indicators that share an id and come
// from several versions of one STIX object (different modified times),
// those of the newest version, as TAXII 2.1 versioning means, and returns
// the others (older versions, oldest first).
func latestVersions(c *indicator.Collection) []indicator.Indicator {
	newest := map[string]time.Time{}
	multi := false
	for i := range c.Indicators {
		ind := &c.Indicators[i]
		if ind.ID == "" {
			continue
		}
		if t, ok := newest[ind.ID]; ok {
			if !t.Equal(ind.Modified) {
				multi = true
			}
			if ind.Modified.After(t) {
				newest[ind.ID] = ind.Modified
			}
		} else {
			newest[ind.ID] = ind.Modified
		}
	}
	if !multi {
		return nil
	}
	kept := c.Indicators[:0]
	var older []indicator.Indicator
	for _, ind := range c.Indicators {
		if ind.ID != "" && ind.Modified.Before(newest[ind.ID]) {
			older = append(older, ind)
			continue
		}
		kept = append(kept, ind)
	}
	clear(c.Indicators[len(kept):])
	c.Indicators = kept
	sort.SliceStable(older, func(i, j int) bool { return older[i].Modified.Before(older[j].Modified) })
	return older
}

var errForbidden = errors.New("forbidden")

func (s *Server) importError(w http.ResponseWriter, r *http.Request, err error) {
	var ie *errInput
	switch {
	case errors.As(err, &ie):
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Error: ie.msg, Problems: ie.problems})
	case errors.Is(err, errForbidden):
		forbid(w, "publish indicators (agency analysts and administrators only)")
	default:
		s.serverError(w, r, err)
	}
}

func splitList(v string) []string {
	var out []string
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// handleImport takes a body in any indicator format (detected, or named
// by ?format= or Content-Type).
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("publish") {
		forbid(w, "publish indicators (agency analysts and administrators only)")
		return
	}
	q := r.URL.Query()
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/octet-stream") || strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		ct = ""
	}
	body := http.MaxBytesReader(w, r.Body, s.opts.ImportLimit)
	rep, err := s.Import(r.Context(), p, body, "upload", q.Get("format"), ct, ImportOptions{
		TLP: q.Get("tlp"), Distribution: q.Get("distribution"), Parties: splitList(q.Get("parties")), Lenient: q.Get("lenient") == "true"})
	if err != nil {
		s.importError(w, r, err)
		return
	}
	writeJSON(w, 200, rep)
}

func (s *Server) handleCreateIndicators(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("publish") {
		forbid(w, "publish indicators (agency analysts and administrators only)")
		return
	}
	var req struct {
		Items        []indicator.Indicator `json:"items"`
		TLP          string                `json:"tlp"`
		Distribution string                `json:"distribution"`
		Parties      []string              `json:"parties"`
	}
	if !s.readJSON(w, r, &req) {
		return
	}
	c, err := normalizeIndicators(req.Items)
	if err != nil {
		s.importError(w, r, err)
		return
	}
	po, err := s.putOptions(r.Context(), ImportOptions{TLP: req.TLP, Distribution: req.Distribution, Parties: req.Parties})
	if err != nil {
		s.importError(w, r, err)
		return
	}
	rep, err := s.storeCollection(r.Context(), p, c, po, "request", vetStrict)
	if err != nil {
		s.importError(w, r, err)
		return
	}
	writeJSON(w, 200, rep)
}

// normalizeIndicators checks indicators given as JSON.
func normalizeIndicators(items []indicator.Indicator) (*indicator.Collection, error) {
	if len(items) == 0 {
		return nil, &errInput{msg: "no items: send {\"items\": [{\"type\": \"domain\", \"value\": \"evil.example\"}]}"}
	}
	if len(items) > 100_000 {
		return nil, &errInput{msg: "more than 100000 items: use /api/v1/indicators/import"}
	}
	c := &indicator.Collection{}
	var probs []indicator.Problem
	for i, ind := range items {
		where := fmt.Sprintf("item %d", i)
		if ind.ID != "" {
			where += " (" + indicator.Shorten(ind.ID) + ")"
		}
		t, err := indicator.ParseType(string(ind.Type))
		if err != nil && ind.Type == "" {
			var v string
			t, v, err = indicator.Detect(ind.Value)
			ind.Value = v
		}
		if err != nil {
			probs = append(probs, indicator.Problem{Input: "request", Where: where, Kind: indicator.ProblemMalformed, Value: indicator.Shorten(ind.Value), Reason: err.Error()})
			continue
		}
		ind.Type = t
		if t != indicator.YARA {
			v, err := indicator.Normalize(t, ind.Value)
			if err != nil {
				probs = append(probs, indicator.Problem{Input: "request", Where: where, Kind: indicator.ProblemMalformed, Value: indicator.Shorten(ind.Value), Reason: err.Error()})
				continue
			}
			ind.Value = v
		} else if ind.Rule == "" || ind.Value == "" {
			probs = append(probs, indicator.Problem{Input: "request", Where: where, Kind: indicator.ProblemMalformed, Reason: "a yara indicator needs value (the rule name) and rule (its source)"})
			continue
		}
		if _, err := indicator.ParseTLP(string(ind.TLP)); err != nil {
			probs = append(probs, indicator.Problem{Input: "request", Where: where, Kind: indicator.ProblemMalformed, Value: string(ind.TLP), Reason: err.Error()})
			continue
		}
		c.Indicators = append(c.Indicators, ind)
	}
	if len(probs) > 0 {
		return nil, &errInput{msg: fmt.Sprintf("%d of %d indicators are malformed; nothing was stored", len(probs), len(items)), problems: probs}
	}
	return c, nil
}

func (s *Server) handlePatchIndicator(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("publish") {
		// A party may not even learn whether the id exists.
		if _, err := s.st.GetIndicator(r.Context(), p.Viewer(), r.PathValue("id")); err != nil {
			s.serverError(w, r, err)
			return
		}
		forbid(w, "edit indicators")
		return
	}
	var req struct {
		Description  *string    `json:"description"`
		TLP          *string    `json:"tlp"`
		ValidUntil   *time.Time `json:"valid_until"`
		Distribution *string    `json:"distribution"`
		Parties      []string   `json:"parties"`
		Tags         *[]string  `json:"tags"`
	}
	if !s.readJSON(w, r, &req) {
		return
	}
	ch := store.IndicatorChange{Description: req.Description, ValidUntil: req.ValidUntil, Tags: req.Tags}
	if req.TLP != nil {
		t, err := indicator.ParseTLP(*req.TLP)
		if err != nil {
			writeError(w, http.StatusUnprocessableEntity, err.Error())
			return
		}
		ch.TLP = &t
	}
	if req.Distribution != nil {
		po, err := s.putOptions(r.Context(), ImportOptions{Distribution: *req.Distribution, Parties: req.Parties})
		if err != nil {
			s.importError(w, r, err)
			return
		}
		ch.Distribution, ch.Parties = &po.Distribution, po.Parties
	}
	rec, err := s.st.UpdateIndicator(r.Context(), p.Viewer(), p.ActorFor(), r.PathValue("id"), ch)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, 200, rec)
}

func (s *Server) handleExpireIndicator(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("publish") {
		if _, err := s.st.GetIndicator(r.Context(), p.Viewer(), r.PathValue("id")); err != nil {
			s.serverError(w, r, err)
			return
		}
		forbid(w, "expire indicators")
		return
	}
	rec, err := s.st.ExpireIndicator(r.Context(), p.Viewer(), p.ActorFor(), r.PathValue("id"))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, 200, rec)
}

// SightingIn is one item of POST /api/v1/sightings.
type SightingIn struct {
	ID         string `json:"id"`
	Value      string `json:"value"`
	Type       string `json:"type"`
	ObservedAt string `json:"observed_at"`
	Count      *int64 `json:"count"`
	Sensor     string `json:"sensor"`
	Host       string `json:"host"`
}

// itemProblem names a bad item of a batch.
type itemProblem struct {
	Index  int    `json:"index"`
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason"`
}

func checkSighting(in SightingIn) (store.Sighting, error) {
	var out store.Sighting
	if in.ID == "" || len(in.ID) > 200 {
		return out, errors.New("id is required (a client-generated id of at most 200 characters, the idempotency key)")
	}
	if in.Value == "" || len(in.Value) > 8192 {
		return out, errors.New("value is required (at most 8192 bytes)")
	}
	// the same rules as the sensors apply before they spool a sighting
	t, v, err := indicator.NormalizeSighting(in.Type, in.Value)
	if err != nil {
		return out, err
	}
	at, err := time.Parse(time.RFC3339Nano, in.ObservedAt)
	if err != nil {
		return out, fmt.Errorf("observed_at %q: want an RFC 3339 time such as 2026-05-01T08:30:00Z", indicator.Shorten(in.ObservedAt))
	}
	if at.After(time.Now().Add(24 * time.Hour)) {
		return out, fmt.Errorf("observed_at %s is in the future", in.ObservedAt)
	}
	count := int64(1)
	if in.Count != nil {
		count = *in.Count
	}
	if count <= 0 || count > 1e9 {
		return out, fmt.Errorf("count %d: want 1 to 1000000000", count)
	}
	if len(in.Sensor) > 100 || len(in.Host) > 255 {
		return out, errors.New("sensor (100) or host (255 characters) too long")
	}
	return store.Sighting{ClientID: in.ID, Type: string(t), Value: v, ObservedAt: at.UTC(), Count: count, Sensor: in.Sensor, Host: in.Host}, nil
}

// PostSightings checks a batch for the principal's organisation and stores
// its valid items; the others are returned by index, with the reason. (One
// bad value must not cost the sightings around it: sensors drop what the
// hub refuses and keep nothing else back.)
func (s *Server) PostSightings(ctx context.Context, p *Principal, items []SightingIn) (store.SightingResult, []itemProblem, error) {
	var probs []itemProblem
	var batch []store.Sighting
	for i, in := range items {
		sg, err := checkSighting(in)
		if err != nil {
			probs = append(probs, itemProblem{Index: i, ID: indicator.Shorten(in.ID), Reason: err.Error()})
			continue
		}
		batch = append(batch, sg)
	}
	if len(batch) == 0 {
		return store.SightingResult{}, probs, nil
	}
	res, err := s.st.AddSightings(ctx, p.OrgID, batch, s.opts.Correlation)
	if err != nil {
		return res, nil, err
	}
	s.metrics.sightingsAccepted.Add(uint64(res.Accepted))
	s.metrics.sightingsDuplicate.Add(uint64(res.Duplicates))
	s.notifySightings(ctx, p, res)
	return res, probs, nil
}

// sightingsAnswer is the answer of POST /api/v1/sightings: what was stored
// and, by index in the batch, the items refused and why.
type sightingsAnswer struct {
	store.SightingResult
	Rejected []itemProblem `json:"rejected,omitempty"`
}

func (s *Server) handlePostSightings(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("report") {
		forbid(w, "report sightings")
		return
	}
	var req struct {
		Items []SightingIn `json:"items"`
	}
	if !s.readJSON(w, r, &req) {
		return
	}
	if len(req.Items) > MaxBatch {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("%d items: send at most %d per batch", len(req.Items), MaxBatch))
		return
	}
	res, probs, err := s.PostSightings(r.Context(), p, req.Items)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if len(probs) > 0 && len(probs) == len(req.Items) {
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Error: fmt.Sprintf("all %d sightings are malformed; nothing was stored", len(probs)), Problems: probs})
		return
	}
	sensors := make([]string, len(req.Items))
	for i, it := range req.Items {
		sensors[i] = it.Sensor
	}
	s.noteReport(r.Context(), p, sensors)
	writeJSON(w, 200, sightingsAnswer{SightingResult: res, Rejected: probs})
}

func parseTimeParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return t, fmt.Errorf("%s %q: want an RFC 3339 time", name, indicator.Shorten(v))
	}
	return t, nil
}

// orgParam resolves ?org= (a name or id) for agency viewers; parties are
// always limited to themselves by the store.
func (s *Server) orgParam(ctx context.Context, r *http.Request, p *Principal) (int64, error) {
	v := r.URL.Query().Get("org")
	if v == "" {
		return 0, nil
	}
	if id, err := strconv.ParseInt(v, 10, 64); err == nil {
		o, err := s.st.GetOrg(ctx, p.Viewer(), id)
		return o.ID, err
	}
	o, err := s.st.OrgByName(ctx, v)
	if err != nil {
		return 0, err
	}
	if o, err = s.st.GetOrg(ctx, p.Viewer(), o.ID); err != nil {
		return 0, err
	}
	return o.ID, nil
}

func (s *Server) handleListSightings(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("view") {
		forbid(w, "read sightings")
		return
	}
	since, err := parseTimeParam(r, "since")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	limit, err := parseLimit(r, 100, 5000)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	before, err := decodeCursor(r.URL.Query().Get("before"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	org, err := s.orgParam(r.Context(), r, p)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	items, err := s.st.ListSightings(r.Context(), p.Viewer(), store.SightingQuery{OrgID: org, Since: since, Limit: limit, BeforeID: before, Indicator: r.URL.Query().Get("indicator"), Search: r.URL.Query().Get("q")})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	out := map[string]any{"items": nonNilSlice(items)}
	if len(items) == limit {
		out["next"] = encodeCursor(items[len(items)-1].ID)
	}
	writeJSON(w, 200, out)
}

// writeItems answers a list request: {"items": [...]} (never null), or the
// error.
func writeItems[T any](s *Server, w http.ResponseWriter, r *http.Request, items []T, err error) {
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"items": nonNilSlice(items)})
}

func nonNilSlice[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func (s *Server) handlePostFindings(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("report") {
		forbid(w, "report findings")
		return
	}
	var req struct {
		Items []json.RawMessage `json:"items"`
	}
	if !s.readJSON(w, r, &req) {
		return
	}
	if len(req.Items) > MaxBatch {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("%d items: send at most %d per batch", len(req.Items), MaxBatch))
		return
	}
	var probs []itemProblem
	var batch []store.Finding
	for i, raw := range req.Items {
		var f report.Finding
		if err := json.Unmarshal(raw, &f); err != nil {
			probs = append(probs, itemProblem{Index: i, Reason: err.Error()})
			continue
		}
		switch {
		case f.ID == "" || len(f.ID) > 200:
			probs = append(probs, itemProblem{Index: i, Reason: "id is required (at most 200 characters)"})
		case f.Time.IsZero():
			probs = append(probs, itemProblem{Index: i, ID: f.ID, Reason: "time is required"})
		case len(raw) > 256<<10:
			probs = append(probs, itemProblem{Index: i, ID: f.ID, Reason: "finding larger than 256 KiB"})
		default:
			batch = append(batch, store.Finding{ClientID: f.ID, At: f.Time.UTC(), Sensor: f.Sensor, Host: f.Host, Severity: f.Severity.String(), Title: f.Title, Body: raw})
		}
	}
	if len(probs) > 0 && len(batch) == 0 {
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Error: fmt.Sprintf("all %d findings are malformed; nothing was stored", len(probs)), Problems: probs})
		return
	}
	n, err := s.st.AddFindings(r.Context(), p.OrgID, batch)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sensors := make([]string, len(batch))
	for i, f := range batch {
		sensors[i] = f.Sensor
	}
	s.noteReport(r.Context(), p, sensors)
	s.notifyFindings(r.Context(), p, n, batch)
	// the valid findings are stored; the others are named by index
	writeJSON(w, 200, map[string]any{"accepted": n, "duplicates": len(batch) - n, "rejected": nonNilSlice(probs)})
}

func (s *Server) handleListFindings(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("view") {
		forbid(w, "read findings")
		return
	}
	limit, err := parseLimit(r, 100, 5000)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	org, err := s.orgParam(r.Context(), r, p)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	items, err := s.st.ListFindings(r.Context(), p.Viewer(), org, limit)
	writeItems(s, w, r, items, err)
}

func (s *Server) handleListAlerts(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("view") {
		forbid(w, "read alerts")
		return
	}
	items, err := s.st.ListAlerts(r.Context(), p.Viewer(), r.URL.Query().Get("status"), 0)
	writeItems(s, w, r, items, err)
}

func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) handleCloseAlert(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.idAction(w, r, p, p.Agency, "publish", "close alerts", "closed", s.st.CloseAlert)
}

// idAction answers a request that applies one store action to the object
// the path's id names: 404 for a bad id or when the caller may not see
// such objects at all (visible false), 403 without the permission, and
// {"status": done} once the action is done.
func (s *Server) idAction(w http.ResponseWriter, r *http.Request, p *Principal, visible bool, perm, forbidden, done string,
	action func(context.Context, store.Viewer, store.Actor, int64) error) {
	id, ok := pathID(r)
	if !ok || !visible {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	if !p.Can(perm) {
		forbid(w, forbidden)
		return
	}
	if err := action(r.Context(), p.Viewer(), p.ActorFor(), id); err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]string{"status": done})
}

func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("view") {
		forbid(w, "read the dashboard")
		return
	}
	d, err := s.st.Dashboard(r.Context(), p.Viewer(), 30)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, 200, d)
}

func (s *Server) handleListOrgs(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("view") {
		forbid(w, "list organisations")
		return
	}
	orgs, err := s.st.ListOrgs(r.Context(), p.Viewer())
	writeItems(s, w, r, orgs, err)
}

func (s *Server) handleCreateOrg(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("orgs") {
		forbid(w, "create organisations (agency administrators only)")
		return
	}
	var req struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
	}
	if !s.readJSON(w, r, &req) {
		return
	}
	if req.Kind == "" {
		req.Kind = store.KindParty
	}
	o, err := s.st.CreateOrg(r.Context(), p.ActorFor(), strings.TrimSpace(req.Name), req.Kind)
	s.writeCreated(w, r, o, err)
}

// writeCreated answers a create request: 201 with v, 409 when it clashes
// with what exists, 422 when the request itself is invalid.
func (s *Server) writeCreated(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			s.serverError(w, r, err)
			return
		}
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("admin") {
		forbid(w, "list users")
		return
	}
	us, err := s.st.ListUsers(r.Context(), p.Viewer())
	writeItems(s, w, r, us, err)
}

// targetOrg resolves the organisation a user or token is created for: the
// principal's own, or (agency administrators) any named one.
func (s *Server) targetOrg(ctx context.Context, p *Principal, name string) (store.Org, error) {
	if name == "" {
		return s.st.GetOrg(ctx, p.Viewer(), p.OrgID)
	}
	o, err := s.st.OrgByName(ctx, name)
	if err != nil {
		return store.Org{}, store.ErrNotFound
	}
	return s.st.GetOrg(ctx, p.Viewer(), o.ID)
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("admin") {
		forbid(w, "create users")
		return
	}
	var req struct {
		Org      string `json:"org"`
		Username string `json:"username"`
		Role     string `json:"role"`
		Password string `json:"password"`
	}
	if !s.readJSON(w, r, &req) {
		return
	}
	org, err := s.targetOrg(r.Context(), p, req.Org)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	u, err := CreateUser(r.Context(), s.st, p.ActorFor(), org.Name, strings.TrimSpace(req.Username), req.Role, req.Password)
	s.writeCreated(w, r, u, err)
}

func (s *Server) handleListTokens(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("admin") {
		forbid(w, "list tokens")
		return
	}
	ts, err := s.st.ListTokens(r.Context(), p.Viewer())
	writeItems(s, w, r, ts, err)
}

func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("admin") {
		forbid(w, "create tokens")
		return
	}
	var req struct {
		Org       string `json:"org"`
		Role      string `json:"role"`
		Name      string `json:"name"`
		ExpiresIn string `json:"expires_in"` // a Go duration: "720h"
	}
	if !s.readJSON(w, r, &req) {
		return
	}
	org, err := s.targetOrg(r.Context(), p, req.Org)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var ttl time.Duration
	if req.ExpiresIn != "" {
		if ttl, err = time.ParseDuration(req.ExpiresIn); err != nil || ttl <= 0 {
			writeError(w, http.StatusUnprocessableEntity, "expires_in: want a duration such as 720h")
			return
		}
	}
	// A party administrator cannot mint a token with more power than an
	// administrator of the party; the store scopes the organisation.
	t, err := CreateToken(r.Context(), s.st, p.ActorFor(), org.ID, req.Role, req.Name, ttl)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.idAction(w, r, p, true, "admin", "revoke tokens", "revoked", s.st.RevokeToken)
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("admin") {
		forbid(w, "read the audit log")
		return
	}
	limit, err := parseLimit(r, 100, 1000)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	items, err := s.st.ListAudit(r.Context(), p.Viewer(), limit)
	writeItems(s, w, r, items, err)
}

// AddIndicators checks and stores indicators given one by one (the web
// UI's form), like POST /api/v1/indicators.
func (s *Server) AddIndicators(ctx context.Context, p *Principal, items []indicator.Indicator, o ImportOptions) (ImportReport, error) {
	if !p.Can("publish") {
		return ImportReport{}, errForbidden
	}
	c, err := normalizeIndicators(items)
	if err != nil {
		return ImportReport{}, err
	}
	po, err := s.putOptions(ctx, o)
	if err != nil {
		return ImportReport{}, err
	}
	return s.storeCollection(ctx, p, c, po, "form", vetStrict)
}

// ErrorMessage turns an error of Import or AddIndicators into a sentence
// for people, and tells whether it is the user's input (not the hub).
func ErrorMessage(err error) (string, bool) {
	var ie *errInput
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ie):
		msg := ie.msg
		for i, p := range ie.problems {
			if i == 5 {
				msg += fmt.Sprintf("; and %d more", len(ie.problems)-5)
				break
			}
			if p.String() != msg {
				msg += "; " + p.String()
			}
		}
		return msg, true
	case errors.Is(err, errForbidden):
		return "Only agency analysts and administrators publish indicators.", true
	case errors.As(err, &mbe):
		return fmt.Sprintf("The file is too large (more than %d MiB).", mbe.Limit>>20), true
	}
	return "Something went wrong on the hub; its log has the details.", false
}

// CountLoginFailure counts a failed login in the metrics.
func (s *Server) CountLoginFailure() { s.metrics.loginFailures.Add(1) }

// ImportLimit is the largest import accepted, in bytes.
func (s *Server) ImportLimit() int64 { return s.opts.ImportLimit }
