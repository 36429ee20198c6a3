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
	{"TLP:RED only to named parties", testRedNeverToAll},
}

// An indicator's own TLP wins over the import's default, and a TLP:RED
// one never goes to every party: asked for "all" it stays with the agency;
// an indicator made RED later is withdrawn from the parties' feeds.
func testRedNeverToAll(t *testing.T, open opener) {
	f := newFixture(t, open)
	s, ctx := f.s, f.ctx
	res, recs, err := s.PutIndicators(ctx, f.vAgency, cli, []indicator.Indicator{
		{Type: indicator.Domain, Value: "red.example.com", TLP: indicator.TLPRed},
		{Type: indicator.Domain, Value: "plain.example.com"},
	}, PutOptions{TLP: indicator.TLPAmber, Distribution: DistAll})
	if err != nil || res.Restricted != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if recs[0].TLP != indicator.TLPRed || recs[0].Distribution != DistAgency || recs[1].TLP != indicator.TLPAmber || recs[1].Distribution != DistAll {
		t.Fatalf("stored %+v", recs)
	}
	feed, _ := s.ListIndicators(ctx, f.vA, IndicatorQuery{Feed: true})
	if len(feed) != 1 || feed[0].Value != "plain.example.com" {
		t.Fatalf("party feed %+v", feed)
	}
	red := indicator.TLPRed
	if _, err := s.UpdateIndicator(ctx, f.vAgency, cli, recs[1].ID, IndicatorChange{TLP: &red}); err != nil {
		t.Fatal(err)
	}
	feed, _ = s.ListIndicators(ctx, f.vA, IndicatorQuery{Feed: true, AfterSeq: feed[0].Seq})
	if len(feed) != 1 || !feed[0].Withdrawn {
		t.Fatalf("made RED, it is not withdrawn from the party: %+v", feed)
	}
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
