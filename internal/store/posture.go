package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vigie-project/vigie/internal/posture"
)

// PostureRun is one run of the posture checks (vigie posture) on one domain
// an organisation declared: when it ran, the worst verdict, how many checks
// passed, warned, failed or could not tell, and every check with its
// evidence and fix.
type PostureRun struct {
	ID         int64          `json:"id"`
	OrgID      int64          `json:"org_id"`
	Domain     string         `json:"domain"`
	StartedAt  time.Time      `json:"started_at"`
	FinishedAt time.Time      `json:"finished_at"`
	Worst      posture.Status `json:"worst"`
	Pass       int            `json:"pass"`
	Warn       int            `json:"warn"`
	Fail       int            `json:"fail"`
	Error      int            `json:"error"`
	Result     posture.Result `json:"result"`
}

// maxPostureResult bounds the stored result of one domain (its checks
// carry the records seen, which a hostile zone could make large).
const maxPostureResult = 1 << 20

// AddPostureRun stores the result of one run of the posture checks on a
// domain of organisation orgID (the hub's schedule calls it).
func (s *Store) AddPostureRun(ctx context.Context, orgID int64, started, finished time.Time, r posture.Result) (PostureRun, error) {
	run := PostureRun{OrgID: orgID, Domain: r.Domain, StartedAt: started.UTC(), FinishedAt: finished.UTC(), Worst: r.Worst(), Result: r}
	for _, c := range r.Checks {
		switch c.Status {
		case posture.StatusPass:
			run.Pass++
		case posture.StatusWarn:
			run.Warn++
		case posture.StatusFail:
			run.Fail++
		default:
			run.Error++
		}
	}
	body, err := json.Marshal(r)
	if err != nil {
		return run, fmt.Errorf("store: posture of %s: %w", r.Domain, err)
	}
	if len(body) > maxPostureResult {
		return run, fmt.Errorf("store: posture of %s: result of %d bytes is over the %d-byte limit", r.Domain, len(body), maxPostureResult)
	}
	err = s.w.QueryRowContext(ctx, s.q(`INSERT INTO posture_runs (org_id, domain, started_at, finished_at, worst, passed, warned, failed, errored, result)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		orgID, r.Domain, micros(started), micros(finished), string(run.Worst), run.Pass, run.Warn, run.Fail, run.Error, string(body)).Scan(&run.ID)
	if err != nil {
		return run, fmt.Errorf("store: posture of %s: %w", r.Domain, err)
	}
	return run, nil
}

const postureCols = "id, org_id, domain, started_at, finished_at, worst, passed, warned, failed, errored, result"

func (s *Store) postureRuns(ctx context.Context, query string, args ...any) ([]PostureRun, error) {
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: posture: %w", err)
	}
	defer rows.Close()
	out := []PostureRun{}
	for rows.Next() {
		var p PostureRun
		var st, fin int64
		var worst, body string
		if err := rows.Scan(&p.ID, &p.OrgID, &p.Domain, &st, &fin, &worst, &p.Pass, &p.Warn, &p.Fail, &p.Error, &body); err != nil {
			return nil, fmt.Errorf("store: posture: %w", err)
		}
		p.StartedAt, p.FinishedAt, p.Worst = fromMicros(st), fromMicros(fin), posture.Status(worst)
		if err := json.Unmarshal([]byte(body), &p.Result); err != nil {
			return nil, fmt.Errorf("store: posture run %d: %w", p.ID, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// LatestPosture returns, for each domain organisation orgID declares now,
// the newest posture run (domains never checked yet are absent), by domain.
// The caller has checked that its viewer may see orgID.
func (s *Store) LatestPosture(ctx context.Context, orgID int64) ([]PostureRun, error) {
	return s.postureRuns(ctx, "SELECT "+postureCols+` FROM posture_runs p WHERE org_id = ?
		AND domain IN (SELECT domain FROM org_domains WHERE org_id = ?)
		AND id = (SELECT MAX(id) FROM posture_runs q WHERE q.org_id = p.org_id AND q.domain = p.domain)
		ORDER BY domain`, orgID, orgID)
}

// PostureHistory returns organisation orgID's posture runs, newest first,
// at most limit (1 to 1000; other values mean 100), every domain ever
// checked included.
func (s *Store) PostureHistory(ctx context.Context, orgID int64, limit int) ([]PostureRun, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return s.postureRuns(ctx, "SELECT "+postureCols+" FROM posture_runs WHERE org_id = ? ORDER BY finished_at DESC, id DESC LIMIT ?", orgID, limit)
}

// PostureDue returns, for organisation orgID, when each declared domain was
// last checked (absent: never), for the schedule.
func (s *Store) PostureDue(ctx context.Context, orgID int64) (map[string]time.Time, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT domain, MAX(finished_at) FROM posture_runs WHERE org_id = ? GROUP BY domain"), orgID)
	if err != nil {
		return nil, fmt.Errorf("store: posture schedule: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var d string
		var at int64
		if err := rows.Scan(&d, &at); err != nil {
			return nil, fmt.Errorf("store: posture schedule: %w", err)
		}
		out[d] = fromMicros(at)
	}
	return out, rows.Err()
}

// PrunePosture deletes posture runs finished before cutoff, keeping the
// newest run of every domain; it returns how many were deleted.
func (s *Store) PrunePosture(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM posture_runs WHERE finished_at < ?
		AND id NOT IN (SELECT MAX(id) FROM posture_runs GROUP BY org_id, domain)`), micros(cutoff))
	if err != nil {
		return 0, fmt.Errorf("store: prune posture: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
