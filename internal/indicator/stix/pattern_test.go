package stix

import (
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

func TestParsePatternValid(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		values  []string // "type:value" of Extract
		issues  int
	}{
		{"sha256", `[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']`,
			[]string{"sha256:ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"}, 0},
		{"hash key unquoted", `[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']`, []string{"md5:d41d8cd98f00b204e9800998ecf8427e"}, 0},
		{"hash key SHA1", `[file:hashes.'SHA1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']`, []string{"sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709"}, 0},
		{"sha512 name", `[file:hashes.SHA512 = 'x']`, []string{"sha512:x"}, 0},
		{"or of types", `[domain-name:value = 'evil.example' OR ipv4-addr:value = '192.0.2.1' OR url:value = 'http://evil.example/a']`,
			[]string{"domain:evil.example", "ipv4:192.0.2.1", "url:http://evil.example/a"}, 0},
		{"ipv6 cidr", `[ipv6-addr:value = '2001:db8::/32']`, []string{"ipv6:2001:db8::/32"}, 0},
		{"email", `[email-addr:value = 'ceo@evil.example']`, []string{"email:ceo@evil.example"}, 0},
		{"email from_ref", `[email-message:from_ref.value = 'a@b.example']`, []string{"email:a@b.example"}, 0},
		{"network-traffic ip", `[network-traffic:dst_ref.value = '198.51.100.7']`, []string{"ipv4:198.51.100.7"}, 0},
		{"network-traffic v6", `[network-traffic:dst_ref.value = '2001:db8::1']`, []string{"ipv6:2001:db8::1"}, 0},
		{"network-traffic domain", `[network-traffic:dst_ref.value = 'c2.example']`, []string{"domain:c2.example"}, 0},
		{"file name", `[file:name = 'invoice.pdf.exe']`, []string{"filename:invoice.pdf.exe"}, 0},
		{"escapes", `[file:name = 'it\'s a \\ name']`, []string{`filename:it's a \ name`}, 0},
		{"IN set", `[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')]`, []string{"ipv4:192.0.2.1", "ipv4:192.0.2.2"}, 0},
		{"AND loosened", `[file:name = 'a.exe' AND file:size = 100]`, []string{"filename:a.exe"}, 2},
		{"AND of two values", `[domain-name:value = 'a.example' AND ipv4-addr:value = '192.0.2.9']`, []string{"domain:a.example", "ipv4:192.0.2.9"}, 1},
		{"AND without a value", `[x509-certificate:issuer = 'CN=a' AND x509-certificate:serial_number = '1']`, nil, 2},
		{"observation OR", `[url:value = 'http://a.example/'] OR [url:value = 'http://b.example/']`, []string{"url:http://a.example/", "url:http://b.example/"}, 0},
		{"observation AND", `[url:value = 'http://a.example/'] AND [domain-name:value = 'b.example']`, []string{"url:http://a.example/", "domain:b.example"}, 1},
		{"FOLLOWEDBY", `([domain-name:value = 'a.example'] FOLLOWEDBY [domain-name:value = 'b.example']) WITHIN 60 SECONDS`, []string{"domain:a.example", "domain:b.example"}, 2},
		{"REPEATS", `[domain-name:value = 'a.example'] REPEATS 5 TIMES`, []string{"domain:a.example"}, 1},
		{"START STOP", `[domain-name:value = 'a.example'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.123Z'`, []string{"domain:a.example"}, 1},
		{"NOT", `[domain-name:value NOT = 'a.example']`, nil, 1},
		{"!=", `[domain-name:value != 'a.example']`, nil, 1},
		{"<>", `[domain-name:value <> 'a.example']`, nil, 1},
		{"LIKE", `[domain-name:value LIKE '%.example']`, nil, 1},
		{"MATCHES", `[email-message:from_ref.value MATCHES '.+\\banking@g0thamnatl\\.com$']`, nil, 1},
		{"ISSUBSET", `[ipv4-addr:value ISSUBSET '198.51.100.0/24']`, nil, 1},
		{"ISSUPERSET", `[ipv4-addr:value ISSUPERSET '198.51.100.0/24']`, nil, 1},
		{"EXISTS", `[EXISTS windows-registry-key:values]`, nil, 1},
		{"NOT EXISTS", `[NOT EXISTS file:name]`, nil, 1},
		{"parens", `[(file:name = 'a' OR file:name = 'b') AND file:size > 10]`, []string{"filename:a", "filename:b"}, 2},
		{"ordering ops", `[file:size >= 10 AND file:size <= 20 AND file:size < 30 AND file:size > -5 AND file:x = 1.5 AND file:y = -0.5]`, nil, 6},
		{"booleans", `[file:is_encrypted = true]`, nil, 1},
		{"binary", `[artifact:payload_bin = b'aGVsbG8=']`, nil, 1},
		{"hex", `[file:magic_number_hex = h'ffd8']`, nil, 1},
		{"timestamp", `[file:created = t'2014-01-13T07:03:17Z']`, nil, 1},
		{"list index", `[email-message:to_refs[0].value = 'a@b.example']`, nil, 1},
		{"list any", `[email-message:to_refs[*].value = 'a@b.example']`, nil, 1},
		{"quoted path key", `[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\System']`, nil, 1},
		{"x509 unsupported", `[x509-certificate:hashes.'SHA-256' = 'aa']`, nil, 1},
		{"ssdeep unsupported", `[file:hashes.SSDEEP = '3:a:b']`, nil, 1},
		{"int value on domain", `[domain-name:value = 5]`, nil, 1},
		{"comments and blanks", "  [ domain-name:value\n=\t'a.example' /* c2 */ ] // end", []string{"domain:a.example"}, 0},
		{"double equals", `[domain-name:value == 'a.example']`, []string{"domain:a.example"}, 0},
		{"custom object", `[x-vigie-thing:value = 'a']`, nil, 1},
		{"path regex", `[file:x_vigie_full_path MATCHES '(?i)\\\\temp\\\\[a-z]{8}\\.exe$']`, []string{`path-regex:(?i)\\temp\\[a-z]{8}\.exe$`}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePattern(tt.pattern)
			if err != nil {
				t.Fatalf("ParsePattern(%q): %v", tt.pattern, err)
			}
			vals, issues := Extract(p)
			if sv, ok := simplePattern(tt.pattern); ok && (len(vals) != 1 || vals[0] != sv) {
				t.Errorf("simplePattern gives %+v, the parser %+v", sv, vals)
			}
			var got []string
			for _, v := range vals {
				got = append(got, string(v.Type)+":"+v.Value)
			}
			if strings.Join(got, "|") != strings.Join(tt.values, "|") {
				t.Errorf("values = %q, want %q", got, tt.values)
			}
			if len(issues) != tt.issues {
				t.Errorf("%d issues, want %d: %+v", len(issues), tt.issues, issues)
			}
		})
	}
}

