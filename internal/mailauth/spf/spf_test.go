package spf

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth"
)

func resolver() *mailauth.MapResolver {
	r := &mailauth.MapResolver{
		TXT: map[string][]string{
			"example.org":                 {"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx include:_spf.esp.example -all", "google-site-verification=xyz"},
			"_spf.esp.example":            {"v=spf1 ip4:198.51.100.7 ~all"},
			"soft.example":                {"v=spf1 ~all"},
			"neutral.example":             {"v=spf1 ?all"},
			"empty.example":               {"v=spf1"},
			"two.example":                 {"v=spf1 -all", "v=spf1 +all"},
			"syntax.example":              {"v=spf1 ip4:300.1.1.1 -all"},
			"unknownmech.example":         {"v=spf1 foo:bar -all"},
			"redirect.example":            {"v=spf1 redirect=example.org"},
			"redirect-none.example":       {"v=spf1 redirect=nothing.example"},
			"incl-temp.example":           {"v=spf1 include:down.example -all"},
			"incl-none.example":           {"v=spf1 include:nothing.example -all"},
			"incl-perm.example":           {"v=spf1 include:syntax.example -all"},
			"incl-fail.example":           {"v=spf1 include:soft.example ?all"},
			"macro.example":               {"v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all"},
			"exp.example":                 {"v=spf1 -all exp=explain.%{d}"},
			"explain.exp.example":         {"%{l} from %{i} is not allowed by %{d} (%{c} at %{r})"},
			"cidr.example":                {"v=spf1 a:host.cidr.example/24//64 -all"},
			"ptr.example":                 {"v=spf1 ptr -all"},
			"unknownmod.example":          {"v=spf1 foo=bar -all"},
			"dupredirect.example":         {"v=spf1 redirect=a.example redirect=b.example"},
			"void.example":                {"v=spf1 a:n1.example a:n2.example a:n3.example -all"},
			"tolerant.example":            {"v=spf1 a:n1.example a:n2.example ip4:192.0.2.1 -all"},
			"badmacro.example":            {"v=spf1 exists:%{z}.example -all"},
			"exp-macro-in-domain.example": {"v=spf1 exists:%{t}.example -all"},
			"case.example":                {"V=SPF1 IP4:192.0.2.1 -ALL"},
			"v6.example":                  {"v=spf1 a -all"},
			"helo.example":                {"v=spf1 ip4:192.0.2.99 -all"},
		},
		IP: map[string][]string{
			"example.org":                      {"203.0.113.10"},
			"mx1.example.org":                  {"203.0.113.25"},
			"host.cidr.example":                {"192.0.2.200", "2001:db8:1::1"},
			"mail.ptr.example":                 {"192.0.2.55"},
			"v6.example":                       {"2001:db8::25"},
			"1.2.0.192.foo._spf.macro.example": {"127.0.0.2"},
		},
		MX:   map[string][]string{"example.org": {"mx1.example.org."}},
		PTR:  map[string][]string{"192.0.2.55": {"mail.ptr.example."}, "192.0.2.56": {"mail.ptr.example."}},
		Fail: map[string]bool{"down.example": true, "tempdown.example": true},
	}
	// A chain of 11 includes (limit 10) and a chain of exactly 10 lookups.
	for i := 0; i < 12; i++ {
		r.TXT[fmt.Sprintf("l%d.example", i)] = []string{fmt.Sprintf("v=spf1 include:l%d.example -all", i+1)}
	}
	r.TXT["l12.example"] = []string{"v=spf1 ip4:192.0.2.1 -all"}
	for i := 0; i < 10; i++ {
		r.TXT[fmt.Sprintf("k%d.example", i)] = []string{fmt.Sprintf("v=spf1 include:k%d.example -all", i+1)}
	}
	r.TXT["k10.example"] = []string{"v=spf1 ip4:192.0.2.1 -all"}
	// mx with 11 hosts.
	var mxs []string
	for i := 0; i < 11; i++ {
		mxs = append(mxs, fmt.Sprintf("mx%d.manymx.example", i))
	}
	r.MX["manymx.example"] = mxs
	r.TXT["manymx.example"] = []string{"v=spf1 mx -all"}
	return r
}

