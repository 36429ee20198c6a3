package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/leakcase"
)

const leakPublishLong = `Publish the agency's answer on a leak, offline: from the report.json of
'vigie leak verify', write a static, self-contained page in English and French
(DIR/statement.html: counts per verdict, each published item's verdict and
reasons, the method in plain words, and how to check the signature) and its
detached SSH signature (DIR/statement.html.sig) made with the agency's key.

Anyone can check the page with OpenSSH (8.2 or later) and the agency's public
key, as the page itself explains:

  echo 'IDENTITY namespaces="vigie-statement" ssh-ed25519 AAAA...' > allowed_signers
  ssh-keygen -Y verify -f allowed_signers -I IDENTITY -n vigie-statement -s statement.html.sig < statement.html

--key is an OpenSSH private key (ssh-keygen -t ed25519); when it is encrypted,
its passphrase is read from the environment variable VIGIE_KEY_PASSPHRASE.
--withhold names a file of item paths (one a line) left out of the page (a
private matter, an item still being examined); the page says how many.

The hub does the same when an analyst publishes a case (vigie serve
--statement-key), with the analysts' revised verdicts.

Exit codes:
  0  statement.html and statement.html.sig written
  2  error: unreadable report, key or output directory
  3  usage error`

type leakPublishOptions struct {
	key, out, title, agency, ref, identity, withhold string
	json                                             bool
}

