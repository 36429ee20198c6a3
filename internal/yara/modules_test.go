package yara

import (
	"context"
	"encoding/binary"
	"os"
	"testing"
)

// tinyPE builds a minimal 32-bit PE DLL with one .text section and the
// entry point at its start (file offset 0x200).
func tinyPE() []byte {
	b := make([]byte, 0x400)
	copy(b, "MZ")
	le := binary.LittleEndian
	le.PutUint32(b[0x3c:], 0x40)
	copy(b[0x40:], "PE\x00\x00")
	c := b[0x44:]
	le.PutUint16(c[0:], 0x14c)      // machine
	le.PutUint16(c[2:], 1)          // sections
	le.PutUint32(c[4:], 0x5f000000) // timestamp
	le.PutUint16(c[16:], 0xe0)      // optional header size
	le.PutUint16(c[18:], 0x2102)    // DLL | 32BIT | EXECUTABLE
	o := b[0x58:]
	le.PutUint16(o[0:], 0x10b)
	le.PutUint32(o[16:], 0x1000) // entry point RVA
	le.PutUint32(o[28:], 0x400000)
	le.PutUint32(o[32:], 0x1000)
	le.PutUint32(o[36:], 0x200)
	le.PutUint32(o[56:], 0x2000)
	le.PutUint32(o[60:], 0x200)
	le.PutUint16(o[68:], 3) // console
	le.PutUint32(o[92:], 16)
	s := b[0x138:]
	copy(s, ".text")
	le.PutUint32(s[8:], 0x100)
	le.PutUint32(s[12:], 0x1000)
	le.PutUint32(s[16:], 0x200)
	le.PutUint32(s[20:], 0x200)
	le.PutUint32(s[36:], 0x60000020)
	copy(b[0x200:], "\x55\x8b\xec")
	return b
}

func TestPEModule(t *testing.T) {
	r := compileOne(t, `import "pe"
rule hdr { condition: pe.is_pe == 1 and pe.machine == pe.MACHINE_I386 and pe.number_of_sections == 1 and pe.timestamp == 0x5f000000 }
rule dll { condition: pe.is_dll() and pe.is_32bit() and not pe.is_64bit() }
rule ep { condition: pe.entry_point == 0x200 and entrypoint == 0x200 and uint8(pe.entry_point) == 0x55 }
rule sec { condition: pe.sections[0].name == ".text" and pe.section_index(".text") == 0 and pe.sections[0].raw_data_offset == 0x200 }
rule loop { condition: for any s in pe.sections : ( s.virtual_address == 0x1000 ) }
rule sub { condition: pe.subsystem == pe.SUBSYSTEM_WINDOWS_CUI and pe.image_base == 0x400000 }
rule rva { condition: pe.rva_to_offset(0x1010) == 0x210 }
rule noimp { condition: pe.number_of_imports == 0 and not pe.imports("kernel32.dll", "ExitProcess") }
rule undefrich { condition: not defined pe.rich_signature.key }`)
	ms, err := r.ScanBytes(context.Background(), tinyPE(), ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "dll ep hdr loop noimp rva sec sub undefrich"
	if got := matchNames(ms); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestELFModule reads the test binary itself when it is an ELF file.
func TestELFModule(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil || len(data) < 4 || string(data[:4]) != "\x7fELF" {
		t.Skip("test binary is not ELF")
	}
	r := compileOne(t, `import "elf"
rule typ { condition: elf.type == elf.ET_EXEC or elf.type == elf.ET_DYN }
rule secs { condition: elf.number_of_sections > 5 and for any s in elf.sections : ( s.name == ".text" ) }
rule segs { condition: for any s in elf.segments : ( s.type == elf.PT_LOAD ) }
rule ep { condition: elf.entry_point > 0 and elf.entry_point < filesize }
`)
	ms, err := r.ScanBytes(context.Background(), data, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := matchNames(ms); got != "ep secs segs typ" {
		t.Errorf("got %q", got)
	}
}

// TestModuleLazy checks that a module is built only when an evaluated
// rule reads it, and once per file.
func TestModuleLazy(t *testing.T) {
	r := compileOne(t, `import "pe"
rule a { strings: $a = "zzz" condition: $a and pe.is_pe == 1 }
rule b { condition: filesize > 10000000 and pe.is_pe == 1 }`)
	before := moduleBuilds.Load()
	if _, err := r.ScanBytes(context.Background(), tinyPE(), ScanOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := moduleBuilds.Load() - before; n != 0 {
		t.Errorf("pe built %d times, want 0 (no rule needed it)", n)
	}
	r = compileOne(t, `import "pe"
rule a { condition: pe.is_pe == 1 }
rule b { condition: pe.number_of_sections == 1 and pe.is_dll() }`)
	before = moduleBuilds.Load()
	ms, err := r.ScanBytes(context.Background(), tinyPE(), ScanOptions{})
	if err != nil || matchNames(ms) != "a b" {
		t.Fatalf("got %v %v", ms, err)
	}
	if n := moduleBuilds.Load() - before; n != 1 {
		t.Errorf("pe built %d times, want 1", n)
	}
}
