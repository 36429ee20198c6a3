package leak

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigie-project/vigie/internal/archive"
)

// Limits bound the work spent on a dump. Every input is hostile: a zip
// bomb, a nested archive, an mbox with one 10 GB message must end in an
// error on that item, not in exhausted memory.
type Limits struct {
	MaxItemSize    int64 // largest archive member (or message, unless MaxMessageSize says otherwise) examined in memory
	MaxMessageSize int64 // largest message examined (0: MaxItemSize); a larger one is listed with its From and Subject
	MaxArchiveSize int64 // total bytes expanded from one archive (nested ones included)
	MaxRatio       int64 // highest compression ratio accepted for an archive member
	MaxEntries     int   // most members of one archive
	MaxDepth       int   // archives inside archives
	MaxFileSize    int64 // largest document on disk read (docmeta reads PDFs by random access)
}

// DefaultLimits are generous for real leaks.
var DefaultLimits = Limits{
	MaxItemSize:    64 << 20,
	MaxArchiveSize: 8 << 30,
	MaxRatio:       200,
	MaxEntries:     500000,
	MaxDepth:       3,
	MaxFileSize:    2 << 30,
}

// entry is one unit found in the dump: a file on disk, an archive member,
// or one message of an mbox. Exactly one of Data or DiskPath holds the
// content (DiskPath for documents and other files read from disk, so that
// large PDFs are never loaded whole).
type entry struct {
	Path     string // display path: dir/file, archive.zip!member, inbox.mbox#12
	Format   string // eml, mbox-message, msg, docx ... see formatOf
	Data     []byte
	DiskPath string
	Size     int64
	ModTime  time.Time
	Err      error // the entry could not be read; the other fields may be partial
	// Header holds From, To, Subject, Date and Message-ID of a message
	// that could not be examined (over the size limit), read from its
	// first bytes, so that its error item still says which message it is.
	Header map[string]string
	unit   string // checkpoint key of the disk file this entry came from
	// msgN and msgEnd place a message of an mbox file on disk: its
	// number (from 1) and the byte offset where the next one starts, so
	// that an interrupted run continues after the last message whose
	// items are all recorded (see checkpoint). Zero elsewhere.
	msgN   int
	msgEnd int64
}

// msgLimit is the largest message examined.
func (l Limits) msgLimit() int64 {
	if l.MaxMessageSize > 0 {
		return l.MaxMessageSize
	}
	return l.MaxItemSize
}

// max7zInMemory bounds a 7-Zip archive read from disk: the reader needs
// random access to it in memory.
const max7zInMemory = 1 << 30

// archiveTimeout bounds the time spent in one 7-Zip archive.
const archiveTimeout = 30 * time.Minute

// unitFunc is told when every entry of one disk file (a unit of the
// checkpoint) has been produced.
type walker struct {
	ctx  context.Context
	lim  Limits
	emit func(entry) error
	skip func(unit string) bool // unit already done in a previous run
	done func(unit string, n int) error
	// skipDir is not walked: the output directory, when it lies inside
	// the dump.
	skipDir string
	// resume tells where a partly examined mbox file continues: after
	// message n, at byte off (0, 0: from the start).
	resume func(unit string) (n int, off int64)
	// read counts the bytes read from the dump's files, for the
	// progress (nil: not counted).
	read *atomic.Int64
}

func sameDir(a, b string) bool {
	x, err1 := filepath.Abs(a)
	y, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && x == y
}

// unitKey identifies a disk file by path, size and modification time:
// a changed file is examined again on a resumed run.
func unitKey(path string, fi fs.FileInfo) string {
	return fmt.Sprintf("%s|%d|%d", path, fi.Size(), fi.ModTime().UnixNano())
}

