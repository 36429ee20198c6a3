package assess

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzAssess feeds stored-input JSON, as the hub would keep it, to Validate
// and Assess: neither may panic, scores stay within 0..100, the plan is
// ordered and ranks are 1..n.
func FuzzAssess(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", "volunteer-party.input.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"answers":{"items":[{"question":"acc-mfa-mail","value":"keys"}]},"facts":{"posture":[{"id":"mail.dmarc","status":"pass"}]}}`))
	f.Add([]byte(`{"now":"2026-01-01T00:00:00Z","facts":{"measured_at":"2026-01-01T00:00:00Z","findings":{"sightings":-5,"sightings_open":9},"advisories":[{"actions_total":-1,"actions_done":3}]}}`))
	q := Current()
	f.Fuzz(func(t *testing.T, data []byte) {
		var in caseInput
		if json.Unmarshal(data, &in) != nil {
			return
		}
		_ = Validate(q, in.Answers)
		a := Assess(q, in.Answers, in.Facts, in.Now)
		check := func(what string, s int) {
			if s < 0 || s > 100 {
				t.Fatalf("%s score %d", what, s)
			}
		}
		check("overall", a.Overall.Score)
		for _, g := range a.Groups {
			check(string(g.Group), g.Score)
			for _, e := range g.Evidence {
				check(e.Item+" credit", e.Credit)
			}
		}
		for i, x := range a.Plan {
			if x.Rank != i+1 || (i > 0 && x.Priority > a.Plan[i-1].Priority) || x.Cost < 1 {
				t.Fatalf("plan out of order at %d: %+v", i, x)
			}
		}
		if _, err := json.Marshal(a); err != nil {
			t.Fatal(err)
		}
	})
}
