package yaracli

import (
	"runtime/debug"
	"testing"
)

// TestLeanGC checks that compiling and scanning run the collector at
// their own targets, that the previous target comes back after, and that
// a GOGC set by the user wins.
func TestLeanGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	for _, c := range []struct {
		name    string
		gogc    string
		percent int
		want    int
	}{
		{"compile", "", compileGCPercent, 25},
		{"scan", "", gcPercent, 20},
		{"user GOGC", "80", compileGCPercent, 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("GOGC", c.gogc)
			restore := leanGC(c.percent)
			got := debug.SetGCPercent(-1)
			debug.SetGCPercent(got)
			restore()
			if got != c.want {
				t.Errorf("collector at %d%%, want %d%%", got, c.want)
			}
			if now := debug.SetGCPercent(100); now != 100 {
				t.Errorf("after restore: %d%%, want 100%%", now)
			}
		})
	}
}
