package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// vigie runs the command line in-process, as the tests of every command do,
// and returns its exit code, stdout and stderr.
func vigie(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}
