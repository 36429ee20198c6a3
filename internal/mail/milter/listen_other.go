//go:build !unix

package milter

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
)

func socketGroup(name string, dir fs.FileInfo) (int, error) {
	if name != "" {
		return -1, fmt.Errorf("socket group %q: groups of sockets are not supported on this system", name)
	}
	return -1, nil
}

func chownGroup(path string, gid int, name string, dir fs.FileInfo) error { return nil }

// wsaeconnrefused is Windows' "connection refused".
const wsaeconnrefused = syscall.Errno(10061)

func connRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, wsaeconnrefused)
}
