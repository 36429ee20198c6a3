package web

import (
	"context"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/notify"
	"github.com/vigie-project/vigie/internal/notify/notifytest"
	"github.com/vigie-project/vigie/internal/store"
)

// A party's admin adds a signed webhook on the Notifications page, sees its
// secret once, sends a test that the receiver can verify; another party
// cannot see, test or remove that channel nor see its deliveries.
func TestNotificationsPage(t *testing.T) {
	hook := notifytest.NewWebhookReceiver(t)
	s := newSiteOpts(t, hub.Options{Notify: hub.NotifyOptions{Guard: &notify.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}}})
	ctx := context.Background()
	cli := store.Actor{Name: "cli"}
	s.agency, _ = s.st.CreateOrg(ctx, cli, "Agency", store.KindAgency)
	s.a, _ = s.st.CreateOrg(ctx, cli, "Party A", store.KindParty)
	s.b, _ = s.st.CreateOrg(ctx, cli, "Party B", store.KindParty)
	s.user("Party A", "ann", store.RoleAdmin)
	s.user("Party B", "bob", store.RoleAdmin)

	a := s.browser()
	a.login("ann", pw)
	code, body := a.get("/notifications")
	if code != 200 || !strings.Contains(body, "E-mail is not available") || strings.Contains(body, `value="alert"`) {
		t.Fatalf("A's notifications page (%d): mail note or campaign-alert choice wrong", code)
	}
	code, body = a.post("/notifications/channels", url.Values{"csrf": {a.csrf()}, "kind": {"webhook"}, "target": {hook.URL + "/in"},
		"format": {"generic"}, "events": {"advisory", "sighting"}}, "")
	secret := regexp.MustCompile(`id="webhook-secret">([0-9a-f]{64})<`).FindStringSubmatch(body)
	if code != 200 || secret == nil {
		t.Fatalf("add webhook (%d): no secret shown", code)
	}
	if _, body = a.get("/notifications"); strings.Contains(body, secret[1]) {
		t.Error("the webhook secret is shown again")
	}
	chans, _ := s.st.ListChannels(ctx, mustUser(t, s, "ann").ID)
	if len(chans) != 1 {
		t.Fatalf("%d channels", len(chans))
	}
	id := itoa(chans[0].ID)
	if code, body = a.post("/notifications/channels/"+id+"/test", url.Values{"csrf": {a.csrf()}}, ""); code != 200 || !strings.Contains(body, "Test message sent") {
		t.Fatalf("test (%d)", code)
	}
	hs := hook.Hooks()
	if len(hs) != 1 || notify.Verify([]byte(secret[1]), hs[0].Header.Get(notify.SignatureHeader), hs[0].Body, time.Now(), time.Minute) != nil {
		t.Fatalf("the receiver did not get a verifiable test message: %d posts", len(hs))
	}
	code, body = a.post("/notifications/channels", url.Values{"csrf": {a.csrf()}, "kind": {"webhook"}, "target": {"http://10.0.0.8/hook"},
		"format": {"slack"}, "events": {"advisory"}}, "")
	if code != 422 || !strings.Contains(body, "not a public address") {
		t.Errorf("private webhook accepted (%d)", code)
	}

	b := s.browser()
	b.login("bob", pw)
	if _, body := b.get("/notifications"); strings.Contains(body, hook.URL) {
		t.Error("B sees A's channel")
	}
	for _, p := range []string{"/notifications/channels/" + id + "/test", "/notifications/channels/" + id + "/delete"} {
		if code, _ := b.post(p, url.Values{"csrf": {b.csrf()}}, ""); code != 404 {
			t.Errorf("B %s: %d, want 404", p, code)
		}
		b.get("/notifications")
	}
	if n := len(hook.Hooks()); n != 1 {
		t.Errorf("B's request reached A's webhook (%d posts)", n)
	}
	if code, _ := a.post("/notifications/channels/"+id+"/delete", url.Values{"csrf": {a.csrf()}}, ""); code != 200 {
		t.Errorf("A removes its channel: %d", code)
	}
}

func mustUser(t *testing.T, s *site, name string) store.User {
	u, err := s.st.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