func TestCheckHost(t *testing.T) {
	ctx := context.Background()
	opts := Options{Resolver: resolver(), Receiver: "mx.receiver.example", Now: time.Unix(1500000000, 0)}
	tests := []struct {
		name, ip, domain, sender string
		want                     Result
		mech                     string // substring of the matched mechanism or detail
	}{
		{"ip4 match", "192.0.2.10", "example.org", "a@example.org", Pass, "ip4:192.0.2.0/24"},
		{"ip6 match", "2001:db8::1", "example.org", "a@example.org", Pass, "ip6:2001:db8::/32"},
		{"a match", "203.0.113.10", "example.org", "a@example.org", Pass, "a in example.org"},
		{"mx match", "203.0.113.25", "example.org", "a@example.org", Pass, "mx in example.org"},
		{"include pass", "198.51.100.7", "example.org", "a@example.org", Pass, "include:_spf.esp.example"},
		{"fail", "10.0.0.1", "example.org", "a@example.org", Fail, "-all"},
		{"softfail", "10.0.0.1", "soft.example", "a@soft.example", SoftFail, "~all"},
		{"neutral", "10.0.0.1", "neutral.example", "a@neutral.example", Neutral, "?all"},
		{"default neutral", "10.0.0.1", "empty.example", "a@empty.example", Neutral, "default"},
		{"no record", "10.0.0.1", "nothing.example", "a@nothing.example", None, "no SPF record"},
		{"dns failure", "10.0.0.1", "down.example", "a@down.example", TempError, ""},
		{"two records", "10.0.0.1", "two.example", "a@two.example", PermError, "2 SPF records"},
		{"bad ip4", "10.0.0.1", "syntax.example", "a@syntax.example", PermError, "bad address"},
		{"unknown mechanism", "10.0.0.1", "unknownmech.example", "a@x.example", PermError, "unknown mechanism"},
		{"unknown modifier ignored", "10.0.0.1", "unknownmod.example", "a@x.example", Fail, "-all"},
		{"duplicate redirect", "10.0.0.1", "dupredirect.example", "a@x.example", PermError, "twice"},
		{"redirect", "192.0.2.10", "redirect.example", "a@redirect.example", Pass, "ip4"},
		{"redirect to nothing", "192.0.2.10", "redirect-none.example", "a@x.example", PermError, "redirect"},
		{"include of temperror", "10.0.0.1", "incl-temp.example", "a@x.example", TempError, "include:down.example"},
		{"include of none", "10.0.0.1", "incl-none.example", "a@x.example", PermError, "include:nothing.example"},
		{"include of permerror", "10.0.0.1", "incl-perm.example", "a@x.example", PermError, ""},
		{"include softfail is no match", "10.0.0.1", "incl-fail.example", "a@x.example", Neutral, "?all"},
		{"macro exists", "192.0.2.1", "macro.example", "foo-bar@macro.example", Pass, "exists"},
		{"macro exists no match", "192.0.2.2", "macro.example", "foo-bar@macro.example", Fail, "-all"},
		{"cidr a v4", "192.0.2.7", "cidr.example", "a@x.example", Pass, "/24"},
		{"cidr a v6", "2001:db8:1::ffff", "cidr.example", "a@x.example", Pass, "//64"},
		{"cidr a miss", "192.0.3.7", "cidr.example", "a@x.example", Fail, "-all"},
		{"ptr validated", "192.0.2.55", "ptr.example", "a@x.example", Pass, "ptr"},
		{"ptr not validated", "192.0.2.56", "ptr.example", "a@x.example", Fail, "-all"},
		{"11 lookups", "192.0.2.1", "l0.example", "a@x.example", PermError, "more than 10 DNS-querying terms"},
		{"10 lookups", "192.0.2.1", "k0.example", "a@x.example", Pass, ""},
		{"void lookups", "10.0.0.1", "void.example", "a@x.example", PermError, "void"},
		{"two void lookups tolerated", "192.0.2.1", "tolerant.example", "a@x.example", Pass, "ip4"},
		{"too many mx", "10.0.0.1", "manymx.example", "a@x.example", PermError, "MX records"},
		{"bad macro letter", "10.0.0.1", "badmacro.example", "a@x.example", PermError, ""},
		{"exp-only macro in domain", "10.0.0.1", "exp-macro-in-domain.example", "a@x.example", PermError, "only allowed in exp"},
		{"case insensitive", "192.0.2.1", "case.example", "a@x.example", Pass, ""},
		{"a on ipv6", "2001:db8::25", "v6.example", "a@x.example", Pass, "a in"},
		{"invalid domain", "10.0.0.1", "nodots", "a@nodots", None, "not a valid"},
		{"empty label", "10.0.0.1", "a..example", "a@x.example", None, "not a valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CheckHost(ctx, net.ParseIP(tt.ip), tt.domain, tt.sender, "helo.example", opts)
			if r.Result != tt.want {
				t.Fatalf("got %s (%s %s), want %s", r.Result, r.Mechanism, r.Detail, tt.want)
			}
			if tt.mech != "" && !strings.Contains(r.Mechanism+" "+r.Detail, tt.mech) {
				t.Errorf("mechanism/detail %q %q lacks %q", r.Mechanism, r.Detail, tt.mech)
			}
		})
	}
}

