package lookalike

import (
	"testing"

	"golang.org/x/net/publicsuffix"
)

// TestPublicSuffixAgreesWithXNet compares the embedded list's walk with
// x/net's table on names that exercise wildcards, exceptions, private
// suffixes and unknown endings.
func TestPublicSuffixAgreesWithXNet(t *testing.T) {
	for _, s := range []string{"example.com", "www.example.co.uk", "a.b.c.kawasaki.jp", "city.kawasaki.jp", "www.ck", "foo.www.ck", "x.blogspot.com",
		"foo.appspot.com", "com", "co.uk", "host.invalid", "a.b.s3.amazonaws.com", "en-marche.fr", "gouv.fr", "impots.gouv.fr", "xn--p1ai", "test.xn--p1ai", "a.github.io"} {
		want, _ := publicsuffix.PublicSuffix(s)
		if got := publicSuffix(s); got != want {
			t.Errorf("publicSuffix(%s) = %s, x/net says %s", s, got, want)
		}
	}
}
