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

	"github.com/vigie-project/vigie/internal/indicator"
)

// Distributions: who receives an indicator.
const (
	DistAll    = "all"    // every party
	DistListed = "listed" // the parties in Record.Parties
	DistAgency = "agency" // the agency only
)

// ValidDistribution reports whether d is a distribution.
func ValidDistribution(d string) bool { return d == DistAll || d == DistListed || d == DistAgency }

// Record is an indicator as the hub keeps it: the indicator, who owns it,
// to whom it goes, and its place in the change feed (Seq).
type Record struct {
	indicator.Indicator
	OrgID        int64   `json:"-"`
	Distribution string  `json:"distribution"`
	Parties      []int64 `json:"parties,omitempty"`
	// Seq increases with every change; sensors pull the changes after a
	// cursor made from it.
	Seq int64 `json:"seq"`
	// Expired is true once ValidUntil has passed.
	Expired bool `json:"expired,omitempty"`
	// Withdrawn is true in a party's feed when the indicator is no longer
	// distributed to that party (only id, type, value and seq are set):
	// sensors drop it.
	Withdrawn bool `json:"withdrawn,omitempty"`
	// Version is the STIX version in force (the object's modified time;
	// for an indicator given without one, when the hub stored it). Older
	// versions are kept (IndicatorVersions).
	Version time.Time `json:"version,omitzero"`
	// StixCreated is the STIX object's created time, the same for all
	// its versions (when the hub first stored an indicator given
	// without one).
	StixCreated time.Time `json:"-"`
	ref         int64
}

// Ref is the row id of the record (internal; the API uses ID).
func (r *Record) Ref() int64 { return r.ref }

// ImportResult counts what an import did.
type ImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	// Restricted counts TLP:RED indicators asked to go to every party and
	// kept with the agency instead (TLP:RED goes to named parties only).
	Restricted int `json:"restricted,omitempty"`
	// Older counts versions older than the one in force: kept as
	// versions (TAXII serves them), the indicator in force unchanged.
	Older int `json:"older_versions,omitempty"`
}

// PutOptions say how indicators are stored.
type PutOptions struct {
	Distribution string
	Parties      []int64 // party organisations, for DistListed
	// TLP is the level of indicators that state none; an indicator's own
	// marking always wins (a TLP:RED object stays RED whatever a form
	// preselects).
	TLP indicator.TLP
}

