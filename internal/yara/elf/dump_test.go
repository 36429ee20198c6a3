package elf

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

func yaraQuote(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c <= 0x7e {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "\\x%02x", c)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// dumpFlat renders f as sorted "elf.path = value" lines shaped like
// `yara -D` output.
func dumpFlat(f *File) []string {
	var out []string
	add := func(k string, v any) {
		if s, ok := v.(string); ok {
			out = append(out, fmt.Sprintf("elf.%s = %s", k, yaraQuote(s)))
			return
		}
		out = append(out, fmt.Sprintf("elf.%s = %d", k, v))
	}
	add("type", f.Type)
	add("machine", f.Machine)
	if f.HasEntryPoint {
		add("entry_point", f.EntryPoint)
	}
	add("number_of_sections", f.NumberOfSections)
	add("sh_offset", f.SHOffset)
	add("sh_entry_size", f.SHEntrySize)
	add("number_of_segments", f.NumberOfSegments)
	add("ph_offset", f.PHOffset)
	add("ph_entry_size", f.PHEntrySize)
	for i, s := range f.Sections {
		p := fmt.Sprintf("sections[%d].", i)
		add(p+"type", s.Type)
		add(p+"flags", int64(s.Flags))
		add(p+"address", int64(s.Address))
		add(p+"size", int64(s.Size))
		add(p+"offset", int64(s.Offset))
		if s.HasName {
			add(p+"name", s.Name)
		}
	}
	for i, s := range f.Segments {
		p := fmt.Sprintf("segments[%d].", i)
		add(p+"type", s.Type)
		add(p+"flags", s.Flags)
		add(p+"offset", int64(s.Offset))
		add(p+"virtual_address", int64(s.VirtualAddress))
		add(p+"physical_address", int64(s.PhysicalAddress))
		add(p+"file_size", int64(s.FileSize))
		add(p+"memory_size", int64(s.MemorySize))
		add(p+"alignment", int64(s.Alignment))
	}
	if f.HasDynamic {
		add("dynamic_section_entries", len(f.Dynamic))
	}
	for i, d := range f.Dynamic {
		add(fmt.Sprintf("dynamic[%d].type", i), d.Type)
		add(fmt.Sprintf("dynamic[%d].val", i), int64(d.Val))
	}
	for _, t := range []struct {
		name string
		has  bool
		syms []Symbol
	}{{"symtab", f.HasSymtab, f.Symtab}, {"dynsym", f.HasDynsym, f.Dynsym}} {
		if !t.has {
			continue
		}
		add(t.name+"_entries", len(t.syms))
		for i, s := range t.syms {
			p := fmt.Sprintf("%s[%d].", t.name, i)
			if s.HasName {
				add(p+"name", s.Name)
			}
			add(p+"value", int64(s.Value))
			add(p+"size", int64(s.Size))
			add(p+"type", s.Type)
			add(p+"bind", s.Bind)
			add(p+"shndx", s.Shndx)
		}
	}
	sort.Strings(out)
	return out
}

// TestDumpForOracle writes dumpFlat output for the files listed in
// $VIGIE_ELF_DUMP_LIST to $VIGIE_ELF_DUMP_OUT (comparison with `yara -D`).
func TestDumpForOracle(t *testing.T) {
	list, out := os.Getenv("VIGIE_ELF_DUMP_LIST"), os.Getenv("VIGIE_ELF_DUMP_OUT")
	if list == "" || out == "" {
		t.Skip("VIGIE_ELF_DUMP_LIST / VIGIE_ELF_DUMP_OUT not set")
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
		data, err := os.ReadFile(sc.Text())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "== %s\n", sc.Text())
		if f, err := Parse(data); err == nil {
			for _, l := range dumpFlat(f) {
				fmt.Fprintln(w, l)
			}
		}
	}
}
