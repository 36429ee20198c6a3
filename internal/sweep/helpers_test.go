package sweep

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"testing"
	"unicode/utf16"

	"github.com/vigie-project/vigie/internal/cfb/cfbtest"
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

// makeVBAProject builds an OLE compound file with a storage VBA holding a
// "dir" stream and one module stream whose source is src, after 4096 bytes
// of (fake) p-code.
func makeVBAProject(src string) []byte {
	const pcode = 4096
	dirPlain := vbaDir("Module1", pcode)
	dirPlain = append(dirPlain, make([]byte, 5000)...) // padding after the terminator
	modStream := append(bytes.Repeat([]byte{0xAA}, pcode), compressLiteral([]byte(src))...)
	return cfbtest.BuildFiles(
		cfbtest.File{Path: "VBA/dir", Data: compressLiteral(dirPlain)},
		cfbtest.File{Path: "VBA/Module1", Data: modStream},
	)
}

// makeDocm builds a macro-enabled Word document with the module source.
func makeDocm(t testing.TB, src string) []byte {
	return makeZip(t,
		[2]string{"[Content_Types].xml", `<?xml version="1.0"?><Types/>`},
		[2]string{"word/document.xml", `<w:document>Hello</w:document>`},
		[2]string{"word/vbaProject.bin", string(makeVBAProject(src))},
	)
}
