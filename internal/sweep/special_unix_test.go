//go:build unix

package sweep

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// makeSpecialFiles makes a FIFO with no writer: opening it for reading
// would block forever. It returns how many special files it made.
func makeSpecialFiles(t *testing.T, root string) int {
	if err := syscall.Mkfifo(filepath.Join(root, "docs", "pipe"), 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	return 1
}

// makeUnreadable makes a file its owner cannot read and returns its path,
// or "" when the test runs as root (root reads every file; the sub-case is
// then skipped).
func makeUnreadable(t *testing.T, root string) string {
	if os.Geteuid() == 0 {
		t.Log("running as root: the unreadable-file sub-case is skipped (root can read a mode-000 file)")
		return ""
	}
	p := filepath.Join(root, "docs", "secret.txt")
	write(t, p, []byte("secret"))
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	return p
}

// asNobody runs the test named test again in a child process as uid and
// gid 65534 (nobody), for checks that root's privileges would defeat. It
// skips, saying why, when that cannot be done.
func asNobody(t *testing.T, test string) {
	t.Helper()
	if os.Getenv("VIGIE_TEST_AS_NOBODY") != "" {
		t.Fatal("already running as nobody")
	}
	self, err := os.Executable()
	if err != nil {
		t.Skipf("as nobody: %v", err)
	}
	dir, err := os.MkdirTemp("", "vigie-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "sweep.test")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Skipf("as nobody: %v", err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Skipf("as nobody: %v", err)
	}
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(tmp, 65534, 65534); err != nil {
		t.Skipf("as nobody: %v", err)
	}
	cmd := exec.Command(bin, "-test.run=^"+test+"$", "-test.count=1", "-test.v")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "VIGIE_TEST_AS_NOBODY=1", "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s as nobody (uid 65534) failed: %v\n%s", test, err, out)
	} else {
		t.Logf("%s as nobody (uid 65534):\n%s", test, out)
	}
}
