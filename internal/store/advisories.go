package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-project/vigie/internal/advisory"
	"github.com/vigie-project/vigie/internal/indicator"
)

// MaxAdvisoryIndicators bounds the indicators attached to one advisory.
const MaxAdvisoryIndicators = 500

// AdvisoryRecord is an advisory as the hub keeps it: its content, who
// receives it, its attached indicators and, for a party, what that party
// did with it.
type AdvisoryRecord struct {
	advisory.Advisory
	OrgID int64 `json:"-"`
	// Distribution is "all" (every party) or "listed" (Parties).
	Distribution string `json:"distribution"`
	// Parties are the listed parties (the agency sees them all, a party
	// only itself).
	Parties []int64 `json:"parties,omitempty"`
	// Indicators are the ids of the attached indicators.
	Indicators []string `json:"indicators,omitempty"`
	// Receipt is what the viewing party did (nil for the agency).
	Receipt *AdvisoryReceipt `json:"receipt,omitempty"`
	// Ticks are the viewing party's ticks, by action id (nil for the
	// agency).
	Ticks map[int64]AdvisoryTick `json:"ticks,omitempty"`
}

// AdvisoryReceipt is where one party stands with one advisory: read,
// acknowledged, how many of the current actions it has done, and when the
// agency last reminded it.
type AdvisoryReceipt struct {
	AdvisoryID int64     `json:"advisory_id"`
	OrgID      int64     `json:"org_id"`
	OrgName    string    `json:"org"`
	ReadAt     time.Time `json:"read_at,omitzero"`
	ReadBy     string    `json:"read_by,omitempty"`
	AckedAt    time.Time `json:"acknowledged_at,omitzero"`
	AckedBy    string    `json:"acknowledged_by,omitempty"`
	// AckedVersion is the version acknowledged: lower than the advisory's
	// when it was revised after.
	AckedVersion int `json:"acknowledged_version,omitempty"`
	Done         int `json:"actions_done"`
	Total        int `json:"actions_total"`
	// Reminders counts the reminders sent, LastReminder the latest.
	Reminders    int       `json:"reminders,omitempty"`
	LastReminder time.Time `json:"last_reminder_at,omitzero"`
}

// State is the receipt in words: "unread", "read", "acknowledged".
func (r *AdvisoryReceipt) State() string {
	switch {
	case !r.AckedAt.IsZero():
		return "acknowledged"
	case !r.ReadAt.IsZero():
		return "read"
	}
	return "unread"
}

// AdvisoryTick is one party's tick of one action.
type AdvisoryTick struct {
	ActionID int64     `json:"action_id"`
	OrgID    int64     `json:"-"`
	Done     bool      `json:"done"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Comment  string    `json:"comment,omitempty"`
}

// AdvisoryTarget says to whom an advisory goes.
type AdvisoryTarget struct {
	// Distribution is DistAll or DistListed.
	Distribution string
	Parties      []int64
}

// AdvisoryFollowUp sums up, for one party, the advisories it received
// (published, not withdrawn) and what it did: the risk assessment reads it.
type AdvisoryFollowUp struct {
	OrgID        int64 `json:"org_id"`
	Advisories   int   `json:"advisories"`
	Read         int   `json:"read"`
	Acknowledged int   `json:"acknowledged"`
	ActionsDone  int   `json:"actions_done"`
	ActionsTotal int   `json:"actions_total"`
	// Unacknowledged lists the advisories not yet acknowledged, with
	// their severity, newest first.
	Unacknowledged []AdvisoryRef `json:"unacknowledged,omitempty"`
}

// AdvisoryRef names an advisory.
type AdvisoryRef struct {
	ID          int64             `json:"id"`
	Title       string            `json:"title"`
	Severity    advisory.Severity `json:"severity"`
	PublishedAt time.Time         `json:"published_at"`
}

const advCols = "a.id, a.uuid, a.org_id, a.title, a.severity, a.tlp, a.distribution, a.body, a.status, a.version, a.created_at, a.updated_at, a.published_at, a.withdrawn_at"

func scanAdvisory(sc interface{ Scan(...any) error }) (AdvisoryRecord, error) {
	var r AdvisoryRecord
	var sev, tlp, status string
	var c, u, p, w int64
	err := sc.Scan(&r.ID, &r.UUID, &r.OrgID, &r.Title, &sev, &tlp, &r.Distribution, &r.Body, &status, &r.Version, &c, &u, &p, &w)
	r.Severity, r.TLP, r.Status = advisory.Severity(sev), indicator.TLP(tlp), advisory.Status(status)
	r.CreatedAt, r.UpdatedAt, r.PublishedAt, r.WithdrawnAt = fromMicros(c), fromMicros(u), fromMicros(p), fromMicros(w)
	return r, err
}

// advisoryVisible is the SQL condition (on alias a) for the advisories the
// viewer may see: every one for the agency; for a party, the published or
// withdrawn ones that go to every party or name it.
func advisoryVisible(v Viewer) (string, []any) {
	if v.Agency {
		return "1 = 1", nil
	}
	return "(a.status <> 'draft' AND (a.distribution = 'all' OR EXISTS (SELECT 1 FROM advisory_parties ap WHERE ap.advisory_id = a.id AND ap.org_id = ?)))", []any{v.OrgID}
}

func (s *Store) checkTarget(ctx context.Context, tx *sql.Tx, t AdvisoryTarget, tlp indicator.TLP) error {
	switch t.Distribution {
	case DistAll:
		if tlp == indicator.TLPRed {
			return fmt.Errorf("%w: a TLP:RED advisory goes to named parties only: choose the parties", advisory.ErrInput)
		}
	case DistListed:
		if len(t.Parties) == 0 {
			return fmt.Errorf("%w: choose at least one party, or all parties", advisory.ErrInput)
		}
		for _, p := range t.Parties {
			var kind string
			err := tx.QueryRowContext(ctx, s.q("SELECT kind FROM orgs WHERE id = ?"), p).Scan(&kind)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != KindParty) {
				return fmt.Errorf("%w: party %d does not exist", advisory.ErrInput, p)
			}
			if err != nil {
				return fmt.Errorf("store: party %d: %w", p, err)
			}
		}
	default:
		return fmt.Errorf("%w: distribution %q: want all or listed", advisory.ErrInput, t.Distribution)
	}
	return nil
}

// CreateAdvisory stores a new draft written by the viewer's agency.
// indicators are ids of indicators of the agency to attach.
func (s *Store) CreateAdvisory(ctx context.Context, v Viewer, a Actor, c advisory.Content, t AdvisoryTarget, indicators []string) (AdvisoryRecord, error) {
	if !v.Agency {
		return AdvisoryRecord{}, fmt.Errorf("store: only the agency writes advisories: %w", ErrNotFound)
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkTarget(ctx, tx, t, c.TLP); err != nil {
			return err
		}
		now := s.now().UnixMicro()
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO advisories (uuid, org_id, title, severity, tlp, distribution, body, status, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'draft', 0, ?, ?) RETURNING id`),
			uuid.NewString(), v.OrgID, c.Title, string(c.Severity), string(c.TLP), t.Distribution, c.Body, now, now).Scan(&id)
		if err != nil {
			return fmt.Errorf("store: create advisory: %w", err)
		}
		if err := s.setAdvisoryParties(ctx, tx, id, t); err != nil {
			return err
		}
		if err := s.setAdvisoryActions(ctx, tx, id, 0, c.Actions); err != nil {
			return err
		}
		if err := s.attachIndicators(ctx, tx, v, id, indicators); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "advisory.create", fmt.Sprintf("advisory:%d", id), c.Title)
	})
	if err != nil {
		return AdvisoryRecord{}, err
	}
	return s.GetAdvisory(ctx, v, id)
}

