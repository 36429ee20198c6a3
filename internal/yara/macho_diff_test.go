package yara

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// machoSpec describes a synthetic Mach-O file for the macho tests.
type machoSpec struct {
	is64, big  bool
	cputype    uint32
	segments   []machoSeg
	main       bool   // LC_MAIN with entryoff 0x1f00, stacksize 0x8000
	threadPC   uint64 // LC_UNIXTHREAD with this program counter (0: none)
	shortSeg   bool   // a final LC_SEGMENT too short for its structure
	extraBytes int    // bytes after the load commands
}

type machoSeg struct {
	name                  string
	vmaddr, vmsize, fileo uint64
	sections              []string
}

// buildMachO lays out a header and load commands in the spec's byte order.
func buildMachO(s machoSpec) []byte {
	var bo binary.ByteOrder = binary.LittleEndian
	if s.big {
		bo = binary.BigEndian
	}
	var cmds bytes.Buffer
	ncmds := 0
	u32 := func(b *bytes.Buffer, v uint32) { var x [4]byte; bo.PutUint32(x[:], v); b.Write(x[:]) }
	u64 := func(b *bytes.Buffer, v uint64) { var x [8]byte; bo.PutUint64(x[:], v); b.Write(x[:]) }
	name16 := func(b *bytes.Buffer, n string) { var x [16]byte; copy(x[:], n); b.Write(x[:]) }
	for _, sg := range s.segments {
		var c bytes.Buffer
		if s.is64 {
			u32(&c, 0x19)
			u32(&c, uint32(72+80*len(sg.sections)))
			name16(&c, sg.name)
			u64(&c, sg.vmaddr)
			u64(&c, sg.vmsize)
			u64(&c, sg.fileo)
			u64(&c, sg.vmsize/2)
			u32(&c, 7)
			u32(&c, 5)
			u32(&c, uint32(len(sg.sections)))
			u32(&c, 0)
			for i, sec := range sg.sections {
				name16(&c, sec)
				name16(&c, sg.name)
				u64(&c, sg.vmaddr+uint64(i)*0x100)
				u64(&c, 0x80)
				u32(&c, uint32(sg.fileo)+uint32(i)*0x100)
				u32(&c, 4)
				u32(&c, 0)
				u32(&c, 0)
				u32(&c, 0x80000400)
				u32(&c, 1)
				u32(&c, 2)
				u32(&c, 3)
			}
		} else {
			u32(&c, 0x1)
			u32(&c, uint32(56+68*len(sg.sections)))
			name16(&c, sg.name)
			u32(&c, uint32(sg.vmaddr))
			u32(&c, uint32(sg.vmsize))
			u32(&c, uint32(sg.fileo))
			u32(&c, uint32(sg.vmsize/2))
			u32(&c, 7)
			u32(&c, 5)
			u32(&c, uint32(len(sg.sections)))
			u32(&c, 0)
			for i, sec := range sg.sections {
				name16(&c, sec)
				name16(&c, sg.name)
				u32(&c, uint32(sg.vmaddr)+uint32(i)*0x100)
				u32(&c, 0x80)
				u32(&c, uint32(sg.fileo)+uint32(i)*0x100)
				u32(&c, 2)
				u32(&c, 0)
				u32(&c, 0)
				u32(&c, 0x400)
				u32(&c, 1)
				u32(&c, 2)
			}
		}
		cmds.Write(c.Bytes())
		ncmds++
	}
	if s.main {
		u32(&cmds, 0x80000028)
		u32(&cmds, 24)
		u64(&cmds, 0x1f00)
		u64(&cmds, 0x8000)
		ncmds++
	}
	if s.threadPC != 0 {
		var st []byte
		switch s.cputype {
		case 0x01000007: // x86_64: rip at 128 of 168
			st = make([]byte, 168)
			bo.PutUint64(st[128:], s.threadPC)
		case 0x7: // i386: eip at 40 of 64
			st = make([]byte, 64)
			bo.PutUint32(st[40:], uint32(s.threadPC))
		case 0x12: // ppc: srr0 at 0 of 160
			st = make([]byte, 160)
			bo.PutUint32(st[0:], uint32(s.threadPC))
		case 0x0100000c: // arm64: pc at 256 of 272
			st = make([]byte, 272)
			bo.PutUint64(st[256:], s.threadPC)
		}
		u32(&cmds, 0x5)
		u32(&cmds, uint32(16+len(st)))
		u32(&cmds, 1)
		u32(&cmds, uint32(len(st)/4))
		cmds.Write(st)
		ncmds++
	}
	if s.shortSeg {
		u32(&cmds, 0x1)
		u32(&cmds, 8)
		ncmds++
	}
	var out bytes.Buffer
	magic := uint32(0xfeedface)
	if s.is64 {
		magic = 0xfeedfacf
	}
	u32(&out, magic)
	u32(&out, s.cputype)
	u32(&out, 3)
	u32(&out, 2) // MH_EXECUTE
	u32(&out, uint32(ncmds))
	u32(&out, uint32(cmds.Len()))
	u32(&out, 0x00200085)
	if s.is64 {
		u32(&out, 0)
	}
	out.Write(cmds.Bytes())
	out.Write(make([]byte, s.extraBytes))
	return out.Bytes()
}

