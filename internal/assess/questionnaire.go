package assess

import (
	"errors"
	"fmt"
)

// QuestionnaireVersion is the version of the built-in questionnaire. It goes
// up whenever a question is added, removed, reworded in a way that changes
// its meaning, or re-weighted. Stored answers carry the version they were
// given against; ids are never reused, so old answers stay readable.
const QuestionnaireVersion = 1

// Text is a sentence in the two languages of Vigie's users.
type Text struct {
	FR string `json:"fr"`
	EN string `json:"en"`
}

// In returns the text in lang ("fr" or "en"); any other value gives English.
func (t Text) In(lang string) string {
	if lang == "fr" {
		return t.FR
	}
	return t.EN
}

func (t Text) complete() bool { return t.FR != "" && t.EN != "" }

// GroupID names one of the six groups of the assessment.
type GroupID string

// The groups, in the order they are shown.
const (
	GroupAccounts GroupID = "accounts"
	GroupDevices  GroupID = "devices"
	GroupMail     GroupID = "mail"
	GroupData     GroupID = "data"
	GroupPeople   GroupID = "people"
	GroupResponse GroupID = "response"
)

// Group is a heading of the questionnaire and a line of the score card.
type Group struct {
	ID    GroupID `json:"id"`
	Title Text    `json:"title"`
}

// Kind is how a question is answered.
type Kind string

const (
	// KindYesNo questions take yes, partly, no or dontknow.
	KindYesNo Kind = "yesno"
	// KindChoice questions take one of their options' values, or dontknow.
	KindChoice Kind = "choice"
)

// The answer values of yes/no questions. DontKnow is valid for every
// question.
const (
	Yes      = "yes"
	Partly   = "partly"
	No       = "no"
	DontKnow = "dontknow"
)

// Threat is an attack a measure stops. Facts showing that a party is being
// attacked this way raise the priority of the measures that stop it.
type Threat string

// The threats named by questions and facts.
const (
	ThreatPhishing      Threat = "phishing"
	ThreatTakeover      Threat = "account-takeover"
	ThreatMalware       Threat = "malware"
	ThreatDataTheft     Threat = "data-theft"
	ThreatImpersonation Threat = "impersonation"
	ThreatDataLoss      Threat = "data-loss"
)

// TimeCost is the working time an action takes.
type TimeCost string

// MoneyCost is what an action costs in money.
type MoneyCost string

// The effort scales. Their cost units are in the package doc.
const (
	Minutes TimeCost = "minutes"
	Hours   TimeCost = "hours"
	Days    TimeCost = "days"

	Free      MoneyCost = "none"
	LowMoney  MoneyCost = "low"  // under about 100 euros a year
	SomeMoney MoneyCost = "some" // a real budget line
)

// Effort is what an action costs the party.
type Effort struct {
	Time  TimeCost  `json:"time"`
	Money MoneyCost `json:"money"`
}

var timeUnits = map[TimeCost]int{Minutes: 1, Hours: 2, Days: 4}
var moneyUnits = map[MoneyCost]int{Free: 0, LowMoney: 1, SomeMoney: 3}

// Cost is the effort in cost units: time (minutes 1, hours 2, days 4) plus
// money (none 0, low 1, some 3).
func (e Effort) Cost() int { return timeUnits[e.Time] + moneyUnits[e.Money] }

// FactMode says how a measured fact bears on a declared answer.
type FactMode string

const (
	// Replace: a conclusive measurement replaces the declared answer.
	Replace FactMode = "replace"
	// Cap: a conclusive measurement can only lower the declared answer.
	Cap FactMode = "cap"
)

// FactLink ties a question to a posture check that measures the same thing.
type FactLink struct {
	Check string   `json:"check"`
	Mode  FactMode `json:"mode"`
}

// Option is one possible answer and its effect: the credit (0 to 100) the
// answer earns, 100 meaning the measure is fully in place.
type Option struct {
	Value  string `json:"value"`
	Label  Text   `json:"label"`
	Credit int    `json:"credit"`
}

// Question is one measure of the questionnaire.
type Question struct {
	ID      string     `json:"id"`
	Group   GroupID    `json:"group"`
	Weight  int        `json:"weight"` // 1 (useful) to 5 (essential)
	Kind    Kind       `json:"kind"`
	Options []Option   `json:"options"` // every accepted value, dontknow last
	Text    Text       `json:"text"`
	Why     Text       `json:"why"`    // why it matters and the attack it stops
	Action  Text       `json:"action"` // what to do when the answer is not the best one
	Effort  Effort     `json:"effort"`
	Threats []Threat   `json:"threats"`
	Facts   []FactLink `json:"facts,omitempty"`
	Source  string     `json:"source"` // ANSSI hygiene measure numbers or campaign advice
}

// Option returns the option with value v.
func (q Question) Option(v string) (Option, bool) {
	for _, o := range q.Options {
		if o.Value == v {
			return o, true
		}
	}
	return Option{}, false
}

// Questionnaire is a versioned set of questions in groups.
type Questionnaire struct {
	Version   int        `json:"version"`
	Groups    []Group    `json:"groups"`
	Questions []Question `json:"questions"`
}

