package hubclient

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Spool is a directory of sighting batches waiting for the hub. Add writes
// a batch atomically (temporary file, sync, rename); Flush sends the
// batches oldest first and deletes each only after the hub acknowledged
// it. A batch the hub refuses as malformed is moved to rejected/ and kept
// for a person to look at.
type Spool struct {
	Dir string
}

const (
	batchPrefix  = "batch-"
	batchSuffix  = ".json"
	maxBatchFile = 64 << 20
)

// Add stores items as pending batches of at most MaxBatch sightings.
func (s *Spool) Add(items []Sighting) error {
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
	var rnd [6]byte
	rand.Read(rnd[:])
	name := fmt.Sprintf("%s%s-%s%s", batchPrefix, time.Now().UTC().Format("20060102T150405.000000000"), hex.EncodeToString(rnd[:]), batchSuffix)
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
func (s *Spool) Pending() ([]string, error) {
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
		if e.Type().IsRegular() && strings.HasPrefix(n, batchPrefix) && strings.HasSuffix(n, batchSuffix) {
			out = append(out, filepath.Join(s.Dir, n))
		}
	}
	sort.Strings(out)
	return out, nil
}

// FlushResult counts what a flush did.
type FlushResult struct {
	Sent, Batches, Rejected, Pending int
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
		err = c.PostSightings(ctx, items)
		var rej *RejectedError
		switch {
		case errors.As(err, &rej):
			res.Rejected++
			if merr := s.reject(p); merr != nil {
				return res, merr
			}
			continue
		case err != nil:
			res.Pending = len(files) - i
			return res, err
		}
		if err := os.Remove(p); err != nil {
			// Sent but not removed: it would be sent again, which the
			// hub's idempotency keys make harmless; say so.
			return res, fmt.Errorf("spool: batch sent but not removed (it will be sent again, harmlessly): %w", err)
		}
		res.Sent += len(items)
		res.Batches++
	}
	return res, nil
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
