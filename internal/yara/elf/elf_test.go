package elf

import (
	"encoding/binary"
	"errors"
	"testing"
)

// buildELF makes a small ELF: a PT_LOAD and a PT_DYNAMIC segment, sections
// NULL, .text, .dynamic, .symtab, .strtab, .shstrtab, and two symbols.
func buildELF(is64, bigEndian bool, typ uint16) []byte {
	var bo binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		bo = binary.BigEndian
	}
	b := make([]byte, 0x1000)
	put16 := func(o int, v uint16) { bo.PutUint16(b[o:], v) }
	put32 := func(o int, v uint32) { bo.PutUint32(b[o:], v) }
	putW := func(o int, v uint64) {
		if is64 {
			bo.PutUint64(b[o:], v)
		} else {
			bo.PutUint32(b[o:], uint32(v))
		}
	}
	copy(b, "\x7fELF")
	b[4] = 1
	if is64 {
		b[4] = 2
	}
	b[5] = 1
	if bigEndian {
		b[5] = 2
	}
	b[6] = 1
	const (
		phoff   = 0x100
		textOff = 0x400
		dynOff  = 0x500
		symOff  = 0x600
		strOff  = 0x700
		shsOff  = 0x780
		shoff   = 0x800
		base    = 0x400000
	)
	phes, shes, syes, dynes := 32, 40, 16, 8
	if is64 {
		phes, shes, syes, dynes = 56, 64, 24, 16
	}
	put16(16, typ)
	put16(18, 62)
	if is64 {
		putW(24, base+textOff+4)
		putW(32, phoff)
		putW(40, shoff)
		put16(54, uint16(phes))
		put16(56, 2)
		put16(58, uint16(shes))
		put16(60, 6)
		put16(62, 5)
	} else {
		putW(24, base+textOff+4)
		putW(28, phoff)
		putW(32, shoff)
		put16(42, uint16(phes))
		put16(44, 2)
		put16(46, uint16(shes))
		put16(48, 6)
		put16(50, 5)
	}
	seg := func(i int, typ, flags uint32, off, vaddr, size uint64) {
		o := phoff + i*phes
		put32(o, typ)
		if is64 {
			put32(o+4, flags)
			putW(o+8, off)
			putW(o+16, vaddr)
			putW(o+24, vaddr)
			putW(o+32, size)
			putW(o+40, size)
			putW(o+48, 0x1000)
		} else {
			putW(o+4, off)
			putW(o+8, vaddr)
			putW(o+12, vaddr)
			putW(o+16, size)
			putW(o+20, size)
			put32(o+24, flags)
			putW(o+28, 0x1000)
		}
	}
	seg(0, 1, 5, 0, base, 0x1000)
	seg(1, 2, 6, dynOff, base+dynOff, uint64(3*dynes))
	dyn := func(i int, tag int64, val uint64) {
		o := dynOff + i*dynes
		if is64 {
			bo.PutUint64(b[o:], uint64(tag))
			bo.PutUint64(b[o+8:], val)
		} else {
			bo.PutUint32(b[o:], uint32(tag))
			bo.PutUint32(b[o+4:], uint32(val))
		}
	}
	dyn(0, 1, 1)  // DT_NEEDED
	dyn(1, 30, 8) // DT_FLAGS
	dyn(2, 0, 0)  // DT_NULL
	copy(b[strOff:], "\x00main\x00helper\x00")
	copy(b[shsOff:], "\x00.text\x00.dynamic\x00.symtab\x00.strtab\x00.shstrtab\x00")
	sym := func(i int, name uint32, value, size uint64, info byte, shndx uint16) {
		o := symOff + i*syes
		put32(o, name)
		if is64 {
			b[o+4] = info
			put16(o+6, shndx)
			putW(o+8, value)
			putW(o+16, size)
		} else {
			putW(o+4, value)
			putW(o+8, size)
			b[o+12] = info
			put16(o+14, shndx)
		}
	}
	sym(1, 1, base+textOff+4, 16, 0x12, 1) // GLOBAL FUNC main
	sym(2, 6, base+textOff+20, 8, 0x02, 1) // LOCAL FUNC helper
	sec := func(i int, name, typ uint32, flags, addr, off, size uint64, link uint32) {
		o := shoff + i*shes
		put32(o, name)
		put32(o+4, typ)
		if is64 {
			putW(o+8, flags)
			putW(o+16, addr)
			putW(o+24, off)
			putW(o+32, size)
			put32(o+40, link)
		} else {
			putW(o+8, flags)
			putW(o+12, addr)
			putW(o+16, off)
			putW(o+20, size)
			put32(o+24, link)
		}
	}
	sec(1, 1, 1, 6, base+textOff, textOff, 0x40, 0)
	sec(2, 7, 6, 3, base+dynOff, dynOff, uint64(3*dynes), 4)
	sec(3, 16, 2, 0, 0, symOff, uint64(3*syes), 4)
	sec(4, 24, 3, 0, 0, strOff, 13, 0)
	sec(5, 32, 3, 0, 0, shsOff, 42, 0)
	return b
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name      string
		is64, big bool
		typ       uint16
	}{
		{"32le exec", false, false, 2},
		{"32be exec", false, true, 2},
		{"64le exec", true, false, 2},
		{"64be dyn", true, true, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse(buildELF(c.is64, c.big, c.typ))
			if err != nil {
				t.Fatal(err)
			}
			if f.Is64Bit() != c.is64 || f.Type != c.typ || f.Machine != 62 || f.Flags != 0 {
				t.Fatalf("header %+v", f)
			}
			if !f.HasEntryPoint || f.EntryPoint != 0x404 {
				t.Errorf("entry point %d (has %v), want 0x404", f.EntryPoint, f.HasEntryPoint)
			}
			if f.NumberOfSections != 6 || len(f.Sections) != 6 || f.Sections[1].Name != ".text" || f.Sections[5].Name != ".shstrtab" || f.Sections[2].Type != 6 {
				t.Errorf("sections %+v", f.Sections)
			}
			if f.NumberOfSegments != 2 || f.Segments[0].Type != 1 || f.Segments[0].Flags != 5 || f.Segments[1].Offset != 0x500 || f.Segments[0].Alignment != 0x1000 {
				t.Errorf("segments %+v", f.Segments)
			}
			if !f.HasDynamic || len(f.Dynamic) != 3 || f.Dynamic[1].Type != 30 || f.Dynamic[1].Val != 8 || f.Dynamic[2].Type != 0 {
				t.Errorf("dynamic %+v", f.Dynamic)
			}
			if !f.HasSymtab || len(f.Symtab) != 3 || f.Symtab[1].Name != "main" || f.Symtab[1].Bind != 1 || f.Symtab[1].Type != 2 || f.Symtab[2].Name != "helper" || f.Symtab[2].Size != 8 || f.Symtab[1].Shndx != 1 {
				t.Errorf("symtab %+v", f.Symtab)
			}
			if f.HasDynsym {
				t.Error("unexpected dynsym")
			}
		})
	}
}

