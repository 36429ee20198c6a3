package arc_test

import (
	"context"
	"fmt"

	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/arc"
	"github.com/vigie-project/vigie/internal/mailauth/dkim"
)

func ExampleVerify() {
	// A message without ARC headers has no chain.
	msg := "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n"
	r := arc.Verify(context.Background(), []byte(msg), dkim.Options{Resolver: &mailauth.MapResolver{}})
	fmt.Println(r.Result, r.OldestPass)
	// Output:
	// none 0
}
