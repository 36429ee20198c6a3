// Package msgtest builds small Outlook .msg files (OLE2 compound files
// with MAPI property streams) for tests of the .msg reader and of the leak
// authenticator. Every stream is kept in the mini stream, so files stay
// under a few kilobytes.
package msgtest

import (
	"bytes"
	"encoding/binary"
	"strings"
	"time"
	"unicode/utf16"
)

const (
	noStream   = 0xFFFFFFFF
	endOfChain = 0xFFFFFFFE

	pidSubject          = 0x0037
	pidClientSubmitTime = 0x0039
	pidTransportHeaders = 0x007D
	pidBody             = 0x1000
	pidMessageID        = 0x1035
	pidAttachLongName   = 0x3707
	pidSenderSMTP       = 0x5D01
)

// node is a stream (data != nil or empty file) or a storage (kids).
type node struct {
	name string
	data []byte
	kids []*node
	dir  bool
}

// buildCFB writes a compound file with 512-byte sectors where every
// stream lives in the mini stream (all test streams are under 4096 bytes).
func buildCFB(top []*node) []byte {
	type ent struct {
		n                  *node
		typ                byte
		left, right, child uint32
		start              uint32
		size               uint64
	}
	ents := []*ent{{n: &node{name: "Root Entry"}, typ: 5, left: noStream, right: noStream, child: noStream}}
	var mini []byte
	var miniFAT []uint32
	var add func(parent int, kids []*node)
	add = func(parent int, kids []*node) {
		prev := -1
		for _, k := range kids {
			e := &ent{n: k, typ: 2, left: noStream, right: noStream, child: noStream}
			if k.dir {
				e.typ = 1
			} else {
				e.size = uint64(len(k.data))
				if len(k.data) > 0 {
					first := uint32(len(mini) / 64)
					e.start = first
					n := (len(k.data) + 63) / 64
					for i := 0; i < n; i++ {
						if i == n-1 {
							miniFAT = append(miniFAT, endOfChain)
						} else {
							miniFAT = append(miniFAT, first+uint32(i)+1)
						}
					}
					padded := make([]byte, n*64)
					copy(padded, k.data)
					mini = append(mini, padded...)
				} else {
					e.start = endOfChain
				}
			}
			idx := len(ents)
			ents = append(ents, e)
			if prev < 0 {
				ents[parent].child = uint32(idx)
			} else {
				ents[prev].right = uint32(idx)
			}
			prev = idx
			if k.dir {
				add(idx, k.kids)
			}
		}
	}
	add(0, top)
	pad := func(b []byte) []byte {
		if r := len(b) % 512; r != 0 || len(b) == 0 {
			b = append(b, make([]byte, 512-r)...)
		}
		return b
	}
	var dir bytes.Buffer
	for _, e := range ents {
		var b [128]byte
		u := utf16.Encode([]rune(e.n.name))
		for i, c := range u {
			binary.LittleEndian.PutUint16(b[2*i:], c)
		}
		binary.LittleEndian.PutUint16(b[64:], uint16(2*len(u)+2))
		b[66] = e.typ
		binary.LittleEndian.PutUint32(b[68:], e.left)
		binary.LittleEndian.PutUint32(b[72:], e.right)
		binary.LittleEndian.PutUint32(b[76:], e.child)
		binary.LittleEndian.PutUint32(b[116:], e.start)
		binary.LittleEndian.PutUint64(b[120:], e.size)
		dir.Write(b[:])
	}
	dirB := pad(dir.Bytes())
	var mf bytes.Buffer
	for _, v := range miniFAT {
		binary.Write(&mf, binary.LittleEndian, v)
	}
	for mf.Len()%512 != 0 || mf.Len() == 0 {
		binary.Write(&mf, binary.LittleEndian, uint32(0xFFFFFFFF))
	}
	miniB := pad(mini)
	// Sectors: 0 FAT, then directory, mini FAT, mini stream.
	nd, nmf, nms := len(dirB)/512, mf.Len()/512, len(miniB)/512
	fat := make([]uint32, 128)
	for i := range fat {
		fat[i] = 0xFFFFFFFF
	}
	fat[0] = 0xFFFFFFFD
	chain := func(start, n int) {
		for i := 0; i < n; i++ {
			if i == n-1 {
				fat[start+i] = endOfChain
			} else {
				fat[start+i] = uint32(start + i + 1)
			}
		}
	}
	dirStart, mfStart, msStart := 1, 1+nd, 1+nd+nmf
	if msStart+nms > 128 {
		panic("msgtest: compound file too large for one FAT sector")
	}
	chain(dirStart, nd)
	chain(mfStart, nmf)
	chain(msStart, nms)
	ents[0].start, ents[0].size = uint32(msStart), uint64(len(mini))
	binary.LittleEndian.PutUint32(dirB[116:], ents[0].start)
	binary.LittleEndian.PutUint64(dirB[120:], ents[0].size)
	h := make([]byte, 512)
	copy(h, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	binary.LittleEndian.PutUint16(h[24:], 0x3E)
	binary.LittleEndian.PutUint16(h[26:], 3)
	binary.LittleEndian.PutUint16(h[28:], 0xFFFE)
	binary.LittleEndian.PutUint16(h[30:], 9)
	binary.LittleEndian.PutUint16(h[32:], 6)
	binary.LittleEndian.PutUint32(h[44:], 1)
	binary.LittleEndian.PutUint32(h[48:], uint32(dirStart))
	binary.LittleEndian.PutUint32(h[56:], 4096)
	binary.LittleEndian.PutUint32(h[60:], uint32(mfStart))
	binary.LittleEndian.PutUint32(h[64:], uint32(nmf))
	binary.LittleEndian.PutUint32(h[68:], endOfChain)
	for i := 0; i < 109; i++ {
		binary.LittleEndian.PutUint32(h[76+4*i:], 0xFFFFFFFF)
	}
	binary.LittleEndian.PutUint32(h[76:], 0)
	var out bytes.Buffer
	out.Write(h)
	for _, v := range fat {
		binary.Write(&out, binary.LittleEndian, v)
	}
	out.Write(dirB)
	out.Write(mf.Bytes())
	out.Write(miniB)
	return out.Bytes()
}

func unicodeStream(id uint16, s string) *node {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return &node{name: "__substg1.0_" + strings.ToUpper(hex4(id)) + "001F", data: b}
}

func hex4(v uint16) string {
	const d = "0123456789ABCDEF"
	return string([]byte{d[v>>12], d[v>>8&15], d[v>>4&15], d[v&15]})
}

// Build returns a small Outlook .msg file: subject, plain-text body,
// sender treasurer@example.org, Message-ID <m1@example.org>, submit time
// 2017-05-05 08:00 UTC, one attachment "Budget.docx", and the transport
// headers when not empty.
func Build(headers, subject, body string) []byte {
	props := make([]byte, 32)
	ft := uint64(time.Date(2017, 5, 5, 8, 0, 0, 0, time.UTC).UnixNano()/100) + 116444736000000000
	var e [16]byte
	binary.LittleEndian.PutUint32(e[0:], uint32(pidClientSubmitTime)<<16|0x0040)
	binary.LittleEndian.PutUint64(e[8:], ft)
	props = append(props, e[:]...)
	top := []*node{
		{name: "__properties_version1.0", data: props},
		unicodeStream(pidSubject, subject),
		unicodeStream(pidBody, body),
		unicodeStream(pidSenderSMTP, "treasurer@example.org"),
		unicodeStream(pidMessageID, "<m1@example.org>"),
		{name: "__attach_version1.0_#00000000", dir: true, kids: []*node{
			{name: "__properties_version1.0", data: make([]byte, 8)},
			unicodeStream(pidAttachLongName, "Budget.docx"),
			{name: "__substg1.0_37010102", data: []byte("PK\x03\x04attachment")},
		}},
	}
	if headers != "" {
		top = append(top, unicodeStream(pidTransportHeaders, headers))
	}
	return buildCFB(top)
}
