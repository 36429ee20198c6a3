package ctlog

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// STH is a signed tree head: the log's signed statement of its size and
// root at a time.
type STH struct {
	TreeSize  uint64 `json:"tree_size"`
	Timestamp uint64 `json:"timestamp"` // milliseconds since the epoch
	RootHash  Hash   `json:"root_hash"`
	// Signature is the TLS DigitallySigned structure over the
	// TreeHeadSignature (RFC 6962 §3.5).
	Signature []byte `json:"signature"`
}

// ErrUntrusted marks what a log served that contradicts itself or its
// key: a bad signature, a tree that shrinks or forks, entries that do not
// hash to the signed root. Such a log is reported, not trusted.
var ErrUntrusted = errors.New("log not trusted")

// Verifier checks a log's signatures with its public key.
type Verifier struct {
	pub  crypto.PublicKey
	spki []byte
	// ID is the log's id: SHA-256 of its public key (RFC 6962 §3.2).
	ID Hash
}

// NewVerifier reads a log's public key (DER SubjectPublicKeyInfo, as
// published in log lists, base64 or raw). ECDSA P-256 and RSA keys.
func NewVerifier(key []byte) (*Verifier, error) {
	if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(key))); err == nil {
		key = b
	}
	pub, err := x509.ParsePKIXPublicKey(key)
	if err != nil {
		return nil, fmt.Errorf("log public key: %w", err)
	}
	switch pub.(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey:
	default:
		return nil, fmt.Errorf("log public key: %T is not an ECDSA or RSA key", pub)
	}
	return &Verifier{pub: pub, spki: key, ID: sha256.Sum256(key)}, nil
}

// treeHeadInput is the TreeHeadSignature structure that is signed.
func treeHeadInput(s STH) []byte {
	var b [50]byte
	b[0] = 0 // v1
	b[1] = 1 // tree_hash
	binary.BigEndian.PutUint64(b[2:], s.Timestamp)
	binary.BigEndian.PutUint64(b[10:], s.TreeSize)
	copy(b[18:], s.RootHash[:])
	return b[:]
}

// VerifySTH checks the tree head signature.
func (v *Verifier) VerifySTH(s STH) error {
	return v.verifyDigitallySigned(treeHeadInput(s), s.Signature)
}

func (v *Verifier) verifyDigitallySigned(msg, ds []byte) error {
	if len(ds) < 4 {
		return fmt.Errorf("%w: signature of %d bytes", ErrUntrusted, len(ds))
	}
	hashAlg, sigAlg := ds[0], ds[1]
	n := int(binary.BigEndian.Uint16(ds[2:]))
	if hashAlg != 4 || len(ds) != 4+n {
		return fmt.Errorf("%w: malformed signature (hash algorithm %d, %d bytes)", ErrUntrusted, hashAlg, len(ds))
	}
	sig := ds[4:]
	d := sha256.Sum256(msg)
	switch pub := v.pub.(type) {
	case *ecdsa.PublicKey:
		if sigAlg != 3 || !ecdsa.VerifyASN1(pub, d[:], sig) {
			return fmt.Errorf("%w: tree head signature does not verify with the log's key", ErrUntrusted)
		}
	case *rsa.PublicKey:
		if sigAlg != 1 || rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig) != nil {
			return fmt.Errorf("%w: tree head signature does not verify with the log's key", ErrUntrusted)
		}
	}
	return nil
}

// SignSTH signs a tree head with a log's key (for test logs and tools
// that run a log); it sets s.Signature.
func SignSTH(signer crypto.Signer, s *STH) error {
	d := sha256.Sum256(treeHeadInput(*s))
	sig, err := signer.Sign(nil, d[:], crypto.SHA256)
	if err != nil {
		return err
	}
	alg := byte(3)
	if _, ok := signer.Public().(*rsa.PublicKey); ok {
		alg = 1
	}
	s.Signature = append([]byte{4, alg, byte(len(sig) >> 8), byte(len(sig))}, sig...)
	return nil
}

// noteKeyID is the key id of an RFC6962NoteSignature (c2sp.org/signed-note):
// SHA-256(name || "\n" || 0x05 || SPKI)[:4].
func noteKeyID(name string, spki []byte) [4]byte {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', 0x05})
	h.Write(spki)
	var id [4]byte
	copy(id[:], h.Sum(nil))
	return id
}

// maxCheckpoint bounds a checkpoint's size.
const maxCheckpoint = 64 << 10

// ParseCheckpoint reads a static-ct-api checkpoint (a signed note) and
// verifies its RFC6962NoteSignature by the log named origin with v's key
// (an empty origin accepts the name on the checkpoint's first line, which
// the signature then binds to the key). It returns the tree head it signs.
func (v *Verifier) ParseCheckpoint(note []byte, origin string) (STH, error) {
	var s STH
	if len(note) > maxCheckpoint {
		return s, fmt.Errorf("checkpoint of %d bytes", len(note))
	}
	text, sigs, ok := bytes.Cut(note, []byte("\n\n"))
	if !ok {
		return s, errors.New("checkpoint: no blank line before the signatures")
	}
	lines := strings.Split(string(text), "\n")
	if len(lines) < 3 {
		return s, errors.New("checkpoint: want origin, tree size and root hash lines")
	}
	if origin == "" {
		// the log's name as it signs it: the signature below binds it
		// to the key (real logs' names differ from their monitoring URL)
		origin = lines[0]
	}
	if lines[0] != origin {
		return s, fmt.Errorf("%w: checkpoint is for log %q, not %q", ErrUntrusted, lines[0], origin)
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		return s, fmt.Errorf("checkpoint: tree size %q: %v", lines[1], err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		return s, fmt.Errorf("checkpoint: root hash %q is not 32 bytes of base64", lines[2])
	}
	s.TreeSize = size
	copy(s.RootHash[:], root)
	id := noteKeyID(origin, v.spki)
	for _, l := range strings.Split(string(sigs), "\n") {
		// "— <name> <base64(keyid || signature)>"
		rest, ok := strings.CutPrefix(l, "\u2014 ")
		if !ok {
			continue
		}
		name, b64, ok := strings.Cut(rest, " ")
		if !ok || name != origin {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) < 4+8+4 || !bytes.Equal(raw[:4], id[:]) {
			continue
		}
		s.Timestamp = binary.BigEndian.Uint64(raw[4:12])
		s.Signature = raw[12:]
		if err := v.VerifySTH(s); err != nil {
			return s, err
		}
		return s, nil
	}
	return s, fmt.Errorf("%w: checkpoint has no signature by the log's key", ErrUntrusted)
}

// SignCheckpoint writes a checkpoint signed with an RFC6962NoteSignature
// (for test logs).
func SignCheckpoint(signer crypto.Signer, origin string, s STH) ([]byte, error) {
	if err := SignSTH(signer, &s); err != nil {
		return nil, err
	}
	spki, err := x509.MarshalPKIXPublicKey(signer.Public())
	if err != nil {
		return nil, err
	}
	id := noteKeyID(origin, spki)
	raw := append(append(id[:], binary.BigEndian.AppendUint64(nil, s.Timestamp)...), s.Signature...)
	return fmt.Appendf(nil, "%s\n%d\n%s\n\n\u2014 %s %s\n", origin, s.TreeSize, base64.StdEncoding.EncodeToString(s.RootHash[:]), origin, base64.StdEncoding.EncodeToString(raw)), nil
}
