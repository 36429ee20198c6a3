package store

import (
	"errors"
	"strings"
	"testing"
)

// FuzzOrgSettings: whatever a party types as a domain or a contact, the
// settings are refused with ErrBadSettings or accepted in a form that is
// stable (normalising again changes nothing) and bounded; never a panic.
func FuzzOrgSettings(f *testing.F) {
	f.Add("en-marche.fr", "ann@en-marche.fr")
	f.Fuzz(func(t *testing.T, domain, email string) {
		in := OrgSettings{Sites: []string{domain}, MailDomains: strings.Split(domain, ","), Contacts: []Contact{{Name: "x", Email: email, Phone: email}}}
		out, err := normaliseSettings(in)
		if err != nil {
			if !errors.Is(err, ErrBadSettings) {
				t.Fatalf("%q %q: error without ErrBadSettings: %v", domain, email, err)
			}
			return
		}
		again, err := normaliseSettings(out)
		if err != nil {
			t.Fatalf("normalised settings refused: %+v: %v", out, err)
		}
		for i, d := range again.Domains() {
			if d != out.Domains()[i] || len(d) > 253 || strings.ToLower(d) != d {
				t.Fatalf("unstable or unbounded: %q then %q", out.Domains(), again.Domains())
			}
		}
	})
}
