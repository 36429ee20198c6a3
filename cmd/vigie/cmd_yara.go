package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-project/vigie/internal/yara/yaracli"
)

const yaraLong = `Scan files with YARA rules, with a pure-Go engine compatible with libyara 4.2.

RULES are rule files, optionally prefixed with a namespace (NS:file.yar);
TARGET is a file, a directory, or with --scan-list a file listing the files
and directories to scan. The output lines are those of the yara
command line tool ("RULE PATH", and with -s "0xOFFSET:$id: data"), so tools
that parse yara output work unchanged.

Rules can be compiled once and saved with "vigie yara compile", then loaded
with -C. -C also loads files compiled by libyara 4.2 to 4.5's yarac (arena
formats 19 to 21): vigie decodes libyara's tables and bytecode back into
rules, with the same matches and output as yara -C; files of other yarac
versions (4.1 and older) are refused with a message naming the version. "vigie yara decompile FILE"
prints the rules a yarac file holds.

Modules: pe, elf, dotnet, macho, math, hash, time, console (dex, magic and
cuckoo are refused as unknown modules). -D prints their data as yara -D.
-x is checked and has no effect (only libyara's cuckoo reads module data);
-k and --max-process-memory-chunk are accepted for compatibility (Vigie's
evaluator has no slot stack, and it scans files, not processes);
--atom-quality-table is checked and not used (Vigie chooses its own atoms;
the matches are the same). -v prints the yara version whose behaviour
vigie yara follows.

Exit codes (those of yara 4.2.3, so scripts keep working):
  0    the scan ran, matches or not (in a directory or a scan list, files
       that cannot be scanned are reported on stderr and the run goes on)
  1    error: bad flag or arguments, rules that do not compile, a single
       TARGET that cannot be scanned; with --exit-findings also when a
       rule matched`

func newYaraCommand(g *globalOptions) *cobra.Command {
	var o yaracli.Options
	var timeoutSec int
	var exitOnFindings, version bool
	cmd := &cobra.Command{
		Use:   "yara [options] RULES... TARGET",
		Short: "Scan files with YARA rules (libyara-compatible output)",
		Long:  yaraLong,
		Example: `  vigie yara -r -s rules.yar /srv/share
  vigie yara -r -p 4 -d filename=x -m signature-base.yar /home
  vigie yara compile rules.yar rules.vyc && vigie yara -C rules.vyc -r /srv`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 && !version {
				return withCode(yaraExitError, errors.New("yara: wrong number of arguments"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if version {
				fmt.Fprintln(g.stdout, yaraVersion)
				return nil
			}
			err := runYara(cmd, g, &o, args, timeoutSec, exitOnFindings)
			var ce *codeError
			if err == nil || errors.As(err, &ce) {
				return err
			}
			// yara exits with 1 for every error
			return withCode(yaraExitError, err)
		},
	}
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return withCode(yaraExitError, err)
	})
	f := cmd.Flags()
	f.BoolVarP(&o.Recursive, "recursive", "r", false, "scan directories recursively")
	f.BoolVarP(&o.PrintStrings, "print-strings", "s", false, "print matching strings")
	f.BoolVarP(&o.PrintLength, "print-string-length", "L", false, "print length of matched strings")
	f.BoolVarP(&o.PrintMeta, "print-meta", "m", false, "print metadata")
	f.BoolVarP(&o.PrintTags, "print-tags", "g", false, "print tags")
	f.BoolVarP(&o.PrintNS, "print-namespace", "e", false, "print rules' namespace")
	f.BoolVarP(&o.Negate, "negate", "n", false, "print only rules that did not match")
	f.BoolVarP(&o.Count, "count", "c", false, "print only the number of matching rules per file (yara 4.2.3 counts them whatever -n, -t and -i say)")
	f.BoolVarP(&o.NoWarnings, "no-warnings", "w", false, "disable warnings")
	f.BoolVarP(&o.FastMode, "fast-scan", "f", false, "fast matching mode (stop at the first match of each string)")
	f.BoolVarP(&o.Compiled, "compiled-rules", "C", false, "load compiled rules: saved by 'vigie yara compile', or by libyara 4.2 to 4.5's yarac")
	f.BoolVarP(&o.NoFollowLinks, "no-follow-symlinks", "N", false, "do not follow symlinks when scanning")
	f.IntVarP(&o.Threads, "threads", "p", 1, "number of files scanned in parallel")
	f.IntVarP(&timeoutSec, "timeout", "a", 0, "abort scanning after this many seconds: a single file's scan, or a whole directory or scan-list run, as yara (0: no limit)")
	f.Int64VarP(&o.SkipLarger, "skip-larger", "z", 0, "skip files larger than this many bytes when scanning a directory")
	f.IntVarP(&o.MaxRules, "max-rules", "l", 0, "abort scanning after this many matching rules, counted over the whole run (as yara)")
	f.StringArrayVarP(&o.Tags, "tag", "t", nil, "print only rules tagged TAG (repeatable)")
	f.StringArrayVarP(&o.Identifiers, "identifier", "i", nil, "print only rules named IDENTIFIER (repeatable)")
	f.StringArrayVarP(&o.Defines, "define", "d", nil, "define external variable name=value (repeatable)")
	f.BoolVarP(&version, "version", "v", false, "show the version of yara whose behaviour vigie yara follows ("+yaraVersion+") and exit")
	f.BoolVar(&o.ScanList, "scan-list", false, "TARGET is a file listing the files and directories to scan, one per line")
	f.BoolVarP(&o.Stats, "print-stats", "S", false, "print the rule set's statistics (rules, strings, patterns, atoms)")
	f.BoolVarP(&o.ModuleData, "print-module-data", "D", false, "print the data of the imported modules for each file, as yara -D")
	f.StringArrayVarP(&o.ModuleDataFiles, "module-data", "x", nil, "MODULE=FILE: pass FILE's content (at most 64 MB) to MODULE, as yara does (only the tests module, kept for libyara's own test suite, reads it; libyara's cuckoo, which Vigie lacks, is the usual reader)")
	f.IntVarP(&o.StackSize, "stack-size", "k", 16384, "accepted for yara compatibility: Vigie's evaluator has no slot stack (nesting is bounded at compile time)")
	f.BoolVar(&o.FailOnWarn, "fail-on-warnings", false, "fail (exit 1) when compiling the rules gives warnings")
	f.IntVar(&o.MaxStringsPerRule, "max-strings-per-rule", yaracli.DefaultMaxStringsPerRule, "refuse rules with more strings than this (at most 10000: the engine's own limit, libyara's default)")
	f.StringVar(&o.AtomQualityTable, "atom-quality-table", "", "libyara atom quality table FILE: checked, not used (Vigie selects atoms its own way; matches are the same)")
	f.Int64Var(&o.MaxProcessMemoryChunk, "max-process-memory-chunk", 1073741824, "accepted for yara compatibility: Vigie scans files, not process memory")
	f.BoolVar(&exitOnFindings, "exit-findings", false, "exit with code 1 when a rule matched")
	f.BoolVar(&o.JSON, "json", false, "print one JSON object per match (JSON Lines) instead of yara lines")
	cmd.AddCommand(newYaraCompileCommand(g))
	cmd.AddCommand(newYaraDecompileCommand(g))
	return cmd
}

