package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// IndicatorVersion is one version of an indicator (TAXII 2.1 versioning):
// the STIX object as it was at its modified time.
type IndicatorVersion struct {
	// Modified is the version (the object's modified time).
	Modified time.Time
	// Added is when the hub received this version.
	Added time.Time
	// Current is true for the version in force.
	Current bool
	// Indicator is this version's content (for the version in force, the
	// record itself).
	Indicator indicator.Indicator
}

// maxVersions bounds the versions read for one indicator.
const maxVersions = 1000

// IndicatorVersions returns the versions of the given records, oldest
// first, by Record.Ref. The records come from the store (ListIndicators,
// GetIndicator), which already checked that the viewer may see them.
func (s *Store) IndicatorVersions(ctx context.Context, recs []Record) (map[int64][]IndicatorVersion, error) {
	out := map[int64][]IndicatorVersion{}
	byRef := map[int64]*Record{}
	var refs []any
	for i := range recs {
		if recs[i].ref == 0 || recs[i].Withdrawn {
			continue
		}
		byRef[recs[i].ref] = &recs[i]
		refs = append(refs, recs[i].ref)
	}
	for len(refs) > 0 {
		chunk := refs[:min(len(refs), 500)]
		refs = refs[len(chunk):]
		rows, err := s.r.QueryContext(ctx, s.q("SELECT indicator_id, modified, added_at, body FROM indicator_versions WHERE indicator_id IN ("+placeholders(len(chunk))+") ORDER BY indicator_id, modified"), chunk...)
		if err != nil {
			return nil, fmt.Errorf("store: indicator versions: %w", err)
		}
		for rows.Next() {
			var ref, mod, added int64
			var body string
			if err := rows.Scan(&ref, &mod, &added, &body); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: indicator versions: %w", err)
			}
			rec := byRef[ref]
			if rec == nil || len(out[ref]) >= maxVersions {
				continue
			}
			v := IndicatorVersion{Modified: fromMicros(mod), Added: fromMicros(added)}
			if body == "" || mod == micros(rec.Version) {
				v.Current, v.Indicator = mod == micros(rec.Version), rec.Indicator
			} else if err := json.Unmarshal([]byte(body), &v.Indicator); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: indicator %s: version %d: %w", rec.ID, mod, err)
			}
			v.Indicator.ID = rec.ID
			v.Indicator.Modified = v.Modified
			out[ref] = append(out[ref], v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: indicator versions: %w", err)
		}
	}
	// A record with no version row (never the case once stored through
	// PutIndicators) still has its version in force.
	for ref, rec := range byRef {
		if len(out[ref]) == 0 {
			ind := rec.Indicator
			ind.Modified = rec.Version
			if ind.Modified.IsZero() {
				ind.Modified = rec.Modified
			}
			out[ref] = []IndicatorVersion{{Modified: ind.Modified, Added: rec.Modified, Current: true, Indicator: ind}}
		}
		sort.SliceStable(out[ref], func(i, j int) bool { return out[ref][i].Modified.Before(out[ref][j].Modified) })
	}
	return out, nil
}

// keepVersionBody writes the content of the version in force of row ref
// into its version row before a newer version replaces it.
func (s *Store) keepVersionBody(ctx context.Context, tx *sql.Tx, ref, version int64) error {
	r, err := s.scanRecord(tx.QueryRowContext(ctx, s.q("SELECT "+indCols+" FROM indicators i WHERE i.id = ?"), ref), s.now())
	if err != nil {
		return fmt.Errorf("store: indicator version: %w", err)
	}
	ind := r.Indicator
	ind.Modified = fromMicros(version)
	body, _ := json.Marshal(ind)
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO indicator_versions (indicator_id, modified, added_at, body) VALUES (?, ?, ?, ?)
		ON CONFLICT (indicator_id, modified) DO UPDATE SET body = excluded.body`), ref, version, micros(r.Modified), string(body))
	if err != nil {
		return fmt.Errorf("store: indicator version: %w", err)
	}
	return nil
}
