package web

import (
	"net/http"
	"time"
)

// lookalikeRow is one look-alike domain a party's watch (vigie domains
// watch) reported, with its evidence.
type lookalikeRow struct {
	Org, Name, Severity, Technique, Why, Score, FirstSeen string
	At                                                    time.Time
	Evidence                                              []string
}

type lookalikeData struct {
	Items []lookalikeRow
}

// lookalikes lists the look-alike domains of the viewer's party (every
// party's for the agency): the name, what it imitates and how, when it was
// first seen, and the evidence (DNS records, certificate issuer and dates).
func (u *UI) lookalikes(w http.ResponseWriter, r *http.Request, q *req) {
	fs, err := u.st.ListFindings(r.Context(), q.p.Viewer(), 0, 5000)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	var d lookalikeData
	for _, f := range fs {
		rf := f.Report()
		if rf.Match.Kind != "check" || rf.Match.Type != "lookalike" || rf.Subject.Kind != "domain" {
			continue
		}
		row := lookalikeRow{Org: f.Org, Name: rf.Subject.Name, Severity: f.Severity, Technique: rf.Match.Value, At: f.At}
		for _, e := range rf.Evidence {
			switch e.Name {
			case "look-alike":
				row.Why, row.Score = e.Detail, e.Data
			case "first seen":
				row.FirstSeen = e.Data
			default:
				row.Evidence = append(row.Evidence, e.Name+": "+e.Data)
			}
		}
		d.Items = append(d.Items, row)
	}
	u.render(w, 200, "lookalikes", q.page("Look-alike domains", "lookalikes", d))
}
