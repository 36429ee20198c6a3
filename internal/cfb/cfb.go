// Package cfb reads OLE2 compound files ([MS-CFB]): the container of legacy
// Office documents (.doc, .xls, .ppt), Outlook messages (.msg) and the VBA
// project inside macro-enabled Office files. A compound file is a little
// file system in a file: a FAT of sector chains, a directory of named
// storages (folders) and streams (files), and a mini stream for small
// streams.
//
// The reader is written for hostile input: every sector chain is bounded by
// the number of sectors in the file, so loops and out-of-range sectors end in
// an error, the directory and each stream are capped (Limits), and nothing is
// read that a caller does not ask for.
package cfb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
)

// Entry types of the directory.
const (
	TypeStorage = 1
	TypeStream  = 2
	TypeRoot    = 5
)

// Magic is the signature a compound file starts with.
const Magic = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"

// ErrNotCFB is returned by Open for data that is not a compound file.
var ErrNotCFB = errors.New("not an OLE2 compound file")

// Limits bound what Open and Stream read.
type Limits struct {
	MaxStream  int64 // bytes of one stream (and of the mini stream)
	MaxEntries int   // directory entries
}

// DefaultLimits suit documents and messages.
var DefaultLimits = Limits{MaxStream: 64 << 20, MaxEntries: 100_000}

// File is an open compound file.
type File struct {
	r          io.ReaderAt
	size       int64
	sectorSize int64
	miniSize   int64
	miniCutoff uint32
	fat        []uint32
	miniFAT    []uint32
	dir        []Entry
	miniStream []byte
	maxStream  int64
}

// Entry is one directory entry: a storage or a stream.
type Entry struct {
	Name               string
	Type               byte // TypeStorage, TypeStream or TypeRoot
	left, right, child uint32
	start              uint32
	Size               uint64
}

const (
	free       = 0xFFFFFFFF
	endOfChain = 0xFFFFFFFE
	noStream   = 0xFFFFFFFF
)

