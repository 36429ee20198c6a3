package authres_test

import (
	"fmt"

	"github.com/vigie-project/vigie/internal/mailauth/authres"
)

func ExampleParse() {
	r, err := authres.Parse("mx.provider.example; dkim=pass (2048-bit key) header.d=campaign.example header.s=rsa2048; spf=softfail smtp.mailfrom=campaign.example")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.AuthServID)
	for _, m := range r.Results {
		fmt.Println(m.Method, m.Result, m.Get("header", "d")+m.Get("smtp", "mailfrom"))
	}
	// Output:
	// mx.provider.example
	// dkim pass campaign.example
	// spf softfail campaign.example
}
