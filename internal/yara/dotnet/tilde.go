package dotnet

// Table numbers (bits of the #~ header's Valid mask), ECMA-335 II.22.
const (
	bitModule = iota
	bitTypeRef
	bitTypeDef
	bitFieldPtr
	bitField
	bitMethodDefPtr
	bitMethodDef
	bitParamPtr
	bitParam
	bitInterfaceImpl
	bitMemberRef
	bitConstant
	bitCustomAttribute
	bitFieldMarshal
	bitDeclSecurity
	bitClassLayout
	bitFieldLayout
	bitStandAloneSig
	bitEventMap
	bitEventPtr
	bitEvent
	bitPropertyMap
	bitPropertyPtr
	bitProperty
	bitMethodSemantics
	bitMethodImpl
	bitModuleRef
	bitTypeSpec
	bitImplMap
	bitFieldRVA
	bitEncLog
	bitEncMap
	bitAssembly
	bitAssemblyProcessor
	bitAssemblyOS
	bitAssemblyRef
	bitAssemblyRefProcessor
	bitAssemblyRefOS
	bitFile
	bitExportedType
	bitManifestResource
	bitNestedClass
	bitGenericParam
	bitMethodSpec
	bitGenericParamConstraint
)

// rowCounts are the row counts libyara records in its first pass.
type rowCounts struct {
	module, moduleref, assemblyref, assemblyrefprocessor, typeref, methoddef,
	memberref, typedef, typespec, field, param, property, interfaceimpl, event,
	standalonesig, assembly, file, exportedtype, manifestresource,
	genericparam, genericparamconstraint, methodspec uint32
}

// indexSizes are the widths of heap and table indexes (2 or 4).
type indexSizes struct {
	str, guid, blob, field, methoddef, memberref, param, event, typedef,
	property, moduleref, assemblyrefprocessor, assemblyref, genericparam int
}

