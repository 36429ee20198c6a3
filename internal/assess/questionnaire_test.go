package assess

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

func TestCurrentQuestionnaireIsWellFormed(t *testing.T) {
	q := Current()
	if err := q.Check(); err != nil {
		t.Fatal(err)
	}
	if n := len(q.Questions); n < 30 || n > 50 {
		t.Errorf("%d questions, want 30 to 50", n)
	}
	per := map[GroupID]int{}
	for _, x := range q.Questions {
		per[x.Group]++
	}
	for _, g := range q.Groups {
		if per[g.ID] < 5 {
			t.Errorf("group %s has %d questions, want at least 5", g.ID, per[g.ID])
		}
	}
	if len(q.Groups) != 6 {
		t.Errorf("%d groups, want 6", len(q.Groups))
	}
}

func TestCheckNamesMissingTranslation(t *testing.T) {
	q := Current()
	q.Questions[3].Why.FR = ""
	q.Questions[5].Options[0].Label.EN = ""
	err := q.Check()
	if err == nil {
		t.Fatal("Check accepted a question without French reason")
	}
	for _, want := range []string{q.Questions[3].ID, "why missing", q.Questions[5].ID, "label missing"} {
		if !contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestCurrentReturnsACopy(t *testing.T) {
	a := Current()
	a.Questions[0].Options[0].Credit = 1
	a.Questions[0].Threats[0] = "x"
	if b := Current(); b.Questions[0].Options[0].Credit != 100 || b.Questions[0].Threats[0] == "x" {
		t.Fatal("Current shares its tables with callers")
	}
}

// The hub serves the questionnaire as JSON to build the form.
func TestQuestionnaireJSONRoundTrip(t *testing.T) {
	q := Current()
	b, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	var back Questionnaire
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, q) {
		t.Fatal("questionnaire changed through JSON")
	}
}

// Answers given against version 1 stay readable under a version 2 that
// retired a question and an option.
func TestOldAnswersUnderNewQuestionnaire(t *testing.T) {
	v2 := Current()
	v2.Version = 2
	v2.Questions = slices.DeleteFunc(v2.Questions, func(x Question) bool { return x.ID == "dev-usb" })
	for i, x := range v2.Questions {
		if x.ID == "acc-mfa-mail" {
			v2.Questions[i].Options = slices.DeleteFunc(x.Options, func(o Option) bool { return o.Value == "sms" })
		}
	}
	old := Answers{QuestionnaireVersion: 1, Items: []Answer{{"dev-usb", "yes"}, {"acc-mfa-mail", "sms"}, {"dev-lock", "yes"}}}
	if err := Validate(v2, old); err == nil {
		t.Error("Validate accepts version-1 answers as a new version-2 submission")
	}
	a := Assess(v2, old, Facts{}, now)
	if a.AnswersVersion != 1 || a.QuestionnaireVersion != 2 || len(a.Ignored) != 2 {
		t.Fatalf("versions %d/%d, ignored %+v", a.AnswersVersion, a.QuestionnaireVersion, a.Ignored)
	}
	if e := evidence(t, a, "dev-lock"); e.Credit != 100 {
		t.Errorf("a still-valid answer was lost: %+v", e)
	}
}
