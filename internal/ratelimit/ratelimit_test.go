package ratelimit

import (
	"net/netip"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	t0 := time.Date(2027, 4, 21, 3, 0, 0, 0, time.UTC)
	l := New(0.5, 3) // 30 a minute, bursts of 3
	a := netip.MustParseAddr("203.0.113.7")
	for i := 0; i < 3; i++ {
		if !l.Allow(a, t0) {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	if l.Allow(a, t0) {
		t.Fatal("fourth request at once allowed")
	}
	if !l.Allow(netip.MustParseAddr("203.0.113.8"), t0) {
		t.Error("another client refused")
	}
	if !l.Allow(a, t0.Add(2*time.Second)) || l.Allow(a, t0.Add(2*time.Second)) {
		t.Error("after 2 s at 0.5/s, want exactly one more request")
	}
	if !l.Allow(netip.MustParseAddr("::ffff:203.0.113.9"), t0) || !l.Allow(netip.MustParseAddr("203.0.113.9"), t0) ||
		!l.Allow(netip.MustParseAddr("203.0.113.9"), t0) || l.Allow(netip.MustParseAddr("::ffff:203.0.113.9"), t0) {
		t.Error("an IPv4-mapped address is not the same client as its IPv4 form")
	}
	// one IPv6 /64 is one client
	p := "2001:db8:1:2::"
	for i := 0; i < 3; i++ {
		l.Allow(netip.MustParseAddr(p+string(rune('1'+i))), t0)
	}
	if l.Allow(netip.MustParseAddr(p+"ffff"), t0) {
		t.Error("a fresh address of the same /64 got a fresh bucket")
	}
	// an emptied bucket is not forgotten before it would be full again
	slow := New(1.0/60, 2) // refills in two minutes
	for slow.Allow(a, t0) {
	}
	if slow.Allow(a, t0.Add(61*time.Second)) && slow.Allow(a, t0.Add(61*time.Second)) {
		t.Error("an empty bucket came back full after a minute")
	}
}
