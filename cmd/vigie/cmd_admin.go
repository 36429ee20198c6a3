package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/store"
)

// storeFlags locate the hub's database, shared by serve and admin.
type storeFlags struct {
	data string
	db   string
}

func (f *storeFlags) add(cmd *cobra.Command, persistent bool) {
	fs := cmd.Flags()
	if persistent {
		fs = cmd.PersistentFlags()
	}
	fs.StringVar(&f.data, "data", "./vigie-data", "data directory of the embedded SQLite database")
	fs.StringVar(&f.db, "db", "", "PostgreSQL URL (postgres://user@host/db) instead of the embedded SQLite file")
}

func (f *storeFlags) open(ctx context.Context) (*store.Store, error) {
	return store.Open(ctx, store.Config{DataDir: f.data, URL: f.db})
}

type adminOptions struct {
	storeFlags
	json bool
}

func newAdminCommand(g *globalOptions) *cobra.Command {
	o := &adminOptions{}
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Manage the hub's organisations, users and tokens directly in its database",
		Long: `Manage the hub's organisations, users and API tokens by acting on its
database directly: to set up a hub before its first start, or to recover
access (a lost password or authenticator). It works while the hub runs.
Every change is written to the audit log as done by "cli".

Exit codes: 0 success, 2 error (the message says why), 3 usage error.`,
		Example: `  vigie admin org create "Parti Exemple" --kind party
  vigie admin org list
  vigie admin user create alice --org "Parti Exemple" --role admin --password-stdin
  vigie admin token create --org "Parti Exemple" --role sensor --name "office scanner"
  vigie admin token revoke 7`,
	}
	o.add(cmd, true)
	cmd.PersistentFlags().BoolVar(&o.json, "json", false, "machine-readable output (JSON)")
	cmd.AddCommand(newAdminOrgCommand(g, o), newAdminUserCommand(g, o), newAdminTokenCommand(g, o), newAdminBackupCommand(g, o), newAdminRestoreCommand(g, o))
	return cmd
}

