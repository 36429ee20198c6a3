package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// LeakCase is the agency's investigation of one leak: the items of a
// verification, the analysts' revisions, and the published statement.
type LeakCase struct {
	ID int64 `json:"id"`
	// Ref is the public reference (LEAK-2026-0001).
	Ref         string    `json:"ref"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	// Source says where the items came from ("report.json uploaded",
	// "verified on the hub: dump/"); Tool is the verifier's version;
	// KeyArchives the JSON list of the DKIM key archives used (path and
	// SHA-256); Keys the archived DKIM keys themselves (zone text), with
	// which the public lookup judges a message it is given.
	Source      string    `json:"source,omitempty"`
	Tool        string    `json:"tool,omitempty"`
	KeyArchives string    `json:"key_archives,omitempty"`
	Keys        string    `json:"-"`
	Job         CaseJob   `json:"job"`
	PublishedAt time.Time `json:"published_at,omitzero"`
	PublishedBy string    `json:"published_by,omitempty"`
	// Items is the number of items the viewer sees; Counts the same per
	// verdict (the verdict shown: an analyst's revision when there is one).
	Items  int            `json:"items"`
	Counts map[string]int `json:"counts"`
}

// CaseJob is the state of a verification the hub runs for a case.
type CaseJob struct {
	// State is "" (none), "running", "done" or "failed".
	State   string    `json:"state,omitempty"`
	Items   int       `json:"items,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	Started time.Time `json:"started,omitzero"`
	Updated time.Time `json:"updated,omitzero"`
}

// Job states.
const (
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// LeakItem is one item of a case.
type LeakItem struct {
	ID        int64     `json:"id"`
	CaseID    int64     `json:"case_id"`
	N         int       `json:"n"`
	Path      string    `json:"path"`
	Kind      string    `json:"kind"`
	SHA256    string    `json:"sha256,omitempty"`
	MessageID string    `json:"message_id,omitempty"`
	Sender    string    `json:"sender,omitempty"`
	Subject   string    `json:"subject,omitempty"`
	SentAt    time.Time `json:"sent_at,omitzero"`
	// Machine is the verification's verdict, Verdict the one shown (the
	// analyst's when OverrideBy is set).
	Machine     string    `json:"machine_verdict"`
	Verdict     string    `json:"verdict"`
	OverrideWhy string    `json:"override_why,omitempty"`
	OverrideBy  string    `json:"override_by,omitempty"`
	OverrideAt  time.Time `json:"override_at,omitzero"`
	// Withheld items are left out of the public statement and lookup.
	Withheld bool `json:"withheld,omitempty"`
	// Search is the indexed text; Data the item as report.json has it.
	Search string `json:"-"`
	Data   string `json:"-"`
	// Parties are the names of the parties the item is shared with
	// (filled for the agency only).
	Parties []string `json:"parties,omitempty"`
}

// LeakNote is an analyst's note on an item; a revision of the verdict has
// VerdictFrom and VerdictTo.
type LeakNote struct {
	ID          int64     `json:"id"`
	ItemID      int64     `json:"item_id"`
	Author      string    `json:"author"`
	At          time.Time `json:"at"`
	Body        string    `json:"body"`
	VerdictFrom string    `json:"verdict_from,omitempty"`
	VerdictTo   string    `json:"verdict_to,omitempty"`
}

// LeakItemFilter selects a case's items.
type LeakItemFilter struct {
	Verdict string
	// Sender matches part of the From field (any case).
	Sender string
	// Since and Until bound the message's (or document's) date.
	Since, Until time.Time
	// Query is full-text: every word must appear (prefixes match).
	Query         string
	Limit, Offset int
}

// Limits of what a case holds.
const (
	MaxCaseTitle = 300
	MaxNote      = 10000
	MaxCaseItems = 2_000_000
)

func (s *Store) caseVisible(ctx context.Context, v Viewer, caseID int64) error {
	var n int
	var err error
	if v.Agency {
		err = s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM leak_cases WHERE id = ?"), caseID).Scan(&n)
	} else {
		err = s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM leak_item_parties WHERE case_id = ? AND org_id = ?"), caseID, v.OrgID).Scan(&n)
	}
	if err != nil {
		return fmt.Errorf("store: case: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("store: case %d: %w", caseID, ErrNotFound)
	}
	return nil
}

// CreateLeakCase opens a case (the agency only; the caller checks).
func (s *Store) CreateLeakCase(ctx context.Context, a Actor, title, description string) (LeakCase, error) {
	title = strings.TrimSpace(title)
	if title == "" || len(title) > MaxCaseTitle {
		return LeakCase{}, fmt.Errorf("store: a case title must be 1 to %d characters", MaxCaseTitle)
	}
	if len(description) > MaxNote {
		return LeakCase{}, fmt.Errorf("store: a case description must be at most %d characters", MaxNote)
	}
	c := LeakCase{Title: title, Description: description, CreatedBy: a.Name, CreatedAt: fromMicros(s.now().UnixMicro()), Counts: map[string]int{}}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.q("INSERT INTO leak_cases (title, description, created_by, created_at) VALUES (?, ?, ?, ?) RETURNING id"),
			title, description, a.Name, micros(c.CreatedAt)).Scan(&c.ID); err != nil {
			return fmt.Errorf("store: create case: %w", err)
		}
		c.Ref = fmt.Sprintf("LEAK-%d-%04d", c.CreatedAt.Year(), c.ID)
		if _, err := tx.ExecContext(ctx, s.q("UPDATE leak_cases SET ref = ? WHERE id = ?"), c.Ref, c.ID); err != nil {
			return fmt.Errorf("store: create case: %w", err)
		}
		return s.audit(ctx, tx, a, "case.create", fmt.Sprintf("case:%d", c.ID), title)
	})
	return c, err
}

