package misp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/safejson"
)

// FeedOptions set how BuildFeed groups indicators into events.
type FeedOptions struct {
	EncodeOptions
	// GroupBy chooses the events: GroupThreat (the default) makes one
	// event per source and first threat, GroupSource one per source,
	// GroupNone a single event.
	GroupBy string
}

// Grouping choices for FeedOptions.GroupBy.
const (
	GroupThreat = "threat"
	GroupSource = "source"
	GroupNone   = "none"
)

// MaxFeedEvents bounds the events a feed manifest may list.
const MaxFeedEvents = 100_000

// ReadFeed reads a MISP feed directory: manifest.json, the <uuid>.json event
// files it lists, and hashes.csv if present. hashes.csv must list, for
// each event, the MD5 of every attribute value (composite values split at
// '|'), as MISP and PyMISP write it; a difference is recorded as a
// ProblemMalformed naming the event (it does not stop the read: the events
// themselves are intact).
func ReadFeed(dir string, opts indicator.ReadOptions) (*indicator.Collection, error) {
	return readFeed(os.DirFS(dir), dir, opts)
}

// readFeed reads the feed in fsys; dir names it in messages.
func readFeed(fsys fs.FS, dir string, opts indicator.ReadOptions) (*indicator.Collection, error) {
	opts = opts.Limits()
	mpath := filepath.Join(dir, "manifest.json")
	data, err := readFile(fsys, "manifest.json", mpath, opts.MaxBytes)
	if err != nil {
		return nil, err
	}
	uuids, err := parseManifest(data, mpath, opts.MaxDepth)
	if err != nil {
		return nil, err
	}
	c := &indicator.Collection{}
	hashes := map[string][]string{}
	var order []string
	for _, u := range uuids {
		epath := filepath.Join(dir, u+".json")
		eopts := opts
		eopts.Name = epath
		eopts.MaxItems = opts.MaxItems - len(c.Indicators)
		data, err := readFile(fsys, u+".json", epath, opts.MaxBytes)
		if err != nil {
			if err := opts.Report(c, indicator.Problem{Input: mpath, Where: "event " + u, Reason: "listed in the manifest but unreadable: " + err.Error()}); err != nil {
				return nil, err
			}
			continue
		}
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if err := safejson.CheckDepth(data, epath, opts.MaxDepth); err != nil {
			return nil, err
		}
		d := &decoder{opts: eopts, c: &indicator.Collection{}, hashes: map[string][]string{}}
		if err := d.document(data, 0); err != nil {
			if p, ok := err.(indicator.Problem); ok {
				return nil, p
			}
			if !opts.Lenient {
				return nil, err
			}
			c.Problems = append(c.Problems, indicator.Problem{Input: epath, Kind: indicator.ProblemMalformed, Reason: err.Error()})
			continue
		}
		if len(d.eventUUIDs) != 1 || !strings.EqualFold(d.eventUUIDs[0], u) {
			got := strings.Join(d.eventUUIDs, ", ")
			if got == "" {
				got = "none"
			}
			if err := opts.Report(c, indicator.Problem{Input: epath, Where: "event " + u, Reason: "the file should hold the one event the manifest names, it holds: " + got}); err != nil {
				return nil, err
			}
		}
		for ev, hs := range d.hashes {
			hashes[strings.ToLower(ev)] = append(hashes[strings.ToLower(ev)], hs...)
		}
		order = append(order, u)
		c.Merge(d.c)
	}
	hpath := filepath.Join(dir, "hashes.csv")
	if hdata, err := readFile(fsys, "hashes.csv", hpath, opts.MaxBytes); err == nil {
		checkHashes(c, hpath, hdata, order, hashes)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return c, nil
}

func readFile(fsys fs.FS, name, path string, max int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	return safejson.ReadAll(f, path, max)
}

// parseManifest returns the event uuids a manifest lists, sorted. Every
// key must be a UUID: the reader opens <uuid>.json, and a key such as
// "../../etc/passwd" must not name a file.
func parseManifest(data []byte, name string, maxDepth int) ([]string, error) {
	var m map[string]json.RawMessage
	if err := safejson.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), name, maxDepth, &m); err != nil {
		return nil, fmt.Errorf("MISP feed manifest: %w", err)
	}
	if m == nil {
		return nil, fmt.Errorf("%s: MISP feed manifest: want an object of event uuids, found null", name)
	}
	if len(m) > MaxFeedEvents {
		return nil, fmt.Errorf("%s: MISP feed manifest lists %d events, more than the %d allowed", name, len(m), MaxFeedEvents)
	}
	uuids := make([]string, 0, len(m))
	for k, v := range m {
		if !isUUID(k) {
			return nil, fmt.Errorf("%s: MISP feed manifest: key %q is not an event uuid", name, indicator.Shorten(k))
		}
		if t := bytes.TrimSpace(v); len(t) == 0 || t[0] != '{' {
			return nil, fmt.Errorf("%s: MISP feed manifest: event %s: want an object, found %s", name, k, shortJSON(t))
		}
		uuids = append(uuids, k)
	}
	sort.Strings(uuids)
	return uuids, nil
}

