package sweep

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/vigie-project/vigie/internal/archive"
	"github.com/vigie-project/vigie/internal/cfb"
)

// Container kinds.
const (
	kindZip  = "zip"
	kindGzip = "gzip"
	kindTar  = "tar"
	kindOLE  = "ole" // OLE compound file: VBA macros are extracted
	kind7z   = archive.Kind7z
	kindRAR  = archive.KindRAR
	kindISO  = archive.KindISO // recognised at 32 KiB: containerKind on the whole data, isISOAt on a file
)

// containerKind tells from the first bytes whether a file is a container
// the sweep opens.
func containerKind(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return kindZip
	case bytes.HasPrefix(head, []byte("\x1f\x8b")):
		return kindGzip
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return kindTar
	case bytes.HasPrefix(head, []byte(cfb.Magic)):
		return kindOLE
	}
	return archive.Sniff(head)
}

// isISOAt tells whether the file r of size bytes is an ISO 9660 or UDF disk
// image: its first volume descriptor, at 32 KiB, is read where the head of
// the file is not enough.
func isISOAt(r io.ReaderAt, size int64) bool {
	const at = 0x8000
	if size < at+6 {
		return false
	}
	var b [6]byte
	if _, err := r.ReadAt(b[:], at); err != nil {
		return false
	}
	// the descriptor's standard identifier: CD001 (ISO 9660), BEA01 (UDF)
	id := string(b[1:])
	return id == "CD001" || id == "BEA01"
}

// openContainer expands a container and examines each entry. depth is the
// level of the container itself (0 for a file on disk).
func (w *worker) openContainer(ctx context.Context, it item, kind string, r io.ReaderAt, size int64, depth int, bud *budget) {
	if bud.hit || ctx.Err() != nil {
		return
	}
	w.s.stats.containers.Add(1)
	var err error
	switch kind {
	case kindZip:
		err = w.openZip(ctx, it, r, size, depth, bud)
	case kindGzip:
		err = w.openGzip(ctx, it, io.NewSectionReader(r, 0, size), depth, bud)
	case kindTar:
		err = w.openTar(ctx, it, io.NewSectionReader(r, 0, size), depth, bud)
	case kindOLE:
		err = w.openOLE(ctx, it, r, size, depth, bud)
	case kind7z, kindRAR, kindISO:
		err = w.openArchive(ctx, it, kind, r, size, depth, bud)
	}
	if err != nil {
		w.entryError(it, "", fmt.Errorf("opening the %s container: %w", kind, err), bud)
	}
}

func (w *worker) openZip(ctx context.Context, it item, r io.ReaderAt, size int64, depth int, bud *budget) error {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return err
	}
	if len(zr.File) > w.s.limits.MaxEntries-bud.entries {
		w.entryError(it, "", &errLimit{fmt.Sprintf("has more than %d entries", w.s.limits.MaxEntries)}, bud)
		return nil
	}
	for _, f := range zr.File {
		if bud.hit || ctx.Err() != nil {
			return nil
		}
		if f.FileInfo().IsDir() || strings.HasSuffix(f.Name, "/") {
			continue
		}
		if f.Flags&1 != 0 {
			// Encrypted: the content cannot be read without the password;
			// the name was checked.
			w.s.stats.entries.Add(1)
			w.checkNames(w.entryItem(it, f.Name))
			w.s.fail(it.vpath+"!"+f.Name, errors.New("encrypted entry: its content could not be examined (the name was)"))
			continue
		}
		rc, err := f.Open()
		if err != nil {
			w.entryError(it, f.Name, err, bud)
			continue
		}
		data, err := w.s.readEntry(rc, bud)
		rc.Close()
		if err != nil {
			w.entryError(it, f.Name, err, bud)
			continue
		}
		w.examineEntry(ctx, it, f.Name, data, depth, bud)
	}
	return nil
}

func (w *worker) entryItem(parent item, name string) item {
	name = strings.TrimLeft(strings.ReplaceAll(name, "\\", "/"), "/")
	return item{vpath: parent.vpath + "!" + name, base: path.Base(name), dir: parent.vpath, owner: parent.owner, top: parent.top}
}

