package milter

import (
	"bytes"
	"math"
	"testing"
)

// FuzzParseMetrics: whatever answers on the metrics address, "vigie
// status" reads it without panicking, and every value it keeps came from a
// "name value" line.
func FuzzParseMetrics(f *testing.F) {
	f.Add([]byte("x 1\n"))
	f.Add([]byte("a{b=\"c d\"} NaN\n# c\n\n  y   -Inf\n"))
	f.Add(bytes.Repeat([]byte("z 1e308 "), 100))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMetrics(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			if k == "" || !bytes.Contains(b, []byte(k)) {
				t.Fatalf("name %q not in the input", k)
			}
			_ = math.IsNaN(v)
		}
	})
}
