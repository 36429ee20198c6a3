package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// Statuses of a look-alike proposal.
const (
	ProposalPending  = "pending"
	ProposalAccepted = "accepted"
	ProposalRejected = "rejected"
)

// Limits of a proposal: a look-alike is a host name with a few lines of
// evidence (records, certificate issuer and dates).
const (
	maxProposalEvidence = 32
	maxProposalText     = 1000
)

// LookalikeProposal is a look-alike domain a party's watch found and that
// the party proposes to the agency as an indicator to publish to every
// party. The agency accepts it (the domain is published as a domain
// indicator, IndicatorID) or rejects it with a reason the party reads.
type LookalikeProposal struct {
	ID           int64     `json:"id"`
	OrgID        int64     `json:"org_id"`
	Org          string    `json:"org,omitempty"`
	Name         string    `json:"name"`
	Imitates     string    `json:"imitates,omitempty"`
	Technique    string    `json:"technique,omitempty"`
	Score        float64   `json:"score,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	Evidence     []string  `json:"evidence,omitempty"`
	FirstSeen    time.Time `json:"first_seen,omitzero"`
	Status       string    `json:"status"`
	ReviewReason string    `json:"review_reason,omitempty"`
	ReviewedBy   string    `json:"reviewed_by,omitempty"`
	ReviewedAt   time.Time `json:"reviewed_at,omitzero"`
	IndicatorID  string    `json:"indicator_id,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func checkText(field, v string) error {
	if len(v) > maxProposalText || strings.ContainsFunc(v, isControl) {
		return fmt.Errorf("%w: %s: printable text of at most %d bytes", ErrBadSettings, field, maxProposalText)
	}
	return nil
}

// ProposeLookalike records organisation orgID's proposal. Proposing a name
// again updates its evidence and keeps its review; it returns the proposal
// and whether it is new.
func (s *Store) ProposeLookalike(ctx context.Context, orgID int64, a Actor, p LookalikeProposal) (LookalikeProposal, bool, error) {
	name, err := indicator.Normalize(indicator.Domain, p.Name)
	if err != nil {
		return p, false, fmt.Errorf("%w: name: %v", ErrBadSettings, err)
	}
	p.Name = name
	if p.Imitates != "" {
		if p.Imitates, err = NormaliseOrgDomain(p.Imitates); err != nil {
			return p, false, fmt.Errorf("%w: imitates: %v", ErrBadSettings, err)
		}
	}
	if math.IsNaN(p.Score) || p.Score < 0 || p.Score > 1 {
		return p, false, fmt.Errorf("%w: score %v: want 0 to 1", ErrBadSettings, p.Score)
	}
	if len(p.Evidence) > maxProposalEvidence {
		return p, false, fmt.Errorf("%w: evidence: %d lines, at most %d", ErrBadSettings, len(p.Evidence), maxProposalEvidence)
	}
	for field, v := range map[string]string{"technique": p.Technique, "reason": p.Reason} {
		if err := checkText(field, v); err != nil {
			return p, false, err
		}
	}
	for _, e := range p.Evidence {
		if err := checkText("evidence", e); err != nil {
			return p, false, err
		}
	}
	if p.Evidence == nil {
		p.Evidence = []string{}
	}
	ev, _ := json.Marshal(p.Evidence)
	now := s.now().UnixMicro()
	first := micros(p.FirstSeen)
	if first == 0 || first > now {
		first = now
	}
	var created bool
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, s.q("SELECT id FROM lookalike_proposals WHERE org_id = ? AND name = ?"), orgID, p.Name).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			created = true
			if err := tx.QueryRowContext(ctx, s.q(`INSERT INTO lookalike_proposals (org_id, name, imitates, technique, score, reason, evidence, first_seen, status, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
				orgID, p.Name, p.Imitates, p.Technique, p.Score, p.Reason, string(ev), first, ProposalPending, now, now).Scan(&id); err != nil {
				return fmt.Errorf("store: propose look-alike: %w", err)
			}
			if err := s.audit(ctx, tx, a, "lookalike.propose", fmt.Sprintf("proposal:%d", id), p.Name); err != nil {
				return err
			}
		case err != nil:
			return fmt.Errorf("store: propose look-alike: %w", err)
		default:
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE lookalike_proposals SET imitates = ?, technique = ?, score = ?, reason = ?, evidence = ?, updated_at = ?,
				first_seen = CASE WHEN first_seen > ? THEN ? ELSE first_seen END WHERE id = ?`),
				p.Imitates, p.Technique, p.Score, p.Reason, string(ev), now, first, first, id); err != nil {
				return fmt.Errorf("store: propose look-alike: %w", err)
			}
		}
		p.ID = id
		return nil
	})
	if err != nil {
		return p, false, err
	}
	out, err := s.GetLookalikeProposal(ctx, Viewer{OrgID: orgID}, p.ID)
	return out, created, err
}

const proposalCols = "p.id, p.org_id, o.name, p.name, p.imitates, p.technique, p.score, p.reason, p.evidence, p.first_seen, p.status, p.review_reason, p.reviewed_by, p.reviewed_at, p.indicator_id, p.created_at, p.updated_at"

