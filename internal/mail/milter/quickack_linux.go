package milter

import (
	"net"
	"syscall"
)

// quickAck takes c out of the kernel's delayed-ACK ("ping-pong") mode,
// which it enters each time this side writes: from then on, each packet
// the MTA sends is acknowledged as soon as it is read, so the MTA's
// next packet, held back by Nagle's algorithm until that ACK, leaves at
// once instead of after the 40 ms delayed-ACK timer. It reports whether c
// is a TCP connection whose ACKs could be set so (Linux's TCP_QUICKACK).
func quickAck(c net.Conn) bool {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return false
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	}); err != nil {
		return false
	}
	return serr == nil
}
