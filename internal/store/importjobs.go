package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Import job states.
const (
	ImportQueued      = "queued"
	ImportRunning     = "running"
	ImportDone        = "done"
	ImportFailed      = "failed"
	ImportInterrupted = "interrupted" // cut by a restart: resumable
)

// ImportJob is an indicator import running in the background: a large
// file read in batches, each committed on its own, with its progress.
type ImportJob struct {
	ID    string `json:"id"`
	OrgID int64  `json:"-"`
	Actor string `json:"actor"`
	State string `json:"state"`
	// Name is the file's name as the user gave it; Format the format
	// detected or named.
	Name   string `json:"name"`
	Format string `json:"format,omitempty"`
	// Spool is the file on the hub the job reads; Owned says the hub made
	// it (an upload) and deletes it when the job is done.
	Spool   string          `json:"-"`
	Owned   bool            `json:"-"`
	Options json.RawMessage `json:"options"`
	// Progress: bytes of the file read, items (STIX objects, MISP
	// attributes and objects, CSV records) read and committed. ItemsTotal
	// is known once the file has been counted (0 until then).
	BytesTotal    int64 `json:"bytes_total"`
	BytesDone     int64 `json:"bytes_done"`
	ItemsTotal    int64 `json:"items_total"`
	ItemsDone     int64 `json:"items_done"`
	Created       int64 `json:"created"`
	Updated       int64 `json:"updated"`
	Restricted    int64 `json:"restricted,omitempty"`
	Warninglisted int64 `json:"warninglisted"`
	Duplicates    int64 `json:"duplicates"`
	Superseded    int64 `json:"superseded,omitempty"`
	// Problems counts the items that could not become indicators (listed
	// by ImportJobProblems, the first MaxJobProblems of them).
	Problems   int64            `json:"problems"`
	Skipped    map[string]int64 `json:"skipped,omitempty"`
	Error      string           `json:"error,omitempty"`
	Owner      string           `json:"-"`
	CreatedAt  time.Time        `json:"created_at"`
	StartedAt  time.Time        `json:"started_at,omitzero"`
	Heartbeat  time.Time        `json:"heartbeat_at,omitzero"`
	FinishedAt time.Time        `json:"finished_at,omitzero"`
}

// JobProblem is an item of an import job that did not become an indicator.
type JobProblem struct {
	// Item is the item's index in the file (0-based); -1 when the problem
	// is not about one item.
	Item   int64  `json:"item"`
	Where  string `json:"where,omitempty"`
	Kind   string `json:"kind"`
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason"`
}

// MaxJobProblems bounds the problems kept per job (the rest are counted).
const MaxJobProblems = 100_000

// JobProgress is what one committed batch adds to a job.
type JobProgress struct {
	BytesDone, ItemsDone, ItemsTotal                                    int64 // absolute
	Created, Updated, Restricted, Warninglisted, Duplicates, Superseded int64 // added
	Problems                                                            []JobProblem
	Skipped                                                             map[string]int
}

const jobCols = "id, org_id, actor, state, name, format, spool, owned, options, bytes_total, bytes_done, items_total, items_done, created, updated, restricted, warninglisted, duplicates, superseded, problems, skipped, error, owner, created_at, started_at, heartbeat_at, finished_at"

func scanJob(sc interface{ Scan(...any) error }) (ImportJob, error) {
	var j ImportJob
	var owned int
	var opts, skipped string
	var c, st, hb, f int64
	err := sc.Scan(&j.ID, &j.OrgID, &j.Actor, &j.State, &j.Name, &j.Format, &j.Spool, &owned, &opts, &j.BytesTotal, &j.BytesDone, &j.ItemsTotal, &j.ItemsDone,
		&j.Created, &j.Updated, &j.Restricted, &j.Warninglisted, &j.Duplicates, &j.Superseded, &j.Problems, &skipped, &j.Error, &j.Owner, &c, &st, &hb, &f)
	if err != nil {
		return j, err
	}
	j.Owned, j.Options = owned != 0, json.RawMessage(opts)
	_ = json.Unmarshal([]byte(skipped), &j.Skipped)
	j.CreatedAt, j.StartedAt, j.Heartbeat, j.FinishedAt = fromMicros(c), fromMicros(st), fromMicros(hb), fromMicros(f)
	return j, nil
}

