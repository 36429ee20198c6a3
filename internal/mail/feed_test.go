package mail

import (
	"context"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

// A broken YARA indicator from the hub used to stop the milter from
// starting; now the filter runs with the other rules and names it.
func TestBrokenHubRuleDoesNotStopTheFilter(t *testing.T) {
	good := &indicator.Indicator{ID: "indicator--1", Type: indicator.YARA, Value: "Good", Rule: `rule Good { strings: $a = "EVILMACRO" condition: $a }`}
	bad := &indicator.Indicator{ID: "indicator--2", Type: indicator.YARA, Value: "Bad", Rule: `rule Bad { condition: $missing }`}
	rs, err := LoadRules(nil, []*indicator.Indicator{bad, good})
	if err != nil {
		t.Fatalf("a broken rule stopped the filter: %v", err)
	}
	if sk := rs.Skipped(); len(sk) != 1 || sk[0].Name != "Bad" {
		t.Fatalf("skipped %+v", sk)
	}
	ms, err := rs.ScanAttachment(context.Background(), "a.doc", []byte("xxEVILMACROxx"))
	if err != nil || len(ms) != 1 || ms[0].Rule != "Good" {
		t.Fatalf("matches %+v %v", ms, err)
	}
}
