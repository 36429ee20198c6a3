package assess

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// SchemaVersion is the version of the Assessment JSON model.
const SchemaVersion = 1

// MethodVersion is the version of the scoring method described in the
// package doc. It goes up whenever a rule, weight or threshold changes, so
// that a stored assessment says which rules made it.
const MethodVersion = 2

// MaxCount bounds every count in Facts, so that no arithmetic overflows;
// larger counts are capped and reported in Assessment.Ignored.
const MaxCount = 1 << 30

// TopActions is how many actions of the plan are flagged as the first to do.
const TopActions = 3

// Source tells where a piece of evidence comes from.
const (
	SourceAnswer = "answer" // a declared answer, possibly corrected by a fact
	SourceFact   = "fact"   // a measured fact scored on its own
)

// Action kinds.
const (
	ActionDo      = "do"       // put the measure in place
	ActionFindOut = "find-out" // the answer is unknown: find out first
)

// Assessment is the result of Assess: JSON-serialisable, and everything in
// it is a function of its inputs (questionnaire, answers, facts, now).
type Assessment struct {
	SchemaVersion        int          `json:"schema_version"`
	MethodVersion        int          `json:"method_version"`
	QuestionnaireVersion int          `json:"questionnaire_version"`
	AnswersVersion       int          `json:"answers_version"` // the questionnaire version the answers were given against
	AnsweredBy           string       `json:"answered_by"`
	AnsweredAt           time.Time    `json:"answered_at"`
	FactsMeasuredAt      time.Time    `json:"facts_measured_at"`
	ComputedAt           time.Time    `json:"computed_at"`
	Overall              Overall      `json:"overall"`
	Groups               []GroupScore `json:"groups"`
	Plan                 []Action     `json:"plan"`
	Ignored              []Ignored    `json:"ignored,omitempty"`
}

// Level is the overall reading of a score.
type Level string

// Levels, by overall score: good from 80, fair from 60, weak from 40, poor
// below.
const (
	LevelGood Level = "good"
	LevelFair Level = "fair"
	LevelWeak Level = "weak"
	LevelPoor Level = "poor"
)

// Overall is the picture across groups.
type Overall struct {
	Score      int      `json:"score"` // mean of the scored groups' scores, rounded
	Level      Level    `json:"level"`
	Summary    Text     `json:"summary"`
	Weakest    GroupID  `json:"weakest,omitempty"`
	Answered   int      `json:"answered"`           // questions with a usable answer other than dontknow
	Unknown    int      `json:"unknown"`            // questions answered dontknow or not answered
	Overridden int      `json:"overridden"`         // answers a measured fact corrected
	Targeted   []Threat `json:"targeted,omitempty"` // threats the facts show the party is facing
	Exposure   []Text   `json:"exposure,omitempty"` // what the sensors found, in words
}

// GroupScore is one group's score and the items behind it.
type GroupScore struct {
	Group    GroupID    `json:"group"`
	Title    Text       `json:"title"`
	Score    int        `json:"score"`  // 0..100; 0 when not Scored
	Scored   bool       `json:"scored"` // false when no item of the group could be counted
	Evidence []Evidence `json:"evidence"`
}

// Evidence is one item of a group's score: a question (its answer, possibly
// corrected by facts) or a fact scored on its own.
type Evidence struct {
	Item    string   `json:"item"` // question id or fact rule id
	Source  string   `json:"source"`
	Title   Text     `json:"title"`
	Answer  string   `json:"answer,omitempty"` // the declared value, "" when not answered
	Facts   []string `json:"facts,omitempty"`  // measured facts used, "check=status (domain)"
	Counted bool     `json:"counted"`          // false: not measurable, no effect on the score
	Weight  int      `json:"weight"`
	Credit  int      `json:"credit"` // 0..100 of the weight earned
	Earned  float64  `json:"earned"` // points of the group score this item brings, to 0.1
	Lost    float64  `json:"lost"`   // points of the group score this item costs, to 0.1
	Note    Text     `json:"note"`
	// Overridden is set when a measured fact changed the declared answer's credit.
	Overridden bool `json:"overridden,omitempty"`
}

