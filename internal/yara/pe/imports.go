package pe

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
)

// Import kinds, the values of YARA's pe.IMPORT_STANDARD, pe.IMPORT_DELAYED
// and pe.IMPORT_ANY, for HasImport and friends.
const (
	ImportStandard = 1
	ImportDelayed  = 2
	ImportAny      = ImportStandard | ImportDelayed
)

// Import is one imported DLL and the functions taken from it.
type Import struct {
	DLL       string
	Functions []ImportedFunction
}

// ImportedFunction is one imported function. Name is always set: imports
// by ordinal get the name libyara gives them (see OrdinalName).
type ImportedFunction struct {
	Name       string
	Ordinal    uint16
	HasOrdinal bool   // imported by ordinal
	RVA        uint32 // RVA of the IAT slot
}

// maxDLLNameLen bounds imported DLL names: longer ones are invalid (as in
// later libyara releases; 4.2 has no bound, which makes a file of one long
// name quadratic to scan).
const maxDLLNameLen = 256

// validDLLName is libyara 4.2's pe_valid_dll_name: non-empty,
// NUL-terminated within the file (and within maxDLLNameLen bytes), and
// free of control characters and of the characters Windows forbids in file
// names ("*<>?|).
func validDLLName(b []byte, terminated bool) bool {
	if len(b) == 0 || !terminated {
		return false
	}
	for _, c := range b {
		if c < ' ' || c == '"' || c == '*' || c == '<' || c == '>' || c == '?' || c == '|' {
			return false
		}
	}
	return true
}

func (f *File) parseImports() {
	dd, ok := f.Directory(1)
	if !ok || dd.VirtualAddress == 0 {
		return
	}
	off := f.RVAToOffset(uint64(dd.VirtualAddress))
	if off < 0 {
		f.anomaly(FlagBadImports, "pe: import directory RVA 0x%x maps to no file offset", dd.VirtualAddress)
		return
	}
	for k := int64(0); ; k++ {
		if f.NumberOfImports >= MaxImports {
			f.anomaly(FlagTooManyImports, "pe: more than %d import descriptors", MaxImports)
			return
		}
		d, ok := f.slice(off+k*20, 20)
		if !ok {
			f.anomaly(FlagBadImports, "pe: import descriptor at offset 0x%x is past the end of the file", off+k*20)
			return
		}
		origThunk := le32(d[0:])
		nameRVA := le32(d[12:])
		firstThunk := le32(d[16:])
		if nameRVA == 0 {
			return
		}
		if nameOff := f.RVAToOffset(uint64(nameRVA)); nameOff >= 0 {
			nb, term := f.cBytesAt(nameOff, maxDLLNameLen)
			if !validDLLName(nb, term) {
				f.anomaly(FlagBadImports, "pe: import descriptor at offset 0x%x has an invalid DLL name", off+k*20)
				continue // libyara skips it without counting it
			}
			dll := string(nb)
			thunkOff := f.RVAToOffset(uint64(origThunk))
			if thunkOff <= 0 {
				thunkOff = f.RVAToOffset(uint64(firstThunk))
			}
			if thunkOff >= 0 {
				funcs := f.readThunks(dll, thunkOff, firstThunk)
				if len(funcs) > 0 {
					f.ImportDetails = append(f.ImportDetails, Import{DLL: dll, Functions: funcs})
				}
			}
		}
		f.NumberOfImports++
	}
}

