package web

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/assess"
	"github.com/vigie-project/vigie/internal/store"
)

// answerForm is the questionnaire form with some answers.
func answerForm(csrf string, answers map[string]string) url.Values {
	f := url.Values{"csrf": {csrf}, "questionnaire_version": {itoa(assess.QuestionnaireVersion)}}
	for q, v := range answers {
		f.Set("q."+q, v)
	}
	return f
}

// TestAssessUI: party A answers on the questionnaire page and sees its
// score, evidence and plan (first three in bold); a bad value is refused
// naming the field; B sees none of A's on any page; the agency sees both
// parties side by side and A's report; the pages exist in French.
func TestAssessUI(t *testing.T) {
	s := newSite(t)
	s.user("Party A", "amy", store.RoleMember)
	s.user("Party B", "bea", store.RoleMember)
	s.user("Agency", "ana", store.RoleAnalyst)

	a := s.browser()
	a.login("amy", pw)
	code, body := a.get("/assessment/questionnaire")
	if code != 200 || !strings.Contains(body, "Why it matters") || !strings.Contains(body, `name="q.acc-mfa-mail"`) || !strings.Contains(body, "Accounts and identity") {
		t.Fatalf("questionnaire page: %d", code)
	}
	if code, body := a.post("/assessment/questionnaire", answerForm(a.csrf(), map[string]string{"acc-mfa-mail": "perhaps"}), ""); code != 422 || !strings.Contains(body, "items[0].value") {
		t.Fatalf("a bad value: %d", code)
	}
	a.get("/assessment/questionnaire")
	code, body = a.post("/assessment/questionnaire", answerForm(a.csrf(), map[string]string{"acc-mfa-mail": "password", "acc-separate": "no", "dev-updates": "dontknow"}), "")
	if code != 200 || !strings.Contains(body, "Answers saved (3 questions)") || !strings.Contains(body, `id="plan"`) {
		t.Fatalf("after answering: %d", code)
	}
	if n := strings.Count(body, "<li class=\"top\"><strong>"); n != 3 {
		t.Fatalf("%d actions in bold, want 3", n)
	}
	for _, want := range []string{"Score per group", "Points lost", "What to do first", "Trend over time"} {
		if !strings.Contains(body, want) {
			t.Errorf("result page lacks %q", want)
		}
	}
	if _, body := a.get("/assessment/questionnaire"); !strings.Contains(body, `value="password" checked`) || !strings.Contains(body, "amy") {
		t.Error("the questionnaire does not show the saved answers")
	}
	if _, body := a.get("/assessment/method"); !strings.Contains(body, "The questions and their weights") || !strings.Contains(body, "acc-mfa-mail") {
		t.Error("method page")
	}
	if code, body := a.get("/assessment/report"); code != 200 || !strings.Contains(body, `class="report"`) || !strings.Contains(body, "Party A") {
		t.Errorf("A's report: %d", code)
	}
	if code, _ := a.get("/assessment/overview"); code != 200 || strings.Contains(a.last, "Party B") {
		t.Errorf("a party's overview: %d", code)
	}

	// A stored assessment opens as it was made.
	first, err := s.st.LatestAssessment(context.Background(), store.Viewer{OrgID: s.a.ID}, s.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := a.get("/assessment?id=" + itoa(first.ID)); code != 200 || !strings.Contains(body, "assessment "+itoa(first.ID)) {
		t.Errorf("A's stored assessment: %d", code)
	}

	// B: nothing of A's, whatever it asks.
	b := s.browser()
	b.login("bea", pw)
	for _, path := range []string{"/assessment", "/assessment/questionnaire", "/assessment/report", "/assessment/overview",
		"/assessment?org=" + itoa(s.a.ID), "/assessment/questionnaire?org=" + itoa(s.a.ID), "/assessment/report?org=" + itoa(s.a.ID)} {
		code, body := b.get(path)
		if code != 200 || strings.Contains(body, "Party A") || strings.Contains(body, "amy") || strings.Contains(body, `value="password" checked`) {
			t.Errorf("B's %s (%d) shows A's", path, code)
		}
	}
	if code, body := b.get("/assessment?id=" + itoa(first.ID)); code != 404 || strings.Contains(body, "Party A") {
		t.Errorf("B opens A's stored assessment: %d", code)
	}
	if chromiumPath() != "" {
		// The PDF follows the same rule: B's own, whatever ?org= says.
		if code, body := b.get("/assessment/report.pdf?org=" + itoa(s.a.ID)); code != 200 || !strings.Contains(squeeze(pdfText([]byte(body))), "PartyB") || strings.Contains(squeeze(pdfText([]byte(body))), "PartyA") {
			t.Errorf("B's PDF with ?org=A: %d", code)
		}
	}
	b.get("/assessment")
	if code, body := b.post("/assessment/refresh", url.Values{"csrf": {b.csrf()}, "org": {itoa(s.a.ID)}}, ""); code != 200 || strings.Contains(body, "Party A") {
		t.Errorf("B refreshes A's: %d", code)
	}

	// The agency: every party side by side, A's result and report; it does
	// not answer for a party.
	ag := s.browser()
	ag.login("ana", pw)
	code, body = ag.get("/assessment/overview")
	if code != 200 || !strings.Contains(body, `id="overview"`) || !strings.Contains(body, "Party A") || !strings.Contains(body, "Party B") || !strings.Contains(body, "lvl-poor") {
		t.Fatalf("overview: %d", code)
	}
	if code, body := ag.get("/assessment?org=" + itoa(s.a.ID)); code != 200 || !strings.Contains(body, "Risk assessment: Party A") {
		t.Errorf("agency reads A: %d", code)
	}
	if code, _ := ag.get("/assessment?org=" + itoa(s.agency.ID)); code != 404 {
		t.Errorf("the agency's own assessment: %d", code)
	}
	if code, body := ag.get("/assessment/questionnaire?org=" + itoa(s.a.ID)); code != 200 || !strings.Contains(body, `value="password" checked`) || !strings.Contains(body, "disabled") {
		t.Errorf("agency reads A's answers: %d", code)
	}
	if code, _ := ag.post("/assessment/questionnaire", answerForm(ag.csrf(), map[string]string{"acc-mfa-mail": "keys"}), ""); code != 403 {
		t.Errorf("agency answers for a party: %d", code)
	}
	if code, body := ag.get("/assessment/report?org=" + itoa(s.a.ID)); code != 200 || !strings.Contains(body, "Party A") || strings.Count(body, "<li class=\"top\"><strong>") != 3 {
		t.Errorf("agency report: %d", code)
	}

	// French.
	a.get("/account")
	a.post("/account/language", url.Values{"csrf": {a.csrf()}, "lang": {"fr"}}, "")
	if _, body := a.get("/assessment"); !strings.Contains(body, "Par quoi commencer") || !strings.Contains(body, "Comptes et identités") || !strings.Contains(body, "Évaluation des risques") {
		t.Error("the result page in French")
	}
	if _, body := a.get("/assessment/questionnaire"); !strings.Contains(body, "Pourquoi c'est important") || !strings.Contains(body, "Je ne sais pas") {
		t.Error("the questionnaire in French")
	}
}
