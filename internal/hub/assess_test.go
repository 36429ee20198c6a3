package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/advisory"
	"github.com/vigie-project/vigie/internal/assess"
	"github.com/vigie-project/vigie/internal/posture"
	"github.com/vigie-project/vigie/internal/store"
)

func TestAssessAPI(t *testing.T) { testAssessAPI(newEnv(t)) }

func TestAssessAPIPostgres(t *testing.T) { testAssessAPI(newEnvOn(t, pgSchema(t))) }

type storedAssessment struct {
	ID        int64             `json:"id"`
	Org       string            `json:"org"`
	AnswersID int64             `json:"answers_id"`
	Facts     assess.Facts      `json:"facts"`
	Result    assess.Assessment `json:"assessment"`
}

func decode[T any](t *testing.T, r resp) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("not JSON (%d): %s", r.code, r.body)
	}
	return v
}

// testAssessAPI: party A answers, gets its assessment, plan and trend; bad
// answers get a 422 naming the field; the agency reads A's and the
// overview; party B reaches none of A's on any route; the sensors' pulls
// and reports become the coverage facts; a stored assessment recomputes to
// the same figures.
func testAssessAPI(e *env) {
	t := e.t
	q := decode[assess.Questionnaire](t, e.expect(e.do("GET", "/api/v1/assessment/questionnaire", "a-member", nil), 200))
	if q.Version != assess.QuestionnaireVersion || len(q.Questions) != len(assess.Current().Questions) {
		t.Fatalf("questionnaire: version %d, %d questions", q.Version, len(q.Questions))
	}

	// Bad answers: 422, naming the field; nothing stored.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"questionnaire_version": 1, "items": []map[string]string{{"question": "no-such-question", "value": "yes"}}}, "items[0].question"},
		{map[string]any{"questionnaire_version": 1, "items": []map[string]string{{"question": "acc-mfa-cloud", "value": "yes"}, {"question": "acc-mfa-mail", "value": "maybe"}}}, "items[1].value"},
		{map[string]any{"questionnaire_version": 99, "items": []map[string]string{}}, "questionnaire_version"},
	} {
		r := e.expect(e.do("PUT", "/api/v1/assessment/answers", "a-member", tc.body), 422)
		var body struct {
			Error    string              `json:"error"`
			Problems []assess.FieldError `json:"problems"`
		}
		json.Unmarshal(r.body, &body)
		if len(body.Problems) != 1 || body.Problems[0].Field != tc.field || !strings.Contains(body.Error, tc.field) {
			t.Errorf("%v: %s", tc.body, r.body)
		}
	}
	e.expect(e.do("PUT", "/api/v1/assessment/answers", "a-member", `{"items": [`), 400)
	if h := e.do("GET", "/api/v1/assessment/answers/history", "a-member", nil).items(t); len(h) != 0 {
		t.Fatalf("a refused submission was stored: %v", h)
	}

	// The sensors: a pull and a report by A's sensor token.
	e.expect(e.do("GET", "/api/v1/indicators", "a-sensor", nil), 200)
	e.expect(e.do("POST", "/api/v1/sightings", "a-sensor", map[string]any{"items": []any{sighting("s1", "domain", "nothing.example", time.Now())}}), 200)

	// A declares its domain and the hub checked it: DMARC fails.
	ctx := context.Background()
	if _, err := e.st.PutOrgSettings(ctx, store.Viewer{OrgID: e.a.ID}, cliActor, e.a.ID, store.OrgSettings{MailDomains: []string{"party-a.example"}}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := e.st.AddPostureRun(ctx, e.a.ID, now, now, posture.Result{Domain: "party-a.example", Checks: []posture.Check{{ID: "mail.dmarc", Status: posture.StatusFail, Summary: "no DMARC record"}, {ID: "dns.dnssec", Status: posture.StatusPass}}}); err != nil {
		t.Fatal(err)
	}

	// An advisory to every party with two actions: A acknowledges it and
	// does one.
	c, err := advisory.Input{Title: "Fake webmail pages", Severity: "high", TLP: "green", Body: "Campaign under way.", Actions: []string{"Turn on security keys", "Warn the staff"}}.Check()
	if err != nil {
		t.Fatal(err)
	}
	agency := store.Viewer{OrgID: e.agency.ID, Agency: true}
	adv, err := e.st.CreateAdvisory(ctx, agency, cliActor, c, store.AdvisoryTarget{Distribution: store.DistAll}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if adv, err = e.st.PublishAdvisory(ctx, agency, cliActor, adv.ID); err != nil {
		t.Fatal(err)
	}
	vA := store.Viewer{OrgID: e.a.ID}
	if err := e.st.AcknowledgeAdvisory(ctx, vA, cliActor, adv.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.st.TickAdvisoryAction(ctx, vA, cliActor, adv.ID, adv.Actions[0].ID, true, ""); err != nil {
		t.Fatal(err)
	}

	// A leak case with an item shared with A, statement not published.
	lc, err := e.st.CreateLeakCase(ctx, cliActor, "Dump of party A's mail", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.ReplaceLeakItems(ctx, cliActor, lc.ID, store.CaseSource{Source: "test"}, []store.LeakItem{{N: 1, Path: "mail/1.eml", Kind: "mail", Machine: "authentic", Verdict: "authentic", Data: "{}"}}); err != nil {
		t.Fatal(err)
	}
	items, _, err := e.st.ListLeakItems(ctx, agency, lc.ID, store.LeakItemFilter{Limit: 10})
	if err != nil || len(items) != 1 {
		t.Fatal(items, err)
	}
	if err := e.st.ShareLeakItems(ctx, cliActor, lc.ID, []int64{items[0].ID}, e.a.ID, true); err != nil {
		t.Fatal(err)
	}

	// A answers: "don't know" is an answer.
	answers := map[string]any{"questionnaire_version": 1, "items": []map[string]string{
		{"question": "acc-mfa-mail", "value": "password"}, {"question": "acc-mfa-cloud", "value": "dontknow"}, {"question": "acc-separate", "value": "yes"}}}
	sa := decode[storedAssessment](t, e.expect(e.do("PUT", "/api/v1/assessment/answers", "a-member", answers), 200))
	if sa.Org != "Party A" || sa.AnswersID == 0 || sa.Result.AnsweredBy == "" || len(sa.Result.Plan) == 0 || !sa.Result.Plan[0].Top {
		t.Fatalf("assessment after answering: %+v", sa)
	}
	if len(sa.Facts.Posture) != 2 || sa.Facts.Posture[0].Domain != "party-a.example" {
		t.Fatalf("posture facts: %+v", sa.Facts.Posture)
	}
	measured := false
	for _, g := range sa.Result.Groups {
		for _, ev := range g.Evidence {
			measured = measured || slices.Contains(ev.Facts, "mail.dmarc=fail (party-a.example)")
		}
	}
	if !measured {
		t.Fatal("the failed DMARC check is not in the evidence")
	}
	if len(sa.Facts.Advisories) != 1 || !sa.Facts.Advisories[0].Acknowledged || sa.Facts.Advisories[0].ActionsTotal != 2 || sa.Facts.Advisories[0].ActionsDone != 1 {
		t.Fatalf("advisory facts: %+v", sa.Facts.Advisories)
	}
	if sa.Facts.Findings.LeakCasesOpen != 1 || !slices.Contains(sa.Result.Overall.Targeted, assess.ThreatDataTheft) {
		t.Fatalf("leak case facts: %+v", sa.Facts.Findings)
	}
	if len(sa.Facts.Sensors) != 1 || sa.Facts.Sensors[0].Kind != "dns" || sa.Facts.Sensors[0].IndicatorsUpdated.IsZero() {
		t.Fatalf("sensor facts: %+v", sa.Facts.Sensors)
	}
	got := decode[struct {
		ID int64 `json:"id"`
		assess.Answers
	}](t, e.expect(e.do("GET", "/api/v1/assessment/answers", "a-admin", nil), 200))
	if got.ID != sa.AnswersID || len(got.Items) != 3 || got.Items[1].Value != assess.DontKnow || !strings.HasPrefix(got.AnsweredBy, "token:") {
		t.Fatalf("answers: %+v", got)
	}
	// A second submission is a new version; the first stays readable.
	answers["items"] = []map[string]string{{"question": "acc-mfa-mail", "value": "keys"}}
	sa2 := decode[storedAssessment](t, e.expect(e.do("PUT", "/api/v1/assessment/answers", "a-admin", answers), 200))
	if sa2.AnswersID == sa.AnswersID {
		t.Fatal("a new submission replaced the old one")
	}
	if h := e.do("GET", "/api/v1/assessment/answers/history", "a-member", nil).items(t); len(h) != 2 {
		t.Fatalf("history: %v", h)
	}
	old := e.expect(e.do("GET", "/api/v1/assessment/answers?version="+itoa(sa.AnswersID), "a-member", nil), 200)
	if !strings.Contains(string(old.body), `"password"`) {
		t.Fatalf("first version: %s", old.body)
	}

	cur := decode[storedAssessment](t, e.expect(e.do("GET", "/api/v1/assessment", "a-member", nil), 200))
	if cur.ID != sa2.ID {
		t.Fatalf("a fresh assessment was recomputed: %d, want %d", cur.ID, sa2.ID)
	}
	plan := e.expect(e.do("GET", "/api/v1/assessment/plan", "a-member", nil), 200).items(t)
	if len(plan) != len(sa2.Result.Plan) || plan[0]["top"] != true || plan[3]["top"] == true {
		t.Fatalf("plan: %d items", len(plan))
	}
	if tr := e.expect(e.do("GET", "/api/v1/assessment/trend", "a-member", nil), 200).items(t); len(tr) != 2 {
		t.Fatalf("trend: %v", tr)
	}
	e.expect(e.do("GET", "/api/v1/assessment/trend?days=0", "a-member", nil), 400)
	st := e.expect(e.do("GET", "/api/v1/assessment/stored/"+itoa(sa.ID), "a-member", nil), 200).json(t)
	if st["reproduced"] != true {
		t.Fatalf("a stored assessment does not recompute to the same figures: %v", st["reason"])
	}

	// An assessment made under an earlier questionnaire stays readable as
	// it was made; the current one is computed with today's questionnaire.
	old1 := sa2.Result
	old1.QuestionnaireVersion = 0
	oldID, err := e.st.SaveAssessment(ctx, e.a.ID, sa2.AnswersID, sa2.Facts, old1)
	if err != nil {
		t.Fatal(err)
	}
	st = e.expect(e.do("GET", "/api/v1/assessment/stored/"+itoa(oldID), "a-member", nil), 200).json(t)
	if st["reproduced"] != false || !strings.Contains(fmt.Sprint(st["reason"]), "questionnaire 0") || st["stored"].(map[string]any)["assessment"] == nil {
		t.Fatalf("an assessment of an earlier questionnaire: %v", st)
	}
	if cur := decode[storedAssessment](t, e.expect(e.do("GET", "/api/v1/assessment", "a-member", nil), 200)); cur.ID == oldID || cur.Result.QuestionnaireVersion != assess.QuestionnaireVersion {
		t.Fatalf("the current assessment is the old one: %d", cur.ID)
	}

	// The agency reads A's and sees every party side by side, but does
	// not answer for a party.
	if r := e.expect(e.do("GET", "/api/v1/assessment?org=Party+A", "agency-analyst", nil), 200); decode[storedAssessment](t, r).Org != "Party A" {
		t.Fatal("agency reads another assessment")
	}
	e.expect(e.do("GET", "/api/v1/assessment", "agency-analyst", nil), 400)
	ov := e.expect(e.do("GET", "/api/v1/assessment/overview", "agency-analyst", nil), 200).items(t)
	if len(ov) != 2 || ov[0]["org"] != "Party A" || ov[1]["org"] != "Party B" {
		t.Fatalf("overview: %v", ov)
	}
	e.expect(e.do("PUT", "/api/v1/assessment/answers", "agency-admin", answers), 403)
	e.expect(e.do("PUT", "/api/v1/assessment/answers", "a-sensor", answers), 403)
	e.expect(e.do("GET", "/api/v1/assessment", "a-sensor", nil), 403)

	// Party B: nothing of A's, on every route.
	for _, path := range []string{
		"/api/v1/assessment/answers?org=Party+A", "/api/v1/assessment/answers?org=" + itoa(e.a.ID),
		"/api/v1/assessment/answers/history?org=Party+A", "/api/v1/assessment?org=Party+A",
		"/api/v1/assessment/plan?org=Party+A", "/api/v1/assessment/trend?org=Party+A",
		"/api/v1/assessment/stored/" + itoa(sa.ID) + "?org=Party+A",
	} {
		if r := e.do("GET", path, "b-admin", nil); r.code != 404 || strings.Contains(string(r.body), "acc-mfa") {
			t.Errorf("B: %s: %d %s", path, r.code, r.body)
		}
	}
	e.expect(e.do("GET", "/api/v1/assessment/overview", "b-admin", nil), 403)
	e.expect(e.do("GET", "/api/v1/assessment/stored/"+itoa(sa.ID), "b-admin", nil), 404)
	bAns := e.expect(e.do("GET", "/api/v1/assessment/answers", "b-admin", nil), 200)
	if strings.Contains(string(bAns.body), "acc-mfa") {
		t.Fatalf("B's answers hold A's: %s", bAns.body)
	}
	bAss := decode[storedAssessment](t, e.expect(e.do("GET", "/api/v1/assessment", "b-admin", nil), 200))
	if bAss.Org != "Party B" || bAss.AnswersID != 0 || len(bAss.Facts.Sensors) != 0 || len(bAss.Facts.Posture) != 0 || bAss.Result.Overall.Answered != 0 {
		t.Fatalf("B's assessment holds A's: %+v", bAss)
	}
	if bAss.Facts.Findings.LeakCasesOpen != 0 {
		t.Fatalf("B counts A's leak case: %+v", bAss.Facts.Findings)
	}
	if len(bAss.Facts.Advisories) != 1 || bAss.Facts.Advisories[0].Acknowledged || bAss.Facts.Advisories[0].ActionsDone != 0 {
		t.Fatalf("B's advisory facts hold A's acknowledgement: %+v", bAss.Facts.Advisories)
	}
	if tr := e.do("GET", "/api/v1/assessment/trend", "b-admin", nil).items(t); len(tr) != 1 {
		t.Fatalf("B's trend: %v", tr)
	}
}
