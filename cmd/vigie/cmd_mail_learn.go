package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/vigie-project/vigie/internal/mail"
)

type mailLearnOptions struct {
	ham, phish []string
	model      string
	stateDir   string
	maxSize    int
}

func newMailLearnCommand(g *globalOptions) *cobra.Command {
	var o mailLearnOptions
	cmd := &cobra.Command{
		Use:   "learn --ham DIR --phish DIR [--model FILE]",
		Short: "Teach the content model the party's own mail (legitimate and phishing)",
		Long: `Update the learned content model with the party's own mail, as rspamd and
SpamAssassin users train their Bayes filters: --ham for legitimate mail the
model should not flag, --phish for phishing it should catch (files, mbox or
MMDF mailboxes, Maildirs, directories of them; repeatable).

The model starts from --model FILE when that file exists, else from the
state directory's mail-model.bin when it exists, else from the model built
into vigie; the result is written to --model FILE (default: the state
directory's mail-model.bin, which 'vigie mail check' and 'vigie mail
milter' then use without a flag). A model trained by an agency for many
parties is the same kind of file: put it at that path, or give it with
--model, to use it.

Exit status: 0 when the model was written, 2 when it could not be (an
unreadable input, an unwritable model file, a damaged model), 3 for wrong
flags.`,
		Example: `  vigie mail learn --ham ~/Maildir/.Archive --phish ~/Maildir/.Phishing
  vigie mail learn --ham ham/ --phish phish/ --model party-model.bin
  vigie mail check --model party-model.bin inbox.mbox`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runMailLearn(cmd, g, &o) },
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.ham, "ham", nil, "legitimate mail to learn from (repeatable)")
	f.StringSliceVar(&o.phish, "phish", nil, "phishing mail to learn from (repeatable)")
	f.StringVar(&o.model, "model", "", "model file to update and write (default: the state directory's "+mail.ModelFile+")")
	f.StringVar(&o.stateDir, "state-dir", "", "state directory (default: the user cache directory/vigie)")
	f.IntVar(&o.maxSize, "max-size", 50<<20, "largest message read, in bytes")
	return cmd
}

func runMailLearn(cmd *cobra.Command, g *globalOptions, o *mailLearnOptions) error {
	if len(o.ham)+len(o.phish) == 0 {
		return usageError("give mail to learn from with --ham and/or --phish")
	}
	state := o.stateDir
	if state == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			return usageError("no state directory (give --state-dir or --model): %v", err)
		}
		state = filepath.Join(d, "vigie")
	}
	out := o.model
	if out == "" {
		out = filepath.Join(state, mail.ModelFile)
	}
	start := ""
	if _, err := os.Stat(out); err == nil {
		start = out
	}
	m, from, err := mail.ResolveModel(start, state)
	if err != nil {
		return withCode(exitError, err)
	}
	a, err := mail.New(mail.Options{})
	if err != nil {
		return withCode(exitError, err)
	}
	st, err := a.Learn(cmd.Context(), m, o.ham, o.phish, mail.ReadOptions{MaxMessageBytes: o.maxSize})
	for _, u := range st.Unreadable {
		fmt.Fprintf(g.stderr, "vigie mail learn: warning: not learned: %s\n", u)
	}
	if err != nil {
		return withCode(exitError, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return withCode(exitError, fmt.Errorf("model directory: %w", err))
	}
	if err := m.Save(out); err != nil {
		return withCode(exitError, err)
	}
	fmt.Fprintf(g.stdout, "learned %d legitimate and %d phishing messages (starting from the %s model); model written to %s\n", st.Ham, st.Phish, from, out)
	return nil
}
