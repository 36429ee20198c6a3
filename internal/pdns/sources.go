package pdns

import (
	"fmt"
	"os"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/formats"
	"github.com/vigie-project/vigie/internal/indicator/pack"
	"github.com/vigie-project/vigie/internal/lookalike"
)

// Sources are the lists a policy is built from. Build reads them all
// again, so that a reload (SIGHUP, a hub pull) sees every file as it is
// now.
type Sources struct {
	RPZ        []string // Response Policy Zone files, in precedence order
	Blocklists []string // plain lists
	IOCFiles   []string // indicator files in any format `vigie indicators` reads
	Builtin    bool     // the built-in pack of public APT28 indicators
	// Hub holds the indicators pulled from the hub (by the caller).
	Hub []indicator.Indicator
	// Protect lists the party's own domains: their look-alikes are
	// blocked, they and their sub-domains are always allowed.
	Protect []string
	// Providers also protects the big mail and cloud providers
	// (lookalike.Providers) with every domain they really own.
	Providers bool
	// Lenient skips malformed list lines (counted in the reports) instead
	// of refusing the file.
	Lenient bool
}

// Build reads every source into a new policy.
func (s *Sources) Build(now time.Time) (*Policy, []LoadReport, error) {
	// Size the map once: a list line is about 20 bytes.
	var size int64
	for _, f := range append(append([]string(nil), s.RPZ...), s.Blocklists...) {
		if fi, err := os.Stat(f); err == nil {
			size += fi.Size()
		}
	}
	b := NewBuilder(int(min(size/20, 50_000_000)))
	var reports []LoadReport
	var owners []lookalike.Owner
	if len(s.Protect) > 0 {
		owners = append(owners, lookalike.Owner{Name: "the party", Domains: s.Protect, TLDSwap: true})
	}
	if s.Providers {
		owners = append(owners, lookalike.Providers...)
	}
	if err := b.AllowOwners(owners); err != nil {
		return nil, nil, fmt.Errorf("--protect: %w", err)
	}
	for _, f := range s.RPZ {
		r, err := readList(f, func(fh *os.File) (LoadReport, error) { return b.AddRPZ(f, fh, "", s.Lenient) })
		if err != nil {
			return nil, nil, fmt.Errorf("--rpz: %w", err)
		}
		reports = append(reports, r)
	}
	var inds []*indicator.Indicator
	if s.Builtin {
		c, err := pack.Load()
		if err != nil {
			return nil, nil, err
		}
		for i := range c.Indicators {
			inds = append(inds, &c.Indicators[i])
		}
		if _, err := b.AddIndicators("built-in APT28 pack", inds, now); err != nil {
			return nil, nil, err
		}
	}
	for _, f := range s.IOCFiles {
		c, _, err := formats.Read(f, "", nil, indicator.ReadOptions{Lenient: s.Lenient})
		if err != nil {
			return nil, nil, fmt.Errorf("--iocs %s: %w", f, err)
		}
		ptrs := make([]*indicator.Indicator, len(c.Indicators))
		for i := range c.Indicators {
			ptrs[i] = &c.Indicators[i]
		}
		n, err := b.AddIndicators(f, ptrs, now)
		if err != nil {
			return nil, nil, err
		}
		reports = append(reports, LoadReport{File: f, Names: n})
	}
	if len(s.Hub) > 0 {
		ptrs := make([]*indicator.Indicator, len(s.Hub))
		for i := range s.Hub {
			ptrs[i] = &s.Hub[i]
		}
		n, err := b.AddIndicators("hub", ptrs, now)
		if err != nil {
			return nil, nil, err
		}
		reports = append(reports, LoadReport{File: "hub", Names: n})
	}
	for _, f := range s.Blocklists {
		r, err := readList(f, func(fh *os.File) (LoadReport, error) { return b.AddBlocklist(f, fh, s.Lenient) })
		if err != nil {
			return nil, nil, fmt.Errorf("--blocklist: %w", err)
		}
		reports = append(reports, r)
	}
	return b.Policy(), reports, nil
}

func readList(name string, read func(*os.File) (LoadReport, error)) (LoadReport, error) {
	f, err := os.Open(name)
	if err != nil {
		return LoadReport{File: name}, err
	}
	defer f.Close()
	return read(f)
}
