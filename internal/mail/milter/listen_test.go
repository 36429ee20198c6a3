//go:build unix

package milter

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func sockDir(t *testing.T) string {
	t.Helper()
	// short: unix socket paths are limited to about 100 bytes
	d, err := os.MkdirTemp("", "vsock")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// TestListenUnixPermissions: the socket is 0660 (or --socket-mode), in the
// group of its directory (or --socket-group), whatever the umask.
func TestListenUnixPermissions(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	for _, tc := range []struct {
		name string
		o    SocketOptions
		mode os.FileMode
	}{
		{"default", SocketOptions{}, 0o660},
		{"mode", SocketOptions{Mode: 0o600}, 0o600},
		{"numeric group", SocketOptions{Group: "0", Mode: 0o666}, 0o666},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := sockDir(t)
			p := filepath.Join(d, "milter.sock")
			l, err := ListenWith("unix:"+p, tc.o)
			if err != nil {
				if tc.o.Group != "" && os.Geteuid() != 0 {
					t.Skipf("changing a group needs root here: %v", err)
				}
				t.Fatal(err)
			}
			fi, err := os.Lstat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != tc.mode {
				t.Errorf("socket mode %v, want socket %v", fi.Mode(), tc.mode)
			}
			di, _ := os.Stat(d)
			want := di.Sys().(*syscall.Stat_t).Gid
			if tc.o.Group == "0" {
				want = 0
			}
			if g := fi.Sys().(*syscall.Stat_t).Gid; g != want {
				t.Errorf("socket group %d, want %d", g, want)
			}
			if left, _ := filepath.Glob(filepath.Join(d, ".vigie-*")); len(left) > 0 {
				t.Errorf("temporary names left: %v", left)
			}
			c, err := net.Dial("unix", p)
			if err != nil {
				t.Fatalf("connecting: %v", err)
			}
			c.Close()
			l.Close()
			if _, err := os.Lstat(p); !os.IsNotExist(err) {
				t.Errorf("socket not removed on close: %v", err)
			}
		})
	}
}

// TestListenUnixExistingPath: a stale socket is replaced; a live socket
// and a file that is not a socket are errors and stay.
func TestListenUnixExistingPath(t *testing.T) {
	d := sockDir(t)
	p := filepath.Join(d, "milter.sock")

	stale, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	l, err := Listen("unix:" + p)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	if _, err := Listen("unix:" + p); err == nil || !strings.Contains(err.Error(), "another program is listening") {
		t.Errorf("second milter on a live socket: err = %v", err)
	}
	if _, err := os.Lstat(p); err != nil {
		t.Errorf("the live socket was removed: %v", err)
	}
	l.Close()

	f := filepath.Join(d, "notasocket")
	os.WriteFile(f, []byte("keep me"), 0o644)
	if _, err := Listen("unix:" + f); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("regular file at the path: err = %v", err)
	}
	if b, _ := os.ReadFile(f); string(b) != "keep me" {
		t.Error("a regular file was removed or changed")
	}
	if _, err := ListenWith("unix:"+p, SocketOptions{Group: "no-such-group-vigie"}); err == nil || !strings.Contains(err.Error(), "no-such-group-vigie") {
		t.Errorf("unknown group: err = %v", err)
	}
	if _, err := Listen("unix:" + filepath.Join(d, "missing", "m.sock")); err == nil {
		t.Error("missing directory: no error")
	}
}
