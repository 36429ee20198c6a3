package mail

import (
	"context"
	"net"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/arc"
	"github.com/vigie-project/vigie/internal/mailauth/dkim"
	"github.com/vigie-project/vigie/internal/mailauth/dmarc"
	"github.com/vigie-project/vigie/internal/mailauth/spf"
	"github.com/vigie-project/vigie/internal/mime"
)

// DNSAuth verifies sender authentication itself, with the mailauth
// package: every DKIM signature, SPF on the connecting IP and envelope
// sender (when the envelope is known), DMARC with organisational-domain
// fallback and alignment, and ARC. DNS goes through Resolver; a DNS
// failure gives temperror, never fail.
type DNSAuth struct {
	Resolver mailauth.Resolver
	Now      func() time.Time // default time.Now
}

// Authenticate implements Authenticator.
func (d DNSAuth) Authenticate(ctx context.Context, raw []byte, msg *mime.Message, env *Envelope) (AuthResults, error) {
	r := unknownAuth()
	r.Source = "verified"
	now := time.Now()
	if d.Now != nil {
		now = d.Now()
	}
	// DKIM, every signature
	sigs := dkim.Verify(ctx, raw, dkim.Options{Resolver: d.Resolver, Time: now})
	var dk []dmarc.DKIMResult
	r.DKIM = "none"
	for _, s := range sigs {
		res := string(s.Result)
		r.DKIM = betterResult(r.DKIM, res)
		pass := s.Result == dkim.Pass
		if pass {
			r.DKIMDomains = append(r.DKIMDomains, s.Domain)
		}
		dk = append(dk, dmarc.DKIMResult{Domain: s.Domain, Pass: pass})
	}
	// SPF needs the SMTP envelope
	spfPass, spfDomain := false, ""
	if env != nil && env.ClientIP.IsValid() {
		rep := spf.Check(ctx, net.IP(env.ClientIP.AsSlice()), env.Helo, env.MailFrom, spf.Options{Resolver: d.Resolver, Now: now})
		r.SPF = string(rep.Result)
		r.SPFDomain = rep.Domain
		spfPass, spfDomain = rep.Result == spf.Pass, rep.Domain
	}
	// DMARC on the From domain
	fromDom := ""
	if fl := mime.ParseAddressList(msg.Header.Get("From")); len(fl) > 0 {
		fromDom = fl[0].Domain()
	}
	if fromDom != "" {
		rep := dmarc.Check(ctx, d.Resolver, dmarc.Input{FromDomain: fromDom, SPFPass: spfPass, SPFDomain: spfDomain, DKIM: dk})
		r.DMARC = string(rep.Result)
		r.DMARCPolicy = string(rep.Policy)
	}
	if msg.Header.Count("ARC-Seal") > 0 {
		rep := arc.Verify(ctx, raw, dkim.Options{Resolver: d.Resolver, Time: now})
		r.ARC = string(rep.Result)
	} else {
		r.ARC = "none"
	}
	return r, nil
}

var _ Authenticator = DNSAuth{}
var _ Authenticator = TrustedResults{}
