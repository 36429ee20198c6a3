// Package elf reads ELF files the way libyara 4.2's "elf" module does, for
// the YARA-compatible engine in internal/yara.
//
// Parse works on a []byte, 32- and 64-bit, little- and big-endian, and is
// written for hostile input: every read is bounds-checked, tables are
// capped (MaxSections, MaxSegments, MaxSymbols, MaxDynamic), and a
// malformed file yields a partially filled *File (see File.Flags), never a
// panic. Nothing is parsed lazily: the whole parse is a few table walks.
//
// # YARA identifier → Go API (libyara 4.2 "elf" module)
//
//	elf.type                      f.Type
//	elf.machine                   f.Machine
//	elf.entry_point               f.EntryPoint (file offset; undefined when !f.HasEntryPoint:
//	                              e_entry is 0 or maps to no segment (ET_EXEC) / section (other types))
//	elf.number_of_sections        f.NumberOfSections (header e_shnum)
//	elf.sh_offset                 f.SHOffset
//	elf.sh_entry_size             f.SHEntrySize
//	elf.number_of_segments        f.NumberOfSegments (header e_phnum)
//	elf.ph_offset                 f.PHOffset
//	elf.ph_entry_size             f.PHEntrySize
//	elf.sections[i].type/.flags/.address/.size/.offset/.name
//	                              f.Sections[i].Type/.Flags/.Address/.Size/.Offset/.Name (name undefined when !HasName)
//	elf.segments[i].type/.flags/.offset/.virtual_address/.physical_address/.file_size/.memory_size/.alignment
//	                              f.Segments[i].<same names>
//	elf.dynamic_section_entries   len(f.Dynamic) (undefined when !f.HasDynamic)
//	elf.dynamic[i].type/.val      f.Dynamic[i].Type / .Val
//	elf.symtab_entries            len(f.Symtab) (undefined when !f.HasSymtab)
//	elf.symtab[i].name/.value/.size/.type/.bind/.shndx
//	                              f.Symtab[i].Name (undefined when !HasName) / .Value / .Size / .Type / .Bind / .Shndx
//	elf.dynsym_entries, elf.dynsym[i].*   f.Dynsym (same shape; HasDynsym)
//	constants (elf.ET_EXEC, elf.SHT_*, elf.PT_*, ...)   Constants map[string]int64
//
// Not implemented: elf.telfhash() and elf.import_md5() (added after libyara
// 4.2), process-memory scanning semantics.
package elf
