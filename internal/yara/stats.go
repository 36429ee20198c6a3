package yara

// Stats describes a compiled rule set, for `vigie yara -S`.
type Stats struct {
	Rules    int // rules, private ones included
	Strings  int // strings of all rules
	Patterns int // search patterns (a string gives several: ascii and wide forms, xor keys ...)
	Atoms    int // entries of the atom index that triggers pattern verification
	NoAtom   int // patterns verified at every offset (no usable atom)
}

// Stats returns the statistics of r.
func (r *Rules) Stats() Stats {
	s := Stats{Rules: len(r.rules), Strings: len(r.strs), Patterns: len(r.pats), NoAtom: len(r.noAtom)}
	if r.index != nil {
		s.Atoms = r.index.count
	}
	return s
}

// RuleOverStrings returns the first rule (namespace and name) declaring
// more than limit strings: libyara refuses such a rule (its
// max-strings-per-rule setting, 10,000 by default).
func (r *Rules) RuleOverStrings(limit int) (ns, name string, n int, over bool) {
	for _, ru := range r.rules {
		if len(ru.strs) > limit {
			return ru.namespace, ru.def.name, len(ru.strs), true
		}
	}
	return "", "", 0, false
}
