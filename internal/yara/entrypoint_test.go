package yara

import (
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestLegacyEntryPoint checks the deprecated "entrypoint" keyword against
// yara 4.2.3 on PE and ELF files and on copies with damaged headers:
// yara must find entrypoint equal to the value Vigie computes (or both
// undefined).
func TestLegacyEntryPoint(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	elfData, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	real, err := os.ReadFile(filepath.Join("testdata", "dotnet", "mcs_hello.exe"))
	if err != nil {
		t.Fatal(err)
	}
	samples := [][]byte{real, buildDotnet(dotnetSpec{}), elfData[:min(len(elfData), 1<<20)], []byte("neither PE nor ELF")}
	// damaged copies: header bytes changed (entry point, section and
	// program header fields, machine, type)
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 12; i++ {
		base := samples[i%2*2]
		d := append([]byte(nil), base[:min(len(base), 1<<20)]...)
		for k := 0; k < 1+rng.Intn(3); k++ {
			d[rng.Intn(0x400)] ^= byte(1 + rng.Intn(255))
		}
		samples = append(samples, d)
	}
	// expectations without yara: the ELF entry point maps into the file,
	// the text is undefined
	if v, ok := legacyEntryPoint(elfData); !ok || v == 0 || v >= uint64(len(elfData)) {
		t.Errorf("ELF test binary: entrypoint %d, %v", v, ok)
	}
	if _, ok := legacyEntryPoint([]byte("neither PE nor ELF")); ok {
		t.Error("text: entrypoint defined")
	}
	bin, err := exec.LookPath("yara")
	if err != nil {
		t.Skip("yara is not installed: entrypoint not compared")
	}
	dir := t.TempDir()
	for i, d := range samples {
		v, ok := legacyEntryPoint(d)
		rule := "rule same { condition: not defined entrypoint }\n"
		if ok {
			rule = "rule same { condition: entrypoint == " + strconv.FormatUint(v, 10) + " }\n"
		}
		rf := filepath.Join(dir, "e.yar")
		os.WriteFile(rf, []byte(rule), 0o644)
		df := filepath.Join(dir, "d.bin")
		os.WriteFile(df, d, 0o644)
		out, err := exec.Command(bin, "-w", rf, df).Output()
		if err != nil {
			t.Fatal(err)
		}
		if len(out) == 0 {
			t.Errorf("sample %d: yara disagrees with entrypoint = %d (defined %v)", i, v, ok)
		}
	}
}
