package pe

import (
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fullSpec(t testing.TB, is64 bool) peSpec {
	_, p7 := testSignature(t, big.NewInt(0x01ff0a), "Vigie Test Signer")
	return peSpec{
		is64: is64,
		dll:  true,
		rich: true,
		imports: []testImport{
			{"KERNEL32.dll", []string{"CreateFileA", "ExitProcess"}},
			{"WS2_32.dll", []string{"#115", "#3", "#9999"}},
			{"oleaut32.dll", []string{"#2", "SysFreeString"}},
			{"msvcrt.sys", []string{"printf"}},
		},
		delayed:   []testImport{{"USER32.dll", []string{"MessageBoxA", "#5"}}},
		exports:   []string{"DllMain", "ServiceMain", "Forwarded"},
		forwarder: "NTDLL.RtlAllocateHeap",
		pdb:       `C:\build\vigie\test.pdb`,
		version: map[string]string{
			"CompanyName":      "Vigie Project",
			"FileDescription":  "Test binary",
			"FileVersion":      "1.2.3.4",
			"OriginalFilename": "test.dll",
			"ProductName":      "Vigie",
		},
		cert:    p7,
		overlay: []byte("OVERLAY-DATA"),
	}
}

func TestParseFull(t *testing.T) {
	for _, is64 := range []bool{false, true} {
		name := "pe32"
		if is64 {
			name = "pe32+"
		}
		t.Run(name, func(t *testing.T) {
			data := buildPE(t, fullSpec(t, is64))
			f, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			if f.Is64Bit() != is64 || f.Is32Bit() == is64 || !f.IsDLL() {
				t.Errorf("Is64Bit=%v Is32Bit=%v IsDLL=%v", f.Is64Bit(), f.Is32Bit(), f.IsDLL())
			}
			if f.Flags != 0 {
				t.Errorf("Flags = %b, anomalies %q", f.Flags, f.Anomalies)
			}
			if f.EntryPointRaw != 0x1010 || f.EntryPoint != 0x410 {
				t.Errorf("entry point raw 0x%x offset 0x%x, want 0x1010 / 0x410", f.EntryPointRaw, f.EntryPoint)
			}
			if len(f.Sections) != 3 || f.Sections[1].Name != ".rdata" || f.SectionIndex(".rsrc") != 2 || f.SectionIndexAddr(0x401) != 0 || f.SectionIndex(".nope") != -1 {
				t.Errorf("sections %+v", f.Sections)
			}
			if f.RVAToOffset(0x2004) != 0x604 || f.RVAToOffset(0x9000) != -1 || f.RVAToOffset(0x10) != 0x10 {
				t.Errorf("RVAToOffset: %d %d %d", f.RVAToOffset(0x2004), f.RVAToOffset(0x9000), f.RVAToOffset(0x10))
			}
			if f.NumberOfImports != 4 || f.NumberOfImportedFunctions != 8 || f.NumberOfDelayedImports != 1 || f.NumberOfDelayedImportedFunctions != 2 {
				t.Errorf("import counts %d/%d delayed %d/%d", f.NumberOfImports, f.NumberOfImportedFunctions, f.NumberOfDelayedImports, f.NumberOfDelayedImportedFunctions)
			}
			for _, c := range []struct {
				dll, fn string
				want    bool
			}{
				{"kernel32.dll", "createfilea", true},
				{"KERNEL32.DLL", "ExitProcess", true},
				{"ws2_32.dll", "WSAStartup", true},
				{"ws2_32.dll", "closesocket", true},
				{"ws2_32.dll", "ord9999", true},
				{"oleaut32.dll", "SysAllocString", true},
				{"kernel32", "CreateFileA", false},
				{"user32.dll", "MessageBoxA", false}, // delayed: not a standard import
			} {
				if got := f.Imports(c.dll, c.fn); got != c.want {
					t.Errorf("Imports(%q, %q) = %v", c.dll, c.fn, got)
				}
			}
			if !f.ImportsOrdinal("ws2_32.dll", 115) || f.ImportsOrdinal("kernel32.dll", 115) {
				t.Error("ImportsOrdinal")
			}
			if !f.HasImport(ImportDelayed, "user32.dll", "messageboxa") || !f.HasImportOrdinal(ImportAny, "USER32.dll", 5) || f.HasImport(ImportDelayed, "kernel32.dll", "CreateFileA") {
				t.Error("HasImport delayed")
			}
			if f.CountImportsFrom(ImportStandard, "ws2_32.dll") != 3 || f.CountImportsFrom(ImportAny, "user32.dll") != 2 {
				t.Error("CountImportsFrom")
			}
			// md5("kernel32.createfilea,kernel32.exitprocess,ws2_32.wsastartup,ws2_32.closesocket,
			// ws2_32.ord9999,oleaut32.sysallocstring,oleaut32.sysfreestring,msvcrt.printf"), the
			// value libyara 4.2.3 computes for this file (checked with `yara`).
			if got := f.Imphash(); got != imphashOf(f.ImportDetails) || len(got) != 32 {
				t.Errorf("Imphash = %q", got)
			}
			if want := md5hex("kernel32.createfilea,kernel32.exitprocess,ws2_32.wsastartup,ws2_32.closesocket,ws2_32.ord9999,oleaut32.sysallocstring,oleaut32.sysfreestring,msvcrt.printf"); f.Imphash() != want {
				t.Errorf("Imphash = %s, want %s", f.Imphash(), want)
			}
			if !f.HasExportDirectory || f.DLLName != "test.dll" || len(f.ExportDetails) != 3 {
				t.Fatalf("exports: %+v", f.ExportDetails)
			}
			if !f.Exports("dllmain") || f.Exports("nope") || !f.ExportsOrdinal(2) || f.ExportsOrdinal(4) || f.ExportsIndex("ServiceMain") != 1 || f.ExportsIndexOrdinal(3) != 2 {
				t.Error("export lookups")
			}
			if e := f.ExportDetails[2]; !e.Forwarded || e.ForwardName != "NTDLL.RtlAllocateHeap" {
				t.Errorf("forwarder %+v", e)
			}
			if f.PDBPath != `C:\build\vigie\test.pdb` {
				t.Errorf("PDBPath %q", f.PDBPath)
			}
			if len(f.Resources) != 2 || string(f.Resources[0].TypeString) != string(utf16z("MYDATA")[:12]) || f.Resources[0].ID != 7 || f.Resources[1].Type != 16 || f.Resources[1].Language != 0x409 {
				t.Errorf("resources %+v", f.Resources)
			}
			if !f.Locale(0x409) || !f.Language(9) || f.Locale(0x40c) {
				t.Error("Locale/Language")
			}
			if v, ok := f.VersionInfo("CompanyName"); !ok || v != "Vigie Project" {
				t.Errorf("VersionInfo(CompanyName) = %q %v; list %q", v, ok, f.VersionInfoList)
			}
			if len(f.VersionInfoList) != 5 {
				t.Errorf("VersionInfoList %q", f.VersionInfoList)
			}
			r := f.RichSignature
			if r == nil || r.Offset != 0x80 || r.Key != 0x1234abcd || r.Length != 32 || r.Version(30729, -1) != 3 || r.ToolID(0xff, -1) != 7 || r.Version(21022, 0xff) != 7 || r.ToolID(1, 21022) != 0 {
				t.Errorf("rich %+v", r)
			}
			// The overlay starts after the last section and so includes the
			// certificate table, as in libyara.
			if f.Overlay.Offset != rsrcRaw+rsrcSize || f.Overlay.Size != int64(len(data))-(rsrcRaw+rsrcSize) {
				t.Errorf("overlay %+v (len %d)", f.Overlay, len(data))
			}
			sigs := f.Signatures()
			if len(sigs) != 1 || f.NumberOfSignatures() != 1 {
				t.Fatalf("signatures %+v anomalies %q", sigs, f.Anomalies)
			}
			s := sigs[0]
			if s.Subject != "/C=FR/O=Vigie Test/CN=Vigie Test Signer" || s.Issuer != s.Subject || s.Serial != "01:ff:0a" || s.Version != 3 ||
				s.Algorithm != "ecdsa-with-SHA256" || s.AlgorithmOID != "1.2.840.10045.4.3.2" || s.NotBefore != 1577934245 || s.NotAfter != 1893553445 ||
				len(s.Thumbprint) != 40 || s.DigestAlg != "sha256" || !s.ValidOn(1600000000) || s.ValidOn(1) {
				t.Errorf("signature %+v", s)
			}
			if c := f.CalculateChecksum(); c == 0 || c > 0xffffffff {
				t.Errorf("CalculateChecksum = %d", c)
			}
		})
	}
}

func TestNotPE(t *testing.T) {
	good := buildPE(t, peSpec{})
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"text", []byte(strings.Repeat("hello ", 20))},
		{"mz only", append([]byte("MZ"), make([]byte, 100)...)},
		{"truncated optional header", good[:0x100+24+100]},
		{"lfanew past end", func() []byte { b := append([]byte(nil), good[:0x200]...); b[0x3c] = 0xf0; b[0x3d] = 0xff; return b }()},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse(c.data)
			if f != nil || !errors.Is(err, ErrNotPE) {
				t.Fatalf("Parse = %v, %v; want nil, ErrNotPE", f, err)
			}
		})
	}
	// libyara 4.2.3's pe_get_header does not look at the machine type: an
	// unknown machine is still a PE (yara 4.2.3: pe.is_pe == 1)
	b := append([]byte(nil), good...)
	b[0x104], b[0x105] = 0x34, 0x12
	if f, err := Parse(b); err != nil || f.Machine != 0x1234 {
		t.Errorf("unknown machine: Parse = %v, %v; want a PE with machine 0x1234", f, err)
	}
}

