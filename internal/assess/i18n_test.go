package assess

import (
	"testing"
	"time"
)

func checkText(t *testing.T, where string, x Text) {
	t.Helper()
	if x.FR == "" || x.EN == "" {
		t.Errorf("%s: French or English text missing: %+v", where, x)
	}
}

// Every question, reason, option, fact and action exists in French and
// English.
func TestEveryTextInBothLanguages(t *testing.T) {
	q := Current()
	for _, g := range q.Groups {
		checkText(t, "group "+string(g.ID), g.Title)
	}
	for _, x := range q.Questions {
		checkText(t, x.ID+" text", x.Text)
		checkText(t, x.ID+" why", x.Why)
		checkText(t, x.ID+" action", x.Action)
		for _, o := range x.Options {
			checkText(t, x.ID+" option "+o.Value, o.Label)
		}
	}
	for _, r := range factRules {
		checkText(t, r.ID+" title", r.Title)
		checkText(t, r.ID+" why", r.Why)
		checkText(t, r.ID+" action", r.Action)
	}
	// Generated texts: run assessments that reach every branch.
	in := loadCase(t, "volunteer-party")
	inputs := []struct {
		a Answers
		f Facts
	}{
		{in.Answers, in.Facts},
		{Answers{}, Facts{}},
		{Answers{Items: []Answer{{"mail-antispoof", "no"}, {"x", "y"}}}, Facts{MeasuredAt: now,
			Posture:  []PostureCheck{{ID: "mail.dmarc", Status: "pass"}, {ID: "web.https", Status: "error"}, {ID: "web.hsts", Status: "?"}},
			Sensors:  []Sensor{{Kind: "dns", LastSeen: now}, {Kind: "mail", LastSeen: now.Add(-time.Hour), IndicatorsUpdated: now}},
			Findings: Findings{PhishingStopped: 5, LeakCasesOpen: 1, Sightings: -1}}},
	}
	for i, c := range inputs {
		a := Assess(q, c.a, c.f, now)
		checkText(t, "overall summary", a.Overall.Summary)
		for _, x := range a.Overall.Exposure {
			checkText(t, "exposure", x)
		}
		for _, g := range a.Groups {
			checkText(t, "group title", g.Title)
			for _, e := range g.Evidence {
				checkText(t, e.Item+" evidence title", e.Title)
				checkText(t, e.Item+" evidence note", e.Note)
			}
		}
		for _, x := range a.Plan {
			checkText(t, x.Item+" plan text", x.Text)
			checkText(t, x.Item+" plan why", x.Why)
			checkText(t, x.Item+" plan effect", x.Effect)
		}
		for _, x := range a.Ignored {
			checkText(t, x.Field+" ignored reason", x.Reason)
		}
		if len(a.Plan) == 0 && i != 1 {
			t.Errorf("input %d: empty plan", i)
		}
	}
}