// walk visits root (a file or directory), sorted, symbolic links not
// followed.
func (w *walker) walk(root string) error {
	fi, err := os.Lstat(root)
	if err != nil {
		return fmt.Errorf("dump %s: %w", root, err)
	}
	if !fi.IsDir() {
		return w.file(root, fi)
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if cerr := w.ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			return w.emitErr(entry{Path: p, Format: "unreadable", Err: err}, "")
		}
		if d.IsDir() {
			if w.skipDir != "" && sameDir(p, w.skipDir) {
				return filepath.SkipDir // the report's own directory
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return w.emitErr(entry{Path: p, Format: "symlink", Err: errors.New("symbolic link not followed")}, "")
		}
		if !d.Type().IsRegular() {
			return w.emitErr(entry{Path: p, Format: "special", Err: fmt.Errorf("not a regular file (%s): not read", d.Type())}, "")
		}
		fi, err := d.Info()
		if err != nil {
			return w.emitErr(entry{Path: p, Format: "unreadable", Err: err}, "")
		}
		return w.file(p, fi)
	})
}

func (w *walker) emitErr(e entry, unit string) error {
	e.unit = unit
	return w.emit(e)
}

// file handles one disk file: a checkpoint unit.
func (w *walker) file(path string, fi fs.FileInfo) error {
	unit := unitKey(path, fi)
	if w.skip != nil && w.skip(unit) {
		return nil
	}
	n := 0
	emit := w.emit
	w.emit = func(e entry) error { n++; e.unit = unit; return emit(e) }
	var counted int64
	err := w.diskFile(path, fi, unit, &counted)
	w.emit = emit
	if w.read != nil && counted < fi.Size() {
		// what was not read through the counter (documents hashed by
		// the workers, skipped parts) counts once the file is walked
		w.read.Add(fi.Size() - counted)
	}
	if err != nil {
		return err
	}
	if w.done != nil {
		return w.done(unit, n)
	}
	return nil
}

func (w *walker) diskFile(path string, fi fs.FileInfo, unit string, counted *int64) error {
	head := make([]byte, 4096)
	osf, err := os.Open(path)
	if err != nil {
		return w.emit(entry{Path: path, Format: "unreadable", Size: fi.Size(), ModTime: fi.ModTime(), Err: err})
	}
	defer osf.Close()
	f := &countedFile{File: osf, total: w.read, n: counted, max: fi.Size()}
	k, _ := io.ReadFull(f, head)
	head = head[:k]
	format := formatOf(path, head)
	base := entry{Path: path, Format: format, Size: fi.Size(), ModTime: fi.ModTime()}
	rewind := func() bool {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			base.Err = err
			return false
		}
		return true
	}
	switch format {
	case "zip":
		zr, err := zip.NewReader(f, fi.Size())
		if err != nil {
			base.Err = fmt.Errorf("corrupt zip archive: %w", err)
			return w.emit(base)
		}
		budget := w.lim.MaxArchiveSize
		return w.zip(path, zr, 1, &budget)
	case "7z", "rar", "iso":
		if fi.Size() > max7zInMemory {
			base.Err = fmt.Errorf("%s archive of %d bytes: larger than the %d bytes that can be opened in memory; extract it and examine the directory", archiveName[format], fi.Size(), int64(max7zInMemory))
			return w.emit(base)
		}
		if !rewind() {
			return w.emit(base)
		}
		data, err := io.ReadAll(f)
		if err != nil {
			base.Err = err
			return w.emit(base)
		}
		budget := w.lim.MaxArchiveSize
		return w.archive(path, format, data, fi.ModTime(), 1, &budget)
	case "tar", "gzip", "xz", "bzip2":
		if !rewind() {
			return w.emit(base)
		}
		budget := w.lim.MaxArchiveSize
		return w.stream(path, format, f, fi.ModTime(), 1, &budget)
	case "mbox":
		n, off := 0, int64(0)
		if w.resume != nil {
			n, off = w.resume(unit)
		}
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			base.Err = err
			return w.emit(base)
		}
		if w.read != nil {
			*counted += off // examined by the run that was interrupted
		}
		return w.mboxFrom(path, f, fi.ModTime(), n, off, true)
	case "eml", "msg":
		if !rewind() {
			return w.emit(base)
		}
		if fi.Size() > w.lim.msgLimit() {
			base.Err = fmt.Errorf("message of %d bytes is larger than the %d-byte limit (--max-message-size)", fi.Size(), w.lim.msgLimit())
			base.Header = headerOf(io.LimitReader(f, 64<<10))
			return w.emit(base)
		}
		data, err := io.ReadAll(io.LimitReader(f, w.lim.msgLimit()+1))
		base.Data, base.Err = data, err
		return w.emit(base)
	default:
		if fi.Size() > w.lim.MaxFileSize {
			base.Err = fmt.Errorf("file of %d bytes is larger than the %d-byte limit", fi.Size(), w.lim.MaxFileSize)
			return w.emit(base)
		}
		base.DiskPath = path
		return w.emit(base)
	}
}