// yaraVersion is the version of libyara's yara whose command line, output
// and exit codes vigie yara reproduces; -v prints it as yara does.
const yaraVersion = "4.2.3"

// yaraExitError is yara's exit status for every error (EXIT_FAILURE).
const yaraExitError = 1

// runYara loads or compiles the rules and scans; errors are returned for
// the caller to turn into yara's exit status.
func runYara(cmd *cobra.Command, g *globalOptions, o *yaracli.Options, args []string, timeoutSec int, exitOnFindings bool) error {
	o.Timeout = time.Duration(timeoutSec) * time.Second
	ruleArgs, target := args[:len(args)-1], args[len(args)-1]
	rules, err := yaracli.Prepare(ruleArgs, *o, g.stdout, g.stderr)
	if err != nil {
		return err
	}
	res, err := yaracli.Run(cmd.Context(), rules, target, *o, g.stdout, g.stderr)
	if errors.Is(err, yaracli.ErrScanFailed) {
		return withCode(yaraExitError, nil) // yara's message is on stderr already
	}
	if err != nil {
		return err
	}
	if exitOnFindings && res.Matches > 0 {
		return withCode(exitFindings, nil)
	}
	return nil
}

func newYaraCompileCommand(g *globalOptions) *cobra.Command {
	var o yaracli.Options
	var version bool
	cmd := &cobra.Command{
		Use:   "compile [options] RULES... OUTPUT",
		Short: "Check rules and save them for fast loading with 'vigie yara -C'",
		Long: `Compile rule files (checking them fully) and save the compiled form to
OUTPUT: a versioned binary file (rules, strings with their matchers, atoms,
conditions, metadata and externals) with a SHA-256 checksum.
'vigie yara -C OUTPUT TARGET' loads it without parsing the rules again; a
file from another vigie version is refused (recompile it).

Exit codes (those of yarac): 0 saved, 1 the rules do not compile, OUTPUT
cannot be written, or a bad flag or argument.`,
		Example: `  vigie yara compile -d filename=x signature-base.yar sb.vyc`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 && !version {
				return withCode(yaraExitError, errors.New("yara compile: wrong number of arguments"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if version {
				fmt.Fprintln(g.stdout, yaraVersion)
				return nil
			}
			if err := yaracli.SaveWith(args[:len(args)-1], o, args[len(args)-1], g.stderr); err != nil {
				return withCode(yaraExitError, err)
			}
			return nil
		},
	}
	// the flags of libyara's yarac
	f := cmd.Flags()
	f.StringArrayVarP(&o.Defines, "define", "d", nil, "define external variable name=value (repeatable)")
	f.BoolVarP(&o.NoWarnings, "no-warnings", "w", false, "disable warnings")
	f.BoolVar(&o.FailOnWarn, "fail-on-warnings", false, "fail (exit 1) when compiling the rules gives warnings")
	f.IntVar(&o.MaxStringsPerRule, "max-strings-per-rule", yaracli.DefaultMaxStringsPerRule, "refuse rules with more strings than this (at most 10000: the engine's own limit, libyara's default)")
	f.StringVar(&o.AtomQualityTable, "atom-quality-table", "", "libyara atom quality table FILE: checked, not used (Vigie selects atoms its own way)")
	f.BoolVarP(&version, "version", "v", false, "show the version of yarac whose behaviour this follows ("+yaraVersion+") and exit")
	return cmd
}

func newYaraDecompileCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "decompile FILE.yarc",
		Short: "Print the rules of a file compiled by libyara's yarac",
		Long: `Decode a file compiled by libyara 4.2 to 4.5's yarac and print its rules as YARA
source: the rules, strings and conditions that 'vigie yara -C FILE' runs
(names, tags, metadata and namespaces kept; conditions fully parenthesized,
loop variables renamed). A summary goes to stderr.

Exit codes: 0 printed, 1 the file cannot be read or decoded.`,
		Example: `  vigie yara decompile rules.yarc > rules.yar`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := yaracli.Decompile(args[0], g.stdout, g.stderr); err != nil {
				return withCode(yaraExitError, err)
			}
			return nil
		},
	}
}
