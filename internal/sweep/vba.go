package sweep

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// decompressVBA undoes the compression of [MS-OVBA] 2.4.1: a signature
// byte 0x01, then chunks of at most 4096 decompressed bytes, each either
// raw or a sequence of flag bytes, literals and copy tokens. Output beyond
// max bytes is an *errLimit.
func decompressVBA(in []byte, max int64) ([]byte, error) {
	if len(in) == 0 || in[0] != 0x01 {
		return nil, errors.New("not a compressed VBA container (no 0x01 signature byte)")
	}
	out := make([]byte, 0, min(int64(len(in))*3, max, 1<<20))
	pos := 1
	for pos < len(in) {
		if pos+2 > len(in) {
			return nil, fmt.Errorf("truncated chunk header at offset %d", pos)
		}
		hdr := binary.LittleEndian.Uint16(in[pos:])
		chunkSize := int(hdr&0x0FFF) + 3
		if (hdr>>12)&0x7 != 0x3 {
			return nil, fmt.Errorf("bad chunk signature at offset %d", pos)
		}
		compressed := hdr&0x8000 != 0
		end := min(pos+chunkSize, len(in))
		pos += 2
		start := len(out)
		if !compressed {
			raw := in[pos:min(pos+4096, len(in))]
			if int64(len(out)+len(raw)) > max {
				return nil, &errLimit{fmt.Sprintf("macro source expands to more than %s", sizeString(max))}
			}
			out = append(out, raw...)
			pos += len(raw)
			continue
		}
		for pos < end {
			flags := in[pos]
			pos++
			for bit := 0; bit < 8 && pos < end; bit++ {
				if flags&(1<<bit) == 0 {
					out = append(out, in[pos])
					pos++
				} else {
					if pos+2 > end {
						return nil, fmt.Errorf("truncated copy token at offset %d", pos)
					}
					tok := binary.LittleEndian.Uint16(in[pos:])
					pos += 2
					diff := len(out) - start
					bitCount := 4
					for (1 << bitCount) < diff {
						bitCount++
					}
					if bitCount > 12 {
						bitCount = 12
					}
					lengthMask := uint16(0xFFFF) >> bitCount
					length := int(tok&lengthMask) + 3
					offset := int(tok>>(16-bitCount)) + 1
					if offset > diff {
						return nil, fmt.Errorf("copy token at offset %d points %d bytes back, before the chunk start", pos-2, offset)
					}
					if int64(len(out)+length) > max {
						return nil, &errLimit{fmt.Sprintf("macro source expands to more than %s", sizeString(max))}
					}
					src := len(out) - offset
					for k := 0; k < length; k++ {
						out = append(out, out[src+k])
					}
				}
				if len(out)-start > 4096 {
					return nil, fmt.Errorf("chunk at offset %d decompresses to more than 4096 bytes", pos)
				}
			}
		}
		if int64(len(out)) > max {
			return nil, &errLimit{fmt.Sprintf("macro source expands to more than %s", sizeString(max))}
		}
	}
	return out, nil
}

// vbaModule is a module of a VBA project: the stream holding it and where
// its compressed source starts in that stream.
type vbaModule struct {
	name   string
	stream string
	offset uint32
}

// parseVBADir reads the module records of a decompressed VBA "dir" stream
// ([MS-OVBA] 2.3.4.2). Records are (id uint16, size uint32, data); the one
// exception is PROJECTVERSION (0x0009), whose size field is a constant 4
// followed by 6 bytes.
func parseVBADir(d []byte) ([]vbaModule, error) {
	var mods []vbaModule
	var cur vbaModule
	inModule := false
	for pos := 0; pos+6 <= len(d); {
		id := binary.LittleEndian.Uint16(d[pos:])
		size := int(binary.LittleEndian.Uint32(d[pos+2:]))
		pos += 6
		if id == 0x0009 {
			size = 6
		}
		if size < 0 || pos+size > len(d) {
			return mods, fmt.Errorf("VBA dir record 0x%04x at offset %d runs past the end", id, pos-6)
		}
		data := d[pos : pos+size]
		pos += size
		switch id {
		case 0x0019: // MODULENAME
			cur = vbaModule{name: string(data)}
			inModule = true
		case 0x001A: // MODULESTREAMNAME
			cur.stream = string(data)
		case 0x0031: // MODULEOFFSET
			if len(data) == 4 {
				cur.offset = binary.LittleEndian.Uint32(data)
			}
		case 0x002B: // MODULETERMINATOR
			if inModule {
				if cur.stream == "" {
					cur.stream = cur.name
				}
				mods = append(mods, cur)
				if len(mods) > 10_000 {
					return mods, errors.New("more than 10000 VBA modules")
				}
			}
			inModule = false
		case 0x0010: // dir stream terminator
			return mods, nil
		}
	}
	return mods, nil
}
