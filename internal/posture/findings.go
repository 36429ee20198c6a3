package posture

import (
	"fmt"
	"time"

	"github.com/vigie-project/vigie/internal/report"
)

// Findings turns the checks of r that did not pass into findings of the
// shared report model, for the hub: a failure is medium, a warning low, a
// check Vigie could not run info. The ID is stable for one domain, check,
// verdict and day, so a run repeated the same day does not duplicate it.
func Findings(r Result, now time.Time) []report.Finding {
	var out []report.Finding
	for _, c := range r.Checks {
		var sev report.Severity
		switch c.Status {
		case StatusPass:
			continue
		case StatusFail:
			sev = report.Medium
		case StatusWarn:
			sev = report.Low
		default:
			sev = report.Info
		}
		f := report.Finding{
			Schema:   report.SchemaVersion,
			Time:     now.UTC(),
			Sensor:   "posture",
			Severity: sev,
			Title:    trunc(fmt.Sprintf("%s %s: %s", r.Domain, c.ID, c.Summary), 300),
			Subject:  report.Subject{Kind: "domain", Name: r.Domain},
			Match:    report.Match{Kind: "check", Type: "posture", Value: c.ID},
			Advice:   c.Fix,
			ID:       fmt.Sprintf("posture:%s:%s:%s:%s", r.Domain, c.ID, c.Status, now.UTC().Format("2006-01-02")),
		}
		for i, e := range c.Evidence {
			if i == 20 {
				break
			}
			f.Evidence = append(f.Evidence, report.Evidence{Name: c.ID, Data: trunc(e, 500)})
		}
		out = append(out, f)
	}
	return out
}
