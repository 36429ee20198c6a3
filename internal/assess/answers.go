package assess

import (
	"fmt"
	"strings"
	"time"
)

// Limits on a set of answers, so that a hostile or broken client cannot make
// the hub store or score something unbounded.
const (
	MaxAnswers     = 500
	MaxValueLength = 64
	MaxIDLength    = 64
)

// Answer is one party's answer to one question.
type Answer struct {
	Question string `json:"question"`
	Value    string `json:"value"`
}

// Answers is one submission of the questionnaire: who answered, when, against
// which version. Stored as given; Assess reads it against whatever
// questionnaire is current and reports answers it cannot use.
type Answers struct {
	QuestionnaireVersion int       `json:"questionnaire_version"`
	AnsweredBy           string    `json:"answered_by"`
	AnsweredAt           time.Time `json:"answered_at"`
	Items                []Answer  `json:"items"`
}

// FieldError is a problem with one field of a submission. Field is a path a
// client can show next to the input: "items[3].value".
type FieldError struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Problem }

// ValidationError lists every problem found in a submission.
type ValidationError []FieldError

func (v ValidationError) Error() string {
	parts := make([]string, len(v))
	for i, e := range v {
		parts[i] = e.Error()
	}
	return "invalid answers: " + strings.Join(parts, "; ")
}

// Validate checks a new submission against questionnaire q, strictly: the
// version must be q's, every question id known and answered at most once,
// every value one of the question's options. It returns nil or a
// ValidationError naming each bad field (the hub turns it into a 422).
// Unanswered questions are allowed: they are scored as "don't know".
func Validate(q Questionnaire, a Answers) error {
	var errs ValidationError
	if a.QuestionnaireVersion != q.Version {
		errs = append(errs, FieldError{"questionnaire_version", fmt.Sprintf("is %d, the current questionnaire is version %d", a.QuestionnaireVersion, q.Version)})
	}
	if len(a.Items) > MaxAnswers {
		errs = append(errs, FieldError{"items", fmt.Sprintf("has %d answers, at most %d are accepted", len(a.Items), MaxAnswers)})
		return errs
	}
	seen := map[string]int{}
	for i, it := range a.Items {
		field := fmt.Sprintf("items[%d]", i)
		if it.Question == "" {
			errs = append(errs, FieldError{field + ".question", "is empty"})
			continue
		}
		if len(it.Question) > MaxIDLength {
			errs = append(errs, FieldError{field + ".question", fmt.Sprintf("is %d bytes long, at most %d", len(it.Question), MaxIDLength)})
			continue
		}
		x, ok := q.Question(it.Question)
		if !ok {
			errs = append(errs, FieldError{field + ".question", fmt.Sprintf("unknown question id %q", it.Question)})
			continue
		}
		if j, dup := seen[it.Question]; dup {
			errs = append(errs, FieldError{field + ".question", fmt.Sprintf("question %q already answered in items[%d]", it.Question, j)})
			continue
		}
		seen[it.Question] = i
		if _, ok := x.Option(it.Value); !ok {
			v := it.Value
			if len(v) > MaxValueLength {
				v = v[:MaxValueLength] + "…"
			}
			errs = append(errs, FieldError{field + ".value", fmt.Sprintf("%q is not an answer to %q (accepted: %s)", v, it.Question, optionList(x))})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func optionList(x Question) string {
	vs := make([]string, len(x.Options))
	for i, o := range x.Options {
		vs[i] = o.Value
	}
	return strings.Join(vs, ", ")
}