func newAdminBackupCommand(g *globalOptions, o *adminOptions) *cobra.Command {
	var keep int
	cmd := &cobra.Command{
		Use:   "backup FILE|DIR",
		Short: "Copy the hub's SQLite database to FILE while the hub runs (consistent, checked)",
		Long: `Copy the hub's embedded SQLite database to FILE, while the hub runs: the
copy is one consistent snapshot (every sighting the hub acknowledged before
the backup started is in it), checked with SQLite's integrity check, synced
to disk, and only then given its name. FILE must not exist. Given a
directory, the backup is DIR/vigie-TIME.db, and --keep N removes the oldest
vigie-*.db there beyond N (for a nightly timer).

Restore with 'vigie admin restore FILE --data DIR' while the hub is stopped.
A PostgreSQL hub is backed up with pg_dump instead (the command says how).

Exit codes: 0 success, 2 error (the message says why), 3 usage error.`,
		Args: cobra.ExactArgs(1),
		Example: `  vigie admin backup /var/backups/vigie/vigie-$(date +%F).db --data /var/lib/vigie
  vigie admin backup /var/lib/vigie-hub-backups --keep 14 --data /var/lib/vigie-hub
  vigie admin backup nightly.db --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if keep < 0 {
				return usageError("--keep %d: want 0 (keep all) or more", keep)
			}
			target, dir := args[0], ""
			if st, err := os.Stat(target); err == nil && st.IsDir() {
				dir = target
				target = filepath.Join(dir, "vigie-"+time.Now().UTC().Format("20060102T150405Z")+".db")
			} else if keep > 0 {
				return usageError("--keep needs a directory, not the file %s", target)
			}
			return o.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				info, err := s.Backup(ctx, target)
				if err != nil {
					return err
				}
				if dir != "" && keep > 0 {
					old, _ := filepath.Glob(filepath.Join(dir, "vigie-*.db"))
					sort.Strings(old) // the names sort by time
					for len(old) > keep {
						if err := os.Remove(old[0]); err != nil {
							return fmt.Errorf("--keep: %w", err)
						}
						old = old[1:]
					}
				}
				if o.json {
					return o.printJSON(g, info)
				}
				_, err = fmt.Fprintf(g.stdout, "backup written to %s (%d bytes, schema %d): %d sightings, %d indicators, %d users\n",
					info.Path, info.Bytes, info.SchemaVersion, info.Sightings, info.Indicators, info.Users)
				return err
			})
		},
	}
	cmd.Flags().IntVar(&keep, "keep", 0, "with a directory: keep only the newest N vigie-*.db backups there (0: keep all)")
	return cmd
}

func newAdminRestoreCommand(g *globalOptions, o *adminOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "restore FILE",
		Short: "Make a backup the hub's SQLite database (stop the hub first)",
		Long: `Check the backup FILE (made by 'vigie admin backup') and make it the SQLite
database of --data. Stop the hub first. The database it replaces is kept
beside it as vigie.db.before-restore-TIME, never deleted. Start the hub
again afterwards; a backup made by an older vigie is upgraded at start.

Exit codes: 0 success, 2 error (the message says why), 3 usage error.`,
		Args:    cobra.ExactArgs(1),
		Example: `  systemctl stop vigie && vigie admin restore /var/backups/vigie/vigie-2026-12-06.db --data /var/lib/vigie && systemctl start vigie`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.db != "" {
				return usageError("--db: a PostgreSQL hub is restored with pg_restore, not vigie admin restore")
			}
			info, err := store.Restore(cmd.Context(), args[0], o.data)
			if err != nil {
				return err
			}
			if o.json {
				return o.printJSON(g, info)
			}
			_, err = fmt.Fprintf(g.stdout, "restored %s as %s (schema %d): %d sightings, %d indicators, %d users; start the hub again\n",
				args[0], info.Path, info.SchemaVersion, info.Sightings, info.Indicators, info.Users)
			return err
		},
	}
}

func (o *adminOptions) withStore(cmd *cobra.Command, fn func(ctx context.Context, s *store.Store) error) error {
	ctx := cmd.Context()
	s, err := o.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(ctx, s)
}

func (o *adminOptions) printJSON(g *globalOptions, v any) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newAdminOrgCommand(g *globalOptions, o *adminOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "org", Short: "Create and list organisations (the agency and the parties)",
		Example: `  vigie admin org create "Parti Exemple" --kind party --data /var/lib/vigie
  vigie admin org list --data /var/lib/vigie`}
	var kind string
	create := &cobra.Command{
		Use:     "create NAME",
		Short:   "Create an organisation",
		Args:    cobra.ExactArgs(1),
		Example: `  vigie admin org create "Parti Exemple" --kind party`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !store.ValidKind(kind) {
				return usageError("--kind %q: want agency or party", kind)
			}
			return o.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				org, err := s.CreateOrg(ctx, store.Actor{Name: "cli"}, strings.TrimSpace(args[0]), kind)
				if err != nil {
					return err
				}
				if o.json {
					return o.printJSON(g, org)
				}
				_, err = fmt.Fprintf(g.stdout, "created %s %q (id %d)\n", org.Kind, org.Name, org.ID)
				return err
			})
		},
	}
	create.Flags().StringVar(&kind, "kind", store.KindParty, "agency or party")
	list := &cobra.Command{
		Use:     "list",
		Short:   "List organisations: name, kind, id, last contact",
		Args:    cobra.NoArgs,
		Example: `  vigie admin org list`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				orgs, err := s.AllOrgs(ctx)
				if err != nil {
					return err
				}
				if o.json {
					return o.printJSON(g, orgs)
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				for _, org := range orgs {
					last := "never"
					if !org.LastContactAt.IsZero() {
						last = org.LastContactAt.Format(time.RFC3339)
					}
					fmt.Fprintf(tw, "%s\t%s\tid=%d\tlast-contact=%s\n", org.Name, org.Kind, org.ID, last)
				}
				return tw.Flush()
			})
		},
	}
	cmd.AddCommand(create, list)
	return cmd
}

func readPassword(g *globalOptions, fromStdin bool) (string, bool, error) {
	if !fromStdin {
		return hub.RandomPassword(), true, nil
	}
	line, err := bufio.NewReader(g.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", false, fmt.Errorf("reading the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), false, nil
}

func newAdminUserCommand(g *globalOptions, o *adminOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Create, list, recover, disable, delete users of the web UI and change their role",
		Example: `  vigie admin user list --data /var/lib/vigie
  vigie admin user reset admin --data /var/lib/vigie
  vigie admin user disable alice --data /var/lib/vigie
  vigie admin user role bob analyst --data /var/lib/vigie`}
	var org, role string
	var pwStdin bool
	create := &cobra.Command{
		Use:   "create USERNAME",
		Short: "Create a user (a random password is printed unless --password-stdin)",
		Args:  cobra.ExactArgs(1),
		Example: `  vigie admin user create alice --org Agency --role analyst
  echo 'a long passphrase here' | vigie admin user create bob --org "Parti Exemple" --role admin --password-stdin`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if org == "" {
				return usageError("--org is required")
			}
			pw, generated, err := readPassword(g, pwStdin)
			if err != nil {
				return err
			}
			return o.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				u, err := hub.CreateUser(ctx, s, store.Actor{Name: "cli"}, org, args[0], role, pw)
				if err != nil {
					return err
				}
				if o.json {
					out := map[string]any{"user": u}
					if generated {
						out["password"] = pw
					}
					return o.printJSON(g, out)
				}
				fmt.Fprintf(g.stdout, "created %s %q in %q\n", u.Role, u.Username, u.OrgName)
				if generated {
					fmt.Fprintf(g.stdout, "password (shown once): %s\n", pw)
				}
				return nil
			})
		},
	}
	create.Flags().StringVar(&org, "org", "", "organisation name (required)")
	create.Flags().StringVar(&role, "role", store.RoleMember, "admin, analyst or member")
	create.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")
	list := &cobra.Command{
		Use: "list", Short: "List users: name, organisation, role, two-factor", Args: cobra.NoArgs,
		Example: `  vigie admin user list`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				us, err := s.ListUsers(ctx, store.Viewer{Agency: true})
				if err != nil {
					return err
				}
				if o.json {
					return o.printJSON(g, us)
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				for _, u := range us {
					fmt.Fprintf(tw, "%s\t%s\t%s\ttwo-factor=%v\tpasskeys=%d\tdisabled=%v\n", u.Username, u.OrgName, u.Role, u.TOTPEnabled, u.Passkeys, u.Disabled)
				}
				return tw.Flush()
			})
		},
	}
	var resetTOTP bool
	reset := &cobra.Command{
		Use:   "reset USERNAME",
		Short: "Recover a user: set a new password, clear the login throttle (and with --totp remove the authenticator app and passkeys)",
		Args:  cobra.ExactArgs(1),
		Example: `  vigie admin user reset alice
  vigie admin user reset alice --totp --password-stdin < pw.txt`,
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, generated, err := readPassword(g, pwStdin)
			if err != nil {
				return err
			}
			if err := hub.CheckPasswordPolicy(pw, args[0]); err != nil {
				return err
			}
			hash, err := hub.HashPassword(pw)
			if err != nil {
				return err
			}
			return o.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				u, err := s.UserByName(ctx, args[0])
				if err != nil {
					return fmt.Errorf("user %q: %w", args[0], err)
				}
				up := store.UserUpdate{PasswordHash: &hash, MustChangePassword: new(true), Disabled: new(false)}
				if resetTOTP {
					up.TOTPEnabled, up.TOTPSecret = new(false), new("")
				}
				if err := s.UpdateUser(ctx, store.Viewer{Agency: true}, store.Actor{OrgID: u.OrgID, Name: "cli"}, u.ID, up); err != nil {
					return err
				}
				if err := s.ClearLoginThrottle(ctx, strings.ToLower(u.Username)); err != nil {
					return err
				}
				if resetTOTP {
					n, err := s.DeletePasskeys(ctx, store.Actor{OrgID: u.OrgID, Name: "cli"}, u.ID)
					if err != nil {
						return err
					}
					fmt.Fprintf(g.stdout, "removed the authenticator app and %d passkeys of %q: they set up a second factor at the next login\n", n, u.Username)
				}
				fmt.Fprintf(g.stdout, "reset %q: the user must choose a new password at the next login\n", u.Username)
				if generated {
					fmt.Fprintf(g.stdout, "password (shown once): %s\n", pw)
				}
				return nil
			})
		},
	}
	reset.Flags().BoolVar(&resetTOTP, "totp", false, "also remove the user's second factors, authenticator app and passkeys (lost phone or key: they set up a new one at login)")
	reset.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the new password from the first line of standard input")
	change := func(use, short, example string, nargs int, fn func(args []string) (hub.UserChange, bool, error)) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short, Args: cobra.ExactArgs(nargs), Example: example,
			RunE: func(cmd *cobra.Command, args []string) error {
				c, del, err := fn(args)
				if err != nil {
					return err
				}
				return o.withStore(cmd, func(ctx context.Context, s *store.Store) error {
					u, err := s.UserByName(ctx, args[0])
					if err != nil {
						return fmt.Errorf("user %q: %w", args[0], err)
					}
					all, a := store.Viewer{Agency: true}, store.Actor{OrgID: u.OrgID, Name: "cli"}
					if del {
						if err := hub.DeleteUser(ctx, s, all, a, 0, u.ID); err != nil {
							return err
						}
						_, err := fmt.Fprintf(g.stdout, "deleted %q of %q: its sessions, passkeys and personal tokens are gone\n", u.Username, u.OrgName)
						return err
					}
					u, err = hub.ChangeUser(ctx, s, all, a, 0, u.ID, c)
					if err != nil {
						return err
					}
					if o.json {
						return o.printJSON(g, u)
					}
					state := "enabled"
					if u.Disabled {
						state = "disabled (sessions ended, personal tokens stopped)"
					}
					_, err = fmt.Fprintf(g.stdout, "%q of %q: role %s, %s\n", u.Username, u.OrgName, u.Role, state)
					return err
				})
			},
		}
	}
	disable := change("disable USERNAME", "Disable a user at once: its sessions end and its personal API tokens stop working",
		"  vigie admin user disable alice", 1, func([]string) (hub.UserChange, bool, error) { return hub.UserChange{Disabled: new(true)}, false, nil })
	enable := change("enable USERNAME", "Enable a disabled user again", "  vigie admin user enable alice", 1,
		func([]string) (hub.UserChange, bool, error) { return hub.UserChange{Disabled: new(false)}, false, nil })
	del := change("delete USERNAME", "Delete a user: sessions, passkeys and personal API tokens go; the audit log keeps its past actions",
		"  vigie admin user delete alice", 1, func([]string) (hub.UserChange, bool, error) { return hub.UserChange{}, true, nil })
	roleCmd := change("role USERNAME ROLE", "Change a user's role (admin, analyst or member); its sessions end",
		"  vigie admin user role alice analyst", 2, func(args []string) (hub.UserChange, bool, error) {
			if !store.ValidUserRole(args[1]) {
				return hub.UserChange{}, false, usageError("role %q: want admin, analyst or member", args[1])
			}
			return hub.UserChange{Role: &args[1]}, false, nil
		})
	cmd.AddCommand(create, list, reset, disable, enable, del, roleCmd)
	return cmd
}

func newAdminTokenCommand(g *globalOptions, o *adminOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke API tokens",
		Example: `  vigie admin token create --org "Parti Exemple" --role sensor --data /var/lib/vigie
  vigie admin token list --data /var/lib/vigie`}
	var org, role, name string
	var expires time.Duration
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token; the token is the last line of the output (shown once)",
		Args:  cobra.NoArgs,
		Example: `  vigie admin token create --org "Parti Exemple" --role sensor --name "office scanner"
  TOKEN=$(vigie admin token create --org Agency --role analyst | tail -1)`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if org == "" {
				return usageError("--org is required")
			}
			if !store.ValidTokenRole(role) {
				return usageError("--role %q: want admin, analyst, member or sensor", role)
			}
			return o.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				target, err := s.OrgByName(ctx, org)
				if err != nil {
					return err
				}
				t, err := hub.CreateToken(ctx, s, store.Actor{Name: "cli", OrgID: target.ID}, target.ID, role, name, expires)
				if err != nil {
					return err
				}
				if o.json {
					return o.printJSON(g, t)
				}
				fmt.Fprintf(g.stdout, "token %d for %q, role %s (store it now: it is not shown again):\n%s\n", t.ID, target.Name, t.Role, t.Secret)
				return nil
			})
		},
	}
	create.Flags().StringVar(&org, "org", "", "organisation name (required)")
	create.Flags().StringVar(&role, "role", store.RoleSensor, "admin, analyst, member or sensor")
	create.Flags().StringVar(&name, "name", "", "a label: where the token is used")
	create.Flags().DurationVar(&expires, "expires", 0, "validity, e.g. 2160h (default: until revoked)")
	list := &cobra.Command{
		Use: "list", Short: "List tokens: id, organisation, role, prefix, state", Args: cobra.NoArgs,
		Example: `  vigie admin token list`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				ts, err := s.ListTokens(ctx, store.Viewer{Agency: true})
				if err != nil {
					return err
				}
				if o.json {
					return o.printJSON(g, ts)
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				for _, t := range ts {
					state := "active"
					if !t.RevokedAt.IsZero() {
						state = "revoked"
					} else if !t.Usable(time.Now()) {
						state = "expired"
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%s\t%s\n", t.ID, t.OrgName, t.Role, t.Prefix, state, t.Name)
				}
				return tw.Flush()
			})
		},
	}
	revoke := &cobra.Command{
		Use: "revoke ID", Short: "Revoke a token at once", Args: cobra.ExactArgs(1),
		Example: `  vigie admin token revoke 7`,
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return usageError("token id %q: want the number shown by 'vigie admin token list'", args[0])
			}
			return o.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				if err := s.RevokeToken(ctx, store.Viewer{Agency: true}, store.Actor{Name: "cli"}, id); err != nil {
					return fmt.Errorf("token %d: %w", id, err)
				}
				_, err := fmt.Fprintf(g.stdout, "token %d revoked\n", id)
				return err
			})
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}
