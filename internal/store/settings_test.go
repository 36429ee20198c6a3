package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/posture"
)

// TestPartySettings runs the settings, posture and look-alike proposal
// suite against both databases.
func TestPartySettings(t *testing.T) {
	for _, db := range []struct {
		name string
		open opener
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(db.name, func(t *testing.T) {
			t.Run("settings", func(t *testing.T) { testSettings(t, db.open) })
			t.Run("posture", func(t *testing.T) { testPosture(t, db.open) })
			t.Run("proposals", func(t *testing.T) { testProposals(t, db.open) })
		})
	}
}

func TestNormaliseOrgDomain(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"En-Marche.FR.", "en-marche.fr", ""},
		{"  élysée.fr ", "xn--lyse-9oad.fr", ""},
		{"xn--lyse-9oad.fr", "xn--lyse-9oad.fr", ""},
		{"mail.party.example.org", "mail.party.example.org", ""},
		{"", "", "empty"},
		{"*.party.fr", "", "wildcard"},
		{"party..fr", "", "empty label"},
		{strings.Repeat("a", 64) + ".fr", "", "longer than 63"},
		{"xn--zz.fr", "", "punycode"},
		{"pаypal.com", "", "writing systems"}, // Cyrillic а
		{"fr", "", "no registrable"},
		{"party fr", "", "not allowed"},
	} {
		got, err := NormaliseOrgDomain(tc.in)
		if tc.err == "" && (err != nil || got != tc.want) {
			t.Errorf("%q: got %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: got %q, %v; want an error saying %q", tc.in, got, err, tc.err)
		}
	}
}

