//go:build unix

package lookalike

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used: benchmarks report names
// per CPU-second, which a machine shared with other jobs does not skew as
// it skews wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
