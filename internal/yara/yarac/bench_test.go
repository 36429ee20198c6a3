package yarac

import (
	"os"
	"testing"
)

// BenchmarkDecode decodes YARAC_BENCH (a big .yarc, e.g. signature-base
// compiled by yarac); skipped when unset.
func BenchmarkDecode(b *testing.B) {
	p := os.Getenv("YARAC_BENCH")
	if p == "" {
		b.Skip("set YARAC_BENCH to a .yarc file")
	}
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
