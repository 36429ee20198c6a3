package pe

// Resource is one leaf of the resource tree (type / name / language).
// When a level is named by a string, the matching *String field holds the
// raw UTF-16LE bytes of the name (as libyara exposes them) and the numeric
// field holds the raw directory-entry value (high bit set).
type Resource struct {
	RVA            uint32
	Offset         int64 // file offset of the data, -1 when the RVA maps to no file byte (undefined in YARA)
	Length         uint32
	Type           int64 // libyara keeps these as C ints: -1 before any entry was seen
	ID             int64
	Language       int64
	TypeString     []byte
	NameString     []byte
	LanguageString []byte
}

// VersionInfoEntry is one string of a VERSIONINFO resource's StringFileInfo.
type VersionInfoEntry struct {
	Key, Value string
}

type rsrcWalker struct {
	f        *File
	base     int64 // file offset of the resource section root
	entries  int
	versions int
	done     bool
}

// maxVersionResources bounds the VERSIONINFO resources parsed per file
// (libyara parses all of them; real files have one).
const maxVersionResources = 16

func (f *File) parseResources() {
	dd, ok := f.Directory(2)
	if !ok || dd.VirtualAddress == 0 {
		return
	}
	off := f.RVAToOffset(uint64(dd.VirtualAddress))
	if off < 0 {
		f.anomaly(FlagBadResources, "pe: resource directory RVA 0x%x maps to no file offset", dd.VirtualAddress)
		return
	}
	d, ok := f.slice(off, 16)
	if !ok {
		f.anomaly(FlagBadResources, "pe: resource directory at offset 0x%x is past the end of the file", off)
		return
	}
	f.HasResourceDirectory = true
	f.ResourceTimestamp = le32(d[4:])
	f.ResourceVersion = Version{uint16(d[8]) | uint16(d[9])<<8, uint16(d[10]) | uint16(d[11])<<8}
	w := &rsrcWalker{f: f, base: off}
	path := [3]uint32{0xffffffff, 0xffffffff, 0xffffffff}
	var names [3][]byte
	w.walk(off, 0, &path, &names)
}

// walk visits one resource directory; it returns false when the walk must
// stop (libyara's RESOURCE_ITERATOR_ABORTED).
func (w *rsrcWalker) walk(dirOff int64, level int, path *[3]uint32, names *[3][]byte) bool {
	f := w.f
	d, ok := f.slice(dirOff, 16)
	if !ok {
		return false
	}
	chars := le32(d[0:])
	nNamed := uint32(d[12]) | uint32(d[13])<<8
	nID := uint32(d[14]) | uint32(d[15])<<8
	// libyara's sanity checks against corrupt trees.
	if chars != 0 || nNamed > 32768 || nID > 32768 {
		return true
	}
	total := nNamed + nID
	for i := uint32(0); i < total; i++ {
		if w.done {
			return false
		}
		w.entries++
		if w.entries > MaxResourceEntries {
			f.anomaly(FlagTooManyResources, "pe: resource tree has more than %d entries", MaxResourceEntries)
			w.done = true
			return false
		}
		eoff := dirOff + 16 + int64(i)*8
		e, ok := f.slice(eoff, 8)
		if !ok {
			f.anomaly(FlagBadResources, "pe: resource directory entry at offset 0x%x is past the end of the file", eoff)
			return false
		}
		name := le32(e[0:])
		target := le32(e[4:])
		// The numeric ids persist across siblings (libyara passes them by
		// pointer); the name strings of deeper levels are reset (by value).
		path[level] = name
		names[level] = w.name(name)
		for l := level + 1; l < 3; l++ {
			names[l] = nil
		}
		if target&0x80000000 != 0 && level < MaxResourceDepth-1 {
			sub := w.base + int64(target&0x7fffffff)
			if _, ok := f.slice(sub, 16); !ok {
				f.anomaly(FlagBadResources, "pe: resource subdirectory at offset 0x%x is past the end of the file", sub)
				return false
			}
			if !w.walk(sub, level+1, path, names) {
				return false
			}
			continue
		}
		doff := w.base + int64(target&0x7fffffff)
		de, ok := f.slice(doff, 16)
		if !ok {
			f.anomaly(FlagBadResources, "pe: resource data entry at offset 0x%x is past the end of the file", doff)
			return false
		}
		if len(f.Resources) >= MaxResources {
			if f.Flags&FlagTooManyResources == 0 {
				f.anomaly(FlagTooManyResources, "pe: more than %d resources", MaxResources)
			}
			continue
		}
		r := Resource{
			RVA:            le32(de[0:]),
			Length:         le32(de[4:]),
			Type:           int64(int32(path[0])),
			ID:             int64(int32(path[1])),
			Language:       int64(int32(path[2])),
			TypeString:     names[0],
			NameString:     names[1],
			LanguageString: names[2],
		}
		r.Offset = f.RVAToOffset(uint64(r.RVA))
		f.Resources = append(f.Resources, r)
		if r.Type == 16 && r.Offset >= 0 { // RT_VERSION
			if w.versions < maxVersionResources {
				f.parseVersionInfo(r.Offset)
			} else if w.versions == maxVersionResources {
				f.anomaly(FlagBadVersionInfo, "pe: more than %d VERSIONINFO resources, ignoring the rest", maxVersionResources)
			}
			w.versions++
		}
		continue
	}
	return true
}

