package formats

import (
	"os"
	"runtime"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

// BenchmarkLoadBundle reads the STIX bundle named by VIGIE_BENCH_BUNDLE
// (make one with `go run ./tools/genbundle -n 1000000 > /tmp/1m.json`) and
// builds the match sets, as a sensor does at start. It reports the peak heap
// in use.
func BenchmarkLoadBundle(b *testing.B) {
	path := os.Getenv("VIGIE_BENCH_BUNDLE")
	if path == "" {
		b.Skip("set VIGIE_BENCH_BUNDLE to a STIX bundle (see tools/genbundle)")
	}
	for b.Loop() {
		c, _, err := Read(path, "", nil, indicator.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		m := indicator.NewMatcher(c.Indicators, indicator.MatcherOptions{})
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(m.Len()), "indicators")
	}
}
