//go:build unix

package sweep

import (
	"os"
	"os/user"
	"strconv"
	"sync"
	"syscall"
)

// openFile opens a regular file for reading without blocking: if a FIFO or
// device was swapped in since the directory was read, open returns at
// once and the worker sees it is not a regular file. Root nil means name
// is a full path.
func openFile(root *os.Root, name string) (*os.File, error) {
	flags := os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOFOLLOW
	if root == nil {
		return os.OpenFile(name, flags, 0)
	}
	return root.OpenFile(name, flags, 0)
}

// fileKey identifies a directory (device and inode) to avoid visiting it
// twice (bind mounts, overlapping paths).
type fileKey struct{ dev, ino uint64 }

func keyOf(fi os.FileInfo) (fileKey, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileKey{}, false
	}
	return fileKey{uint64(st.Dev), uint64(st.Ino)}, true
}

func devOf(fi os.FileInfo) (uint64, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return uint64(st.Dev), true
}

// ownerCache maps user ids to names.
type ownerCache struct {
	mu sync.Mutex
	m  map[uint32]string
}

// owner returns the name of the file's owner (the uid as text when it has
// no name).
func (c *ownerCache) owner(fi os.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.m[st.Uid]; ok {
		return n
	}
	if c.m == nil {
		c.m = map[uint32]string{}
	}
	id := strconv.FormatUint(uint64(st.Uid), 10)
	n := id
	if u, err := user.LookupId(id); err == nil {
		n = u.Username
	}
	c.m[st.Uid] = n
	return n
}
