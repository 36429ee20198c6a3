package textdiff

import (
	"math/rand"
	"strings"
	"testing"
)

func TestUnified(t *testing.T) {
	a := Lines("one\ntwo\nthree\nfour\nfive\nsix\nseven\n")
	b := Lines("one\ntwo\nTHREE\nfour\nfive\nsix\nseven\neight\n")
	r := Diff(a, b)
	if r.Added != 2 || r.Removed != 1 {
		t.Fatalf("added %d removed %d", r.Added, r.Removed)
	}
	got := r.Unified("a", "b", 1, 0)
	want := "--- a\n+++ b\n@@ -2,3 +2,3 @@\n two\n-three\n+THREE\n four\n@@ -7,1 +7,2 @@\n seven\n+eight\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if Diff(a, a).Unified("a", "a", 3, 0) != "" {
		t.Fatal("equal texts gave a diff")
	}
}

// apply rebuilds both sides from an edit script.
func apply(ops []Op) (a, b []string) {
	for _, o := range ops {
		if o.Kind != '+' {
			a = append(a, o.Text)
		}
		if o.Kind != '-' {
			b = append(b, o.Text)
		}
	}
	return
}

func TestDiffRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for n := 0; n < 300; n++ {
		var a, b []string
		for i := rng.Intn(40); i > 0; i-- {
			a = append(a, string(rune('a'+rng.Intn(4))))
		}
		for i := rng.Intn(40); i > 0; i-- {
			b = append(b, string(rune('a'+rng.Intn(4))))
		}
		r := Diff(a, b)
		ga, gb := apply(r.Ops)
		if strings.Join(ga, ",") != strings.Join(a, ",") || strings.Join(gb, ",") != strings.Join(b, ",") {
			t.Fatalf("script does not rebuild inputs: %v %v", a, b)
		}
	}
}

func TestTooMany(t *testing.T) {
	var a, b []string
	for i := 0; i < MaxEdits; i++ {
		a = append(a, "x")
		b = append(b, "y")
	}
	r := Diff(a, b)
	if !r.TooMany || r.Added != MaxEdits || r.Removed != MaxEdits {
		t.Fatalf("TooMany %v added %d removed %d", r.TooMany, r.Added, r.Removed)
	}
	if !strings.Contains(r.Unified("a", "b", 3, 10), "diff cut after 10 lines") {
		t.Fatal("cut not said")
	}
}

func FuzzDiff(f *testing.F) {
	f.Add("a\nb\nc", "a\nc\nd")
	f.Fuzz(func(t *testing.T, x, y string) {
		a, b := Lines(x), Lines(y)
		r := Diff(a, b)
		_ = r.Unified("a", "b", 3, 100)
		if r.TooMany || r.Truncated {
			return
		}
		ga, gb := apply(r.Ops)
		if strings.Join(ga, "\n") != strings.Join(a, "\n") || strings.Join(gb, "\n") != strings.Join(b, "\n") {
			t.Fatal("script does not rebuild inputs")
		}
	})
}
