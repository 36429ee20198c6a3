package web

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/store"
)

var advLink = regexp.MustCompile(`href="/advisories/(\d+)"`)

// publishAdvisory has the agency analyst ana publish an advisory through
// the form and returns its path.
func publishAdvisory(t *testing.T, ana *browser, form url.Values) string {
	t.Helper()
	ana.get("/advisories/new")
	form.Set("csrf", ana.csrf())
	code, page := ana.post("/advisories", form, "")
	if code != 200 || !strings.Contains(page, "Follow-up by party") {
		t.Fatalf("publish (%d): %.3000s", code, page)
	}
	_, list := ana.get("/advisories")
	m := advLink.FindStringSubmatch(list)
	if m == nil {
		t.Fatalf("no advisory listed: %s", list)
	}
	return "/advisories/" + m[1]
}

// TestAdvisoryPages: the agency writes and publishes an advisory with two
// actions through the form; party A reads it (the Markdown is rendered
// without its script), acknowledges and ticks one action with a comment;
// party B, on every page, sees neither A's follow-up nor its comment and
// cannot act on a listed advisory of A's; the agency's page shows A at
// 1/2 and B unread, and records a reminder. French pages are translated.
func TestAdvisoryPages(t *testing.T) {
	s := newSite(t)
	s.user("Agency", "ana", store.RoleAnalyst)
	s.user("Party A", "ann", store.RoleMember)
	s.user("Party B", "bob", store.RoleMember)
	ana, ann, bob := s.browser(), s.browser(), s.browser()
	ana.login("ana", pw)
	ann.login("ann", pw)
	bob.login("bob", pw)

	// A party cannot write.
	if code, _ := ann.get("/advisories/new"); code != 404 {
		t.Errorf("a party opened the advisory form: %d", code)
	}
	ann.get("/advisories")
	if code, _ := ann.post("/advisories", url.Values{"csrf": {ann.csrf()}, "title": {"x"}, "severity": {"low"}, "tlp": {"clear"}}, ""); code != 404 {
		t.Errorf("a party posted an advisory: %d", code)
	}
	// A title with a line break is refused, and the form keeps the text.
	ana.get("/advisories/new")
	code, page := ana.post("/advisories", url.Values{"csrf": {ana.csrf()}, "title": {"Hi\r\nBcc: all@example.org"}, "severity": {"high"}, "tlp": {"amber"}, "body": {"kept text"}}, "")
	if code != 422 || !strings.Contains(page, "line break") || !strings.Contains(page, "kept text") {
		t.Fatalf("CRLF title (%d): %.2000s", code, page)
	}

	adv := publishAdvisory(t, ana, url.Values{"title": {"Phishing wave"}, "severity": {"high"}, "tlp": {"amber"}, "distribution": {"all"},
		"body": {"Fake **webmail** pages <script>alert(1)</script> [x](javascript:alert(2))"}, "actions": {"Block accounts-verify.example\nReset passwords"},
		"indicators": {"accounts-verify.example"}, "publish": {"now"}})

	// A reads it: rendered, no script, and the indicator is listed.
	code, page = ann.get(adv)
	if code != 200 || !strings.Contains(page, "<strong>webmail</strong>") || strings.Contains(page, "<script>alert") || strings.Contains(page, "javascript:") ||
		!strings.Contains(page, "accounts-verify.example") {
		t.Fatalf("A's page (%d): %.3000s", code, page)
	}
	code, page = ann.post(adv+"/ack", url.Values{"csrf": {ann.csrf()}}, "")
	if code != 200 || !strings.Contains(page, "Acknowledged by user:ann") {
		t.Fatalf("ack (%d): %.2000s", code, page)
	}
	tick := regexp.MustCompile(`action="(/advisories/\d+/actions/\d+)"`).FindStringSubmatch(page)
	if tick == nil {
		t.Fatalf("no tick form: %s", page)
	}
	code, page = ann.post(tick[1], url.Values{"csrf": {ann.csrf()}, "done": {"true"}, "comment": {"A's secret comment"}}, "")
	if code != 200 || !strings.Contains(page, "Recorded: done.") {
		t.Fatalf("tick (%d): %.2000s", code, page)
	}

	// The agency: A acknowledged 1/2 with its comment, B unread.
	_, page = ana.get(adv)
	rowA := regexp.MustCompile(`(?s)<tr id="party-\d+">\s*<td>Party A</td>(.*?)</tr>`).FindStringSubmatch(page)
	rowB := regexp.MustCompile(`(?s)<tr id="party-\d+">\s*<td>Party B</td>(.*?)</tr>`).FindStringSubmatch(page)
	if rowA == nil || rowB == nil || !strings.Contains(rowA[1], "acknowledged 1/2") || !strings.Contains(rowB[1], "unread") || !strings.Contains(page, "A&#39;s secret comment") {
		t.Fatalf("agency page: %.4000s", page)
	}
	_, list := ana.get("/advisories")
	if !strings.Contains(list, "Party A acknowledged 1/2") || !strings.Contains(list, "Party B unread 0/2") {
		t.Errorf("agency list: %.3000s", list)
	}
	// B: its own advisory page and list show nothing of A's.
	for _, p := range []string{adv, "/advisories"} {
		code, page := bob.get(p)
		if code != 200 || strings.Contains(page, "Party A") || strings.Contains(page, "A's secret comment") || strings.Contains(page, "user:ann") {
			t.Errorf("B sees A's follow-up on %s (%d)", p, code)
		}
	}
	// B cannot tick in A's name nor remind.
	bob.get(adv)
	if code, _ := bob.post(adv+"/remind", url.Values{"csrf": {bob.csrf()}}, ""); code != 404 {
		t.Errorf("B sent a reminder: %d", code)
	}
	if code, _ := bob.get(adv + "/edit"); code != 404 {
		t.Errorf("B opened the edit form: %d", code)
	}

	code, page = ana.post(adv+"/remind", url.Values{"csrf": {ana.csrf()}, "party": {"Party B"}}, "")
	if code != 200 || !strings.Contains(page, "Reminder recorded for Party B.") {
		t.Fatalf("remind (%d): %.2000s", code, page)
	}

	// A listed advisory for B only: A never sees nor acknowledges it.
	onlyB := publishAdvisory(t, ana, url.Values{"title": {"For B only"}, "severity": {"low"}, "tlp": {"red"}, "distribution": {"listed"}, "parties": {"Party B"}, "publish": {"now"}})
	if code, _ := ann.get(onlyB); code != 404 {
		t.Errorf("A opened B's advisory: %d", code)
	}
	ann.get(adv)
	if code, _ := ann.post(onlyB+"/ack", url.Values{"csrf": {ann.csrf()}}, ""); code != 404 {
		t.Errorf("A acknowledged B's advisory: %d", code)
	}
	if code, _ := ann.get(onlyB + "/csaf.json"); code != 404 {
		t.Errorf("A downloaded B's advisory: %d", code)
	}
	if _, list := ann.get("/advisories"); strings.Contains(list, "For B only") {
		t.Error("A lists B's advisory")
	}

	// A revision is shown to A with its summary; CSAF downloads.
	if _, page := ana.get(adv + "/edit"); !strings.Contains(page, `name="detach"`) || !strings.Contains(page, " accounts-verify.example</label>") {
		i := strings.Index(page, `id="yara"`)
		t.Errorf("the edit form does not list the attached indicator: %s", page[max(i, 0):])
	}
	code, page = ana.post(adv+"/edit", url.Values{"csrf": {ana.csrf()}, "title": {"Phishing wave"}, "severity": {"high"}, "tlp": {"amber"}, "distribution": {"all"},
		"body": {"More pages."}, "actions": {"Block accounts-verify.example\nReset passwords"}, "indicators": {"accounts-verify2.example"}, "summary": {"updated: new domain added"}}, "")
	if code != 200 {
		t.Fatalf("revision (%d): %.2000s", code, page)
	}
	if _, page := ann.get(adv); !strings.Contains(page, "Updated: updated: new domain added") || !strings.Contains(page, "accounts-verify2.example") || !strings.Contains(page, "acknowledge again") {
		t.Errorf("A after the revision: %.3000s", page)
	}
	res, err := ann.c.Get(s.ts.URL + adv + "/csaf.json")
	if err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("CSAF download: %v %v", res, err)
	}
	res.Body.Close()

	// In French.
	if err := s.st.SetLanguage(context.Background(), mustUser(t, s, "ann").ID, "fr"); err != nil {
		t.Fatal(err)
	}
	if _, page := ann.get(adv); !strings.Contains(page, "Actions recommandées") || !strings.Contains(page, "Historique") {
		t.Errorf("French advisory page: %.2000s", page)
	}
}

// TestAdvisoryNotifierFromUI: publishing from the web UI reaches the hub's
// notifier (the notifications' hook) with every party.
func TestAdvisoryNotifierFromUI(t *testing.T) {
	s := newSite(t)
	n := &uiRecorder{}
	s.ui.hub.SetAdvisoryNotifier(n)
	s.user("Agency", "ana", store.RoleAnalyst)
	ana := s.browser()
	ana.login("ana", pw)
	publishAdvisory(t, ana, url.Values{"title": {"Heads up"}, "severity": {"low"}, "tlp": {"clear"}, "distribution": {"all"}, "publish": {"now"}})
	if len(n.events) != 1 || n.events[0].Kind != hub.AdvisoryPublished || len(n.events[0].Recipients) != 2 {
		t.Fatalf("events: %+v", n.events)
	}
}

type uiRecorder struct{ events []hub.AdvisoryEvent }

func (r *uiRecorder) NotifyAdvisory(ctx context.Context, e hub.AdvisoryEvent) error {
	r.events = append(r.events, e)
	return nil
}
