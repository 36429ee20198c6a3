package assess

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

// mini is a two-group questionnaire that isolates each rule.
func mini() Questionnaire {
	yn := func(id string, g GroupID, w int, e Effort, th ...Threat) Question {
		return Question{ID: id, Group: g, Weight: w, Kind: KindYesNo, Options: append([]Option(nil), yesNoOptions...),
			Text: Text{FR: "q " + id, EN: "q " + id}, Why: Text{FR: "w", EN: "w"}, Action: Text{FR: "a " + id, EN: "a " + id},
			Effort: e, Threats: th, Source: "test"}
	}
	q := Questionnaire{Version: 7, Groups: []Group{
		{GroupAccounts, Text{FR: "Comptes", EN: "Accounts"}},
		{GroupMail, Text{FR: "Messagerie", EN: "Mail"}},
	}}
	q.Questions = []Question{
		yn("a-heavy", GroupAccounts, 3, Effort{Hours, Free}, ThreatPhishing),
		yn("a-light", GroupAccounts, 1, Effort{Hours, Free}, ThreatDataLoss),
		yn("m-spoof", GroupMail, 2, Effort{Hours, Free}, ThreatImpersonation),
	}
	q.Questions[2].Facts = []FactLink{{"mail.spf", Replace}, {"mail.dmarc", Replace}}
	return q
}

func answers(kv ...string) Answers {
	a := Answers{QuestionnaireVersion: 7}
	for i := 0; i+1 < len(kv); i += 2 {
		a.Items = append(a.Items, Answer{kv[i], kv[i+1]})
	}
	return a
}

func group(t *testing.T, a Assessment, g GroupID) GroupScore {
	t.Helper()
	for _, x := range a.Groups {
		if x.Group == g {
			return x
		}
	}
	t.Fatalf("no group %s", g)
	return GroupScore{}
}

func evidence(t *testing.T, a Assessment, id string) Evidence {
	t.Helper()
	for _, g := range a.Groups {
		for _, e := range g.Evidence {
			if e.Item == id {
				return e
			}
		}
	}
	t.Fatalf("no evidence for %s", id)
	return Evidence{}
}

func action(a Assessment, id string) (Action, bool) {
	for _, x := range a.Plan {
		if x.Item == id {
			return x, true
		}
	}
	return Action{}, false
}

// Each answer's credit and each weight's effect on the group score:
// score = round(sum(weight*credit) / sum(weight)).
func TestAnswerCreditsAndWeights(t *testing.T) {
	tests := []struct {
		heavy, light string
		want         int
	}{
		{"yes", "yes", 100},
		{"yes", "no", 75},        // 3*100/(3+1)
		{"no", "yes", 25},        // 1*100/4
		{"partly", "partly", 50}, // partly earns 50
		{"partly", "yes", 63},    // (150+100)/4 = 62.5, half rounds up
		{"dontknow", "yes", 25},  // don't know earns nothing
		{"", "yes", 25},          // unanswered: as don't know
		{"yes", "dontknow", 75},
	}
	for _, tt := range tests {
		t.Run(tt.heavy+"/"+tt.light, func(t *testing.T) {
			kv := []string{"a-light", tt.light}
			if tt.heavy != "" {
				kv = append(kv, "a-heavy", tt.heavy)
			}
			a := Assess(mini(), answers(kv...), Facts{}, now)
			g := group(t, a, GroupAccounts)
			if g.Score != tt.want || !g.Scored {
				t.Fatalf("score %d (scored %v), want %d", g.Score, g.Scored, tt.want)
			}
			var earned, lost float64
			for _, e := range g.Evidence {
				earned += e.Earned
				lost += e.Lost
			}
			if d := earned + lost - 100; d > 0.2 || d < -0.2 {
				t.Errorf("evidence points add to %.1f+%.1f, want 100", earned, lost)
			}
		})
	}
}

