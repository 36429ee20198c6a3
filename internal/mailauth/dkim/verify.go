package dkim

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth"
)

// Result is the outcome of one signature (RFC 8601 dkim= values).
type Result string

// The DKIM results.
const (
	Pass      Result = "pass"
	Fail      Result = "fail"
	Neutral   Result = "neutral"
	TempError Result = "temperror"
	PermError Result = "permerror"
	None      Result = "none"
)

// Reason says precisely why a signature did not pass (or what is weak
// about a passing one).
type Reason string

// Reasons. The string values are stable and appear in JSON reports.
const (
	ReasonNone               Reason = ""
	ReasonNoSignature        Reason = "no-signature"
	ReasonMalformedMessage   Reason = "malformed-message"
	ReasonSyntax             Reason = "signature-syntax"
	ReasonUnsupportedAlg     Reason = "unsupported-algorithm"
	ReasonIdentityMismatch   Reason = "identity-mismatch"
	ReasonFromNotSigned      Reason = "from-not-signed"
	ReasonBodyHashMismatch   Reason = "body-hash-mismatch"
	ReasonBodyTooShort       Reason = "body-shorter-than-l"
	ReasonSignatureMismatch  Reason = "signature-mismatch"
	ReasonKeyNotFound        Reason = "key-not-found"
	ReasonKeyTemp            Reason = "key-lookup-temporary-failure"
	ReasonKeyRevoked         Reason = "key-revoked"
	ReasonKeyInvalid         Reason = "key-invalid"
	ReasonKeyTooShort        Reason = "key-too-short"
	ReasonKeyTypeMismatch    Reason = "key-type-mismatch"
	ReasonKeyHashNotAllowed  Reason = "hash-not-allowed-by-key"
	ReasonKeyServiceMismatch Reason = "key-not-for-email"
	ReasonWeakHash           Reason = "sha1-weak"
	ReasonExpired            Reason = "signature-expired"
)

// JudgeTime chooses the moment at which time-dependent rules (x=
// expiry, archived key validity) are judged.
type JudgeTime string

// Judging times.
const (
	// JudgeNow uses Options.Time, or the current time when it is zero:
	// the mail filter's choice.
	JudgeNow JudgeTime = "now"
	// JudgeMessageDate uses the message's Date header (falling back to
	// the signature's t=, then to Options.Time/now): the leak
	// authenticator's choice.
	JudgeMessageDate JudgeTime = "message-date"
	// JudgeSignatureTime uses the signature's t= (falling back to the
	// Date header, then Options.Time/now).
	JudgeSignatureTime JudgeTime = "signature-time"
)

// ImportantHeaders are the fields whose coverage is reported.
var ImportantHeaders = []string{"From", "To", "Cc", "Subject", "Date", "Reply-To", "Message-ID", "Content-Type", "MIME-Version"}

// singletons may appear at most once (RFC 5322 §3.6).
var singletons = []string{"Date", "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Message-ID", "In-Reply-To", "References", "Subject"}

// Options configure verification. The zero value verifies with the
// system DNS at the current time, RFC 8301 rules (sha1 and RSA keys
// under 1024 bits not accepted).
type Options struct {
	// Resolver finds keys; nil means the system DNS.
	Resolver mailauth.KeyResolver
	// Time is the verification time for JudgeNow (zero: time.Now()).
	Time time.Time
	// JudgeAt chooses the time x= and key validity are judged at.
	JudgeAt JudgeTime
	// AllowSHA1 accepts rsa-sha1 signatures as pass (still reported as
	// weak). RFC 8301 says verifiers must not.
	AllowSHA1 bool
	// MinRSABits is the smallest accepted RSA key (default 1024, RFC 8301).
	MinRSABits int
	// Important overrides ImportantHeaders.
	Important []string
	// NoLocalize turns off the extra hashing done on failing signatures
	// to say what changed (a few extra hashes and signature checks).
	NoLocalize bool
}

