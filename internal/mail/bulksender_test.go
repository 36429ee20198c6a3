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
	const (
		shopPass   = "Authentication-Results: mx.en-marche.fr; dkim=pass header.d=shopweekly.com"
		linboxPass = "Authentication-Results: mx.en-marche.fr; dkim=pass header.d=linbox.com"
	)
	tests := []struct {
		name, from, href, shown string
		want                    bool
		header                  string
	}{
		{"newsletter click counter", "Shop Weekly <deals@newsletter.shopweekly.com>",
			"http://clickthru.shopweekly.com/Click?q=ed-jLlvQgVqRkhD", "www.outdoorgear.com", false, shopPass},
		{"the sender's own page", "Linbox News <news@linbox.com>",
			"http://www.linbox.com/partners/outdoorgear", "OutdoorGear.com", false, linboxPass},
		{"the sender's own domain, unauthenticated (a phisher's own domain showing another site)", "Shop Weekly <deals@newsletter.shopweekly.com>",
			"http://clickthru.shopweekly.com/Click?q=ed-jLlvQgVqRkhD", "www.outdoorgear.com", true, ""},
		{"to a third party", "Shop Weekly <deals@newsletter.shopweekly.com>",
			"http://login-check.example.net/Click?q=ed-jLlvQgVqRkhD", "www.outdoorgear.com", true, shopPass},
		{"a brand's address to the sender's domain", "Security <alert@acct-review.com>",
			"http://acct-review.com/signin", "www.paypal.com", true, ""},
		{"a webmail sender's provider domain", "Shop Weekly <shopweekly@gmail.com>",
			"http://gmail.com/x?q=1", "www.outdoorgear.com", true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := tmsg{from: tc.from, subject: "This week's picks",
				html: `<p>Our picks this week.</p><p><a href="` + tc.href + `">` + tc.shown + `</a></p>`}
			if tc.header != "" {
				m.headers = []string{tc.header}
			}
			r := a.Analyze(context.Background(), tc.name, m.bytes(), nil)
			if got := r.has("link-mismatch"); got != tc.want {
				t.Errorf("link-mismatch %v, want %v; reasons:\n%s", got, tc.want, dumpReasons(r))
			}
		})
	}
}

// TestIdentifiedBulkSender: a mailing is taken as its sender's own only
// when the From organisation signs it, offers one-click unsubscribe on its
// own domain and links only to itself (and well-known sites); each missing
// piece, a webmail sender or a failed signature undoes it.
func TestIdentifiedBulkSender(t *testing.T) {
	const (
		from   = "Northwind Outfitters <news@email.northwind-outfitters.com>"
		sig    = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n d=northwind-outfitters.com; s=s1; h=from:to:subject; bh=AA==; b=AA=="
		unsub  = "List-Unsubscribe: <mailto:u@northwind-outfitters.com>, <https://email.northwind-outfitters.com/unsub?u=8f3a>"
		post   = "List-Unsubscribe-Post: List-Unsubscribe=One-Click"
		shop   = `<p>30% off everything for 48 hours. <a href="https://click.email.northwind-outfitters.com/?qs=a1">Shop now</a></p>`
		social = `<p><a href="https://www.facebook.com/northwind">Facebook</a></p>`
	)
	tests := []struct {
		name    string
		from    string
		headers []string
		html    string
		want    bool
	}{
		{"a d= tag alone, nothing verified (offline: the sender's word)", from, []string{sig, unsub, post}, shop + social, false},
		{"signed and verified, one-click unsubscribe, own links", from, []string{sig, unsub, post,
			"Authentication-Results: mx.en-marche.fr; dkim=pass header.d=northwind-outfitters.com"}, shop + social, true},
		{"no signature", from, []string{unsub, post}, shop, false},
		{"signed by its mailing provider only", from, []string{"DKIM-Signature: v=1; d=sendgrid.net; s=s1; b=AA==", unsub, post}, shop, false},
		{"unsubscribe without one-click", from, []string{sig, unsub}, shop, false},
		{"one-click unsubscribe elsewhere", from, []string{sig, "List-Unsubscribe: <https://unsub.example.net/x>", post}, shop, false},
		{"a link to an unrelated site", from, []string{sig, unsub, post}, shop + `<p><a href="https://account-check.example.net/login">Sign in</a></p>`, false},
		{"no link to itself", from, []string{sig, unsub, post}, `<p>30% off everything.</p>`, false},
		{"a webmail sender", "Northwind <northwind.outfitters@gmail.com>",
			[]string{"DKIM-Signature: v=1; d=gmail.com; s=s1; b=AA==", "List-Unsubscribe: <https://mail.gmail.com/unsub>", post}, `<p><a href="https://mail.gmail.com/x">x</a></p>`, false},
		{"its signature failed verification", from, []string{sig, unsub, post,
			"Authentication-Results: mx.en-marche.fr; dkim=fail header.d=northwind-outfitters.com"}, shop, false},
		{"its signature verified", from, []string{sig, unsub, post,
			"Authentication-Results: mx.en-marche.fr; dkim=pass header.d=northwind-outfitters.com"}, shop, true},
	}
	a := testAnalyzer(t, Options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := tmsg{from: tc.from, subject: "48 hours only", headers: tc.headers, html: tc.html}
			var got bool
			a.analyze(context.Background(), tc.name, m.bytes(), nil, func(x *msg) { got = a.identifiedBulkSender(x) })
			if got != tc.want {
				t.Errorf("identified bulk sender %v, want %v", got, tc.want)
			}
		})
	}
}

