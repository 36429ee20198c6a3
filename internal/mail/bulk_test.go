package mail

import (
	"context"
	"testing"
)

// TestBulkChecks checks each weak signal of bulk scams on a message
// written for it, and that a legitimate counterpart does not fire it.
func TestBulkChecks(t *testing.T) {
	runCheckCases(t, []checkCase{
		{name: "random sender address",
			msg:   tmsg{from: "Member Benefits <VaauWgVZ@love.example-deals.com>", subject: "Your winter kit", text: "Your kit is waiting."},
			check: "sender-random", fires: true},
		{name: "random part after a word",
			msg:   tmsg{from: "Offers <renew_AHRKqwPiCXF@shop.example.com>", subject: "Offer", text: "Hello."},
			check: "sender-random", fires: true},
		{name: "legitimate: CamelCase and person addresses",
			msg:   tmsg{from: "Newsletter <NewsLetter@example.org>", subject: "Issue 12", text: "Hello."},
			check: "sender-random"},
		{name: "legitimate: a bounce address of mailing software (VERP)",
			msg:   tmsg{from: "News <Online#3.19856.0b-7D35gjBImbOc.1@newsletter.example.com>", subject: "Issue 12", text: "Hello."},
			check: "sender-random"},
		{name: "undisclosed recipients",
			msg:   tmsg{from: "Jonas White <jonas@example.com>", to: "undisclosed-recipients:;", subject: "Joint venture", text: "Hello."},
			check: "undisclosed-recipients", fires: true},
		{name: "empty group as recipients",
			msg:   tmsg{from: "Jonas White <jonas@example.com>", to: "Friends:;", subject: "Hello", text: "Hello."},
			check: "undisclosed-recipients", fires: true},
		{name: "legitimate: a named recipient",
			msg:   tmsg{from: "Jonas White <jonas@example.com>", to: "Ann <ann@example.org>", subject: "Lunch", text: "Hello."},
			check: "undisclosed-recipients"},
		{name: "display name shows a brand's site",
			msg:   tmsg{from: "Booking.com <renew@staroflife-produkte.de>", subject: "Your stay", text: "Hello."},
			check: "sender-name-domain", fires: true},
		{name: "legitimate: the brand's own domain",
			msg:   tmsg{from: "Booking.com <noreply@mailer.booking.com>", subject: "Your stay", text: "Hello."},
			check: "sender-name-domain"},
		{name: "legitimate: a company's own other domain",
			msg:   tmsg{from: "Example News.com Daily <news@newsletter.example-online.com>", subject: "Today", text: "Hello."},
			check: "sender-name-domain"},
		{name: "link with a web address before @",
			msg:   tmsg{from: "Support <support@example.net>", subject: "Notice", html: `<p><a href="https://www.paypal.com@203-evil.example.top/login">Open</a></p>`},
			check: "link-obfuscated", fires: true},
		{name: "link with a %-escaped host",
			msg:   tmsg{from: "Support <support@example.net>", subject: "Notice", html: `<p><a href="http://w%77%77%2Eevil%2Eexample/x">Open</a></p>`},
			check: "link-obfuscated", fires: true},
		{name: "link to a host with a long random label",
			msg:   tmsg{from: "Support <support@example.net>", subject: "Notice", html: `<p><a href="https://k3j4h5g6f7d8s9a0q1w2e3r4t5y6u7i8o9.example.com/x">Open</a></p>`},
			check: "link-obfuscated", fires: true},
		{name: "legitimate: an ordinary link",
			msg:   tmsg{from: "Support <support@example.net>", subject: "Notice", html: `<p><a href="https://www.example.net/notice?id=123&amp;ref=https://www.example.org/">Open</a></p>`},
			check: "link-obfuscated"},
		{name: "money talk from webmail under a title",
			msg:   tmsg{from: "\"Mr. Raymond Leo\" <kate102benjamin@gmail.com>", subject: "Inheritance", text: "Dear friend, I am Mr Raymond, the lawyer of your late relative. The inheritance of 10,500,000.00 USD awaits its beneficiary; reply for the fund transfer."},
			check: "freemail-money", fires: true},
		{name: "legitimate: a person from webmail about money once",
			msg:   tmsg{from: "Ann Lee <ann.lee@gmail.com>", subject: "Dinner", text: "Kindly send me the restaurant's address."},
			check: "freemail-money"},
		{name: "offer button to an unrelated site",
			msg:   tmsg{from: "Deals <deals@shop-example.com>", subject: "Your points", html: `<p>Your points expire today.</p><p><a href="https://redeem-points.example.top/r">Claim your reward now</a></p>`},
			check: "call-to-action", fires: true},
		{name: "Portuguese offer button",
			msg:   tmsg{from: "Pontos <sac@ofertas-example.com>", subject: "Seus pontos", html: `<p>Seus pontos expiram hoje.</p><p><a href="https://resgate.example.top/r">Quero resgatar meus pontos</a></p>`},
			check: "call-to-action", fires: true},
		{name: "legitimate: button to the sender's own site",
			msg:   tmsg{from: "Deals <deals@shop-example.com>", subject: "Your points", html: `<p>Your points.</p><p><a href="https://www.shop-example.com/points">Claim your reward</a></p>`},
			check: "call-to-action"},
		{name: "legitimate: a plain click here",
			msg:   tmsg{from: "Club <news@club-example.org>", subject: "Photos", html: `<p>Photos of the day: <a href="https://photos.example.com/album">click here</a></p>`},
			check: "call-to-action"},
		{name: "bounces to another organisation with money talk",
			msg: tmsg{from: "Rewards <rewards@points-example.com>", subject: "Congratulations, claim your prize", text: "Congratulations! You have won the lottery jackpot: claim your prize money now, free gift included.",
				headers: []string{"Return-Path: <bounce@bulk-sender.example.net>"}},
			check: "return-path-mismatch", fires: true},
		{name: "legitimate: bounces to another organisation, ordinary text",
			msg: tmsg{from: "Club <news@club-example.org>", subject: "Meeting", text: "The meeting is on Tuesday.",
				headers: []string{"Return-Path: <bounce@mailer.example.net>"}},
			check: "return-path-mismatch"},
		{name: "invisible characters in the sender name",
			msg:   tmsg{from: "\"M\U000E0139\U000E0139i\U000E0139cro\U000E0139soft\" <xt@example-engineers.com>", subject: "Renewal", text: "Hello."},
			check: "obfuscated-text", fires: true},
		{name: "decorative letters in the sender address",
			msg:   tmsg{from: "Bonus <𝗿𝗲𝗽𝗹𝘆@example.com>", subject: "Bonus", text: "Hello."},
			check: "obfuscated-text", fires: true},
		{name: "From with two mailboxes, the first shown as the sender",
			msg:   tmsg{from: "\"Offers@amazon.de\", <service@friends-example.de>", subject: "Gewinnspiel", text: "Hallo."},
			check: "malformed-from", fires: true},
		{name: "legitimate: two authors with a Sender field",
			msg:   tmsg{from: "Ann Lee <ann@example.org>, Bob Ray <bob@example.net>", subject: "Our paper", text: "Hello.", headers: []string{"Sender: Ann Lee <ann@example.org>"}},
			check: "malformed-from"},
		{name: "a bulk-phished bank's name from another domain",
			msg:   tmsg{from: "Bradesco Prime <noreply@pontos-example.top>", subject: "Seus pontos", text: "Olá."},
			check: "impersonation", fires: true},
		{name: "legitimate: the bank from its own domain",
			msg:   tmsg{from: "Bradesco <noreply@bradesco.com.br>", subject: "Seu extrato", text: "Olá."},
			check: "impersonation"},
		{name: "legitimate: emoji joiners in a subject",
			msg:   tmsg{from: "Club <news@club-example.org>", subject: "Family day 👨\u200d👩\u200d👧 ❤\ufe0f", text: "Hello."},
			check: "obfuscated-text"},
	})
}

