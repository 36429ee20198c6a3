//go:build linux || darwin || freebsd || netbsd || openbsd

package yara

import (
	"os"
	"syscall"
)

// mapFile maps f read-only; the data lives in the page cache, not the Go
// heap, so scanning a big file does not grow the process' memory.
func mapFile(f *os.File, size int64) ([]byte, func(), bool) {
	if size <= 0 || int64(int(size)) != size {
		return nil, nil, false
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, false
	}
	return b, func() { _ = syscall.Munmap(b) }, true
}