// TestBulkSenderModelWeight: the built-in model, which never saw
// legitimate marketing mail, adds at most 1.5 points to a shop's signed
// newsletter with one-click unsubscribe; the same offer from a sender that
// does not identify itself is weighed in full.
func TestBulkSenderModelWeight(t *testing.T) {
	a := testAnalyzer(t, Options{Model: defaultModel(t)})
	html := `<img src="https://img.email.northwind-outfitters.com/logo.png"><h1>Our biggest sale of the season</h1>` +
		`<p>Hi Jane, for 48 hours only take 30% off everything, plus free shipping on every order. Limited time offer - don't miss out!</p>` +
		`<p><a href="https://click.email.northwind-outfitters.com/?qs=a1b2c3">SHOP NOW</a></p>` +
		`<p><a href="https://click.email.northwind-outfitters.com/?qs=d4e5">Sign in to your account</a> to see your rewards points balance. Your points expire on December 31.</p>` +
		`<p>Follow us: <a href="https://www.instagram.com/northwind">Instagram</a> <a href="https://www.facebook.com/northwind">Facebook</a></p>` +
		`<p>You received this email because you signed up at northwind-outfitters.com. <a href="https://email.northwind-outfitters.com/unsub?u=8f3a">Unsubscribe</a> | ` +
		`<a href="https://www.northwind-outfitters.com/privacy">Privacy</a><br>Northwind Outfitters, 12 Harbour St, Portland, OR</p>`
	m := tmsg{from: "Northwind Outfitters <news@email.northwind-outfitters.com>", subject: "48 hours only: 30% off everything", html: html,
		headers: []string{"Authentication-Results: mx.en-marche.fr; dkim=pass header.d=northwind-outfitters.com",
			"DKIM-Signature: v=1; a=rsa-sha256; d=northwind-outfitters.com; s=s1; b=AA==",
			"List-Unsubscribe: <https://email.northwind-outfitters.com/unsub?u=8f3a>", "List-Unsubscribe-Post: List-Unsubscribe=One-Click"}}
	r := a.Analyze(context.Background(), "newsletter", m.bytes(), nil)
	for _, x := range r.Reasons {
		if x.Check == "content-model" && x.Score > 1.5 {
			t.Errorf("content-model adds %.1f to an identified bulk sender; reasons:\n%s", x.Score, dumpReasons(r))
		}
	}
	if rank(r.Verdict) > rank(Suspicious) {
		t.Errorf("verdict %s, want at most suspicious; reasons:\n%s", r.Verdict, dumpReasons(r))
	}
	// the same mail without its signature: the model weighs in full
	m.headers = m.headers[2:]
	r = a.Analyze(context.Background(), "unsigned", m.bytes(), nil)
	if r.ModelP < ModelStrongP {
		t.Fatalf("unsigned: the model gives p=%.3f, below %.3f: this test no longer shows the full weight", r.ModelP, ModelStrongP)
	}
	if !hasScore(r, "content-model", 3) {
		t.Errorf("unsigned: the model (p=%.3f) is not weighed in full; reasons:\n%s", r.ModelP, dumpReasons(r))
	}
}

