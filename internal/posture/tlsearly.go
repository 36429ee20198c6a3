package posture

import (
	"context"
	"crypto/ecdh"
	"crypto/hkdf"
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

// 0-RTT (TLS 1.3 early data, internet.nl's zero_rtt, web only) lets a
// client send data an attacker can replay. A server offers it in the
// session tickets it sends after a handshake (the early_data extension of
// NewSessionTicket, RFC 8446 §4.6.1), so this file holds a minimal TLS 1.3
// client: X25519, TLS_AES_128_GCM_SHA256 (which every TLS 1.3 server must
// implement), no certificate check (nothing but handshakes is sent). It
// completes a handshake and reads the tickets.

// hkdfExpandLabel is HKDF-Expand-Label of RFC 8446 §7.1 with SHA-256.
func hkdfExpandLabel(secret []byte, label string, context []byte, n int) []byte {
	l := "tls13 " + label
	info := append([]byte{byte(n >> 8), byte(n), byte(len(l))}, l...)
	info = append(info, byte(len(context)))
	info = append(info, context...)
	out, _ := hkdf.Expand(sha256.New, secret, string(info), n)
	return out
}

func deriveSecret(secret []byte, label string, transcript []byte) []byte {
	h := sha256.Sum256(transcript)
	return hkdfExpandLabel(secret, label, h[:], 32)
}

// tls13Keys is one direction's traffic protection.
type tls13Keys struct {
	key, iv []byte
	seq     uint64
}

func newTLS13Keys(secret []byte) *tls13Keys {
	return &tls13Keys{key: hkdfExpandLabel(secret, "key", nil, 16), iv: hkdfExpandLabel(secret, "iv", nil, 12)}
}

func (k *tls13Keys) nonce() []byte {
	n := slices.Clone(k.iv)
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], k.seq)
	for i := range 8 {
		n[4+i] ^= seq[i]
	}
	k.seq++
	return n
}

