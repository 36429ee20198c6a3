package hub

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/notify"
	"github.com/vigie-project/vigie/internal/notify/notifytest"
	"github.com/vigie-project/vigie/internal/store"
)

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// notifyEnv is env with a mail sink, loopback webhooks allowed and a clock.
func notifyEnv(t *testing.T) (*env, *notifytest.SMTPSink, *testClock) {
	return notifyEnvOn(t, "")
}

// notifyEnvOn is notifyEnv on PostgreSQL when url is set.
func notifyEnvOn(t *testing.T, url string) (*env, *notifytest.SMTPSink, *testClock) {
	e := newEnvOn(t, url)
	sink := notifytest.NewSMTPSink(t)
	mailer, err := notify.ParseSMTP("smtp://"+sink.Addr, "hub@agency.example")
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{t: time.Now().UTC()}
	e.st.SetClock(clk.now)
	e.srv = New(Options{Store: e.st, Now: clk.now, PublicURL: "https://hub.example.org", Notify: NotifyOptions{
		Mailer: mailer, Guard: &notify.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}}})
	e.ts = httptest.NewServer(e.srv)
	t.Cleanup(e.ts.Close)
	return e, sink, clk
}

func (e *env) user(org store.Org, name string) store.User {
	e.t.Helper()
	u, err := e.st.CreateUser(context.Background(), cliActor, store.User{OrgID: org.ID, Username: name, Role: "analyst", PasswordHash: "x"})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) channel(u store.User, c store.Channel) store.Channel {
	e.t.Helper()
	c.UserID = u.ID
	if err := e.srv.CheckChannel(context.Background(), &c); err != nil {
		e.t.Fatal(err)
	}
	c, err := e.st.CreateChannel(context.Background(), cliActor, c)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// A sighting at party A reaches A's analyst by mail and the agency's by a
// signed webhook — with no indicator in either — and nothing reaches B.
// When B sees the same indicator, the agency gets a campaign alert.
func TestNotifySightingsAndAlert(t *testing.T) { testNotifySightingsAndAlert(t, notifyEnv) }

func testNotifySightingsAndAlert(t *testing.T, mk func(*testing.T) (*env, *notifytest.SMTPSink, *testClock)) {
	e, sink, clk := mk(t)
	ctx := context.Background()
	hook := notifytest.NewWebhookReceiver(t)
	e.channel(e.user(e.a, "alice"), store.Channel{Kind: "email", Target: "alice@party-a.example", Events: []string{notify.KindSighting, notify.KindAdvisory}})
	e.channel(e.user(e.b, "bob"), store.Channel{Kind: "email", Target: "bob@party-b.example", Events: []string{notify.KindSighting}})
	ag := e.channel(e.user(e.agency, "ana"), store.Channel{Kind: "webhook", Target: hook.URL + "/hook", Format: notify.FormatGeneric,
		Events: []string{notify.KindAlert}})

	e.publish("domain", "login-secure-party.example", "all")
	e.expect(e.do("POST", "/api/v1/sightings", "a-sensor", map[string]any{"items": []any{sighting("s1", "domain", "login-secure-party.example", clk.now())}}), 200)
	if err := e.srv.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.Mails()); n != 0 {
		t.Fatalf("%d mails sent before the batching delay", n)
	}
	clk.add(time.Minute)
	if err := e.srv.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	mails := sink.Mails()
	if len(mails) != 1 || mails[0].To[0] != "alice@party-a.example" {
		t.Fatalf("mails: %+v", mails)
	}
	if strings.Contains(mails[0].Data, "login-secure-party") || !strings.Contains(mails[0].Data, "https://hub.example.org/sightings") {
		t.Errorf("mail leaks the indicator or lacks the link:\n%s", mails[0].Data)
	}
	if len(hook.Hooks()) != 0 {
		t.Fatal("agency webhook called without an alert")
	}

	e.expect(e.do("POST", "/api/v1/sightings", "b-sensor", map[string]any{"items": []any{sighting("s2", "domain", "login-secure-party.example", clk.now())}}), 200)
	clk.add(time.Minute)
	if err := e.srv.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	hs := hook.Hooks()
	if len(hs) != 1 {
		t.Fatalf("agency webhook got %d posts, want 1 (the alert)", len(hs))
	}
	if err := notify.Verify([]byte(ag.Secret), hs[0].Header.Get(notify.SignatureHeader), hs[0].Body, clk.now(), 5*time.Minute); err != nil {
		t.Errorf("webhook signature: %v", err)
	}
	var body struct {
		Events []notify.Item `json:"events"`
	}
	json.Unmarshal(hs[0].Body, &body)
	if len(body.Events) != 1 || body.Events[0].Kind != notify.KindAlert || !body.Events[0].Withheld {
		t.Errorf("alert body: %s", hs[0].Body)
	}
	if got := sink.Mails(); len(got) != 2 || got[1].To[0] != "bob@party-b.example" {
		t.Errorf("B's mail: %+v", got)
	}
}