func newLeakPublishCommand(g *globalOptions) *cobra.Command {
	var o leakPublishOptions
	cmd := &cobra.Command{
		Use:   "publish REPORT.json --key KEY --out DIR",
		Short: "Write the signed public statement (FR/EN) of a verified leak",
		Long:  leakPublishLong,
		Example: `  vigie leak publish report/report.json --key ~/.ssh/agency_ed25519 --out statement/ \
      --title "Leak of 5 May: what is authentic" --agency "National agency" --identity statement@agency.example
  ssh-keygen -Y verify -f allowed_signers -I statement@agency.example -n vigie-statement \
      -s statement/statement.html.sig < statement/statement.html`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runLeakPublish(g, o, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.key, "key", "", "the agency's OpenSSH private key (required; passphrase in VIGIE_KEY_PASSPHRASE)")
	f.StringVar(&o.out, "out", "", "directory for statement.html and statement.html.sig (required)")
	f.StringVar(&o.title, "title", "Statement on a leak", "the statement's title")
	f.StringVar(&o.agency, "agency", "the agency", "the agency's name, as signed")
	f.StringVar(&o.ref, "case", "", "the case's public reference (default: LEAK- and the report's date)")
	f.StringVar(&o.identity, "identity", "statement@vigie", "the name the public key is published under (the allowed_signers principal)")
	f.StringVar(&o.withhold, "withhold", "", "file of item paths, one a line, left out of the statement")
	f.BoolVar(&o.json, "json", false, "print what was written as JSON on standard output")
	return cmd
}

func runLeakPublish(g *globalOptions, o leakPublishOptions, report string) error {
	if o.key == "" || o.out == "" {
		return usageError("--key KEY and --out DIR are required")
	}
	f, err := os.Open(report)
	if err != nil {
		return withCode(exitError, fmt.Errorf("report: %w", err))
	}
	rep, err := leakcase.ReadReport(f, report, 0)
	f.Close()
	if err != nil {
		return withCode(exitError, err)
	}
	withheld := map[string]bool{}
	if o.withhold != "" {
		wf, err := os.Open(o.withhold)
		if err != nil {
			return withCode(exitError, fmt.Errorf("--withhold: %w", err))
		}
		sc := bufio.NewScanner(wf)
		for sc.Scan() {
			if p := strings.TrimSpace(sc.Text()); p != "" && !strings.HasPrefix(p, "#") {
				withheld[p] = true
			}
		}
		wf.Close()
		if err := sc.Err(); err != nil {
			return withCode(exitError, fmt.Errorf("--withhold %s: %w", o.withhold, err))
		}
	}
	signer, err := leakcase.LoadSigner(o.key, []byte(os.Getenv("VIGIE_KEY_PASSPHRASE")))
	if err != nil {
		return withCode(exitError, err)
	}
	st := &leakcase.Statement{Case: o.ref, Title: o.title, Agency: o.agency, Identity: o.identity, Published: time.Now().UTC(), Tool: rep.Tool, KeyArchives: rep.KeyArchives}
	if st.Case == "" {
		st.Case = "LEAK-" + rep.Generated.UTC().Format("20060102")
	}
	for _, it := range rep.Items {
		if withheld[it.Path] {
			st.Withheld++
			continue
		}
		st.Items = append(st.Items, leakcase.ItemFromReport(it))
	}
	page, sig, err := leakcase.Publish(st, signer)
	if err != nil {
		return withCode(exitError, err)
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return withCode(exitError, fmt.Errorf("--out: %w", err))
	}
	pagePath, sigPath := filepath.Join(o.out, "statement.html"), filepath.Join(o.out, "statement.html.sig")
	for _, w := range []struct {
		path string
		data []byte
	}{{pagePath, page}, {sigPath, sig}} {
		if err := os.WriteFile(w.path, w.data, 0o644); err != nil {
			return withCode(exitError, err)
		}
	}
	allowed := leakcase.AllowedSigners(st.Identity, signer.PublicKey())
	if o.json {
		return json.NewEncoder(g.stdout).Encode(map[string]any{"statement": pagePath, "signature": sigPath, "items": len(st.Items), "withheld": st.Withheld,
			"fingerprint": leakcase.Fingerprint(signer.PublicKey()), "allowed_signers": allowed})
	}
	fmt.Fprintf(g.stdout, "vigie leak publish: %d item(s) published (%d withheld)\n  %s\n  %s (key %s)\ncheck with:\n  echo '%s' > allowed_signers\n  ssh-keygen -Y verify -f allowed_signers -I %s -n %s -s %s < %s\n",
		len(st.Items), st.Withheld, pagePath, sigPath, leakcase.Fingerprint(signer.PublicKey()), allowed, st.Identity, leakcase.Namespace, sigPath, pagePath)
	return nil
}

// serveCaseFlags are vigie serve's flags for leak cases.
type serveCaseFlags struct {
	leakDir, statementKey, identity string
	workers, publicRate             int
}

func (c *serveCaseFlags) add(f *pflag.FlagSet) {
	f.StringVar(&c.leakDir, "leak-dir", "", "directory where the agency places leak dumps and DKIM key archives for the hub to verify (leak cases); without it cases take uploaded report.json files only")
	f.StringVar(&c.statementKey, "statement-key", "", "the agency's OpenSSH private key that signs the public statements of leak cases (passphrase in VIGIE_KEY_PASSPHRASE); without it cases are published offline with vigie leak publish")
	f.StringVar(&c.identity, "statement-identity", "statement@vigie", "the name the statement key is published under (the allowed_signers principal)")
	f.IntVar(&c.workers, "leak-workers", 0, "items a verification on the hub examines at once (default: one per CPU)")
	f.IntVar(&c.publicRate, "public-rate", 30, "requests per minute one address may make to the public leak statements and lookup")
}

// apply puts the flags into the hub's options; verifications keep their
// checkpoints in DATA/leak-cases.
func (c *serveCaseFlags) apply(o *hub.Options, dataDir string) error {
	if c.leakDir != "" {
		fi, err := os.Stat(c.leakDir)
		if err != nil || !fi.IsDir() {
			return usageError("--leak-dir %s: not a directory", c.leakDir)
		}
		o.LeakDir = c.leakDir
		o.CaseWorkDir = filepath.Join(dataDir, "leak-cases")
	}
	if c.statementKey != "" {
		signer, err := leakcase.LoadSigner(c.statementKey, []byte(os.Getenv("VIGIE_KEY_PASSPHRASE")))
		if err != nil {
			return withCode(exitError, fmt.Errorf("--statement-key: %w", err))
		}
		o.StatementKey = signer
	}
	o.StatementIdentity, o.LeakWorkers, o.PublicRate = c.identity, c.workers, c.publicRate
	return nil
}