func TestWeightEffect(t *testing.T) {
	// Raising the weight of the question answered "no" lowers the score by
	// exactly its share.
	for w, want := range map[int]int{1: 75, 2: 60, 3: 50, 4: 43, 5: 38} {
		q := mini()
		q.Questions[1].Weight = w
		a := Assess(q, answers("a-heavy", "yes", "a-light", "no"), Facts{}, now)
		if got := group(t, a, GroupAccounts).Score; got != want {
			t.Errorf("weight %d: score %d, want %d", w, got, want)
		}
		e := evidence(t, a, "a-light")
		if e.Weight != w || e.Credit != 0 {
			t.Errorf("weight %d: evidence %+v", w, e)
		}
		// In the plan, the weight sets the risk the action reduces and,
		// over the same cost, its priority.
		var act *Action
		for i := range a.Plan {
			if a.Plan[i].Item == "a-light" {
				act = &a.Plan[i]
			}
		}
		if act == nil || act.RiskReduced != w*100 || act.Priority != w*100*2/(2*act.Cost) {
			t.Errorf("weight %d: action %+v", w, act)
		}
	}
}

func TestChoiceCredits(t *testing.T) {
	q := Current()
	x, _ := q.Question("acc-mfa-mail")
	for _, o := range x.Options {
		a := Assess(q, Answers{QuestionnaireVersion: 1, Items: []Answer{{"acc-mfa-mail", o.Value}}}, Facts{}, now)
		if e := evidence(t, a, "acc-mfa-mail"); e.Credit != o.Credit || e.Answer != o.Value {
			t.Errorf("%s: credit %d, want %d", o.Value, e.Credit, o.Credit)
		}
	}
}

func posture(kv ...string) Facts {
	var f Facts
	for i := 0; i+2 < len(kv)+1; i += 3 {
		f.Posture = append(f.Posture, PostureCheck{ID: kv[i], Domain: kv[i+1], Status: kv[i+2]})
	}
	return f
}

func TestFactsOverrideAnswers(t *testing.T) {
	tests := []struct {
		name       string
		answer     string
		facts      Facts
		credit     int
		overridden bool
		kind       string // plan action kind, "" for none
		note       string
	}{
		{"declared yes, dmarc fails: the fact wins", "yes", posture("mail.spf", "p.fr", "pass", "mail.dmarc", "p.fr", "fail"), 0, true, ActionDo, "measurement wins"},
		{"declared no, all pass: the fact wins", "no", posture("mail.spf", "p.fr", "pass", "mail.dmarc", "p.fr", "pass"), 100, true, "", "measurement wins"},
		{"declared yes, a warn: half", "yes", posture("mail.spf", "p.fr", "warn", "mail.dmarc", "p.fr", "pass"), 50, true, ActionDo, "mail.spf=warn"},
		{"declared yes, consistent", "yes", posture("mail.spf", "p.fr", "pass", "mail.dmarc", "p.fr", "pass"), 100, false, "", "consistent"},
		{"don't know, measured: answered by the fact", "dontknow", posture("mail.dmarc", "p.fr", "fail"), 0, false, ActionDo, "answers the question"},
		{"unanswered, measured pass", "", posture("mail.dmarc", "p.fr", "pass"), 100, false, "", "answers the question"},
		{"error is not conclusive: the answer stands", "yes", posture("mail.dmarc", "p.fr", "error"), 100, false, "", "mail.dmarc=error"},
		{"not measured: the answer stands", "partly", Facts{}, 50, false, ActionDo, "Answer: Partly"},
		{"worst domain counts", "yes", posture("mail.dmarc", "a.fr", "pass", "mail.dmarc", "b.fr", "fail"), 0, true, ActionDo, "mail.dmarc=fail (b.fr)"},
		{"don't know, not measured: find out", "dontknow", Facts{}, 0, false, ActionFindOut, "Answer: Don't know"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ans Answers
			if tt.answer != "" {
				ans = answers("m-spoof", tt.answer)
			} else {
				ans = answers()
			}
			a := Assess(mini(), ans, tt.facts, now)
			e := evidence(t, a, "m-spoof")
			if e.Credit != tt.credit || e.Overridden != tt.overridden {
				t.Errorf("credit %d overridden %v, want %d %v (%s)", e.Credit, e.Overridden, tt.credit, tt.overridden, e.Note.EN)
			}
			if !strings.Contains(e.Note.EN, tt.note) {
				t.Errorf("note %q does not say %q", e.Note.EN, tt.note)
			}
			act, ok := action(a, "m-spoof")
			if tt.kind == "" && ok {
				t.Errorf("unexpected action %+v", act)
			}
			if tt.kind != "" && (!ok || act.Kind != tt.kind) {
				t.Errorf("action %+v (present %v), want kind %s", act, ok, tt.kind)
			}
			if a.Overall.Overridden != map[bool]int{true: 1}[tt.overridden] {
				t.Errorf("overall overridden %d", a.Overall.Overridden)
			}
		})
	}
}