// Action is one step of the plan.
type Action struct {
	Rank        int      `json:"rank"` // 1-based
	Top         bool     `json:"top"`  // one of the first TopActions
	Item        string   `json:"item"`
	Kind        string   `json:"kind"`
	Group       GroupID  `json:"group"`
	Text        Text     `json:"text"`
	Why         Text     `json:"why"`
	Effort      Effort   `json:"effort"`
	Cost        int      `json:"cost"`         // Effort.Cost()
	RiskReduced int      `json:"risk_reduced"` // risk points (see the package doc)
	Heightened  []Threat `json:"heightened,omitempty"`
	Priority    int      `json:"priority"`
	Gain        int      `json:"gain"` // group score points gained when done (for find-out: if the answer turns out yes)
	Effect      Text     `json:"effect"`
}

// Ignored is an input Assess could not use, with the reason. It is
// reported, never fatal: old answers stay readable when questions change.
type Ignored struct {
	Field  string `json:"field"`
	Value  string `json:"value,omitempty"`
	Reason Text   `json:"reason"`
}

// item is an evidence line being built, with what the plan needs.
type item struct {
	ev      Evidence
	group   GroupID
	action  Text
	why     Text
	effort  Effort
	threats []Threat
	kind    string
}

// Assess scores answers and facts against questionnaire q at time now. It
// never fails: inputs it cannot use are listed in Assessment.Ignored. Run
// q.Check in tests; Assess does not repeat it.
func Assess(q Questionnaire, answers Answers, facts Facts, now time.Time) Assessment {
	a := Assessment{
		SchemaVersion:        SchemaVersion,
		MethodVersion:        MethodVersion,
		QuestionnaireVersion: q.Version,
		AnswersVersion:       answers.QuestionnaireVersion,
		AnsweredBy:           answers.AnsweredBy,
		AnsweredAt:           answers.AnsweredAt.UTC(),
		FactsMeasuredAt:      facts.MeasuredAt.UTC(),
		ComputedAt:           now.UTC(),
	}
	given := readAnswers(q, answers, &a)
	posture := readPosture(facts.Posture, &a)
	f := sanitizeFindings(facts.Findings, &a)
	facts.Sensors = sanitizeSensors(facts.Sensors, now, &a)
	targeted := targetedThreats(f)
	a.Overall.Targeted = targeted
	a.Overall.Exposure = exposure(f)

	var items []item
	linked := map[string]bool{}
	for _, x := range q.Questions {
		for _, l := range x.Facts {
			linked[l.Check] = true
		}
		it := questionItem(x, given, posture)
		if it.kind == ActionFindOut {
			a.Overall.Unknown++
		} else {
			a.Overall.Answered++
		}
		if it.ev.Overridden {
			a.Overall.Overridden++
		}
		items = append(items, it)
	}
	for _, it := range factItems(posture, linked, facts, f, now) {
		if slices.ContainsFunc(q.Groups, func(g Group) bool { return g.ID == it.group }) {
			items = append(items, it)
		}
	}

	for _, g := range q.Groups {
		a.Groups = append(a.Groups, scoreGroup(g, items))
	}
	a.Plan = plan(q, items, a.Groups, targeted)
	a.Overall = overall(a.Overall, a.Groups)
	return a
}

