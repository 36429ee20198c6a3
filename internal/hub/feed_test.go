package hub

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// yaraBundle is a STIX bundle of YARA indicators: id → rule source.
func yaraBundle(rules ...[2]string) string {
	var objs []string
	for _, r := range rules {
		pat, _ := json.Marshal(r[1])
		objs = append(objs, fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern_type":"yara","pattern":%s,"valid_from":"2026-01-01T00:00:00Z"}`, r[0], pat))
	}
	return `{"type":"bundle","id":"bundle--0e6b2b0b-6d0c-4d0e-9b7a-000000000001","objects":[` + strings.Join(objs, ",") + `]}`
}

const (
	idGood   = "indicator--11111111-1111-4111-8111-111111111111"
	idOther  = "indicator--22222222-2222-4222-8222-222222222222"
	idBroken = "indicator--33333333-3333-4333-8333-333333333333"
)

// The hub compiles every YARA rule it imports: a broken one is refused
// with 422 naming it (strict), or left out and reported (lenient); rules
// are keyed by their id, so a second rule named x does not replace the
// first.
func TestYARARulesVettedAndKeyedByID(t *testing.T) {
	e := newEnv(t)
	good := [2]string{idGood, `rule x { strings: $a = "good" condition: $a }`}
	other := [2]string{idOther, `rule x { strings: $a = "other" condition: $a }`}
	broken := [2]string{idBroken, `rule Broken_One { strings: $a = "abc" condition: $zzz }`}

	r := e.expect(e.do("POST", "/api/v1/indicators/import?format=stix", "agency-analyst", yaraBundle(good, broken)), 422)
	if !strings.Contains(string(r.body), "Broken_One") || !strings.Contains(string(r.body), "does not compile") {
		t.Errorf("422 does not name the rule: %s", r.body)
	}
	if n := len(e.expect(e.do("GET", "/api/v1/indicators", "a-sensor", nil), 200).items(t)); n != 0 {
		t.Fatalf("a refused import stored %d indicators", n)
	}
	r = e.expect(e.do("POST", "/api/v1/indicators/import?format=stix&lenient=true", "agency-analyst", yaraBundle(good, broken)), 200)
	if m := r.json(t); m["created"].(float64) != 1 || !strings.Contains(string(r.body), "Broken_One") {
		t.Fatalf("lenient import: %s", r.body)
	}
	e.expect(e.do("POST", "/api/v1/indicators/import?format=stix", "agency-analyst", yaraBundle(other)), 200)
	items := e.expect(e.do("GET", "/api/v1/indicators", "a-sensor", nil), 200).items(t)
	rules := map[string]string{}
	for _, it := range items {
		rules[it["id"].(string)] = it["rule"].(string)
	}
	if len(items) != 2 || rules[idGood] != good[1] || rules[idOther] != other[1] {
		t.Fatalf("a second rule named x replaced the first: %v", rules)
	}
	// the JSON API compiles too
	r = e.expect(e.do("POST", "/api/v1/indicators", "agency-analyst", map[string]any{"items": []map[string]any{
		{"type": "yara", "value": "y", "rule": `rule y { condition: $nope }`}}}), 422)
	if !strings.Contains(string(r.body), "rule y") {
		t.Errorf("422 does not name the rule: %s", r.body)
	}
	// a rule whose name is not the one it claims
	e.expect(e.do("POST", "/api/v1/indicators", "agency-analyst", map[string]any{"items": []map[string]any{
		{"type": "yara", "value": "claimed", "rule": `rule other { condition: true }`}}}), 422)
}

// Ranges that match everything are refused: 0.0.0.0/0 once made every mail
// phishing.
func TestMatchEverythingRangesRefused(t *testing.T) {
	e := newEnv(t)
	for _, v := range []string{"0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1", "::/0", "10.0.0.0/8", "2000::/3", "::ffff:0.0.0.0/96"} {
		typ := "ipv4"
		if strings.Contains(v, "::") && !strings.Contains(v, "ffff") {
			typ = "ipv6"
		}
		r := e.expect(e.do("POST", "/api/v1/indicators", "agency-analyst", map[string]any{"items": []map[string]any{{"type": typ, "value": v}}}), 422)
		if !strings.Contains(string(r.body), "wider than") {
			t.Errorf("%s: %s", v, r.body)
		}
	}
	// normal ranges pass
	e.publish("ipv4", "45.9.148.0/24", "all")
	e.publish("ipv4", "91.218.0.0/16", "all")
	e.publish("ipv6", "2a0e:1c80::/32", "all")
	// an import: strict refuses naming the item, lenient keeps the rest
	csv := "type,value\nipv4,45.9.148.7\nipv4,0.0.0.0/0\nipv6,::/0\n"
	r := e.expect(e.do("POST", "/api/v1/indicators/import?format=csv", "agency-analyst", csv), 422)
	if !strings.Contains(string(r.body), "0.0.0.0/0") {
		t.Errorf("strict import: %s", r.body)
	}
	r = e.expect(e.do("POST", "/api/v1/indicators/import?format=csv&lenient=true", "agency-analyst", csv), 200)
	m := r.json(t)
	if m["created"].(float64) != 1 || len(m["problems"].([]any)) != 2 {
		t.Errorf("lenient import: %s", r.body)
	}
	items := e.expect(e.do("GET", "/api/v1/indicators", "a-sensor", nil), 200).items(t)
	for _, it := range items {
		if v := it["value"].(string); v == "0.0.0.0/0" || v == "::/0" {
			t.Errorf("%s reached the sensors", v)
		}
	}
	// the bound is configurable
	e.srv.opts.Breadth.MinIPv4Bits = 8
	e.publish("ipv4", "45.0.0.0/8", "all")
	e.expect(e.do("POST", "/api/v1/indicators", "agency-analyst", map[string]any{"items": []map[string]any{{"type": "ipv4", "value": "44.0.0.0/7"}}}), 422)
}

// --tls-names: the self-signed certificate names the hub's public names;
// one made earlier without a name asked for now is made again.
func TestSelfSignedCertNames(t *testing.T) {
	dir := t.TempDir()
	cert, _, err := SelfSignedCertFor(dir, "0.0.0.0:8443", nil)
	if err != nil {
		t.Fatal(err)
	}
	if certCovers(cert, []string{"hub.party.example"}) {
		t.Fatal("covers a name it was not given")
	}
	cert, _, err = SelfSignedCertFor(dir, "0.0.0.0:8443", []string{"hub.party.example", "203.0.113.7"})
	if err != nil {
		t.Fatal(err)
	}
	if !certCovers(cert, []string{"hub.party.example", "203.0.113.7", "localhost", "127.0.0.1"}) {
		t.Fatal("the certificate does not name the hub's public names")
	}
	if _, _, err := SelfSignedCertFor(dir, "0.0.0.0:8443", []string{"https://hub/"}); err == nil {
		t.Error("a URL was taken for a name")
	}
}

// Every object a TAXII collection lists (identity, markings, malware,
// relationships, not only indicators) can be fetched by its id; discovery
// names the hub by --public-url, not by the Host header over http://.
func TestTAXIIEveryListedObjectByID(t *testing.T) {
	e := newEnv(t)
	e.expect(e.do("POST", "/api/v1/indicators", "agency-analyst", map[string]any{"items": []map[string]any{
		{"type": "domain", "value": "x-agent-c2.example.com", "threats": []string{"X-Agent"}, "tlp": "amber"}}}), 200)
	tok := e.tok["a-sensor"]
	objPath := "/taxii2/api/collections/" + colAll + "/objects/"
	var env struct {
		Objects []struct {
			ID, Type string
		} `json:"objects"`
	}
	r := e.expect(e.do("GET", objPath, "", nil, taxiiAcc, basic(tok)), 200)
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, o := range env.Objects {
		types[o.Type] = true
		one := e.do("GET", objPath+o.ID+"/", "", nil, taxiiAcc, basic(tok))
		if one.code != 200 || !strings.Contains(string(one.body), o.ID) {
			t.Errorf("%s %s listed but GET by id: %d", o.Type, o.ID, one.code)
		}
		if v := e.do("GET", objPath+o.ID+"/versions/", "", nil, taxiiAcc, basic(tok)); v.code != 200 {
			t.Errorf("%s versions: %d", o.ID, v.code)
		}
	}
	for _, want := range []string{"indicator", "identity", "marking-definition", "malware", "relationship"} {
		if !types[want] {
			t.Errorf("the collection lists no %s: %v", want, types)
		}
	}
	e.expect(e.do("GET", objPath+"malware--00000000-0000-4000-8000-000000000000/", "", nil, taxiiAcc, basic(tok)), 404)

	// discovery names the hub by --public-url, whatever Host the client sent
	e.srv.opts.PublicURL = "https://hub.party.example/"
	disc := e.expect(e.do("GET", "/taxii2/", "", nil, taxiiAcc, basic(tok)), 200).json(t)
	if d := disc["default"].(string); d != "https://hub.party.example/taxii2/api/" {
		t.Errorf("discovery default %q", d)
	}
}

// A STIX object re-imported with a newer version (a corrected value) and
// a bundle holding two versions of one object are taken, as TAXII 2.1
// versioning means: the newest version is the indicator in force, under
// its id.
func TestNewVersionsOfAnObject(t *testing.T) {
	e := newEnv(t)
	const id = "indicator--44444444-4444-4444-8444-444444444444"
	obj := func(mod, val string) string {
		return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00Z","modified":%q,"pattern_type":"stix","pattern":"[domain-name:value = '%s']","valid_from":"2026-01-01T00:00:00Z"}`, id, mod, val)
	}
	bundle := func(objs ...string) string {
		return `{"type":"bundle","id":"bundle--44444444-4444-4444-8444-000000000000","objects":[` + strings.Join(objs, ",") + `]}`
	}
	value := func() string {
		r := e.expect(e.do("GET", "/api/v1/indicators/"+id, "a-sensor", nil), 200).json(t)
		return r["value"].(string)
	}
	e.expect(e.do("POST", "/api/v1/indicators/import?format=stix", "agency-analyst", bundle(obj("2026-01-01T00:00:00Z", "v1.example.com"))), 200)
	e.expect(e.do("POST", "/api/v1/indicators/import?format=stix", "agency-analyst", bundle(obj("2026-02-01T00:00:00Z", "v2.example.com"))), 200)
	if v := value(); v != "v2.example.com" {
		t.Fatalf("after a new version: %s", v)
	}
	r := e.expect(e.do("POST", "/api/v1/indicators/import?format=stix", "agency-analyst", bundle(obj("2026-03-01T00:00:00Z", "v3.example.com"), obj("2026-01-15T00:00:00Z", "v1b.example.com"))), 200).json(t)
	if r["superseded"].(float64) != 1 {
		t.Errorf("report %v", r)
	}
	if v := value(); v != "v3.example.com" {
		t.Fatalf("after a bundle of two versions: %s", v)
	}
	if n := len(e.expect(e.do("GET", "/api/v1/indicators", "a-sensor", nil), 200).items(t)); n != 1 {
		t.Errorf("the party's feed has %d indicators, want the one in force", n)
	}
}
