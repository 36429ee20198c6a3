package web

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/leakcase"
	"github.com/vigie-project/vigie/internal/leakcase/casetest"
	"github.com/vigie-project/vigie/internal/store"
)

// TestBrowserLeakCase, in a real headless Chromium: an agency analyst
// opens a case, has the hub verify a small dump placed on the server
// (following the progress on the page), publishes the signed statement;
// the statement's signature is checked with the real ssh-keygen -Y verify
// and the allowed_signers line the page shows; then the public, without
// logging in, looks an item up by Message-ID and uploads a message that
// is not in the case.
func TestBrowserLeakCase(t *testing.T) {
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("ssh-keygen is absent")
	}
	if _, err := os.Stat(chromium); err != nil || testing.Short() {
		t.Skip("no Chromium, or -short mode") // startChromium says which; checked before the dump is made
	}
	d := casetest.New(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "agency_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "agency", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	signer, err := leakcase.LoadSigner(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := newSiteOpts(t, hub.Options{LeakDir: d.Dir, CaseWorkDir: t.TempDir(), LeakWorkers: 2, StatementKey: signer, StatementIdentity: "statement@agency.example"})
	ctx0 := context.Background()
	cli := store.Actor{Name: "cli"}
	s.agency, _ = s.st.CreateOrg(ctx0, cli, "Agency", store.KindAgency)
	s.a, _ = s.st.CreateOrg(ctx0, cli, "Party A", store.KindParty)
	s.user("Agency", "ana", store.RoleAnalyst)
	b := s.browser()
	if code, _ := b.login("ana", pw); code != 200 {
		t.Fatalf("login: %d", code)
	}
	session := b.cookie()

	_, run := startChromium(t, chromedp.WindowSize(1280, 900))
	base := s.ts.URL
	var main, keyLine, statementHref string
	run("open a case",
		network.SetCookie("vigie_session", session).WithDomain("127.0.0.1").WithPath("/").WithHTTPOnly(true),
		chromedp.Navigate(base+"/cases"),
		chromedp.WaitVisible(`#case-title`),
		chromedp.SendKeys(`#case-title`, "Leak of 5 May"),
		chromedp.Submit(`#case-title`),
		chromedp.WaitVisible(`#case-ref`),
	)
	run("verify the dump on the hub",
		chromedp.SetValue(`#dump`, "dump"),
		chromedp.SendKeys(`#keys`, "keys.zone"),
		chromedp.Click(`#verify`),
		chromedp.WaitVisible(`#job-done`),
		chromedp.Text(`main`, &main),
	)
	for _, want := range []string{"3 items verified", "Authentic", "Altered", "Unverifiable", "01-genuine.eml"} {
		if !strings.Contains(main, want) {
			t.Fatalf("case page after the verification lacks %q: %s", want, main)
		}
	}
	run("publish",
		chromedp.Click(`#publish`),
		chromedp.WaitVisible(`#statement-link`),
		chromedp.AttributeValue(`#statement-link`, "href", &statementHref, nil),
		chromedp.Text(`pre.command`, &keyLine),
	)
	get := func(p string) []byte {
		t.Helper()
		res, err := http.Get(base + p)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", p, res, err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return body
	}
	page, sig := get(statementHref), get(statementHref+".sig")
	os.WriteFile(filepath.Join(dir, "statement.html"), page, 0o644)
	os.WriteFile(filepath.Join(dir, "statement.html.sig"), sig, 0o644)
	os.WriteFile(filepath.Join(dir, "allowed_signers"), []byte(strings.TrimSpace(keyLine)+"\n"), 0o644)
	verify := exec.Command("ssh-keygen", "-Y", "verify", "-f", "allowed_signers", "-I", "statement@agency.example", "-n", "vigie-statement", "-s", "statement.html.sig")
	verify.Dir = dir
	f, _ := os.Open(filepath.Join(dir, "statement.html"))
	defer f.Close()
	verify.Stdin = f
	if out, err := verify.CombinedOutput(); err != nil || !strings.Contains(string(out), `Good "vigie-statement" signature for statement@agency.example`) {
		t.Fatalf("ssh-keygen -Y verify of the published statement: %v %s", err, out)
	}
	var statement string
	run("read the statement",
		chromedp.Navigate(base+statementHref),
		chromedp.WaitVisible(`#counts`),
		chromedp.Text(`#en`, &statement),
	)
	if !strings.Contains(statement, "01-genuine.eml") || !strings.Contains(statement, "ssh-keygen -Y verify") {
		t.Fatalf("statement: %s", statement)
	}

	var answer string
	outside := filepath.Join(dir, "meeting.eml")
	os.WriteFile(outside, d.Outside, 0o644)
	run("look an item up as the public",
		network.ClearBrowserCookies(),
		chromedp.Navigate(base+"/leaks"),
		chromedp.WaitVisible(`#message-id`),
		chromedp.SendKeys(`#message-id`, "<"+d.GenuineID+">"),
		chromedp.Click(`#lookup`),
		chromedp.WaitVisible(`#result`),
		chromedp.Text(`#result`, &answer),
	)
	if !strings.Contains(answer, "Authentic") || !strings.Contains(answer, "dump/mail/01-genuine.eml") || strings.Contains(answer, "user:ana") {
		t.Fatalf("public answer: %s", answer)
	}
	run("upload a message outside the case",
		chromedp.Navigate(base+"/leaks"),
		chromedp.WaitVisible(`#file`),
		chromedp.SetUploadFiles(`#file`, []string{outside}),
		chromedp.Click(`#lookup`),
		chromedp.WaitVisible(`#fresh`),
		chromedp.Text(`#fresh`, &answer),
	)
	if !strings.Contains(answer, "Authentic") {
		t.Fatalf("fresh verdict: %s", answer)
	}
}
