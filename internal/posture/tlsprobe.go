package posture

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"syscall"
	"time"
)

// The TLS probe learns what a server accepts by sending hand-built
// ClientHello messages offering a chosen list of versions and suites and
// reading the server's first flight in clear: ServerHello (version, suite,
// compression, extensions), and for TLS 1.0-1.2 the ServerKeyExchange
// (curve or DH group, signature algorithm) up to ServerHelloDone. It never
// completes a handshake, so it can offer what Go's crypto/tls refuses to
// (SSL 3.0, TLS 1.0/1.1, RC4, 3DES, export, NULL, anonymous suites,
// compression, SHA-1 signatures) without implementing them.

// TLS protocol versions on the wire.
const (
	verSSL30 = 0x0300
	verTLS10 = 0x0301
	verTLS11 = 0x0302
	verTLS12 = 0x0303
	verTLS13 = 0x0304
)

func versionName(v uint16) string {
	switch v {
	case verSSL30:
		return "SSL 3.0"
	case verTLS10:
		return "TLS 1.0"
	case verTLS11:
		return "TLS 1.1"
	case verTLS12:
		return "TLS 1.2"
	case verTLS13:
		return "TLS 1.3"
	}
	return fmt.Sprintf("version 0x%04x", v)
}

// Limits of the probe.
const (
	// maxFlightBytes bounds what is read of one server flight (certificate
	// chains are rarely above 16 KiB).
	maxFlightBytes = 128 << 10
	// maxTLSHandshakes bounds the hellos sent to one server in one scan.
	maxTLSHandshakes = 200
	// suiteChunk is the most suites offered in one hello: some servers
	// choke on very long ClientHellos.
	suiteChunk = 64
)

// Signature algorithms (RFC 8446 §4.2.3).
var (
	sigAlgsDefault = []uint16{
		0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b,
		0x0401, 0x0501, 0x0601, 0x0402, 0x0303, 0x0301, 0x0302, 0x0203, 0x0201, 0x0202,
	}
	sigAlgsSHA1   = []uint16{0x0203, 0x0201, 0x0202}
	sigAlgsSHA224 = []uint16{0x0303, 0x0301, 0x0302}
)

// offeredGroups are the groups every hello offers: OpenSSL's defaults, as
// internet.nl's client sends them.
var offeredGroups = []uint16{groupX25519, groupSecp256r1, groupX448, groupSecp521r1, groupSecp384r1}

// helloSpec is one ClientHello to send.
type helloSpec struct {
	version     uint16 // highest version offered; verTLS13 means TLS 1.3 only
	suites      []uint16
	sigAlgs     []uint16 // nil: sigAlgsDefault
	compression bool     // offer DEFLATE before null
	serverName  string   // SNI; "" or an IP address: none
	noEMS       bool     // leave out extended_master_secret
	renegInfo   []byte   // client verify data for renegotiation_info
	keyShare    []byte   // X25519 public key for TLS 1.3; nil: random bytes
}

