// Package archive lists and reads the archive and disk-image formats that
// attackers mail to get a program past filters: 7-Zip, RAR (versions 4 and
// 5) and ISO 9660 disk images (with Joliet long names). Zip is read by the
// standard library and is not handled here. Streams read front to back
// (gzip, xz, bzip2; tar is sniffed by SniffStream and read by archive/tar)
// are opened by Decompress, bounded in bytes and time; Archive.Stream
// reads one entry of a 7-Zip archive as a stream, for entries too large
// to hold in memory.
//
// Every archive is hostile. Open checks the structure before trusting any
// count or size in it, and every read is bounded: the number of entries
// listed, the bytes read from one entry, the bytes decompressed from the
// whole archive (including what a solid block decompresses before the entry
// asked for), the dictionary a decoder may allocate, and the time spent.
// A limit reached is an error that errors.Is(err, ErrLimit).
//
// An archive whose names are themselves encrypted (7-Zip -mhe, RAR -hp)
// cannot be listed: Open returns ErrEncrypted. An archive whose file names
// are visible but whose contents are encrypted lists its entries with
// Encrypted set; reading one returns ErrEncrypted.
//
//	a, err := archive.Open(data, archive.Kind7z, archive.DefaultLimits())
//	if errors.Is(err, archive.ErrEncrypted) { ... }
//	for i, e := range a.Entries {
//		b, err := a.Read(i) // at most Limits.MaxEntryBytes
//	}
package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// Kinds of archive Open understands.
const (
	Kind7z  = "7z"
	KindRAR = "rar"
	KindISO = "iso"
)

var (
	// ErrEncrypted: the archive or entry is protected by a password.
	ErrEncrypted = errors.New("encrypted archive: names hidden")
	// ErrEntryEncrypted: the entry's content is protected by a password
	// (its name is visible).
	ErrEntryEncrypted = errors.New("encrypted entry: content hidden")
	// ErrLimit: a limit was reached; what was read up to it is valid.
	ErrLimit = errors.New("archive limit reached")
	// ErrUnsupported: a valid archive that Vigie cannot read (a UDF-only
	// disk image, a compression method outside the supported set).
	ErrUnsupported = errors.New("unsupported archive")
	// ErrFormat: the data is not a well-formed archive of the kind.
	ErrFormat = errors.New("malformed archive")
)

// Sniff tells from its first bytes which kind of archive data is: Kind7z,
// KindRAR, KindISO (also a UDF image), or "" for none of them.
func Sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, szMagic):
		return Kind7z
	case bytes.HasPrefix(data, []byte("Rar!\x1a\x07")):
		return KindRAR
	case isISO(data):
		return KindISO
	}
	return ""
}

// Limits bound the work and memory one archive may cost. A zero field takes
// the value of DefaultLimits.
type Limits struct {
	MaxEntries    int           // entries listed; more is an ErrLimit from Open (7z) or a Truncated list
	MaxEntryBytes int64         // bytes returned for one entry; more is returned cut with ErrLimit
	MaxTotalBytes int64         // bytes decompressed from the whole archive, skipped solid data included
	MaxDictionary int64         // dictionary or model memory a decoder may allocate
	MaxHeaderSize int64         // decoded size of a 7-Zip header
	MaxDepth      int           // directory depth of a disk image
	Timeout       time.Duration // wall time from Open to the last read
}

// DefaultLimits suit one mailed or swept file: 10,000 entries, 16 MiB per
// entry, 256 MiB decompressed, 128 MiB dictionaries (7-Zip's -mx9 uses 64 MiB,
// RAR 5's default is 32 MiB), a 16 MiB header, 32 directory levels, 30 s.
func DefaultLimits() Limits {
	return Limits{MaxEntries: 10000, MaxEntryBytes: 16 << 20, MaxTotalBytes: 256 << 20,
		MaxDictionary: 128 << 20, MaxHeaderSize: 16 << 20, MaxDepth: 32, Timeout: 30 * time.Second}
}

