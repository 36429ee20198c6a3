package posture

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"
)

// Client-initiated renegotiation (NCSC-NL 3.4.2, internet.nl's
// renegotiation_client) can only be seen after a completed handshake, so
// this file holds a minimal TLS 1.2 client: ECDHE (X25519 or P-256) with
// AES-128-GCM-SHA256, no certificate check (nothing is sent but
// handshakes), able to renegotiate securely (RFC 5746) again and again.

// renegSuites are the suites the renegotiation client implements.
var renegSuites = []uint16{0xC02B, 0xC02F}

// maxClientRenegotiations is internet.nl's SCAN_RENEGOTIATION_LIMIT: more
// than 10 accepted renegotiations is "too high a limit".
const maxClientRenegotiations = 11

// tls12Client is the record layer and handshake state of one connection.
type tls12Client struct {
	conn   net.Conn
	rr     *recordReader
	server string
	suite  uint16

	wAEAD, rAEAD cipher.AEAD
	wIV, rIV     []byte
	wSeq, rSeq   uint64
	pendW, pendR struct {
		aead cipher.AEAD
		iv   []byte
	}
	clientVerify []byte
	serverVerify []byte
}

// newTLS12Client reads conn with the bounds of the probe: records of at
// most 4 flights in all (a handshake and its renegotiations), handshake
// messages of at most one flight.
func newTLS12Client(conn net.Conn, server string, suite uint16) *tls12Client {
	c := &tls12Client{conn: conn, server: server, suite: suite}
	c.rr = &recordReader{r: conn, maxTotal: 4 * maxFlightBytes, maxMsg: maxFlightBytes, open: c.open}
	return c
}

var errNoRenegotiation = errors.New("renegotiation refused")

func (c *tls12Client) writeRecord(typ byte, data []byte) error {
	payload := data
	if c.wAEAD != nil {
		var seq [8]byte
		binary.BigEndian.PutUint64(seq[:], c.wSeq)
		c.wSeq++
		nonce := append(slices.Clone(c.wIV), seq[:]...)
		aad := append(seq[:], typ, 3, 3, byte(len(data)>>8), byte(len(data)))
		payload = c.wAEAD.Seal(slices.Clone(seq[:]), nonce, data, aad)
	}
	rec := append([]byte{typ, 3, 3, byte(len(payload) >> 8), byte(len(payload))}, payload...)
	_, err := c.conn.Write(rec)
	if typ == 20 {
		c.wAEAD, c.wIV, c.wSeq = c.pendW.aead, c.pendW.iv, 0
	}
	return err
}

// open decrypts a record once the server's ChangeCipherSpec has switched
// its keys, and switches them when the ChangeCipherSpec arrives.
func (c *tls12Client) open(hdr, payload []byte) (byte, []byte, error) {
	typ := hdr[0]
	if c.rAEAD != nil {
		if len(payload) < 8+16 {
			return 0, nil, flightErr("short encrypted record")
		}
		var seq [8]byte
		binary.BigEndian.PutUint64(seq[:], c.rSeq)
		c.rSeq++
		nonce := append(slices.Clone(c.rIV), payload[:8]...)
		plen := len(payload) - 8 - 16
		aad := append(seq[:], typ, 3, 3, byte(plen>>8), byte(plen))
		pt, err := c.rAEAD.Open(nil, nonce, payload[8:], aad)
		if err != nil {
			return 0, nil, flightErr("record does not decrypt")
		}
		payload = pt
	}
	if typ == 20 {
		if c.rr.pending() {
			return 0, nil, flightErr("ChangeCipherSpec inside a handshake message")
		}
		c.rAEAD, c.rIV, c.rSeq = c.pendR.aead, c.pendR.iv, 0
	}
	return typ, payload, nil
}

// readHandshake returns the next handshake message, whole (header
// included); an alert or a close means the server refused. With wantCCS,
// a ChangeCipherSpec returns a nil message.
func (c *tls12Client) readHandshake(wantCCS bool) ([]byte, error) {
	for {
		typ, data, err := c.rr.next()
		if errors.Is(err, errConnClosed) {
			return nil, fmt.Errorf("%w (%w)", errNoRenegotiation, err)
		}
		if err != nil {
			return nil, err
		}
		switch typ {
		case 22:
			if data[0] == 0 { // HelloRequest: ignored
				continue
			}
			return data, nil
		case 21:
			return nil, alertErr(errNoRenegotiation, data)
		case 20:
			if !wantCCS {
				return nil, flightErr("unexpected ChangeCipherSpec")
			}
			return nil, nil
		case 23: // application data between handshakes: skipped
		default:
			return nil, flightErr("record type %d", typ)
		}
	}
}

// prf is the TLS 1.2 PRF with SHA-256 (RFC 5246 §5).
func prf(secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	out := make([]byte, 0, n+32)
	a := ls
	for len(out) < n {
		h := hmac.New(sha256.New, secret)
		h.Write(a)
		a = h.Sum(nil)
		h = hmac.New(sha256.New, secret)
		h.Write(a)
		h.Write(ls)
		out = h.Sum(out)
	}
	return out[:n]
}

