package indicator

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name  string
		typ   Type
		in    string
		want  string
		error string // substring of the error; "" means success
	}{
		{"md5 upper", MD5, " D41D8CD98F00B204E9800998ECF8427E ", "d41d8cd98f00b204e9800998ecf8427e", ""},
		{"md5 short", MD5, "d41d8cd98f00b204e9800998ecf8427", "", "32 hex digits"},
		{"sha256 non hex", SHA256, strings.Repeat("g", 64), "", "only hex digits"},
		{"domain trailing dot", Domain, "Evil.COM.", "evil.com", ""},
		{"domain defanged", Domain, "evil[.]com", "evil.com", ""},
		{"domain wildcard", Domain, "*.evil.com", "evil.com", ""},
		{"domain idn", Domain, "gооgle.com", "xn--ggle-55da.com", ""}, // Cyrillic o's
		{"domain bare tld", Domain, "com", "", "at least two labels"},
		{"domain is ip", Domain, "10.0.0.1", "", "IP address"},
		{"domain bad char", Domain, "ev il.com", "", ""},
		{"domain underscore", Domain, "_dmarc.evil.com", "_dmarc.evil.com", ""},
		{"url defanged", URL, "hxxp://evil[.]com/login?a=1#frag", "http://evil.com/login?a=1", ""},
		{"url no scheme", URL, "evil.com", "http://evil.com/", ""},
		{"url default port", URL, "HTTPS://Evil.com:443/A", "https://evil.com/A", ""},
		{"url other port", URL, "http://evil.com:8080/", "http://evil.com:8080/", ""},
		{"url idn host", URL, "https://münchen.de/x", "https://xn--mnchen-3ya.de/x", ""},
		{"url ipv6", URL, "http://[2001:DB8::1]/x", "http://[2001:db8::1]/x", ""},
		{"url no host", URL, "http:///path", "", "no host"},
		{"ipv4", IPv4, "192.0.2.1", "192.0.2.1", ""},
		{"ipv4 defanged", IPv4, "192.0.2[.]1", "192.0.2.1", ""},
		{"ipv4 cidr masked", IPv4, "192.0.2.77/24", "192.0.2.0/24", ""},
		{"ipv4 /32", IPv4, "192.0.2.7/32", "192.0.2.7", ""},
		{"ipv4 as v6", IPv6, "192.0.2.1", "", "IPv4 address given as IPv6"},
		{"ipv6", IPv6, "2001:DB8:0:0::1", "2001:db8::1", ""},
		{"ipv4-mapped", IPv4, "::ffff:192.0.2.1", "192.0.2.1", ""},
		{"bad ip", IPv4, "300.1.1.1", "", "not a valid IP"},
		{"email", Email, "Bad.Guy@Evil.COM", "bad.guy@evil.com", ""},
		{"email defanged", Email, "bad[@]evil[.]com", "bad@evil.com", ""},
		{"email angle", Email, "<bad@evil.com>", "bad@evil.com", ""},
		{"email no at", Email, "evil.com", "", "local@domain"},
		{"filename", Filename, " svchost.exe ", "svchost.exe", ""},
		{"path regex", PathRegex, `\\Temp\\[a-z]{8}\.exe`, `\\Temp\\[a-z]{8}\.exe`, ""},
		{"path regex bad", PathRegex, `(unclosed`, "", "bad path pattern"},
		{"yara", YARA, "APT28_Rule_1", "APT28_Rule_1", ""},
		{"yara bad", YARA, "1rule", "", "not a YARA rule name"},
		{"nul", Domain, "evil\x00.com", "", "NUL"},
		{"too long", URL, "http://e.com/" + strings.Repeat("a", MaxValueLen), "", "bytes long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.typ, tt.in)
			if tt.error != "" || (tt.want == "" && err != nil) {
				if err == nil {
					t.Fatalf("Normalize(%s, %q) = %q, want an error with %q", tt.typ, tt.in, got, tt.error)
				}
				if !strings.Contains(err.Error(), tt.error) {
					t.Fatalf("error %q does not say %q", err, tt.error)
				}
				return
			}
			if err != nil {
				t.Fatalf("Normalize(%s, %q): %v", tt.typ, tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("Normalize(%s, %q) = %q, want %q", tt.typ, tt.in, got, tt.want)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in       string
		typ      Type
		want     string
		wantFail bool
	}{
		{"d41d8cd98f00b204e9800998ecf8427e", MD5, "d41d8cd98f00b204e9800998ecf8427e", false},
		{"DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", false},
		{strings.Repeat("ab", 32), SHA256, strings.Repeat("ab", 32), false},
		{strings.Repeat("ab", 64), SHA512, strings.Repeat("ab", 64), false},
		{"hxxps://onedrive-en-marche[.]fr/login", URL, "https://onedrive-en-marche.fr/login", false},
		{"onedrive-en-marche.fr/login", URL, "http://onedrive-en-marche.fr/login", false},
		{"onedrive-en-marche.fr", Domain, "onedrive-en-marche.fr", false},
		{"sub.example.co.uk", Domain, "sub.example.co.uk", false},
		{"attacker@mail-en-march.fr", Email, "attacker@mail-en-march.fr", false},
		{"45.32.129.185", IPv4, "45.32.129.185", false},
		{"10.0.0.0/8", IPv4, "10.0.0.0/8", false},
		{"2001:db8::/32", IPv6, "2001:db8::/32", false},
		{"pagemgr.exe", Filename, "pagemgr.exe", false},
		{"report.docm", Filename, "report.docm", false},
		{"not a value", "", "", true},
		{"", "", "", true},
	}
	for _, tt := range tests {
		typ, got, err := Detect(tt.in)
		if tt.wantFail {
			if err == nil {
				t.Errorf("Detect(%q) = %s %q, want an error", tt.in, typ, got)
			}
			continue
		}
		if err != nil || typ != tt.typ || got != tt.want {
			t.Errorf("Detect(%q) = %s %q %v, want %s %q", tt.in, typ, got, err, tt.typ, tt.want)
		}
	}
}

func TestParseTLP(t *testing.T) {
	for in, want := range map[string]TLP{
		"TLP:AMBER+STRICT": TLPAmberStrict, "amber+strict": TLPAmberStrict, "tlp:clear": TLPClear,
		"WHITE": TLPWhite, "Red": TLPRed, "": "", "TLP:GREEN": TLPGreen,
	} {
		got, err := ParseTLP(in)
		if err != nil || got != want {
			t.Errorf("ParseTLP(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseTLP("purple"); err == nil {
		t.Error("ParseTLP(purple): want an error")
	}
	if TLPClear.Rank() != TLPWhite.Rank() || TLPAmberStrict.Rank() <= TLPAmber.Rank() {
		t.Error("TLP ranks out of order")
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"d41d8cd98f00b204e9800998ecf8427e", "hxxp://evil[.]com/x", "a@b.com", "10.0.0.0/8", "::1", "x.exe", "münchen.de", "[.]", "http://[::1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ, v, err := Detect(s)
		if err != nil {
			return
		}
		// A detected value normalises to itself: normalisation is idempotent.
		again, err := Normalize(typ, v)
		if err != nil {
			t.Fatalf("Detect(%q) = %s %q, which Normalize rejects: %v", s, typ, v, err)
		}
		if again != v {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q", s, v, again)
		}
	})
}

func FuzzNormalize(f *testing.F) {
	f.Add("domain", "Evil.COM.")
	f.Add("url", "hxxps://a[.]b/c?d#e")
	f.Add("ipv4", "1.2.3.4/33")
	f.Add("email", "a@b")
	f.Fuzz(func(t *testing.T, typ, s string) {
		tt, err := ParseType(typ)
		if err != nil {
			return
		}
		v, err := Normalize(tt, s)
		if err != nil {
			return
		}
		if again, err := Normalize(tt, v); err != nil || again != v {
			t.Fatalf("Normalize(%s) not idempotent: %q -> %q -> %q (%v)", tt, s, v, again, err)
		}
	})
}
