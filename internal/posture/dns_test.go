package posture

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

const dnsZone = `
; OVH-hosted: two servers in different networks
ovh.test.        NS dns200.anycast.me.
ovh.test.        NS ns200.anycast.me.
dns200.anycast.me. A 213.251.188.144
dns200.anycast.me. AAAA 2001:41d0:1:4a90::1
ns200.anycast.me.  A 213.251.128.144
ovh.test.        CAA 0 issue "letsencrypt.org"
ovh.test.        CAA 0 issue "sectigo.com"
ovh.test.        CAA 0 iodef "mailto:security@ovh.test"
; a party's own pair of servers in one rack
rack.test.       NS ns1.rack.test.
rack.test.       NS ns2.rack.test.
ns1.rack.test.   A 192.0.2.10
ns2.rack.test.   A 192.0.2.11
www.rack.test.   A 192.0.2.80
rack.test.       CAA 0 iodef "mailto:hostmaster@rack.test"
; one server only
lone.test.       NS ns.lone.test.
ns.lone.test.    A 198.51.100.53
lone.test.       CAA 128 tbs "unknown"
; CAA as parties really get it wrong: only issuewild, a misspelt tag, an
; unknown validation method, an iodef without mailto:, an issuer with a
; space, reserved flag bits and tags; and right with ACME parameters
wild.test.       CAA 0 issuewild "letsencrypt.org"
typo.test.       CAA 0 issue "letsencrypt.org"
typo.test.       CAA 0 isue "sectigo.com"
methods.test.    CAA 0 issue "letsencrypt.org; validationmethods=http-02"
iodef.test.      CAA 0 issue "letsencrypt.org"
iodef.test.      CAA 0 iodef "security@iodef.test"
issuer.test.     CAA 0 issue "lets encrypt.org"
flags.test.      CAA 1 issue "letsencrypt.org"
path.test.       CAA 0 issue "letsencrypt.org"
path.test.       CAA 0 path "/"
acme.test.       CAA 0 issue "letsencrypt.org; validationmethods=dns-01,http-01; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1"
acme.test.       CAA 0 issue ";"
acme.test.       CAA 0 iodef "https://acme.test/caa-report"
acme.test.       CAA 0 contactemail "security@acme.test"
; IPv6-only pair in one /48
v6.test.         NS a.ns.v6.test.
v6.test.         NS b.ns.v6.test.
a.ns.v6.test.    AAAA 2001:db8:1:1::53
b.ns.v6.test.    AAAA 2001:db8:1:2::53
`

func TestDNSChecks(t *testing.T) {
	z := startDNS(t, dnsZone)
	c := newTestChecker(t, z, Options{})
	for _, tc := range []struct {
		domain, id string
		want       Status
		says       string
	}{
		{"ovh.test", "dns.ns", StatusPass, "2 name servers in 3 different networks"},
		{"rack.test", "dns.ns", StatusWarn, "one network"},
		{"v6.test", "dns.ns", StatusWarn, "one network"},
		{"lone.test", "dns.ns", StatusFail, "1 name server"},
		{"absent.test", "dns.ns", StatusError, "NXDOMAIN"},
		{"ovh.test", "dns.caa", StatusPass, "at ovh.test"},
		{"www.ovh.test", "dns.caa", StatusPass, "at ovh.test"},
		{"rack.test", "dns.caa", StatusWarn, "none has the issue tag"},
		{"wild.test", "dns.caa", StatusWarn, "none has the issue tag"},
		{"acme.test", "dns.caa", StatusPass, "at acme.test"},
		{"typo.test", "dns.caa", StatusWarn, `the tag "isue" is not a CAA property`},
		{"methods.test", "dns.caa", StatusWarn, "validationmethods names http-02"},
		{"iodef.test", "dns.caa", StatusWarn, `iodef "security@iodef.test" is neither a mailto:`},
		{"issuer.test", "dns.caa", StatusWarn, "is not a domain name"},
		{"flags.test", "dns.caa", StatusWarn, "flags 1 use reserved bits"},
		{"path.test", "dns.caa", StatusWarn, `the tag "path" is reserved`},
		{"lone.test", "dns.caa", StatusFail, "critical flag"},
		{"v6.test", "dns.caa", StatusWarn, "No CAA record"},
	} {
		t.Run(tc.domain+"/"+tc.id, func(t *testing.T) {
			ch := runOne(t, c, tc.domain, tc.id)
			if ch.Status != tc.want || !strings.Contains(ch.Summary, tc.says) {
				t.Errorf("%s %s: %s %q\nwant %s containing %q\nevidence: %q", tc.domain, tc.id, ch.Status, ch.Summary, tc.want, tc.says, ch.Evidence)
			}
		})
	}
}

