package ctlog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// API is the interface a log serves.
type API string

const (
	// RFC6962 is the classic API: get-sth, get-entries, get-sth-consistency,
	// get-proof-by-hash under <url>/ct/v1/.
	RFC6962 API = "rfc6962"
	// Static is c2sp.org/static-ct-api: a signed checkpoint, Merkle tiles
	// and data tiles served as files.
	Static API = "static"
)

// State is where a follower stopped in one log; saved between polls and
// runs, so that a restart resumes.
type State struct {
	URL  string `json:"url"`
	API  API    `json:"api"`
	Next uint64 `json:"next"` // the next entry to read
	// Frontier is the compact tree of entries [0, Next) when known
	// (following from the start, or from a checkpoint with the static
	// API); nil when the follower started in the middle of an RFC 6962 log.
	Frontier *Frontier `json:"frontier,omitempty"`
	STH      *STH      `json:"sth,omitempty"` // the last verified tree head
	Entries  uint64    `json:"entries"`       // entries read
	Bad      uint64    `json:"malformed"`     // malformed entries skipped
	// Untrusted is set when the log contradicted itself; a follower does
	// not read an untrusted log again.
	Untrusted string `json:"untrusted,omitempty"`
}

// Follower reads a log's new entries, verifies them against its signed
// tree heads and passes on those a caller wants.
type Follower struct {
	URL string
	API API
	// Origin is a static log's name on its checkpoints
	// ("rome.ct.example/2026h1"); empty accepts the checkpoint's own.
	Origin   string
	Verifier *Verifier
	HTTP     *http.Client
	// Batch is the number of entries asked per get-entries (default 256).
	Batch int
	// MaxPerPoll bounds the entries read by one Poll (default 1,000,000).
	MaxPerPoll uint64
	// MaxResponse bounds one HTTP response (default 32 MiB).
	MaxResponse int64
}

// PollResult says what one Poll did.
type PollResult struct {
	STH       STH
	Read      uint64 // entries read
	Malformed uint64 // entries skipped as malformed
	Matched   int    // entries passed to the callback
}

