//go:build !linux

package milter

import "net"

// quickAck is Linux only: elsewhere every step over TCP stays answered.
func quickAck(c net.Conn) bool { return false }