// buildFat wraps slices in a fat header (32- or 64-bit fat_arch table);
// a slice with offset past the end tests the bounds check.
func buildFat(fat64 bool, slices [][]byte, cputypes []uint32, badLast bool) []byte {
	be := binary.BigEndian
	asz := 20
	magic := uint32(0xcafebabe)
	if fat64 {
		asz, magic = 32, 0xcafebabf
	}
	hdr := make([]byte, 8+asz*len(slices))
	be.PutUint32(hdr, magic)
	be.PutUint32(hdr[4:], uint32(len(slices)))
	out := append([]byte{}, hdr...)
	for i, sl := range slices {
		for len(out)%0x1000 != 0 {
			out = append(out, 0)
		}
		off, size := uint64(len(out)), uint64(len(sl))
		if badLast && i == len(slices)-1 {
			size += 0x10000
		}
		a := hdr[8+i*asz:]
		be.PutUint32(a, cputypes[i])
		be.PutUint32(a[4:], 3)
		if fat64 {
			be.PutUint64(a[8:], off)
			be.PutUint64(a[16:], size)
			be.PutUint32(a[24:], 12)
		} else {
			be.PutUint32(a[8:], uint32(off))
			be.PutUint32(a[12:], uint32(size))
			be.PutUint32(a[16:], 12)
		}
		out = append(out, sl...)
	}
	copy(out, hdr)
	return out
}

func machoSamples() map[string][]byte {
	x64 := machoSpec{is64: true, cputype: 0x01000007, main: true, segments: []machoSeg{
		{"__PAGEZERO", 0, 0x100000000, 0, nil},
		{"__TEXT", 0x100000000, 0x4000, 0, []string{"__text", "__cstring"}},
		{"__LINKEDIT", 0x100004000, 0x1000, 0x4000, nil},
	}, extraBytes: 0x300}
	i386 := machoSpec{cputype: 0x7, threadPC: 0x1f40, segments: []machoSeg{
		{"__PAGEZERO", 0, 0x1000, 0, nil},
		{"__TEXT", 0x1000, 0x2000, 0, []string{"__text"}},
	}, shortSeg: true}
	ppc := machoSpec{big: true, cputype: 0x12, threadPC: 0x2010, segments: []machoSeg{
		{"__TEXT", 0x2000, 0x1000, 0, []string{"__text", "__const"}},
	}}
	arm64 := machoSpec{is64: true, cputype: 0x0100000c, threadPC: 0x100000f00, segments: []machoSeg{
		{"__TEXT", 0x100000000, 0x2000, 0, []string{"__text"}},
	}}
	return map[string][]byte{
		"x86_64_main":      buildMachO(x64),
		"i386_unixthread":  buildMachO(i386),
		"ppc_big_endian":   buildMachO(ppc),
		"fat32":            buildFat(false, [][]byte{buildMachO(x64), buildMachO(arm64)}, []uint32{0x01000007, 0x0100000c}, false),
		"fat64_bad_slice":  buildFat(true, [][]byte{buildMachO(arm64), buildMachO(i386)}, []uint32{0x0100000c, 0x7}, true),
		"fat_short_slice":  buildFat(false, [][]byte{[]byte("\xcf\xfa\xed\xfe short")}, []uint32{0x01000007}, false),
		"truncated_header": buildMachO(x64)[:20],
		"not_macho":        []byte("plain text, not a Mach-O file"),
	}
}