// readThunks reads an import lookup table at file offset off. Every
// non-zero thunk counts in NumberOfImportedFunctions, even when its name
// cannot be read (as in libyara).
func (f *File) readThunks(dll string, off int64, iatRVA uint32) []ImportedFunction {
	size := int64(4)
	if f.is64 {
		size = 8
	}
	// Count the thunks first so the slice is allocated once.
	n := 0
	for n < MaxImports-f.NumberOfImportedFunctions {
		if v, ok := f.ptrAt(off+int64(n)*size, size); !ok || v == 0 {
			break
		}
		n++
	}
	funcs := make([]ImportedFunction, 0, n)
	for i := int64(0); ; i++ {
		if f.NumberOfImportedFunctions >= MaxImports {
			f.anomaly(FlagTooManyImports, "pe: more than %d imported functions", MaxImports)
			break
		}
		v, ok := f.ptrAt(off+i*size, size)
		if !ok || v == 0 {
			break
		}
		byOrdinal := v&(1<<31) != 0
		if f.is64 {
			byOrdinal = v&(1<<63) != 0
		}
		fn := ImportedFunction{RVA: iatRVA + uint32(i*size)}
		if byOrdinal {
			fn.Ordinal = uint16(v)
			fn.HasOrdinal = true
			fn.Name = OrdinalName(dll, fn.Ordinal)
			funcs = append(funcs, fn)
		} else if no := f.RVAToOffset(v); no >= 0 && no+3 <= int64(len(f.data)) { // IMAGE_IMPORT_BY_NAME fits
			fn.Name = f.cStringAt(no+2, maxImportNameLen)
			funcs = append(funcs, fn)
		}
		f.NumberOfImportedFunctions++
	}
	return funcs
}

// parseDelayedImports follows libyara 4.2's pe_parse_delayed_imports,
// including its handling of old (Visual C++ 6) descriptors holding VAs.
func (f *File) parseDelayedImports() {
	dd, ok := f.Directory(13)
	if !ok || dd.VirtualAddress == 0 {
		return
	}
	off := f.RVAToOffset(uint64(dd.VirtualAddress))
	if off < 0 {
		f.anomaly(FlagBadDelayedImports, "pe: delay-import directory RVA 0x%x maps to no file offset", dd.VirtualAddress)
		return
	}
	ptr := int64(4)
	ordFlag := uint64(1 << 31)
	if f.is64 {
		ptr = 8
		ordFlag = 1 << 63
	}
	norm := func(v uint64) uint64 {
		if v != 0 && v > f.ImageBase {
			return v - f.ImageBase
		}
		return v
	}
	for k := int64(0); ; k++ {
		d, ok := f.slice(off+k*32, 32)
		if !ok {
			return
		}
		allZero := true
		for _, c := range d {
			if c != 0 {
				allZero = false
				break
			}
		}
		if allZero {
			return
		}
		attrs := le32(d[0:])
		if attrs > 1 {
			return
		}
		nameRVA, iat, int_ := le32(d[4:]), le32(d[12:]), le32(d[16:])
		if !f.is64 && attrs == 0 {
			nameRVA, iat, int_ = uint32(norm(uint64(nameRVA))), uint32(norm(uint64(iat))), uint32(norm(uint64(int_)))
		}
		if int_ >= f.SizeOfImage || iat >= f.SizeOfImage || nameRVA < dosHeaderSize || int_ < dosHeaderSize {
			return
		}
		nameOff := f.RVAToOffset(uint64(nameRVA))
		if nameOff < 0 {
			continue
		}
		nb, term := f.cBytesAt(nameOff, maxDLLNameLen)
		if !validDLLName(nb, term) {
			f.anomaly(FlagBadDelayedImports, "pe: delay-import descriptor at offset 0x%x has an invalid DLL name", off+k*32)
			continue
		}
		imp := Import{DLL: string(nb)}
		nameRVA64, funcRVA64 := uint64(int_), uint64(iat)
		for {
			if f.NumberOfDelayedImportedFunctions >= MaxImports {
				f.anomaly(FlagTooManyImports, "pe: more than %d delay-imported functions", MaxImports)
				break
			}
			nameAddr, ok1 := f.ptrAt(f.RVAToOffset(nameRVA64), ptr)
			funcAddr, ok2 := f.ptrAt(f.RVAToOffset(funcRVA64), ptr)
			if !ok1 || !ok2 || nameAddr == 0 || funcAddr == 0 {
				break
			}
			fn := ImportedFunction{RVA: uint32(funcRVA64)}
			if nameAddr&ordFlag == 0 {
				if attrs == 0 {
					nameAddr = norm(nameAddr)
				}
				fn.Name = f.cStringAt(f.RVAToOffset(nameAddr+2), maxImportNameLen)
			} else {
				fn.Ordinal = uint16(nameAddr)
				fn.HasOrdinal = true
				fn.Name = OrdinalName(imp.DLL, fn.Ordinal)
			}
			imp.Functions = append(imp.Functions, fn)
			f.NumberOfDelayedImportedFunctions++
			nameRVA64 += uint64(ptr)
			funcRVA64 += uint64(ptr)
		}
		f.DelayedImportDetails = append(f.DelayedImportDetails, imp)
		f.NumberOfDelayedImports++
	}
}

