package leakcase

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/vigie-project/vigie/internal/leak"
)

// keygen makes a key pair with the real ssh-keygen and returns the
// private key's path.
func keygen(t *testing.T, typ string) string {
	t.Helper()
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("ssh-keygen is absent (OpenSSH client)")
	}
	key := filepath.Join(t.TempDir(), "agency_"+typ)
	args := []string{"-q", "-t", typ, "-N", "", "-C", "agency", "-f", key}
	if typ == "rsa" {
		args = append(args, "-b", "2048")
	}
	if out, err := exec.Command("ssh-keygen", args...).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	return key
}

// sshVerify runs ssh-keygen -Y verify as the statement page tells the
// public to, and returns its output and whether it accepted.
func sshVerify(t *testing.T, pub ssh.PublicKey, page, sig []byte) (string, bool) {
	t.Helper()
	dir := t.TempDir()
	allowed := filepath.Join(dir, "allowed_signers")
	os.WriteFile(allowed, []byte(AllowedSigners("statement@agency.example", pub)+"\n"), 0o644)
	sigFile := filepath.Join(dir, "statement.html.sig")
	os.WriteFile(sigFile, sig, 0o644)
	cmd := exec.Command("ssh-keygen", "-Y", "verify", "-f", allowed, "-I", "statement@agency.example", "-n", Namespace, "-s", sigFile)
	cmd.Stdin = bytes.NewReader(page)
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

func sampleStatement() *Statement {
	return &Statement{Case: "LEAK-2026-1", Title: "The \"Macron leaks\" <test>", Agency: "Agency", Identity: "statement@agency.example",
		Published: time.Date(2026, 5, 6, 20, 0, 0, 0, time.UTC), Tool: "vigie test", Withheld: 1,
		Items: []Item{
			{Path: "dump/a.eml", Kind: leak.KindMail, MessageID: "a@party.example", From: "alice@party.example", Subject: "Budget <script>alert(1)</script>", Machine: leak.Authentic, Reasons: []string{"signature #1 (d=party.example s=s1) is valid"}},
			{Path: "dump/b.eml", Kind: leak.KindMail, MessageID: "b@party.example", Machine: leak.Unverifiable, Reasons: []string{"no signature"},
				Override: &Override{Verdict: leak.Forged, Why: "the sender never wrote it; the party's server logs show no such message", By: "user:ana", At: time.Date(2026, 5, 6, 19, 0, 0, 0, time.UTC)}},
		}}
}

// TestStatementSignedCheckedBySSHKeygen signs a statement with keys made
// by ssh-keygen and checks the signature with ssh-keygen -Y verify, as
// the page tells the public to; one changed byte makes it fail.
func TestStatementSignedCheckedBySSHKeygen(t *testing.T) {
	for _, typ := range []string{"ed25519", "rsa", "ecdsa"} {
		t.Run(typ, func(t *testing.T) {
			signer, err := LoadSigner(keygen(t, typ), nil)
			if err != nil {
				t.Fatal(err)
			}
			page, sig, err := Publish(sampleStatement(), signer)
			if err != nil {
				t.Fatal(err)
			}
			if out, ok := sshVerify(t, signer.PublicKey(), page, sig); !ok || !strings.Contains(out, `Good "vigie-statement" signature`) {
				t.Fatalf("ssh-keygen refused the statement's signature: %s", out)
			}
			if _, err := Verify(signer.PublicKey(), Namespace, page, sig); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			tampered := bytes.Replace(page, []byte("Forged"), []byte("Authentic"), 1)
			if out, ok := sshVerify(t, signer.PublicKey(), tampered, sig); ok {
				t.Fatalf("ssh-keygen accepted a changed page: %s", out)
			}
			if _, err := Verify(signer.PublicKey(), Namespace, tampered, sig); err == nil {
				t.Fatal("Verify accepted a changed page")
			}
		})
	}
}

// TestVerifySSHKeygenSignature checks a signature made by ssh-keygen -Y
// sign, and refuses it under another namespace or another key.
func TestVerifySSHKeygenSignature(t *testing.T) {
	key := keygen(t, "ed25519")
	msg := filepath.Join(t.TempDir(), "statement.html")
	os.WriteFile(msg, []byte("<p>hello</p>\n"), 0o644)
	if out, err := exec.Command("ssh-keygen", "-Y", "sign", "-f", key, "-n", Namespace, msg).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen -Y sign: %v %s", err, out)
	}
	sig, _ := os.ReadFile(msg + ".sig")
	signer, _ := LoadSigner(key, nil)
	if _, err := Verify(signer.PublicKey(), Namespace, []byte("<p>hello</p>\n"), sig); err != nil {
		t.Fatalf("Verify of ssh-keygen's signature: %v", err)
	}
	if _, err := Verify(signer.PublicKey(), "git", []byte("<p>hello</p>\n"), sig); err == nil || !strings.Contains(err.Error(), "namespace") {
		t.Fatalf("another namespace: %v", err)
	}
	other, _ := LoadSigner(keygen(t, "ed25519"), nil)
	if _, err := Verify(other.PublicKey(), Namespace, []byte("<p>hello</p>\n"), sig); err == nil || !strings.Contains(err.Error(), "not by") {
		t.Fatalf("another key: %v", err)
	}
}