func (w *worker) openGzip(ctx context.Context, it item, r io.Reader, depth int, bud *budget) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return err
	}
	defer zr.Close()
	zr.Multistream(true)
	name := zr.Name
	if name == "" || strings.ContainsAny(name, "/\\") {
		name = strings.TrimSuffix(it.base, path.Ext(it.base))
		if strings.HasSuffix(strings.ToLower(it.base), ".tgz") {
			name += ".tar"
		}
		if name == "" {
			name = "content"
		}
	}
	data, err := w.s.readEntry(zr, bud)
	if err != nil {
		w.entryError(it, name, err, bud)
		return nil
	}
	w.examineEntry(ctx, it, name, data, depth, bud)
	return nil
}

func (w *worker) openTar(ctx context.Context, it item, r io.Reader, depth int, bud *budget) error {
	tr := tar.NewReader(r)
	for {
		if bud.hit || ctx.Err() != nil {
			return nil
		}
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeRegA {
			continue
		}
		data, err := w.s.readEntry(tr, bud)
		if err != nil {
			w.entryError(it, h.Name, err, bud)
			var le *errLimit
			if errors.As(err, &le) {
				return nil
			}
			continue
		}
		w.examineEntry(ctx, it, h.Name, data, depth, bud)
	}
}

// openArchive expands a 7-Zip or RAR archive or an ISO 9660 image through
// internal/archive, as openZip does a zip: entry and expansion limits from
// the budget, encrypted entries checked by name and reported, each entry
// examined in turn.
func (w *worker) openArchive(ctx context.Context, it item, kind string, r io.ReaderAt, size int64, depth int, bud *budget) error {
	lim := w.s.limits
	left := lim.MaxEntries - bud.entries
	if left <= 0 {
		w.entryError(it, "", &errLimit{fmt.Sprintf("has more than %d entries", lim.MaxEntries)}, bud)
		return nil
	}
	// the reader needs the archive in memory; it is a file that was read
	// (within --max-size) or an entry within the expansion budget
	data := make([]byte, size)
	if n, err := r.ReadAt(data, 0); n != len(data) {
		return fmt.Errorf("reading: %w", err)
	}
	room := lim.MaxExpanded - bud.expanded
	entryMax := room
	if w.s.opts.MaxSize > 0 {
		entryMax = min(entryMax, w.s.opts.MaxSize)
	}
	a, err := archive.Open(data, kind, archive.Limits{MaxEntries: left, MaxEntryBytes: max(entryMax, 1), MaxTotalBytes: max(room, 1)})
	switch {
	case errors.Is(err, archive.ErrLimit):
		w.entryError(it, "", &errLimit{strings.TrimPrefix(err.Error(), kind+": ")}, bud)
		return nil
	case errors.Is(err, archive.ErrEncrypted):
		w.s.fail(it.vpath, errors.New("encrypted archive: the names and content of its files could not be examined"))
		return nil
	case err != nil:
		return err
	}
	for i, e := range a.Entries {
		if bud.hit || ctx.Err() != nil {
			return nil
		}
		if e.Dir {
			continue
		}
		if e.Encrypted {
			w.s.stats.entries.Add(1)
			w.checkNames(w.entryItem(it, e.Name))
			w.s.fail(it.vpath+"!"+e.Name, errors.New("encrypted entry: its content could not be examined (the name was)"))
			continue
		}
		bud.entries++
		before := a.Expanded()
		content, err := a.Read(i)
		if lerr := w.s.take(bud, a.Expanded()-before); lerr != nil {
			w.entryError(it, e.Name, lerr, bud)
			return nil
		}
		if errors.Is(err, archive.ErrLimit) {
			what := fmt.Sprintf("expands to more than %s", sizeString(lim.MaxExpanded))
			if w.s.opts.MaxSize > 0 && int64(len(content)) >= w.s.opts.MaxSize {
				what = fmt.Sprintf("has an entry larger than --max-size (%s)", sizeString(w.s.opts.MaxSize))
			}
			w.entryError(it, e.Name, &errLimit{what}, bud)
			return nil
		}
		if err != nil {
			w.entryError(it, e.Name, err, bud)
			continue
		}
		w.examineEntry(ctx, it, e.Name, content, depth, bud)
	}
	if a.Truncated {
		w.entryError(it, "", &errLimit{fmt.Sprintf("has more than %d entries", lim.MaxEntries)}, bud)
	}
	return nil
}
