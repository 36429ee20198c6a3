package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLeakCases runs the leak case suite on both databases: items loaded
// and reloaded (a revision survives a new run), full-text search and
// filters, revisions with who and why, and two-party isolation.
func TestLeakCases(t *testing.T) {
	for _, db := range []struct {
		name string
		open opener
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(db.name, func(t *testing.T) { testLeakCases(t, db.open) })
	}
}

func testLeakCases(t *testing.T, open opener) {
	f := newFixture(t, open)
	ctx := context.Background()
	ana := Actor{OrgID: f.agency.ID, Name: "user:ana"}
	c, err := f.s.CreateLeakCase(ctx, ana, "Leak of 5 May", "dumped on a forum")
	if err != nil {
		t.Fatal(err)
	}
	if c.Ref == "" {
		t.Fatal("no reference")
	}
	day := func(d int) time.Time { return time.Date(2017, 5, d, 10, 0, 0, 0, time.UTC) }
	items := []LeakItem{
		{Path: "mail/1.eml", Kind: "mail", MessageID: "m1@party.example", Sender: "Trésorier <treasurer@party.example>", Subject: "Budget du second tour", SentAt: day(3), Machine: "authentic", Search: "Budget du second tour trésorier", Data: "{}"},
		{Path: "mail/2.eml", Kind: "mail", MessageID: "m2@party.example", Sender: "Press <press@party.example>", Subject: "Offshore transfer", SentAt: day(4), Machine: "unverifiable", Search: "Offshore transfer wire funds", Data: "{}"},
		{Path: "docs/plan.docx", Kind: "document", SHA256: "ab12", Machine: "suspicious", Search: "campaign plan", Data: "{}"},
	}
	if err := f.s.ReplaceLeakItems(ctx, ana, c.ID, CaseSource{Source: "report.json", Tool: "vigie test", Keys: "k"}, items); err != nil {
		t.Fatal(err)
	}
	list := func(v Viewer, fl LeakItemFilter) []string {
		t.Helper()
		its, total, err := f.s.ListLeakItems(ctx, v, c.ID, fl)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(its) {
			t.Fatalf("total %d, %d listed", total, len(its))
		}
		var p []string
		for _, it := range its {
			p = append(p, it.Path)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		f    LeakItemFilter
		want int
	}{
		{"all", LeakItemFilter{}, 3},
		{"verdict", LeakItemFilter{Verdict: "unverifiable"}, 1},
		{"full text", LeakItemFilter{Query: "offshore"}, 1},
		{"full text, prefix", LeakItemFilter{Query: "trans"}, 1},
		{"full text, two words", LeakItemFilter{Query: "budget offshore"}, 0},
		{"operators are words", LeakItemFilter{Query: `"NEAR( OR *`}, 0},
		{"sender", LeakItemFilter{Sender: "PRESS@"}, 1},
		{"sender with %", LeakItemFilter{Sender: "%"}, 0},
		{"dates", LeakItemFilter{Since: day(4), Until: day(5)}, 1},
	} {
		if got := list(f.vAgency, tc.f); len(got) != tc.want {
			t.Errorf("%s: %v, want %d items", tc.name, got, tc.want)
		}
	}
	// SQLite's index ignores accents; PostgreSQL's 'simple' one keeps
	// them (its unaccent extension is not installed by default).
	q := "trésor"
	if f.s.Dialect() == SQLite {
		q = "tresor"
	}
	if got := list(f.vAgency, LeakItemFilter{Query: q}); len(got) != 1 {
		t.Errorf("search %q: %v", q, got)
	}

	all, _, _ := f.s.ListLeakItems(ctx, f.vAgency, c.ID, LeakItemFilter{})
	m2 := all[1]
	if err := f.s.OverrideLeakVerdict(ctx, ana, c.ID, m2.ID, "forged", ""); err == nil {
		t.Error("a revision without a reason was accepted")
	}
	if err := f.s.OverrideLeakVerdict(ctx, ana, c.ID, m2.ID, "forged", "the press officer never sent it"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.AddLeakNote(ctx, ana, c.ID, m2.ID, "asked the party for its server logs"); err != nil {
		t.Fatal(err)
	}
	// A new run keeps the revision and replaces the machine verdict.
	items[1].Machine = "altered"
	if err := f.s.ReplaceLeakItems(ctx, ana, c.ID, CaseSource{Source: "re-run"}, items[:2]); err != nil {
		t.Fatal(err)
	}
	it, err := f.s.GetLeakItem(ctx, f.vAgency, c.ID, m2.ID)
	if err != nil || it.Verdict != "forged" || it.Machine != "altered" || it.OverrideBy != "user:ana" || it.OverrideWhy != "the press officer never sent it" {
		t.Fatalf("after a re-run: %+v %v", it, err)
	}
	if got := list(f.vAgency, LeakItemFilter{}); len(got) != 2 {
		t.Fatalf("the item gone from the new report is still listed: %v", got)
	}
	if got := list(f.vAgency, LeakItemFilter{Query: "plan"}); len(got) != 0 {
		t.Fatalf("the removed item is still in the index: %v", got)
	}
	notes, _ := f.s.LeakNotes(ctx, f.vAgency, c.ID, m2.ID)
	if len(notes) != 2 || notes[0].VerdictFrom != "unverifiable" || notes[0].VerdictTo != "forged" || notes[1].Body != "asked the party for its server logs" {
		t.Fatalf("notes: %+v", notes)
	}

	// Two parties: A is concerned by m2 only; B by nothing.
	if err := f.s.ShareLeakItems(ctx, ana, c.ID, []int64{m2.ID}, f.a.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := f.s.ShareLeakItems(ctx, ana, c.ID, []int64{m2.ID}, f.agency.ID, true); err == nil {
		t.Error("shared with the agency itself")
	}
	if got := list(f.vA, LeakItemFilter{}); len(got) != 1 || got[0] != "mail/2.eml" {
		t.Fatalf("party A sees %v", got)
	}
	if _, _, err := f.s.ListLeakItems(ctx, f.vB, c.ID, LeakItemFilter{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("party B lists the case: %v", err)
	}
	if _, err := f.s.GetLeakCase(ctx, f.vB, c.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("party B reads the case: %v", err)
	}
	if cs, _ := f.s.ListLeakCases(ctx, f.vB); len(cs) != 0 {
		t.Fatalf("party B's list of cases: %+v", cs)
	}
	if _, err := f.s.GetLeakItem(ctx, f.vA, c.ID, all[0].ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("party A reads an item not shared with it: %v", err)
	}
	ca, err := f.s.GetLeakCase(ctx, f.vA, c.ID)
	if err != nil || ca.Items != 1 || ca.Keys != "" || ca.Description != "" {
		t.Fatalf("party A's view of the case: %+v %v", ca, err)
	}
	if n, _ := f.s.LeakNotes(ctx, f.vA, c.ID, m2.ID); len(n) != 0 {
		t.Fatal("a party reads the agency's notes")
	}

	// Public: nothing before publication; withheld items never.
	if h, _ := f.s.LookupPublished(ctx, "m1@party.example", ""); len(h) != 0 {
		t.Fatal("an unpublished case answers the public lookup")
	}
	if err := f.s.SetLeakWithheld(ctx, ana, c.ID, all[0].ID, true); err != nil {
		t.Fatal(err)
	}
	pub, withheld, err := f.s.PublishedItems(ctx, c.ID)
	if err != nil || len(pub) != 1 || withheld != 1 {
		t.Fatalf("published items: %d, withheld %d, %v", len(pub), withheld, err)
	}
	if err := f.s.PublishLeakCase(ctx, ana, c.ID, "<html>", "sig"); err != nil {
		t.Fatal(err)
	}
	if h, _ := f.s.LookupPublished(ctx, "m1@party.example", ""); len(h) != 0 {
		t.Fatal("a withheld item answers the public lookup")
	}
	h, err := f.s.LookupPublished(ctx, "m2@party.example", "")
	if err != nil || len(h) != 1 || h[0].Item.Verdict != "forged" || h[0].CaseRef != c.Ref {
		t.Fatalf("lookup: %+v %v", h, err)
	}
	if page, sig, err := f.s.Statement(ctx, c.Ref); err != nil || page != "<html>" || sig != "sig" {
		t.Fatalf("statement: %q %q %v", page, sig, err)
	}
	if keys, _ := f.s.PublishedKeys(ctx); keys[c.Ref] != "k" {
		t.Fatalf("published keys: %v", keys)
	}

	// Texts go to their own message only.
	if n, err := f.s.AddLeakTexts(ctx, c.ID, []LeakText{{Path: "mail/2.eml", MessageID: "other@party.example", Text: "kompromat"}}); n != 0 || err != nil {
		t.Fatalf("a text attached to another message: %d %v", n, err)
	}
	if n, err := f.s.AddLeakTexts(ctx, c.ID, []LeakText{{Path: "mail/2.eml", MessageID: "m2@party.example", Text: "kompromat"}}); n != 1 || err != nil {
		t.Fatalf("text: %d %v", n, err)
	}
	if got := list(f.vAgency, LeakItemFilter{Query: "kompromat"}); len(got) != 1 || got[0] != "mail/2.eml" {
		t.Fatalf("search in the text: %v", got)
	}
	// Background job: a second start is refused while the first runs.
	if ok, err := f.s.StartCaseJob(ctx, ana, c.ID, "dump/", time.Minute); !ok || err != nil {
		t.Fatalf("start: %v %v", ok, err)
	}
	if ok, _ := f.s.StartCaseJob(ctx, ana, c.ID, "dump/", time.Minute); ok {
		t.Fatal("a second verification started while one runs")
	}
}

// BenchmarkLeakCaseLoad loads a case the size of the 2017 dump (21,000
// messages) into SQLite and searches it:
//
//	go test ./internal/store -run XXX -bench LeakCaseLoad -benchtime 1x
func BenchmarkLeakCaseLoad(b *testing.B) {
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		s, err := Open(ctx, Config{DataDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		c, _ := s.CreateLeakCase(ctx, cli, "bench", "")
		items := make([]LeakItem, 21000)
		for i := range items {
			items[i] = LeakItem{Path: fmt.Sprintf("dump/inbox.mbox#%d", i+1), Kind: "mail", MessageID: fmt.Sprintf("m%d@party.example", i), Sender: "Staff <staff@party.example>",
				Subject: fmt.Sprintf("Meeting %d", i), SentAt: time.Date(2017, 4, 1+i%30, 10, 0, 0, 0, time.UTC), Machine: "authentic",
				Search: fmt.Sprintf("Meeting %d about the campaign budget, the rally in city %d and the press %s", i, i%500, strings.Repeat("lorem ipsum dolor ", 25)), Data: `{"path":"x"}`}
		}
		b.StartTimer()
		start := time.Now()
		if err := s.ReplaceLeakItems(ctx, cli, c.ID, CaseSource{Source: "bench"}, items); err != nil {
			b.Fatal(err)
		}
		load := time.Since(start)
		start = time.Now()
		got, total, err := s.ListLeakItems(ctx, Viewer{Agency: true}, c.ID, LeakItemFilter{Query: "rally city 42", Limit: 50})
		if err != nil || len(got) == 0 {
			b.Fatal(total, err)
		}
		b.ReportMetric(load.Seconds(), "load-s")
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "search-ms")
		s.Close()
	}
}
