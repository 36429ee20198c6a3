package assess

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	q := Current()
	tests := []struct {
		name   string
		items  []Answer
		ver    int
		fields []string // fields named in the error, in order; nil: valid
		says   string
	}{
		{name: "empty is valid", ver: 1},
		{name: "yes/no and choice", ver: 1, items: []Answer{{"dev-updates", "yes"}, {"acc-mfa-mail", "keys"}, {"data-donor-access", "dontknow"}}},
		{name: "unknown id", ver: 1, items: []Answer{{"dev-updates", "yes"}, {"dev-telepathy", "yes"}}, fields: []string{"items[1].question"}, says: `unknown question id "dev-telepathy"`},
		{name: "value out of range", ver: 1, items: []Answer{{"dev-updates", "maybe"}}, fields: []string{"items[0].value"}, says: "accepted: yes, partly, no, dontknow"},
		{name: "choice value of another question", ver: 1, items: []Answer{{"acc-mfa-mail", "few-mfa"}}, fields: []string{"items[0].value"}, says: "keys, app, sms"},
		{name: "yes on a choice question", ver: 1, items: []Answer{{"acc-mfa-mail", "yes"}}, fields: []string{"items[0].value"}},
		{name: "duplicate", ver: 1, items: []Answer{{"dev-lock", "yes"}, {"dev-lock", "no"}}, fields: []string{"items[1].question"}, says: "already answered in items[0]"},
		{name: "empty id", ver: 1, items: []Answer{{"", "yes"}}, fields: []string{"items[0].question"}},
		{name: "wrong version", ver: 0, fields: []string{"questionnaire_version"}},
		{name: "several problems all named", ver: 1, items: []Answer{{"x", "yes"}, {"dev-lock", ""}}, fields: []string{"items[0].question", "items[1].value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(q, Answers{QuestionnaireVersion: tt.ver, Items: tt.items})
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ve ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a ValidationError", err)
			}
			var got []string
			for _, f := range ve {
				got = append(got, f.Field)
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("fields %v, want %v (%v)", got, tt.fields, err)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
		})
	}
}

func TestValidateLimits(t *testing.T) {
	items := make([]Answer, MaxAnswers+1)
	err := Validate(Current(), Answers{QuestionnaireVersion: 1, Items: items})
	if err == nil || !strings.Contains(err.Error(), "at most 500") {
		t.Fatalf("Validate of %d answers = %v", len(items), err)
	}
	long := strings.Repeat("a", 10000)
	err = Validate(Current(), Answers{QuestionnaireVersion: 1, Items: []Answer{{"dev-lock", long}}})
	if err == nil || len(err.Error()) > 400 {
		t.Fatalf("a long value is echoed whole or accepted: %d bytes", len(err.Error()))
	}
}
