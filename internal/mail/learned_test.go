package mail

import (
	"context"
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
	a := testAnalyzer(t, Options{Model: defaultModel(t)})
	m := tmsg{from: "Mail Administrator <admin@mailbox-quota-center.com>", subject: "Your mailbox is almost full",
		html: `<p>Dear user,</p><p>Your mailbox has exceeded its storage limit. You will not be able to send or receive new messages until you verify your account.</p><p><a href="https://mailbox-quota-center.com/verify">Verify now</a></p><p>Failure to verify within 24 hours will result in account suspension.</p>`}
	r := a.Analyze(context.Background(), "quota", m.bytes(), nil)
	if r.ModelP < ModelSomeP {
		t.Fatalf("model P %.3f for a mailbox-quota lure, want >= %.2f", r.ModelP, ModelSomeP)
	}
	var text string
	for _, x := range r.Reasons {
		if x.Check == "content-model" {
			text = x.Text
		}
	}
	if !strings.Contains(text, "what weighed most: “") || !strings.HasSuffix(text, ".") {
		t.Errorf("model reason %q does not name what weighed", text)
	}
	if rank(r.Verdict) < rank(Phishing) {
		t.Errorf("verdict %s, want phishing;\n%s", r.Verdict, dumpReasons(r))
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