// TestSilentResolver: a resolver that never answers makes every check an
// error within the timeout; the run cannot hang.
func TestSilentResolver(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 512)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	c, err := New(Options{Resolver: pc.LocalAddr().String(), Timeout: 300 * time.Millisecond, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var got []Result
	c.Run(context.Background(), []string{"party.test", "campaign.test"}, func(r Result) { got = append(got, r) })
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("run took %v", d)
	}
	if len(got) != 2 || got[0].Domain != "party.test" || len(got[0].Checks) != 18 {
		t.Fatalf("results: %+v", got)
	}
	for _, ch := range got[0].Checks {
		if ch.Status == StatusPass {
			t.Errorf("%s passed without any DNS answer: %s", ch.ID, ch.Summary)
		}
	}
	if got[0].Worst() != StatusError {
		t.Errorf("worst %s", got[0].Worst())
	}
}

// TestWholeRun: every check of one domain on loopback, in the reported
// order, well under 5 s.
func TestWholeRun(t *testing.T) {
	z := startDNS(t, mailZone(t)+dnsZone)
	c := newTestChecker(t, z, Options{HTTPPort: 1, HTTPSPort: 1, SMTPPort: 1})
	start := time.Now()
	r := c.Check(context.Background(), "ovh.test")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("one domain took %v", d)
	}
	var ids []string
	for _, ch := range r.Checks {
		ids = append(ids, ch.ID+"="+string(ch.Status))
	}
	want := "mail.mx=pass mail.spf=pass mail.dmarc=fail mail.dkim=warn mail.mta-sts=warn mail.tls-rpt=warn mail.starttls=fail mail.tls=fail mail.dane=warn web.https=fail web.tls=fail web.redirect=pass web.hsts=fail web.headers=fail web.security-txt=warn dns.ns=pass dns.caa=pass dns.dnssec=error"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	only, _ := New(Options{Resolver: z.addr, Only: GroupDNS})
	if n := len(only.Check(context.Background(), "ovh.test").Checks); n != 3 {
		t.Errorf("--only dns ran %d checks", n)
	}
}

// TestFindings: checks that did not pass become findings for the hub, with
// the domain as subject, the check as match and the fix as advice.
func TestFindings(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	r := Result{Domain: "party.test", Checks: []Check{
		{ID: "mail.spf", Status: StatusPass, Summary: "ok"},
		{ID: "mail.dmarc", Status: StatusFail, Summary: "The DMARC policy p= is none.", Evidence: []string{`_dmarc.party.test TXT "v=DMARC1; p=none"`}, Fix: "p=reject"},
		{ID: "web.headers", Status: StatusWarn, Summary: "Security headers missing."},
		{ID: "mail.starttls", Status: StatusError, Summary: "Vigie could not connect."},
	}}
	fs := Findings(r, now)
	if len(fs) != 3 {
		t.Fatalf("%d findings, want 3", len(fs))
	}
	f := fs[0]
	if f.Severity.String() != "medium" || f.Subject.Name != "party.test" || f.Match.Value != "mail.dmarc" || f.Advice != "p=reject" ||
		f.ID != "posture:party.test:mail.dmarc:fail:2026-12-07" || len(f.Evidence) != 1 || f.Sensor != "posture" {
		t.Errorf("finding: %+v", f)
	}
	if fs[1].Severity.String() != "low" || fs[2].Severity.String() != "info" {
		t.Errorf("severities %s %s", fs[1].Severity, fs[2].Severity)
	}
}
