package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/mail/model"
)

// HubModelFile is where a sensor keeps the mail model the agency hands out
// through the hub, in its state directory; HubModelFile+".json" holds its
// version, digest and ETag. A party's own model (ModelFile, written by
// `vigie mail learn`, which starts from the agency's) comes first.
const HubModelFile = "hub-mail-model.bin"

type hubModelMeta struct {
	Version int64  `json:"version"`
	SHA256  string `json:"sha256"`
	ETag    string `json:"etag"`
}

// ModelFollower keeps a sensor on the agency's mail model: it pulls the
// hub's model on an interval with If-None-Match (an unchanged model costs
// one small answer), checks the file (its SHA-256 against the hub's
// digest, its format, that it was trained on both kinds of mail), writes
// it to the state directory through a temporary file and hands it to
// Apply, which swaps it in at once. A model that fails a check is refused
// with an error saying why, and the model in force stays.
type ModelFollower struct {
	Client *hubclient.Client
	// StateDir is where HubModelFile is kept ("" keeps nothing on disk).
	StateDir string
	// Interval between pulls (default 1 hour), with ±10 % jitter; after
	// failures the wait doubles up to 6 hours.
	Interval time.Duration
	// Apply receives each new model (not called when unchanged).
	Apply func(m *model.Model)
	// Logger receives what happens (default: discarded).
	Logger *slog.Logger

	mu       sync.Mutex
	loaded   bool
	meta     hubModelMeta
	failures int
}

// Version returns the version of the hub's model last applied or found on
// disk (0 when none).
func (f *ModelFollower) Version() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.meta.Version
}

func (f *ModelFollower) metaPath() string {
	return filepath.Join(f.StateDir, HubModelFile+".json")
}

// Sync pulls once. It returns the new model when the hub's differs from
// the one kept (nil when unchanged or when the hub has none:
// hubclient.ErrNoMailModel), after handing it to Apply.
func (f *ModelFollower) Sync(ctx context.Context) (*model.Model, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Logger == nil {
		f.Logger = slog.New(slog.DiscardHandler)
	}
	if !f.loaded && f.StateDir != "" {
		f.loaded = true
		// the ETag of the file on disk, if the file is still good: a
		// restart does not download an unchanged model again
		if b, err := os.ReadFile(f.metaPath()); err == nil {
			var m hubModelMeta
			if json.Unmarshal(b, &m) == nil {
				if _, err := model.Load(filepath.Join(f.StateDir, HubModelFile)); err == nil {
					f.meta = m
				}
			}
		}
	}
	got, err := f.Client.PullMailModel(ctx, f.meta.ETag)
	if err != nil {
		f.failures++
		return nil, err
	}
	f.failures = 0
	if got.NotModified {
		return nil, nil
	}
	m, err := model.Decode(got.Data)
	if err == nil {
		err = m.Vet()
	}
	if err != nil {
		f.failures++
		return nil, fmt.Errorf("mail model version %d from the hub refused, the model in force stays: %w", got.Version, err)
	}
	if f.StateDir != "" {
		if err := os.MkdirAll(f.StateDir, 0o700); err != nil {
			return nil, fmt.Errorf("mail model from the hub: %w", err)
		}
		if err := m.Save(filepath.Join(f.StateDir, HubModelFile)); err != nil {
			return nil, fmt.Errorf("mail model from the hub: %w", err)
		}
	}
	f.meta = hubModelMeta{Version: got.Version, SHA256: got.SHA256, ETag: got.ETag}
	if f.StateDir != "" {
		b, _ := json.Marshal(f.meta)
		if err := os.WriteFile(f.metaPath(), b, 0o600); err != nil {
			f.Logger.Warn("mail model: its version could not be kept; it will be downloaded again", "err", err)
		}
	}
	if f.Apply != nil {
		f.Apply(m)
	}
	f.Logger.Info("mail model from the hub in force", "version", got.Version, "sha256", got.SHA256)
	return m, nil
}

// Run syncs until ctx ends, then returns ctx's error. Errors are logged;
// the model in force stays.
func (f *ModelFollower) Run(ctx context.Context) error {
	every := f.Interval
	if every <= 0 {
		every = time.Hour
	}
	for {
		if _, err := f.Sync(ctx); err != nil && !errors.Is(err, hubclient.ErrNoMailModel) && ctx.Err() == nil {
			f.Logger.Warn("mail model: pull from the hub failed; the model in force stays", "err", err)
		}
		f.mu.Lock()
		wait := every << min(f.failures, 8)
		f.mu.Unlock()
		wait = min(wait, max(6*time.Hour, every))
		wait = time.Duration(float64(wait) * (0.9 + 0.2*rand.Float64()))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}
