package sweep

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func TestProgressLineAndClear(t *testing.T) {
	var out lockedBuf
	p := NewProgress(&out, 5*time.Millisecond, 60)
	p.SetTotal(1000)
	p.start()
	p.setCurrent("/home/ann/" + strings.Repeat("very-long-directory/", 10) + "file\n.txt")
	p.addBytes(500)
	time.Sleep(30 * time.Millisecond)
	p.draw() // at least one frame, however loaded the machine
	line := p.Line()
	p.stop()
	for _, want := range []string{"1 files", "500 B", "50%", "left", "…"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q lacks %q", line, want)
		}
	}
	if n := len([]rune(line)); n > 60 {
		t.Errorf("line of %d runes is wider than 60", n)
	}
	s := out.b.String()
	if !strings.HasSuffix(s, strings.Repeat(" ", 20)+"\r") || strings.Contains(s, "\x1b") {
		t.Errorf("the display was not erased at the end: %q", s[max(0, len(s)-40):])
	}
	if strings.Contains(s, "\n") {
		t.Errorf("a control character of a file name reached the terminal")
	}
	var nilP *Progress // a nil display does nothing
	nilP.setCurrent("x")
	nilP.addBytes(1)
	nilP.start()
	nilP.stop()
}
