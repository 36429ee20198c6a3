package assess

import "testing"

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