// headerOf reads the header fields at the start of a message (a message
// too large to examine, for its error item).
func headerOf(r io.Reader) map[string]string {
	head, _ := io.ReadAll(r)
	if h := partialHeader(head); h != nil && (h["From"] != "" || h["Subject"] != "") {
		return h
	}
	return nil
}

// zip emits the members of an archive, sorted by name, within the
// limits; archives and mboxes inside are expanded (mboxes streamed,
// whatever their size).
func (w *walker) zip(name string, zr *zip.Reader, depth int, budget *int64) error {
	if len(zr.File) > w.lim.MaxEntries {
		return w.emit(entry{Path: name, Format: "zip", Err: fmt.Errorf("archive has %d members, more than the limit of %d", len(zr.File), w.lim.MaxEntries)})
	}
	files := append([]*zip.File(nil), zr.File...)
	sort.SliceStable(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	for _, zf := range files {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if strings.HasSuffix(zf.Name, "/") {
			continue
		}
		p := name + "!" + zf.Name
		size := int64(min(zf.UncompressedSize64, 1<<62))
		var err error
		switch {
		case zf.Flags&1 != 0:
			err = errors.New("encrypted archive member: content not readable")
		case zf.CompressedSize64 > 0 && size/int64(zf.CompressedSize64) > w.lim.MaxRatio:
			err = fmt.Errorf("compression ratio %d:1 above the %d:1 limit (zip bomb?)", size/int64(zf.CompressedSize64), w.lim.MaxRatio)
		case size > *budget:
			err = fmt.Errorf("archive expands to more than %d bytes: member not expanded", w.lim.MaxArchiveSize)
		}
		var rc io.ReadCloser
		if err == nil {
			if rc, err = zf.Open(); err != nil {
				err = fmt.Errorf("archive member: %w", err)
			}
		}
		if err != nil {
			if err := w.emit(entry{Path: p, Format: formatOf(zf.Name, nil), Size: size, ModTime: zf.Modified, Err: err}); err != nil {
				return err
			}
			continue
		}
		// The declared size can lie: never read more than it.
		err = w.inner(p, zf.Modified, size, &declaredReader{r: rc, left: size}, depth, budget)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// declaredReader fails when a member expands beyond its declared size.
type declaredReader struct {
	r    io.Reader
	left int64
}

func (d *declaredReader) Read(p []byte) (int, error) {
	if d.left <= 0 {
		var one [1]byte
		if n, _ := d.r.Read(one[:]); n > 0 {
			return 0, errors.New("member expands beyond its declared size (zip bomb?)")
		}
		return 0, io.EOF
	}
	if int64(len(p)) > d.left {
		p = p[:d.left]
	}
	n, err := d.r.Read(p)
	d.left -= int64(n)
	return n, err
}

// budgetReader counts what is read against the expansion budget of the
// outermost archive.
type budgetReader struct {
	r      io.Reader
	budget *int64
	max    int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if *b.budget <= 0 {
		return 0, fmt.Errorf("archive expands to more than %d bytes: the rest is not expanded", b.max)
	}
	if int64(len(p)) > *b.budget {
		p = p[:*b.budget]
	}
	n, err := b.r.Read(p)
	*b.budget -= int64(n)
	return n, err
}

// inner handles the content of one archive member or decompressed
// stream: an archive is expanded (up to MaxDepth levels), an mbox is
// split as it is read, anything else is read in memory within the
// limits and emitted. Problems become error items; only a cancelled
// context stops the walk.
func (w *walker) inner(p string, mod time.Time, size int64, r io.Reader, depth int, budget *int64) error {
	br := bufio.NewReaderSize(&budgetReader{r: r, budget: budget, max: w.lim.MaxArchiveSize}, 64<<10)
	head, _ := br.Peek(4096)
	format := formatOf(p, head)
	e := entry{Path: p, Format: format, Size: size, ModTime: mod}
	fail := func(err error) error {
		e.Err = err
		return w.emit(e)
	}
	switch format {
	case "mbox":
		return w.mboxFrom(p, br, mod, 0, 0, false)
	case "zip", "7z", "rar", "iso", "tar", "gzip", "xz", "bzip2":
		if depth >= w.lim.MaxDepth {
			return fail(fmt.Errorf("archive nested deeper than %d levels: not expanded", w.lim.MaxDepth))
		}
		if format != "tar" && format != "gzip" && format != "xz" && format != "bzip2" {
			// random access: the archive is read in memory, within the
			// expansion budget (it is counted against it as it is read)
			data, err := readMax(br, min(max(*budget, 0), max7zInMemory))
			if err != nil {
				return fail(err)
			}
			if format != "zip" {
				return w.archive(p, format, data, mod, depth+1, budget)
			}
			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				return fail(fmt.Errorf("corrupt zip archive: %w", err))
			}
			return w.zip(p, zr, depth+1, budget)
		}
		return w.stream(p, format, br, mod, depth+1, budget)
	case "eml", "msg":
		data, err := readMax(br, w.lim.msgLimit())
		if err != nil {
			e.Header = partialHeaderMap(head)
			return fail(err)
		}
		e.Data, e.Size = data, int64(len(data))
		return w.emit(e)
	}
	data, err := readMax(br, w.lim.MaxItemSize)
	if err != nil {
		return fail(err)
	}
	e.Data, e.Size = data, int64(len(data))
	return w.emit(e)
}

// partialHeaderMap is headerOf on bytes already read.
func partialHeaderMap(head []byte) map[string]string {
	return headerOf(bytes.NewReader(head))
}

// readMax reads r whole, failing when it holds more than max bytes.
func readMax(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("archive member: %w", err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("member larger than the %d-byte limit: not examined", max)
	}
	return data, nil
}

// stream expands a tar archive, or a gzip, xz or bzip2 stream, read
// front to back. A compressed tar (.tar.gz, .tgz, .tar.xz, .tar.bz2) is
// shown as one archive: its members are named "dump.tar.gz!member".
func (w *walker) stream(p, kind string, r io.Reader, mod time.Time, depth int, budget *int64) error {
	if kind == "tar" {
		return w.tar(p, r, depth, budget)
	}
	dr, err := archive.Decompress(kind, r, 0, 0)
	if err != nil {
		return w.emit(entry{Path: p, Format: kind, ModTime: mod, Err: fmt.Errorf("corrupt %s stream: %w", kind, err)})
	}
	defer dr.Close()
	br := bufio.NewReaderSize(dr, 64<<10)
	head, herr := br.Peek(512)
	if herr != nil && herr != io.EOF && len(head) == 0 {
		return w.emit(entry{Path: p, Format: kind, ModTime: mod, Err: fmt.Errorf("corrupt %s stream: %w", kind, herr)})
	}
	if archive.SniffStream(head) == archive.KindTar {
		return w.tar(p, br, depth, budget)
	}
	innerName := strings.TrimSuffix(baseName(p), filepath.Ext(baseName(p)))
	if innerName == "" {
		innerName = "content"
	}
	return w.inner(p+"!"+innerName, mod, -1, br, depth, budget)
}

// tar emits the members of a tar archive in their order.
func (w *walker) tar(p string, r io.Reader, depth int, budget *int64) error {
	tr := tar.NewReader(r)
	n := 0
	for {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			if n == 0 {
				return w.emit(entry{Path: p, Format: "tar", Err: errors.New("the tar archive holds no file")})
			}
			return nil
		}
		if err != nil {
			return w.emit(entry{Path: p, Format: "tar", Err: fmt.Errorf("corrupt tar archive after %d members: %w", n, err)})
		}
		name := strings.TrimPrefix(h.Name, "./")
		mp := p + "!" + name
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
		case tar.TypeDir:
			continue
		case tar.TypeSymlink, tar.TypeLink:
			if err := w.emit(entry{Path: mp, Format: "symlink", ModTime: h.ModTime, Err: fmt.Errorf("link to %q in the archive: not followed", h.Linkname)}); err != nil {
				return err
			}
			continue
		default:
			continue
		}
		if n++; n > w.lim.MaxEntries {
			return w.emit(entry{Path: p, Format: "tar", Err: fmt.Errorf("archive has more than %d members: the rest is not examined", w.lim.MaxEntries)})
		}
		if h.Size > *budget {
			if err := w.emit(entry{Path: mp, Format: formatOf(name, nil), Size: h.Size, ModTime: h.ModTime, Err: fmt.Errorf("archive expands to more than %d bytes: member not expanded", w.lim.MaxArchiveSize)}); err != nil {
				return err
			}
			continue
		}
		if err := w.inner(mp, h.ModTime, h.Size, tr, depth, budget); err != nil {
			return err
		}
	}
}

