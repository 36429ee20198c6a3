package pe

import (
	"crypto/sha1"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Certificate is an X.509 certificate of an Authenticode signature, with
// the fields libyara exposes for it.
type Certificate struct {
	Thumbprint   string // lower-case hex SHA-1 of the DER encoding
	Issuer       string // OpenSSL X509_NAME_oneline form: "/C=US/O=Example/CN=Example CA"
	Subject      string
	Version      int64  // X.509 version (1..3)
	Algorithm    string // signature algorithm, OpenSSL long name ("sha256WithRSAEncryption")
	AlgorithmOID string
	Serial       string // DER content bytes of the serial, lower-case hex joined by ':' ("00:ff:..." keeps the sign byte)
	NotBefore    int64  // Unix seconds
	NotAfter     int64
}

// ValidOn is pe.signatures[i].valid_on(ts).
func (c *Certificate) ValidOn(ts int64) bool { return ts >= c.NotBefore && ts <= c.NotAfter }

// Signature is one entry of libyara 4.2's pe.signatures: the certificate
// of one signer of an Authenticode PKCS#7 SignedData (nested signatures add
// entries). DigestAlg, Digest and Certificates are Vigie extras that
// libyara 4.2 does not expose.
type Signature struct {
	Certificate
	HasSerial    bool          // serial is 1..20 bytes (libyara leaves it undefined otherwise)
	DigestAlg    string        // algorithm of the file digest in SpcIndirectDataContent ("sha1", "sha256")
	Digest       string        // lower-case hex file digest claimed by the signature
	Certificates []Certificate // every certificate in the PKCS#7 bag, in order
}

// NumberOfSignatures is pe.number_of_signatures (parses lazily). It is
// undefined in YARA when the security directory entry is absent
// (see HasSecurityDirectory).
func (f *File) NumberOfSignatures() int { return len(f.Signatures()) }

// HasSecurityDirectory reports whether data directory 4 is present
// (i.e. NumberOfRvaAndSizes > 4), the condition for libyara to define
// pe.number_of_signatures.
func (f *File) HasSecurityDirectory() bool { _, ok := f.Directory(4); return ok }

// IsSigned reports whether the file has at least one signature.
func (f *File) IsSigned() bool { return f.NumberOfSignatures() > 0 }

// Signatures returns the Authenticode signatures of the security directory,
// as libyara 4.2 (OpenSSL build) lists them: for every WIN_CERTIFICATE of
// revision 2.0 and type PKCS_SIGNED_DATA, every PKCS#7 blob in it, one
// entry per signer certificate, then the signatures nested in the first
// signer's unauthenticated attributes (1.3.6.1.4.1.311.2.4.1); at most
// MaxSignatures. It is parsed on the first call and cached.
func (f *File) Signatures() []Signature {
	f.sigOnce.Do(f.parseSignatures)
	return f.sigs
}

func (f *File) parseSignatures() {
	dd, ok := f.Directory(4)
	if !ok {
		return
	}
	// VirtualAddress is a file offset here.
	off, size, n := int64(dd.VirtualAddress), int64(dd.Size), int64(len(f.data))
	if off == 0 || off > n || size > n || off+size > n {
		return
	}
	eod := off + size
	le := binary.LittleEndian
	for wc := off; len(f.sigs) < MaxSignatures; {
		if wc+8 > n {
			break
		}
		l := int64(le.Uint32(f.data[wc:]))
		if l <= 8 || wc+l > n || wc+8 >= eod || wc+l > eod {
			break
		}
		rev, typ := le.Uint16(f.data[wc+4:]), le.Uint16(f.data[wc+6:])
		if rev != 0x100 && rev != 0x200 {
			break
		}
		end := wc + l
		if rev == 0x200 && typ == 2 {
			blob := f.data[wc+8 : end]
			for len(blob) > 0 && len(f.sigs) < MaxSignatures {
				rest, sigs, err := parsePKCS7(blob, 0)
				if err != nil {
					f.anomaly(FlagBadSignature, "pe: PKCS#7 signature at offset 0x%x: %v", end-int64(len(blob)), err)
					break
				}
				f.sigs = append(f.sigs, sigs...)
				blob = rest
			}
		}
		wc = (end + 7) &^ 7
	}
	if len(f.sigs) > MaxSignatures {
		f.sigs = f.sigs[:MaxSignatures]
	}
}

var (
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidNestedSig     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 4, 1}
	oidSpcIndirect   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 4}
	errNotSignedData = errors.New("content is not PKCS#7 SignedData")
)

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// signedData holds the parts of a PKCS#7 SignedData Vigie reads. It is
// decoded element by element (see parseSignedData): encoding/asn1 lets an
// optional RawValue field swallow whatever element comes next.
type signedData struct {
	ContentInfo  contentInfo
	Certificates []byte // contents of [0] IMPLICIT certificates
	SignerInfos  []signerInfo
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial asn1.RawValue
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue
}

