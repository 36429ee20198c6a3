package sweep

import (
	"context"

	"github.com/vigie-project/vigie/internal/yararules"
)

// Externals are the values a Loki/THOR-style rule reads about the file it
// runs on (see yararules.Externals).
type Externals = yararules.Externals

// RuleMatch is one rule that matched a file (see yararules.RuleMatch).
type RuleMatch = yararules.RuleMatch

// RuleEngine scans a file's bytes with compiled rules. The sweep depends
// only on this, so that walking, containers and findings are testable
// without a rule compiler; the YARA engine's adapter implements it.
type RuleEngine interface {
	ScanBytes(ctx context.Context, data []byte, ext Externals) ([]RuleMatch, error)
	// MaxSize is the largest file the engine scans (0: no limit).
	MaxSize() int64
}
