package archive

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"
	"time"

	"github.com/ulikunitz/xz"
)

// Stream kinds: formats read front to back, without random access, so
// that a dump of many gigabytes delivered as .tar.gz is read as it is
// decompressed, never held whole.
const (
	KindTar   = "tar"
	KindGzip  = "gzip"
	KindXz    = "xz"
	KindBzip2 = "bzip2"
)

// SniffStream tells from its first bytes whether data is a tar archive
// (the "ustar" magic at 257, or an old-style header whose checksum is
// right) or a gzip, xz or bzip2 stream; "" for none of them.
func SniffStream(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x1f\x8b")):
		return KindGzip
	case bytes.HasPrefix(head, []byte("\xfd7zXZ\x00")):
		return KindXz
	case len(head) >= 10 && bytes.HasPrefix(head, []byte("BZh")) && head[3] >= '1' && head[3] <= '9' && bytes.HasPrefix(head[4:], []byte("\x31\x41\x59\x26\x53\x59")):
		return KindBzip2
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return KindTar
	case len(head) >= 512 && tarChecksumOK(head[:512]):
		return KindTar
	}
	return ""
}

// tarChecksumOK checks a pre-POSIX tar header: the checksum at 148 is
// the sum of the header's bytes with the checksum field taken as spaces.
func tarChecksumOK(h []byte) bool {
	if h[0] == 0 {
		return false
	}
	var want int64
	field := bytes.TrimRight(bytes.TrimLeft(h[148:156], " "), " \x00")
	if len(field) == 0 {
		return false
	}
	for _, c := range field {
		if c < '0' || c > '7' {
			return false
		}
		want = want*8 + int64(c-'0')
	}
	var sum int64
	for i, c := range h {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
	}
	return sum == want
}

// Decompress returns the decompressed stream of r, a stream of the given
// kind (KindGzip, KindXz, KindBzip2), bounded: reading more than max
// bytes from it (max <= 0: no bound), or for longer than timeout (0: no
// bound), returns an error that errors.Is(err, ErrLimit). Concatenated
// gzip members are read as one stream, as gunzip does.
func Decompress(kind string, r io.Reader, max int64, timeout time.Duration) (io.ReadCloser, error) {
	var (
		dr  io.Reader
		cl  io.Closer
		err error
	)
	switch kind {
	case KindGzip:
		var zr *gzip.Reader
		if zr, err = gzip.NewReader(r); err == nil {
			zr.Multistream(true)
			dr, cl = zr, zr
		}
	case KindXz:
		var xr *xz.Reader
		if xr, err = xz.NewReader(r); err == nil {
			dr = xr
		}
	case KindBzip2:
		dr = bzip2.NewReader(r)
	default:
		return nil, fmt.Errorf("%w: kind %q", ErrUnsupported, kind)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", kind, ErrFormat, err)
	}
	lr := &limitedStream{r: dr, c: cl, left: max, kind: kind, max: max}
	if timeout > 0 {
		lr.deadline = time.Now().Add(timeout)
	}
	return lr, nil
}

type limitedStream struct {
	r        io.Reader
	c        io.Closer
	left     int64
	max      int64
	kind     string
	deadline time.Time
}

func (l *limitedStream) Read(p []byte) (int, error) {
	if !l.deadline.IsZero() && time.Now().After(l.deadline) {
		return 0, limitError("%s stream took longer than its time limit", l.kind)
	}
	if l.max > 0 {
		if l.left <= 0 {
			// One byte more tells a stream that ends exactly here.
			var one [1]byte
			if n, _ := l.r.Read(one[:]); n == 0 {
				return 0, io.EOF
			}
			return 0, limitError("%s stream expands to more than %d bytes", l.kind, l.max)
		}
		if int64(len(p)) > l.left {
			p = p[:l.left]
		}
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: %w", l.kind, err)
	}
	return n, err
}

func (l *limitedStream) Close() error {
	if l.c != nil {
		return l.c.Close()
	}
	return nil
}

// Stream returns entry i as a stream, for entries too large to hold in
// memory (an mbox of gigabytes inside a 7-Zip archive): the bytes read
// count against Limits.MaxTotalBytes and the deadline, not against
// MaxEntryBytes. For RAR and ISO it returns Read's bytes.
func (a *Archive) Stream(i int) (io.ReadCloser, error) {
	if i < 0 || i >= len(a.Entries) {
		return nil, fmt.Errorf("archive: no entry %d", i)
	}
	e := a.Entries[i]
	switch {
	case e.Dir:
		return io.NopCloser(bytes.NewReader(nil)), nil
	case e.Encrypted:
		return nil, fmt.Errorf("%s: %w", e.Name, ErrEntryEncrypted)
	}
	if err := a.checkTime(); err != nil {
		return nil, err
	}
	if a.stream == nil {
		b, err := a.Read(i)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(bytes.NewReader(b)), nil
	}
	rc, err := a.stream(i)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.Name, err)
	}
	return &archiveStream{a: a, rc: rc, name: e.Name}, nil
}

type archiveStream struct {
	a    *Archive
	rc   io.ReadCloser
	name string
}

func (s *archiveStream) Read(p []byte) (int, error) {
	if err := s.a.checkTime(); err != nil {
		return 0, err
	}
	left := s.a.budget()
	if left <= 0 {
		return 0, limitError("more than %d bytes decompressed from the archive", s.a.lim.MaxTotalBytes)
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := s.rc.Read(p)
	s.a.used += int64(n)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: %w", s.name, szErr(err))
	}
	return n, err
}

func (s *archiveStream) Close() error { return s.rc.Close() }