func (s *Store) setAdvisoryParties(ctx context.Context, tx *sql.Tx, id int64, t AdvisoryTarget) error {
	if _, err := tx.ExecContext(ctx, s.q("DELETE FROM advisory_parties WHERE advisory_id = ?"), id); err != nil {
		return fmt.Errorf("store: advisory parties: %w", err)
	}
	if t.Distribution != DistListed {
		return nil
	}
	for _, p := range t.Parties {
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO advisory_parties (advisory_id, org_id) VALUES (?, ?) ON CONFLICT DO NOTHING"), id, p); err != nil {
			return fmt.Errorf("store: advisory parties: %w", err)
		}
	}
	return nil
}

// setAdvisoryActions makes the checklist texts, in order: an action whose
// text is unchanged keeps its id (and the parties' ticks); a new text is a
// new action added in version; a text no longer there is removed in
// version (a draft's are deleted).
func (s *Store) setAdvisoryActions(ctx context.Context, tx *sql.Tx, id int64, version int, texts []string) error {
	rows, err := tx.QueryContext(ctx, s.q("SELECT id, text FROM advisory_actions WHERE advisory_id = ? AND removed_in = 0"), id)
	if err != nil {
		return fmt.Errorf("store: advisory actions: %w", err)
	}
	existing := map[string]int64{}
	for rows.Next() {
		var aid int64
		var text string
		if err := rows.Scan(&aid, &text); err != nil {
			rows.Close()
			return fmt.Errorf("store: advisory actions: %w", err)
		}
		existing[text] = aid
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: advisory actions: %w", err)
	}
	for pos, text := range texts {
		if aid, ok := existing[text]; ok {
			delete(existing, text)
			if _, err := tx.ExecContext(ctx, s.q("UPDATE advisory_actions SET position = ? WHERE id = ?"), pos, aid); err != nil {
				return fmt.Errorf("store: advisory actions: %w", err)
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO advisory_actions (advisory_id, position, text, added_in) VALUES (?, ?, ?, ?)"), id, pos, text, version); err != nil {
			return fmt.Errorf("store: advisory actions: %w", err)
		}
	}
	for _, aid := range existing {
		q := "UPDATE advisory_actions SET removed_in = ? WHERE id = ?"
		args := []any{version, aid}
		if version == 0 {
			q, args = "DELETE FROM advisory_actions WHERE id = ?", []any{aid}
		}
		if _, err := tx.ExecContext(ctx, s.q(q), args...); err != nil {
			return fmt.Errorf("store: advisory actions: %w", err)
		}
	}
	return nil
}

// attachIndicators adds indicators (by id) of the viewer's agency to an
// advisory. An id that names no indicator of the agency is an input error.
func (s *Store) attachIndicators(ctx context.Context, tx *sql.Tx, v Viewer, id int64, ids []string) error {
	for _, u := range ids {
		var ref int64
		err := tx.QueryRowContext(ctx, s.q("SELECT id FROM indicators WHERE uuid = ? AND org_id = ?"), u, v.OrgID).Scan(&ref)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: indicator %q: no such indicator of the agency", advisory.ErrInput, u)
		}
		if err != nil {
			return fmt.Errorf("store: attach indicator: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO advisory_indicators (advisory_id, indicator_id) VALUES (?, ?) ON CONFLICT DO NOTHING"), id, ref); err != nil {
			return fmt.Errorf("store: attach indicator: %w", err)
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM advisory_indicators WHERE advisory_id = ?"), id).Scan(&n); err != nil {
		return fmt.Errorf("store: attach indicator: %w", err)
	}
	if n > MaxAdvisoryIndicators {
		return fmt.Errorf("%w: %d indicators attached, at most %d", advisory.ErrInput, n, MaxAdvisoryIndicators)
	}
	return nil
}

// AdvisoryChange is an edit of an advisory: its new content and target,
// indicators to attach and to detach, and, for a published advisory, the
// one-line summary of the revision ("updated: new domain added").
type AdvisoryChange struct {
	Content advisory.Content
	Target  AdvisoryTarget
	Attach  []string
	Detach  []string
	Summary string
}

// UpdateAdvisory edits an advisory. A draft is overwritten; a published
// advisory gets a new version with the change's summary, kept in its
// revisions. A withdrawn advisory cannot change. The attached indicators
// follow the advisory's distribution when it is published.
func (s *Store) UpdateAdvisory(ctx context.Context, v Viewer, a Actor, id int64, ch AdvisoryChange) (AdvisoryRecord, error) {
	if !v.Agency {
		return AdvisoryRecord{}, ErrNotFound
	}
	summary, err := advisory.CheckLine("the summary of the change", ch.Summary, advisory.MaxSummary, false)
	if err != nil {
		return AdvisoryRecord{}, err
	}
	var status string
	var detached []string
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var version int
		err := tx.QueryRowContext(ctx, s.q("SELECT status, version FROM advisories WHERE id = ? AND org_id = ?"), id, v.OrgID).Scan(&status, &version)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: advisory %d: %w", id, err)
		}
		if status == string(advisory.Withdrawn) {
			return fmt.Errorf("%w: this advisory was withdrawn: write a new one", advisory.ErrInput)
		}
		if err := s.checkTarget(ctx, tx, ch.Target, ch.Content.TLP); err != nil {
			return err
		}
		if status == string(advisory.Published) {
			if summary == "" {
				return fmt.Errorf("%w: say in one line what changed (for example \"updated: new domain added\")", advisory.ErrInput)
			}
			version++
		}
		now := s.now().UnixMicro()
		if _, err := tx.ExecContext(ctx, s.q("UPDATE advisories SET title = ?, severity = ?, tlp = ?, distribution = ?, body = ?, version = ?, updated_at = ? WHERE id = ?"),
			ch.Content.Title, string(ch.Content.Severity), string(ch.Content.TLP), ch.Target.Distribution, ch.Content.Body, version, now, id); err != nil {
			return fmt.Errorf("store: advisory %d: %w", id, err)
		}
		if err := s.setAdvisoryParties(ctx, tx, id, ch.Target); err != nil {
			return err
		}
		if err := s.setAdvisoryActions(ctx, tx, id, version, ch.Content.Actions); err != nil {
			return err
		}
		if err := s.attachIndicators(ctx, tx, v, id, ch.Attach); err != nil {
			return err
		}
		for _, u := range ch.Detach {
			res, err := tx.ExecContext(ctx, s.q("DELETE FROM advisory_indicators WHERE advisory_id = ? AND indicator_id IN (SELECT id FROM indicators WHERE uuid = ? AND org_id = ?)"), id, u, v.OrgID)
			if err != nil {
				return fmt.Errorf("store: detach indicator: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				detached = append(detached, u)
			}
		}
		if status == string(advisory.Published) {
			if err := s.addRevision(ctx, tx, a, id, version, summary); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, "advisory.update", fmt.Sprintf("advisory:%d", id), summary)
	})
	if err != nil {
		return AdvisoryRecord{}, err
	}
	if status == string(advisory.Published) {
		// A detached indicator goes back to the agency, like one of a
		// withdrawn advisory.
		if err := s.distributeIndicators(ctx, v, a, detached, AdvisoryTarget{Distribution: DistAgency}); err != nil {
			return AdvisoryRecord{}, err
		}
		if err := s.syncAdvisoryIndicators(ctx, v, a, id); err != nil {
			return AdvisoryRecord{}, err
		}
	}
	return s.GetAdvisory(ctx, v, id)
}

