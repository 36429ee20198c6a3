package hub

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/stix"
	"github.com/vigie-project/vigie/internal/store"
)

// TAXII 2.1 (OASIS, 10 June 2021): discovery at /taxii2/, one API root at
// /taxii2/api/, and a collection per distribution. Objects are the STIX 2.1
// form of the indicators (with their identities, markings, threats and
// relationships); each indicator's "date added" is the time it last
// changed, and only its latest version is kept.

const (
	taxiiMedia = "application/taxii+json;version=2.1"
	stixMedia  = "application/stix+json;version=2.1"
	// taxiiMaxLimit bounds the objects of one page.
	taxiiMaxLimit = 1000
)

type taxiiCollection struct {
	ID, Title, Description, Dist string
}

var taxiiCollections = []taxiiCollection{
	{"8d4d8c34-7c2b-4f4a-9a5b-0d1f6a1e0a01", "Indicators for all parties", "Indicators the agency distributes to every party.", store.DistAll},
	{"8d4d8c34-7c2b-4f4a-9a5b-0d1f6a1e0a02", "Indicators for listed parties", "Indicators the agency distributes to some parties only; a party sees those meant for it.", store.DistListed},
	{"8d4d8c34-7c2b-4f4a-9a5b-0d1f6a1e0a03", "Agency only", "Indicators the agency keeps to itself.", store.DistAgency},
}

func (s *Server) taxiiRoutes() {
	h := func(pattern string, fn func(http.ResponseWriter, *http.Request, *Principal)) {
		s.mux.HandleFunc(pattern, s.withTAXII(fn))
	}
	h("GET /taxii2/{$}", s.taxiiDiscovery)
	h("GET /taxii2/api/{$}", s.taxiiAPIRoot)
	h("GET /taxii2/api/collections/{$}", s.taxiiCollectionsList)
	h("GET /taxii2/api/collections/{cid}/{$}", s.taxiiCollection)
	h("GET /taxii2/api/collections/{cid}/objects/{$}", s.taxiiObjects)
	h("POST /taxii2/api/collections/{cid}/objects/{$}", s.taxiiAdd)
	h("GET /taxii2/api/collections/{cid}/manifest/{$}", s.taxiiManifest)
	h("GET /taxii2/api/collections/{cid}/objects/{oid}/{$}", s.taxiiObject)
	h("GET /taxii2/api/collections/{cid}/objects/{oid}/versions/{$}", s.taxiiVersions)
	h("GET /taxii2/api/status/{sid}/{$}", s.taxiiStatus)
	s.mux.HandleFunc("/taxii2/", func(w http.ResponseWriter, r *http.Request) {
		taxiiError(w, http.StatusNotFound, "Not found", "no TAXII endpoint at "+r.URL.Path+" (the discovery resource is /taxii2/)")
	})
}

// taxiiError writes a TAXII error message.
func taxiiError(w http.ResponseWriter, code int, title, desc string) {
	w.Header().Set("Content-Type", taxiiMedia)
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"title": title, "description": desc, "http_status": strconv.Itoa(code)})
}

func taxiiJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", taxiiMedia)
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// acceptsTAXII checks the Accept header: TAXII 2.1 media (any version
// parameter must be 2.1), or a generic JSON or wildcard.
func acceptsTAXII(h string) bool {
	if h == "" {
		return true
	}
	for _, part := range strings.Split(h, ",") {
		mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		switch mt {
		case "*/*", "application/*", "application/json":
			return true
		case "application/taxii+json", "application/stix+json":
			ver := ""
			for _, p := range strings.Split(params, ";") {
				if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "version") {
					ver = strings.Trim(v, `"`)
				}
			}
			if ver == "" || ver == "2.1" {
				return true
			}
		}
	}
	return false
}