// PutIndicators creates or updates indicators owned by the viewer's
// organisation (which must be an agency), all in one transaction: either
// every indicator is stored or none is.
func (s *Store) PutIndicators(ctx context.Context, v Viewer, a Actor, inds []indicator.Indicator, opts PutOptions) (ImportResult, []Record, error) {
	var res ImportResult
	if !v.Agency {
		return res, nil, fmt.Errorf("store: only the agency publishes indicators: %w", ErrNotFound)
	}
	if opts.Distribution == "" {
		opts.Distribution = DistAll
	}
	if !ValidDistribution(opts.Distribution) {
		return res, nil, fmt.Errorf("store: distribution %q: want all, listed or agency", opts.Distribution)
	}
	if opts.Distribution == DistListed && len(opts.Parties) == 0 {
		return res, nil, fmt.Errorf("store: distribution \"listed\" needs at least one party")
	}
	if len(inds) == 0 {
		return res, nil, nil
	}
	now := s.now().UnixMicro()
	out := make([]Record, 0, len(inds))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, p := range opts.Parties {
			var kind string
			err := tx.QueryRowContext(ctx, s.q("SELECT kind FROM orgs WHERE id = ?"), p).Scan(&kind)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != KindParty) {
				return fmt.Errorf("store: party %d: %w", p, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("store: party %d: %w", p, err)
			}
		}
		var last int64
		if err := tx.QueryRowContext(ctx, s.q("UPDATE counters SET value = value + ? WHERE name = 'indicator_seq' RETURNING value"), len(inds)).Scan(&last); err != nil {
			return fmt.Errorf("store: indicator sequence: %w", err)
		}
		seq := last - int64(len(inds))
		written := map[int64]bool{} // rows this call wrote
		var allParties []int64      // loaded when first needed
		partiesOf := func(dist string, listed []int64) ([]int64, error) {
			switch dist {
			case DistListed:
				return listed, nil
			case DistAll:
				if allParties == nil {
					rows, err := tx.QueryContext(ctx, "SELECT id FROM orgs WHERE kind = 'party'")
					if err != nil {
						return nil, err
					}
					defer rows.Close()
					allParties = []int64{}
					for rows.Next() {
						var id int64
						if err := rows.Scan(&id); err != nil {
							return nil, err
						}
						allParties = append(allParties, id)
					}
					if err := rows.Err(); err != nil {
						return nil, err
					}
				}
				return allParties, nil
			}
			return nil, nil
		}
		for i := range inds {
			ind := inds[i]
			seq++
			if ind.ID == "" {
				if ind.Type == indicator.YARA {
					// A rule without an id is identified by its name.
					ind.ID = "indicator--" + uuid.NewSHA1(yaraNamespace, []byte(ind.Value)).String()
				} else {
					ind.ID = "indicator--" + uuid.NewString()
				}
			}
			// The indicator's own marking wins: the level asked for is
			// only the default of indicators that state none.
			if ind.TLP == "" {
				ind.TLP = opts.TLP
			}
			// TLP:RED goes to named recipients only: never to every
			// party. Asked for "all", it stays with the agency.
			dist, parties := opts.Distribution, opts.Parties
			if ind.TLP == indicator.TLPRed && dist == DistAll {
				dist, parties = DistAgency, nil
				res.Restricted++
			}
			// The unique key is (org, type, value); a YARA rule's is its
			// id (see migration 0003), and label is what people see.
			key, label := ind.Value, ind.Value
			if ind.Type == indicator.YARA {
				key = ind.ID
			}
			// A new version of a STIX object (it carries its modified
			// time) whose value changed, a corrected pattern: the stored
			// indicator takes the new value, keeping its id, rather than
			// the id being refused.
			// The version: the object's own modified time, or now for an
			// indicator given without one.
			version := now
			if !ind.Modified.IsZero() {
				version = ind.Modified.UnixMicro()
			}
			var vRef, vVersion int64
			var vType, vValue string
			err := tx.QueryRowContext(ctx, s.q("SELECT id, type, value, version FROM indicators WHERE uuid = ? AND org_id = ?"), ind.ID, v.OrgID).Scan(&vRef, &vType, &vValue, &vVersion)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return fmt.Errorf("store: indicator %s: %w", ind.ID, err)
			case !ind.Modified.IsZero() && version < vVersion:
				// An older version than the one in force (a producer's
				// history, a late copy): kept as a version, the indicator
				// in force stays.
				body, _ := json.Marshal(ind)
				if _, err := tx.ExecContext(ctx, s.q("INSERT INTO indicator_versions (indicator_id, modified, added_at, body) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"), vRef, version, now, string(body)); err != nil {
					return fmt.Errorf("store: indicator %s: version: %w", ind.ID, err)
				}
				res.Older++
				continue
			}
			// A new version of a STIX object (it carries its modified
			// time) whose value changed, a corrected pattern: the stored
			// indicator takes the new value, keeping its id, rather than
			// the id being refused.
			if ind.Type != indicator.YARA && vRef != 0 {
				switch {
				case written[vRef] && (vType != string(ind.Type) || vValue != key):
					// two objects of one import claim the id: ambiguous
					return fmt.Errorf("store: indicator %s: this id is already used by another indicator", ind.ID)
				case ind.Modified.IsZero() && (vType != string(ind.Type) || vValue != key):
					// not a versioned object: the id names another indicator
					return fmt.Errorf("store: indicator %s: this id is already used by another indicator", ind.ID)
				case vType != string(ind.Type) || vValue != key:
					if _, err := tx.ExecContext(ctx, s.q("UPDATE indicators SET type = ?, value = ? WHERE id = ?"), string(ind.Type), key, vRef); err != nil {
						if isUniqueViolation(err) {
							return fmt.Errorf("store: indicator %s: its new value %s is already another indicator", ind.ID, indicator.Shorten(ind.Value))
						}
						return fmt.Errorf("store: indicator %s: %w", ind.ID, err)
					}
				}
			}
			// The version in force is replaced: keep what it was (rows
			// from before versions were kept have no body yet).
			if vRef != 0 && vVersion != version && !ind.Modified.IsZero() {
				if err := s.keepVersionBody(ctx, tx, vRef, vVersion); err != nil {
					return err
				}
			}
			// Which parties had it before this change.
			var oldRef int64
			var oldDist string
			var before []int64
			err = tx.QueryRowContext(ctx, s.q("SELECT id, distribution FROM indicators WHERE org_id = ? AND type = ? AND value = ?"), v.OrgID, string(ind.Type), key).Scan(&oldRef, &oldDist)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return fmt.Errorf("store: indicator %s: %w", ind.ID, err)
			default:
				var listed []int64
				if oldDist == DistListed {
					rows, err := tx.QueryContext(ctx, s.q("SELECT org_id FROM indicator_parties WHERE indicator_id = ?"), oldRef)
					if err != nil {
						return fmt.Errorf("store: indicator parties: %w", err)
					}
					for rows.Next() {
						var id int64
						rows.Scan(&id)
						listed = append(listed, id)
					}
					rows.Close()
				}
				if before, err = partiesOf(oldDist, listed); err != nil {
					return fmt.Errorf("store: parties: %w", err)
				}
			}
			stixCreated := now
			if !ind.Created.IsZero() && ind.Created.UnixMicro() < now {
				stixCreated = ind.Created.UnixMicro()
			}
			threats, _ := json.Marshal(nonNil(ind.Threats))
			tags, _ := json.Marshal(nonNil(ind.Tags))
			var ref, created int64
			var gotID string
			err = tx.QueryRowContext(ctx, s.q(`INSERT INTO indicators (uuid, org_id, type, value, label, rule, exclude, source, description, confidence, tlp, threats, tags, informational, distribution, valid_from, valid_until, created_at, modified_at, seq, version, stix_created)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (org_id, type, value) DO UPDATE SET label = excluded.label, rule = excluded.rule, exclude = excluded.exclude, source = excluded.source,
				  description = excluded.description, confidence = excluded.confidence, tlp = excluded.tlp, threats = excluded.threats, tags = excluded.tags,
				  informational = excluded.informational, distribution = excluded.distribution, valid_from = excluded.valid_from,
				  valid_until = excluded.valid_until, modified_at = excluded.modified_at, seq = excluded.seq, version = excluded.version,
				  stix_created = CASE WHEN excluded.stix_created < indicators.stix_created THEN excluded.stix_created ELSE indicators.stix_created END
				RETURNING id, created_at, uuid`),
				ind.ID, v.OrgID, string(ind.Type), key, label, ind.Rule, ind.Exclude, ind.Source, ind.Description, ind.Confidence, string(ind.TLP),
				string(threats), string(tags), b2i(ind.Informational), dist, micros(ind.ValidFrom), micros(ind.ValidUntil), now, now, seq, version, stixCreated).Scan(&ref, &created, &gotID)
			if isUniqueViolation(err) {
				return fmt.Errorf("store: indicator %s: this id is already used by another indicator", ind.ID)
			}
			if err != nil {
				return fmt.Errorf("store: indicator %s (%s %s): %w", ind.ID, ind.Type, indicator.Shorten(ind.Value), err)
			}
			written[ref] = true
			// The version in force, as it was given (an indicator without
			// its own versions keeps only the one in force).
			if ind.Modified.IsZero() {
				if _, err := tx.ExecContext(ctx, s.q("DELETE FROM indicator_versions WHERE indicator_id = ?"), ref); err != nil {
					return fmt.Errorf("store: indicator %s: version: %w", ind.ID, err)
				}
			}
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO indicator_versions (indicator_id, modified, added_at, body) VALUES (?, ?, ?, '') ON CONFLICT (indicator_id, modified) DO UPDATE SET body = '', added_at = excluded.added_at"), ref, version, now); err != nil {
				return fmt.Errorf("store: indicator %s: version: %w", ind.ID, err)
			}
			if created == now {
				res.Created++
			} else {
				res.Updated++
			}
			if _, err := tx.ExecContext(ctx, s.q("DELETE FROM indicator_parties WHERE indicator_id = ?"), ref); err != nil {
				return fmt.Errorf("store: indicator parties: %w", err)
			}
			if dist == DistListed {
				for _, p := range parties {
					if _, err := tx.ExecContext(ctx, s.q("INSERT INTO indicator_parties (indicator_id, org_id) VALUES (?, ?) ON CONFLICT DO NOTHING"), ref, p); err != nil {
						return fmt.Errorf("store: indicator parties: %w", err)
					}
				}
			}
			if oldRef != 0 {
				after, err := partiesOf(dist, parties)
				if err != nil {
					return fmt.Errorf("store: parties: %w", err)
				}
				keep := map[int64]bool{}
				for _, p := range after {
					keep[p] = true
				}
				for _, p := range before {
					if keep[p] {
						continue
					}
					if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO indicator_withdrawals (indicator_id, org_id, seq) VALUES (?, ?, ?)
						ON CONFLICT (indicator_id, org_id) DO UPDATE SET seq = excluded.seq`), ref, p, seq); err != nil {
						return fmt.Errorf("store: withdrawal: %w", err)
					}
				}
			}
			if _, err := tx.ExecContext(ctx, s.q("DELETE FROM indicator_withdrawals WHERE indicator_id = ? AND org_id IN (SELECT org_id FROM indicator_parties WHERE indicator_id = ?)"), ref, ref); err != nil {
				return fmt.Errorf("store: withdrawal: %w", err)
			}
			if dist == DistAll {
				if _, err := tx.ExecContext(ctx, s.q("DELETE FROM indicator_withdrawals WHERE indicator_id = ?"), ref); err != nil {
					return fmt.Errorf("store: withdrawal: %w", err)
				}
			}
			ind.ID = gotID
			ind.Created = fromMicros(created)
			ind.Modified = fromMicros(now)
			out = append(out, Record{Indicator: ind, OrgID: v.OrgID, Distribution: dist, Parties: parties, Seq: seq, ref: ref, Version: fromMicros(version),
				Expired: !ind.ValidUntil.IsZero() && !s.now().Before(ind.ValidUntil)})
		}
		detail := fmt.Sprintf("%d created, %d updated, distribution %s", res.Created, res.Updated, opts.Distribution)
		target := "indicators"
		if len(out) == 1 {
			target = "indicator:" + out[0].ID
		}
		return s.audit(ctx, tx, a, "indicator.put", target, detail)
	})
	if err != nil {
		return ImportResult{}, nil, err
	}
	return res, out, nil
}

// yaraNamespace derives the id of a YARA rule that came without one.
var yaraNamespace = uuid.MustParse("5c1e1b0e-4a5f-4f0e-9a51-7669676965ff")

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const indCols = "i.id, i.uuid, i.org_id, i.type, i.label, i.rule, i.exclude, i.source, i.description, i.confidence, i.tlp, i.threats, i.tags, i.informational, i.distribution, i.valid_from, i.valid_until, i.created_at, i.modified_at, i.seq, i.version, i.stix_created"

func (s *Store) scanRecord(sc interface{ Scan(...any) error }, now time.Time) (Record, error) {
	var r Record
	var typ, tlp, threats, tags string
	var info int
	var vf, vu, c, m, ver, sc0 int64
	err := sc.Scan(&r.ref, &r.ID, &r.OrgID, &typ, &r.Value, &r.Rule, &r.Exclude, &r.Source, &r.Description, &r.Confidence, &tlp, &threats, &tags, &info, &r.Distribution, &vf, &vu, &c, &m, &r.Seq, &ver, &sc0)
	if err != nil {
		return r, err
	}
	r.Type, r.TLP, r.Informational = indicator.Type(typ), indicator.TLP(tlp), info != 0
	r.ValidFrom, r.ValidUntil, r.Created, r.Modified, r.Version = fromMicros(vf), fromMicros(vu), fromMicros(c), fromMicros(m), fromMicros(ver)
	r.StixCreated = fromMicros(sc0)
	_ = json.Unmarshal([]byte(threats), &r.Threats)
	_ = json.Unmarshal([]byte(tags), &r.Tags)
	if len(r.Threats) == 0 {
		r.Threats = nil
	}
	if len(r.Tags) == 0 {
		r.Tags = nil
	}
	r.Expired = !r.ValidUntil.IsZero() && !now.Before(r.ValidUntil)
	return r, nil
}

// visible returns the SQL condition (on alias i) for indicators the viewer
// may see, and its arguments.
func visible(v Viewer) (string, []any) {
	if v.Agency {
		return "1 = 1", nil
	}
	return "(i.distribution = 'all' OR (i.distribution = 'listed' AND EXISTS (SELECT 1 FROM indicator_parties p WHERE p.indicator_id = i.id AND p.org_id = ?)))", []any{v.OrgID}
}

func (s *Store) loadParties(ctx context.Context, recs []Record) error {
	var ids []any
	idx := map[int64]int{}
	for i := range recs {
		if recs[i].Distribution == DistListed {
			idx[recs[i].ref] = i
			ids = append(ids, recs[i].ref)
		}
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		rows, err := s.r.QueryContext(ctx, s.q("SELECT indicator_id, org_id FROM indicator_parties WHERE indicator_id IN ("+placeholders(len(chunk))+") ORDER BY org_id"), chunk...)
		if err != nil {
			return fmt.Errorf("store: indicator parties: %w", err)
		}
		for rows.Next() {
			var ind, org int64
			if err := rows.Scan(&ind, &org); err != nil {
				rows.Close()
				return fmt.Errorf("store: indicator parties: %w", err)
			}
			recs[idx[ind]].Parties = append(recs[idx[ind]].Parties, org)
		}
		rows.Close()
	}
	return nil
}

// GetIndicator returns the indicator with the given id if the viewer may
// see it. A party sees only the party list entry of its own organisation.
func (s *Store) GetIndicator(ctx context.Context, v Viewer, id string) (Record, error) {
	cond, args := visible(v)
	r, err := s.scanRecord(s.r.QueryRowContext(ctx, s.q("SELECT "+indCols+" FROM indicators i WHERE i.uuid = ? AND "+cond), append([]any{id}, args...)...), s.now())
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, ErrNotFound
	}
	if err != nil {
		return Record{}, fmt.Errorf("store: indicator: %w", err)
	}
	recs := []Record{r}
	if err := s.loadParties(ctx, recs); err != nil {
		return Record{}, err
	}
	return scrubParties(v, recs)[0], nil
}

// scrubParties hides from a party which other parties an indicator goes to.
func scrubParties(v Viewer, recs []Record) []Record {
	if v.Agency {
		return recs
	}
	for i := range recs {
		if len(recs[i].Parties) > 0 {
			recs[i].Parties = []int64{v.OrgID}
		}
	}
	return recs
}

// IndicatorQuery selects indicators.
type IndicatorQuery struct {
	// AfterSeq returns changes after this sequence number, oldest first
	// (the sensors' pull). When zero and Search/Type are set, the newest
	// come first.
	AfterSeq int64
	// Search matches a substring of the value, description or source.
	Search string
	Type   indicator.Type
	// Active leaves out expired indicators.
	Active bool
	// BeforeRef pages the newest-first listing (Record.Ref of the last row).
	BeforeRef int64
	Limit     int
	// Feed orders by Seq ascending (pull); otherwise newest first.
	Feed bool
	// Distribution restricts to one distribution (TAXII collections).
	Distribution string
	// ModifiedAfter keeps indicators changed after this time.
	ModifiedAfter time.Time
	// IDs restricts to these indicator ids.
	IDs []string
}

// ListIndicators returns indicators the viewer may see.
func (s *Store) ListIndicators(ctx context.Context, v Viewer, q IndicatorQuery) ([]Record, error) {
	if q.Limit <= 0 || q.Limit > 10000 {
		q.Limit = 1000
	}
	cond, args := visible(v)
	where := []string{cond}
	if q.Feed || q.AfterSeq > 0 {
		where = append(where, "i.seq > ?")
		args = append(args, q.AfterSeq)
	}
	if q.Search != "" {
		like := "%" + escapeLike(strings.ToLower(q.Search)) + "%"
		where = append(where, "(LOWER(i.label) LIKE ? ESCAPE '\\' OR LOWER(i.description) LIKE ? ESCAPE '\\' OR LOWER(i.source) LIKE ? ESCAPE '\\' OR LOWER(i.threats) LIKE ? ESCAPE '\\')")
		args = append(args, like, like, like, like)
	}
	if q.Type != "" {
		where = append(where, "i.type = ?")
		args = append(args, string(q.Type))
	}
	now := s.now()
	if q.Active {
		where = append(where, "(i.valid_until = 0 OR i.valid_until > ?)")
		args = append(args, now.UnixMicro())
	}
	if q.Distribution != "" {
		where = append(where, "i.distribution = ?")
		args = append(args, q.Distribution)
	}
	if !q.ModifiedAfter.IsZero() {
		where = append(where, "i.modified_at > ?")
		args = append(args, micros(q.ModifiedAfter))
	}
	if len(q.IDs) > 0 {
		if len(q.IDs) > 500 {
			return nil, fmt.Errorf("store: at most 500 ids at once")
		}
		where = append(where, "i.uuid IN ("+placeholders(len(q.IDs))+")")
		for _, id := range q.IDs {
			args = append(args, id)
		}
	}
	if q.BeforeRef > 0 {
		where = append(where, "i.id < ?")
		args = append(args, q.BeforeRef)
	}
	order := " ORDER BY i.id DESC"
	if q.Feed {
		order = " ORDER BY i.seq"
	}
	args = append(args, q.Limit)
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+indCols+" FROM indicators i WHERE "+strings.Join(where, " AND ")+order+" LIMIT ?"), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list indicators: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := s.scanRecord(rows, now)
		if err != nil {
			return nil, fmt.Errorf("store: list indicators: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list indicators: %w", err)
	}
	rows.Close()
	if err := s.loadParties(ctx, out); err != nil {
		return nil, err
	}
	out = scrubParties(v, out)
	if q.Feed && !v.Agency && !q.Active && q.Search == "" && q.Distribution == "" && len(q.IDs) == 0 && q.ModifiedAfter.IsZero() {
		return s.mergeWithdrawals(ctx, v, q, out)
	}
	return out, nil
}

// mergeWithdrawals adds to a party's feed page the indicators withdrawn
// from it after the cursor, in sequence order, keeping the page size.
func (s *Store) mergeWithdrawals(ctx context.Context, v Viewer, q IndicatorQuery, page []Record) ([]Record, error) {
	wq := `SELECT w.seq, i.uuid, i.type, i.label FROM indicator_withdrawals w JOIN indicators i ON i.id = w.indicator_id WHERE w.org_id = ? AND w.seq > ?`
	args := []any{v.OrgID, q.AfterSeq}
	if q.Type != "" {
		wq += " AND i.type = ?"
		args = append(args, string(q.Type))
	}
	args = append(args, q.Limit)
	rows, err := s.r.QueryContext(ctx, s.q(wq+" ORDER BY w.seq LIMIT ?"), args...)
	if err != nil {
		return nil, fmt.Errorf("store: withdrawals: %w", err)
	}
	defer rows.Close()
	var ws []Record
	for rows.Next() {
		var r Record
		var typ string
		if err := rows.Scan(&r.Seq, &r.ID, &typ, &r.Value); err != nil {
			return nil, fmt.Errorf("store: withdrawals: %w", err)
		}
		r.Type, r.Withdrawn, r.Distribution = indicator.Type(typ), true, ""
		ws = append(ws, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: withdrawals: %w", err)
	}
	if len(ws) == 0 {
		return page, nil
	}
	merged := make([]Record, 0, len(page)+len(ws))
	i, j := 0, 0
	for len(merged) < q.Limit && (i < len(page) || j < len(ws)) {
		if j >= len(ws) || (i < len(page) && page[i].Seq < ws[j].Seq) {
			merged = append(merged, page[i])
			i++
		} else {
			merged = append(merged, ws[j])
			j++
		}
	}
	return merged, nil
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// IndicatorSeq returns the newest change number (for ETags).
func (s *Store) IndicatorSeq(ctx context.Context) (int64, error) {
	var v int64
	if err := s.r.QueryRowContext(ctx, "SELECT value FROM counters WHERE name = 'indicator_seq'").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: indicator sequence: %w", err)
	}
	return v, nil
}

// CountIndicators counts the indicators the viewer may see, and how many
// of them are in force.
func (s *Store) CountIndicators(ctx context.Context, v Viewer) (total, active int64, err error) {
	cond, args := visible(v)
	args = append(args, s.now().UnixMicro())
	err = s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*), COALESCE(SUM(CASE WHEN i.valid_until = 0 OR i.valid_until > ? THEN 1 ELSE 0 END), 0) FROM indicators i WHERE "+cond),
		append([]any{args[len(args)-1]}, args[:len(args)-1]...)...).Scan(&total, &active)
	if err != nil {
		err = fmt.Errorf("store: count indicators: %w", err)
	}
	return
}

// IndicatorChange is an edit of one indicator; nil fields are unchanged.
type IndicatorChange struct {
	Description  *string
	TLP          *indicator.TLP
	ValidUntil   *time.Time
	Distribution *string
	Parties      []int64
	Tags         *[]string
}

// UpdateIndicator edits an indicator (agency only) and moves it to the
// head of the change feed so sensors pull the change.
func (s *Store) UpdateIndicator(ctx context.Context, v Viewer, a Actor, id string, ch IndicatorChange) (Record, error) {
	if !v.Agency {
		return Record{}, ErrNotFound
	}
	r, err := s.GetIndicator(ctx, v, id)
	if err != nil {
		return Record{}, err
	}
	opts := PutOptions{Distribution: r.Distribution, Parties: r.Parties}
	// An edit is a new version of the indicator, made now.
	r.Modified = s.now().UTC().Truncate(time.Microsecond)
	if !r.Version.IsZero() && !r.Modified.After(r.Version) {
		r.Modified = r.Version.Add(time.Microsecond)
	}
	if ch.Description != nil {
		r.Description = *ch.Description
	}
	if ch.TLP != nil {
		r.TLP = *ch.TLP
	}
	if ch.ValidUntil != nil {
		r.ValidUntil = *ch.ValidUntil
	}
	if ch.Tags != nil {
		r.Tags = *ch.Tags
	}
	if ch.Distribution != nil {
		opts.Distribution = *ch.Distribution
		opts.Parties = ch.Parties
		if opts.Distribution != DistListed {
			opts.Parties = nil
		}
	}
	_, recs, err := s.PutIndicators(ctx, Viewer{OrgID: r.OrgID, Agency: true}, a, []indicator.Indicator{r.Indicator}, opts)
	if err != nil {
		return Record{}, err
	}
	return recs[0], nil
}

// ExpireIndicator ends an indicator's validity now.
func (s *Store) ExpireIndicator(ctx context.Context, v Viewer, a Actor, id string) (Record, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	return s.UpdateIndicator(ctx, v, a, id, IndicatorChange{ValidUntil: &now})
}