const caseCols = "id, ref, title, description, created_by, created_at, source, tool, key_archives, keys, job_state, job_items, job_detail, job_started, job_updated, published_at, published_by"

func scanCase(sc interface{ Scan(...any) error }) (LeakCase, error) {
	var c LeakCase
	var created, started, updated, published int64
	err := sc.Scan(&c.ID, &c.Ref, &c.Title, &c.Description, &c.CreatedBy, &created, &c.Source, &c.Tool, &c.KeyArchives, &c.Keys,
		&c.Job.State, &c.Job.Items, &c.Job.Detail, &started, &updated, &published, &c.PublishedBy)
	c.CreatedAt, c.Job.Started, c.Job.Updated, c.PublishedAt = fromMicros(created), fromMicros(started), fromMicros(updated), fromMicros(published)
	c.Counts = map[string]int{}
	return c, err
}

// GetLeakCase returns a case the viewer may see (a party: one with an item
// shared with it), with its counts as the viewer sees them.
func (s *Store) GetLeakCase(ctx context.Context, v Viewer, id int64) (LeakCase, error) {
	if err := s.caseVisible(ctx, v, id); err != nil {
		return LeakCase{}, err
	}
	c, err := scanCase(s.r.QueryRowContext(ctx, s.q("SELECT "+caseCols+" FROM leak_cases WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return LeakCase{}, fmt.Errorf("store: case %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return LeakCase{}, fmt.Errorf("store: case: %w", err)
	}
	if !v.Agency {
		c.Keys, c.Source, c.Description = "", "", "" // the agency's working notes
	}
	return c, s.caseCounts(ctx, v, &c)
}

func (s *Store) caseCounts(ctx context.Context, v Viewer, c *LeakCase) error {
	q := "SELECT verdict, COUNT(*) FROM leak_items WHERE case_id = ? GROUP BY verdict"
	args := []any{c.ID}
	if !v.Agency {
		q = "SELECT i.verdict, COUNT(*) FROM leak_items i JOIN leak_item_parties p ON p.item_id = i.id AND p.org_id = ? WHERE i.case_id = ? GROUP BY i.verdict"
		args = []any{v.OrgID, c.ID}
	}
	rows, err := s.r.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return fmt.Errorf("store: case counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var vd string
		var n int
		if err := rows.Scan(&vd, &n); err != nil {
			return fmt.Errorf("store: case counts: %w", err)
		}
		c.Counts[vd] = n
		c.Items += n
	}
	return rows.Err()
}

// ListLeakCases lists the cases the viewer may see, newest first.
func (s *Store) ListLeakCases(ctx context.Context, v Viewer) ([]LeakCase, error) {
	q := "SELECT " + caseCols + " FROM leak_cases ORDER BY id DESC"
	var args []any
	if !v.Agency {
		q = "SELECT " + caseCols + " FROM leak_cases WHERE id IN (SELECT case_id FROM leak_item_parties WHERE org_id = ?) ORDER BY id DESC"
		args = []any{v.OrgID}
	}
	out, err := s.queryCases(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if !v.Agency {
			out[i].Keys, out[i].Source, out[i].Description = "", "", ""
		}
		if err := s.caseCounts(ctx, v, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) queryCases(ctx context.Context, q string, args ...any) ([]LeakCase, error) {
	rows, err := s.r.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: cases: %w", err)
	}
	defer rows.Close()
	var out []LeakCase
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("store: cases: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PublishedLeakCases lists the published cases (for the public), with
// the counts of their published items.
func (s *Store) PublishedLeakCases(ctx context.Context) ([]LeakCase, error) {
	out, err := s.queryCases(ctx, "SELECT "+caseCols+" FROM leak_cases WHERE published_at > 0 ORDER BY published_at DESC")
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Source, out[i].Description = "", ""
		rows, err := s.r.QueryContext(ctx, s.q("SELECT verdict, COUNT(*) FROM leak_items WHERE case_id = ? AND withheld = 0 GROUP BY verdict"), out[i].ID)
		if err != nil {
			return nil, fmt.Errorf("store: published cases: %w", err)
		}
		for rows.Next() {
			var vd string
			var n int
			if err := rows.Scan(&vd, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: published cases: %w", err)
			}
			out[i].Counts[vd], out[i].Items = n, out[i].Items+n
		}
		rows.Close()
	}
	return out, nil
}

// Statement returns the published statement of the case ref and its
// signature; ErrNotFound when the case is not published.
func (s *Store) Statement(ctx context.Context, ref string) (page, sig string, err error) {
	err = s.r.QueryRowContext(ctx, s.q("SELECT statement, statement_sig FROM leak_cases WHERE ref = ? AND published_at > 0"), ref).Scan(&page, &sig)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("store: no published case %q: %w", ref, ErrNotFound)
	}
	if err != nil {
		return "", "", fmt.Errorf("store: statement: %w", err)
	}
	return page, sig, nil
}

// CaseSource is where a case's items came from.
type CaseSource struct {
	Source, Tool, KeyArchives string
	// Keys replaces the case's archived DKIM keys when not empty.
	Keys string
}

// ReplaceLeakItems loads the items of a verification into a case. An item
// already in the case (same path) keeps its analysts' revision, notes and
// parties and gets the new machine verdict and evidence; items not in
// items any more are removed with their notes and shares. One
// transaction: readers see the old items or the new ones.
func (s *Store) ReplaceLeakItems(ctx context.Context, a Actor, caseID int64, src CaseSource, items []LeakItem) error {
	if len(items) > MaxCaseItems {
		return fmt.Errorf("store: %d items, more than the limit of %d per case", len(items), MaxCaseItems)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var published int64
		if err := tx.QueryRowContext(ctx, s.q("SELECT published_at FROM leak_cases WHERE id = ?"), caseID).Scan(&published); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("store: case %d: %w", caseID, ErrNotFound)
			}
			return fmt.Errorf("store: load items: %w", err)
		}
		old := map[string]int64{}
		rows, err := tx.QueryContext(ctx, s.q("SELECT id, path FROM leak_items WHERE case_id = ?"), caseID)
		if err != nil {
			return fmt.Errorf("store: load items: %w", err)
		}
		for rows.Next() {
			var id int64
			var p string
			if err := rows.Scan(&id, &p); err != nil {
				rows.Close()
				return fmt.Errorf("store: load items: %w", err)
			}
			old[p] = id
		}
		rows.Close()
		ins, err := tx.PrepareContext(ctx, s.q(`INSERT INTO leak_items (case_id, n, path, kind, sha256, message_id, sender, subject, sent_at, machine_verdict, verdict, search, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`))
		if err != nil {
			return fmt.Errorf("store: load items: %w", err)
		}
		defer ins.Close()
		upd, err := tx.PrepareContext(ctx, s.q(`UPDATE leak_items SET n = ?, kind = ?, sha256 = ?, message_id = ?, sender = ?, subject = ?, sent_at = ?, machine_verdict = ?,
			verdict = CASE WHEN override_by = '' THEN ? ELSE verdict END, search = ?, data = ? WHERE id = ?`))
		if err != nil {
			return fmt.Errorf("store: load items: %w", err)
		}
		defer upd.Close()
		var ftsDel, ftsIns *sql.Stmt
		if s.dialect == SQLite {
			if ftsDel, err = tx.PrepareContext(ctx, "DELETE FROM leak_items_fts WHERE rowid = ?"); err != nil {
				return fmt.Errorf("store: load items: %w", err)
			}
			defer ftsDel.Close()
			if ftsIns, err = tx.PrepareContext(ctx, "INSERT INTO leak_items_fts (rowid, search) VALUES (?, ?)"); err != nil {
				return fmt.Errorf("store: load items: %w", err)
			}
			defer ftsIns.Close()
		}
		seen := map[string]bool{}
		for i, it := range items {
			if seen[it.Path] {
				return fmt.Errorf("store: item %d: the path %q appears twice", i+1, it.Path)
			}
			seen[it.Path] = true
			id, ok := old[it.Path]
			if ok {
				if _, err := upd.ExecContext(ctx, i+1, it.Kind, it.SHA256, it.MessageID, it.Sender, it.Subject, micros(it.SentAt), it.Machine, it.Machine, it.Search, it.Data, id); err != nil {
					return fmt.Errorf("store: item %s: %w", it.Path, err)
				}
				if ftsDel != nil {
					if _, err := ftsDel.ExecContext(ctx, id); err != nil {
						return fmt.Errorf("store: index %s: %w", it.Path, err)
					}
				}
				delete(old, it.Path)
			} else if err := ins.QueryRowContext(ctx, caseID, i+1, it.Path, it.Kind, it.SHA256, it.MessageID, it.Sender, it.Subject, micros(it.SentAt), it.Machine, it.Machine, it.Search, it.Data).Scan(&id); err != nil {
				return fmt.Errorf("store: item %s: %w", it.Path, err)
			}
			if ftsIns != nil {
				if _, err := ftsIns.ExecContext(ctx, id, it.Search); err != nil {
					return fmt.Errorf("store: index %s: %w", it.Path, err)
				}
			}
		}
		for _, id := range old {
			for _, q := range []string{"DELETE FROM leak_notes WHERE item_id = ?", "DELETE FROM leak_item_parties WHERE item_id = ?", "DELETE FROM leak_items WHERE id = ?"} {
				if _, err := tx.ExecContext(ctx, s.q(q), id); err != nil {
					return fmt.Errorf("store: remove item: %w", err)
				}
			}
			if ftsDel != nil {
				if _, err := ftsDel.ExecContext(ctx, id); err != nil {
					return fmt.Errorf("store: remove item: %w", err)
				}
			}
		}
		set := "source = ?, tool = ?, key_archives = ?"
		args := []any{src.Source, src.Tool, src.KeyArchives}
		if src.Keys != "" {
			set += ", keys = ?"
			args = append(args, src.Keys)
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE leak_cases SET "+set+" WHERE id = ?"), append(args, caseID)...); err != nil {
			return fmt.Errorf("store: load items: %w", err)
		}
		return s.audit(ctx, tx, a, "case.items", fmt.Sprintf("case:%d", caseID), fmt.Sprintf("%d items from %s", len(items), src.Source))
	})
}