// addRevision keeps the advisory as it is now under version, with the
// summary of what changed.
func (s *Store) addRevision(ctx context.Context, tx *sql.Tx, a Actor, id int64, version int, summary string) error {
	var title, body string
	if err := tx.QueryRowContext(ctx, s.q("SELECT title, body FROM advisories WHERE id = ?"), id).Scan(&title, &body); err != nil {
		return fmt.Errorf("store: advisory revision: %w", err)
	}
	rows, err := tx.QueryContext(ctx, s.q("SELECT text FROM advisory_actions WHERE advisory_id = ? AND removed_in = 0 ORDER BY position"), id)
	if err != nil {
		return fmt.Errorf("store: advisory revision: %w", err)
	}
	actions := []string{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return fmt.Errorf("store: advisory revision: %w", err)
		}
		actions = append(actions, t)
	}
	rows.Close()
	js, _ := json.Marshal(actions)
	if _, err := tx.ExecContext(ctx, s.q("INSERT INTO advisory_revisions (advisory_id, version, at, actor, summary, title, body, actions) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
		id, version, s.now().UnixMicro(), a.Name, summary, title, body, string(js)); err != nil {
		return fmt.Errorf("store: advisory revision: %w", err)
	}
	return nil
}

// PublishAdvisory publishes a draft: it becomes version 1, its parties
// see it, and its attached indicators go to the same parties (their
// sensors pull them).
func (s *Store) PublishAdvisory(ctx context.Context, v Viewer, a Actor, id int64) (AdvisoryRecord, error) {
	if !v.Agency {
		return AdvisoryRecord{}, ErrNotFound
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, s.q("SELECT status FROM advisories WHERE id = ? AND org_id = ?"), id, v.OrgID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: advisory %d: %w", id, err)
		}
		if status != string(advisory.Draft) {
			return fmt.Errorf("%w: this advisory is already %s", advisory.ErrInput, status)
		}
		now := s.now().UnixMicro()
		if _, err := tx.ExecContext(ctx, s.q("UPDATE advisories SET status = 'published', version = 1, published_at = ?, updated_at = ? WHERE id = ?"), now, now, id); err != nil {
			return fmt.Errorf("store: publish advisory: %w", err)
		}
		if err := s.addRevision(ctx, tx, a, id, 1, "Initial version."); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "advisory.publish", fmt.Sprintf("advisory:%d", id), "")
	})
	if err != nil {
		return AdvisoryRecord{}, err
	}
	if err := s.syncAdvisoryIndicators(ctx, v, a, id); err != nil {
		return AdvisoryRecord{}, err
	}
	return s.GetAdvisory(ctx, v, id)
}