// Events close together go out as one message, at most one a channel per
// interval; a failed delivery is retried and shown to the admin, to the
// agency and to the party concerned only.
func TestNotifyBatchRateLimitRetry(t *testing.T) { testNotifyBatchRateLimitRetry(t, notifyEnv) }

func testNotifyBatchRateLimitRetry(t *testing.T, mk func(*testing.T) (*env, *notifytest.SMTPSink, *testClock)) {
	e, sink, clk := mk(t)
	ctx := context.Background()
	e.channel(e.user(e.a, "alice"), store.Channel{Kind: "email", Target: "alice@party-a.example", Events: []string{notify.KindAdvisory}})
	adv := func(title string) {
		e.srv.Notify(ctx, notify.Event{Kind: notify.KindAdvisory, OrgID: e.a.ID, TLP: "clear", Title: title, Link: "/advisories/1"})
	}
	adv("first")
	adv("second")
	clk.add(time.Minute)
	e.srv.DeliverDue(ctx)
	if m := sink.Mails(); len(m) != 1 || !strings.Contains(m[0].Data, "first") || !strings.Contains(m[0].Data, "second") {
		t.Fatalf("want one mail with both advisories: %+v", m)
	}
	adv("third")
	clk.add(time.Minute)
	e.srv.DeliverDue(ctx)
	if n := len(sink.Mails()); n != 1 {
		t.Fatalf("second message sent within the rate-limit interval (%d mails)", n)
	}
	sink.SetRefuse(true)
	clk.add(5 * time.Minute)
	e.srv.DeliverDue(ctx)
	pending, err := e.st.ListDeliveries(ctx, store.Viewer{Agency: true}, "pending", 10)
	if err != nil || len(pending) != 1 || pending[0].Attempts != 1 || !strings.Contains(pending[0].LastError, "451") {
		t.Fatalf("after a refused delivery: %+v (%v)", pending, err)
	}
	if d, _ := e.st.ListDeliveries(ctx, store.Viewer{OrgID: e.b.ID}, "", 10); len(d) != 0 {
		t.Errorf("party B sees A's deliveries: %+v", d)
	}
	if d, _ := e.st.ListDeliveries(ctx, store.Viewer{OrgID: e.a.ID}, "", 10); len(d) != 3 {
		t.Errorf("party A sees %d of its deliveries, want 3", len(d))
	}
	for i := 0; i < notifyMaxAttempts; i++ {
		clk.add(7 * time.Hour)
		e.srv.DeliverDue(ctx)
	}
	failed, _ := e.st.ListDeliveries(ctx, store.Viewer{Agency: true}, "failed", 10)
	if len(failed) != 1 {
		t.Fatalf("want the delivery given up after %d attempts, got %+v", notifyMaxAttempts, failed)
	}
	if err := e.st.RetryDelivery(ctx, store.Viewer{OrgID: e.b.ID}, cliActor, failed[0].ID); err == nil {
		t.Error("party B retried A's delivery")
	}
	sink.SetRefuse(false)
	if err := e.st.RetryDelivery(ctx, store.Viewer{Agency: true}, cliActor, failed[0].ID); err != nil {
		t.Fatal(err)
	}
	e.srv.DeliverDue(ctx)
	if m := sink.Mails(); len(m) != 2 || !strings.Contains(m[1].Data, "third") {
		t.Errorf("retried delivery: %d mails", len(m))
	}
}