// SetCaseJob records the state of the verification the hub runs for a
// case (progress shown on the case page).
func (s *Store) SetCaseJob(ctx context.Context, caseID int64, j CaseJob) error {
	_, err := s.w.ExecContext(ctx, s.q("UPDATE leak_cases SET job_state = ?, job_items = ?, job_detail = ?, job_started = ?, job_updated = ? WHERE id = ?"),
		j.State, j.Items, j.Detail, micros(j.Started), micros(j.Updated), caseID)
	if err != nil {
		return fmt.Errorf("store: case job: %w", err)
	}
	return nil
}

// StartCaseJob marks a case's verification as running, unless one is
// already running and updated within stale (a hub that stopped mid-run
// leaves a job that stops being updated). It reports whether it started.
func (s *Store) StartCaseJob(ctx context.Context, a Actor, caseID int64, detail string, stale time.Duration) (bool, error) {
	now := s.now()
	res, err := s.w.ExecContext(ctx, s.q("UPDATE leak_cases SET job_state = ?, job_items = 0, job_detail = ?, job_started = ?, job_updated = ? WHERE id = ? AND (job_state <> ? OR job_updated < ?)"),
		JobRunning, detail, micros(now), micros(now), caseID, JobRunning, micros(now.Add(-stale)))
	if err != nil {
		return false, fmt.Errorf("store: case job: %w", err)
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return false, nil
	}
	return true, s.Audit(ctx, a, "case.verify", fmt.Sprintf("case:%d", caseID), detail)
}

