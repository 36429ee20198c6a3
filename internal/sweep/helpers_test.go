package sweep

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"testing"
	"unicode/utf16"
)

// makeZip builds a zip of name → content, in order.
func makeZip(t testing.TB, entries ...[2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func makeTarGz(t testing.TB, name string, entries ...[2]string) []byte {
	t.Helper()
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for _, e := range entries {
		tw.WriteHeader(&tar.Header{Name: e[0], Mode: 0o644, Size: int64(len(e[1])), Typeflag: tar.TypeReg})
		tw.Write([]byte(e[1]))
	}
	tw.Close()
	var gb bytes.Buffer
	zw := gzip.NewWriter(&gb)
	zw.Name = name
	zw.Write(tb.Bytes())
	zw.Close()
	return gb.Bytes()
}

// compressLiteral writes src in the [MS-OVBA] compressed format using
// literal tokens only (valid, if not small), in chunks of 3000 bytes.
func compressLiteral(src []byte) []byte {
	out := []byte{0x01}
	for len(src) > 0 {
		n := min(len(src), 3000)
		var chunk []byte
		for i := 0; i < n; i += 8 {
			chunk = append(chunk, 0)
			chunk = append(chunk, src[i:min(i+8, n)]...)
		}
		hdr := uint16(len(chunk)+2-3) | 0x3<<12 | 0x8000
		out = binary.LittleEndian.AppendUint16(out, hdr)
		out = append(out, chunk...)
		src = src[n:]
	}
	return out
}

// vbaDir builds a decompressed VBA dir stream naming one module.
func vbaDir(module string, offset uint32) []byte {
	var d []byte
	rec := func(id uint16, data []byte) {
		d = binary.LittleEndian.AppendUint16(d, id)
		d = binary.LittleEndian.AppendUint32(d, uint32(len(data)))
		d = append(d, data...)
	}
	// PROJECTVERSION: size field 4, then 6 bytes.
	d = append(d, 0x09, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 2, 0)
	rec(0x0019, []byte(module))
	rec(0x001A, []byte(module))
	u := utf16.Encode([]rune(module))
	ub := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(ub[2*i:], c)
	}
	rec(0x0032, ub)
	rec(0x0031, binary.LittleEndian.AppendUint32(nil, offset))
	rec(0x002B, nil)
	rec(0x0010, nil)
	return d
}

// makeVBAProject builds an OLE compound file (512-byte sectors) with a
// storage VBA holding a "dir" stream and one module stream whose source is
// src. Streams are padded to at least 4096 bytes so that no mini stream is
// needed.
func makeVBAProject(src string) []byte {
	const pcode = 4096
	dirPlain := vbaDir("Module1", pcode)
	dirPlain = append(dirPlain, make([]byte, 5000)...) // padding after the terminator
	dirStream := compressLiteral(dirPlain)
	modStream := append(bytes.Repeat([]byte{0xAA}, pcode), compressLiteral([]byte(src))...)
	pad := func(b []byte) []byte {
		for len(b)%512 != 0 {
			b = append(b, 0)
		}
		return b
	}
	dirSecs := len(pad(append([]byte(nil), dirStream...))) / 512
	modSecs := len(pad(append([]byte(nil), modStream...))) / 512
	const endChain, freeSec, fatSec, noStream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
	// Sectors: 0 FAT, 1 directory, 2.. dir stream, then module stream.
	fat := make([]uint32, 128)
	for i := range fat {
		fat[i] = freeSec
	}
	fat[0] = fatSec
	fat[1] = endChain
	s := uint32(2)
	for i := 0; i < dirSecs; i++ {
		fat[s] = s + 1
		s++
	}
	fat[s-1] = endChain
	modStart := s
	for i := 0; i < modSecs; i++ {
		fat[s] = s + 1
		s++
	}
	fat[s-1] = endChain

	h := make([]byte, 512)
	copy(h, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
	binary.LittleEndian.PutUint16(h[0x18:], 0x3E)
	binary.LittleEndian.PutUint16(h[0x1A:], 3)
	binary.LittleEndian.PutUint16(h[0x1C:], 0xFFFE)
	binary.LittleEndian.PutUint16(h[0x1E:], 9)
	binary.LittleEndian.PutUint16(h[0x20:], 6)
	binary.LittleEndian.PutUint32(h[0x2C:], 1)
	binary.LittleEndian.PutUint32(h[0x30:], 1)
	binary.LittleEndian.PutUint32(h[0x38:], 4096)
	binary.LittleEndian.PutUint32(h[0x3C:], endChain)
	binary.LittleEndian.PutUint32(h[0x44:], endChain)
	for i := 0; i < 109; i++ {
		binary.LittleEndian.PutUint32(h[0x4C+4*i:], freeSec)
	}
	binary.LittleEndian.PutUint32(h[0x4C:], 0)

	fatSector := make([]byte, 512)
	for i, v := range fat {
		binary.LittleEndian.PutUint32(fatSector[4*i:], v)
	}
	entry := func(name string, typ byte, left, right, child, start uint32, size uint64) []byte {
		e := make([]byte, 128)
		u := utf16.Encode([]rune(name))
		for i, c := range u {
			binary.LittleEndian.PutUint16(e[2*i:], c)
		}
		binary.LittleEndian.PutUint16(e[0x40:], uint16(2*len(u)+2))
		e[0x42] = typ
		e[0x43] = 1
		binary.LittleEndian.PutUint32(e[0x44:], left)
		binary.LittleEndian.PutUint32(e[0x48:], right)
		binary.LittleEndian.PutUint32(e[0x4C:], child)
		binary.LittleEndian.PutUint32(e[0x74:], start)
		binary.LittleEndian.PutUint64(e[0x78:], size)
		return e
	}
	var dir []byte
	dir = append(dir, entry("Root Entry", 5, noStream, noStream, 1, endChain, 0)...)
	dir = append(dir, entry("VBA", 1, noStream, noStream, 2, 0, 0)...)
	dir = append(dir, entry("dir", 2, noStream, 3, noStream, 2, uint64(len(dirStream)))...)
	dir = append(dir, entry("Module1", 2, noStream, noStream, noStream, modStart, uint64(len(modStream)))...)

	out := append(h, fatSector...)
	out = append(out, dir...)
	out = append(out, pad(dirStream)...)
	out = append(out, pad(modStream)...)
	return out
}

// makeDocm builds a macro-enabled Word document with the module source.
func makeDocm(t testing.TB, src string) []byte {
	return makeZip(t,
		[2]string{"[Content_Types].xml", `<?xml version="1.0"?><Types/>`},
		[2]string{"word/document.xml", `<w:document>Hello</w:document>`},
		[2]string{"word/vbaProject.bin", string(makeVBAProject(src))},
	)
}
