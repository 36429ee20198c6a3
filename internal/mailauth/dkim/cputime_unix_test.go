//go:build unix

package dkim

import (
	"syscall"
	"time"
)

// cpuTime returns the process's user+system CPU time, for benchmarks
// compared with peers on a shared machine (wall time is too noisy).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
