//go:build !linux

package sweep

// pseudoMounts: outside Linux the pseudo file systems (devfs on macOS) are
// not under the default scan paths; symbolic links are never followed and
// special files are never opened, which covers them.
func pseudoMounts() map[string]bool { return map[string]bool{} }
