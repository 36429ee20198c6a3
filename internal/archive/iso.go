package archive

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path"
	"strings"
	"unicode/utf16"
)

// ISO 9660 (ECMA-119) disk images: 2048-byte sectors; from sector 16 a run
// of volume descriptors (1 primary, 2 supplementary — Joliet when its escape
// sequence names UCS-2 —, 255 terminator); each volume's root directory
// record points at a directory extent: a list of directory records, each
// with the extent and size of a file or sub-directory. Files are stored, not
// compressed, so reading one is a slice of the image.
//
// Not read: Rock Ridge names (the Joliet or primary name is listed),
// files recorded in several extents (each extent is listed under the
// file's name), and UDF file systems (an image with only UDF is reported
// as ErrUnsupported; a hybrid ISO/UDF image is read through its ISO side).

const (
	isoSector      = 2048
	isoFirstVD     = 16
	maxDescriptors = 64
)

type isoExtent struct{ start, size int64 }

// openISO lists the Joliet tree when there is one (long Unicode names, what
// Windows shows), else the primary one.
func (a *Archive) openISO(data []byte) error {
	var primary, joliet []byte
	udf := false
	for i := 0; i < maxDescriptors; i++ {
		off := (isoFirstVD + i) * isoSector
		if off+isoSector > len(data) {
			break
		}
		vd := data[off : off+isoSector]
		id := string(vd[1:6])
		if id == "BEA01" || id == "NSR02" || id == "NSR03" || id == "TEA01" {
			udf = udf || id != "BEA01" && id != "TEA01"
			continue
		}
		if id != "CD001" {
			break
		}
		switch vd[0] {
		case 1:
			if primary == nil {
				primary = vd
			}
		case 2:
			if esc := vd[88:91]; vd[88] == '%' && vd[89] == '/' && (esc[2] == '@' || esc[2] == 'C' || esc[2] == 'E') && joliet == nil {
				joliet = vd
			}
		}
		if vd[0] == 255 {
			// the terminator; a UDF volume structure may follow
			continue
		}
	}
	vd, jol := primary, false
	if joliet != nil {
		vd, jol = joliet, true
	}
	if vd == nil {
		if udf {
			return fmt.Errorf("%w: UDF-only disk image (no ISO 9660 volume), its files cannot be listed", ErrUnsupported)
		}
		return fmt.Errorf("%w: no ISO 9660 volume descriptor", ErrFormat)
	}
	if bs := binary.LittleEndian.Uint16(vd[128:]); bs != isoSector {
		return fmt.Errorf("%w: ISO 9660 logical block size %d (only 2048 is read)", ErrUnsupported, bs)
	}
	root, _, err := isoRecord(vd[156:190], jol)
	if err != nil {
		return fmt.Errorf("root directory: %w", err)
	}
	var exts []isoExtent
	w := isoWalker{data: data, jol: jol, a: a, seen: map[int64]bool{}, exts: &exts}
	if err := w.dir("", root.ext, 0); err != nil {
		return err
	}
	a.read = func(i int) ([]byte, error) {
		x := exts[i]
		n := min(x.size, a.lim.MaxEntryBytes)
		if n > a.budget() {
			return nil, limitError("more than %d bytes read from the image", a.lim.MaxTotalBytes)
		}
		a.used += n
		b := data[x.start : x.start+n]
		if n < x.size {
			return b, limitError("entry larger than %d bytes, read up to there", a.lim.MaxEntryBytes)
		}
		return b, nil
	}
	return nil
}

type isoRec struct {
	name string
	dir  bool
	ext  isoExtent
}

// isoRecord decodes one directory record; n is its length.
func isoRecord(b []byte, joliet bool) (isoRec, int, error) {
	var r isoRec
	if len(b) < 34 || int(b[0]) < 34 || int(b[0]) > len(b) {
		return r, 0, fmt.Errorf("%w: ISO 9660 directory record of %d bytes", ErrFormat, len(b))
	}
	n := int(b[0])
	nl := int(b[32])
	if 33+nl > n {
		return r, 0, fmt.Errorf("%w: ISO 9660 name longer than its record", ErrFormat)
	}
	r.ext = isoExtent{start: int64(binary.LittleEndian.Uint32(b[2:])) * isoSector, size: int64(binary.LittleEndian.Uint32(b[10:]))}
	r.dir = b[25]&0x02 != 0
	raw := b[33 : 33+nl]
	switch {
	case nl == 1 && (raw[0] == 0 || raw[0] == 1):
		r.name = [...]string{".", ".."}[raw[0]] // skipped by the walker
	case joliet:
		u := make([]uint16, nl/2)
		for i := range u {
			u[i] = binary.BigEndian.Uint16(raw[2*i:])
		}
		r.name = string(utf16.Decode(u))
	default:
		r.name = string(raw)
	}
	if !r.dir {
		if i := strings.LastIndexByte(r.name, ';'); i >= 0 {
			r.name = r.name[:i] // version number "FILE.EXE;1"
		}
		r.name = strings.TrimSuffix(r.name, ".")
	}
	return r, n, nil
}

type isoWalker struct {
	data []byte
	jol  bool
	a    *Archive
	seen map[int64]bool
	exts *[]isoExtent
}

// dir lists one directory extent and, depth first, its sub-directories.
func (w *isoWalker) dir(prefix string, x isoExtent, depth int) error {
	if depth > w.a.lim.MaxDepth {
		return limitError("directories nested more than %d deep", w.a.lim.MaxDepth)
	}
	if w.seen[x.start] {
		return fmt.Errorf("%w: ISO 9660 directory loop at %q", ErrFormat, prefix)
	}
	w.seen[x.start] = true
	if x.start+x.size > int64(len(w.data)) || x.start < 0 {
		return fmt.Errorf("%w: ISO 9660 directory %q lies beyond the image", ErrFormat, prefix)
	}
	if err := w.a.checkTime(); err != nil {
		return err
	}
	b := w.data[x.start : x.start+x.size]
	for off := 0; off < len(b); {
		if b[off] == 0 { // records do not cross sectors: the rest is padding
			off = (off/isoSector + 1) * isoSector
			continue
		}
		end := min(len(b), (off/isoSector+1)*isoSector)
		r, n, err := isoRecord(b[off:end], w.jol)
		if err != nil {
			return fmt.Errorf("directory %q: %w", prefix, err)
		}
		off += n
		if r.name == "." || r.name == ".." || r.name == "" {
			continue
		}
		if strings.ContainsAny(r.name, "/\x00") {
			r.name = strings.NewReplacer("/", "_", "\x00", "_").Replace(r.name)
		}
		name := path.Join(prefix, r.name)
		if len(w.a.Entries) >= w.a.lim.MaxEntries {
			w.a.Truncated = true
			return nil
		}
		if !r.dir && r.ext.start+r.ext.size > int64(len(w.data)) {
			return fmt.Errorf("%w: ISO 9660 file %q lies beyond the image", ErrFormat, name)
		}
		w.a.Entries = append(w.a.Entries, Entry{Name: name, Size: r.ext.size, Dir: r.dir})
		*w.exts = append(*w.exts, r.ext)
		if r.dir {
			if err := w.dir(name, r.ext, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// isISO tells whether data holds an ISO 9660 volume or a UDF volume
// recognition area.
func isISO(data []byte) bool {
	off := isoFirstVD*isoSector + 1
	return len(data) >= off+5 && (bytes.Equal(data[off:off+5], []byte("CD001")) || bytes.Equal(data[off:off+5], []byte("BEA01")))
}
