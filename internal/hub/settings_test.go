package hub

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/posture"
	"github.com/vigie-project/vigie/internal/posture/posturetest"
	"github.com/vigie-project/vigie/internal/store"
)

// TestSettingsAPI: a party's administrator declares its domains and
// contacts; its sensors read the domains (not the contacts); another party
// neither reads nor changes them; the agency reads and edits any party's.
func TestSettingsAPI(t *testing.T) { testSettingsAPI(newEnv(t)) }

// TestSettingsPostgres runs the settings and proposal API tests on
// PostgreSQL.
func TestSettingsPostgres(t *testing.T) {
	t.Run("settings", func(t *testing.T) { testSettingsAPI(newEnvOn(t, pgSchema(t))) })
	t.Run("proposals", func(t *testing.T) { testLookalikeProposals(newEnvOn(t, pgSchema(t))) })
}

func testSettingsAPI(e *env) {
	t := e.t
	orgA := "?org=" + itoa(e.a.ID)
	if r := e.expect(e.do("GET", "/api/v1/org/settings", "a-sensor", nil), 200).json(t); len(r["sites"].([]any)) != 0 {
		t.Errorf("fresh settings: %v", r)
	}
	body := map[string]any{"sites": []string{"En-Marche.FR", "élysée.fr"}, "mail_domains": []string{"en-marche.fr"},
		"contacts": []map[string]string{{"name": "Ann", "email": "ann@en-marche.fr", "phone": "+33 6 00 00 00 00"}}}
	for _, tok := range []string{"a-member", "a-analyst", "a-sensor"} {
		e.expect(e.do("PUT", "/api/v1/org/settings", tok, body), 403)
	}
	r := e.expect(e.do("PUT", "/api/v1/org/settings", "a-admin", body), 200).json(t)
	if got := r["sites"].([]any); len(got) != 2 || got[0] != "en-marche.fr" || got[1] != "xn--lyse-9oad.fr" {
		t.Errorf("sites not normalised: %v", got)
	}
	// Bad input: 400 naming the field and the value; nothing changes.
	bad := e.expect(e.do("PUT", "/api/v1/org/settings", "a-admin", map[string]any{"sites": []string{"en marche.fr"}}), 400)
	if !strings.Contains(string(bad.body), "sites") || !strings.Contains(string(bad.body), "en marche.fr") {
		t.Errorf("bad domain: %s", bad.body)
	}
	e.expect(e.do("PUT", "/api/v1/org/settings", "a-admin", `{"sites": "x"}`), 400)
	e.expect(e.do("GET", "/api/v1/org/settings?org=abc", "agency-analyst", nil), 400)

	// The sensor reads the domains, not the contacts.
	sr := e.expect(e.do("GET", "/api/v1/org/settings", "a-sensor", nil), 200).json(t)
	if len(sr["sites"].([]any)) != 2 || len(sr["contacts"].([]any)) != 0 {
		t.Errorf("sensor's view: %v", sr)
	}
	if ar := e.expect(e.do("GET", "/api/v1/org/settings", "a-member", nil), 200).json(t); len(ar["contacts"].([]any)) != 1 {
		t.Errorf("member's view: %v", ar)
	}

	// Party B: neither reads nor writes A's; its own are empty.
	e.expect(e.do("GET", "/api/v1/org/settings"+orgA, "b-admin", nil), 404)
	e.expect(e.do("PUT", "/api/v1/org/settings"+orgA, "b-admin", map[string]any{"sites": []string{"evil.fr"}}), 404)
	if br := e.expect(e.do("GET", "/api/v1/org/settings", "b-admin", nil), 200).json(t); len(br["sites"].([]any)) != 0 {
		t.Errorf("B sees A's domains: %v", br)
	}

	// The agency reads and edits any party's.
	if ag := e.expect(e.do("GET", "/api/v1/org/settings"+orgA, "agency-analyst", nil), 200).json(t); len(ag["sites"].([]any)) != 2 {
		t.Errorf("agency's view of A: %v", ag)
	}
	e.expect(e.do("PUT", "/api/v1/org/settings?org="+itoa(e.b.ID), "agency-admin", map[string]any{"sites": []string{"party-b.fr"}}), 200)
	e.expect(e.do("PUT", "/api/v1/org/settings?org="+itoa(e.b.ID), "agency-member", map[string]any{"sites": []string{"party-b.fr"}}), 403)
	if br := e.expect(e.do("GET", "/api/v1/org/settings", "b-sensor", nil), 200).json(t); len(br["sites"].([]any)) != 1 {
		t.Errorf("B's settings set by the agency: %v", br)
	}
}

// TestLookalikeProposals: a party's watch proposes a look-alike; another
// party does not see it; only the agency reviews; an accepted look-alike
// reaches every party's feed, a rejected one carries the reason.
func TestLookalikeProposals(t *testing.T) { testLookalikeProposals(newEnv(t)) }

