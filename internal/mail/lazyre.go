package mail

import (
	"regexp"
	"sync"
)

// lazyRegexp returns a function that compiles expr on its first use. The
// package's regular expressions were compiled when any vigie command
// started (most of the 2.5 MB this package's initialisation allocated,
// in `vigie yara` as in `vigie mail`); now only by the checks that use
// them.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
