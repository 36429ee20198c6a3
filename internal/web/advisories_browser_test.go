package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie/internal/store"
)

// TestBrowserAdvisory, in a real headless Chromium: the agency publishes
// an advisory with two actions through the form; party A opens it,
// acknowledges it and ticks one action; the agency's follow-up shows A at
// 1/2 and B unread. Each person's session is the one a login made
// (two-factor included), handed to the browser as its cookie.
func TestBrowserAdvisory(t *testing.T) {
	_, run := startChromium(t)
	s := newSite(t)
	s.user("Agency", "ana", store.RoleAnalyst)
	s.user("Party A", "ann", store.RoleMember)
	s.user("Party B", "bob", store.RoleMember)
	session := func(name string) string {
		b := s.browser()
		b.login(name, pw)
		if c := b.cookie(); c != "" {
			return c
		}
		t.Fatalf("%s could not log in", name)
		return ""
	}
	anaCookie, annCookie := session("ana"), session("ann")
	base := s.ts.URL
	as := func(cookie string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			return network.SetCookie("vigie_session", cookie).WithURL(base).WithHTTPOnly(true).Do(ctx)
		})
	}
	var title string
	run("the agency publishes",
		as(anaCookie),
		chromedp.Navigate(base+"/advisories/new"),
		chromedp.WaitVisible(`#title`),
		chromedp.SendKeys(`#title`, "Phishing wave against campaign staff"),
		chromedp.Evaluate(`document.getElementById("severity").value = "high"`, nil),
		chromedp.SendKeys(`#body`, "Fake **webmail** login pages.", chromedp.ByQuery),
		chromedp.SendKeys(`#actions`, "Block accounts-verify.example\nReset the passwords typed there", chromedp.ByQuery),
		chromedp.Click(`#publish-now`),
		chromedp.WaitVisible(`#progress`),
		chromedp.Text(`#advisory-title`, &title),
	)
	if title != "Phishing wave against campaign staff" {
		t.Fatalf("after publishing: %q", title)
	}
	var url, receipt string
	run("party A acknowledges and ticks one action",
		chromedp.Location(&url),
		as(annCookie),
		chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(url).Do(ctx) }),
		chromedp.WaitVisible(`#ack`),
		chromedp.Click(`#ack`),
		// #my-receipt is on the page before too ("not acknowledged yet"):
		// wait for the page the acknowledgement returns.
		chromedp.WaitVisible(`//*[contains(@class, "flash") and contains(., "Acknowledged.")]`, chromedp.BySearch),
		chromedp.WaitVisible(`#my-receipt`),
		chromedp.Text(`#my-receipt`, &receipt),
		chromedp.SendKeys(`#actions tr:nth-child(2) input[name=comment]`, "blocked on our resolver"),
		chromedp.Click(`#actions tr:nth-child(2) button`),
		// The acknowledgement's page has a .flash.ok too: wait for the
		// tick's own, or the next navigation aborts this one.
		chromedp.WaitVisible(`//*[contains(@class, "flash") and contains(., "Recorded")]`, chromedp.BySearch),
	)
	if !strings.Contains(receipt, "Acknowledged by user:ann") {
		t.Fatalf("A's receipt: %q", receipt)
	}
	var stateA, countA, stateB, countB string
	run("the agency's follow-up",
		as(anaCookie),
		chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(url).Do(ctx) }),
		chromedp.WaitVisible(`#progress`),
		chromedp.Text(`#progress tr:nth-child(2) td.state`, &stateA),
		chromedp.Text(`#progress tr:nth-child(2) td.count`, &countA),
		chromedp.Text(`#progress tr:nth-last-child(1) td.state`, &stateB),
		chromedp.Text(`#progress tr:nth-last-child(1) td.count`, &countB),
	)
	if !strings.HasPrefix(stateA, "acknowledged") || countA != "1/2" || !strings.HasPrefix(stateB, "unread") || countB != "0/2" {
		t.Fatalf("follow-up: A %q %q, B %q %q", stateA, countA, stateB, countB)
	}
}
