package notify_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"mime"
	"net/mail"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/notify"
	"github.com/vigie-project/vigie/internal/notify/notifytest"
)

var at = time.Date(2027, 4, 21, 3, 12, 0, 0, time.UTC)

func TestComposeWithholdsAboveGreen(t *testing.T) {
	tests := []struct {
		tlp      string
		withheld bool
	}{
		{"clear", false}, {"TLP:WHITE", false}, {"green", false},
		{"amber", true}, {"amber+strict", true}, {"red", true}, {"", true}, {"bogus", true},
	}
	for _, tc := range tests {
		ev := notify.Event{Kind: notify.KindAdvisory, OrgID: 2, OrgName: "Parti A", TLP: tc.tlp,
			Title: "Secret title", Text: "secret details", Link: "/advisories/7", At: at}
		m := notify.Compose("https://hub.example.org/", "en", []notify.Event{ev})
		leaked := strings.Contains(m.Text, "secret") || strings.Contains(m.Subject, "Secret")
		if leaked != !tc.withheld {
			t.Errorf("TLP %q: content in message = %v, want %v\n%s\n%s", tc.tlp, leaked, !tc.withheld, m.Subject, m.Text)
		}
		if !strings.Contains(m.Text, "https://hub.example.org/advisories/7") {
			t.Errorf("TLP %q: no link to the hub in\n%s", tc.tlp, m.Text)
		}
		for _, f := range []string{notify.FormatGeneric, notify.FormatSlack, notify.FormatMattermost, notify.FormatMatrix} {
			b, err := notify.Body(f, m)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "ecret") != !tc.withheld {
				t.Errorf("TLP %q, webhook %s: content leaked=%v: %s", tc.tlp, f, !tc.withheld, b)
			}
		}
	}
}

func TestComposeFrenchAndBatch(t *testing.T) {
	var evs []notify.Event
	for i := 0; i < notify.MaxItems+3; i++ {
		evs = append(evs, notify.Event{Kind: notify.KindSighting, OrgName: "Parti A", Link: "/sightings", At: at})
	}
	m := notify.Compose("https://hub", "fr-FR", evs)
	if len(m.Items) != notify.MaxItems {
		t.Errorf("items = %d, want %d", len(m.Items), notify.MaxItems)
	}
	if !strings.Contains(m.Subject, "53 nouveaux événements") || !strings.Contains(m.Text, "… et 3 autres") ||
		!strings.Contains(m.Text, "Détection dans votre parti") {
		t.Errorf("French batch message:\n%s\n%s", m.Subject, m.Text)
	}
}

