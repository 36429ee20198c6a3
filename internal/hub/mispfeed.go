package hub

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/misp"
	"github.com/vigie-project/vigie/internal/store"
)

// The MISP feed: what a MISP instance subscribes to ("Add feed", format
// "MISP Feed", URL https://HUB/misp/feed, header "Authorization: Bearer
// TOKEN"). It carries the indicators in force that are shared with the
// token's organisation, grouped into one event per source and threat.

type mispFeed struct {
	files map[string][]byte
}

var feedEventFile = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json$`)

func (s *Server) mispRoutes() {
	s.mux.HandleFunc("GET /misp/feed/{file}", s.withToken(s.handleMISPFeed))
}

// maxFeedIndicators bounds the indicators one feed carries.
const maxFeedIndicators = 2_000_000

func (s *Server) buildFeed(ctx context.Context, p *Principal) (mispFeed, error) {
	seq, err := s.st.IndicatorSeq(ctx)
	if err != nil {
		return mispFeed{}, err
	}
	key := strconv.FormatInt(p.OrgID, 10) + "/" + strconv.FormatInt(seq, 10)
	s.feedMu.Lock()
	f, ok := s.feedCache[key]
	s.feedMu.Unlock()
	if ok {
		return f, nil
	}
	c := &indicator.Collection{}
	after := int64(0)
	for {
		page, err := s.st.ListIndicators(ctx, p.Viewer(), store.IndicatorQuery{Feed: true, AfterSeq: after, Active: true, Limit: 10000})
		if err != nil {
			return mispFeed{}, err
		}
		for _, r := range page {
			c.Indicators = append(c.Indicators, r.Indicator)
		}
		if len(page) < 10000 || len(c.Indicators) >= maxFeedIndicators {
			break
		}
		after = page[len(page)-1].Seq
	}
	files, err := misp.BuildFeed(c, misp.FeedOptions{EncodeOptions: misp.EncodeOptions{Org: "Vigie hub", Namespace: "vigie-hub"}})
	if err != nil {
		return mispFeed{}, fmt.Errorf("MISP feed: %w", err)
	}
	f = mispFeed{files: files}
	s.feedMu.Lock()
	clear(s.feedCache) // only the newest version per organisation is worth keeping
	s.feedCache[key] = f
	s.feedMu.Unlock()
	return f, nil
}

func (s *Server) handleMISPFeed(w http.ResponseWriter, r *http.Request, p *Principal) {
	name := r.PathValue("file")
	if name != "manifest.json" && name != "hashes.csv" && !feedEventFile.MatchString(name) {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	f, err := s.buildFeed(r.Context(), p)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	body, ok := f.files[name]
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	if name == "hashes.csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	etag := `"` + HashToken(string(body))[:32] + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(body)
}
