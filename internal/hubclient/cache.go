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

// PullCached pulls the changes since the cached cursor and merges them
// into the cache. When the hub cannot be reached it returns the cached
// indicators and an error saying how old they are.
func PullCached(ctx context.Context, hub *Client, path string) ([]indicator.Indicator, error) {
	var cache pullCache
	if data, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(data, &cache); err != nil {
			cache = pullCache{} // broken cache: pull everything again
		}
	}
	inds, expired, next, err := hub.Pull(ctx, cache.Cursor)
	if err != nil {
		if len(cache.Indicators) > 0 {
			return cache.Indicators, fmt.Errorf("%v; using the %d hub indicators pulled on %s", err, len(cache.Indicators), cache.Pulled.Format(time.RFC3339))
		}
		return nil, fmt.Errorf("%v; scanning without hub indicators", err)
	}
	byKey := map[string]int{}
	for i := range cache.Indicators {
		byKey[cache.Indicators[i].Identity()] = i
	}
	for _, ind := range inds {
		if i, ok := byKey[ind.Identity()]; ok {
			cache.Indicators[i] = ind
		} else {
			byKey[ind.Identity()] = len(cache.Indicators)
			cache.Indicators = append(cache.Indicators, ind)
		}
	}
	if len(expired) > 0 {
		gone := map[string]bool{}
		for _, k := range expired {
			gone[k] = true
		}
		kept := cache.Indicators[:0]
		for _, ind := range cache.Indicators {
			if !gone[ind.Identity()] {
				kept = append(kept, ind)
			}
		}
		cache.Indicators = kept
	}
	cache.Cursor, cache.Pulled = next, time.Now().UTC()
	if data, err := json.Marshal(cache); err == nil {
		if err := writeAtomic(path, data); err != nil {
			return cache.Indicators, fmt.Errorf("hub indicators pulled but not cached: %w", err)
		}
	}
	return cache.Indicators, nil
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
