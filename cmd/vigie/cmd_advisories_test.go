package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/advisory"
	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/hub/hubtest"
	"github.com/vigie-project/vigie/internal/store"
)

// TestAdvisoriesCLI: a party member without a browser lists its
// advisories, reads one, acknowledges it and ticks an action with a
// comment; the agency's follow-up shows it. A sensor token is refused
// (exit 2), a wrong action number is a usage error (exit 3).
func TestAdvisoriesCLI(t *testing.T) {
	h := hubtest.Start(t)
	ctx := context.Background()
	cli := store.Actor{Name: "test"}
	agency, _ := h.Store.OrgByName(ctx, "Agency")
	party, _ := h.Store.OrgByName(ctx, "Party A")
	member, err := hub.CreateToken(ctx, h.Store, cli, party.ID, store.RoleMember, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	va := store.Viewer{OrgID: agency.ID, Agency: true}
	c, err := advisory.Input{Title: "Phishing wave", Severity: "high", TLP: "amber", Body: "Fake **webmail** pages.", Actions: []string{"Block accounts-verify.example", "Reset passwords"}}.Check()
	if err != nil {
		t.Fatal(err)
	}
	adv, err := h.Store.CreateAdvisory(ctx, va, cli, c, store.AdvisoryTarget{Distribution: store.DistAll}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Store.PublishAdvisory(ctx, va, cli, adv.ID); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(adv.ID, 10)
	base := []string{"advisories", "--hub", h.URL, "--token", member.Secret}
	run := func(args ...string) (int, string, string) {
		t.Helper()
		return vigie(t, "", append(append([]string{}, base...), args...)...)
	}
	if code, out, errs := run("list"); code != 0 || !strings.Contains(out, "Phishing wave") || !strings.Contains(out, "[unread, 0/2 actions done]") {
		t.Fatalf("list: %d %q %q", code, out, errs)
	}
	if code, out, errs := run("show", id); code != 0 || !strings.Contains(out, "1. [ ] Block accounts-verify.example") || !strings.Contains(out, "Fake **webmail** pages.") || !strings.Contains(out, "Your party: read") {
		t.Fatalf("show: %d %q %q", code, out, errs)
	}
	if code, out, errs := run("ack", id); code != 0 || !strings.Contains(out, "acknowledged") {
		t.Fatalf("ack: %d %q %q", code, out, errs)
	}
	if code, out, errs := run("tick", id, "1", "--comment", "blocked on our resolver"); code != 0 || !strings.Contains(out, `"Block accounts-verify.example" done`) {
		t.Fatalf("tick: %d %q %q", code, out, errs)
	}
	if code, _, errs := run("tick", id, "3"); code != 3 || !strings.Contains(errs, "2 actions") {
		t.Errorf("tick 3 of 2: %d %q", code, errs)
	}
	code, out, errs := run("show", id, "--json")
	var got struct {
		Receipt struct {
			Done    int    `json:"actions_done"`
			AckedBy string `json:"acknowledged_by"`
		}
		Ticks map[string]struct {
			Done    bool
			Comment string
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.Receipt.AckedBy != "token:"+member.Prefix || len(got.Ticks) != 1 {
		t.Fatalf("show --json: %d %q %q %+v", code, out, errs, got)
	}
	prog, err := h.Store.AdvisoryProgress(ctx, va, adv.ID)
	if err != nil || len(prog) != 1 || prog[0].State() != "acknowledged" || prog[0].Done != 1 || prog[0].Total != 2 {
		t.Fatalf("the agency's follow-up: %+v %v", prog, err)
	}
	if code, _, errs := vigie(t, "", "advisories", "list", "--hub", h.URL, "--token", h.SensorToken); code != 2 || !strings.Contains(errs, "403") {
		t.Errorf("sensor token: %d %q", code, errs)
	}
	if code, _, _ := vigie(t, "", "advisories", "list"); code != 3 {
		t.Errorf("no --hub: %d", code)
	}
}
