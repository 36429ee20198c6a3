package milter

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Memory. A milter holds every message it is given until the end of the
// message, and the analysis of a message takes a few times its size
// (decoded attachments, archive entries). Without bounds, eight
// simultaneous 30 MB messages took 1.4 GB that the Go runtime kept for
// minutes. So:
//
//   - a message body beyond spoolAbove is written to a temporary file
//     (as rspamd does), so slow or many senders cost disk, not memory;
//   - the bytes of the messages being analysed at once are bounded by
//     Server.MaxBytesInFlight; a message waits for room, and when none is
//     made within the policy's timeout, the failure policy answers
//     (accepted marked unchecked, or tempfailed so the sender retries);
//   - after a large message, memory is given back to the system
//     (debug.FreeOSMemory, at most every few seconds). GOMEMLIMIT, set in
//     the service's environment, caps the heap further (deploy/systemd).

// Defaults of the memory bounds.
const (
	DefaultMaxBytesInFlight = 128 << 20
	// spoolAbove: a body larger than this goes to a temporary file.
	spoolAbove = 256 << 10
	// freeAbove: after analysing a message this large, memory is
	// returned to the system.
	freeAbove = 4 << 20
	// freeEvery bounds how often memory is returned (each time is a full
	// garbage collection).
	freeEvery = 5 * time.Second
)

// msgBody is a message body being received: in memory up to spoolAbove,
// then in a temporary file.
type msgBody struct {
	dir      string
	mem      bytes.Buffer
	f        *os.File
	unlinked bool
	n        int64
	onDisk   func(delta int64) // accounts memory held in mem
}

func (b *msgBody) Len() int64 { return b.n }

func (b *msgBody) Write(p []byte) error {
	if b.f == nil && b.mem.Len()+len(p) > spoolAbove {
		f, err := os.CreateTemp(b.dir, "vigie-milter-*.eml")
		if err != nil {
			return fmt.Errorf("spooling a large message to disk: %w", err)
		}
		// unlinked at once where the system allows it: nothing is left
		// behind if the milter is killed
		b.unlinked = os.Remove(f.Name()) == nil
		b.f = f
		if _, err := f.Write(b.mem.Bytes()); err != nil {
			return fmt.Errorf("spooling a large message to disk: %w", err)
		}
		b.account(-int64(b.mem.Len()))
		b.mem = bytes.Buffer{}
	}
	b.n += int64(len(p))
	if b.f != nil {
		if _, err := b.f.Write(p); err != nil {
			return fmt.Errorf("spooling a large message to disk: %w", err)
		}
		return nil
	}
	b.account(int64(len(p)))
	b.mem.Write(p)
	return nil
}

func (b *msgBody) account(d int64) {
	if b.onDisk != nil && d != 0 {
		b.onDisk(d)
	}
}

// appendTo appends the body to dst.
func (b *msgBody) appendTo(dst []byte) ([]byte, error) {
	if b.f == nil {
		return append(dst, b.mem.Bytes()...), nil
	}
	start := len(dst)
	dst = dst[:start+int(b.n)]
	if _, err := b.f.ReadAt(dst[start:], 0); err != nil && err != io.EOF {
		return dst[:start], fmt.Errorf("reading back the spooled message: %w", err)
	}
	return dst, nil
}

func (b *msgBody) reset() {
	if b.f != nil {
		b.f.Close()
		if !b.unlinked {
			os.Remove(b.f.Name())
		}
		b.f = nil
	}
	b.account(-int64(b.mem.Len()))
	if b.mem.Cap() > spoolAbove {
		b.mem = bytes.Buffer{}
	} else {
		b.mem.Reset()
	}
	b.n = 0
}

// byteBudget bounds the bytes analysed at once across connections.
type byteBudget struct {
	mu   sync.Mutex
	max  int64
	used int64
	wake chan struct{} // closed when bytes are released
}

func newByteBudget(max int64) *byteBudget {
	return &byteBudget{max: max, wake: make(chan struct{})}
}

// acquire takes n bytes (at most the whole budget, so that one message
// larger than the budget still runs alone), waiting until ctx is done.
func (b *byteBudget) acquire(ctx context.Context, n int64) (int64, error) {
	n = min(n, b.max)
	for {
		b.mu.Lock()
		if b.used+n <= b.max {
			b.used += n
			b.mu.Unlock()
			return n, nil
		}
		w := b.wake
		b.mu.Unlock()
		select {
		case <-w:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

func (b *byteBudget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	close(b.wake)
	b.wake = make(chan struct{})
	b.mu.Unlock()
}

func (b *byteBudget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// freer returns memory to the system after large messages, at most once
// every freeEvery.
type freer struct {
	last atomic.Int64 // unix nanoseconds
	busy atomic.Bool
}

func (f *freer) after(size int64) {
	if size < freeAbove {
		return
	}
	now := time.Now().UnixNano()
	if now-f.last.Load() < int64(freeEvery) || !f.busy.CompareAndSwap(false, true) {
		return
	}
	f.last.Store(now)
	go func() {
		defer f.busy.Store(false)
		debug.FreeOSMemory()
	}()
}