const itemCols = "i.id, i.case_id, i.n, i.path, i.kind, i.sha256, i.message_id, i.sender, i.subject, i.sent_at, i.machine_verdict, i.verdict, i.override_why, i.override_by, i.override_at, i.withheld, i.data"

func scanItem(sc interface{ Scan(...any) error }) (LeakItem, error) {
	var it LeakItem
	var sent, over, withheld int64
	err := sc.Scan(&it.ID, &it.CaseID, &it.N, &it.Path, &it.Kind, &it.SHA256, &it.MessageID, &it.Sender, &it.Subject, &sent, &it.Machine, &it.Verdict,
		&it.OverrideWhy, &it.OverrideBy, &over, &withheld, &it.Data)
	it.SentAt, it.OverrideAt, it.Withheld = fromMicros(sent), fromMicros(over), withheld != 0
	return it, err
}

// ftsQuery turns what a user typed into an FTS5 query: every word must
// appear, as a prefix; quotes and operators are not passed through.
func ftsQuery(q string) string {
	var words []string
	for _, w := range strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		words = append(words, `"`+w+`"*`)
		if len(words) == 16 {
			break
		}
	}
	return strings.Join(words, " ")
}

// pgQuery does the same for PostgreSQL's to_tsquery.
func pgQuery(q string) string {
	var words []string
	for _, w := range strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		words = append(words, strings.ToLower(w)+":*")
		if len(words) == 16 {
			break
		}
	}
	return strings.Join(words, " & ")
}

