//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package yara

import "os"

// mapFile is not available here: ScanFile reads the file instead.
func mapFile(f *os.File, size int64) ([]byte, func(), bool) { return nil, nil, false }