// archiveName names the archive formats read through internal/archive.
var archiveName = map[string]string{"7z": "7-Zip", "rar": "RAR", "iso": "ISO 9660 disk image"}

// archive emits the entries of a 7-Zip or RAR archive or an ISO image
// held in memory, each read as a stream where the format allows it (an
// mbox of any size inside a 7-Zip archive is split as it is read).
func (w *walker) archive(p, format string, data []byte, mod time.Time, depth int, budget *int64) error {
	kind := map[string]string{"7z": archive.Kind7z, "rar": archive.KindRAR, "iso": archive.KindISO}[format]
	a, err := archive.Open(data, kind, archive.Limits{MaxEntries: w.lim.MaxEntries, MaxEntryBytes: w.lim.MaxItemSize,
		MaxTotalBytes: max(*budget, 1), Timeout: archiveTimeout})
	if err != nil {
		why := fmt.Errorf("%s could not be opened: %w", archiveName[format], err)
		if errors.Is(err, archive.ErrEncrypted) {
			why = fmt.Errorf("encrypted %s: the names and contents of its files are hidden by a password", archiveName[format])
		}
		return w.emit(entry{Path: p, Format: format, ModTime: mod, Err: why})
	}
	for i, en := range a.Entries {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if en.Dir {
			continue
		}
		ep := p + "!" + en.Name
		rc, err := a.Stream(i)
		if err != nil {
			if errors.Is(err, archive.ErrEntryEncrypted) {
				err = errors.New("encrypted archive member: content not readable")
			}
			if err := w.emit(entry{Path: ep, Format: formatOf(en.Name, nil), Size: en.Size, ModTime: mod, Err: err}); err != nil {
				return err
			}
			continue
		}
		err = w.inner(ep, mod, en.Size, rc, depth, budget)
		rc.Close()
		if err != nil {
			return err
		}
	}
	if a.Truncated {
		return w.emit(entry{Path: p, Format: format, Err: fmt.Errorf("archive has more than %d members: the rest is not examined", w.lim.MaxEntries)})
	}
	return nil
}