// TestTruncated parses every prefix of a full PE: no panic, and the header
// fields stay right whenever the headers are present.
func TestTruncated(t *testing.T) {
	data := buildPE(t, fullSpec(t, false))
	for n := 0; n <= len(data); n += 7 {
		f, err := Parse(data[:n])
		if err != nil {
			continue
		}
		if f.Machine != 0x14c || f.NumberOfSections != 3 {
			t.Fatalf("prefix %d: machine 0x%x sections %d", n, f.Machine, f.NumberOfSections)
		}
		f.Signatures()
		f.Imphash()
		f.CalculateChecksum()
	}
}

func TestOrdinalTables(t *testing.T) {
	if len(ws2Names) != 117 || len(oleaut32Names) != 398 {
		t.Fatalf("table sizes %d / %d, want 117 / 398", len(ws2Names), len(oleaut32Names))
	}
	for _, c := range []struct {
		dll  string
		ord  uint16
		want string
	}{
		{"WS2_32.dll", 1, "accept"},
		{"wsock32.DLL", 115, "WSAStartup"},
		{"ws2_32.dll", 151, "__WSAFDIsSet"},
		{"ws2_32.dll", 500, "WEP"},
		{"ws2_32.dll", 100, "ord100"},
		{"oleaut32.dll", 2, "SysAllocString"},
		{"OLEAUT32.dll", 301, "OACreateTypeLib2"},
		{"oleaut32.dll", 319, "VarDateFromUdateEx"},
		{"oleaut32.dll", 349, "VarI4FromUI8"},
		{"oleaut32.dll", 379, "VarUI2FromUI8"},
		{"oleaut32.dll", 443, "UnRegisterTypeLibForUser"},
		{"oleaut32.dll", 302, "ord302"},
		{"kernel32.dll", 1, "ord1"},
	} {
		if got := OrdinalName(c.dll, c.ord); got != c.want {
			t.Errorf("OrdinalName(%q, %d) = %q, want %q", c.dll, c.ord, got, c.want)
		}
	}
}

func TestConstants(t *testing.T) {
	for k, v := range map[string]int64{"MACHINE_I386": 0x14c, "DLL": 0x2000, "EXECUTABLE_IMAGE": 2, "SECTION_MEM_EXECUTE": 0x20000000, "IMAGE_DIRECTORY_ENTRY_SECURITY": 4, "RESOURCE_TYPE_VERSION": 16, "SUBSYSTEM_WINDOWS_GUI": 2, "IMPORT_ANY": -1} {
		if Constants[k] != v {
			t.Errorf("Constants[%s] = %d, want %d", k, Constants[k], v)
		}
	}
}

// TestWriteSamples writes the synthetic PEs of these tests to
// $VIGIE_PE_SAMPLES (for checking them against `yara -D`).
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("VIGIE_PE_SAMPLES")
	if dir == "" {
		t.Skip("VIGIE_PE_SAMPLES not set")
	}
	for name, spec := range map[string]peSpec{"full32.exe": fullSpec(t, false), "full64.exe": fullSpec(t, true), "bare.exe": {}} {
		if err := os.WriteFile(filepath.Join(dir, name), buildPE(t, spec), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func md5hex(s string) string { return md5String(s) }
