package pdns

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/lookalike"
)

const testRPZ = `$TTL 300
@ IN SOA localhost. admin.localhost. ( 1 3600 600 86400 60 )
  IN NS localhost.
; the attacker's login page and everything under it
accounts-google.com      CNAME .
*.accounts-google.com    CNAME .
tracker.example          CNAME *.
safe.accounts-google.com CNAME rpz-passthru.
silent.example           CNAME rpz-drop.
portal.example           A 192.0.2.7
portal.example           AAAA 2001:db8::7
*.alias.example          CNAME landing.example.org.
`

func mustRPZ(t *testing.T, b *Builder, text string) LoadReport {
	t.Helper()
	r, err := b.AddRPZ("policy.rpz", strings.NewReader(text), "rpz.vigie.", false)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRPZActions(t *testing.T) {
	b := NewBuilder(0)
	rep := mustRPZ(t, b, testRPZ)
	if rep.Names != 8 {
		t.Errorf("triggers = %d, want 8", rep.Names)
	}
	p := b.Policy()
	for _, tc := range []struct {
		name string
		act  Action
		trig string
	}{
		{"accounts-google.com", BlockNXDomain, "accounts-google.com"},
		{"Login.Accounts-Google.COM.", BlockNXDomain, "accounts-google.com"},
		{"safe.accounts-google.com", Allow, "safe.accounts-google.com"}, // exact beats the wildcard
		{"tracker.example", BlockNoData, "tracker.example"},
		{"www.tracker.example", Pass, ""}, // no wildcard given: only the name
		{"silent.example", Drop, "silent.example"},
		{"portal.example", LocalData, "portal.example"},
		{"x.alias.example", LocalData, "alias.example"},
		{"alias.example", Pass, ""}, // "*." covers sub-domains only
		{"google.com", Pass, ""},
	} {
		d := p.Lookup(tc.name)
		if d.Action != tc.act || d.Trigger != tc.trig {
			t.Errorf("%s: %v by %q, want %v by %q", tc.name, d.Action, d.Trigger, tc.act, tc.trig)
		}
		if d.Action == BlockNXDomain && (d.Kind != KindRPZ || d.Line != 5 && d.Line != 6) {
			t.Errorf("%s: kind %q line %d, want rpz at line 5 or 6", tc.name, d.Kind, d.Line)
		}
	}
	if d := p.Lookup("portal.example"); len(d.Local) != 2 {
		t.Errorf("portal.example local data = %v, want A and AAAA", d.Local)
	}
}

func TestRPZOriginFromSOA(t *testing.T) {
	b := NewBuilder(0)
	_, err := b.AddRPZ("z", strings.NewReader("rpz.local. 60 IN SOA a. b. 1 2 3 4 5\nbad.example.rpz.local. CNAME .\nworse.example CNAME .\n"), "", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"bad.example", "worse.example"} {
		if d := b.Policy().Lookup(n); d.Action != BlockNXDomain {
			t.Errorf("%s: %v", n, d.Action)
		}
	}
}

// An RPZ file may leave the zone's name to the resolver's configuration,
// as unbound's and BIND's zone statements do.
func TestRPZWithoutOrigin(t *testing.T) {
	b := NewBuilder(0)
	_, err := b.AddRPZ("z", strings.NewReader("$TTL 300\n@ IN SOA localhost. h.localhost. 1 3600 600 86400 300\n@ IN NS localhost.\nbad.example CNAME .\n*.bad.example CNAME .\n"), "", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"bad.example", "www.bad.example"} {
		if d := b.Policy().Lookup(n); d.Action != BlockNXDomain {
			t.Errorf("%s: %v", n, d.Action)
		}
	}
}

func TestRPZErrorsNameFileAndLine(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"ip trigger", "$ORIGIN rpz.\n32.1.2.0.192.rpz-ip CNAME .\n", "policy.rpz:2: rpz-ip triggers"},
		{"bad record", "$ORIGIN rpz.\nok.example CNAME .\nbad.example A not-an-address\n", "policy.rpz:3:"},
		{"outside the zone", "$ORIGIN rpz.\nbad.example.other. CNAME .\n", "policy.rpz:2: bad.example.other. is outside"},
		{"unbalanced", "$ORIGIN rpz.\n@ SOA a. b. ( 1 2 3 4 5\n", "unbalanced parenthesis"},
		{"include", "$INCLUDE /etc/passwd\n", "policy.rpz:1: $INCLUDE is not followed"},
		{"long label", "$ORIGIN rpz.\n" + strings.Repeat("a", 64) + ".example CNAME .\n", "policy.rpz:2:"},
		{"mid wildcard", "$ORIGIN rpz.\na.*.example CNAME .\n", "policy.rpz:2:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewBuilder(0).AddRPZ("policy.rpz", strings.NewReader(tc.text), "", false)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestRPZLenientCountsWhatItSkips(t *testing.T) {
	b := NewBuilder(0)
	rep, err := b.AddRPZ("policy.rpz", strings.NewReader("$ORIGIN rpz.\n32.1.2.0.192.rpz-ip CNAME .\nbad.example CNAME .\nx A nope\n"), "", true)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Names != 1 || rep.Skipped != 2 || len(rep.Problems) != 2 || rep.Problems[0].Line != 2 || rep.Problems[1].Line != 4 {
		t.Fatalf("report %+v", rep)
	}
	if b.Policy().Lookup("bad.example").Action != BlockNXDomain {
		t.Error("the good line was not applied")
	}
}

func TestBlocklistFormats(t *testing.T) {
	const list = `# a plain list, a hosts file and adblock rules mixed
phishing.example
0.0.0.0 onedrive-en-marche.fr mail-en-marche.fr   # two names on one hosts line
127.0.0.1 localhost
||portal-office.fr^
! an adblock comment
ＭＹ-ＩＲＩ.org
`
	b := NewBuilder(0)
	rep, err := b.AddBlocklist("list.txt", strings.NewReader(list), false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Names != 5 {
		t.Errorf("names = %d, want 5", rep.Names)
	}
	p := b.Policy()
	for _, n := range []string{"phishing.example", "login.onedrive-en-marche.fr", "mail-en-marche.fr", "portal-office.fr", "my-iri.org"} {
		d := p.Lookup(n)
		if d.Action != BlockNXDomain || d.Kind != KindList {
			t.Errorf("%s: %v (%s), want blocked by the list", n, d.Action, d.Kind)
		}
	}
	if d := p.Lookup("mail-en-marche.fr"); d.Line != 3 || d.Source != "list.txt" {
		t.Errorf("line %d source %q, want list.txt:3", d.Line, d.Source)
	}
	if d := p.Lookup("localhost"); d.Action != Pass {
		t.Errorf("localhost from the hosts file must not be blocked: %v", d.Action)
	}
}

func TestBlocklistBadLines(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"bad_name!.example", "list.txt:2: character"},
		{"two words", "list.txt:2: \"two words\" is neither"},
		{"*.wild.example", "list.txt:2: wildcards are not needed"},
		{"||ads.example^$third-party", "list.txt:2: adblock rule"},
		{strings.Repeat("a", 64) + ".example", "label longer than 63"},
		{"0.0.0.0", "list.txt:2: hosts line with an address and no name"},
	} {
		_, err := NewBuilder(0).AddBlocklist("list.txt", strings.NewReader("ok.example\n"+tc.line+"\n"), false)
		var p Problem
		if !errors.As(err, &p) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.line, err, tc.want)
		}
	}
	rep, err := NewBuilder(0).AddBlocklist("list.txt", strings.NewReader("ok.example\ntwo words\n*.x.example\nfine.example\n"), true)
	if err != nil || rep.Names != 2 || rep.Skipped != 2 {
		t.Errorf("lenient: %+v, %v", rep, err)
	}
}

