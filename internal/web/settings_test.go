package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/posture"
	"github.com/vigie-project/vigie/internal/posture/posturetest"
	"github.com/vigie-project/vigie/internal/store"
)

// TestSettingsPage: a party's administrator declares its domains and
// contacts; a member reads them without a form; another party neither reads
// nor changes them; the agency edits any party's from /orgs.
func TestSettingsPage(t *testing.T) {
	s := newSite(t)
	s.user("Party A", "ann", store.RoleAdmin)
	s.user("Party A", "amy", store.RoleMember)
	s.user("Party B", "bob", store.RoleAdmin)
	s.user("Agency", "ada", store.RoleAnalyst)
	orgA := "?org=" + itoa(s.a.ID)

	a := s.browser()
	a.login("ann", pw)
	if code, page := a.get("/settings"); code != 200 || !strings.Contains(page, `id="settings-form"`) {
		t.Fatalf("ann's settings page (%d): %.1500s", code, page)
	}
	form := url.Values{"csrf": {a.csrf()}, "sites": {"En-Marche.fr\nélysée.fr"}, "mail_domains": {"en-marche.fr"},
		"contact_name": {"Ann Martin", ""}, "contact_role": {"IT lead", ""}, "contact_email": {"ann@en-marche.fr", ""}, "contact_phone": {"+33 6 12 34 56 78", ""}}
	code, page := a.post("/settings", form, "")
	if code != 200 || !strings.Contains(page, "Saved.") || !strings.Contains(page, "xn--lyse-9oad.fr") || !strings.Contains(page, "Ann Martin") {
		t.Fatalf("save (%d): %.2000s", code, page)
	}
	// A bad domain: nothing saved, the typed text kept, the value named.
	bad := url.Values{"csrf": {a.csrf()}, "sites": {"en-marche.fr\nnot a domain!"}}
	code, page = a.post("/settings", bad, "")
	if code != 422 || !strings.Contains(page, "Nothing was saved") || !strings.Contains(page, "not") || !strings.Contains(page, "a") {
		t.Errorf("bad domain (%d): %.1500s", code, page)
	}
	if st, _ := s.st.GetOrgSettings(context.Background(), store.Viewer{OrgID: s.a.ID}, s.a.ID); len(st.Sites) != 2 {
		t.Errorf("a refused form changed the settings: %+v", st)
	}

	// A member reads, without a form, and cannot post.
	m := s.browser()
	m.login("amy", pw)
	code, page = m.get("/settings")
	if code != 200 || strings.Contains(page, `id="settings-form"`) || !strings.Contains(page, "xn--lyse-9oad.fr") {
		t.Errorf("member's page (%d): %.1500s", code, page)
	}
	if code, _ := m.post("/settings", url.Values{"csrf": {m.csrf()}, "sites": {"evil.fr"}}, ""); code != 404 {
		t.Errorf("member saved: %d", code)
	}

	// Party B sees nothing of A's and cannot write it.
	b := s.browser()
	b.login("bob", pw)
	if code, _ := b.get("/settings" + orgA); code != 404 {
		t.Errorf("B reads A's settings: %d", code)
	}
	b.get("/settings")
	if code, _ := b.post("/settings"+orgA, url.Values{"csrf": {b.csrf()}, "sites": {"evil.fr"}}, ""); code != 404 {
		t.Errorf("B writes A's settings: %d", code)
	}
	if _, page := b.get("/settings"); strings.Contains(page, "en-marche.fr") {
		t.Error("B's page shows A's domains")
	}

	// The agency reaches any party's from /orgs and edits it.
	ag := s.browser()
	ag.login("ada", pw)
	if _, page := ag.get("/orgs"); !strings.Contains(page, "/settings"+orgA) {
		t.Errorf("no settings link on /orgs: %.1500s", page)
	}
	code, page = ag.get("/settings" + orgA)
	if code != 200 || !strings.Contains(page, "Settings of Party A") || !strings.Contains(page, "Ann Martin") {
		t.Fatalf("agency's view of A (%d): %.1500s", code, page)
	}
	code, page = ag.post("/settings"+orgA, url.Values{"csrf": {ag.csrf()}, "sites": {"en-marche.fr\nla-republique.fr"}, "contact_name": {"Ann Martin"}}, "")
	if code != 200 || !strings.Contains(page, "la-republique.fr") {
		t.Errorf("agency edit (%d): %.1500s", code, page)
	}
}

