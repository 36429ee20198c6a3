package leak

import (
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
	"time"
)

// Limits bound the work spent on a dump. Every input is hostile: a zip
// bomb, a nested archive, an mbox with one 10 GB message must end in an
// error on that item, not in exhausted memory.
type Limits struct {
	MaxItemSize    int64 // largest mail or archive member examined in memory
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
	Err      error  // the entry could not be read; the other fields may be partial
	unit     string // checkpoint key of the disk file this entry came from
}

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
			return nil
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
	err := w.diskFile(path, fi)
	w.emit = emit
	if err != nil {
		return err
	}
	if w.done != nil {
		return w.done(unit, n)
	}
	return nil
}

func (w *walker) diskFile(path string, fi fs.FileInfo) error {
	head := make([]byte, 4096)
	f, err := os.Open(path)
	if err != nil {
		return w.emit(entry{Path: path, Format: "unreadable", Size: fi.Size(), ModTime: fi.ModTime(), Err: err})
	}
	defer f.Close()
	k, _ := io.ReadFull(f, head)
	head = head[:k]
	format := formatOf(path, head)
	base := entry{Path: path, Format: format, Size: fi.Size(), ModTime: fi.ModTime()}
	switch format {
	case "zip":
		zr, err := zip.NewReader(f, fi.Size())
		if err != nil {
			base.Err = fmt.Errorf("corrupt zip archive: %w", err)
			return w.emit(base)
		}
		budget := w.lim.MaxArchiveSize
		return w.zip(path, zr, 1, &budget)
	case "mbox":
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			base.Err = err
			return w.emit(base)
		}
		return w.mbox(path, f, fi.ModTime())
	case "eml", "msg":
		if fi.Size() > w.lim.MaxItemSize {
			base.Err = fmt.Errorf("message of %d bytes is larger than the %d-byte limit", fi.Size(), w.lim.MaxItemSize)
			return w.emit(base)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			base.Err = err
			return w.emit(base)
		}
		data, err := io.ReadAll(io.LimitReader(f, w.lim.MaxItemSize+1))
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

// zip emits the members of an archive, sorted by name, within the
// limits; nested archives and mboxes are expanded.
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
		e := entry{Path: p, Size: int64(zf.UncompressedSize64), ModTime: zf.Modified}
		data, err := w.member(zf, budget)
		if err != nil {
			e.Format, e.Err = formatOf(zf.Name, nil), err
			if err := w.emit(e); err != nil {
				return err
			}
			continue
		}
		e.Format = formatOf(zf.Name, data)
		switch e.Format {
		case "zip":
			if depth >= w.lim.MaxDepth {
				e.Err = fmt.Errorf("archive nested deeper than %d levels: not expanded", w.lim.MaxDepth)
				if err := w.emit(e); err != nil {
					return err
				}
				continue
			}
			inner, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				e.Err = fmt.Errorf("corrupt zip archive: %w", err)
				if err := w.emit(e); err != nil {
					return err
				}
				continue
			}
			if err := w.zip(p, inner, depth+1, budget); err != nil {
				return err
			}
		case "mbox":
			if err := w.mbox(p, bytes.NewReader(data), zf.Modified); err != nil {
				return err
			}
		default:
			e.Data = data
			if err := w.emit(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// member decompresses one archive member within the limits.
func (w *walker) member(zf *zip.File, budget *int64) ([]byte, error) {
	if zf.Flags&1 != 0 {
		return nil, errors.New("encrypted archive member: content not readable")
	}
	size := int64(zf.UncompressedSize64)
	if size > w.lim.MaxItemSize {
		return nil, fmt.Errorf("member of %d bytes is larger than the %d-byte limit", size, w.lim.MaxItemSize)
	}
	if zf.CompressedSize64 > 0 && size/int64(zf.CompressedSize64) > w.lim.MaxRatio {
		return nil, fmt.Errorf("compression ratio %d:1 above the %d:1 limit (zip bomb?)", size/int64(zf.CompressedSize64), w.lim.MaxRatio)
	}
	if size > *budget {
		return nil, fmt.Errorf("archive expands to more than %d bytes: member not expanded", w.lim.MaxArchiveSize)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("archive member: %w", err)
	}
	defer rc.Close()
	// The declared size can lie: never read more than it (plus one byte
	// to notice), nor more than the ratio allows.
	max := min(size, w.lim.MaxItemSize, *budget)
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, fmt.Errorf("archive member: %w", err)
	}
	if int64(len(data)) > max {
		return nil, errors.New("member expands beyond its declared size (zip bomb?)")
	}
	*budget -= int64(len(data))
	return data, nil
}

// mbox splits an mbox stream into messages and emits each one.
func (w *walker) mbox(name string, r io.Reader, mod time.Time) error {
	var fnErr error
	err := splitMbox(r, w.lim.MaxItemSize, func(n int, offset int64, msg []byte, err error) error {
		if fnErr = w.ctx.Err(); fnErr != nil {
			return fnErr
		}
		e := entry{Path: fmt.Sprintf("%s#%d", name, n), Format: "mbox-message", Data: msg, Size: int64(len(msg)), ModTime: mod}
		if err != nil {
			e.Err = fmt.Errorf("message %d at byte %d: %w", n, offset, err)
		}
		fnErr = w.emit(e)
		return fnErr
	})
	if err != nil && fnErr == nil {
		// The mbox itself is broken: say so and go on with the dump.
		return w.emit(entry{Path: name, Format: "mbox", ModTime: mod, Err: err})
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
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		cur      bytes.Buffer
		n        int
		start    int64
		pos      int64
		prevLine = true // start of file counts as after an empty line
		tooBig   bool
		started  bool
	)
	flush := func() error {
		if !started {
			return nil
		}
		if tooBig {
			return fn(n, start, nil, fmt.Errorf("message larger than the %d-byte limit: not examined", max))
		}
		msg := bytes.Clone(cur.Bytes())
		// The empty line before the next separator belongs to the
		// format, not the message.
		if bytes.HasSuffix(msg, []byte("\r\n\r\n")) {
			msg = msg[:len(msg)-2]
		} else if bytes.HasSuffix(msg, []byte("\n\n")) {
			msg = msg[:len(msg)-1]
		}
		return fn(n, start, msg, nil)
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
					tooBig = true
					cur.Reset()
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
	}
	switch {
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
