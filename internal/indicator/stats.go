package indicator

import "sort"

// Stats summarises a collection: what it holds and what was not kept.
type Stats struct {
	Indicators    int            `json:"indicators"`
	Informational int            `json:"informational"`
	ByType        map[string]int `json:"by_type"`
	ByTLP         map[string]int `json:"by_tlp"`
	ByThreat      map[string]int `json:"by_threat"`
	Threats       map[string]int `json:"threats_by_kind"`
	Problems      map[string]int `json:"problems_by_kind"`
	Skipped       map[string]int `json:"skipped_objects,omitempty"`
}

// ComputeStats counts c's indicators by type, TLP and threat, its threats
// by kind, and its problems by kind. Indicators with no TLP count under
// "none".
func ComputeStats(c *Collection) Stats {
	s := Stats{
		Indicators: len(c.Indicators),
		ByType:     map[string]int{}, ByTLP: map[string]int{}, ByThreat: map[string]int{},
		Threats: map[string]int{}, Problems: map[string]int{}, Skipped: c.Skipped,
	}
	for i := range c.Indicators {
		ind := &c.Indicators[i]
		s.ByType[string(ind.Type)]++
		tlp := string(ind.TLP)
		if tlp == "" {
			tlp = "none"
		}
		s.ByTLP[tlp]++
		for _, th := range ind.Threats {
			s.ByThreat[th]++
		}
		if ind.Informational {
			s.Informational++
		}
	}
	for _, t := range c.Threats {
		k := t.Kind
		if k == "" {
			k = "unknown"
		}
		s.Threats[k]++
	}
	for _, p := range c.Problems {
		s.Problems[p.Kind]++
	}
	return s
}

// Count is one key of a count map with its count.
type Count struct {
	Key string
	N   int
}

// Sorted returns the entries of m, largest count first, then by key.
func Sorted(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{k, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Key < out[j].Key
	})
	return out
}