// SignatureResult is the verdict on one DKIM-Signature with the facts a
// forensic report needs.
type SignatureResult struct {
	Index  int    `json:"index"` // position among the message's DKIM-Signature fields, 0 = topmost
	Result Result `json:"result"`
	Reason Reason `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`

	Domain      string           `json:"domain"`
	Selector    string           `json:"selector"`
	Identity    string           `json:"identity,omitempty"`
	Algorithm   string           `json:"algorithm"`
	HeaderCanon Canonicalization `json:"header_canon"`
	BodyCanon   Canonicalization `json:"body_canon"`
	// SignedHeaders is h= as written (lower case), repeats included.
	SignedHeaders []string  `json:"signed_headers"`
	SignedAt      time.Time `json:"signed_at,omitzero"`
	ExpiresAt     time.Time `json:"expires_at,omitzero"`

	// BodyLengthLimited is true when l= was used; BodyLength is its
	// value; UnsignedBodyBytes is how many canonical body bytes follow it
	// (content anyone could have appended).
	BodyLengthLimited bool  `json:"body_length_limited,omitempty"`
	BodyLength        int64 `json:"body_length,omitempty"`
	UnsignedBodyBytes int64 `json:"unsigned_body_bytes,omitempty"`

	// BodyHashOK: the body (up to l=) matches bh=. SignatureOK: the
	// signature verifies over the signed headers. CryptoValid: both,
	// whatever the policy says (expiry, sha1, key size, key h=).
	BodyHashOK  bool `json:"body_hash_ok"`
	SignatureOK bool `json:"signature_ok"`
	CryptoValid bool `json:"crypto_valid"`

	// MboxUnquoted: the body hash matched only after undoing mbox
	// ">From " quoting of body lines.
	MboxUnquoted bool `json:"mbox_unquoted,omitempty"`

	// For a signature whose header fields verify but whose body does not
	// match bh=: BodyWhitespaceOnly says the body matches once spaces and
	// tabs at line ends are removed (they were added after signing);
	// BodyReencoded names the transfer encoding ("quoted-printable",
	// "base64") whose decoding makes the body match (a relay re-encoded
	// 8bit text). Either way the text a reader sees is what was signed.
	BodyWhitespaceOnly bool   `json:"body_whitespace_only,omitempty"`
	BodyReencoded      string `json:"body_reencoded,omitempty"`

	// OtherKey: an RSA signature that does not even decode under the key
	// found (its PKCS#1 padding is garbage), so it was made with another
	// key, not over other data. A changed header field leaves the padding
	// intact and only the digest differs; a forger's own key does not.
	OtherKey bool `json:"other_key,omitempty"`

	KeySource  string `json:"key_source,omitempty"` // "dns", "archive", "dns+archive"
	KeyBits    int    `json:"key_bits,omitempty"`
	KeyTesting bool   `json:"key_testing,omitempty"` // t=y
	WeakHash   bool   `json:"weak_hash,omitempty"`   // rsa-sha1
	WeakKey    bool   `json:"weak_key,omitempty"`    // RSA below MinRSABits

	// JudgedAt is the time x= was judged at; Expired says x= had passed
	// then; ExpiredAtSigning says x= had already passed at the message's
	// Date (or t=): false with Expired true means "valid when sent".
	// ExpiredNow says x= has passed at Options.Time (or now), whatever
	// JudgeAt says.
	JudgedAt         time.Time `json:"judged_at"`
	Expired          bool      `json:"expired,omitempty"`
	ExpiredNow       bool      `json:"expired_now,omitempty"`
	ExpiredAtSigning bool      `json:"expired_at_signing,omitempty"`

	// NotSigned lists important fields not named in h= (they can be
	// changed or added freely). NotOverSigned lists important fields
	// named in h= no more often than they occur, so one more instance can
	// be added above without breaking the signature. Uncovered lists
	// instances of important fields present in the message but outside
	// the signature ("Subject #1 of 2").
	NotSigned     []string `json:"not_signed,omitempty"`
	NotOverSigned []string `json:"not_over_signed,omitempty"`
	Uncovered     []string `json:"uncovered,omitempty"`

	// FromDomains are the domains of the From field(s); FromAligned is
	// relaxed DMARC alignment of d= with all of them, FromAlignedStrict
	// exact equality.
	FromDomains       []string `json:"from_domains,omitempty"`
	FromAligned       bool     `json:"from_aligned"`
	FromAlignedStrict bool     `json:"from_aligned_strict"`

	// Hints localise a failure: what extra hashing showed (e.g. "body
	// matches under relaxed canonicalization: only whitespace changed").
	Hints []string `json:"hints,omitempty"`
	// ChangedHeaderCandidates, for a header-hash failure, lists the signed
	// fields one of which was changed (narrowed using other signatures).
	ChangedHeaderCandidates []string `json:"changed_header_candidates,omitempty"`

	sig *parsedSig
}