// WithdrawAdvisory withdraws a published advisory: parties still see it,
// marked withdrawn with the reason, and its attached indicators are
// withdrawn from their sensors (they go back to the agency only).
func (s *Store) WithdrawAdvisory(ctx context.Context, v Viewer, a Actor, id int64, reason string) (AdvisoryRecord, error) {
	if !v.Agency {
		return AdvisoryRecord{}, ErrNotFound
	}
	reason, err := advisory.CheckLine("the reason", reason, advisory.MaxSummary, true)
	if err != nil {
		return AdvisoryRecord{}, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var status string
		var version int
		err := tx.QueryRowContext(ctx, s.q("SELECT status, version FROM advisories WHERE id = ? AND org_id = ?"), id, v.OrgID).Scan(&status, &version)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: advisory %d: %w", id, err)
		}
		if status != string(advisory.Published) {
			return fmt.Errorf("%w: only a published advisory can be withdrawn (this one is %s)", advisory.ErrInput, status)
		}
		now := s.now().UnixMicro()
		if _, err := tx.ExecContext(ctx, s.q("UPDATE advisories SET status = 'withdrawn', version = ?, withdrawn_at = ?, updated_at = ? WHERE id = ?"), version+1, now, now, id); err != nil {
			return fmt.Errorf("store: withdraw advisory: %w", err)
		}
		if err := s.addRevision(ctx, tx, a, id, version+1, "Withdrawn: "+reason); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "advisory.withdraw", fmt.Sprintf("advisory:%d", id), reason)
	})
	if err != nil {
		return AdvisoryRecord{}, err
	}
	if err := s.syncAdvisoryIndicators(ctx, v, a, id); err != nil {
		return AdvisoryRecord{}, err
	}
	return s.GetAdvisory(ctx, v, id)
}

// syncAdvisoryIndicators gives the attached indicators the distribution
// the advisory's state implies: its parties while published, the agency
// only otherwise.
func (s *Store) syncAdvisoryIndicators(ctx context.Context, v Viewer, a Actor, id int64) error {
	rec, err := s.GetAdvisory(ctx, v, id)
	if err != nil {
		return err
	}
	t := AdvisoryTarget{Distribution: DistAgency}
	if rec.Status == advisory.Published {
		t = AdvisoryTarget{Distribution: rec.Distribution, Parties: rec.Parties}
	}
	return s.distributeIndicators(ctx, v, a, rec.Indicators, t)
}