// readAnswers keeps, for each known question, the first valid answer, and
// reports the rest.
func readAnswers(q Questionnaire, answers Answers, a *Assessment) map[string]string {
	given := map[string]string{}
	for i, it := range answers.Items {
		if i >= MaxAnswers {
			a.Ignored = append(a.Ignored, Ignored{Field: "items", Value: fmt.Sprint(len(answers.Items)),
				Reason: Text{FR: fmt.Sprintf("Au-delà de %d réponses, les suivantes sont ignorées.", MaxAnswers), EN: fmt.Sprintf("Answers beyond %d are ignored.", MaxAnswers)}})
			break
		}
		field := fmt.Sprintf("items[%d]", i)
		x, ok := q.Question(it.Question)
		if !ok {
			a.Ignored = append(a.Ignored, Ignored{Field: field + ".question", Value: clip(it.Question),
				Reason: Text{FR: "Cette question n'existe pas (ou plus) dans le questionnaire actuel.", EN: "This question is not (or no longer) in the current questionnaire."}})
			continue
		}
		if _, dup := given[it.Question]; dup {
			a.Ignored = append(a.Ignored, Ignored{Field: field + ".question", Value: clip(it.Question),
				Reason: Text{FR: "Question déjà répondue plus haut ; la première réponse compte.", EN: "Question already answered above; the first answer counts."}})
			continue
		}
		if _, ok := x.Option(it.Value); !ok {
			a.Ignored = append(a.Ignored, Ignored{Field: field + ".value", Value: clip(it.Value),
				Reason: Text{FR: "Cette réponse n'est pas (ou plus) proposée pour cette question ; elle compte comme « je ne sais pas ».", EN: "This answer is not (or no longer) offered for this question; it counts as \"don't know\"."}})
			continue
		}
		given[it.Question] = it.Value
	}
	return given
}

func clip(s string) string {
	if len(s) > MaxValueLength {
		return s[:MaxValueLength] + "…"
	}
	return s
}

// measured is the worst conclusive status of one posture check over the
// party's domains.
type measured struct {
	status string
	domain string
}

var statusCredit = map[string]int{StatusPass: 100, StatusWarn: 50, StatusFail: 0}

func readPosture(checks []PostureCheck, a *Assessment) map[string]measured {
	out := map[string]measured{}
	errs := map[string]string{}
	for i, c := range checks {
		cr, ok := statusCredit[c.Status]
		if !ok {
			if c.Status == StatusError {
				if _, seen := errs[c.ID]; !seen {
					errs[c.ID] = c.Domain
				}
				continue
			}
			a.Ignored = append(a.Ignored, Ignored{Field: fmt.Sprintf("posture[%d].status", i), Value: clip(c.Status),
				Reason: Text{FR: "Statut inconnu (attendu : pass, warn, fail, error).", EN: "Unknown status (expected pass, warn, fail, error)."}})
			continue
		}
		if m, seen := out[c.ID]; !seen || cr < statusCredit[m.status] || (cr == statusCredit[m.status] && c.Domain < m.domain) {
			out[c.ID] = measured{c.Status, c.Domain}
		}
	}
	for id, d := range errs {
		if _, ok := out[id]; !ok {
			out[id] = measured{StatusError, d}
		}
	}
	return out
}

func sanitizeFindings(f Findings, a *Assessment) Findings {
	fix := func(name string, v *int) {
		switch {
		case *v < 0:
			a.Ignored = append(a.Ignored, Ignored{Field: "findings." + name, Value: fmt.Sprint(*v),
				Reason: Text{FR: "Un nombre négatif n'a pas de sens ; compté comme 0.", EN: "A negative count makes no sense; counted as 0."}})
			*v = 0
		case *v > MaxCount:
			a.Ignored = append(a.Ignored, Ignored{Field: "findings." + name, Value: fmt.Sprint(*v),
				Reason: Text{FR: fmt.Sprintf("Nombre invraisemblable ; ramené à %d.", MaxCount), EN: fmt.Sprintf("Implausible count; capped at %d.", MaxCount)}})
			*v = MaxCount
		}
	}
	fix("sightings", &f.Sightings)
	fix("sightings_open", &f.SightingsOpen)
	fix("phishing_stopped", &f.PhishingStopped)
	fix("lookalikes", &f.Lookalikes)
	fix("lookalikes_handled", &f.LookalikesHandled)
	fix("leak_cases_open", &f.LeakCasesOpen)
	f.SightingsOpen = min(f.SightingsOpen, f.Sightings)
	f.LookalikesHandled = min(f.LookalikesHandled, f.Lookalikes)
	return f
}