func scanProposal(sc interface{ Scan(...any) error }) (LookalikeProposal, error) {
	var p LookalikeProposal
	var ev string
	var first, rev, c, u int64
	if err := sc.Scan(&p.ID, &p.OrgID, &p.Org, &p.Name, &p.Imitates, &p.Technique, &p.Score, &p.Reason, &ev, &first, &p.Status, &p.ReviewReason, &p.ReviewedBy, &rev, &p.IndicatorID, &c, &u); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(ev), &p.Evidence); err != nil {
		return p, fmt.Errorf("proposal %d: evidence: %w", p.ID, err)
	}
	p.FirstSeen, p.ReviewedAt, p.CreatedAt, p.UpdatedAt = fromMicros(first), fromMicros(rev), fromMicros(c), fromMicros(u)
	return p, nil
}

// GetLookalikeProposal returns proposal id if the viewer may see it (the
// proposing party's, or any for the agency).
func (s *Store) GetLookalikeProposal(ctx context.Context, v Viewer, id int64) (LookalikeProposal, error) {
	q := "SELECT " + proposalCols + " FROM lookalike_proposals p JOIN orgs o ON o.id = p.org_id WHERE p.id = ?"
	args := []any{id}
	if !v.Agency {
		q += " AND p.org_id = ?"
		args = append(args, v.OrgID)
	}
	p, err := scanProposal(s.r.QueryRowContext(ctx, s.q(q), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("store: look-alike proposal: %w", err)
	}
	return p, nil
}

// ListLookalikeProposals returns the proposals the viewer may see, pending
// first then newest first; status "" means every status.
func (s *Store) ListLookalikeProposals(ctx context.Context, v Viewer, status string, limit int) ([]LookalikeProposal, error) {
	if limit <= 0 || limit > 5000 {
		limit = 500
	}
	q := "SELECT " + proposalCols + " FROM lookalike_proposals p JOIN orgs o ON o.id = p.org_id WHERE 1 = 1"
	var args []any
	if !v.Agency {
		q += " AND p.org_id = ?"
		args = append(args, v.OrgID)
	}
	if status != "" {
		q += " AND p.status = ?"
		args = append(args, status)
	}
	q += " ORDER BY CASE WHEN p.status = 'pending' THEN 0 ELSE 1 END, p.updated_at DESC, p.id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: look-alike proposals: %w", err)
	}
	defer rows.Close()
	out := []LookalikeProposal{}
	for rows.Next() {
		p, err := scanProposal(rows)
		if err != nil {
			return nil, fmt.Errorf("store: look-alike proposals: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// AcceptLookalike publishes proposal id as a domain indicator owned by the
// viewer's agency, distributed as opts says (every party by default), and
// marks the proposal accepted. Only the agency may review.
func (s *Store) AcceptLookalike(ctx context.Context, v Viewer, a Actor, id int64, opts PutOptions) (LookalikeProposal, error) {
	if !v.Agency {
		return LookalikeProposal{}, ErrNotFound
	}
	p, err := s.GetLookalikeProposal(ctx, v, id)
	if err != nil {
		return p, err
	}
	desc := fmt.Sprintf("Look-alike domain proposed by %s", p.Org)
	if p.Imitates != "" {
		desc += ", imitating " + p.Imitates
	}
	if p.Reason != "" {
		desc += ": " + p.Reason
	}
	ind := indicator.Indicator{Type: indicator.Domain, Value: p.Name, Source: "lookalike-watch", Description: trimText(desc, 900), Tags: []string{"lookalike"}}
	if opts.Distribution == "" {
		opts.Distribution = DistAll
	}
	_, recs, err := s.PutIndicators(ctx, v, a, []indicator.Indicator{ind}, opts)
	if err != nil {
		return p, err
	}
	if len(recs) != 1 {
		return p, fmt.Errorf("store: accept look-alike %s: the indicator was not stored", p.Name)
	}
	return p, s.review(ctx, a, id, ProposalAccepted, "", recs[0].ID)
}

// RejectLookalike marks proposal id rejected with a reason the party reads.
// Only the agency may review; a reason is required.
func (s *Store) RejectLookalike(ctx context.Context, v Viewer, a Actor, id int64, reason string) error {
	if !v.Agency {
		return ErrNotFound
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return fmt.Errorf("%w: a rejection needs a reason the party can read", ErrBadSettings)
	}
	if err := checkText("reason", reason); err != nil {
		return err
	}
	if _, err := s.GetLookalikeProposal(ctx, v, id); err != nil {
		return err
	}
	return s.review(ctx, a, id, ProposalRejected, reason, "")
}

func (s *Store) review(ctx context.Context, a Actor, id int64, status, reason, indicatorID string) error {
	now := s.now().UnixMicro()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("UPDATE lookalike_proposals SET status = ?, review_reason = ?, reviewed_by = ?, reviewed_at = ?, indicator_id = ?, updated_at = ? WHERE id = ?"),
			status, reason, a.Name, now, indicatorID, now, id); err != nil {
			return fmt.Errorf("store: review look-alike: %w", err)
		}
		return s.audit(ctx, tx, a, "lookalike."+status, fmt.Sprintf("proposal:%d", id), reason)
	})
}

func trimText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