// buildClientHello returns the ClientHello record for s.
func buildClientHello(s helloSpec) []byte {
	var b bytes.Buffer
	put16 := func(v uint16) { binary.Write(&b, binary.BigEndian, v) }
	legacy := s.version
	if legacy > verTLS12 {
		legacy = verTLS12
	}
	put16(legacy)
	random := make([]byte, 32)
	rand.Read(random)
	b.Write(random)
	if s.version == verTLS13 {
		b.WriteByte(32) // a legacy session id, as browsers send, for middleboxes
		sid := make([]byte, 32)
		rand.Read(sid)
		b.Write(sid)
	} else {
		b.WriteByte(0)
	}
	suites := s.suites
	if s.version == verSSL30 {
		suites = append(slices.Clip(suites), 0x00FF) // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
	}
	put16(uint16(2 * len(suites)))
	for _, id := range suites {
		put16(id)
	}
	if s.compression {
		b.Write([]byte{2, 1, 0})
	} else {
		b.Write([]byte{1, 0})
	}
	if s.version != verSSL30 {
		ext := buildExtensions(s, b.Len()+4)
		put16(uint16(len(ext)))
		b.Write(ext)
	} else if l := b.Len() + 4; l >= 256 && l < 512 {
		// SSL 3.0 hellos carry no extensions, except this padding.
		pad := max(0, 512-l-2-4)
		put16(uint16(4 + pad))
		put16(21)
		put16(uint16(pad))
		b.Write(make([]byte, pad))
	}
	body := b.Bytes()
	hs := append([]byte{1, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
	recVer := uint16(verTLS10)
	if s.version == verSSL30 {
		recVer = verSSL30
	}
	rec := []byte{22, byte(recVer >> 8), byte(recVer), byte(len(hs) >> 8), byte(len(hs))}
	return append(rec, hs...)
}

func buildExtensions(s helloSpec, helloLen int) []byte {
	var e bytes.Buffer
	add := func(typ uint16, data []byte) {
		binary.Write(&e, binary.BigEndian, typ)
		binary.Write(&e, binary.BigEndian, uint16(len(data)))
		e.Write(data)
	}
	u16s := func(prefixLen int, vs []uint16) []byte {
		out := make([]byte, prefixLen, prefixLen+2*len(vs))
		n := 2 * len(vs)
		if prefixLen == 1 {
			out[0] = byte(n)
		} else {
			out[0], out[1] = byte(n>>8), byte(n)
		}
		for _, v := range vs {
			out = append(out, byte(v>>8), byte(v))
		}
		return out
	}
	if s.serverName != "" && net.ParseIP(s.serverName) == nil {
		n := []byte(s.serverName)
		d := []byte{byte((len(n) + 3) >> 8), byte(len(n) + 3), 0, byte(len(n) >> 8), byte(len(n))}
		add(0, append(d, n...))
	}
	add(10, u16s(2, offeredGroups))
	add(11, []byte{1, 0})
	if s.version >= verTLS12 {
		sa := s.sigAlgs
		if sa == nil {
			sa = sigAlgsDefault
		}
		add(13, u16s(2, sa))
	}
	if !s.noEMS {
		add(23, nil) // extended_master_secret
	}
	if s.version == verTLS13 {
		add(43, []byte{2, 0x03, 0x04})
		add(45, []byte{1, 1})
		key := s.keyShare
		if key == nil {
			key = make([]byte, 32)
			rand.Read(key)
		}
		ks := append([]byte{0, 36, 0, byte(groupX25519), 0, 32}, key...)
		add(51, ks)
	} else {
		add(0xff01, append([]byte{byte(len(s.renegInfo))}, s.renegInfo...)) // renegotiation_info
	}
	// Some old load balancers hang on ClientHello messages of 256-511
	// bytes: pad those to 512 (RFC 7685).
	if l := helloLen + 2 + e.Len(); l >= 256 && l < 512 {
		add(21, make([]byte, max(0, 512-l-4)))
	}
	return e.Bytes()
}

// serverFlight is what the probe read of a server's answer.
type serverFlight struct {
	version     uint16 // negotiated version
	suite       uint16
	compression byte
	hrr         bool // TLS 1.3 HelloRetryRequest
	secureReneg bool // renegotiation_info in ServerHello
	ems         bool // extended_master_secret in ServerHello
	group       uint16
	dhP, dhG    []byte
	sigAlg      uint16 // ServerKeyExchange signature algorithm (TLS 1.2); 0 if none
	alert       int    // alert description when the server refused; -1 if none
}

var hrrRandom = []byte{
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
}

// errRefused says the server declined the hello (an alert, or the
// connection closed): what was offered is not accepted.
var errRefused = errors.New("server refused the hello")

// errFlight says the server's answer is not valid TLS.
var errFlight = errors.New("malformed server flight")

func flightErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errFlight, fmt.Sprintf(format, a...))
}

// flightParser reads the handshake messages of a server flight.
type flightParser struct {
	f       serverFlight
	gotSH   bool
	done    bool
	offered []uint16
}

