// Package ctlogtest runs a real Certificate Transparency log on loopback
// for tests: certificates and precertificates made with crypto/x509 by a
// test CA, a real Merkle tree, tree heads signed with an ECDSA P-256 key,
// served in both the RFC 6962 API and the static tiled API
// (c2sp.org/static-ct-api). It can also lie (bad signature, a forked
// tree) to test that followers refuse to trust it.
package ctlogtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/ctlog"
)

// Log is a running test log.
type Log struct {
	URL string

	mu        sync.Mutex
	key       *ecdsa.PrivateKey
	caKey     *ecdsa.PrivateKey
	ca        *x509.Certificate
	leaves    [][]byte // MerkleTreeLeaf of each entry
	precerts  [][]byte // the precertificate DER of precert entries (nil otherwise)
	published uint64
	sth       ctlog.STH
	// BadSignature makes the log sign tree heads with another key.
	BadSignature bool
	serial       int64
}

// Start starts a log that stops with the test.
func Start(t testing.TB) *Log {
	t.Helper()
	l := &Log{}
	var err error
	if l.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if l.caKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA", Organization: []string{"Vigie Test PKI"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &l.caKey.PublicKey, l.caKey)
	if err != nil {
		t.Fatal(err)
	}
	l.ca, _ = x509.ParseCertificate(der)
	l.serial = 100
	srv := httptest.NewServer(l)
	t.Cleanup(srv.Close)
	l.URL = srv.URL
	l.Publish()
	return l
}

// PublicKey is the log's key, DER SubjectPublicKeyInfo.
func (l *Log) PublicKey() []byte {
	b, _ := x509.MarshalPKIXPublicKey(&l.key.PublicKey)
	return b
}

// AddCert issues a certificate (or a precertificate) for names and
// appends it to the log; it is visible after Publish.
func (l *Log) AddCert(names []string, precert bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.serial++
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(l.serial), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(90 * 24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	if precert {
		// the CT poison extension (RFC 6962 §3.1)
		tmpl.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 3}, Critical: true, Value: []byte{5, 0}}}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, l.ca, &k.PublicKey, l.caKey)
	if err != nil {
		panic(err)
	}
	idx := uint64(len(l.leaves))
	ext := append([]byte{0, 0, 5}, binary.BigEndian.AppendUint64(nil, idx)[3:]...) // leaf_index extension
	ts := uint64(time.Now().UnixMilli())
	if !precert {
		l.leaves = append(l.leaves, leaf(ts, false, ctlog.Hash{}, der, ext))
		l.precerts = append(l.precerts, nil)
		return
	}
	c, _ := x509.ParseCertificate(der)
	ikh := sha256.Sum256(l.ca.RawSubjectPublicKeyInfo)
	l.leaves = append(l.leaves, leaf(ts, true, ikh, c.RawTBSCertificate, ext))
	l.precerts = append(l.precerts, der)
}

// AddRaw appends a leaf as given (to test malformed entries): a valid
// MerkleTreeLeaf frame around cert bytes that are not a certificate.
func (l *Log) AddRaw(notACert []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.leaves = append(l.leaves, leaf(uint64(time.Now().UnixMilli()), false, ctlog.Hash{}, notACert, nil))
	l.precerts = append(l.precerts, nil)
}

// Fork replaces entry i (already published) with another certificate and
// republishes: the log now signs a tree that does not extend its past.
func (l *Log) Fork(i int) {
	l.mu.Lock()
	l.leaves[i] = leaf(1, false, ctlog.Hash{}, l.ca.Raw, nil)
	l.mu.Unlock()
	l.Publish()
}

// Publish signs a tree head for every entry added so far.
func (l *Log) Publish() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.published = uint64(len(l.leaves))
	s := ctlog.STH{TreeSize: l.published, Timestamp: uint64(time.Now().UnixMilli()), RootHash: ctlog.RootHash(l.hashes(l.published))}
	key := l.key
	if l.BadSignature {
		key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err := ctlog.SignSTH(key, &s); err != nil {
		panic(err)
	}
	l.sth = s
}

// Size is the published tree size.
func (l *Log) Size() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.published
}

func (l *Log) hashes(n uint64) []ctlog.Hash {
	out := make([]ctlog.Hash, n)
	for i := range out {
		out[i] = ctlog.LeafHash(l.leaves[i])
	}
	return out
}

