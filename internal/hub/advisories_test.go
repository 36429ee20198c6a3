package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// recorder is a notifier that keeps the events it is told.
type recorder struct {
	mu     sync.Mutex
	events []AdvisoryEvent
}

func (r *recorder) NotifyAdvisory(ctx context.Context, e AdvisoryEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

func (r *recorder) kinds() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var k []string
	for _, e := range r.events {
		names := []string{}
		for _, o := range e.Recipients {
			names = append(names, o.Name)
		}
		k = append(k, string(e.Kind)+":"+strings.Join(names, "+"))
	}
	return strings.Join(k, " ")
}

const yaraRule = `rule FakeWebmail { strings: $a = "accounts-verify" condition: $a }`

// TestAdvisoriesAPI walks an advisory through the API with two parties:
// the agency publishes it with actions, an indicator and a YARA rule; A
// acknowledges and ticks; B sees neither A's receipt nor its comment on
// any route; a revision and a reminder reach the notifier; the CSAF and
// Atom exports answer; the withdrawal takes the indicators back.
func TestAdvisoriesAPI(t *testing.T) {
	e := newEnv(t)
	rec := &recorder{}
	e.srv.SetAdvisoryNotifier(rec)
	in := map[string]any{"title": "Phishing wave", "severity": "high", "tlp": "clear", "body": "Fake <script>alert(1)</script> **webmail**.",
		"actions": []string{"Block accounts-verify.example", "Reset passwords"}, "indicators": "accounts-verify.example\n", "yara": yaraRule}

	// Who may write.
	for _, tok := range []string{"a-admin", "agency-member", "agency-sensor"} {
		if r := e.do("POST", "/api/v1/advisories", tok, in); r.code != 403 {
			t.Errorf("%s created an advisory: %d %s", tok, r.code, r.body)
		}
	}
	bad := map[string]any{"title": "Hi\r\nBcc: all@example.org", "severity": "high", "tlp": "clear"}
	if r := e.do("POST", "/api/v1/advisories", "agency-analyst", bad); r.code != 422 || !strings.Contains(string(r.body), "line break") {
		t.Errorf("title with CRLF: %d %s", r.code, r.body)
	}
	broken := map[string]any{"title": "x", "severity": "high", "tlp": "clear", "yara": "rule {"}
	if r := e.do("POST", "/api/v1/advisories", "agency-analyst", broken); r.code != 422 || !strings.Contains(string(r.body), "YARA") {
		t.Errorf("broken YARA: %d %s", r.code, r.body)
	}

	r := e.expect(e.do("POST", "/api/v1/advisories", "agency-analyst", in), 201)
	var adv struct {
		ID         int64
		Status     string
		Indicators []string
		Actions    []struct{ ID int64 }
	}
	json.Unmarshal(r.body, &adv)
	if adv.Status != "draft" || len(adv.Indicators) != 2 || len(adv.Actions) != 2 {
		t.Fatalf("created: %s", r.body)
	}
	path := fmt.Sprintf("/api/v1/advisories/%d", adv.ID)
	// The draft and its indicators stay with the agency.
	e.expect(e.do("GET", path, "a-member", nil), 404)
	if items := e.expect(e.do("GET", "/api/v1/advisories", "a-member", nil), 200).items(t); len(items) != 0 {
		t.Fatalf("A lists a draft: %v", items)
	}
	if items := e.expect(e.do("GET", "/api/v1/indicators", "a-sensor", nil), 200).items(t); len(items) != 0 {
		t.Fatalf("A's sensor pulls a draft's indicators: %v", items)
	}
	e.expect(e.do("POST", path+"/publish", "agency-analyst", nil), 200)
	if got := rec.kinds(); got != "published:Party A+Party B" {
		t.Errorf("notifier after publish: %q", got)
	}
	if items := e.expect(e.do("GET", "/api/v1/indicators", "a-sensor", nil), 200).items(t); len(items) != 2 {
		t.Fatalf("A's sensor does not get the indicator and the rule: %v", items)
	}
	// Sensors do not read advisories.
	e.expect(e.do("GET", "/api/v1/advisories", "a-sensor", nil), 403)

	// A reads (the HTML is safe), acknowledges, ticks one with a comment.
	got := e.expect(e.do("GET", path, "a-member", nil), 200).json(t)
	if h, _ := got["html"].(string); strings.Contains(h, "<script") || !strings.Contains(h, "<strong>webmail</strong>") {
		t.Errorf("html: %q", h)
	}
	e.expect(e.do("POST", path+"/ack", "a-member", nil), 200)
	tick := fmt.Sprintf("%s/actions/%d", path, adv.Actions[0].ID)
	e.expect(e.do("POST", tick, "a-member", map[string]any{"done": true, "comment": "A's secret comment"}), 200)
	if r := e.do("POST", tick, "a-member", map[string]any{"comment": "no done"}); r.code != 422 {
		t.Errorf("tick without done: %d", r.code)
	}
	// The agency cannot tick, nor acknowledge.
	if r := e.do("POST", path+"/ack", "agency-analyst", nil); r.code != 422 {
		t.Errorf("agency ack: %d %s", r.code, r.body)
	}

	// The agency's overview: A 1/2 acknowledged, B unread, with A's comment.
	lines := e.expect(e.do("GET", path+"/progress", "agency-analyst", nil), 200).items(t)
	if len(lines) != 2 || lines[0]["org"] != "Party A" || lines[0]["state"] != "acknowledged" || lines[0]["actions_done"] != 1.0 || lines[0]["actions_total"] != 2.0 ||
		lines[1]["org"] != "Party B" || lines[1]["state"] != "unread" {
		t.Fatalf("progress: %v", lines)
	}
	if !strings.Contains(fmt.Sprint(lines[0]["ticks"]), "A's secret comment") {
		t.Errorf("the agency does not see A's comment: %v", lines[0])
	}

	// B, on every route, sees nothing of A's.
	for _, p := range []string{path, path + "/progress", "/api/v1/advisories", path + "/csaf", "/api/v1/advisories/feed.atom"} {
		r := e.expect(e.do("GET", p, "b-admin", nil), 200)
		if s := string(r.body); strings.Contains(s, "Party A") || strings.Contains(s, "A's secret comment") || strings.Contains(s, "acknowledged_by") {
			t.Errorf("B sees A's follow-up on %s: %s", p, s)
		}
	}
	if lines := e.expect(e.do("GET", path+"/progress", "b-admin", nil), 200).items(t); len(lines) != 1 || lines[0]["org"] != "Party B" || lines[0]["state"] != "read" {
		t.Errorf("B's own progress: %v", lines)
	}
	e.expect(e.do("POST", path+"/remind", "b-admin", nil), 403)
	e.expect(e.do("PATCH", path, "b-admin", in), 403)

	// A listed advisory for B only: A never sees it, cannot ack it.
	onlyB := map[string]any{"title": "For B", "severity": "low", "tlp": "red", "parties": []string{"Party B"}, "actions": []string{"Check"}, "publish": true}
	rb := e.expect(e.do("POST", "/api/v1/advisories", "agency-analyst", onlyB), 201).json(t)
	pb := fmt.Sprintf("/api/v1/advisories/%v", rb["id"])
	for _, p := range []string{pb, pb + "/progress", pb + "/csaf"} {
		e.expect(e.do("GET", p, "a-admin", nil), 404)
	}
	e.expect(e.do("POST", pb+"/ack", "a-admin", nil), 404)
	toAll := map[string]any{"title": "Red to all", "severity": "low", "tlp": "red"}
	if r := e.do("POST", "/api/v1/advisories", "agency-analyst", toAll); r.code != 422 {
		t.Errorf("TLP:RED to all parties: %d %s", r.code, r.body)
	}

	// A revision needs a summary; the notifier hears it.
	in["actions"] = []string{"Block accounts-verify.example", "Reset passwords", "Block accounts-verify2.example"}
	if r := e.do("PATCH", path, "agency-analyst", in); r.code != 422 {
		t.Errorf("revision without summary: %d", r.code)
	}
	in["summary"] = "updated: new domain added"
	in["indicators"] = "accounts-verify2.example"
	in["yara"] = ""
	rv := e.expect(e.do("PATCH", path, "agency-analyst", in), 200).json(t)
	if rv["version"] != 2.0 || !strings.Contains(string(e.do("GET", path, "a-member", nil).body), "updated: new domain added") {
		t.Errorf("revision: %v", rv)
	}
	if items := e.expect(e.do("GET", "/api/v1/indicators", "b-sensor", nil), 200).items(t); len(items) != 3 {
		t.Errorf("B's sensor after the revision: %d indicators", len(items))
	}
	// Reminder: A (1/3) and B (unread) are late.
	rm := e.expect(e.do("POST", path+"/remind", "agency-analyst", nil), 200).json(t)
	if n := len(rm["reminded"].([]any)); n != 2 {
		t.Errorf("reminded %d parties", n)
	}
	if got := rec.kinds(); !strings.Contains(got, "revised:Party A+Party B") || !strings.Contains(got, "reminder:Party A+Party B") {
		t.Errorf("notifier: %q", got)
	}

	// CSAF for A, the feed has the CLEAR one only.
	csaf := e.expect(e.do("GET", path+"/csaf", "a-member", nil), 200).json(t)
	doc := csaf["document"].(map[string]any)
	if doc["category"] != "csaf_base" || doc["tracking"].(map[string]any)["version"] != "2" {
		t.Errorf("csaf: %v", doc)
	}
	feed := string(e.expect(e.do("GET", "/api/v1/advisories/feed.atom", "b-member", nil), 200).body)
	if !strings.Contains(feed, "Phishing wave") || strings.Contains(feed, "For B") {
		t.Errorf("feed: %s", feed)
	}

	// Withdrawal takes the indicators back from the sensors.
	e.expect(e.do("POST", path+"/withdraw", "agency-analyst", map[string]any{"reason": "false positive"}), 200)
	items := e.expect(e.do("GET", "/api/v1/indicators", "a-sensor", nil), 200).items(t)
	for _, it := range items {
		if it["withdrawn"] != true {
			t.Errorf("still in A's feed after withdrawal: %v", it)
		}
	}
	if r := e.do("POST", tick, "a-member", map[string]any{"done": false}); r.code != 422 {
		t.Errorf("tick after withdrawal: %d", r.code)
	}
	if !strings.Contains(rec.kinds(), "withdrawn:") {
		t.Errorf("notifier: %q", rec.kinds())
	}
}