func (p *flightParser) message(typ byte, body []byte) error {
	if !p.gotSH {
		if typ != 2 {
			return flightErr("handshake message %d before ServerHello", typ)
		}
		p.gotSH = true
		return p.serverHello(body)
	}
	switch typ {
	case 12:
		return p.serverKeyExchange(body)
	case 14:
		p.done = true
	case 11, 13, 22: // certificate, certificate request, status: skipped
	default:
		return flightErr("unexpected handshake message %d", typ)
	}
	return nil
}

// reader is a bounds-checked cursor.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) n(k int) []byte {
	if r.bad || k < 0 || len(r.b) < k {
		r.bad = true
		return nil
	}
	out := r.b[:k]
	r.b = r.b[k:]
	return out
}
func (r *reader) u8() int {
	b := r.n(1)
	if b == nil {
		return 0
	}
	return int(b[0])
}
func (r *reader) u16() int {
	b := r.n(2)
	if b == nil {
		return 0
	}
	return int(b[0])<<8 | int(b[1])
}
func (r *reader) vec8() []byte  { return r.n(r.u8()) }
func (r *reader) vec16() []byte { return r.n(r.u16()) }

func (p *flightParser) serverHello(body []byte) error {
	r := &reader{b: body}
	p.f.version = uint16(r.u16())
	random := r.n(32)
	r.vec8() // session id
	p.f.suite = uint16(r.u16())
	p.f.compression = byte(r.u8())
	if r.bad {
		return flightErr("short ServerHello")
	}
	p.f.hrr = bytes.Equal(random, hrrRandom)
	if len(r.b) > 0 {
		exts := &reader{b: r.vec16()}
		if r.bad {
			return flightErr("ServerHello extensions overrun")
		}
		for len(exts.b) > 0 {
			typ := exts.u16()
			data := exts.vec16()
			if exts.bad {
				return flightErr("ServerHello extension overrun")
			}
			d := &reader{b: data}
			switch typ {
			case 0xff01:
				p.f.secureReneg = true
			case 23:
				p.f.ems = true
			case 43:
				p.f.version = uint16(d.u16())
			case 51:
				p.f.group = uint16(d.u16())
			}
			if d.bad {
				return flightErr("ServerHello extension %d too short", typ)
			}
		}
	}
	if p.f.version < verSSL30 || p.f.version > verTLS13 {
		return flightErr("ServerHello version 0x%04x", p.f.version)
	}
	if p.offered != nil && !slices.Contains(p.offered, p.f.suite) {
		return flightErr("ServerHello picks %s, which was not offered", suiteName(p.f.suite))
	}
	if p.f.version == verTLS13 || p.f.hrr {
		p.done = true
	}
	return nil
}

func (p *flightParser) serverKeyExchange(body []byte) error {
	kind, anon := suiteKex(p.f.suite)
	r := &reader{b: body}
	switch kind {
	case kexECDHE:
		if r.u8() != 3 {
			return flightErr("ServerKeyExchange curve type is not named_curve")
		}
		p.f.group = uint16(r.u16())
		r.vec8()
	case kexDHE:
		p.f.dhP = bytes.Clone(r.vec16())
		p.f.dhG = bytes.Clone(r.vec16())
		r.vec16()
	default:
		return nil // RSA export keys and the like: nothing the rules read
	}
	if !anon && p.f.version == verTLS12 {
		p.f.sigAlg = uint16(r.u16())
	}
	if r.bad {
		return flightErr("short ServerKeyExchange")
	}
	return nil
}

// readServerFlight reads records from conn until the flight is complete
// (ServerHelloDone, or a TLS 1.3 ServerHello or HelloRetryRequest); offered,
// if not nil, lists the suites that were offered. A fatal alert or a close
// is errRefused (the alert is kept in the flight).
func readServerFlight(conn io.Reader, offered []uint16) (serverFlight, error) {
	p := &flightParser{f: serverFlight{alert: -1}, offered: offered}
	rr := &recordReader{r: conn, maxTotal: maxFlightBytes, maxMsg: maxFlightBytes}
	for {
		typ, data, err := rr.next()
		if errors.Is(err, errConnClosed) {
			return p.f, fmt.Errorf("%w (%w)", errRefused, err)
		}
		if err != nil {
			return p.f, err
		}
		switch typ {
		case 22:
			if err := p.message(data[0], data[4:]); err != nil || p.done {
				return p.f, err
			}
		case 21: // alert
			if len(data) < 2 {
				return p.f, flightErr("short alert")
			}
			if data[0] == 1 && data[1] != 0 {
				// A warning (unrecognized_name before the ServerHello, say):
				// the handshake goes on. close_notify and fatal alerts end it.
				continue
			}
			p.f.alert = int(data[1])
			return p.f, alertErr(errRefused, data)
		case 20, 23:
			if !p.gotSH {
				return p.f, flightErr("record type %d before ServerHello", typ)
			}
		default:
			return p.f, flightErr("record type %d", typ)
		}
	}
}