func (f *File) ptrAt(off, size int64) (uint64, bool) {
	if size == 8 {
		return f.u64(off)
	}
	v, ok := f.u32(off)
	return uint64(v), ok
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func (f *File) importLists(kind int) [][]Import {
	var r [][]Import
	if kind&ImportStandard != 0 {
		r = append(r, f.ImportDetails)
	}
	if kind&ImportDelayed != 0 {
		r = append(r, f.DelayedImportDetails)
	}
	return r
}

// Imports reports whether the file imports function fn from dll
// (pe.imports(dll, fn)); both compare case-insensitively, as in libyara.
func (f *File) Imports(dll, fn string) bool { return f.HasImport(ImportStandard, dll, fn) }

// ImportsOrdinal reports whether the file imports ordinal ord from dll
// (pe.imports(dll, ordinal)).
func (f *File) ImportsOrdinal(dll string, ord int) bool {
	return f.HasImportOrdinal(ImportStandard, dll, ord)
}

// HasImport is pe.imports(kind, dll, fn) with kind a combination of
// ImportStandard and ImportDelayed.
func (f *File) HasImport(kind int, dll, fn string) bool {
	for _, l := range f.importLists(kind) {
		for i := range l {
			if !strings.EqualFold(l[i].DLL, dll) {
				continue
			}
			for j := range l[i].Functions {
				if strings.EqualFold(l[i].Functions[j].Name, fn) {
					return true
				}
			}
		}
	}
	return false
}

// HasImportOrdinal is pe.imports(kind, dll, ordinal).
func (f *File) HasImportOrdinal(kind int, dll string, ord int) bool {
	for _, l := range f.importLists(kind) {
		for i := range l {
			if !strings.EqualFold(l[i].DLL, dll) {
				continue
			}
			for j := range l[i].Functions {
				fn := &l[i].Functions[j]
				if fn.HasOrdinal && int(fn.Ordinal) == ord {
					return true
				}
			}
		}
	}
	return false
}

// CountImportsFrom is pe.imports(kind, dll): the number of functions
// imported from dll (0 means false).
func (f *File) CountImportsFrom(kind int, dll string) int {
	n := 0
	for _, l := range f.importLists(kind) {
		for i := range l {
			if strings.EqualFold(l[i].DLL, dll) {
				n += len(l[i].Functions)
			}
		}
	}
	return n
}

// Imphash returns pe.imphash(): the MD5, in lower-case hex, of the
// comma-joined "dll.function" list of standard imports in file order, all
// lower-cased, where dll loses its extension when the part from its first
// '.' starts with ".dll", ".ocx" or ".sys", and ordinal imports use the names
// from OrdinalName. It returns "" when the file has no standard import
// (libyara then returns an empty string too... see doc.go).
func (f *File) Imphash() string {
	f.impOnce.Do(func() { f.imphash = imphashOf(f.ImportDetails) })
	return f.imphash
}

func imphashOf(imports []Import) string {
	h := md5.New()
	first := true
	var buf []byte
	for i := range imports {
		dll := imports[i].DLL
		if dot := strings.IndexByte(dll, '.'); dot >= 0 {
			ext := lower(dll[dot:])
			if strings.HasPrefix(ext, ".dll") || strings.HasPrefix(ext, ".ocx") || strings.HasPrefix(ext, ".sys") {
				dll = dll[:dot]
			}
		}
		for _, fn := range imports[i].Functions {
			buf = buf[:0]
			if !first {
				buf = append(buf, ',')
			}
			buf = append(buf, dll...)
			buf = append(buf, '.')
			buf = append(buf, fn.Name...)
			for k, c := range buf {
				if c >= 'A' && c <= 'Z' {
					buf[k] = c + 'a' - 'A'
				}
			}
			h.Write(buf)
			first = false
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
