// Package posturetest serves DNS zones on loopback for tests of the posture
// checks and of their users (the hub's posture schedule): a test writes the
// records a party would publish, points posture.Options.Resolver at Addr,
// and the checks run for real without the network.
package posturetest

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// Zone is an authoritative DNS server on loopback serving the records of a
// zone file text; it answers NXDOMAIN for names that do not exist and
// NOERROR/NODATA for names that do (or have children), follows CNAMEs (8
// at most) and returns RRSIGs with the records they cover.
type Zone struct {
	// Addr is the server's UDP address, host:port.
	Addr string
	mu   sync.Mutex
	rrs  map[string][]dns.RR // by owner name, lower-case, FQDN
	deny map[string][]dns.RR // authority records of empty answers, by query name
}

// StartDNS serves zone (zone-file text, absolute names, default TTL 300)
// until the test ends.
func StartDNS(t testing.TB, zone string) *Zone {
	t.Helper()
	z := &Zone{rrs: map[string][]dns.RR{}, deny: map[string][]dns.RR{}}
	z.load(t, zone)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: z}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	z.Addr = pc.LocalAddr().String()
	return z
}

func (z *Zone) load(t testing.TB, zone string) {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(zone), "", "test")
	zp.SetDefaultTTL(300)
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("test zone: %v", err)
	}
	z.Add(rrs...)
}

// Add puts records into the zone.
func (z *Zone) Add(rrs ...dns.RR) {
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, rr := range rrs {
		n := strings.ToLower(rr.Header().Name)
		z.rrs[n] = append(z.rrs[n], rr)
	}
}

// Deny sets the authority section (the NSEC or NSEC3 records and their
// signatures a signed zone returns) of the answers for name that hold no
// record of the type asked, NODATA or NXDOMAIN. It does not make name
// exist.
func (z *Zone) Deny(name string, rrs ...dns.RR) {
	z.mu.Lock()
	defer z.mu.Unlock()
	n := strings.ToLower(dns.Fqdn(name))
	z.deny[n] = append(z.deny[n], rrs...)
}

// ServeDNS answers one query from the zone.
func (z *Zone) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	if len(r.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	name := strings.ToLower(q.Name)
	z.mu.Lock()
	defer z.mu.Unlock()
	for range 8 {
		rrs, exists := z.rrs[name]
		var cname string
		for _, rr := range rrs {
			if s, ok := rr.(*dns.RRSIG); rr.Header().Rrtype == q.Qtype || ok && s.TypeCovered == q.Qtype {
				m.Answer = append(m.Answer, rr)
			} else if c, ok := rr.(*dns.CNAME); ok {
				m.Answer = append(m.Answer, rr)
				cname = strings.ToLower(c.Target)
			}
		}
		if cname != "" && q.Qtype != dns.TypeCNAME {
			name = cname
			continue
		}
		if !exists && len(m.Answer) == 0 {
			for n := range z.rrs {
				if strings.HasSuffix(n, "."+name) {
					exists = true // an empty non-terminal
					break
				}
			}
			if !exists {
				m.Rcode = dns.RcodeNameError
			}
		}
		break
	}
	if len(m.Answer) > 0 {
		m.Rcode = dns.RcodeSuccess
	} else {
		m.Ns = append(m.Ns, z.deny[name]...)
	}
	w.WriteMsg(m)
}
