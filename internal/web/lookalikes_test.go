package web

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/report"
	"github.com/vigie-project/vigie/internal/store"
)

// TestLookalikesPage: a party sees its look-alike domains with their
// evidence, not another party's; the agency sees both, by party.
func TestLookalikesPage(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	s.user("Party A", "ann", store.RoleAdmin)
	s.user("Party B", "bob", store.RoleAdmin)
	body, _ := json.Marshal(report.Finding{Schema: 1, Time: time.Now(), Sensor: "domains", Severity: report.High, Title: "Look-alike domain mail-en-march.fr imitates en-marche.fr and can send mail",
		Subject: report.Subject{Kind: "domain", Name: "mail-en-march.fr"}, Match: report.Match{Kind: "check", Type: "lookalike", Value: "hyphen"},
		Evidence: []report.Evidence{{Name: "look-alike", Data: "hyphen, score 0.80", Detail: "mail-en-march.fr joins a misspelling of en-marche"}, {Name: "first seen", Data: "2026-12-07T02:00:00Z"}, {Name: "MX", Data: "mx.mail-en-march.fr"}}})
	s.st.AddFindings(ctx, s.a.ID, []store.Finding{{ClientID: "domains:mail-en-march.fr", At: time.Now(), Sensor: "domains", Severity: "high", Title: "x", Body: body}})
	s.st.AddFindings(ctx, s.a.ID, []store.Finding{{ClientID: "f2", At: time.Now(), Sensor: "scan", Severity: "high", Title: "X-Agent", Body: []byte("{}")}})
	a := s.browser()
	a.login("ann", pw)
	code, page := a.get("/lookalikes")
	if code != 200 || !strings.Contains(page, "mail-en-march.fr") || !strings.Contains(page, "MX: mx.mail-en-march.fr") || !strings.Contains(page, "joins a misspelling") || strings.Contains(page, "X-Agent") {
		t.Fatalf("A's page (%d): %.2000s", code, page)
	}
	b := s.browser()
	b.login("bob", pw)
	if _, page := b.get("/lookalikes"); strings.Contains(page, "mail-en-march.fr") || !strings.Contains(page, "No look-alike domain found yet") {
		t.Error("B sees A's look-alike")
	}
}