// isReset reports whether the server reset or aborted the connection (a
// refusal), as opposed to any other network failure (an error, not a
// refusal: an unreachable host must not read as "version refused").
func isReset(err error) bool {
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var errno syscall.Errno
	// WSAECONNRESET and WSAECONNABORTED, which Windows returns instead.
	return runtime.GOOS == "windows" && errors.As(err, &errno) && (errno == 10054 || errno == 10053)
}

// tlsProber sends hellos to one server.
type tlsProber struct {
	dial       func(ctx context.Context) (net.Conn, error) // a connection ready for the handshake
	serverName string
	timeout    time.Duration
	count      int
	web        bool // test 0-RTT too (internet.nl: web only)
}

// errProbeBudget says the scan reached maxTLSHandshakes.
var errProbeBudget = fmt.Errorf("more than %d handshakes needed", maxTLSHandshakes)

// hello sends one ClientHello and reads the answer; a refused hello
// returns errRefused.
func (p *tlsProber) hello(ctx context.Context, s helloSpec) (serverFlight, error) {
	if p.count >= maxTLSHandshakes {
		return serverFlight{}, errProbeBudget
	}
	p.count++
	s.serverName = p.serverName
	conn, err := p.dial(ctx)
	if err != nil {
		return serverFlight{}, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(p.timeout))
	if _, err := conn.Write(buildClientHello(s)); err != nil {
		return serverFlight{}, fmt.Errorf("%w (%v)", errRefused, err)
	}
	offered := s.suites
	f, err := readServerFlight(conn, offered)
	if err == nil && s.version != verTLS13 && f.version == verTLS13 {
		return f, flightErr("TLS 1.3 chosen though only %s was offered", versionName(s.version))
	}
	if err == nil && s.version == verTLS13 && f.version != verTLS13 {
		return f, fmt.Errorf("%w (answered %s to a TLS 1.3 hello)", errRefused, versionName(f.version))
	}
	return f, err
}

// acceptedSuite is a suite the server accepted, with the key exchange
// parameters it used.
type acceptedSuite struct {
	id      uint16
	version uint16
	group   uint16
	dhP     []byte
	dhG     []byte
}

// tlsScan is what the probe learnt of one server.
type tlsScan struct {
	versions    []uint16 // accepted, newest first
	suites      []acceptedSuite
	secureReneg bool // on the newest version below 1.3
	ems         bool // on TLS 1.2
	compression bool
	// orderViolation is [chosen, expected] when the server preferred a
	// phase-out suite to a better one.
	orderViolation []string
	kexHash        string // "SHA-1", "SHA-224" or "" when only SHA-2 was used
	// clientReneg is how many client-initiated renegotiations the server
	// accepted (at most maxClientRenegotiations); renegErr says why it
	// could not be tested.
	clientReneg int
	renegErr    error
	// zeroRTT says the server's TLS 1.3 tickets offer early data (tested
	// for web servers only, as internet.nl); zeroRTTErr why it was not.
	zeroRTT, zeroRTTTested bool
	zeroRTTErr             error
	// chain is the certificate chain the server sends (read with Go's
	// client); chainErr says why it could not be read.
	chain      []*x509.Certificate
	chainErr   error
	incomplete error // the scan stopped early (budget, network)
}

func (s *tlsScan) has(v uint16) bool { return slices.Contains(s.versions, v) }