func testLookalikeProposals(e *env) {
	t := e.t
	items := map[string]any{"items": []map[string]any{
		{"name": "mail-en-march.fr", "imitates": "en-marche.fr", "technique": "combination", "score": 0.9, "reason": "mail joined to a misspelling of en-marche", "evidence": []string{"MX: mx.mail-en-march.fr"}},
		{"name": "not a domain"},
	}}
	r := e.expect(e.do("POST", "/api/v1/lookalikes/proposals", "a-sensor", items), 200).json(t)
	if r["created"].(float64) != 1 || r["rejected"].(float64) != 1 || !strings.Contains((mustJSON(r)), "not a domain") {
		t.Fatalf("propose: %v", r)
	}
	e.expect(e.do("POST", "/api/v1/lookalikes/proposals", "a-member", items), 403)
	e.expect(e.do("POST", "/api/v1/lookalikes/proposals", "a-sensor", map[string]any{"items": []any{}}), 400)
	e.expect(e.do("POST", "/api/v1/lookalikes/proposals", "b-sensor", map[string]any{"items": []map[string]any{{"name": "party-b-vote.fr"}}}), 200)

	if l := e.expect(e.do("GET", "/api/v1/lookalikes/proposals", "b-admin", nil), 200).items(t); len(l) != 1 || l[0]["name"] != "party-b-vote.fr" {
		t.Errorf("B's proposals: %v", l)
	}
	all := e.expect(e.do("GET", "/api/v1/lookalikes/proposals?status=pending", "agency-analyst", nil), 200).items(t)
	if len(all) != 2 {
		t.Fatalf("agency's pending: %v", all)
	}
	var idA, idB string
	for _, p := range all {
		id := itoa(int64(p["id"].(float64)))
		if p["name"] == "mail-en-march.fr" {
			idA = id
		} else {
			idB = id
		}
	}
	e.expect(e.do("POST", "/api/v1/lookalikes/proposals/"+idA+"/accept", "a-admin", nil), 403)
	e.expect(e.do("POST", "/api/v1/lookalikes/proposals/"+idA+"/accept", "agency-member", nil), 403)
	e.expect(e.do("POST", "/api/v1/lookalikes/proposals/x/accept", "agency-analyst", nil), 400)
	e.expect(e.do("POST", "/api/v1/lookalikes/proposals/999/accept", "agency-analyst", nil), 404)
	e.expect(e.do("POST", "/api/v1/lookalikes/proposals/"+idA+"/accept", "agency-analyst", map[string]any{"distribution": "listed"}), 400)
	acc := e.expect(e.do("POST", "/api/v1/lookalikes/proposals/"+idA+"/accept", "agency-analyst", nil), 200).json(t)
	if acc["status"] != "accepted" || acc["indicator_id"] == "" {
		t.Errorf("accepted: %v", acc)
	}
	e.expect(e.do("POST", "/api/v1/lookalikes/proposals/"+idB+"/reject", "agency-analyst", map[string]any{"reason": ""}), 400)
	rej := e.expect(e.do("POST", "/api/v1/lookalikes/proposals/"+idB+"/reject", "agency-analyst", map[string]any{"reason": "the party's own new site"}), 200).json(t)
	if rej["status"] != "rejected" || rej["review_reason"] != "the party's own new site" {
		t.Errorf("rejected: %v", rej)
	}
	// B's sensors pull the accepted look-alike.
	feed := e.expect(e.do("GET", "/api/v1/indicators", "b-sensor", nil), 200)
	if !strings.Contains(string(feed.body), "mail-en-march.fr") {
		t.Errorf("B's feed lacks the accepted look-alike: %s", feed.body)
	}
	// A reads the outcome of its own proposal only.
	if l := e.expect(e.do("GET", "/api/v1/lookalikes/proposals", "a-admin", nil), 200).items(t); len(l) != 1 || l[0]["status"] != "accepted" {
		t.Errorf("A's proposals: %v", l)
	}
}

// partyZone is what two parties publish: A has SPF and DMARC right, B has
// no DMARC record.
const partyZone = `
party-a.fr.        TXT "v=spf1 -all"
_dmarc.party-a.fr. TXT "v=DMARC1; p=reject"
party-a.fr.        MX 0 .
party-b.fr.        TXT "v=spf1 ~all"
`

