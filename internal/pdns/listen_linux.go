//go:build linux

package pdns

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// On Linux a UDP reader takes up to udpBatch waiting datagrams with one
// recvmmsg(2) and sends the answers it has at once with one sendmmsg(2).
// Under load this halves the system calls per query or better (the send
// of each answer was most of the resolver's time); under light load a
// batch holds one datagram and nothing waits for a batch to fill. The
// calls go through the socket's syscall.RawConn, so they wait in Go's
// poller like any other read and a closed socket ends the loop.
//
// Both calls are made raw (unix.RawSyscall6), without telling the Go
// scheduler: with MSG_DONTWAIT they never block, and a sendmmsg of 64
// answers on loopback takes long enough (the kernel delivers each one in
// the sender's context) that the scheduler's monitor would hand the
// processor to another thread during the call, then the reader would
// have to get it back: context switches that cost more than the queries.
// Raw, the reader keeps its processor for at most one batch's send (tens
// of microseconds). Measured with dnsperf against the kit's hot cache,
// GOMAXPROCS=1, quiet machine, three alternations: 101–113k → 128–138k
// queries/s.

// udpBatch is the most datagrams one reader takes in one call. A longer
// datagram than udpReadSize is cut by the kernel and flagged MSG_TRUNC.
const udpBatch = 64

// udpReader returns the loop of one UDP reader.
func (s *Server) udpReader(pc *net.UDPConn) (func(context.Context) error, error) {
	rc, err := pc.SyscallConn()
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		b := newUDPBatch(rc)
		return s.serveUDPBatch(ctx, pc, b)
	}, nil
}

// udpBatchState is one reader's buffers and message headers, allocated
// once: the loop itself allocates nothing.
type udpBatchState struct {
	rc syscall.RawConn

	rhdrs  [udpBatch]unix.Mmsghdr
	riov   [udpBatch]unix.Iovec
	rnames [udpBatch]unix.RawSockaddrInet6 // large enough for IPv4 and IPv6
	rbufs  [udpBatch][]byte

	whdrs  [udpBatch]unix.Mmsghdr
	wiov   [udpBatch]unix.Iovec
	wnames [udpBatch]unix.RawSockaddrInet6
	wbufs  [udpBatch][]byte

	// Arguments and results of readFn and writeFn, method values made once
	// so that passing them to the RawConn does not allocate.
	readFn, writeFn func(fd uintptr) bool
	n               int
	errno           syscall.Errno
	wOff, wN        int
}

func newUDPBatch(rc syscall.RawConn) *udpBatchState {
	b := &udpBatchState{rc: rc}
	for i := range udpBatch {
		b.rbufs[i] = make([]byte, udpReadSize)
		b.riov[i].Base = &b.rbufs[i][0]
		b.riov[i].SetLen(udpReadSize)
		h := &b.rhdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&b.rnames[i]))
		h.Iov = &b.riov[i]
		h.SetIovlen(1)
		b.wbufs[i] = make([]byte, 0, 1500)
		w := &b.whdrs[i].Hdr
		w.Name = (*byte)(unsafe.Pointer(&b.wnames[i]))
		w.Iov = &b.wiov[i]
		w.SetIovlen(1)
	}
	b.readFn = b.recv
	b.writeFn = b.send
	return b
}

// recv is one recvmmsg; false asks the poller to wait for data.
func (b *udpBatchState) recv(fd uintptr) bool {
	for {
		for i := range udpBatch {
			b.rhdrs[i].Hdr.Namelen = uint32(unsafe.Sizeof(b.rnames[i]))
			b.rhdrs[i].Hdr.Flags = 0
			b.rhdrs[i].Len = 0
		}
		n, _, e := unix.RawSyscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.rhdrs[0])), udpBatch, unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case 0:
			b.n, b.errno = int(n), 0
			return true
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		}
		b.n, b.errno = 0, e
		return true
	}
}

// send is one sendmmsg of the answers from wOff on; false asks the poller
// to wait until the socket can take more.
func (b *udpBatchState) send(fd uintptr) bool {
	for {
		n, _, e := unix.RawSyscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.whdrs[b.wOff])), uintptr(b.wN-b.wOff), unix.MSG_DONTWAIT, 0, 0)
		switch {
		case e == 0 && n > 0:
			b.wOff += int(n)
			b.errno = 0
			return true
		case e == 0:
			// nothing sent and no error: drop the first answer rather
			// than ask again forever
			b.wOff++
			b.errno = 0
			return true
		case e == unix.EINTR:
			continue
		case e == unix.EAGAIN:
			return false
		}
		// The first answer could not be sent (its client's address is
		// unreachable, say): drop it, as a single send would.
		b.wOff++
		b.errno = e
		return true
	}
}

func (s *Server) serveUDPBatch(ctx context.Context, pc *net.UDPConn, b *udpBatchState) error {
	for {
		if err := b.rc.Read(b.readFn); err != nil {
			if s.readFailed(ctx, err) {
				return nil
			}
			continue
		}
		if b.errno != 0 {
			if s.readFailed(ctx, b.errno) {
				return nil
			}
			continue
		}
		w := 0
		for i := range b.n {
			h := &b.rhdrs[i]
			sa := &b.rnames[i]
			req := b.rbufs[i][:h.Len]
			from := netip.AddrPortFrom(withZone(sockaddrAddr(sa), sa), sockaddrPort(sa))
			out := s.udpDatagram(pc, req, b.wbufs[w][:0], h.Hdr.Flags&unix.MSG_TRUNC != 0, from)
			if out == nil {
				continue
			}
			b.wbufs[w] = larger(b.wbufs[w], out)
			b.wnames[w] = *sa
			b.whdrs[w].Hdr.Namelen = h.Hdr.Namelen
			b.wiov[w].Base = &out[0]
			b.wiov[w].SetLen(len(out))
			w++
		}
		b.wOff, b.wN = 0, w
		for b.wOff < b.wN {
			if err := b.rc.Write(b.writeFn); err != nil {
				break // closed: the next read ends the loop
			}
		}
		for i := range w {
			b.wiov[i].Base = nil // do not keep answers alive through the headers
		}
	}
}

// sockaddrAddr is the address of a sockaddr_in or sockaddr_in6, IPv4
// mapped in IPv6 unmapped, without zone.
func sockaddrAddr(sa *unix.RawSockaddrInet6) netip.Addr {
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrFrom4(sa4.Addr)
	case unix.AF_INET6:
		return netip.AddrFrom16(sa.Addr).Unmap()
	}
	return netip.Addr{}
}

// withZone gives a link-local IPv6 address the zone of sa (its interface
// index), needed to send to it.
func withZone(a netip.Addr, sa *unix.RawSockaddrInet6) netip.Addr {
	if sa.Family == unix.AF_INET6 && sa.Scope_id != 0 && a.Is6() {
		return a.WithZone(strconv.FormatUint(uint64(sa.Scope_id), 10))
	}
	return a
}

// sockaddrPort is the port of a sockaddr_in or sockaddr_in6 (both hold it
// at the same place, in network byte order).
func sockaddrPort(sa *unix.RawSockaddrInet6) uint16 {
	p := (*[2]byte)(unsafe.Pointer(&sa.Port))
	return uint16(p[0])<<8 | uint16(p[1])
}
