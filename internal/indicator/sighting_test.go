package indicator

import (
	"strings"
	"testing"
)

// The values a milter reported as domains and the hub refused (issue #20):
// the sensor must drop them, with the reason, before they are spooled.
func TestNormalizeSighting(t *testing.T) {
	for _, tc := range []struct {
		typ, value string
		wantType   Type
		want       string // "" = refused
		reason     string // part of the reason
	}{
		{"domain", "pedidoretido188781463", "", "", "two labels"},
		{"domain", "{nutella.de}", "", "", "character"},
		{"domain", "theskimm,com", "", "", "two labels"},
		{"domain", "0xb2a2f51a", "", "", "two labels"},
		{"domain", "evil.example\u00a0and more text", "", "", "domain"},
		{"domain", "", "", "", "empty"},
		{"domain", "Mail.Evil.EXAMPLE.", Domain, "mail.evil.example", ""},
		{"ipv4", "2001:db8::1", IPv6, "2001:db8::1", ""},
		{"ipv4", "999.1.1.1", "", "", "IP"},
		{"", "evil.com", Domain, "evil.com", ""},
		{"yara", "XAgent_Strings", YARA, "XAgent_Strings", ""},
		{"yara", "not a rule name", "", "", "YARA"},
		{"bogus", "x", "", "", "unknown indicator type"},
		{"sha256", strings.Repeat("A", 64), SHA256, strings.Repeat("a", 64), ""},
	} {
		typ, v, err := NormalizeSighting(tc.typ, tc.value)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s %q: accepted as %s %q", tc.typ, tc.value, typ, v)
			} else if !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("%s %q: reason %q lacks %q", tc.typ, tc.value, err, tc.reason)
			}
			continue
		}
		if err != nil || typ != tc.wantType || v != tc.want {
			t.Errorf("%s %q: %s %q %v", tc.typ, tc.value, typ, v, err)
		}
	}
}
