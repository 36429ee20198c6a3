//go:build !unix

package lookalike

import "time"

func cpuTime() time.Duration { return 0 }
