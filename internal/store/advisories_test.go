package store

import (
	"errors"
	"testing"

	"github.com/vigie-project/vigie/internal/advisory"
	"github.com/vigie-project/vigie/internal/indicator"
)

// TestAdvisories runs the advisory life (draft, publish, acknowledge,
// tick, revise, remind, withdraw) against both databases, with two
// parties that must never see each other's receipts, ticks or comments.
func TestAdvisories(t *testing.T) {
	for _, db := range []struct {
		name string
		open opener
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(db.name, func(t *testing.T) { testAdvisories(t, db.open) })
	}
}

func content(title string, actions ...string) advisory.Content {
	c, err := advisory.Input{Title: title, Severity: "high", TLP: "amber", Body: "Fake **webmail** pages.", Actions: actions}.Check()
	if err != nil {
		panic(err)
	}
	return c
}

func testAdvisories(t *testing.T, open opener) {
	f := newFixture(t, open)
	s, ctx := f.s, f.ctx
	ag := Actor{OrgID: f.agency.ID, Name: "user:analyst"}
	aAct := Actor{OrgID: f.a.ID, Name: "user:ann"}

	// An indicator kept with the agency, attached to the advisory.
	_, recs, err := s.PutIndicators(ctx, f.vAgency, ag, []indicator.Indicator{{Type: indicator.Domain, Value: "accounts-verify.example"}}, PutOptions{Distribution: DistAgency})
	if err != nil {
		t.Fatal(err)
	}
	indID := recs[0].ID

	if _, err := s.CreateAdvisory(ctx, f.vA, aAct, content("x"), AdvisoryTarget{Distribution: DistAll}, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a party wrote an advisory: %v", err)
	}
	if _, err := s.CreateAdvisory(ctx, f.vAgency, ag, content("red"), AdvisoryTarget{Distribution: DistAll}, nil); err != nil {
		// amber to all is fine; check RED below
		t.Fatal(err)
	}
	red := content("red")
	red.TLP = indicator.TLPRed
	if _, err := s.CreateAdvisory(ctx, f.vAgency, ag, red, AdvisoryTarget{Distribution: DistAll}, nil); !errors.Is(err, advisory.ErrInput) {
		t.Fatalf("TLP:RED to every party: %v", err)
	}
	if _, err := s.CreateAdvisory(ctx, f.vAgency, ag, content("x"), AdvisoryTarget{Distribution: DistAll}, []string{"indicator--nope"}); !errors.Is(err, advisory.ErrInput) {
		t.Fatalf("unknown indicator attached: %v", err)
	}

	adv, err := s.CreateAdvisory(ctx, f.vAgency, ag, content("Phishing wave", "Block the domain", "Reset passwords"), AdvisoryTarget{Distribution: DistAll}, []string{indID})
	if err != nil {
		t.Fatal(err)
	}
	if adv.Status != advisory.Draft || len(adv.Actions) != 2 || len(adv.Indicators) != 1 {
		t.Fatalf("draft: %+v", adv)
	}
	// A draft is the agency's alone.
	if _, err := s.GetAdvisory(ctx, f.vA, adv.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("party sees a draft: %v", err)
	}
	if err := s.AcknowledgeAdvisory(ctx, f.vA, aAct, adv.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("party acknowledged a draft: %v", err)
	}
	if _, err := s.GetIndicator(ctx, f.vA, indID); !errors.Is(err, ErrNotFound) {
		t.Fatal("the draft's indicator reached a party")
	}

	adv, err = s.PublishAdvisory(ctx, f.vAgency, ag, adv.ID)
	if err != nil || adv.Status != advisory.Published || adv.Version != 1 || len(adv.Revisions) != 1 {
		t.Fatalf("publish: %+v %v", adv, err)
	}
	if _, err := s.GetIndicator(ctx, f.vA, indID); err != nil {
		t.Fatalf("the published advisory's indicator did not reach party A: %v", err)
	}
	if _, err := s.PublishAdvisory(ctx, f.vAgency, ag, adv.ID); !errors.Is(err, advisory.ErrInput) {
		t.Fatalf("published twice: %v", err)
	}

	// A listed advisory for B only.
	onlyB, err := s.CreateAdvisory(ctx, f.vAgency, ag, content("For B", "Check B's server"), AdvisoryTarget{Distribution: DistListed, Parties: []int64{f.b.ID}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublishAdvisory(ctx, f.vAgency, ag, onlyB.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAdvisory(ctx, f.vA, onlyB.ID); !errors.Is(err, ErrNotFound) {
		t.Fatal("A sees B's advisory")
	}
	if err := s.AcknowledgeAdvisory(ctx, f.vA, aAct, onlyB.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("A acknowledged B's advisory: %v", err)
	}
	list, err := s.ListAdvisories(ctx, f.vA, AdvisoryQuery{})
	if err != nil || len(list) != 1 || list[0].ID != adv.ID {
		t.Fatalf("A's list: %+v %v", list, err)
	}

	// A reads, acknowledges and ticks one action with a comment.
	if err := s.MarkAdvisoryRead(ctx, f.vA, aAct, adv.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.AcknowledgeAdvisory(ctx, f.vA, aAct, adv.ID); err != nil {
		t.Fatal(err)
	}
	act := adv.Actions[0].ID
	if err := s.TickAdvisoryAction(ctx, f.vA, aAct, adv.ID, act, true, "blocked on the resolver"); err != nil {
		t.Fatal(err)
	}
	if err := s.TickAdvisoryAction(ctx, f.vA, aAct, adv.ID, onlyB.Actions[0].ID, true, ""); !errors.Is(err, advisory.ErrInput) {
		t.Fatalf("ticked another advisory's action: %v", err)
	}
	if err := s.TickAdvisoryAction(ctx, f.vAgency, ag, adv.ID, act, true, ""); !errors.Is(err, advisory.ErrInput) {
		t.Fatalf("the agency ticked: %v", err)
	}

	// The agency: A 1/2 acknowledged, B unread.
	prog, err := s.AdvisoryProgress(ctx, f.vAgency, adv.ID)
	if err != nil || len(prog) != 2 {
		t.Fatalf("progress: %+v %v", prog, err)
	}
	if prog[0].OrgName != "Party A" || prog[0].State() != "acknowledged" || prog[0].Done != 1 || prog[0].Total != 2 || prog[0].AckedBy != "user:ann" {
		t.Errorf("A: %+v", prog[0])
	}
	if prog[1].OrgName != "Party B" || prog[1].State() != "unread" || prog[1].Done != 0 {
		t.Errorf("B: %+v", prog[1])
	}
	// B sees its own line only, never A's ticks or comments.
	progB, err := s.AdvisoryProgress(ctx, f.vB, adv.ID)
	if err != nil || len(progB) != 1 || progB[0].OrgID != f.b.ID {
		t.Fatalf("B's progress: %+v %v", progB, err)
	}
	gotB, err := s.GetAdvisory(ctx, f.vB, adv.ID)
	if err != nil || len(gotB.Ticks) != 0 || gotB.Receipt == nil || gotB.Receipt.OrgID != f.b.ID || gotB.Receipt.Done != 0 {
		t.Fatalf("B's view: %+v %v", gotB, err)
	}
	if _, err := s.AdvisoryTicksOf(ctx, f.vB, adv.ID, f.a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B read A's ticks: %v", err)
	}
	ticks, err := s.AdvisoryTicksOf(ctx, f.vAgency, adv.ID, f.a.ID)
	if err != nil || len(ticks) != 1 || ticks[0].Comment != "blocked on the resolver" || ticks[0].By != "user:ann" {
		t.Fatalf("A's ticks to the agency: %+v %v", ticks, err)
	}
	gotA, _ := s.GetAdvisory(ctx, f.vA, adv.ID)
	if !gotA.Ticks[act].Done || gotA.Ticks[act].Comment != "blocked on the resolver" {
		t.Fatalf("A's own ticks: %+v", gotA.Ticks)
	}
	for _, r := range gotA.Revisions {
		if r.Actor != "" {
			t.Errorf("a party sees who at the agency wrote revision %d", r.Version)
		}
	}

	// A revision: needs a summary; keeps A's tick on the unchanged action,
	// adds one; A's acknowledgement is now of an older version.
	ch := AdvisoryChange{Content: content("Phishing wave", "Block the domain", "Reset passwords", "Block accounts-verify2.example"), Target: AdvisoryTarget{Distribution: DistAll}}
	if _, err := s.UpdateAdvisory(ctx, f.vAgency, ag, adv.ID, ch); !errors.Is(err, advisory.ErrInput) {
		t.Fatalf("revision without summary: %v", err)
	}
	ch.Summary = "updated: new domain added"
	adv, err = s.UpdateAdvisory(ctx, f.vAgency, ag, adv.ID, ch)
	if err != nil || adv.Version != 2 || len(adv.Revisions) != 2 || adv.Revisions[0].Summary != "updated: new domain added" {
		t.Fatalf("revision: %+v %v", adv, err)
	}
	prog, _ = s.AdvisoryProgress(ctx, f.vAgency, adv.ID)
	if prog[0].Done != 1 || prog[0].Total != 3 || prog[0].AckedVersion != 1 {
		t.Fatalf("A after the revision: %+v", prog[0])
	}
	ch.Summary = "bad\r\nBcc: x@example.org"
	if _, err := s.UpdateAdvisory(ctx, f.vAgency, ag, adv.ID, ch); !errors.Is(err, advisory.ErrInput) {
		t.Fatalf("summary with a line break: %v", err)
	}

	// Reminders go to the late: A (old version acknowledged, 1/3) and B.
	sent, err := s.RemindAdvisory(ctx, f.vAgency, ag, adv.ID, nil)
	if err != nil || len(sent) != 2 {
		t.Fatalf("remind: %+v %v", sent, err)
	}
	if _, err := s.RemindAdvisory(ctx, f.vA, aAct, adv.ID, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a party sent a reminder: %v", err)
	}
	if _, err := s.RemindAdvisory(ctx, f.vAgency, ag, onlyB.ID, []int64{f.a.ID}); !errors.Is(err, advisory.ErrInput) {
		t.Fatalf("reminded A of B's advisory: %v", err)
	}
	prog, _ = s.AdvisoryProgress(ctx, f.vAgency, adv.ID)
	if prog[1].Reminders != 1 || prog[1].LastReminder.IsZero() {
		t.Fatalf("B's reminders: %+v", prog[1])
	}

	// The follow-up the risk assessment reads.
	fu, err := s.AdvisoryFollowUps(ctx, f.vAgency, 0)
	if err != nil {
		t.Fatal(err)
	}
	byOrg := map[int64]AdvisoryFollowUp{}
	for _, x := range fu {
		byOrg[x.OrgID] = x
	}
	if a := byOrg[f.a.ID]; a.Advisories != 1 || a.Acknowledged != 1 || a.ActionsDone != 1 || a.ActionsTotal != 3 {
		t.Errorf("A's follow-up: %+v", a)
	}
	if b := byOrg[f.b.ID]; b.Advisories != 2 || b.Acknowledged != 0 || b.ActionsTotal != 4 || len(b.Unacknowledged) != 2 {
		t.Errorf("B's follow-up: %+v", b)
	}
	if fu, _ := s.AdvisoryFollowUps(ctx, f.vA, f.b.ID); len(fu) != 1 || fu[0].OrgID != f.a.ID {
		t.Errorf("A asked for B's follow-up and got %+v", fu)
	}

	// Withdrawal: the indicator leaves party A's feed; no more ticks.
	adv, err = s.WithdrawAdvisory(ctx, f.vAgency, ag, adv.ID, "false positive")
	if err != nil || adv.Status != advisory.Withdrawn {
		t.Fatalf("withdraw: %+v %v", adv, err)
	}
	if _, err := s.GetIndicator(ctx, f.vA, indID); !errors.Is(err, ErrNotFound) {
		t.Fatal("the withdrawn advisory's indicator is still with party A")
	}
	feed, err := s.ListIndicators(ctx, f.vA, IndicatorQuery{Feed: true})
	if err != nil {
		t.Fatal(err)
	}
	withdrawn := false
	for _, r := range feed {
		withdrawn = withdrawn || (r.ID == indID && r.Withdrawn)
	}
	if !withdrawn {
		t.Fatalf("party A's feed does not tell its sensors to drop the indicator: %+v", feed)
	}
	if err := s.TickAdvisoryAction(ctx, f.vA, aAct, adv.ID, act, false, ""); !errors.Is(err, advisory.ErrInput) {
		t.Fatalf("ticked a withdrawn advisory: %v", err)
	}
	if got, err := s.GetAdvisory(ctx, f.vA, adv.ID); err != nil || got.Status != advisory.Withdrawn {
		t.Fatalf("A no longer sees the withdrawn advisory: %v", err)
	}
}
