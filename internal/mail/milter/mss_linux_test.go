package milter

import (
	"net"
	"syscall"
	"testing"
)

// TestListenSmallSegments: over loopback TCP the MTA's side of a milter
// connection sees segments of at most mtaSegment bytes. Postfix sizes the
// buffers of a milter connection from the segment size (4 times it, read
// and write, in smtpd and again in cleanup), and Postfix fills each buffer
// it allocates and frees: loopback's 32-64 KB segments made that 0.5 MB of
// memory written and page faults per message, a third of what the milter
// cost Postfix.
func TestListenSmallSegments(t *testing.T) {
	l, err := Listen("inet:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var mss int
	var serr error
	rc.Control(func(fd uintptr) { mss, serr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG) })
	if serr != nil {
		t.Fatal(serr)
	}
	if mss <= 0 || mss > mtaSegment {
		t.Errorf("the MTA's segment size on a milter connection is %d bytes, want at most %d", mss, mtaSegment)
	}
}
