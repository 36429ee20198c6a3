package yara

import "math/rand"

// ScanCases returns the scanCases table as (name, rule, data, want).
func ScanCases() [][4]string {
	out := make([][4]string, len(scanCases))
	for i, c := range scanCases {
		out[i] = [4]string{c.name, c.rule, c.data, c.want}
	}
	return out
}

// RandomCases returns n cases of TestDifferentialRandom's generator.
func RandomCases(seed int64, n int) [][2]string {
	rng := rand.New(rand.NewSource(seed))
	out := make([][2]string, n)
	for i := range out {
		src, data := randomCase(rng)
		out[i] = [2]string{src, string(data)}
	}
	return out
}
