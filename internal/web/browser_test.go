package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie/internal/hub"
)

const chromium = "/usr/bin/chromium"

const bundle = `{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2026-03-01T10:00:00.000Z", "modified": "2026-03-01T10:00:00.000Z",
  "name": "Fake webmail login", "pattern": "[domain-name:value = 'accounts-verify.example']", "pattern_type": "stix", "valid_from": "2026-03-01T10:00:00Z"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2026-03-01T10:00:00.000Z", "modified": "2026-03-01T10:00:00.000Z",
  "pattern": "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", "pattern_type": "stix", "valid_from": "2026-03-01T10:00:00Z"}
]}`

// TestBrowserNewcomer walks the README's first minute in a real headless
// Chromium: first login with the printed password, two-factor set-up, new
// password, import a STIX bundle, add a party, make its sensor token, post
// a sighting with it, and see it on the dashboard, on a phone-sized screen.
// Set VIGIE_SCREENSHOT=DIR to keep screenshots.
func TestBrowserNewcomer(t *testing.T) {
	_, run := startChromium(t, chromedp.WindowSize(390, 844))
	s := newSiteEmpty(t)
	user, password, err := hub.Bootstrap(context.Background(), s.st, "Agency")
	if err != nil || password == "" {
		t.Fatal(err)
	}
	base := s.ts.URL
	var secret, heading string
	run("login",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`#username`),
		shot("1-login"),
		chromedp.SendKeys(`#username`, user),
		chromedp.SendKeys(`#password`, password),
		chromedp.Submit(`#password`),
		chromedp.WaitVisible(`#totp-secret`),
		chromedp.Text(`#totp-secret`, &secret),
	)
	code, _ := hub.TOTPCode(strings.TrimSpace(secret), time.Now())
	run("two-factor set-up",
		shot("2-totp"),
		chromedp.SendKeys(`#code`, code),
		chromedp.Submit(`#code`),
		chromedp.WaitVisible(`#new`),
		chromedp.SendKeys(`#current`, password),
		chromedp.SendKeys(`#new`, "a brand new passphrase"),
		chromedp.Submit(`#new`),
		chromedp.WaitVisible(`#total-sightings`),
		chromedp.Text(`h1`, &heading),
	)
	if heading != "Dashboard" {
		t.Fatalf("after login: %q", heading)
	}
	var flash string
	run("import",
		chromedp.Navigate(base+"/indicators"),
		chromedp.WaitVisible(`#text`),
		chromedp.SetValue(`#text`, bundle),
		chromedp.Submit(`#text`),
		chromedp.WaitVisible(`.flash`),
		chromedp.Text(`.flash`, &flash),
	)
	if !strings.Contains(flash, "2 new") {
		t.Fatalf("import: %q", flash)
	}
	run("add a party",
		chromedp.Navigate(base+"/orgs"),
		chromedp.WaitVisible(`input[name=name]`),
		chromedp.SendKeys(`input[name=name]`, "Parti Exemple"),
		chromedp.Submit(`input[name=name]`),
		chromedp.WaitVisible(`.flash`),
		chromedp.Text(`.flash`, &flash),
	)
	if !strings.Contains(flash, "Added Parti Exemple") {
		t.Fatalf("add party: %q", flash)
	}
	var token string
	run("sensor token",
		chromedp.Navigate(base+"/tokens"),
		chromedp.WaitVisible(`#token-org`),
		chromedp.SetValue(`#token-org`, "Parti Exemple"),
		chromedp.Submit(`#token-org`),
		chromedp.WaitVisible(`#new-token`),
		chromedp.Text(`#new-token`, &token),
		shot("3-token"),
	)
	token = strings.TrimSpace(token)
	body, _ := json.Marshal(map[string]any{"items": []map[string]any{{"id": "laptop-1/1", "type": "domain", "value": "mail.accounts-verify.example", "observed_at": time.Now().UTC().Format(time.RFC3339), "count": 1, "sensor": "dns"}}})
	req, _ := http.NewRequest("POST", base+"/api/v1/sightings", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("posting a sighting with the new token: %v %v", res, err)
	}
	res.Body.Close()
	var total, top string
	run("dashboard",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`#total-sightings`),
		chromedp.Text(`#total-sightings`, &total),
		chromedp.Text(`main`, &top),
		shot("4-dashboard-phone"),
		chromedp.EmulateViewport(1280, 900),
		shot("5-dashboard-laptop"),
	)
	if total != "1" || !strings.Contains(top, "accounts-verify.example") || !strings.Contains(top, "Parti Exemple") {
		t.Fatalf("dashboard: total %q, page %q", total, top)
	}
}

// startChromium starts a headless Chromium for a browser test (skipped
// when Chromium is absent or in -short mode), stopped when the test ends,
// and returns its context and a runner of named steps that fails the test.
func startChromium(t *testing.T, extra ...chromedp.ExecAllocatorOption) (context.Context, func(step string, actions ...chromedp.Action)) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s is absent: install Debian's chromium to run the browser test", chromium)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	profile, err := os.MkdirTemp("", "vigie-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) }) // after the browser has exited (cleanups run last first)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	// Generous: the machine running the suite may be loaded.
	ctx, cancel = context.WithTimeout(ctx, 150*time.Second)
	t.Cleanup(cancel)
	return ctx, func(step string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
}

// shot saves a screenshot of the whole page as $VIGIE_SCREENSHOT/name.png
// when VIGIE_SCREENSHOT is set.
func shot(name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		dir := os.Getenv("VIGIE_SCREENSHOT")
		if dir == "" {
			return nil
		}
		var buf []byte
		if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
			return err
		}
		return os.WriteFile(dir+"/"+name+".png", buf, 0o644)
	})
}