// ListLeakItems returns a case's items the viewer may see (a party: those
// shared with it) that pass the filter, in report order, and how many
// pass in all.
func (s *Store) ListLeakItems(ctx context.Context, v Viewer, caseID int64, f LeakItemFilter) ([]LeakItem, int, error) {
	if err := s.caseVisible(ctx, v, caseID); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	from := "leak_items i"
	where := []string{"i.case_id = ?"}
	args := []any{caseID}
	if !v.Agency {
		from += " JOIN leak_item_parties p ON p.item_id = i.id AND p.org_id = ?"
		args = append([]any{v.OrgID}, args...)
	}
	if f.Verdict != "" {
		where, args = append(where, "i.verdict = ?"), append(args, f.Verdict)
	}
	if f.Sender != "" {
		where, args = append(where, "LOWER(i.sender) LIKE ?"), append(args, "%"+likeEscape(strings.ToLower(f.Sender))+"%")
		where[len(where)-1] += ` ESCAPE '\'`
	}
	if !f.Since.IsZero() {
		where, args = append(where, "i.sent_at >= ?"), append(args, micros(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "i.sent_at > 0 AND i.sent_at < ?"), append(args, micros(f.Until))
	}
	if strings.TrimSpace(f.Query) != "" {
		if s.dialect == SQLite {
			q := ftsQuery(f.Query)
			if q == "" {
				return nil, 0, nil
			}
			where, args = append(where, "i.id IN (SELECT rowid FROM leak_items_fts WHERE leak_items_fts MATCH ?)"), append(args, q)
		} else {
			q := pgQuery(f.Query)
			if q == "" {
				return nil, 0, nil
			}
			where, args = append(where, "i.search_tsv @@ to_tsquery('simple', ?)"), append(args, q)
		}
	}
	cond := " FROM " + from + " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*)"+cond), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: case items: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+itemCols+cond+" ORDER BY i.n LIMIT ? OFFSET ?"), append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: case items: %w", err)
	}
	defer rows.Close()
	var out []LeakItem
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: case items: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: case items: %w", err)
	}
	if v.Agency {
		if err := s.itemParties(ctx, out); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (s *Store) itemParties(ctx context.Context, items []LeakItem) error {
	for i := range items {
		rows, err := s.r.QueryContext(ctx, s.q("SELECT o.name FROM leak_item_parties p JOIN orgs o ON o.id = p.org_id WHERE p.item_id = ? ORDER BY o.name"), items[i].ID)
		if err != nil {
			return fmt.Errorf("store: item parties: %w", err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return fmt.Errorf("store: item parties: %w", err)
			}
			items[i].Parties = append(items[i].Parties, n)
		}
		rows.Close()
	}
	return nil
}

// GetLeakItem returns one item of a case the viewer may see.
func (s *Store) GetLeakItem(ctx context.Context, v Viewer, caseID, itemID int64) (LeakItem, error) {
	q := "SELECT " + itemCols + " FROM leak_items i WHERE i.id = ? AND i.case_id = ?"
	args := []any{itemID, caseID}
	if !v.Agency {
		q += " AND i.id IN (SELECT item_id FROM leak_item_parties WHERE org_id = ?)"
		args = append(args, v.OrgID)
	}
	it, err := scanItem(s.r.QueryRowContext(ctx, s.q(q), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return LeakItem{}, fmt.Errorf("store: item %d: %w", itemID, ErrNotFound)
	}
	if err != nil {
		return LeakItem{}, fmt.Errorf("store: item: %w", err)
	}
	if v.Agency {
		items := []LeakItem{it}
		if err := s.itemParties(ctx, items); err != nil {
			return LeakItem{}, err
		}
		it = items[0]
	}
	return it, nil
}

// LeakNotes returns the notes of an item (the agency's working notes:
// agency only).
func (s *Store) LeakNotes(ctx context.Context, v Viewer, caseID, itemID int64) ([]LeakNote, error) {
	if !v.Agency {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT id, item_id, author, at, body, verdict_from, verdict_to FROM leak_notes WHERE case_id = ? AND item_id = ? ORDER BY at, id"), caseID, itemID)
	if err != nil {
		return nil, fmt.Errorf("store: notes: %w", err)
	}
	defer rows.Close()
	var out []LeakNote
	for rows.Next() {
		var n LeakNote
		var at int64
		if err := rows.Scan(&n.ID, &n.ItemID, &n.Author, &at, &n.Body, &n.VerdictFrom, &n.VerdictTo); err != nil {
			return nil, fmt.Errorf("store: notes: %w", err)
		}
		n.At = fromMicros(at)
		out = append(out, n)
	}
	return out, rows.Err()
}

func (s *Store) agencyItem(ctx context.Context, tx *sql.Tx, caseID, itemID int64) (verdict, machine, overrideBy string, err error) {
	err = tx.QueryRowContext(ctx, s.q("SELECT verdict, machine_verdict, override_by FROM leak_items WHERE id = ? AND case_id = ?"), itemID, caseID).Scan(&verdict, &machine, &overrideBy)
	if errors.Is(err, sql.ErrNoRows) {
		err = fmt.Errorf("store: item %d: %w", itemID, ErrNotFound)
	}
	return
}

// AddLeakNote adds an analyst's note to an item (agency only; the caller
// checks).
func (s *Store) AddLeakNote(ctx context.Context, a Actor, caseID, itemID int64, body string) error {
	body = strings.TrimSpace(body)
	if body == "" || len(body) > MaxNote {
		return fmt.Errorf("store: a note must be 1 to %d characters", MaxNote)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, _, _, err := s.agencyItem(ctx, tx, caseID, itemID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO leak_notes (case_id, item_id, author, at, body) VALUES (?, ?, ?, ?, ?)"), caseID, itemID, a.Name, s.now().UnixMicro(), body); err != nil {
			return fmt.Errorf("store: note: %w", err)
		}
		return s.audit(ctx, tx, a, "case.note", fmt.Sprintf("case:%d/item:%d", caseID, itemID), "")
	})
}

// OverrideLeakVerdict sets an analyst's verdict on an item with the reason
// (kept as a note with who and when); verdict "" returns to the machine's.
// The machine's verdict is kept either way.
func (s *Store) OverrideLeakVerdict(ctx context.Context, a Actor, caseID, itemID int64, verdict, why string) error {
	why = strings.TrimSpace(why)
	if why == "" || len(why) > MaxNote {
		return fmt.Errorf("store: say why the verdict changes (1 to %d characters)", MaxNote)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		cur, machine, _, err := s.agencyItem(ctx, tx, caseID, itemID)
		if err != nil {
			return err
		}
		now := s.now().UnixMicro()
		if verdict == "" {
			_, err = tx.ExecContext(ctx, s.q("UPDATE leak_items SET verdict = machine_verdict, override_why = '', override_by = '', override_at = 0 WHERE id = ?"), itemID)
			verdict = machine
		} else {
			_, err = tx.ExecContext(ctx, s.q("UPDATE leak_items SET verdict = ?, override_why = ?, override_by = ?, override_at = ? WHERE id = ?"), verdict, why, a.Name, now, itemID)
		}
		if err != nil {
			return fmt.Errorf("store: override: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO leak_notes (case_id, item_id, author, at, body, verdict_from, verdict_to) VALUES (?, ?, ?, ?, ?, ?, ?)"),
			caseID, itemID, a.Name, now, why, cur, verdict); err != nil {
			return fmt.Errorf("store: override: %w", err)
		}
		return s.audit(ctx, tx, a, "case.override", fmt.Sprintf("case:%d/item:%d", caseID, itemID), cur+" -> "+verdict)
	})
}

// SetLeakWithheld keeps an item out of the public statement and lookup
// (or puts it back).
func (s *Store) SetLeakWithheld(ctx context.Context, a Actor, caseID, itemID int64, withheld bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, _, _, err := s.agencyItem(ctx, tx, caseID, itemID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE leak_items SET withheld = ? WHERE id = ?"), b2i(withheld), itemID); err != nil {
			return fmt.Errorf("store: withhold: %w", err)
		}
		return s.audit(ctx, tx, a, "case.withhold", fmt.Sprintf("case:%d/item:%d", caseID, itemID), fmt.Sprint(withheld))
	})
}

