package yaracli

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
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

// TestCompileHeapFloor checks that compiling a streamed rule file runs
// the collector fewer times with the floor than without (each rule file
// is read as it is compiled, so the heap starts nearly empty), and that a
// GOGC or GOMEMLIMIT set by the user removes the floor.
func TestCompileHeapFloor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yar")
	var b strings.Builder
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, "rule r%d { meta: author = \"a%d\" strings: $a = \"lit-%d\" $h = { 4D 5A [2-4] %02X ?? 50 45 } condition: $a or $h }\n", i, i, i, i%256)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	collections := func(env string) uint32 {
		t.Setenv("GOGC", "")
		t.Setenv("GOMEMLIMIT", "")
		if env != "" {
			t.Setenv(env, map[string]string{"GOGC": "25", "GOMEMLIMIT": "1GiB"}[env])
		}
		if got := len(compileFloor()); (env == "") != (got == compileHeapFloor) {
			t.Errorf("GOGC/GOMEMLIMIT %q: floor of %d bytes", env, got)
		}
		srcs, err := LoadSources([]string{path})
		if err != nil {
			t.Fatal(err)
		}
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		n := ms.NumGC
		old := debug.SetGCPercent(compileGCPercent) // as leanGC without GOGC
		if _, _, err := compileLean(srcs, nil, true); err != nil {
			t.Fatal(err)
		}
		debug.SetGCPercent(old)
		runtime.ReadMemStats(&ms)
		return ms.NumGC - n
	}
	with, without := collections(""), collections("GOMEMLIMIT")
	collections("GOGC")
	t.Logf("%d collections with the floor, %d without", with, without)
	if with*3 > without*2 {
		t.Errorf("%d collections with the floor, %d without: want at most two thirds", with, without)
	}
}
