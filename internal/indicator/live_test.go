package indicator

import (
	"sync"
	"testing"
)

// A live matcher answers from the set in force; Swap replaces the whole
// set at once, also while lookups run.
func TestLiveMatcherSwap(t *testing.T) {
	a := NewMatcher([]Indicator{{Type: Domain, Value: "old.example.com"}}, MatcherOptions{})
	b := NewMatcher([]Indicator{{Type: Domain, Value: "new.example.com"}, {Type: Filename, Value: "pagemgr.exe"}}, MatcherOptions{})
	l := NewLive(a)
	if _, ok := l.Domain("x.old.example.com"); !ok || l.Len() != 1 || l.Has(Filename) {
		t.Fatal("first set not in force")
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 1000 {
				_, o := l.Domain("old.example.com")
				_, n := l.Domain("new.example.com")
				_ = o || n
			}
		})
	}
	l.Swap(b)
	wg.Wait()
	if _, ok := l.Domain("old.example.com"); ok {
		t.Error("the old set still answers")
	}
	if _, ok := l.Filename("PageMgr.exe"); !ok || l.Len() != 2 {
		t.Error("the new set does not answer")
	}
	a.Swap(b) // not live: nothing happens
	if _, ok := a.Domain("old.example.com"); !ok {
		t.Error("Swap changed a plain matcher")
	}
}
