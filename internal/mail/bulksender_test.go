package mail

import (
	"context"
	"testing"
)

// TestLinkMismatchToSender: a link that shows one address and leads to
// the sender's own domain (a newsletter's click counter) takes the reader
// to the sender, not to a third party, and is no mismatch; the same link
// to another domain, a brand's address leading anywhere but the brand, or
// a webmail sender's "own" domain still are.
func TestLinkMismatchToSender(t *testing.T) {
	a := testAnalyzer(t, Options{})
	tests := []struct {
		name, from, href, shown string
		want                    bool
	}{
		{"newsletter click counter", "Shop Weekly <deals@newsletter.shopweekly.com>",
			"http://clickthru.shopweekly.com/Click?q=ed-jLlvQgVqRkhD", "www.outdoorgear.com", false},
		{"the sender's own page", "Linbox News <news@linbox.com>",
			"http://www.linbox.com/partners/outdoorgear", "OutdoorGear.com", false},
		{"to a third party", "Shop Weekly <deals@newsletter.shopweekly.com>",
			"http://login-check.example.net/Click?q=ed-jLlvQgVqRkhD", "www.outdoorgear.com", true},
		{"a brand's address to the sender's domain", "Security <alert@acct-review.com>",
			"http://acct-review.com/signin", "www.paypal.com", true},
		{"a webmail sender's provider domain", "Shop Weekly <shopweekly@gmail.com>",
			"http://gmail.com/x?q=1", "www.outdoorgear.com", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := tmsg{from: tc.from, subject: "This week's picks",
				html: `<p>Our picks this week.</p><p><a href="` + tc.href + `">` + tc.shown + `</a></p>`}
			r := a.Analyze(context.Background(), tc.name, m.bytes(), nil)
			if got := r.has("link-mismatch"); got != tc.want {
				t.Errorf("link-mismatch %v, want %v; reasons:\n%s", got, tc.want, dumpReasons(r))
			}
		})
	}
}