// A sensor that stops reporting for a day is reported once.
func TestNotifySilentSensor(t *testing.T) {
	e, sink, clk := notifyEnv(t)
	ctx := context.Background()
	e.channel(e.user(e.a, "alice"), store.Channel{Kind: "email", Target: "alice@party-a.example", Events: []string{notify.KindSensorSilent}})
	e.channel(e.user(e.b, "bob"), store.Channel{Kind: "email", Target: "bob@party-b.example", Events: []string{notify.KindSensorSilent}})
	e.expect(e.do("GET", "/api/v1/indicators", "a-sensor", nil), 200)
	e.srv.touchMu.Lock()
	e.srv.touched = map[int64]time.Time{}
	e.srv.touchMu.Unlock()
	clk.add(25 * time.Hour)
	for i := 0; i < 2; i++ {
		if err := e.srv.checkSilentSensors(ctx); err != nil {
			t.Fatal(err)
		}
		clk.add(time.Hour)
		e.srv.DeliverDue(ctx)
	}
	m := sink.Mails()
	if len(m) != 1 || m[0].To[0] != "alice@party-a.example" {
		t.Fatalf("silent sensor mails: %+v", m)
	}
}

// A webhook cannot point at the hub or a private address unless allowed.
func TestNotifyChannelValidation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, c := range []store.Channel{
		{Kind: "webhook", Target: "http://127.0.0.1:8443/api/v1/indicators", Format: notify.FormatGeneric, Events: []string{notify.KindAlert}},
		{Kind: "webhook", Target: "http://169.254.169.254/latest/meta-data", Format: notify.FormatSlack, Events: []string{notify.KindAlert}},
		{Kind: "webhook", Target: "https://hooks.example.org/x", Format: "teams", Events: []string{notify.KindAlert}},
		{Kind: "email", Target: "a@b.example", Events: []string{notify.KindAlert}}, // no relay configured
		{Kind: "webhook", Target: "https://8.8.8.8/x", Format: notify.FormatSlack, Events: []string{"everything"}},
		{Kind: "webhook", Target: "https://8.8.8.8/x", Format: notify.FormatSlack},
	} {
		if err := e.srv.CheckChannel(ctx, &c); err == nil {
			t.Errorf("channel %+v accepted", c)
		}
	}
	ok := store.Channel{Kind: "webhook", Target: "https://8.8.8.8/x", Format: notify.FormatGeneric, Events: []string{notify.KindAlert}}
	if err := e.srv.CheckChannel(ctx, &ok); err != nil || len(ok.Secret) != 64 {
		t.Errorf("public webhook: %v, secret %q", err, ok.Secret)
	}
}

// TestPostgresNotify runs the notification scenarios on PostgreSQL.
func TestPostgresNotify(t *testing.T) {
	pg := func(t *testing.T) (*env, *notifytest.SMTPSink, *testClock) { return notifyEnvOn(t, pgSchema(t)) }
	t.Run("sightings and alert", func(t *testing.T) { testNotifySightingsAndAlert(t, pg) })
	t.Run("batch, rate limit, retry", func(t *testing.T) { testNotifyBatchRateLimitRetry(t, pg) })
}

// Publishing an advisory notifies the parties it goes to, and only them;
// the title of a TLP:AMBER one stays on the hub.
func TestNotifyAdvisories(t *testing.T) {
	e, sink, clk := notifyEnv(t)
	ctx := context.Background()
	e.channel(e.user(e.a, "alice"), store.Channel{Kind: "email", Target: "alice@party-a.example", Events: []string{notify.KindAdvisory}})
	e.channel(e.user(e.b, "bob"), store.Channel{Kind: "email", Target: "bob@party-b.example", Events: []string{notify.KindAdvisory}})
	e.expect(e.do("POST", "/api/v1/advisories", "agency-analyst", map[string]any{"title": "Fake webmail login pages", "severity": "high",
		"tlp": "clear", "actions": []string{"Turn on security keys"}, "publish": true}), 201)
	clk.add(time.Minute)
	e.srv.DeliverDue(ctx)
	m := sink.Mails()
	if len(m) != 2 {
		t.Fatalf("%d mails after an advisory to all parties, want 2", len(m))
	}
	for _, x := range m {
		if !strings.Contains(x.Data, "Fake webmail login pages") || !strings.Contains(x.Data, "https://hub.example.org/advisories/") {
			t.Errorf("mail to %v lacks the title or link:\n%s", x.To, x.Data)
		}
	}
	e.expect(e.do("POST", "/api/v1/advisories", "agency-analyst", map[string]any{"title": "Implant found at B", "severity": "high",
		"tlp": "amber", "parties": []string{"Party B"}, "actions": []string{"Reimage"}, "publish": true}), 201)
	clk.add(6 * time.Minute)
	e.srv.DeliverDue(ctx)
	m = sink.Mails()
	if len(m) != 3 || m[2].To[0] != "bob@party-b.example" {
		t.Fatalf("after B's advisory: %d mails (last to %v)", len(m), m[len(m)-1].To)
	}
	if strings.Contains(m[2].Data, "Implant") {
		t.Errorf("TLP:AMBER title in the mail:\n%s", m[2].Data)
	}
}

