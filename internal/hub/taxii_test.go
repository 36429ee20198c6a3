package hub

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	colAll    = "8d4d8c34-7c2b-4f4a-9a5b-0d1f6a1e0a01"
	colAgency = "8d4d8c34-7c2b-4f4a-9a5b-0d1f6a1e0a03"
	taxiiAcc  = "Accept: application/taxii+json;version=2.1"
)

func basic(token string) string {
	return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("opencti:"+token))
}

// TestTAXIIOpenCTI replays what OpenCTI's TAXII feed ingester sends: Basic
// authentication, discovery, the API root, collections, then objects with
// added_after and limit, following next while more is true.
func TestTAXIIOpenCTI(t *testing.T) { testTAXIIOpenCTI(newEnv(t)) }

func testTAXIIOpenCTI(e *env) {
	t := e.t
	var items []map[string]any
	for _, d := range []string{"one.example", "two.example", "three.example", "four.example", "five.example"} {
		items = append(items, map[string]any{"type": "domain", "value": d, "threats": []string{"APT28"}, "tlp": "amber"})
	}
	e.expect(e.do("POST", "/api/v1/indicators", "agency-analyst", map[string]any{"items": items}), 200)
	tok := e.tok["a-sensor"]
	// Discovery and API root, with Basic auth (the token as password).
	d := e.expect(e.do("GET", "/taxii2/", "", nil, taxiiAcc, basic(tok)), 200)
	if ct := d.hdr.Get("Content-Type"); ct != "application/taxii+json;version=2.1" {
		t.Fatalf("content type %q", ct)
	}
	disc := d.json(t)
	root := disc["api_roots"].([]any)[0].(string)
	u, _ := url.Parse(root)
	ar := e.expect(e.do("GET", u.Path, "", nil, taxiiAcc, basic(tok)), 200).json(t)
	if ar["versions"].([]any)[0] != "application/taxii+json;version=2.1" {
		t.Fatalf("api root %v", ar)
	}
	cols := e.expect(e.do("GET", u.Path+"collections/", "", nil, taxiiAcc, basic(tok)), 200).json(t)["collections"].([]any)
	if len(cols) != 2 { // a party does not see the agency-only collection
		t.Fatalf("collections %v", cols)
	}
	// Unauthenticated and wrong media type.
	if r := e.do("GET", "/taxii2/", "", nil, taxiiAcc); r.code != 401 || !strings.Contains(r.hdr.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("no auth: %d %v", r.code, r.hdr)
	}
	e.expect(e.do("GET", "/taxii2/", "", nil, "Accept: application/taxii+json;version=2.0", basic(tok)), 406)
	// Objects, two per page at most, following next.
	objPath := u.Path + "collections/" + colAll + "/objects/"
	seen := map[string]bool{}
	next := ""
	firstAdded := ""
	for page := 0; ; page++ {
		if page > 20 {
			t.Fatal("next never ends")
		}
		q := "?limit=2"
		if next != "" {
			q += "&next=" + url.QueryEscape(next)
		}
		r := e.expect(e.do("GET", objPath+q, "", nil, taxiiAcc, basic(tok)), 200)
		var env struct {
			More    bool              `json:"more"`
			Next    string            `json:"next"`
			Objects []json.RawMessage `json:"objects"`
		}
		json.Unmarshal(r.body, &env)
		if len(env.Objects) > 2 {
			t.Fatalf("page of %d objects with limit=2", len(env.Objects))
		}
		if len(env.Objects) > 0 && (r.hdr.Get("X-TAXII-Date-Added-First") == "" || r.hdr.Get("X-TAXII-Date-Added-Last") == "") {
			t.Fatal("no X-TAXII-Date-Added headers")
		}
		if firstAdded == "" {
			firstAdded = r.hdr.Get("X-TAXII-Date-Added-First")
		}
		for _, o := range env.Objects {
			var h struct{ ID, Type string }
			json.Unmarshal(o, &h)
			if seen[h.ID] {
				t.Fatalf("object %s twice", h.ID)
			}
			seen[h.ID] = true
		}
		if !env.More {
			break
		}
		next = env.Next
	}
	nInd := 0
	for id := range seen {
		if strings.HasPrefix(id, "indicator--") {
			nInd++
		}
	}
	if nInd != 5 {
		t.Fatalf("got %d indicators: %v", nInd, seen)
	}
	// added_after: the ingester's next poll gets only newer objects.
	last := e.do("GET", objPath, "", nil, taxiiAcc, basic(tok)).hdr.Get("X-TAXII-Date-Added-Last")
	time.Sleep(2 * time.Millisecond)
	r := e.expect(e.do("GET", objPath+"?added_after="+url.QueryEscape(last), "", nil, taxiiAcc, basic(tok)), 200).json(t)
	if r["objects"] != nil || r["more"] != false {
		t.Fatalf("objects after the last one: %v", r)
	}
	e.publish("domain", "six.example", "all")
	r = e.expect(e.do("GET", objPath+"?added_after="+url.QueryEscape(last)+"&match[type]=indicator", "", nil, taxiiAcc, basic(tok)), 200).json(t)
	if objs := r["objects"].([]any); len(objs) != 1 || !strings.Contains(mustJSON(objs[0]), "six.example") {
		t.Fatalf("after added_after: %v", r)
	}
	// Manifest, a single object, its versions; bad parameters.
	man := e.expect(e.do("GET", u.Path+"collections/"+colAll+"/manifest/?match[type]=indicator", "", nil, taxiiAcc, "Authorization: Bearer "+tok), 200).json(t)
	entries := man["objects"].([]any)
	if len(entries) != 6 {
		t.Fatalf("manifest %v", man)
	}
	m0 := entries[0].(map[string]any)
	if m0["media_type"] != "application/stix+json;version=2.1" || m0["version"] == "" || m0["date_added"] == "" {
		t.Fatalf("manifest entry %v", m0)
	}
	id := m0["id"].(string)
	one := e.expect(e.do("GET", u.Path+"collections/"+colAll+"/objects/"+id+"/", "", nil, taxiiAcc, basic(tok)), 200).json(t)
	if len(one["objects"].([]any)) != 1 {
		t.Fatalf("object %v", one)
	}
	vers := e.expect(e.do("GET", u.Path+"collections/"+colAll+"/objects/"+id+"/versions/", "", nil, taxiiAcc, basic(tok)), 200).json(t)
	if vers["versions"].([]any)[0] != m0["version"] {
		t.Fatalf("versions %v", vers)
	}
	byID := e.expect(e.do("GET", objPath+"?match[id]="+id+"&match[version]=last", "", nil, taxiiAcc, basic(tok)), 200).json(t)
	if len(byID["objects"].([]any)) != 1 {
		t.Fatalf("match[id]: %v", byID)
	}
	e.expect(e.do("GET", objPath+"?added_after=yesterday", "", nil, taxiiAcc, basic(tok)), 400)
	e.expect(e.do("GET", objPath+"?next=bogus", "", nil, taxiiAcc, basic(tok)), 400)
	e.expect(e.do("GET", u.Path+"collections/00000000-0000-0000-0000-000000000000/objects/", "", nil, taxiiAcc, basic(tok)), 404)
	// A sensor cannot write.
	e.expect(e.do("POST", objPath, "", `{"objects": []}`, taxiiAcc, basic(tok), "Content-Type: application/taxii+json;version=2.1"), 403)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestTAXIIMISPPush replays MISP's TAXII push (taxii2-client): POST an
// envelope to a collection, then read the status resource.
func TestTAXIIMISPPush(t *testing.T) {
	e := newEnv(t)
	tok := e.tok["agency-analyst"]
	env := `{"objects": [
	  {"type": "indicator", "spec_version": "2.1", "id": "indicator--a932fcc6-e032-476c-826f-cb970a5a1ade", "created": "2026-04-01T08:00:00.000Z", "modified": "2026-04-01T08:00:00.000Z",
	   "pattern": "[url:value = 'http://phish.example/login']", "pattern_type": "stix", "valid_from": "2026-04-01T08:00:00Z", "labels": ["malicious-activity"]},
	  {"type": "indicator", "spec_version": "2.1", "id": "indicator--b932fcc6-e032-476c-826f-cb970a5a1ade", "created": "2026-04-01T08:00:00.000Z", "modified": "2026-04-01T08:00:00.000Z",
	   "pattern": "[ipv4-addr:value = '", "pattern_type": "stix", "valid_from": "2026-04-01T08:00:00Z"}
	]}`
	r := e.expect(e.do("POST", "/taxii2/api/collections/"+colAgency+"/objects/", "", env, taxiiAcc, "Content-Type: application/taxii+json;version=2.1", "Authorization: Bearer "+tok), 202)
	st := r.json(t)
	if st["status"] != "complete" || st["total_count"].(float64) != 2 || st["success_count"].(float64) != 1 || st["failure_count"].(float64) != 1 {
		t.Fatalf("status %v", st)
	}
	if !strings.Contains(string(r.body), "indicator--b932fcc6") {
		t.Fatal("the failure does not name the object")
	}
	got := e.expect(e.do("GET", "/taxii2/api/status/"+st["id"].(string)+"/", "", nil, taxiiAcc, "Authorization: Bearer "+tok), 200).json(t)
	if got["id"] != st["id"] {
		t.Fatalf("status resource %v", got)
	}
	e.expect(e.do("GET", "/taxii2/api/status/"+st["id"].(string)+"/", "", nil, taxiiAcc, basic(e.tok["b-admin"])), 404)
	// Pushed into the agency-only collection: parties do not get it.
	if b := string(e.do("GET", "/api/v1/indicators", "a-sensor", nil).body); strings.Contains(b, "phish.example") {
		t.Fatal("agency-only push reached a party")
	}
	if b := string(e.do("GET", "/api/v1/indicators", "agency-member", nil).body); !strings.Contains(b, "phish.example") {
		t.Fatal("push not stored")
	}
	e.expect(e.do("POST", "/taxii2/api/collections/"+colAgency+"/objects/", "", env, taxiiAcc, "Content-Type: text/plain", "Authorization: Bearer "+tok), 415)
	e.expect(e.do("POST", "/taxii2/api/collections/"+colAgency+"/objects/", "", `{"objects": [`, taxiiAcc, "Content-Type: application/taxii+json;version=2.1", "Authorization: Bearer "+tok), 400)
}

// TestMISPFeed fetches the feed the way a MISP instance does: manifest.json,
// each event listed, and hashes.csv.
func TestMISPFeed(t *testing.T) {
	e := newEnv(t)
	e.expect(e.do("POST", "/api/v1/indicators", "agency-analyst", map[string]any{"items": []map[string]any{
		{"type": "domain", "value": "feed-one.example", "threats": []string{"APT28"}, "source": "CERT"},
		{"type": "sha256", "value": strings.Repeat("ab", 32), "threats": []string{"APT28"}, "source": "CERT"},
	}, "tlp": "green"}), 200)
	e.expect(e.do("GET", "/misp/feed/manifest.json", "", nil), 401)
	man := e.expect(e.do("GET", "/misp/feed/manifest.json", "b-sensor", nil), 200)
	var m map[string]map[string]any
	if err := json.Unmarshal(man.body, &m); err != nil || len(m) != 1 {
		t.Fatalf("manifest %s %v", man.body, err)
	}
	for uuid, meta := range m {
		if meta["info"] == "" || meta["timestamp"] == nil {
			t.Fatalf("manifest entry %v", meta)
		}
		ev := e.expect(e.do("GET", "/misp/feed/"+uuid+".json", "b-sensor", nil), 200)
		var doc struct {
			Event struct {
				UUID      string `json:"uuid"`
				Attribute []struct {
					Type, Value string
				}
			}
		}
		if err := json.Unmarshal(ev.body, &doc); err != nil || doc.Event.UUID != uuid || len(doc.Event.Attribute) != 2 {
			t.Fatalf("event %s %v", ev.body, err)
		}
	}
	h := string(e.expect(e.do("GET", "/misp/feed/hashes.csv", "b-sensor", nil), 200).body)
	if !strings.Contains(h, md5hex("feed-one.example")+",") {
		t.Fatalf("hashes.csv %s", h)
	}
	e.expect(e.do("GET", "/misp/feed/../../etc/passwd", "b-sensor", nil), 404)
	e.expect(e.do("GET", "/misp/feed/not-a-uuid.json", "b-sensor", nil), 404)
}
