package mail

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/mail/model"
)

func defaultModel(t testing.TB) *model.Model {
	t.Helper()
	m, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const listFooter = "\r\n_______________________________________________\r\nUSRP-users mailing list\r\nUSRP-users@lists.example.com\r\nhttp://lists.example.com/mailman/listinfo/usrp-users\r\n"

// TestModelIgnoresListArtefacts: the legitimate training mail came from
// mailing lists; the model must judge what a message says, not whether it
// carries List-* headers, a list footer, a quoted thread or a date.
func TestModelIgnoresListArtefacts(t *testing.T) {
	a := testAnalyzer(t, Options{Model: defaultModel(t)})
	base := tmsg{from: "Paul Girard <paul.girard@example.org>", subject: "Re: leaflets for the market",
		text: "Hi all,\r\nI printed the new leaflets; we can hand them out on Saturday at the market. Who can take the morning shift?\r\nPaul"}
	with := base
	with.headers = []string{"List-Id: <volunteers.lists.example.org>", "List-Unsubscribe: <mailto:volunteers-leave@lists.example.org>", "List-Post: <mailto:volunteers@lists.example.org>", "Precedence: list"}
	with.text += listFooter + "\r\n> On Tuesday, Anne wrote:\r\n> shall we print more?\r\n"
	r1 := a.Analyze(context.Background(), "bare", base.bytes(), nil)
	r2 := a.Analyze(context.Background(), "list", with.bytes(), nil)
	if d := r1.ModelP - r2.ModelP; d > 0.01 || d < -0.01 {
		t.Errorf("model P %.3f without list headers/footer/quote, %.3f with them", r1.ModelP, r2.ModelP)
	}
	if r1.Verdict != Clean {
		t.Errorf("volunteers' note: %s;\n%s", r1.Verdict, dumpReasons(r1))
	}
}

// TestModelReasonReadsAsSentence: the model's reason names the words and
// traits that weighed most, for people.
func TestModelReasonReadsAsSentence(t *testing.T) {
	r := (&Result{}).WithModel(model.Scored{P: 0.999, Top: []model.Contribution{{Feature: "w:verify", Weight: 2}, {Feature: "s:suspended", Weight: 1.5}, {Feature: "d:tal", Weight: 1.2}, {Feature: "t:links-foreign", Weight: 1}}}, "")
	if len(r.Reasons) != 1 || r.Reasons[0].Check != "content-model" || r.Reasons[0].Strong {
		t.Fatalf("reasons %+v", r.Reasons)
	}
	want := "what weighed most: “verify”, “suspended” in the subject, links that all lead away from the sender's domain, the look of its link domains."
	if !strings.HasSuffix(r.Reasons[0].Text, want) {
		t.Errorf("reason %q does not end with %q", r.Reasons[0].Text, want)
	}
	if r.Verdict != Suspicious {
		t.Errorf("the model alone gave %s, want at most suspicious", r.Verdict)
	}
	// as deployed: the model ran beside the rules
	a := testAnalyzer(t, Options{Model: defaultModel(t)})
	m := tmsg{from: "Caixa <avisos@caixa-atendimento-online.com>", subject: "Sua conta será bloqueada",
		html: `<p>Prezado cliente,</p><p>Identificamos uma atividade suspeita na sua conta. Para evitar o bloqueio, atualize seus dados de acesso imediatamente.</p><p><a href="https://caixa-atendimento-online.com/acesso">Acessar minha conta</a></p>`}
	res := a.Analyze(context.Background(), "lure", m.bytes(), nil)
	if res.ModelP <= 0 || rank(res.Verdict) < rank(Phishing) {
		t.Errorf("model P %.3f, verdict %s for a bank lure;\n%s", res.ModelP, res.Verdict, dumpReasons(res))
	}
}

func TestLearnAndResolve(t *testing.T) {
	dir := t.TempDir()
	ham := filepath.Join(dir, "ham.eml")
	msg := tmsg{from: "Trésorerie <tresorerie@example.org>", subject: "Virement des dons du mois",
		text: "Bonjour, le virement des dons du mois est parti ce matin ; merci de vérifier le relevé bancaire et de confirmer la réception."}
	writeFile(t, ham, msg.bytes())
	a := testAnalyzer(t, Options{})
	m := defaultModel(t)
	_, feats := a.ModelFeatures("ham", msg.bytes())
	before := m.Score(feats).P
	st, err := a.Learn(context.Background(), m, []string{ham, ham, ham}, nil, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Ham != 3 || st.Phish != 0 {
		t.Errorf("learned %+v", st)
	}
	if after := m.Score(feats).P; after >= before {
		t.Errorf("after learning it as legitimate, P went from %.3f to %.3f", before, after)
	}
	if _, err := a.Learn(context.Background(), m, []string{filepath.Join(dir, "none")}, nil, ReadOptions{}); err == nil {
		t.Error("learning from a missing directory did not fail")
	}
	if err := m.Save(filepath.Join(dir, ModelFile)); err != nil {
		t.Fatal(err)
	}
	if _, from, err := ResolveModel("", dir); err != nil || from != filepath.Join(dir, ModelFile) {
		t.Errorf("ResolveModel from the state dir: %q, %v", from, err)
	}
	if _, from, err := ResolveModel("", t.TempDir()); err != nil || from != "built-in" {
		t.Errorf("ResolveModel without a file: %q, %v", from, err)
	}
	if _, _, err := ResolveModel(filepath.Join(dir, "nope.bin"), ""); err == nil {
		t.Error("a missing --model file did not fail")
	}
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLearnTransactional: the built-in model never saw today's
// transactional mail and reads it like phishing; learning a few of the
// party's own such messages teaches it that they are honest, and the
// lesson carries to a message it did not learn.
func TestLearnTransactional(t *testing.T) {
	dir := t.TempDir()
	learn := []tmsg{
		{from: "GitHub <noreply@github.com>", subject: "Please verify your email address", html: `<p>Almost done! To complete your GitHub sign up, please verify your email address by clicking the button below.</p><a href="https://github.com/users/confirm?token=abc">Verify email address</a><p>Once verified, you can start using all of GitHub's features.</p>`},
		{from: "Slack <feedback@slack.com>", subject: "Please confirm your email address", html: `<p>Confirm your email address to get started on Slack. Click the button below to activate your account.</p><a href="https://slack.com/confirm/abc">Confirm email address</a><p>If you did not request this email, you can safely ignore it.</p>`},
		{from: "Eventbrite <noreply@eventbrite.com>", subject: "Please activate your Eventbrite account", html: `<p>Welcome to Eventbrite! Please click the link below to activate your account and verify your email.</p><a href="https://www.eventbrite.com/activate?c=abc">Activate account</a>`},
		{from: "Notion <notify@mail.notion.so>", subject: "Please confirm your email", html: `<p>Thanks for signing up. Please click the button below to confirm your email and activate your account.</p><a href="https://www.notion.so/confirm?t=abc">Confirm email</a>`},
	}
	var paths []string
	for i, m := range learn {
		p := filepath.Join(dir, fmt.Sprintf("%d.eml", i))
		writeFile(t, p, m.bytes())
		paths = append(paths, p)
	}
	zoom := tmsg{from: "Zoom <no-reply@zoom.us>", subject: "Please activate your Zoom account", html: `<p>Welcome to Zoom! To activate your account please click the button below to verify your email address.</p><a href="https://zoom.us/activate?code=abc">Activate Account</a>`}
	m := defaultModel(t)
	a := testAnalyzer(t, Options{Model: m})
	before := a.Analyze(context.Background(), "zoom", zoom.bytes(), nil)
	if _, err := a.Learn(context.Background(), m, paths, nil, ReadOptions{}); err != nil {
		t.Fatal(err)
	}
	after := a.Analyze(context.Background(), "zoom", zoom.bytes(), nil)
	if after.ModelP >= before.ModelP || after.Verdict != Clean {
		t.Errorf("Zoom activation: P %.3f → %.3f, verdict %s → %s;\n%s", before.ModelP, after.ModelP, before.Verdict, after.Verdict, dumpReasons(after))
	}
}
