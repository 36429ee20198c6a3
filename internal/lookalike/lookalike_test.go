package lookalike

import "testing"

func testDetector(t *testing.T) *Detector {
	t.Helper()
	owners := append([]Owner{{Name: "the party", Domains: []string{"en-marche.fr"}, TLDSwap: true}}, Providers...)
	d, err := New(owners)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCheck(t *testing.T) {
	d := testDetector(t)
	tests := []struct {
		host, tech, protected string
	}{
		// the 2016–2017 cases
		{"onedrive-en-marche.fr", "hyphen", "en-marche.fr"},
		{"mail-en-march.fr", "hyphen", "en-marche.fr"},
		{"accounts-office.fr", "hyphen", "office.com"},
		{"accounts-google.com", "hyphen", "google.com"},
		{"google.com.evil.tk", "subdomain", "google.com"},
		{"myaccount.google.com-securitysettingpage.tk", "subdomain", "google.com"},
		{"en-marche.com", "tld-swap", "en-marche.fr"},
		{"g00gle.com", "homoglyph", "google.com"},
		{"rnicrosoft.com", "homoglyph", "microsoft.com"},
		{"xn--ggle-55da.com", "punycode", "google.com"}, // gооgle with Cyrillic о
		{"gооgle.com", "punycode", "google.com"},
		{"micosoft.com", "omission", "microsoft.com"},
		{"googlesecurity-alert.com", "combo", "google.com"},
		{"paypal.secure-login.com", "subdomain", "paypal.com"},
		{"yahoo.com.evil.tk", "subdomain", "yahoo.com"},
		// a free suffix anyone registers under is not a country domain
		// of the brand
		{"login.outlook.fr.eu.org", "subdomain", "outlook.fr"},
	}
	for _, tt := range tests {
		m, ok := d.Check(tt.host)
		if !ok || m.Technique != tt.tech || m.Protected != tt.protected {
			t.Errorf("%s: got %+v %v, want %s of %s", tt.host, m, ok, tt.tech, tt.protected)
		}
		if ok && m.Detail == "" {
			t.Errorf("%s: no detail", tt.host)
		}
	}
	// A brand's own country domains are a TLD swap (not flagged for a
	// provider, whose country domains are its own), never the protected
	// domain in front of another one.
	for _, h := range []string{"digital.yahoo.com.au", "news.yahoo.co.jp", "www.google.com.br"} {
		if m, ok := d.Check(h); ok {
			t.Errorf("%s, the brand's own country domain, is a look-alike: %+v", h, m)
		}
	}
}

func TestCheckLegitimate(t *testing.T) {
	d := testDetector(t)
	for _, h := range []string{
		"google.com", "accounts.google.com", "mail.google.com", "en-marche.fr", "www.en-marche.fr",
		"office-depot.com", "livechat.com", "example.org", "github.com", "lists.debian.org", "mailchimp.com",
		"list-manage.com", "sendgrid.net", "officemax.com", "golang.org", "marche.fr", "192.0.2.1", "kernel.org",
		"applebees.com", "orangecounty.gov", "post.ch", "microsoftonline.com", "login.microsoftonline.com",
		"googleblog.com.example.org.invalid", "paypal.me", "huaweicloud.com", "yahoo.com.au", "google.co.jp", "icloudmail.example.org", "googlecode-archive.example.org",
	} {
		if m, ok := d.Check(h); ok && h != "googleblog.com.example.org.invalid" {
			t.Errorf("%s: false look-alike %+v", h, m)
		}
	}
}

func TestSkeletonAndDistance(t *testing.T) {
	if skeleton("rnicrosoft") != skeleton("microsoft") || skeleton("G00GLE") != skeleton("google") || skeleton("раураl") != skeleton("paypal") {
		t.Error("skeleton")
	}
	for _, c := range []struct {
		a, b string
		d    int
	}{{"google", "google", 0}, {"gogle", "google", 1}, {"goolge", "google", 1}, {"abc", "xyz", 2}} {
		if got := distance(c.a, c.b, 1); got != c.d {
			t.Errorf("distance(%s,%s)=%d want %d", c.a, c.b, got, c.d)
		}
	}
}

// TestBulkPhishedBrands checks the brands added for bulk lures: their own
// domains are theirs, imitations are caught, and short or ordinary names
// ("caixa", "dpd", "lidl") do not turn neighbouring real domains into
// look-alikes.
func TestBulkPhishedBrands(t *testing.T) {
	d := testDetector(t)
	for host, owner := range map[string]string{
		"www.bradesco.com.br": "Bradesco", "email.booking.com": "Booking.com", "caixa.gov.br": "Caixa",
		"news.spotify.com": "Spotify", "telekom.de": "Deutsche Telekom", "lidl.de": "Lidl",
	} {
		if o, ok := d.Owned(host); !ok || o != owner {
			t.Errorf("Owned(%s) = %q %v, want %s", host, o, ok, owner)
		}
	}
	for _, h := range []string{"bradesc0.com.br", "spotlfy.com", "santander-secure-login.com"} {
		if _, ok := d.Check(h); !ok {
			t.Errorf("%s: look-alike not caught", h)
		}
	}
	for _, h := range []string{"dpa.com", "caixas.com.br", "lid.de", "temu-fan.example.org", "bbc.co.uk", "sgs.com", "idealo.de"} {
		if m, ok := d.Check(h); ok {
			t.Errorf("%s: false look-alike %+v", h, m)
		}
	}
}
