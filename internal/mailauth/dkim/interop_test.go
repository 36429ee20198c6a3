package dkim

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/mailauth"
)

// interopMessages are signed by the peer tools and verified here: plain
// ASCII, UTF-8 8bit, trailing whitespace and blank lines, folded headers,
// an empty body.
var interopMessages = map[string]string{
	"plain": testMsg,
	"utf8": "From: =?utf-8?q?C=C3=A9dric?= <cedric@example.org>\r\nTo: presse@example.net\r\nSubject: =?utf-8?q?R=C3=A9union?=\r\n" +
		"Date: Fri, 05 May 2017 10:00:00 +0200\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		"Bonjour à tous,\r\nla réunion est déplacée à jeudi.  \r\n\t\r\n\r\n\r\n",
	"folded": "From: Alice <alice@example.org>\r\nTo: a@example.net,\r\n\tb@example.net,\r\n  c@example.net\r\nSubject:   spaced    subject  \r\n" +
		"Date: Fri, 05 May 2017 10:00:00 +0200\r\n\r\nline with trailing tab\t\r\n  indented line\r\n",
	"empty-body": "From: alice@example.org\r\nTo: bob@example.net\r\nSubject: empty\r\nDate: Fri, 05 May 2017 10:00:00 +0200\r\n\r\n",
}

