package mail

import "testing"

// TestPhraseKeyFilters: every key of every phrase set, built-in and
// brand, passes its set's bit filter (a filter may let a non-key through,
// never stop a key), so the filters change no match.
func TestPhraseKeyFilters(t *testing.T) {
	a := testAnalyzer(t, Options{})
	sets := append([]*phraseSet(nil), builtinPhrases...)
	for _, b := range a.brands {
		sets = append(sets, b.ps)
	}
	n := 0
	for _, ps := range sets {
		ps.once.Do(ps.build)
		for k := range ps.multi {
			if !ps.multiBits.has(k) {
				t.Errorf("multi key %q not in the filter", k)
			}
			n++
		}
		for k := range ps.single {
			if !ps.singleBits.has(k) {
				t.Errorf("single key %q not in the filter", k)
			}
			n++
		}
	}
	if n < 500 {
		t.Errorf("only %d keys checked", n)
	}
	// and the filter leaves out most words
	var f keyFilter
	f.add("password")
	out := 0
	for _, w := range tokenize(newsletterHTML, 5000) {
		if w != "password" && !f.has(w) {
			out++
		}
	}
	if out == 0 {
		t.Error("a one-key filter lets every word through")
	}
}
