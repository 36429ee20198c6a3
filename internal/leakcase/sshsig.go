package leakcase

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Namespace is the SSHSIG namespace of Vigie's statements.
const Namespace = "vigie-statement"

// MaxSignatureSize bounds an armored signature read by ParseSignature (a
// 16384-bit RSA key makes a signature of about 5 KiB).
const MaxSignatureSize = 64 << 10

const (
	sigMagic   = "SSHSIG"
	sigVersion = 1
	armorBegin = "-----BEGIN SSH SIGNATURE-----"
	armorEnd   = "-----END SSH SIGNATURE-----"
)

// Signature is a parsed SSHSIG signature.
type Signature struct {
	PublicKey ssh.PublicKey
	Namespace string
	// Hash is the message digest's algorithm: "sha512" or "sha256".
	Hash string
	Sig  *ssh.Signature
}

// signedData is the blob actually signed: the magic, the namespace, a
// reserved empty string, the hash algorithm and the message's digest.
func signedData(namespace, hashAlg string, digest []byte) []byte {
	return ssh.Marshal(struct {
		Namespace, Reserved, Hash string
		Digest                    []byte
	}{namespace, "", hashAlg, digest})
}

func digest(hashAlg string, message []byte) ([]byte, error) {
	switch hashAlg {
	case "sha512":
		h := sha512.Sum512(message)
		return h[:], nil
	case "sha256":
		h := sha256.Sum256(message)
		return h[:], nil
	}
	return nil, fmt.Errorf("signature: hash algorithm %q is not sha256 or sha512", hashAlg)
}

// Sign signs message under namespace and returns the armored signature
// ("-----BEGIN SSH SIGNATURE-----"), as ssh-keygen -Y sign -n namespace
// writes it. RSA keys sign with rsa-sha2-512 (ssh-keygen refuses SHA-1).
func Sign(signer ssh.Signer, namespace string, message []byte) ([]byte, error) {
	if namespace == "" {
		return nil, errors.New("signature: the namespace is empty")
	}
	d, _ := digest("sha512", message)
	data := append([]byte(sigMagic), signedData(namespace, "sha512", d)...)
	var sig *ssh.Signature
	var err error
	if as, ok := signer.(ssh.AlgorithmSigner); ok && signer.PublicKey().Type() == ssh.KeyAlgoRSA {
		sig, err = as.SignWithAlgorithm(rand.Reader, data, ssh.KeyAlgoRSASHA512)
	} else {
		sig, err = signer.Sign(rand.Reader, data)
	}
	if err != nil {
		return nil, fmt.Errorf("signature: signing: %w", err)
	}
	blob := append([]byte(sigMagic), ssh.Marshal(struct {
		Version   uint32
		PublicKey []byte
		Namespace string
		Reserved  string
		Hash      string
		Sig       []byte
	}{sigVersion, signer.PublicKey().Marshal(), namespace, "", "sha512", ssh.Marshal(sig)})...)
	return armor(blob), nil
}

func armor(blob []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(blob)
	var b bytes.Buffer
	b.WriteString(armorBegin + "\n")
	for len(enc) > 70 {
		b.WriteString(enc[:70] + "\n")
		enc = enc[70:]
	}
	b.WriteString(enc + "\n" + armorEnd + "\n")
	return b.Bytes()
}

