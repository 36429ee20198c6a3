package pe

import "strings"

// Export is one entry of the export address table.
type Export struct {
	Ordinal     uint32 // Base + index
	Name        string
	HasName     bool   // a name-table entry points to this export
	RVA         uint32 // as stored in the export address table
	Offset      int64  // file offset of RVA, -1 when unmapped (libyara reports -1 too); undefined in YARA when Forwarded
	Forwarded   bool   // RVA points inside the export directory: a forwarder string
	ForwardName string // e.g. "NTDLL.RtlAllocateHeap"
}

// parseExports follows libyara 4.2's pe_parse_exports, including the
// points where it gives up on the whole table.
func (f *File) parseExports() {
	dd, ok := f.Directory(0)
	if !ok || dd.VirtualAddress == 0 {
		return
	}
	dirOff := f.RVAToOffset(uint64(dd.VirtualAddress))
	if dirOff < 0 {
		f.anomaly(FlagBadExports, "pe: export directory RVA 0x%x maps to no file offset", dd.VirtualAddress)
		return
	}
	d, ok := f.slice(dirOff, 40)
	if !ok {
		f.anomaly(FlagBadExports, "pe: export directory at offset 0x%x is past the end of the file", dirOff)
		return
	}
	size := int64(len(f.data))
	f.HasExportDirectory = true
	f.ExportTimestamp = le32(d[4:])
	nameRVA := le32(d[12:])
	base := le32(d[16:])
	nFunctions := le32(d[20:])
	nNames := le32(d[24:])
	addrFuncs := le32(d[28:])
	addrNames := le32(d[32:])
	addrOrds := le32(d[36:])
	n := int64(nFunctions)
	if n > MaxExports {
		f.anomaly(FlagTooManyExports, "pe: %d exports declared, reading the first %d", nFunctions, MaxExports)
		n = MaxExports
	}
	nameOff := f.RVAToOffset(uint64(nameRVA))
	if nameOff > 0 {
		f.DLLName = f.cStringAt(nameOff, -1)
		f.HasDLLName = true
	}
	if n*4 > size-nameOff {
		f.anomaly(FlagBadExports, "pe: export address table of %d entries does not fit in the file", n)
		return
	}
	var namesOff int64 = -1
	if nNames > 0 {
		if namesOff = f.RVAToOffset(uint64(addrNames)); namesOff < 0 || int64(nNames)*4 > size-namesOff {
			f.anomaly(FlagBadExports, "pe: export name table (RVA 0x%x, %d entries) is outside the file", addrNames, nNames)
			return
		}
	}
	ordsOff := f.RVAToOffset(uint64(addrOrds))
	if ordsOff < 0 || size-ordsOff < 2*n {
		f.anomaly(FlagBadExports, "pe: export ordinal table (RVA 0x%x) is outside the file", addrOrds)
		return
	}
	funcsOff := f.RVAToOffset(uint64(addrFuncs))
	if funcsOff < 0 || size-funcsOff < 4*n {
		f.anomaly(FlagBadExports, "pe: export address table (RVA 0x%x) is outside the file", addrFuncs)
		return
	}
	nNamesUsed := min(int64(nNames), n)
	// firstName[i]: the first j < nNamesUsed whose ordinal-table entry is i.
	var firstName map[uint16]int64
	if namesOff >= 0 {
		firstName = make(map[uint16]int64, nNamesUsed)
		for j := nNamesUsed - 1; j >= 0; j-- {
			o, _ := f.u16(ordsOff + j*2)
			firstName[o] = j
		}
	}
	f.ExportDetails = make([]Export, 0, n)
	for i := int64(0); i < n; i++ {
		rva, _ := f.u32(funcsOff + i*4)
		e := Export{Ordinal: base + uint32(i), RVA: rva}
		off := f.RVAToOffset(uint64(rva))
		if off > dirOff && off < dirOff+int64(dd.Size) {
			e.Forwarded = true
			e.ForwardName = f.cStringAt(off, maxImportNameLen)
		}
		e.Offset = off
		if j, ok := firstName[uint16(i)]; ok && i <= 0xffff {
			nr, _ := f.u32(namesOff + j*4)
			if o := f.RVAToOffset(uint64(nr)); o > 0 {
				e.Name = f.cStringAt(o, maxImportNameLen)
				e.HasName = true
			}
		}
		f.ExportDetails = append(f.ExportDetails, e)
	}
}

// Exports is pe.exports(name): case-insensitive, like libyara 4.2.
func (f *File) Exports(name string) bool { return f.ExportsIndex(name) >= 0 }

// ExportsOrdinal is pe.exports(ordinal). Like libyara 4.2 it is false for
// ordinals above the number of exports, even when Base makes them exist.
func (f *File) ExportsOrdinal(ord int64) bool { return f.ExportsIndexOrdinal(ord) >= 0 }

// ExportsIndex is pe.exports_index(name): the index in ExportDetails of the
// first export named name (case-insensitive), or -1 (undefined).
func (f *File) ExportsIndex(name string) int {
	for i := range f.ExportDetails {
		if f.ExportDetails[i].HasName && strings.EqualFold(f.ExportDetails[i].Name, name) {
			return i
		}
	}
	return -1
}

// ExportsIndexOrdinal is pe.exports_index(ordinal), or -1 (undefined).
func (f *File) ExportsIndexOrdinal(ord int64) int {
	if ord == 0 || ord > int64(len(f.ExportDetails)) {
		return -1
	}
	for i := range f.ExportDetails {
		if int64(f.ExportDetails[i].Ordinal) == ord {
			return i
		}
	}
	return -1
}
