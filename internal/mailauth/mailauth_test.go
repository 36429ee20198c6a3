package mailauth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

const zone = `$ORIGIN example.org.
$TTL 3600
; a key split over two strings and two lines
s2016._domainkey IN TXT ( "v=DKIM1; k=rsa; "
        "p=AAAA" ) ; valid 2016-01-01..2017-06-30
s2017._domainkey.example.org. 300 IN TXT "v=DKIM1; k=ed25519; p=BBBB" ; valid 2017-07-01..
@ IN MX 10 mx.example.org.
	IN TXT "v=spf1 -all"
quoted._domainkey TXT "a\"b\\c\065"
`

func TestParseArchiveZone(t *testing.T) {
	a, err := ParseArchive(strings.NewReader(zone), "zone")
	if err != nil {
		t.Fatal(err)
	}
	recs := a.Records()
	if len(recs) != 4 {
		t.Fatalf("got %d records: %+v", len(recs), recs)
	}
	want := map[string]string{
		"s2016._domainkey.example.org":  "v=DKIM1; k=rsa; p=AAAA",
		"s2017._domainkey.example.org":  "v=DKIM1; k=ed25519; p=BBBB",
		"example.org":                   "v=spf1 -all",
		"quoted._domainkey.example.org": "a\"b\\cA",
	}
	for _, r := range recs {
		if want[r.Name] != r.Value {
			t.Errorf("%s = %q, want %q", r.Name, r.Value, want[r.Name])
		}
	}
	if a.Ignored != 1 || a.IgnoredLines[0] != 7 {
		t.Errorf("ignored %d at %v", a.Ignored, a.IgnoredLines)
	}
	s2016 := a.Lookup("s2016._domainkey.example.org")[0]
	if s2016.NotBefore != time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC) || s2016.NotAfter.Format("2006-01-02") != "2017-06-30" || s2016.Line != 4 {
		t.Errorf("period %v..%v line %d", s2016.NotBefore, s2016.NotAfter, s2016.Line)
	}
	ctx := context.Background()
	at := a.AtTime(time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC))
	if _, err := at.LookupTXT(ctx, "s2016._domainkey.example.org"); !IsNotFound(err) {
		t.Errorf("expired key still answered: %v", err)
	}
	if r, src, err := at.LookupTXTSource(ctx, "S2017._domainkey.example.org."); err != nil || src != "archive" || len(r) != 1 {
		t.Errorf("lookup: %v %s %v", r, src, err)
	}
}

func TestParseArchivePlain(t *testing.T) {
	text := "sel._domainkey.example.org v=DKIM1; k=rsa; p=CCCC ; valid ..2015-12-31\n" +
		"# a comment line\n" +
		"not/a/name v=DKIM1; p=\n"
	if _, err := ParseArchive(strings.NewReader(text), "keys.txt"); err == nil || !strings.Contains(err.Error(), "keys.txt:3") {
		t.Errorf("want an error naming keys.txt:2, got %v", err)
	}
	a, err := ParseArchive(strings.NewReader(text[:strings.IndexByte(text, '\n')+1]), "keys.txt")
	if err != nil {
		t.Fatal(err)
	}
	r := a.Records()[0]
	if r.Value != "v=DKIM1; k=rsa; p=CCCC" || !r.NotBefore.IsZero() || r.NotAfter.Year() != 2015 {
		t.Errorf("%+v", r)
	}
}

func TestParseArchiveErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a.example TXT ( \"x\"\n", ":1: unclosed parenthesis"},
		{"a.example TXT \"x\n", ":1: unterminated quoted string"},
		{"a.example TXT \"x\" ; valid 2017-13-01..\n", "valid period start"},
		{"a.example TXT \"x\" ; valid 2018-01-01..2017-01-01\n", "ends before it starts"},
		{"@ TXT \"x\"\n", "'@' used before $ORIGIN"},
		{"  TXT \"x\"\n", "no previous owner"},
	} {
		_, err := ParseArchive(strings.NewReader(tc.in), "f")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestChain(t *testing.T) {
	ctx := context.Background()
	archive := &Archive{}
	archive.Add(ArchivedRecord{Name: "old._domainkey.example.org", Value: "v=DKIM1; p=OLD"})
	dns := &MapResolver{
		TXT:  map[string][]string{"new._domainkey.example.org": {"v=DKIM1; p=NEW"}},
		Fail: map[string]bool{"down._domainkey.example.org": true},
	}
	c := Chain{archive, dns}
	if r, src, err := c.LookupTXTSource(ctx, "old._domainkey.example.org"); err != nil || src != "archive" || r[0] != "v=DKIM1; p=OLD" {
		t.Errorf("old: %v %s %v", r, src, err)
	}
	if r, src, err := c.LookupTXTSource(ctx, "new._domainkey.example.org"); err != nil || src != "dns" || r[0] != "v=DKIM1; p=NEW" {
		t.Errorf("new: %v %s %v", r, src, err)
	}
	if _, err := c.LookupTXT(ctx, "gone._domainkey.example.org"); !IsNotFound(err) {
		t.Errorf("gone: %v", err)
	}
	_, err := c.LookupTXT(ctx, "down._domainkey.example.org")
	if err == nil || IsNotFound(err) {
		t.Errorf("a DNS failure must stay temporary, got %v", err)
	}
}

func TestDNSResolverFailureIsTemporary(t *testing.T) {
	// A server that does not answer: the lookup times out and the error
	// is temporary, not "not found".
	r := NewDNSResolver("127.0.0.1:1", 300*time.Millisecond)
	_, err := r.LookupTXT(context.Background(), "example.org")
	if err == nil || IsNotFound(err) {
		t.Fatalf("want a temporary error, got %v", err)
	}
	var nf = errors.Is(err, ErrNotFound)
	if nf {
		t.Error("temporary failure reported as not found")
	}
}

func TestOrgDomainAndAlignment(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"mail.example.org", "example.org"},
		{"a.b.example.co.uk", "example.co.uk"},
		{"example.org.", "example.org"},
		{"co.uk", "co.uk"},
	} {
		if got := OrgDomain(tc.in); got != tc.want {
			t.Errorf("OrgDomain(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if !Aligned("mail.example.org", "Example.org", false) || Aligned("mail.example.org", "example.org", true) || Aligned("example.com", "example.org", false) {
		t.Error("alignment")
	}
	if d := AddressDomains(`"Alice" <alice@Example.ORG>, bob@example.net`); len(d) != 2 || d[0] != "example.org" {
		t.Errorf("AddressDomains = %v", d)
	}
	if d := AddressDomains(`broken <<x@evil.example>`); len(d) != 1 || d[0] != "evil.example" {
		t.Errorf("AddressDomains(broken) = %v", d)
	}
}

func FuzzParseArchive(f *testing.F) {
	f.Add(zone)
	f.Add("sel._domainkey.example.org v=DKIM1; k=rsa; p=CCCC ; valid ..2015-12-31\n")
	f.Add("a ( \"b\" \"c\" )\n")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseArchive(strings.NewReader(s), "fuzz")
		if err != nil {
			return
		}
		for _, r := range a.Records() {
			if r.Name != strings.ToLower(r.Name) || strings.HasSuffix(r.Name, ".") {
				t.Errorf("name not normalised: %q", r.Name)
			}
		}
	})
}
