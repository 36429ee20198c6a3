// Package assess turns a party's answers to a questionnaire and the facts
// Vigie measured about it into a risk assessment: a score per group, the
// evidence behind each point, and a plan of actions in priority order, in
// French and English. It is pure: no I/O, no clock (the caller passes now),
// plain JSON-serialisable structs, so the hub can store the inputs and
// recompute the same figures at any time.
//
// The method is described in method.go's comment block below the package
// clause of this file; see the section "Method".
package assess