func maxOf(v ...uint32) uint32 {
	var m uint32
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

// codedSize is the width of a coded index over tables with these row
// counts and tag bits, as libyara computes it.
func codedSize(tagBits uint, v ...uint32) int {
	if maxOf(v...) > 0xFFFF>>tagBits {
		return 4
	}
	return 2
}

const tildeHeaderSize = 24

// parseTilde is libyara's dotnet_parse_tilde (first pass: row counts and
// index sizes) followed by dotnet_parse_tilde_2 (the tables).
func (p *parser) parseTilde(root, cli int64, hs *streams) {
	th := root + int64(hs.tilde.offset)
	if !p.fits(th, tildeHeaderSize) {
		return
	}
	heapSizes := p.d[th+6]
	valid := le.Uint64(p.d[th+8:])
	is := indexSizes{str: 2, guid: 2, blob: 2, field: 2, methoddef: 2, memberref: 2, param: 2, event: 2,
		typedef: 2, property: 2, moduleref: 2, assemblyrefprocessor: 2, assemblyref: 2, genericparam: 2}
	if heapSizes&1 != 0 {
		is.str = 4
	}
	if heapSizes&2 != 0 {
		is.guid = 4
	}
	if heapSizes&4 != 0 {
		is.blob = 4
	}
	rowOff := th + tildeHeaderSize
	var rows rowCounts
	matched := int64(0)
	for bit := 0; bit < 64; bit++ {
		if valid>>bit&1 == 0 {
			continue
		}
		var n uint32
		have := p.fits(rowOff, (matched+1)*4)
		if have {
			n = p.u32(rowOff + matched*4)
		}
		set := func(dst *uint32, width *int) {
			if !have {
				return
			}
			*dst = n
			if width != nil && n > 0xFFFF {
				*width = 4
			}
		}
		switch bit {
		case bitModule:
			set(&rows.module, nil)
		case bitModuleRef:
			set(&rows.moduleref, &is.moduleref)
		case bitAssemblyRef:
			set(&rows.assemblyref, &is.assemblyref)
		case bitAssemblyRefProcessor:
			set(&rows.assemblyrefprocessor, &is.assemblyrefprocessor)
		case bitTypeRef:
			set(&rows.typeref, nil)
		case bitMethodDef:
			set(&rows.methoddef, &is.methoddef)
		case bitMemberRef:
			set(&rows.memberref, &is.memberref)
		case bitTypeDef:
			set(&rows.typedef, &is.typedef)
		case bitTypeSpec:
			set(&rows.typespec, nil)
		case bitField:
			set(&rows.field, &is.field)
		case bitParam:
			set(&rows.param, &is.param)
		case bitProperty:
			set(&rows.property, &is.property)
		case bitInterfaceImpl:
			set(&rows.interfaceimpl, nil)
		case bitEvent:
			set(&rows.event, &is.event)
		case bitStandAloneSig:
			set(&rows.standalonesig, nil)
		case bitAssembly:
			set(&rows.assembly, nil)
		case bitFile:
			set(&rows.file, nil)
		case bitExportedType:
			set(&rows.exportedtype, nil)
		case bitManifestResource:
			set(&rows.manifestresource, nil)
		case bitGenericParam:
			set(&rows.genericparam, &is.genericparam)
		case bitGenericParamConstraint:
			set(&rows.genericparamconstraint, nil)
		case bitMethodSpec:
			set(&rows.methodspec, nil)
		}
		matched++
	}
	resBase := p.rva(p.u32(cli + 24)) // CLI header Resources.VirtualAddress
	p.parseTables(th, root, resBase, valid, rows, is, hs)
}

// parseTables is libyara's dotnet_parse_tilde_2.
func (p *parser) parseTables(th, root, resBase int64, valid uint64, rows rowCounts, is indexSizes, hs *streams) {
	nValid := int64(0)
	for i := 0; i < 64; i++ {
		nValid += int64(valid >> i & 1)
	}
	rowOff := th + tildeHeaderSize
	table := rowOff + 4*nValid
	strHeap := root + int64(hs.str.offset)
	blobHeap := root + int64(hs.blob.offset)
	var typerefPtr, memberrefPtr int64 = -1, -1
	var typerefRowSize, memberrefRowSize int64
	matched := int64(0)
	for bit := 0; bit < 64; bit++ {
		if valid>>bit&1 == 0 {
			continue
		}
		if !p.fits(rowOff+matched*4, 4) {
			return
		}
		numRows := int64(p.u32(rowOff + matched*4))
		if numRows > maxRows {
			return
		}
		switch bit {
		case bitModule:
			if p.fits(table, 18) {
				if name, ok := p.str(strHeap, p.idx(table+2, is.str)); ok {
					p.f.ModuleName, p.f.HasModule = name, true
				}
			}
			table += int64(2+is.str+is.guid*3) * numRows
		case bitTypeRef:
			sz := codedSize(2, rows.module, rows.moduleref, rows.assemblyref, rows.typeref)
			typerefRowSize = int64(sz + is.str*2)
			typerefPtr = table
			table += typerefRowSize * numRows
		case bitTypeDef:
			sz := codedSize(2, rows.typedef, rows.typeref, rows.typespec)
			table += int64(4+is.str*2+sz+is.field+is.methoddef) * numRows
		case bitFieldPtr:
			table += int64(is.field) * numRows
		case bitField:
			table += int64(2+is.str+is.blob) * numRows
		case bitMethodDefPtr:
			table += int64(is.methoddef) * numRows
		case bitMethodDef:
			table += int64(4+2+2+is.str+is.blob+is.param) * numRows
		case bitParam:
			table += int64(2+2+is.str) * numRows
		case bitInterfaceImpl:
			sz := codedSize(2, rows.typedef, rows.typeref, rows.typespec)
			table += int64(is.typedef+sz) * numRows
		case bitMemberRef:
			sz := codedSize(3, rows.methoddef, rows.moduleref, rows.typeref, rows.typespec)
			memberrefRowSize = int64(sz + is.str + is.blob)
			memberrefPtr = table
			table += memberrefRowSize * numRows
		case bitConstant:
			sz := codedSize(2, rows.param, rows.field, rows.property)
			rowSize := int64(1 + 1 + sz + is.blob)
			row := table
			for i := int64(0); i < numRows; i++ {
				if !p.fits(row, rowSize) {
					break
				}
				if p.u16(row) == 0x0E { // ELEMENT_TYPE_STRING
					bo := blobHeap + int64(p.idx(row+2+int64(sz), is.blob))
					if n, bs := p.blob(bo); bs != 0 {
						bo += bs
						if bo+int64(n) < int64(len(p.d)) && bo >= 0 {
							p.f.Constants = append(p.f.Constants, p.d[bo:bo+int64(n)])
						}
					}
				}
				row += rowSize
			}
			p.f.HasConstants = true
			table += rowSize * numRows
		case bitCustomAttribute:
			parent := codedSize(5, rows.methoddef, rows.field, rows.typeref, rows.typedef, rows.param,
				rows.interfaceimpl, rows.memberref, rows.module, rows.property, rows.event, rows.standalonesig,
				rows.moduleref, rows.typespec, rows.assembly, rows.assemblyref, rows.file, rows.exportedtype,
				rows.manifestresource, rows.genericparam, rows.genericparamconstraint, rows.methodspec)
			typ := codedSize(3, rows.methoddef, rows.memberref)
			rowSize := int64(parent + typ + is.blob)
			if typerefPtr >= 0 && memberrefPtr >= 0 {
				p.customAttributes(table, numRows, rowSize, parent, typ, typerefPtr, typerefRowSize,
					memberrefPtr, memberrefRowSize, strHeap, blobHeap, rows, is)
			}
			table += rowSize * numRows
		case bitFieldMarshal:
			table += int64(codedSize(1, rows.field, rows.param)+is.blob) * numRows
		case bitDeclSecurity:
			table += int64(2+codedSize(2, rows.typedef, rows.methoddef, rows.assembly)+is.blob) * numRows
		case bitClassLayout:
			table += int64(2+4+is.typedef) * numRows
		case bitFieldLayout:
			table += int64(4+is.field) * numRows
		case bitStandAloneSig:
			table += int64(is.blob) * numRows
		case bitEventMap:
			table += int64(is.typedef+is.event) * numRows
		case bitEventPtr:
			table += int64(is.event) * numRows
		case bitEvent:
			table += int64(2+is.str+codedSize(2, rows.typedef, rows.typeref, rows.typespec)) * numRows
		case bitPropertyMap:
			table += int64(is.typedef+is.property) * numRows
		case bitPropertyPtr:
			table += int64(is.property) * numRows
		case bitProperty:
			table += int64(2+is.str+is.blob) * numRows
		case bitMethodSemantics:
			table += int64(2+is.methoddef+codedSize(1, rows.event, rows.property)) * numRows
		case bitMethodImpl:
			table += int64(is.typedef+codedSize(1, rows.methoddef, rows.memberref)*2) * numRows
		case bitModuleRef:
			row := table
			for i := int64(0); i < numRows; i++ {
				if !p.fits(row, 4) {
					break
				}
				if name, ok := p.str(strHeap, p.idx(row, is.str)); ok {
					p.f.ModuleRefs = append(p.f.ModuleRefs, name)
				}
				row += int64(is.str)
			}
			p.f.HasModuleRefs = true
			table += int64(is.str) * numRows
		case bitTypeSpec:
			table += int64(is.blob) * numRows
		case bitImplMap:
			table += int64(2+codedSize(1, rows.field, rows.methoddef)+is.str+is.moduleref) * numRows
		case bitFieldRVA:
			rowSize := int64(4 + is.field)
			row := table
			for i := int64(0); i < numRows; i++ {
				if !p.fits(row, 8) {
					break
				}
				if off := p.rva(p.u32(row)); off >= 0 {
					p.f.FieldOffsets = append(p.f.FieldOffsets, off)
				}
				row += rowSize
			}
			p.f.HasFieldOffsets = true
			table += rowSize * numRows
		case bitEncLog:
			table += 8 * numRows
		case bitEncMap:
			table += 4 * numRows
		case bitAssembly:
			rowSize := int64(4 + 2 + 2 + 2 + 2 + 4 + is.blob + is.str*2)
			if !p.fits(table, rowSize) {
				break
			}
			a := &Assembly{Version: Version{uint16(p.u16(table + 4)), uint16(p.u16(table + 6)), uint16(p.u16(table + 8)), uint16(p.u16(table + 10))}}
			nameOff := table + 16 + int64(is.blob)
			a.Name, a.HasName = p.str(strHeap, p.idx(nameOff, is.str))
			if c, ok := p.str(strHeap, p.idx(nameOff+int64(is.str), is.str)); ok && c != "" {
				a.Culture, a.HasCulture = c, true
			}
			p.f.Assembly = a
			table += rowSize * numRows
		case bitAssemblyProcessor:
			table += 4 * numRows
		case bitAssemblyOS:
			table += 12 * numRows
		case bitAssemblyRef:
			rowSize := int64(2 + 2 + 2 + 2 + 4 + is.blob*2 + is.str*2)
			row := table
			i := int64(0)
			for ; i < numRows; i++ {
				if !p.fits(row, rowSize) {
					break
				}
				r := AssemblyRef{Version: Version{uint16(p.u16(row)), uint16(p.u16(row + 2)), uint16(p.u16(row + 4)), uint16(p.u16(row + 6))}}
				bo := blobHeap + int64(p.idx(row+12, is.blob))
				n, bs := p.blob(bo)
				bo += bs
				if bs != 0 && p.fits(bo, int64(n)) {
					if n > 0 {
						r.PublicKeyOrToken, r.HasPublicKeyOrToken = p.d[bo:bo+int64(n)], true
					}
					r.Name, r.HasName = p.str(strHeap, p.idx(row+12+int64(is.blob), is.str))
				}
				p.f.AssemblyRefs = append(p.f.AssemblyRefs, r)
				row += rowSize
			}
			p.f.HasAssemblyRefs = true
			table += rowSize * numRows
		case bitAssemblyRefProcessor:
			table += int64(4+is.assemblyrefprocessor) * numRows
		case bitAssemblyRefOS:
			table += int64(12+is.assemblyref) * numRows
		case bitFile:
			table += int64(4+is.str+is.blob) * numRows
		case bitExportedType:
			table += int64(8+is.str*2+codedSize(2, rows.file, rows.assemblyref, rows.exportedtype)) * numRows
		case bitManifestResource:
			impl := codedSize(2, rows.file, rows.assemblyref)
			rowSize := int64(4 + 4 + is.str + impl)
			row := table
			for i := int64(0); i < numRows; i++ {
				if !p.fits(row, rowSize) {
					break
				}
				resOff := int64(p.u32(row))
				if p.idx(row+8+int64(is.str), impl) == 0 {
					at := resBase + resOff
					if p.fits(at, 4) {
						size := p.u32(at)
						if p.fits(at, int64(size)) {
							r := Resource{Offset: at + 4, Length: size}
							r.Name, r.HasName = p.str(strHeap, p.idx(row+8, is.str))
							p.f.Resources = append(p.f.Resources, r)
						}
					}
				}
				row += rowSize
			}
			p.f.HasResources = true
			table += rowSize * numRows
		case bitNestedClass:
			table += int64(is.typedef*2) * numRows
		case bitGenericParam:
			table += int64(2+2+codedSize(1, rows.typedef, rows.methoddef)+is.str) * numRows
		case bitMethodSpec:
			table += int64(codedSize(1, rows.methoddef, rows.memberref)+is.blob) * numRows
		case bitGenericParamConstraint:
			table += int64(is.genericparam+codedSize(2, rows.typedef, rows.typeref, rows.typespec)) * numRows
		default:
			return // an unknown table (libyara stops here)
		}
		matched++
	}
}

// customAttributes looks for the GuidAttribute on the assembly and sets
// typelib from its value, following CustomAttribute -> MemberRef ->
// TypeRef as libyara does (with its index widths).
func (p *parser) customAttributes(table, numRows, rowSize int64, parent, typ int, typerefPtr, typerefRowSize,
	memberrefPtr, memberrefRowSize, strHeap, blobHeap int64, rows rowCounts, is indexSizes) {
	row := table
	for i := int64(0); i < numRows; i, row = i+1, row+rowSize {
		if !p.fits(row, rowSize) {
			return
		}
		if p.idx(row, parent)&0x1F != 0x0E { // parent must be the Assembly
			continue
		}
		t := p.idx(row+int64(parent), typ)
		if t&0x07 != 0x03 { // type must be a MemberRef
			continue
		}
		ti := int64(t >> 3)
		if ti > 0 {
			ti--
		}
		mr := memberrefPtr + memberrefRowSize*ti
		if !p.fits(mr, memberrefRowSize) {
			return
		}
		c := p.idx(mr, is.memberref)
		if c&0x07 != 0x01 { // class must be a TypeRef
			continue
		}
		ci := int64(c >> 3)
		if ci > 0 {
			ci--
		}
		tr := typerefPtr + typerefRowSize*ci
		if !p.fits(tr, typerefRowSize) {
			return
		}
		tr += int64(codedSize(2, rows.module, rows.moduleref, rows.assemblyref, rows.typeref))
		if name, ok := p.str(strHeap, p.idx(tr, is.str)); ok && !hasPrefix(name, "GuidAttribute") {
			continue
		}
		bi := p.idx(row+int64(parent+typ), is.blob)
		bo := blobHeap + int64(bi)
		if bi == 0 || bo >= int64(len(p.d)) {
			continue
		}
		n, bs := p.blob(bo)
		if bs == 0 {
			continue
		}
		bo += bs
		if n < 3 || bo+int64(n) >= int64(len(p.d)) {
			continue
		}
		if p.u16(bo) != 0x0001 {
			continue
		}
		bo += 2
		strLen := int64(p.d[bo])
		bo++
		if bo+strLen > int64(len(p.d)) {
			continue
		}
		lib := ""
		if bo < int64(len(p.d)) && p.d[bo] != 0xFF && p.d[bo] != 0x00 {
			b := p.d[bo : bo+strLen]
			if k := indexByte(b, 0); k >= 0 {
				b = b[:k]
			}
			lib = string(b)
		}
		p.f.Typelib, p.f.HasTypelib = lib, true
	}
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
