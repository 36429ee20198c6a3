package hub

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/store"
)

// env is a hub with an agency, two parties A and B and tokens of each role.
type env struct {
	t      *testing.T
	st     *store.Store
	srv    *Server
	ts     *httptest.Server
	agency store.Org
	a, b   store.Org
	tok    map[string]string // "agency-analyst", "a-sensor", ...
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, "")
}

// newEnvOn is newEnv on PostgreSQL when url is set.
func newEnvOn(t *testing.T, url string) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: t.TempDir(), URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, st: st, tok: map[string]string{}}
	e.agency, _ = st.CreateOrg(ctx, cliActor, "Agency", store.KindAgency)
	e.a, _ = st.CreateOrg(ctx, cliActor, "Party A", store.KindParty)
	e.b, _ = st.CreateOrg(ctx, cliActor, "Party B", store.KindParty)
	for _, o := range []store.Org{e.agency, e.a, e.b} {
		prefix := map[int64]string{e.agency.ID: "agency", e.a.ID: "a", e.b.ID: "b"}[o.ID]
		for _, role := range []string{"admin", "analyst", "member", "sensor"} {
			ct, err := CreateToken(ctx, st, cliActor, o.ID, role, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			e.tok[prefix+"-"+role] = ct.Secret
		}
	}
	e.srv = New(Options{Store: st, BodyLimit: 1 << 20, ImportLimit: 256 << 10})
	e.ts = httptest.NewServer(e.srv)
	t.Cleanup(e.ts.Close)
	return e
}

type resp struct {
	code int
	hdr  http.Header
	body []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not JSON (%d): %s", r.code, r.body)
	}
	return m
}

func (r resp) items(t *testing.T) []map[string]any {
	t.Helper()
	var m struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not JSON (%d): %s", r.code, r.body)
	}
	return m.Items
}