func (f *Follower) defaults() {
	if f.HTTP == nil {
		f.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if f.Batch <= 0 {
		f.Batch = 256
	}
	if f.MaxPerPoll == 0 {
		f.MaxPerPoll = 1_000_000
	}
	if f.MaxResponse <= 0 {
		f.MaxResponse = 32 << 20
	}
}

// Poll reads the entries appended since st.Next, up to the log's current
// signed tree head. want chooses the entries of interest; those are
// passed to fn only once proven to be in the signed tree. A log that
// contradicts itself returns an error wrapping ErrUntrusted and marks st.
// A new state (Next 0, no STH) starts at the current end of the log, or
// at the start when fromStart is set.
func (f *Follower) Poll(ctx context.Context, st *State, fromStart bool, want func(*Entry) bool, fn func(Entry) error) (PollResult, error) {
	f.defaults()
	var res PollResult
	if st.Untrusted != "" {
		return res, fmt.Errorf("%w: %s", ErrUntrusted, st.Untrusted)
	}
	st.URL, st.API = f.URL, f.API
	fail := func(err error) (PollResult, error) {
		if errors.Is(err, ErrUntrusted) {
			st.Untrusted = err.Error()
		}
		return res, fmt.Errorf("log %s: %w", f.URL, err)
	}
	sth, err := f.head(ctx)
	if err != nil {
		return fail(err)
	}
	res.STH = sth
	// the new head must extend the last verified one
	if st.STH != nil {
		if err := f.consistent(ctx, *st.STH, sth); err != nil {
			return fail(err)
		}
	}
	if st.STH == nil && st.Next == 0 {
		if fromStart {
			st.Frontier = &Frontier{}
		} else {
			st.Next = sth.TreeSize
			st.Frontier = nil
			if f.API == Static {
				fr, err := f.tileFrontier(ctx, sth)
				if err != nil {
					return fail(err)
				}
				st.Frontier = fr
			}
		}
	}
	end := sth.TreeSize
	if end > st.Next+f.MaxPerPoll {
		end = st.Next + f.MaxPerPoll
	}
	var pending []Entry
	collect := func(e Entry, perr error) error {
		res.Read++
		st.Entries++
		if st.Frontier != nil {
			st.Frontier.Append(e.LeafHash)
		}
		if perr != nil {
			res.Malformed++
			st.Bad++
			return nil
		}
		if want(&e) {
			pending = append(pending, e)
		}
		return nil
	}
	if f.API == Static {
		err = f.readTiles(ctx, st.Next, end, sth.TreeSize, collect)
	} else {
		err = f.readEntries(ctx, st.Next, end, collect)
	}
	if err != nil {
		return fail(err)
	}
	st.Next = end
	how := ""
	if end == sth.TreeSize && st.Frontier.valid() && st.Frontier.Size == end {
		if st.Frontier.Root() != sth.RootHash {
			return fail(fmt.Errorf("%w: the entries served do not hash to the signed tree head of size %d", ErrUntrusted, sth.TreeSize))
		}
		how = "tree"
	}
	for _, e := range pending {
		e.Verified = how
		if how == "" && f.API == RFC6962 {
			if err := f.proveInclusion(ctx, e, sth); err != nil {
				return fail(err)
			}
			e.Verified = "inclusion"
		}
		res.Matched++
		if err := fn(e); err != nil {
			return res, err
		}
	}
	if end == sth.TreeSize {
		st.STH = &sth
	}
	return res, nil
}

func (f *Follower) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	u := strings.TrimSuffix(f.URL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.MaxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if int64(len(body)) > f.MaxResponse {
		return nil, fmt.Errorf("GET %s: response larger than %d bytes", path, f.MaxResponse)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return body, nil
}

func (f *Follower) head(ctx context.Context) (STH, error) {
	if f.API == Static {
		b, err := f.get(ctx, "/checkpoint", nil)
		if err != nil {
			return STH{}, err
		}
		return f.Verifier.ParseCheckpoint(b, f.Origin)
	}
	b, err := f.get(ctx, "/ct/v1/get-sth", nil)
	if err != nil {
		return STH{}, err
	}
	var j struct {
		TreeSize  uint64 `json:"tree_size"`
		Timestamp uint64 `json:"timestamp"`
		Root      []byte `json:"sha256_root_hash"`
		Sig       []byte `json:"tree_head_signature"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return STH{}, fmt.Errorf("get-sth: %w", err)
	}
	if len(j.Root) != 32 {
		return STH{}, fmt.Errorf("get-sth: root hash of %d bytes", len(j.Root))
	}
	s := STH{TreeSize: j.TreeSize, Timestamp: j.Timestamp, Signature: j.Sig}
	copy(s.RootHash[:], j.Root)
	if err := f.Verifier.VerifySTH(s); err != nil {
		return s, err
	}
	return s, nil
}

// consistent checks that newer extends older.
func (f *Follower) consistent(ctx context.Context, older, newer STH) error {
	switch {
	case newer.TreeSize < older.TreeSize:
		return fmt.Errorf("%w: the tree shrank from %d to %d entries", ErrUntrusted, older.TreeSize, newer.TreeSize)
	case newer.TreeSize == older.TreeSize:
		if newer.RootHash != older.RootHash {
			return fmt.Errorf("%w: two signed roots for the tree of %d entries (a fork)", ErrUntrusted, newer.TreeSize)
		}
		return nil
	case older.TreeSize == 0:
		return nil
	}
	if f.API == Static {
		// tiles are immutable: the old root recomputed from the new
		// tree's tiles must be the old signed root
		r, err := f.tileRoot(ctx, older.TreeSize, newer.TreeSize)
		if err != nil {
			return err
		}
		if r != older.RootHash {
			return fmt.Errorf("%w: the tree of %d entries does not extend the one of %d entries", ErrUntrusted, newer.TreeSize, older.TreeSize)
		}
		return nil
	}
	b, err := f.get(ctx, "/ct/v1/get-sth-consistency", url.Values{"first": {strconv.FormatUint(older.TreeSize, 10)}, "second": {strconv.FormatUint(newer.TreeSize, 10)}})
	if err != nil {
		return err
	}
	var j struct {
		Consistency [][]byte `json:"consistency"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("get-sth-consistency: %w", err)
	}
	proof, err := hashes(j.Consistency)
	if err != nil {
		return err
	}
	if err := VerifyConsistency(older.TreeSize, newer.TreeSize, older.RootHash, newer.RootHash, proof); err != nil {
		return fmt.Errorf("%w: %v", ErrUntrusted, err)
	}
	return nil
}

func hashes(in [][]byte) ([]Hash, error) {
	if len(in) > 128 {
		return nil, fmt.Errorf("proof of %d hashes", len(in))
	}
	out := make([]Hash, len(in))
	for i, h := range in {
		if len(h) != 32 {
			return nil, fmt.Errorf("proof hash of %d bytes", len(h))
		}
		copy(out[i][:], h)
	}
	return out, nil
}

func (f *Follower) readEntries(ctx context.Context, start, end uint64, fn func(Entry, error) error) error {
	for start < end {
		last := min(end, start+uint64(f.Batch)) - 1
		b, err := f.get(ctx, "/ct/v1/get-entries", url.Values{"start": {strconv.FormatUint(start, 10)}, "end": {strconv.FormatUint(last, 10)}})
		if err != nil {
			return err
		}
		var j struct {
			Entries []struct {
				Leaf  []byte `json:"leaf_input"`
				Extra []byte `json:"extra_data"`
			} `json:"entries"`
		}
		if err := json.Unmarshal(b, &j); err != nil {
			return fmt.Errorf("get-entries %d-%d: %w", start, last, err)
		}
		if len(j.Entries) == 0 {
			return fmt.Errorf("get-entries %d-%d: no entries although the signed tree has %d", start, last, end)
		}
		if uint64(len(j.Entries)) > last-start+1 {
			return fmt.Errorf("get-entries %d-%d: %d entries, more than asked", start, last, len(j.Entries))
		}
		for _, le := range j.Entries {
			e, perr := ParseLeaf(start, le.Leaf)
			if err := fn(e, perr); err != nil {
				return err
			}
			start++
		}
	}
	return nil
}

func (f *Follower) proveInclusion(ctx context.Context, e Entry, sth STH) error {
	b, err := f.get(ctx, "/ct/v1/get-proof-by-hash", url.Values{"hash": {base64.StdEncoding.EncodeToString(e.LeafHash[:])}, "tree_size": {strconv.FormatUint(sth.TreeSize, 10)}})
	if err != nil {
		return err
	}
	var j struct {
		Index uint64   `json:"leaf_index"`
		Path  [][]byte `json:"audit_path"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("get-proof-by-hash: %w", err)
	}
	proof, err := hashes(j.Path)
	if err != nil {
		return err
	}
	if j.Index != e.Index {
		return fmt.Errorf("%w: entry %d is proven at index %d", ErrUntrusted, e.Index, j.Index)
	}
	if err := VerifyInclusion(j.Index, sth.TreeSize, e.LeafHash, proof, sth.RootHash); err != nil {
		return fmt.Errorf("%w: %v", ErrUntrusted, err)
	}
	return nil
}
