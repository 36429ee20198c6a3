package sweep

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/yara"
)

// readBufSize is the size of the reads of the hashing loop.
const readBufSize = 1 << 20

// keepBuf is the largest whole-file buffer a worker keeps between files.
const keepBuf = 64 << 20

// worker holds per-goroutine buffers and hash states.
type worker struct {
	s                 *Scanner
	buf               []byte
	data              []byte
	md5, sha1, sha256 hash.Hash
}

func (s *Scanner) newWorker() *worker {
	w := &worker{s: s}
	if s.needMD5 {
		w.md5 = md5.New()
	}
	if s.needSHA1 {
		w.sha1 = sha1.New()
	}
	if s.needSHA256 {
		w.sha256 = sha256.New()
	}
	return w
}

// item is a file being examined: on disk or inside a container.
type item struct {
	vpath string // full path, container levels joined with "!"
	dir   string // vpath without the base name (the filepath external)
	base  string
	owner string // owner of the top-level file
	size  int64
	top   string // the top-level file on disk
}

// digests are the hashes of one file, those that were computed.
type digests struct {
	md5    []byte
	sha1   []byte
	sha256 []byte
}

func (w *worker) reset() {
	for _, h := range []hash.Hash{w.md5, w.sha1, w.sha256} {
		if h != nil {
			h.Reset()
		}
	}
}

func (w *worker) write(p []byte) {
	// One read, every needed hash: each buffer goes to all hashers.
	if w.md5 != nil {
		w.md5.Write(p)
	}
	if w.sha1 != nil {
		w.sha1.Write(p)
	}
	if w.sha256 != nil {
		w.sha256.Write(p)
	}
}

func (w *worker) sums() digests {
	var d digests
	if w.md5 != nil {
		d.md5 = w.md5.Sum(nil)
	}
	if w.sha1 != nil {
		d.sha1 = w.sha1.Sum(nil)
	}
	if w.sha256 != nil {
		d.sha256 = w.sha256.Sum(nil)
	}
	return d
}

func (w *worker) hashBytes(data []byte) digests {
	if !w.s.needHash() {
		return digests{}
	}
	w.reset()
	w.write(data)
	return w.sums()
}

// examineFile examines one file on disk: names first (no I/O), then the
// content the indicators need, in one read.
func (w *worker) examineFile(ctx context.Context, j job) {
	s := w.s
	if j.f != nil {
		defer j.f.Close()
	}
	s.stats.files.Add(1)
	s.opts.Progress.setCurrent(j.path)
	base := filepath.Base(j.path)
	it := item{vpath: j.path, dir: filepath.Dir(j.path), base: base, size: j.info.Size(), top: j.path}
	w.checkNames(it)
	if j.openErr != nil {
		s.unreadableFile(it, j.openErr)
		return
	}
	if j.f == nil {
		if s.opts.MaxSize > 0 && j.info.Size() > s.opts.MaxSize {
			s.stats.tooLarge.Add(1)
		}
		return
	}
	fi, err := j.f.Stat()
	if err != nil {
		s.unreadableFile(it, err)
		return
	}
	if !fi.Mode().IsRegular() {
		// Swapped for a FIFO, device or socket since the directory was read.
		s.stats.special.Add(1)
		return
	}
	it.size = fi.Size()
	if s.opts.MaxSize > 0 && it.size > s.opts.MaxSize {
		s.stats.tooLarge.Add(1)
		return
	}
	if s.rules != nil {
		it.owner = s.owners.owner(fi)
	}
	defer s.opts.Progress.addBytes(it.size)

	inMemory := s.rules != nil
	if inMemory && s.rules.MaxSize() > 0 && it.size > s.rules.MaxSize() {
		inMemory = false
		s.stats.ruleSkipped.Add(1)
	}
	if inMemory {
		data, err := w.readAll(j.f, it.size)
		if err != nil {
			s.unreadableFile(it, fmt.Errorf("reading: %w", err))
			return
		}
		if int64(len(data)) != it.size {
			s.stats.changed.Add(1)
			it.size = int64(len(data))
		}
		s.stats.bytes.Add(int64(len(data)))
		w.examineData(ctx, it, data, 0, &budget{top: it.size})
		if cap(w.data) > keepBuf {
			w.data = nil
		}
		return
	}

	// Stream: hash every buffer, keep the head for the file type.
	if w.buf == nil {
		w.buf = make([]byte, readBufSize)
	}
	w.reset()
	var head []byte
	var n int64
	for {
		k, err := j.f.Read(w.buf)
		if k > 0 {
			if head == nil {
				head = append([]byte(nil), w.buf[:min(k, headSize)]...)
			}
			w.write(w.buf[:k])
			n += int64(k)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			s.unreadableFile(it, fmt.Errorf("reading at offset %d: %w", n, err))
			return
		}
		if ctx.Err() != nil {
			return
		}
	}
	s.stats.bytes.Add(n)
	if n != it.size {
		s.stats.changed.Add(1)
		it.size = n
	}
	if s.needHash() {
		w.checkDigests(it, w.sums())
	}
	if s.limits.MaxDepth > 0 {
		kind := containerKind(head)
		if kind == "" && isISOAt(j.f, n) {
			kind = kindISO
		}
		if kind != "" {
			w.openContainer(ctx, it, kind, io.NewSectionReader(j.f, 0, n), n, 0, &budget{top: n})
		}
	}
}