// CreateImportJob records a queued job of the viewer's organisation (the
// agency: only it publishes).
func (s *Store) CreateImportJob(ctx context.Context, v Viewer, a Actor, j ImportJob) (ImportJob, error) {
	if !v.Agency {
		return ImportJob{}, fmt.Errorf("store: only the agency imports indicators: %w", ErrNotFound)
	}
	if len(j.Options) == 0 {
		j.Options = json.RawMessage("{}")
	}
	j.OrgID, j.Actor, j.State, j.CreatedAt = v.OrgID, a.Name, ImportQueued, s.now().UTC().Truncate(time.Microsecond)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO import_jobs (id, org_id, actor, state, name, format, spool, owned, options, bytes_total, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
			j.ID, j.OrgID, j.Actor, j.State, j.Name, j.Format, j.Spool, b2i(j.Owned), string(j.Options), j.BytesTotal, micros(j.CreatedAt))
		if err != nil {
			return fmt.Errorf("store: import job: %w", err)
		}
		return s.audit(ctx, tx, a, "import.start", "import:"+j.ID, j.Name)
	})
	return j, err
}

// GetImportJob returns a job of the viewer's organisation.
func (s *Store) GetImportJob(ctx context.Context, v Viewer, id string) (ImportJob, error) {
	j, err := scanJob(s.r.QueryRowContext(ctx, s.q("SELECT "+jobCols+" FROM import_jobs WHERE id = ? AND org_id = ?"), id, v.OrgID))
	if errors.Is(err, sql.ErrNoRows) {
		return ImportJob{}, ErrNotFound
	}
	if err != nil {
		return ImportJob{}, fmt.Errorf("store: import job: %w", err)
	}
	return j, nil
}

// ListImportJobs returns the newest jobs of the viewer's organisation.
func (s *Store) ListImportJobs(ctx context.Context, v Viewer, limit int) ([]ImportJob, error) {
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+jobCols+" FROM import_jobs WHERE org_id = ? ORDER BY created_at DESC, id LIMIT ?"), v.OrgID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: import jobs: %w", err)
	}
	defer rows.Close()
	var out []ImportJob
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("store: import jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// ImportJobProblems returns up to limit problems of a job from the n-th.
func (s *Store) ImportJobProblems(ctx context.Context, v Viewer, id string, from, limit int) ([]JobProblem, error) {
	if _, err := s.GetImportJob(ctx, v, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT item, location, kind, value, reason FROM import_job_problems WHERE job_id = ? AND n >= ? ORDER BY n LIMIT ?"), id, from, limit)
	if err != nil {
		return nil, fmt.Errorf("store: import job problems: %w", err)
	}
	defer rows.Close()
	out := []JobProblem{}
	for rows.Next() {
		var p JobProblem
		if err := rows.Scan(&p.Item, &p.Where, &p.Kind, &p.Value, &p.Reason); err != nil {
			return nil, fmt.Errorf("store: import job problems: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ClaimImportJob makes a queued or interrupted job running under owner
// (an instance of the hub). It fails with ErrConflict if the job is not
// waiting to run.
func (s *Store) ClaimImportJob(ctx context.Context, id, owner string) (ImportJob, error) {
	now := micros(s.now())
	res, err := s.w.ExecContext(ctx, s.q("UPDATE import_jobs SET state = 'running', owner = ?, heartbeat_at = ?, started_at = CASE WHEN started_at = 0 THEN ? ELSE started_at END, error = '' WHERE id = ? AND state IN ('queued','interrupted')"),
		owner, now, now, id)
	if err != nil {
		return ImportJob{}, fmt.Errorf("store: import job: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ImportJob{}, fmt.Errorf("store: import job %s is not waiting to run: %w", id, ErrConflict)
	}
	j, err := scanJob(s.w.QueryRowContext(ctx, s.q("SELECT "+jobCols+" FROM import_jobs WHERE id = ?"), id))
	if err != nil {
		return ImportJob{}, fmt.Errorf("store: import job: %w", err)
	}
	return j, nil
}

// RequeueImportJob makes an interrupted job of the viewer's organisation
// wait to run again; ErrConflict if it is not interrupted.
func (s *Store) RequeueImportJob(ctx context.Context, v Viewer, a Actor, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("UPDATE import_jobs SET state = 'queued' WHERE id = ? AND org_id = ? AND state = 'interrupted'"), id, v.OrgID)
		if err != nil {
			return fmt.Errorf("store: import job: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: import job %s is not interrupted: %w", id, ErrConflict)
		}
		return s.audit(ctx, tx, a, "import.resume", "import:"+id, "")
	})
}

// JobTotal records how many items the job's file holds.
func (s *Store) JobTotal(ctx context.Context, id string, items int64, format string) error {
	_, err := s.w.ExecContext(ctx, s.q("UPDATE import_jobs SET items_total = ?, format = ?, heartbeat_at = ? WHERE id = ?"), items, format, micros(s.now()), id)
	if err != nil {
		return fmt.Errorf("store: import job: %w", err)
	}
	return nil
}

// JobProgressed adds a committed batch to a job: counters, position and
// the problems of the batch (numbered after those already kept).
func (s *Store) JobProgressed(ctx context.Context, id string, p JobProgress) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var kept int64
		var skipped string
		if err := tx.QueryRowContext(ctx, s.q("SELECT problems, skipped FROM import_jobs WHERE id = ?"), id).Scan(&kept, &skipped); err != nil {
			return fmt.Errorf("store: import job: %w", err)
		}
		for i, pr := range p.Problems {
			n := kept + int64(i)
			if n >= MaxJobProblems {
				break
			}
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO import_job_problems (job_id, n, item, location, kind, value, reason) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"),
				id, n, pr.Item, pr.Where, pr.Kind, pr.Value, pr.Reason); err != nil {
				return fmt.Errorf("store: import job problem: %w", err)
			}
		}
		sk := map[string]int64{}
		_ = json.Unmarshal([]byte(skipped), &sk)
		for k, n := range p.Skipped {
			sk[k] += int64(n)
		}
		skb, _ := json.Marshal(sk)
		_, err := tx.ExecContext(ctx, s.q(`UPDATE import_jobs SET bytes_done = ?, items_done = ?, items_total = CASE WHEN ? > items_total THEN ? ELSE items_total END,
			created = created + ?, updated = updated + ?, restricted = restricted + ?, warninglisted = warninglisted + ?, duplicates = duplicates + ?, superseded = superseded + ?,
			problems = problems + ?, skipped = ?, heartbeat_at = ? WHERE id = ?`),
			p.BytesDone, p.ItemsDone, p.ItemsTotal, p.ItemsTotal, p.Created, p.Updated, p.Restricted, p.Warninglisted, p.Duplicates, p.Superseded,
			len(p.Problems), string(skb), micros(s.now()), id)
		if err != nil {
			return fmt.Errorf("store: import job: %w", err)
		}
		return nil
	})
}

