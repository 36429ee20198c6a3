package sweep

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxDirDepth bounds directory nesting: each level holds one open
// directory while its children are walked.
const maxDirDepth = 256

// frame is one directory being walked.
type frame struct {
	root    *os.Root
	path    string
	entries []fs.DirEntry
	i       int
	dev     uint64
}

// walk visits every path of the options, sending regular files to jobs. It
// returns an error only if none of the paths could be opened.
func (s *Scanner) walk(ctx context.Context, jobs chan<- job) error {
	pseudo := pseudoMounts()
	visited := map[fileKey]bool{}
	opened := 0
	var firstErr error
	for _, p := range s.opts.Paths {
		if ctx.Err() != nil {
			return nil
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			abs = p
		}
		// A path given explicitly is followed even if it is a link.
		info, err := os.Stat(abs)
		if err != nil {
			s.fail(p, err)
			firstErr = cmpErr(firstErr, err)
			continue
		}
		opened++
		if s.excluded(abs, filepath.Base(abs)) {
			s.stats.excluded.Add(1)
			continue
		}
		if !info.IsDir() {
			if !info.Mode().IsRegular() {
				s.stats.special.Add(1)
				continue
			}
			j := job{path: abs, info: info}
			if s.needContent() && (s.opts.MaxSize <= 0 || info.Size() <= s.opts.MaxSize) {
				f, err := s.openFn(nil, abs)
				if errors.Is(err, fs.ErrNotExist) {
					s.stats.vanished.Add(1)
					continue
				}
				j.f, j.openErr = f, err
			}
			if !s.send(ctx, jobs, j) {
				return nil
			}
			continue
		}
		if pseudo[abs] {
			s.stats.pseudo.Add(1)
			continue
		}
		root, err := os.OpenRoot(abs)
		if err != nil {
			s.unreadableDir(abs, err)
			continue
		}
		s.walkDir(ctx, root, abs, info, pseudo, visited, jobs)
	}
	if opened == 0 && firstErr != nil {
		return fmt.Errorf("nothing to scan: %w", firstErr)
	}
	return nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func (s *Scanner) send(ctx context.Context, jobs chan<- job, j job) bool {
	select {
	case jobs <- j:
		return true
	case <-ctx.Done():
		j.f.Close()
		return false
	}
}

func (s *Scanner) failOpen(path string, err error) {
	if errors.Is(err, fs.ErrNotExist) {
		s.stats.vanished.Add(1)
		return
	}
	s.fail(path, err)
}

// walkDir walks the tree under root depth first, with an explicit stack.
func (s *Scanner) walkDir(ctx context.Context, root *os.Root, path string, info os.FileInfo, pseudo map[string]bool, visited map[fileKey]bool, jobs chan<- job) {
	startDev, _ := devOf(info)
	var stack []*frame
	push := func(r *os.Root, p string) {
		d, err := r.Open(".")
		if err != nil {
			r.Close()
			s.unreadableDir(p, err)
			return
		}
		di, err := d.Stat()
		if err != nil {
			d.Close()
			r.Close()
			s.unreadableDir(p, err)
			return
		}
		if k, ok := keyOf(di); ok {
			if visited[k] {
				d.Close()
				r.Close()
				return
			}
			visited[k] = true
		}
		entries, err := d.ReadDir(-1)
		d.Close()
		if err != nil {
			// Keep what was read; report the rest.
			s.unreadableDir(p, fmt.Errorf("reading the directory: %w", err))
		}
		dev, _ := devOf(di)
		s.stats.dirs.Add(1)
		stack = append(stack, &frame{root: r, path: p, entries: entries, dev: dev})
	}
	push(root, path)
	for len(stack) > 0 {
		if ctx.Err() != nil {
			for _, f := range stack {
				f.root.Close()
			}
			return
		}
		top := stack[len(stack)-1]
		if top.i >= len(top.entries) {
			top.root.Close()
			stack = stack[:len(stack)-1]
			continue
		}
		e := top.entries[top.i]
		top.i++
		name := e.Name()
		p := joinPath(top.path, name)
		if s.excluded(p, name) {
			s.stats.excluded.Add(1)
			continue
		}
		t := e.Type()
		switch {
		case t&fs.ModeSymlink != 0:
			// Never followed: no loops, no escaping the tree. The target
			// is scanned where it lives if it is inside a scanned tree.
			continue
		case t.IsDir():
			if pseudo[p] {
				s.stats.pseudo.Add(1)
				continue
			}
			if len(stack) >= maxDirDepth {
				s.fail(p, fmt.Errorf("directory nested deeper than %d levels: not descended", maxDirDepth))
				continue
			}
			sub, err := top.root.OpenRoot(name)
			if errors.Is(err, fs.ErrNotExist) {
				s.stats.vanished.Add(1)
				continue
			}
			if err != nil {
				s.unreadableDir(p, err)
				continue
			}
			if !s.opts.CrossMounts {
				if st, err := sub.Stat("."); err == nil {
					if d, ok := devOf(st); ok && d != startDev {
						s.stats.otherFS.Add(1)
						sub.Close()
						continue
					}
				}
			}
			push(sub, p)
		case t.IsRegular():
			info, err := e.Info()
			if err != nil {
				s.failOpen(p, err)
				continue
			}
			if !s.needContent() || (s.opts.MaxSize > 0 && info.Size() > s.opts.MaxSize) {
				// Names only: no need to open the file.
				if !s.send(ctx, jobs, job{path: p, info: info}) {
					return
				}
				continue
			}
			f, err := s.openFn(top.root, name)
			if errors.Is(err, fs.ErrNotExist) {
				s.stats.vanished.Add(1)
				continue
			}
			// A file that cannot be opened (no permission; on Windows,
			// locked by another program) still has its name checked: the
			// worker reports both the name match and that it was not read.
			if !s.send(ctx, jobs, job{path: p, f: f, info: info, openErr: err}) {
				for _, f := range stack {
					f.root.Close()
				}
				return
			}
		default:
			// FIFOs, sockets, devices: never opened (reading could block
			// forever or have side effects).
			s.stats.special.Add(1)
		}
	}
}

func joinPath(dir, name string) string {
	if strings.HasSuffix(dir, string(filepath.Separator)) {
		return dir + name
	}
	return dir + string(filepath.Separator) + name
}

// excluded tells whether a path matches an --exclude pattern.
func (s *Scanner) excluded(path, base string) bool {
	for _, pat := range s.opts.Exclude {
		if ok, _ := filepath.Match(pat, base); ok {
			return true
		}
		if ok, _ := filepath.Match(pat, path); ok {
			return true
		}
		// A pattern naming a directory excludes what is under it.
		if strings.ContainsRune(pat, filepath.Separator) && !strings.ContainsAny(pat, "*?[") {
			clean := filepath.Clean(pat)
			if path == clean || strings.HasPrefix(path, clean+string(filepath.Separator)) {
				return true
			}
		}
	}
	return false
}
