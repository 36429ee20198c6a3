package ctlog

import (
	"fmt"
	"testing"
)

func leaves(n int) []Hash {
	out := make([]Hash, n)
	for i := range out {
		out[i] = LeafHash([]byte(fmt.Sprint("leaf", i)))
	}
	return out
}

// TestProofs checks every inclusion and consistency proof of trees up to
// 40 leaves, and that altered proofs fail.
func TestProofs(t *testing.T) {
	all := leaves(40)
	for n := 1; n <= len(all); n++ {
		root := RootHash(all[:n])
		var f Frontier
		for i := 0; i < n; i++ {
			f.Append(all[i])
		}
		if f.Root() != root || !f.valid() {
			t.Fatalf("frontier root of %d leaves", n)
		}
		for m := 0; m < n; m++ {
			p := InclusionProof(all[:n], m)
			if err := VerifyInclusion(uint64(m), uint64(n), all[m], p, root); err != nil {
				t.Fatalf("inclusion %d/%d: %v", m, n, err)
			}
			if err := VerifyInclusion(uint64(m), uint64(n), all[(m+1)%n], p, root); err == nil && n > 1 {
				t.Fatalf("wrong leaf accepted %d/%d", m, n)
			}
		}
		for m := 1; m <= n; m++ {
			p := ConsistencyProof(all[:n], m)
			if err := VerifyConsistency(uint64(m), uint64(n), RootHash(all[:m]), root, p); err != nil {
				t.Fatalf("consistency %d→%d: %v", m, n, err)
			}
			if m < n {
				bad := RootHash(all[1 : m+1])
				if err := VerifyConsistency(uint64(m), uint64(n), bad, root, p); err == nil {
					t.Fatalf("forked old root accepted %d→%d", m, n)
				}
			}
		}
	}
}