func TestExplanation(t *testing.T) {
	opts := Options{Resolver: resolver(), Receiver: "mx.receiver.example"}
	r := CheckHost(context.Background(), net.ParseIP("192.0.2.3"), "exp.example", "joe@exp.example", "h", opts)
	want := "joe from 192.0.2.3 is not allowed by exp.example (192.0.2.3 at mx.receiver.example)"
	if r.Result != Fail || r.Explanation != want {
		t.Errorf("got %s %q, want %q", r.Result, r.Explanation, want)
	}
}

// RFC 7208 §7.4 macro examples.
func TestMacroExpansionRFC(t *testing.T) {
	c := &checker{sender: "strong-bad@email.example.com", ip: net.ParseIP("192.0.2.3").To4(), helo: "mx.example.org",
		opts: Options{Receiver: "rcv.example", Now: time.Unix(1, 0)}}
	tests := map[string]string{
		"%{s}":                              "strong-bad@email.example.com",
		"%{o}":                              "email.example.com",
		"%{d}":                              "email.example.com",
		"%{d4}":                             "email.example.com",
		"%{d3}":                             "email.example.com",
		"%{d2}":                             "example.com",
		"%{d1}":                             "com",
		"%{dr}":                             "com.example.email",
		"%{d2r}":                            "example.email",
		"%{l}":                              "strong-bad",
		"%{l-}":                             "strong.bad",
		"%{lr}":                             "strong-bad",
		"%{lr-}":                            "bad.strong",
		"%{l1r-}":                           "strong",
		"%{ir}.%{v}._spf.%{d2}":             "3.2.0.192.in-addr._spf.example.com",
		"%{lr-}.lp._spf.%{d2}":              "bad.strong.lp._spf.example.com",
		"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}":   "bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
		"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}":  "3.2.0.192.in-addr.strong.lp._spf.example.com",
		"%{d2}.trusted-domains.example.net": "example.com.trusted-domains.example.net",
		"%%%_%-":                            "% %20",
		"%{h}":                              "mx.example.org",
	}
	for in, want := range tests {
		got, err := c.expand(in, "email.example.com", true)
		if err != nil || got != want {
			t.Errorf("expand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	c.ip = net.ParseIP("2001:db8::cb01")
	got, _ := c.expand("%{ir}.%{v}._spf.%{d2}", "email.example.com", false)
	if want := "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"; got != want {
		t.Errorf("ipv6: %q", got)
	}
	// URL escaping with upper-case macro letters.
	c.sender = "a b/c+d@example.com"
	if got, _ := c.expand("%{L}", "example.com", true); got != "a%20b%2Fc%2Bd" {
		t.Errorf("%%{L} = %q", got)
	}
	if _, err := c.expand("%{x}", "d.example", false); err == nil {
		t.Error("unknown macro letter accepted")
	}
}

func TestCheckUsesHELOWhenNullSender(t *testing.T) {
	r := Check(context.Background(), net.ParseIP("192.0.2.99"), "helo.example", "", Options{Resolver: resolver()})
	if r.Result != Pass || r.Identity != "helo" || r.Domain != "helo.example" {
		t.Errorf("%+v", r)
	}
}

func TestParseRecord(t *testing.T) {
	r, err := ParseRecord("v=spf1 +a/24 -mx:example.org/24//48 ~ip4:10.0.0.0/8 ?ip6:::1 ptr:example.org exists:%{i}.x.example include:y.example redirect=z.example exp=e.example other=1")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Mechanisms) != 7 || r.Redirect != "z.example" || r.Exp != "e.example" || len(r.Unknown) != 1 {
		t.Errorf("%+v", r)
	}
	if m := r.Mechanisms[1]; m.Qualifier != QFail || m.CIDR4 != 24 || m.CIDR6 != 48 || m.Domain != "example.org" {
		t.Errorf("mx: %+v", m)
	}
	for _, bad := range []string{"v=spf1 ip4:1.2.3.4/33", "v=spf1 a/", "v=spf1 include", "v=spf1 all:x", "v=spf10", "v=spf1 ip6:1.2.3.4", "v=spf1 a:foo.123", "v=spf1 exists:%{q}"} {
		if _, err := ParseRecord(bad); err == nil {
			t.Errorf("ParseRecord(%q) accepted", bad)
		}
	}
}

func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{"v=spf1 -all", "v=spf1 a/24//64 mx:%{d}. include:x.example exists:%{ir}.%{v}._spf.%{d2} redirect=%{o}", "v=spf1 ip6:2001:db8::/32"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRecord(s)
		if err != nil {
			return
		}
		// Every mechanism renders and the record evaluates without
		// panicking against an empty resolver.
		for _, m := range r.Mechanisms {
			_ = m.String()
		}
		res := &mailauth.MapResolver{TXT: map[string][]string{"fuzz.example": {s}}}
		rep := CheckHost(context.Background(), net.ParseIP("192.0.2.1"), "fuzz.example", "a@fuzz.example", "h.example", Options{Resolver: res})
		if rep.Result == "" {
			t.Error("empty result")
		}
	})
}
