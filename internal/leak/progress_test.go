package leak

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestProgressLine: the bar shows the share read, the items and their
// rate, the bytes and the time left estimated from the bytes.
func TestProgressLine(t *testing.T) {
	tests := []struct {
		p    Progress
		want string
	}{
		{Progress{Phase: "dump", Items: 8210, Elapsed: 100 * time.Second, Bytes: 3e9, TotalBytes: 9e9},
			"dump [######--------------]  33%  8,210 items  82/s  3.0 GB/9.0 GB  3m20s left"},
		{Progress{Phase: "dump", Items: 3, Elapsed: 500 * time.Millisecond, Bytes: 1e6, TotalBytes: 9e9},
			"dump [--------------------]   0%  3 items  6/s  1 MB/9.0 GB  estimating time left"},
		{Progress{Phase: "originals", Items: 12, Elapsed: 2 * time.Second},
			"originals 12 items  6/s"},
	}
	for _, tt := range tests {
		if got := progressLine(tt.p); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

// TestProgressJSON: one event per line, with the time left in seconds.
func TestProgressJSON(t *testing.T) {
	var buf bytes.Buffer
	f := ProgressJSON(&buf)
	f(Progress{Phase: "dump", Items: 100, Elapsed: 10 * time.Second, Bytes: 1e9, TotalBytes: 4e9})
	f(Progress{Phase: "dump", Items: 400, Elapsed: 40 * time.Second, Bytes: 4e9, TotalBytes: 4e9, Done: true})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %q", len(lines), buf.String())
	}
	var ev progressEvent
	if err := json.Unmarshal([]byte(lines[0]), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Items != 100 || ev.Rate != 10 || ev.SecondsLeft != 30 || ev.Done {
		t.Errorf("first event %+v", ev)
	}
	json.Unmarshal([]byte(lines[1]), &ev)
	if !ev.Done || ev.SecondsLeft != 0 {
		t.Errorf("last event %+v", ev)
	}
}

// TestMemBudget: what is in flight never exceeds the budget, and an
// item heavier than the whole budget still passes, alone.
func TestMemBudget(t *testing.T) {
	m := newMemBudget(100)
	ctx := t.Context()
	if err := m.acquire(ctx, 60); err != nil {
		t.Fatal(err)
	}
	got := make(chan struct{})
	go func() {
		m.acquire(ctx, 60) // waits for the first to be released
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("160 bytes in flight with a budget of 100")
	case <-time.After(50 * time.Millisecond):
	}
	m.release(60)
	<-got
	m.release(60)
	if err := m.acquire(ctx, 500); err != nil || m.used != 100 {
		t.Fatalf("a heavy item: %v, %d used", err, m.used)
	}
	m.release(500)
	if m.used != 0 {
		t.Errorf("%d bytes still counted", m.used)
	}
}
