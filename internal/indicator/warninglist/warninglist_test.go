package warninglist

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

func mustParse(t testing.TB, js string) *List {
	t.Helper()
	l, err := Parse(strings.NewReader(js), "test.json")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return l
}

func TestMatchTypes(t *testing.T) {
	set := NewSet(
		mustParse(t, `{"name":"strings","type":"string","list":["D41D8CD98F00B204E9800998ECF8427E","Example.ORG"],"matching_attributes":["md5","domain"]}`),
		mustParse(t, `{"name":"hosts","type":"hostname","list":["google.com",".bit.ly"],"matching_attributes":["domain","hostname","url","email-src"]}`),
		mustParse(t, `{"name":"cidrs","type":"cidr","list":["10.0.0.0/8","192.0.2.1","2001:db8::/32","::ffff:198.51.100.0/120"],"matching_attributes":["ip-dst","url"]}`),
		mustParse(t, `{"name":"subs","type":"substring","list":["virustotal.com"],"matching_attributes":["url"]}`),
		mustParse(t, `{"name":"regex","type":"regex","list":["/^(security|noc|soc|abuse)\\@.*\\..*$/i"],"matching_attributes":["email-src","email-dst"]}`),
	)
	tests := []struct {
		typ   indicator.Type
		value string
		want  string // "" = no match
	}{
		{indicator.MD5, "d41d8cd98f00b204e9800998ecf8427e", "strings"},
		{indicator.SHA1, "d41d8cd98f00b204e9800998ecf8427e", ""}, // list not for sha1
		{indicator.Domain, "example.org", "strings"},
		{indicator.Domain, "www.example.org", ""}, // string is exact
		{indicator.Domain, "google.com", "hosts"},
		{indicator.Domain, "mail.google.com", "hosts"},
		{indicator.Domain, "accounts-google.com", ""}, // not a sub-domain
		{indicator.Domain, "google.com.evil.net", ""},
		{indicator.Domain, "bit.ly", "hosts"},
		{indicator.URL, "https://sites.google.com/view/x", "hosts"},
		{indicator.URL, "http://google.com:8080/", "hosts"},
		{indicator.URL, "http://user@google.com/", "hosts"},
		{indicator.URL, "http://evil.net/?q=google.com", ""},
		{indicator.Email, "someone@google.com", "hosts"},
		{indicator.Email, "google.com@evil.net", ""},
		{indicator.IPv4, "10.1.2.3", "cidrs"},
		{indicator.IPv4, "10.1.0.0/16", "cidrs"},
		{indicator.IPv4, "10.0.0.0/7", ""}, // wider than the block
		{indicator.IPv4, "192.0.2.1", "cidrs"},
		{indicator.IPv4, "192.0.2.2", ""},
		{indicator.IPv4, "198.51.100.7", "cidrs"},
		{indicator.IPv6, "2001:db8::1", "cidrs"},
		{indicator.IPv6, "2001:db9::1", ""},
		{indicator.URL, "http://10.9.9.9/x", "cidrs"},
		{indicator.URL, "http://[2001:db8::5]:8080/x", "cidrs"},
		{indicator.URL, "https://www.virustotal.com/gui/file/abc", "subs"},
		{indicator.Domain, "www.virustotal.com", ""}, // subs is for url only
		{indicator.Email, "abuse@example.net", "regex"},
		{indicator.Email, "ABUSE@example.net", "regex"},
		{indicator.Email, "abused@example.net", ""},
	}
	for _, tt := range tests {
		got, ok := set.Match(tt.typ, tt.value)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Match(%s, %q) = %q, %v; want %q", tt.typ, tt.value, got, ok, tt.want)
		}
	}
}

func TestMatchFirstList(t *testing.T) {
	set := NewSet(
		mustParse(t, `{"name":"first","type":"hostname","list":["example.com"]}`),
		mustParse(t, `{"name":"second","type":"string","list":["example.com"]}`),
	)
	if got, _ := set.Match(indicator.Domain, "example.com"); got != "first" {
		t.Errorf("got %q, want the first list", got)
	}
}