// Report is the outcome of VerifyMessage.
type Report struct {
	Signatures   []SignatureResult `json:"signatures"`
	NormalizedLF bool              `json:"normalized_lf,omitempty"`
	MboxFromLine string            `json:"mbox_from_line,omitempty"`
	Date         time.Time         `json:"date,omitzero"`
	// DuplicateSingletons lists fields RFC 5322 allows once that occur
	// more than once ("From x2").
	DuplicateSingletons []string `json:"duplicate_singletons,omitempty"`
	// ParseError is set when the message could not be parsed.
	ParseError string `json:"parse_error,omitempty"`
}

// Verify verifies every DKIM-Signature of raw and returns one result per
// signature (a single "none" result when there is none, a single
// permerror when the message cannot be parsed).
func Verify(ctx context.Context, raw []byte, opts Options) []SignatureResult {
	return VerifyMessage(ctx, raw, opts).Signatures
}

// VerifyMessage is Verify plus message-level facts.
func VerifyMessage(ctx context.Context, raw []byte, opts Options) *Report {
	rep := &Report{}
	m, err := ParseMessage(raw)
	if err != nil {
		rep.ParseError = err.Error()
		rep.Signatures = []SignatureResult{{Result: PermError, Reason: ReasonMalformedMessage, Detail: err.Error()}}
		return rep
	}
	rep.NormalizedLF, rep.MboxFromLine = m.NormalizedLF, m.MboxFromLine
	if d := m.Get("Date"); len(d) > 0 {
		rep.Date = mailauth.ParseDate(d[0])
	}
	for _, s := range singletons {
		if n := m.Count(s); n > 1 {
			rep.DuplicateSingletons = append(rep.DuplicateSingletons, fmt.Sprintf("%s x%d", s, n))
		}
	}
	rep.Signatures = verifyParsed(ctx, m, rep.Date, opts)
	return rep
}

func verifyParsed(ctx context.Context, m *Message, date time.Time, opts Options) []SignatureResult {
	v := &verifier{m: m, opts: opts, date: date, bodyCache: map[string][]byte{}}
	if v.opts.Resolver == nil {
		v.opts.Resolver = mailauth.NewDNSResolver("", 0)
	}
	if v.opts.MinRSABits == 0 {
		v.opts.MinRSABits = 1024
	}
	if v.opts.Important == nil {
		v.opts.Important = ImportantHeaders
	}
	var out []SignatureResult
	for i, f := range m.Fields {
		if !strings.EqualFold(f.Name, "DKIM-Signature") {
			continue
		}
		if len(out) >= MaxSignatures {
			out = append(out, SignatureResult{Index: len(out), Result: PermError, Reason: ReasonSyntax,
				Detail: fmt.Sprintf("more than %d DKIM-Signature fields; the rest are not verified", MaxSignatures)})
			break
		}
		r := v.verifyOne(ctx, i)
		r.Index = len(out)
		out = append(out, r)
	}
	if len(out) == 0 {
		return []SignatureResult{{Result: None, Reason: ReasonNoSignature, Detail: "message has no DKIM-Signature"}}
	}
	if !opts.NoLocalize {
		narrowCandidates(out)
	}
	return out
}

type verifier struct {
	m         *Message
	opts      Options
	date      time.Time
	bodyCache map[string][]byte
}

// parsedSig is a DKIM-Signature (or ARC-Message-Signature) after tag
// parsing and checks.
type parsedSig struct {
	field     int
	tags      TagList
	alg       string // rsa-sha256...
	keyType   string
	hash      crypto.Hash
	hc, bc    Canonicalization
	domain    string
	selector  string
	identity  string
	headers   []string
	bh, b     []byte
	length    int64 // -1 absent
	signedAt  time.Time
	expiresAt time.Time
	hasLen    bool
	rawField  []byte
}