// readAll reads f (expected size bytes) into the worker's buffer.
func (w *worker) readAll(f *os.File, size int64) ([]byte, error) {
	want := size + 1 // one more, to see growth without a second read
	if int64(cap(w.data)) < want {
		w.data = make([]byte, 0, want)
	}
	b := w.data[:0]
	limit := w.s.opts.MaxSize
	for {
		if len(b) == cap(b) {
			if limit > 0 && int64(len(b)) > limit {
				return nil, fmt.Errorf("grew beyond --max-size (%s) while being read", sizeString(limit))
			}
			b = append(b, 0)[:len(b)]
		}
		k, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+k]
		if err == io.EOF {
			w.data = b
			return b, nil
		}
		if err != nil {
			return nil, fmt.Errorf("at offset %d: %w", len(b), err)
		}
	}
}

// examineData examines content held in memory: hashes, rules, containers.
func (w *worker) examineData(ctx context.Context, it item, data []byte, depth int, bud *budget) {
	s := w.s
	if s.needHash() {
		w.checkDigests(it, w.hashBytes(data))
	}
	head := data[:min(len(data), headSize)]
	if s.rules != nil {
		ext := Externals{Filename: it.base, Filepath: it.dir, Extension: extension(it.base), Filetype: fileType(head, extension(it.base)), Owner: it.owner}
		rctx, cancel := ctx, context.CancelFunc(func() {})
		if s.opts.RuleTimeout > 0 {
			rctx, cancel = context.WithTimeout(ctx, s.opts.RuleTimeout)
		}
		ms, err := s.rules.ScanBytes(rctx, data, ext)
		timedOut := ctx.Err() == nil && (rctx.Err() != nil || errors.Is(err, yara.ErrTimeout))
		cancel()
		switch {
		case err != nil && timedOut:
			s.stats.ruleTimeouts.Add(1)
			s.emit(s.timeoutFinding(it, s.opts.RuleTimeout))
		case err != nil && ctx.Err() == nil:
			s.fail(it.vpath, fmt.Errorf("rule scan: %w", err))
		}
		for i := range ms {
			s.emit(s.ruleFinding(it, &ms[i]))
		}
	}
	if depth < s.limits.MaxDepth {
		// all of data, not head: a disk image is recognised at 32 KiB
		if kind := containerKind(data); kind != "" {
			w.openContainer(ctx, it, kind, bytes.NewReader(data), int64(len(data)), depth, bud)
		}
	}
}

// examineEntry examines one file found inside a container.
func (w *worker) examineEntry(ctx context.Context, parent item, name string, data []byte, depth int, bud *budget) {
	w.s.stats.entries.Add(1)
	name = strings.TrimLeft(strings.ReplaceAll(name, "\\", "/"), "/")
	vpath := parent.vpath + "!" + name
	dir := parent.vpath
	if d := path.Dir(name); d != "." {
		dir += "!" + d
	}
	it := item{vpath: vpath, dir: dir, base: path.Base(name), owner: parent.owner, size: int64(len(data)), top: parent.top}
	w.checkNames(it)
	w.examineData(ctx, it, data, depth+1, bud)
}

