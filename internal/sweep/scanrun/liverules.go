package scanrun

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/sweep"
	"github.com/vigie-project/vigie/internal/yararules"
)

// liveRules is the rule engine of a scan that follows the hub. When the
// hub's YARA indicators change, the rules (with the local --rules) are
// compiled aside and swapped in: each file is scanned by one complete set,
// the one in force when its scan starts. A rule of the hub that does not
// compile is left out and reported, the others are used.
type liveRules struct {
	cur   atomic.Pointer[yararules.Engine] // nil: no rules yet
	local []string                         // --rules paths
	log   *slog.Logger

	mu      sync.Mutex
	key     [32]byte // of the hub rules compiled
	skipped []yararules.Skipped
}

func (l *liveRules) ScanBytes(ctx context.Context, data []byte, ext sweep.Externals) ([]sweep.RuleMatch, error) {
	e := l.cur.Load()
	if e == nil {
		return nil, nil
	}
	return e.ScanBytes(ctx, data, ext)
}

func (l *liveRules) MaxSize() int64 { return 0 }

// rulesKey identifies a set of rule indicators (ids and texts).
func rulesKey(rules []*indicator.Indicator) [32]byte {
	h := sha256.New()
	for _, r := range rules {
		h.Write([]byte(r.ID))
		h.Write([]byte{0})
		h.Write([]byte(r.Value))
		h.Write([]byte{0})
		h.Write([]byte(r.Rule))
		h.Write([]byte{0})
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// update compiles rules when they differ from those in force and swaps
// them in. An error (a local rule file that no longer compiles) keeps the
// rules in force.
func (l *liveRules) update(rules []*indicator.Indicator) error {
	k := rulesKey(rules)
	l.mu.Lock()
	defer l.mu.Unlock()
	if k == l.key {
		return nil
	}
	e, _, err := yararules.Load(l.local, rules)
	if err != nil {
		l.log.Error("scan: the hub's new rules could not be compiled; the previous rules stay in force", "err", err)
		return err
	}
	if e != nil {
		for _, sk := range e.Skipped() {
			l.log.Warn("scan: a YARA indicator does not compile and is not used", "rule", sk.Name, "id", sk.ID, "source", sk.Source, "err", sk.Err)
			l.skipped = append(l.skipped, sk)
		}
	}
	l.cur.Store(e)
	l.key = k
	n := 0
	if e != nil {
		n = e.Rules()
	}
	l.log.Info("scan: rules from the hub updated while scanning", "rules", n)
	return nil
}

// skippedLater are the hub rules left out since the scan started.
func (l *liveRules) skippedLater() []yararules.Skipped {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]yararules.Skipped(nil), l.skipped...)
}
