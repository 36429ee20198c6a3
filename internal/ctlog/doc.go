// Package ctlog follows Certificate Transparency logs: it reads the
// certificates a log publishes, in the classic RFC 6962 API (get-sth,
// get-entries, get-sth-consistency, get-proof-by-hash) and in the static
// tiled API newer logs serve (c2sp.org/static-ct-api: a signed
// checkpoint, Merkle tiles and data tiles), and verifies what it reads.
//
// Nothing a log sends is trusted until proven: tree heads and checkpoints
// must carry the log's signature; a new tree head must extend the last one
// (a consistency proof, or the old root recomputed from the immutable
// tiles); the entries read must hash, with the compact tree kept in the
// follower's State (a Frontier of at most 64 hashes), to the signed root —
// or, when a classic log is followed from its current end, each entry of
// interest must have an inclusion proof. A log that fails any of these is
// reported with ErrUntrusted and not read again.
//
// Entries whose certificate cannot be read are counted and skipped (their
// leaf still counts in the tree); responses, proofs and certificates are
// bounded in size. The State is small JSON: saved after each poll, it lets
// a watcher resume where it stopped.
//
// ctlogtest runs a real log on loopback (certificates from crypto/x509, a
// real Merkle tree, signed heads, both APIs) and can lie, for tests.
package ctlog