// checkNames matches the base name and the full path.
func (w *worker) checkNames(it item) {
	s := w.s
	if s.needNames {
		if ind, ok := s.m.Filename(it.base); ok {
			s.emit(s.nameFinding(it, ind))
		}
	}
	if s.needPaths {
		for _, ind := range s.m.Path(it.vpath) {
			s.emit(s.pathFinding(it, ind))
		}
	}
}

// checkDigests looks the computed hashes up; one finding per file, for
// the strongest hash that matched, with every matching hash as evidence.
func (w *worker) checkDigests(it item, d digests) {
	s := w.s
	var hits []hashHit
	for _, h := range []struct {
		name string
		sum  []byte
	}{{"sha256", d.sha256}, {"sha1", d.sha1}, {"md5", d.md5}} {
		if h.sum == nil {
			continue
		}
		if ind, ok := s.m.Digest(h.sum); ok {
			hits = append(hits, hashHit{h.name, fmt.Sprintf("%x", h.sum), ind})
		}
	}
	if len(hits) == 0 {
		return
	}
	sha := ""
	if d.sha256 != nil {
		sha = fmt.Sprintf("%x", d.sha256)
	}
	s.emit(s.hashFinding(it, sha, hits))
}

type hashHit struct {
	algo, hex string
	ind       *indicator.Indicator
}

// budget bounds what one top-level file may expand to.
type budget struct {
	top      int64 // size of the top-level file
	expanded int64
	entries  int
	hit      bool // a limit was hit: expand nothing more
}

// errLimit is a container limit being hit.
type errLimit struct{ what string }

func (e *errLimit) Error() string { return e.what }

func (s *Scanner) take(bud *budget, n int64) error {
	bud.expanded += n
	if bud.expanded > s.limits.MaxExpanded {
		return &errLimit{fmt.Sprintf("expands to more than %s", sizeString(s.limits.MaxExpanded))}
	}
	if bud.expanded > ratioFloor && bud.expanded/max(bud.top, 1) > s.limits.MaxRatio {
		return &errLimit{fmt.Sprintf("expands more than %d times its size", s.limits.MaxRatio)}
	}
	return nil
}

// readEntry reads an entry's content within the budget.
func (s *Scanner) readEntry(r io.Reader, bud *budget) ([]byte, error) {
	bud.entries++
	if bud.entries > s.limits.MaxEntries {
		return nil, &errLimit{fmt.Sprintf("has more than %d entries", s.limits.MaxEntries)}
	}
	room := s.limits.MaxExpanded - bud.expanded
	if s.opts.MaxSize > 0 {
		room = min(room, s.opts.MaxSize)
	}
	var b bytes.Buffer
	n, err := io.Copy(&b, io.LimitReader(r, room+1))
	if lerr := s.take(bud, n); lerr != nil {
		return nil, lerr
	}
	if err != nil {
		return nil, err
	}
	if n > room {
		if s.opts.MaxSize > 0 && room == s.opts.MaxSize {
			return nil, &errLimit{fmt.Sprintf("has an entry larger than --max-size (%s)", sizeString(s.opts.MaxSize))}
		}
		return nil, &errLimit{fmt.Sprintf("expands to more than %s", sizeString(s.limits.MaxExpanded))}
	}
	return b.Bytes(), nil
}

// entryError records a problem with a container entry: a limit ends the
// expansion of the top-level file with a finding; anything else is an
// error naming the entry.
func (w *worker) entryError(container item, entry string, err error, bud *budget) {
	var le *errLimit
	if errors.As(err, &le) {
		if !bud.hit {
			bud.hit = true
			w.s.stats.containerLimits.Add(1)
			w.s.emit(w.s.limitFinding(container, le.what))
		}
		return
	}
	p := container.vpath
	if entry != "" {
		p += "!" + entry
	}
	w.s.fail(p, err)
}