// do sends a request with the named token ("" for none); headers are
// "Name: value" strings.
func (e *env) do(method, path, token string, body any, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.ts.URL+path, rd)
	if token != "" {
		if t, ok := e.tok[token]; ok {
			token = t
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{code: res.StatusCode, hdr: res.Header, body: b}
}

func (e *env) expect(r resp, code int) resp {
	e.t.Helper()
	if r.code != code {
		e.t.Fatalf("status %d, want %d: %s", r.code, code, r.body)
	}
	return r
}

// publish creates an indicator and returns its id.
func (e *env) publish(typ, value, dist string, parties ...string) string {
	e.t.Helper()
	r := e.expect(e.do("POST", "/api/v1/indicators", "agency-analyst", map[string]any{
		"items": []map[string]any{{"type": typ, "value": value}}, "distribution": dist, "parties": parties}), 200)
	if r.json(e.t)["created"].(float64) != 1 {
		e.t.Fatalf("not created: %s", r.body)
	}
	rec, err := e.st.ListIndicators(context.Background(), store.Viewer{Agency: true}, store.IndicatorQuery{Search: value, Limit: 1})
	if err != nil || len(rec) == 0 {
		e.t.Fatal("published indicator not found")
	}
	return rec[0].ID
}

func sighting(id, typ, value string, at time.Time) map[string]any {
	return map[string]any{"id": id, "type": typ, "value": value, "observed_at": at.Format(time.RFC3339), "count": 1, "sensor": "dns"}
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.expect(e.do("GET", "/api/v1/me", "", nil), 401)
	e.expect(e.do("GET", "/api/v1/me", "vgt_wrongwrongwrongwrongwrongwrongwrongwrongwro", nil), 401)
	e.expect(e.do("GET", "/api/v1/me", "not-even-a-token", nil), 401)
	if me := e.expect(e.do("GET", "/api/v1/me", "a-sensor", nil), 200).json(t); me["org"] != "Party A" || me["role"] != "sensor" {
		t.Fatalf("me: %v", me)
	}
	exp, _ := CreateToken(ctx, e.st, cliActor, e.a.ID, "sensor", "", time.Nanosecond)
	time.Sleep(time.Millisecond)
	e.expect(e.do("GET", "/api/v1/indicators", exp.Secret, nil), 401)
	rev, _ := CreateToken(ctx, e.st, cliActor, e.a.ID, "sensor", "", 0)
	e.expect(e.do("GET", "/api/v1/indicators", rev.Secret, nil), 200)
	e.expect(e.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", rev.ID), "a-admin", nil), 200)
	e.expect(e.do("GET", "/api/v1/indicators", rev.Secret, nil), 401)
	// Roles.
	e.expect(e.do("POST", "/api/v1/indicators", "agency-sensor", map[string]any{"items": []map[string]any{{"type": "domain", "value": "x.example"}}}), 403)
	e.expect(e.do("POST", "/api/v1/indicators/import", "agency-sensor", "evil.example\n"), 403)
	e.expect(e.do("POST", "/api/v1/indicators", "agency-member", map[string]any{"items": []map[string]any{{"type": "domain", "value": "x.example"}}}), 403)
	e.expect(e.do("POST", "/api/v1/indicators", "a-admin", map[string]any{"items": []map[string]any{{"type": "domain", "value": "x.example"}}}), 403)
	e.expect(e.do("POST", "/api/v1/sightings", "a-member", map[string]any{"items": []any{sighting("1", "domain", "x.example", time.Now())}}), 403)
	e.expect(e.do("GET", "/api/v1/sightings", "a-sensor", nil), 403)
	e.expect(e.do("POST", "/api/v1/orgs", "a-admin", map[string]any{"name": "C"}), 403)
	e.expect(e.do("POST", "/api/v1/orgs", "agency-analyst", map[string]any{"name": "C"}), 403)
	e.expect(e.do("POST", "/api/v1/orgs", "agency-admin", map[string]any{"name": "Party C"}), 201)
	e.expect(e.do("POST", "/api/v1/orgs", "agency-admin", map[string]any{"name": "Party C"}), 409)
	e.expect(e.do("GET", "/api/v1/tokens", "a-analyst", nil), 403)
	e.expect(e.do("GET", "/api/v1/audit", "a-member", nil), 403)
	// A new token is shown once and works.
	nt := e.expect(e.do("POST", "/api/v1/tokens", "agency-admin", map[string]any{"org": "Party C", "role": "sensor"}), 201).json(t)
	if me := e.expect(e.do("GET", "/api/v1/me", nt["token"].(string), nil), 200).json(t); me["org"] != "Party C" {
		t.Fatalf("new token acts for %v", me)
	}
	if strings.Contains(string(e.do("GET", "/api/v1/tokens", "agency-admin", nil).body), nt["token"].(string)) {
		t.Fatal("token list shows a secret")
	}
	// The audit log has who, when, what.
	audit := e.expect(e.do("GET", "/api/v1/audit", "agency-admin", nil), 200).items(t)
	found := false
	for _, a := range audit {
		if a["action"] == "org.create" && strings.HasPrefix(a["actor"].(string), "token:vgt_") && a["at"] != "" {
			found = true
		}
	}
	if !found {
		t.Fatalf("audit log lacks the org creation: %v", audit)
	}
}

// TestTwoParties: nothing of A's is readable or writable by B.
func TestTwoParties(t *testing.T) { testTwoParties(newEnv(t)) }

func testTwoParties(e *env) {
	t := e.t
	onlyA := e.publish("domain", "only-a.example", "listed", "Party A")
	secret := e.publish("domain", "agency-secret.example", "agency")
	e.publish("domain", "everyone.example", "all")
	e.expect(e.do("POST", "/api/v1/sightings", "a-sensor", map[string]any{"items": []any{sighting("s1", "domain", "only-a.example", time.Now())}}), 200)
	e.expect(e.do("POST", "/api/v1/findings", "a-sensor", map[string]any{"items": []any{map[string]any{"id": "f1", "time": time.Now(), "sensor": "scan", "severity": "high", "title": "X-Agent on laptop-7", "subject": map[string]any{"kind": "file", "path": "C:/x.exe"}, "match": map[string]any{"kind": "indicator", "value": "abc"}}}}), 200)

	for _, who := range []string{"b-admin", "b-analyst", "b-member", "b-sensor"} {
		body := string(e.do("GET", "/api/v1/indicators", who, nil).body)
		if strings.Contains(body, "only-a.example") || strings.Contains(body, "agency-secret") || !strings.Contains(body, "everyone.example") {
			t.Errorf("%s pulls %s", who, body)
		}
		e.expect(e.do("GET", "/api/v1/indicators/"+onlyA, who, nil), 404)
		e.expect(e.do("GET", "/api/v1/indicators/"+secret, who, nil), 404)
		e.expect(e.do("PATCH", "/api/v1/indicators/"+onlyA, who, map[string]any{"description": "x"}), 404)
		e.expect(e.do("POST", "/api/v1/indicators/"+onlyA+"/expire", who, nil), 404)
		e.expect(e.do("GET", "/api/v1/indicators/indicator--00000000-0000-4000-8000-000000000000", who, nil), 404)
		for _, path := range []string{"/api/v1/sightings", "/api/v1/findings", "/api/v1/users", "/api/v1/tokens", "/api/v1/orgs", "/api/v1/audit", "/api/v1/dashboard", "/api/v1/alerts", "/api/v1/sightings?org=Party%20A"} {
			r := e.do("GET", path, who, nil)
			if strings.Contains(string(r.body), "Party A") || strings.Contains(string(r.body), "only-a") || strings.Contains(string(r.body), "laptop-7") {
				t.Errorf("%s GET %s shows A's data: %s", who, path, r.body)
			}
		}
	}
	body := string(e.do("GET", "/api/v1/indicators", "a-sensor", nil).body)
	if !strings.Contains(body, "only-a.example") || strings.Contains(body, "agency-secret") {
		t.Errorf("A pulls %s", body)
	}
	e.expect(e.do("GET", "/api/v1/indicators/"+secret, "a-admin", nil), 404)
	// B's administrator cannot touch A's tokens or users, nor make tokens for A.
	toks, _ := e.st.ListTokens(context.Background(), store.Viewer{OrgID: e.a.ID})
	e.expect(e.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", toks[0].ID), "b-admin", nil), 404)
	e.expect(e.do("POST", "/api/v1/tokens", "b-admin", map[string]any{"org": "Party A", "role": "sensor"}), 404)
	e.expect(e.do("POST", "/api/v1/users", "b-admin", map[string]any{"org": "Party A", "username": "mallory", "role": "admin", "password": "a long password here"}), 404)
	// A party's view of the listed indicator does not reveal other parties.
	rec := e.expect(e.do("GET", "/api/v1/indicators/"+onlyA, "a-member", nil), 200).json(t)
	if ps, _ := rec["parties"].([]any); len(ps) != 1 {
		t.Errorf("A sees parties %v", rec["parties"])
	}
	// The agency sees A's sighting and finding.
	if items := e.do("GET", "/api/v1/sightings", "agency-member", nil).items(t); len(items) != 1 || items[0]["org"] != "Party A" {
		t.Errorf("agency sightings %v", items)
	}
	if items := e.do("GET", "/api/v1/findings", "agency-member", nil).items(t); len(items) != 1 {
		t.Errorf("agency findings %v", items)
	}
	// TAXII and the MISP feed obey the same scoping.
	for _, path := range []string{"/taxii2/api/collections/8d4d8c34-7c2b-4f4a-9a5b-0d1f6a1e0a02/objects/", "/taxii2/api/collections/8d4d8c34-7c2b-4f4a-9a5b-0d1f6a1e0a01/objects/", "/misp/feed/manifest.json", "/misp/feed/hashes.csv"} {
		if b := string(e.do("GET", path, "b-sensor", nil).body); strings.Contains(b, "only-a") || strings.Contains(b, "agency-secret") {
			t.Errorf("B reads %s: %s", path, b)
		}
	}
	e.expect(e.do("GET", "/taxii2/api/collections/8d4d8c34-7c2b-4f4a-9a5b-0d1f6a1e0a03/", "b-sensor", nil), 404)
	e.expect(e.do("GET", "/taxii2/api/collections/8d4d8c34-7c2b-4f4a-9a5b-0d1f6a1e0a02/objects/"+onlyA+"/", "b-sensor", nil), 404)
	e.expect(e.do("GET", "/taxii2/api/collections/8d4d8c34-7c2b-4f4a-9a5b-0d1f6a1e0a02/objects/"+onlyA+"/", "a-sensor", nil), 200)
	if b := string(e.do("GET", "/misp/feed/hashes.csv", "a-sensor", nil).body); !strings.Contains(b, md5hex("only-a.example")) {
		t.Errorf("A's feed lacks its indicator: %s", b)
	}
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestSightingsAndCampaign(t *testing.T) { testSightingsAndCampaign(newEnv(t)) }

func testSightingsAndCampaign(e *env) {
	t := e.t
	e.publish("domain", "evil.example", "all")
	now := time.Now().UTC()
	batch := map[string]any{"items": []any{sighting("a-1", "domain", "login.evil.example", now), sighting("a-2", "ipv4", "198.51.100.7", now)}}
	r := e.expect(e.do("POST", "/api/v1/sightings", "a-sensor", batch), 200).json(t)
	if r["accepted"].(float64) != 2 || r["matched"].(float64) != 1 {
		t.Fatalf("%v", r)
	}
	// A retried batch is not counted twice.
	r = e.expect(e.do("POST", "/api/v1/sightings", "a-sensor", batch), 200).json(t)
	if r["accepted"].(float64) != 0 || r["duplicates"].(float64) != 2 {
		t.Fatalf("retry: %v", r)
	}
	if alerts := e.do("GET", "/api/v1/alerts", "agency-member", nil).items(t); len(alerts) != 0 {
		t.Fatalf("alert after one party: %v", alerts)
	}
	r = e.expect(e.do("POST", "/api/v1/sightings", "b-sensor", map[string]any{"items": []any{sighting("a-1", "domain", "EVIL.example.", now.Add(-2*time.Hour))}}), 200).json(t)
	if r["alerts"].(float64) != 1 {
		t.Fatalf("second party: %v", r)
	}
	alerts := e.do("GET", "/api/v1/alerts?status=open", "agency-member", nil).items(t)
	if len(alerts) != 1 || alerts[0]["value"] != "evil.example" || alerts[0]["parties"].(float64) != 2 {
		t.Fatalf("alerts: %v", alerts)
	}
	if alerts := e.do("GET", "/api/v1/alerts", "a-admin", nil).items(t); len(alerts) != 0 {
		t.Fatalf("a party sees campaign alerts: %v", alerts)
	}
	d := e.expect(e.do("GET", "/api/v1/dashboard", "agency-member", nil), 200).json(t)
	if d["total"].(float64) != 3 || len(d["open_alerts"].([]any)) != 1 {
		t.Fatalf("dashboard %v", d)
	}
	// Malformed items: the valid ones are stored, the others named by
	// index with the reason; a batch with nothing valid is a 422.
	bad := e.expect(e.do("POST", "/api/v1/sightings", "a-sensor", map[string]any{"items": []any{
		sighting("ok", "domain", "fine.example", now),
		map[string]any{"id": "no-time", "value": "x.example"},
		map[string]any{"value": "no-id.example", "observed_at": now.Format(time.RFC3339)},
		sighting("bad-ip", "ipv4", "999.1.1.1", now),
	}}), 200)
	for _, want := range []string{"no-time", "observed_at", "id is required", "bad-ip", `"index":3`, `"accepted":1`} {
		if !strings.Contains(string(bad.body), want) {
			t.Errorf("answer lacks %q: %s", want, bad.body)
		}
	}
	if items := e.do("GET", "/api/v1/sightings?q=fine", "a-member", nil).items(t); len(items) != 1 {
		t.Fatal("the valid item of a batch with bad ones was not stored")
	}
	e.expect(e.do("POST", "/api/v1/sightings", "a-sensor", map[string]any{"items": []any{sighting("bad-ip2", "ipv4", "999.1.1.1", now)}}), 422)
	e.expect(e.do("POST", "/api/v1/sightings", "a-sensor", `{"items": [`), 400)
	e.expect(e.do("POST", "/api/v1/sightings", "a-sensor", `{"items": "x"}`), 400)
	// Unknown fields are ignored.
	e.expect(e.do("POST", "/api/v1/sightings", "a-sensor", `{"items": [{"id": "u1", "value": "x.example", "observed_at": "2026-01-01T00:00:00Z", "extra": {"deep": [1,2]}}], "version": 9}`), 200)
	// Oversized bodies: 413.
	big := `{"items": [` + strings.Repeat(`{"id": "x", "value": "x.example", "observed_at": "2026-01-01T00:00:00Z"},`, 20000) + `{}]}`
	e.expect(e.do("POST", "/api/v1/sightings", "a-sensor", big), 413)
	// Paging sightings.
	p1 := e.expect(e.do("GET", "/api/v1/sightings?limit=2", "agency-member", nil), 200).json(t)
	if len(p1["items"].([]any)) != 2 || p1["next"] == nil {
		t.Fatalf("page 1 %v", p1)
	}
	p2 := e.expect(e.do("GET", "/api/v1/sightings?limit=2&before="+p1["next"].(string), "agency-member", nil), 200).items(t)
	if len(p2) != 2 {
		t.Fatalf("page 2 %v", p2)
	}
	e.expect(e.do("GET", "/api/v1/sightings?before=garbage!", "agency-member", nil), 400)
}

func TestPull(t *testing.T) {
	e := newEnv(t)
	var items []map[string]any
	for i := range 25 {
		items = append(items, map[string]any{"type": "sha256", "value": fmt.Sprintf("%064x", i+1)})
	}
	e.expect(e.do("POST", "/api/v1/indicators", "agency-analyst", map[string]any{"items": items, "tlp": "amber"}), 200)
	var got []string
	cursor := ""
	for range 10 {
		r := e.expect(e.do("GET", "/api/v1/indicators?limit=10&since="+cursor, "a-sensor", nil), 200)
		page := r.json(t)
		for _, it := range page["items"].([]any) {
			got = append(got, it.(map[string]any)["value"].(string))
		}
		cursor = page["next"].(string)
		if !page["more"].(bool) {
			break
		}
	}
	if len(got) != 25 {
		t.Fatalf("pulled %d", len(got))
	}
	// Nothing new: same ETag, 304.
	r := e.expect(e.do("GET", "/api/v1/indicators?since="+cursor, "a-sensor", nil), 200)
	if len(r.items(t)) != 0 {
		t.Fatal("items after the last cursor")
	}
	e.expect(e.do("GET", "/api/v1/indicators?since="+cursor, "a-sensor", nil, "If-None-Match: "+r.hdr.Get("ETag")), 304)
	// An expiry is a change: it comes after the cursor, and the ETag changes.
	id := e.publish("domain", "later.example", "all")
	e.expect(e.do("POST", "/api/v1/indicators/"+id+"/expire", "agency-analyst", nil), 200)
	r2 := e.expect(e.do("GET", "/api/v1/indicators?since="+cursor, "a-sensor", nil, "If-None-Match: "+r.hdr.Get("ETag")), 200)
	if it := r2.items(t); len(it) != 1 || it[0]["expired"] != true {
		t.Fatalf("after expiry: %s", r2.body)
	}
	for _, bad := range []string{"garbage", "djEueA", "%00"} {
		e.expect(e.do("GET", "/api/v1/indicators?since="+bad, "a-sensor", nil), 400)
	}
	e.expect(e.do("GET", "/api/v1/indicators?limit=-1", "a-sensor", nil), 400)
}

const stixBundle = `{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2026-03-01T10:00:00.000Z", "modified": "2026-03-01T10:00:00.000Z",
  "name": "APT28 phishing domain", "pattern": "[domain-name:value = 'accounts-verify.example']", "pattern_type": "stix", "valid_from": "2026-03-01T10:00:00Z"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2026-03-01T10:00:00.000Z", "modified": "2026-03-01T10:00:00.000Z",
  "pattern": "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", "pattern_type": "stix", "valid_from": "2026-03-01T10:00:00Z"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--2e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2026-03-01T10:00:00.000Z", "modified": "2026-03-01T10:00:00.000Z",
  "pattern": "[domain-name:value = 'google.com']", "pattern_type": "stix", "valid_from": "2026-03-01T10:00:00Z"}
]}`

func TestImport(t *testing.T) {
	e := newEnv(t)
	r := e.expect(e.do("POST", "/api/v1/indicators/import?tlp=amber&distribution=listed&parties=Party%20A", "agency-analyst", stixBundle, "Content-Type: application/stix+json"), 200).json(t)
	if r["created"].(float64) != 2 || r["warninglisted"].(float64) != 1 {
		t.Fatalf("STIX import: %v", r)
	}
	if b := string(e.do("GET", "/api/v1/indicators", "a-sensor", nil).body); !strings.Contains(b, "accounts-verify.example") || !strings.Contains(b, `"tlp":"amber"`) {
		t.Fatalf("A does not get the import: %s", b)
	}
	if b := string(e.do("GET", "/api/v1/indicators", "b-sensor", nil).body); strings.Contains(b, "accounts-verify") {
		t.Fatal("B gets A's import")
	}
	// Detected formats: a MISP event, a CSV, a plain list.
	misp := `{"Event": {"uuid": "5c066053-0e94-46eb-9746-4b7d950d210f", "info": "Phishing", "Attribute": [{"uuid": "6c066053-0e94-46eb-9746-4b7d950d210f", "type": "domain", "category": "Network activity", "to_ids": true, "value": "misp-phish.example"}]}}`
	r = e.expect(e.do("POST", "/api/v1/indicators/import", "agency-analyst", misp), 200).json(t)
	if r["created"].(float64) != 1 {
		t.Fatalf("MISP import: %v", r)
	}
	r = e.expect(e.do("POST", "/api/v1/indicators/import?tlp=green", "agency-analyst", "list-one.example\n198.51.100.9\n"), 200).json(t)
	if r["created"].(float64) != 1 || r["warninglisted"].(float64) != 1 {
		t.Fatalf("list import (a documentation address is warning-listed): %v", r)
	}
	// Malformed STIX: 422 naming the object and the reason; nothing stored.
	bad := strings.Replace(stixBundle, "[domain-name:value = 'accounts-verify.example']", "[domain-name:value = ", 1)
	bad = strings.Replace(bad, "accounts-verify", "x", 1)
	rr := e.expect(e.do("POST", "/api/v1/indicators/import", "agency-analyst", bad), 422)
	if !strings.Contains(string(rr.body), "indicator--8e2e2d2b") {
		t.Fatalf("422 does not name the object: %s", rr.body)
	}
	e.expect(e.do("POST", "/api/v1/indicators/import", "agency-analyst", `{"type": "bundle", "objects": [`), 422)
	e.expect(e.do("POST", "/api/v1/indicators/import?tlp=purple", "agency-analyst", "a.example\n"), 422)
	e.expect(e.do("POST", "/api/v1/indicators/import?distribution=listed&parties=Nobody", "agency-analyst", "a.example\n"), 422)
	// Too large: 413.
	e.expect(e.do("POST", "/api/v1/indicators/import", "agency-analyst", strings.Repeat("a.example\n", 30000)), 413)
	// Transactional: an id clash in the last object keeps nothing of the bundle.
	clash := strings.Replace(stixBundle, "indicator--2e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "indicator--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", 1)
	clash = strings.Replace(clash, "google.com", "new-one.example", 1)
	clash = strings.Replace(clash, "accounts-verify.example", "new-two.example", 1)
	clash = strings.Replace(clash, "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f", "bec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f", 1)
	clash = strings.Replace(clash, "indicator--8e2e2d2b", "indicator--9e2e2d2b", 1)
	e.expect(e.do("POST", "/api/v1/indicators/import", "agency-analyst", clash), 422)
	if b := string(e.do("GET", "/api/v1/indicators?q=new-", "agency-member", nil).body); strings.Contains(b, "new-two") {
		t.Fatalf("half an import was kept: %s", b)
	}
}

func TestHealthMetricsOpenAPI(t *testing.T) {
	e := newEnv(t)
	if h := e.expect(e.do("GET", "/healthz", "", nil), 200).json(t); h["status"] != "ok" {
		t.Fatal(h)
	}
	e.do("GET", "/api/v1/me", "a-sensor", nil)
	rec := httptest.NewRecorder()
	e.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	m := rec.Body.String()
	for _, want := range []string{`vigie_http_requests_total{route="GET /api/v1/me",code="200"} 1`, "vigie_sightings_accepted_total 0", "# TYPE vigie_http_request_duration_seconds histogram"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	o := e.expect(e.do("GET", "/api/v1/openapi.yaml", "", nil), 200)
	if !strings.HasPrefix(string(o.body), "openapi: 3.1.0") {
		t.Fatal("openapi")
	}
	r := e.do("GET", "/api/v1/nothing", "a-sensor", nil)
	if r.code != 404 || r.hdr.Get("X-Content-Type-Options") != "nosniff" || r.hdr.Get("X-Frame-Options") != "DENY" || !strings.Contains(r.hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("headers %v", r.hdr)
	}
	if r.hdr.Get("Strict-Transport-Security") != "" {
		t.Fatal("HSTS without TLS")
	}
}