func writeKeys(t *testing.T, dir string) (rsaPEM, edPEM, edSeed string) {
	t.Helper()
	testKeys(t)
	rsaPEM = filepath.Join(dir, "rsa.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})
	if err := os.WriteFile(rsaPEM, b, 0o600); err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(edKey)
	if err != nil {
		t.Fatal(err)
	}
	edPEM = filepath.Join(dir, "ed.pem")
	if err := os.WriteFile(edPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	edSeed = filepath.Join(dir, "ed.seed")
	if err := os.WriteFile(edSeed, []byte(base64.StdEncoding.EncodeToString(edKey.Seed())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return
}

// dkimpySigner signs every job in one Python process (starting Python
// costs seconds on a loaded machine). Input and output are JSON.
const dkimpySigner = `
import dkim, json, sys, base64
jobs = json.load(sys.stdin)
out = []
for j in jobs:
    key = open(j["key"], "rb").read()
    if j["alg"] == "ed25519-sha256":
        key = key.strip()
    sig = dkim.sign(base64.b64decode(j["msg"]), j["selector"].encode(), b"example.org", key,
                    canonicalize=(j["hc"].encode(), j["bc"].encode()),
                    signature_algorithm=j["alg"].encode())
    out.append(base64.b64encode(sig).decode())
json.dump(out, sys.stdout)
`

// TestInteropDkimpy signs fresh messages with dkimpy (Debian
// python3-dkim, the library behind dkimsign) and verifies them here.
func TestInteropDkimpy(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := exec.LookPath("dkimsign"); err != nil {
		t.Skip("dkimsign not installed (apt-get install -y python3-dkim python3-nacl): skipping dkimpy interop")
	}
	dir := t.TempDir()
	rsaPEM, _, edSeed := writeKeys(t, dir)
	res := testResolver(t)
	type job struct {
		Name     string `json:"name"`
		Key      string `json:"key"`
		Selector string `json:"selector"`
		Alg      string `json:"alg"`
		HC       string `json:"hc"`
		BC       string `json:"bc"`
		Msg      []byte `json:"msg"`
	}
	var jobs []job
	for _, c := range []job{
		{Name: "rsa-relaxed-relaxed", Key: rsaPEM, Selector: "rsa", Alg: "rsa-sha256", HC: "relaxed", BC: "relaxed"},
		{Name: "rsa-simple-simple", Key: rsaPEM, Selector: "rsa", Alg: "rsa-sha256", HC: "simple", BC: "simple"},
		{Name: "rsa-relaxed-simple", Key: rsaPEM, Selector: "rsa", Alg: "rsa-sha256", HC: "relaxed", BC: "simple"},
		{Name: "rsa-simple-relaxed", Key: rsaPEM, Selector: "rsa", Alg: "rsa-sha256", HC: "simple", BC: "relaxed"},
		{Name: "ed25519-relaxed-relaxed", Key: edSeed, Selector: "ed", Alg: "ed25519-sha256", HC: "relaxed", BC: "relaxed"},
		{Name: "ed25519-simple-simple", Key: edSeed, Selector: "ed", Alg: "ed25519-sha256", HC: "simple", BC: "simple"},
		{Name: "rsa-sha1", Key: rsaPEM, Selector: "rsa", Alg: "rsa-sha1", HC: "relaxed", BC: "simple"},
	} {
		for name, msg := range interopMessages {
			c.Name = c.Name + "/" + name
			c.Msg = []byte(msg)
			jobs = append(jobs, c)
			c.Name = strings.Split(c.Name, "/")[0]
		}
	}
	in, err := json.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", dkimpySigner)
	cmd.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("dkimpy: %v: %s", err, stderr.String())
	}
	var sigs [][]byte
	if err := json.Unmarshal(out.Bytes(), &sigs); err != nil || len(sigs) != len(jobs) {
		t.Fatalf("dkimpy output: %v (%d signatures for %d jobs)", err, len(sigs), len(jobs))
	}
	for i, j := range jobs {
		t.Run(j.Name, func(t *testing.T) {
			o := Options{AllowSHA1: j.Alg == "rsa-sha1"}
			checkInterop(t, append(sigs[i], j.Msg...), res, o)
		})
	}
}

var odHeader = regexp.MustCompile(`(?s)hname='DKIM-Signature' hvalue='(.*?)'\n`)

// TestInteropOpenDKIM signs fresh messages with the opendkim milter
// binary in test mode (-t) and verifies them here.
func TestInteropOpenDKIM(t *testing.T) {
	bin, err := exec.LookPath("opendkim")
	if err != nil {
		for _, p := range []string{"/usr/sbin/opendkim"} {
			if _, e := os.Stat(p); e == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		t.Skip("opendkim not installed (apt-get install -y opendkim opendkim-tools): skipping opendkim interop")
	}
	dir := t.TempDir()
	rsaPEM, edPEM, _ := writeKeys(t, dir)
	res := testResolver(t)
	configs := []struct{ name, selector, key, alg, canon string }{
		{"rsa-relaxed-relaxed", "rsa", rsaPEM, "rsa-sha256", "relaxed/relaxed"},
		{"rsa-simple-simple", "rsa", rsaPEM, "rsa-sha256", "simple/simple"},
		{"rsa-relaxed-simple", "rsa", rsaPEM, "rsa-sha256", "relaxed/simple"},
		{"ed25519-relaxed-relaxed", "ed", edPEM, "ed25519-sha256", "relaxed/relaxed"},
		// opendkim 2.11.0~beta2's own ed25519 c=simple/simple signatures
		// fail in opendkim and dkimpy too (a signer defect): not tested.
	}
	for _, c := range configs {
		conf := filepath.Join(dir, c.name+".conf")
		text := "Mode s\nDomain example.org\nSelector " + c.selector + "\nKeyFile " + c.key + "\nSignatureAlgorithm " + c.alg +
			"\nCanonicalization " + c.canon + "\nOversignHeaders From,Subject\nRequireSafeKeys no\nSyslog no\n"
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		for name, msg := range interopMessages {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				if name == "folded" && strings.HasPrefix(c.canon, "simple") {
					t.Skip("opendkim -t rewrites header whitespace before signing with c=simple; dkimpy rejects the result too")
				}
				// opendkim -t reads a Unix (LF) file.
				lf := strings.ReplaceAll(msg, "\r\n", "\n")
				path := filepath.Join(dir, c.name+"-"+name+".eml")
				if err := os.WriteFile(path, []byte(lf), 0o600); err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command(bin, "-x", conf, "-t", path, "-vv").CombinedOutput()
				if err != nil {
					t.Fatalf("opendkim: %v: %s", err, out)
				}
				m := odHeader.FindSubmatch(out)
				if m == nil {
					t.Fatalf("no DKIM-Signature in opendkim output:\n%s", out)
				}
				signed := "DKIM-Signature: " + string(m[1]) + "\n" + lf
				checkInterop(t, []byte(signed), res, Options{})
			})
		}
	}
}

func checkInterop(t *testing.T, signed []byte, res *mailauth.MapResolver, o Options) {
	t.Helper()
	o.Resolver = res
	rs := Verify(context.Background(), signed, o)
	if len(rs) != 1 || rs[0].Result != Pass {
		t.Fatalf("fresh peer signature: %+v\n%s", rs, signed)
	}
	// Append a line to the body: the signature must fail on the body hash.
	tampered := append(append([]byte{}, signed...), []byte("tampered\n")...)
	if rs := Verify(context.Background(), tampered, o); rs[0].Result != Fail || rs[0].Reason != ReasonBodyHashMismatch {
		t.Errorf("tampered peer message: %s %s", rs[0].Result, rs[0].Reason)
	}
}