// TestPostureSchedule: the hub checks every declared domain on schedule
// against a DNS server on loopback, keeps the history, does not check a
// domain again before its interval (plus jitter), checks on demand, and
// shows each party its own results only.
func TestPostureSchedule(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	z := posturetest.StartDNS(t, partyZone)
	var mu sync.Mutex
	now := time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	sched, err := NewPostureSchedule(e.st, PostureConfig{Interval: time.Hour, Jitter: 10 * time.Minute, Concurrency: 2, Timeout: 10 * time.Second, Now: clock,
		Options: posture.Options{Resolver: z.Addr, Only: posture.GroupMail, Timeout: time.Second, Now: clock}})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.SetPostureSchedule(sched)
	if _, err := NewPostureSchedule(e.st, PostureConfig{Interval: time.Second}); err == nil {
		t.Error("an interval of one second was accepted")
	}
	e.expect(e.do("PUT", "/api/v1/org/settings", "a-admin", map[string]any{"mail_domains": []string{"party-a.fr"}}), 200)
	e.expect(e.do("PUT", "/api/v1/org/settings", "b-admin", map[string]any{"mail_domains": []string{"party-b.fr"}}), 200)

	n, err := sched.Pass(ctx)
	if err != nil || n != 2 {
		t.Fatalf("first pass checked %d, %v", n, err)
	}
	latest, err := e.st.LatestPosture(ctx, e.a.ID)
	if err != nil || len(latest) != 1 {
		t.Fatalf("A's latest: %v %v", latest, err)
	}
	status := map[string]posture.Status{}
	for _, c := range latest[0].Result.Checks {
		status[c.ID] = c.Status
	}
	if status["mail.spf"] != posture.StatusPass || status["mail.dmarc"] != posture.StatusPass {
		t.Errorf("A's checks: %+v", latest[0].Result.Checks)
	}
	if b, _ := e.st.LatestPosture(ctx, e.b.ID); len(b) != 1 || b[0].Worst != posture.StatusFail {
		t.Errorf("B's latest: %+v", b)
	}
	// Not due again before the interval; due after interval + jitter.
	if n, _ := sched.Pass(ctx); n != 0 {
		t.Errorf("second pass at once checked %d", n)
	}
	mu.Lock()
	now = now.Add(time.Hour + 11*time.Minute)
	mu.Unlock()
	if n, _ := sched.Pass(ctx); n != 2 {
		t.Errorf("pass after the interval checked %d", n)
	}

	// On demand, from the API: A's admin for A; B cannot for A.
	e.expect(e.do("POST", "/api/v1/org/posture/check", "a-member", nil), 403)
	e.expect(e.do("POST", "/api/v1/org/posture/check?org="+itoa(e.a.ID), "b-admin", nil), 404)
	e.expect(e.do("POST", "/api/v1/org/posture/check", "a-admin", nil), 202)
	sched.Wait()

	// Results: A sees its own three runs; B cannot read A's; the agency can.
	pa := e.expect(e.do("GET", "/api/v1/org/posture", "a-member", nil), 200).json(t)
	if len(pa["latest"].([]any)) != 1 || len(pa["history"].([]any)) != 3 || !strings.Contains(pa["schedule"].(string), "every 1h0m0s") {
		t.Errorf("A's posture: %s", mustJSON(pa))
	}
	if strings.Contains((mustJSON(pa)), "party-b.fr") {
		t.Error("A's posture shows B's domain")
	}
	e.expect(e.do("GET", "/api/v1/org/posture?org="+itoa(e.a.ID), "b-admin", nil), 404)
	e.expect(e.do("GET", "/api/v1/org/posture", "a-sensor", nil), 403)
	if ag := e.expect(e.do("GET", "/api/v1/org/posture?org="+itoa(e.b.ID)+"&history=1", "agency-analyst", nil), 200).json(t); len(ag["history"].([]any)) != 1 {
		t.Errorf("agency's view of B: %s", mustJSON(ag))
	}
}

// TestPostureScheduleBounds: a domain whose DNS never answers is given up
// after the timeout and stored as an error, not a hang; the schedule stops
// with its context.
func TestPostureScheduleBounds(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	silent := silentUDP(t)
	sched, err := NewPostureSchedule(e.st, PostureConfig{Interval: time.Hour, Concurrency: 1, Timeout: 1500 * time.Millisecond, Tick: 20 * time.Millisecond,
		Options: posture.Options{Resolver: silent, Only: posture.GroupMail, Timeout: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.PutOrgSettings(ctx, store.Viewer{Agency: true}, cliActor, e.a.ID, store.OrgSettings{MailDomains: []string{"party-a.fr", "second-a.fr"}}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sched.Run(rctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if l, _ := e.st.LatestPosture(ctx, e.a.ID); len(l) == 2 {
			for _, r := range l {
				if r.Worst != posture.StatusError {
					t.Errorf("%s against a silent resolver: %s", r.Domain, r.Worst)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the schedule did not store both domains within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("two domains against a silent resolver took %v", took)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop with its context")
	}
}

// silentUDP is a UDP socket on loopback that never answers.
func silentUDP(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}
