// Command vigie is the cyber-defence kit for election campaigns: a hub where
// the national agency publishes indicators and rules, sensors that parties run
// (file sweep, YARA engine, mail filter), and a leak authenticator.
//
// This package only wires flags to the library packages under internal/ and
// turns errors into exit codes, in one place (exitCode).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes shared by every command. Commands that report findings (scan,
// mail check, yara with -n semantics aside) use exitFindings when something
// was found; the help of each command lists the codes it uses.
const (
	exitOK       = 0   // success, nothing found
	exitFindings = 1   // success, findings reported
	exitError    = 2   // the command could not do its job (bad input, I/O, ...)
	exitUsage    = 3   // wrong flags or arguments
	exitHub      = 4   // a sensor could not use its hub: unreachable, certificate not trusted, or token refused (revoked)
	exitSignal   = 130 // interrupted (Ctrl-C)
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the process exit code. Tests
// call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globalOptions{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCommand(g)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	code := exitCode(ctx, err)
	if err != nil {
		var ee *codeError
		if !errors.As(err, &ee) || ee.err != nil {
			fmt.Fprintf(stderr, "vigie: %v\n", err)
		}
		if code == exitUsage {
			fmt.Fprintln(stderr, "Run 'vigie --help' or 'vigie COMMAND --help' for usage.")
		}
	}
	return code
}

// codeError carries an explicit exit code up to main. A nil err means the
// command already told the user everything (e.g. findings were printed).
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *codeError) Unwrap() error { return e.err }

// withCode returns an error that makes vigie exit with code; err may be nil.
func withCode(code int, err error) error { return &codeError{code: code, err: err} }

// usageError marks an error in the command line itself.
func usageError(format string, a ...any) error {
	return &codeError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// exitCode is the one place where errors become exit codes.
func exitCode(ctx context.Context, err error) int {
	if err == nil {
		return exitOK
	}
	var ee *codeError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return exitSignal
	case isCobraUsageError(err):
		return exitUsage
	default:
		return exitError
	}
}