// parseSig checks a DKIM-Signature field's tags (RFC 6376 §6.1.1).
func parseSig(raw []byte, arc bool) (*parsedSig, Reason, error) {
	colon := bytes.IndexByte(raw, ':')
	tl, err := ParseTagList(string(raw[colon+1:]))
	if err != nil {
		return nil, ReasonSyntax, err
	}
	s := &parsedSig{tags: tl, length: -1, rawField: raw}
	required := []string{"v", "a", "b", "bh", "d", "h", "s"}
	if arc {
		required = []string{"i", "a", "b", "bh", "d", "h", "s"}
	}
	for _, t := range required {
		if _, ok := tl.Get(t); !ok {
			return s, ReasonSyntax, fmt.Errorf("missing required tag %s=", t)
		}
	}
	if !arc {
		if v, _ := tl.Get("v"); v != "1" {
			return s, ReasonSyntax, fmt.Errorf("unsupported version v=%s", truncate(v, 10))
		}
	}
	s.domain = strings.ToLower(strings.TrimSuffix(stripFWS(tl.Values["d"]), "."))
	s.selector = strings.ToLower(stripFWS(tl.Values["s"]))
	if s.domain == "" || s.selector == "" {
		return s, ReasonSyntax, errors.New("empty d= or s=")
	}
	for _, h := range strings.Split(tl.Values["h"], ":") {
		h = strings.ToLower(stripFWS(h))
		if h == "" {
			return s, ReasonSyntax, errors.New("empty field name in h=")
		}
		s.headers = append(s.headers, h)
	}
	if len(s.headers) > 1000 {
		return s, ReasonSyntax, errors.New("h= lists more than 1000 fields")
	}
	s.alg = strings.ToLower(stripFWS(tl.Values["a"]))
	c, _ := tl.Get("c")
	if c == "" {
		c = "simple/simple"
	}
	if s.hc, s.bc, err = parseCanon(c); err != nil {
		return s, ReasonSyntax, err
	}
	if s.bh, err = base64.StdEncoding.DecodeString(stripFWS(tl.Values["bh"])); err != nil {
		return s, ReasonSyntax, fmt.Errorf("bh= is not base64: %v", err)
	}
	if s.b, err = base64.StdEncoding.DecodeString(stripFWS(tl.Values["b"])); err != nil {
		return s, ReasonSyntax, fmt.Errorf("b= is not base64: %v", err)
	}
	switch s.alg {
	case "rsa-sha256":
		s.keyType, s.hash = "rsa", crypto.SHA256
	case "rsa-sha1":
		s.keyType, s.hash = "rsa", crypto.SHA1
	case "ed25519-sha256":
		s.keyType, s.hash = "ed25519", crypto.SHA256
	default:
		return s, ReasonUnsupportedAlg, fmt.Errorf("unsupported algorithm a=%s", truncate(s.alg, 30))
	}
	if !arc {
		if !slices.Contains(s.headers, "from") {
			return s, ReasonFromNotSigned, errors.New("h= does not include From (RFC 6376 §5.4)")
		}
		s.identity = "@" + s.domain
		if i, ok := tl.Get("i"); ok {
			s.identity = stripFWS(i)
			at := strings.LastIndexByte(s.identity, '@')
			if at < 0 {
				return s, ReasonSyntax, fmt.Errorf("i=%s has no '@'", truncate(s.identity, 40))
			}
			idom := strings.ToLower(s.identity[at+1:])
			if idom != s.domain && !strings.HasSuffix(idom, "."+s.domain) {
				return s, ReasonIdentityMismatch, fmt.Errorf("i= domain %s is not d=%s or a subdomain", truncate(idom, 60), s.domain)
			}
		}
		if q, ok := tl.Get("q"); ok {
			okq := false
			for _, m := range strings.Split(q, ":") {
				if strings.ToLower(stripFWS(m)) == "dns/txt" {
					okq = true
				}
			}
			if !okq {
				return s, ReasonSyntax, fmt.Errorf("q=%s does not offer dns/txt", truncate(q, 30))
			}
		}
	}
	if l, ok := tl.Get("l"); ok {
		n, err := parseDecimal(l, 76)
		if err != nil {
			return s, ReasonSyntax, fmt.Errorf("l=: %v", err)
		}
		s.length, s.hasLen = n, true
	}
	if t, ok := tl.Get("t"); ok {
		n, err := parseDecimal(t, 12)
		if err != nil {
			return s, ReasonSyntax, fmt.Errorf("t=: %v", err)
		}
		s.signedAt = time.Unix(n, 0).UTC()
	}
	if x, ok := tl.Get("x"); ok {
		n, err := parseDecimal(x, 12)
		if err != nil {
			return s, ReasonSyntax, fmt.Errorf("x=: %v", err)
		}
		s.expiresAt = time.Unix(n, 0).UTC()
		if !s.signedAt.IsZero() && s.expiresAt.Before(s.signedAt) {
			return s, ReasonSyntax, errors.New("x= is before t=")
		}
	}
	return s, ReasonNone, nil
}