// Open reads the header, the FAT and the directory of a compound file of
// size bytes. Stream data is read only by Stream.
func Open(r io.ReaderAt, size int64, l Limits) (*File, error) {
	if l.MaxStream <= 0 {
		l.MaxStream = DefaultLimits.MaxStream
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultLimits.MaxEntries
	}
	var h [512]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ErrNotCFB
		}
		return nil, fmt.Errorf("compound file header: %w", err)
	}
	if string(h[:8]) != Magic {
		return nil, ErrNotCFB
	}
	c := &File{r: r, size: size, maxStream: l.MaxStream}
	shift := binary.LittleEndian.Uint16(h[30:])
	if shift != 9 && shift != 12 {
		return nil, fmt.Errorf("compound file header: sector shift %d is not 9 or 12", shift)
	}
	c.sectorSize = 1 << shift
	mshift := binary.LittleEndian.Uint16(h[32:])
	if mshift != 6 {
		return nil, fmt.Errorf("compound file header: mini sector shift %d is not 6", mshift)
	}
	c.miniSize = 64
	numFAT := binary.LittleEndian.Uint32(h[44:])
	dirStart := binary.LittleEndian.Uint32(h[48:])
	c.miniCutoff = binary.LittleEndian.Uint32(h[56:])
	if c.miniCutoff != 4096 {
		c.miniCutoff = 4096
	}
	miniFATStart := binary.LittleEndian.Uint32(h[60:])
	numMiniFAT := binary.LittleEndian.Uint32(h[64:])
	difatStart := binary.LittleEndian.Uint32(h[68:])
	numDIFAT := binary.LittleEndian.Uint32(h[72:])

	nSectors := (size + c.sectorSize - 1) / c.sectorSize
	if int64(numFAT) > nSectors+1 {
		return nil, fmt.Errorf("compound file header: %d FAT sectors in a file of %d sectors", numFAT, nSectors)
	}
	// Collect the FAT sector numbers from the header and the DIFAT chain.
	var fatSectors []uint32
	for i := 0; i < 109 && uint32(len(fatSectors)) < numFAT; i++ {
		fatSectors = append(fatSectors, binary.LittleEndian.Uint32(h[76+4*i:]))
	}
	sec := difatStart
	per := int(c.sectorSize/4) - 1
	for n := uint32(0); n < numDIFAT && uint32(len(fatSectors)) < numFAT; n++ {
		if sec >= endOfChain-1 || int64(sec) >= nSectors {
			return nil, fmt.Errorf("DIFAT sector %d out of range", sec)
		}
		buf, err := c.sector(sec)
		if err != nil {
			return nil, fmt.Errorf("DIFAT: %w", err)
		}
		for i := 0; i < per && uint32(len(fatSectors)) < numFAT; i++ {
			fatSectors = append(fatSectors, binary.LittleEndian.Uint32(buf[4*i:]))
		}
		sec = binary.LittleEndian.Uint32(buf[4*per:])
	}
	for _, s := range fatSectors {
		if int64(s) >= nSectors {
			return nil, fmt.Errorf("error reading FAT from sector %d: beyond the end of the file", s)
		}
		buf, err := c.sector(s)
		if err != nil {
			return nil, fmt.Errorf("error reading FAT from sector %d: %w", s, err)
		}
		for i := 0; i < len(buf); i += 4 {
			c.fat = append(c.fat, binary.LittleEndian.Uint32(buf[i:]))
		}
	}
	// Directory.
	dirData, err := c.chain(dirStart, -1)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	for off := 0; off+128 <= len(dirData); off += 128 {
		if len(c.dir) >= l.MaxEntries {
			return nil, fmt.Errorf("directory has more than %d entries", l.MaxEntries)
		}
		e := dirData[off : off+128]
		nameLen := int(binary.LittleEndian.Uint16(e[64:]))
		if nameLen > 64 {
			nameLen = 64
		}
		u := make([]uint16, 0, 32)
		for i := 0; i+1 < nameLen; i += 2 {
			ch := binary.LittleEndian.Uint16(e[i:])
			if ch == 0 {
				break
			}
			u = append(u, ch)
		}
		c.dir = append(c.dir, Entry{
			Name:  string(utf16.Decode(u)),
			Type:  e[66],
			left:  binary.LittleEndian.Uint32(e[68:]),
			right: binary.LittleEndian.Uint32(e[72:]),
			child: binary.LittleEndian.Uint32(e[76:]),
			start: binary.LittleEndian.Uint32(e[116:]),
			Size:  binary.LittleEndian.Uint64(e[120:]),
		})
	}
	if len(c.dir) == 0 || c.dir[0].Type != TypeRoot {
		return nil, errors.New("directory: no root entry")
	}
	if shift == 9 {
		// Version 3 files: only the low 32 bits of the size are meaningful.
		for i := range c.dir {
			c.dir[i].Size &= 0xFFFFFFFF
		}
	}
	// Mini FAT and mini stream, loaded lazily only when numMiniFAT > 0.
	if numMiniFAT > 0 && miniFATStart < endOfChain-1 {
		mf, err := c.chain(miniFATStart, -1)
		if err != nil {
			return c, fmt.Errorf("mini FAT: %w", err)
		}
		for i := 0; i+4 <= len(mf); i += 4 {
			c.miniFAT = append(c.miniFAT, binary.LittleEndian.Uint32(mf[i:]))
		}
	}
	return c, nil
}

func (c *File) sector(s uint32) ([]byte, error) {
	off := (int64(s) + 1) * c.sectorSize
	if off+c.sectorSize > c.size+c.sectorSize {
		return nil, fmt.Errorf("sector %d beyond the end of the file", s)
	}
	buf := make([]byte, c.sectorSize)
	n, err := c.r.ReadAt(buf, off)
	if n < len(buf) {
		if err == io.EOF || err == nil {
			// A short last sector is common; pad it with zeros.
			clear(buf[n:])
			return buf, nil
		}
		return nil, err
	}
	return buf, nil
}

