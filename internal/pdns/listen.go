package pdns

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// Limits of the stream listeners.
const (
	tcpIdle        = 10 * time.Second // an idle TCP or TLS connection is closed (RFC 7766 §6.2.3)
	maxTCPConns    = 1000             // open TCP and TLS connections at once
	maxTCPQueries  = 1000             // queries on one connection before it is closed
	maxHTTPSBody   = 65535
	readUDPWorkers = 0 // 0: one reader per CPU
	// udpReadSize bounds one query datagram. A query is a header, one
	// question and one OPT record; a longer datagram is answered FORMERR.
	udpReadSize = 4096
)

// ServeUDP answers queries on pc until ctx is done. On Linux each reader
// takes the waiting datagrams in one system call and sends the answers in
// one more (recvmmsg and sendmmsg, listen_linux.go); elsewhere it reads
// and writes one datagram at a time. An answer from the cache or the
// policy is written by the reader into its own buffer; a cache miss is
// answered from its own goroutine.
func (s *Server) ServeUDP(ctx context.Context, pc *net.UDPConn) error {
	workers := readUDPWorkers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	stop := context.AfterFunc(ctx, func() { pc.Close() })
	defer stop()
	serve, err := s.udpReader(pc)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc <- serve(ctx)
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			return err
		}
	}
	return nil
}

// readFailed tells a UDP reader what to do after a failed read: stop
// (true) when the socket is closed, go on after a pause otherwise.
func (s *Server) readFailed(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	s.log.Warn("udp read", "err", err)
	time.Sleep(10 * time.Millisecond) // do not spin on a socket that keeps failing
	return false
}

// serveUDPSimple is the portable reader: one datagram per system call.
func (s *Server) serveUDPSimple(ctx context.Context, pc *net.UDPConn) error {
	buf := make([]byte, 65535)
	dst := make([]byte, 0, 1500)
	for {
		n, from, err := pc.ReadFromUDPAddrPort(buf)
		if err != nil {
			if s.readFailed(ctx, err) {
				return nil
			}
			continue
		}
		out := s.udpDatagram(pc, buf[:n], dst, n > udpReadSize, from)
		if out != nil {
			pc.WriteToUDPAddrPort(out, from)
			dst = larger(dst, out)
		}
	}
}

// larger is the buffer to write the next answer into: out's, emptied,
// when an answer outgrew dst (up to a datagram's size), dst otherwise.
func larger(dst, out []byte) []byte {
	if cap(out) > cap(dst) && cap(out) <= 65535 {
		return out[:0]
	}
	return dst
}

// oversized answers a UDP datagram longer than udpReadSize: FORMERR, as
// the batched reader, which reads no more, must.
func (s *Server) oversized(req []byte) []byte {
	s.M.queries[overUDP].Add(1)
	s.M.malformed.Add(1)
	if len(req) < headerLen || req[2]&0x80 != 0 {
		return nil
	}
	return s.bareError(req, 1) // FORMERR
}

// udpDatagram answers one datagram a UDP reader read from client from;
// trunc says it was longer than udpReadSize. An answer known at once is
// written into dst and returned; a cache miss goes to a forwarder
// goroutine, which sends the answer itself (nil is then returned, as when
// there is no answer at all).
func (s *Server) udpDatagram(pc *net.UDPConn, req, dst []byte, trunc bool, from netip.AddrPort) []byte {
	if trunc {
		return s.oversized(req)
	}
	out, p := s.answer(req, dst, from.Addr().Unmap().WithZone(""), overUDP)
	if p != nil {
		p.pc, p.to = pc, from
		s.goForward(p)
		return nil
	}
	return out
}

// ServeStream answers DNS over TCP (or TLS, when l is a tls.Listener)
// with two-byte length framing (RFC 1035 §4.2.2, RFC 7766).
func (s *Server) ServeStream(ctx context.Context, l net.Listener, tls bool) error {
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	tr := overTCP
	if tls {
		tr = overTLS
	}
	sem := make(chan struct{}, maxTCPConns)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return err
		}
		select {
		case sem <- struct{}{}:
		default:
			c.Close() // too many connections: the client retries elsewhere
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s.serveConn(ctx, c, tr)
		}()
	}
}

