package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/assess"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/report"
)

// The risk assessment's storage: every submission of a party's
// questionnaire (answers are versioned, never overwritten), every computed
// assessment with the inputs that made it (the answers' row, the facts
// snapshot and the time), and what the hub measures for the facts: which
// sensors report and when they last pulled indicators, and what they found.

// StoredAnswers is one submission of a party's questionnaire.
type StoredAnswers struct {
	ID    int64 `json:"id"`
	OrgID int64 `json:"org_id"`
	assess.Answers
}

// StoredAssessment is a computed assessment with its inputs: recomputing
// assess.Assess with the answers of AnswersID, Facts and Result.ComputedAt
// against the questionnaire of Result.QuestionnaireVersion gives Result.
type StoredAssessment struct {
	ID        int64             `json:"id"`
	OrgID     int64             `json:"org_id"`
	Org       string            `json:"org"`
	AnswersID int64             `json:"answers_id"` // 0: computed before any answer
	Facts     assess.Facts      `json:"facts"`
	Result    assess.Assessment `json:"assessment"`
}

// AssessmentPoint is one stored assessment's figures, for the trend.
type AssessmentPoint struct {
	ID     int64                  `json:"id"`
	At     time.Time              `json:"computed_at"`
	Score  int                    `json:"score"`
	Groups map[assess.GroupID]int `json:"groups"` // scored groups only
}

// MaxAssessmentHistory bounds the points of a trend.
const MaxAssessmentHistory = 1000

// scoped refuses a party viewer asking about another organisation (as if
// it did not exist).
func scoped(v Viewer, orgID int64) error {
	if !v.Agency && v.OrgID != orgID {
		return ErrNotFound
	}
	return nil
}

// SaveAnswers stores a new submission of orgID's questionnaire and returns
// its id. The caller validates it (assess.Validate) first.
func (s *Store) SaveAnswers(ctx context.Context, a Actor, orgID int64, ans assess.Answers) (int64, error) {
	items, err := json.Marshal(ans.Items)
	if err != nil {
		return 0, fmt.Errorf("store: save answers: %w", err)
	}
	var id int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		q := "INSERT INTO assess_answers (org_id, questionnaire_version, answered_by, answered_at, items) VALUES (?, ?, ?, ?, ?) RETURNING id"
		if err := tx.QueryRowContext(ctx, s.q(q), orgID, ans.QuestionnaireVersion, ans.AnsweredBy, micros(ans.AnsweredAt), string(items)).Scan(&id); err != nil {
			return fmt.Errorf("store: save answers: %w", err)
		}
		return s.audit(ctx, tx, a, "assessment.answers", fmt.Sprint(orgID), fmt.Sprintf("version %d, %d answers", id, len(ans.Items)))
	})
	return id, err
}

const answersCols = "id, org_id, questionnaire_version, answered_by, answered_at, items"

func scanAnswers(sc interface{ Scan(...any) error }) (StoredAnswers, error) {
	var sa StoredAnswers
	var at int64
	var items string
	if err := sc.Scan(&sa.ID, &sa.OrgID, &sa.QuestionnaireVersion, &sa.AnsweredBy, &at, &items); err != nil {
		return sa, err
	}
	sa.AnsweredAt = fromMicros(at)
	if err := json.Unmarshal([]byte(items), &sa.Items); err != nil {
		return sa, fmt.Errorf("answers %d: %w", sa.ID, err)
	}
	return sa, nil
}

// LatestAnswers returns orgID's most recent submission; ErrNotFound when
// there is none or the viewer may not see it.
func (s *Store) LatestAnswers(ctx context.Context, v Viewer, orgID int64) (StoredAnswers, error) {
	return s.GetAnswers(ctx, v, orgID, 0)
}

// GetAnswers returns one submission of orgID by id (0: the newest).
func (s *Store) GetAnswers(ctx context.Context, v Viewer, orgID, id int64) (StoredAnswers, error) {
	return oneOf(ctx, s, v, orgID, id, "answers", "SELECT "+answersCols+" FROM assess_answers WHERE org_id = ?", "id", scanAnswers)
}

