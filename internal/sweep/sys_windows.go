//go:build windows

package sweep

import "os"

// openFile opens a file for reading. Windows has no FIFOs in the file
// system; named pipes live under \\.\pipe\, which is never walked.
func openFile(root *os.Root, name string) (*os.File, error) {
	if root == nil {
		return os.Open(name)
	}
	return root.Open(name)
}

// fileKey identifies a directory; on Windows the walker relies on not
// following reparse points (links and junctions) instead.
type fileKey struct{}

func keyOf(os.FileInfo) (fileKey, bool) { return fileKey{}, false }

func devOf(os.FileInfo) (uint64, bool) { return 0, false }

// ownerCache: the owner of a file needs the Windows security API, which
// Vigie does not use; the owner external is empty on Windows.
type ownerCache struct{}

func (c *ownerCache) owner(os.FileInfo) string { return "" }
