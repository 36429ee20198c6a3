package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/mail/model"
)

type mailModelUploadOptions struct {
	hubURL, hubToken, hubCA string
	json                    bool
}

func newMailModelCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "model",
		Short: "Hand out a mail content model to every party through the hub",
	}
	cmd.AddCommand(newMailModelUploadCommand(g))
	return cmd
}

func newMailModelUploadCommand(g *globalOptions) *cobra.Command {
	var o mailModelUploadOptions
	cmd := &cobra.Command{
		Use:   "upload FILE --hub URL --token T",
		Short: "Upload a model trained by the agency; the parties' sensors pull it",
		Long: `Upload a mail content model — the file 'vigie mail learn' writes, trained by
the agency on the phishing its parties forward and on legitimate mail — to
the hub, as its next version. Every party's 'vigie mail check --hub' and
'vigie mail milter --hub' then pull it (the milter within the hour, with no
restart), check its SHA-256 and its format, keep it in the state directory
as hub-mail-model.bin and use it, unless the party has its own model
(--model, or mail-model.bin from its own 'vigie mail learn', which starts
from the agency's). A model a sensor cannot use is refused with the reason
and the previous one stays in force.

The file is checked here and by the hub: it must be a Vigie mail model
trained on both legitimate and phishing mail. The token must be an agency
administrator's or analyst's.

Exit status: 0 when the hub stored the model (its version and SHA-256 are
printed), 2 when the file is not a usable model or the hub refused it, 3
for wrong flags, 4 when the hub could not be reached or refused the token.`,
		Example: `  vigie mail learn --ham shared-ham/ --phish forwarded-phish/ --model agency.bin
  vigie mail model upload agency.bin --hub https://hub.example.org --token "$VIGIE_TOKEN"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runMailModelUpload(cmd, g, &o, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.hubURL, "hub", "", "hub URL (https://hub.example.org)")
	f.StringVar(&o.hubToken, "token", "", "agency API token (default $VIGIE_TOKEN)")
	f.StringVar(&o.hubCA, "hub-ca", "", "PEM certificate to trust for the hub (a self-signed hub)")
	f.BoolVar(&o.json, "json", false, "print the hub's answer as JSON")
	return cmd
}

func runMailModelUpload(cmd *cobra.Command, g *globalOptions, o *mailModelUploadOptions, path string) error {
	if o.hubURL == "" {
		return usageError("give the hub with --hub")
	}
	if o.hubToken == "" {
		o.hubToken = os.Getenv("VIGIE_TOKEN")
	}
	c, err := hubclient.New(o.hubURL, o.hubToken)
	if err != nil {
		return usageError("%v", err)
	}
	if o.hubCA != "" {
		if err := c.TrustCAFile(o.hubCA); err != nil {
			return usageError("%v", err)
		}
	}
	m, err := model.Load(path)
	if err == nil {
		err = m.Vet()
	}
	if err != nil {
		return withCode(exitError, fmt.Errorf("%s: not uploaded: %w", path, err))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return withCode(exitError, err)
	}
	up, err := c.PushMailModel(cmd.Context(), data)
	if err != nil {
		var rej *hubclient.RejectedError
		if errors.As(err, &rej) {
			return withCode(exitError, fmt.Errorf("%s: the hub refused the model: %w", path, err))
		}
		return withCode(exitHub, err)
	}
	if o.json {
		return json.NewEncoder(g.stdout).Encode(up)
	}
	fmt.Fprintf(g.stdout, "mail model version %d stored by the hub (SHA-256 %s, %d bytes, trained on %d legitimate and %d phishing messages); sensors with --hub pull it\n",
		up.Version, up.SHA256, up.Size, up.Ham, up.Phish)
	return nil
}
