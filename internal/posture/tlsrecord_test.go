package posture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

// tlsRecord is one TLS 1.2 record of typ carrying payload.
func tlsRecord(typ byte, payload []byte) []byte {
	return append([]byte{typ, 3, 3, byte(len(payload) >> 8), byte(len(payload))}, payload...)
}

// hsMessage is one handshake message of typ with body.
func hsMessage(typ byte, body []byte) []byte {
	return append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

// serverHello12 is the body of a TLS 1.2 ServerHello picking suite, with
// renegotiation_info and extended_master_secret.
func serverHello12(suite uint16) []byte {
	b := []byte{3, 3}
	b = append(b, bytes.Repeat([]byte{7}, 32)...)
	b = append(b, 0, byte(suite>>8), byte(suite), 0)
	exts := []byte{0xff, 0x01, 0, 1, 0, 0, 23, 0, 0}
	return append(append(b, byte(len(exts)>>8), byte(len(exts))), exts...)
}

// TestRecordReader: handshake messages are reassembled across records and
// split out of one record; other records come back as they are; each
// limit (record length, bytes in all, message length) and each truncation
// is an error naming the problem; a close between records is
// errConnClosed.
func TestRecordReader(t *testing.T) {
	long := hsMessage(11, bytes.Repeat([]byte{0xAB}, 40000)) // a certificate over three records
	split := slices.Concat(tlsRecord(22, long[:16384]), tlsRecord(22, long[16384:32768]), tlsRecord(22, long[32768:]))
	two := tlsRecord(22, slices.Concat(hsMessage(2, []byte{1, 2, 3}), hsMessage(14, nil)))
	rr := &recordReader{r: bytes.NewReader(slices.Concat(split, two, tlsRecord(21, []byte{2, 40}))), maxTotal: 1 << 20, maxMsg: 1 << 16}
	for i, want := range []struct {
		typ  byte
		data []byte
	}{{22, long}, {22, hsMessage(2, []byte{1, 2, 3})}, {22, hsMessage(14, nil)}, {21, []byte{2, 40}}} {
		typ, data, err := rr.next()
		if err != nil || typ != want.typ || !bytes.Equal(data, want.data) {
			t.Fatalf("item %d: type %d, %d bytes, %v; want type %d, %d bytes", i, typ, len(data), err, want.typ, len(want.data))
		}
	}
	if _, _, err := rr.next(); !errors.Is(err, errConnClosed) {
		t.Errorf("after the last record: %v, want errConnClosed", err)
	}

	for _, tc := range []struct {
		name     string
		stream   []byte
		maxTotal int
		want     string
	}{
		{"a record longer than TLS allows", slices.Concat([]byte{22, 3, 3, 0x48, 0x01}, make([]byte, 0x4801)), 1 << 20, "record of 18433 bytes"},
		{"more bytes in all than the limit", slices.Concat(split, two), 40000, "more than 40000 bytes of records"},
		{"a handshake message longer than the limit", tlsRecord(22, []byte{11, 0x01, 0, 1}), 1 << 20, "more than 65536"},
		{"a truncated record", tlsRecord(22, long[:100])[:50], 1 << 20, "truncated record (45 of 100 bytes)"},
		{"a message cut by the close", tlsRecord(22, long[:100]), 1 << 20, "connection closed"},
		{"an empty handshake record", tlsRecord(22, nil), 1 << 20, "empty handshake record"},
	} {
		rr := &recordReader{r: bytes.NewReader(tc.stream), maxTotal: tc.maxTotal, maxMsg: 1 << 16}
		var err error
		for range 10 {
			if _, _, err = rr.next(); err != nil {
				break
			}
		}
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// FuzzRecordReader compares the reader with a plain reading of the whole
// stream: every record it returns is the next record of the stream, the
// handshake messages it returns are the handshake bytes cut at their
// lengths, in order, and it never returns more than its limits allow.
func FuzzRecordReader(f *testing.F) {
	seeds(f, "tls-flight")
	f.Add(string(slices.Concat(tlsRecord(22, []byte{2, 0, 0, 5, 1}), tlsRecord(22, []byte{2, 3, 4, 5, 14}), tlsRecord(22, []byte{0, 0, 0}))))
	const maxTotal, maxMsg = 1 << 16, 1 << 15
	f.Fuzz(func(t *testing.T, stream string) {
		rr := &recordReader{r: bytes.NewReader([]byte(stream)), maxTotal: maxTotal, maxMsg: maxMsg}
		// The reference: records read from the whole stream, handshake
		// payloads joined.
		var others [][]byte
		var hs []byte
		for rest := []byte(stream); len(rest) >= 5; {
			n := int(binary.BigEndian.Uint16(rest[3:5]))
			if len(rest) < 5+n {
				break
			}
			if rest[0] == 22 {
				hs = append(hs, rest[5:5+n]...)
			} else {
				others = append(others, rest[5:5+n])
			}
			rest = rest[5+n:]
		}
		read := 0
		for range 1000 {
			typ, data, err := rr.next()
			if err != nil {
				if !errors.Is(err, errConnClosed) && !errors.Is(err, errFlight) {
					t.Fatalf("error %v is neither a close nor a malformed flight", err)
				}
				break
			}
			if rr.total > maxTotal {
				t.Fatalf("%d bytes read, more than %d", rr.total, maxTotal)
			}
			if typ != 22 {
				if len(others) == 0 || !bytes.Equal(data, others[0]) {
					t.Fatalf("record of type %d, %x, is not the next of the stream", typ, data)
				}
				others = others[1:]
				continue
			}
			n := int(data[1])<<16 | int(data[2])<<8 | int(data[3])
			if len(data) != 4+n || n > maxMsg {
				t.Fatalf("handshake message of %d bytes says %d (limit %d)", len(data), n, maxMsg)
			}
			if read+len(data) > len(hs) || !bytes.Equal(data, hs[read:read+len(data)]) {
				t.Fatalf("handshake message %x is not the next in the stream", data)
			}
			read += len(data)
		}
	})
}
