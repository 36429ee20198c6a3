// Package neardup finds near-duplicate texts among many: a leaked document
// that is a re-saved or lightly edited copy of one of the party's originals.
//
// Each text is cut into word shingles (runs of K consecutive normalised
// words); the Jaccard similarity of two shingle sets is the share of
// shingles they have in common. A MinHash signature (NumHashes minima of
// independent hash functions over the shingles) estimates that similarity:
// the fraction of equal signature slots is an unbiased estimate of the
// Jaccard index. Locality-sensitive hashing (LSH) splits each signature
// into Bands bands of Rows slots; two texts that agree on every slot of at
// least one band become candidates. With 32 bands of 4 rows, a pair with
// Jaccard 0.5 is a candidate with probability 1-(1-0.5^4)^32 ≈ 0.87 and a
// pair at 0.8 with probability ≈ 1; a pair at 0.2 almost never. Candidates
// are then ranked by the estimated similarity, so a query over tens of
// thousands of originals touches only a handful of them.
package neardup

import (
	"hash/fnv"
	"sort"
	"strings"
	"unicode"
)

// Parameters of the signatures. Changing them changes every signature.
const (
	K         = 4   // words per shingle
	NumHashes = 128 // MinHash slots
	Bands     = 32  // LSH bands
	Rows      = NumHashes / Bands
	// MaxWords bounds the words read from one text (later words are
	// ignored): a signature of the first million words is plenty.
	MaxWords = 1 << 20
)

// Signature is the MinHash signature of one text.
type Signature [NumHashes]uint64

// seeds are fixed so that signatures are comparable across runs (the
// checkpoint of a resumed run stores none, but tests rely on stability).
var seeds = func() [NumHashes]uint64 {
	var s [NumHashes]uint64
	x := uint64(0x9E3779B97F4A7C15)
	for i := range s {
		x = splitmix(x)
		s[i] = x
	}
	return s
}()

func splitmix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// Words returns the normalised words of text: letters and digits, lower
// case, at most MaxWords.
func Words(text string) []string {
	var words []string
	f := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, w := range f {
		if len(words) >= MaxWords {
			break
		}
		words = append(words, strings.ToLower(w))
	}
	return words
}

// Shingles returns the distinct hashed K-word shingles of text. A text
// shorter than K words gives one shingle of all its words; an empty text
// gives none.
func Shingles(text string) []uint64 {
	words := Words(text)
	if len(words) == 0 {
		return nil
	}
	n := len(words) - K + 1
	if n < 1 {
		n = 1
	}
	set := make(map[uint64]struct{}, n)
	h := fnv.New64a()
	for i := 0; i < n; i++ {
		h.Reset()
		for j := i; j < i+K && j < len(words); j++ {
			h.Write([]byte(words[j]))
			h.Write([]byte{0})
		}
		set[h.Sum64()] = struct{}{}
	}
	out := make([]uint64, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Sign returns the MinHash signature of text and whether the text had any
// word (an empty text has no meaningful signature).
func Sign(text string) (Signature, bool) {
	return SignShingles(Shingles(text))
}

// SignShingles returns the MinHash signature of a shingle set.
func SignShingles(sh []uint64) (Signature, bool) {
	var sig Signature
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	if len(sh) == 0 {
		return sig, false
	}
	for _, s := range sh {
		base := splitmix(s)
		for i := range sig {
			v := splitmix(base ^ seeds[i])
			if v < sig[i] {
				sig[i] = v
			}
		}
	}
	return sig, true
}

// Similarity estimates the Jaccard similarity of the texts behind two
// signatures (0 to 1).
func Similarity(a, b *Signature) float64 {
	n := 0
	for i := range a {
		if a[i] == b[i] {
			n++
		}
	}
	return float64(n) / NumHashes
}

// Jaccard returns the exact Jaccard similarity of two sorted shingle sets.
func Jaccard(a, b []uint64) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	i, j, inter := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// Index is an LSH index of signatures. It is not safe for concurrent
// writes; Query may run concurrently once adding is finished.
type Index struct {
	sigs    []Signature
	buckets [Bands]map[uint64][]int32
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	ix := &Index{}
	for b := range ix.buckets {
		ix.buckets[b] = make(map[uint64][]int32)
	}
	return ix
}

// Len returns the number of signatures added.
func (ix *Index) Len() int { return len(ix.sigs) }

func bandKey(sig *Signature, b int) uint64 {
	k := uint64(b) + 1
	for _, v := range sig[b*Rows : (b+1)*Rows] {
		k = splitmix(k ^ v)
	}
	return k
}

// Add adds a signature and returns its id (0, 1, 2 ... in order).
func (ix *Index) Add(sig Signature) int {
	id := len(ix.sigs)
	ix.sigs = append(ix.sigs, sig)
	for b := 0; b < Bands; b++ {
		k := bandKey(&sig, b)
		ix.buckets[b][k] = append(ix.buckets[b][k], int32(id))
	}
	return id
}

// Signature returns the signature added with id.
func (ix *Index) Signature(id int) *Signature { return &ix.sigs[id] }

// Match is a candidate near-duplicate.
type Match struct {
	ID         int
	Similarity float64 // estimated Jaccard similarity
}

// Query returns the signatures sharing at least one band with sig whose
// estimated similarity is at least min, best first (at most limit).
func (ix *Index) Query(sig *Signature, min float64, limit int) []Match {
	seen := map[int32]bool{}
	var out []Match
	for b := 0; b < Bands; b++ {
		for _, id := range ix.buckets[b][bandKey(sig, b)] {
			if seen[id] {
				continue
			}
			seen[id] = true
			if s := Similarity(sig, &ix.sigs[id]); s >= min {
				out = append(out, Match{ID: int(id), Similarity: s})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Similarity != out[j].Similarity {
			return out[i].Similarity > out[j].Similarity
		}
		return out[i].ID < out[j].ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