func TestParsePatternInvalid(t *testing.T) {
	tests := []struct {
		pattern string
		want    string // part of the error
	}{
		{``, "empty pattern"},
		{`   `, "empty pattern"},
		{`domain-name:value = 'a'`, "expected '[' or '('"},
		{`[domain-name:value = 'a'`, `expected "]"`},
		{`[domain-name:value = 'a']]`, "expected the end of the pattern"},
		{`[domain-name:value = 'a]`, "string not closed"},
		{`[domain-name:value = 'a\n']`, `bad escape \n`},
		{`[domain-name:value 'a']`, "expected a comparison operator"},
		{`[domain-name = 'a']`, `expected ":"`},
		{`[domain-name:value = ]`, "expected a value"},
		{`[:value = 'a']`, "expected an object type"},
		{`[file:hashes.SHA-256 = 'a']`, "has a hyphen: quote it"},
		{`[file:name LIKE 5]`, "expected a string after LIKE"},
		{`[file:size > true]`, "orderable value"},
		{`[file:x = b'abc']`, "bad base64"},
		{`[file:x = h'abc']`, "bad hex"},
		{`[file:x = t'2016-13-01T00:00:00Z']`, "bad timestamp"},
		{`[file:x = t'2016-01-01 00:00:00Z']`, "bad timestamp"},
		{`[file:x = 012]`, "leading zero"},
		{`[file:x = 99999999999999999999]`, "out of range"},
		{`[file:x IN ('a', )]`, "expected a value"},
		{`[file:x IN 'a']`, `expected "("`},
		{`[file:x = 'a'] WITHIN SECONDS`, "positive number of seconds"},
		{`[file:x = 'a'] WITHIN 5`, "SECONDS"},
		{`[file:x = 'a'] REPEATS -1 TIMES`, "positive integer"},
		{`[file:x = 'a'] START t'2016-06-01T00:00:00Z'`, "STOP"},
		{`[file:x = 'a'] AND`, "expected '[' or '('"},
		{`[file:x = 'a' OR]`, "expected an object type"},
		{`[file:x = 'a'] /* open`, "comment not closed"},
		{`[file:x = 'a' ] ~`, "unexpected character"},
		{`[file:x[a] = 'a']`, "list index"},
		{`[NOT file:x = 'a']`, "EXISTS after a leading NOT"},
		{`[file:x = 'a'] OR`, "expected '[' or '('"},
		{strings.Repeat("(", 200) + "[file:x = 'a']" + strings.Repeat(")", 200), "deeper than"},
		{"[" + strings.Repeat("(", 200) + "file:x = 'a'" + strings.Repeat(")", 200) + "]", "deeper than"},
		{"[file:x = '\xff']", "not valid UTF-8"},
		{"[file:" + strings.Repeat("a.", 100) + "b = 'a']", "longer than 64 steps"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern[:min(len(tt.pattern), 40)], func(t *testing.T) {
			_, err := ParsePattern(tt.pattern)
			if err == nil {
				t.Fatalf("ParsePattern(%q) = nil error, want %q", tt.pattern, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParsePattern(%q) = %v, want an error with %q", tt.pattern, err, tt.want)
			}
			if _, ok := err.(*PatternError); !ok {
				t.Errorf("error is a %T, want *PatternError", err)
			}
		})
	}
}

func TestPatternTooLong(t *testing.T) {
	_, err := ParsePattern("[file:name = '" + strings.Repeat("a", MaxPatternLen) + "']")
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("err = %v", err)
	}
}

