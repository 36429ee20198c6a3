package yara

import "github.com/vigie-project/vigie/internal/yara/elf"

// elfModule binds YARA's "elf" module identifiers to internal/yara/elf
// (mapping in its doc.go). Built once per file, on first use.
func elfModule(data []byte) *mstruct {
	m := newStruct()
	m.consts = elf.Constants
	f, err := elf.Parse(data)
	if err != nil || f == nil {
		return m
	}
	m.set("type", u(uint64(f.Type)))
	m.set("machine", u(uint64(f.Machine)))
	if f.HasEntryPoint { // undefined when e_entry is 0 or maps to no file byte
		m.set("entry_point", u(f.EntryPoint))
	}
	m.set("number_of_sections", u(uint64(f.NumberOfSections)))
	m.set("sh_offset", u(f.SHOffset))
	m.set("sh_entry_size", u(uint64(f.SHEntrySize)))
	m.set("number_of_segments", u(uint64(f.NumberOfSegments)))
	m.set("ph_offset", u(f.PHOffset))
	m.set("ph_entry_size", u(uint64(f.PHEntrySize)))
	m.set("sections", lazyVal(func() value {
		var out []value
		for _, s := range f.Sections {
			st := newStruct()
			st.set("type", u(uint64(s.Type)))
			st.set("flags", u(s.Flags))
			st.set("address", u(s.Address))
			st.set("size", u(s.Size))
			st.set("offset", u(s.Offset))
			if s.HasName {
				st.set("name", strVal(s.Name))
			}
			out = append(out, structVal(st))
		}
		return arrayVal(out)
	}))
	m.set("segments", lazyVal(func() value {
		var out []value
		for _, s := range f.Segments {
			st := newStruct()
			st.set("type", u(uint64(s.Type)))
			st.set("flags", u(uint64(s.Flags)))
			st.set("offset", u(s.Offset))
			st.set("virtual_address", u(s.VirtualAddress))
			st.set("physical_address", u(s.PhysicalAddress))
			st.set("file_size", u(s.FileSize))
			st.set("memory_size", u(s.MemorySize))
			st.set("alignment", u(s.Alignment))
			out = append(out, structVal(st))
		}
		return arrayVal(out)
	}))
	if f.HasDynamic {
		m.set("dynamic_section_entries", intVal(int64(len(f.Dynamic))))
		m.set("dynamic", lazyVal(func() value {
			var out []value
			for _, d := range f.Dynamic {
				st := newStruct()
				st.set("type", intVal(d.Type))
				st.set("val", u(d.Val))
				out = append(out, structVal(st))
			}
			return arrayVal(out)
		}))
	}
	syms := func(l []elf.Symbol) func() value {
		return func() value {
			var out []value
			for _, s := range l {
				st := newStruct()
				if s.HasName {
					st.set("name", strVal(s.Name))
				}
				st.set("value", u(s.Value))
				st.set("size", u(s.Size))
				st.set("type", u(uint64(s.Type)))
				st.set("bind", u(uint64(s.Bind)))
				st.set("shndx", u(uint64(s.Shndx)))
				out = append(out, structVal(st))
			}
			return arrayVal(out)
		}
	}
	if f.HasSymtab {
		m.set("symtab_entries", intVal(int64(len(f.Symtab))))
		m.set("symtab", lazyVal(syms(f.Symtab)))
	}
	if f.HasDynsym {
		m.set("dynsym_entries", intVal(int64(len(f.Dynsym))))
		m.set("dynsym", lazyVal(syms(f.Dynsym)))
	}
	return m
}
