package yara

import "github.com/vigie-project/vigie/internal/yara/macho"

// machoModule binds YARA's "macho" module identifiers to
// internal/yara/macho (the fields of libyara 4.2.3). Built once per file,
// on first use; segments and fat files are built when first read.
func machoModule(data []byte) *mstruct {
	m := newStruct()
	m.consts = macho.Constants
	b := macho.Parse(data)
	if b != nil && b.Thin != nil {
		setMachoFile(m, b.Thin)
	}
	var fat *macho.Fat
	if b != nil && b.Fat != nil {
		fat = b.Fat
		m.set("fat_magic", u(uint64(fat.Magic)))
		m.set("nfat_arch", u(uint64(fat.NFatArch)))
		if fat.Archs != nil {
			m.set("fat_arch", lazyVal(func() value {
				out := make([]value, len(fat.Archs))
				for i, a := range fat.Archs {
					st := newStruct()
					st.set("cputype", u(uint64(a.CPUType)))
					st.set("cpusubtype", u(uint64(a.CPUSubtype)))
					st.set("offset", u(a.Offset))
					st.set("size", u(a.Size))
					st.set("align", u(uint64(a.Align)))
					out[i] = structVal(st)
				}
				return arrayVal(out)
			}))
			m.set("file", lazyVal(func() value {
				out := make([]value, len(fat.Files))
				for i, f := range fat.Files {
					if f == nil {
						continue
					}
					st := newStruct()
					setMachoFile(st, f)
					out[i] = structVal(st)
				}
				return arrayVal(out)
			}))
		}
	}
	// file_index_for_arch(cputype[, cpusubtype]) and
	// entry_point_for_arch(cputype[, cpusubtype]), as libyara computes
	// them (the entry point is the slice's offset plus the entry point
	// inside the slice, with libyara's integer arithmetic).
	archMatch := func(args []value, typ, sub uint32) bool {
		if args[0].i != int64(typ) {
			return false
		}
		return len(args) == 1 || args[1].i == int64(sub)
	}
	intArgs := func(args []value) bool {
		if len(args) != 1 && len(args) != 2 {
			return false
		}
		for _, a := range args {
			if a.k != vInt {
				return false
			}
		}
		return true
	}
	m.set("file_index_for_arch", funcVal(func(e *evaluator, args []value) value {
		if fat == nil || !intArgs(args) {
			return undef
		}
		for i := 0; i < len(fat.Files); i++ {
			if f := fat.Files[i]; f != nil && f.Header && archMatch(args, f.CPUType, f.CPUSubtype) {
				return intVal(int64(i))
			}
		}
		return undef
	}))
	m.set("entry_point_for_arch", funcVal(func(e *evaluator, args []value) value {
		if fat == nil || !intArgs(args) {
			return undef
		}
		for i, a := range fat.Archs {
			if !archMatch(args, a.CPUType, a.CPUSubtype) {
				continue
			}
			ep := yrUndefined
			if f := fat.Files[i]; f != nil && f.HasEntryPoint {
				ep = int64(f.EntryPoint)
			}
			v := int64(a.Offset) + ep
			if v == yrUndefined {
				return undef
			}
			return intVal(v)
		}
		return undef
	}))
	return m
}

// yrUndefined is libyara's YR_UNDEFINED integer (0xFFFABADAFABADAFF).
const yrUndefined int64 = -0x5452505452501

func setMachoFile(m *mstruct, f *macho.File) {
	if !f.Header {
		return
	}
	m.set("magic", u(uint64(f.Magic)))
	m.set("cputype", u(uint64(f.CPUType)))
	m.set("cpusubtype", u(uint64(f.CPUSubtype)))
	m.set("filetype", u(uint64(f.FileType)))
	m.set("ncmds", u(uint64(f.NCmds)))
	m.set("sizeofcmds", u(uint64(f.SizeOfCmds)))
	m.set("flags", u(uint64(f.Flags)))
	if f.Is64 {
		m.set("reserved", u(uint64(f.Reserved)))
	}
	m.set("number_of_segments", intVal(int64(len(f.Segments))))
	if f.HasEntryPoint {
		m.set("entry_point", u(f.EntryPoint))
	}
	if f.HasStackSize {
		m.set("stack_size", u(f.StackSize))
	}
	segs := f.Segments
	m.set("segments", lazyVal(func() value {
		out := make([]value, len(segs))
		for i, s := range segs {
			if !s.Valid {
				continue
			}
			st := newStruct()
			st.set("segname", strVal(s.SegName))
			st.set("vmaddr", u(s.VMAddr))
			st.set("vmsize", u(s.VMSize))
			st.set("fileoff", u(s.FileOff))
			st.set("fsize", u(s.FileSize))
			st.set("maxprot", u(uint64(s.MaxProt)))
			st.set("initprot", u(uint64(s.InitProt)))
			st.set("nsects", u(uint64(s.NSects)))
			st.set("flags", u(uint64(s.Flags)))
			secs := make([]value, len(s.Sections))
			for j, x := range s.Sections {
				sc := newStruct()
				sc.set("sectname", strVal(x.SectName))
				sc.set("segname", strVal(x.SegName))
				sc.set("addr", u(x.Addr))
				sc.set("size", u(x.Size))
				sc.set("offset", u(uint64(x.Offset)))
				sc.set("align", u(uint64(x.Align)))
				sc.set("reloff", u(uint64(x.RelOff)))
				sc.set("nreloc", u(uint64(x.NReloc)))
				sc.set("flags", u(uint64(x.Flags)))
				sc.set("reserved1", u(uint64(x.Reserved1)))
				sc.set("reserved2", u(uint64(x.Reserved2)))
				if x.HasReserved3 {
					sc.set("reserved3", u(uint64(x.Reserved3)))
				}
				secs[j] = structVal(sc)
			}
			st.set("sections", arrayVal(secs))
			out[i] = structVal(st)
		}
		return arrayVal(out)
	}))
}
