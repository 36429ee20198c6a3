package milter

import (
	"os"
	"runtime"
	"testing"
)

var sinkBytes []byte

// TestHeapFloor: with the floor, allocating and dropping 16 MB in small
// pieces (as 160 messages would) runs the collector at most once; without
// it, several times.
func TestHeapFloor(t *testing.T) {
	if _, ok := os.LookupEnv("GOGC"); ok {
		t.Skip("GOGC set: no floor")
	}
	gcs := func() uint32 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		n := m.NumGC
		for range 16 << 10 {
			sinkBytes = make([]byte, 1<<10)
		}
		runtime.ReadMemStats(&m)
		return m.NumGC - n
	}
	without := gcs()
	SetHeapFloor(DefaultHeapFloor)
	defer SetHeapFloor(0)
	with := gcs()
	t.Logf("collections for 16 MB of garbage: %d without the floor, %d with it", without, with)
	if with > 1 || without < 2 {
		t.Errorf("%d collections with the floor, %d without; want at most 1 with, several without", with, without)
	}
}