func TestLookalikesAndOwners(t *testing.T) {
	b := NewBuilder(0)
	owners := append([]lookalike.Owner{{Name: "the party", Domains: []string{"en-marche.fr"}, TLDSwap: true}}, lookalike.Providers...)
	if err := b.AllowOwners(owners); err != nil {
		t.Fatal(err)
	}
	// A feed that wrongly lists a sub-domain of the party's own domain does
	// not take the party's site down.
	if _, err := b.AddBlocklist("feed", strings.NewReader("www.en-marche.fr\n"), false); err != nil {
		t.Fatal(err)
	}
	p := b.Policy()
	for _, n := range []string{"onedrive-en-marche.fr", "accounts-google.com", "en-marche.com"} {
		d := p.Lookup(n)
		if d.Action != BlockNXDomain || d.Kind != KindLookalike || d.Lookalike == nil {
			t.Errorf("%s: %v %s, want blocked as a look-alike", n, d.Action, d.Kind)
			continue
		}
		if !strings.Contains(d.Reason(), "imitates") {
			t.Errorf("%s: reason %q", n, d.Reason())
		}
	}
	for _, n := range []string{"en-marche.fr", "www.en-marche.fr", "accounts.google.com", "googleusercontent.com", "example.org"} {
		if d := p.Lookup(n); d.Action.Blocked() {
			t.Errorf("%s blocked: %s", n, d.Reason())
		}
	}
	// The verdict is remembered per name.
	p.Lookup("accounts-google.com")
	if _, ok := p.looks.m["accounts-google.com"]; !ok {
		t.Error("look-alike verdict not cached")
	}
}