// mboxFrom splits an mbox stream into messages and emits each one; an
// empty mbox is listed as such. r starts at byte off, after message n
// (0, 0: the whole mbox). onDisk says r is an mbox file on disk, whose
// messages are placed by offset for the checkpoint.
func (w *walker) mboxFrom(name string, r io.Reader, mod time.Time, n0 int, off int64, onDisk bool) error {
	var fnErr error
	count := 0
	err := splitMboxFrom(r, w.lim.msgLimit(), n0, off, func(n int, offset, end int64, msg []byte, err error) error {
		if fnErr = w.ctx.Err(); fnErr != nil {
			return fnErr
		}
		count++
		e := entry{Path: fmt.Sprintf("%s#%d", name, n), Format: "mbox-message", Data: msg, Size: int64(len(msg)), ModTime: mod}
		if onDisk {
			e.msgN, e.msgEnd = n, end
		}
		if err != nil {
			e.Err = fmt.Errorf("message %d at byte %d: %w", n, offset, err)
			e.Header, e.Data, e.Size = partialHeaderMap(msg), nil, 0
		}
		fnErr = w.emit(e)
		return fnErr
	})
	if err != nil && fnErr == nil {
		// The mbox itself is broken: say so and go on with the dump.
		return w.emit(entry{Path: name, Format: "mbox", ModTime: mod, Err: err})
	}
	if err == nil && count == 0 && n0 == 0 {
		return w.emit(entry{Path: name, Format: "mbox", ModTime: mod, Err: errors.New("empty mbox: the file holds no message")})
	}
	return err
}

