package watch

import (
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/vigie-project/vigie/internal/ctlog"
	"github.com/vigie-project/vigie/internal/ctlog/ctlogtest"
	"github.com/vigie-project/vigie/internal/hub/hubtest"
	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/lookalike"
	"github.com/vigie-project/vigie/internal/store"
)

// dnsServer answers on loopback UDP for a few names: an A record, NS and,
// for some, an MX; NXDOMAIN for every other name.
func dnsServer(t *testing.T, zone map[string]bool) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			name := strings.TrimSuffix(strings.ToLower(q.Name.String()), ".")
			mx, ok := zone[name]
			rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RCode: dnsmessage.RCodeSuccess}
			if !ok {
				rh.RCode = dnsmessage.RCodeNameError
			}
			b := dnsmessage.NewBuilder(nil, rh)
			b.EnableCompression()
			b.StartQuestions()
			b.Question(q)
			b.StartAnswers()
			hdr := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}
			if ok {
				switch q.Type {
				case dnsmessage.TypeA:
					b.AResource(hdr, dnsmessage.AResource{A: [4]byte{192, 0, 2, 10}})
				case dnsmessage.TypeNS:
					b.NSResource(hdr, dnsmessage.NSResource{NS: dnsmessage.MustNewName("ns1.bulletproof.example.")})
				case dnsmessage.TypeMX:
					if mx {
						b.MXResource(hdr, dnsmessage.MXResource{Pref: 10, MX: dnsmessage.MustNewName("mx." + name + ".")})
					}
				}
			}
			out, err := b.Finish()
			if err == nil {
				pc.WriteTo(out, addr)
			}
		}
	}()
	return pc.LocalAddr().String()
}