func TestDefaultMatchingAttributes(t *testing.T) {
	cidr := NewSet(mustParse(t, `{"name":"c","type":"cidr","list":["10.0.0.0/8"]}`))
	if _, ok := cidr.Match(indicator.IPv4, "10.0.0.1"); !ok {
		t.Error("cidr list without matching_attributes must apply to addresses")
	}
	str := NewSet(mustParse(t, `{"name":"s","type":"string","list":["evil.exe"]}`))
	if _, ok := str.Match(indicator.Filename, "EVIL.EXE"); !ok {
		t.Error("string list without matching_attributes must apply to every type")
	}
	none := NewSet(mustParse(t, `{"name":"n","type":"string","list":["x"],"matching_attributes":["ssdeep"]}`))
	if _, ok := none.Match(indicator.Filename, "x"); ok {
		t.Error("list for ssdeep only must not match a file name")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, js, want string
	}{
		{"syntax", `{"name": "x",`, "test.json"},
		{"no name", `{"type":"string","list":[]}`, `no "name"`},
		{"no type", `{"name":"x","list":[]}`, `no "type"`},
		{"bad type", `{"name":"x","type":"fuzzy","list":[]}`, `type "fuzzy"`},
		{"no list", `{"name":"x","type":"string"}`, `no "list"`},
		{"deep", strings.Repeat("[", 100), "nested deeper"},
	}
	for _, tt := range tests {
		_, err := Parse(strings.NewReader(tt.js), "test.json")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func TestParseBadEntries(t *testing.T) {
	l, err := Parse(strings.NewReader(`{"name":"My regexes","type":"regex","list":["/ok/","/(?<!x)y/","/z/x"]}`), "r.json")
	var ie *InvalidEntriesError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want *InvalidEntriesError", err)
	}
	if len(ie.Entries) != 2 || !strings.Contains(err.Error(), "My regexes") || !strings.Contains(err.Error(), "r.json") {
		t.Errorf("error should name the list, the file and both bad entries: %v", err)
	}
	if l == nil || len(l.regexes) != 1 {
		t.Fatalf("the usable entry must be kept")
	}
	if _, ok := NewSet(l).Match(indicator.Filename, "look"); !ok {
		t.Error("the good regex must still match")
	}
	_, err = Parse(strings.NewReader(`{"name":"c","type":"cidr","list":["10.0.0.0/33","nope"]}`), "c.json")
	if !errors.As(err, &ie) || len(ie.Entries) != 2 {
		t.Errorf("bad CIDR entries: err = %v", err)
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "lists", "a"), 0o755)
	os.WriteFile(filepath.Join(dir, "lists", "a", "list.json"), []byte(`{"name":"A","type":"string","list":["x.example"]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "b.json"), []byte(`{"name":"B","type":"cidr","list":["10.0.0.0/8"]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "schema.json"), []byte(`{"title":"schema"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{`), 0o644)
	set, err := LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), "broken.json") {
		t.Errorf("err = %v, want one naming broken.json", err)
	}
	if n := len(set.Lists()); n != 2 {
		t.Fatalf("%d lists, want 2", n)
	}
	if name, _ := set.Match(indicator.Domain, "x.example"); name != "A" {
		t.Errorf("list A not loaded from lists/a/list.json")
	}
}

func TestBuiltin(t *testing.T) {
	if _, err := loadBuiltin(); err != nil {
		t.Fatalf("built-in lists: %v", err)
	}
	b := Builtin()
	keep := []struct {
		typ indicator.Type
		v   string
	}{
		{indicator.Domain, "accounts-google.com"},
		{indicator.URL, "https://sites.google.com/view/evil-login/"},
		{indicator.Email, "candidat.support@gmail.com"},
		{indicator.IPv4, "185.86.148.227"},
		{indicator.IPv4, "8.8.8.9"},
		{indicator.Domain, "microsoft-login.com"},
		{indicator.MD5, "0749bae92ca336a02c83d126e04ec628"},
	}
	for _, k := range keep {
		if name, ok := b.Match(k.typ, k.v); ok {
			t.Errorf("built-in list %q drops %s %q, a genuine indicator", name, k.typ, k.v)
		}
	}
	drop := []struct {
		typ indicator.Type
		v   string
	}{
		{indicator.IPv4, "8.8.8.8"}, {indicator.IPv4, "1.1.1.1"}, {indicator.IPv4, "9.9.9.9"}, {indicator.IPv4, "208.67.222.222"},
		{indicator.IPv6, "2001:4860:4860::8888"},
		{indicator.IPv4, "192.168.1.10"}, {indicator.IPv4, "10.0.0.0/16"}, {indicator.IPv4, "100.64.1.1"}, {indicator.IPv4, "127.0.0.1"},
		{indicator.IPv4, "169.254.169.254"}, {indicator.IPv4, "203.0.113.9"}, {indicator.IPv4, "239.255.255.250"},
		{indicator.IPv6, "::1"}, {indicator.IPv6, "fe80::1"}, {indicator.IPv6, "fd00::1"},
		{indicator.MD5, "d41d8cd98f00b204e9800998ecf8427e"},
		{indicator.SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{indicator.SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{indicator.SHA512, "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
		{indicator.Domain, "google.com"}, {indicator.Domain, "accounts.google.com"}, {indicator.Domain, "gmail.com"},
		{indicator.Domain, "outlook.com"}, {indicator.Domain, "ssi.gouv.fr"}, {indicator.Domain, "x.com"},
	}
	for _, d := range drop {
		if _, ok := b.Match(d.typ, d.v); !ok {
			t.Errorf("built-in lists keep %s %q", d.typ, d.v)
		}
	}
}

func TestApply(t *testing.T) {
	c := &indicator.Collection{Indicators: []indicator.Indicator{
		{Type: indicator.Domain, Value: "google.com", Source: "report.pdf", ID: "a1"},
		{Type: indicator.Domain, Value: "accounts-google.com"},
		{Type: indicator.IPv4, Value: "8.8.8.8"},
		{Type: indicator.IPv4, Value: "185.86.148.227"},
	}}
	n := Apply(c, Builtin())
	if n != 2 || len(c.Indicators) != 2 {
		t.Fatalf("removed %d, kept %d; want 2 and 2", n, len(c.Indicators))
	}
	if c.Indicators[0].Value != "accounts-google.com" || c.Indicators[1].Value != "185.86.148.227" {
		t.Errorf("kept %v", c.Indicators)
	}
	if len(c.Problems) != 2 {
		t.Fatalf("problems %v", c.Problems)
	}
	p := c.Problems[0]
	if p.Kind != indicator.ProblemWarninglist || p.Input != "report.pdf" || p.Where != "indicator a1" ||
		p.Reason != "on warning list 'Vigie: domains of major providers'" || p.Value != "google.com" {
		t.Errorf("problem = %+v", p)
	}
	if Apply(c, nil) != 0 || Apply(nil, Builtin()) != 0 {
		t.Error("nil set or collection must be a no-op")
	}
}
