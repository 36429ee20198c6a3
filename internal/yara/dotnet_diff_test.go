package yara

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// dotnetSpec varies the synthetic .NET assembly.
type dotnetSpec struct {
	exe       bool // a 32-bit EXE (not a DLL): the entry point must be FF 25
	jmpStub   bool // with exe: the entry point holds FF 25
	noCOM     bool // no COM descriptor directory entry
	truncate  int  // cut the file to this many bytes (0: whole)
	bigString bool // #Strings index width 4 (HeapSizes bit 0)
}

// buildDotnet lays out a minimal PE32 with one section holding a CLI
// header, a manifest resource, and metadata with the #~, #Strings, #US,
// #GUID and #Blob streams and the tables the dotnet module reads.
func buildDotnet(s dotnetSpec) []byte {
	le := binary.LittleEndian
	const secRVA, secRaw = 0x2000, 0x200
	sec := make([]byte, 0x1000)
	// entry stub at section start
	sec[0], sec[1] = 0xCC, 0xCC
	if s.jmpStub {
		sec[0], sec[1] = 0xFF, 0x25
	}
	// #Strings heap
	var strs bytes.Buffer
	strs.WriteByte(0)
	strIdx := map[string]uint32{}
	for _, x := range []string{"test.dll", "GuidAttribute", "System.Runtime.InteropServices", ".ctor", "TestAsm", "mscorlib", "kernel32.dll", "res.bin", "en-US", "remote.bin"} {
		strIdx[x] = uint32(strs.Len())
		strs.WriteString(x)
		strs.WriteByte(0)
	}
	for strs.Len()%4 != 0 {
		strs.WriteByte(0)
	}
	// #US heap: "" then "Hi" and "Vigie" (UTF-16LE plus the final byte)
	us := []byte{0}
	for _, x := range []string{"Hi", "Vigie"} {
		var u []byte
		for _, c := range x {
			u = append(u, byte(c), 0)
		}
		u = append(u, 0)
		us = append(us, byte(len(u)))
		us = append(us, u...)
	}
	for len(us)%4 != 0 {
		us = append(us, 0)
	}
	guid := []byte{0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde, 1, 2, 3, 4, 5, 6, 7, 8}
	// #Blob heap
	blob := []byte{0}
	tokenIdx := uint32(len(blob))
	blob = append(blob, 9, 0xb7, 0x7a, 0x5c, 0x56, 0x19, 0x34, 0xe0, 0x89, 0x00)
	constIdx := uint32(len(blob))
	blob = append(blob, 5, 'a', 0, 'b', 0, 0)
	caIdx := uint32(len(blob))
	typelib := "12345678-9abc-def0-0102-030405060708"
	ca := append([]byte{1, 0, byte(len(typelib))}, typelib...)
	ca = append(ca, 0, 0)
	blob = append(blob, byte(len(ca)))
	blob = append(blob, ca...)
	sigIdx := uint32(len(blob))
	blob = append(blob, 3, 0x20, 1, 1)
	for len(blob)%4 != 0 {
		blob = append(blob, 0)
	}
	// #~ tables (2-byte indexes, or 4-byte #Strings indexes)
	var t bytes.Buffer
	w16 := func(v uint32) { binary.Write(&t, le, uint16(v)) }
	w32 := func(v uint32) { binary.Write(&t, le, v) }
	ws := func(name string) {
		if s.bigString {
			w32(strIdx[name])
		} else {
			w16(strIdx[name])
		}
	}
	bits := []uint{0x00, 0x01, 0x0A, 0x0B, 0x0C, 0x1A, 0x1D, 0x20, 0x23, 0x28}
	var valid uint64
	for _, b := range bits {
		valid |= 1 << b
	}
	heapSizes := byte(0)
	if s.bigString {
		heapSizes = 1
	}
	w32(0)
	t.Write([]byte{2, 0, heapSizes, 1})
	binary.Write(&t, le, valid)
	binary.Write(&t, le, uint64(0))
	rows := map[uint]uint32{0x28: 2}
	for _, b := range bits {
		n, ok := rows[b]
		if !ok {
			n = 1
		}
		w32(n)
	}
	// Module
	w16(0)
	ws("test.dll")
	w16(1)
	w16(0)
	w16(0)
	// TypeRef: GuidAttribute
	w16(6)
	ws("GuidAttribute")
	ws("System.Runtime.InteropServices")
	// MemberRef: .ctor of TypeRef 1
	w16(1<<3 | 1)
	ws(".ctor")
	w16(sigIdx)
	// Constant: a string
	t.Write([]byte{0x0E, 0})
	w16(1 << 2)
	w16(constIdx)
	// CustomAttribute on the Assembly, type MemberRef 1
	w16(1<<5 | 14)
	w16(1<<3 | 3)
	w16(caIdx)
	// ModuleRef
	ws("kernel32.dll")
	// FieldRVA
	w32(secRVA + 0x40)
	w16(1)
	// Assembly
	w32(0x8004)
	w16(1)
	w16(2)
	w16(3)
	w16(4)
	w32(0)
	w16(0)
	ws("TestAsm")
	ws("en-US")
	// AssemblyRef
	w16(4)
	w16(0)
	w16(0)
	w16(0)
	w32(0)
	w16(tokenIdx)
	ws("mscorlib")
	ws("") // culture
	w16(0)
	// ManifestResource: one in this file, one in another (implementation != 0)
	w32(0)
	w32(1)
	ws("res.bin")
	w16(0)
	w32(0)
	w32(1)
	ws("remote.bin")
	w16(1<<2 | 0)
	for t.Len()%4 != 0 {
		t.WriteByte(0)
	}
	// metadata root
	var md bytes.Buffer
	mw32 := func(v uint32) { binary.Write(&md, le, v) }
	mw32(0x424a5342)
	binary.Write(&md, le, uint16(1))
	binary.Write(&md, le, uint16(1))
	mw32(0)
	ver := []byte("v4.0.30319\x00\x00")
	mw32(uint32(len(ver)))
	md.Write(ver)
	binary.Write(&md, le, uint16(0))
	type stream struct {
		name string
		data []byte
	}
	streams := []stream{{"#~", t.Bytes()}, {"#Strings", strs.Bytes()}, {"#US", us}, {"#GUID", guid}, {"#Blob", blob}}
	binary.Write(&md, le, uint16(len(streams)))
	hdrLen := 0
	for _, st := range streams {
		hdrLen += 8 + len(st.name) + 4 - len(st.name)%4
	}
	off := uint32(md.Len() + hdrLen)
	for _, st := range streams {
		mw32(off)
		mw32(uint32(len(st.data)))
		md.WriteString(st.name)
		md.Write(make([]byte, 4-len(st.name)%4))
		off += uint32(len(st.data))
	}
	for _, st := range streams {
		md.Write(st.data)
	}
	// section: CLI header at 0x10, field data at 0x40, resources at 0x60,
	// metadata at 0x100
	const cliOff, resOff, mdOff = 0x10, 0x60, 0x100
	le.PutUint32(sec[cliOff:], 72)
	le.PutUint16(sec[cliOff+4:], 2)
	le.PutUint16(sec[cliOff+6:], 5)
	le.PutUint32(sec[cliOff+8:], secRVA+mdOff)
	le.PutUint32(sec[cliOff+12:], uint32(md.Len()))
	le.PutUint32(sec[cliOff+16:], 1)
	le.PutUint32(sec[cliOff+24:], secRVA+resOff)
	le.PutUint32(sec[cliOff+28:], 9)
	le.PutUint32(sec[resOff:], 5)
	copy(sec[resOff+4:], "hello")
	copy(sec[0x40:], "field data")
	copy(sec[mdOff:], md.Bytes())
	// headers
	h := make([]byte, secRaw)
	h[0], h[1] = 'M', 'Z'
	le.PutUint32(h[0x3c:], 0x80)
	copy(h[0x80:], "PE\x00\x00")
	fh := h[0x84:]
	le.PutUint16(fh[0:], 0x14c)
	le.PutUint16(fh[2:], 1)
	le.PutUint16(fh[16:], 224)
	ch := uint16(0x2102)
	if s.exe {
		ch = 0x0102
	}
	le.PutUint16(fh[18:], ch)
	opt := h[0x98:]
	le.PutUint16(opt[0:], 0x10b)
	le.PutUint32(opt[16:], secRVA) // entry point
	le.PutUint32(opt[28:], 0x400000)
	le.PutUint32(opt[32:], 0x1000)
	le.PutUint32(opt[36:], 0x200)
	le.PutUint32(opt[56:], secRVA+0x1000)
	le.PutUint32(opt[60:], secRaw)
	le.PutUint32(opt[92:], 16)
	if !s.noCOM {
		le.PutUint32(opt[96+14*8:], secRVA+cliOff)
		le.PutUint32(opt[96+14*8+4:], 72)
	}
	sh := h[0x98+224:]
	copy(sh, ".text")
	le.PutUint32(sh[8:], uint32(len(sec)))
	le.PutUint32(sh[12:], secRVA)
	le.PutUint32(sh[16:], uint32(len(sec)))
	le.PutUint32(sh[20:], secRaw)
	le.PutUint32(sh[36:], 0x60000020)
	out := append(h, sec...)
	if s.truncate > 0 && s.truncate < len(out) {
		out = out[:s.truncate]
	}
	return out
}

