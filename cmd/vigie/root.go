package main

import (
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"
)

// globalOptions are the flags every command shares, passed explicitly to each
// command constructor (no package-level state).
type globalOptions struct {
	logLevel string
	noColor  bool

	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	logger *slog.Logger
}

const rootLong = `Vigie is the cyber-defence kit an election needs: the national agency runs a
hub that publishes indicators and YARA rules to the parties; each party runs
sensors (a file sweep, a YARA-compatible engine, a mail filter) that report what
they saw; and when stolen mail and documents leak, Vigie tells the public which
items are authentic, altered, forged or unverifiable, and why.

Every sensor works alone and offline too, with a bundled indicator pack.

Exit codes (all commands):
  0    success, nothing found
  1    success, findings reported (scan, mail check, leak verify ...)
  2    error: the command could not do its job (the message says why)
  3    usage error: wrong flags or arguments
  130  interrupted`

func newRootCommand(g *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:           "vigie",
		Short:         "Cyber-defence kit for election campaigns",
		Long:          rootLong,
		SilenceErrors: true,
		SilenceUsage:  true,
		Example: `  vigie indicators stats --builtin
  vigie indicators convert --to misp-feed bundle.json feed/
  vigie version`,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return g.setup()
		},
	}
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "warn", "log verbosity on stderr: debug, info, warn, error")
	root.PersistentFlags().BoolVar(&g.noColor, "no-color", false, "never colour the output (also when NO_COLOR is set)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError("%v", err)
	})
	for _, newCmd := range commands {
		root.AddCommand(newCmd(g))
	}
	return root
}

// commands lists the constructors of the top-level commands, in the order
// `vigie --help` shows them. Each lives in its own cmd_<verb>.go file.
var commands = []func(*globalOptions) *cobra.Command{
	newIndicatorsCommand,
	newMailCommand,
	newServeCommand,
	newAdminCommand,
	newVersionCommand,
	newYaraCommand,
	newMetaCommand,
	newScanCommand,
	newDomainsCommand,
	newDNSCommand,
	newLeakCommand,
	newStatusCommand,
	newPostureCommand,
	newAdvisoriesCommand,
}

func (g *globalOptions) setup() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		return usageError("--log-level: %q is not one of debug, info, warn, error", g.logLevel)
	}
	g.logger = slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: level}))
	return nil
}

// isCobraUsageError recognises the errors cobra returns for unknown commands
// and wrong argument counts, which it does not type.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires at least", "requires at most", "flag needs an argument", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
