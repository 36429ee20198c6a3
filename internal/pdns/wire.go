package pdns

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// The DNS wire format (RFC 1035 §4.1): a 12-byte header, then the
// question (a name as length-prefixed labels, type and class), then the
// answer, authority and additional records.

const (
	headerLen = 12
	// ednsSize is the UDP payload size this resolver offers and asks for
	// (DNS flag day 2020: no fragmentation on common paths).
	ednsSize = 1232
	// maxUDPNoEDNS is the most a client without EDNS can take over UDP.
	maxUDPNoEDNS = 512
)

// query is what the hot path needs of a request, read without allocating.
type query struct {
	id      uint16
	rd, cd  bool
	ad      bool
	name    [255]byte // the question name as sent (letters in the client's case), dotted
	nameLen int
	low     [255]byte // lower-case, no final dot
	lowLen  int
	qtype   uint16
	qclass  uint16
	// qEnd is the offset just past the question in the request.
	qEnd int
	// EDNS: hasOPT says the client sent an OPT record; size is its payload
	// size (at least 512); do is the DNSSEC OK bit.
	hasOPT  bool
	do      bool
	size    int
	version uint8
}

// errors of parseQuery; each maps to a response code.
var (
	errShort    = errors.New("shorter than a DNS header")
	errResponse = errors.New("a response, not a query")
	errOpcode   = errors.New("not a standard query")
	errFormat   = errors.New("malformed question")
	errQCount   = errors.New("not exactly one question")
)

// parseQuery reads a request. An error other than errShort and errResponse
// still leaves q.id set so that an error answer can be sent.
func parseQuery(b []byte, q *query) error {
	if len(b) < headerLen {
		return errShort
	}
	q.id = binary.BigEndian.Uint16(b)
	flags := binary.BigEndian.Uint16(b[2:])
	if flags&0x8000 != 0 {
		return errResponse
	}
	q.rd = flags&0x0100 != 0
	q.ad = flags&0x0020 != 0
	q.cd = flags&0x0010 != 0
	if (flags>>11)&0xF != 0 {
		return errOpcode
	}
	qd := binary.BigEndian.Uint16(b[4:])
	an := binary.BigEndian.Uint16(b[6:])
	ns := binary.BigEndian.Uint16(b[8:])
	ar := binary.BigEndian.Uint16(b[10:])
	if qd != 1 {
		return errQCount
	}
	if an != 0 || ns != 0 || ar > 1 {
		return errFormat
	}
	off, err := q.readName(b, headerLen)
	if err != nil {
		return err
	}
	if off+4 > len(b) {
		return errFormat
	}
	q.qtype = binary.BigEndian.Uint16(b[off:])
	q.qclass = binary.BigEndian.Uint16(b[off+2:])
	off += 4
	q.qEnd = off
	q.hasOPT, q.do, q.size, q.version = false, false, maxUDPNoEDNS, 0
	if ar == 1 {
		// The one additional record must be an OPT with the root name.
		if off+11 > len(b) || b[off] != 0 {
			return errFormat
		}
		typ := binary.BigEndian.Uint16(b[off+1:])
		if typ != 41 {
			return errFormat
		}
		size := int(binary.BigEndian.Uint16(b[off+3:]))
		ttl := binary.BigEndian.Uint32(b[off+5:])
		rdlen := int(binary.BigEndian.Uint16(b[off+9:]))
		if off+11+rdlen > len(b) {
			return errFormat
		}
		// Options are walked only to check they fit; none changes the answer.
		opts := b[off+11 : off+11+rdlen]
		for len(opts) > 0 {
			if len(opts) < 4 {
				return errFormat
			}
			l := int(binary.BigEndian.Uint16(opts[2:]))
			if 4+l > len(opts) {
				return errFormat
			}
			opts = opts[4+l:]
		}
		q.hasOPT = true
		q.size = max(size, maxUDPNoEDNS)
		q.version = uint8(ttl >> 16)
		q.do = ttl&0x8000 != 0
		off += 11 + rdlen
	}
	if off != len(b) {
		return errFormat
	}
	return nil
}

// readName reads the question name at off. Compression pointers are
// allowed (some clients use them even in the question) but must point
// backwards, which rules out loops.
func (q *query) readName(b []byte, off int) (int, error) {
	q.nameLen, q.lowLen = 0, 0
	end := -1
	for jumps := 0; ; {
		if off >= len(b) {
			return 0, errFormat
		}
		l := int(b[off])
		switch l & 0xC0 {
		case 0xC0:
			if off+1 >= len(b) {
				return 0, errFormat
			}
			ptr := int(binary.BigEndian.Uint16(b[off:]) & 0x3FFF)
			if ptr >= off || jumps > 63 {
				return 0, errFormat
			}
			if end < 0 {
				end = off + 2
			}
			off = ptr
			jumps++
			continue
		case 0x00:
		default:
			return 0, errFormat // extended label types are obsolete
		}
		off++
		if l == 0 {
			break
		}
		if off+l > len(b) || q.nameLen+l+1 > 254 {
			return 0, errFormat
		}
		if q.lowLen > 0 {
			q.low[q.lowLen] = '.'
			q.lowLen++
		}
		for i := 0; i < l; i++ {
			c := b[off+i]
			if c == '.' || c == '\\' {
				// Legal on the wire, but no host name holds them, and the
				// text form of such a name is ambiguous: refuse it.
				return 0, errFormat
			}
			q.name[q.nameLen+i] = c
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			q.low[q.lowLen+i] = c
		}
		q.nameLen += l
		q.name[q.nameLen] = '.'
		q.nameLen++
		q.lowLen += l
		off += l
	}
	if q.nameLen == 0 {
		q.name[0] = '.'
		q.nameLen = 1
	}
	if end < 0 {
		end = off
	}
	return end, nil
}

