package ctlog

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/bits"
)

// Hash is a SHA-256 node of the Merkle tree (RFC 6962 §2.1).
type Hash [32]byte

// LeafHash is MTH of one entry: SHA-256(0x00 || leaf).
func LeafHash(leaf []byte) Hash {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(leaf)
	var out Hash
	h.Sum(out[:0])
	return out
}

// NodeHash is SHA-256(0x01 || left || right).
func NodeHash(l, r Hash) Hash {
	var buf [65]byte
	buf[0] = 1
	copy(buf[1:], l[:])
	copy(buf[33:], r[:])
	return sha256.Sum256(buf[:])
}

// RootHash is the Merkle tree hash of leaf hashes (MTH of RFC 6962); the
// empty tree hashes to SHA-256 of nothing.
func RootHash(leaves []Hash) Hash {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return leaves[0]
	}
	k := split(len(leaves))
	return NodeHash(RootHash(leaves[:k]), RootHash(leaves[k:]))
}

// split is the largest power of two smaller than n.
func split(n int) int {
	return 1 << (bits.Len(uint(n-1)) - 1)
}

// InclusionProof is PATH(m, D[n]) of RFC 6962 §2.1.1.
func InclusionProof(leaves []Hash, m int) []Hash {
	n := len(leaves)
	if n <= 1 {
		return nil
	}
	k := split(n)
	if m < k {
		return append(InclusionProof(leaves[:k], m), RootHash(leaves[k:]))
	}
	return append(InclusionProof(leaves[k:], m-k), RootHash(leaves[:k]))
}

// ConsistencyProof is PROOF(m, D[n]) of RFC 6962 §2.1.2.
func ConsistencyProof(leaves []Hash, m int) []Hash {
	if m <= 0 || m >= len(leaves) {
		return nil
	}
	return subproof(m, leaves, true)
}

func subproof(m int, leaves []Hash, b bool) []Hash {
	n := len(leaves)
	if m == n {
		if b {
			return nil
		}
		return []Hash{RootHash(leaves)}
	}
	k := split(n)
	if m <= k {
		return append(subproof(m, leaves[:k], b), RootHash(leaves[k:]))
	}
	return append(subproof(m-k, leaves[k:], false), RootHash(leaves[:k]))
}

// ErrProof is a proof that does not prove: the log lies or is broken.
var ErrProof = errors.New("proof does not verify")

// VerifyInclusion checks that leaf is entry index of the tree of size
// whose root is root (RFC 9162 §2.1.3.2).
func VerifyInclusion(index, size uint64, leaf Hash, proof []Hash, root Hash) error {
	if index >= size {
		return fmt.Errorf("%w: index %d not below tree size %d", ErrProof, index, size)
	}
	fn, sn := index, size-1
	r := leaf
	for _, p := range proof {
		if sn == 0 {
			return fmt.Errorf("%w: inclusion proof too long", ErrProof)
		}
		if fn&1 == 1 || fn == sn {
			r = NodeHash(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = NodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 || r != root {
		return fmt.Errorf("%w: inclusion of entry %d in tree of size %d", ErrProof, index, size)
	}
	return nil
}

// VerifyConsistency checks that the tree of size n (root rootN) extends
// the tree of size m (root rootM) (RFC 9162 §2.1.4.2).
func VerifyConsistency(m, n uint64, rootM, rootN Hash, proof []Hash) error {
	switch {
	case m > n:
		return fmt.Errorf("%w: tree shrank from %d to %d entries", ErrProof, m, n)
	case m == n:
		if rootM != rootN || len(proof) != 0 {
			return fmt.Errorf("%w: two different roots for tree size %d", ErrProof, n)
		}
		return nil
	case m == 0:
		return nil
	case len(proof) == 0:
		return fmt.Errorf("%w: empty consistency proof from %d to %d", ErrProof, m, n)
	}
	if m&(m-1) == 0 { // m a power of two: the old root is the first node
		proof = append([]Hash{rootM}, proof...)
	}
	fn, sn := m-1, n-1
	for fn&1 == 1 {
		fn >>= 1
		sn >>= 1
	}
	fr, sr := proof[0], proof[0]
	for _, c := range proof[1:] {
		if sn == 0 {
			return fmt.Errorf("%w: consistency proof too long", ErrProof)
		}
		if fn&1 == 1 || fn == sn {
			fr = NodeHash(c, fr)
			sr = NodeHash(c, sr)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			sr = NodeHash(sr, c)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 || fr != rootM || sr != rootN {
		return fmt.Errorf("%w: tree of %d entries is not an extension of the tree of %d entries", ErrProof, n, m)
	}
	return nil
}

// Frontier is the compact form of a tree of Size leaves: the roots of its
// perfect sub-trees, largest first. Appending leaves one by one and
// comparing Root with a signed tree head proves that every entry read is
// in the signed tree, with memory logarithmic in the tree size.
type Frontier struct {
	Size   uint64 `json:"size"`
	Hashes []Hash `json:"hashes"`
}

// Append adds the next leaf hash.
func (f *Frontier) Append(h Hash) {
	f.Size++
	f.Hashes = append(f.Hashes, h)
	// merge equal-sized sub-trees: one merge per trailing zero bit of Size
	for s := f.Size; s&1 == 0; s >>= 1 {
		n := len(f.Hashes)
		f.Hashes = append(f.Hashes[:n-2], NodeHash(f.Hashes[n-2], f.Hashes[n-1]))
	}
}

// Root is the tree hash of the leaves appended so far.
func (f *Frontier) Root() Hash {
	if len(f.Hashes) == 0 {
		return sha256.Sum256(nil)
	}
	r := f.Hashes[len(f.Hashes)-1]
	for i := len(f.Hashes) - 2; i >= 0; i-- {
		r = NodeHash(f.Hashes[i], r)
	}
	return r
}

// valid reports whether the frontier has one hash per set bit of Size.
func (f *Frontier) valid() bool {
	return f != nil && bits.OnesCount64(f.Size) == len(f.Hashes)
}