func TestCapMode(t *testing.T) {
	q := mini()
	q.Questions[2].Facts = []FactLink{{"mail.dmarc", Cap}}
	for _, tt := range []struct {
		answer, status string
		credit         int
	}{
		{"yes", "fail", 0}, {"yes", "warn", 50}, {"partly", "warn", 50}, {"no", "pass", 0}, {"partly", "pass", 50},
	} {
		a := Assess(q, answers("m-spoof", tt.answer), posture("mail.dmarc", "p.fr", tt.status), now)
		if e := evidence(t, a, "m-spoof"); e.Credit != tt.credit {
			t.Errorf("cap %s/%s: credit %d, want %d", tt.answer, tt.status, e.Credit, tt.credit)
		}
	}
}

func TestStandalonePostureFacts(t *testing.T) {
	q := mini()
	q.Groups = append(q.Groups, Group{GroupDevices, Text{FR: "P", EN: "D"}})
	f := posture("web.https", "p.fr", "pass", "web.hsts", "p.fr", "warn", "dns.dnssec", "p.fr", "fail",
		"mail.starttls", "p.fr", "error", "mail.spf", "p.fr", "pass", "mail.caa-unknown", "p.fr", "fail",
		"web.tls", "p.fr", "fail", "mail.tls", "p.fr", "warn")
	a := Assess(q, answers("a-heavy", "yes", "a-light", "yes"), f, now)
	for id, want := range map[string]int{"posture.web.https": 100, "posture.web.hsts": 50, "posture.dns.dnssec": 0, "posture.web.tls": 0, "posture.mail.tls": 50} {
		if e := evidence(t, a, id); e.Credit != want || e.Source != SourceFact || !e.Counted {
			t.Errorf("%s: %+v, want credit %d", id, e, want)
		}
	}
	if e := evidence(t, a, "posture.mail.starttls"); e.Counted || e.Weight != 0 {
		t.Errorf("error status counted: %+v", e)
	}
	// accounts: questions 3+1 at 100, https 2*100, hsts 1*50, dnssec 1*0,
	// web.tls 1*0 -> 650/9
	if got := group(t, a, GroupAccounts).Score; got != 72 {
		t.Errorf("accounts score %d, want 72", got)
	}
	// mail.spf is linked to m-spoof: not scored again as its own item.
	for _, g := range a.Groups {
		for _, e := range g.Evidence {
			if e.Item == "posture.mail.spf" {
				t.Error("a linked check is scored twice")
			}
		}
	}
}

func TestSensorFreshness(t *testing.T) {
	tests := []struct {
		name    string
		sensors []Sensor
		scan    int
		ind     int // -1: not scored
	}{
		{"never", nil, 0, -1},
		{"seen today, fresh indicators", []Sensor{{Kind: "scan", LastSeen: now.Add(-time.Hour), IndicatorsUpdated: now.Add(-time.Hour)}}, 100, 100},
		{"seen 47h ago", []Sensor{{Kind: "scan", LastSeen: now.Add(-47 * time.Hour), IndicatorsUpdated: now.Add(-5 * 24 * time.Hour)}}, 100, 50},
		{"seen 3 days ago", []Sensor{{Kind: "scan", LastSeen: now.Add(-72 * time.Hour), IndicatorsUpdated: now.Add(-8 * 24 * time.Hour)}}, 50, 0},
		{"seen 15 days ago: stale, indicators not judged", []Sensor{{Kind: "scan", LastSeen: now.Add(-15 * 24 * time.Hour)}}, 0, -1},
		{"best of two scans, worst indicators", []Sensor{
			{Kind: "scan", LastSeen: now.Add(-20 * 24 * time.Hour)},
			{Kind: "scan", LastSeen: now.Add(-time.Hour), IndicatorsUpdated: now.Add(-time.Hour)},
			{Kind: "dns", LastSeen: now.Add(-time.Hour)},
		}, 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Assess(Current(), Answers{QuestionnaireVersion: 1}, Facts{MeasuredAt: now, Sensors: tt.sensors}, now)
			if e := evidence(t, a, "sensor.scan"); e.Credit != tt.scan {
				t.Errorf("scan credit %d, want %d (%s)", e.Credit, tt.scan, e.Note.EN)
			}
			found := false
			for _, e := range group(t, a, GroupResponse).Evidence {
				if e.Item == "sensor.indicators" {
					found = true
					if e.Credit != tt.ind {
						t.Errorf("indicators credit %d, want %d", e.Credit, tt.ind)
					}
				}
			}
			if found != (tt.ind >= 0) {
				t.Errorf("indicators scored %v, want %v", found, tt.ind >= 0)
			}
		})
	}
}

