package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/report"
	"github.com/vigie-project/vigie/internal/store"
)

// upload posts the import form as a browser does (multipart).
func (b *browser) upload(fields map[string][]string, file, content string) (int, string) {
	b.t.Helper()
	return b.postFiles("/indicators/import", fields, map[string][2]string{"file": {file, content}})
}

// redBundle holds one indicator marked TLP:RED (the well-known TLP 2.0
// marking id) and one marked with the unknown marking bad (if not empty).
func redBundle(bad string) string {
	objs := `{"type":"indicator","spec_version":"2.1","id":"indicator--0a0a0a0a-0000-4000-8000-000000000001","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern_type":"stix","pattern":"[domain-name:value = 'red-only.example.com']","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]}`
	if bad != "" {
		objs += `,{"type":"indicator","spec_version":"2.1","id":"indicator--0a0a0a0a-0000-4000-8000-000000000002","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern_type":"stix","pattern":"[domain-name:value = 'unknown-marking.example.com']","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["` + bad + `"]}`
	}
	return `{"type":"bundle","id":"bundle--0a0a0a0a-0000-4000-8000-0000000000ff","objects":[` + objs + `]}`
}

// A TLP:RED file imported through the UI, with the form's AMBER and "all
// parties" left as they are, stays RED and reaches no party; sent to named
// parties, it reaches only them. A marking the hub does not know refuses
// the file, or (skip what is wrong) leaves the item out and lists it.
func TestUIImportKeepsTheFilesTLP(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	s.user("Agency", "ana", store.RoleAnalyst)
	b := s.browser()
	b.login("ana", pw)
	b.get("/indicators")
	code, body := b.upload(map[string][]string{"csrf": {b.csrf()}, "tlp": {"amber"}, "distribution": {"all"}}, "red.json", redBundle(""))
	if code != 200 || !strings.Contains(body, "kept for the agency") {
		t.Fatalf("import: %d %s", code, body)
	}
	agency := store.Viewer{OrgID: s.agency.ID, Agency: true}
	recs, _ := s.st.ListIndicators(ctx, agency, store.IndicatorQuery{Search: "red-only"})
	if len(recs) != 1 || recs[0].TLP != "red" || recs[0].Distribution != store.DistAgency {
		t.Fatalf("stored as %+v", recs)
	}
	for _, party := range []store.Org{s.a, s.b} {
		if feed, _ := s.st.ListIndicators(ctx, store.Viewer{OrgID: party.ID}, store.IndicatorQuery{Feed: true}); len(feed) != 0 {
			t.Fatalf("a TLP:RED indicator reached %s: %+v", party.Name, feed)
		}
	}
	// to Party A only
	b.get("/indicators")
	if code, body := b.upload(map[string][]string{"csrf": {b.csrf()}, "tlp": {"amber"}, "distribution": {"listed"}, "parties": {"Party A"}}, "red.json", redBundle("")); code != 200 {
		t.Fatalf("listed import: %d %s", code, body)
	}
	if feed, _ := s.st.ListIndicators(ctx, store.Viewer{OrgID: s.a.ID}, store.IndicatorQuery{Feed: true}); len(feed) != 1 || feed[0].TLP != "red" {
		t.Fatalf("Party A's feed: %+v", feed)
	}
	if feed, _ := s.st.ListIndicators(ctx, store.Viewer{OrgID: s.b.ID}, store.IndicatorQuery{Feed: true}); len(feed) != 0 {
		t.Fatalf("Party B got a TLP:RED indicator meant for A: %+v", feed)
	}
	// an unknown marking
	const unknown = "marking-definition--deadbeef-0000-4000-8000-000000000000"
	b.get("/indicators")
	code, body = b.upload(map[string][]string{"csrf": {b.csrf()}, "tlp": {"amber"}, "distribution": {"all"}}, "bad.json", redBundle(unknown))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, unknown) {
		t.Fatalf("unknown marking: %d %s", code, body)
	}
	if recs, _ := s.st.ListIndicators(ctx, agency, store.IndicatorQuery{Search: "unknown-marking"}); len(recs) != 0 {
		t.Fatal("an indicator with an unknown marking was stored")
	}
	b.get("/indicators")
	code, body = b.upload(map[string][]string{"csrf": {b.csrf()}, "tlp": {"amber"}, "distribution": {"all"}, "lenient": {"true"}}, "bad.json", redBundle(unknown))
	if code != 200 || !strings.Contains(body, "Not imported") || !strings.Contains(body, unknown) {
		t.Fatalf("lenient import: %d %s", code, body)
	}
	if recs, _ := s.st.ListIndicators(ctx, agency, store.IndicatorQuery{Search: "unknown-marking"}); len(recs) != 0 {
		t.Fatal("an indicator with an unknown marking was stored")
	}
}

// The dashboard's "Latest findings from sensors" shows what a party's
// sensors found (machine, path, what matched, what to do): a party its
// own, the agency every party's.
func TestDashboardShowsFindings(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	body, _ := json.Marshal(report.Finding{Schema: 1, Time: time.Now(), Sensor: "scan", Host: "laptop-7", Severity: report.High,
		Title: "Known attacker file", Subject: report.Subject{Kind: "file", Path: `C:\Users\ann\AppData\pagemgr.exe`},
		Match: report.Match{Kind: "indicator", Type: "filename", Value: "pagemgr.exe"}, Advice: "Disconnect this computer from the network and call the agency.", ID: "f1"})
	if _, err := s.st.AddFindings(ctx, s.a.ID, []store.Finding{{ClientID: "f1", At: time.Now(), Sensor: "scan", Host: "laptop-7", Severity: "high", Title: "Known attacker file", Body: body}}); err != nil {
		t.Fatal(err)
	}
	s.user("Party A", "pa", store.RoleMember)
	s.user("Party B", "pb", store.RoleMember)
	s.user("Agency", "ag", store.RoleMember)
	for _, tc := range []struct {
		user string
		sees bool
	}{{"pa", true}, {"pb", false}, {"ag", true}} {
		b := s.browser()
		b.login(tc.user, pw)
		code, page := b.get("/")
		if code != 200 {
			t.Fatalf("%s: dashboard %d", tc.user, code)
		}
		got := strings.Contains(page, "pagemgr.exe") && strings.Contains(page, "laptop-7") && strings.Contains(page, "Disconnect this computer")
		if got != tc.sees {
			t.Errorf("%s sees the finding: %v, want %v", tc.user, got, tc.sees)
		}
	}
}
