package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/report"
)

// Sighting is one report by a sensor that it saw an indicator value.
type Sighting struct {
	ID          int64     `json:"-"`
	OrgID       int64     `json:"-"`
	Org         string    `json:"org,omitempty"`
	ClientID    string    `json:"id"`
	IndicatorID string    `json:"indicator_id,omitempty"`
	Type        string    `json:"type"`
	Value       string    `json:"value"`
	ObservedAt  time.Time `json:"observed_at"`
	Count       int64     `json:"count"`
	Sensor      string    `json:"sensor"`
	Host        string    `json:"host,omitempty"`
	ReceivedAt  time.Time `json:"received_at"`
	indRef      int64
}

// SightingResult says what a batch did.
type SightingResult struct {
	Accepted   int `json:"accepted"`   // newly stored
	Duplicates int `json:"duplicates"` // already stored under the same id
	Matched    int `json:"matched"`    // of the accepted, how many match a known indicator
	Alerts     int `json:"alerts"`     // campaign alerts raised or updated
}

// Correlation says when sightings make a campaign alert: the same indicator
// seen by at least MinParties organisations within Window.
type Correlation struct {
	Window     time.Duration
	MinParties int
}

// DefaultCorrelation is one indicator at two parties within 24 hours.
var DefaultCorrelation = Correlation{Window: 24 * time.Hour, MinParties: 2}

