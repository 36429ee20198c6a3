//go:build unix

package sweep

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// makeSpecialFiles makes a FIFO with no writer: opening it for reading
// would block forever. It returns how many special files it made.
func makeSpecialFiles(t *testing.T, root string) int {
	if err := syscall.Mkfifo(filepath.Join(root, "docs", "pipe"), 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	return 1
}

// makeUnreadable makes a file its owner cannot read and returns its path,
// or "" when the test runs as root (root reads every file; the sub-case is
// then skipped).
func makeUnreadable(t *testing.T, root string) string {
	if os.Geteuid() == 0 {
		t.Log("running as root: the unreadable-file sub-case is skipped (root can read a mode-000 file)")
		return ""
	}
	p := filepath.Join(root, "docs", "secret.txt")
	write(t, p, []byte("secret"))
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	return p
}