func hasMboxQuoting(body []byte) bool {
	return bytes.HasPrefix(body, []byte(">From ")) || bytes.HasPrefix(body, []byte(">>From ")) ||
		bytes.Contains(body, []byte("\n>From ")) || bytes.Contains(body, []byte("\n>>From "))
}

// unquoteMbox removes one ">" from lines matching ^>+From (mboxrd).
func unquoteMbox(body []byte) []byte {
	out := make([]byte, 0, len(body))
	for line := range bytes.SplitAfterSeq(body, []byte("\n")) {
		t := bytes.TrimLeft(line, ">")
		if len(t) < len(line) && bytes.HasPrefix(t, []byte("From ")) {
			line = line[1:]
		}
		out = append(out, line...)
	}
	return out
}

// parseDecimal parses a non-negative decimal of at most maxDigits digits;
// values beyond int64 saturate (l= of 76 digits is legal but absurd).
func parseDecimal(s string, maxDigits int) (int64, error) {
	s = stripFWS(s)
	if s == "" || len(s) > maxDigits {
		return 0, fmt.Errorf("%q is not a decimal of 1 to %d digits", truncate(s, 20), maxDigits)
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, fmt.Errorf("%q is not a decimal", truncate(s, 20))
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 1<<63 - 1, nil
	}
	return n, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func newHash(h crypto.Hash) hash.Hash {
	if h == crypto.SHA1 {
		return sha1.New()
	}
	return sha256.New()
}

// canonBody returns the canonical body for c, cached.
func (v *verifier) canonBody(c Canonicalization) []byte {
	if b, ok := v.bodyCache[string(c)]; ok {
		return b
	}
	b := CanonicalizeBody(v.m.Body, c)
	v.bodyCache[string(c)] = b
	return b
}

// HeaderHashInput returns the bytes hashed for the header part of a
// signature (RFC 6376 §3.7): the fields selected by names, canonicalized,
// then the signature field itself with b= emptied and no final CRLF.
func HeaderHashInput(m *Message, names []string, sigField int, c Canonicalization) []byte {
	var buf bytes.Buffer
	for _, idx := range m.selectFields(names, sigField) {
		if idx >= 0 {
			buf.Write(CanonicalizeHeader(m.Fields[idx].Raw, c))
		}
	}
	sf := CanonicalizeHeader(removeBValue(m.Fields[sigField].Raw), c)
	buf.Write(bytes.TrimSuffix(sf, []byte("\r\n")))
	return buf.Bytes()
}

// CheckSignature verifies a DKIM/ARC signature sig over data (the
// header hash input) with a key's public part, hashing with h.
func CheckSignature(pub crypto.PublicKey, h crypto.Hash, data, sig []byte) bool {
	return checkSignature(pub, h, data, sig)
}

// checkSignature verifies sig over data with key pub, hashing with h.
func checkSignature(pub crypto.PublicKey, h crypto.Hash, data, sig []byte) bool {
	hh := newHash(h)
	hh.Write(data)
	sum := hh.Sum(nil)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 1024 {
			return smallRSAVerify(k, h, sum, sig)
		}
		return rsa.VerifyPKCS1v15(k, h, sum, sig) == nil
	case ed25519.PublicKey:
		// RFC 8463 §3: Ed25519 signs the SHA-256 hash of the header data.
		return ed25519.Verify(k, sum, sig)
	}
	return false
}

// smallRSAVerify verifies PKCS#1 v1.5 signatures for RSA keys below
// 1024 bits, which crypto/rsa refuses. A forensic report still needs to
// know whether such a signature is mathematically valid (it proves
// little: 512-bit keys are factored cheaply).
func smallRSAVerify(k *rsa.PublicKey, h crypto.Hash, sum, sig []byte) bool {
	size := (k.N.BitLen() + 7) / 8
	if len(sig) != size || k.E < 2 {
		return false
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(k.N) >= 0 {
		return false
	}
	em := new(big.Int).Exp(s, big.NewInt(int64(k.E)), k.N).FillBytes(make([]byte, size))
	var prefix []byte
	switch h {
	case crypto.SHA1:
		prefix = []byte{0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14}
	case crypto.SHA256:
		prefix = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}
	default:
		return false
	}
	tLen := len(prefix) + len(sum)
	if size < tLen+11 {
		return false
	}
	want := make([]byte, size)
	want[1] = 1
	for i := 2; i < size-tLen-1; i++ {
		want[i] = 0xff
	}
	copy(want[size-tLen:], prefix)
	copy(want[size-len(sum):], sum)
	return bytes.Equal(em, want)
}