func TestFindingsAndAdvisories(t *testing.T) {
	f := Facts{
		Findings: Findings{Sightings: 4, SightingsOpen: 1, Lookalikes: 3, LookalikesHandled: 1, PhishingStopped: 2, LeakCasesOpen: 1},
		Advisories: []Advisory{
			{ID: "ADV-1", Acknowledged: true, ActionsTotal: 3, ActionsDone: 3},
			{ID: "ADV-2", ActionsTotal: 1, ActionsDone: 5}, // done capped at total
		},
	}
	a := Assess(Current(), Answers{QuestionnaireVersion: 1}, f, now)
	for id, want := range map[string]int{
		"findings.sightings": 75, "findings.lookalikes": 33,
		"advisories.acknowledged": 50, "advisories.actions": 100,
	} {
		if e := evidence(t, a, id); e.Credit != want {
			t.Errorf("%s credit %d, want %d", id, e.Credit, want)
		}
	}
	want := []Threat{ThreatPhishing, ThreatTakeover, ThreatMalware, ThreatDataTheft, ThreatImpersonation}
	if !slices.Equal(a.Overall.Targeted, want) {
		t.Errorf("targeted %v, want %v", a.Overall.Targeted, want)
	}
	if len(a.Overall.Exposure) != 4 {
		t.Errorf("exposure %v", a.Overall.Exposure)
	}
	// Nothing found: the findings items are not scored at all (being
	// attacked is not a fault; only leaving it unhandled is).
	a = Assess(Current(), Answers{QuestionnaireVersion: 1}, Facts{}, now)
	for _, g := range a.Groups {
		for _, e := range g.Evidence {
			if strings.HasPrefix(e.Item, "findings.") || strings.HasPrefix(e.Item, "advisories.") {
				t.Errorf("%s scored without findings", e.Item)
			}
		}
	}
}

func TestPlanPriorityAndThreats(t *testing.T) {
	q := mini()
	// a-heavy: w3, no -> risk 300, cost 2 (hours) -> priority 300*2/(2*2)=150
	// a-light: w1, no -> risk 100 -> 50
	// m-spoof: w2, dontknow, not measured -> find-out: risk 100, cost 1 -> 100
	a := Assess(q, answers("a-heavy", "no", "a-light", "no", "m-spoof", "dontknow"), Facts{}, now)
	got := []string{}
	for _, x := range a.Plan {
		got = append(got, x.Item)
	}
	if !slices.Equal(got, []string{"a-heavy", "m-spoof", "a-light"}) {
		t.Fatalf("plan %v", got)
	}
	if p := a.Plan[0]; p.RiskReduced != 300 || p.Cost != 2 || p.Priority != 150 || !p.Top || p.Rank != 1 || p.Gain != 75 {
		t.Errorf("first action %+v", p)
	}
	if p := a.Plan[1]; p.Kind != ActionFindOut || p.RiskReduced != 100 || p.Effort != (Effort{Minutes, Free}) || !strings.HasPrefix(p.Text.EN, "Find out: ") {
		t.Errorf("find-out action %+v", p)
	}
	// Look-alikes registered heighten impersonation: m-spoof's priority x1.5.
	a = Assess(q, answers("a-heavy", "no", "a-light", "no", "m-spoof", "dontknow"), Facts{Findings: Findings{Lookalikes: 1, LookalikesHandled: 1}}, now)
	sp, _ := action(a, "m-spoof")
	if sp.Priority != 150 || !slices.Equal(sp.Heightened, []Threat{ThreatImpersonation}) {
		t.Errorf("heightened action %+v", sp)
	}
	// Tie with a-heavy (150): broken by risk reduced (300 > 100).
	if a.Plan[0].Item != "a-heavy" || a.Plan[1].Item != "m-spoof" {
		t.Errorf("tie-break by risk: %s, %s", a.Plan[0].Item, a.Plan[1].Item)
	}
}

