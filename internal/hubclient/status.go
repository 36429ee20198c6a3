package hubclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// SpoolStatus is what waits in a spool, for status reports: batches and
// the sightings in them, the oldest batch's time, and the batches set
// aside in rejected/ for a person to look at.
type SpoolStatus struct {
	Batches, Sightings, Rejected int
	Oldest                       time.Time
	Unreadable                   int // batch files that could not be read or parsed
}

// Status reads the spool without changing it.
func (s *Spool) Status() (SpoolStatus, error) {
	var st SpoolStatus
	pending, err := s.Pending()
	if err != nil {
		return st, err
	}
	st.Batches = len(pending)
	for _, p := range pending {
		if fi, err := os.Stat(p); err == nil && (st.Oldest.IsZero() || fi.ModTime().Before(st.Oldest)) {
			st.Oldest = fi.ModTime()
		}
		data, err := os.ReadFile(p)
		var items []json.RawMessage
		if err == nil {
			err = json.Unmarshal(data, &items)
		}
		if err != nil {
			st.Unreadable++
			continue
		}
		st.Sightings += len(items)
	}
	ents, err := os.ReadDir(filepath.Join(s.Dir, "rejected"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return st, fmt.Errorf("spool: %w", err)
	}
	for _, e := range ents {
		if e.Type().IsRegular() {
			st.Rejected++
		}
	}
	return st, nil
}

// CacheStatus reads the indicator cache at path (as written by
// PullCached and Follower): when indicators were last pulled into it and
// how many it holds. A missing cache gives a zero time and no error.
func CacheStatus(path string) (pulled time.Time, indicators int, err error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return time.Time{}, 0, nil
	} else if err != nil {
		return time.Time{}, 0, fmt.Errorf("indicator cache: %w", err)
	}
	c := loadCache(path)
	return c.Pulled, len(c.Indicators), nil
}

// LastPull is when the follower last pulled from the hub successfully
// (zero: not since it started) and how many pulls failed since.
func (f *Follower) LastPull() (time.Time, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastOK, f.failures
}
