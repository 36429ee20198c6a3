package spf_test

import (
	"context"
	"fmt"
	"net"

	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/spf"
)

func ExampleCheck() {
	dns := &mailauth.MapResolver{TXT: map[string][]string{
		"campaign.example": {"v=spf1 ip4:192.0.2.0/24 include:_spf.esp.example -all"},
		"_spf.esp.example": {"v=spf1 ip4:198.51.100.0/24 ~all"},
	}}
	opts := spf.Options{Resolver: dns}
	for _, ip := range []string{"192.0.2.25", "198.51.100.9", "203.0.113.5"} {
		r := spf.Check(context.Background(), net.ParseIP(ip), "mx.sender.example", "press@campaign.example", opts)
		fmt.Println(ip, r.Result, r.Mechanism)
	}
	// Output:
	// 192.0.2.25 pass ip4:192.0.2.0/24 in campaign.example
	// 198.51.100.9 pass include:_spf.esp.example in campaign.example
	// 203.0.113.5 fail -all in campaign.example
}
