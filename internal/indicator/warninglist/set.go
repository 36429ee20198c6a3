package warninglist

import (
	"embed"
	"errors"
	"net/netip"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/vigie-project/vigie/internal/indicator"
)

// Set is a group of lists indexed for fast matching: an exact map for
// string lists, a map of host names walked label by label for hostname
// lists, one map per prefix length for cidr lists; substring and regex
// lists (small in practice) are scanned. A Set is read-only once built and
// safe for concurrent use.
type Set struct {
	lists []*List
	str   map[string][]int32
	host  map[string][]int32
	sub   []subEntry
	re    []reEntry
	v4    []prefixIndex // by increasing prefix length
	v6    []prefixIndex
	any   typeMask // union of the lists' types
	// per index, the types some list in it applies to
	strMask, hostMask, cidrMask, subMask, reMask typeMask
}

type subEntry struct {
	s  string
	id int32
}

type reEntry struct {
	re *regexp.Regexp
	id int32
}

type prefixIndex struct {
	bits int
	m    map[netip.Addr][]int32
}

// NewSet indexes lists. When several lists match a value, Match names the
// first in this order.
func NewSet(lists ...*List) *Set {
	s := &Set{str: map[string][]int32{}, host: map[string][]int32{}}
	v4 := map[int]map[netip.Addr][]int32{}
	v6 := map[int]map[netip.Addr][]int32{}
	for _, l := range lists {
		if l == nil {
			continue
		}
		id := int32(len(s.lists))
		s.lists = append(s.lists, l)
		s.any |= l.types
		switch l.Type {
		case TypeString:
			s.strMask |= l.types
			for _, e := range l.Entries {
				s.str[e] = appendID(s.str[e], id)
			}
		case TypeHostname:
			s.hostMask |= l.types
			for _, e := range l.Entries {
				s.host[e] = appendID(s.host[e], id)
			}
		case TypeSubstring:
			s.subMask |= l.types
			for _, e := range l.Entries {
				s.sub = append(s.sub, subEntry{e, id})
			}
		case TypeRegex:
			s.reMask |= l.types
			for _, re := range l.regexes {
				s.re = append(s.re, reEntry{re, id})
			}
		case TypeCIDR:
			s.cidrMask |= l.types
			for _, p := range l.cidrs {
				m := v4
				if p.Addr().Is6() {
					m = v6
				}
				if m[p.Bits()] == nil {
					m[p.Bits()] = map[netip.Addr][]int32{}
				}
				m[p.Bits()][p.Addr()] = appendID(m[p.Bits()][p.Addr()], id)
			}
		}
	}
	s.v4, s.v6 = sortedIndex(v4), sortedIndex(v6)
	return s
}

func appendID(ids []int32, id int32) []int32 {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

func sortedIndex(m map[int]map[netip.Addr][]int32) []prefixIndex {
	out := make([]prefixIndex, 0, len(m))
	for b, mm := range m {
		out = append(out, prefixIndex{b, mm})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].bits < out[j].bits })
	return out
}

// Lists returns the lists of the set, in order.
func (s *Set) Lists() []*List {
	if s == nil {
		return nil
	}
	return append([]*List(nil), s.lists...)
}

// Merge returns a new Set with the lists of s followed by those of o.
func (s *Set) Merge(o *Set) *Set {
	return NewSet(append(s.Lists(), o.Lists()...)...)
}

// Match reports whether value, an indicator of type t in normalised form
// (see indicator.Normalize), is on one of the lists that apply to t, and
// names the first such list.
func (s *Set) Match(t indicator.Type, value string) (listName string, ok bool) {
	if s == nil || len(s.lists) == 0 {
		return "", false
	}
	m := maskOf(t)
	if s.any&m == 0 {
		return "", false
	}
	best := int32(-1)
	consider := func(ids []int32) {
		for _, id := range ids {
			if (best < 0 || id < best) && s.lists[id].types&m != 0 {
				best = id
			}
		}
	}
	lower := strings.ToLower(value)
	if s.strMask&m != 0 {
		if ids, ok := s.str[lower]; ok {
			consider(ids)
		}
	}
	if s.hostMask&m != 0 {
		if h := hostOf(t, lower); h != "" {
			for {
				if ids, ok := s.host[h]; ok {
					consider(ids)
				}
				dot := strings.IndexByte(h, '.')
				if dot < 0 {
					break
				}
				h = h[dot+1:]
			}
		}
	}
	if s.cidrMask&m != 0 {
		s.matchIP(t, lower, consider)
	}
	for _, e := range s.sub {
		if s.subMask&m == 0 {
			break
		}
		if (best < 0 || e.id < best) && s.lists[e.id].types&m != 0 && strings.Contains(lower, e.s) {
			best = e.id
		}
	}
	for _, e := range s.re {
		if s.reMask&m == 0 {
			break
		}
		if (best < 0 || e.id < best) && s.lists[e.id].types&m != 0 && e.re.MatchString(value) {
			best = e.id
		}
	}
	if best < 0 {
		return "", false
	}
	return s.lists[best].Name, true
}