// tls13EarlyData completes a TLS 1.3 handshake and reports whether the
// server's session tickets offer 0-RTT (max_early_data_size > 0).
func tls13EarlyData(ctx context.Context, p *tlsProber) (bool, error) {
	if p.count >= maxTLSHandshakes {
		return false, errProbeBudget
	}
	p.count++
	conn, err := p.dial(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(p.timeout))
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return false, err
	}
	rec := buildClientHello(helloSpec{version: verTLS13, suites: []uint16{0x1301}, serverName: p.serverName, keyShare: priv.PublicKey().Bytes()})
	if _, err := conn.Write(rec); err != nil {
		return false, fmt.Errorf("%w (%v)", errRefused, err)
	}
	transcript := slices.Clone(rec[5:])

	var rk *tls13Keys // server's keys, once known
	rr := &recordReader{r: conn, maxTotal: 2 * maxFlightBytes, maxMsg: maxFlightBytes}
	// open decrypts a protected record (RFC 8446 §5.2) into its inner
	// content type and plaintext; before the ServerHello's keys only
	// plaintext records come, after it only protected ones (and the
	// middlebox-compatibility ChangeCipherSpec).
	rr.open = func(hdr, body []byte) (byte, []byte, error) {
		switch {
		case hdr[0] == 20 || hdr[0] == 21 || rk == nil && hdr[0] != 23:
			return hdr[0], body, nil
		case rk == nil:
			return 0, nil, flightErr("protected record before the ServerHello")
		case hdr[0] != 23:
			return 0, nil, flightErr("unprotected record of type %d after the ServerHello", hdr[0])
		}
		if len(body) < 17 {
			return 0, nil, flightErr("short encrypted record")
		}
		pt, err := gcm(rk.key).Open(nil, rk.nonce(), body, hdr)
		if err != nil {
			return 0, nil, flightErr("record does not decrypt")
		}
		i := len(pt) - 1
		for i >= 0 && pt[i] == 0 {
			i--
		}
		if i < 0 {
			return 0, nil, flightErr("empty inner plaintext")
		}
		switch pt[i] {
		case 21, 22, 23:
			return pt[i], pt[:i], nil
		}
		return 0, nil, flightErr("inner content type %d", pt[i])
	}
	// next returns the next handshake message, decrypting as needed;
	// application data and ChangeCipherSpec are skipped.
	next := func() ([]byte, error) {
		for {
			typ, data, err := rr.next()
			if errors.Is(err, errConnClosed) {
				return nil, fmt.Errorf("%w (%w)", errRefused, err)
			}
			if err != nil {
				return nil, err
			}
			switch typ {
			case 22:
				return data, nil
			case 21:
				return nil, alertErr(errRefused, data)
			case 20, 23: // middlebox-compatibility ChangeCipherSpec, application data
			default:
				return nil, flightErr("record type %d", typ)
			}
		}
	}
	// keys switches the server's keys; a handshake message must not span
	// the change (RFC 8446 §5.1).
	keys := func(secret []byte) error {
		if rr.pending() {
			return flightErr("handshake message spans a key change")
		}
		rk = newTLS13Keys(secret)
		return nil
	}

	sh, err := next()
	if err != nil {
		return false, err
	}
	var f flightParser
	f.f.alert = -1
	if sh[0] != 2 {
		return false, flightErr("handshake message %d instead of ServerHello", sh[0])
	}
	if err := f.serverHello(sh[4:]); err != nil {
		return false, err
	}
	if f.f.version != verTLS13 || f.f.hrr || f.f.suite != 0x1301 || f.f.group != groupX25519 {
		return false, fmt.Errorf("%w (the server wants another TLS 1.3 suite or group)", errRefused)
	}
	share, err := serverKeyShare(sh[4:])
	if err != nil {
		return false, err
	}
	peer, err := ecdh.X25519().NewPublicKey(share)
	if err != nil {
		return false, flightErr("bad key share: %v", err)
	}
	shared, err := priv.ECDH(peer)
	if err != nil {
		return false, flightErr("X25519: %v", err)
	}
	transcript = append(transcript, sh...)
	zero := make([]byte, 32)
	early, _ := hkdf.Extract(sha256.New, zero, nil)
	hs, _ := hkdf.Extract(sha256.New, shared, deriveSecret(early, "derived", nil))
	cHS, sHS := deriveSecret(hs, "c hs traffic", transcript), deriveSecret(hs, "s hs traffic", transcript)
	master, _ := hkdf.Extract(sha256.New, zero, deriveSecret(hs, "derived", nil))
	if err := keys(sHS); err != nil {
		return false, err
	}
	for {
		m, err := next()
		if err != nil {
			return false, err
		}
		if m[0] == 13 {
			return false, fmt.Errorf("%w (the server asks for a client certificate)", errRefused)
		}
		if m[0] == 20 {
			fk := hkdfExpandLabel(sHS, "finished", nil, 32)
			h := sha256.Sum256(transcript)
			mac := hmac.New(sha256.New, fk)
			mac.Write(h[:])
			if !hmac.Equal(mac.Sum(nil), m[4:]) {
				return false, flightErr("server Finished does not verify")
			}
			transcript = append(transcript, m...)
			break
		}
		transcript = append(transcript, m...)
	}
	sAP := deriveSecret(master, "s ap traffic", transcript)
	fk := hkdfExpandLabel(cHS, "finished", nil, 32)
	h := sha256.Sum256(transcript)
	mac := hmac.New(sha256.New, fk)
	mac.Write(h[:])
	fin := append([]byte{20, 0, 0, 32}, mac.Sum(nil)...)
	wk := newTLS13Keys(cHS)
	inner := append(fin, 22)
	hdr := []byte{23, 3, 3, 0, byte(len(inner) + 16)}
	out := append(slices.Clone(hdr), gcm(wk.key).Seal(nil, wk.nonce(), inner, hdr)...)
	if _, err := conn.Write(out); err != nil {
		return false, err
	}
	if err := keys(sAP); err != nil {
		return false, err
	}
	// Tickets come right after the client's Finished; a server that sends
	// none within the timeout offers no resumption, hence no 0-RTT.
	conn.SetDeadline(time.Now().Add(min(p.timeout, 2*time.Second)))
	for range 4 {
		m, err := next()
		if err != nil {
			// No ticket before the deadline or the server's close: no
			// resumption, hence no 0-RTT. An alert (our Finished
			// refused) or anything else means the test did not run.
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, errConnClosed) {
				return false, nil
			}
			return false, fmt.Errorf("after the client's Finished: %w", err)
		}
		if m[0] != 4 {
			continue
		}
		r := &reader{b: m[4:]}
		r.n(8)
		r.vec8()
		r.vec16()
		exts := &reader{b: r.vec16()}
		for len(exts.b) > 0 && !exts.bad {
			typ, data := exts.u16(), exts.vec16()
			if typ == 42 && len(data) == 4 && binary.BigEndian.Uint32(data) > 0 {
				return true, nil
			}
		}
		if r.bad || exts.bad {
			return false, flightErr("malformed NewSessionTicket")
		}
		return false, nil // servers offer early data in every ticket or none
	}
	return false, nil
}

// serverKeyShare returns the key_exchange of a TLS 1.3 ServerHello's
// key_share extension.
func serverKeyShare(body []byte) ([]byte, error) {
	r := &reader{b: body}
	r.n(2 + 32)
	r.vec8()
	r.n(3)
	exts := &reader{b: r.vec16()}
	for len(exts.b) > 0 && !exts.bad {
		typ, data := exts.u16(), exts.vec16()
		if typ == 51 {
			d := &reader{b: data}
			d.u16()
			k := d.vec16()
			if d.bad {
				break
			}
			return k, nil
		}
	}
	return nil, flightErr("ServerHello without a key share")
}