type signerInfo struct {
	IssuerAndSerial  issuerAndSerial
	UnauthAttributes []attribute
}

// elements splits DER contents into its top-level elements.
func elements(b []byte) ([]asn1.RawValue, error) {
	var out []asn1.RawValue
	for len(b) > 0 {
		var v asn1.RawValue
		r, err := asn1.Unmarshal(b, &v)
		if err != nil {
			return out, err
		}
		out = append(out, v)
		b = r
		if len(out) > 4096 {
			return out, errors.New("too many elements")
		}
	}
	return out, nil
}

func parseSignedData(der []byte) (*signedData, error) {
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(der, &seq); err != nil {
		return nil, err
	}
	el, err := elements(seq.Bytes)
	if err != nil {
		return nil, err
	}
	if len(el) < 4 {
		return nil, errors.New("SignedData has too few elements")
	}
	sd := &signedData{}
	if _, err := asn1.Unmarshal(el[2].FullBytes, &sd.ContentInfo); err != nil {
		return nil, fmt.Errorf("content info: %w", err)
	}
	i := 3
	if i < len(el) && el[i].Class == asn1.ClassContextSpecific && el[i].Tag == 0 {
		sd.Certificates = el[i].Bytes
		i++
	}
	if i < len(el) && el[i].Class == asn1.ClassContextSpecific && el[i].Tag == 1 {
		i++ // CRLs
	}
	if i >= len(el) || el[i].Tag != asn1.TagSet {
		return nil, errors.New("SignedData has no signerInfos")
	}
	sis, err := elements(el[i].Bytes)
	if err != nil {
		return nil, fmt.Errorf("signerInfos: %w", err)
	}
	for _, raw := range sis {
		f, err := elements(raw.Bytes)
		if err != nil || len(f) < 5 {
			return nil, errors.New("malformed signerInfo")
		}
		var si signerInfo
		if _, err := asn1.Unmarshal(f[1].FullBytes, &si.IssuerAndSerial); err != nil {
			return nil, fmt.Errorf("signerInfo issuerAndSerialNumber: %w", err)
		}
		last := f[len(f)-1]
		if last.Class == asn1.ClassContextSpecific && last.Tag == 1 {
			attrs, _ := elements(last.Bytes)
			for _, a := range attrs {
				var at attribute
				if _, err := asn1.Unmarshal(a.FullBytes, &at); err == nil {
					si.UnauthAttributes = append(si.UnauthAttributes, at)
				}
			}
		}
		sd.SignerInfos = append(sd.SignerInfos, si)
	}
	return sd, nil
}

type spcIndirectData struct {
	Data          asn1.RawValue
	MessageDigest struct {
		Algorithm algorithmIdentifier
		Digest    []byte
	}
}

type tbsCertificate struct {
	Raw          asn1.RawContent
	Version      int `asn1:"optional,explicit,default:0,tag:0"`
	Serial       asn1.RawValue
	SigAlg       algorithmIdentifier
	Issuer       asn1.RawValue
	Validity     struct{ NotBefore, NotAfter asn1.RawValue }
	Subject      asn1.RawValue
	PublicKey    asn1.RawValue
	RestOptional asn1.RawValue `asn1:"optional"`
}

type certificate struct {
	Raw    asn1.RawContent
	TBS    tbsCertificate
	SigAlg algorithmIdentifier
	Sig    asn1.BitString
}