// splitMbox calls fn for each message of an mbox (mboxo or mboxrd: a
// message starts at a "From " line at the start of the file or after an
// empty line). The "From " separator line is kept at the top of msg (the
// DKIM verifier removes and reports it). A message larger than max is
// reported with an error and skipped. n counts from 1; offset is the
// byte offset of the "From " line.
func splitMbox(r io.Reader, max int64, fn func(n int, offset int64, msg []byte, err error) error) error {
	return splitMboxFrom(r, max, 0, 0, func(n int, offset, _ int64, msg []byte, err error) error { return fn(n, offset, msg, err) })
}

// splitMboxFrom is splitMbox on an mbox read from byte off, after
// message n0; fn is also told where each message ends (the offset of the
// next separator line, or the end of the file).
func splitMboxFrom(r io.Reader, max int64, n0 int, off int64, fn func(n int, offset, end int64, msg []byte, err error) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		cur      bytes.Buffer
		n        = n0
		start    = off
		pos      = off
		prevLine = true // start of file counts as after an empty line
		tooBig   bool
		started  bool
	)
	flush := func() error {
		if !started {
			return nil
		}
		if tooBig {
			return fn(n, start, pos, bytes.Clone(cur.Bytes()), fmt.Errorf("message larger than the %d-byte limit (--max-message-size): not examined", max))
		}
		msg := bytes.Clone(cur.Bytes())
		// The empty line before the next separator belongs to the
		// format, not the message.
		if bytes.HasSuffix(msg, []byte("\r\n\r\n")) {
			msg = msg[:len(msg)-2]
		} else if bytes.HasSuffix(msg, []byte("\n\n")) {
			msg = msg[:len(msg)-1]
		}
		return fn(n, start, pos, msg, nil)
	}
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A very long line: gather it whole (bounded by max).
			full := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				if int64(len(full)) <= max {
					full = append(full, line...)
				}
			}
			line = full
		}
		if len(line) > 0 {
			if prevLine && bytes.HasPrefix(line, []byte("From ")) {
				if err := flush(); err != nil {
					return err
				}
				n++
				started, tooBig, start = true, false, pos
				cur.Reset()
			} else if !started {
				if len(bytes.TrimSpace(line)) > 0 {
					return fmt.Errorf("not an mbox: byte %d is not a \"From \" separator line", pos)
				}
			}
			if started && !tooBig {
				if int64(cur.Len()+len(line)) > max {
					// keep the first bytes: the header names the message
					tooBig = true
					cur.Truncate(min(cur.Len(), 64<<10))
				} else {
					cur.Write(line)
				}
			}
			pos += int64(len(line))
			t := bytes.TrimRight(line, "\r\n")
			prevLine = len(t) == 0
		}
		if err == io.EOF {
			return flush()
		}
		if err != nil {
			return fmt.Errorf("reading mbox at byte %d: %w", pos, err)
		}
	}
}

