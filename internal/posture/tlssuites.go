package posture

import (
	"math/big"
	"strings"
	"sync"
)

// suiteClass is the rating of a cipher suite in the NCSC-NL TLS
// guidelines (appendix B), as internet.nl applies it.
type suiteClass int

const (
	classGood suiteClass = iota
	classSufficient
	classPhaseOut
	classInsufficient
)

func (c suiteClass) String() string {
	return [...]string{"good", "sufficient", "phase out", "insufficient"}[c]
}

// suiteNames maps the cipher suites the probe offers to their IANA names.
// TLS 1.3 suites (0x13xx) are offered only in TLS 1.3 hellos; the others
// in TLS 1.0-1.2 hellos, those with GCM, CCM, ChaCha20 or a SHA-2 MAC only
// from TLS 1.2 (see suiteMinTLS12). The list covers what OpenSSL, its
// legacy builds, SChannel and Java servers can accept, weak ones included
// (RC4, 3DES, DES, export, NULL, anonymous), since those are what the
// probe looks for; PSK, SRP and Kerberos suites need a shared secret and
// are left out.
var suiteNames = map[uint16]string{
	0x1301: "TLS_AES_128_GCM_SHA256",
	0x1302: "TLS_AES_256_GCM_SHA384",
	0x1303: "TLS_CHACHA20_POLY1305_SHA256",
	0x1304: "TLS_AES_128_CCM_SHA256",
	0x1305: "TLS_AES_128_CCM_8_SHA256",

	0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
	0xC0AC: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
	0xC0AD: "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
	0xC0AE: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
	0xC0AF: "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
	0xC023: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
	0xC024: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
	0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
	0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
	0xC008: "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
	0xC007: "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
	0xC006: "TLS_ECDHE_ECDSA_WITH_NULL_SHA",
	0xC072: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
	0xC073: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
	0xC086: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256",
	0xC087: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384",
	0xC05C: "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256",
	0xC05D: "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
	0xC048: "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256",
	0xC049: "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384",

	0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	0xC027: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
	0xC028: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
	0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
	0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
	0xC012: "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
	0xC011: "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
	0xC010: "TLS_ECDHE_RSA_WITH_NULL_SHA",
	0xC076: "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
	0xC077: "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
	0xC08A: "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
	0xC08B: "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
	0xC060: "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
	0xC061: "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
	0xC04C: "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256",
	0xC04D: "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384",

	0x009E: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
	0x009F: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
	0xCCAA: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	0xC09E: "TLS_DHE_RSA_WITH_AES_128_CCM",
	0xC09F: "TLS_DHE_RSA_WITH_AES_256_CCM",
	0xC0A2: "TLS_DHE_RSA_WITH_AES_128_CCM_8",
	0xC0A3: "TLS_DHE_RSA_WITH_AES_256_CCM_8",
	0x0067: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
	0x006B: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
	0x0033: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
	0x0039: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
	0x0016: "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
	0x0015: "TLS_DHE_RSA_WITH_DES_CBC_SHA",
	0x0014: "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
	0x0045: "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA",
	0x0088: "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA",
	0x00BE: "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
	0x00C4: "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
	0xC07C: "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
	0xC07D: "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
	0xC052: "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256",
	0xC053: "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384",
	0xC044: "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256",
	0xC045: "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384",
	0x009A: "TLS_DHE_RSA_WITH_SEED_CBC_SHA",

	0x00A2: "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
	0x00A3: "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384",
	0x0040: "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
	0x006A: "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
	0x0032: "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
	0x0038: "TLS_DHE_DSS_WITH_AES_256_CBC_SHA",
	0x0013: "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
	0x0012: "TLS_DHE_DSS_WITH_DES_CBC_SHA",
	0x0011: "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA",
	0x0044: "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA",
	0x0087: "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA",
	0x00BD: "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256",
	0x00C3: "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256",
	0xC056: "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256",
	0xC057: "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384",

	0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256",
	0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
	0xC09C: "TLS_RSA_WITH_AES_128_CCM",
	0xC09D: "TLS_RSA_WITH_AES_256_CCM",
	0xC0A0: "TLS_RSA_WITH_AES_128_CCM_8",
	0xC0A1: "TLS_RSA_WITH_AES_256_CCM_8",
	0x003C: "TLS_RSA_WITH_AES_128_CBC_SHA256",
	0x003D: "TLS_RSA_WITH_AES_256_CBC_SHA256",
	0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA",
	0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
	0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
	0x0005: "TLS_RSA_WITH_RC4_128_SHA",
	0x0004: "TLS_RSA_WITH_RC4_128_MD5",
	0x0041: "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
	0x0084: "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA",
	0x00BA: "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256",
	0x00C0: "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256",
	0xC07A: "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256",
	0xC07B: "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384",
	0xC050: "TLS_RSA_WITH_ARIA_128_GCM_SHA256",
	0xC051: "TLS_RSA_WITH_ARIA_256_GCM_SHA384",
	0xC03C: "TLS_RSA_WITH_ARIA_128_CBC_SHA256",
	0xC03D: "TLS_RSA_WITH_ARIA_256_CBC_SHA384",
	0x0096: "TLS_RSA_WITH_SEED_CBC_SHA",
	0x0007: "TLS_RSA_WITH_IDEA_CBC_SHA",
	0x0009: "TLS_RSA_WITH_DES_CBC_SHA",
	0x0003: "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
	0x0006: "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5",
	0x0008: "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
	0x0001: "TLS_RSA_WITH_NULL_MD5",
	0x0002: "TLS_RSA_WITH_NULL_SHA",
	0x003B: "TLS_RSA_WITH_NULL_SHA256",

	0x0018: "TLS_DH_anon_WITH_RC4_128_MD5",
	0x0017: "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5",
	0x0019: "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA",
	0x001A: "TLS_DH_anon_WITH_DES_CBC_SHA",
	0x001B: "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA",
	0x0034: "TLS_DH_anon_WITH_AES_128_CBC_SHA",
	0x003A: "TLS_DH_anon_WITH_AES_256_CBC_SHA",
	0x006C: "TLS_DH_anon_WITH_AES_128_CBC_SHA256",
	0x006D: "TLS_DH_anon_WITH_AES_256_CBC_SHA256",
	0x00A6: "TLS_DH_anon_WITH_AES_128_GCM_SHA256",
	0x00A7: "TLS_DH_anon_WITH_AES_256_GCM_SHA384",
	0x0046: "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA",
	0x0089: "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA",
	0x00BF: "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256",
	0x00C5: "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256",
	0xC018: "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
	0xC019: "TLS_ECDH_anon_WITH_AES_256_CBC_SHA",
	0xC017: "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA",
	0xC016: "TLS_ECDH_anon_WITH_RC4_128_SHA",
	0xC015: "TLS_ECDH_anon_WITH_NULL_SHA",
}

