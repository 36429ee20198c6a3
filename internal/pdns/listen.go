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
)

// ServeUDP answers queries on pc until ctx is done. Several goroutines
// read the socket; an answer from the cache or the policy is written by
// the reader itself, a cache miss from its own goroutine.
func (s *Server) ServeUDP(ctx context.Context, pc *net.UDPConn) error {
	workers := readUDPWorkers
	if workers <= 0 {
		workers = max(runtime.GOMAXPROCS(0), 2)
	}
	stop := context.AfterFunc(ctx, func() { pc.Close() })
	defer stop()
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 65535)
			for {
				n, from, err := pc.ReadFromUDPAddrPort(buf)
				if err != nil {
					if ctx.Err() != nil {
						errc <- nil
					} else if errors.Is(err, net.ErrClosed) {
						errc <- nil
					} else {
						var ne net.Error
						if errors.As(err, &ne) && ne.Timeout() {
							continue
						}
						s.log.Warn("udp read", "err", err)
						time.Sleep(10 * time.Millisecond) // do not spin on a socket that keeps failing
						continue
					}
					return
				}
				s.handle(buf[:n], from.Addr(), overUDP, func(out []byte) {
					if out != nil {
						pc.WriteToUDPAddrPort(out, from)
					}
				})
			}
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
	var wmu sync.Mutex
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
		done := make(chan struct{})
		s.handle(buf, client, tr, func(out []byte) {
			defer close(done)
			if out == nil {
				return
			}
			wmu.Lock()
			defer wmu.Unlock()
			c.SetWriteDeadline(time.Now().Add(tcpIdle))
			frame := make([]byte, 2+len(out))
			binary.BigEndian.PutUint16(frame, uint16(len(out)))
			copy(frame[2:], out)
			c.Write(frame)
		})
		// Answers go out in the order of the questions.
		<-done
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
		ch := make(chan []byte, 1)
		s.handle(req, client, overHTTPS, func(out []byte) { ch <- out })
		var out []byte
		select {
		case out = <-ch:
		case <-r.Context().Done():
			return
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