// parsePKCS7 decodes one ContentInfo from der and returns what follows it
// and one Signature per signer (plus nested signatures at depth 0).
func parsePKCS7(der []byte, depth int) ([]byte, []Signature, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, nil, err
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return rest, nil, errNotSignedData
	}
	sd, err := parseSignedData(ci.Content.Bytes)
	if err != nil {
		return rest, nil, fmt.Errorf("SignedData: %w", err)
	}
	var digestAlg, digest string
	if sd.ContentInfo.ContentType.Equal(oidSpcIndirect) {
		var spc spcIndirectData
		if _, err := asn1.Unmarshal(sd.ContentInfo.Content.Bytes, &spc); err == nil {
			digestAlg = oidLongName(spc.MessageDigest.Algorithm.Algorithm)
			digest = hex.EncodeToString(spc.MessageDigest.Digest)
		}
	}
	type rawCert struct {
		c      Certificate
		issuer []byte
		serial []byte
	}
	var certs []rawCert
	var all []Certificate
	cb := sd.Certificates
	for len(cb) > 0 && len(certs) < MaxCertificates {
		var c certificate
		r, err := asn1.Unmarshal(cb, &c)
		if err != nil {
			break
		}
		cb = r
		cc := convertCert(&c)
		certs = append(certs, rawCert{c: cc, issuer: c.TBS.Issuer.FullBytes, serial: c.TBS.Serial.Bytes})
		all = append(all, cc)
	}
	// PKCS7_get0_signers: every signer must have its certificate, or none
	// is reported (and nested signatures are not looked at either).
	if len(sd.SignerInfos) == 0 {
		return rest, nil, fmt.Errorf("SignedData has no signer")
	}
	var out []Signature
	for i := range sd.SignerInfos {
		si := &sd.SignerInfos[i]
		found := false
		for _, c := range certs {
			if string(c.issuer) == string(si.IssuerAndSerial.Issuer.FullBytes) && string(c.serial) == string(si.IssuerAndSerial.Serial.Bytes) {
				out = append(out, Signature{
					Certificate:  c.c,
					HasSerial:    len(c.serial) >= 1 && len(c.serial) <= 20,
					DigestAlg:    digestAlg,
					Digest:       digest,
					Certificates: all,
				})
				found = true
				break
			}
		}
		if !found {
			return rest, nil, fmt.Errorf("no certificate for signer %d", i)
		}
	}
	if depth < 4 {
		for _, a := range sd.SignerInfos[0].UnauthAttributes {
			if !a.Type.Equal(oidNestedSig) {
				continue
			}
			vals := a.Values.Bytes
			for k := 0; len(vals) > 0 && k < MaxSignatures && len(out) < MaxSignatures; k++ {
				var v asn1.RawValue
				r, err := asn1.Unmarshal(vals, &v)
				if err != nil {
					break
				}
				vals = r
				if _, nested, err := parsePKCS7(v.FullBytes, depth+1); err == nil {
					out = append(out, nested...)
				}
			}
			break
		}
	}
	return rest, out, nil
}

func convertCert(c *certificate) Certificate {
	sum := sha1.Sum(c.Raw)
	r := Certificate{ // Serial is set below only when 1..20 bytes long, as libyara
		Thumbprint:   hex.EncodeToString(sum[:]),
		Issuer:       onelineName(c.TBS.Issuer.FullBytes),
		Subject:      onelineName(c.TBS.Subject.FullBytes),
		Version:      int64(c.TBS.Version) + 1,
		Algorithm:    oidLongName(c.SigAlg.Algorithm),
		AlgorithmOID: c.SigAlg.Algorithm.String(),
		Serial:       serialString(c.TBS.Serial.Bytes),
		NotBefore:    asn1Time(c.TBS.Validity.NotBefore),
		NotAfter:     asn1Time(c.TBS.Validity.NotAfter),
	}
	return r
}

// serialString renders the DER content bytes of the serial number
// (two's complement, with the sign byte) as lower-case hex joined by ':',
// as libyara does with i2d_ASN1_INTEGER.
func serialString(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(hex.EncodeToString([]byte{c}))
	}
	return sb.String()
}

// asn1Time converts a UTCTime or GeneralizedTime the way libyara's
// ASN1_get_time_t does: fixed digit positions, two-digit years below 70 in
// the 2000s, any time zone suffix ignored.
func asn1Time(v asn1.RawValue) int64 {
	s := v.Bytes
	digits := func(i, n int) (int, bool) {
		if i+n > len(s) {
			return 0, false
		}
		x := 0
		for _, c := range s[i : i+n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			x = x*10 + int(c-'0')
		}
		return x, true
	}
	var year, i int
	var ok bool
	switch v.Tag {
	case asn1.TagUTCTime:
		if year, ok = digits(0, 2); !ok {
			return 0
		}
		year += 1900
		if year < 1970 {
			year += 100
		}
		i = 2
	case asn1.TagGeneralizedTime:
		if year, ok = digits(0, 4); !ok {
			return 0
		}
		i = 4
	default:
		return 0
	}
	var f [5]int
	for k := range f {
		if f[k], ok = digits(i+2*k, 2); !ok {
			return 0
		}
	}
	return time.Date(year, time.Month(f[0]), f[1], f[2], f[3], f[4], 0, time.UTC).Unix()
}