// ClockSkew is how far in the future a sensor's timestamps may be before
// they are not believed.
const ClockSkew = time.Hour

// sanitizeSensors drops the sensors whose timestamps are in the future
// (a wrong clock would otherwise earn full credit) and reports them.
func sanitizeSensors(in []Sensor, now time.Time, a *Assessment) []Sensor {
	var out []Sensor
	for i, s := range in {
		if s.LastSeen.Sub(now) > ClockSkew || s.IndicatorsUpdated.Sub(now) > ClockSkew {
			a.Ignored = append(a.Ignored, Ignored{Field: fmt.Sprintf("sensors[%d]", i), Value: clip(s.Name),
				Reason: Text{FR: "Horodatage dans le futur (horloge du capteur fausse ?) : capteur non compté.", EN: "Timestamp in the future (sensor clock wrong?): sensor not counted."}})
			continue
		}
		out = append(out, s)
	}
	return out
}

// targetedThreats lists, in a fixed order, the threats the findings show.
func targetedThreats(f Findings) []Threat {
	set := map[Threat]bool{}
	if f.PhishingStopped > 0 {
		set[ThreatPhishing], set[ThreatTakeover] = true, true
	}
	if f.Sightings > 0 {
		set[ThreatMalware], set[ThreatPhishing] = true, true
	}
	if f.Lookalikes > 0 {
		set[ThreatImpersonation], set[ThreatPhishing] = true, true
	}
	if f.LeakCasesOpen > 0 {
		set[ThreatDataTheft] = true
	}
	var out []Threat
	for _, t := range []Threat{ThreatPhishing, ThreatTakeover, ThreatMalware, ThreatDataTheft, ThreatImpersonation, ThreatDataLoss} {
		if set[t] {
			out = append(out, t)
		}
	}
	return out
}

func exposure(f Findings) []Text {
	var out []Text
	if f.PhishingStopped > 0 {
		out = append(out, Text{FR: fmt.Sprintf("%d courriels d'hameçonnage arrêtés par vigie mail.", f.PhishingStopped), EN: fmt.Sprintf("%d phishing messages stopped by vigie mail.", f.PhishingStopped)})
	}
	if f.Sightings > 0 && f.TriageUnknown {
		out = append(out, Text{FR: fmt.Sprintf("%d détections d'indicateurs par les capteurs.", f.Sightings), EN: fmt.Sprintf("%d indicator hits by the sensors.", f.Sightings)})
	} else if f.Sightings > 0 {
		out = append(out, Text{FR: fmt.Sprintf("%d détections d'indicateurs par les capteurs, dont %d non examinées.", f.Sightings, f.SightingsOpen), EN: fmt.Sprintf("%d indicator hits by the sensors, %d not yet triaged.", f.Sightings, f.SightingsOpen)})
	}
	if f.Lookalikes > 0 {
		out = append(out, Text{FR: fmt.Sprintf("%d domaines sosies enregistrés contre le parti, dont %d signalés ou bloqués.", f.Lookalikes, f.LookalikesHandled), EN: fmt.Sprintf("%d look-alike domains registered against the party, %d reported or blocked.", f.Lookalikes, f.LookalikesHandled)})
	}
	if f.LeakCasesOpen > 0 {
		out = append(out, Text{FR: fmt.Sprintf("%d dossiers de fuite ouverts.", f.LeakCasesOpen), EN: fmt.Sprintf("%d open leak cases.", f.LeakCasesOpen)})
	}
	return out
}

