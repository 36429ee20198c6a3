package web

import (
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/store"
)

// lookalikeRow is one look-alike domain a party's watch (vigie domains
// watch) reported, with its evidence.
type lookalikeRow struct {
	Org, Name, Severity, Technique, Why, Score, FirstSeen string
	At                                                    time.Time
	Evidence                                              []string
}

// lookalikeGroup is one protected domain of a party and its look-alikes.
type lookalikeGroup struct {
	Org, Domain string
	Items       []lookalikeRow
}

type lookalikeData struct {
	Groups    []lookalikeGroup
	Proposals []store.LookalikeProposal
	Review    bool // the viewer reviews proposals (agency analysts)
	Parties   []store.Org
}

// lookalikes lists the look-alike domains of the viewer's party (every
// party's for the agency), grouped by the party's domain they imitate,
// each with how it imitates it, when it was first seen and the evidence
// (DNS records, certificate issuer and dates); a party's declared domains
// with no look-alike yet are listed too. Below, the look-alikes proposed
// to the agency as indicators, which agency analysts accept (published to
// every party) or reject with a reason the party reads.
func (u *UI) lookalikes(w http.ResponseWriter, r *http.Request, q *req) {
	u.showLookalikes(w, r, q, http.StatusOK, "", "")
}

func (u *UI) showLookalikes(w http.ResponseWriter, r *http.Request, q *req, code int, flash, errMsg string) {
	fs, err := u.st.ListFindings(r.Context(), q.p.Viewer(), 0, 5000)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	groups := map[[2]string]*lookalikeGroup{}
	group := func(org, domain string) *lookalikeGroup {
		k := [2]string{org, domain}
		if groups[k] == nil {
			groups[k] = &lookalikeGroup{Org: org, Domain: domain}
		}
		return groups[k]
	}
	for _, f := range fs {
		rf := f.Report()
		if rf.Match.Kind != "check" || rf.Match.Type != "lookalike" || rf.Subject.Kind != "domain" {
			continue
		}
		row := lookalikeRow{Org: f.Org, Name: rf.Subject.Name, Severity: f.Severity, Technique: rf.Match.Value, At: f.At}
		imitates := ""
		for _, e := range rf.Evidence {
			switch e.Name {
			case "look-alike":
				row.Why, row.Score = e.Detail, e.Data
			case "first seen":
				row.FirstSeen = e.Data
			case "imitates":
				imitates = e.Data
			default:
				row.Evidence = append(row.Evidence, e.Name+": "+e.Data)
			}
		}
		if imitates == "" { // findings of an older watch: the title names it
			if _, after, ok := strings.Cut(rf.Title, " imitates "); ok {
				imitates, _, _ = strings.Cut(after, " ")
			}
		}
		g := group(f.Org, imitates)
		g.Items = append(g.Items, row)
	}
	// The declared domains, so that a party sees which are watched.
	var settings []store.OrgSettings
	if q.p.Agency {
		settings, err = u.st.AllOrgSettings(r.Context())
	} else {
		var st store.OrgSettings
		st, err = u.st.GetOrgSettings(r.Context(), q.p.Viewer(), q.p.OrgID)
		settings = []store.OrgSettings{st}
	}
	if err != nil {
		u.fail(w, q, err)
		return
	}
	for _, st := range settings {
		for _, d := range st.Domains() {
			group(st.OrgName, d)
		}
	}
	var d lookalikeData
	for _, g := range groups {
		d.Groups = append(d.Groups, *g)
	}
	sort.Slice(d.Groups, func(i, j int) bool {
		a, b := d.Groups[i], d.Groups[j]
		if a.Org != b.Org {
			return a.Org < b.Org
		}
		return a.Domain < b.Domain
	})
	if d.Proposals, err = u.st.ListLookalikeProposals(r.Context(), q.p.Viewer(), "", 500); err != nil {
		u.fail(w, q, err)
		return
	}
	d.Review = q.p.Can("publish")
	if d.Review {
		orgs, _ := u.st.ListOrgs(r.Context(), q.p.Viewer())
		for _, o := range orgs {
			if o.Kind == store.KindParty {
				d.Parties = append(d.Parties, o)
			}
		}
	}
	pg := q.page("Look-alike domains", "lookalikes", d)
	pg.Flash, pg.Error = flash, errMsg
	u.render(w, code, "lookalikes", pg)
}

func (u *UI) proposalID(w http.ResponseWriter, r *http.Request, q *req) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || !q.p.Can("publish") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return 0, false
	}
	return id, true
}

func (u *UI) acceptProposal(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := u.proposalID(w, r, q)
	if !ok {
		return
	}
	opts := store.PutOptions{Distribution: r.PostFormValue("distribution")}
	if opts.Distribution == store.DistListed {
		for _, v := range r.PostForm["parties"] {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				opts.Parties = append(opts.Parties, n)
			}
		}
		if len(opts.Parties) == 0 {
			u.showLookalikes(w, r, q, http.StatusUnprocessableEntity, "", "Tick at least one party, or publish to all parties.")
			return
		}
	} else if opts.Distribution != store.DistAgency {
		opts.Distribution = store.DistAll
	}
	p, err := u.st.AcceptLookalike(r.Context(), q.p.Viewer(), q.p.ActorFor(), id, opts)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	u.showLookalikes(w, r, q, http.StatusOK, "Published: "+p.Name+". Sensors block and flag it at their next pull.", "")
}

func (u *UI) rejectProposal(w http.ResponseWriter, r *http.Request, q *req) {
	id, ok := u.proposalID(w, r, q)
	if !ok {
		return
	}
	if err := u.st.RejectLookalike(r.Context(), q.p.Viewer(), q.p.ActorFor(), id, r.PostFormValue("reason")); err != nil {
		if errors.Is(err, store.ErrBadSettings) {
			u.showLookalikes(w, r, q, http.StatusUnprocessableEntity, "", "Give the party a reason for the rejection (at most 1000 characters).")
			return
		}
		u.fail(w, q, err)
		return
	}
	u.showLookalikes(w, r, q, http.StatusOK, "Rejected. The party sees your reason.", "")
}
