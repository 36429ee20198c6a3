package hubclient

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// Spool is a directory of sighting batches waiting for the hub. Add checks
// each sighting with the hub's own rules (indicator.NormalizeSighting),
// drops an invalid one with its reason in the log, and writes the rest
// atomically (temporary file, sync, rename); Flush sends the batches
// oldest first and deletes each only after the hub acknowledged it. An
// item the hub still refuses is logged with the hub's reason and dropped;
// the rest of its batch is delivered. Only a batch the hub refuses as a
// whole, or a file that cannot be read, is moved to rejected/ and kept for
// a person to look at.
type Spool struct {
	Dir string
	// Logger receives the sightings dropped and why (default: slog's
	// default logger).
	Logger *slog.Logger
}

func (s *Spool) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// Check validates and normalises one sighting as the hub will: the value
// for its type (NormalizeSighting), the id, the time and the count. It
// returns the sighting with its canonical type and value.
func Check(sg Sighting) (Sighting, error) {
	if sg.ID == "" || len(sg.ID) > 200 {
		return sg, errors.New("id is required (at most 200 characters)")
	}
	t, v, err := indicator.NormalizeSighting(sg.Type, sg.Value)
	if err != nil {
		return sg, err
	}
	sg.Type, sg.Value = string(t), v
	if _, err := time.Parse(time.RFC3339Nano, sg.ObservedAt); err != nil {
		return sg, fmt.Errorf("observed_at %q is not an RFC 3339 time", indicator.Shorten(sg.ObservedAt))
	}
	if sg.Count == 0 {
		sg.Count = 1
	}
	if sg.Count < 0 || sg.Count > 1e9 {
		return sg, fmt.Errorf("count %d: want 1 to 1000000000", sg.Count)
	}
	if len(sg.Sensor) > 100 || len(sg.Host) > 255 {
		return sg, errors.New("sensor (100) or host (255 characters) too long")
	}
	return sg, nil
}

const (
	batchPrefix  = "batch-"
	batchSuffix  = ".json"
	maxBatchFile = 64 << 20
)

// Add checks items (see Check), logs and drops the invalid ones, and
// stores the rest as pending batches of at most MaxBatch sightings.
func (s *Spool) Add(items []Sighting) error {
	_, err := s.AddChecked(items)
	return err
}

// Dropped is a sighting left out, and why.
type Dropped struct {
	Sighting Sighting
	Reason   string
}

// AddChecked is Add, returning the sightings dropped as invalid.
func (s *Spool) AddChecked(items []Sighting) ([]Dropped, error) {
	var dropped []Dropped
	valid := make([]Sighting, 0, len(items))
	for _, it := range items {
		sg, err := Check(it)
		if err != nil {
			dropped = append(dropped, Dropped{Sighting: it, Reason: err.Error()})
			s.log().Warn("sighting dropped: the hub would refuse it", "type", it.Type, "value", indicator.Shorten(it.Value), "reason", err.Error(), "sensor", it.Sensor)
			continue
		}
		valid = append(valid, sg)
	}
	return dropped, s.add(valid)
}

func (s *Spool) add(items []Sighting) error {
	if len(items) == 0 {
		return nil
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	for len(items) > 0 {
		n := min(len(items), MaxBatch)
		if err := s.write(items[:n]); err != nil {
			return err
		}
		items = items[n:]
	}
	return nil
}

func (s *Spool) write(items []Sighting) error {
	data, err := json.Marshal(items)
	if err != nil {
		return err
	}
	return s.writeFile(batchPrefix, data)
}

// writeFile writes a spool file atomically (temporary file, sync, rename).
func (s *Spool) writeFile(prefix string, data []byte) error {
	var rnd [6]byte
	rand.Read(rnd[:])
	name := fmt.Sprintf("%s%s-%s%s", prefix, time.Now().UTC().Format("20060102T150405.000000000"), hex.EncodeToString(rnd[:]), batchSuffix)
	tmp, err := os.CreateTemp(s.Dir, ".tmp-")
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(s.Dir, name))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("spool: writing a batch: %w", err)
	}
	return nil
}

