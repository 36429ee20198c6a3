package store

import (
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

// TestFeedStore runs the feed engineer's part of the conformance suite
// against both databases.
func TestFeedStore(t *testing.T) {
	for _, db := range []struct {
		name string
		open opener
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(db.name, func(t *testing.T) {
			for _, tc := range feedSuite {
				t.Run(tc.name, func(t *testing.T) { tc.fn(t, db.open) })
			}
		})
	}
}

var feedSuite = []struct {
	name string
	fn   func(t *testing.T, open opener)
}{
	{"yara rules keyed by id", testYARAByID},
}

// Two YARA rules that share a rule name are two indicators: the second
// must not silently replace the first. Re-importing one by its id updates
// it; a sighting of the rule name links to a rule of that name.
func testYARAByID(t *testing.T, open opener) {
	f := newFixture(t, open)
	s, ctx := f.s, f.ctx
	good := indicator.Indicator{ID: "indicator--11111111-1111-4111-8111-111111111111", Type: indicator.YARA, Value: "x", Rule: `rule x { strings: $a = "good" condition: $a }`}
	other := indicator.Indicator{ID: "indicator--22222222-2222-4222-8222-222222222222", Type: indicator.YARA, Value: "x", Rule: `rule x { strings: $a = "other" condition: $a }`}
	if _, _, err := s.PutIndicators(ctx, f.vAgency, cli, []indicator.Indicator{good}, PutOptions{}); err != nil {
		t.Fatal(err)
	}
	res, _, err := s.PutIndicators(ctx, f.vAgency, cli, []indicator.Indicator{other}, PutOptions{})
	if err != nil || res.Created != 1 {
		t.Fatalf("second rule named x: %+v %v", res, err)
	}
	recs, err := s.ListIndicators(ctx, f.vA, IndicatorQuery{Feed: true})
	if err != nil || len(recs) != 2 {
		t.Fatalf("feed has %d records (%v), want both rules", len(recs), err)
	}
	byID := map[string]Record{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	if r := byID[good.ID]; r.Value != "x" || r.Rule != good.Rule {
		t.Errorf("the good rule was changed: %+v", r)
	}
	if r := byID[other.ID]; r.Value != "x" || r.Rule != other.Rule {
		t.Errorf("other rule: %+v", r)
	}
	// re-import by id updates in place
	good.Rule = `rule x { strings: $a = "better" condition: $a }`
	res, _, err = s.PutIndicators(ctx, f.vAgency, cli, []indicator.Indicator{good}, PutOptions{})
	if err != nil || res.Updated != 1 || res.Created != 0 {
		t.Fatalf("update by id: %+v %v", res, err)
	}
	r, err := s.GetIndicator(ctx, f.vA, good.ID)
	if err != nil || r.Rule != good.Rule || r.Value != "x" {
		t.Fatalf("after update: %+v %v", r, err)
	}
	// a rule without an id is identified by its name
	noID := indicator.Indicator{Type: indicator.YARA, Value: "y", Rule: `rule y { condition: true }`}
	for range 2 {
		if _, _, err := s.PutIndicators(ctx, f.vAgency, cli, []indicator.Indicator{noID}, PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if recs, _ := s.ListIndicators(ctx, f.vAgency, IndicatorQuery{Type: indicator.YARA}); len(recs) != 3 {
		t.Errorf("%d yara records, want 3", len(recs))
	}
	// search and sightings use the rule name
	if recs, _ := s.ListIndicators(ctx, f.vAgency, IndicatorQuery{Search: "x", Type: indicator.YARA}); len(recs) != 2 {
		t.Errorf("search by rule name found %d", len(recs))
	}
	sr, err := s.AddSightings(ctx, f.a.ID, []Sighting{{ClientID: "s1", Type: "yara", Value: "y", ObservedAt: s.now(), Count: 1}}, Correlation{})
	if err != nil || sr.Matched != 1 {
		t.Errorf("sighting of rule y: %+v %v", sr, err)
	}
}