// oneOf reads row id (0: the newest) of organisation orgID from query,
// whose WHERE clause ends with the organisation's "= ?"; idCol names the
// id column.
func oneOf[T any](ctx context.Context, s *Store, v Viewer, orgID, id int64, what, query, idCol string, scan func(interface{ Scan(...any) error }) (T, error)) (T, error) {
	var zero T
	if err := scoped(v, orgID); err != nil {
		return zero, err
	}
	args := []any{orgID}
	if id != 0 {
		query += " AND " + idCol + " = ?"
		args = append(args, id)
	}
	out, err := scan(s.r.QueryRowContext(ctx, s.q(query+" ORDER BY "+idCol+" DESC LIMIT 1"), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return zero, ErrNotFound
	}
	if err != nil {
		return zero, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}

// AnswersHistory lists orgID's submissions, newest first, without their
// items: who answered, when, against which questionnaire version.
func (s *Store) AnswersHistory(ctx context.Context, v Viewer, orgID int64, limit int) ([]StoredAnswers, error) {
	if err := scoped(v, orgID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxAssessmentHistory {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT id, org_id, questionnaire_version, answered_by, answered_at FROM assess_answers WHERE org_id = ? ORDER BY id DESC LIMIT ?"), orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: answers history: %w", err)
	}
	defer rows.Close()
	out := []StoredAnswers{}
	for rows.Next() {
		var sa StoredAnswers
		var at int64
		if err := rows.Scan(&sa.ID, &sa.OrgID, &sa.QuestionnaireVersion, &sa.AnsweredBy, &at); err != nil {
			return nil, fmt.Errorf("store: answers history: %w", err)
		}
		sa.AnsweredAt = fromMicros(at)
		out = append(out, sa)
	}
	return out, rows.Err()
}

// SaveAssessment stores a computed assessment of orgID with its inputs.
func (s *Store) SaveAssessment(ctx context.Context, orgID, answersID int64, facts assess.Facts, res assess.Assessment) (int64, error) {
	fj, err := json.Marshal(facts)
	if err != nil {
		return 0, fmt.Errorf("store: save assessment: %w", err)
	}
	rj, err := json.Marshal(res)
	if err != nil {
		return 0, fmt.Errorf("store: save assessment: %w", err)
	}
	gj, err := json.Marshal(groupScores(res))
	if err != nil {
		return 0, fmt.Errorf("store: save assessment: %w", err)
	}
	var id int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		q := "INSERT INTO assessments (org_id, answers_id, questionnaire_version, method_version, computed_at, score, groups, facts, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
		if err := tx.QueryRowContext(ctx, s.q(q), orgID, answersID, res.QuestionnaireVersion, res.MethodVersion, micros(res.ComputedAt), res.Overall.Score, string(gj), string(fj), string(rj)).Scan(&id); err != nil {
			return fmt.Errorf("store: save assessment: %w", err)
		}
		return nil
	})
	return id, err
}

func groupScores(a assess.Assessment) map[assess.GroupID]int {
	m := map[assess.GroupID]int{}
	for _, g := range a.Groups {
		if g.Scored {
			m[g.Group] = g.Score
		}
	}
	return m
}

const assessmentCols = "a.id, a.org_id, o.name, a.answers_id, a.facts, a.result"

func scanAssessment(sc interface{ Scan(...any) error }) (StoredAssessment, error) {
	var sa StoredAssessment
	var facts, result string
	if err := sc.Scan(&sa.ID, &sa.OrgID, &sa.Org, &sa.AnswersID, &facts, &result); err != nil {
		return sa, err
	}
	if err := json.Unmarshal([]byte(facts), &sa.Facts); err != nil {
		return sa, fmt.Errorf("assessment %d facts: %w", sa.ID, err)
	}
	if err := json.Unmarshal([]byte(result), &sa.Result); err != nil {
		return sa, fmt.Errorf("assessment %d: %w", sa.ID, err)
	}
	return sa, nil
}

// LatestAssessment returns orgID's most recent stored assessment;
// ErrNotFound when there is none or the viewer may not see it.
func (s *Store) LatestAssessment(ctx context.Context, v Viewer, orgID int64) (StoredAssessment, error) {
	return s.GetAssessment(ctx, v, orgID, 0)
}