// maxLegacy is the newest version below TLS 1.3 the server accepts, 0 if
// none.
func (s *tlsScan) maxLegacy() uint16 {
	for _, v := range s.versions {
		if v != verTLS13 {
			return v
		}
	}
	return 0
}

// legacySuites are the suites of the catalogue that can be offered at v.
func legacySuites(v uint16) []uint16 {
	var out []uint16
	for id := range suiteNames {
		if isTLS13Suite(id) || v < verTLS12 && suiteMinTLS12(id) {
			continue
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

var tls13Suites = []uint16{0x1302, 0x1303, 0x1301, 0x1304, 0x1305}

// scanTLS runs the whole probe: versions, suites per version (TLS 1.3 and
// the newest older one, as internet.nl does), cipher order, the hash of
// the key exchange signature, compression. An error means no version
// could be negotiated at all or the server could not be reached.
func scanTLS(ctx context.Context, p *tlsProber) (*tlsScan, error) {
	s := &tlsScan{}
	var legacyFlight serverFlight
	var netErr, badFlight error
	netErrs := 0
	for _, v := range []uint16{verTLS13, verTLS12, verTLS11, verTLS10, verSSL30} {
		spec := helloSpec{version: v, suites: tls13Suites}
		if v != verTLS13 {
			spec.suites = legacySuites(v)
		}
		f, err := p.hello(ctx, spec)
		switch {
		case err == nil && f.version == v:
			s.versions = append(s.versions, v)
			if v != verTLS13 && legacyFlight.version == 0 {
				legacyFlight = f
			}
		case err == nil, errors.Is(err, errRefused):
		case errors.Is(err, errFlight):
			badFlight = err
		default:
			netErr = err
			netErrs++
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// A server that lets two hellos time out (or cannot be reached)
		// gets no more: a silent server must not hold the run.
		if len(s.versions) == 0 && netErrs == 2 {
			return nil, netErr
		}
	}
	if len(s.versions) == 0 {
		switch {
		case netErr != nil:
			return nil, netErr
		case badFlight != nil:
			return nil, fmt.Errorf("no TLS handshake succeeded: %w", badFlight)
		}
		return nil, errors.New("no TLS handshake succeeded with any version or suite offered")
	}
	s.chain, s.chainErr = fetchChain(ctx, p)
	if badFlight != nil {
		// A version whose answer could not be read may be accepted: the
		// verdict cannot be a pass.
		s.incomplete = badFlight
	}
	s.secureReneg = legacyFlight.secureReneg
	s.ems = legacyFlight.ems

	// Suites: offer everything, note what the server picks, drop it,
	// offer the rest again, until it refuses.
	enumerate := func(v uint16, candidates []uint16) error {
		for start := 0; start < len(candidates); start += suiteChunk {
			rest := slices.Clone(candidates[start:min(start+suiteChunk, len(candidates))])
			for len(rest) > 0 {
				f, err := p.hello(ctx, helloSpec{version: v, suites: rest})
				if errors.Is(err, errRefused) {
					break
				}
				if err != nil {
					return err
				}
				if f.version != v {
					break
				}
				if f.hrr {
					f.group = 0
				}
				s.suites = append(s.suites, acceptedSuite{id: f.suite, version: v, group: f.group, dhP: f.dhP, dhG: f.dhG})
				rest = slices.DeleteFunc(rest, func(id uint16) bool { return id == f.suite })
			}
		}
		return nil
	}
	if s.has(verTLS13) {
		if err := enumerate(verTLS13, tls13Suites); err != nil {
			s.incomplete = err
			return s, nil
		}
		if p.web {
			s.zeroRTT, s.zeroRTTErr = tls13EarlyData(ctx, p)
			s.zeroRTTTested = s.zeroRTTErr == nil
		}
	}
	vmax := s.maxLegacy()
	if vmax == 0 {
		return s, nil
	}
	if err := enumerate(vmax, legacySuites(vmax)); err != nil {
		s.incomplete = err
		return s, nil
	}
	if err := scanOrder(ctx, p, s, vmax); err != nil {
		s.incomplete = err
		return s, nil
	}
	if err := scanKexHash(ctx, p, s); err != nil {
		s.incomplete = err
		return s, nil
	}
	scanClientReneg(ctx, p, s)
	var legacy []uint16
	for _, a := range s.suites {
		if a.version == vmax {
			legacy = append(legacy, a.id)
		}
	}
	if len(legacy) > 0 {
		f, err := p.hello(ctx, helloSpec{version: vmax, suites: legacy, compression: true})
		switch {
		case err == nil:
			s.compression = f.compression != 0
		case !errors.Is(err, errRefused) && !errors.Is(err, errFlight):
			s.incomplete = err
		}
	}
	return s, nil
}

// scanOrder is internet.nl's cipher order test: for each good or
// sufficient suite the server accepts below TLS 1.3, offer the phase-out
// suites it accepts first and that suite last; the server must pick the
// better one, whatever the client's order.
func scanOrder(ctx context.Context, p *tlsProber, s *tlsScan, v uint16) error {
	var worse, better []uint16
	for _, a := range s.suites {
		if a.version != v {
			continue
		}
		switch classifySuite(a.id) {
		case classPhaseOut:
			worse = append(worse, a.id)
		case classGood, classSufficient:
			better = append(better, a.id)
		}
	}
	if len(worse) == 0 || len(better) == 0 {
		return nil
	}
	// ChaCha20 last, in case the server prefers it for clients that
	// list it first (internet.nl #461).
	slices.SortStableFunc(worse, func(a, b uint16) int {
		ca, cb := bytes.Contains([]byte(suiteName(a)), []byte("CHACHA")), bytes.Contains([]byte(suiteName(b)), []byte("CHACHA"))
		switch {
		case ca == cb:
			return 0
		case ca:
			return 1
		}
		return -1
	})
	for _, b := range better {
		f, err := p.hello(ctx, helloSpec{version: v, suites: append(slices.Clone(worse), b)})
		if errors.Is(err, errRefused) || errors.Is(err, errFlight) {
			return nil // internet.nl: not applicable when the order cannot be tested
		}
		if err != nil {
			return err
		}
		if f.suite != b {
			s.orderViolation = []string{suiteName(f.suite), suiteName(b)}
			return nil
		}
	}
	return nil
}

// scanKexHash is internet.nl's "hash function for key exchange" test
// (NCSC-NL 3.3.5): over TLS 1.2, offer only SHA-1 signature algorithms,
// then only SHA-224 ones; a server that signs its key exchange with one of
// them uses a weak hash.
func scanKexHash(ctx context.Context, p *tlsProber, s *tlsScan) error {
	if !s.has(verTLS12) {
		return nil
	}
	var fs []uint16
	for _, a := range s.suites {
		if k, anon := suiteKex(a.id); a.version == verTLS12 && k != kexNone && !anon {
			fs = append(fs, a.id)
		}
	}
	if len(fs) == 0 {
		return nil
	}
	for _, t := range []struct {
		algs []uint16
		name string
	}{{sigAlgsSHA1, "SHA-1"}, {sigAlgsSHA224, "SHA-224"}} {
		f, err := p.hello(ctx, helloSpec{version: verTLS12, suites: fs, sigAlgs: t.algs})
		if errors.Is(err, errRefused) || errors.Is(err, errFlight) {
			continue
		}
		if err != nil {
			return err
		}
		if slices.Contains(t.algs, f.sigAlg) {
			s.kexHash = t.name
			return nil
		}
	}
	return nil
}

// scanClientReneg counts the client-initiated renegotiations the server
// accepts, over TLS 1.2 with a suite the renegotiation client implements.
func scanClientReneg(ctx context.Context, p *tlsProber, s *tlsScan) {
	if !s.has(verTLS12) {
		s.renegErr = errors.New("no TLS 1.2")
		return
	}
	for _, a := range s.suites {
		if a.version == verTLS12 && slices.Contains(renegSuites, a.id) {
			s.clientReneg, s.renegErr = clientRenegotiations(ctx, p, a.id)
			return
		}
	}
	s.renegErr = errors.New("no ECDHE suite with AES-128-GCM accepted over TLS 1.2")
}
