package yara

import (
	"bytes"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestModuleDataMutants compares -D with yara on randomly corrupted
// copies of the sample files (a fixed seed, a few bytes changed in each):
// the parsers must take the same decisions as libyara on damaged input.
// Long runs of this test found the pe fixes in this commit's history
// (UTF-16 keys with a non-zero high byte, unknown machine types,
// entry_point -1).
func TestModuleDataMutants(t *testing.T) {
	bin, err := exec.LookPath("yara")
	if err != nil {
		t.Skip("yara is not installed: module data not compared")
	}
	real, err := os.ReadFile(filepath.Join("testdata", "dotnet", "mcs_hello.exe"))
	if err != nil {
		t.Fatal(err)
	}
	var machos [][]byte
	for _, d := range machoSamples() {
		if len(d) > 64 {
			machos = append(machos, d)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	elfData, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		mod   string
		seeds [][]byte
		lo    int // first byte mutated
	}{
		{"elf", [][]byte{elfData}, 0},
		{"pe", [][]byte{real, buildDotnet(dotnetSpec{})}, 0},
		{"dotnet", [][]byte{real, buildDotnet(dotnetSpec{bigString: true})}, 0x200},
		{"macho", machos, 0},
	}
	for _, c := range cases {
		t.Run(c.mod, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			src := "import \"" + c.mod + "\"\nrule r { condition: false }\n"
			rf := filepath.Join(dir, "d.yar")
			os.WriteFile(rf, []byte(src), 0o644)
			rules, _, err := Compile([]Source{{Name: "d.yar", Data: []byte(src)}}, CompileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewSource(7))
			for i := 0; i < 15; i++ {
				d := append([]byte(nil), c.seeds[i%len(c.seeds)]...)
				for k := 0; k < 1+rng.Intn(6); k++ {
					pos := c.lo + rng.Intn(min(len(d), 0x3000)-c.lo)
					d[pos] ^= byte(1 + rng.Intn(255))
				}
				df := filepath.Join(dir, "m.bin")
				os.WriteFile(df, d, 0o644)
				out, err := exec.Command(bin, "-D", rf, df).Output()
				if err != nil {
					t.Fatal(err)
				}
				var b bytes.Buffer
				rules.DumpModules(&b, d, []string{c.mod})
				if b.String() != string(out) {
					t.Errorf("mutant %d:\n%s", i, firstDiff(b.String(), string(out)))
				}
			}
		})
	}
}

// TestPEDamagedHeaders pins the pe module's decisions on three damaged
// files where Vigie used to differ from libyara 4.2.3.
func TestPEDamagedHeaders(t *testing.T) {
	real, err := os.ReadFile(filepath.Join("testdata", "dotnet", "mcs_hello.exe"))
	if err != nil {
		t.Fatal(err)
	}
	// a StringFileInfo key whose 'l' has a non-zero high byte is not
	// "StringFileInfo" for libyara's strcmp_w: no version info
	badKey := append([]byte(nil), real...)
	i := bytes.Index(badKey, []byte("S\x00t\x00r\x00i\x00n\x00g\x00F\x00i\x00l\x00e\x00I\x00"))
	if i < 0 {
		t.Fatal("no StringFileInfo in the sample")
	}
	badKey[i+17] = 0x68
	// an entry point outside every section: pe_rva_to_offset's -1
	badEP := append([]byte(nil), real...)
	lfanew := int(badEP[0x3c]) | int(badEP[0x3d])<<8
	copy(badEP[lfanew+24+16:], []byte{0, 0, 0x90, 0})
	// an unknown machine type is still a PE
	badMachine := append([]byte(nil), real...)
	badMachine[lfanew+4], badMachine[lfanew+5] = 0x4c, 0x21
	rules, _, err := Compile([]Source{{Name: "p.yar", Data: []byte(`import "pe"
rule version_info { condition: pe.number_of_version_infos > 0 }
rule ep_minus_one { condition: pe.entry_point == -1 and defined entrypoint }
rule unknown_machine { condition: pe.is_pe == 1 and pe.machine == 0x214c and pe.number_of_sections > 0 }
`)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"intact", real, "version_info"},
		{"bad key", badKey, ""},
		{"bad entry point", badEP, "version_info ep_minus_one"},
		{"unknown machine", badMachine, "version_info unknown_machine"},
	} {
		ms, err := rules.ScanBytes(t.Context(), c.data, ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range ms {
			got = append(got, m.Rule)
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%s: matched %q, want %q", c.name, g, c.want)
		}
	}
}

// TestELFUnmappedEntryPoint: elf.entry_point is undefined when e_entry maps
// to no byte of the file, as in libyara.
func TestELFUnmappedEntryPoint(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	d, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if string(d[:4]) != "\x7fELF" || d[4] != 2 {
		t.Skip("the test binary is not a 64-bit ELF")
	}
	copy(d[24:32], []byte{0, 0, 0xad, 0xde, 0, 0, 0, 0}) // e_entry = 0xdead0000
	rules, _, err := Compile([]Source{{Name: "e.yar", Data: []byte(`import "elf"
rule unmapped { condition: elf.type > 0 and not defined elf.entry_point }`)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := rules.ScanBytes(t.Context(), d, ScanOptions{})
	if err != nil || len(ms) != 1 {
		t.Errorf("unmapped e_entry: matches %v, %v; want elf.entry_point undefined", ms, err)
	}
}
