package milter

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/mail"
)

// TestPostfixEndToEnd runs Debian's Postfix as a private instance on
// loopback, with this package's milter plugged in, and sends mail with
// swaks: clean mail is delivered with the Vigie headers, phishing is held
// in Postfix's quarantine, malware is refused with 550. It needs root
// (Postfix's master runs as root) and the postfix and swaks packages; it
// skips, saying why, otherwise.
func TestPostfixEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	for _, bin := range []string{"postfix", "swaks", "postqueue"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed (apt-get install -y postfix swaks): %v", bin, err)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("Postfix's master process must run as root")
	}
	dir, err := os.MkdirTemp("", "vigie-postfix-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, d := range []string{"etc", "spool", "data", "log", "mail"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(dir, 0o755)
	os.Chown(filepath.Join(dir, "mail"), 65534, 65534)
	pu, err := user.Lookup("postfix")
	if err != nil {
		t.Skipf("no postfix user: %v", err)
	}
	uid, _ := strconv.Atoi(pu.Uid)
	gid, _ := strconv.Atoi(pu.Gid)
	os.Chown(filepath.Join(dir, "data"), uid, gid)

	// the milter
	a, err := mail.New(mail.Options{OwnDomains: []string{"en-marche.fr"}})
	if err != nil {
		t.Fatal(err)
	}
	ml, err := Listen("inet:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &Server{Analyzer: a, Policy: DefaultPolicy(), Host: "mx.example.test"}
	served := make(chan struct{})
	go func() { srv.Serve(ctx, ml); close(served) }()
	t.Cleanup(func() { cancel(); <-served })

	smtpPort := freePort(t)
	mainCF := fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %[1]s/spool
data_directory = %[1]s/data
maillog_file = %[1]s/log/maillog
maillog_file_prefixes = %[1]s/log
myhostname = mx.example.test
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_peername_lookup = no
virtual_mailbox_domains = example.test
virtual_mailbox_base = %[1]s/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
smtpd_milters = inet:%[2]s
non_smtpd_milters = $smtpd_milters
milter_protocol = 6
milter_default_action = tempfail
milter_connect_macros = j {daemon_name} {daemon_addr} v _
milter_mail_macros = i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} {mail_mailer}
milter_rcpt_macros = i {rcpt_addr} {rcpt_host} {rcpt_mailer}
milter_end_of_data_macros = i
`, dir, ml.Addr().String())
	masterCF := fmt.Sprintf("127.0.0.1:%d inet n - n - - smtpd\n", smtpPort) + `pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
virtual unix - n n - - virtual
lmtp unix - - n - - lmtp
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
`
	etc := filepath.Join(dir, "etc")
	os.WriteFile(filepath.Join(etc, "main.cf"), []byte(mainCF), 0o644)
	os.WriteFile(filepath.Join(etc, "master.cf"), []byte(masterCF), 0o644)
	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("postfix", "-c", etc, "check"); err != nil {
		t.Fatalf("postfix check: %v\n%s", err, out)
	}
	if out, err := run("postfix", "-c", etc, "start"); err != nil {
		t.Fatalf("postfix start: %v\n%s", err, out)
	}
	t.Cleanup(func() { run("postfix", "-c", etc, "stop") })
	waitPort(t, smtpPort)

	server := fmt.Sprintf("127.0.0.1:%d", smtpPort)
	swaks := func(args ...string) string {
		out, _ := run("swaks", append([]string{"--server", server, "--to", "staff@example.test", "--helo", "client.example.org", "--timeout", "30"}, args...)...)
		return out
	}
	// clean
	swaks("--from", "jean@example.org", "--header", "Subject: Compte rendu", "--body", "Bonjour, voici le compte rendu de la reunion de jeudi.")
	// phishing: quarantined (held)
	phish := "From: Office 365 <noreply@accounts-office.fr>\r\nTo: staff@example.test\r\nSubject: Your password expires today\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Your Office 365 password will expire today. <a href=\"https://accounts-office.fr/owa\">Keep the same password</a></p>\r\n"
	pf := filepath.Join(dir, "phish.eml")
	os.WriteFile(pf, []byte(phish), 0o644)
	swaks("--from", "noreply@accounts-office.fr", "--data", pf)
	// malware: refused
	out := swaks("--from", "a@example.org", "--attach-type", "application/octet-stream", "--attach-name", "facture.pdf.exe", "--attach", "@/bin/true", "--body", "Votre facture.")
	if !strings.Contains(out, "550 5.7.1") {
		t.Errorf("malware was not refused with 550 5.7.1; swaks said:\n%s", out)
	}

	// wait for delivery of the clean message and the hold of the phishing one
	var delivered []string
	held := ""
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		delivered, _ = filepath.Glob(filepath.Join(dir, "mail", "inbox", "new", "*"))
		held, _ = run("postqueue", "-c", etc, "-p")
		if len(delivered) >= 1 && strings.Contains(held, "!") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(delivered) != 1 {
		log, _ := os.ReadFile(filepath.Join(dir, "log", "maillog"))
		t.Fatalf("want 1 delivered message, got %d; maillog:\n%s", len(delivered), log)
	}
	msg, _ := os.ReadFile(delivered[0])
	for _, want := range []string{"Authentication-Results: vigie;", "X-Vigie-Verdict: clean", "Subject: Compte rendu"} {
		if !strings.Contains(string(msg), want) {
			t.Errorf("delivered message lacks %q:\n%s", want, msg)
		}
	}
	if !strings.Contains(held, "!") || !strings.Contains(held, "noreply@accounts-office.fr") {
		t.Errorf("phishing not held in quarantine; postqueue -p:\n%s", held)
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitPort(t *testing.T, port int) {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("postfix did not open port %d", port)
}