func TestNotELF(t *testing.T) {
	good := buildELF(true, false, 2)
	for _, d := range [][]byte{nil, []byte("MZ\x90\x00"), good[:40], append([]byte("\x7fELF\x05"), make([]byte, 80)...)} {
		if f, err := Parse(d); f != nil || !errors.Is(err, ErrNotELF) {
			t.Errorf("Parse(%q...) = %v, %v", d[:min(len(d), 8)], f, err)
		}
	}
}

func TestTruncated(t *testing.T) {
	data := buildELF(false, true, 2)
	for n := 52; n <= len(data); n += 5 {
		f, err := Parse(data[:n])
		if err != nil {
			t.Fatalf("prefix %d: %v", n, err)
		}
		if n < 0x800+6*40 && (len(f.Sections) != 0 || f.Flags&FlagBadSectionTable == 0) {
			t.Fatalf("prefix %d: section table should be flagged unreadable", n)
		}
	}
}

func TestConstants(t *testing.T) {
	for k, v := range map[string]int64{"ET_EXEC": 2, "SHT_SYMTAB": 2, "PT_LOAD": 1, "EM_X86_64": 62, "DT_NEEDED": 1, "STB_GLOBAL": 1, "SHF_EXECINSTR": 4, "PF_X": 1} {
		if Constants[k] != v {
			t.Errorf("Constants[%s] = %d, want %d", k, Constants[k], v)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(buildELF(false, false, 2))
	f.Add(buildELF(true, true, 3))
	f.Add(buildELF(true, false, 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		ef, err := Parse(data)
		if (ef == nil) == (err == nil) {
			t.Fatalf("Parse returned %v, %v", ef, err)
		}
		if ef != nil && (len(ef.Symtab) > MaxSymbols || len(ef.Dynsym) > MaxSymbols || len(ef.Dynamic) > MaxDynamic) {
			t.Fatal("limits exceeded")
		}
	})
}

func BenchmarkParse(b *testing.B) {
	data := buildELF(true, false, 3)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