func hasScore(r *Result, check string, score float64) bool {
	for _, x := range r.Reasons {
		if x.Check == check && x.Score == score {
			return true
		}
	}
	return false
}

// TestOfferWithHelpDeskReplyTo: an offer whose replies go to another
// ordinary domain (a help desk) is how shops write, when the shop is
// proven to be the sender (DMARC pass, or its own DKIM signature
// verified); the same offer from an unproven sender (anyone can write a
// shop's From), with replies to a webmail account, or heavier lure wording
// beside the help desk, is still a lure from a sender that hides.
func TestOfferWithHelpDeskReplyTo(t *testing.T) {
	a := testAnalyzer(t, Options{})
	const (
		offer    = "Spring sale: a limited time offer on seeds and bulbs. Visit our shop for the new catalogue."
		helpDesk = "Garden Club <help@gardenhelpdesk.com>"
		dkimPass = "Authentication-Results: mx.en-marche.fr; spf=pass smtp.mailfrom=gardenclub-news.com; dkim=pass header.d=gardenclub-news.com"
		dmarcOK  = "Authentication-Results: mx.en-marche.fr; spf=pass smtp.mailfrom=gardenclub-news.com; dkim=none; dmarc=pass header.from=gardenclub-news.com"
	)
	tests := []struct {
		name, replyTo, text, auth string
		want                      bool
	}{
		{"one offer, replies to a help desk, the shop's DKIM verified", helpDesk, offer, dkimPass, false},
		{"one offer, replies to a help desk, DMARC pass", helpDesk, offer, dmarcOK, false},
		{"one offer, replies to a help desk, nothing verified (a spoofed shop)", helpDesk, offer, "", true},
		{"one offer, replies to a help desk, DKIM and DMARC failed", helpDesk, offer,
			"Authentication-Results: mx.en-marche.fr; spf=fail smtp.mailfrom=gardenclub-news.com; dkim=fail header.d=gardenclub-news.com; dmarc=fail header.from=gardenclub-news.com", true},
		{"one offer, replies to a help desk, signed only by another organisation", helpDesk, offer,
			"Authentication-Results: mx.en-marche.fr; dkim=pass header.d=bulkmailer.example", true},
		{"one offer, replies to a help desk, a DKIM pass claimed by a server not trusted", helpDesk, offer,
			"Authentication-Results: mx.attacker.example; dkim=pass header.d=gardenclub-news.com; dmarc=pass header.from=gardenclub-news.com", true},
		{"one offer, replies to a webmail account", "Garden Club <gardenclub.sales@gmail.com>", offer, dkimPass, true},
		{"heavier lure, replies to a help desk", helpDesk,
			offer + " Congratulations, you have won the lottery: claim your prize money now.", dkimPass, true},
		{"pills, replies to a help desk", helpDesk,
			"Our new formula: viagra and cialis at half price, shipped discreetly.", dkimPass, true},
		{"money fraud, replies to a help desk", helpDesk,
			"You were named as beneficiary of the estate; kindly get back to us.", dkimPass, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := tmsg{from: "Garden Club <news@gardenclub-news.com>", replyTo: tc.replyTo, subject: "Spring sale", text: tc.text}
			if tc.auth != "" {
				m.headers = []string{tc.auth}
			}
			r := a.Analyze(context.Background(), tc.name, m.bytes(), nil)
			if got := r.has("lure-from-anonymous-sender"); got != tc.want {
				t.Errorf("lure-from-anonymous-sender %v, want %v; reasons:\n%s", got, tc.want, dumpReasons(r))
			}
		})
	}
}

// TestShopOfferFamilies pins the families of spamWords that
// shopOfferFromBusiness lets pass: a reordering of the list must not let
// pills or dating through.
func TestShopOfferFamilies(t *testing.T) {
	tests := []struct {
		text string
		shop bool
	}{
		{"a limited time offer on seeds", true},
		{"save up to 40 percent on car insurance", true},
		{"viagra at half price", false},
		{"lonely women near you want to meet", false},
		{"free spins at our casino", false},
	}
	for _, tc := range tests {
		f, _ := spamWords.match(tokenize(tc.text, 50))
		if f == 0 || (f&^shopOfferFamilies == 0) != tc.shop {
			t.Errorf("%q: families %b, shop offer %v, want %v", tc.text, f, f&^shopOfferFamilies == 0, tc.shop)
		}
	}
}
