package milter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultSocketMode is the permission of a milter's unix socket: the
// owner and the group may connect, nobody else. The MTA's user (Postfix:
// "postfix") must be in the socket's group — OpenDKIM and rspamd document
// the same arrangement.
const DefaultSocketMode fs.FileMode = 0o660

// SocketOptions set who may connect to a unix socket (they do not apply to
// TCP listeners).
type SocketOptions struct {
	// Mode is the socket's permission bits (0: DefaultSocketMode).
	// Connecting needs write permission on the socket.
	Mode fs.FileMode
	// Group owns the socket: a group name or a numeric id. Empty means
	// the group of the socket's directory, so that a directory made for
	// the MTA (root:postfix 0750) gives a socket the MTA can use.
	Group string
}

// Listen opens a listener from a milter socket spec: "inet:HOST:PORT",
// "inet6:[HOST]:PORT", "unix:/path" or plain "HOST:PORT". A unix socket
// gets the default SocketOptions.
func Listen(spec string) (net.Listener, error) {
	return ListenWith(spec, SocketOptions{})
}

// ListenWith is Listen with the permissions of a unix socket. A unix
// socket is bound under a temporary name, given its mode and group, then
// renamed into place, so there is no moment when the MTA could find it
// with the wrong permissions. A socket left at the path by a vigie that
// died is removed; a path that is not a socket, or a socket another
// program is listening on, is an error, never removed. The listener
// removes its socket when closed.
func ListenWith(spec string, o SocketOptions) (net.Listener, error) {
	switch {
	case strings.HasPrefix(spec, "unix:"), strings.HasPrefix(spec, "local:"):
		_, p, _ := strings.Cut(spec, ":")
		if p == "" {
			return nil, fmt.Errorf("listen address %q: no socket path", spec)
		}
		return listenUnix(p, o)
	case strings.HasPrefix(spec, "inet6:"):
		return listenTCP("tcp6", strings.TrimPrefix(spec, "inet6:"))
	case strings.HasPrefix(spec, "inet:"):
		return listenTCP("tcp", strings.TrimPrefix(spec, "inet:"))
	}
	if strings.Contains(spec, ":") {
		return listenTCP("tcp", spec)
	}
	return nil, fmt.Errorf("listen address %q: want inet:HOST:PORT or unix:/path", spec)
}

// listenTCP listens on a TCP address. The segment size the milter
// announces is clamped to mtaSegment: Postfix makes the buffers of a
// milter connection 4 times the segment size it sees (so that a flush is
// whole segments, never a small one held by Nagle's algorithm), and fills
// every buffer it allocates and frees — over loopback, whose segments are
// 32 to 64 KB, that is 128-256 KB buffers, read and write, in smtpd and
// again in cleanup, for every SMTP session: about 0.5 MB of memory
// written, and the page faults of a heap that grows and shrinks, per
// message. With 4 KB segments the buffers are 16 KB. Over a network the
// path's segments are smaller than that already. A system that cannot
// clamp it still gets a working listener.
func listenTCP(network, addr string) (net.Listener, error) {
	lc := net.ListenConfig{
		// no TCP keep-alives: they cost four system calls per connection,
		// and an MTA that is gone is found by the milter's read deadline
		KeepAlive: -1,
		Control: func(_, _ string, c syscall.RawConn) error {
			return c.Control(func(fd uintptr) { setMaxSegment(fd) })
		},
	}
	return lc.Listen(context.Background(), network, addr)
}

func listenUnix(path string, o SocketOptions) (net.Listener, error) {
	mode := o.Mode
	if mode == 0 {
		mode = DefaultSocketMode
	}
	if mode&^fs.ModePerm != 0 {
		return nil, fmt.Errorf("socket %s: mode %#o is not a permission (want e.g. 0660)", path, mode)
	}
	dir := filepath.Dir(path)
	di, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("socket %s: its directory: %w", path, err)
	}
	if !di.IsDir() {
		return nil, fmt.Errorf("socket %s: %s is not a directory", path, dir)
	}
	gid, err := socketGroup(o.Group, di)
	if err != nil {
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	var rb [4]byte
	rand.Read(rb[:])
	tmp := filepath.Join(dir, ".vigie-"+hex.EncodeToString(rb[:]))
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	l.SetUnlinkOnClose(false)
	fail := func(err error) (net.Listener, error) {
		l.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return fail(err)
	}
	if err := chownGroup(tmp, gid, o.Group, di); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return fail(err)
	}
	return &unixListener{UnixListener: l, path: path, fi: fi}, nil
}

// removeStale removes a socket a dead process left at path: connecting to
// it is refused. Anything else at the path is left alone.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("socket %s: %w", path, err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("socket %s: the path exists and is not a socket (%s); not removed", path, fi.Mode().Type())
	}
	c, err := net.DialTimeout("unix", path, 2*time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("socket %s: another program is listening on it (is a vigie milter already running?)", path)
	}
	if !connRefused(err) {
		return fmt.Errorf("socket %s: exists and cannot be checked (%w); remove it if no milter runs", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("socket %s: removing the stale socket: %w", path, err)
	}
	return nil
}

// unixListener removes its socket on Close, if the path is still this
// listener's socket (a newer milter may have taken the path over).
type unixListener struct {
	*net.UnixListener
	path string
	fi   fs.FileInfo
	once sync.Once
}

func (l *unixListener) Close() error {
	err := l.UnixListener.Close()
	l.once.Do(func() {
		if fi, e := os.Lstat(l.path); e == nil && os.SameFile(fi, l.fi) {
			os.Remove(l.path)
		}
	})
	return err
}

// mtaSegment is the largest TCP segment the milter announces (listenTCP).
const mtaSegment = 4096
