package dmarc_test

import (
	"context"
	"fmt"

	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/dmarc"
)

func ExampleCheck() {
	dns := &mailauth.MapResolver{TXT: map[string][]string{
		"_dmarc.campaign.example": {"v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@campaign.example"},
	}}
	// A message From: news.campaign.example, DKIM-signed by an ESP only.
	r := dmarc.Check(context.Background(), dns, dmarc.Input{
		FromDomain: "news.campaign.example",
		DKIM:       []dmarc.DKIMResult{{Domain: "esp.example", Pass: true}},
	})
	fmt.Println(r.Result, r.RecordDomain, r.Policy, r.Disposition)

	// The same message signed by the campaign's own domain passes
	// (relaxed alignment: same organisational domain).
	r = dmarc.Check(context.Background(), dns, dmarc.Input{
		FromDomain: "news.campaign.example",
		DKIM:       []dmarc.DKIMResult{{Domain: "campaign.example", Pass: true}},
	})
	fmt.Println(r.Result, r.AlignedDKIMDomain)
	// Output:
	// fail campaign.example quarantine quarantine
	// pass campaign.example
}
