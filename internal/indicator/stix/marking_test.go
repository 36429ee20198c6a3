package stix

import (
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

// An indicator marked with a marking-definition neither defined in the
// bundle nor known is an error (strict) or left out with a problem
// (lenient): its restriction cannot be honoured, so it must not go out
// with none. A statement marking defined in the bundle is fine.
func TestUnknownMarkingIsAnError(t *testing.T) {
	bundle := `{"type":"bundle","id":"bundle--1","objects":[
	{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--aaaaaaaa-0000-4000-8000-000000000001","created":"2026-01-01T00:00:00Z","definition_type":"statement","definition":{"statement":"Copyright Agency"}},
	{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000001","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern_type":"stix","pattern":"[domain-name:value = 'stated.example.com']","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["marking-definition--aaaaaaaa-0000-4000-8000-000000000001","marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]},
	{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000002","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern_type":"stix","pattern":"[domain-name:value = 'secret.example.com']","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["marking-definition--bbbbbbbb-0000-4000-8000-00000000dead"]}
	]}`
	_, err := Decode(strings.NewReader(bundle), indicator.ReadOptions{Name: "b.json"})
	if err == nil || !strings.Contains(err.Error(), "bbbbbbbb") || !strings.Contains(err.Error(), "indicator--00000000-0000-4000-8000-000000000002") {
		t.Fatalf("strict: %v", err)
	}
	c, err := Decode(strings.NewReader(bundle), indicator.ReadOptions{Name: "b.json", Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Indicators) != 1 || c.Indicators[0].Value != "stated.example.com" || c.Indicators[0].TLP != indicator.TLPRed {
		t.Fatalf("indicators %+v", c.Indicators)
	}
	if len(c.Problems) != 1 || c.Problems[0].Kind != indicator.ProblemMalformed {
		t.Fatalf("problems %+v", c.Problems)
	}
}
