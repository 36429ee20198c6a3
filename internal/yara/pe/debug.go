package pe

import "encoding/binary"

// parseDebug finds the CodeView record ("RSDS" or "NB10") of the debug
// directory and reads its PDB path, as libyara's pe_parse_debug_directory.
func (f *File) parseDebug() {
	dd, ok := f.Directory(6)
	if !ok || dd.Size == 0 || dd.Size%28 != 0 || dd.VirtualAddress == 0 {
		return
	}
	base := f.RVAToOffset(uint64(dd.VirtualAddress))
	if base < 0 {
		return
	}
	le := binary.LittleEndian
	n := int64(dd.Size / 28)
	for i := int64(0); i < n && i < 1024; i++ {
		d, ok := f.slice(base+i*28, 28)
		if !ok {
			return
		}
		if le.Uint32(d[12:]) != 2 { // IMAGE_DEBUG_TYPE_CODEVIEW
			continue
		}
		var cv int64
		if rva := le.Uint32(d[20:]); rva != 0 {
			cv = f.RVAToOffset(uint64(rva))
		} else if ptr := le.Uint32(d[24:]); ptr != 0 {
			cv = int64(ptr)
		} else {
			continue
		}
		if cv <= 0 {
			continue
		}
		sig, ok := f.u32(cv)
		if !ok {
			continue
		}
		var path int64
		switch sig {
		case 0x3031424e: // "NB10"
			path = cv + 16
		case 0x53445352: // "RSDS"
			path = cv + 24
		case 0x434f544d: // "MTOC"
			path = cv + 20
		default:
			continue
		}
		if path >= int64(len(f.data)) {
			continue
		}
		b, _ := f.cBytesAt(path, maxPathLen)
		if len(b) > 0 && len(b) < maxPathLen {
			f.PDBPath = string(b)
			return
		}
	}
}

// CalculateChecksum is pe.calculate_checksum(): the PE image checksum
// (16-bit one's-complement-style sum of the file's 16-bit words with the
// CheckSum field treated as zero, plus the file length).
func (f *File) CalculateChecksum() uint64 {
	csumOff := int64(f.HeaderOffset) + 4 + fileHeaderSize + 64
	var sum uint64
	data := f.data
	n := int64(len(data))
	le := binary.LittleEndian
	for i := int64(0); i+4 <= n; i += 4 {
		if i == csumOff {
			continue
		}
		sum += uint64(le.Uint32(data[i:]))
		sum = (sum & 0xffffffff) + (sum >> 32)
	}
	if rem := n % 4; rem != 0 {
		var last [4]byte
		copy(last[:], data[n-rem:])
		sum += uint64(le.Uint32(last[:]))
		sum = (sum & 0xffffffff) + (sum >> 32)
	}
	sum = (sum & 0xffff) + (sum >> 16)
	sum = sum + (sum >> 16)
	sum &= 0xffff
	return sum + uint64(n)
}
