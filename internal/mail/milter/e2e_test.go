package milter

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/mail"
)

// postfix is a private Postfix instance on loopback, for end-to-end tests.
type postfix struct {
	dir    string // its root: etc, spool (queue_directory), log, mail
	etc    string
	server string // SMTP address
	plain  string // SMTP address of a second smtpd without milters
}

// needPostfix skips the test, saying why, when Postfix cannot run here.
// It needs root (Postfix's master runs as root) and the postfix and swaks
// packages.
func needPostfix(t *testing.T) {
	t.Helper()
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
	if _, err := user.Lookup("postfix"); err != nil {
		t.Skipf("no postfix user: %v", err)
	}
}

// newPostfixDir makes the directories of a private Postfix instance.
func newPostfixDir(t *testing.T) string {
	t.Helper()
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
	uid, gid := postfixIDs(t)
	os.Chown(filepath.Join(dir, "data"), uid, gid)
	return dir
}

func postfixIDs(t *testing.T) (uid, gid int) {
	t.Helper()
	pu, err := user.Lookup("postfix")
	if err != nil {
		t.Skipf("no postfix user: %v", err)
	}
	uid, _ = strconv.Atoi(pu.Uid)
	gid, _ = strconv.Atoi(pu.Gid)
	return uid, gid
}

// startPostfix starts Postfix in dir (from newPostfixDir) with the given
// smtpd_milters value ("" for none) and stops it when the test ends.
func startPostfix(t *testing.T, dir, milters string) *postfix {
	t.Helper()
	smtpPort, plainPort := freePort(t), freePort(t)
	milterCF := ""
	if milters != "" {
		milterCF = "smtpd_milters = " + milters + `
non_smtpd_milters = $smtpd_milters
milter_protocol = 6
milter_default_action = tempfail
milter_connect_macros = j {daemon_name} {daemon_addr} v _
milter_mail_macros = i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} {mail_mailer}
milter_rcpt_macros = i {rcpt_addr} {rcpt_host} {rcpt_mailer}
milter_end_of_data_macros = i
`
	}
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
`, dir) + milterCF
	masterCF := fmt.Sprintf("127.0.0.1:%d inet n - n - - smtpd\n127.0.0.1:%d inet n - n - - smtpd -o smtpd_milters= -o non_smtpd_milters=\n", smtpPort, plainPort) + `pickup unix n - n 60 1 pickup
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
	if out, err := run("postfix", "-c", etc, "check"); err != nil {
		t.Fatalf("postfix check: %v\n%s", err, out)
	}
	if out, err := run("postfix", "-c", etc, "start"); err != nil {
		t.Fatalf("postfix start: %v\n%s", err, out)
	}
	t.Cleanup(func() { run("postfix", "-c", etc, "stop") })
	waitPort(t, smtpPort)
	waitPort(t, plainPort)
	return &postfix{dir: dir, etc: etc, server: fmt.Sprintf("127.0.0.1:%d", smtpPort), plain: fmt.Sprintf("127.0.0.1:%d", plainPort)}
}