func (s *Server) withTAXII(fn func(http.ResponseWriter, *http.Request, *Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.principalFromRequest(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Basic realm="vigie TAXII", charset="UTF-8"`)
			taxiiError(w, http.StatusUnauthorized, "Unauthorized", "send the API token as \"Authorization: Bearer TOKEN\" or as the password of Basic authentication")
			return
		}
		if !acceptsTAXII(r.Header.Get("Accept")) {
			taxiiError(w, http.StatusNotAcceptable, "Not acceptable", "this server speaks "+taxiiMedia)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		fn(w, r, p)
	}
}

// baseURL is the hub's address as clients should use it: --public-url
// when set; otherwise the scheme the client came in by (HTTPS when the hub
// serves TLS or a trusted proxy says so) and the Host it asked for.
func (s *Server) baseURL(r *http.Request) string {
	if s.opts.PublicURL != "" {
		return strings.TrimRight(s.opts.PublicURL, "/")
	}
	scheme := "http"
	if s.Secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) taxiiDiscovery(w http.ResponseWriter, r *http.Request, p *Principal) {
	taxiiJSON(w, 200, map[string]any{
		"title":       "Vigie hub",
		"description": "Indicators the agency publishes to the parties of the election.",
		"default":     s.baseURL(r) + "/taxii2/api/",
		"api_roots":   []string{s.baseURL(r) + "/taxii2/api/"},
	})
}

func (s *Server) taxiiAPIRoot(w http.ResponseWriter, r *http.Request, p *Principal) {
	taxiiJSON(w, 200, map[string]any{
		"title":              "Vigie indicators",
		"versions":           []string{taxiiMedia},
		"max_content_length": s.opts.ImportLimit,
	})
}

// collectionFor finds a collection the principal may see.
func collectionFor(p *Principal, id string) (taxiiCollection, bool) {
	for _, c := range taxiiCollections {
		if c.ID == id && (c.Dist != store.DistAgency || p.Agency) {
			return c, true
		}
	}
	return taxiiCollection{}, false
}

func collectionInfo(p *Principal, c taxiiCollection) map[string]any {
	return map[string]any{
		"id": c.ID, "title": c.Title, "description": c.Description,
		"can_read": true, "can_write": c.Dist != store.DistListed && p.Can("publish"),
		"media_types": []string{stixMedia},
	}
}

func (s *Server) taxiiCollectionsList(w http.ResponseWriter, r *http.Request, p *Principal) {
	var out []map[string]any
	for _, c := range taxiiCollections {
		if cc, ok := collectionFor(p, c.ID); ok {
			out = append(out, collectionInfo(p, cc))
		}
	}
	taxiiJSON(w, 200, map[string]any{"collections": out})
}

func (s *Server) taxiiCollection(w http.ResponseWriter, r *http.Request, p *Principal) {
	c, ok := collectionFor(p, r.PathValue("cid"))
	if !ok {
		taxiiError(w, http.StatusNotFound, "Not found", "no such collection")
		return
	}
	taxiiJSON(w, 200, collectionInfo(p, c))
}

// taxiiQuery is a parsed objects/manifest request.
type taxiiQuery struct {
	after      int64
	skip       int
	addedAfter time.Time
	limit      int
	ids        map[string]bool
	types      map[string]bool
	versions   []string
	sel        versionSel
	specOK     bool
}

func parseTaxiiQuery(r *http.Request) (taxiiQuery, error) {
	q := r.URL.Query()
	tq := taxiiQuery{limit: 100, specOK: true}
	var err error
	if tq.after, tq.skip, err = decodeTaxiiCursor(q.Get("next")); err != nil {
		return tq, err
	}
	if v := q.Get("added_after"); v != "" {
		if tq.addedAfter, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return tq, fmt.Errorf("added_after %q: want a timestamp such as 2026-01-01T00:00:00.000Z", indicator.Shorten(v))
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return tq, fmt.Errorf("limit %q: want a positive number", indicator.Shorten(v))
		}
		tq.limit = min(n, taxiiMaxLimit)
	}
	set := func(key string) map[string]bool {
		v := q.Get(key)
		if v == "" {
			return nil
		}
		m := map[string]bool{}
		for _, x := range strings.Split(v, ",") {
			m[strings.TrimSpace(x)] = true
		}
		return m
	}
	tq.ids, tq.types = set("match[id]"), set("match[type]")
	if len(tq.ids) > 500 {
		return tq, errors.New("match[id]: at most 500 ids")
	}
	if v := q.Get("match[version]"); v != "" {
		tq.versions = strings.Split(v, ",")
	}
	if tq.sel, err = parseVersionSel(q.Get("match[version]")); err != nil {
		return tq, err
	}
	if v := q.Get("match[spec_version]"); v != "" {
		tq.specOK = false
		for _, x := range strings.Split(v, ",") {
			if strings.TrimSpace(x) == "2.1" {
				tq.specOK = true
			}
		}
	}
	return tq, nil
}

// taxiiObj is one STIX object with what the envelope and manifest need.
type taxiiObj struct {
	raw       json.RawMessage
	id, typ   string
	modified  string
	dateAdded time.Time
}

// TAXII page cursors: the change sequence after which the page's stream
// of indicators starts, and how many of the stream's objects to skip (a page
// may end inside the objects of one indicator, since limit counts objects).
func encodeTaxiiCursor(after int64, skip int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("t1." + strconv.FormatInt(after, 10) + "." + strconv.Itoa(skip)))
}

func decodeTaxiiCursor(c string) (int64, int, error) {
	if c == "" {
		return 0, 0, nil
	}
	bad := fmt.Errorf("invalid next %q: use the next value of the previous page", indicator.Shorten(c))
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, 0, bad
	}
	parts := strings.Split(string(b), ".")
	if len(parts) != 3 || parts[0] != "t1" {
		return 0, 0, bad
	}
	after, err1 := strconv.ParseInt(parts[1], 10, 64)
	skip, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || after < 0 || skip < 0 || skip > 1_000_000 {
		return 0, 0, bad
	}
	return after, skip, nil
}

// pageObjects returns the objects of one page and the cursor of the next
// (empty when there is no more). The stream of objects starts after
// tq.after; objects shared by several indicators (identities, markings,
// threats) appear once per stream.
func (s *Server) pageObjects(r *http.Request, p *Principal, c taxiiCollection, tq taxiiQuery) (objs []taxiiObj, next string, err error) {
	if !tq.specOK {
		return nil, "", nil
	}
	q := store.IndicatorQuery{Feed: true, AfterSeq: tq.after, Distribution: c.Dist, ModifiedAfter: tq.addedAfter, Limit: 200}
	onlyIndicators := len(tq.ids) > 0
	for id := range tq.ids {
		if !strings.HasPrefix(id, "indicator--") {
			onlyIndicators = false
		}
	}
	if onlyIndicators {
		for id := range tq.ids {
			q.IDs = append(q.IDs, id, strings.TrimPrefix(id, "indicator--"))
		}
	}
	seen := map[string]bool{}
	skip := tq.skip
	boundary := tq.after // seq of the last indicator whose objects are all sent
	for {
		recs, err := s.st.ListIndicators(r.Context(), p.Viewer(), q)
		if err != nil {
			return nil, "", err
		}
		byRef, err := s.versionedObjects(r.Context(), recs, tq.sel)
		if err != nil {
			return nil, "", err
		}
		for _, rec := range recs {
			var take []taxiiObj
			for _, o := range byRef[rec.Ref()] {
				// The indicator's versions were picked by versionedObjects;
				// the objects that come with them have one version each.
				picked := o.typ == "indicator" && !tq.sel.onlyLast()
				if seen[objectKey(o)] || (tq.ids != nil && !tq.ids[o.id]) || (tq.types != nil && !tq.types[o.typ]) || (!picked && !versionMatches(tq.versions, o.modified)) {
					continue
				}
				seen[objectKey(o)] = true
				take = append(take, o)
			}
			if skip >= len(take) {
				skip -= len(take)
				continue
			}
			take = take[skip:]
			emittedBefore := skip
			skip = 0
			room := tq.limit - len(objs)
			if len(take) > room {
				objs = append(objs, take[:room]...)
				return objs, nextCursor(tq, boundary, emittedBefore+room, len(objs)), nil
			}
			objs = append(objs, take...)
			boundary = rec.Seq
			if len(objs) == tq.limit {
				// More only if another indicator follows.
				more, err := s.st.ListIndicators(r.Context(), p.Viewer(), store.IndicatorQuery{Feed: true, AfterSeq: rec.Seq, Distribution: c.Dist, ModifiedAfter: tq.addedAfter, IDs: q.IDs, Limit: 1})
				if err != nil {
					return nil, "", err
				}
				if len(more) == 0 {
					return objs, "", nil
				}
				return objs, nextCursor(tq, boundary, 0, len(objs)), nil
			}
		}
		if len(recs) < q.Limit {
			return objs, "", nil
		}
		q.AfterSeq = recs[len(recs)-1].Seq
	}
}

// maxStreamSkip bounds how far a page re-reads its stream to skip what
// earlier pages sent.
const maxStreamSkip = 10000

// nextCursor keeps the stream of the first page, so that objects shared by
// several indicators are sent once, until that would mean re-reading more
// than maxStreamSkip objects; then the next stream starts at the boundary
// (shared objects may then be sent again, identical).
func nextCursor(tq taxiiQuery, boundary int64, skipInBoundary, sent int) string {
	if tq.skip+sent <= maxStreamSkip {
		return encodeTaxiiCursor(tq.after, tq.skip+sent)
	}
	// A fresh stream dedupes anew, so an indicator cut in two is sent
	// again whole rather than risk skipping one of its objects.
	_ = skipInBoundary
	return encodeTaxiiCursor(boundary, 0)
}

func versionMatches(versions []string, modified string) bool {
	if len(versions) == 0 {
		return true
	}
	for _, v := range versions {
		switch v = strings.TrimSpace(v); v {
		case "last", "first", "all":
			return true
		default:
			a, err1 := time.Parse(time.RFC3339Nano, v)
			b, err2 := time.Parse(time.RFC3339Nano, modified)
			if err1 == nil && err2 == nil && a.Equal(b) {
				return true
			}
		}
	}
	return false
}

// recordObjects is the STIX form of one stored indicator.
func recordObjects(rec store.Record) ([]taxiiObj, error) {
	ind := rec.Indicator
	if !rec.Version.IsZero() {
		ind.Modified = rec.Version // the STIX version, not when the hub stored it
	}
	if !rec.StixCreated.IsZero() {
		ind.Created = rec.StixCreated // the same for every version
	}
	raws, err := stix.Objects(&indicator.Collection{Indicators: []indicator.Indicator{ind}}, stix.EncodeOptions{Identity: "Vigie hub", Now: rec.Created})
	if err != nil {
		return nil, fmt.Errorf("indicator %s: %w", rec.ID, err)
	}
	out := make([]taxiiObj, 0, len(raws))
	for _, raw := range raws {
		var head struct {
			ID, Type, Modified string
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return nil, fmt.Errorf("indicator %s: %w", rec.ID, err)
		}
		if head.Modified == "" { // marking definitions have only created
			var c struct{ Created string }
			json.Unmarshal(raw, &c)
			head.Modified = c.Created
		}
		out = append(out, taxiiObj{raw: raw, id: head.ID, typ: head.Type, modified: head.Modified, dateAdded: rec.Modified})
	}
	return out, nil
}

func setDateHeaders(w http.ResponseWriter, objs []taxiiObj) {
	if len(objs) == 0 {
		return
	}
	first, last := objs[0].dateAdded, objs[0].dateAdded
	for _, o := range objs {
		if o.dateAdded.Before(first) {
			first = o.dateAdded
		}
		if o.dateAdded.After(last) {
			last = o.dateAdded
		}
	}
	w.Header().Set("X-TAXII-Date-Added-First", stix.FormatTime(first))
	w.Header().Set("X-TAXII-Date-Added-Last", stix.FormatTime(last))
}

func (s *Server) taxiiPage(w http.ResponseWriter, r *http.Request, p *Principal, manifest bool) {
	c, ok := collectionFor(p, r.PathValue("cid"))
	if !ok {
		taxiiError(w, http.StatusNotFound, "Not found", "no such collection")
		return
	}
	tq, err := parseTaxiiQuery(r)
	if err != nil {
		taxiiError(w, http.StatusBadRequest, "Bad request", err.Error())
		return
	}
	objs, next, err := s.pageObjects(r, p, c, tq)
	if err != nil {
		s.log.Error("TAXII", "err", err)
		taxiiError(w, http.StatusInternalServerError, "Internal error", "the hub's log has the details")
		return
	}
	setDateHeaders(w, objs)
	out := map[string]any{"more": next != ""}
	if next != "" {
		out["next"] = next
	}
	if len(objs) > 0 {
		if manifest {
			var list []map[string]string
			for _, o := range objs {
				list = append(list, map[string]string{"id": o.id, "date_added": stix.FormatTime(o.dateAdded), "version": o.modified, "media_type": stixMedia})
			}
			out["objects"] = list
		} else {
			list := make([]json.RawMessage, len(objs))
			for i, o := range objs {
				list[i] = o.raw
			}
			out["objects"] = list
		}
	}
	taxiiJSON(w, 200, out)
}

func (s *Server) taxiiObjects(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.taxiiPage(w, r, p, false)
}

func (s *Server) taxiiManifest(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.taxiiPage(w, r, p, true)
}

// findObject returns the stored indicator behind a STIX indicator id.
// maxObjectScan bounds the indicators read to find an object that is not
// an indicator (an identity, a marking, a threat, a relationship).
const maxObjectScan = 200_000

func (s *Server) findObject(r *http.Request, p *Principal, c taxiiCollection, oid string) (taxiiObj, bool, error) {
	if !strings.HasPrefix(oid, "indicator--") {
		return s.findRelated(r, p, c, oid)
	}
	recs, err := s.st.ListIndicators(r.Context(), p.Viewer(), store.IndicatorQuery{Distribution: c.Dist, IDs: []string{oid, strings.TrimPrefix(oid, "indicator--")}, Limit: 2})
	if err != nil || len(recs) == 0 {
		return taxiiObj{}, false, err
	}
	objs, err := recordObjects(recs[0])
	if err != nil {
		return taxiiObj{}, false, err
	}
	for _, o := range objs {
		if o.id == oid {
			return o, true, nil
		}
	}
	return taxiiObj{}, false, nil
}

// findRelated finds an object listed with the indicators of a collection
// that is not itself an indicator: the identity, the TLP markings, the
// malware and intrusion sets, the "indicates" relationships. They are made
// from the indicators, so the collection is read, in pages, until one of
// its indicators carries the object (at most maxObjectScan indicators).
func (s *Server) findRelated(r *http.Request, p *Principal, c taxiiCollection, oid string) (taxiiObj, bool, error) {
	kind, _, ok := strings.Cut(oid, "--")
	switch kind {
	case "identity", "marking-definition", "malware", "intrusion-set", "campaign", "threat-actor", "tool", "relationship":
	default:
		return taxiiObj{}, false, nil
	}
	if !ok {
		return taxiiObj{}, false, nil
	}
	var after int64
	for read := 0; read < maxObjectScan; {
		recs, err := s.st.ListIndicators(r.Context(), p.Viewer(), store.IndicatorQuery{Distribution: c.Dist, Feed: true, AfterSeq: after, Limit: 1000})
		if err != nil {
			return taxiiObj{}, false, err
		}
		for _, rec := range recs {
			if rec.Withdrawn {
				continue
			}
			objs, err := recordObjects(rec)
			if err != nil {
				return taxiiObj{}, false, err
			}
			for _, o := range objs {
				if o.id == oid {
					return o, true, nil
				}
			}
		}
		if len(recs) < 1000 {
			break
		}
		read += len(recs)
		after = recs[len(recs)-1].Seq
	}
	return taxiiObj{}, false, nil
}

// pathObject finds the object the path names (collection cid, object
// oid) among those p may see; when there is none it answers the request
// (404, or 500 with the cause logged) and returns false.
func (s *Server) pathObject(w http.ResponseWriter, r *http.Request, p *Principal) (taxiiObj, bool) {
	c, ok := collectionFor(p, r.PathValue("cid"))
	if !ok {
		taxiiError(w, http.StatusNotFound, "Not found", "no such collection")
		return taxiiObj{}, false
	}
	o, ok, err := s.findObject(r, p, c, r.PathValue("oid"))
	switch {
	case err != nil:
		s.log.Error("TAXII object", "path", r.URL.Path, "err", err)
		taxiiError(w, http.StatusInternalServerError, "Internal error", "the hub's log has the details")
		return taxiiObj{}, false
	case !ok:
		taxiiError(w, http.StatusNotFound, "Not found", "no such object in this collection")
		return taxiiObj{}, false
	}
	return o, true
}

type statusDetail struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message,omitempty"`
}

// taxiiAdd stores posted objects (an envelope) in one transaction and
// answers with a status resource.
func (s *Server) taxiiAdd(w http.ResponseWriter, r *http.Request, p *Principal) {
	c, ok := collectionFor(p, r.PathValue("cid"))
	if !ok {
		taxiiError(w, http.StatusNotFound, "Not found", "no such collection")
		return
	}
	if !p.Can("publish") || c.Dist == store.DistListed {
		taxiiError(w, http.StatusForbidden, "Forbidden", "this collection is read-only for your token")
		return
	}
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(ct, "application/taxii+json") && !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/stix+json") {
		taxiiError(w, http.StatusUnsupportedMediaType, "Unsupported media type", "send "+taxiiMedia)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.ImportLimit))
	if err != nil {
		taxiiError(w, http.StatusRequestEntityTooLarge, "Too large", fmt.Sprintf("the body is larger than max_content_length (%d bytes)", s.opts.ImportLimit))
		return
	}
	var env struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		taxiiError(w, http.StatusBadRequest, "Bad request", "the body is not a TAXII envelope: "+err.Error())
		return
	}
	if len(env.Objects) == 0 {
		taxiiError(w, http.StatusUnprocessableEntity, "No objects", "the envelope has no objects")
		return
	}
	type head struct {
		ID, Type, Modified, Created string
	}
	heads := make([]head, len(env.Objects))
	for i, raw := range env.Objects {
		json.Unmarshal(raw, &heads[i])
		if heads[i].Modified == "" {
			heads[i].Modified = heads[i].Created
		}
	}
	var bundle bytes.Buffer
	bundle.WriteString(`{"type":"bundle","id":"bundle--` + uuid.NewString() + `","objects":[`)
	for i, raw := range env.Objects {
		if i > 0 {
			bundle.WriteByte(',')
		}
		bundle.Write(raw)
	}
	bundle.WriteString("]}")
	col, err := stix.Decode(&bundle, indicator.ReadOptions{Name: "TAXII envelope", Lenient: true, MaxBytes: s.opts.ImportLimit})
	if err != nil {
		taxiiError(w, http.StatusUnprocessableEntity, "Invalid STIX", err.Error())
		return
	}
	if err := s.vet(col, "TAXII envelope", true); err != nil {
		taxiiError(w, http.StatusUnprocessableEntity, "Rejected", err.Error())
		return
	}
	failed := map[string]string{}
	for _, pr := range col.Problems {
		if pr.Kind != indicator.ProblemMalformed && pr.Kind != indicator.ProblemTooBroad {
			continue
		}
		// Where is "object <id>", the id maybe shortened with an ellipsis.
		w := strings.TrimPrefix(pr.Where, "object ")
		w = strings.TrimSuffix(strings.TrimSuffix(w, "..."), "…")
		for _, h := range heads {
			if h.ID != "" && w != "" && strings.HasPrefix(h.ID, w) {
				failed[h.ID] = pr.Reason
			}
		}
	}
	_, err = s.storeCollection(r.Context(), p, col, store.PutOptions{Distribution: c.Dist}, "TAXII envelope", vetDone)
	if err != nil {
		var ie *errInput
		if errors.As(err, &ie) {
			taxiiError(w, http.StatusUnprocessableEntity, "Rejected", ie.msg)
			return
		}
		s.log.Error("TAXII add", "err", err)
		taxiiError(w, http.StatusInternalServerError, "Internal error", "nothing was stored; the hub's log has the details")
		return
	}
	st := map[string]any{
		"id": uuid.NewString(), "status": "complete", "request_timestamp": stix.FormatTime(s.now()),
		"total_count": len(env.Objects), "pending_count": 0,
	}
	var succ, fail []statusDetail
	for _, h := range heads {
		if reason, bad := failed[h.ID]; bad {
			fail = append(fail, statusDetail{ID: h.ID, Version: h.Modified, Message: reason})
		} else {
			succ = append(succ, statusDetail{ID: h.ID, Version: h.Modified})
		}
	}
	st["success_count"], st["failure_count"] = len(succ), len(fail)
	if len(succ) > 0 {
		st["successes"] = succ
	}
	if len(fail) > 0 {
		st["failures"] = fail
	}
	b, _ := json.Marshal(st)
	if err := s.st.PutTaxiiStatus(r.Context(), p.OrgID, st["id"].(string), b); err != nil {
		s.log.Error("TAXII status", "err", err)
	}
	w.Header().Set("Content-Type", taxiiMedia)
	w.WriteHeader(http.StatusAccepted)
	w.Write(b)
}

func (s *Server) taxiiStatus(w http.ResponseWriter, r *http.Request, p *Principal) {
	b, err := s.st.TaxiiStatus(r.Context(), p.Viewer(), r.PathValue("sid"))
	if err != nil {
		taxiiError(w, http.StatusNotFound, "Not found", "no such status")
		return
	}
	w.Header().Set("Content-Type", taxiiMedia)
	w.Write(b)
}