// questionItem scores one question: the declared answer, then the linked
// facts (Replace: a conclusive measurement decides; Cap: it can only lower).
func questionItem(x Question, given map[string]string, posture map[string]measured) item {
	it := item{group: x.Group, action: x.Action, why: x.Why, effort: x.Effort, threats: x.Threats, kind: ActionDo}
	ev := Evidence{Item: x.ID, Source: SourceAnswer, Title: x.Text, Counted: true, Weight: x.Weight}
	v, answered := given[x.ID]
	ev.Answer = v
	declared := 0
	switch {
	case !answered:
		ev.Note = Text{FR: "Sans réponse : compté comme « je ne sais pas ».", EN: "Not answered: counted as \"don't know\"."}
	default:
		o, _ := x.Option(v)
		declared = o.Credit
		ev.Note = Text{FR: fmt.Sprintf("Réponse : %s (%d %%).", o.Label.FR, o.Credit), EN: fmt.Sprintf("Answer: %s (%d%%).", o.Label.EN, o.Credit)}
	}
	ev.Credit = declared
	if !answered || v == DontKnow {
		it.kind = ActionFindOut
	}

	// Linked facts: the worst conclusive one decides, per mode.
	worst, conclusive := 100, false
	var mode FactMode
	for _, l := range x.Facts {
		m, ok := posture[l.Check]
		if !ok {
			continue
		}
		ev.Facts = append(ev.Facts, fmt.Sprintf("%s=%s (%s)", l.Check, m.status, m.domain))
		cr, ok := statusCredit[m.status]
		if !ok {
			continue
		}
		if !conclusive || cr < worst || (cr == worst && l.Mode == Cap) {
			worst, mode = cr, l.Mode
		}
		conclusive = true
	}
	if !conclusive && len(ev.Facts) > 0 {
		list := strings.Join(ev.Facts, ", ")
		ev.Note.FR += fmt.Sprintf(" Mesure impossible (%s) : la déclaration compte.", list)
		ev.Note.EN += fmt.Sprintf(" Could not be measured (%s): the declared answer counts.", list)
	}
	if conclusive {
		list := strings.Join(ev.Facts, ", ")
		switch {
		case mode == Replace && (!answered || v == DontKnow):
			ev.Credit = worst
			ev.Note.FR += fmt.Sprintf(" Mesuré : %s. La mesure répond à la question (%d %%).", list, worst)
			ev.Note.EN += fmt.Sprintf(" Measured: %s. The measurement answers the question (%d%%).", list, worst)
			it.kind = ActionDo
		case mode == Replace && worst != declared:
			ev.Credit, ev.Overridden = worst, true
			ev.Note.FR += fmt.Sprintf(" Mesuré : %s. La mesure l'emporte sur la déclaration (%d %%).", list, worst)
			ev.Note.EN += fmt.Sprintf(" Measured: %s. The measurement wins over the declared answer (%d%%).", list, worst)
			it.kind = ActionDo
		case mode == Cap && worst < declared:
			ev.Credit, ev.Overridden = worst, true
			ev.Note.FR += fmt.Sprintf(" Mesuré : %s. La mesure plafonne la déclaration à %d %%.", list, worst)
			ev.Note.EN += fmt.Sprintf(" Measured: %s. The measurement caps the declared answer at %d%%.", list, worst)
		default:
			ev.Note.FR += fmt.Sprintf(" Mesuré : %s, conforme à la déclaration.", list)
			ev.Note.EN += fmt.Sprintf(" Measured: %s, consistent with the declared answer.", list)
			if mode == Replace {
				it.kind = ActionDo
			}
		}
	}
	if it.kind == ActionFindOut {
		it.action = Text{FR: "Renseignez-vous : " + x.Text.FR, EN: "Find out: " + x.Text.EN}
		it.effort = Effort{Minutes, Free}
	}
	it.ev = ev
	return it
}

func ageCredit(now, t time.Time, fresh, stale time.Duration) int {
	if t.IsZero() {
		return 0
	}
	switch age := now.Sub(t); {
	case age <= fresh:
		return 100
	case age <= stale:
		return 50
	}
	return 0
}

func ratio(part, whole int) int {
	if whole <= 0 {
		return 100
	}
	return (200*part + whole) / (2 * whole)
}