func TestPlanTieBreaks(t *testing.T) {
	q := mini()
	q.Questions[2].Facts = nil
	// Equal priority and risk, different cost: cheaper first.
	q.Questions[0].Weight, q.Questions[1].Weight, q.Questions[2].Weight = 2, 4, 2
	q.Questions[0].Effort = Effort{Minutes, Free} // risk 200/1 -> priority 200
	q.Questions[1].Effort = Effort{Hours, Free}   // risk 400/2 -> priority 200
	q.Questions[2].Effort = Effort{Minutes, Free} // risk 200/1 -> priority 200
	a := Assess(q, answers("a-heavy", "no", "a-light", "no", "m-spoof", "no"), Facts{}, now)
	var got []string
	for _, x := range a.Plan {
		got = append(got, x.Item)
	}
	// a-light first (more risk), then a-heavy and m-spoof tie on risk and
	// cost: group order (accounts before mail).
	if !slices.Equal(got, []string{"a-light", "a-heavy", "m-spoof"}) {
		t.Errorf("plan %v", got)
	}
	// Same group, everything equal: item id.
	q.Questions[2].Group = GroupAccounts
	q.Questions[2].ID = "a-aaa"
	a = Assess(q, answers("a-heavy", "no", "a-light", "no", "a-aaa", "no"), Facts{}, now)
	if a.Plan[1].Item != "a-aaa" || a.Plan[2].Item != "a-heavy" {
		t.Errorf("id tie-break: %v, %v", a.Plan[1].Item, a.Plan[2].Item)
	}
}

func TestEffortCost(t *testing.T) {
	for e, want := range map[Effort]int{
		{Minutes, Free}: 1, {Hours, Free}: 2, {Days, Free}: 4,
		{Minutes, LowMoney}: 2, {Hours, SomeMoney}: 5, {Days, SomeMoney}: 7,
	} {
		if got := e.Cost(); got != want {
			t.Errorf("%+v: cost %d, want %d", e, got, want)
		}
	}
}

func TestOverallLevels(t *testing.T) {
	for _, tt := range []struct {
		heavy, light, spoof string
		score               int
		level               Level
		weakest             GroupID
	}{
		{"yes", "yes", "yes", 100, LevelGood, GroupAccounts},
		{"yes", "no", "partly", 63, LevelFair, GroupMail}, // (75+50)/2 = 62.5
		{"partly", "partly", "partly", 50, LevelWeak, GroupAccounts},
		{"no", "no", "partly", 25, LevelPoor, GroupAccounts},
	} {
		a := Assess(mini(), answers("a-heavy", tt.heavy, "a-light", tt.light, "m-spoof", tt.spoof), Facts{}, now)
		if a.Overall.Score != tt.score || a.Overall.Level != tt.level || a.Overall.Weakest != tt.weakest {
			t.Errorf("%v: overall %+v, want %d %s %s", tt, a.Overall, tt.score, tt.level, tt.weakest)
		}
	}
}

func TestUnusableInputsAreReportedNotFatal(t *testing.T) {
	ans := Answers{QuestionnaireVersion: 0, Items: []Answer{
		{"dev-updates", "yes"}, {"dev-retired-question", "yes"}, {"dev-updates", "no"}, {"dev-lock", "sometimes"},
	}}
	f := Facts{
		Posture:  []PostureCheck{{ID: "web.https", Domain: "p.fr", Status: "green"}},
		Findings: Findings{Sightings: -3},
	}
	a := Assess(Current(), ans, f, now)
	var fields []string
	for _, ig := range a.Ignored {
		fields = append(fields, ig.Field)
		if ig.Reason.FR == "" || ig.Reason.EN == "" {
			t.Errorf("%s: reason missing a language", ig.Field)
		}
	}
	want := []string{"items[1].question", "items[2].question", "items[3].value", "posture[0].status", "findings.sightings"}
	if !slices.Equal(fields, want) {
		t.Errorf("ignored %v, want %v", fields, want)
	}
	if e := evidence(t, a, "dev-updates"); e.Answer != "yes" || e.Credit != 100 {
		t.Errorf("first answer should count: %+v", e)
	}
	if e := evidence(t, a, "dev-lock"); e.Credit != 0 || e.Answer != "" {
		t.Errorf("invalid value should count as unanswered: %+v", e)
	}
	if a.AnswersVersion != 0 || a.QuestionnaireVersion != 1 {
		t.Errorf("versions %d/%d", a.AnswersVersion, a.QuestionnaireVersion)
	}
}

