package posture

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"time"
)

// internet.nl's certificate rules (NCSC-NL 3.3.2, checks/tasks/tls/scans.py
// check_pubkey and cert_checks), for every certificate the server sends
// except a root:
//   - cert_pubkey: RSA of 3072 bits or more, Ed25519, Ed448 and ECDSA on
//     P-256/384/521 (or brainpool) are good; RSA of 2048-3071 bits and
//     ECDSA on P-224 phase out; anything else insufficient.
//   - cert_signature: RSA or ECDSA with SHA-256/384/512, Ed25519 and
//     Ed448 are sufficient; with SHA-224 phase out; anything else (SHA-1,
//     MD5, and RSASSA-PSS, which internet.nl's list leaves out)
//     insufficient.

// isRoot reports whether cert is self-signed, Vigie's stand-in for
// internet.nl's list of root fingerprints.
func isRoot(cert *x509.Certificate) bool {
	return bytes.Equal(cert.RawSubject, cert.RawIssuer) && cert.CheckSignatureFrom(cert) == nil
}

// classifyCertKey rates a certificate's public key.
func classifyCertKey(cert *x509.Certificate) (suiteClass, string) {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		n := k.N.BitLen()
		desc := fmt.Sprintf("RSA-%d", n)
		switch {
		case n >= 3072:
			return classGood, desc
		case n >= 2048:
			return classPhaseOut, desc
		}
		return classInsufficient, desc
	case *ecdsa.PublicKey:
		name := k.Curve.Params().Name
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return classGood, "ECDSA " + name
		case elliptic.P224():
			return classPhaseOut, "ECDSA " + name
		}
		return classInsufficient, "ECDSA " + name
	case ed25519.PublicKey:
		return classGood, "Ed25519"
	}
	return classInsufficient, cert.PublicKeyAlgorithm.String()
}

// classifyCertSignature rates the algorithm a certificate is signed with.
func classifyCertSignature(cert *x509.Certificate) suiteClass {
	switch cert.SignatureAlgorithm {
	case x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA,
		x509.ECDSAWithSHA256, x509.ECDSAWithSHA384, x509.ECDSAWithSHA512, x509.PureEd25519:
		return classSufficient
	}
	// Go does not name SHA-224 signatures; their OIDs are
	// 1.2.840.113549.1.1.14 (RSA) and 1.2.840.10045.4.3.1 (ECDSA).
	if oid := signatureOID(cert); oid == "1.2.840.113549.1.1.14" || oid == "1.2.840.10045.4.3.1" {
		return classPhaseOut
	}
	return classInsufficient
}

// signatureOID reads the signatureAlgorithm OID of a certificate's outer
// structure, for the algorithms Go does not name.
func signatureOID(cert *x509.Certificate) string {
	// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, ... }:
	// skip the outer header and the TBS, read the next SEQUENCE's OID.
	r := derReader(cert.Raw)
	outer, ok := r.next(0x30)
	if !ok {
		return ""
	}
	in := derReader(outer)
	if _, ok := in.next(0x30); !ok {
		return ""
	}
	alg, ok := in.next(0x30)
	if !ok {
		return ""
	}
	a := derReader(alg)
	oid, ok := a.next(0x06)
	if !ok || len(oid) == 0 {
		return ""
	}
	// Decode the OID's arcs.
	out := fmt.Sprintf("%d.%d", oid[0]/40, oid[0]%40)
	v := 0
	for _, b := range oid[1:] {
		v = v<<7 | int(b&0x7f)
		if b&0x80 == 0 {
			out += fmt.Sprintf(".%d", v)
			v = 0
		}
		if v > 1<<24 {
			return ""
		}
	}
	return out
}

// derReader reads DER TLVs (definite lengths up to 4 bytes).
type derReader []byte

func (d *derReader) next(tag byte) ([]byte, bool) {
	b := *d
	if len(b) < 2 || b[0] != tag {
		return nil, false
	}
	n, hdr := int(b[1]), 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k {
			return nil, false
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		hdr = 2 + k
	}
	if n < 0 || len(b)-hdr < n {
		return nil, false
	}
	*d = b[hdr+n:]
	return b[hdr : hdr+n], true
}

// fetchChain does one handshake with Go's client (any certificate
// accepted) and returns the chain the server sent.
func fetchChain(ctx context.Context, p *tlsProber) ([]*x509.Certificate, error) {
	if p.count >= maxTLSHandshakes {
		return nil, errProbeBudget
	}
	p.count++
	conn, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(p.timeout))
	name := p.serverName
	if net.ParseIP(name) != nil {
		name = ""
	}
	tc := tls.Client(conn, &tls.Config{ServerName: name, InsecureSkipVerify: true, MinVersion: tls.VersionTLS10})
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("TLS handshake for the certificate: %w", err)
	}
	return tc.ConnectionState().PeerCertificates, nil
}