// chain reads the sector chain starting at start; want < 0 reads it all.
func (c *File) chain(start uint32, want int64) ([]byte, error) {
	var out []byte
	visited := 0
	for s := start; s != endOfChain; {
		if s == free || int(s) >= len(c.fat) {
			if s == free && len(out) > 0 {
				break
			}
			return nil, fmt.Errorf("sector chain reaches invalid sector %d", s)
		}
		visited++
		if visited > len(c.fat) {
			return nil, errors.New("sector chain loops")
		}
		if int64(len(out)) > c.maxStream {
			return nil, fmt.Errorf("stream larger than the limit of %d bytes", c.maxStream)
		}
		buf, err := c.sector(s)
		if err != nil {
			return nil, err
		}
		out = append(out, buf...)
		if want >= 0 && int64(len(out)) >= want {
			break
		}
		s = c.fat[s]
	}
	return out, nil
}

func (c *File) miniChain(start uint32, want int64) ([]byte, error) {
	if c.miniStream == nil {
		root := c.dir[0]
		if int64(root.Size) > c.maxStream {
			return nil, fmt.Errorf("mini stream of %d bytes is over the limit", root.Size)
		}
		ms, err := c.chain(root.start, int64(root.Size))
		if err != nil {
			return nil, fmt.Errorf("mini stream: %w", err)
		}
		c.miniStream = ms
	}
	var out []byte
	visited := 0
	for s := start; s != endOfChain; {
		if int(s) >= len(c.miniFAT) {
			return nil, fmt.Errorf("mini sector chain reaches invalid sector %d", s)
		}
		visited++
		if visited > len(c.miniFAT) {
			return nil, errors.New("mini sector chain loops")
		}
		off := int64(s) * c.miniSize
		if off+c.miniSize > int64(len(c.miniStream)) {
			return nil, fmt.Errorf("mini sector %d beyond the mini stream", s)
		}
		out = append(out, c.miniStream[off:off+c.miniSize]...)
		if int64(len(out)) >= want {
			break
		}
		s = c.miniFAT[s]
	}
	return out, nil
}

// Len is the number of directory entries; entry 0 is the root storage.
func (c *File) Len() int { return len(c.dir) }

// Entry returns directory entry i (0 ≤ i < Len()).
func (c *File) Entry(i int) Entry { return c.dir[i] }

// Children lists the entries directly in storage i (0 for the root),
// walking the red-black tree of siblings with a visited set, so a looping
// tree ends.
func (c *File) Children(i int) []int {
	var out []int
	seen := make(map[uint32]bool)
	var stack []uint32
	stack = append(stack, c.dir[i].child)
	for len(stack) > 0 && len(out) < len(c.dir) {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if id == noStream || int(id) >= len(c.dir) || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, int(id))
		stack = append(stack, c.dir[id].left, c.dir[id].right)
	}
	return out
}

// Find returns the index of the root-level entry called name, or -1.
func (c *File) Find(name string) int {
	for _, i := range c.Children(0) {
		if c.dir[i].Name == name {
			return i
		}
	}
	return -1
}

// Stream reads the stream at directory index i, up to max bytes (max < 0:
// the whole stream, which must be within Limits.MaxStream).
func (c *File) Stream(i int, max int64) ([]byte, error) {
	e := c.dir[i]
	if e.Type != TypeStream {
		return nil, fmt.Errorf("%q is not a stream", e.Name)
	}
	size := int64(e.Size)
	if size > c.maxStream {
		if max < 0 {
			return nil, fmt.Errorf("stream %q of %d bytes is over the limit of %d", e.Name, size, c.maxStream)
		}
	}
	if max >= 0 && size > max {
		size = max
	}
	var data []byte
	var err error
	if e.Size < uint64(c.miniCutoff) {
		data, err = c.miniChain(e.start, size)
	} else {
		data, err = c.chain(e.start, size)
	}
	if err != nil {
		return nil, fmt.Errorf("stream %q: %w", e.Name, err)
	}
	if int64(len(data)) > size {
		data = data[:size]
	}
	return data, nil
}

// MaxStream is the largest stream Stream reads whole.
func (c *File) MaxStream() int64 { return c.maxStream }
