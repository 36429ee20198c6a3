package mailauth

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// fakeDNS serves TXT and A answers on a loopback UDP port. Names in
// servfail answer SERVFAIL; unknown names get NXDOMAIN.
func fakeDNS(t *testing.T, txt map[string][]string, a map[string]string, servfail map[string]bool) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("cannot listen on loopback UDP: %v", err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			name := strings.TrimSuffix(strings.ToLower(q.Name.String()), ".")
			rh := dnsmessage.Header{ID: h.ID, Response: true, RecursionAvailable: true, RecursionDesired: h.RecursionDesired}
			switch {
			case servfail[name]:
				rh.RCode = dnsmessage.RCodeServerFailure
			case txt[name] == nil && a[name] == "":
				rh.RCode = dnsmessage.RCodeNameError
			}
			b := dnsmessage.NewBuilder(nil, rh)
			b.EnableCompression()
			_ = b.StartQuestions()
			_ = b.Question(q)
			_ = b.StartAnswers()
			rrh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}
			if rh.RCode == dnsmessage.RCodeSuccess {
				switch q.Type {
				case dnsmessage.TypeTXT:
					for _, v := range txt[name] {
						// Split into 255-byte character strings, as DNS does.
						var parts []string
						for len(v) > 255 {
							parts, v = append(parts, v[:255]), v[255:]
						}
						_ = b.TXTResource(rrh, dnsmessage.TXTResource{TXT: append(parts, v)})
					}
				case dnsmessage.TypeA:
					if ip := net.ParseIP(a[name]).To4(); ip != nil {
						_ = b.AResource(rrh, dnsmessage.AResource{A: [4]byte(ip)})
					}
				}
			}
			out, err := b.Finish()
			if err == nil {
				_, _ = pc.WriteTo(out, addr)
			}
		}
	}()
	return pc.LocalAddr().String()
}

func TestDNSResolver(t *testing.T) {
	long := "v=DKIM1; k=rsa; p=" + strings.Repeat("A", 400)
	addr := fakeDNS(t,
		map[string][]string{"sel._domainkey.example.org": {long}, "example.org": {"v=spf1 -all", "other"}},
		map[string]string{"mx.example.org": "192.0.2.25"},
		map[string]bool{"broken.example.org": true})
	r := NewDNSResolver(addr, 2*time.Second)
	ctx := context.Background()
	got, err := r.LookupTXT(ctx, "sel._domainkey.example.org")
	if err != nil || len(got) != 1 || got[0] != long {
		t.Fatalf("multi-string TXT: %v %v", got, err)
	}
	if got, err := r.LookupTXT(ctx, "example.org"); err != nil || len(got) != 2 {
		t.Errorf("two TXT records: %v %v", got, err)
	}
	if _, err := r.LookupTXT(ctx, "nothing.example.org"); !IsNotFound(err) {
		t.Errorf("NXDOMAIN: %v", err)
	}
	if _, err := r.LookupTXT(ctx, "broken.example.org"); err == nil || IsNotFound(err) {
		t.Errorf("SERVFAIL must be temporary: %v", err)
	}
	if ips, err := r.LookupIP(ctx, "ip4", "mx.example.org"); err != nil || len(ips) != 1 || !ips[0].Equal(net.ParseIP("192.0.2.25")) {
		t.Errorf("A: %v %v", ips, err)
	}
}