func TestEmptyInputs(t *testing.T) {
	a := Assess(Questionnaire{}, Answers{}, Facts{}, time.Time{})
	if a.Overall.Score != 0 || a.Overall.Level != LevelPoor || len(a.Plan) != 0 {
		t.Errorf("empty assessment %+v", a)
	}
	a = Assess(Current(), Answers{}, Facts{}, now)
	if a.Overall.Unknown != len(Current().Questions) || a.Overall.Answered != 0 {
		t.Errorf("unanswered: %+v", a.Overall)
	}
	for _, x := range a.Plan {
		if strings.HasPrefix(x.Item, "sensor.") {
			continue
		}
		if x.Kind != ActionFindOut {
			t.Errorf("%s: kind %s with no answers", x.Item, x.Kind)
		}
	}
}

func TestHugeCountsStayInRange(t *testing.T) {
	big := int(^uint(0) >> 1)
	f := Facts{
		Findings:   Findings{Sightings: big, SightingsOpen: big / 3, Lookalikes: big, LookalikesHandled: big - 1},
		Advisories: []Advisory{{ActionsTotal: big, ActionsDone: big}, {ActionsTotal: big, ActionsDone: 1}},
	}
	a := Assess(Current(), Answers{}, f, now)
	for _, id := range []string{"findings.sightings", "findings.lookalikes", "advisories.actions"} {
		if e := evidence(t, a, id); e.Credit < 0 || e.Credit > 100 {
			t.Errorf("%s credit %d", id, e.Credit)
		}
	}
	if len(a.Ignored) != 4 {
		t.Errorf("capped counts not reported: %+v", a.Ignored)
	}
}

func TestFutureSensorTimestampsNotBelieved(t *testing.T) {
	f := Facts{MeasuredAt: now, Sensors: []Sensor{
		{Kind: "scan", Name: "skewed", LastSeen: now.Add(48 * time.Hour), IndicatorsUpdated: now},
		{Kind: "dns", Name: "ok", LastSeen: now.Add(30 * time.Minute), IndicatorsUpdated: now},
	}}
	a := Assess(Current(), Answers{}, f, now)
	if e := evidence(t, a, "sensor.scan"); e.Credit != 0 {
		t.Errorf("a sensor dated in the future earned %d", e.Credit)
	}
	if e := evidence(t, a, "sensor.dns"); e.Credit != 100 {
		t.Errorf("a sensor within the allowed skew earned %d", e.Credit)
	}
	if len(a.Ignored) != 1 || a.Ignored[0].Field != "sensors[0]" {
		t.Errorf("ignored %+v", a.Ignored)
	}
}

// TestTriageUnknown: when the hub does not record triage, the sightings
// still show the threats but the triage item is not scored (an unknown is
// neither full credit nor none).
func TestTriageUnknown(t *testing.T) {
	f := Facts{Findings: Findings{Sightings: 4, SightingsOpen: 4, TriageUnknown: true}}
	a := Assess(Current(), Answers{QuestionnaireVersion: 1}, f, now)
	for _, g := range a.Groups {
		for _, e := range g.Evidence {
			if e.Item == "findings.sightings" {
				t.Fatalf("findings.sightings scored with triage unknown: %+v", e)
			}
		}
	}
	if !slices.Contains(a.Overall.Targeted, ThreatMalware) {
		t.Errorf("sightings no longer show the threat: %v", a.Overall.Targeted)
	}
	if len(a.Overall.Exposure) != 1 || strings.Contains(a.Overall.Exposure[0].EN, "triaged") {
		t.Errorf("exposure %v", a.Overall.Exposure)
	}
}