// ShareLeakItems shares items of a case with a party (share) or stops
// sharing them. A party sees a case only through the items shared with it.
func (s *Store) ShareLeakItems(ctx context.Context, a Actor, caseID int64, itemIDs []int64, orgID int64, share bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var kind string
		if err := tx.QueryRowContext(ctx, s.q("SELECT kind FROM orgs WHERE id = ?"), orgID).Scan(&kind); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("store: organisation %d: %w", orgID, ErrNotFound)
			}
			return fmt.Errorf("store: share: %w", err)
		}
		if kind != KindParty {
			return fmt.Errorf("store: items are shared with parties, and organisation %d is the agency", orgID)
		}
		for _, id := range itemIDs {
			if _, _, _, err := s.agencyItem(ctx, tx, caseID, id); err != nil {
				return err
			}
			var err error
			if share {
				_, err = tx.ExecContext(ctx, s.q("INSERT INTO leak_item_parties (item_id, org_id, case_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"), id, orgID, caseID)
			} else {
				_, err = tx.ExecContext(ctx, s.q("DELETE FROM leak_item_parties WHERE item_id = ? AND org_id = ?"), id, orgID)
			}
			if err != nil {
				return fmt.Errorf("store: share: %w", err)
			}
		}
		action := "case.share"
		if !share {
			action = "case.unshare"
		}
		return s.audit(ctx, tx, a, action, fmt.Sprintf("case:%d", caseID), fmt.Sprintf("%d item(s) with org:%d", len(itemIDs), orgID))
	})
}