// TestBuildPatternRoundTrip checks that every pattern Vigie writes parses
// back to the same type and value, with awkward characters escaped.
func TestBuildPatternRoundTrip(t *testing.T) {
	inds := []indicator.Indicator{
		{Type: indicator.MD5, Value: "d41d8cd98f00b204e9800998ecf8427e"},
		{Type: indicator.SHA1, Value: "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{Type: indicator.SHA256, Value: strings.Repeat("ab", 32)},
		{Type: indicator.SHA512, Value: strings.Repeat("cd", 64)},
		{Type: indicator.Domain, Value: "xn--80ak6aa92e.com"},
		{Type: indicator.URL, Value: `http://evil.example/it's\a?q=<script>&x='`},
		{Type: indicator.IPv4, Value: "192.0.2.0/24"},
		{Type: indicator.IPv6, Value: "2001:db8::1"},
		{Type: indicator.Email, Value: "o'brien@evil.example"},
		{Type: indicator.Filename, Value: `C:\it's.exe`},
		{Type: indicator.PathRegex, Value: `(?i)\\temp\\[a-z]+\.exe$`},
	}
	for _, ind := range inds {
		pat, pt, err := BuildPattern(&ind)
		if err != nil || pt != "stix" {
			t.Fatalf("%s: %v %q", ind.Key(), err, pt)
		}
		p, err := ParsePattern(pat)
		if err != nil {
			t.Fatalf("%s: pattern %s does not parse: %v", ind.Key(), pat, err)
		}
		vals, issues := Extract(p)
		if len(issues) != 0 || len(vals) != 1 || vals[0].Type != ind.Type || vals[0].Value != ind.Value {
			t.Errorf("%s: pattern %s gives %+v, issues %+v", ind.Key(), pat, vals, issues)
		}
	}
	if _, _, err := BuildPattern(&indicator.Indicator{Type: indicator.YARA, Value: "r"}); err == nil {
		t.Error("a YARA indicator without rule text gives no error")
	}
	if _, _, err := BuildPattern(&indicator.Indicator{Type: "nonsense", Value: "r"}); err == nil {
		t.Error("an unknown type gives no error")
	}
}

func TestSCOID(t *testing.T) {
	// The file object of the OASIS example "sighting-of-observed-data":
	// its id is the UUIDv5 of its MD5 hash and name.
	id, err := SCOID("file", map[string]any{"hashes": map[string]any{"MD5": "1717b7fff97d37a1e1a0029d83492de1"}, "name": "resume.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "file--364fe3e5-b1f4-5ba3-b951-ee5983b3538d"; id != want {
		t.Errorf("SCOID = %s, want %s", id, want)
	}
	a, _ := SCOID("file", map[string]any{"hashes": map[string]any{"SHA-256": "aa", "MD5": "bb"}, "name": "x"})
	b, _ := SCOID("file", map[string]any{"name": "x", "hashes": map[string]any{"MD5": "bb", "SHA-256": "aa"}})
	if a != b {
		t.Error("SCOID depends on key order")
	}
	if _, err := SCOID("file", map[string]any{"size": 1.5}); err == nil {
		t.Error("a float property gives no error")
	}
}

func TestSimplePatternEdges(t *testing.T) {
	for _, p := range []string{`[domain-name:value = ']`, `[domain-name:value = '']`, `[url:value = 'a' OR url:value = 'b']`, `[file:name = 'a\'b']`, "[url:value = '\xff']"} {
		sv, ok := simplePattern(p)
		parsed, err := ParsePattern(p)
		if ok && err != nil {
			t.Errorf("simplePattern accepts %q, which does not parse", p)
		}
		if ok {
			vals, _ := Extract(parsed)
			if len(vals) != 1 || vals[0] != sv {
				t.Errorf("%q: simplePattern %+v, parser %+v", p, sv, vals)
			}
		}
	}
}
