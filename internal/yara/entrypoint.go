package yara

import "encoding/binary"

// legacyEntryPoint is the value of the deprecated "entrypoint" keyword:
// libyara 4.2.3 computes it apart from the pe and elf modules
// (exefiles.c, yr_get_entry_point_offset), with its own rules: a PE must
// be i386 or AMD64, the entry point RVA is mapped through the last
// section starting at or below it (no size check), an ELF executable maps
// it through its program headers and other ELF files through their
// sections; when nothing maps it the value is 0, not undefined. ok is
// false (undefined) for data that is neither PE nor ELF.
func legacyEntryPoint(d []byte) (uint64, bool) {
	le := binary.LittleEndian
	if len(d) >= 64 && d[0] == 'M' && d[1] == 'Z' {
		lfanew := int64(int32(le.Uint32(d[0x3c:])))
		if lfanew >= 0 {
			hs := lfanew + 4 + 20
			if int64(len(d)) >= hs && string(d[lfanew:lfanew+4]) == "PE\x00\x00" {
				m := le.Uint16(d[lfanew+4:])
				if (m == 0x14c || m == 0x8664) && int64(len(d)) > hs+224 {
					return peLegacyRVAToOffset(d[lfanew:], uint64(le.Uint32(d[lfanew+24+16:]))), true
				}
			}
		}
	}
	if len(d) < 16 || string(d[:4]) != "\x7fELF" {
		return 0, false
	}
	switch d[4] {
	case 1:
		if len(d) < 52 {
			return 0, false
		}
		return elf32LegacyRVAToOffset(d, uint64(le.Uint32(d[24:]))), true
	case 2:
		if len(d) < 64 {
			return 0, false
		}
		return elf64LegacyRVAToOffset(d, le.Uint64(d[24:])), true
	}
	return 0, false
}

// peLegacyRVAToOffset is exefiles.c's yr_pe_rva_to_offset; p starts at the
// PE signature.
func peLegacyRVAToOffset(p []byte, rva uint64) uint64 {
	le := binary.LittleEndian
	nsec := min(int(le.Uint16(p[6:])), 60)
	sec := int64(24) + int64(le.Uint16(p[20:])) // IMAGE_FIRST_SECTION
	var secRVA, secOff uint32
	for i := 0; i < nsec; i++ {
		if sec+40 >= int64(len(p)) {
			return 0
		}
		va := le.Uint32(p[sec+12:])
		if rva >= uint64(va) && secRVA <= va {
			secRVA, secOff = va, le.Uint32(p[sec+20:])
		}
		sec += 40
	}
	return uint64(secOff) + (rva - uint64(secRVA))
}

func elf32LegacyRVAToOffset(d []byte, rva uint64) uint64 {
	le := binary.LittleEndian
	n := uint64(len(d))
	if le.Uint16(d[16:]) == 2 { // ET_EXEC: program headers
		phoff, cnt := uint64(le.Uint32(d[28:])), uint64(le.Uint16(d[44:]))
		if phoff == 0 || cnt == 0 || phoff+32*cnt > n {
			return 0
		}
		for i := uint64(0); i < cnt; i++ {
			ph := d[phoff+32*i:]
			va, off, msz := le.Uint32(ph[8:]), le.Uint32(ph[4:]), le.Uint32(ph[20:])
			if rva >= uint64(va) && rva < uint64(va+msz) { // 32-bit sum, as libyara
				return uint64(off) + (rva - uint64(va))
			}
		}
		return 0
	}
	shoff, cnt := uint64(le.Uint32(d[32:])), uint64(le.Uint16(d[48:]))
	if shoff == 0 || cnt == 0 || shoff+40*cnt > n {
		return 0
	}
	for i := uint64(0); i < cnt; i++ {
		sh := d[shoff+40*i:]
		typ, addr, off, size := le.Uint32(sh[4:]), le.Uint32(sh[12:]), le.Uint32(sh[16:]), le.Uint32(sh[20:])
		if typ != 0 && typ != 8 && rva >= uint64(addr) && rva < uint64(addr+size) {
			return uint64(off) + (rva - uint64(addr))
		}
	}
	return 0
}

func elf64LegacyRVAToOffset(d []byte, rva uint64) uint64 {
	le := binary.LittleEndian
	n := uint64(len(d))
	if le.Uint16(d[16:]) == 2 {
		phoff, cnt := le.Uint64(d[32:]), uint64(le.Uint16(d[56:]))
		if phoff == 0 || cnt == 0 || phoff > ^uint64(0)-56*cnt || phoff+56*cnt > n {
			return 0
		}
		for i := uint64(0); i < cnt; i++ {
			ph := d[phoff+56*i:]
			off, va, msz := le.Uint64(ph[8:]), le.Uint64(ph[16:]), le.Uint64(ph[40:])
			if rva >= va && rva < va+msz {
				return off + (rva - va)
			}
		}
		return 0
	}
	shoff, cnt := le.Uint64(d[40:]), uint64(le.Uint16(d[60:]))
	if shoff == 0 || cnt == 0 || shoff > ^uint64(0)-64*cnt || shoff+64*cnt > n {
		return 0
	}
	for i := uint64(0); i < cnt; i++ {
		sh := d[shoff+64*i:]
		typ, addr, off, size := le.Uint32(sh[4:]), le.Uint64(sh[16:]), le.Uint64(sh[24:]), le.Uint64(sh[32:])
		if typ != 0 && typ != 8 && rva >= addr && rva < addr+size {
			return off + (rva - addr)
		}
	}
	return 0
}
