package hub

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/store"
)

// jobBundle is a STIX bundle of n domain indicators; the indicators at the
// indices in bad have a broken pattern. The "indicates" relationship to a
// malware and the TLP:RED marking of the first indicator come last in the
// file, after every batch of indicators.
func jobBundle(n int, bad ...int) string {
	var b strings.Builder
	b.WriteString(`{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[`)
	isBad := map[int]bool{}
	for _, i := range bad {
		isBad[i] = true
	}
	for i := 0; i < n; i++ {
		pattern := fmt.Sprintf("[domain-name:value = 'job%d.example.org']", i)
		if isBad[i] {
			pattern = "[domain-name:value = "
		}
		marking := ""
		if i == 0 {
			marking = `,"object_marking_refs":["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]`
		}
		fmt.Fprintf(&b, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-0000-4000-8000-000000000000","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":%q,"pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"%s},`, i, pattern, marking)
	}
	b.WriteString(`{"type":"malware","spec_version":"2.1","id":"malware--00000000-0000-4000-8000-0000000000aa","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","name":"JobRAT","is_family":true},`)
	b.WriteString(`{"type":"relationship","spec_version":"2.1","id":"relationship--00000000-0000-4000-8000-0000000000bb","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","relationship_type":"indicates","source_ref":"indicator--00000001-0000-4000-8000-000000000000","target_ref":"malware--00000000-0000-4000-8000-0000000000aa"}`)
	b.WriteString(`]}`)
	return b.String()
}

// waitJob polls the job until it is no longer queued or running.
func (e *env) waitJob(id string) map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		j := e.expect(e.do("GET", "/api/v1/imports/"+id, "agency-analyst", nil), 200).json(e.t)
		if s := j["state"]; s != "queued" && s != "running" {
			return j
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job %s still %v", id, j["state"])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestImportJobSTIX(t *testing.T) { testImportJobSTIX(newEnv(t)) }

// TestPostgresImportJob runs an import job on PostgreSQL.
func TestPostgresImportJob(t *testing.T) { testImportJobSTIX(newEnvOn(t, pgSchema(t))) }

func testImportJobSTIX(e *env) {
	t := e.t
	e.srv.jobs().batch = 300
	const n = 1000
	r := e.expect(e.do("POST", "/api/v1/imports?name=big.json&distribution=all", "agency-analyst", jobBundle(n, 5, 777)), 202)
	id := r.json(t)["id"].(string)
	if !strings.HasPrefix(r.hdr.Get("Location"), "/api/v1/imports/import--") {
		t.Errorf("Location %q", r.hdr.Get("Location"))
	}
	j := e.waitJob(id)
	if j["state"] != "done" || j["created"].(float64) != n-2 || j["items_total"].(float64) != n+2 || j["items_done"].(float64) != n+2 || j["percent"].(float64) != 100 {
		t.Fatalf("job: %v", j)
	}
	if j["bytes_done"].(float64) == 0 || j["items_per_second"].(float64) <= 0 {
		t.Errorf("no progress rate: %v", j)
	}
	ps := e.expect(e.do("GET", "/api/v1/imports/"+id+"/problems", "agency-analyst", nil), 200).items(t)
	if len(ps) != 2 || ps[0]["item"].(float64) != 5 || ps[1]["item"].(float64) != 777 || !strings.Contains(ps[1]["where"].(string), "#778") {
		t.Fatalf("problems: %v", ps)
	}
	ctx := context.Background()
	recs, _ := e.st.ListIndicators(ctx, store.Viewer{Agency: true}, store.IndicatorQuery{Search: "job1.example.org", Limit: 5})
	found := false
	for _, rec := range recs {
		if rec.Value == "job1.example.org" {
			found = true
			if len(rec.Threats) != 1 || rec.Threats[0] != "JobRAT" {
				t.Errorf("the relationship at the end of the file did not reach its indicator: %v", rec.Threats)
			}
		}
	}
	if !found {
		t.Fatal("job1.example.org not stored")
	}
	red, _ := e.st.ListIndicators(ctx, store.Viewer{Agency: true}, store.IndicatorQuery{Search: "job0.example.org", Limit: 1})
	if len(red) != 1 || red[0].TLP != "red" || red[0].Distribution != store.DistAgency {
		t.Errorf("TLP:RED object of a job: %+v", red)
	}
	// Parties see neither the job nor the list.
	for _, tok := range []string{"a-admin", "b-analyst", "a-sensor"} {
		e.expect(e.do("GET", "/api/v1/imports/"+id, tok, nil), 404)
		e.expect(e.do("GET", "/api/v1/imports/"+id+"/problems", tok, nil), 404)
		if c := e.do("GET", "/api/v1/imports", tok, nil).code; c != 404 {
			t.Errorf("%s lists jobs: %d", tok, c)
		}
		e.expect(e.do("POST", "/api/v1/imports", tok, "type,value\ndomain,x.example\n"), 403)
	}
	list := e.expect(e.do("GET", "/api/v1/imports", "agency-admin", nil), 200).items(t)
	if len(list) != 1 || list[0]["id"] != id {
		t.Errorf("list: %v", list)
	}
}

func TestImportJobCSVAndMISP(t *testing.T) {
	e := newEnv(t)
	e.srv.jobs().batch = 50
	var csv strings.Builder
	csv.WriteString("type,value,description\n")
	for i := 0; i < 200; i++ {
		switch i {
		case 60:
			csv.WriteString("domain,\"broken.example,unterminated quote\n") // a bare quote: the record swallows nothing else
			csv.WriteString("\"\n")
		case 120:
			csv.WriteString("ipv4,999.1.1.1,not an address\n")
		default:
			fmt.Fprintf(&csv, "domain,csv%d.example.org,\"line one\nline two\"\n", i)
		}
	}
	id := e.expect(e.do("POST", "/api/v1/imports?name=feed.csv", "agency-analyst", csv.String()), 202).json(t)["id"].(string)
	j := e.waitJob(id)
	if j["state"] != "done" || j["created"].(float64) != 198 || j["items_total"].(float64) != 200 || j["format"] != "csv" {
		t.Fatalf("csv job: %v", j)
	}
	ps := e.expect(e.do("GET", "/api/v1/imports/"+id+"/problems", "agency-analyst", nil), 200).items(t)
	if len(ps) != 2 || ps[1]["item"].(float64) != 120 || ps[1]["where"] != "line 242" || ps[0]["where"] != "line 122" {
		t.Fatalf("csv problems: %v", ps)
	}

	var misp strings.Builder
	misp.WriteString(`{"Event":{"uuid":"5f0c0000-0000-4000-8000-000000000001","info":"job","Attribute":[`)
	for i := 0; i < 120; i++ {
		if i > 0 {
			misp.WriteString(",")
		}
		typ, val := "domain", fmt.Sprintf("misp%d.example.org", i)
		if i == 70 {
			typ, val = "ip-dst", "not-an-ip"
		}
		fmt.Fprintf(&misp, `{"uuid":"5f0c0000-0000-4000-8000-%012d","type":%q,"value":%q,"to_ids":true}`, i, typ, val)
	}
	misp.WriteString(`],"Tag":[{"name":"tlp:green"}]}}`)
	id = e.expect(e.do("POST", "/api/v1/imports?name=event.json", "agency-analyst", misp.String()), 202).json(t)["id"].(string)
	j = e.waitJob(id)
	if j["state"] != "done" || j["created"].(float64) != 119 || j["format"] != "misp" {
		t.Fatalf("misp job: %v", j)
	}
	ps = e.expect(e.do("GET", "/api/v1/imports/"+id+"/problems", "agency-analyst", nil), 200).items(t)
	if len(ps) != 1 || ps[0]["item"].(float64) != 70 {
		t.Fatalf("misp problems: %v", ps)
	}
	recs, _ := e.st.ListIndicators(context.Background(), store.Viewer{Agency: true}, store.IndicatorQuery{Search: "misp119.example.org", Limit: 1})
	if len(recs) != 1 || recs[0].TLP != "green" {
		t.Errorf("the event's tag after its attributes did not reach the last batch: %+v", recs)
	}
}

// A hub stopped in the middle of a job: what the committed batches stored
// stays, the job says interrupted on the next start, and resuming it
// finishes from the last batch.
func TestImportJobInterruptedAndResumed(t *testing.T) {
	e := newEnv(t)
	jr := e.srv.jobs()
	jr.batch = 100
	jr.afterFn = func(_ string, items int64) {
		if items >= 300 {
			jr.stop() // as if the hub died right after this commit
		}
	}
	id := e.expect(e.do("POST", "/api/v1/imports?name=big.json", "agency-analyst", jobBundle(1000)), 202).json(t)["id"].(string)
	jr.wg.Wait()
	ctx := context.Background()
	total, _, _ := e.st.CountIndicators(ctx, store.Viewer{Agency: true})
	if total != 300 {
		t.Fatalf("%d indicators stored before the stop, want the 3 committed batches (300)", total)
	}
	// The hub starts again on the same database.
	srv2 := New(Options{Store: e.st})
	j, err := srv2.ImportJob(ctx, &Principal{OrgID: e.agency.ID, Agency: true, Role: "analyst"}, id)
	if err != nil || j.State != store.ImportInterrupted || j.ItemsDone != 300 || j.Error == "" {
		t.Fatalf("after restart: %+v %v", j, err)
	}
	e.srv = srv2
	e.ts.Config.Handler = srv2
	srv2.jobs().batch = 100
	e.expect(e.do("POST", "/api/v1/imports/"+id+"/resume", "b-admin", nil), 403)
	e.expect(e.do("POST", "/api/v1/imports/"+id+"/resume", "agency-analyst", nil), 202)
	done := e.waitJob(id)
	if done["state"] != "done" || done["items_done"].(float64) != 1002 || done["created"].(float64) != 1000 {
		t.Fatalf("resumed: %v", done)
	}
	total, _, _ = e.st.CountIndicators(ctx, store.Viewer{Agency: true})
	if total != 1000 {
		t.Fatalf("%d indicators after resuming, want 1000", total)
	}
	e.expect(e.do("POST", "/api/v1/imports/"+id+"/resume", "agency-analyst", nil), 422)
}

func TestImportJobFromImportDir(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	e.srv.opts.ImportDir = dir
	os.WriteFile(filepath.Join(dir, "list.txt"), []byte("evil1.example.org\nevil2.example.org\n"), 0o600)
	os.WriteFile(filepath.Join(filepath.Dir(dir), "secret.txt"), []byte("x.example.org\n"), 0o600)
	for _, bad := range []string{"../secret.txt", "/etc/passwd", "nothere.txt"} {
		r := e.expect(e.do("POST", "/api/v1/imports?path="+bad, "agency-analyst", nil), 422)
		if !strings.Contains(string(r.body), "path") {
			t.Errorf("%s: %s", bad, r.body)
		}
	}
	id := e.expect(e.do("POST", "/api/v1/imports?path=list.txt", "agency-analyst", nil), 202).json(t)["id"].(string)
	if j := e.waitJob(id); j["state"] != "done" || j["created"].(float64) != 2 {
		t.Fatalf("%v", j)
	}
	if _, err := os.Stat(filepath.Join(dir, "list.txt")); err != nil {
		t.Error("the hub removed a file of the import directory")
	}
}
