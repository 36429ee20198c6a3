package sweep

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

// BenchmarkHashOnlySweep measures a hash-only sweep (SHA-1 and SHA-256
// indicators, as in the built-in pack) over 64 files of 1 MiB.
func BenchmarkHashOnlySweep(b *testing.B) {
	dir := b.TempDir()
	buf := make([]byte, 1<<20)
	rand.Read(buf)
	for i := range 64 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d", i)), buf, 0o644)
	}
	inds := []indicator.Indicator{
		{Type: indicator.SHA1, Value: "0000000000000000000000000000000000000000"},
		{Type: indicator.SHA256, Value: hexSHA256("x")},
	}
	m := indicator.NewMatcher(inds, indicator.MatcherOptions{})
	b.SetBytes(64 << 20)
	for b.Loop() {
		s := New(m, nil, nil, Options{Paths: []string{dir}, Limits: Limits{MaxDepth: 0, MaxExpanded: 1}})
		if _, err := s.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
