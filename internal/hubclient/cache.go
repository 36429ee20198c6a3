package hubclient

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// pullCache is the indicators pulled from the hub, kept between runs so
// that a scan without the hub still uses the latest indicators it had.
type pullCache struct {
	Cursor     string                `json:"cursor"`
	Pulled     time.Time             `json:"pulled"`
	Indicators []indicator.Indicator `json:"indicators"`
}

// loadCache reads the cache at path; a missing or broken cache is empty
// (everything is pulled again).
func loadCache(path string) pullCache {
	var cache pullCache
	if path == "" {
		return cache
	}
	if data, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(data, &cache); err != nil {
			cache = pullCache{}
		}
	}
	return cache
}

// merge applies a pull to the cache: new and changed indicators replace
// those of the same Identity, gone ones are dropped. It reports whether
// anything changed.
func (c *pullCache) merge(ch Changes, now time.Time) bool {
	changed := len(ch.Indicators) > 0
	// A new version of an indicator whose value changed replaces the old
	// value: the hub keeps one indicator per id.
	if len(ch.Indicators) > 0 {
		newID := map[string]string{}
		for i := range ch.Indicators {
			if id := ch.Indicators[i].ID; id != "" {
				newID[id] = ch.Indicators[i].Identity()
			}
		}
		kept := c.Indicators[:0]
		for _, ind := range c.Indicators {
			if k, ok := newID[ind.ID]; ok && ind.ID != "" && k != ind.Identity() {
				changed = true
				continue
			}
			kept = append(kept, ind)
		}
		clear(c.Indicators[len(kept):])
		c.Indicators = kept
	}
	byKey := make(map[string]int, len(c.Indicators))
	for i := range c.Indicators {
		byKey[c.Indicators[i].Identity()] = i
	}
	for _, ind := range ch.Indicators {
		if i, ok := byKey[ind.Identity()]; ok {
			c.Indicators[i] = ind
		} else {
			byKey[ind.Identity()] = len(c.Indicators)
			c.Indicators = append(c.Indicators, ind)
		}
	}
	if len(ch.Gone) > 0 {
		gone := map[string]bool{}
		for _, k := range ch.Gone {
			gone[k] = true
		}
		kept := c.Indicators[:0]
		for _, ind := range c.Indicators {
			if !gone[ind.Identity()] {
				kept = append(kept, ind)
			} else {
				changed = true
			}
		}
		clear(c.Indicators[len(kept):])
		c.Indicators = kept
	}
	c.Cursor, c.Pulled = ch.Next, now.UTC()
	return changed
}

func (c *pullCache) save(path string) error {
	if path == "" {
		return nil
	}
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return writeAtomic(path, data)
}

// PullCached pulls the changes since the cached cursor and merges them
// into the cache. When the hub cannot be reached it returns the cached
// indicators and an error saying how old they are.
func PullCached(ctx context.Context, hub *Client, path string) ([]indicator.Indicator, error) {
	cache := loadCache(path)
	ch, err := hub.PullChanges(ctx, cache.Cursor, "")
	if err != nil {
		return cache.Indicators, staleError(err, cache)
	}
	cache.merge(ch, time.Now())
	if err := cache.save(path); err != nil {
		return cache.Indicators, fmt.Errorf("hub indicators pulled but not cached: %w", err)
	}
	return cache.Indicators, nil
}

// StaleError is a pull that failed; the sensor goes on with the
// indicators of an earlier pull (Cached of them, pulled at Pulled), or
// without hub indicators when Cached is 0.
type StaleError struct {
	Err    error
	Cached int
	Pulled time.Time
}

func (e *StaleError) Error() string {
	if e.Cached > 0 {
		return fmt.Sprintf("%v; using the %d hub indicators pulled on %s", e.Err, e.Cached, e.Pulled.Format(time.RFC3339))
	}
	return fmt.Sprintf("%v; going on without hub indicators", e.Err)
}

func (e *StaleError) Unwrap() error { return e.Err }

func staleError(err error, cache pullCache) error {
	return &StaleError{Err: err, Cached: len(cache.Indicators), Pulled: cache.Pulled}
}

func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
