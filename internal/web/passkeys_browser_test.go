package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie/internal/store"
)

// TestBrowserPasskeys registers a passkey and logs in with it in a real
// headless Chromium, whose DevTools virtual authenticator plays the
// security key: a party administrator chooses a passkey as the second
// factor at first login, then logs in with password + passkey, then with
// the passkey alone; without the authenticator the login fails cleanly.
// WebAuthn needs a secure context and a domain: the test uses localhost.
func TestBrowserPasskeys(t *testing.T) {
	_, run := startChromium(t)
	s := newSite(t)
	s.rawUser("Party A", "ann", store.RoleAdmin)
	base := strings.Replace(s.ts.URL, "127.0.0.1", "localhost", 1)
	var authID webauthn.AuthenticatorID
	run("virtual authenticator",
		chromedp.Navigate(base+"/login"),
		chromedp.ActionFunc(func(ctx context.Context) error {
			if err := webauthn.Enable().WithEnableUI(false).Do(ctx); err != nil {
				return err
			}
			var err error
			authID, err = webauthn.AddVirtualAuthenticator(&webauthn.VirtualAuthenticatorOptions{
				Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
				HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
			}).Do(ctx)
			return err
		}),
	)
	login := func(step string) {
		t.Helper()
		run(step,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(`#username`),
			chromedp.SendKeys(`#username`, "ann"),
			chromedp.SendKeys(`#password`, pw),
			chromedp.Submit(`#password`),
		)
	}
	logout := chromedp.Click(`header form button`, chromedp.NodeVisible)
	var heading string
	login("first login")
	run("register a passkey as the second factor",
		chromedp.WaitVisible(`#passkey-register`),
		chromedp.Click(`#passkey-register`),
		chromedp.WaitVisible(`#total-sightings`),
		chromedp.Text(`h1`, &heading),
	)
	if heading != "Dashboard" {
		t.Fatalf("after registering: %q", heading)
	}
	us, _ := s.st.UserByName(context.Background(), "ann")
	pks, _ := s.st.ListPasskeys(context.Background(), us.ID)
	if len(pks) != 1 {
		t.Fatalf("%d passkeys stored", len(pks))
	}
	run("log out", logout, chromedp.WaitVisible(`#username`))

	login("password again")
	run("passkey as the second factor",
		chromedp.WaitVisible(`#passkey-login`),
		chromedp.Click(`#passkey-login`),
		chromedp.WaitVisible(`#total-sightings`),
	)
	run("log out", logout, chromedp.WaitVisible(`#username`))

	var table string
	run("passkey alone",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`#passkey-discover`),
		chromedp.Click(`#passkey-discover`),
		chromedp.WaitVisible(`#total-sightings`),
		chromedp.Navigate(base+"/account"),
		chromedp.WaitVisible(`#passkeys`),
		chromedp.Text(`#passkeys`, &table),
	)
	if strings.Contains(table, "never") {
		t.Fatalf("the account page does not show the passkey's use: %q", table)
	}
	pks, _ = s.st.ListPasskeys(context.Background(), us.ID)
	if pks[0].LastUsedAt.IsZero() {
		t.Fatal("passkey use not recorded")
	}

	// A forged signature, or an authenticator that did not verify the user
	// (no PIN, no fingerprint) on the passkey-only path: the hub refuses,
	// says so, and logs nobody in.
	run("log out", logout, chromedp.WaitVisible(`#username`))
	for _, tc := range []struct {
		name  string
		bits  *webauthn.SetResponseOverrideBitsParams
		fixed *webauthn.SetResponseOverrideBitsParams
	}{
		{"bogus signature", webauthn.SetResponseOverrideBits(authID).WithIsBogusSignature(true), webauthn.SetResponseOverrideBits(authID)},
		{"user not verified", webauthn.SetResponseOverrideBits(authID).WithIsBadUV(true), webauthn.SetResponseOverrideBits(authID)},
	} {
		var status, path string
		run(tc.name,
			tc.bits,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(`#passkey-discover`),
			chromedp.Click(`#passkey-discover`),
			chromedp.Poll(`document.getElementById("passkey-status").textContent.indexOf("instructions") < 0`, nil, chromedp.WithPollingTimeout(30*time.Second)),
			chromedp.Text(`#passkey-status`, &status),
			chromedp.Evaluate(`location.pathname`, &path),
			tc.fixed,
		)
		if !strings.Contains(status, "The passkey check failed") || path != "/login" {
			t.Fatalf("%s: status %q at %s", tc.name, status, path)
		}
	}
}
