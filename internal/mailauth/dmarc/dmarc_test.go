package dmarc

import (
	"context"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/mailauth"
)

func resolver() *mailauth.MapResolver {
	return &mailauth.MapResolver{
		TXT: map[string][]string{
			"_dmarc.example.org":     {"v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=r; pct=100; rua=mailto:d@example.org"},
			"_dmarc.relaxed.example": {"v=DMARC1; p=quarantine"},
			"_dmarc.pct.example":     {"v=DMARC1; p=reject; pct=20"},
			"_dmarc.two.example":     {"v=DMARC1; p=none", "v=DMARC1; p=reject"},
			"_dmarc.bad.example":     {"v=DMARC1; p=maybe"},
			"_dmarc.badrua.example":  {"v=DMARC1; p=maybe; rua=mailto:x@badrua.example"},
			"_dmarc.sub.example.com": {"v=DMARC1; p=none"},
			"_dmarc.example.com":     {"v=DMARC1; p=reject"},
			"_dmarc.other.example":   {"some other text"},
			"_dmarc.example.co.uk":   {"v=DMARC1; p=reject; sp=none"},
		},
		Fail: map[string]bool{"_dmarc.down.example": true},
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		in        Input
		result    Result
		policy    Policy
		dispo     Policy
		recordDom string
	}{
		{"dkim strict aligned", Input{FromDomain: "example.org", DKIM: []DKIMResult{{Domain: "example.org", Pass: true}}}, Pass, PolicyReject, PolicyNone, "example.org"},
		{"dkim subdomain not strict-aligned", Input{FromDomain: "example.org", DKIM: []DKIMResult{{Domain: "mail.example.org", Pass: true}}}, Fail, PolicyReject, PolicyReject, "example.org"},
		{"spf relaxed aligned", Input{FromDomain: "example.org", SPFPass: true, SPFDomain: "bounce.example.org"}, Pass, PolicyReject, PolicyNone, "example.org"},
		{"spf pass unaligned", Input{FromDomain: "example.org", SPFPass: true, SPFDomain: "esp.example"}, Fail, PolicyReject, PolicyReject, "example.org"},
		{"failing dkim ignored", Input{FromDomain: "example.org", DKIM: []DKIMResult{{Domain: "example.org", Pass: false}}}, Fail, PolicyReject, PolicyReject, "example.org"},
		{"subdomain uses sp via org domain", Input{FromDomain: "news.example.org"}, Fail, PolicyQuarantine, PolicyQuarantine, "example.org"},
		{"relaxed dkim subdomain", Input{FromDomain: "relaxed.example", DKIM: []DKIMResult{{Domain: "mail.relaxed.example", Pass: true}}}, Pass, PolicyQuarantine, PolicyNone, "relaxed.example"},
		{"pct sampled in", Input{FromDomain: "pct.example", Sample: 0.1}, Fail, PolicyReject, PolicyReject, "pct.example"},
		{"pct sampled out", Input{FromDomain: "pct.example", Sample: 0.5}, Fail, PolicyReject, PolicyQuarantine, "pct.example"},
		{"no record", Input{FromDomain: "nothing.example"}, None, "", "", ""},
		{"two records", Input{FromDomain: "two.example"}, None, "", "", "two.example"},
		{"bad policy", Input{FromDomain: "bad.example"}, PermError, "", "", "bad.example"},
		{"bad policy with rua is p=none", Input{FromDomain: "badrua.example"}, Fail, PolicyNone, PolicyNone, "badrua.example"},
		{"exact record wins", Input{FromDomain: "sub.example.com"}, Fail, PolicyNone, PolicyNone, "sub.example.com"},
		{"not a dmarc record", Input{FromDomain: "other.example"}, None, "", "", ""},
		{"dns failure", Input{FromDomain: "down.example"}, TempError, "", "", "down.example"},
		{"public suffix org domain", Input{FromDomain: "a.b.example.co.uk"}, Fail, PolicyNone, PolicyNone, "example.co.uk"},
		{"no from", Input{}, PermError, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(ctx, resolver(), tt.in)
			if r.Result != tt.result || r.Policy != tt.policy || r.Disposition != tt.dispo || r.RecordDomain != tt.recordDom {
				t.Errorf("got %s policy=%s dispo=%s at %q (%s); want %s %s %s at %q", r.Result, r.Policy, r.Disposition, r.RecordDomain, r.Detail, tt.result, tt.policy, tt.dispo, tt.recordDom)
			}
		})
	}
}

func TestParseRecord(t *testing.T) {
	r, err := ParseRecord("v=DMARC1;p=quarantine;sp=reject;adkim=s;aspf=s;pct=50;rua=mailto:a@x.example,mailto:b@y.example;ruf=mailto:f@x.example;fo=1;ri=3600;unknown=1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Policy != PolicyQuarantine || r.SubdomainPolicy != PolicyReject || r.ADKIM != "s" || r.ASPF != "s" || r.Pct != 50 || len(r.RUA) != 2 || r.RI != 3600 {
		t.Errorf("%+v", r)
	}
	for _, bad := range []string{"p=reject; v=DMARC1", "v=DMARC1; p=reject; p=none", "v=DMARC1; pct=101; p=none", "v=DMARC1; adkim=x; p=none", "v=DMARC2; p=none", "v=DMARC1", "v=DMARC1; p=none; broken"} {
		if _, err := ParseRecord(bad); err == nil {
			t.Errorf("ParseRecord(%q) accepted", bad)
		}
	}
}

func FuzzParseRecord(f *testing.F) {
	f.Add("v=DMARC1; p=reject; sp=none; adkim=s; pct=50; rua=mailto:a@example.org")
	f.Add("v=DMARC1;p=none")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRecord(s)
		if err != nil {
			return
		}
		if r.Pct < 0 || r.Pct > 100 || (r.ADKIM != "r" && r.ADKIM != "s") || !strings.Contains("none quarantine reject", string(r.Policy)) || r.Policy == "" {
			t.Errorf("accepted an invalid record: %+v", r)
		}
	})
}

func TestFromDomain(t *testing.T) {
	if d, err := FromDomain([]string{" Alice <alice@News.Example.org>"}); err != nil || d != "news.example.org" {
		t.Errorf("%q %v", d, err)
	}
	for _, bad := range [][]string{nil, {"a@x.example", "b@y.example"}, {"a@x.example, b@y.example"}, {"undisclosed-recipients:;"}} {
		if _, err := FromDomain(bad); err == nil {
			t.Errorf("FromDomain(%q) accepted", bad)
		}
	}
}
