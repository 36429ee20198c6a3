package posture

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// postfixPorts are the smtpd listeners of startPostfixMX.
type postfixPorts struct {
	good  int // STARTTLS, certificate for mx.pf.test, Debian's TLS defaults
	wrong int // STARTTLS, certificate for another name
	plain int // no STARTTLS
	// strong only accepts what internet.nl rates good or sufficient;
	// weak accepts TLS 1.0 and up, every suite OpenSSL still has (CBC with
	// SHA-1, RSA key exchange, anonymous, NULL), a 1024-bit DH group, SHA-1
	// signatures, and the client's cipher order.
	strong, weak int
}

// startPostfixMX runs Debian's Postfix as a private instance on loopback
// with the smtpd listeners of postfixPorts. It skips when Postfix cannot
// run here (scripts/test.sh installs it; its master must run as root).
func startPostfixMX(t *testing.T, ca *testCA) postfixPorts {
	t.Helper()
	if testing.Short() {
		t.Skip("Postfix test skipped in -short mode")
	}
	if _, err := exec.LookPath("postfix"); err != nil {
		t.Skipf("postfix not installed (apt-get install -y postfix): %v", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("Postfix's master process must run as root")
	}
	if _, err := user.Lookup("postfix"); err != nil {
		t.Skipf("no postfix user: %v", err)
	}
	dir, err := os.MkdirTemp("", "vigie-posture-postfix-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	for _, d := range []string{"etc", "spool", "data", "log"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	pu, _ := user.Lookup("postfix")
	var uid, gid int
	fmt.Sscan(pu.Uid, &uid)
	fmt.Sscan(pu.Gid, &gid)
	os.Chown(filepath.Join(dir, "data"), uid, gid)

	writeChain := func(name string, names ...string) string {
		c := ca.issue(t, names...)
		key, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "etc", name+".pem")
		data := append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]})...)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	goodChain := writeChain("good", "mx.pf.test")
	wrongChain := writeChain("wrong", "mail.hosting.example")
	free := func() int {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
	good, wrong, plain, strong, weak := free(), free(), free(), free(), free()
	dh := filepath.Join(dir, "etc", "dh1024.pem")
	if out, err := exec.Command("openssl", "dhparam", "-dsaparam", "-out", dh, "1024").CombinedOutput(); err != nil {
		t.Fatalf("openssl dhparam: %v\n%s", err, out)
	}
	mainCF := fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %[1]s/spool
data_directory = %[1]s/data
maillog_file = %[1]s/log/maillog
maillog_file_prefixes = %[1]s/log
myhostname = mx.pf.test
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
smtpd_peername_lookup = no
smtpd_tls_security_level = may
smtpd_tls_chain_files = %[2]s
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
`, dir, goodChain)
	masterCF := fmt.Sprintf(`127.0.0.1:%d inet n - n - - smtpd
127.0.0.1:%d inet n - n - - smtpd -o smtpd_tls_chain_files=%s
127.0.0.1:%d inet n - n - - smtpd -o smtpd_tls_security_level=none
127.0.0.1:%d inet n - n - - smtpd -o smtpd_tls_ciphers=high -o tls_high_cipherlist=ECDHE+AESGCM:ECDHE+CHACHA20:@SECLEVEL=3 -o tls_preempt_cipherlist=yes
127.0.0.1:%d inet n - n - - smtpd -o smtpd_tls_protocols=>=TLSv1 -o smtpd_tls_ciphers=low -o tls_low_cipherlist=ALL:COMPLEMENTOFALL:@SECLEVEL=0 -o tls_preempt_cipherlist=no -o smtpd_tls_dh1024_param_file=%s
`, good, wrong, wrongChain, plain, strong, weak, dh) + `pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
tlsmgr unix - - n 1000? 1 tlsmgr
postlog unix-dgram n - n - 1 postlogd
`
	etc := filepath.Join(dir, "etc")
	os.WriteFile(filepath.Join(etc, "main.cf"), []byte(mainCF), 0o644)
	os.WriteFile(filepath.Join(etc, "master.cf"), []byte(masterCF), 0o644)
	if out, err := exec.Command("postfix", "-c", etc, "check").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log", "maillog"))
		t.Fatalf("postfix check: %v\n%s\n%s", err, out, log)
	}
	if out, err := exec.Command("postfix", "-c", etc, "start").CombinedOutput(); err != nil {
		t.Fatalf("postfix start: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("postfix", "-c", etc, "stop").Run() })
	for _, p := range []int{good, wrong, plain, strong, weak} {
		deadline := time.Now().Add(15 * time.Second)
		for {
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p), time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(filepath.Join(dir, "log", "maillog"))
				t.Fatalf("Postfix does not listen on %d:\n%s", p, log)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return postfixPorts{good: good, wrong: wrong, plain: plain, strong: strong, weak: weak}
}

// TestPostfixSTARTTLS probes a real Postfix as the MX: with STARTTLS and
// a certificate for its name it passes; with a certificate for another
// name it warns; without STARTTLS it fails.
func TestPostfixSTARTTLS(t *testing.T) {
	ca := newCA(t)
	pf := startPostfixMX(t, ca)
	good, wrong, plain := pf.good, pf.wrong, pf.plain
	z := startDNS(t, "pf.test. MX 10 mx.pf.test.\nmx.pf.test. A 127.0.0.1\n")
	for _, tc := range []struct {
		port int
		want Status
		says string
	}{
		{good, StatusPass, "TLS 1.2 or newer and a certificate valid"},
		{wrong, StatusWarn, "not valid for its name"},
		{plain, StatusFail, "travels in clear"},
	} {
		c := newTestChecker(t, z, Options{SMTPPort: tc.port, RootCAs: ca.pool, Timeout: 5 * time.Second})
		ch := runOne(t, c, "pf.test", "mail.starttls")
		if ch.Status != tc.want || !strings.Contains(ch.Summary, tc.says) {
			t.Errorf("port %d: %s %q\nwant %s containing %q\nevidence: %q", tc.port, ch.Status, ch.Summary, tc.want, tc.says, ch.Evidence)
		}
	}
}
