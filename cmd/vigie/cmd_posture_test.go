package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// postureDNS serves zone on loopback (exact-name answers, NXDOMAIN for
// names with no record) and returns its address.
func postureDNS(t *testing.T, zone string) string {
	t.Helper()
	rrs := map[string][]dns.RR{}
	zp := dns.NewZoneParser(strings.NewReader(zone), "", "")
	zp.SetDefaultTTL(60)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs[strings.ToLower(rr.Header().Name)] = append(rrs[strings.ToLower(rr.Header().Name)], rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) }, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		name := strings.ToLower(r.Question[0].Name)
		have, ok := rrs[name]
		if !ok {
			m.Rcode = dns.RcodeNameError
		}
		for _, rr := range have {
			if rr.Header().Rrtype == r.Question[0].Qtype {
				m.Answer = append(m.Answer, rr)
			}
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// TestPosture: a parked domain done right passes every mail check (exit
// 0); a domain with p=none and no SPF fails (exit 1) and says how to fix
// it; --json is one object per domain and line; bad arguments exit 3.
func TestPosture(t *testing.T) {
	addr := postureDNS(t, `
parked.test.        MX 0 .
parked.test.        TXT "v=spf1 -all"
_dmarc.parked.test. TXT "v=DMARC1; p=reject;"
weak.test.          MX 10 mx.weak.test.
mx.weak.test.       A 127.0.0.1
_dmarc.weak.test.   TXT "v=DMARC1; p=none; rua=mailto:d@weak.test"
`)
	code, out, errb := vigie(t, "", "posture", "parked.test", "--only", "mail", "--resolver", addr, "--timeout", "1s")
	if code != 0 || !strings.Contains(out, "PASS  mail.spf") || !strings.Contains(out, "null MX") {
		t.Errorf("parked: exit %d\n%s\n%s", code, out, errb)
	}

	code, out, _ = vigie(t, "", "posture", "weak.test", "parked.test", "--only", "mail", "--resolver", addr, "--timeout", "1s", "--json", "--smtp-port", "1")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitError || len(lines) != 2 {
		// nothing listens on mx.weak.test:1: STARTTLS cannot be checked (error wins).
		t.Fatalf("json: exit %d, %d lines\n%s", code, len(lines), out)
	}
	var r struct {
		Domain string
		Checks []struct{ ID, Status, Summary, Fix string }
	}
	if err := json.Unmarshal([]byte(lines[0]), &r); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range r.Checks {
		got[c.ID] = c.Status
		if c.ID == "mail.spf" && !strings.Contains(c.Fix, "include:_spf.google.com") {
			t.Errorf("spf fix lacks the Google Workspace record: %q", c.Fix)
		}
	}
	if r.Domain != "weak.test" || got["mail.spf"] != "fail" || got["mail.dmarc"] != "fail" || got["mail.starttls"] != "error" {
		t.Errorf("weak.test: %+v", got)
	}
	// The shape the issue gives, key for key: {"domain", "checks": [{"id",
	// "status", "summary", "evidence", "fix"}]}.
	var shape map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &shape); err != nil {
		t.Fatal(err)
	}
	checks, _ := shape["checks"].([]any)
	if _, ok := shape["domain"].(string); !ok || len(shape) != 2 || len(checks) == 0 {
		t.Errorf("json keys: %s", lines[0])
	}
	for _, c := range checks {
		m, _ := c.(map[string]any)
		for _, k := range []string{"id", "status", "summary", "evidence", "fix"} {
			if _, ok := m[k]; !ok {
				t.Errorf("a check lacks %q: %v", k, m)
			}
		}
		if _, ok := m["evidence"].([]any); !ok {
			t.Errorf("evidence is not a list: %v", m)
		}
	}

	// --only web runs the web checks alone.
	_, out, _ = vigie(t, "", "posture", "weak.test", "--only", "web", "--resolver", addr, "--timeout", "1s", "--json")
	var web struct{ Checks []struct{ ID string } }
	if err := json.Unmarshal([]byte(out), &web); err != nil || len(web.Checks) == 0 {
		t.Fatalf("--only web: %v\n%s", err, out)
	}
	for _, c := range web.Checks {
		if !strings.HasPrefix(c.ID, "web.") {
			t.Errorf("--only web ran %s", c.ID)
		}
	}

	code, out, _ = vigie(t, "", "posture", "weak.test", "--only", "mail", "--resolver", addr, "--timeout", "1s", "--smtp-port", "1")
	if !strings.Contains(out, "FAIL  mail.dmarc") || !strings.Contains(out, "fix:") || !strings.Contains(out, "could not be checked") {
		t.Errorf("text output:\n%s", out)
	}

	// --hub: the checks that did not pass reach the hub as findings.
	var posted []byte
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/findings" || r.Header.Get("Authorization") != "Bearer tok-1" {
			http.Error(w, "unexpected "+r.URL.Path, http.StatusNotFound)
			return
		}
		posted, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"accepted":1}`)
	}))
	defer hub.Close()
	code, _, errb = vigie(t, "", "posture", "weak.test", "--only", "mail", "--resolver", addr, "--timeout", "1s", "--smtp-port", "1", "--hub", hub.URL, "--token", "tok-1")
	if code != exitError || !strings.Contains(string(posted), `"sensor":"posture"`) || !strings.Contains(string(posted), `"value":"mail.dmarc"`) ||
		!strings.Contains(string(posted), `"name":"weak.test"`) || strings.Contains(string(posted), `"value":"mail.mx"`) {
		t.Errorf("hub: exit %d, posted %s\n%s", code, posted, errb)
	}

	for _, args := range [][]string{{"posture"}, {"posture", "x.test", "--token", "t"}, {"posture", "not a domain"}, {"posture", "x.test", "--only", "ftp"}} {
		if code, _, _ := vigie(t, "", args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, out, _ := vigie(t, "", "posture", "--help"); code != 0 || !strings.Contains(out, "vigie posture party.fr --json") && !strings.Contains(out, "--json") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
}