// TestPosturePage: after the hub's scheduled check, a party sees each
// declared domain's checks with evidence and fix, and the history; another
// party sees none of it; the agency sees every party's side by side.
func TestPosturePage(t *testing.T) {
	s := newSite(t)
	s.user("Party A", "ann", store.RoleAdmin)
	s.user("Party A", "amy", store.RoleMember)
	s.user("Party B", "bob", store.RoleAdmin)
	s.user("Agency", "ada", store.RoleAnalyst)
	ctx := context.Background()
	z := posturetest.StartDNS(t, `
party-a.fr.        TXT "v=spf1 -all"
_dmarc.party-a.fr. TXT "v=DMARC1; p=reject"
party-b.fr.        TXT "v=spf1 +all"
`)
	sched, err := hub.NewPostureSchedule(s.st, hub.PostureConfig{Interval: time.Hour, Options: posture.Options{Resolver: z.Addr, Only: posture.GroupMail, Timeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	s.ui.hub.SetPostureSchedule(sched)
	agency := store.Viewer{Agency: true}
	s.st.PutOrgSettings(ctx, agency, store.Actor{Name: "test"}, s.a.ID, store.OrgSettings{MailDomains: []string{"party-a.fr"}})
	s.st.PutOrgSettings(ctx, agency, store.Actor{Name: "test"}, s.b.ID, store.OrgSettings{MailDomains: []string{"party-b.fr"}})

	a := s.browser()
	a.login("ann", pw)
	if _, page := a.get("/posture"); !strings.Contains(page, "Not checked yet.") || !strings.Contains(page, `id="check-now"`) {
		t.Errorf("before any check: %.1500s", page)
	}
	if n, err := sched.Pass(ctx); err != nil || n != 2 {
		t.Fatalf("pass: %d %v", n, err)
	}
	code, page := a.get("/posture")
	if code != 200 || !strings.Contains(page, "mail.spf") || !strings.Contains(page, "v=spf1 -all") || !strings.Contains(page, "History") || strings.Contains(page, "party-b.fr") {
		t.Fatalf("A's posture (%d): %.3000s", code, page)
	}
	if code, _ := a.post("/posture/check", url.Values{"csrf": {a.csrf()}}, ""); code != 202 {
		t.Errorf("check now: %d", code)
	}
	sched.Wait()
	m := s.browser()
	m.login("amy", pw)
	if _, page := m.get("/posture"); strings.Contains(page, `id="check-now"`) || !strings.Contains(page, "mail.dmarc") {
		t.Errorf("member's posture page: %.1500s", page)
	}
	if code, _ := m.post("/posture/check", url.Values{"csrf": {m.csrf()}}, ""); code != 404 {
		t.Errorf("member started a check: %d", code)
	}
	b := s.browser()
	b.login("bob", pw)
	if code, _ := b.get("/posture?org=" + itoa(s.a.ID)); code != 404 {
		t.Errorf("B reads A's posture: %d", code)
	}
	if _, page := b.get("/posture"); strings.Contains(page, "party-a.fr") || !strings.Contains(page, "party-b.fr") {
		t.Errorf("B's posture page: %.1500s", page)
	}
	ag := s.browser()
	ag.login("ada", pw)
	if _, page := ag.get("/posture"); !strings.Contains(page, "party-a.fr") || !strings.Contains(page, "party-b.fr") || !strings.Contains(page, "Party B") {
		t.Errorf("agency overview: %.2000s", page)
	}
	// In French: the page's text and the verdicts.
	if err := s.st.SetLanguage(ctx, s.mustUser("amy").ID, "fr"); err != nil {
		t.Fatal(err)
	}
	if _, page := m.get("/posture"); !strings.Contains(page, "Historique") || !strings.Contains(page, "réussi") || strings.Contains(page, "How to fix it") {
		t.Errorf("French posture page: %.2000s", page)
	}
}

// TestLookalikeProposalsPage: the look-alikes are listed per declared
// domain; a party sees its proposals waiting, not another party's; an
// agency analyst publishes one (it reaches every party's feed) and rejects
// another with a reason the party reads.
func TestLookalikeProposalsPage(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	s.user("Party A", "ann", store.RoleAdmin)
	s.user("Party B", "bob", store.RoleAdmin)
	s.user("Agency", "ada", store.RoleAnalyst)
	s.st.PutOrgSettings(ctx, store.Viewer{Agency: true}, store.Actor{Name: "test"}, s.a.ID, store.OrgSettings{Sites: []string{"en-marche.fr", "quiet.fr"}})
	actA := store.Actor{OrgID: s.a.ID, Name: "token:watch"}
	p1, _, err := s.st.ProposeLookalike(ctx, s.a.ID, actA, store.LookalikeProposal{Name: "mail-en-march.fr", Imitates: "en-marche.fr", Technique: "combo", Score: 0.9, Reason: "joins mail to a misspelling", Evidence: []string{"MX: mx.mail-en-march.fr"}})
	if err != nil {
		t.Fatal(err)
	}
	p2, _, _ := s.st.ProposeLookalike(ctx, s.a.ID, actA, store.LookalikeProposal{Name: "en-marche-shop.fr", Imitates: "en-marche.fr"})

	a := s.browser()
	a.login("ann", pw)
	_, page := a.get("/lookalikes")
	if !strings.Contains(page, "mail-en-march.fr") || !strings.Contains(page, "waiting for the agency") || !strings.Contains(page, "quiet.fr") || !strings.Contains(page, "No look-alike of this domain found yet.") {
		t.Errorf("A's page: %.2500s", page)
	}
	if strings.Contains(page, `/accept"`) {
		t.Error("a party is offered the review")
	}
	if code, _ := a.post("/lookalikes/proposals/"+itoa(p1.ID)+"/accept", url.Values{"csrf": {a.csrf()}}, ""); code != 404 {
		t.Errorf("a party accepted: %d", code)
	}
	b := s.browser()
	b.login("bob", pw)
	if _, page := b.get("/lookalikes"); strings.Contains(page, "mail-en-march.fr") || strings.Contains(page, "en-marche.fr") {
		t.Errorf("B sees A's: %.1500s", page)
	}
	ag := s.browser()
	ag.login("ada", pw)
	ag.get("/lookalikes")
	code, page := ag.post("/lookalikes/proposals/"+itoa(p1.ID)+"/accept", url.Values{"csrf": {ag.csrf()}, "distribution": {"all"}}, "")
	if code != 200 || !strings.Contains(page, "Published: mail-en-march.fr") {
		t.Fatalf("accept (%d): %.1500s", code, page)
	}
	if code, _ := ag.post("/lookalikes/proposals/"+itoa(p2.ID)+"/reject", url.Values{"csrf": {ag.csrf()}, "reason": {" "}}, ""); code != 422 {
		t.Errorf("reject without reason: %d", code)
	}
	if code, _ := ag.post("/lookalikes/proposals/"+itoa(p2.ID)+"/reject", url.Values{"csrf": {ag.csrf()}, "reason": {"the party's own shop"}}, ""); code != 200 {
		t.Errorf("reject: %d", code)
	}
	recs, _ := s.st.ListIndicators(ctx, store.Viewer{OrgID: s.b.ID}, store.IndicatorQuery{Search: "mail-en-march.fr"})
	if len(recs) != 1 {
		t.Errorf("B's feed: %+v", recs)
	}
	if _, page := a.get("/lookalikes"); !strings.Contains(page, "own shop") || !strings.Contains(page, "published") {
		t.Errorf("A reads the reviews: %.2500s", page)
	}
}