// FinishImportJob ends a job: done, or failed with the error.
func (s *Store) FinishImportJob(ctx context.Context, a Actor, id string, failure error) error {
	state, msg := ImportDone, ""
	if failure != nil {
		state, msg = ImportFailed, failure.Error()
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := micros(s.now())
		if _, err := tx.ExecContext(ctx, s.q("UPDATE import_jobs SET state = ?, error = ?, finished_at = ?, heartbeat_at = ? WHERE id = ?"), state, msg, now, now, id); err != nil {
			return fmt.Errorf("store: import job: %w", err)
		}
		var created, updated, problems int64
		if err := tx.QueryRowContext(ctx, s.q("SELECT created, updated, problems FROM import_jobs WHERE id = ?"), id).Scan(&created, &updated, &problems); err != nil {
			return fmt.Errorf("store: import job: %w", err)
		}
		detail := fmt.Sprintf("%s: %d created, %d updated, %d problems", state, created, updated, problems)
		if msg != "" {
			detail += ": " + msg
		}
		return s.audit(ctx, tx, a, "import.finish", "import:"+id, detail)
	})
}

// InterruptStaleJobs marks interrupted the running jobs whose worker has
// not reported since before cutoff (its hub stopped or crashed), and
// returns how many. What their committed batches stored stays.
func (s *Store) InterruptStaleJobs(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, s.q("UPDATE import_jobs SET state = 'interrupted', error = 'the hub stopped while the job ran: resume it to finish' WHERE state = 'running' AND heartbeat_at < ?"), micros(cutoff))
	if err != nil {
		return 0, fmt.Errorf("store: import jobs: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// InterruptRunningJobs marks every running job interrupted: for a hub
// that starts on an SQLite file, which only one hub uses, a job still
// "running" was cut by the previous run.
func (s *Store) InterruptRunningJobs(ctx context.Context) (int64, error) {
	return s.InterruptStaleJobs(ctx, s.now().Add(time.Hour))
}
