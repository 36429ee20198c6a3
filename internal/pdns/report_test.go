package pdns

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/report"
)

// A flood of distinct blocked names beyond what the reporter keeps is
// said in the log, not dropped silently; a name blocked many times in a
// minute is one sighting with its count.
func TestBlockReporterBounds(t *testing.T) {
	var logs bytes.Buffer
	var got []hubclient.Sighting
	r := &BlockReporter{Host: "h", Log: slog.New(slog.NewTextHandler(&logs, nil)),
		Sink: func(s []hubclient.Sighting, _ []report.Finding) error { got = append(got, s...); return nil }}
	now := time.Now()
	for range 5 {
		r.Add(Block{Time: now, Name: "a.evil.example", Decision: Decision{Kind: KindList, Trigger: "evil.example"}})
	}
	for i := range maxPending + 3 {
		r.Add(Block{Time: now, Name: "x", Decision: Decision{Kind: KindList, Trigger: "n" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + time.Duration(i).String()}})
	}
	if err := r.Flush(now, true); err != nil {
		t.Fatal(err)
	}
	if len(got) != maxPending || got[0].Count == 0 {
		t.Fatalf("%d sightings, want %d", len(got), maxPending)
	}
	for _, s := range got {
		if s.Value == "evil.example" && s.Count != 5 {
			t.Errorf("evil.example counted %d times, want 5", s.Count)
		}
	}
	if !strings.Contains(logs.String(), "dropped=4") {
		t.Errorf("the dropped blocks are not in the log:\n%s", logs.String())
	}
}