// fqdn returns the question name as sent, with its final dot.
func (q *query) fqdn() string { return string(q.name[:q.nameLen]) }

// lower returns the lower-case name without the final dot ("" for the root).
func (q *query) lower() []byte { return q.low[:q.lowLen] }

// wireAnswer is an answer kept in the cache, ready to be sent again: the
// packed message and the offsets of the TTL of each record (not the OPT
// record, whose TTL field holds flags).
type wireAnswer struct {
	msg  []byte
	ttls []uint16
	// qStart and qEnd delimit the question, copied from each request so
	// that the client sees its own letter case.
	qStart, qEnd int
}

// indexAnswer finds the question and the TTL offsets of a packed message.
// It returns false for a message it cannot walk (it then is not cached).
func indexAnswer(b []byte) (wireAnswer, bool) {
	if len(b) < headerLen || binary.BigEndian.Uint16(b[4:]) != 1 {
		return wireAnswer{}, false
	}
	w := wireAnswer{msg: b, qStart: headerLen}
	off, ok := walkName(b, headerLen)
	if !ok || off+4 > len(b) {
		return wireAnswer{}, false
	}
	off += 4
	w.qEnd = off
	n := int(binary.BigEndian.Uint16(b[6:])) + int(binary.BigEndian.Uint16(b[8:])) + int(binary.BigEndian.Uint16(b[10:]))
	for i := 0; i < n; i++ {
		off, ok = walkName(b, off)
		if !ok || off+10 > len(b) {
			return wireAnswer{}, false
		}
		typ := binary.BigEndian.Uint16(b[off:])
		if typ != 41 {
			if off+4 > 0xFFFF {
				return wireAnswer{}, false
			}
			w.ttls = append(w.ttls, uint16(off+4))
		}
		rdlen := int(binary.BigEndian.Uint16(b[off+8:]))
		off += 10 + rdlen
		if off > len(b) {
			return wireAnswer{}, false
		}
	}
	return w, off == len(b)
}

// writeTo copies the answer into dst for the request q: its ID and RD bit, the
// question as the client wrote it, and each TTL lowered by age seconds
// (never below zero, or set to fixed when fixed > 0: a stale answer).
func (w *wireAnswer) writeTo(dst []byte, q *query, req []byte, age uint32, fixed uint32) []byte {
	dst = append(dst[:0], w.msg...)
	binary.BigEndian.PutUint16(dst, q.id)
	dst[2] &^= 0x01 // RD, echoed
	if q.rd {
		dst[2] |= 0x01
	}
	// Same name, same length: only the letter case may differ.
	if q.qEnd-headerLen == w.qEnd-w.qStart && bytes.EqualFold(dst[w.qStart:w.qEnd], req[headerLen:q.qEnd]) {
		copy(dst[w.qStart:w.qEnd], req[headerLen:q.qEnd])
	}
	for _, o := range w.ttls {
		t := binary.BigEndian.Uint32(w.msg[o:])
		switch {
		case fixed > 0:
			t = fixed
		case t > age:
			t -= age
		default:
			t = 0
		}
		binary.BigEndian.PutUint32(dst[o:], t)
	}
	return dst
}

// walkName checks the name at off in the message b: labels within b,
// compression pointers only to earlier offsets (at most 64 of them), no
// more than 255 bytes once spelled out. It returns the offset just past
// the name as written (past its first pointer, if any).
func walkName(b []byte, off int) (int, bool) {
	end, n := -1, 0
	for hops := 0; ; {
		if off >= len(b) {
			return 0, false
		}
		l := int(b[off])
		switch l & 0xC0 {
		case 0xC0:
			if off+1 >= len(b) {
				return 0, false
			}
			ptr := int(binary.BigEndian.Uint16(b[off:]) & 0x3FFF)
			if ptr >= off || hops >= 64 {
				return 0, false
			}
			if end < 0 {
				end = off + 2
			}
			off = ptr
			hops++
			continue
		case 0x00:
		default:
			return 0, false
		}
		if l == 0 {
			off++
			break
		}
		if n += l + 1; n > 254 {
			return 0, false
		}
		off += 1 + l
	}
	if end < 0 {
		end = off
	}
	return end, true
}

// Record types whose data the forwarder checks or reads.
const (
	typeA     = 1
	typeNS    = 2
	typeCNAME = 5
	typeSOA   = 6
	typePTR   = 12
	typeMX    = 15
	typeAAAA  = 28
	typeDNAME = 39
	typeOPT   = 41
)

// checkRdata checks the data of a record of type typ at b[off:end] for the
// types whose layout every client relies on: addresses of their size,
// names that are well-formed and fill the data exactly.
func checkRdata(b []byte, typ uint16, off, end int) bool {
	switch typ {
	case typeA:
		return end-off == 4
	case typeAAAA:
		return end-off == 16
	case typeNS, typeCNAME, typePTR, typeDNAME:
		e, ok := walkName(b[:end], off)
		return ok && e == end
	case typeMX:
		if end-off < 3 {
			return false
		}
		e, ok := walkName(b[:end], off+2)
		return ok && e == end
	case typeSOA:
		e, ok := walkName(b[:end], off)
		if !ok {
			return false
		}
		e, ok = walkName(b[:end], e)
		return ok && e+20 == end
	}
	return true
}
