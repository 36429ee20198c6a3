package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/store"
)

// topActions reads the texts of the plan's actions in bold.
const topActions = `Array.from(document.querySelectorAll('#plan li.top strong')).map(e => e.textContent.trim())`

// TestBrowserAssessment walks the assessment in a real headless Chromium:
// a party member answers the questionnaire and sees its plan with the
// first three actions in bold; an agency analyst sees the parties side by
// side, opens the party's report, prints it (print media: the three
// actions are there, in bold, the navigation is not) and gets its PDF,
// from the browser and from the hub. Set VIGIE_SCREENSHOT=DIR to keep the
// screenshots.
func TestBrowserAssessment(t *testing.T) {
	_, run := startChromium(t, chromedp.WindowSize(1280, 900))
	s := newSite(t)
	s.user("Party A", "amy", store.RoleMember)
	ana := s.user("Agency", "ana", store.RoleAnalyst)
	base := s.ts.URL
	login := func(step, name string) {
		t.Helper()
		run(step,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(`#username`),
			chromedp.SendKeys(`#username`, name),
			chromedp.SendKeys(`#password`, pw),
			chromedp.Submit(`#password`),
			// Wait for the login page to go: a navigation started
			// before the login's own page arrives aborts it, and the
			// next page then asks to log in again.
			chromedp.WaitNotPresent(`#password`),
		)
	}

	login("party login", "amy")
	var tops []string
	var weight string
	run("answer the questionnaire",
		chromedp.WaitVisible(`h1`),
		chromedp.Navigate(base+"/assessment/questionnaire"),
		chromedp.WaitVisible(`#questionnaire`),
		chromedp.Click(`input[name="q.acc-mfa-mail"][value="password"]`, chromedp.ByQuery),
		chromedp.Click(`input[name="q.acc-separate"][value="no"]`, chromedp.ByQuery),
		chromedp.Click(`input[name="q.acc-mfa-cloud"][value="dontknow"]`, chromedp.ByQuery),
		shot("assess-1-questionnaire"),
		chromedp.Click(`#save-answers`, chromedp.ByQuery),
		chromedp.WaitVisible(`#plan`),
		chromedp.Evaluate(topActions, &tops),
		chromedp.Evaluate(`getComputedStyle(document.querySelector('#plan li.top strong')).fontWeight`, &weight),
		shot("assess-2-result"),
	)
	sa, err := s.st.LatestAssessment(context.Background(), store.Viewer{OrgID: s.a.ID}, s.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, a := range sa.Result.Plan[:3] {
		want = append(want, a.Text.EN)
	}
	if !slices.Equal(tops, want) || weight < "600" {
		t.Fatalf("the party's plan shows in bold %q (weight %s), want %q", tops, weight, want)
	}
	if sa.AnswersID == 0 || sa.Result.Overall.Answered != 2 || sa.Result.Overall.Unknown == 0 {
		t.Fatalf("answers not stored as given: %+v", sa.Result.Overall)
	}

	// The agency.
	s.enableTOTP(ana.ID)
	run("log out", network.ClearBrowserCookies())
	login("agency login", "ana")
	code, _ := hub.TOTPCode(testSecret, time.Now())
	var overview string
	run("overview",
		chromedp.WaitVisible(`#code`),
		chromedp.SendKeys(`#code`, code),
		chromedp.Submit(`#code`),
		// The code page has an h1 too: wait until it is gone, or the
		// navigation below aborts the login's own (net::ERR_ABORTED).
		chromedp.WaitNotPresent(`#code`),
		chromedp.WaitVisible(`h1`),
		chromedp.Navigate(base+"/assessment/overview"),
		chromedp.WaitVisible(`#overview`),
		chromedp.Text(`#overview`, &overview),
		shot("assess-3-overview"),
	)
	if !strings.Contains(overview, "Party A") || !strings.Contains(overview, "Party B") {
		t.Fatalf("overview: %q", overview)
	}
	var printed []string
	var navShown, visible bool
	var png, pdf []byte
	run("print the report",
		chromedp.Click(`//table[@id="overview"]//tr[td/a[text()="Party A"]]//a[text()="Printable report"]`, chromedp.BySearch),
		chromedp.WaitVisible(`#plan`),
		emulation.SetEmulatedMedia().WithMedia("print"),
		chromedp.Evaluate(topActions, &printed),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('#plan li.top strong')).every(e => e.getBoundingClientRect().height > 0 && getComputedStyle(e).fontWeight >= 600)`, &visible),
		chromedp.Evaluate(`getComputedStyle(document.querySelector('.noprint')).display != 'none'`, &navShown),
		chromedp.CaptureScreenshot(&png),
		shot("assess-4-report-print"),
		chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			pdf, _, err = cdppage.PrintToPDF().WithPrintBackground(true).Do(ctx)
			return err
		}),
	)
	if !slices.Equal(printed, want) || !visible || navShown {
		t.Fatalf("printed report: actions in bold %q (visible %v), want %q; links shown on paper: %v", printed, visible, want, navShown)
	}
	if !bytes.HasPrefix(png, []byte("\xff\xd8")) && !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatal("no screenshot")
	}
	checkPDF(t, "the browser's PDF", pdf, want)

	// The hub makes the same PDF itself with headless Chromium.
	var cookies []*network.Cookie
	run("cookies", chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		cookies, err = network.GetCookies().Do(ctx)
		return err
	}))
	req, _ := http.NewRequest("GET", base+"/assessment/report.pdf?org="+itoa(s.a.ID), nil)
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("hub PDF: %d %s %.200s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	checkPDF(t, "the hub's PDF", body, want)
}