// formatOf names the format of a file from its name and first bytes.
func formatOf(name string, head []byte) string {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(name), "."))
	switch ext {
	case "eml", "msg":
		return ext
	case "mbox", "mbx":
		return "mbox"
	case "docx", "docm", "dotx", "dotm", "xlsx", "xlsm", "xltx", "xltm", "pptx", "pptm", "potx", "ppsx", "ppsm",
		"odt", "ods", "odp", "odg", "ott", "ots", "otp", "fodt", "fods", "fodp", "fodg", "pdf", "doc", "dot", "xls", "xlt", "ppt", "pps", "rtf":
		return ext
	case "zip":
		return "zip"
	case "7z":
		return "7z"
	case "rar":
		return "rar"
	case "iso":
		return "iso"
	case "tar":
		return "tar"
	case "gz", "tgz":
		return "gzip"
	case "xz", "txz":
		return "xz"
	case "bz2", "tbz", "tbz2":
		return "bzip2"
	}
	if k := archive.SniffStream(head); k != "" {
		return k
	}
	switch {
	case archive.Sniff(head) == archive.Kind7z:
		return "7z"
	case archive.Sniff(head) == archive.KindRAR:
		return "rar"
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "pdf"
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return "ole"
	case bytes.HasPrefix(head, []byte(`{\rtf`)):
		return "rtf"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		if bytes.Contains(head, []byte("[Content_Types].xml")) || bytes.Contains(head, []byte("mimetypeapplication/vnd.oasis")) {
			return "office-zip"
		}
		return "zip"
	case bytes.HasPrefix(head, []byte("From ")):
		return "mbox"
	case looksLikeMail(head):
		return "eml"
	}
	if ext == "" {
		return "unknown"
	}
	return ext
}

// looksLikeMail reports whether head starts with a few RFC 5322 header
// fields, including one a message always has.
func looksLikeMail(head []byte) bool {
	lines := bytes.SplitN(head, []byte("\n"), 30)
	fields, key := 0, false
	for _, l := range lines {
		l = bytes.TrimRight(l, "\r")
		if len(l) == 0 {
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			continue
		}
		i := bytes.IndexByte(l, ':')
		if i <= 0 || bytes.ContainsAny(l[:i], " \t") {
			return false
		}
		fields++
		switch strings.ToLower(string(l[:i])) {
		case "from", "date", "message-id", "received", "dkim-signature", "return-path":
			key = true
		}
	}
	return fields >= 2 && key
}

// countedFile counts the bytes read from a dump file for the progress
// (up to the file's size: what is read twice counts once).
type countedFile struct {
	*os.File
	total *atomic.Int64
	n     *int64
	max   int64
}

func (c *countedFile) add(k int) {
	if c.total == nil || k <= 0 {
		return
	}
	k64 := min(int64(k), c.max-*c.n)
	if k64 > 0 {
		*c.n += k64
		c.total.Add(k64)
	}
}

func (c *countedFile) Read(p []byte) (int, error) {
	k, err := c.File.Read(p)
	c.add(k)
	return k, err
}

func (c *countedFile) ReadAt(p []byte, off int64) (int, error) {
	k, err := c.File.ReadAt(p, off)
	c.add(k)
	return k, err
}
