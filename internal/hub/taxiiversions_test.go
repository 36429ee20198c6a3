package hub

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TAXII 2.1 versioning: every version of an indicator the hub was given is
// kept and served — /versions/ lists them oldest first, match[version]
// picks all, first, last (the default) or a timestamp — to the parties it
// is shared with only; an older version arriving late does not replace
// the one in force.
func TestTAXIIVersions(t *testing.T) {
	e := newEnv(t)
	const id = "indicator--55555555-5555-4555-8555-555555555555"
	obj := func(mod, val string) string {
		return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2025-12-01T00:00:00Z","modified":%q,"pattern_type":"stix","pattern":"[domain-name:value = '%s']","valid_from":"2025-12-01T00:00:00Z"}`, id, mod, val)
	}
	bundle := func(objs ...string) string {
		return `{"type":"bundle","id":"bundle--55555555-5555-4555-8555-000000000000","objects":[` + strings.Join(objs, ",") + `]}`
	}
	imp := func(objs ...string) map[string]any {
		return e.expect(e.do("POST", "/api/v1/indicators/import?format=stix&distribution=listed&parties=Party+A", "agency-analyst", bundle(objs...)), 200).json(t)
	}
	imp(obj("2026-01-01T00:00:00Z", "v1.example.com"))
	imp(obj("2026-02-01T00:00:00Z", "v2.example.com"))
	imp(obj("2026-03-01T00:00:00Z", "v3.example.com"), obj("2026-01-15T00:00:00Z", "v1b.example.com"))
	if r := imp(obj("2026-01-10T00:00:00Z", "late.example.com")); r["older_versions"].(float64) != 1 || r["created"].(float64)+r["updated"].(float64) != 0 {
		t.Errorf("a late older version: %v", r)
	}
	if v := e.expect(e.do("GET", "/api/v1/indicators/"+id, "a-sensor", nil), 200).json(t)["value"]; v != "v3.example.com" {
		t.Fatalf("in force: %v, want v3", v)
	}
	tok := e.tok["a-sensor"]
	base := "/taxii2/api/collections/8d4d8c34-7c2b-4f4a-9a5b-0d1f6a1e0a02/objects/"
	get := func(path string) map[string]any {
		return e.expect(e.do("GET", path, "", nil, taxiiAcc, basic(tok)), 200).json(t)
	}
	want := []string{"2026-01-01T00:00:00.000Z", "2026-01-10T00:00:00.000Z", "2026-01-15T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"}
	vs := get(base + id + "/versions/")
	if fmt.Sprint(vs["versions"]) != fmt.Sprint(want) || vs["more"] != false {
		t.Fatalf("versions %v, want %v", vs["versions"], want)
	}
	if vs := get(base + id + "/versions/?limit=2"); fmt.Sprint(vs["versions"]) != fmt.Sprint(want[:2]) || vs["more"] != true {
		t.Errorf("versions limit 2: %v", vs)
	}
	// patterns of the indicator objects of a page, in order
	patterns := func(page map[string]any) []string {
		var out []string
		created := ""
		objs, _ := page["objects"].([]any)
		for _, o := range objs {
			m := o.(map[string]any)
			if m["type"] != "indicator" {
				continue
			}
			if created == "" {
				created = m["created"].(string)
			} else if m["created"] != created {
				t.Errorf("created differs between versions: %v and %v", created, m["created"])
			}
			if m["modified"].(string) < m["created"].(string) {
				t.Errorf("modified %v before created %v", m["modified"], m["created"])
			}
			p := m["pattern"].(string)
			out = append(out, p[strings.Index(p, "'")+1:strings.Index(p, ".example")])
		}
		return out
	}
	q := "?match[id]=" + url.QueryEscape(id)
	for sel, want := range map[string]string{
		"":                           "[v3]",
		"&match[version]=last":       "[v3]",
		"&match[version]=first":      "[v1]",
		"&match[version]=all":        "[v1 late v1b v2 v3]",
		"&match[version]=first,last": "[v1 v3]",
		"&match[version]=" + url.QueryEscape("2026-02-01T00:00:00.000Z"): "[v2]",
	} {
		if got := fmt.Sprint(patterns(get(base + q + sel))); got != want {
			t.Errorf("objects%s: %s, want %s", sel, got, want)
		}
		if got := fmt.Sprint(patterns(get(base + id + "/?" + strings.TrimPrefix(sel, "&")))); got != want {
			t.Errorf("object%s: %s, want %s", sel, got, want)
		}
	}
	man := get(strings.Replace(base, "/objects/", "/manifest/", 1) + q + "&match[version]=all")
	if n := len(man["objects"].([]any)); n < 5 {
		t.Errorf("manifest of all versions: %d entries", n)
	}
	e.expect(e.do("GET", base+q+"&match[version]=yesterday", "", nil, taxiiAcc, basic(tok)), 400)
	// Party B is not a recipient: no versions, no objects.
	e.expect(e.do("GET", base+id+"/versions/", "", nil, taxiiAcc, basic(e.tok["b-sensor"])), 404)
	e.expect(e.do("GET", base+id+"/?match[version]=all", "", nil, taxiiAcc, basic(e.tok["b-sensor"])), 404)
	if p := e.expect(e.do("GET", base+q+"&match[version]=all", "", nil, taxiiAcc, basic(e.tok["b-sensor"])), 200).json(t); p["objects"] != nil {
		t.Errorf("party B sees versions: %v", p)
	}
}
