package lookalike

import (
	_ "embed"
	"strings"
	"sync"

	"golang.org/x/net/idna"
)

// The Public Suffix List, embedded so that splitting a name into its
// registrable domain is a handful of map look-ups (x/net's table walk is
// five times slower, and the detector must keep up with Certificate
// Transparency streams).
//
//go:embed public_suffix_list.dat
var pslData string

const (
	ruleNormal    = 1 << iota // "co.uk"
	ruleWildcard              // "*.ck": every child is a suffix
	ruleException             // "!www.ck": not a suffix after all
	ruleInner                 // a suffix of some longer rule
)

var (
	pslOnce  sync.Once
	pslRules map[string]uint8
)

func loadPSL() {
	m := make(map[string]uint8, 12000)
	for _, line := range strings.Split(pslData, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		kind := uint8(ruleNormal)
		switch {
		case strings.HasPrefix(line, "*."):
			kind, line = ruleWildcard, line[2:]
		case strings.HasPrefix(line, "!"):
			kind, line = ruleException, line[1:]
		}
		if a, err := idna.ToASCII(line); err == nil {
			line = a
		}
		m[line] |= kind
		for i := strings.IndexByte(line, '.'); i >= 0; i = strings.IndexByte(line, '.') {
			line = line[i+1:]
			m[line] |= ruleInner
		}
	}
	pslRules = m
}

// publicSuffix returns the public suffix of a lower-case ASCII name,
// following the list's algorithm: the longest matching rule, exceptions
// first, and the last label when no rule matches.
func publicSuffix(s string) string {
	pslOnce.Do(loadPSL)
	best := strings.LastIndexByte(s, '.') + 1 // default rule "*"
	parent := ""
	for j := len(s); j > 0; {
		i := strings.LastIndexByte(s[:j-1], '.') + 1
		if j == len(s) {
			i = strings.LastIndexByte(s, '.') + 1
		}
		c := s[i:]
		k, ok := pslRules[c]
		if ok && k&ruleException != 0 {
			return parent
		}
		if ok && k&ruleNormal != 0 || parent != "" && pslRules[parent]&ruleWildcard != 0 {
			best = i
		}
		if !ok || i == 0 {
			break
		}
		parent = c
		j = i
	}
	return s[best:]
}

// registrable returns the registrable domain (public suffix plus one
// label) of a lower-case ASCII name, or "" when the name is a suffix.
func registrable(s string) (reg, suffix string) {
	suffix = publicSuffix(s)
	if len(suffix) >= len(s) {
		return "", suffix
	}
	rest := s[:len(s)-len(suffix)-1]
	return s[strings.LastIndexByte(rest, '.')+1:], suffix
}