// Pending lists the batch files waiting, oldest first.
func (s *Spool) Pending() ([]string, error) { return s.files(batchPrefix) }

// files lists the spool's files of one kind (sighting batches, findings),
// oldest first: their names start with the time they were written.
func (s *Spool) files(prefix string) ([]string, error) {
	ents, err := os.ReadDir(s.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, prefix) && strings.HasSuffix(n, batchSuffix) {
			out = append(out, filepath.Join(s.Dir, n))
		}
	}
	sort.Strings(out)
	return out, nil
}

// FlushResult counts what a flush did: sightings sent and batches
// delivered, batches moved to rejected/, batches still pending, and
// sightings the hub refused (logged and dropped; the rest of their batch
// was delivered).
type FlushResult struct {
	Sent, Batches, Rejected, Pending, Dropped int
	// Findings counts the findings delivered.
	Findings int
}

// Flush delivers the pending batches. It stops at the first batch the hub
// could not take for a transient reason (unreachable, server error) and
// returns that error; the batch stays for the next run.
func (s *Spool) Flush(ctx context.Context, c *Client) (FlushResult, error) {
	var res FlushResult
	files, err := s.Pending()
	if err != nil {
		return res, err
	}
	for i, p := range files {
		fi, err := os.Stat(p)
		if err != nil {
			return res, fmt.Errorf("spool: %w", err)
		}
		var items []Sighting
		var data []byte
		if fi.Size() > maxBatchFile {
			err = fmt.Errorf("larger than %d MiB", maxBatchFile>>20)
		} else if data, err = os.ReadFile(p); err == nil {
			err = json.Unmarshal(data, &items)
		}
		if err != nil {
			res.Rejected++
			if merr := s.reject(p); merr != nil {
				return res, merr
			}
			continue
		}
		pr, err := c.PostSightings(ctx, items)
		var rej *RejectedError
		switch {
		case errors.As(err, &rej):
			bad := rej.Items()
			if len(bad) == 0 {
				// refused as a whole: keep it for a person
				res.Rejected++
				if merr := s.reject(p); merr != nil {
					return res, merr
				}
				continue
			}
			rest := s.drop(items, bad, &res)
			if len(rest) > 0 {
				// the hub named only some items: send the others again
				if err := s.add(rest); err != nil {
					res.Pending = len(files) - i
					return res, err
				}
			}
			if err := os.Remove(p); err != nil {
				return res, fmt.Errorf("spool: %w", err)
			}
			continue
		case err != nil:
			res.Pending = len(files) - i
			return res, err
		}
		s.drop(items, pr.Rejected, &res)
		if err := os.Remove(p); err != nil {
			// Sent but not removed: it would be sent again, which the
			// hub's idempotency keys make harmless; say so.
			return res, fmt.Errorf("spool: batch sent but not removed (it will be sent again, harmlessly): %w", err)
		}
		res.Sent += len(items) - len(pr.Rejected)
		res.Batches++
	}
	if err := s.flushFindings(ctx, c, &res); err != nil {
		return res, err
	}
	return res, nil
}

// drop logs the items of a batch the hub refused, with its reasons, and
// returns the items it did not name.
func (s *Spool) drop(items []Sighting, bad []ItemProblem, res *FlushResult) []Sighting {
	named := map[int]bool{}
	for _, b := range bad {
		if b.Index < 0 || b.Index >= len(items) || named[b.Index] {
			continue
		}
		named[b.Index] = true
		it := items[b.Index]
		res.Dropped++
		s.log().Warn("sighting dropped: the hub refused it", "type", it.Type, "value", indicator.Shorten(it.Value), "reason", b.Reason, "id", it.ID)
	}
	if len(bad) > 0 && len(named) == 0 {
		return nil
	}
	var rest []Sighting
	for i, it := range items {
		if !named[i] {
			rest = append(rest, it)
		}
	}
	return rest
}

func (s *Spool) reject(p string) error {
	dir := filepath.Join(s.Dir, "rejected")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := os.Rename(p, filepath.Join(dir, filepath.Base(p))); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}