// Question returns the question with the given id.
func (q Questionnaire) Question(id string) (Question, bool) {
	for _, x := range q.Questions {
		if x.ID == id {
			return x, true
		}
	}
	return Question{}, false
}

// Check verifies that a questionnaire is well formed: ids unique and
// non-empty, every group known, weights 1 to 5, credits 0 to 100, every
// text in both languages, efforts and fact modes known, dontknow present.
func (q Questionnaire) Check() error {
	var errs []error
	groups := map[GroupID]bool{}
	for _, g := range q.Groups {
		if !g.Title.complete() {
			errs = append(errs, fmt.Errorf("group %q: title missing in a language", g.ID))
		}
		groups[g.ID] = true
	}
	seen := map[string]bool{}
	for i, x := range q.Questions {
		name := fmt.Sprintf("question %d (%q)", i, x.ID)
		if x.ID == "" || seen[x.ID] {
			errs = append(errs, fmt.Errorf("%s: id empty or repeated", name))
		}
		seen[x.ID] = true
		if !groups[x.Group] {
			errs = append(errs, fmt.Errorf("%s: unknown group %q", name, x.Group))
		}
		if x.Weight < 1 || x.Weight > 5 {
			errs = append(errs, fmt.Errorf("%s: weight %d outside 1..5", name, x.Weight))
		}
		for field, t := range map[string]Text{"text": x.Text, "why": x.Why, "action": x.Action} {
			if !t.complete() {
				errs = append(errs, fmt.Errorf("%s: %s missing in a language", name, field))
			}
		}
		if _, ok := timeUnits[x.Effort.Time]; !ok {
			errs = append(errs, fmt.Errorf("%s: unknown effort time %q", name, x.Effort.Time))
		}
		if _, ok := moneyUnits[x.Effort.Money]; !ok {
			errs = append(errs, fmt.Errorf("%s: unknown effort money %q", name, x.Effort.Money))
		}
		if x.Kind != KindYesNo && x.Kind != KindChoice {
			errs = append(errs, fmt.Errorf("%s: unknown kind %q", name, x.Kind))
		}
		if len(x.Threats) == 0 {
			errs = append(errs, fmt.Errorf("%s: names no threat", name))
		}
		vals := map[string]bool{}
		best := 0
		for _, o := range x.Options {
			if o.Value == "" || vals[o.Value] {
				errs = append(errs, fmt.Errorf("%s: option %q empty or repeated", name, o.Value))
			}
			vals[o.Value] = true
			if o.Credit < 0 || o.Credit > 100 {
				errs = append(errs, fmt.Errorf("%s: option %q credit %d outside 0..100", name, o.Value, o.Credit))
			}
			if !o.Label.complete() {
				errs = append(errs, fmt.Errorf("%s: option %q label missing in a language", name, o.Value))
			}
			best = max(best, o.Credit)
		}
		if !vals[DontKnow] {
			errs = append(errs, fmt.Errorf("%s: no %q option", name, DontKnow))
		}
		if best != 100 {
			errs = append(errs, fmt.Errorf("%s: no option earns full credit", name))
		}
		for _, f := range x.Facts {
			if f.Mode != Replace && f.Mode != Cap {
				errs = append(errs, fmt.Errorf("%s: fact %q has unknown mode %q", name, f.Check, f.Mode))
			}
		}
	}
	return errors.Join(errs...)
}

var dontKnowOption = Option{Value: DontKnow, Label: Text{FR: "Je ne sais pas", EN: "Don't know"}, Credit: 0}

var yesNoOptions = []Option{
	{Value: Yes, Label: Text{FR: "Oui", EN: "Yes"}, Credit: 100},
	{Value: Partly, Label: Text{FR: "En partie", EN: "Partly"}, Credit: 50},
	{Value: No, Label: Text{FR: "Non", EN: "No"}, Credit: 0},
	dontKnowOption,
}

// Current returns the built-in questionnaire (a fresh copy: callers may
// modify it).
func Current() Questionnaire {
	q := Questionnaire{Version: QuestionnaireVersion, Groups: append([]Group(nil), groups...)}
	for _, x := range questions {
		switch x.Kind {
		case KindYesNo:
			x.Options = append([]Option(nil), yesNoOptions...)
		case KindChoice:
			x.Options = append(append([]Option(nil), x.Options...), dontKnowOption)
		}
		x.Threats = append([]Threat(nil), x.Threats...)
		x.Facts = append([]FactLink(nil), x.Facts...)
		q.Questions = append(q.Questions, x)
	}
	return q
}

var groups = []Group{
	{GroupAccounts, Text{FR: "Comptes et identités", EN: "Accounts and identity"}},
	{GroupDevices, Text{FR: "Postes et téléphones", EN: "Devices"}},
	{GroupMail, Text{FR: "Messagerie et échanges", EN: "Mail and messaging"}},
	{GroupData, Text{FR: "Données et sauvegardes", EN: "Data and backups"}},
	{GroupPeople, Text{FR: "Équipe", EN: "People"}},
	{GroupResponse, Text{FR: "Réaction aux incidents", EN: "Response"}},
}
