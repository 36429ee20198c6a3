//go:build !linux

package pdns

import (
	"context"
	"net"
)

// udpReader returns the loop of one UDP reader: one datagram per system
// call on systems without recvmmsg.
func (s *Server) udpReader(pc *net.UDPConn) (func(context.Context) error, error) {
	return func(ctx context.Context) error { return s.serveUDPSimple(ctx, pc) }, nil
}
