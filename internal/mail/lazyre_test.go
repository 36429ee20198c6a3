package mail

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestLazyRegexps checks that the package's regular expressions compile
// (now on first use, no longer at start-up) and that initialising the
// package allocates little: every vigie command links it, `vigie yara`
// included, and its regexps were 2.5 MB of every start.
func TestLazyRegexps(t *testing.T) {
	all := []func() *regexp.Regexp{itClaim, hostInText, subjectReply, forwardSubject, pdfURI, pdfURIHex,
		docTextURL, pdfStreamRe, replyElsewhere, rtfObj, smuggling, smuggledDownload}
	for _, d := range scriptDanger {
		all = append(all, d.re)
	}
	for i, f := range all {
		if f() == nil || f() != f() {
			t.Errorf("regexp %d: not compiled once", i)
		}
	}
	if os.Getenv("VIGIE_INITTRACE_CHILD") != "" {
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLazyRegexps$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1", "VIGIE_INITTRACE_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	found := false
	for _, line := range strings.Split(string(out), "\n") {
		// init github.com/vigie-project/vigie/internal/mail @14 ms, 0.075 ms clock, 41144 bytes, 156 allocs
		f := strings.Fields(line)
		if len(f) < 9 || f[0] != "init" || f[1] != "github.com/vigie-project/vigie/internal/mail" {
			continue
		}
		found = true
		if n, err := strconv.Atoi(f[7]); err != nil || n > 1<<20 {
			t.Errorf("initialising the package allocates %s bytes, want at most %d", f[7], 1<<20)
		}
	}
	if !found {
		t.Errorf("no init trace of the package in:\n%s", out)
	}
}