// TestWatchEndToEnd: a DNS server answers for two candidates, a CT log
// (both APIs) gets a look-alike certificate; within one poll the
// look-alikes are findings, and on a real hub they are findings and
// sightings of the party and, published by the agency's watch, domain
// indicators for every party.
func TestWatchEndToEnd(t *testing.T) {
	ctx := context.Background()
	h := hubtest.Start(t)
	l := ctlogtest.Start(t)
	for i := 0; i < 40; i++ {
		l.AddCert([]string{"shop" + string(rune('a'+i%26)) + ".example.org"}, false)
	}
	l.Publish()
	resolver := dnsServer(t, map[string]bool{"mail-en-marche.fr": true, "en-marhce.fr": false, "en-marche-don.fr": false})
	det, err := lookalike.New([]lookalike.Owner{{Name: "the party", Domains: []string{"en-marche.fr"}, TLDSwap: true}})
	if err != nil {
		t.Fatal(err)
	}
	var cands []string
	lookalike.Generate("en-marche.fr", lookalike.GenOptions{Fuzzers: []string{"transposition", "combo"}, ComboTLDs: []string{}}, func(c lookalike.Candidate) error {
		cands = append(cands, c.Name)
		return nil
	})
	sensor, err := hubclient.New(h.URL, h.SensorToken)
	if err != nil {
		t.Fatal(err)
	}
	key := l.PublicKey()
	w, err := New(Config{Detector: det, Candidates: cands, Resolver: resolver, Rate: 2000, Concurrency: 4, StateDir: t.TempDir(), Hub: sensor,
		Logs: []Log{{URL: l.URL, API: ctlog.RFC6962, Key: key}, {URL: l.URL + "/", API: ctlog.Static, Key: key}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.Once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 3 || r.Looked != len(cands) || len(r.LogErrors) != 0 {
		t.Fatalf("first pass: %d findings, %d looked up of %d, log errors %v", len(r.Findings), r.Looked, len(cands), r.LogErrors)
	}
	for _, f := range r.Findings {
		if f.Subject.Name == "mail-en-marche.fr" && (!strings.Contains(f.Title, "can send mail") || f.Severity.String() != "high") {
			t.Errorf("MX not said: %+v", f)
		}
	}
	// a look-alike certificate appears in the log
	l.AddCert([]string{"onedrive-en-marche.fr", "www.onedrive-en-marche.fr"}, true)
	l.AddRaw([]byte("garbage"))
	l.Publish()
	r, err = w.Once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || r.Findings[0].Subject.Name != "onedrive-en-marche.fr" || r.Malformed != 2 {
		t.Fatalf("second pass: %+v malformed %d errors %v", r.Findings, r.Malformed, r.LogErrors)
	}
	ev, _ := json.Marshal(r.Findings[0].Evidence)
	if !strings.Contains(string(ev), "Test CA") || !strings.Contains(string(ev), "first seen") {
		t.Errorf("evidence: %s", ev)
	}
	// on the hub: the party's findings and sightings
	if out := string(h.Call("GET", "/api/v1/findings", nil)); !strings.Contains(out, "onedrive-en-marche.fr") || !strings.Contains(out, "mail-en-marche.fr") {
		t.Errorf("hub findings: %.500s", out)
	}
	if out := string(h.Call("GET", "/api/v1/sightings", nil)); !strings.Contains(out, "onedrive-en-marche.fr") {
		t.Errorf("hub sightings: %.500s", out)
	}
	// nothing new: nothing reported again
	if r, err := w.Once(ctx); err != nil || len(r.Findings) != 0 {
		t.Errorf("third pass: %+v %v", r.Findings, err)
	}
	// the agency's watch publishes indicators to every party
	analyst, _ := hubclient.New(h.URL, h.AnalystToken)
	wa, err := New(Config{Detector: det, Candidates: []string{"mail-en-marche.fr"}, Resolver: resolver, StateDir: t.TempDir(), Hub: analyst, Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wa.Once(ctx); err != nil {
		t.Fatal(err)
	}
	inds, _, _, err := sensor.Pull(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, in := range inds {
		found = found || in.Value == "mail-en-marche.fr"
	}
	if !found {
		t.Errorf("indicator not pulled by the party: %+v", inds)
	}
}

// TestWatchUntrustedLog: a log that signs with another key is reported
// per log, and the DNS part still runs.
func TestWatchUntrustedLog(t *testing.T) {
	l := ctlogtest.Start(t)
	l.BadSignature = true
	l.AddCert([]string{"x.example.org"}, false)
	l.Publish()
	det, _ := lookalike.New([]lookalike.Owner{{Name: "p", Domains: []string{"en-marche.fr"}, TLDSwap: true}})
	w, err := New(Config{Detector: det, StateDir: t.TempDir(), Logs: []Log{{URL: l.URL, Key: l.PublicKey()}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.Once(context.Background())
	if err != nil || r.LogErrors[l.URL] == nil || !strings.Contains(r.LogErrors[l.URL].Error(), "not trusted") {
		t.Fatalf("%v %v", r.LogErrors, err)
	}
}

// TestWatchResolverDown: look-ups that fail are counted and the first
// error kept, never taken for "the name does not exist".
func TestWatchResolverDown(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close() // nothing listens there now: refused
	det, _ := lookalike.New([]lookalike.Owner{{Name: "p", Domains: []string{"en-marche.fr"}, TLDSwap: true}})
	w, err := New(Config{Detector: det, Candidates: []string{"en-marhce.fr", "mail-en-marche.fr"}, Resolver: addr, Rate: 1000, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.Once(context.Background())
	if err != nil || r.Looked != 2 || r.DNSErrors != 2 || r.DNSError == nil || len(r.Findings) != 0 {
		t.Fatalf("%+v %v", r, err)
	}
}

// TestWatchRate: look-ups never go faster than the rate asked.
func TestWatchRate(t *testing.T) {
	resolver := dnsServer(t, map[string]bool{})
	det, _ := lookalike.New([]lookalike.Owner{{Name: "p", Domains: []string{"en-marche.fr"}, TLDSwap: true}})
	var cands []string
	for i := 0; i < 10; i++ {
		cands = append(cands, "en-marche"+string(rune('a'+i))+".fr")
	}
	w, err := New(Config{Detector: det, Candidates: cands, Resolver: resolver, Rate: 50, Concurrency: 8, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r, err := w.Once(context.Background())
	if err != nil || r.Looked != 10 || r.DNSErrors != 0 {
		t.Fatalf("%+v %v", r, err)
	}
	if el := time.Since(start); el < 180*time.Millisecond {
		t.Errorf("10 look-ups at 50 per second took %v", el)
	}
}

// TestWatchHubDomainsAndProposals: the party's watch takes its protected
// domains from the hub (its settings, followed live), and proposes each
// look-alike it finds to the agency, with what it imitates, the technique,
// the score and the evidence; when the party declares another domain on
// the hub, the next pass watches it too.
func TestWatchHubDomainsAndProposals(t *testing.T) {
	ctx := context.Background()
	h := hubtest.Start(t)
	party, err := h.Store.OrgByName(ctx, "Party A")
	if err != nil {
		t.Fatal(err)
	}
	declare := func(domains ...string) {
		t.Helper()
		if _, err := h.Store.PutOrgSettings(ctx, store.Viewer{Agency: true}, store.Actor{Name: "test"}, party.ID, store.OrgSettings{Sites: domains}); err != nil {
			t.Fatal(err)
		}
	}
	declare("en-marche.fr")
	resolver := dnsServer(t, map[string]bool{"mail-en-marche.fr": true, "mail-party-b.fr": true})
	sensor, err := hubclient.New(h.URL, h.SensorToken)
	if err != nil {
		t.Fatal(err)
	}
	var w *Watcher
	protect := func(s hubclient.OrgSettings) error {
		det, err := lookalike.New([]lookalike.Owner{{Name: "the party", Domains: s.Domains(), TLDSwap: true}})
		if err != nil {
			return err
		}
		cands, err := Candidates(s.Domains(), lookalike.GenOptions{Fuzzers: []string{"combo"}, ComboTLDs: []string{}}, 0)
		if err != nil {
			return err
		}
		if w == nil {
			w, err = New(Config{Detector: det, Candidates: cands, Resolver: resolver, Rate: 5000, Concurrency: 8, StateDir: t.TempDir(), Hub: sensor, Propose: true})
			return err
		}
		w.SetProtected(det, cands)
		return nil
	}
	f := &hubclient.Follower{Client: sensor, CachePath: filepath.Join(t.TempDir(), "hub"), Settings: protect}
	if _, err := f.Sync(ctx); err != nil || w == nil {
		t.Fatalf("first sync: %v", err)
	}
	r, err := w.Once(ctx)
	if err != nil || len(r.Findings) != 1 || r.Findings[0].Subject.Name != "mail-en-marche.fr" {
		t.Fatalf("first pass: %+v %v", r.Findings, err)
	}
	var page struct {
		Items []store.LookalikeProposal `json:"items"`
	}
	if err := json.Unmarshal(h.Call("GET", "/api/v1/lookalikes/proposals", nil), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 {
		t.Fatalf("proposals on the hub: %+v", page.Items)
	}
	p := page.Items[0]
	if p.Name != "mail-en-marche.fr" || p.Imitates != "en-marche.fr" || p.Score < 0.5 || p.Technique == "" || p.Reason == "" || p.Status != store.ProposalPending ||
		!strings.Contains(strings.Join(p.Evidence, " "), "MX: mx.mail-en-marche.fr") {
		t.Errorf("proposal: %+v", p)
	}
	// The party declares a second domain: the next sync and pass watch it.
	declare("en-marche.fr", "party-b.fr")
	if _, err := f.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	r, err = w.Once(ctx)
	if err != nil || len(r.Findings) != 1 || r.Findings[0].Subject.Name != "mail-party-b.fr" {
		t.Fatalf("pass after the new domain: %+v %v", r.Findings, err)
	}
	// The hub down: the kept domains still start a new follower.
	kept := &hubclient.Follower{Client: mustClient(t, "http://127.0.0.1:1", h.SensorToken), CachePath: f.CachePath, Settings: func(s hubclient.OrgSettings) error {
		if len(s.Domains()) != 2 {
			t.Errorf("kept domains: %v", s.Domains())
		}
		return nil
	}}
	if _, err := kept.Sync(ctx); err == nil || !strings.Contains(err.Error(), "kept") {
		t.Errorf("sync with the hub down: %v", err)
	}
}

func mustClient(t *testing.T, url, token string) *hubclient.Client {
	c, err := hubclient.New(url, token)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
