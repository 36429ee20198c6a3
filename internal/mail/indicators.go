package mail

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/mime"
	"github.com/vigie-project/vigie/internal/report"
)

func indMatch(ind *indicator.Indicator) *report.Match {
	return &report.Match{Kind: "indicator", Type: string(ind.Type), Value: ind.Value, Source: ind.Source,
		Threats: ind.Threats, TLP: string(ind.TLP), Tags: ind.Tags}
}

func indDesc(ind *indicator.Indicator) string {
	parts := []string{}
	if len(ind.Threats) > 0 {
		parts = append(parts, strings.Join(ind.Threats, ", "))
	}
	if ind.Source != "" {
		parts = append(parts, "source: "+ind.Source)
	}
	if len(parts) == 0 {
		return "indicator " + ind.Value
	}
	return strings.Join(parts, "; ")
}

// checkIndicators matches sender, reply-to, link hosts and URLs, and the
// sending IPs against the loaded indicators.
func (a *Analyzer) checkIndicators(x *msg) {
	set := a.opts.Indicators
	if set == nil {
		return
	}
	hit := func(what, value string, ind *indicator.Indicator) {
		x.res.add(Reason{Check: "indicator-" + what, Category: CatIndicator, Score: 8, Strong: true,
			Evidence: []evidence{ev(what, value, "")},
			Match:    indMatch(ind),
			Text:     fmt.Sprintf("The %s %s is a known indicator of attack (%s).", what, value, indDesc(ind))})
	}
	addrs := []struct{ what, addr string }{{"sender", x.from.Addr}}
	for _, r := range mime.ParseAddressList(x.m.Header.Get("Reply-To")) {
		addrs = append(addrs, struct{ what, addr string }{"reply-to", r.Addr})
	}
	if x.env != nil && x.env.MailFrom != "" {
		addrs = append(addrs, struct{ what, addr string }{"envelope-sender", x.env.MailFrom})
	}
	for _, ad := range addrs {
		if ad.addr == "" {
			continue
		}
		if ind, ok := set.Email(strings.ToLower(ad.addr)); ok {
			hit(ad.what, ad.addr, ind)
			continue
		}
		if d := domainOf(ad.addr); d != "" {
			if ind, ok := set.Domain(indicator.NormalizeHost(d)); ok {
				hit(ad.what+"-domain", d, ind)
			}
		}
	}
	for _, l := range x.doc.links {
		li, ok := x.link(l)
		if !ok || li.host == "" {
			continue
		}
		if ind, ok := set.URL(li.Href); ok {
			hit("url", li.Href, ind)
			continue
		}
		if li.ip {
			if ip, err := netip.ParseAddr(li.host); err == nil {
				if ind, ok := set.IP(ip); ok {
					hit("link-ip", li.host, ind)
				}
			}
			continue
		}
		if ind, ok := set.Domain(indicator.NormalizeHost(li.host)); ok {
			hit("link-domain", li.host, ind)
		}
	}
	for _, ip := range sendingIPs(x) {
		if ind, ok := set.IP(ip); ok {
			hit("sending-ip", ip.String(), ind)
		}
	}
}

// sendingIPs are the client address of the SMTP session when known, and
// the addresses in the Received fields.
func sendingIPs(x *msg) []netip.Addr {
	var out []netip.Addr
	if x.env != nil && x.env.ClientIP.IsValid() {
		out = append(out, x.env.ClientIP)
	}
	for i, v := range x.m.Header.Values("Received") {
		if i > 20 {
			break
		}
		for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return r == '[' || r == ']' || r == '(' || r == ')' || r == ' ' || r == ';' }) {
			if a, err := netip.ParseAddr(strings.TrimPrefix(tok, "IPv6:")); err == nil && !a.IsLoopback() && !a.IsPrivate() {
				out = append(out, a)
			}
		}
	}
	return out
}