func run(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// swaks sends one message to staff@example.test through pf.
func (pf *postfix) swaks(args ...string) string {
	out, _ := run("swaks", append([]string{"--server", pf.server, "--to", "staff@example.test", "--helo", "client.example.org", "--timeout", "30"}, args...)...)
	return out
}

// delivered waits up to d for n messages in the inbox and returns them.
func (pf *postfix) delivered(n int, d time.Duration) []string {
	var got []string
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		got, _ = filepath.Glob(filepath.Join(pf.dir, "mail", "inbox", "new", "*"))
		if len(got) >= n {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return got
}

func (pf *postfix) maillog() string {
	b, _ := os.ReadFile(filepath.Join(pf.dir, "log", "maillog"))
	return string(b)
}

// startMilter serves the default policy on l until the test ends.
func startMilter(t *testing.T, l net.Listener) {
	t.Helper()
	a, err := mail.New(mail.Options{OwnDomains: []string{"en-marche.fr"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &Server{Analyzer: a, Policy: DefaultPolicy(), Host: "mx.example.test"}
	served := make(chan struct{})
	go func() { srv.Serve(ctx, l); close(served) }()
	t.Cleanup(func() { cancel(); <-served })
}

// TestPostfixEndToEnd runs Debian's Postfix as a private instance on
// loopback, with this package's milter plugged in, and sends mail with
// swaks: clean mail is delivered with the Vigie headers, phishing is held
// in Postfix's quarantine, malware is refused with 550.
func TestPostfixEndToEnd(t *testing.T) {
	needPostfix(t)
	dir := newPostfixDir(t)
	ml, err := Listen("inet:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	startMilter(t, ml)
	pf := startPostfix(t, dir, "inet:"+ml.Addr().String())
	etc := pf.etc
	swaks := pf.swaks
	// clean
	swaks("--from", "jean@example.org", "--header", "Subject: Compte rendu", "--body", "Bonjour, voici le compte rendu de la reunion de jeudi.")
	// phishing: quarantined (held)
	phish := "From: Office 365 <noreply@accounts-office.fr>\r\nTo: staff@example.test\r\nSubject: Your password expires today\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Your Office 365 password will expire today. <a href=\"https://accounts-office.fr/owa\">Keep the same password</a></p>\r\n"
	phishFile := filepath.Join(dir, "phish.eml")
	os.WriteFile(phishFile, []byte(phish), 0o644)
	swaks("--from", "noreply@accounts-office.fr", "--data", phishFile)
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

// TestPostfixUnixSocket: the socket that "--listen unix:PATH" makes can
// be used by Postfix's smtpd, which runs as the unprivileged user
// "postfix", when the socket's directory belongs to the postfix group —
// the setup the help and the README describe. With the socket created
// 0755 owned by vigie's user, smtpd got "Permission denied" and (with
// milter_default_action = accept) every message went through unchecked;
// here Postfix tempfails instead, so the test sees it.
func TestPostfixUnixSocket(t *testing.T) {
	needPostfix(t)
	dir := newPostfixDir(t)
	_, gid := postfixIDs(t)
	sockDir := filepath.Join(dir, "spool", "vigie")
	if err := os.Mkdir(sockDir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(sockDir, 0, gid); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(sockDir, "milter.sock")
	// a socket left behind by a milter that was killed
	stale, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	ml, err := Listen("unix:" + sock)
	if err != nil {
		t.Fatalf("listen on a path with a stale socket: %v", err)
	}
	startMilter(t, ml)
	// relative to queue_directory, as the help says: works whether smtpd
	// is chrooted or not
	pf := startPostfix(t, dir, "unix:vigie/milter.sock")
	out := pf.swaks("--from", "jean@example.org", "--header", "Subject: Compte rendu", "--body", "Bonjour, voici le compte rendu.")
	got := pf.delivered(1, 20*time.Second)
	if len(got) != 1 {
		t.Fatalf("message not delivered through the unix socket; swaks:\n%s\nmaillog:\n%s", out, pf.maillog())
	}
	msg, _ := os.ReadFile(got[0])
	if !strings.Contains(string(msg), "X-Vigie-Verdict: clean") {
		t.Errorf("delivered without the milter's headers:\n%s", msg)
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

// smtpTimes sends n messages over one SMTP session to addr and returns
// the time of each, from MAIL FROM to the server's answer to the end of
// DATA — the part of the transaction the milter sits in.
func smtpTimes(t *testing.T, addr string, n int) []time.Duration {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.example.org"); err != nil {
		t.Fatal(err)
	}
	var out []time.Duration
	for i := range n {
		start := time.Now()
		if err := c.Mail("jean@example.org"); err != nil {
			t.Fatalf("message %d: MAIL FROM: %v", i, err)
		}
		if err := c.Rcpt("staff@example.test"); err != nil {
			t.Fatalf("message %d: RCPT TO: %v", i, err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatalf("message %d: DATA: %v", i, err)
		}
		fmt.Fprintf(w, "From: Jean <jean@example.org>\r\nTo: staff@example.test\r\nSubject: Compte rendu %d\r\nMessage-ID: <%d.timing@example.org>\r\n\r\nBonjour, voici le compte rendu de la reunion de jeudi.\r\n", i, i)
		if err := w.Close(); err != nil {
			t.Fatalf("message %d: end of DATA: %v", i, err)
		}
		out = append(out, time.Since(start))
	}
	c.Quit()
	return out
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestPostfixMilterLatency: over TCP on loopback, the milter adds at most
// 10 ms to a message's SMTP transaction (the median of a batch, compared
// with the same Postfix without the milter, measured in the same test).
// Negotiating SMFIP_NODATA used to make Postfix wait on Nagle's algorithm
// and the milter's delayed ACK: 40-50 ms on every message.
func TestPostfixMilterLatency(t *testing.T) {
	needPostfix(t)
	dir := newPostfixDir(t)
	ml, err := Listen("inet:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	startMilter(t, ml)
	pf := startPostfix(t, dir, "inet:"+ml.Addr().String())
	const n = 15
	smtpTimes(t, pf.server, 2) // warm up: first connections, first analysis
	smtpTimes(t, pf.plain, 2)
	var with, without []time.Duration
	for range 2 { // interleaved, so a load spike hits both
		without = append(without, smtpTimes(t, pf.plain, n)...)
		with = append(with, smtpTimes(t, pf.server, n)...)
	}
	mw, mo := median(with), median(without)
	t.Logf("median per message: %v with the milter, %v without (%d messages each)", mw, mo, len(with))
	if mw-mo > 10*time.Millisecond {
		t.Errorf("the milter adds %v per message (median: %v with, %v without); want at most 10ms", mw-mo, mw, mo)
	}
}

// TestPostfixSendsOnlyTheQueueID: told which macros the milter reads (its
// negotiation reply), Postfix sends the queue ID and nothing else, where
// main.cf (as this test's) lists a dozen for the stages, and the milter
// still learns the queue ID.
func TestPostfixSendsOnlyTheQueueID(t *testing.T) {
	needPostfix(t)
	dir := newPostfixDir(t)
	ml, err := Listen("inet:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := &teeListener{Listener: ml}
	startMilter(t, tl)
	pf := startPostfix(t, dir, "inet:"+ml.Addr().String())
	pf.swaks("--from", "jean@example.org", "--header", "Subject: Compte rendu", "--body", "Bonjour, voici le compte rendu.")
	if got := pf.delivered(1, 20*time.Second); len(got) != 1 {
		t.Fatalf("want 1 delivered message, got %d; maillog:\n%s", len(got), pf.maillog())
	}
	names := map[string]int{}
	queueID := ""
	for _, b := range tl.received() {
		for len(b) >= 5 {
			n := int(binary.BigEndian.Uint32(b))
			if n < 1 || 4+n > len(b) {
				break
			}
			pkt := b[4 : 4+n]
			b = b[4+n:]
			if pkt[0] != cmdMacro || len(pkt) < 2 {
				continue
			}
			kv := strings.Split(strings.TrimSuffix(string(pkt[2:]), "\x00"), "\x00")
			for i := 0; i+1 < len(kv); i += 2 {
				names[kv[i]]++
				if kv[i] == "i" && kv[i+1] != "" {
					queueID = kv[i+1]
				}
			}
		}
	}
	if len(names) != 1 || queueID == "" {
		t.Errorf("macros Postfix sent: %v (queue ID %q); want only the queue ID \"i\", with a value", names, queueID)
	}
	if !strings.Contains(pf.maillog(), queueID+":") {
		t.Errorf("queue ID %q not in Postfix's log:\n%s", queueID, pf.maillog())
	}
}

// teeListener keeps a copy of what its connections receive.
type teeListener struct {
	net.Listener
	mu   sync.Mutex
	bufs []*bytes.Buffer
}

func (l *teeListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	b := &bytes.Buffer{}
	l.mu.Lock()
	l.bufs = append(l.bufs, b)
	l.mu.Unlock()
	return &teeConn{Conn: c, l: l, b: b}, nil
}

func (l *teeListener) received() [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out [][]byte
	for _, b := range l.bufs {
		out = append(out, bytes.Clone(b.Bytes()))
	}
	return out
}

type teeConn struct {
	net.Conn
	l *teeListener
	b *bytes.Buffer
}

func (c *teeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.l.mu.Lock()
	c.b.Write(p[:n])
	c.l.mu.Unlock()
	return n, err
}