// checkHashes compares hashes.csv with the MD5s of the events read.
func checkHashes(c *indicator.Collection, name string, data []byte, events []string, want map[string][]string) {
	listed := map[string]map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 4096), 1<<20)
	line := 0
	bad := 0
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		if l == "" {
			continue
		}
		h, ev, ok := strings.Cut(l, ",")
		h, ev = strings.ToLower(strings.TrimSpace(h)), strings.ToLower(strings.TrimSpace(ev))
		if !ok || len(h) != 32 || !isHexLower(h) || !isUUID(ev) {
			bad++
			if bad <= 20 {
				c.Problems = append(c.Problems, indicator.Problem{Input: name, Where: fmt.Sprintf("line %d", line), Kind: indicator.ProblemMalformed, Value: indicator.Shorten(l), Reason: "want \"<md5>,<event uuid>\""})
			}
			continue
		}
		if listed[ev] == nil {
			listed[ev] = map[string]bool{}
		}
		listed[ev][h] = true
	}
	if err := sc.Err(); err != nil {
		c.Problems = append(c.Problems, indicator.Problem{Input: name, Where: fmt.Sprintf("line %d", line+1), Kind: indicator.ProblemMalformed, Reason: err.Error()})
	}
	if bad > 20 {
		c.Problems = append(c.Problems, indicator.Problem{Input: name, Kind: indicator.ProblemMalformed, Reason: fmt.Sprintf("%d malformed lines in all", bad)})
	}
	for _, ev := range events {
		ev = strings.ToLower(ev)
		got := listed[ev]
		wantSet := map[string]bool{}
		for _, h := range want[ev] {
			wantSet[h] = true
		}
		missing, extra := 0, 0
		for h := range wantSet {
			if !got[h] {
				missing++
			}
		}
		for h := range got {
			if !wantSet[h] {
				extra++
			}
		}
		delete(listed, ev)
		if missing > 0 || extra > 0 {
			c.Problems = append(c.Problems, indicator.Problem{Input: name, Where: "event " + ev, Kind: indicator.ProblemMalformed,
				Reason: fmt.Sprintf("hashes.csv does not match the event: %d attribute values not listed, %d listed hashes not in the event", missing, extra)})
		}
	}
	if len(listed) > 0 {
		evs := make([]string, 0, len(listed))
		for ev := range listed {
			evs = append(evs, ev)
		}
		sort.Strings(evs)
		c.Problems = append(c.Problems, indicator.Problem{Input: name, Where: "event " + evs[0], Kind: indicator.ProblemMalformed,
			Reason: fmt.Sprintf("hashes.csv lists %d events that are not in the manifest", len(evs))})
	}
}

