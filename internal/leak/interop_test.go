package leak

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/dkim"
)

const interopMsg = "From: Treasurer <treasurer@example.org>\nTo: staff@example.org\nSubject: Budget\nDate: Fri, 05 May 2017 10:00:00 +0200\nMessage-ID: <x1@example.org>\n\nThe budget is in the shared folder.\nPlease review it.\n"

var odSig = regexp.MustCompile(`(?s)hname='DKIM-Signature' hvalue='(.*?)'\n`)

// TestInteropSigners signs messages with Debian's dkimpy (dkimsign) and
// opendkim when they are installed, puts genuine and tampered copies in a
// dump, and checks the leak verdicts.
func TestInteropSigners(t *testing.T) {
	dkimsign, errPy := exec.LookPath("dkimsign")
	opendkim, errOD := exec.LookPath("opendkim")
	if errOD != nil {
		if _, err := os.Stat("/usr/sbin/opendkim"); err == nil {
			opendkim, errOD = "/usr/sbin/opendkim", nil
		}
	}
	if errPy != nil && errOD != nil {
		t.Skip("neither dkimsign (apt-get install -y python3-dkim) nor opendkim (apt-get install -y opendkim) is installed: skipping signer interop")
	}
	dir := t.TempDir()
	dump := filepath.Join(dir, "dump")
	os.MkdirAll(dump, 0o755)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	rsaPEM := filepath.Join(dir, "rsa.pem")
	os.WriteFile(rsaPEM, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), 0o600)
	edSeed := filepath.Join(dir, "ed.seed")
	os.WriteFile(edSeed, []byte(base64.StdEncoding.EncodeToString(edKey.Seed())+"\n"), 0o600)
	rsaRec, _ := dkim.KeyRecord(rsaKey.Public())
	edRec, _ := dkim.KeyRecord(edKey.Public())
	// The keys as a dated archive, as an analyst would keep them.
	zone := "rsa._domainkey.example.org. IN TXT \"" + rsaRec + "\" ; valid 2016-01-01..2018-01-01\n" +
		"ed._domainkey.example.org " + edRec + " ; valid 2016-01-01..2018-01-01\n"
	ar, err := mailauth.ParseArchive(strings.NewReader(zone), "keys.zone")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{} // name -> genuine
	put := func(name, signed string) {
		os.WriteFile(filepath.Join(dump, name+".eml"), []byte(signed), 0o644)
		want[name+".eml"] = true
		tampered := strings.Replace(signed, "Please review it.", "Please pay it.", 1)
		os.WriteFile(filepath.Join(dump, name+"-tampered.eml"), []byte(tampered), 0o644)
		want[name+"-tampered.eml"] = false
	}
	if errPy == nil {
		for _, c := range []struct{ name, sel, key, alg string }{
			{"dkimpy-rsa", "rsa", rsaPEM, "rsa-sha256"},
			{"dkimpy-ed25519", "ed", edSeed, "ed25519-sha256"},
			{"dkimpy-rsa-sha1", "rsa", rsaPEM, "rsa-sha1"},
		} {
			cmd := exec.Command(dkimsign, "--hcanon", "relaxed", "--bcanon", "relaxed", "--signalg", c.alg, c.sel, "example.org", c.key)
			cmd.Stdin = strings.NewReader(interopMsg)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("dkimsign %s: %v", c.name, err)
			}
			put(c.name, string(out))
		}
	} else {
		t.Log("dkimsign not installed (apt-get install -y python3-dkim): dkimpy part skipped")
	}
	if errOD == nil {
		conf := filepath.Join(dir, "od.conf")
		os.WriteFile(conf, []byte("Mode s\nDomain example.org\nSelector rsa\nKeyFile "+rsaPEM+"\nCanonicalization relaxed/relaxed\nOversignHeaders From,Subject\nRequireSafeKeys no\nSyslog no\n"), 0o600)
		in := filepath.Join(dir, "od-in.eml")
		os.WriteFile(in, []byte(interopMsg), 0o600)
		out, err := exec.Command(opendkim, "-x", conf, "-t", in, "-vv").CombinedOutput()
		if m := odSig.FindSubmatch(out); err == nil && m != nil {
			put("opendkim-rsa", "DKIM-Signature: "+string(m[1])+"\n"+interopMsg)
		} else {
			t.Errorf("opendkim did not sign: %v: %s", err, out)
		}
	} else {
		t.Log("opendkim not installed (apt-get install -y opendkim): opendkim part skipped")
	}
	rep, err := Run(context.Background(), Config{Dump: dump, Resolver: ar, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(rep.Items), len(want))
	}
	for _, it := range rep.Items {
		genuine := want[strings.TrimPrefix(it.Path, "dump/")]
		ok := it.Verdict == Altered
		if genuine {
			ok = it.Verdict == Authentic || it.Verdict == AuthenticWithCaveats
		}
		if !ok {
			t.Errorf("%s: verdict %s; reasons %q", it.Path, it.Verdict, it.Reasons)
		}
		if genuine && strings.Contains(it.Path, "sha1") && !strings.Contains(strings.Join(it.Reasons, " "), "sha1") && !strings.Contains(strings.Join(it.Reasons, " "), "SHA-1") {
			t.Errorf("%s: rsa-sha1 not marked weak: %q", it.Path, it.Reasons)
		}
	}
}