// factItems scores the facts that stand on their own.
func factItems(posture map[string]measured, linked map[string]bool, facts Facts, f Findings, now time.Time) []item {
	var out []item
	for _, r := range factRules {
		ev := Evidence{Item: r.ID, Source: SourceFact, Title: r.Title, Weight: r.Weight, Counted: true}
		switch {
		case strings.HasPrefix(r.ID, "posture."):
			check := strings.TrimPrefix(r.ID, "posture.")
			if linked[check] {
				continue
			}
			m, ok := posture[check]
			if !ok {
				continue // not measured: not scored, not shown
			}
			ev.Facts = []string{fmt.Sprintf("%s=%s (%s)", check, m.status, m.domain)}
			if m.status == StatusError {
				ev.Counted, ev.Weight = false, 0
				ev.Note = Text{FR: "Vigie n'a pas pu mesurer ce point : non compté.", EN: "Vigie could not measure this: not counted."}
			} else {
				ev.Credit = statusCredit[m.status]
				ev.Note = Text{FR: fmt.Sprintf("Mesuré par vigie posture : %s.", m.status), EN: fmt.Sprintf("Measured by vigie posture: %s.", m.status)}
			}
		case strings.HasPrefix(r.ID, "sensor.") && facts.MeasuredAt.IsZero():
			continue // nothing measured: absent sensors cannot be told from absent data
		case strings.HasPrefix(r.ID, "sensor.") && r.ID != "sensor.indicators":
			kind := strings.TrimPrefix(r.ID, "sensor.")
			var last time.Time
			for _, s := range facts.Sensors {
				if s.Kind == kind && s.LastSeen.After(last) {
					last = s.LastSeen
				}
			}
			ev.Credit = ageCredit(now, last, SeenFresh, SeenStale)
			if last.IsZero() {
				ev.Note = Text{FR: "Aucun capteur de ce type n'a jamais rendu compte au hub.", EN: "No sensor of this kind has ever reported to the hub."}
			} else {
				ev.Facts = []string{fmt.Sprintf("last_seen=%s", last.UTC().Format(time.RFC3339))}
				days := int(now.Sub(last) / (24 * time.Hour))
				ev.Note = Text{FR: fmt.Sprintf("Dernier compte rendu il y a %d jour(s) (plein crédit sous 2 jours, moitié sous 14).", days), EN: fmt.Sprintf("Last report %d day(s) ago (full credit within 2 days, half within 14).", days)}
			}
		case r.ID == "sensor.indicators":
			var worst time.Time
			n := 0
			for _, s := range facts.Sensors {
				if s.LastSeen.IsZero() || now.Sub(s.LastSeen) > SeenStale {
					continue
				}
				if n == 0 || s.IndicatorsUpdated.Before(worst) {
					worst = s.IndicatorsUpdated
				}
				n++
			}
			if n == 0 {
				continue
			}
			ev.Credit = ageCredit(now, worst, IndicatorsFresh, IndicatorsStale)
			if worst.IsZero() {
				ev.Note = Text{FR: "Au moins un capteur actif n'a jamais récupéré d'indicateurs.", EN: "At least one active sensor has never pulled indicators."}
			} else {
				ev.Facts = []string{fmt.Sprintf("oldest_indicators=%s", worst.UTC().Format(time.RFC3339))}
				ev.Note = Text{FR: "Indicateurs les plus anciens parmi les capteurs actifs (plein crédit sous 2 jours, moitié sous 7).", EN: "Oldest indicators among the active sensors (full credit within 2 days, half within 7)."}
			}
		case r.ID == "findings.lookalikes":
			if f.Lookalikes == 0 {
				continue
			}
			ev.Credit = ratio(f.LookalikesHandled, f.Lookalikes)
			ev.Facts = []string{fmt.Sprintf("lookalikes=%d handled=%d", f.Lookalikes, f.LookalikesHandled)}
			ev.Note = Text{FR: fmt.Sprintf("%d domaines sosies sur %d signalés ou bloqués.", f.LookalikesHandled, f.Lookalikes), EN: fmt.Sprintf("%d of %d look-alike domains reported or blocked.", f.LookalikesHandled, f.Lookalikes)}
		case r.ID == "findings.sightings":
			if f.Sightings == 0 || f.TriageUnknown {
				continue
			}
			ev.Credit = ratio(f.Sightings-f.SightingsOpen, f.Sightings)
			ev.Facts = []string{fmt.Sprintf("sightings=%d open=%d", f.Sightings, f.SightingsOpen)}
			ev.Note = Text{FR: fmt.Sprintf("%d détections sur %d examinées.", f.Sightings-f.SightingsOpen, f.Sightings), EN: fmt.Sprintf("%d of %d detections triaged.", f.Sightings-f.SightingsOpen, f.Sightings)}
		case r.ID == "advisories.acknowledged":
			if len(facts.Advisories) == 0 {
				continue
			}
			ack := 0
			for _, ad := range facts.Advisories {
				if ad.Acknowledged {
					ack++
				}
			}
			ev.Credit = ratio(ack, len(facts.Advisories))
			ev.Facts = []string{fmt.Sprintf("advisories=%d acknowledged=%d", len(facts.Advisories), ack)}
			ev.Note = Text{FR: fmt.Sprintf("%d avis sur %d pris en compte.", ack, len(facts.Advisories)), EN: fmt.Sprintf("%d of %d advisories acknowledged.", ack, len(facts.Advisories))}
		case r.ID == "advisories.actions":
			total, done := 0, 0
			for _, ad := range facts.Advisories {
				t := min(max(ad.ActionsTotal, 0), MaxCount)
				total = min(total+t, MaxCount)
				done = min(done+min(max(ad.ActionsDone, 0), t), total)
			}
			if total == 0 {
				continue
			}
			ev.Credit = ratio(done, total)
			ev.Facts = []string{fmt.Sprintf("actions=%d done=%d", total, done)}
			ev.Note = Text{FR: fmt.Sprintf("%d actions sur %d faites.", done, total), EN: fmt.Sprintf("%d of %d actions done.", done, total)}
		default:
			continue
		}
		out = append(out, item{ev: ev, group: r.Group, action: r.Action, why: r.Why, effort: r.Effort, threats: r.Threats, kind: ActionDo})
	}
	return out
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// roundDiv divides non-negative integers, rounding half up.
func roundDiv(num, den int) int { return (2*num + den) / (2 * den) }

func scoreGroup(g Group, items []item) GroupScore {
	gs := GroupScore{Group: g.ID, Title: g.Title, Evidence: []Evidence{}}
	num, den := 0, 0
	for _, it := range items {
		if it.group == g.ID && it.ev.Counted {
			num += it.ev.Weight * it.ev.Credit
			den += it.ev.Weight
		}
	}
	for _, it := range items {
		if it.group != g.ID {
			continue
		}
		ev := it.ev
		if ev.Counted && den > 0 {
			ev.Earned = round1(float64(ev.Weight*ev.Credit) / float64(den))
			ev.Lost = round1(float64(ev.Weight*(100-ev.Credit)) / float64(den))
		}
		gs.Evidence = append(gs.Evidence, ev)
	}
	if den > 0 {
		gs.Scored = true
		gs.Score = roundDiv(num, den)
	}
	return gs
}

// groupScoreWith recomputes a group's score as if item id earned credit.
func groupScoreWith(items []item, g GroupID, id string, credit int) int {
	num, den := 0, 0
	for _, it := range items {
		if it.group == g && it.ev.Counted {
			c := it.ev.Credit
			if it.ev.Item == id {
				c = credit
			}
			num += it.ev.Weight * c
			den += it.ev.Weight
		}
	}
	if den == 0 {
		return 0
	}
	return roundDiv(num, den)
}

func plan(q Questionnaire, items []item, groups []GroupScore, targeted []Threat) []Action {
	order := map[GroupID]int{}
	score := map[GroupID]int{}
	for i, g := range q.Groups {
		order[g.ID] = i
	}
	for _, g := range groups {
		score[g.Group] = g.Score
	}
	acts := []Action{}
	for _, it := range items {
		if !it.ev.Counted || it.ev.Credit >= 100 {
			continue
		}
		risk := it.ev.Weight * (100 - it.ev.Credit)
		if it.kind == ActionFindOut {
			risk /= 2
		}
		var hi []Threat
		for _, t := range it.threats {
			if slices.Contains(targeted, t) {
				hi = append(hi, t)
			}
		}
		mult := 2
		if len(hi) > 0 {
			mult = 3
		}
		cost := it.effort.Cost()
		gain := groupScoreWith(items, it.group, it.ev.Item, 100) - score[it.group]
		act := Action{
			Item: it.ev.Item, Kind: it.kind, Group: it.group, Text: it.action, Why: it.why,
			Effort: it.effort, Cost: cost, RiskReduced: risk, Heightened: hi,
			Priority: risk * mult / (2 * cost), Gain: gain,
		}
		if it.kind == ActionFindOut {
			act.Effect = Text{
				FR: fmt.Sprintf("Lève une inconnue ; si la mesure est en place, +%d points en « %s ».", gain, groupTitle(q, it.group).FR),
				EN: fmt.Sprintf("Removes an unknown; if the measure is in place, +%d points in \"%s\".", gain, groupTitle(q, it.group).EN),
			}
		} else {
			act.Effect = Text{
				FR: fmt.Sprintf("+%d points en « %s » (de %d à %d).", gain, groupTitle(q, it.group).FR, score[it.group], score[it.group]+gain),
				EN: fmt.Sprintf("+%d points in \"%s\" (from %d to %d).", gain, groupTitle(q, it.group).EN, score[it.group], score[it.group]+gain),
			}
		}
		acts = append(acts, act)
	}
	slices.SortStableFunc(acts, func(a, b Action) int {
		switch {
		case a.Priority != b.Priority:
			return b.Priority - a.Priority
		case a.RiskReduced != b.RiskReduced:
			return b.RiskReduced - a.RiskReduced
		case a.Cost != b.Cost:
			return a.Cost - b.Cost
		case order[a.Group] != order[b.Group]:
			return order[a.Group] - order[b.Group]
		}
		return strings.Compare(a.Item, b.Item)
	})
	for i := range acts {
		acts[i].Rank = i + 1
		acts[i].Top = i < TopActions
	}
	return acts
}

func groupTitle(q Questionnaire, id GroupID) Text {
	for _, g := range q.Groups {
		if g.ID == id {
			return g.Title
		}
	}
	return Text{FR: string(id), EN: string(id)}
}

func overall(o Overall, groups []GroupScore) Overall {
	sum, n, weakest := 0, 0, -1
	for _, g := range groups {
		if !g.Scored {
			continue
		}
		sum += g.Score
		n++
		if weakest < 0 || g.Score < weakest {
			weakest, o.Weakest = g.Score, g.Group
		}
	}
	if n > 0 {
		o.Score = roundDiv(sum, n)
	}
	switch {
	case o.Score >= 80:
		o.Level = LevelGood
	case o.Score >= 60:
		o.Level = LevelFair
	case o.Score >= 40:
		o.Level = LevelWeak
	default:
		o.Level = LevelPoor
	}
	words := map[Level]Text{
		LevelGood: {FR: "bon", EN: "good"},
		LevelFair: {FR: "correct", EN: "fair"},
		LevelWeak: {FR: "fragile", EN: "weak"},
		LevelPoor: {FR: "insuffisant", EN: "poor"},
	}[o.Level]
	o.Summary = Text{
		FR: fmt.Sprintf("Niveau %s : %d/100. %d questions répondues, %d inconnues, %d réponses corrigées par la mesure.", words.FR, o.Score, o.Answered, o.Unknown, o.Overridden),
		EN: fmt.Sprintf("Level %s: %d/100. %d questions answered, %d unknown, %d answers corrected by measurement.", words.EN, o.Score, o.Answered, o.Unknown, o.Overridden),
	}
	if len(o.Targeted) > 0 {
		o.Summary.FR += " Les capteurs montrent que le parti est visé."
		o.Summary.EN += " The sensors show the party is being targeted."
	}
	return o
}
