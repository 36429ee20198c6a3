package milter

import (
	"os"
	"runtime"
	"testing"
)

// TestHeapFloor: the floor adds its size to the garbage the heap can take
// before the collector runs (with the default GOGC=100), so that it runs
// every few hundred messages rather than every 40 or so.
func TestHeapFloor(t *testing.T) {
	if _, ok := os.LookupEnv("GOGC"); ok {
		t.Skip("GOGC set: no floor")
	}
	headroom := func() int64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.NextGC) - int64(m.HeapAlloc)
	}
	without := headroom()
	SetHeapFloor(DefaultHeapFloor)
	with := headroom()
	SetHeapFloor(0)
	after := headroom()
	t.Logf("garbage allowed before the next collection: %d MiB without the floor, %d MiB with it, %d MiB once removed", without>>20, with>>20, after>>20)
	if with-without < DefaultHeapFloor*9/10 {
		t.Errorf("the floor adds %d MiB of headroom, want about %d", (with-without)>>20, DefaultHeapFloor>>20)
	}
	if after-without > DefaultHeapFloor/2 {
		t.Errorf("SetHeapFloor(0) left %d MiB of extra headroom", (after-without)>>20)
	}
}