func (s *Set) matchIP(t indicator.Type, v string, consider func([]int32)) {
	switch t {
	case indicator.IPv4, indicator.IPv6:
	case indicator.URL:
		h := hostOf(t, v)
		if h == "" {
			return
		}
		v = strings.Trim(h, "[]")
	default:
		return
	}
	var addr netip.Addr
	bits := -1
	if strings.IndexByte(v, '/') >= 0 {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return
		}
		addr, bits = p.Addr().Unmap(), p.Bits()
		if p.Addr().Is4In6() {
			bits -= 96
		}
	} else {
		a, err := netip.ParseAddr(v)
		if err != nil {
			return
		}
		addr = a.Unmap().WithZone("")
		bits = addr.BitLen()
	}
	idx := s.v4
	if addr.Is6() {
		idx = s.v6
	}
	for _, pi := range idx {
		if pi.bits > bits {
			break
		}
		p, err := addr.Prefix(pi.bits)
		if err != nil {
			continue
		}
		if ids, ok := pi.m[p.Addr()]; ok {
			consider(ids)
		}
	}
}

// hostOf is the host name a hostname list compares: the domain itself, a
// URL's host (without port), an e-mail address's domain.
func hostOf(t indicator.Type, v string) string {
	switch t {
	case indicator.URL:
		if i := strings.Index(v, "://"); i >= 0 {
			v = v[i+3:]
		}
		if i := strings.IndexAny(v, "/?#"); i >= 0 {
			v = v[:i]
		}
		if i := strings.LastIndexByte(v, '@'); i >= 0 {
			v = v[i+1:]
		}
		if strings.HasPrefix(v, "[") {
			if i := strings.IndexByte(v, ']'); i >= 0 {
				return v[:i+1]
			}
			return v
		}
		if i := strings.LastIndexByte(v, ':'); i >= 0 {
			v = v[:i]
		}
		return strings.TrimSuffix(v, ".")
	case indicator.Email:
		if i := strings.LastIndexByte(v, '@'); i >= 0 {
			return v[i+1:]
		}
		return ""
	}
	return strings.TrimSuffix(v, ".")
}

// Apply removes from c every indicator on a list of s and records each as
// a ProblemWarninglist naming the list. It returns how many were removed.
func Apply(c *indicator.Collection, s *Set) int {
	if c == nil || s == nil || len(s.lists) == 0 {
		return 0
	}
	out := c.Indicators[:0]
	removed := 0
	for _, ind := range c.Indicators {
		name, ok := s.Match(ind.Type, ind.Value)
		if !ok {
			out = append(out, ind)
			continue
		}
		removed++
		input := ind.Source
		if input == "" {
			input = "import"
		}
		where := ""
		if ind.ID != "" {
			where = "indicator " + ind.ID
		}
		c.Problems = append(c.Problems, indicator.Problem{
			Input:  input,
			Where:  where,
			Kind:   indicator.ProblemWarninglist,
			Value:  indicator.Shorten(ind.Value),
			Reason: "on warning list '" + name + "'",
		})
	}
	clear(c.Indicators[len(out):])
	c.Indicators = out
	return removed
}

//go:embed builtin/*.json
var builtinFS embed.FS

var (
	builtinOnce sync.Once
	builtinSet  *Set
	builtinErr  error
)

// Builtin returns Vigie's built-in lists (see the package documentation).
// The Set is shared; do not modify its lists.
func Builtin() *Set {
	builtinOnce.Do(func() {
		builtinSet, builtinErr = loadBuiltin()
	})
	return builtinSet
}

func loadBuiltin() (*Set, error) {
	entries, err := builtinFS.ReadDir("builtin")
	if err != nil {
		return NewSet(), err
	}
	var lists []*List
	var errs []error
	for _, e := range entries {
		name := path.Join("builtin", e.Name())
		f, err := builtinFS.Open(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		l, err := Parse(f, name)
		f.Close()
		if err != nil {
			errs = append(errs, err)
		}
		if l != nil {
			lists = append(lists, l)
		}
	}
	return NewSet(lists...), errors.Join(errs...)
}