// rsaDecodes reports whether sig, raised to the key's public exponent,
// has the PKCS#1 v1.5 structure of a signature with hash h (whatever the
// digest): true when the key made the signature, over any data. A
// signature made with another key decodes to noise.
func rsaDecodes(k *rsa.PublicKey, h crypto.Hash, sig []byte) bool {
	size := (k.N.BitLen() + 7) / 8
	if len(sig) != size || k.E < 2 {
		return false
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(k.N) >= 0 {
		return false
	}
	em := new(big.Int).Exp(s, big.NewInt(int64(k.E)), k.N).FillBytes(make([]byte, size))
	var prefix []byte
	switch h {
	case crypto.SHA1:
		prefix = []byte{0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14}
	case crypto.SHA256:
		prefix = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}
	default:
		return false
	}
	tLen := len(prefix) + h.Size()
	if size < tLen+11 || em[0] != 0 || em[1] != 1 {
		return false
	}
	for i := 2; i < size-tLen-1; i++ {
		if em[i] != 0xff {
			return false
		}
	}
	return em[size-tLen-1] == 0 && bytes.Equal(em[size-tLen:size-tLen+len(prefix)], prefix)
}

func (v *verifier) judgeTime(s *parsedSig) time.Time {
	now := v.opts.Time
	if now.IsZero() {
		now = time.Now()
	}
	switch v.opts.JudgeAt {
	case JudgeMessageDate:
		if !v.date.IsZero() {
			return v.date
		}
		if !s.signedAt.IsZero() {
			return s.signedAt
		}
	case JudgeSignatureTime:
		if !s.signedAt.IsZero() {
			return s.signedAt
		}
		if !v.date.IsZero() {
			return v.date
		}
	}
	return now
}

func (v *verifier) verifyOne(ctx context.Context, field int) SignatureResult {
	return v.verifyField(ctx, field, false)
}

// VerifyField verifies one signature field of m: a DKIM-Signature, or
// with arc an ARC-Message-Signature (RFC 8617 §4.1.2: i= instead of v=,
// no From requirement). The ARC verifier uses it.
func VerifyField(ctx context.Context, m *Message, field int, arc bool, opts Options) SignatureResult {
	v := &verifier{m: m, opts: opts, bodyCache: map[string][]byte{}}
	if v.opts.Resolver == nil {
		v.opts.Resolver = mailauth.NewDNSResolver("", 0)
	}
	if v.opts.MinRSABits == 0 {
		v.opts.MinRSABits = 1024
	}
	v.opts.NoLocalize = true
	return v.verifyField(ctx, field, arc)
}