func dotnetSamples() map[string][]byte {
	return map[string][]byte{
		"dll":               buildDotnet(dotnetSpec{}),
		"dll_wide_strings":  buildDotnet(dotnetSpec{bigString: true}),
		"exe_jmp_stub":      buildDotnet(dotnetSpec{exe: true, jmpStub: true}),
		"exe_no_stub":       buildDotnet(dotnetSpec{exe: true}),
		"no_com_directory":  buildDotnet(dotnetSpec{noCOM: true}),
		"truncated_tables":  buildDotnet(dotnetSpec{truncate: 0x200 + 0x100 + 0x90}),
		"truncated_streams": buildDotnet(dotnetSpec{truncate: 0x200 + 0x100 + 0x30}),
		"not_pe":            []byte("MZ but not a PE file at all"),
	}
}

// TestDotnetModuleData compares the dotnet (and pe) module data with
// `yara -D` on synthetic assemblies, and checks rule conditions on its
// fields.
func TestDotnetModuleData(t *testing.T) {
	src := `import "dotnet"
rule is_dotnet { condition: dotnet.is_dotnet == 1 }
rule fields { condition: dotnet.version == "v4.0.30319" and dotnet.module_name == "test.dll" and
  dotnet.number_of_streams == 5 and dotnet.streams[1].name == "#Strings" and
  dotnet.guids[0] == "12345678-9abc-def0-0102-030405060708" and
  dotnet.assembly.name == "TestAsm" and dotnet.assembly.culture == "en-US" and dotnet.assembly.version.revision_number == 4 and
  dotnet.assembly_refs[0].name == "mscorlib" and dotnet.assembly_refs[0].public_key_or_token == "\xb7\x7a\x5c\x56\x19\x34\xe0\x89" and
  dotnet.number_of_resources == 1 and dotnet.resources[0].name == "res.bin" and dotnet.resources[0].length == 5 and
  dotnet.modulerefs[0] == "kernel32.dll" and dotnet.user_strings[1] == "V\x00i\x00g\x00i\x00e\x00" and
  dotnet.typelib == "12345678-9abc-def0-0102-030405060708" and dotnet.number_of_constants == 1 and
  dotnet.field_offsets[0] == 0x240 }
`
	rules, _, err := Compile([]Source{{Name: "d.yar", Data: []byte(src)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"dll":               "fields is_dotnet",
		"dll_wide_strings":  "fields is_dotnet",
		"exe_jmp_stub":      "fields is_dotnet",
		"truncated_tables":  "is_dotnet",
		"truncated_streams": "is_dotnet",
	}
	// -D of both modules: the pe module's data is compared on these PEs too
	compareModuleSamples(t, rules, src, dotnetSamples(), want, []string{"pe", "dotnet"})
}

// TestDotnetRealAssembly reads an assembly built by Mono's C# compiler
// (testdata/dotnet): rule conditions on the fields, and with yara
// installed the pe and dotnet module data against yara -D.
func TestDotnetRealAssembly(t *testing.T) {
	path := filepath.Join("testdata", "dotnet", "mcs_hello.exe")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src := `import "dotnet"
rule real { condition: dotnet.is_dotnet == 1 and dotnet.module_name == "t.exe" and dotnet.version == "v4.0.30319" and
  dotnet.typelib == "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" and dotnet.number_of_constants == 2 and
  dotnet.constants[1] == "d\x00e\x00u\x00x" and dotnet.modulerefs[1] == "user32.dll" and
  dotnet.resources[0].name == "res.txt" and dotnet.resources[0].length == 17 and
  dotnet.assembly.version.major == 1 and dotnet.assembly.version.revision_number == 4 and
  dotnet.assembly_refs[0].name == "mscorlib" and dotnet.number_of_user_strings == 2 and
  uint32(dotnet.resources[0].offset) == 0x6f736572 and dotnet.field_offsets[0] == 3072 }
`
	rules, _, err := Compile([]Source{{Name: "d.yar", Data: []byte(src)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := rules.ScanBytes(context.Background(), data, ScanOptions{})
	if err != nil || len(ms) != 1 {
		t.Fatalf("rule on the real assembly: %v %v", ms, err)
	}
	bin, err := exec.LookPath("yara")
	if err != nil {
		t.Skip("yara not installed: -D not compared")
	}
	rf := filepath.Join(t.TempDir(), "d.yar")
	os.WriteFile(rf, []byte("import \"pe\"\nimport \"dotnet\"\nrule r { condition: false }\n"), 0o644)
	out, err := exec.Command(bin, "-D", rf, path).Output()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rules.DumpModules(&b, data, []string{"pe", "dotnet"}); err != nil {
		t.Fatal(err)
	}
	if b.String() != string(out) {
		t.Errorf("-D differs from yara:\n%s", firstDiff(b.String(), string(out)))
	}
}

// TestDotnetMachoLazy: the dotnet and macho modules are parsed only when a
// condition reads them, and once per file.
func TestDotnetMachoLazy(t *testing.T) {
	data := buildDotnet(dotnetSpec{})
	lazy, _, err := Compile([]Source{{Name: "l.yar", Data: []byte(`import "dotnet"
import "macho"
rule a { condition: filesize > 10000000 and dotnet.is_dotnet == 1 and macho.magic == 0 }`)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := moduleBuilds.Load()
	if _, err := lazy.ScanBytes(context.Background(), data, ScanOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := moduleBuilds.Load() - before; n != 0 {
		t.Errorf("modules built %d times, want 0 (no condition read them)", n)
	}
	used, _, err := Compile([]Source{{Name: "u.yar", Data: []byte(`import "dotnet"
import "macho"
rule a { condition: dotnet.is_dotnet == 1 and dotnet.module_name == "test.dll" and not defined macho.magic }
rule b { condition: dotnet.number_of_streams == 5 and not defined macho.file_index_for_arch(7) }`)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before = moduleBuilds.Load()
	ms, err := used.ScanBytes(context.Background(), data, ScanOptions{})
	if err != nil || len(ms) != 2 {
		t.Fatalf("got %v %v", ms, err)
	}
	if n := moduleBuilds.Load() - before; n != 2 {
		t.Errorf("modules built %d times, want 2 (dotnet and macho once each)", n)
	}
}
