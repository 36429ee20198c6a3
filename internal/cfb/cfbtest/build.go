// Package cfbtest writes OLE2 compound files ([MS-CFB]) for tests: the
// container of legacy Office documents (.doc, .xls, .ppt), Outlook .msg
// files and VBA projects. Build lays a tree of storages and streams out as
// Office does in a version 3 file (512-byte sectors): streams under 4096
// bytes go in the mini stream (64-byte mini sectors chained by the mini
// FAT), larger ones in sector chains of their own; the FAT grows to as many
// sectors as the file needs, listed by DIFAT sectors past the 109 the header
// holds; and the siblings of each storage form a red-black tree sorted the
// way [MS-CFB] 2.6.4 says, so other readers (olefile, Office, Outlook) can
// look names up.
//
// It is a writer for well-formed files only: tests that need broken ones
// damage its output.
package cfbtest

import (
	"encoding/binary"
	"sort"
	"strings"
	"unicode/utf16"
)

// Node is a stream or, with Storage set, a storage (a folder) holding
// Children. Names are at most 31 UTF-16 code units, as [MS-CFB] allows.
type Node struct {
	Name     string
	Data     []byte  // the stream's bytes; ignored for a storage
	Children []*Node // a storage's entries, in any order
	Storage  bool
}

// File is a stream given by its path from the root storage, its storages
// separated by "/" (such as "VBA/dir").
type File struct {
	Path string
	Data []byte
}

// BuildFiles writes a compound file holding files, creating the storages
// their paths name. Entries keep the order in which they first appear.
func BuildFiles(files ...File) []byte {
	var top []*Node
	storages := map[string]*Node{}
	for _, f := range files {
		parts := strings.Split(f.Path, "/")
		list := &top
		for i, p := range parts[:len(parts)-1] {
			key := strings.Join(parts[:i+1], "/")
			s := storages[key]
			if s == nil {
				s = &Node{Name: p, Storage: true}
				storages[key] = s
				*list = append(*list, s)
			}
			list = &s.Children
		}
		*list = append(*list, &Node{Name: parts[len(parts)-1], Data: f.Data})
	}
	return Build(top)
}

const (
	noStream   = 0xFFFFFFFF
	endOfChain = 0xFFFFFFFE
)

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
	n                  *Node
	typ                byte
	black              bool
	left, right, child uint32
	start              uint32
	size               uint64
}

// Build returns a version 3 compound file whose root storage holds top:
// streams under 4096 bytes in the mini stream, larger ones in sector
// chains of their own, with as many FAT sectors as the file needs (and
// DIFAT sectors past the 109 the header lists). The siblings of each
// storage form a balanced red-black tree in the order [MS-CFB] defines.
// A name longer than 31 UTF-16 code units is a bug of the test and panics.
func Build(top []*Node) []byte {
	ents := []*entry{{n: &Node{Name: "Root Entry"}, typ: 5, black: true, left: noStream, right: noStream, child: noStream}}
	var mini []byte      // the mini stream
	var miniFAT []uint32 // its chains
	var big []int        // entries whose data goes in sector chains
	var add func(parent int, kids []*Node)
	add = func(parent int, kids []*Node) {
		var idx []int
		for _, k := range kids {
			e := &entry{n: k, typ: 2, left: noStream, right: noStream, child: noStream, start: endOfChain}
			i := len(ents)
			ents = append(ents, e)
			idx = append(idx, i)
			switch {
			case k.Storage:
				e.typ = 1
				e.start = 0
				add(i, k.Children)
			case len(k.Data) >= miniCutoff:
				e.size = uint64(len(k.Data))
				big = append(big, i)
			case len(k.Data) > 0:
				e.size = uint64(len(k.Data))
				first := uint32(len(mini) / miniSize)
				e.start = first
				n := (len(k.Data) + miniSize - 1) / miniSize
				for j := 1; j < n; j++ {
					miniFAT = append(miniFAT, first+uint32(j))
				}
				miniFAT = append(miniFAT, endOfChain)
				mini = append(mini, k.Data...)
				mini = append(mini, make([]byte, n*miniSize-len(k.Data))...)
			}
		}
		sort.Slice(idx, func(a, b int) bool { return cfbLess(ents[idx[a]].n.Name, ents[idx[b]].n.Name) })
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
		nBig += sectors(len(ents[i].n.Data))
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
		ents[i].start = alloc(sectors(len(ents[i].n.Data)))
	}
	if next != total {
		panic("cfbtest: sector count mismatch") // a bug of this builder, not of the input
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
	free := entry{n: &Node{}, left: noStream, right: noStream, child: noStream}
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
		body = padSector(append(body, ents[i].n.Data...))
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
	u := utf16.Encode([]rune(e.n.Name))
	if len(u) > 31 {
		panic("cfbtest: directory name longer than 31 characters: " + e.n.Name)
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