// distributeIndicators sets the distribution of the agency's indicators
// ids through the indicator store, so that sensors pull them or drop them.
func (s *Store) distributeIndicators(ctx context.Context, v Viewer, a Actor, ids []string, t AdvisoryTarget) error {
	if len(ids) == 0 {
		return nil
	}
	recs, err := s.ListIndicators(ctx, v, IndicatorQuery{IDs: ids, Limit: len(ids)})
	if err != nil {
		return err
	}
	inds := make([]indicator.Indicator, 0, len(recs))
	for _, r := range recs {
		if r.OrgID == v.OrgID {
			inds = append(inds, r.Indicator)
		}
	}
	parties := t.Parties
	if t.Distribution != DistListed {
		parties = nil
	}
	_, _, err = s.PutIndicators(ctx, v, a, inds, PutOptions{Distribution: t.Distribution, Parties: parties})
	return err
}

// GetAdvisory returns an advisory the viewer may see, with its actions,
// revisions, attached indicators and, for a party, its own receipt and
// ticks.
func (s *Store) GetAdvisory(ctx context.Context, v Viewer, id int64) (AdvisoryRecord, error) {
	cond, args := advisoryVisible(v)
	r, err := scanAdvisory(s.r.QueryRowContext(ctx, s.q("SELECT "+advCols+" FROM advisories a WHERE a.id = ? AND "+cond), append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return AdvisoryRecord{}, ErrNotFound
	}
	if err != nil {
		return AdvisoryRecord{}, fmt.Errorf("store: advisory %d: %w", id, err)
	}
	if err := s.loadAdvisoryDetails(ctx, v, &r); err != nil {
		return AdvisoryRecord{}, err
	}
	return r, nil
}

func (s *Store) loadAdvisoryDetails(ctx context.Context, v Viewer, r *AdvisoryRecord) error {
	err := s.queryRows(ctx, "SELECT id, position, text, added_in, removed_in FROM advisory_actions WHERE advisory_id = ? ORDER BY removed_in <> 0, position, id", []any{r.ID}, func(sc *sql.Rows) error {
		var x advisory.Action
		if err := sc.Scan(&x.ID, &x.Position, &x.Text, &x.AddedIn, &x.RemovedIn); err != nil {
			return err
		}
		r.Actions = append(r.Actions, x)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: advisory actions: %w", err)
	}
	err = s.queryRows(ctx, "SELECT version, at, actor, summary, title FROM advisory_revisions WHERE advisory_id = ? ORDER BY version DESC", []any{r.ID}, func(sc *sql.Rows) error {
		var x advisory.Revision
		var at int64
		if err := sc.Scan(&x.Version, &at, &x.Actor, &x.Summary, &x.Title); err != nil {
			return err
		}
		x.At = fromMicros(at)
		if !v.Agency {
			x.Actor = "" // who at the agency wrote it is the agency's business
		}
		r.Revisions = append(r.Revisions, x)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: advisory revisions: %w", err)
	}
	err = s.queryRows(ctx, "SELECT i.uuid FROM advisory_indicators ai JOIN indicators i ON i.id = ai.indicator_id WHERE ai.advisory_id = ? ORDER BY i.id", []any{r.ID}, func(sc *sql.Rows) error {
		var u string
		if err := sc.Scan(&u); err != nil {
			return err
		}
		r.Indicators = append(r.Indicators, u)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: advisory indicators: %w", err)
	}
	if v.Agency {
		err = s.queryRows(ctx, "SELECT org_id FROM advisory_parties WHERE advisory_id = ? ORDER BY org_id", []any{r.ID}, func(sc *sql.Rows) error {
			var p int64
			if err := sc.Scan(&p); err != nil {
				return err
			}
			r.Parties = append(r.Parties, p)
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: advisory parties: %w", err)
		}
		return nil
	}
	if r.Distribution == DistListed {
		r.Parties = []int64{v.OrgID}
	}
	recs, err := s.advisoryReceipts(ctx, []int64{r.ID}, v.OrgID)
	if err != nil {
		return err
	}
	if len(recs) > 0 {
		r.Receipt = &recs[0]
	}
	ticks, err := s.ticksOf(ctx, r.ID, v.OrgID)
	if err != nil {
		return err
	}
	r.Ticks = map[int64]AdvisoryTick{}
	for _, t := range ticks {
		r.Ticks[t.ActionID] = t
	}
	return nil
}

// queryRows runs a read query and calls fn for each row.
func (s *Store) queryRows(ctx context.Context, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AdvisoryQuery selects advisories.
type AdvisoryQuery struct {
	// Status keeps one status ("" = all the viewer may see).
	Status advisory.Status
	// TLP keeps one level (the Atom feed asks for clear).
	TLP indicator.TLP
	// BeforeID pages the newest-first listing.
	BeforeID int64
	Limit    int
}

// ListAdvisories returns the advisories the viewer may see, newest first,
// without their details; a party's carry its own receipt.
func (s *Store) ListAdvisories(ctx context.Context, v Viewer, q AdvisoryQuery) ([]AdvisoryRecord, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	cond, args := advisoryVisible(v)
	where := []string{cond}
	if q.Status != "" {
		where = append(where, "a.status = ?")
		args = append(args, string(q.Status))
	}
	if q.TLP != "" {
		where = append(where, "a.tlp = ?")
		args = append(args, string(q.TLP))
	}
	if q.BeforeID > 0 {
		where = append(where, "a.id < ?")
		args = append(args, q.BeforeID)
	}
	args = append(args, q.Limit)
	var out []AdvisoryRecord
	err := s.queryRows(ctx, "SELECT "+advCols+" FROM advisories a WHERE "+strings.Join(where, " AND ")+" ORDER BY a.id DESC LIMIT ?", args, func(sc *sql.Rows) error {
		r, err := scanAdvisory(sc)
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: list advisories: %w", err)
	}
	if v.Agency || len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	for i := range out {
		ids[i] = out[i].ID
	}
	recs, err := s.advisoryReceipts(ctx, ids, v.OrgID)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*AdvisoryReceipt{}
	for i := range recs {
		byID[recs[i].AdvisoryID] = &recs[i]
	}
	for i := range out {
		out[i].Receipt = byID[out[i].ID]
	}
	return out, nil
}

// advisoryReceipts returns the receipts of advisories ids: of one party
// when orgID is not 0, else of every party that receives each advisory
// (parties that have done nothing included, as unread). Done and Total
// count the current actions.
func (s *Store) advisoryReceipts(ctx context.Context, ids []int64, orgID int64) ([]AdvisoryReceipt, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > 500 {
		return nil, fmt.Errorf("store: at most 500 advisories at once")
	}
	args := []any{}
	for _, id := range ids {
		args = append(args, id)
	}
	// The recipients: every party for "all", the listed ones otherwise.
	q := `SELECT a.id, o.id, o.name,
		COALESCE(r.read_at, 0), COALESCE(r.read_by, ''), COALESCE(r.acked_at, 0), COALESCE(r.acked_by, ''), COALESCE(r.acked_version, 0),
		(SELECT COUNT(*) FROM advisory_actions x JOIN advisory_ticks t ON t.action_id = x.id WHERE x.advisory_id = a.id AND x.removed_in = 0 AND t.org_id = o.id AND t.done = 1),
		(SELECT COUNT(*) FROM advisory_actions x WHERE x.advisory_id = a.id AND x.removed_in = 0),
		(SELECT COUNT(*) FROM advisory_reminders m WHERE m.advisory_id = a.id AND m.org_id = o.id),
		(SELECT COALESCE(MAX(m.at), 0) FROM advisory_reminders m WHERE m.advisory_id = a.id AND m.org_id = o.id)
		FROM advisories a JOIN orgs o ON o.kind = 'party' AND (a.distribution = 'all' OR EXISTS (SELECT 1 FROM advisory_parties ap WHERE ap.advisory_id = a.id AND ap.org_id = o.id))
		LEFT JOIN advisory_receipts r ON r.advisory_id = a.id AND r.org_id = o.id
		WHERE a.id IN (` + placeholders(len(ids)) + `)`
	if orgID != 0 {
		q += " AND o.id = ?"
		args = append(args, orgID)
	}
	q += " ORDER BY a.id DESC, o.name"
	var out []AdvisoryReceipt
	err := s.queryRows(ctx, q, args, func(sc *sql.Rows) error {
		var r AdvisoryReceipt
		var read, acked, last int64
		if err := sc.Scan(&r.AdvisoryID, &r.OrgID, &r.OrgName, &read, &r.ReadBy, &acked, &r.AckedBy, &r.AckedVersion, &r.Done, &r.Total, &r.Reminders, &last); err != nil {
			return err
		}
		r.ReadAt, r.AckedAt, r.LastReminder = fromMicros(read), fromMicros(acked), fromMicros(last)
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: advisory receipts: %w", err)
	}
	return out, nil
}

// AdvisoryProgress returns, for an advisory, where each party it goes to
// stands (read, acknowledged, actions done of total, reminders). The
// agency sees every party; a party sees only its own line.
func (s *Store) AdvisoryProgress(ctx context.Context, v Viewer, id int64) ([]AdvisoryReceipt, error) {
	if _, err := s.GetAdvisory(ctx, v, id); err != nil {
		return nil, err
	}
	org := int64(0)
	if !v.Agency {
		org = v.OrgID
	}
	return s.advisoryReceipts(ctx, []int64{id}, org)
}

// partyAdvisory checks that a party may act on an advisory: it receives
// it and the advisory is published (not withdrawn).
func (s *Store) partyAdvisory(ctx context.Context, tx *sql.Tx, v Viewer, id int64) (version int, err error) {
	if v.Agency {
		return 0, fmt.Errorf("%w: the parties acknowledge advisories, not the agency", advisory.ErrInput)
	}
	cond, args := advisoryVisible(v)
	var status string
	err = tx.QueryRowContext(ctx, s.q("SELECT a.status, a.version FROM advisories a WHERE a.id = ? AND "+cond), append([]any{id}, args...)...).Scan(&status, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("store: advisory %d: %w", id, err)
	}
	if status != string(advisory.Published) {
		return 0, fmt.Errorf("%w: this advisory was withdrawn", advisory.ErrInput)
	}
	return version, nil
}

// MarkAdvisoryRead records that the party opened the advisory (the first
// time only). The agency's views and withdrawn advisories record nothing.
func (s *Store) MarkAdvisoryRead(ctx context.Context, v Viewer, a Actor, id int64) error {
	if v.Agency {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.partyAdvisory(ctx, tx, v, id); err != nil {
			if errors.Is(err, advisory.ErrInput) {
				return nil
			}
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO advisory_receipts (advisory_id, org_id, read_at, read_by) VALUES (?, ?, ?, ?)
			ON CONFLICT (advisory_id, org_id) DO UPDATE SET read_at = excluded.read_at, read_by = excluded.read_by WHERE advisory_receipts.read_at = 0`),
			id, v.OrgID, s.now().UnixMicro(), a.Name)
		if err != nil {
			return fmt.Errorf("store: advisory read: %w", err)
		}
		return nil
	})
}

// AcknowledgeAdvisory records that the party acknowledged the advisory's
// current version (again after a revision).
func (s *Store) AcknowledgeAdvisory(ctx context.Context, v Viewer, a Actor, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		version, err := s.partyAdvisory(ctx, tx, v, id)
		if err != nil {
			return err
		}
		now := s.now().UnixMicro()
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO advisory_receipts (advisory_id, org_id, read_at, read_by, acked_at, acked_by, acked_version) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (advisory_id, org_id) DO UPDATE SET acked_at = excluded.acked_at, acked_by = excluded.acked_by, acked_version = excluded.acked_version,
			  read_at = CASE WHEN advisory_receipts.read_at = 0 THEN excluded.read_at ELSE advisory_receipts.read_at END,
			  read_by = CASE WHEN advisory_receipts.read_at = 0 THEN excluded.read_by ELSE advisory_receipts.read_by END`),
			id, v.OrgID, now, a.Name, now, a.Name, version)
		if err != nil {
			return fmt.Errorf("store: acknowledge advisory: %w", err)
		}
		return s.audit(ctx, tx, a, "advisory.acknowledge", fmt.Sprintf("advisory:%d", id), fmt.Sprintf("version %d", version))
	})
}

// TickAdvisoryAction records that the party did (or undid) one action of
// the advisory, with an optional comment. Ticking also marks the advisory
// read.
func (s *Store) TickAdvisoryAction(ctx context.Context, v Viewer, a Actor, id, actionID int64, done bool, comment string) error {
	comment, err := advisory.CheckText("the comment", comment, advisory.MaxComment)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.partyAdvisory(ctx, tx, v, id); err != nil {
			return err
		}
		var removed int
		err := tx.QueryRowContext(ctx, s.q("SELECT removed_in FROM advisory_actions WHERE id = ? AND advisory_id = ?"), actionID, id).Scan(&removed)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: action %d is not one of this advisory's", advisory.ErrInput, actionID)
		}
		if err != nil {
			return fmt.Errorf("store: advisory action: %w", err)
		}
		if removed != 0 {
			return fmt.Errorf("%w: action %d was removed by a revision", advisory.ErrInput, actionID)
		}
		now := s.now().UnixMicro()
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO advisory_ticks (action_id, org_id, done, by_actor, at, comment) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (action_id, org_id) DO UPDATE SET done = excluded.done, by_actor = excluded.by_actor, at = excluded.at, comment = excluded.comment`),
			actionID, v.OrgID, b2i(done), a.Name, now, comment); err != nil {
			return fmt.Errorf("store: tick action: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO advisory_receipts (advisory_id, org_id, read_at, read_by) VALUES (?, ?, ?, ?) ON CONFLICT (advisory_id, org_id) DO NOTHING`),
			id, v.OrgID, now, a.Name); err != nil {
			return fmt.Errorf("store: advisory read: %w", err)
		}
		state := "done"
		if !done {
			state = "not done"
		}
		return s.audit(ctx, tx, a, "advisory.tick", fmt.Sprintf("advisory:%d", id), fmt.Sprintf("action %d %s", actionID, state))
	})
}

// RemindAdvisory records a reminder from the agency to parties of a
// published advisory. With no parties given it reminds the late ones:
// those that have not acknowledged or not done every action. It returns
// the parties reminded (delivery is the notifications').
func (s *Store) RemindAdvisory(ctx context.Context, v Viewer, a Actor, id int64, parties []int64) ([]AdvisoryReceipt, error) {
	if !v.Agency {
		return nil, ErrNotFound
	}
	rec, err := s.GetAdvisory(ctx, v, id)
	if err != nil {
		return nil, err
	}
	if rec.Status != advisory.Published {
		return nil, fmt.Errorf("%w: only a published advisory has reminders (this one is %s)", advisory.ErrInput, rec.Status)
	}
	all, err := s.advisoryReceipts(ctx, []int64{id}, 0)
	if err != nil {
		return nil, err
	}
	want := map[int64]bool{}
	for _, p := range parties {
		want[p] = true
	}
	var to []AdvisoryReceipt
	for _, r := range all {
		late := r.AckedAt.IsZero() || r.AckedVersion < rec.Version || r.Done < r.Total
		if (len(parties) == 0 && late) || want[r.OrgID] {
			to = append(to, r)
			delete(want, r.OrgID)
		}
	}
	for p := range want {
		return nil, fmt.Errorf("%w: party %d does not receive this advisory", advisory.ErrInput, p)
	}
	if len(to) == 0 {
		return nil, nil
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now().UnixMicro()
		var names []string
		for _, r := range to {
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO advisory_reminders (advisory_id, org_id, at, actor) VALUES (?, ?, ?, ?)"), id, r.OrgID, now, a.Name); err != nil {
				return fmt.Errorf("store: advisory reminder: %w", err)
			}
			names = append(names, r.OrgName)
		}
		return s.audit(ctx, tx, a, "advisory.remind", fmt.Sprintf("advisory:%d", id), strings.Join(names, ", "))
	})
	if err != nil {
		return nil, err
	}
	return to, nil
}

