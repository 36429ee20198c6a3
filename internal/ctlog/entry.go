package ctlog

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Entry is one certificate read from a log.
type Entry struct {
	Index     uint64    `json:"index"`
	LeafHash  Hash      `json:"leaf_hash"`
	Timestamp time.Time `json:"timestamp"` // when the log saw it
	Precert   bool      `json:"precert"`
	// Names are the DNS names of the certificate (subject alternative
	// names and common name), lower case, wildcards kept ("*.x.com").
	Names     []string  `json:"names"`
	Issuer    string    `json:"issuer"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	Serial    string    `json:"serial"`
	// Verified says how the entry was proven to be in the signed tree:
	// "tree" (the tree was rebuilt up to a signed root), "inclusion" (an
	// inclusion proof), "" (not proven).
	Verified string `json:"verified,omitempty"`
}

// Limits of what a log may send: a certificate is at most 2^24-1 bytes by
// the TLS encoding; we refuse names beyond what a certificate needs.
const (
	maxNames = 1000
)

// ErrMalformed marks an entry that cannot be read; it is counted and
// skipped.
var ErrMalformed = errors.New("malformed entry")

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

// reader reads TLS-encoded fields.
type reader struct {
	b   []byte
	err error
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = malformed("field of %d bytes, %d left", n, len(r.b))
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) uint(n int) uint64 {
	b := r.bytes(n)
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

func (r *reader) vec(lenBytes int) []byte { return r.bytes(int(r.uint(lenBytes))) }

// timestampedEntry is the common part of both APIs.
type timestampedEntry struct {
	timestamp uint64
	precert   bool
	cert      []byte // x509 certificate, or the precert's TBSCertificate
	ext       []byte
}

func (r *reader) timestampedEntry() timestampedEntry {
	var e timestampedEntry
	e.timestamp = r.uint(8)
	switch t := r.uint(2); t {
	case 0:
		e.cert = r.vec(3)
	case 1:
		r.bytes(32) // issuer key hash
		e.precert = true
		e.cert = r.vec(3)
	default:
		if r.err == nil {
			r.err = malformed("entry type %d", t)
		}
	}
	e.ext = r.vec(2)
	return e
}

// ParseLeaf reads an RFC 6962 MerkleTreeLeaf (get-entries' leaf_input)
// into an Entry with its certificate's names. The leaf hash is set even
// when the certificate cannot be read (the error then wraps ErrMalformed).
func ParseLeaf(index uint64, leafInput []byte) (Entry, error) {
	e := Entry{Index: index, LeafHash: LeafHash(leafInput)}
	r := &reader{b: leafInput}
	if v, lt := r.uint(1), r.uint(1); r.err == nil && (v != 0 || lt != 0) {
		return e, malformed("leaf version %d type %d", v, lt)
	}
	te := r.timestampedEntry()
	if r.err != nil {
		return e, r.err
	}
	if len(r.b) != 0 {
		return e, malformed("%d bytes after the leaf", len(r.b))
	}
	return e, e.fill(te)
}

// ParseDataTile reads the entries of a static-ct-api data tile (TileLeaf
// structures) starting at index first. It returns the entries read; a
// malformed entry ends the tile (its length is unknown past the error).
func ParseDataTile(first uint64, tile []byte, fn func(Entry, error) error) (int, error) {
	r := &reader{b: tile}
	n := 0
	for len(r.b) > 0 {
		start := r.b
		te := r.timestampedEntry()
		if te.precert {
			r.vec(3) // pre_certificate
		}
		r.vec(2) // certificate_chain fingerprints
		if r.err != nil {
			return n, fmt.Errorf("data tile entry %d: %w", first+uint64(n), r.err)
		}
		// the Merkle leaf is v1, timestamped_entry: the bytes of the
		// TimestampedEntry as read
		teLen := 8 + 2 + 3 + len(te.cert) + 2 + len(te.ext)
		if te.precert {
			teLen += 32 // issuer key hash
		}
		leaf := make([]byte, 0, 2+teLen)
		leaf = append(append(leaf, 0, 0), start[:teLen]...)
		e := Entry{Index: first + uint64(n), LeafHash: LeafHash(leaf)}
		err := e.fill(te)
		if err := fn(e, err); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (e *Entry) fill(te timestampedEntry) error {
	e.Timestamp = time.UnixMilli(int64(te.timestamp)).UTC()
	e.Precert = te.precert
	var c *x509.Certificate
	var err error
	if te.precert {
		c, err = parseTBS(te.cert)
	} else {
		c, err = x509.ParseCertificate(te.cert)
	}
	if err != nil {
		return malformed("certificate: %v", err)
	}
	seen := map[string]bool{}
	add := func(n string) {
		n = strings.ToLower(strings.TrimSuffix(n, "."))
		if n != "" && !seen[n] && len(e.Names) < maxNames && strings.IndexByte(n, ' ') < 0 {
			seen[n] = true
			e.Names = append(e.Names, n)
		}
	}
	for _, n := range c.DNSNames {
		add(n)
	}
	if cn := c.Subject.CommonName; strings.Contains(cn, ".") {
		add(cn)
	}
	e.Issuer = c.Issuer.String()
	e.NotBefore, e.NotAfter = c.NotBefore.UTC(), c.NotAfter.UTC()
	if c.SerialNumber != nil {
		e.Serial = hex.EncodeToString(c.SerialNumber.Bytes())
	}
	return nil
}

// parseTBS reads a precertificate's TBSCertificate by wrapping it in a
// Certificate structure with an empty signature: x509 parses it like any
// certificate (the CT poison extension is critical but only checked when
// verifying chains).
func parseTBS(tbs []byte) (*x509.Certificate, error) {
	var raw asn1.RawValue
	if rest, err := asn1.Unmarshal(tbs, &raw); err != nil || len(rest) != 0 {
		return nil, errors.New("TBSCertificate is not one DER value")
	}
	// the signature algorithm of the TBS, repeated outside it
	var tbsFields struct {
		Raw          asn1.RawContent
		Version      asn1.RawValue `asn1:"optional,explicit,default:0,tag:0"`
		Serial       asn1.RawValue
		SignatureAlg asn1.RawValue
		Rest         asn1.RawValue `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(tbs, &tbsFields); err != nil {
		return nil, fmt.Errorf("TBSCertificate: %v", err)
	}
	cert := struct {
		TBS    asn1.RawValue
		SigAlg asn1.RawValue
		Sig    asn1.BitString
	}{TBS: asn1.RawValue{FullBytes: tbs}, SigAlg: asn1.RawValue{FullBytes: tbsFields.SignatureAlg.FullBytes}, Sig: asn1.BitString{Bytes: []byte{0}, BitLength: 8}}
	der, err := asn1.Marshal(cert)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// Fingerprint is the SHA-256 of a certificate, as data tiles list chains.
func Fingerprint(der []byte) Hash { return sha256.Sum256(der) }

// encodeLeaf is the inverse of the parsers, for test logs: the
// MerkleTreeLeaf of a certificate or precertificate.
func encodeLeaf(ts uint64, precert bool, issuerKeyHash Hash, certOrTBS, ext []byte) []byte {
	b := []byte{0, 0}
	b = binary.BigEndian.AppendUint64(b, ts)
	if precert {
		b = append(b, 0, 1)
		b = append(b, issuerKeyHash[:]...)
	} else {
		b = append(b, 0, 0)
	}
	b = append(b, byte(len(certOrTBS)>>16), byte(len(certOrTBS)>>8), byte(len(certOrTBS)))
	b = append(b, certOrTBS...)
	b = append(b, byte(len(ext)>>8), byte(len(ext)))
	return append(b, ext...)
}
