//go:build !unix

package milter

import "time"

func cpuTime() time.Duration { return 0 }
