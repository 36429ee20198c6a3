package archive

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// RAR archives cannot be made without the non-free rar program. A RAR 5
// archive of stored (uncompressed) files is simple enough to build here,
// following the RAR 5.0 technical note: a signature, then blocks that each
// start with CRC32, header size, type and flags, all sizes as vints.

type rarFile struct {
	name      string
	data      []byte
	dir       bool
	encrypted bool // adds an encryption record (content left as is)
}

func vint(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		b = append(b, c)
		if v == 0 {
			return b
		}
	}
}

// rarBlock frames a header body (type, flags and what follows) with its
// CRC and size.
func rarBlock(body []byte) []byte {
	size := vint(uint64(len(body)))
	crc := crc32.ChecksumIEEE(append(append([]byte{}, size...), body...))
	out := binary.LittleEndian.AppendUint32(nil, crc)
	out = append(out, size...)
	return append(out, body...)
}

// buildRAR5 returns a RAR 5 archive of the files, stored; headerEncrypted
// adds an archive encryption header as rar -hp does, after which nothing
// can be listed without the password.
func buildRAR5(files []rarFile, headerEncrypted bool) []byte {
	out := []byte("Rar!\x1a\x07\x01\x00")
	if headerEncrypted {
		var b []byte
		b = append(b, vint(4)...) // archive encryption header
		b = append(b, vint(0)...) // flags
		b = append(b, vint(0)...) // version: AES-256
		b = append(b, vint(0)...) // encryption flags
		b = append(b, 15)         // KDF count
		b = append(b, bytes.Repeat([]byte{0x5a}, 16)...)
		out = append(out, rarBlock(b)...)
		return append(out, bytes.Repeat([]byte{0xa5}, 64)...)
	}
	out = append(out, rarBlock([]byte{1, 0, 0})...) // main header: type 1, flags 0, archive flags 0
	for _, f := range files {
		var extra []byte
		if f.encrypted {
			var rec []byte
			rec = append(rec, vint(1)...) // encryption record
			rec = append(rec, vint(0)...) // version
			rec = append(rec, vint(0)...) // flags: no password check value
			rec = append(rec, 15)         // KDF count
			rec = append(rec, bytes.Repeat([]byte{1}, 16)...)
			rec = append(rec, bytes.Repeat([]byte{2}, 16)...)
			extra = append(vint(uint64(len(rec))), rec...)
		}
		data := f.data
		if f.encrypted {
			// AES blocks: padded to 16 bytes
			data = append(append([]byte{}, data...), make([]byte, (16-len(data)%16)%16)...)
		}
		var b []byte
		b = append(b, vint(2)...) // file header
		flags := uint64(0x02)     // data area present
		if len(extra) > 0 {
			flags |= 0x01
		}
		b = append(b, vint(flags)...)
		if len(extra) > 0 {
			b = append(b, vint(uint64(len(extra)))...)
		}
		b = append(b, vint(uint64(len(data)))...)
		fflags := uint64(0x04) // CRC32 present
		if f.dir {
			fflags = 0x01
		}
		b = append(b, vint(fflags)...)
		b = append(b, vint(uint64(len(f.data)))...)
		b = append(b, vint(0x20)...) // attributes
		if !f.dir {
			b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(f.data))
		}
		b = append(b, vint(0)...) // compression: version 0, stored
		b = append(b, vint(0)...) // host OS: Windows
		b = append(b, vint(uint64(len(f.name)))...)
		b = append(b, f.name...)
		b = append(b, extra...)
		out = append(out, rarBlock(b)...)
		out = append(out, data...)
	}
	return append(out, rarBlock([]byte{5, 0, 0})...) // end of archive
}