// name returns the UTF-16LE bytes of a named entry, nil for an ID entry or
// an unreadable name.
func (w *rsrcWalker) name(v uint32) []byte {
	if v&0x80000000 == 0 {
		return nil
	}
	off := w.base + int64(v&0x7fffffff)
	n, ok := w.f.u16(off)
	if !ok {
		return nil
	}
	b, ok := w.f.slice(off+2, int64(n)*2)
	if !ok {
		return nil
	}
	return b
}

// maxWideLen bounds the UTF-16 strings of VERSIONINFO nodes (keys and
// values are short; a longer "string" is treated as not fitting).
const maxWideLen = 4096

// wideLen returns the number of UTF-16 code units before the 00 00
// terminator at off, and false when no terminator lies inside the file
// (libyara's wide_string_fits_in_pe and strnlen_w).
func (f *File) wideLen(off int64) (int64, bool) {
	if off < 0 {
		return 0, false
	}
	for n := int64(0); off+2*n+2 <= int64(len(f.data)) && n < maxWideLen; n++ {
		if f.data[off+2*n] == 0 && f.data[off+2*n+1] == 0 {
			return n, true
		}
	}
	return 0, false
}

// narrow copies a UTF-16LE string as libyara's strlcpy_w: the low byte of
// each code unit, stopping at a zero low byte, at most max-1 bytes.
func (f *File) narrow(off int64, max int) string {
	var b []byte
	for off >= 0 && off+1 < int64(len(f.data)) && len(b) < max-1 {
		c := f.data[off]
		if c == 0 {
			break
		}
		b = append(b, c)
		off += 2
	}
	return string(b)
}

// keyIs is libyara's strcmp_w(key, s) == 0 after checking that len(s)+1
// UTF-16 units fit in the file.
func (f *File) keyIs(off int64, s string) bool {
	if _, ok := f.slice(off, int64(len(s)+1)*2); !ok {
		return false
	}
	// libyara's strcmp_w: every character's high byte must be 0
	for i := 0; i <= len(s); i++ {
		c := byte(0)
		if i < len(s) {
			c = s[i]
		}
		if f.data[off+int64(i)*2] != c || f.data[off+int64(i)*2+1] != 0 {
			return false
		}
	}
	return true
}

func align4(v int64) int64 { return (v + 3) &^ 3 }

// parseVersionInfo reads the StringFileInfo strings of a VS_VERSIONINFO
// resource at file offset off, following libyara's pe_parse_version_info
// step by step (same alignment rules and stopping conditions).
func (f *File) parseVersionInfo(off int64) {
	if _, ok := f.slice(off, 6); !ok || !f.keyIs(off+6, "VS_VERSION_INFO") {
		return
	}
	length := func(p int64) int64 { v, _ := f.u16(p); return int64(v) }
	budget := func() bool {
		f.versionSteps++
		if f.versionSteps > 16*MaxVersionInfoItems {
			f.anomaly(FlagBadVersionInfo, "pe: version info at offset 0x%x has too many nodes", off)
			return false
		}
		return true
	}
	vi := off + align4(6+86)
	for budget() && f.keyIs(vi+6, "VarFileInfo") && length(vi) != 0 {
		vi += align4(length(vi))
	}
	for budget() && f.keyIs(vi+6, "StringFileInfo") && length(vi) != 0 {
		st := vi + align4(6+30)
		vi += align4(length(vi))
		for budget() {
			if _, ok := f.slice(st, 6); !ok {
				break
			}
			kl, ok := f.wideLen(st + 6)
			if !ok || length(st) == 0 || st >= vi {
				break
			}
			str := st + align4(6+2*(kl+1))
			st += align4(length(st))
			for budget() {
				if _, ok := f.slice(str, 6); !ok {
					break
				}
				skl, ok := f.wideLen(str + 6)
				if !ok || length(str) == 0 || str >= st {
					break
				}
				val := str + align4(6+2*(skl+1))
				if _, ok := f.wideLen(val); ok {
					key := f.narrow(str+6, 64)
					value := f.narrow(val, 256)
					if vl, _ := f.u16(str + 2); vl == 0 {
						value = ""
					}
					if len(f.VersionInfoList) >= MaxVersionInfoItems {
						f.anomaly(FlagBadVersionInfo, "pe: more than %d version info strings", MaxVersionInfoItems)
						return
					}
					f.VersionInfoList = append(f.VersionInfoList, VersionInfoEntry{key, value})
				}
				str += align4(length(str))
			}
		}
	}
}

// VersionInfo returns pe.version_info[key]: the value of the last
// StringFileInfo string named key (later strings overwrite earlier ones, as
// in libyara's dictionary).
func (f *File) VersionInfo(key string) (string, bool) {
	for i := len(f.VersionInfoList) - 1; i >= 0; i-- {
		if f.VersionInfoList[i].Key == key {
			return f.VersionInfoList[i].Value, true
		}
	}
	return "", false
}

// Locale is pe.locale(id): whether any resource's language id (low 16
// bits) equals id.
func (f *File) Locale(id uint64) bool {
	for i := range f.Resources {
		if f.Resources[i].LanguageString == nil && uint64(f.Resources[i].Language)&0xffff == id {
			return true
		}
	}
	return false
}

// Language is pe.language(id): whether any resource's primary language
// (low 8 bits of the language id) equals id.
func (f *File) Language(id uint64) bool {
	for i := range f.Resources {
		if f.Resources[i].LanguageString == nil && uint64(f.Resources[i].Language)&0xff == id {
			return true
		}
	}
	return false
}