// PublishedItems returns the items of a case that go into its statement
// (all but the withheld ones), and how many are withheld.
func (s *Store) PublishedItems(ctx context.Context, caseID int64) ([]LeakItem, int, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+itemCols+" FROM leak_items i WHERE i.case_id = ? ORDER BY i.n"), caseID)
	if err != nil {
		return nil, 0, fmt.Errorf("store: published items: %w", err)
	}
	defer rows.Close()
	var out []LeakItem
	withheld := 0
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: published items: %w", err)
		}
		if it.Withheld {
			withheld++
			continue
		}
		out = append(out, it)
	}
	return out, withheld, rows.Err()
}

// PublishLeakCase stores the signed statement of a case and makes it
// public (its statement, and its items in the public lookup).
func (s *Store) PublishLeakCase(ctx context.Context, a Actor, caseID int64, page, sig string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("UPDATE leak_cases SET published_at = ?, published_by = ?, statement = ?, statement_sig = ? WHERE id = ?"),
			s.now().UnixMicro(), a.Name, page, sig, caseID)
		if err != nil {
			return fmt.Errorf("store: publish: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: case %d: %w", caseID, ErrNotFound)
		}
		return s.audit(ctx, tx, a, "case.publish", fmt.Sprintf("case:%d", caseID), "")
	})
}