func (v *verifier) verifyField(ctx context.Context, field int, arc bool) SignatureResult {
	r := SignatureResult{}
	s, reason, err := parseSig(v.m.Fields[field].Raw, arc)
	if s != nil {
		s.field = field
		r.fill(s)
		r.sig = s
		if !arc {
			r.headerFacts(v.m, s, v.opts.Important)
		}
	}
	if err != nil {
		r.Result, r.Reason, r.Detail = PermError, reason, err.Error()
		return r
	}
	at := v.judgeTime(s)
	r.JudgedAt = at

	// Body hash.
	body := v.canonBody(s.bc)
	tooShort := false
	if s.hasLen {
		r.BodyLength = s.length
		if s.length > int64(len(body)) {
			tooShort = true
		} else {
			r.UnsignedBodyBytes = int64(len(body)) - s.length
		}
	}
	if !tooShort {
		hashed := body
		if s.hasLen {
			hashed = body[:s.length]
		}
		hh := newHash(s.hash)
		hh.Write(hashed)
		r.BodyHashOK = bytes.Equal(hh.Sum(nil), s.bh)
		if !r.BodyHashOK && !s.hasLen && hasMboxQuoting(v.m.Body) {
			// Messages kept in mbox files get "From " lines quoted as
			// ">From ": undo one level and try again.
			hh = newHash(s.hash)
			hh.Write(CanonicalizeBody(unquoteMbox(v.m.Body), s.bc))
			if bytes.Equal(hh.Sum(nil), s.bh) {
				r.BodyHashOK, r.MboxUnquoted = true, true
				r.Hints = append(r.Hints, "the body matches once mbox \">From \" quoting is undone: a storage artefact, not a change of content")
			}
		}
	}

	// Key.
	resolver := v.opts.Resolver
	if tr, ok := resolver.(mailauth.TimedResolver); ok && v.opts.JudgeAt != "" && v.opts.JudgeAt != JudgeNow {
		resolver = tr.ResolverAt(at)
	}
	name := s.selector + "._domainkey." + s.domain
	srecs, lerr := lookupAll(ctx, resolver, name)
	if lerr != nil {
		if mailauth.IsNotFound(lerr) {
			r.Result, r.Reason, r.Detail = PermError, ReasonKeyNotFound, fmt.Sprintf("no key record at %s", name)
		} else {
			r.Result, r.Reason, r.Detail = TempError, ReasonKeyTemp, lerr.Error()
		}
		v.localize(&r, s, nil)
		return r
	}
	var key *Key
	var keyErr error
	sigOK := false
	for _, rec := range srecs {
		k, err := ParseKey(rec.Value)
		if err != nil {
			if keyErr == nil || errors.Is(err, errRevoked) {
				keyErr = err
			}
			continue
		}
		// With several records (DNS and an archive, or an archive holding
		// successive keys of one selector), prefer the one that verifies.
		if key == nil {
			key, r.KeySource = k, rec.Source
		}
		if len(srecs) == 1 {
			break
		}
		if v.sigValid(s, k) {
			key, r.KeySource, sigOK = k, rec.Source, true
			break
		}
	}
	if key != nil && len(srecs) == 1 {
		sigOK = v.sigValid(s, key)
	}
	if key == nil {
		if errors.Is(keyErr, errRevoked) {
			r.Result, r.Reason, r.Detail = PermError, ReasonKeyRevoked, fmt.Sprintf("key %s is revoked (empty p=)", name)
		} else {
			r.Result, r.Reason, r.Detail = PermError, ReasonKeyInvalid, fmt.Sprintf("%s: %v", name, keyErr)
		}
		v.localize(&r, s, nil)
		return r
	}
	r.KeyBits, r.KeyTesting = key.Bits, key.Testing()
	if key.KeyType != s.keyType {
		r.Result, r.Reason, r.Detail = PermError, ReasonKeyTypeMismatch, fmt.Sprintf("a=%s but the key is k=%s", s.alg, key.KeyType)
		return r
	}
	r.SignatureOK = sigOK
	if !sigOK {
		if rk, ok := key.Public.(*rsa.PublicKey); ok {
			r.OtherKey = !rsaDecodes(rk, s.hash, s.b)
		}
	}
	r.CryptoValid = r.BodyHashOK && r.SignatureOK
	r.WeakHash = s.hash == crypto.SHA1
	r.WeakKey = key.KeyType == "rsa" && key.Bits < v.opts.MinRSABits
	if !s.expiresAt.IsZero() {
		r.Expired = at.After(s.expiresAt)
		now := v.opts.Time
		if now.IsZero() {
			now = time.Now()
		}
		r.ExpiredNow = now.After(s.expiresAt)
		ref := v.date
		if ref.IsZero() {
			ref = s.signedAt
		}
		r.ExpiredAtSigning = !ref.IsZero() && ref.After(s.expiresAt)
	}

	hashName := "sha256"
	if s.hash == crypto.SHA1 {
		hashName = "sha1"
	}
	switch {
	case len(key.Hashes) > 0 && !slices.Contains(key.Hashes, hashName):
		r.Result, r.Reason, r.Detail = PermError, ReasonKeyHashNotAllowed, fmt.Sprintf("key h=%s does not allow %s", strings.Join(key.Hashes, ":"), hashName)
	case len(key.Services) > 0 && !slices.Contains(key.Services, "*") && !slices.Contains(key.Services, "email"):
		r.Result, r.Reason, r.Detail = PermError, ReasonKeyServiceMismatch, fmt.Sprintf("key s=%s is not for email", strings.Join(key.Services, ":"))
	case key.StrictIdentity() && !strings.EqualFold(s.identity[strings.LastIndexByte(s.identity, '@')+1:], s.domain):
		r.Result, r.Reason, r.Detail = PermError, ReasonIdentityMismatch, "key t=s requires the i= domain to equal d="
	case tooShort:
		r.Result, r.Reason = Fail, ReasonBodyTooShort
		r.Detail = fmt.Sprintf("l=%d but the canonical body has only %d bytes", s.length, len(body))
	case !r.BodyHashOK:
		r.Result, r.Reason, r.Detail = Fail, ReasonBodyHashMismatch, "body hash does not match bh=: the body was changed"
	case !r.SignatureOK:
		r.Result, r.Reason, r.Detail = Fail, ReasonSignatureMismatch, "signature does not verify: a signed header field or the signature was changed"
	case r.WeakKey:
		r.Result, r.Reason, r.Detail = PermError, ReasonKeyTooShort, fmt.Sprintf("RSA key of %d bits, below %d (RFC 8301)", key.Bits, v.opts.MinRSABits)
	case r.Expired:
		r.Result, r.Reason, r.Detail = PermError, ReasonExpired, fmt.Sprintf("x=%s is before %s", s.expiresAt.Format(time.RFC3339), at.UTC().Format(time.RFC3339))
	case r.WeakHash && !v.opts.AllowSHA1:
		r.Result, r.Reason, r.Detail = Fail, ReasonWeakHash, "rsa-sha1 signatures must not be considered valid (RFC 8301)"
	default:
		r.Result = Pass
		if r.WeakHash {
			r.Reason, r.Detail = ReasonWeakHash, "valid, but rsa-sha1 is weak (RFC 8301)"
		}
	}
	if !r.CryptoValid {
		v.localize(&r, s, key)
	}
	return r
}