// A look-alike the party's watch proposes reaches the party's channel,
// with the domain names (public registrations), and not another party.
func TestNotifyLookalike(t *testing.T) {
	e, sink, clk := notifyEnv(t)
	ctx := context.Background()
	e.channel(e.user(e.a, "alice"), store.Channel{Kind: "email", Target: "alice@party-a.example", Events: []string{notify.KindLookalike}})
	e.channel(e.user(e.b, "bob"), store.Channel{Kind: "email", Target: "bob@party-b.example", Events: []string{notify.KindLookalike}})
	item := map[string]any{"name": "mail-en-march.fr", "imitates": "en-marche.fr", "technique": "combination", "score": 0.9, "reason": "joins mail to a misspelling"}
	e.expect(e.do("POST", "/api/v1/lookalikes/proposals", "a-sensor", map[string]any{"items": []any{item}}), 200)
	e.expect(e.do("POST", "/api/v1/lookalikes/proposals", "a-sensor", map[string]any{"items": []any{item}}), 200) // seen again: no new message
	clk.add(time.Minute)
	e.srv.DeliverDue(ctx)
	clk.add(10 * time.Minute)
	e.srv.DeliverDue(ctx)
	m := sink.Mails()
	if len(m) != 1 || m[0].To[0] != "alice@party-a.example" || !strings.Contains(m[0].Data, "mail-en-march.fr") {
		t.Fatalf("look-alike mails: %+v", m)
	}
}

// A high finding at a party (malware found by a sweep) notifies like a
// sighting; a low one (a file that could not be read) does not; a row of
// the outbox that cannot be read is given up and does not hold back the
// others.
func TestNotifyFindingsAndUnreadableRow(t *testing.T) {
	e, sink, clk := notifyEnv(t)
	ctx := context.Background()
	ch := e.channel(e.user(e.a, "alice"), store.Channel{Kind: "email", Target: "alice@party-a.example", Events: []string{notify.KindSighting}})
	finding := func(id, sev, title string) map[string]any {
		return map[string]any{"id": id, "time": clk.now(), "sensor": "scan", "severity": sev, "title": title,
			"subject": map[string]any{"kind": "file", "path": "C:/x.exe"}}
	}
	e.expect(e.do("POST", "/api/v1/findings", "a-sensor", map[string]any{"items": []any{finding("f1", "low", "could not be read")}}), 200)
	clk.add(time.Minute)
	e.srv.DeliverDue(ctx)
	if n := len(sink.Mails()); n != 0 {
		t.Fatalf("a low finding sent %d mails", n)
	}
	if err := e.st.Enqueue(ctx, []int64{ch.ID}, []byte("{not json"), clk.now()); err != nil {
		t.Fatal(err)
	}
	e.expect(e.do("POST", "/api/v1/findings", "a-sensor", map[string]any{"items": []any{finding("f2", "high", "X-Agent on laptop-7")}}), 200)
	clk.add(time.Minute)
	if err := e.srv.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	m := sink.Mails()
	if len(m) != 1 || !strings.Contains(m[0].Data, "https://hub.example.org/sightings") || strings.Contains(m[0].Data, "X-Agent") {
		t.Fatalf("mails after a high finding: %+v", m)
	}
	failed, _ := e.st.ListDeliveries(ctx, store.Viewer{Agency: true}, "failed", 10)
	if len(failed) != 1 || !strings.Contains(failed[0].LastError, "unreadable event") {
		t.Errorf("the unreadable row: %+v", failed)
	}
}