// TestStatementPage checks what the public reads: counts, both languages,
// the analyst's revision next to the machine's verdict, values from the
// dump escaped, no script, and how to check the signature.
func TestStatementPage(t *testing.T) {
	signer, err := LoadSigner(keygen(t, "ed25519"), nil)
	if err != nil {
		t.Fatal(err)
	}
	page, _, err := Publish(sampleStatement(), signer)
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, want := range []string{
		`<section id="en" lang="en">`, `<section id="fr" lang="fr">`,
		"<td class=\"v\">Forged</td><td>1</td>", "<td class=\"v\">Falsifié</td><td>1</td>",
		"Revised by the agency:</b> the sender never wrote it", "(the automatic verification said: Unverifiable)",
		"(la vérification automatique disait : Invérifiable)",
		"Budget &lt;script&gt;alert(1)&lt;/script&gt;", "The &#34;Macron leaks&#34; &lt;test&gt;",
		"1 other item(s) of the case are not",
		"ssh-keygen -Y verify -f allowed_signers -I statement@agency.example -n vigie-statement -s statement.html.sig &lt; statement.html",
		strings.ReplaceAll(ssh.FingerprintSHA256(signer.PublicKey()), "+", "&#43;"), // html/template escapes +
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the statement lacks %q", want)
		}
	}
	if strings.Contains(s, "<script") || strings.Contains(s, "src=") || strings.Contains(s, "http") {
		t.Error("the statement has a script or an external resource")
	}
	st := sampleStatement()
	st.Identity = "x' ; rm -rf /"
	if _, _, err := Publish(st, signer); err == nil {
		t.Error("an identity that breaks the shell line was accepted")
	}
}

func TestParseSignatureBad(t *testing.T) {
	good, _ := os.ReadFile("testdata/sample.sig")
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "not an SSH signature"},
		{"pgp", "-----BEGIN PGP SIGNATURE-----\nxx\n", "not an SSH signature"},
		{"truncated", string(good[:120]), "truncated"},
		{"base64", armorBegin + "\n!!!\n" + armorEnd, "bad base64"},
		{"magic", string(armor([]byte("NOTSIG\x00\x00\x00\x01"))), "SSHSIG"},
		{"version", string(armor([]byte("SSHSIG\x00\x00\x00\x02"))), "malformed"},
		{"huge", strings.Repeat("A", MaxSignatureSize+1), "more than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSignature([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
	if _, err := ParseSignature(good); err != nil {
		t.Fatalf("the sample made by ssh-keygen: %v", err)
	}
}

func FuzzParseSignature(f *testing.F) {
	good, _ := os.ReadFile("testdata/sample.sig")
	f.Add(good)
	f.Add([]byte(armorBegin + "\nU1NIU0lH\n" + armorEnd))
	f.Fuzz(func(t *testing.T, b []byte) {
		sig, err := ParseSignature(b)
		if err == nil && (sig.PublicKey == nil || sig.Sig == nil) {
			t.Fatal("a parsed signature without key or signature")
		}
		Verify(nil, Namespace, b, b)
	})
}

// FuzzReadReport: an uploaded report.json is hostile; ReadReport never
// panics and what it accepts has a path and a known verdict on every item.
func FuzzReadReport(f *testing.F) {
	f.Add([]byte(`{"schema_version": 2, "items": [{"path": "dump/a.eml", "kind": "mail", "verdict": "authentic", "reasons": ["x"], "mail": {"message_id": "<a@b>"}}]}`))
	f.Add([]byte(`{"schema_version": 2, "items": [null]}`))
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := ReadReport(bytes.NewReader(b), "report.json", 1<<20)
		if err != nil {
			return
		}
		for _, it := range rep.Items {
			if it == nil || it.Path == "" || !ValidVerdict(it.Verdict) {
				t.Fatalf("accepted item %+v", it)
			}
			ItemFromReport(it)
		}
	})
}