// TestMachoModuleData compares the macho module's data with `yara -D`
// on synthetic thin, big-endian and fat files, and checks the functions.
func TestMachoModuleData(t *testing.T) {
	src := `import "macho"
rule fat_x64 { condition: macho.file_index_for_arch(macho.CPU_TYPE_X86_64) == 0 }
rule fat_arm64 { condition: macho.file_index_for_arch(macho.CPU_TYPE_ARM64, 3) == 1 }
rule ep_arm64 { condition: macho.entry_point_for_arch(macho.CPU_TYPE_ARM64) == 0x2f00 }
rule ep_x64 { condition: macho.entry_point_for_arch(macho.CPU_TYPE_X86_64, 3) == 0x1000 + 0x1f00 }
rule thin_main { condition: macho.entry_point == 0x1f00 and macho.stack_size == 0x8000 and macho.segments[1].sections[1].sectname == "__cstring" }
rule thin_thread { condition: macho.entry_point == 0xf40 and macho.number_of_segments == 3 and not defined macho.segments[2].segname }
rule big_endian { condition: macho.magic == macho.MH_CIGAM and macho.cputype == macho.CPU_TYPE_POWERPC and macho.entry_point == 0x10 }
`
	rules, _, err := Compile([]Source{{Name: "m.yar", Data: []byte(src)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"x86_64_main":     "thin_main",
		"i386_unixthread": "thin_thread",
		"ppc_big_endian":  "big_endian",
		"fat32":           "ep_arm64 ep_x64 fat_arm64 fat_x64",
	}
	compareModuleSamples(t, rules, src, machoSamples(), want, []string{"macho"})
}

// compareModuleSamples scans each sample with rules (compiled from src)
// and checks the rules that match against want; with yara installed it
// also checks that yara matches the same rules and that -D prints the
// data of modules exactly as yara -D does.
func compareModuleSamples(t *testing.T, rules *Rules, src string, samples map[string][]byte, want map[string]string, modules []string) {
	t.Helper()
	bin, _ := exec.LookPath("yara")
	dir := t.TempDir()
	rf := filepath.Join(dir, "d.yar")
	var imports strings.Builder
	for _, m := range modules {
		imports.WriteString("import \"" + m + "\"\n")
	}
	os.WriteFile(rf, []byte(imports.String()+"rule r { condition: false }\n"), 0o644)
	for name, data := range samples {
		ms, err := rules.ScanBytes(context.Background(), data, ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range ms {
			got = append(got, m.Rule)
		}
		sort.Strings(got)
		if g := strings.Join(got, " "); g != want[name] {
			t.Errorf("%s: matched %q, want %q", name, g, want[name])
		}
		if bin == "" {
			continue
		}
		df := filepath.Join(dir, name)
		os.WriteFile(df, data, 0o644)
		out, err := exec.Command(bin, "-D", rf, df).Output()
		if err != nil {
			t.Fatalf("yara -D: %v", err)
		}
		var b bytes.Buffer
		if err := rules.DumpModules(&b, data, modules); err != nil {
			t.Fatal(err)
		}
		if b.String() != string(out) {
			t.Errorf("%s: -D differs from yara:\n%s", name, firstDiff(b.String(), string(out)))
		}
		if y, ok := yaraMatches(t, bin, src, data); ok && y != want[name] {
			t.Errorf("%s: yara matched %q, want %q", name, y, want[name])
		}
	}
	if bin == "" {
		t.Log("yara not installed: -D not compared")
	}
}

// firstDiff shows the first lines where got (vigie) and want (yara) differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var b strings.Builder
	n := 0
	for i := 0; i < max(len(g), len(w)) && n < 6; i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n- " + gl + "\n+ " + wl + "\n")
			n++
		}
	}
	return b.String()
}
