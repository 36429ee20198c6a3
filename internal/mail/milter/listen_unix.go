//go:build unix

package milter

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// socketGroup resolves the socket's group: a name, a number, or (empty)
// the group of its directory.
func socketGroup(name string, dir fs.FileInfo) (int, error) {
	if name == "" {
		st, ok := dir.Sys().(*syscall.Stat_t)
		if !ok {
			return -1, nil
		}
		return int(st.Gid), nil
	}
	if n, err := strconv.Atoi(name); err == nil && n >= 0 {
		return n, nil
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return -1, fmt.Errorf("socket group %q: %w", name, err)
	}
	n, err := strconv.Atoi(g.Gid)
	if err != nil {
		return -1, fmt.Errorf("socket group %q: id %q: %w", name, g.Gid, err)
	}
	return n, nil
}

// chownGroup gives the socket its group, when it does not have it yet.
func chownGroup(path string, gid int, name string, dir fs.FileInfo) error {
	if gid < 0 {
		return nil
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Gid) == gid {
		return nil
	}
	if err := os.Lchown(path, -1, gid); err != nil {
		what := fmt.Sprintf("group %d (the group of its directory)", gid)
		if name != "" {
			what = fmt.Sprintf("group %s", name)
		}
		return fmt.Errorf("giving the socket %s: %w (run vigie as root or as a member of that group)", what, err)
	}
	return nil
}

func connRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