// PublicHit is a published item found by the public lookup.
type PublicHit struct {
	CaseRef, CaseTitle string
	Item               LeakItem
}

// LookupPublished finds published items (of published cases, not
// withheld) by Message-ID or SHA-256 (either may be empty), at most 20.
func (s *Store) LookupPublished(ctx context.Context, messageID, sha256 string) ([]PublicHit, error) {
	if messageID == "" && sha256 == "" {
		return nil, nil
	}
	q := "SELECT c.ref, c.title, " + itemCols + " FROM leak_items i JOIN leak_cases c ON c.id = i.case_id WHERE c.published_at > 0 AND i.withheld = 0 AND "
	var args []any
	switch {
	case messageID != "" && sha256 != "":
		q += "(i.message_id = ? OR i.sha256 = ?)"
		args = []any{messageID, sha256}
	case messageID != "":
		q += "i.message_id = ?"
		args = []any{messageID}
	default:
		q += "i.sha256 = ?"
		args = []any{sha256}
	}
	rows, err := s.r.QueryContext(ctx, s.q(q+" ORDER BY c.published_at DESC, i.n LIMIT 20"), args...)
	if err != nil {
		return nil, fmt.Errorf("store: lookup: %w", err)
	}
	defer rows.Close()
	var out []PublicHit
	for rows.Next() {
		var h PublicHit
		var it LeakItem
		var sent, over, withheld int64
		if err := rows.Scan(&h.CaseRef, &h.CaseTitle, &it.ID, &it.CaseID, &it.N, &it.Path, &it.Kind, &it.SHA256, &it.MessageID, &it.Sender, &it.Subject, &sent,
			&it.Machine, &it.Verdict, &it.OverrideWhy, &it.OverrideBy, &over, &withheld, &it.Data); err != nil {
			return nil, fmt.Errorf("store: lookup: %w", err)
		}
		it.SentAt, it.OverrideAt = fromMicros(sent), fromMicros(over)
		h.Item = it
		out = append(out, h)
	}
	return out, rows.Err()
}

// PublishedKeys returns the archived DKIM keys (zone text) of every
// published case, with the case's reference.
func (s *Store) PublishedKeys(ctx context.Context) (map[string]string, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT ref, keys FROM leak_cases WHERE published_at > 0 AND keys <> ''")
	if err != nil {
		return nil, fmt.Errorf("store: published keys: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var ref, k string
		if err := rows.Scan(&ref, &k); err != nil {
			return nil, fmt.Errorf("store: published keys: %w", err)
		}
		out[ref] = k
	}
	return out, rows.Err()
}

// LeakText is the text of an item (a message's body, a document's text)
// added to the full-text index. MessageID, when set, must be the item's:
// a text is never attached to another message than its own.
type LeakText struct {
	Path, MessageID, Text string
}

// AddLeakTexts adds texts to the search index of a case's items; it
// returns how many items got their text.
func (s *Store) AddLeakTexts(ctx context.Context, caseID int64, texts []LeakText) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, t := range texts {
			var id int64
			var search string
			err := tx.QueryRowContext(ctx, s.q("SELECT id, search FROM leak_items WHERE case_id = ? AND path = ? AND (? = '' OR message_id = ?)"), caseID, t.Path, t.MessageID, t.MessageID).Scan(&id, &search)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("store: item text: %w", err)
			}
			search += "\n" + t.Text
			if _, err := tx.ExecContext(ctx, s.q("UPDATE leak_items SET search = ? WHERE id = ?"), search, id); err != nil {
				return fmt.Errorf("store: item text: %w", err)
			}
			if s.dialect == SQLite {
				if _, err := tx.ExecContext(ctx, "DELETE FROM leak_items_fts WHERE rowid = ?", id); err != nil {
					return fmt.Errorf("store: item text: %w", err)
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO leak_items_fts (rowid, search) VALUES (?, ?)", id, search); err != nil {
					return fmt.Errorf("store: item text: %w", err)
				}
			}
			n++
		}
		return nil
	})
	return n, err
}