// checkCase is a message written for one check: whether the check must
// fire on it.
type checkCase struct {
	name  string
	msg   tmsg
	check string
	fires bool
}

func runCheckCases(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			r := testAnalyzer(t, Options{}).Analyze(context.Background(), "test.eml", tt.msg.bytes(), nil)
			if r.has(tt.check) != tt.fires {
				t.Errorf("check %s fired = %v, want %v; reasons:\n%s", tt.check, r.has(tt.check), tt.fires, dumpReasons(r))
			}
		})
	}
}

// TestBulkScamVerdicts checks that the weak signals add up on whole bulk
// scams with no brand, look-alike or credential page, and that ordinary
// legitimate mail stays clean.
func TestBulkScamVerdicts(t *testing.T) {
	tests := []struct {
		name string
		msg  tmsg
		want Verdict
	}{
		{name: "Brazilian points lure",
			msg: tmsg{from: "Pontos Livres <sac9283940324recompensa@ubuntu-mail.example.top>", to: "undisclosed-recipients:;", subject: "Seus pontos expiram hoje",
				html:    `<p>Parabéns! Seus pontos expiram hoje. Resgate agora seu prêmio grátis.</p><p><a href="https://resgate-premio.example.top/r">Quero resgatar meus pontos</a></p>`,
				headers: []string{"Return-Path: <bounce@mass-sender.example.net>"}},
			want: Phishing},
		{name: "casino bonus from a random address",
			msg: tmsg{from: "Lucky Wins <QKkCpXCMd@power.example-slots.com>", subject: "Willkommensbonus 4.500 €", to: "undisclosed-recipients:;",
				html: `<p>Herzlichen Glückwunsch! Ihr Willkommensbonus und 350 Freispiele warten.</p><p><a href="https://casino.example.top/join">Jetzt Freispiele sichern</a></p>`},
			want: Phishing},
		{name: "legitimate: a club newsletter",
			msg: tmsg{from: "Club <news@club-example.org>", subject: "Next meeting", headers: []string{"List-Unsubscribe: <https://club-example.org/u>"},
				html: `<p>The next meeting is on Tuesday at the town hall.</p><p><a href="https://club-example.org/agenda">Agenda</a> · <a href="https://club-example.org/u">Unsubscribe</a></p>`},
			want: Clean},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := testAnalyzer(t, Options{})
			r := a.Analyze(context.Background(), "test.eml", tt.msg.bytes(), nil)
			if tt.want == Clean && r.Verdict != Clean || rank(r.Verdict) < rank(tt.want) {
				t.Errorf("verdict %s (score %.1f), want %s; reasons:\n%s", r.Verdict, r.Score, tt.want, dumpReasons(r))
			}
		})
	}
}

func TestRandomLocal(t *testing.T) {
	for local, want := range map[string]bool{
		"VaauWgVZ": true, "QKkCpXCMd": true, "Aq9j3": true, "renewb8qkB": true, "info.HQp1v": true,
		"john.smith": false, "JohnSmith": false, "DoNotReply": false, "NewsLetter": false, "noreply": false,
		"a.b.c.dEfGhI": false, "JohnDoeUK": false, "HelloWorld": false, "x": false, "renew_AHRKqwPiCXF": true,
		"Qsfxjtwk": true, "info.FXNQXC": true, "rhythms": false, "crm": false, "jschmidt": false,
	} {
		if got := randomLocal(local) != ""; got != want {
			t.Errorf("randomLocal(%q) = %v, want %v", local, got, want)
		}
	}
}