// lookupAll returns every key record for name with its source, merging
// the members of a chain.
func lookupAll(ctx context.Context, r mailauth.KeyResolver, name string) ([]mailauth.SourcedRecord, error) {
	if c, ok := r.(interface {
		LookupTXTAll(context.Context, string) ([]mailauth.SourcedRecord, error)
	}); ok {
		return c.LookupTXTAll(ctx, name)
	}
	recs, src, err := mailauth.LookupTXTSource(ctx, r, name)
	if err != nil {
		return nil, err
	}
	out := make([]mailauth.SourcedRecord, len(recs))
	for i, v := range recs {
		out[i] = mailauth.SourcedRecord{Value: v, Source: src}
	}
	return out, nil
}

func (v *verifier) sigValid(s *parsedSig, k *Key) bool {
	if k.KeyType != s.keyType {
		return false
	}
	return checkSignature(k.Public, s.hash, HeaderHashInput(v.m, s.headers, s.field, s.hc), s.b)
}

func (r *SignatureResult) fill(s *parsedSig) {
	r.Domain, r.Selector, r.Identity, r.Algorithm = s.domain, s.selector, s.identity, s.alg
	r.HeaderCanon, r.BodyCanon = s.hc, s.bc
	r.SignedHeaders = s.headers
	r.SignedAt, r.ExpiresAt = s.signedAt, s.expiresAt
	r.BodyLengthLimited = s.hasLen
}

// headerFacts fills coverage and alignment facts.
func (r *SignatureResult) headerFacts(m *Message, s *parsedSig, important []string) {
	count := map[string]int{}
	for _, h := range s.headers {
		count[h]++
	}
	selected := map[int]bool{}
	for _, i := range m.selectFields(s.headers, s.field) {
		if i >= 0 {
			selected[i] = true
		}
	}
	for _, name := range important {
		k := strings.ToLower(name)
		present := m.Count(name)
		switch {
		case count[k] == 0:
			r.NotSigned = append(r.NotSigned, name)
		case count[k] <= present:
			r.NotOverSigned = append(r.NotOverSigned, name)
		}
		if present > 0 && count[k] > 0 {
			n := 0
			for i, f := range m.Fields {
				if strings.EqualFold(f.Name, name) {
					n++
					if !selected[i] {
						r.Uncovered = append(r.Uncovered, fmt.Sprintf("%s #%d of %d", name, n, present))
					}
				}
			}
		} else if present > 0 {
			r.Uncovered = append(r.Uncovered, fmt.Sprintf("%s (not signed)", name))
		}
	}
	froms := m.Get("From")
	r.FromAligned, r.FromAlignedStrict = len(froms) > 0, len(froms) > 0
	for _, f := range froms {
		ds := mailauth.AddressDomains(f)
		if len(ds) == 0 {
			r.FromAligned, r.FromAlignedStrict = false, false
		}
		for _, d := range ds {
			r.FromDomains = append(r.FromDomains, d)
			if !mailauth.Aligned(d, s.domain, false) {
				r.FromAligned = false
			}
			if !mailauth.Aligned(d, s.domain, true) {
				r.FromAlignedStrict = false
			}
		}
	}
}
