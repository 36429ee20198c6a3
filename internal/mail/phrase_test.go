package mail

import "testing"

// TestBuiltinPhrasesExpand expands every built-in phrase set, as the first
// message would: a family that does not expand panics here, not in a
// running milter.
func TestBuiltinPhrasesExpand(t *testing.T) {
	if len(builtinPhrases) == 0 {
		t.Fatalf("%d built-in phrase sets registered", len(builtinPhrases))
	}
	for i, ps := range builtinPhrases {
		ps.match(nil)
		if len(ps.names) != len(ps.families) || len(ps.multi)+len(ps.single) == 0 {
			t.Errorf("set %d: %d families, %d names, %d phrases", i, len(ps.families), len(ps.names), len(ps.multi)+len(ps.single))
		}
	}
}