// OpenSSL short names of the X.509 name attributes seen in code-signing
// certificates; other OIDs print in dotted form, as OpenSSL does for
// unknown ones.
var nameShort = map[string]string{
	"2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O",
	"2.5.4.11": "OU", "2.5.4.5": "serialNumber", "2.5.4.9": "street", "2.5.4.17": "postalCode",
	"2.5.4.15": "businessCategory", "2.5.4.12": "title", "2.5.4.4": "SN", "2.5.4.42": "GN",
	"2.5.4.43": "initials", "2.5.4.44": "generationQualifier", "2.5.4.46": "dnQualifier",
	"2.5.4.65": "pseudonym", "2.5.4.41": "name", "2.5.4.13": "description",
	"2.5.4.97": "organizationIdentifier", "2.5.4.18": "postOfficeBox", "2.5.4.16": "postalAddress",
	"2.5.4.20": "telephoneNumber", "2.5.4.45": "x500UniqueIdentifier",
	"1.2.840.113549.1.9.1": "emailAddress", "1.2.840.113549.1.9.2": "unstructuredName",
	"0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
	"1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL", "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST",
	"1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC",
}

var oidLong = map[string]string{
	"1.2.840.113549.1.1.1": "rsaEncryption", "1.2.840.113549.1.1.2": "md2WithRSAEncryption",
	"1.2.840.113549.1.1.4": "md5WithRSAEncryption", "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
	"1.2.840.113549.1.1.10": "rsassaPss", "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
	"1.2.840.113549.1.1.12": "sha384WithRSAEncryption", "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
	"1.2.840.113549.1.1.14": "sha224WithRSAEncryption", "1.3.14.3.2.29": "sha1WithRSA",
	"1.2.840.10045.4.1": "ecdsa-with-SHA1", "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
	"1.2.840.10045.4.3.3": "ecdsa-with-SHA384", "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
	"1.2.840.10040.4.3": "dsaWithSHA1", "2.16.840.1.101.3.4.3.2": "dsa_with_SHA256",
	"1.3.14.3.2.26": "sha1", "2.16.840.1.101.3.4.2.1": "sha256", "2.16.840.1.101.3.4.2.2": "sha384",
	"2.16.840.1.101.3.4.2.3": "sha512", "2.16.840.1.101.3.4.2.4": "sha224", "1.2.840.113549.2.5": "md5",
}

func oidLongName(o asn1.ObjectIdentifier) string {
	s := o.String()
	if n, ok := oidLong[s]; ok {
		return n
	}
	return s
}

// onelineName renders a DER Name like OpenSSL's X509_NAME_oneline: each
// attribute as "/SN=value", bytes outside ' '..'~' as \xHH (upper case).
func onelineName(der []byte) string {
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(der, &seq); err != nil {
		return ""
	}
	var sb strings.Builder
	rdns := seq.Bytes
	for len(rdns) > 0 {
		var set asn1.RawValue
		r, err := asn1.Unmarshal(rdns, &set)
		if err != nil {
			break
		}
		rdns = r
		atvs := set.Bytes
		for len(atvs) > 0 {
			var atv struct {
				Type  asn1.ObjectIdentifier
				Value asn1.RawValue
			}
			r, err := asn1.Unmarshal(atvs, &atv)
			if err != nil {
				break
			}
			atvs = r
			key := atv.Type.String()
			if s, ok := nameShort[key]; ok {
				key = s
			}
			var part strings.Builder
			part.WriteByte('/')
			part.WriteString(key)
			part.WriteByte('=')
			for _, c := range atv.Value.Bytes {
				if c < ' ' || c > '~' {
					fmt.Fprintf(&part, "\\x%02X", c)
				} else {
					part.WriteByte(c)
				}
			}
			// libyara passes a 256-byte buffer: OpenSSL stops before the
			// first entry that would not fit (255 characters + NUL).
			if sb.Len()+part.Len() > 255 {
				return sb.String()
			}
			sb.WriteString(part.String())
		}
	}
	return sb.String()
}