// ParseSignature reads an armored SSHSIG signature. It checks the shape
// only; Verify checks that it signs a message.
func ParseSignature(armored []byte) (*Signature, error) {
	if len(armored) > MaxSignatureSize {
		return nil, fmt.Errorf("signature: %d bytes, more than the %d expected of an SSH signature", len(armored), MaxSignatureSize)
	}
	s := strings.TrimSpace(strings.ReplaceAll(string(armored), "\r\n", "\n"))
	body, ok := strings.CutPrefix(s, armorBegin)
	if !ok {
		return nil, errors.New("signature: not an SSH signature (no " + armorBegin + " line)")
	}
	body, ok = strings.CutSuffix(body, armorEnd)
	if !ok {
		return nil, errors.New("signature: truncated (no " + armorEnd + " line)")
	}
	blob, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
	if err != nil {
		return nil, fmt.Errorf("signature: bad base64: %w", err)
	}
	rest, ok := bytes.CutPrefix(blob, []byte(sigMagic))
	if !ok {
		return nil, errors.New("signature: the blob does not start with SSHSIG")
	}
	var w struct {
		Version   uint32
		PublicKey []byte
		Namespace string
		Reserved  string
		Hash      string
		Sig       []byte
		Rest      []byte `ssh:"rest"`
	}
	if err := ssh.Unmarshal(rest, &w); err != nil {
		return nil, fmt.Errorf("signature: malformed: %w", err)
	}
	if w.Version != sigVersion {
		return nil, fmt.Errorf("signature: version %d, only version %d is known", w.Version, sigVersion)
	}
	if len(w.Rest) != 0 {
		return nil, fmt.Errorf("signature: %d bytes after the signature", len(w.Rest))
	}
	if _, err := digest(w.Hash, nil); err != nil {
		return nil, err
	}
	pub, err := ssh.ParsePublicKey(w.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("signature: the public key: %w", err)
	}
	sig := new(ssh.Signature)
	if err := ssh.Unmarshal(w.Sig, sig); err != nil {
		return nil, fmt.Errorf("signature: the signature field: %w", err)
	}
	if sig.Format == ssh.KeyAlgoRSA {
		return nil, errors.New("signature: an RSA signature with SHA-1 (ssh-rsa) is not accepted")
	}
	return &Signature{PublicKey: pub, Namespace: w.Namespace, Hash: w.Hash, Sig: sig}, nil
}

// Verify checks that armored is a signature of message under namespace by
// the key want (nil: any key, which only proves the signature is whole;
// what matters is whose key it is). It returns the parsed signature.
func Verify(want ssh.PublicKey, namespace string, message, armored []byte) (*Signature, error) {
	sig, err := ParseSignature(armored)
	if err != nil {
		return nil, err
	}
	if sig.Namespace != namespace {
		return nil, fmt.Errorf("signature: made for namespace %q, not %q", sig.Namespace, namespace)
	}
	if want != nil && !bytes.Equal(want.Marshal(), sig.PublicKey.Marshal()) {
		return nil, fmt.Errorf("signature: made by key %s, not by %s", ssh.FingerprintSHA256(sig.PublicKey), ssh.FingerprintSHA256(want))
	}
	d, err := digest(sig.Hash, message)
	if err != nil {
		return nil, err
	}
	data := append([]byte(sigMagic), signedData(sig.Namespace, sig.Hash, d)...)
	if err := sig.PublicKey.Verify(data, sig.Sig); err != nil {
		return nil, fmt.Errorf("signature: does not match the message: %w", err)
	}
	return sig, nil
}

// AllowedSigners is the line of an ssh-keygen allowed_signers file that
// accepts pub as identity for Vigie statements only.
func AllowedSigners(identity string, pub ssh.PublicKey) string {
	return identity + ` namespaces="` + Namespace + `" ` + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

// LoadSigner reads an OpenSSH (or PEM) private key file; passphrase
// decrypts it when it is encrypted.
func LoadSigner(path string, passphrase []byte) (ssh.Signer, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if fi.Size() > 1<<20 {
		return nil, fmt.Errorf("signing key %s: %d bytes, not a private key", path, fi.Size())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	var s ssh.Signer
	if len(passphrase) > 0 {
		s, err = ssh.ParsePrivateKeyWithPassphrase(b, passphrase)
	} else {
		s, err = ssh.ParsePrivateKey(b)
	}
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		return nil, fmt.Errorf("signing key %s is encrypted: give its passphrase", path)
	}
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	return s, nil
}

// Fingerprint is the key's SHA-256 fingerprint as ssh-keygen -l prints it.
func Fingerprint(pub ssh.PublicKey) string { return ssh.FingerprintSHA256(pub) }