// AddSightings stores a batch posted by organisation orgID. Items whose
// ClientID the organisation already posted are counted as duplicates and
// not stored again, so a retried batch is never counted twice. Values are
// matched against the indicators shared with the organisation; matches feed
// the correlation that raises campaign alerts.
func (s *Store) AddSightings(ctx context.Context, orgID int64, items []Sighting, corr Correlation) (SightingResult, error) {
	var res SightingResult
	if len(items) == 0 {
		return res, nil
	}
	if corr.MinParties <= 0 {
		corr = DefaultCorrelation
	}
	org, err := s.GetOrg(ctx, Viewer{Agency: true}, orgID)
	if err != nil {
		return res, err
	}
	refs, err := s.matchValues(ctx, Viewer{OrgID: orgID, Agency: org.Kind == KindAgency}, items)
	if err != nil {
		return res, err
	}
	now := s.now().UnixMicro()
	type stat struct{ day, ind int64 }
	stats := map[stat]int64{}
	touched := map[int64]int64{} // indicator ref -> newest observation
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		const cols = 10
		for start := 0; start < len(items); start += sightingChunk {
			chunk := items[start:min(start+sightingChunk, len(items))]
			args := make([]any, 0, len(chunk)*cols)
			for _, it := range chunk {
				ref := refs[matchKey(it.Type, it.Value)]
				args = append(args, orgID, it.ClientID, ref, it.Type, it.Value, micros(it.ObservedAt), it.Count, it.Sensor, it.Host, now)
			}
			var rows *sql.Rows
			var err error
			if len(chunk) == sightingChunk {
				stmt, perr := s.insertSightingsStmt(ctx)
				if perr != nil {
					return perr
				}
				rows, err = tx.StmtContext(ctx, stmt).QueryContext(ctx, args...)
			} else {
				rows, err = tx.QueryContext(ctx, s.q(insertSightingsSQL(len(chunk))), args...)
			}
			if err != nil {
				return fmt.Errorf("store: add sightings: %w", err)
			}
			n := 0
			for rows.Next() {
				var ind, obs, cnt int64
				if err := rows.Scan(&ind, &obs, &cnt); err != nil {
					rows.Close()
					return fmt.Errorf("store: add sightings: %w", err)
				}
				n++
				stats[stat{obs / dayMicros, ind}] += cnt
				if ind != 0 {
					res.Matched++
					touched[ind] = max(touched[ind], obs)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("store: add sightings: %w", err)
			}
			res.Accepted += n
			res.Duplicates += len(chunk) - n
		}
		keys := make([]stat, 0, len(stats))
		for k := range stats {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { // a stable order avoids deadlocks between instances
			return keys[i].day < keys[j].day || (keys[i].day == keys[j].day && keys[i].ind < keys[j].ind)
		})
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO sighting_stats (day, org_id, indicator_id, n) VALUES (?, ?, ?, ?)
				ON CONFLICT (day, org_id, indicator_id) DO UPDATE SET n = sighting_stats.n + excluded.n`), k.day, orgID, k.ind, stats[k]); err != nil {
				return fmt.Errorf("store: sighting statistics: %w", err)
			}
		}
		if res.Accepted > 0 {
			if _, err := tx.ExecContext(ctx, s.q("UPDATE orgs SET last_contact_at = ? WHERE id = ? AND last_contact_at < ?"), now, orgID, now); err != nil {
				return fmt.Errorf("store: touch organisation: %w", err)
			}
		}
		inds := make([]int64, 0, len(touched))
		for ind := range touched {
			inds = append(inds, ind)
		}
		sort.Slice(inds, func(i, j int) bool { return inds[i] < inds[j] })
		for _, ind := range inds {
			raised, err := s.correlate(ctx, tx, ind, touched[ind], corr)
			if err != nil {
				return err
			}
			if raised {
				res.Alerts++
			}
		}
		return nil
	})
	if err != nil {
		return SightingResult{}, err
	}
	return res, nil
}

const dayMicros = int64(24 * time.Hour / time.Microsecond)

// sightingChunk is the number of rows of one INSERT; full chunks use a
// statement prepared once.
const sightingChunk = 200

func insertSightingsSQL(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO sightings (org_id, client_id, indicator_id, type, value, observed_at, count, sensor, host, received_at) VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + placeholders(10) + ")")
	}
	b.WriteString(" ON CONFLICT (org_id, client_id) DO NOTHING RETURNING indicator_id, observed_at, count")
	return b.String()
}

// insertSightingsStmt returns the statement prepared by Open. (It cannot
// be prepared lazily inside a transaction: SQLite's single writer
// connection is held by that transaction.)
func (s *Store) insertSightingsStmt(ctx context.Context) (*sql.Stmt, error) {
	return s.insSightings, nil
}

// matchValues finds, for each item, the indicator it sights: the same type
// and value, or for domains a parent domain, among indicators the viewer
// may see. The result maps matchKey(type, value) to the indicator's row id.
func (s *Store) matchValues(ctx context.Context, v Viewer, items []Sighting) (map[string]int64, error) {
	want := map[string][]string{} // candidate value -> item keys
	for _, it := range items {
		k := matchKey(it.Type, it.Value)
		want[it.Value] = append(want[it.Value], k)
		if it.Type == string(indicator.Domain) {
			d := it.Value
			for {
				_, rest, ok := strings.Cut(d, ".")
				if !ok || !strings.Contains(rest, ".") && rest == "" {
					break
				}
				if !strings.Contains(rest, ".") { // stop at the public suffix level
					break
				}
				want[rest] = append(want[rest], k)
				d = rest
			}
		}
	}
	vals := make([]any, 0, len(want))
	for val := range want {
		vals = append(vals, val)
	}
	out := map[string]int64{}
	cond, cargs := visible(v)
	now := s.now().UnixMicro()
	for len(vals) > 0 {
		chunk := vals[:min(len(vals), 500)]
		vals = vals[len(chunk):]
		args := append(append([]any{}, chunk...), now)
		args = append(args, cargs...)
		rows, err := s.r.QueryContext(ctx, s.q("SELECT i.id, i.type, i.label FROM indicators i WHERE i.label IN ("+placeholders(len(chunk))+") AND (i.valid_until = 0 OR i.valid_until > ?) AND "+cond+" ORDER BY i.id"), args...)
		if err != nil {
			return nil, fmt.Errorf("store: match sightings: %w", err)
		}
		for rows.Next() {
			var id int64
			var typ, val string
			if err := rows.Scan(&id, &typ, &val); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: match sightings: %w", err)
			}
			for _, k := range want[val] {
				itTyp, itVal, _ := strings.Cut(k, "\x00")
				if typ != itTyp && !(itTyp == string(indicator.Domain) && typ == string(indicator.Domain)) {
					// Same value, other type (e.g. a hash typed as md5 vs
					// sha256 cannot collide; a filename vs a domain can).
					continue
				}
				if typ == itTyp && val != itVal && typ != string(indicator.Domain) {
					continue
				}
				if _, ok := out[k]; !ok || val == itVal {
					out[k] = id
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: match sightings: %w", err)
		}
	}
	return out, nil
}

// correlate raises or updates the open campaign alert of an indicator when
// enough parties saw it within the window before or after the newest
// observation of the batch (sensors may deliver late, so a sighting can be
// older than one already stored).
func (s *Store) correlate(ctx context.Context, tx *sql.Tx, ind, newest int64, corr Correlation) (bool, error) {
	from := newest - corr.Window.Microseconds()
	// A cheap first check on the daily statistics: too few parties on the
	// days around the window means no alert, without reading sightings.
	var parties int
	if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(DISTINCT st.org_id) FROM sighting_stats st JOIN orgs o ON o.id = st.org_id
		WHERE st.indicator_id = ? AND st.day >= ? AND st.day <= ? AND o.kind = 'party'`), ind, from/dayMicros, (newest+corr.Window.Microseconds())/dayMicros).Scan(&parties); err != nil {
		return false, fmt.Errorf("store: correlate: %w", err)
	}
	if parties < corr.MinParties {
		return false, nil
	}
	rows, err := tx.QueryContext(ctx, s.q(`SELECT o.name, MIN(s.observed_at), MAX(s.observed_at) FROM sightings s JOIN orgs o ON o.id = s.org_id
		WHERE s.indicator_id = ? AND s.observed_at >= ? AND s.observed_at <= ? AND o.kind = 'party' GROUP BY o.name ORDER BY o.name`), ind, from, newest+corr.Window.Microseconds())
	if err != nil {
		return false, fmt.Errorf("store: correlate: %w", err)
	}
	var names []string
	first, last := int64(0), int64(0)
	for rows.Next() {
		var n string
		var mn, mx int64
		if err := rows.Scan(&n, &mn, &mx); err != nil {
			rows.Close()
			return false, fmt.Errorf("store: correlate: %w", err)
		}
		names = append(names, n)
		if first == 0 || mn < first {
			first = mn
		}
		last = max(last, mx)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("store: correlate: %w", err)
	}
	if len(names) < corr.MinParties {
		return false, nil
	}
	now := s.now().UnixMicro()
	joined := strings.Join(names, ", ")
	res, err := tx.ExecContext(ctx, s.q(`UPDATE alerts SET parties = ?, party_names = ?, last_seen = ?, updated_at = ?,
		first_seen = CASE WHEN first_seen < ? THEN first_seen ELSE ? END WHERE indicator_id = ? AND status = 'open'`),
		len(names), joined, last, now, first, first, ind)
	if err != nil {
		return false, fmt.Errorf("store: update alert: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO alerts (indicator_id, status, parties, party_names, first_seen, last_seen, created_at, updated_at)
		VALUES (?, 'open', ?, ?, ?, ?, ?, ?)`), ind, len(names), joined, first, last, now, now); err != nil {
		return false, fmt.Errorf("store: raise alert: %w", err)
	}
	return true, nil
}

// SightingQuery selects sightings.
type SightingQuery struct {
	// OrgID restricts to one organisation (agency viewers); parties
	// always see only their own.
	OrgID     int64
	Since     time.Time
	Indicator string // indicator id
	Search    string // substring of the value
	BeforeID  int64  // paging: rows older than this (Sighting.ID)
	Limit     int
}

// ListSightings returns the newest sightings the viewer may see: a party
// its own, the agency all.
func (s *Store) ListSightings(ctx context.Context, v Viewer, q SightingQuery) ([]Sighting, error) {
	if q.Limit <= 0 || q.Limit > 5000 {
		q.Limit = 100
	}
	var where []string
	var args []any
	if !v.Agency {
		where = append(where, "s.org_id = ?")
		args = append(args, v.OrgID)
	} else if q.OrgID != 0 {
		where = append(where, "s.org_id = ?")
		args = append(args, q.OrgID)
	}
	if !q.Since.IsZero() {
		where = append(where, "s.observed_at >= ?")
		args = append(args, micros(q.Since))
	}
	if q.Indicator != "" {
		where = append(where, "s.indicator_id = (SELECT id FROM indicators WHERE uuid = ?)")
		args = append(args, q.Indicator)
	}
	if q.Search != "" {
		where = append(where, "LOWER(s.value) LIKE ? ESCAPE '\\'")
		args = append(args, "%"+escapeLike(strings.ToLower(q.Search))+"%")
	}
	if q.BeforeID > 0 {
		where = append(where, "s.id < ?")
		args = append(args, q.BeforeID)
	}
	sqlq := `SELECT s.id, s.org_id, o.name, s.client_id, COALESCE(i.uuid, ''), s.type, s.value, s.observed_at, s.count, s.sensor, s.host, s.received_at
		FROM sightings s JOIN orgs o ON o.id = s.org_id LEFT JOIN indicators i ON i.id = s.indicator_id`
	if len(where) > 0 {
		sqlq += " WHERE " + strings.Join(where, " AND ")
	}
	sqlq += " ORDER BY s.id DESC LIMIT ?"
	args = append(args, q.Limit)
	rows, err := s.r.QueryContext(ctx, s.q(sqlq), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list sightings: %w", err)
	}
	defer rows.Close()
	var out []Sighting
	for rows.Next() {
		var x Sighting
		var obs, rec int64
		if err := rows.Scan(&x.ID, &x.OrgID, &x.Org, &x.ClientID, &x.IndicatorID, &x.Type, &x.Value, &obs, &x.Count, &x.Sensor, &x.Host, &rec); err != nil {
			return nil, fmt.Errorf("store: list sightings: %w", err)
		}
		x.ObservedAt, x.ReceivedAt = fromMicros(obs), fromMicros(rec)
		out = append(out, x)
	}
	return out, rows.Err()
}

// Finding is a sensor's finding as the hub keeps it; Body is the finding's
// JSON as the sensor sent it (report.Finding).
type Finding struct {
	ID         int64           `json:"-"`
	OrgID      int64           `json:"-"`
	Org        string          `json:"org,omitempty"`
	ClientID   string          `json:"id"`
	At         time.Time       `json:"time"`
	Sensor     string          `json:"sensor"`
	Host       string          `json:"host,omitempty"`
	Severity   string          `json:"severity"`
	Title      string          `json:"title"`
	Body       json.RawMessage `json:"finding"`
	ReceivedAt time.Time       `json:"received_at"`
}

// Report is the finding as the sensor sent it (the shared report model:
// machine, path or message, what matched, severity, advice), for display.
// A body that does not parse gives the stored title and severity only.
func (f Finding) Report() report.Finding {
	var r report.Finding
	if json.Unmarshal(f.Body, &r) != nil {
		r = report.Finding{Title: f.Title, Sensor: f.Sensor, Host: f.Host}
	}
	return r
}

// AddFindings stores findings posted by orgID; ids already posted are
// duplicates. It returns how many were new.
func (s *Store) AddFindings(ctx context.Context, orgID int64, items []Finding) (accepted int, err error) {
	now := s.now().UnixMicro()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		for _, f := range items {
			res, err := tx.ExecContext(ctx, s.q(`INSERT INTO findings (org_id, client_id, at, sensor, host, severity, title, body, received_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, client_id) DO NOTHING`),
				orgID, f.ClientID, micros(f.At), f.Sensor, f.Host, f.Severity, f.Title, string(f.Body), now)
			if err != nil {
				return fmt.Errorf("store: add findings: %w", err)
			}
			n, _ := res.RowsAffected()
			accepted += int(n)
		}
		return nil
	})
	return accepted, err
}

// ListFindings returns the newest findings the viewer may see.
func (s *Store) ListFindings(ctx context.Context, v Viewer, orgID int64, limit int) ([]Finding, error) {
	if limit <= 0 || limit > 5000 {
		limit = 100
	}
	q := "SELECT f.id, f.org_id, o.name, f.client_id, f.at, f.sensor, f.host, f.severity, f.title, f.body, f.received_at FROM findings f JOIN orgs o ON o.id = f.org_id"
	var args []any
	if !v.Agency {
		q += " WHERE f.org_id = ?"
		args = append(args, v.OrgID)
	} else if orgID != 0 {
		q += " WHERE f.org_id = ?"
		args = append(args, orgID)
	}
	q += " ORDER BY f.id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list findings: %w", err)
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		var f Finding
		var at, rec int64
		var body string
		if err := rows.Scan(&f.ID, &f.OrgID, &f.Org, &f.ClientID, &at, &f.Sensor, &f.Host, &f.Severity, &f.Title, &body, &rec); err != nil {
			return nil, fmt.Errorf("store: list findings: %w", err)
		}
		f.At, f.ReceivedAt, f.Body = fromMicros(at), fromMicros(rec), json.RawMessage(body)
		out = append(out, f)
	}
	return out, rows.Err()
}

// Alert is a campaign alert: one indicator seen by several parties.
type Alert struct {
	ID          int64     `json:"id"`
	IndicatorID string    `json:"indicator_id"`
	Type        string    `json:"type"`
	Value       string    `json:"value"`
	Status      string    `json:"status"`
	Parties     int       `json:"parties"`
	PartyNames  []string  `json:"party_names"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ListAlerts returns campaign alerts (status "open", "closed" or "" for
// both). Alerts span parties, so only the agency sees them; a party gets
// none.
func (s *Store) ListAlerts(ctx context.Context, v Viewer, status string, limit int) ([]Alert, error) {
	if !v.Agency {
		return nil, nil
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q := `SELECT a.id, i.uuid, i.type, i.label, a.status, a.parties, a.party_names, a.first_seen, a.last_seen, a.created_at, a.updated_at
		FROM alerts a JOIN indicators i ON i.id = a.indicator_id`
	var args []any
	if status != "" {
		q += " WHERE a.status = ?"
		args = append(args, status)
	}
	q += " ORDER BY a.last_seen DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list alerts: %w", err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var a Alert
		var names string
		var f, l, c, u int64
		if err := rows.Scan(&a.ID, &a.IndicatorID, &a.Type, &a.Value, &a.Status, &a.Parties, &names, &f, &l, &c, &u); err != nil {
			return nil, fmt.Errorf("store: list alerts: %w", err)
		}
		a.PartyNames = strings.Split(names, ", ")
		a.FirstSeen, a.LastSeen, a.CreatedAt, a.UpdatedAt = fromMicros(f), fromMicros(l), fromMicros(c), fromMicros(u)
		out = append(out, a)
	}
	return out, rows.Err()
}

// CloseAlert closes an open alert (agency only). New sightings after that
// raise a new alert.
func (s *Store) CloseAlert(ctx context.Context, v Viewer, a Actor, id int64) error {
	if !v.Agency {
		return ErrNotFound
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("UPDATE alerts SET status = 'closed', updated_at = ? WHERE id = ? AND status = 'open'"), s.now().UnixMicro(), id)
		if err != nil {
			return fmt.Errorf("store: close alert: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.audit(ctx, tx, a, "alert.close", fmt.Sprintf("alert:%d", id), "")
	})
}

// DayCount is the number of sightings on one day (UTC).
type DayCount struct {
	Day   time.Time `json:"day"`
	Count int64     `json:"count"`
}

// TopIndicator is an indicator with how often it was seen.
type TopIndicator struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Value   string `json:"value"`
	Count   int64  `json:"count"`
	Parties int    `json:"parties"`
}

// Dashboard is what the first screen shows.
type Dashboard struct {
	Days             []DayCount     `json:"days"`
	Total            int64          `json:"total"`
	TopIndicators    []TopIndicator `json:"top_indicators"`
	Orgs             []Org          `json:"orgs"`
	OpenAlerts       []Alert        `json:"open_alerts"`
	Indicators       int64          `json:"indicators"`
	ActiveIndicators int64          `json:"active_indicators"`
	// LatestFindings are the newest findings from sensors: a party's
	// own, all parties' for the agency.
	LatestFindings []Finding `json:"latest_findings"`
}

// Dashboard sums up the last days for the viewer. It reads the daily
// statistics table, not the sightings, so it stays fast with millions of
// sightings.
func (s *Store) Dashboard(ctx context.Context, v Viewer, days int) (Dashboard, error) {
	if days <= 0 || days > 366 {
		days = 30
	}
	var d Dashboard
	today := s.now().UnixMicro() / dayMicros
	first := today - int64(days) + 1
	orgCond, orgArgs := "", []any{}
	if !v.Agency {
		orgCond, orgArgs = " AND org_id = ?", []any{v.OrgID}
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT day, SUM(n) FROM sighting_stats WHERE day >= ?"+orgCond+" GROUP BY day ORDER BY day"), append([]any{first}, orgArgs...)...)
	if err != nil {
		return d, fmt.Errorf("store: dashboard: %w", err)
	}
	perDay := map[int64]int64{}
	for rows.Next() {
		var day, n int64
		if err := rows.Scan(&day, &n); err != nil {
			rows.Close()
			return d, fmt.Errorf("store: dashboard: %w", err)
		}
		perDay[day] = n
	}
	rows.Close()
	for day := first; day <= today; day++ {
		d.Days = append(d.Days, DayCount{Day: time.UnixMicro(day * dayMicros).UTC(), Count: perDay[day]})
		d.Total += perDay[day]
	}
	rows, err = s.r.QueryContext(ctx, s.q(`SELECT i.uuid, i.type, i.label, t.n, t.p FROM (SELECT indicator_id, SUM(n) AS n, COUNT(DISTINCT org_id) AS p FROM sighting_stats
		WHERE day >= ? AND indicator_id <> 0`+orgCond+` GROUP BY indicator_id ORDER BY SUM(n) DESC LIMIT 10) t JOIN indicators i ON i.id = t.indicator_id ORDER BY t.n DESC`), append([]any{first}, orgArgs...)...)
	if err != nil {
		return d, fmt.Errorf("store: dashboard: %w", err)
	}
	for rows.Next() {
		var t TopIndicator
		if err := rows.Scan(&t.ID, &t.Type, &t.Value, &t.Count, &t.Parties); err != nil {
			rows.Close()
			return d, fmt.Errorf("store: dashboard: %w", err)
		}
		if !v.Agency {
			t.Parties = 0
		}
		d.TopIndicators = append(d.TopIndicators, t)
	}
	rows.Close()
	if d.Orgs, err = s.ListOrgs(ctx, v); err != nil {
		return d, err
	}
	if d.OpenAlerts, err = s.ListAlerts(ctx, v, "open", 20); err != nil {
		return d, err
	}
	if d.Indicators, d.ActiveIndicators, err = s.CountIndicators(ctx, v); err != nil {
		return d, err
	}
	if d.LatestFindings, err = s.ListFindings(ctx, v, 0, 10); err != nil {
		return d, err
	}
	return d, nil
}

// TaxiiStatus stores the status resource of a TAXII POST.
func (s *Store) PutTaxiiStatus(ctx context.Context, orgID int64, id string, body []byte) error {
	_, err := s.w.ExecContext(ctx, s.q("INSERT INTO taxii_status (id, org_id, body, created_at) VALUES (?, ?, ?, ?)"), id, orgID, string(body), s.now().UnixMicro())
	if err != nil {
		return fmt.Errorf("store: TAXII status: %w", err)
	}
	return nil
}

// TaxiiStatus returns a status resource the viewer's organisation created.
func (s *Store) TaxiiStatus(ctx context.Context, v Viewer, id string) ([]byte, error) {
	var body string
	err := s.r.QueryRowContext(ctx, s.q("SELECT body FROM taxii_status WHERE id = ? AND org_id = ?"), id, v.OrgID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: TAXII status: %w", err)
	}
	return []byte(body), nil
}

func matchKey(typ, value string) string { return typ + "\x00" + value }
