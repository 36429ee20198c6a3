package sweep

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Progress shows, on a terminal, how far a sweep is: files and bytes done,
// the rate, the current path, and the time left when the total is known.
// The caller creates it only when the output is a terminal; a nil
// *Progress does nothing.
type Progress struct {
	w      io.Writer
	every  time.Duration
	width  int
	total  atomic.Int64
	files  atomic.Int64
	bytes  atomic.Int64
	cur    atomic.Pointer[string]
	start0 time.Time
	done   chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	shown  int // width of the line on screen (0: nothing shown)
}

// NewProgress returns a display writing to w (a terminal) every interval,
// in lines of at most width columns.
func NewProgress(w io.Writer, interval time.Duration, width int) *Progress {
	if width < 40 {
		width = 80
	}
	return &Progress{w: w, every: interval, width: width}
}

// SetTotal sets the number of bytes the sweep will read, when known.
func (p *Progress) SetTotal(n int64) {
	if p != nil {
		p.total.Store(n)
	}
}

func (p *Progress) setCurrent(path string) {
	if p == nil {
		return
	}
	p.files.Add(1)
	p.cur.Store(&path)
}

func (p *Progress) addBytes(n int64) {
	if p != nil {
		p.bytes.Add(n)
	}
}

func (p *Progress) start() {
	if p == nil {
		return
	}
	p.start0 = time.Now()
	p.done = make(chan struct{})
	p.wg.Go(func() {
		t := time.NewTicker(p.every)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-t.C:
				p.draw()
			}
		}
	})
}

// stop ends the display and erases its line.
func (p *Progress) stop() {
	if p == nil || p.done == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
	p.Clear()
}

// Clear erases the progress line (before other output is written).
func (p *Progress) Clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown > 0 {
		// Spaces rather than an ANSI erase, so that old Windows consoles
		// without VT processing show no escape codes.
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.shown)+"\r")
		p.shown = 0
	}
}

// Line is the text of the display at this moment (for tests).
func (p *Progress) Line() string {
	el := time.Since(p.start0)
	b := p.bytes.Load()
	rate := float64(b) / max(el.Seconds(), 0.001)
	s := fmt.Sprintf("%d files, %s, %s/s", p.files.Load(), sizeString(b), sizeString(int64(rate)))
	if t := p.total.Load(); t > 0 && rate > 0 && b <= t {
		eta := time.Duration(float64(t-b) / rate * float64(time.Second)).Round(time.Second)
		s += fmt.Sprintf(", %d%%, %s left", b*100/t, eta)
	}
	if c := p.cur.Load(); c != nil {
		room := p.width - utf8.RuneCountInString(s) - 3
		path := *c
		if room > 10 {
			if n := utf8.RuneCountInString(path); n > room {
				r := []rune(path)
				path = "…" + string(r[n-room+1:])
			}
			s += " · " + path
		}
	}
	return s
}

func (p *Progress) draw() {
	line := p.Line()
	p.mu.Lock()
	defer p.mu.Unlock()
	line = sanitize(line)
	n := utf8.RuneCountInString(line)
	fmt.Fprint(p.w, "\r"+line+strings.Repeat(" ", max(0, p.shown-n)))
	p.shown = max(n, p.shown)
}

// sanitize replaces control characters of odd file names.
func sanitize(s string) string {
	out := []rune(s)
	for i, r := range out {
		if r < 0x20 || r == 0x7f {
			out[i] = '?'
		}
	}
	return string(out)
}