func isHexLower(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// BuildFeed returns the files of a static MISP feed holding c, by name:
// manifest.json, one <uuid>.json per event, and hashes.csv, in the form
// MISP and PyMISP's feed generator write them (manifest and events as
// Python's json.dump, hashes.csv as "<md5 of value>,<event uuid>" lines).
//
// Indicators are grouped into events by FeedOptions.GroupBy. With the
// default, one event per (Source, first threat): "APT28 from ANSSI", and
// one per source for indicators with no threat. An event's uuid is a
// version 5 UUID of its grouping key (and Namespace), so that exporting
// again updates the same events instead of publishing new ones.
func BuildFeed(c *indicator.Collection, opts FeedOptions) (map[string][]byte, error) {
	opts.EncodeOptions = opts.EncodeOptions.withDefaults()
	type group struct {
		source, threat string
		inds           []*indicator.Indicator
	}
	groups := map[string]*group{}
	for i := range c.Indicators {
		ind := &c.Indicators[i]
		source, threat := ind.Source, ""
		if source == "" {
			source = opts.Org
		}
		switch opts.GroupBy {
		case "", GroupThreat:
			if len(ind.Threats) > 0 {
				threat = ind.Threats[0]
				if t, ok := c.Threat(threat); ok {
					threat = t.Name
				}
			}
		case GroupSource:
		case GroupNone:
			source = opts.Org
		default:
			return nil, fmt.Errorf("MISP feed: unknown grouping %q (want %s, %s or %s)", opts.GroupBy, GroupThreat, GroupSource, GroupNone)
		}
		key := strings.ToLower(source) + "\x00" + strings.ToLower(threat)
		g := groups[key]
		if g == nil {
			g = &group{source: source, threat: threat}
			groups[key] = g
		}
		g.inds = append(g.inds, ind)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	files := make(map[string][]byte, len(keys)+2)
	manifest := obj{}
	var hashes bytes.Buffer
	for _, k := range keys {
		g := groups[k]
		info := opts.Info
		if opts.GroupBy != GroupNone {
			if g.threat != "" {
				info += ": " + g.threat
			}
			info += " (" + g.source + ")"
		}
		uuid := uuid5("feed-event|" + opts.Namespace + "|" + k)
		b, err := buildEvent(c, g.inds, eventMeta{uuid: uuid, info: info, org: g.source}, opts.EncodeOptions)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		writePy(&buf, obj{{"Event", b.event}}, 0, 0)
		files[uuid+".json"] = buf.Bytes()
		manifest = manifest.add(uuid, b.manifest)
		for _, h := range b.hashes {
			hashes.WriteString(h)
			hashes.WriteByte(',')
			hashes.WriteString(uuid)
			hashes.WriteByte('\n')
		}
	}
	var mbuf bytes.Buffer
	writePy(&mbuf, manifest, 0, 0)
	files["manifest.json"] = mbuf.Bytes()
	files["hashes.csv"] = hashes.Bytes()
	return files, nil
}

// WriteFeed writes BuildFeed's files into dir, creating it if needed. Each
// file is written to a temporary name and renamed, so that a MISP instance
// fetching the feed meanwhile never reads half a file. Event files of an
// earlier export that are no longer in the manifest are left in place
// (MISP only fetches what the manifest lists).
func WriteFeed(dir string, c *indicator.Collection, opts FeedOptions) error {
	files, err := BuildFeed(c, opts)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("MISP feed: %w", err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	// Events first, the manifest last: a reader never sees a manifest
	// naming an event not yet written.
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "manifest.json") != (names[j] == "manifest.json") {
			return names[j] == "manifest.json"
		}
		return names[i] < names[j]
	})
	for _, n := range names {
		if err := writeAtomic(filepath.Join(dir, n), files[n]); err != nil {
			return fmt.Errorf("MISP feed: %w", err)
		}
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".vigie-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
