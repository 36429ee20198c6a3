// Package sweep is Vigie's file sweep: it walks disks and shares, and for
// every file does only the work the loaded indicators need — the file name
// and path against file-name and path-pattern indicators, the MD5, SHA-1
// and SHA-256 digests (all in one read) against hash indicators, and YARA
// rules with the Loki/THOR externals (filename, filepath, extension,
// filetype, owner) filled in. It looks inside containers — zip (and so
// OOXML, ODF and jar), gzip, tar, and the VBA macros of Office documents —
// to a depth limit and within limits on expanded size, ratio and entry
// count, so that a zip bomb ends in a finding, not a crash or a full disk.
//
// Paths inside containers join the levels with "!":
//
//	archive.zip!docs/a.docm!word/vbaProject.bin!VBA/Module1
//
// The walker is hostile-input safe: it does not follow symbolic links
// (so it never loops), skips pseudo file systems (proc, sysfs, cgroup …),
// stays on the starting file system unless told otherwise, opens files
// without blocking (a FIFO or device swapped in during the scan is skipped,
// not waited on), and reports permission errors and files that vanish or
// change while being read. Directories are opened relative to their parent
// (os.Root), so paths longer than the system's PATH_MAX are scanned too.
//
// Results are report.Finding values; package report writes them.
package sweep
