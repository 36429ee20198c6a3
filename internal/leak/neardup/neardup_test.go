package neardup

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

func text(rng *rand.Rand, n int) string {
	words := make([]string, n)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", rng.Intn(5000))
	}
	return strings.Join(words, " ")
}

func TestIndexFindsLightEdit(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	ix := NewIndex()
	var texts []string
	for i := 0; i < 2000; i++ {
		s := text(rng, 300)
		texts = append(texts, s)
		sig, ok := Sign(s)
		if !ok {
			t.Fatal("no signature")
		}
		ix.Add(sig)
	}
	// A lightly edited copy of text 1234: a few words changed, case changed.
	w := strings.Fields(texts[1234])
	w[10], w[100], w[200] = "changed", "words", "here"
	edited := strings.ToUpper(strings.Join(w, "  "))
	sig, _ := Sign(edited)
	m := ix.Query(&sig, 0.5, 3)
	if len(m) == 0 || m[0].ID != 1234 {
		t.Fatalf("edited copy not found first: %+v", m)
	}
	if m[0].Similarity < 0.8 {
		t.Errorf("similarity %.2f, want about 0.9", m[0].Similarity)
	}
	other, _ := Sign(text(rng, 300))
	if m := ix.Query(&other, 0.5, 3); len(m) != 0 {
		t.Errorf("unrelated text matched: %+v", m)
	}
}

func TestShortAndEmpty(t *testing.T) {
	if _, ok := Sign("  ,, "); ok {
		t.Fatal("empty text signed")
	}
	a, _ := Sign("Hello world")
	b, _ := Sign("hello, WORLD!")
	if Similarity(&a, &b) != 1 {
		t.Fatal("normalisation differs")
	}
	if j := Jaccard(Shingles("a b c d e"), Shingles("a b c d f")); j <= 0 || j >= 1 {
		t.Fatalf("jaccard %v", j)
	}
}

func BenchmarkSign(b *testing.B) {
	s := text(rand.New(rand.NewSource(1)), 5000)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		Sign(s)
	}
}