// A title cannot add header fields to the notification mail.
func TestMailHeaderInjection(t *testing.T) {
	s, err := notify.ParseSMTP("smtp://127.0.0.1:25", "hub@agency.example")
	if err != nil {
		t.Fatal(err)
	}
	ev := notify.Event{Kind: notify.KindAdvisory, TLP: "clear", Title: "Hello\r\nBcc: victim@example.org\r\n\r\nbody", Link: "/a/1", At: at}
	raw := s.Build("party@example.org", notify.Compose("https://hub", "en", []notify.Event{ev}), at)
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get("Bcc"); got != "" {
		t.Fatalf("injected Bcc header: %q", got)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || !strings.Contains(subj, "Hello Bcc: victim@example.org") {
		t.Errorf("subject = %q (%v)", subj, err)
	}
}

func TestParseSMTP(t *testing.T) {
	tests := []struct {
		url, from string
		ok        bool
		tls       string
	}{
		{"smtp://relay.example.org", "hub@a.example", true, "required"},
		{"smtp://127.0.0.1:2525", "hub@a.example", true, "opportunistic"},
		{"smtps://u:p@relay.example.org", "hub@a.example", true, "required"},
		{"smtp://u:p@relay.example.org?tls=none", "hub@a.example", false, ""},
		{"http://relay.example.org", "hub@a.example", false, ""},
		{"smtp://relay.example.org", "not an address", false, ""},
		{"smtp://relay.example.org?tls=maybe", "hub@a.example", false, ""},
	}
	for _, tc := range tests {
		s, err := notify.ParseSMTP(tc.url, tc.from)
		if (err == nil) != tc.ok {
			t.Errorf("ParseSMTP(%q, %q) error = %v, want ok=%v", tc.url, tc.from, err, tc.ok)
			continue
		}
		if err == nil && s.TLS != tc.tls {
			t.Errorf("ParseSMTP(%q).TLS = %q, want %q", tc.url, s.TLS, tc.tls)
		}
		if err != nil && strings.Contains(err.Error(), ":p@") {
			t.Errorf("password in error: %v", err)
		}
	}
}

func TestSendToSink(t *testing.T) {
	sink := notifytest.NewSMTPSink(t)
	s, err := notify.ParseSMTP("smtp://"+sink.Addr, "hub@agency.example")
	if err != nil {
		t.Fatal(err)
	}
	ev := notify.Event{Kind: notify.KindAdvisory, TLP: "green", Title: "Campagne d'hameçonnage", Text: "Faux portail", Link: "/advisories/3", At: at}
	if err := s.Send(context.Background(), "alice@party.example", notify.Compose("https://hub", "fr", []notify.Event{ev})); err != nil {
		t.Fatal(err)
	}
	got := sink.Mails()
	if len(got) != 1 || got[0].From != "hub@agency.example" || len(got[0].To) != 1 || got[0].To[0] != "alice@party.example" {
		t.Fatalf("sink got %+v", got)
	}
	msg, err := mail.ReadMessage(strings.NewReader(got[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subj != "[Vigie] Campagne d'hameçonnage" {
		t.Errorf("subject %q", subj)
	}
	if err := s.Send(context.Background(), "a@b.example\r\nRCPT TO:<x@y>", notify.Message{}); err == nil {
		t.Error("a recipient with CRLF was accepted")
	}
	sink.SetRefuse(true)
	if err := s.Send(context.Background(), "alice@party.example", notify.Compose("https://hub", "fr", []notify.Event{ev})); err == nil ||
		!strings.Contains(err.Error(), "451") {
		t.Errorf("refused DATA: err = %v", err)
	}
}

func TestSignVerify(t *testing.T) {
	secret := []byte("s3cret")
	body := []byte(`{"hub":"x"}`)
	h := notify.Sign(secret, at, body)
	if err := notify.Verify(secret, h, body, at.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := notify.Verify(secret, h, []byte(`{"hub":"y"}`), at, 5*time.Minute); err == nil {
		t.Error("changed body verified")
	}
	if err := notify.Verify([]byte("other"), h, body, at, 5*time.Minute); err == nil {
		t.Error("wrong secret verified")
	}
	if err := notify.Verify(secret, h, body, at.Add(time.Hour), 5*time.Minute); err == nil {
		t.Error("old signature verified (replay)")
	}
}

func TestGuard(t *testing.T) {
	g := &notify.Guard{Deny: []netip.Prefix{netip.MustParsePrefix("203.0.113.9/32")}}
	for addr, ok := range map[string]bool{
		"8.8.8.8": true, "2001:4860:4860::8888": true,
		"127.0.0.1": false, "10.1.2.3": false, "192.168.0.1": false, "169.254.169.254": false, "100.64.0.1": false,
		"::1": false, "fd00::1": false, "fe80::1": false, "::ffff:10.0.0.1": false, "0.0.0.0": false,
		"203.0.113.9": false, "64:ff9b::a00:1": false, "224.0.0.1": false,
	} {
		if err := g.Check(netip.MustParseAddr(addr)); (err == nil) != ok {
			t.Errorf("Check(%s) = %v, want ok=%v", addr, err, ok)
		}
	}
	g.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	if err := g.Check(netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Errorf("allowed loopback refused: %v", err)
	}
	ctx := context.Background()
	for raw, ok := range map[string]bool{
		"https://127.0.0.1/hook": true, "ftp://127.0.0.1/": false, "https://u:p@127.0.0.1/": false,
		"https://10.0.0.1/": false, "https:///nohost": false,
	} {
		if err := g.CheckURL(ctx, raw); (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", raw, err, ok)
		}
	}
}

// The guard is applied when dialling, not only when the URL is saved.
func TestPostGuardedAndSigned(t *testing.T) {
	rcv := notifytest.NewWebhookReceiver(t)
	m := notify.Compose("https://hub", "en", []notify.Event{{Kind: notify.KindAlert, Link: "/", At: at}})
	secret := []byte("k")
	closed := (&notify.Guard{}).Client(5 * time.Second)
	if err := notify.Post(context.Background(), closed, rcv.URL, notify.FormatGeneric, secret, m, time.Now()); err == nil ||
		!strings.Contains(err.Error(), "not a public address") {
		t.Fatalf("post to loopback without allow: %v", err)
	}
	open := (&notify.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}).Client(5 * time.Second)
	if err := notify.Post(context.Background(), open, rcv.URL, notify.FormatGeneric, secret, m, time.Now()); err != nil {
		t.Fatal(err)
	}
	h := rcv.Hooks()
	if len(h) != 1 {
		t.Fatalf("%d hooks", len(h))
	}
	if err := notify.Verify(secret, h[0].Header.Get(notify.SignatureHeader), h[0].Body, time.Now(), time.Minute); err != nil {
		t.Errorf("receiver cannot verify: %v", err)
	}
	var got struct {
		Events []notify.Item `json:"events"`
	}
	if err := json.Unmarshal(h[0].Body, &got); err != nil || len(got.Events) != 1 || got.Events[0].Kind != notify.KindAlert {
		t.Errorf("body %s (%v)", h[0].Body, err)
	}
	rcv.SetStatus(500)
	if err := notify.Post(context.Background(), open, rcv.URL, notify.FormatSlack, nil, m, time.Now()); err == nil {
		t.Error("a 500 answer counted as delivered")
	}
}

// Mail to a relay goes over STARTTLS, verified, then AUTH PLAIN; a relay
// that does not offer STARTTLS, or whose certificate is not trusted, gets
// nothing when TLS is required.
func TestSendSTARTTLSAndAuth(t *testing.T) {
	sink, pool := notifytest.NewTLSSMTPSink(t)
	msg := notify.Compose("https://hub", "en", []notify.Event{{Kind: notify.KindAlert, Link: "/", At: at}})
	s, err := notify.ParseSMTP("smtp://hub:s3cret@"+sink.Addr+"?tls=required", "hub@agency.example")
	if err != nil {
		t.Fatal(err)
	}
	s.TLSConfig = &tls.Config{RootCAs: pool}
	if err := s.Send(context.Background(), "alice@party.example", msg); err != nil {
		t.Fatal(err)
	}
	if m := sink.Mails(); len(m) != 1 || !m[0].TLS || m[0].User != "hub" {
		t.Fatalf("relay got %+v, want one message over TLS from user hub", m)
	}
	s.TLSConfig = &tls.Config{} // the system roots: the sink's certificate is not trusted
	if err := s.Send(context.Background(), "alice@party.example", msg); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("untrusted certificate: %v", err)
	}
	plain := notifytest.NewSMTPSink(t)
	p, _ := notify.ParseSMTP("smtp://"+plain.Addr+"?tls=required", "hub@agency.example")
	if err := p.Send(context.Background(), "alice@party.example", msg); err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") {
		t.Errorf("relay without STARTTLS: %v", err)
	}
	if len(plain.Mails()) != 0 || len(sink.Mails()) != 1 {
		t.Error("a message went out without the required TLS")
	}
}
