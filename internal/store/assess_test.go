package store

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/assess"
	"github.com/vigie-project/vigie/internal/indicator"
)

// TestAssessStore runs the assessment storage against both databases:
// answers are versioned, a stored assessment comes back with its inputs
// and recomputes to the same figures, the trend is in time order, sensor
// activity and exposure are measured, and party B sees none of A's.
func TestAssessStore(t *testing.T) {
	for _, db := range []struct {
		name string
		open opener
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(db.name, func(t *testing.T) { testAssessStore(t, db.open) })
	}
}

func testAssessStore(t *testing.T, open opener) {
	f := newFixture(t, open)
	ctx, s := f.ctx, f.s
	t0 := time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return t0 })

	if _, err := s.LatestAnswers(ctx, f.vA, f.a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no answers yet: %v", err)
	}
	first := assess.Answers{QuestionnaireVersion: 1, AnsweredBy: "user:ann", AnsweredAt: t0, Items: []assess.Answer{{Question: "acc-mfa-mail", Value: "sms"}}}
	id1, err := s.SaveAnswers(ctx, Actor{OrgID: f.a.ID, Name: "user:ann"}, f.a.ID, first)
	if err != nil {
		t.Fatal(err)
	}
	second := first
	second.AnsweredAt, second.AnsweredBy = t0.Add(time.Hour), "user:amy"
	second.Items = []assess.Answer{{Question: "acc-mfa-mail", Value: "keys"}, {Question: "dev-updates", Value: assess.DontKnow}}
	id2, err := s.SaveAnswers(ctx, Actor{OrgID: f.a.ID, Name: "user:amy"}, f.a.ID, second)
	if err != nil || id2 == id1 {
		t.Fatal(id2, err)
	}
	got, err := s.LatestAnswers(ctx, f.vA, f.a.ID)
	if err != nil || got.ID != id2 || got.AnsweredBy != "user:amy" || !reflect.DeepEqual(got.Items, second.Items) || !got.AnsweredAt.Equal(second.AnsweredAt) {
		t.Fatalf("latest answers: %+v %v", got, err)
	}
	old, err := s.GetAnswers(ctx, f.vAgency, f.a.ID, id1)
	if err != nil || old.AnsweredBy != "user:ann" || old.Items[0].Value != "sms" {
		t.Fatalf("first version kept: %+v %v", old, err)
	}
	if h, err := s.AnswersHistory(ctx, f.vA, f.a.ID, 0); err != nil || len(h) != 2 || h[0].ID != id2 {
		t.Fatalf("history: %+v %v", h, err)
	}

	facts := assess.Facts{MeasuredAt: t0, Findings: assess.Findings{Sightings: 3, TriageUnknown: true}}
	res := assess.Assess(assess.Current(), second, facts, t0.Add(2*time.Hour))
	aid, err := s.SaveAssessment(ctx, f.a.ID, id2, facts, res)
	if err != nil {
		t.Fatal(err)
	}
	sa, err := s.LatestAssessment(ctx, f.vA, f.a.ID)
	if err != nil || sa.ID != aid || sa.AnswersID != id2 || sa.Org != "Party A" {
		t.Fatalf("latest assessment: %+v %v", sa.ID, err)
	}
	ans, _ := s.GetAnswers(ctx, f.vA, f.a.ID, sa.AnswersID)
	again := assess.Assess(assess.Current(), ans.Answers, sa.Facts, sa.Result.ComputedAt)
	if !reflect.DeepEqual(again, sa.Result) {
		t.Fatalf("a stored assessment does not recompute to the same figures")
	}
	later := assess.Assess(assess.Current(), second, assess.Facts{}, t0.Add(48*time.Hour))
	if _, err := s.SaveAssessment(ctx, f.a.ID, id2, assess.Facts{}, later); err != nil {
		t.Fatal(err)
	}
	trend, err := s.AssessmentTrend(ctx, f.vA, f.a.ID, time.Time{}, 0)
	if err != nil || len(trend) != 2 || !trend[0].At.Before(trend[1].At) || trend[0].Score != res.Overall.Score {
		t.Fatalf("trend: %+v %v", trend, err)
	}
	if sa, err := s.LatestAssessment(ctx, f.vAgency, f.a.ID); err != nil || !sa.Result.ComputedAt.Equal(later.ComputedAt) {
		t.Fatalf("the agency's latest of A: %v", err)
	}

	// Party B sees nothing of A's, by any route.
	if _, err := s.LatestAnswers(ctx, f.vB, f.a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("B reads A's answers: %v", err)
	}
	if _, err := s.GetAnswers(ctx, f.vB, f.a.ID, id1); !errors.Is(err, ErrNotFound) {
		t.Errorf("B reads A's old answers: %v", err)
	}
	if _, err := s.AnswersHistory(ctx, f.vB, f.a.ID, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("B lists A's answers: %v", err)
	}
	if _, err := s.LatestAssessment(ctx, f.vB, f.a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("B reads A's assessment: %v", err)
	}
	if _, err := s.GetAssessment(ctx, f.vB, f.a.ID, aid); !errors.Is(err, ErrNotFound) {
		t.Errorf("B reads A's stored assessment: %v", err)
	}
	if _, err := s.AssessmentTrend(ctx, f.vB, f.a.ID, time.Time{}, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("B reads A's trend: %v", err)
	}
	if _, err := s.SensorTokens(ctx, f.vB, f.a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("B lists A's sensors: %v", err)
	}
	if _, err := s.ExposureSince(ctx, f.vB, f.a.ID, time.Time{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("B reads A's exposure: %v", err)
	}

	// Sensor activity: pulls and reports by kind, per token.
	tok, err := s.CreateToken(ctx, cli, Token{OrgID: f.a.ID, Role: RoleSensor, Name: "office", Hash: "h1", Prefix: "vgt_off"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateToken(ctx, cli, Token{OrgID: f.b.ID, Role: RoleSensor, Name: "b-office", Hash: "h2", Prefix: "vgt_bof"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordPull(ctx, tok.ID, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordReport(ctx, tok.ID, []string{"dns", "mail"}, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordReport(ctx, tok.ID, []string{"dns"}, t0.Add(-time.Hour)); err != nil { // late: does not go back in time
		t.Fatal(err)
	}
	sens, err := s.SensorTokens(ctx, f.vA, f.a.ID)
	if err != nil || len(sens) != 1 || sens[0].Name != "office" || !sens[0].LastPullAt.Equal(t0) || len(sens[0].Reports) != 2 || !sens[0].Reports["dns"].Equal(t0.Add(time.Minute)) {
		t.Fatalf("sensor tokens: %+v %v", sens, err)
	}

	// Exposure: matched sightings, phishing stopped, look-alikes blocked.
	if _, _, err := s.PutIndicators(ctx, f.vAgency, cli, []indicator.Indicator{{Type: indicator.Domain, Value: "evil.example"}, {Type: indicator.Domain, Value: "partl-a.example"}}, PutOptions{Distribution: DistAll}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddSightings(ctx, f.a.ID, []Sighting{{ClientID: "1", Type: "domain", Value: "evil.example", ObservedAt: t0, Count: 1, Sensor: "vigie-dns"}, {ClientID: "2", Type: "domain", Value: "harmless.example", ObservedAt: t0, Count: 1}}, Correlation{}); err != nil {
		t.Fatal(err)
	}
	mail := `{"sensor":"mail","host":"mx","subject":{"kind":"mail","name":"<m1@x>"},"match":{"kind":"check","type":"phishing","value":"x"},"evidence":[{"name":"verdict","data":"phishing (score 9.0)"}]}`
	mail2 := `{"sensor":"mail","host":"mx","subject":{"kind":"mail","name":"<m1@x>"},"match":{"kind":"check","type":"auth","value":"y"},"evidence":[{"name":"verdict","data":"phishing (score 9.0)"}]}`
	clean := `{"sensor":"mail","host":"mx","subject":{"kind":"mail","name":"<m2@x>"},"evidence":[{"name":"verdict","data":"suspicious (score 3.0)"}]}`
	look := func(d string) string {
		return `{"sensor":"domains","subject":{"kind":"domain","name":"` + d + `"},"match":{"kind":"check","type":"lookalike","value":"typo"}}`
	}
	if _, err := s.AddFindings(ctx, f.a.ID, []Finding{
		{ClientID: "m1", At: t0, Sensor: "mail", Body: []byte(mail)}, {ClientID: "m1b", At: t0, Sensor: "mail", Body: []byte(mail2)},
		{ClientID: "m2", At: t0, Sensor: "mail", Body: []byte(clean)},
		{ClientID: "l1", At: t0, Sensor: "domains", Body: []byte(look("partl-a.example"))}, {ClientID: "l2", At: t0, Sensor: "domains", Body: []byte(look("party-a.example.net"))},
	}); err != nil {
		t.Fatal(err)
	}
	e, err := s.ExposureSince(ctx, f.vA, f.a.ID, t0.Add(-24*time.Hour))
	if err != nil || e != (Exposure{Sightings: 1, PhishingStopped: 1, Lookalikes: 2, LookalikesBlocked: 1}) {
		t.Fatalf("exposure: %+v %v", e, err)
	}
	if e, _ := s.ExposureSince(ctx, f.vB, f.b.ID, time.Time{}); e != (Exposure{}) {
		t.Fatalf("B's exposure holds A's: %+v", e)
	}
}

func TestSensorKind(t *testing.T) {
	for in, want := range map[string]string{"vigie-dns": "dns", "DNS": "dns", "vigie-mail": "mail", "scan": "scan", "vigie-scan": "scan", "domains": "domains", "posture": "posture", "laptop": "", "": ""} {
		if got := SensorKind(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
