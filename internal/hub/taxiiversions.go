package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/stix"
	"github.com/vigie-project/vigie/internal/store"
)

// TAXII 2.1 versions: the hub keeps every version (modified time) of an
// indicator it was given. match[version] picks among them: "last" (the
// default: the version in force), "first", "all", or modified timestamps;
// several values, comma-separated, add up. /objects/{id}/versions/ lists
// them, oldest first.

// versionSel is a parsed match[version].
type versionSel struct {
	all, first, last bool
	at               []time.Time
	raw              []string
}

func parseVersionSel(v string) (versionSel, error) {
	var vs versionSel
	if v == "" {
		vs.last = true
		return vs, nil
	}
	for _, x := range strings.Split(v, ",") {
		x = strings.TrimSpace(x)
		vs.raw = append(vs.raw, x)
		switch x {
		case "all":
			vs.all = true
		case "first":
			vs.first = true
		case "last":
			vs.last = true
		default:
			t, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return vs, fmt.Errorf("match[version] %q: want last, first, all or a timestamp such as 2026-01-01T00:00:00.000Z", indicator.Shorten(x))
			}
			vs.at = append(vs.at, t)
		}
	}
	if len(vs.at) > 100 {
		return vs, fmt.Errorf("match[version]: at most 100 timestamps")
	}
	return vs, nil
}

// onlyLast is the default: the versions in force only.
func (vs versionSel) onlyLast() bool { return vs.last && !vs.all && !vs.first && len(vs.at) == 0 }

// pick returns the selected versions of one indicator (oldest first).
func (vs versionSel) pick(versions []store.IndicatorVersion) []store.IndicatorVersion {
	if vs.all {
		return versions
	}
	var out []store.IndicatorVersion
	for i, v := range versions {
		ok := (vs.first && i == 0) || (vs.last && i == len(versions)-1)
		for _, t := range vs.at {
			if t.Equal(v.Modified) {
				ok = true
			}
		}
		if ok {
			out = append(out, v)
		}
	}
	return out
}

// versionedObjects returns the STIX objects of the selected versions of
// each record (by Record.Ref); with the default selection, the version in
// force without reading older ones.
func (s *Server) versionedObjects(ctx context.Context, recs []store.Record, vs versionSel) (map[int64][]taxiiObj, error) {
	out := make(map[int64][]taxiiObj, len(recs))
	if vs.onlyLast() {
		for _, rec := range recs {
			objs, err := recordObjects(rec)
			if err != nil {
				return nil, err
			}
			out[rec.Ref()] = objs
		}
		return out, nil
	}
	versions, err := s.st.IndicatorVersions(ctx, recs)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		if rec.Withdrawn {
			continue
		}
		var objs []taxiiObj
		for _, v := range vs.pick(versions[rec.Ref()]) {
			vr := rec
			vr.Indicator, vr.Version, vr.Modified = v.Indicator, v.Modified, v.Added
			o, err := recordObjects(vr)
			if err != nil {
				return nil, err
			}
			objs = append(objs, o...)
		}
		out[rec.Ref()] = objs
	}
	return out, nil
}

// objectKey identifies one version of an object in a page.
func objectKey(o taxiiObj) string { return o.id + "|" + o.modified }

