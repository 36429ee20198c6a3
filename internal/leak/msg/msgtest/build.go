// Package msgtest builds small Outlook .msg files (OLE2 compound files
// with MAPI property streams) for tests of the .msg reader and of the leak
// authenticator. Small streams go in the mini stream and streams of 4096
// bytes or more in sector chains of their own, as Outlook writes them, so
// tests can build messages with large bodies and attachments.
package msgtest

import (
	"encoding/binary"
	"fmt"
	"sort"
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

// Compound file constants ([MS-CFB]): version 3 files, 512-byte sectors,
// 64-byte mini sectors; streams under miniCutoff bytes live in the mini
// stream, the others in sector chains of their own.
const (
	sectorSize = 512
	miniSize   = 64
	miniCutoff = 4096
	perSector  = sectorSize / 4 // FAT entries in one sector
	headerFAT  = 109            // FAT sector numbers held by the header
	freeSect   = 0xFFFFFFFF
	fatSect    = 0xFFFFFFFD
	difSect    = 0xFFFFFFFC
)

// entry is one directory entry being written.
type entry struct {
	n                  *node
	typ                byte
	black              bool
	left, right, child uint32
	start              uint32
	size               uint64
}

// buildCFB writes a version 3 compound file holding top: streams under
// 4096 bytes in the mini stream, larger ones in sector chains of their
// own, with as many FAT sectors as the file needs (and DIFAT sectors past
// the 109 the header lists). The siblings of each storage form a balanced
// red-black tree in the order [MS-CFB] defines, so other readers (olefile,
// Outlook) can look names up.
func buildCFB(top []*node) []byte {
	ents := []*entry{{n: &node{name: "Root Entry"}, typ: 5, black: true, left: noStream, right: noStream, child: noStream}}
	var mini []byte      // the mini stream
	var miniFAT []uint32 // its chains
	var big []int        // entries whose data goes in sector chains
	var add func(parent int, kids []*node)
	add = func(parent int, kids []*node) {
		var idx []int
		for _, k := range kids {
			e := &entry{n: k, typ: 2, left: noStream, right: noStream, child: noStream, start: endOfChain}
			i := len(ents)
			ents = append(ents, e)
			idx = append(idx, i)
			switch {
			case k.dir:
				e.typ = 1
				e.start = 0
				add(i, k.kids)
			case len(k.data) >= miniCutoff:
				e.size = uint64(len(k.data))
				big = append(big, i)
			case len(k.data) > 0:
				e.size = uint64(len(k.data))
				first := uint32(len(mini) / miniSize)
				e.start = first
				n := (len(k.data) + miniSize - 1) / miniSize
				for j := 1; j < n; j++ {
					miniFAT = append(miniFAT, first+uint32(j))
				}
				miniFAT = append(miniFAT, endOfChain)
				mini = append(mini, k.data...)
				mini = append(mini, make([]byte, n*miniSize-len(k.data))...)
			}
		}
		sort.Slice(idx, func(a, b int) bool { return cfbLess(ents[idx[a]].n.name, ents[idx[b]].n.name) })
		ents[parent].child = siblingTree(ents, idx, 0, depthOf(len(idx)))
	}
	add(0, top)

	// Sector counts of each part.
	sectors := func(n int) int { return (n + sectorSize - 1) / sectorSize }
	nDir := sectors(len(ents) * 128)
	nMiniFAT := sectors(len(miniFAT) * 4)
	nMini := sectors(len(mini))
	nBig := 0
	for _, i := range big {
		nBig += sectors(len(ents[i].n.data))
	}
	// The FAT covers every sector, its own and the DIFAT's included.
	nFAT, nDIFAT := 0, 0
	for {
		total := nFAT + nDIFAT + nDir + nMiniFAT + nMini + nBig
		f := (total + perSector - 1) / perSector
		d := 0
		if f > headerFAT {
			d = (f - headerFAT + perSector - 2) / (perSector - 1)
		}
		if f == nFAT && d == nDIFAT {
			break
		}
		nFAT, nDIFAT = f, d
	}
	total := nFAT + nDIFAT + nDir + nMiniFAT + nMini + nBig
	fat := make([]uint32, nFAT*perSector)
	for i := range fat {
		fat[i] = freeSect
	}
	next := 0
	// alloc reserves n consecutive sectors chained in the FAT and returns
	// the first (endOfChain for none).
	alloc := func(n int) uint32 {
		if n == 0 {
			return endOfChain
		}
		first := next
		for j := 0; j < n; j++ {
			fat[first+j] = uint32(first + j + 1)
		}
		fat[first+n-1] = endOfChain
		next += n
		return uint32(first)
	}
	for j := 0; j < nFAT; j++ {
		fat[next] = fatSect
		next++
	}
	difatStart := uint32(endOfChain)
	if nDIFAT > 0 {
		difatStart = uint32(next)
	}
	for j := 0; j < nDIFAT; j++ {
		fat[next] = difSect
		next++
	}
	dirStart := alloc(nDir)
	miniFATStart := alloc(nMiniFAT)
	ents[0].start, ents[0].size = alloc(nMini), uint64(len(mini))
	for _, i := range big {
		ents[i].start = alloc(sectors(len(ents[i].n.data)))
	}
	if next != total {
		panic("msgtest: sector count mismatch") // a bug of this builder, not of the input
	}

	body := make([]byte, 0, total*sectorSize)
	le := binary.LittleEndian
	for _, v := range fat {
		body = le.AppendUint32(body, v)
	}
	// DIFAT sectors: the FAT sector numbers past the header's 109, then
	// the next DIFAT sector.
	for j := 0; j < nDIFAT; j++ {
		for k := 0; k < perSector-1; k++ {
			v := uint32(freeSect)
			if f := headerFAT + j*(perSector-1) + k; f < nFAT {
				v = uint32(f)
			}
			body = le.AppendUint32(body, v)
		}
		if j == nDIFAT-1 {
			body = le.AppendUint32(body, endOfChain)
		} else {
			body = le.AppendUint32(body, difatStart+uint32(j)+1)
		}
	}
	for _, e := range ents {
		body = append(body, e.bytes()...)
	}
	free := entry{n: &node{}, left: noStream, right: noStream, child: noStream}
	for len(body)%sectorSize != 0 {
		body = append(body, free.bytes()...)
	}
	for _, v := range miniFAT {
		body = le.AppendUint32(body, v)
	}
	for len(body)%sectorSize != 0 {
		body = le.AppendUint32(body, freeSect)
	}
	body = padSector(append(body, mini...))
	for _, i := range big {
		body = padSector(append(body, ents[i].n.data...))
	}

	h := make([]byte, sectorSize)
	copy(h, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	le.PutUint16(h[24:], 0x3E)
	le.PutUint16(h[26:], 3)
	le.PutUint16(h[28:], 0xFFFE)
	le.PutUint16(h[30:], 9)
	le.PutUint16(h[32:], 6)
	le.PutUint32(h[44:], uint32(nFAT))
	le.PutUint32(h[48:], dirStart)
	le.PutUint32(h[56:], miniCutoff)
	le.PutUint32(h[60:], miniFATStart)
	le.PutUint32(h[64:], uint32(nMiniFAT))
	le.PutUint32(h[68:], difatStart)
	le.PutUint32(h[72:], uint32(nDIFAT))
	for i := 0; i < headerFAT; i++ {
		v := uint32(freeSect)
		if i < nFAT {
			v = uint32(i) // the FAT sectors come first
		}
		le.PutUint32(h[76+4*i:], v)
	}
	return append(h, body...)
}

// padSector pads b with zeros to a whole number of sectors.
func padSector(b []byte) []byte {
	if r := len(b) % sectorSize; r != 0 {
		b = append(b, make([]byte, sectorSize-r)...)
	}
	return b
}

// bytes encodes a 128-byte directory entry.
func (e *entry) bytes() []byte {
	b := make([]byte, 128)
	u := utf16.Encode([]rune(e.n.name))
	if len(u) > 31 {
		panic("msgtest: directory name longer than 31 characters: " + e.n.name)
	}
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	if e.typ != 0 {
		binary.LittleEndian.PutUint16(b[64:], uint16(2*len(u)+2))
	}
	b[66] = e.typ
	if e.black {
		b[67] = 1
	}
	binary.LittleEndian.PutUint32(b[68:], e.left)
	binary.LittleEndian.PutUint32(b[72:], e.right)
	binary.LittleEndian.PutUint32(b[76:], e.child)
	binary.LittleEndian.PutUint32(b[116:], e.start)
	binary.LittleEndian.PutUint64(b[120:], e.size)
	return b
}

// cfbLess orders sibling names as [MS-CFB] 2.6.4 does: shorter names
// first, then by upper-case UTF-16 code units.
func cfbLess(a, b string) bool {
	ua, ub := utf16.Encode([]rune(strings.ToUpper(a))), utf16.Encode([]rune(strings.ToUpper(b)))
	if len(ua) != len(ub) {
		return len(ua) < len(ub)
	}
	for i := range ua {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return false
}

// depthOf is the depth of the deepest nodes of a tree of n nodes built by
// siblingTree.
func depthOf(n int) int {
	d := -1
	for ; n > 0; n >>= 1 {
		d++
	}
	return d
}

// siblingTree links the sorted entries idx into a balanced binary search
// tree and returns its root. Splitting at the middle fills every level but
// the deepest (maxDepth), so colouring the nodes at maxDepth red and all
// others (and the root) black makes a valid red-black tree.
func siblingTree(ents []*entry, idx []int, depth, maxDepth int) uint32 {
	if len(idx) == 0 {
		return noStream
	}
	m := len(idx) / 2
	e := ents[idx[m]]
	e.black = depth < maxDepth || depth == 0
	e.left = siblingTree(ents, idx[:m], depth+1, maxDepth)
	e.right = siblingTree(ents, idx[m+1:], depth+1, maxDepth)
	return uint32(idx[m])
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

// Message is what BuildMessage writes.
type Message struct {
	Headers     string // PR_TRANSPORT_MESSAGE_HEADERS; left out when empty
	Subject     string
	Body        string // PR_BODY, plain text
	Attachments []Attachment
}

// Attachment is one attached file of a Message.
type Attachment struct {
	Name string // PR_ATTACH_LONG_FILENAME
	Data []byte // PR_ATTACH_DATA_BIN
}

// Build returns a small Outlook .msg file: subject, plain-text body,
// sender treasurer@example.org, Message-ID <m1@example.org>, submit time
// 2017-05-05 08:00 UTC, one attachment "Budget.docx", and the transport
// headers when not empty.
func Build(headers, subject, body string) []byte {
	return BuildMessage(Message{Headers: headers, Subject: subject, Body: body,
		Attachments: []Attachment{{Name: "Budget.docx", Data: []byte("PK\x03\x04attachment")}}})
}

// BuildMessage returns an Outlook .msg file holding m, with the sender,
// Message-ID and submit time Build writes. Bodies and attachments may be
// of any size: those of 4096 bytes or more are written in sector chains of
// their own, as Outlook does.
func BuildMessage(m Message) []byte {
	// The top-level property stream: a 32-byte header (next recipient and
	// attachment ids, recipient and attachment counts), then 16-byte
	// fixed-size properties.
	props := make([]byte, 32)
	binary.LittleEndian.PutUint32(props[12:], uint32(len(m.Attachments)))
	binary.LittleEndian.PutUint32(props[20:], uint32(len(m.Attachments)))
	ft := uint64(time.Date(2017, 5, 5, 8, 0, 0, 0, time.UTC).UnixNano()/100) + 116444736000000000
	var e [16]byte
	binary.LittleEndian.PutUint32(e[0:], uint32(pidClientSubmitTime)<<16|0x0040)
	binary.LittleEndian.PutUint64(e[8:], ft)
	props = append(props, e[:]...)
	top := []*node{
		{name: "__properties_version1.0", data: props},
		unicodeStream(pidSubject, m.Subject),
		unicodeStream(pidBody, m.Body),
		unicodeStream(pidSenderSMTP, "treasurer@example.org"),
		unicodeStream(pidMessageID, "<m1@example.org>"),
	}
	for i, a := range m.Attachments {
		top = append(top, &node{name: fmt.Sprintf("__attach_version1.0_#%08X", i), dir: true, kids: []*node{
			{name: "__properties_version1.0", data: make([]byte, 8)},
			unicodeStream(pidAttachLongName, a.Name),
			{name: "__substg1.0_37010102", data: a.Data},
		}})
	}
	if m.Headers != "" {
		top = append(top, unicodeStream(pidTransportHeaders, m.Headers))
	}
	return buildCFB(top)
}
