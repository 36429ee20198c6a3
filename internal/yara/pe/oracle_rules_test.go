package pe

import (
	"fmt"
	"os"
	"testing"
)

// TestOracleRules prints, for the file $VIGIE_PE_RULES_FILE, YARA rules
// whose conditions hold according to this package (one rule per check), to
// run through `yara` for comparison. Skipped unless the variable is set.
func TestOracleRules(t *testing.T) {
	path := os.Getenv("VIGIE_PE_RULES_FILE")
	if path == "" {
		t.Skip("VIGIE_PE_RULES_FILE not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	conds := []string{
		fmt.Sprintf(`pe.imphash() == "%s"`, f.Imphash()),
		fmt.Sprintf(`pe.calculate_checksum() == %d`, f.CalculateChecksum()),
		fmt.Sprintf(`pe.is_dll() == %d`, f.IsDLLValue()),
		fmt.Sprintf(`pe.is_32bit() == %d and pe.is_64bit() == %d`, b2i(f.Is32Bit()), b2i(f.Is64Bit())),
		fmt.Sprintf(`pe.rva_to_offset(0x2004) == %d`, f.RVAToOffset(0x2004)),
		fmt.Sprintf(`pe.rva_to_offset(0x10) == %d`, f.RVAToOffset(0x10)),
		fmt.Sprintf(`pe.section_index(".rsrc") == %d`, f.SectionIndex(".rsrc")),
		fmt.Sprintf(`pe.section_index(0x401) == %d`, f.SectionIndexAddr(0x401)),
	}
	for _, c := range []struct {
		dll, fn string
	}{{"kernel32.dll", "createfilea"}, {"KERNEL32.DLL", "ExitProcess"}, {"ws2_32.dll", "WSAStartup"}, {"ws2_32.dll", "ord9999"}, {"oleaut32.dll", "sysallocstring"}, {"kernel32", "CreateFileA"}, {"user32.dll", "MessageBoxA"}} {
		conds = append(conds, fmt.Sprintf(`pe.imports("%s", "%s") == %d`, c.dll, c.fn, b2i(f.Imports(c.dll, c.fn))))
		conds = append(conds, fmt.Sprintf(`pe.imports(pe.IMPORT_DELAYED, "%s", "%s") == %d`, c.dll, c.fn, b2i(f.HasImport(ImportDelayed, c.dll, c.fn))))
		conds = append(conds, fmt.Sprintf(`pe.imports(pe.IMPORT_ANY, "%s", "%s") == %d`, c.dll, c.fn, b2i(f.HasImport(ImportAny, c.dll, c.fn))))
	}
	for _, c := range []struct {
		dll string
		ord int
	}{{"ws2_32.dll", 115}, {"WS2_32.DLL", 3}, {"kernel32.dll", 115}, {"user32.dll", 5}} {
		conds = append(conds, fmt.Sprintf(`pe.imports("%s", %d) == %d`, c.dll, c.ord, b2i(f.ImportsOrdinal(c.dll, c.ord))))
		conds = append(conds, fmt.Sprintf(`pe.imports(pe.IMPORT_ANY, "%s", %d) == %d`, c.dll, c.ord, b2i(f.HasImportOrdinal(ImportAny, c.dll, c.ord))))
	}
	for _, d := range []string{"ws2_32.dll", "user32.dll", "nope.dll"} {
		conds = append(conds, fmt.Sprintf(`pe.imports("%s") == %d`, d, f.CountImportsFrom(ImportStandard, d)))
		conds = append(conds, fmt.Sprintf(`pe.imports(pe.IMPORT_ANY, "%s") == %d`, d, f.CountImportsFrom(ImportAny, d)))
	}
	for _, n := range []string{"dllmain", "ServiceMain", "nope"} {
		conds = append(conds, fmt.Sprintf(`pe.exports("%s") == %d`, n, b2i(f.Exports(n))))
	}
	for _, o := range []int64{1, 3, 4} {
		conds = append(conds, fmt.Sprintf(`pe.exports(%d) == %d`, o, b2i(f.ExportsOrdinal(o))))
	}
	if i := f.ExportsIndex("ServiceMain"); i >= 0 {
		conds = append(conds, fmt.Sprintf(`pe.exports_index("ServiceMain") == %d`, i))
	}
	if r := f.RichSignature; r != nil {
		conds = append(conds,
			fmt.Sprintf(`pe.rich_signature.version(30729) == %d`, r.Version(30729, -1)),
			fmt.Sprintf(`pe.rich_signature.version(21022, 255) == %d`, r.Version(21022, 255)),
			fmt.Sprintf(`pe.rich_signature.toolid(255) == %d`, r.ToolID(255, -1)),
			fmt.Sprintf(`pe.rich_signature.toolid(1, 21022) == %d`, r.ToolID(1, 21022)))
	}
	conds = append(conds,
		fmt.Sprintf(`pe.locale(0x409) == %d`, b2i(f.Locale(0x409))),
		fmt.Sprintf(`pe.language(9) == %d`, b2i(f.Language(9))),
		fmt.Sprintf(`pe.locale(0x40c) == %d`, b2i(f.Locale(0x40c))))
	for i, s := range f.Signatures() {
		conds = append(conds, fmt.Sprintf(`pe.signatures[%d].valid_on(1600000000) == %d`, i, b2i(s.ValidOn(1600000000))))
	}
	fmt.Println(`import "pe"`)
	for i, c := range conds {
		fmt.Printf("rule c%d { condition: %s }\n", i, c)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