// taxiiVersions lists the versions of an object, oldest first.
func (s *Server) taxiiVersions(w http.ResponseWriter, r *http.Request, p *Principal) {
	c, ok := collectionFor(p, r.PathValue("cid"))
	if !ok {
		taxiiError(w, http.StatusNotFound, "Not found", "no such collection")
		return
	}
	q := r.URL.Query()
	limit := taxiiMaxLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			taxiiError(w, http.StatusBadRequest, "Bad request", fmt.Sprintf("limit %q: want a positive number", indicator.Shorten(v)))
			return
		}
		limit = min(n, taxiiMaxLimit)
	}
	var after time.Time
	if v := q.Get("added_after"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			taxiiError(w, http.StatusBadRequest, "Bad request", fmt.Sprintf("added_after %q: want a timestamp such as 2026-01-01T00:00:00.000Z", indicator.Shorten(v)))
			return
		}
		after = t
	}
	oid := r.PathValue("oid")
	type ver struct {
		modified string
		added    time.Time
	}
	var list []ver
	if strings.HasPrefix(oid, "indicator--") {
		recs, err := s.st.ListIndicators(r.Context(), p.Viewer(), store.IndicatorQuery{Distribution: c.Dist, IDs: []string{oid, strings.TrimPrefix(oid, "indicator--")}, Limit: 2})
		if err == nil && len(recs) > 0 {
			var vs map[int64][]store.IndicatorVersion
			if vs, err = s.st.IndicatorVersions(r.Context(), recs[:1]); err == nil {
				for _, v := range vs[recs[0].Ref()] {
					list = append(list, ver{stix.FormatTime(v.Modified), v.Added})
				}
			}
		}
		if err != nil {
			s.log.Error("TAXII versions", "path", r.URL.Path, "err", err)
			taxiiError(w, http.StatusInternalServerError, "Internal error", "the hub's log has the details")
			return
		}
	} else if o, ok := s.pathObject(w, r, p); ok {
		list = []ver{{o.modified, o.dateAdded}}
	} else {
		return // pathObject answered
	}
	if len(list) == 0 {
		taxiiError(w, http.StatusNotFound, "Not found", "no such object in this collection")
		return
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].modified < list[j].modified })
	var vers []string
	var objs []taxiiObj
	for _, v := range list {
		if !after.IsZero() && !v.added.After(after) {
			continue
		}
		vers = append(vers, v.modified)
		objs = append(objs, taxiiObj{dateAdded: v.added})
	}
	more := len(vers) > limit
	if more {
		vers, objs = vers[:limit], objs[:limit]
	}
	setDateHeaders(w, objs)
	out := map[string]any{"more": more}
	if len(vers) > 0 {
		out["versions"] = vers
	}
	taxiiJSON(w, 200, out)
}

// taxiiObject answers GET /objects/{id}/: the selected versions of the
// object (by default the one in force).
func (s *Server) taxiiObject(w http.ResponseWriter, r *http.Request, p *Principal) {
	vs, err := parseVersionSel(r.URL.Query().Get("match[version]"))
	if err != nil {
		taxiiError(w, http.StatusBadRequest, "Bad request", err.Error())
		return
	}
	oid := r.PathValue("oid")
	if !strings.HasPrefix(oid, "indicator--") || vs.onlyLast() {
		o, ok := s.pathObject(w, r, p)
		if !ok {
			return
		}
		if !versionMatches(vs.raw, o.modified) {
			taxiiJSON(w, 200, map[string]any{"more": false})
			return
		}
		setDateHeaders(w, []taxiiObj{o})
		taxiiJSON(w, 200, map[string]any{"more": false, "objects": []json.RawMessage{o.raw}})
		return
	}
	c, ok := collectionFor(p, r.PathValue("cid"))
	if !ok {
		taxiiError(w, http.StatusNotFound, "Not found", "no such collection")
		return
	}
	recs, err := s.st.ListIndicators(r.Context(), p.Viewer(), store.IndicatorQuery{Distribution: c.Dist, IDs: []string{oid, strings.TrimPrefix(oid, "indicator--")}, Limit: 2})
	var byRef map[int64][]taxiiObj
	if err == nil && len(recs) > 0 {
		byRef, err = s.versionedObjects(r.Context(), recs[:1], vs)
	}
	if err != nil {
		s.log.Error("TAXII object", "path", r.URL.Path, "err", err)
		taxiiError(w, http.StatusInternalServerError, "Internal error", "the hub's log has the details")
		return
	}
	if len(recs) == 0 {
		taxiiError(w, http.StatusNotFound, "Not found", "no such object in this collection")
		return
	}
	var objs []taxiiObj
	var raws []json.RawMessage
	for _, o := range byRef[recs[0].Ref()] {
		if o.id == oid {
			objs = append(objs, o)
			raws = append(raws, o.raw)
		}
	}
	setDateHeaders(w, objs)
	out := map[string]any{"more": false}
	if len(raws) > 0 {
		out["objects"] = raws
	}
	taxiiJSON(w, 200, out)
}