// GetAssessment returns one stored assessment of orgID by id (0: the
// newest).
func (s *Store) GetAssessment(ctx context.Context, v Viewer, orgID, id int64) (StoredAssessment, error) {
	return oneOf(ctx, s, v, orgID, id, "assessment", "SELECT "+assessmentCols+" FROM assessments a JOIN orgs o ON o.id = a.org_id WHERE a.org_id = ?", "a.id", scanAssessment)
}

// AssessmentTrend returns the figures of orgID's stored assessments since
// a time, oldest first, at most limit (the newest ones).
func (s *Store) AssessmentTrend(ctx context.Context, v Viewer, orgID int64, since time.Time, limit int) ([]AssessmentPoint, error) {
	if err := scoped(v, orgID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxAssessmentHistory {
		limit = MaxAssessmentHistory
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT id, computed_at, score, groups FROM assessments WHERE org_id = ? AND computed_at >= ? ORDER BY computed_at DESC, id DESC LIMIT ?"), orgID, micros(since), limit)
	if err != nil {
		return nil, fmt.Errorf("store: assessment trend: %w", err)
	}
	defer rows.Close()
	out := []AssessmentPoint{}
	for rows.Next() {
		var p AssessmentPoint
		var at int64
		var groups string
		if err := rows.Scan(&p.ID, &at, &p.Score, &groups); err != nil {
			return nil, fmt.Errorf("store: assessment trend: %w", err)
		}
		p.At = fromMicros(at)
		if err := json.Unmarshal([]byte(groups), &p.Groups); err != nil {
			return nil, fmt.Errorf("store: assessment trend: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: assessment trend: %w", err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// RecordPull records that a token pulled indicators at a time.
func (s *Store) RecordPull(ctx context.Context, tokenID int64, at time.Time) error {
	if _, err := s.w.ExecContext(ctx, s.q("UPDATE tokens SET last_pull_at = ? WHERE id = ? AND last_pull_at < ?"), micros(at), tokenID, micros(at)); err != nil {
		return fmt.Errorf("store: record pull: %w", err)
	}
	return nil
}

// MaxSensorKinds bounds the kinds of sensor recorded per report.
const MaxSensorKinds = 8

// RecordReport records that a token reported sightings or findings from
// sensors of the given kinds (SensorKind of each item's sensor) at a time.
func (s *Store) RecordReport(ctx context.Context, tokenID int64, kinds []string, at time.Time) error {
	if len(kinds) > MaxSensorKinds {
		kinds = kinds[:MaxSensorKinds]
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, k := range kinds {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO token_reports (token_id, kind, last_report_at) VALUES (?, ?, ?)
				ON CONFLICT (token_id, kind) DO UPDATE SET last_report_at = excluded.last_report_at WHERE token_reports.last_report_at < excluded.last_report_at`), tokenID, k, micros(at)); err != nil {
				return fmt.Errorf("store: record report: %w", err)
			}
		}
		return nil
	})
}

// SensorKind names the kind of sensor behind a sighting's or finding's
// sensor field ("vigie-dns" and "dns" are both dns); "" when the name is
// not one Vigie's sensors use.
func SensorKind(name string) string {
	name = strings.ToLower(strings.TrimPrefix(strings.ToLower(name), "vigie-"))
	switch name {
	case assess.SensorScan, assess.SensorMail, assess.SensorDNS, "domains", "posture", "leak":
		return name
	}
	return ""
}

// SensorToken is a sensor token of a party as the assessment sees it:
// when it was last used, when it last pulled indicators, and when each
// kind of sensor last reported with it.
type SensorToken struct {
	ID         int64                `json:"id"`
	Name       string               `json:"name"`
	Prefix     string               `json:"prefix"`
	LastUsedAt time.Time            `json:"last_used_at,omitzero"`
	LastPullAt time.Time            `json:"last_pull_at,omitzero"`
	Reports    map[string]time.Time `json:"reports,omitempty"` // kind -> last report
}

// SensorTokens lists orgID's usable sensor tokens with their activity.
func (s *Store) SensorTokens(ctx context.Context, v Viewer, orgID int64) ([]SensorToken, error) {
	if err := scoped(v, orgID); err != nil {
		return nil, err
	}
	now := micros(s.now())
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT t.id, t.name, t.prefix, t.last_used_at, t.last_pull_at, COALESCE(r.kind, ''), COALESCE(r.last_report_at, 0)
		FROM tokens t LEFT JOIN token_reports r ON r.token_id = t.id
		WHERE t.org_id = ? AND t.role = 'sensor' AND t.revoked_at = 0 AND (t.expires_at = 0 OR t.expires_at > ?)
		ORDER BY t.id, r.kind`), orgID, now)
	if err != nil {
		return nil, fmt.Errorf("store: sensor tokens: %w", err)
	}
	defer rows.Close()
	var out []SensorToken
	for rows.Next() {
		var t SensorToken
		var used, pull, rep int64
		var kind string
		if err := rows.Scan(&t.ID, &t.Name, &t.Prefix, &used, &pull, &kind, &rep); err != nil {
			return nil, fmt.Errorf("store: sensor tokens: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].ID != t.ID {
			t.LastUsedAt, t.LastPullAt = fromMicros(used), fromMicros(pull)
			out = append(out, t)
		}
		if kind != "" {
			last := &out[len(out)-1]
			if last.Reports == nil {
				last.Reports = map[string]time.Time{}
			}
			last.Reports[kind] = fromMicros(rep)
		}
	}
	return out, rows.Err()
}

// Exposure is what the sensors found about a party over a window.
type Exposure struct {
	// Sightings is how many reports matched an indicator.
	Sightings int `json:"sightings"`
	// PhishingStopped is how many distinct messages vigie mail judged
	// phishing or malicious.
	PhishingStopped int `json:"phishing_stopped"`
	// Lookalikes is how many distinct look-alike domains the watch found;
	// LookalikesBlocked of them are indicators the party's sensors block.
	Lookalikes        int `json:"lookalikes"`
	LookalikesBlocked int `json:"lookalikes_blocked"`
}

// MaxExposureFindings bounds the findings read for one party's exposure.
const MaxExposureFindings = 20000

// ExposureSince measures orgID's exposure since a time.
func (s *Store) ExposureSince(ctx context.Context, v Viewer, orgID int64, since time.Time) (Exposure, error) {
	var e Exposure
	if err := scoped(v, orgID); err != nil {
		return e, err
	}
	if err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM sightings WHERE org_id = ? AND observed_at >= ? AND indicator_id <> 0"), orgID, micros(since)).Scan(&e.Sightings); err != nil {
		return e, fmt.Errorf("store: exposure: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT sensor, body FROM findings WHERE org_id = ? AND at >= ? AND sensor IN ('mail', 'domains') ORDER BY id DESC LIMIT ?"), orgID, micros(since), MaxExposureFindings)
	if err != nil {
		return e, fmt.Errorf("store: exposure: %w", err)
	}
	defer rows.Close()
	messages, domains := map[string]bool{}, map[string]bool{}
	for rows.Next() {
		var sensor, body string
		if err := rows.Scan(&sensor, &body); err != nil {
			return e, fmt.Errorf("store: exposure: %w", err)
		}
		var f report.Finding
		if json.Unmarshal([]byte(body), &f) != nil {
			continue // a body the hub accepted but cannot read: not counted
		}
		switch {
		case sensor == "mail":
			for _, ev := range f.Evidence {
				if ev.Name == "verdict" && (strings.HasPrefix(ev.Data, "phishing") || strings.HasPrefix(ev.Data, "malicious")) {
					messages[f.Host+"\x00"+f.Subject.Path+"\x00"+f.Subject.Name] = true
				}
			}
		case f.Match.Kind == "check" && f.Match.Type == "lookalike" && f.Subject.Kind == "domain" && f.Subject.Name != "":
			domains[strings.ToLower(f.Subject.Name)] = true
		}
	}
	if err := rows.Err(); err != nil {
		return e, fmt.Errorf("store: exposure: %w", err)
	}
	e.PhishingStopped, e.Lookalikes = len(messages), len(domains)
	if len(domains) > 0 {
		items := make([]Sighting, 0, len(domains))
		for d := range domains {
			items = append(items, Sighting{Type: string(indicator.Domain), Value: d})
		}
		m, err := s.matchValues(ctx, Viewer{OrgID: orgID}, items)
		if err != nil {
			return e, err
		}
		e.LookalikesBlocked = len(m)
	}
	return e, nil
}
