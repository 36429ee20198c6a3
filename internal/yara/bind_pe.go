package yara

import (
	"github.com/vigie-project/vigie/internal/yara/pe"
)

// This file binds YARA's "pe" module identifiers to internal/yara/pe (see
// its doc.go for the mapping). The module object is built on first use
// for a file; costly parts (signatures) are lazy values.

func lazyVal(f func() value) value { return value{k: vLazy, o: f} }

func u(v uint64) value { return intVal(int64(v)) }

func verStruct(v pe.Version) value {
	m := newStruct()
	m.set("major", u(uint64(v.Major)))
	m.set("minor", u(uint64(v.Minor)))
	return structVal(m)
}

// argRegex returns the regex of a regex literal argument.
func argRegex(v value) (*regexProg, bool) {
	p, ok := v.o.(*regexProg)
	return p, ok && v.k == vStr
}

func isPlainStr(v value) bool { return v.k == vStr && v.o == nil }

func peModule(data []byte) *mstruct {
	m := newStruct()
	m.consts = pe.Constants
	f, err := pe.Parse(data)
	if err != nil || f == nil {
		m.set("is_pe", intVal(0))
		return m
	}
	m.set("is_pe", intVal(1))
	m.set("machine", u(uint64(f.Machine)))
	m.set("number_of_sections", u(uint64(f.NumberOfSections)))
	m.set("timestamp", u(uint64(f.Timestamp)))
	m.set("pointer_to_symbol_table", u(uint64(f.PointerToSymbolTable)))
	m.set("number_of_symbols", u(uint64(f.NumberOfSymbols)))
	m.set("size_of_optional_header", u(uint64(f.SizeOfOptionalHeader)))
	m.set("characteristics", u(uint64(f.Characteristics)))
	// libyara 4.2.3 stores pe_rva_to_offset's result as is: -1 when the
	// entry point maps to no byte of the file
	m.set("entry_point", intVal(f.EntryPoint))
	m.set("entry_point_raw", u(uint64(f.EntryPointRaw)))
	m.set("image_base", u(f.ImageBase))
	m.set("number_of_rva_and_sizes", u(uint64(f.NumberOfRvaAndSizes)))
	m.set("opthdr_magic", u(uint64(f.OptionalHeaderMagic)))
	m.set("size_of_code", u(uint64(f.SizeOfCode)))
	m.set("size_of_initialized_data", u(uint64(f.SizeOfInitializedData)))
	m.set("size_of_uninitialized_data", u(uint64(f.SizeOfUninitializedData)))
	m.set("base_of_code", u(uint64(f.BaseOfCode)))
	if f.HasBaseOfData {
		m.set("base_of_data", u(uint64(f.BaseOfData)))
	}
	m.set("section_alignment", u(uint64(f.SectionAlignment)))
	m.set("file_alignment", u(uint64(f.FileAlignment)))
	m.set("linker_version", verStruct(f.LinkerVersion))
	m.set("os_version", verStruct(f.OSVersion))
	m.set("image_version", verStruct(f.ImageVersion))
	m.set("subsystem_version", verStruct(f.SubsystemVersion))
	m.set("win32_version_value", u(uint64(f.Win32VersionValue)))
	m.set("size_of_image", u(uint64(f.SizeOfImage)))
	m.set("size_of_headers", u(uint64(f.SizeOfHeaders)))
	m.set("checksum", u(uint64(f.Checksum)))
	m.set("subsystem", u(uint64(f.Subsystem)))
	m.set("dll_characteristics", u(uint64(f.DllCharacteristics)))
	m.set("size_of_stack_reserve", u(f.SizeOfStackReserve))
	m.set("size_of_stack_commit", u(f.SizeOfStackCommit))
	m.set("size_of_heap_reserve", u(f.SizeOfHeapReserve))
	m.set("size_of_heap_commit", u(f.SizeOfHeapCommit))
	m.set("loader_flags", u(uint64(f.LoaderFlags)))
	var dds []value
	for _, d := range f.DataDirectories {
		s := newStruct()
		s.set("virtual_address", u(uint64(d.VirtualAddress)))
		s.set("size", u(uint64(d.Size)))
		dds = append(dds, structVal(s))
	}
	m.set("data_directories", arrayVal(dds))
	var secs []value
	for _, sec := range f.Sections {
		s := newStruct()
		s.set("name", strVal(sec.Name))
		if sec.HasFullName {
			s.set("full_name", strVal(sec.FullName))
		}
		s.set("characteristics", u(uint64(sec.Characteristics)))
		s.set("virtual_address", u(uint64(sec.VirtualAddress)))
		s.set("virtual_size", u(uint64(sec.VirtualSize)))
		s.set("raw_data_offset", u(uint64(sec.RawDataOffset)))
		s.set("raw_data_size", u(uint64(sec.RawDataSize)))
		s.set("pointer_to_relocations", u(uint64(sec.PointerToRelocations)))
		s.set("pointer_to_line_numbers", u(uint64(sec.PointerToLineNumbers)))
		s.set("number_of_relocations", u(uint64(sec.NumberOfRelocations)))
		s.set("number_of_line_numbers", u(uint64(sec.NumberOfLineNumbers)))
		secs = append(secs, structVal(s))
	}
	m.set("sections", arrayVal(secs))
	ov := newStruct()
	ov.set("offset", intVal(f.Overlay.Offset))
	ov.set("size", intVal(f.Overlay.Size))
	m.set("overlay", structVal(ov))
	rs := newStruct()
	if r := f.RichSignature; r != nil {
		rs.set("offset", intVal(r.Offset))
		rs.set("length", intVal(r.Length))
		rs.set("key", u(uint64(r.Key)))
		rs.set("raw_data", strVal(string(r.RawData)))
		rs.set("clear_data", strVal(string(r.ClearData)))
		rs.set("version", funcVal(func(e *evaluator, a []value) value {
			if len(a) < 1 || a[0].k != vInt {
				return undef
			}
			t := int64(-1)
			if len(a) > 1 {
				if a[1].k != vInt {
					return undef
				}
				t = a[1].i
			}
			return intVal(r.Version(a[0].i, t))
		}))
		rs.set("toolid", funcVal(func(e *evaluator, a []value) value {
			if len(a) < 1 || a[0].k != vInt {
				return undef
			}
			v := int64(-1)
			if len(a) > 1 {
				if a[1].k != vInt {
					return undef
				}
				v = a[1].i
			}
			return intVal(r.ToolID(a[0].i, v))
		}))
	}
	m.set("rich_signature", structVal(rs))
	if f.PDBPath != "" {
		m.set("pdb_path", strVal(f.PDBPath))
	}
	m.set("number_of_imports", intVal(int64(f.NumberOfImports)))
	m.set("number_of_imported_functions", intVal(int64(f.NumberOfImportedFunctions)))
	m.set("number_of_delayed_imports", intVal(int64(f.NumberOfDelayedImports)))
	m.set("number_of_delayed_imported_functions", intVal(int64(f.NumberOfDelayedImportedFunctions)))
	// import_details[i].functions[j] counts j from 0 in every DLL, as
	// libyara does since 4.3. libyara 4.2.3 has a bug Vigie does not copy:
	// its function index and number_of_functions keep counting across the
	// DLLs (pe_set_imports never resets fun_cnt), so there the second
	// DLL's first function is functions[N] with N the first DLL's count,
	// and yara -D shows those indexes.
	importList := func(l []pe.Import) value {
		var out []value
		for _, im := range l {
			s := newStruct()
			s.set("library_name", strVal(im.DLL))
			s.set("number_of_functions", intVal(int64(len(im.Functions))))
			var fns []value
			for _, fn := range im.Functions {
				fs := newStruct()
				fs.set("name", strVal(fn.Name))
				if fn.HasOrdinal {
					fs.set("ordinal", intVal(int64(fn.Ordinal)))
				}
				fs.set("rva", u(uint64(fn.RVA)))
				fns = append(fns, structVal(fs))
			}
			s.set("functions", arrayVal(fns))
			out = append(out, structVal(s))
		}
		return arrayVal(out)
	}
	m.set("import_details", lazyVal(func() value { return importList(f.ImportDetails) }))
	m.set("delayed_import_details", lazyVal(func() value { return importList(f.DelayedImportDetails) }))
	m.set("imports", funcVal(func(e *evaluator, a []value) value {
		kind := pe.ImportStandard
		if len(a) >= 2 && a[0].k == vInt {
			kind = int(a[0].i)
			a = a[1:]
		}
		switch {
		case len(a) == 2 && isPlainStr(a[0]) && isPlainStr(a[1]):
			return boolVal(f.HasImport(kind, a[0].s, a[1].s))
		case len(a) == 2 && isPlainStr(a[0]) && a[1].k == vInt:
			return boolVal(f.HasImportOrdinal(kind, a[0].s, int(a[1].i)))
		case len(a) == 1 && isPlainStr(a[0]):
			return intVal(int64(f.CountImportsFrom(kind, a[0].s)))
		case len(a) == 2:
			dre, ok1 := argRegex(a[0])
			fre, ok2 := argRegex(a[1])
			if !ok1 || !ok2 {
				return undef
			}
			n := 0
			lists := [][]pe.Import{}
			if kind&pe.ImportStandard != 0 {
				lists = append(lists, f.ImportDetails)
			}
			if kind&pe.ImportDelayed != 0 {
				lists = append(lists, f.DelayedImportDetails)
			}
			for _, l := range lists {
				for _, im := range l {
					if !e.sc.vm.search(dre, []byte(im.DLL)) {
						continue
					}
					for _, fn := range im.Functions {
						if e.sc.vm.search(fre, []byte(fn.Name)) {
							n++
						}
					}
				}
			}
			return intVal(int64(n))
		}
		return undef
	}))
	m.set("imphash", funcVal(func(e *evaluator, a []value) value { return strVal(f.Imphash()) }))
	m.set("number_of_exports", intVal(int64(len(f.ExportDetails))))
	m.set("export_details", lazyVal(func() value {
		var out []value
		for _, ex := range f.ExportDetails {
			s := newStruct()
			if ex.Name != "" {
				s.set("name", strVal(ex.Name))
			}
			s.set("ordinal", u(uint64(ex.Ordinal)))
			if !ex.Forwarded && ex.Offset >= 0 {
				s.set("offset", intVal(ex.Offset))
			}
			if ex.ForwardName != "" {
				s.set("forward_name", strVal(ex.ForwardName))
			}
			out = append(out, structVal(s))
		}
		return arrayVal(out)
	}))
	if f.HasExportDirectory {
		if f.HasDLLName {
			m.set("dll_name", strVal(f.DLLName))
		}
		m.set("export_timestamp", u(uint64(f.ExportTimestamp)))
	}
	m.set("exports", funcVal(func(e *evaluator, a []value) value {
		if len(a) != 1 {
			return undef
		}
		switch {
		case isPlainStr(a[0]):
			return boolVal(f.Exports(a[0].s))
		case a[0].k == vInt:
			return boolVal(f.ExportsOrdinal(a[0].i))
		}
		re, ok := argRegex(a[0])
		if !ok {
			return undef
		}
		for _, ex := range f.ExportDetails {
			if ex.Name != "" && e.sc.vm.search(re, []byte(ex.Name)) {
				return boolVal(true)
			}
		}
		return boolVal(false)
	}))
	m.set("exports_index", funcVal(func(e *evaluator, a []value) value {
		if len(a) != 1 {
			return undef
		}
		i := -1
		switch {
		case isPlainStr(a[0]):
			i = f.ExportsIndex(a[0].s)
		case a[0].k == vInt:
			i = f.ExportsIndexOrdinal(a[0].i)
		default:
			if re, ok := argRegex(a[0]); ok {
				for k, ex := range f.ExportDetails {
					if ex.Name != "" && e.sc.vm.search(re, []byte(ex.Name)) {
						i = k
						break
					}
				}
			}
		}
		if i < 0 {
			return undef
		}
		return intVal(int64(i))
	}))
	m.set("number_of_resources", intVal(int64(len(f.Resources))))
	if f.HasResourceDirectory {
		m.set("resource_timestamp", u(uint64(f.ResourceTimestamp)))
		m.set("resource_version", verStruct(f.ResourceVersion))
	}
	m.set("resources", lazyVal(func() value {
		var out []value
		for _, r := range f.Resources {
			s := newStruct()
			s.set("rva", u(uint64(r.RVA)))
			if r.Offset >= 0 {
				s.set("offset", intVal(r.Offset))
			}
			s.set("length", u(uint64(r.Length)))
			if r.TypeString != nil {
				s.set("type_string", strVal(string(r.TypeString)))
			} else {
				s.set("type", intVal(r.Type))
			}
			if r.NameString != nil {
				s.set("name_string", strVal(string(r.NameString)))
			} else {
				s.set("id", intVal(r.ID))
			}
			if r.LanguageString != nil {
				s.set("language_string", strVal(string(r.LanguageString)))
			} else {
				s.set("language", intVal(r.Language))
			}
			out = append(out, structVal(s))
		}
		return arrayVal(out)
	}))
	vi := &mdict{m: map[string]value{}}
	var vil []value
	for _, kv := range f.VersionInfoList {
		if _, dup := vi.m[kv.Key]; !dup {
			vi.keys = append(vi.keys, kv.Key)
		}
		vi.m[kv.Key] = strVal(kv.Value)
		s := newStruct()
		s.set("key", strVal(kv.Key))
		s.set("value", strVal(kv.Value))
		vil = append(vil, structVal(s))
	}
	m.set("version_info", dictVal(vi))
	m.set("version_info_list", arrayVal(vil))
	m.set("number_of_version_infos", intVal(int64(len(vil))))
	m.set("locale", funcVal(func(e *evaluator, a []value) value {
		if len(a) != 1 || a[0].k != vInt {
			return undef
		}
		return boolVal(f.Locale(uint64(a[0].i)))
	}))
	m.set("language", funcVal(func(e *evaluator, a []value) value {
		if len(a) != 1 || a[0].k != vInt {
			return undef
		}
		return boolVal(f.Language(uint64(a[0].i)))
	}))
	m.set("is_dll", funcVal(func(e *evaluator, a []value) value { return boolVal(f.IsDLL()) }))
	m.set("is_32bit", funcVal(func(e *evaluator, a []value) value { return boolVal(f.Is32Bit()) }))
	m.set("is_64bit", funcVal(func(e *evaluator, a []value) value { return boolVal(f.Is64Bit()) }))
	m.set("section_index", funcVal(func(e *evaluator, a []value) value {
		if len(a) != 1 {
			return undef
		}
		i := -1
		if isPlainStr(a[0]) {
			i = f.SectionIndex(a[0].s)
		} else if a[0].k == vInt {
			i = f.SectionIndexAddr(a[0].i)
		}
		if i < 0 {
			return undef
		}
		return intVal(int64(i))
	}))
	m.set("rva_to_offset", funcVal(func(e *evaluator, a []value) value {
		if len(a) != 1 || a[0].k != vInt {
			return undef
		}
		o := f.RVAToOffset(uint64(a[0].i))
		if o < 0 {
			return undef
		}
		return intVal(o)
	}))
	var checksum *value
	m.set("calculate_checksum", funcVal(func(e *evaluator, a []value) value {
		if checksum == nil {
			v := u(f.CalculateChecksum())
			checksum = &v
		}
		return *checksum
	}))
	if f.HasSecurityDirectory() {
		m.set("number_of_signatures", lazyVal(func() value { return intVal(int64(f.NumberOfSignatures())) }))
	}
	m.set("is_signed", lazyVal(func() value { return boolVal(f.NumberOfSignatures() > 0) }))
	m.set("signatures", lazyVal(func() value {
		var out []value
		for _, sg := range f.Signatures() {
			s := newStruct()
			certFields(s, &sg.Certificate)
			if !sg.HasSerial {
				delete(s.fields, "serial")
			}
			out = append(out, structVal(s))
		}
		return arrayVal(out)
	}))
	return m
}

func certFields(s *mstruct, c *pe.Certificate) {
	s.set("thumbprint", strVal(c.Thumbprint))
	s.set("issuer", strVal(c.Issuer))
	s.set("subject", strVal(c.Subject))
	s.set("version", intVal(c.Version))
	s.set("algorithm", strVal(c.Algorithm))
	s.set("algorithm_oid", strVal(c.AlgorithmOID))
	s.set("serial", strVal(c.Serial))
	s.set("not_before", intVal(c.NotBefore))
	s.set("not_after", intVal(c.NotAfter))
	cc := *c
	s.set("valid_on", funcVal(func(e *evaluator, a []value) value {
		if len(a) != 1 || a[0].k != vInt {
			return undef
		}
		return boolVal(cc.ValidOn(a[0].i))
	}))
}
