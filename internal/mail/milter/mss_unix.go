//go:build unix

package milter

import "syscall"

// setMaxSegment clamps the TCP segment size of a socket, before it listens
// (see listenTCP); an error leaves the system's.
func setMaxSegment(fd uintptr) {
	syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, mtaSegment)
}
