package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// BenchmarkAddSightings stores batches of 500 sightings (1 in 10 matching
// one of 200 indicators) on SQLite; b.N counts batches.
func BenchmarkAddSightings(b *testing.B) {
	s, err := Open(context.Background(), Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	ag, _ := s.CreateOrg(ctx, cli, "Agency", KindAgency)
	pa, _ := s.CreateOrg(ctx, cli, "A", KindParty)
	var inds []indicator.Indicator
	for i := 0; i < 2000; i += 10 {
		inds = append(inds, indicator.Indicator{Type: indicator.Domain, Value: fmt.Sprintf("host%d.bench.example", i)})
	}
	if _, _, err := s.PutIndicators(ctx, Viewer{OrgID: ag.ID, Agency: true}, cli, inds, PutOptions{}); err != nil {
		b.Fatal(err)
	}
	base := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		batch := make([]Sighting, 500)
		for i := range batch {
			batch[i] = Sighting{ClientID: fmt.Sprintf("%d-%d", n, i), Type: "domain", Value: fmt.Sprintf("host%d.bench.example", (n*500+i)%2000), ObservedAt: base.Add(time.Duration(n%21) * 24 * time.Hour), Count: 1, Sensor: "dns"}
		}
		if _, err := s.AddSightings(ctx, pa.ID, batch, Correlation{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "sightings/s")
}
