package hubclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/vigie-project/vigie/internal/report"
)

// Findings travel with the sightings: a sensor spools what it found
// (machine, path or message, rule or indicator, severity, what to do) in
// files of their own in the same spool directory, and Flush delivers them
// after the sightings, with the same guarantees (written atomically,
// removed only once the hub took them, a finding's id makes a resend
// harmless).
const findingsPrefix = "findings-"

// maxFindingBytes is the hub's limit on one finding's JSON.
const maxFindingBytes = 256 << 10

// CheckFinding validates a finding as the hub will: an id of at most 200
// characters, a time, and at most 256 KiB of JSON.
func CheckFinding(f *report.Finding) error {
	if f.ID == "" || len(f.ID) > 200 {
		return errors.New("id is required (at most 200 characters)")
	}
	if f.Time.IsZero() {
		return errors.New("time is required")
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if len(b) > maxFindingBytes {
		return fmt.Errorf("finding larger than %d KiB", maxFindingBytes>>10)
	}
	return nil
}

// AddFindings spools findings for the hub, in files of at most MaxBatch;
// a finding the hub would refuse is logged with the reason and dropped.
func (s *Spool) AddFindings(fs []report.Finding) error {
	valid := make([]report.Finding, 0, len(fs))
	for i := range fs {
		if err := CheckFinding(&fs[i]); err != nil {
			s.log().Warn("finding not sent to the hub", "title", fs[i].Title, "reason", err.Error())
			continue
		}
		valid = append(valid, fs[i])
	}
	if len(valid) == 0 {
		return nil
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	for len(valid) > 0 {
		n := min(len(valid), MaxBatch)
		data, err := json.Marshal(valid[:n])
		if err != nil {
			return err
		}
		if err := s.writeFile(findingsPrefix, data); err != nil {
			return err
		}
		valid = valid[n:]
	}
	return nil
}

// pendingFindings lists the findings files waiting, oldest first.
func (s *Spool) pendingFindings() ([]string, error) { return s.files(findingsPrefix) }

// flushFindings delivers the spooled findings; like sightings, an item the
// hub refuses is logged and dropped, the rest delivered.
func (s *Spool) flushFindings(ctx context.Context, c *Client, res *FlushResult) error {
	files, err := s.pendingFindings()
	if err != nil {
		return err
	}
	for i, p := range files {
		var items []report.Finding
		data, err := os.ReadFile(p)
		if err == nil {
			err = json.Unmarshal(data, &items)
		}
		if err != nil {
			res.Rejected++
			if merr := s.reject(p); merr != nil {
				return merr
			}
			continue
		}
		pr, err := c.postFindings(ctx, items)
		var rej *RejectedError
		switch {
		case errors.As(err, &rej) && len(rej.Items()) > 0:
			pr.Rejected = rej.Items()
		case errors.As(err, &rej):
			res.Rejected++
			if merr := s.reject(p); merr != nil {
				return merr
			}
			continue
		case err != nil:
			res.Pending += len(files) - i
			return err
		}
		for _, b := range pr.Rejected {
			if b.Index >= 0 && b.Index < len(items) {
				res.Dropped++
				s.log().Warn("finding dropped: the hub refused it", "title", items[b.Index].Title, "reason", b.Reason)
			}
		}
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("spool: findings sent but not removed (they will be sent again, harmlessly): %w", err)
		}
		res.Findings += len(items) - len(pr.Rejected)
	}
	return nil
}

// postFindings sends one batch of findings.
func (c *Client) postFindings(ctx context.Context, items []report.Finding) (PostResult, error) {
	var res PostResult
	body, err := json.Marshal(map[string]any{"items": items})
	if err != nil {
		return res, err
	}
	_, err = c.doHeaders(ctx, "POST", c.base.JoinPath("/api/v1/findings").String(), body, &res, "", nil)
	return res, err
}