func leaf(ts uint64, precert bool, ikh ctlog.Hash, body, ext []byte) []byte {
	b := []byte{0, 0}
	b = binary.BigEndian.AppendUint64(b, ts)
	if precert {
		b = append(b, 0, 1)
		b = append(b, ikh[:]...)
	} else {
		b = append(b, 0, 0)
	}
	b = append(b, byte(len(body)>>16), byte(len(body)>>8), byte(len(body)))
	b = append(b, body...)
	b = append(b, byte(len(ext)>>8), byte(len(ext)))
	return append(b, ext...)
}

func (l *Log) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := r.URL.Query()
	num := func(k string) uint64 { v, _ := strconv.ParseUint(q.Get(k), 10, 64); return v }
	n := l.published
	switch p := r.URL.Path; {
	case p == "/ct/v1/get-sth":
		writeJSON(w, map[string]any{"tree_size": l.sth.TreeSize, "timestamp": l.sth.Timestamp, "sha256_root_hash": l.sth.RootHash[:], "tree_head_signature": l.sth.Signature})
	case p == "/ct/v1/get-entries":
		start, end := num("start"), num("end")
		if start > end || start >= n {
			http.Error(w, "bad range", http.StatusBadRequest)
			return
		}
		end = min(end, n-1, start+31) // serve at most 32, as real logs cap
		var es []map[string][]byte
		for i := start; i <= end; i++ {
			es = append(es, map[string][]byte{"leaf_input": l.leaves[i], "extra_data": {}})
		}
		writeJSON(w, map[string]any{"entries": es})
	case p == "/ct/v1/get-sth-consistency":
		first, second := num("first"), num("second")
		if first > second || second > n {
			http.Error(w, "bad sizes", http.StatusBadRequest)
			return
		}
		writeJSON(w, map[string]any{"consistency": raw(ctlog.ConsistencyProof(l.hashes(second), int(first)))})
	case p == "/ct/v1/get-proof-by-hash":
		h, _ := base64.StdEncoding.DecodeString(q.Get("hash"))
		size := num("tree_size")
		hs := l.hashes(min(size, n))
		for i, x := range hs {
			if string(x[:]) == string(h) {
				writeJSON(w, map[string]any{"leaf_index": i, "audit_path": raw(ctlog.InclusionProof(hs, i))})
				return
			}
		}
		http.Error(w, "not found", http.StatusNotFound)
	case p == "/checkpoint":
		b, err := ctlog.SignCheckpoint(l.signer(), strings.TrimPrefix(l.URL, "http://"), l.sth)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write(b)
	case strings.HasPrefix(p, "/tile/"):
		l.serveTile(w, strings.TrimPrefix(p, "/tile/"), n)
	default:
		http.NotFound(w, r)
	}
}

func (l *Log) signer() *ecdsa.PrivateKey {
	if l.BadSignature {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		return k
	}
	return l.key
}

func (l *Log) serveTile(w http.ResponseWriter, p string, n uint64) {
	level, rest, _ := strings.Cut(p, "/")
	width := 256
	if a, b, ok := strings.Cut(rest, ".p/"); ok {
		rest = a
		width, _ = strconv.Atoi(b)
	}
	idx, err := strconv.ParseUint(strings.NewReplacer("x", "", "/", "").Replace(rest), 10, 64)
	if err != nil || width <= 0 || width > 256 {
		http.NotFound(w, nil)
		return
	}
	if level == "data" {
		if (idx*256)+uint64(width) > n {
			http.NotFound(w, nil)
			return
		}
		var out []byte
		for i := idx * 256; i < idx*256+uint64(width); i++ {
			out = append(out, l.leaves[i][2:]...) // the TimestampedEntry
			if pc := l.precerts[i]; pc != nil {
				out = append(out, byte(len(pc)>>16), byte(len(pc)>>8), byte(len(pc)))
				out = append(out, pc...)
			}
			fp := sha256.Sum256(l.ca.Raw)
			out = append(out, 0, 32)
			out = append(out, fp[:]...)
		}
		w.Write(out)
		return
	}
	lvl, err := strconv.Atoi(level)
	if err != nil || lvl < 0 || lvl > 5 {
		http.NotFound(w, nil)
		return
	}
	hs := l.hashes(n)
	span := uint64(1) << (8 * uint(lvl))
	var out []byte
	for j := idx * 256; j < idx*256+uint64(width); j++ {
		if (j+1)*span > n {
			http.NotFound(w, nil)
			return
		}
		h := ctlog.RootHash(hs[j*span : (j+1)*span])
		out = append(out, h[:]...)
	}
	w.Write(out)
}

func raw(hs []ctlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
