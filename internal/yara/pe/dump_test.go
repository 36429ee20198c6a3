package pe

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// yaraQuote renders a byte string the way `yara -D` prints it.
func yaraQuote(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range b {
		if c >= 0x20 && c <= 0x7e {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "\\x%02x", c)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// dumpFlat renders f as flat "pe.path = value" lines in the shape of
// `yara -D` output (sorted), for golden files and comparison with libyara.
func dumpFlat(f *File) []string {
	var out []string
	add := func(k string, v any) {
		switch x := v.(type) {
		case string:
			out = append(out, fmt.Sprintf("pe.%s = %s", k, yaraQuote([]byte(x))))
		case []byte:
			out = append(out, fmt.Sprintf("pe.%s = %s", k, yaraQuote(x)))
		default:
			out = append(out, fmt.Sprintf("pe.%s = %d", k, v))
		}
	}
	add("is_pe", 1)
	add("machine", f.Machine)
	add("number_of_sections", f.NumberOfSections)
	add("timestamp", f.Timestamp)
	add("pointer_to_symbol_table", f.PointerToSymbolTable)
	add("number_of_symbols", f.NumberOfSymbols)
	add("size_of_optional_header", f.SizeOfOptionalHeader)
	add("characteristics", f.Characteristics)
	add("entry_point", f.EntryPoint)
	add("entry_point_raw", f.EntryPointRaw)
	add("image_base", f.ImageBase)
	add("number_of_rva_and_sizes", f.NumberOfRvaAndSizes)
	add("opthdr_magic", f.OptionalHeaderMagic)
	add("size_of_code", f.SizeOfCode)
	add("size_of_initialized_data", f.SizeOfInitializedData)
	add("size_of_uninitialized_data", f.SizeOfUninitializedData)
	add("base_of_code", f.BaseOfCode)
	if f.HasBaseOfData {
		add("base_of_data", f.BaseOfData)
	}
	add("section_alignment", f.SectionAlignment)
	add("file_alignment", f.FileAlignment)
	for _, v := range []struct {
		n string
		v Version
	}{{"linker_version", f.LinkerVersion}, {"os_version", f.OSVersion}, {"image_version", f.ImageVersion}, {"subsystem_version", f.SubsystemVersion}, {"resource_version", f.ResourceVersion}} {
		if v.n == "resource_version" && !f.HasResourceDirectory {
			continue
		}
		add(v.n+".major", v.v.Major)
		add(v.n+".minor", v.v.Minor)
	}
	add("win32_version_value", f.Win32VersionValue)
	add("size_of_image", f.SizeOfImage)
	add("size_of_headers", f.SizeOfHeaders)
	add("checksum", f.Checksum)
	add("subsystem", f.Subsystem)
	add("dll_characteristics", f.DllCharacteristics)
	add("size_of_stack_reserve", f.SizeOfStackReserve)
	add("size_of_stack_commit", f.SizeOfStackCommit)
	add("size_of_heap_reserve", f.SizeOfHeapReserve)
	add("size_of_heap_commit", f.SizeOfHeapCommit)
	add("loader_flags", f.LoaderFlags)
	for i, d := range f.DataDirectories {
		add(fmt.Sprintf("data_directories[%d].virtual_address", i), d.VirtualAddress)
		add(fmt.Sprintf("data_directories[%d].size", i), d.Size)
	}
	for i, s := range f.Sections {
		p := fmt.Sprintf("sections[%d].", i)
		add(p+"name", s.Name)
		if s.HasFullName {
			add(p+"full_name", s.FullName)
		}
		add(p+"characteristics", s.Characteristics)
		add(p+"virtual_address", s.VirtualAddress)
		add(p+"virtual_size", s.VirtualSize)
		add(p+"raw_data_offset", s.RawDataOffset)
		add(p+"raw_data_size", s.RawDataSize)
		add(p+"pointer_to_relocations", s.PointerToRelocations)
		add(p+"pointer_to_line_numbers", s.PointerToLineNumbers)
		add(p+"number_of_relocations", s.NumberOfRelocations)
		add(p+"number_of_line_numbers", s.NumberOfLineNumbers)
	}
	add("overlay.offset", f.Overlay.Offset)
	add("overlay.size", f.Overlay.Size)
	if r := f.RichSignature; r != nil {
		add("rich_signature.offset", r.Offset)
		add("rich_signature.length", r.Length)
		add("rich_signature.key", r.Key)
		add("rich_signature.raw_data", r.RawData)
		add("rich_signature.clear_data", r.ClearData)
	}
	if f.PDBPath != "" {
		add("pdb_path", f.PDBPath)
	}
	for kind, l := range map[string][]Import{"import_details": f.ImportDetails, "delayed_import_details": f.DelayedImportDetails} {
		for i, im := range l {
			p := fmt.Sprintf("%s[%d].", kind, i)
			add(p+"library_name", im.DLL)
			add(p+"number_of_functions", len(im.Functions))
			for j, fn := range im.Functions {
				add(fmt.Sprintf("%sfunctions[%d].name", p, j), fn.Name)
				if fn.HasOrdinal {
					add(fmt.Sprintf("%sfunctions[%d].ordinal", p, j), fn.Ordinal)
				}
			}
		}
	}
	add("number_of_imports", f.NumberOfImports)
	add("number_of_imported_functions", f.NumberOfImportedFunctions)
	add("number_of_delayed_imports", f.NumberOfDelayedImports)
	add("number_of_delayed_imported_functions", f.NumberOfDelayedImportedFunctions)
	if f.HasExportDirectory {
		add("export_timestamp", f.ExportTimestamp)
		if f.HasDLLName {
			add("dll_name", f.DLLName)
		}
	}
	add("number_of_exports", len(f.ExportDetails))
	for i, e := range f.ExportDetails {
		p := fmt.Sprintf("export_details[%d].", i)
		add(p+"ordinal", e.Ordinal)
		if e.Forwarded {
			add(p+"forward_name", e.ForwardName)
		} else {
			add(p+"offset", e.Offset)
		}
		if e.HasName {
			add(p+"name", e.Name)
		}
	}
	if f.HasResourceDirectory {
		add("resource_timestamp", f.ResourceTimestamp)
	}
	add("number_of_resources", len(f.Resources))
	for i, r := range f.Resources {
		p := fmt.Sprintf("resources[%d].", i)
		add(p+"rva", r.RVA)
		if r.Offset >= 0 {
			add(p+"offset", r.Offset)
		}
		add(p+"length", r.Length)
		if r.TypeString != nil {
			add(p+"type_string", r.TypeString)
		} else {
			add(p+"type", r.Type)
		}
		if r.NameString != nil {
			add(p+"name_string", r.NameString)
		} else {
			add(p+"id", r.ID)
		}
		if r.LanguageString != nil {
			add(p+"language_string", r.LanguageString)
		} else {
			add(p+"language", r.Language)
		}
	}
	add("number_of_version_infos", len(f.VersionInfoList))
	for i, v := range f.VersionInfoList {
		add(fmt.Sprintf("version_info_list[%d].key", i), v.Key)
		add(fmt.Sprintf("version_info_list[%d].value", i), v.Value)
		if last, _ := f.VersionInfo(v.Key); last == v.Value {
			add(fmt.Sprintf("version_info[%s]", yaraQuote([]byte(v.Key))), v.Value)
		}
	}
	if f.HasSecurityDirectory() {
		add("number_of_signatures", f.NumberOfSignatures())
	}
	for i, s := range f.Signatures() {
		p := fmt.Sprintf("signatures[%d].", i)
		add(p+"thumbprint", s.Thumbprint)
		add(p+"issuer", s.Issuer)
		add(p+"subject", s.Subject)
		add(p+"version", s.Version)
		add(p+"algorithm", s.Algorithm)
		add(p+"algorithm_oid", s.AlgorithmOID)
		if s.HasSerial {
			add(p+"serial", s.Serial)
		}
		add(p+"not_before", s.NotBefore)
		add(p+"not_after", s.NotAfter)
	}
	out = uniq(out)
	sort.Strings(out)
	return out
}

func uniq(l []string) []string {
	seen := map[string]bool{}
	var r []string
	for _, s := range l {
		if !seen[s] {
			seen[s] = true
			r = append(r, s)
		}
	}
	return r
}

// TestDumpForOracle writes dumpFlat output for each file listed (one path a
// line) in $VIGIE_PE_DUMP_LIST to $VIGIE_PE_DUMP_OUT, for comparison with
// `yara -D` by a script. Skipped unless the variables are set.
func TestDumpForOracle(t *testing.T) {
	list, out := os.Getenv("VIGIE_PE_DUMP_LIST"), os.Getenv("VIGIE_PE_DUMP_OUT")
	if list == "" || out == "" {
		t.Skip("VIGIE_PE_DUMP_LIST / VIGIE_PE_DUMP_OUT not set")
	}
	lf, err := os.Open(list)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	of, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer of.Close()
	w := bufio.NewWriter(of)
	defer w.Flush()
	sc := bufio.NewScanner(lf)
	for sc.Scan() {
		path := sc.Text()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "== %s\n", path)
		f, err := Parse(data)
		if err != nil {
			continue
		}
		fmt.Fprintf(w, "imphash = %s\n", f.Imphash())
		for _, l := range dumpFlat(f) {
			fmt.Fprintln(w, l)
		}
	}
}
