package hub

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies, err := ParseTrustedProxies([]string{"10.0.0.0/8", "192.0.2.1", " 2001:db8::/32 "})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{opts: Options{TrustedProxies: proxies}}
	for _, tc := range []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"no header", "198.51.100.7:5000", nil, "198.51.100.7"},
		{"untrusted peer's header ignored", "198.51.100.7:5000", []string{"10.1.1.1"}, "198.51.100.7"},
		{"one trusted proxy", "192.0.2.1:443", []string{"203.0.113.9"}, "203.0.113.9"},
		{"client forges a left entry", "192.0.2.1:443", []string{"6.6.6.6, 203.0.113.9"}, "203.0.113.9"},
		{"two trusted hops", "10.0.0.5:80", []string{"203.0.113.9, 10.2.2.2"}, "203.0.113.9"},
		{"repeated header lines", "10.0.0.5:80", []string{"6.6.6.6", "203.0.113.9"}, "203.0.113.9"},
		{"all hops trusted", "10.0.0.5:80", []string{"10.3.3.3"}, "10.3.3.3"},
		{"garbage hop stops the walk", "10.0.0.5:80", []string{"203.0.113.9, not-an-ip"}, "10.0.0.5"},
		{"IPv6 proxy", "[2001:db8::1]:443", []string{"2001:db8:ffff::9, 198.51.100.20"}, "198.51.100.20"},
		{"IPv4-mapped peer", "[::ffff:192.0.2.1]:443", []string{"203.0.113.9"}, "203.0.113.9"},
	} {
		r := &http.Request{RemoteAddr: tc.remote, Header: http.Header{}}
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.ClientIP(r); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if _, err := ParseTrustedProxies([]string{"10.0.0.0/33"}); err == nil || !strings.Contains(err.Error(), "10.0.0.0/33") {
		t.Errorf("bad range: %v", err)
	}
	r := &http.Request{RemoteAddr: "192.0.2.1:443", Header: http.Header{"X-Forwarded-Proto": {"https"}}}
	if !s.Secure(r) {
		t.Error("X-Forwarded-Proto from a trusted proxy ignored")
	}
	r.RemoteAddr = "198.51.100.7:1"
	if s.Secure(r) {
		t.Error("X-Forwarded-Proto believed from a client")
	}
}

func FuzzClientIP(f *testing.F) {
	for _, seed := range []string{"203.0.113.9", "6.6.6.6, 203.0.113.9", ",,,", "::1, [::1]", "10.0.0.1,10.0.0.2, x"} {
		f.Add(seed)
	}
	s := &Server{opts: Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}}}
	f.Fuzz(func(t *testing.T, xff string) {
		r := &http.Request{RemoteAddr: "127.0.0.1:9", Header: http.Header{"X-Forwarded-For": {xff}}}
		got := s.ClientIP(r)
		if _, err := netip.ParseAddr(got); err != nil {
			t.Fatalf("ClientIP(%q) = %q, not an address", xff, got)
		}
	})
}
