package milter

import (
	"os"
	"sync"
)

// The garbage collector runs each time the heap has grown by GOGC % (100)
// of what was live after the last run. A milter's live heap is small —
// about 5 MB: the learned model, the indicators — and each message
// allocates some 100 KB that is garbage once it is answered: with the
// default, the collector ran every 40-odd messages, some 15 % of the
// milter's CPU. A floor counted as live heap but never written (a large
// allocation comes zeroed from the system; untouched, its pages take no
// memory) makes it run every few hundred messages instead, and adds at
// most twice the floor to the heap's peak when large messages are in
// flight (bounded by MaxBytesInFlight).
var (
	floorMu sync.Mutex
	floor   []byte
)

// DefaultHeapFloor is the floor vigie mail milter sets.
const DefaultHeapFloor = 32 << 20

// SetHeapFloor reserves n bytes counted as live heap, replacing the last
// floor (0 removes it). With GOGC or GOMEMLIMIT set in the environment
// the operator tunes the collector and nothing is reserved (the floor
// counts against a memory limit: under a small one the collector would
// run without pause).
func SetHeapFloor(n int) {
	floorMu.Lock()
	defer floorMu.Unlock()
	_, gogc := os.LookupEnv("GOGC")
	_, limit := os.LookupEnv("GOMEMLIMIT")
	if gogc || limit || n <= 0 {
		floor = nil
		return
	}
	floor = make([]byte, n)
}
