package posture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
)

// The probe (tlsprobe.go), the renegotiation client (tlsreneg.go) and the
// 0-RTT client (tlsearly.go) read the server through one bounded reader:
// records of at most maxRecordLen bytes, at most maxTotal bytes of records
// in all, handshake messages of at most maxMsg bytes reassembled across
// records (RFC 8446 §5.1, RFC 5246 §6.2.1: a message may span records,
// a record may hold several messages).

// maxRecordLen is the longest record TLS allows on the wire: 2^14 bytes of
// plaintext plus 2048 of protection (RFC 5246 §6.2.3; TLS 1.3 allows
// 256, RFC 8446 §5.2).
const maxRecordLen = 1<<14 + 2048

// errConnClosed says the server closed or reset the connection between
// records; each reader says what that means (a refused hello, a refused
// renegotiation).
var errConnClosed = errors.New("connection closed")

// recordReader reads TLS records and the handshake messages they carry.
type recordReader struct {
	r        io.Reader
	maxTotal int // record payload bytes read in all
	maxMsg   int // one handshake message, header excluded
	total    int
	hs       []byte // handshake bytes not yet returned
	// open, when set, turns a protected record (its header and payload)
	// into its content type and plaintext.
	open func(hdr, payload []byte) (byte, []byte, error)
}

// record reads the next record and returns its content type and payload
// (the plaintext, when open is set). A close before a record starts is
// errConnClosed; a timeout or other network failure is returned as it is.
func (rr *recordReader) record() (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(rr.r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
			return 0, nil, errConnClosed
		}
		return 0, nil, err
	}
	n := int(binary.BigEndian.Uint16(hdr[3:]))
	if n > maxRecordLen {
		return 0, nil, flightErr("record of %d bytes, more than TLS allows (%d)", n, maxRecordLen)
	}
	if rr.total+n > rr.maxTotal {
		return 0, nil, flightErr("more than %d bytes of records", rr.maxTotal)
	}
	rr.total += n
	payload := make([]byte, n)
	if got, err := io.ReadFull(rr.r, payload); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
			return 0, nil, flightErr("truncated record (%d of %d bytes)", got, n)
		}
		return 0, nil, err
	}
	if rr.open != nil {
		return rr.open(hdr[:], payload)
	}
	return hdr[0], payload, nil
}

// next returns the next whole handshake message, header included, as
// content type 22; or, when a record of another type comes first, that
// record's type and payload, for the caller to judge. Handshake bytes of
// a message not yet whole stay buffered across calls.
func (rr *recordReader) next() (byte, []byte, error) {
	for {
		if len(rr.hs) >= 4 {
			n := int(rr.hs[1])<<16 | int(rr.hs[2])<<8 | int(rr.hs[3])
			if n > rr.maxMsg {
				return 0, nil, flightErr("handshake message of %d bytes (type %d), more than %d", n, rr.hs[0], rr.maxMsg)
			}
			if len(rr.hs) >= 4+n {
				msg := rr.hs[: 4+n : 4+n]
				rr.hs = rr.hs[4+n:]
				return 22, msg, nil
			}
		}
		typ, data, err := rr.record()
		if err != nil {
			return 0, nil, err
		}
		if typ != 22 {
			return typ, data, nil
		}
		if len(data) == 0 {
			return 0, nil, flightErr("empty handshake record")
		}
		rr.hs = append(rr.hs, data...)
	}
}

// pending reports whether part of a handshake message is buffered (a key
// change must not fall inside a message).
func (rr *recordReader) pending() bool { return len(rr.hs) > 0 }

// alertErr is the error for an alert record refusing what the client
// asked (base: errRefused or errNoRenegotiation).
func alertErr(base error, payload []byte) error {
	if len(payload) >= 2 {
		return fmt.Errorf("%w (alert %d)", base, payload[1])
	}
	return fmt.Errorf("%w (alert)", base)
}