func (s *Server) serveConn(ctx context.Context, c net.Conn, tr transport) {
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	client := addrOf(c.RemoteAddr())
	var lenb [2]byte
	buf := make([]byte, 0, 512)
	dst := make([]byte, 0, 512)
	frame := make([]byte, 0, 514)
	for i := 0; i < maxTCPQueries; i++ {
		c.SetReadDeadline(time.Now().Add(tcpIdle))
		if _, err := io.ReadFull(c, lenb[:]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint16(lenb[:]))
		if n < headerLen {
			return
		}
		if n > cap(buf) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(c, buf); err != nil {
			return
		}
		// Answers go out in the order of the questions.
		out, p := s.answer(buf, dst, client, tr)
		if p != nil {
			out = s.resolvePending(ctx, p)
		} else {
			dst = larger(dst, out)
		}
		if out != nil {
			frame = append(frame[:0], byte(len(out)>>8), byte(len(out)))
			frame = append(frame, out...)
		}
		if p != nil {
			releasePending(p)
		}
		if out == nil {
			continue
		}
		c.SetWriteDeadline(time.Now().Add(tcpIdle))
		if _, err := c.Write(frame); err != nil {
			return
		}
	}
}

func addrOf(a net.Addr) netip.Addr {
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// DoH returns the DNS-over-HTTPS handler (RFC 8484): GET with ?dns= (the
// query in unpadded base64url) or POST of an application/dns-message.
func (s *Server) DoH() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req []byte
		switch r.Method {
		case http.MethodGet:
			q := r.URL.Query().Get("dns")
			if q == "" || len(q) > base64.RawURLEncoding.EncodedLen(maxHTTPSBody) {
				http.Error(w, "a GET needs the dns parameter (RFC 8484)", http.StatusBadRequest)
				return
			}
			b, err := base64.RawURLEncoding.DecodeString(q)
			if err != nil {
				http.Error(w, "the dns parameter is not base64url", http.StatusBadRequest)
				return
			}
			req = b
		case http.MethodPost:
			if ct := r.Header.Get("Content-Type"); ct != dnsMessageType {
				http.Error(w, "Content-Type must be "+dnsMessageType, http.StatusUnsupportedMediaType)
				return
			}
			b, err := io.ReadAll(io.LimitReader(r.Body, maxHTTPSBody+1))
			if err != nil || len(b) > maxHTTPSBody {
				http.Error(w, "the query is too large", http.StatusRequestEntityTooLarge)
				return
			}
			req = b
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "use GET or POST", http.StatusMethodNotAllowed)
			return
		}
		client := addrOf(stringAddr(r.RemoteAddr))
		out, p := s.answer(req, nil, client, overHTTPS)
		if p != nil {
			// The request's context ends when the client goes away: the
			// query is then given up.
			defer releasePending(p)
			out = s.resolvePending(r.Context(), p)
			if r.Context().Err() != nil {
				return
			}
		}
		if out == nil {
			http.Error(w, "no answer", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", dnsMessageType)
		if ttl, ok := minTTL(out); ok {
			w.Header().Set("Cache-Control", "max-age="+strconv.Itoa(int(ttl)))
		}
		w.Write(out)
	})
}

type stringAddr string

func (a stringAddr) Network() string { return "tcp" }
func (a stringAddr) String() string  { return string(a) }

// minTTL is the smallest TTL of a packed answer (for HTTP caching).
func minTTL(b []byte) (uint32, bool) {
	w, ok := indexAnswer(b)
	if !ok || len(w.ttls) == 0 {
		return 0, false
	}
	t := ^uint32(0)
	for _, o := range w.ttls {
		t = min(t, binary.BigEndian.Uint32(b[o:]))
	}
	return t, true
}

// ListenUDP opens a UDP socket with a large receive buffer.
func ListenUDP(addr string) (*net.UDPConn, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	c, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("listen udp %s: %w", addr, err)
	}
	c.SetReadBuffer(4 << 20)
	c.SetWriteBuffer(4 << 20)
	return c, nil
}