func TestIndicatorsAndPrecedence(t *testing.T) {
	b := NewBuilder(0)
	now := time.Now()
	inds := []*indicator.Indicator{
		{ID: "indicator--1", Type: indicator.Domain, Value: "evil.example", Description: "APT28 phishing"},
		{Type: indicator.Domain, Value: "old.example", ValidUntil: now.Add(-time.Hour)},
		{Type: indicator.Domain, Value: "context.example", Informational: true},
		{Type: indicator.URL, Value: "https://sites.example/evil"},
	}
	n, err := b.AddIndicators("hub", inds, now)
	if err != nil || n != 1 {
		t.Fatalf("added %d, %v; want 1", n, err)
	}
	mustRPZ(t, b, "www.evil.example CNAME rpz-passthru.\nevil.example CNAME *.\n")
	if _, err := b.AddBlocklist("l", strings.NewReader("evil.example\n"), false); err != nil {
		t.Fatal(err)
	}
	p := b.Policy()
	if d := p.Lookup("evil.example"); d.Kind != KindRPZ || d.Action != BlockNoData {
		t.Errorf("evil.example: %s %v, want the RPZ's NODATA (RPZ before indicators)", d.Kind, d.Action)
	}
	if d := p.Lookup("a.evil.example"); d.Kind != KindIndicator || d.Indicator == nil || d.Indicator.ID != "indicator--1" {
		t.Errorf("a.evil.example: %+v, want the indicator", d)
	} else if !strings.Contains(d.Reason(), "APT28 phishing") {
		t.Errorf("reason %q", d.Reason())
	}
	if d := p.Lookup("www.evil.example"); d.Action != Allow {
		t.Errorf("www.evil.example: %v, want the more specific PASSTHRU", d.Action)
	}
	for _, n := range []string{"old.example", "context.example", "sites.example"} {
		if d := p.Lookup(n); d.Action != Pass {
			t.Errorf("%s: %v, want pass (expired, informational or not a domain)", n, d.Action)
		}
	}
}

func TestLookupBadNames(t *testing.T) {
	p := NewBuilder(0).Policy()
	for _, n := range []string{"", ".", strings.Repeat("a.", 200), "a..b", "\x00"} {
		if d := p.Lookup(n); d.Action != Pass {
			t.Errorf("%q: %v", n, d.Action)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	bl := NewBuilder(100_000)
	var sb strings.Builder
	for i := range 100_000 {
		sb.WriteString("blocked")
		sb.WriteString(strings.Repeat("x", i%7))
		sb.WriteString(".example")
		sb.WriteString(string(rune('a' + i%26)))
		sb.WriteString("\n")
	}
	bl.AddBlocklist("l", strings.NewReader(sb.String()), true)
	owners := append([]lookalike.Owner{{Name: "party", Domains: []string{"en-marche.fr"}, TLDSwap: true}}, lookalike.Providers...)
	if err := bl.AllowOwners(owners); err != nil {
		b.Fatal(err)
	}
	p := bl.Policy()
	names := []string{"www.en-marche.fr", "news.example.org", "cdn.static.example.net", "accounts-google.com", "blockedxx.examplec"}
	for _, n := range names {
		p.Lookup(n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p.Lookup(names[i%len(names)])
	}
}

func FuzzRPZ(f *testing.F) {
	f.Add(testRPZ)
	f.Add("$ORIGIN rpz.\n*.a.example CNAME .\n( x\n")
	f.Add("$ORIGIN rpz.\nb.example 60 IN TXT \"a;b\" ; c\n  IN A 192.0.2.1\n")
	f.Fuzz(func(t *testing.T, text string) {
		b := NewBuilder(0)
		for _, lenient := range []bool{false, true} {
			rep, err := b.AddRPZ("f.rpz", strings.NewReader(text), "rpz.", lenient)
			if err != nil {
				var p Problem
				if !errors.As(err, &p) || p.File != "f.rpz" || p.Line < 0 {
					t.Fatalf("error without file and line: %v", err)
				}
			}
			if rep.Skipped > 0 && len(rep.Problems) == 0 {
				t.Fatal("skipped lines without problems")
			}
		}
		p := b.Policy()
		p.Lookup("a.example")
		p.Lookup("b.example")
	})
}

func FuzzBlocklist(f *testing.F) {
	f.Add("evil.example\n0.0.0.0 a.example b.example\n||c.example^\n# x\n")
	f.Add("ｅｘａｍｐｌｅ.org\nxn--zz.example\n")
	f.Fuzz(func(t *testing.T, text string) {
		b := NewBuilder(0)
		rep, err := b.AddBlocklist("l.txt", strings.NewReader(text), true)
		if err != nil {
			var p Problem
			if !errors.As(err, &p) && !strings.Contains(err.Error(), "l.txt:") {
				t.Fatalf("error without file and line: %v", err)
			}
			return
		}
		if rep.Names > 0 && len(b.Policy().names) == 0 {
			t.Fatal("names counted but not stored")
		}
	})
}