func testSettings(t *testing.T, open opener) {
	f := newFixture(t, open)
	s, ctx := f.s, f.ctx
	admin := Actor{OrgID: f.a.ID, Name: "user:ann"}

	// Nothing saved yet: empty settings, not an error.
	st, err := s.GetOrgSettings(ctx, f.vA, f.a.ID)
	if err != nil || len(st.Domains()) != 0 || st.OrgName != "Party A" || st.Contacts == nil {
		t.Fatalf("fresh settings: %+v, %v", st, err)
	}
	in := OrgSettings{Sites: []string{"En-Marche.fr", "élysée.fr", "en-marche.fr", " "}, MailDomains: []string{"mail.en-marche.fr"},
		Contacts: []Contact{{Name: " Ann ", Role: "IT lead", Email: "ann@en-marche.fr", Phone: "+33 1 23 45 67 89"}, {}}}
	st, err = s.PutOrgSettings(ctx, f.vA, admin, f.a.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(st.Sites, ","); got != "en-marche.fr,xn--lyse-9oad.fr" {
		t.Errorf("sites %s", got)
	}
	if len(st.Contacts) != 1 || st.Contacts[0].Name != "Ann" {
		t.Errorf("contacts %+v", st.Contacts)
	}
	got, err := s.GetOrgSettings(ctx, f.vA, f.a.ID)
	if err != nil || strings.Join(got.Domains(), ",") != "en-marche.fr,mail.en-marche.fr,xn--lyse-9oad.fr" || got.UpdatedBy != "user:ann" || got.Contacts[0].Email != "ann@en-marche.fr" {
		t.Fatalf("read back: %+v, %v", got, err)
	}

	// Bad input is refused with the field and the value; nothing changes.
	for _, bad := range []OrgSettings{
		{Sites: []string{"not a domain"}},
		{MailDomains: []string{"xn--zz.fr"}},
		{Contacts: []Contact{{Name: "X", Email: "not-an-address"}}},
		{Contacts: []Contact{{Email: "a@b.fr"}}},
		{Contacts: []Contact{{Name: "X", Phone: "call me"}}},
		{Contacts: []Contact{{Name: "X\x00"}}},
		{Sites: manyDomains(MaxOrgDomains + 1)},
		{Contacts: make([]Contact, MaxOrgContacts+1)},
	} {
		if _, err := s.PutOrgSettings(ctx, f.vA, admin, f.a.ID, bad); !errors.Is(err, ErrBadSettings) && !strings.Contains(fmtErr(err), "not allowed") {
			t.Errorf("%+v accepted or wrong error: %v", bad, err)
		}
	}
	if got, _ := s.GetOrgSettings(ctx, f.vA, f.a.ID); len(got.Domains()) != 3 {
		t.Errorf("a refused change altered the settings: %+v", got)
	}
	if _, err := s.PutOrgSettings(ctx, f.vA, admin, f.a.ID, OrgSettings{Sites: manyDomains(MaxOrgDomains)}); err != nil {
		t.Errorf("the maximum number of domains: %v", err)
	}

	// Two parties: B neither reads nor writes A's settings; the agency does both.
	if _, err := s.GetOrgSettings(ctx, f.vB, f.a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("B reads A's settings: %v", err)
	}
	if _, err := s.PutOrgSettings(ctx, f.vB, Actor{OrgID: f.b.ID, Name: "user:bob"}, f.a.ID, OrgSettings{Sites: []string{"evil.fr"}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("B writes A's settings: %v", err)
	}
	if _, err := s.PutOrgSettings(ctx, f.vAgency, cli, f.b.ID, OrgSettings{Sites: []string{"party-b.fr"}}); err != nil {
		t.Fatal(err)
	}
	all, err := s.AllOrgSettings(ctx)
	if err != nil || len(all) != 2 || all[0].OrgName != "Party A" || all[1].Sites[0] != "party-b.fr" {
		t.Fatalf("all settings: %+v, %v", all, err)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func manyDomains(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "d" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".fr"
	}
	return out
}

func testPosture(t *testing.T, open opener) {
	f := newFixture(t, open)
	s, ctx := f.s, f.ctx
	if _, err := s.PutOrgSettings(ctx, f.vA, cli, f.a.ID, OrgSettings{Sites: []string{"a.fr"}, MailDomains: []string{"mail-a.fr"}}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	res := func(d string, st ...posture.Status) posture.Result {
		r := posture.Result{Domain: d}
		for i, x := range st {
			r.Checks = append(r.Checks, posture.Check{ID: []string{"mail.spf", "mail.dmarc", "web.https"}[i], Status: x, Summary: "s", Evidence: []string{"v=spf1 -all"}})
		}
		return r
	}
	add := func(org int64, at time.Time, r posture.Result) {
		t.Helper()
		if _, err := s.AddPostureRun(ctx, org, at, at.Add(time.Second), r); err != nil {
			t.Fatal(err)
		}
	}
	add(f.a.ID, t0, res("a.fr", posture.StatusFail, posture.StatusFail))
	add(f.a.ID, t0.Add(time.Hour), res("a.fr", posture.StatusPass, posture.StatusWarn, posture.StatusError))
	add(f.a.ID, t0, res("mail-a.fr", posture.StatusPass))
	add(f.a.ID, t0, res("gone.fr", posture.StatusFail)) // no longer declared
	add(f.b.ID, t0.Add(2*time.Hour), res("b.fr", posture.StatusFail))

	latest, err := s.LatestPosture(ctx, f.a.ID)
	if err != nil || len(latest) != 2 {
		t.Fatalf("latest: %+v, %v", latest, err)
	}
	l := latest[0]
	if l.Domain != "a.fr" || l.Worst != posture.StatusError || l.Pass != 1 || l.Warn != 1 || l.Error != 1 || l.Fail != 0 || !l.FinishedAt.Equal(t0.Add(time.Hour+time.Second)) || len(l.Result.Checks) != 3 || l.Result.Checks[0].Evidence[0] != "v=spf1 -all" {
		t.Errorf("latest a.fr: %+v", l)
	}
	hist, err := s.PostureHistory(ctx, f.a.ID, 10)
	if err != nil || len(hist) != 4 || hist[0].Domain != "a.fr" || hist[0].Pass != 1 {
		t.Fatalf("history: %+v, %v", hist, err)
	}
	for _, h := range hist {
		if h.OrgID != f.a.ID {
			t.Errorf("A's history holds another party's run: %+v", h)
		}
	}
	if h, _ := s.PostureHistory(ctx, f.a.ID, 1); len(h) != 1 {
		t.Errorf("limit 1 gave %d", len(h))
	}
	due, err := s.PostureDue(ctx, f.a.ID)
	if err != nil || !due["a.fr"].Equal(t0.Add(time.Hour+time.Second)) {
		t.Errorf("due: %v, %v", due, err)
	}
	// Pruning keeps the newest run of every domain.
	n, err := s.PrunePosture(ctx, t0.Add(90*time.Minute))
	if err != nil || n != 1 {
		t.Errorf("pruned %d, %v", n, err)
	}
	if h, _ := s.PostureHistory(ctx, f.a.ID, 10); len(h) != 3 {
		t.Errorf("after prune: %d runs", len(h))
	}
	big := posture.Result{Domain: "a.fr", Checks: []posture.Check{{ID: "x", Status: posture.StatusPass, Evidence: []string{strings.Repeat("x", maxPostureResult)}}}}
	if _, err := s.AddPostureRun(ctx, f.a.ID, t0, t0, big); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("a huge result: %v", err)
	}
}

func testProposals(t *testing.T, open opener) {
	f := newFixture(t, open)
	s, ctx := f.s, f.ctx
	aAct := Actor{OrgID: f.a.ID, Name: "token:watch"}
	p, created, err := s.ProposeLookalike(ctx, f.a.ID, aAct, LookalikeProposal{Name: "Mail-En-March.fr", Imitates: "en-marche.fr", Technique: "combination", Score: 0.9, Reason: "joins mail to a misspelling", Evidence: []string{"MX: mx.mail-en-march.fr"}})
	if err != nil || !created || p.Name != "mail-en-march.fr" || p.Status != ProposalPending || p.Org != "Party A" {
		t.Fatalf("propose: %+v %v %v", p, created, err)
	}
	again, created, err := s.ProposeLookalike(ctx, f.a.ID, aAct, LookalikeProposal{Name: "mail-en-march.fr", Imitates: "en-marche.fr", Score: 0.95, Evidence: []string{"MX: mx2"}})
	if err != nil || created || again.ID != p.ID || again.Evidence[0] != "MX: mx2" {
		t.Fatalf("propose again: %+v %v %v", again, created, err)
	}
	for _, bad := range []LookalikeProposal{{Name: "not a name"}, {Name: "x.fr", Score: 2}, {Name: "x.fr", Evidence: make([]string, 40)}, {Name: "x.fr", Reason: "a\x00"}} {
		if _, _, err := s.ProposeLookalike(ctx, f.a.ID, aAct, bad); !errors.Is(err, ErrBadSettings) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	pb, _, err := s.ProposeLookalike(ctx, f.b.ID, Actor{OrgID: f.b.ID, Name: "token:b"}, LookalikeProposal{Name: "party-b-login.fr"})
	if err != nil {
		t.Fatal(err)
	}
	// Isolation: each party sees its own; the agency sees both.
	if l, _ := s.ListLookalikeProposals(ctx, f.vB, "", 0); len(l) != 1 || l[0].Name != "party-b-login.fr" {
		t.Errorf("B's list: %+v", l)
	}
	if _, err := s.GetLookalikeProposal(ctx, f.vB, p.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("B reads A's proposal: %v", err)
	}
	if l, _ := s.ListLookalikeProposals(ctx, f.vAgency, ProposalPending, 0); len(l) != 2 {
		t.Errorf("agency's pending: %+v", l)
	}
	// Only the agency reviews.
	if _, err := s.AcceptLookalike(ctx, f.vA, aAct, p.ID, PutOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a party accepts: %v", err)
	}
	if err := s.RejectLookalike(ctx, f.vAgency, cli, pb.ID, " "); !errors.Is(err, ErrBadSettings) {
		t.Errorf("rejection without reason: %v", err)
	}
	if err := s.RejectLookalike(ctx, f.vAgency, cli, pb.ID, "the party's own new site"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptLookalike(ctx, f.vAgency, cli, p.ID, PutOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetLookalikeProposal(ctx, f.vA, p.ID)
	if got.Status != ProposalAccepted || got.IndicatorID == "" || got.ReviewedBy != "cli" {
		t.Errorf("accepted: %+v", got)
	}
	// The published indicator reaches party B's feed.
	recs, err := s.ListIndicators(ctx, f.vB, IndicatorQuery{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range recs {
		found = found || r.Value == "mail-en-march.fr"
	}
	if !found {
		t.Errorf("B's feed lacks the accepted look-alike: %+v", recs)
	}
	rb, _ := s.GetLookalikeProposal(ctx, f.vB, pb.ID)
	if rb.Status != ProposalRejected || rb.ReviewReason != "the party's own new site" {
		t.Errorf("rejected: %+v", rb)
	}
}