// AdvisoryRecipients returns the parties an advisory goes to.
func (s *Store) AdvisoryRecipients(ctx context.Context, v Viewer, id int64) ([]Org, error) {
	if !v.Agency {
		return nil, ErrNotFound
	}
	var out []Org
	err := s.queryRows(ctx, "SELECT o.id, o.name, o.kind, o.created_at, o.last_contact_at FROM advisories a JOIN orgs o ON o.kind = 'party' AND (a.distribution = 'all' OR EXISTS (SELECT 1 FROM advisory_parties ap WHERE ap.advisory_id = a.id AND ap.org_id = o.id)) WHERE a.id = ? ORDER BY o.name", []any{id}, func(sc *sql.Rows) error {
		o, err := scanOrg(sc)
		if err != nil {
			return err
		}
		out = append(out, o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: advisory recipients: %w", err)
	}
	return out, nil
}

// AdvisoryTicksOf returns one party's ticks of an advisory's actions (the
// agency's view of a party's progress, comments included). A party may
// ask only for its own.
func (s *Store) AdvisoryTicksOf(ctx context.Context, v Viewer, id, orgID int64) ([]AdvisoryTick, error) {
	if !v.Agency && orgID != v.OrgID {
		return nil, ErrNotFound
	}
	if _, err := s.GetAdvisory(ctx, v, id); err != nil {
		return nil, err
	}
	return s.ticksOf(ctx, id, orgID)
}

// ticksOf returns a party's ticks of an advisory's actions, in the
// checklist's order.
func (s *Store) ticksOf(ctx context.Context, id, orgID int64) ([]AdvisoryTick, error) {
	var out []AdvisoryTick
	err := s.queryRows(ctx, "SELECT t.action_id, t.org_id, t.done, t.by_actor, t.at, t.comment FROM advisory_ticks t JOIN advisory_actions x ON x.id = t.action_id WHERE x.advisory_id = ? AND t.org_id = ? ORDER BY x.position", []any{id, orgID}, func(sc *sql.Rows) error {
		var t AdvisoryTick
		var done int
		var at int64
		if err := sc.Scan(&t.ActionID, &t.OrgID, &done, &t.By, &at, &t.Comment); err != nil {
			return err
		}
		t.Done, t.At = done != 0, fromMicros(at)
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: advisory ticks: %w", err)
	}
	return out, nil
}

// AdvisoryFollowUps sums up, per party, the published advisories it
// receives and what it did with them (read, acknowledged, actions done of
// total): the facts the risk assessment weighs. orgID 0 means every party.
// Only the agency may ask for a party other than its own.
func (s *Store) AdvisoryFollowUps(ctx context.Context, v Viewer, orgID int64) ([]AdvisoryFollowUp, error) {
	if !v.Agency {
		orgID = v.OrgID
	}
	var ids []int64
	err := s.queryRows(ctx, "SELECT id FROM advisories WHERE status = 'published' ORDER BY id DESC LIMIT 500", nil, func(sc *sql.Rows) error {
		var id int64
		if err := sc.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: advisory follow-up: %w", err)
	}
	recs, err := s.advisoryReceipts(ctx, ids, orgID)
	if err != nil {
		return nil, err
	}
	meta := map[int64]AdvisoryRef{}
	if len(ids) > 0 {
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		err = s.queryRows(ctx, "SELECT id, title, severity, published_at, version FROM advisories WHERE id IN ("+placeholders(len(ids))+")", args, func(sc *sql.Rows) error {
			var r AdvisoryRef
			var sev string
			var p int64
			var version int
			if err := sc.Scan(&r.ID, &r.Title, &sev, &p, &version); err != nil {
				return err
			}
			r.Severity, r.PublishedAt = advisory.Severity(sev), fromMicros(p)
			meta[r.ID] = r
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("store: advisory follow-up: %w", err)
		}
	}
	byOrg := map[int64]*AdvisoryFollowUp{}
	var order []int64
	if orgID != 0 {
		byOrg[orgID] = &AdvisoryFollowUp{OrgID: orgID}
		order = append(order, orgID)
	}
	for _, r := range recs {
		f := byOrg[r.OrgID]
		if f == nil {
			f = &AdvisoryFollowUp{OrgID: r.OrgID}
			byOrg[r.OrgID] = f
			order = append(order, r.OrgID)
		}
		f.Advisories++
		if !r.ReadAt.IsZero() {
			f.Read++
		}
		if !r.AckedAt.IsZero() {
			f.Acknowledged++
		} else {
			f.Unacknowledged = append(f.Unacknowledged, meta[r.AdvisoryID])
		}
		f.ActionsDone += r.Done
		f.ActionsTotal += r.Total
	}
	out := make([]AdvisoryFollowUp, 0, len(order))
	for _, id := range order {
		out = append(out, *byOrg[id])
	}
	return out, nil
}