func gcm(key []byte) cipher.AEAD {
	b, _ := aes.NewCipher(key)
	g, _ := cipher.NewGCM(b)
	return g
}

// handshake runs one full handshake (the first, or a renegotiation under
// the current keys).
func (c *tls12Client) handshake() error {
	spec := helloSpec{version: verTLS12, suites: []uint16{c.suite}, serverName: c.server, noEMS: true, renegInfo: c.clientVerify}
	rec := buildClientHello(spec)
	ch := rec[5:]
	transcript := slices.Clone(ch)
	if err := c.writeRecord(22, ch); err != nil {
		return err
	}
	sh, err := c.readHandshake(false)
	if err != nil {
		return err
	}
	if sh[0] != 2 {
		return flightErr("handshake message %d instead of ServerHello", sh[0])
	}
	r := &reader{b: sh[4:]}
	if ver := r.u16(); ver != verTLS12 {
		return fmt.Errorf("%w (answered %s)", errNoRenegotiation, versionName(uint16(ver)))
	}
	serverRandom := r.n(32)
	r.vec8()
	if suite := uint16(r.u16()); suite != c.suite || r.bad {
		return flightErr("ServerHello picks %s", suiteName(suite))
	}
	transcript = append(transcript, sh...)
	var group uint16
	var serverPub []byte
	for done := false; !done; {
		msg, err := c.readHandshake(false)
		if err != nil {
			return err
		}
		transcript = append(transcript, msg...)
		switch msg[0] {
		case 12:
			r := &reader{b: msg[4:]}
			if r.u8() != 3 {
				return flightErr("ServerKeyExchange curve type")
			}
			group = uint16(r.u16())
			serverPub = slices.Clone(r.vec8())
			if r.bad {
				return flightErr("short ServerKeyExchange")
			}
		case 13:
			return fmt.Errorf("%w (the server asks for a client certificate)", errNoRenegotiation)
		case 14:
			done = true
		}
	}
	var curve ecdh.Curve
	switch group {
	case groupX25519:
		curve = ecdh.X25519()
	case groupSecp256r1:
		curve = ecdh.P256()
	default:
		return flightErr("ECDHE group %s not implemented by the renegotiation client", groupName(group))
	}
	priv, err := curve.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	peer, err := curve.NewPublicKey(serverPub)
	if err != nil {
		return flightErr("bad ECDHE share: %v", err)
	}
	pms, err := priv.ECDH(peer)
	if err != nil {
		return flightErr("ECDHE: %v", err)
	}
	clientRandom := ch[6:38]
	master := prf(pms, "master secret", append(slices.Clone(clientRandom), serverRandom...), 48)
	kb := prf(master, "key expansion", append(slices.Clone(serverRandom), clientRandom...), 40)
	c.pendW.aead, c.pendW.iv = gcm(kb[0:16]), kb[32:36]
	c.pendR.aead, c.pendR.iv = gcm(kb[16:32]), kb[36:40]

	pub := priv.PublicKey().Bytes()
	cke := append([]byte{16, 0, 0, byte(len(pub) + 1), byte(len(pub))}, pub...)
	transcript = append(transcript, cke...)
	if err := c.writeRecord(22, cke); err != nil {
		return err
	}
	if err := c.writeRecord(20, []byte{1}); err != nil {
		return err
	}
	sum := sha256.Sum256(transcript)
	verify := prf(master, "client finished", sum[:], 12)
	fin := append([]byte{20, 0, 0, 12}, verify...)
	transcript = append(transcript, fin...)
	if err := c.writeRecord(22, fin); err != nil {
		return err
	}
	if msg, err := c.readHandshake(true); err != nil || msg != nil {
		if err == nil {
			err = flightErr("handshake message %d instead of ChangeCipherSpec", msg[0])
		}
		return err
	}
	sfin, err := c.readHandshake(false)
	if err != nil {
		return err
	}
	sum = sha256.Sum256(transcript)
	if sfin[0] != 20 || !hmac.Equal(sfin[4:], prf(master, "server finished", sum[:], 12)) {
		return flightErr("server Finished does not verify")
	}
	c.clientVerify, c.serverVerify = verify, sfin[4:]
	return nil
}

// clientRenegotiations completes a TLS 1.2 handshake with suite and then
// renegotiates until the server refuses, at most
// maxClientRenegotiations times; it returns how many it accepted.
func clientRenegotiations(ctx context.Context, p *tlsProber, suite uint16) (int, error) {
	if p.count >= maxTLSHandshakes {
		return 0, errProbeBudget
	}
	p.count++
	conn, err := p.dial(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(p.timeout))
	c := newTLS12Client(conn, p.serverName, suite)
	if err := c.handshake(); err != nil {
		return 0, fmt.Errorf("first handshake: %w", err)
	}
	n := 0
	for n < maxClientRenegotiations {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		conn.SetDeadline(time.Now().Add(p.timeout))
		if err := c.handshake(); err != nil {
			if errors.Is(err, errNoRenegotiation) {
				return n, nil
			}
			return n, err
		}
		n++
	}
	return n, nil
}