// goodSuites, sufficientSuites and phaseOutSuites are internet.nl's
// CIPHERS_GOOD, CIPHERS_SUFFICIENT and CIPHERS_PHASE_OUT
// (checks/tasks/tls/tls_constants.py, from NCSC-NL appendix B); every
// other suite is insufficient.
var (
	goodSuites = []string{"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}

	sufficientSuites = []string{
		"TLS_AES_128_GCM_SHA256", "TLS_AES_128_CCM_SHA256",
		"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
		"TLS_ECDHE_ECDSA_WITH_AES_256_CCM", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
		"TLS_ECDHE_ECDSA_WITH_AES_128_CCM", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
		"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	}

	phaseOutSuites = []string{
		"TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
		"TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
		"TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384",
		"TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256",
		"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
		"TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
		"TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
		"TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384",
		"TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256",
		"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
		"TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
		"TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384", "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
		"TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256", "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
		"TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384", "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384",
		"TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256", "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256",
		"TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_DHE_RSA_WITH_AES_256_CCM",
		"TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
		"TLS_DHE_RSA_WITH_AES_128_CCM", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
	}
)

var suiteClassOf = sync.OnceValue(func() map[string]suiteClass {
	m := map[string]suiteClass{}
	for _, n := range goodSuites {
		m[n] = classGood
	}
	for _, n := range sufficientSuites {
		m[n] = classSufficient
	}
	for _, n := range phaseOutSuites {
		m[n] = classPhaseOut
	}
	return m
})

// classifySuite rates a suite by internet.nl's lists; an unknown suite is
// insufficient, as there.
func classifySuite(id uint16) suiteClass {
	if c, ok := suiteClassOf()[suiteName(id)]; ok {
		return c
	}
	return classInsufficient
}

// suiteName is the IANA name of id, or its number for a suite the probe
// does not know.
func suiteName(id uint16) string {
	if n, ok := suiteNames[id]; ok {
		return n
	}
	return "0x" + strings.ToUpper(big.NewInt(int64(id)).Text(16))
}

// isTLS13Suite reports whether id is a TLS 1.3 suite.
func isTLS13Suite(id uint16) bool { return id>>8 == 0x13 }

// suiteMinTLS12 reports whether a TLS 1.0-1.2 suite exists only from TLS
// 1.2 on (AEAD ciphers and SHA-2 MACs, RFC 5246 and later).
func suiteMinTLS12(id uint16) bool {
	n := suiteNames[id]
	return strings.Contains(n, "GCM") || strings.Contains(n, "CCM") || strings.Contains(n, "CHACHA") ||
		strings.HasSuffix(n, "SHA256") || strings.HasSuffix(n, "SHA384")
}

// kexKind is how a suite agrees on keys, which says what the
// ServerKeyExchange message holds.
type kexKind int

const (
	kexNone  kexKind = iota // RSA, static DH/ECDH: no ServerKeyExchange to read
	kexECDHE                // named curve, signed (unsigned for anon)
	kexDHE                  // p, g, Ys, signed (unsigned for anon)
)

func suiteKex(id uint16) (kexKind, bool) {
	n := suiteNames[id]
	switch {
	case strings.HasPrefix(n, "TLS_ECDHE_"):
		return kexECDHE, false
	case strings.HasPrefix(n, "TLS_ECDH_anon_"):
		return kexECDHE, true
	case strings.HasPrefix(n, "TLS_DHE_"):
		return kexDHE, false
	case strings.HasPrefix(n, "TLS_DH_anon_"):
		return kexDHE, true
	}
	return kexNone, false
}

// Named groups (RFC 8446 §4.2.7, RFC 7919).
const (
	groupSecp224r1       = 0x0015
	groupSecp256r1       = 0x0017
	groupSecp384r1       = 0x0018
	groupSecp521r1       = 0x0019
	groupBrainpoolP256r1 = 0x001a
	groupBrainpoolP384r1 = 0x001b
	groupBrainpoolP512r1 = 0x001c
	groupX25519          = 0x001d
	groupX448            = 0x001e
	// TLS 1.3 brainpool code points.
	groupBrainpoolP256r1TLS13 = 0x001f
	groupBrainpoolP384r1TLS13 = 0x0020
	groupBrainpoolP512r1TLS13 = 0x0021
)

var groupNames = map[uint16]string{
	0x0001: "sect163k1", 0x0013: "secp192r1", groupSecp224r1: "secp224r1", groupSecp256r1: "secp256r1",
	groupSecp384r1: "secp384r1", groupSecp521r1: "secp521r1", groupBrainpoolP256r1: "brainpoolP256r1",
	groupBrainpoolP384r1: "brainpoolP384r1", groupBrainpoolP512r1: "brainpoolP512r1", groupX25519: "x25519",
	groupX448: "x448", groupBrainpoolP256r1TLS13: "brainpoolP256r1", groupBrainpoolP384r1TLS13: "brainpoolP384r1",
	groupBrainpoolP512r1TLS13: "brainpoolP512r1", 0x0100: "ffdhe2048", 0x0101: "ffdhe3072", 0x0102: "ffdhe4096",
	0x0103: "ffdhe6144", 0x0104: "ffdhe8192", 0x11ec: "X25519MLKEM768", 0x11eb: "SecP256r1MLKEM768",
}

func groupName(g uint16) string {
	if n, ok := groupNames[g]; ok {
		return n
	}
	return "group 0x" + strings.ToUpper(big.NewInt(int64(g)).Text(16))
}

// classifyGroup rates an (EC)DHE group by internet.nl's FS_EC_GOOD and
// FS_EC_PHASE_OUT (NCSC-NL table 3): the NIST P curves from 256 bits,
// brainpool, X25519 and X448 are good, secp224r1 is phase out, any other
// is insufficient. RFC 7919 groups chosen in TLS 1.3 are rated like the
// same prime in a DHE key exchange; hybrid post-quantum groups are good.
func classifyGroup(g uint16) suiteClass {
	switch g {
	case groupSecp256r1, groupSecp384r1, groupSecp521r1, groupBrainpoolP256r1, groupBrainpoolP384r1,
		groupBrainpoolP512r1, groupX25519, groupX448, groupBrainpoolP256r1TLS13, groupBrainpoolP384r1TLS13,
		groupBrainpoolP512r1TLS13, 0x11ec, 0x11eb, 0x11ed:
		return classGood
	case groupSecp224r1:
		return classPhaseOut
	case 0x0101, 0x0102, 0x0103, 0x0104:
		return classPhaseOut
	}
	return classInsufficient
}

// ffdhePrime computes the RFC 7919 group prime of bits bits:
// p = 2^b - 2^(b-64) + (floor(2^(b-130) * e) + X) * 2^64 - 1, with the X
// of the RFC (appendix A). Computing it avoids pasting kilobytes of hex.
func ffdhePrime(bits int) *big.Int {
	x := map[int]int64{2048: 560316, 3072: 2625351, 4096: 5736041, 6144: 15705020, 8192: 10965728}[bits]
	// e * 2^(b-130) as an integer: sum of 2^(b-130+guard)/k! for k = 0..
	const guard = 64
	shift := uint(bits - 130 + guard)
	one := new(big.Int).Lsh(big.NewInt(1), shift)
	sum := new(big.Int)
	term := new(big.Int).Set(one)
	for k := int64(1); term.Sign() > 0; k++ {
		sum.Add(sum, term)
		term.Quo(term, big.NewInt(k))
	}
	sum.Rsh(sum, guard)
	p := new(big.Int).Lsh(big.NewInt(1), uint(bits))
	p.Sub(p, new(big.Int).Lsh(big.NewInt(1), uint(bits-64)))
	mid := new(big.Int).Add(sum, big.NewInt(x))
	p.Add(p, mid.Lsh(mid, 64))
	return p.Sub(p, big.NewInt(1))
}

// phaseOutDHPrimes are the primes internet.nl accepts as "phase out" for
// DHE with generator 2 (FFDHE_PHASE_OUT_PRIMES: ffdhe3072 and up, NCSC-NL
// 3.3.3.1); any other DH group, ffdhe2048 included, is insufficient.
var phaseOutDHPrimes = sync.OnceValue(func() []*big.Int {
	return []*big.Int{ffdhePrime(3072), ffdhePrime(4096), ffdhePrime(6144), ffdhePrime(8192)}
})

// classifyDH rates a DHE group from its prime and generator.
func classifyDH(p, g []byte) suiteClass {
	if len(g) != 1 || g[0] != 2 {
		return classInsufficient
	}
	pp := new(big.Int).SetBytes(p)
	for _, q := range phaseOutDHPrimes() {
		if pp.Cmp(q) == 0 {
			return classPhaseOut
		}
	}
	return classInsufficient
}