func (l Limits) fill() Limits {
	d := DefaultLimits()
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxEntryBytes <= 0 {
		l.MaxEntryBytes = d.MaxEntryBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	if l.MaxDictionary <= 0 {
		l.MaxDictionary = d.MaxDictionary
	}
	if l.MaxHeaderSize <= 0 {
		l.MaxHeaderSize = d.MaxHeaderSize
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	return l
}

// Entry is one file or directory of an archive.
type Entry struct {
	Name      string // path inside the archive, '/' separated
	Size      int64  // declared size once unpacked
	Dir       bool
	Encrypted bool // content protected by a password
}

// Archive is an opened archive: its entries and the means to read them.
type Archive struct {
	Kind      string
	Entries   []Entry
	Truncated bool // more entries than Limits.MaxEntries: the list stops there

	lim      Limits
	deadline time.Time
	used     int64 // bytes decompressed so far
	read     func(i int) ([]byte, error)
	stream   func(i int) (io.ReadCloser, error) // nil: Stream reads through read
}

// limitError names the limit that was reached.
func limitError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrLimit, fmt.Sprintf(format, args...))
}

// Open lists the archive data of the given kind (Kind7z, KindRAR, KindISO)
// within lim.
func Open(data []byte, kind string, lim Limits) (*Archive, error) {
	lim = lim.fill()
	a := &Archive{Kind: kind, lim: lim, deadline: time.Now().Add(lim.Timeout)}
	var err error
	switch kind {
	case Kind7z:
		err = a.open7z(data)
	case KindRAR:
		err = a.openRAR(data)
	case KindISO:
		err = a.openISO(data)
	default:
		return nil, fmt.Errorf("%w: kind %q", ErrUnsupported, kind)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	return a, nil
}

// Read returns the content of entry i: at most Limits.MaxEntryBytes of it,
// with an ErrLimit error beside the bytes when the entry was cut there or
// the archive's decompression budget ran out. A directory reads empty; an
// encrypted entry returns ErrEntryEncrypted.
func (a *Archive) Read(i int) ([]byte, error) {
	if i < 0 || i >= len(a.Entries) {
		return nil, fmt.Errorf("archive: no entry %d", i)
	}
	e := a.Entries[i]
	switch {
	case e.Dir:
		return nil, nil
	case e.Encrypted:
		return nil, fmt.Errorf("%s: %w", e.Name, ErrEntryEncrypted)
	}
	if err := a.checkTime(); err != nil {
		return nil, err
	}
	b, err := a.read(i)
	if err != nil {
		return b, fmt.Errorf("%s: %w", e.Name, err)
	}
	return b, nil
}

// Expanded is the number of bytes decompressed so far, the skipped parts
// of solid blocks included.
func (a *Archive) Expanded() int64 { return a.used }

// Declared is the sum of the entries' declared sizes: with the size of the
// archive it tells a decompression bomb.
func (a *Archive) Declared() int64 {
	var n int64
	for _, e := range a.Entries {
		if e.Size > 0 && n < 1<<62 {
			n += e.Size
		}
	}
	return n
}

func (a *Archive) checkTime() error {
	if time.Now().After(a.deadline) {
		return limitError("took longer than %v", a.lim.Timeout)
	}
	return nil
}

// budget is what may still be decompressed.
func (a *Archive) budget() int64 { return a.lim.MaxTotalBytes - a.used }

// readBounded reads r up to the entry limit and the archive budget,
// counting what it read against the budget and checking the deadline. It
// returns ErrLimit beside the bytes when it had to stop before the end of
// an entry of the given declared size (size < 0: unknown).
func (a *Archive) readBounded(r io.Reader, size int64) ([]byte, error) {
	limit := min(a.lim.MaxEntryBytes, a.budget())
	if limit <= 0 {
		return nil, limitError("more than %d bytes decompressed from the archive", a.lim.MaxTotalBytes)
	}
	capHint := limit
	if size >= 0 && size < capHint {
		capHint = size
	}
	buf := make([]byte, 0, min(capHint, 1<<20)+1)
	tmp := make([]byte, 32<<10)
	for int64(len(buf)) <= limit {
		if err := a.checkTime(); err != nil {
			a.used += int64(len(buf))
			return buf, err
		}
		n, err := r.Read(tmp[:min(int64(len(tmp)), limit+1-int64(len(buf)))])
		buf = append(buf, tmp[:n]...)
		if err == io.EOF {
			a.used += int64(len(buf))
			return buf, nil
		}
		if err != nil {
			a.used += int64(len(buf))
			return buf, err
		}
	}
	buf = buf[:limit]
	a.used += limit
	if limit == a.lim.MaxEntryBytes {
		return buf, limitError("entry larger than %d bytes, read up to there", a.lim.MaxEntryBytes)
	}
	return buf, limitError("more than %d bytes decompressed from the archive", a.lim.MaxTotalBytes)
}
