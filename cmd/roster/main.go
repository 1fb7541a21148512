// Command roster is Roster's single binary: the HTTP server and the
// operator's commands. It is the only place where the parts are wired
// together.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"roster/internal/admin"
	"roster/internal/auth"
	"roster/internal/config"
	"roster/internal/directory"
	"roster/internal/logging"
	"roster/internal/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot(os.Stdin, os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "roster:", errorText(err))
		os.Exit(1)
	}
}

// errorText renders an error for the terminal, listing field problems.
func errorText(err error) string {
	var de *directory.Error
	if errors.As(err, &de) && len(de.Fields) > 0 {
		var b strings.Builder
		b.WriteString(de.Message)
		for _, f := range de.Fields {
			fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
		}
		return b.String()
	}
	return err.Error()
}

// app is what every command shares: the configuration, and the parts built
// from it on demand.
type app struct {
	cfg    config.Config
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	a := &app{cfg: config.Default(), stdin: stdin, stdout: stdout, stderr: stderr}
	envErr := config.ApplyEnv(&a.cfg, os.LookupEnv)
	root := &cobra.Command{
		Use:           "roster",
		Short:         "Roster: user and access administration",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if envErr != nil {
				return envErr
			}
			if err := a.cfg.Validate(); err != nil {
				return err
			}
			a.log = logging.New(a.cfg.LogFormat, a.cfg.Level(), stderr)
			return nil
		},
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	config.Bind(root.PersistentFlags(), &a.cfg)
	root.AddCommand(a.serveCmd(), a.migrateCmd(), a.versionCmd(), a.adminCmd(), a.usersCmd(), a.tokenCmd(), a.orgCmd(), a.benchCmd())
	root.AddCommand(a.importCmds()...)
	return root
}

// open connects to the database and brings the schema up to date.
func (a *app) open(ctx context.Context) (*store.DB, error) {
	db, err := store.Open(ctx, a.cfg.DB)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// service builds the admin service on db.
func (a *app) service(db *store.DB) (*admin.Service, error) {
	h, err := auth.NewHasher(auth.Argon2Params{MemoryKiB: a.cfg.Argon2MemoryKiB, Time: a.cfg.Argon2Time,
		Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		return nil, err
	}
	var extra io.Reader
	if a.cfg.PasswordBlocklist != "" {
		f, err := os.Open(a.cfg.PasswordBlocklist)
		if err != nil {
			return nil, fmt.Errorf("password blocklist: %w", err)
		}
		defer f.Close()
		extra = f
	}
	bl, err := auth.NewBlocklist(extra)
	if err != nil {
		return nil, fmt.Errorf("password blocklist %s: %w", a.cfg.PasswordBlocklist, err)
	}
	return admin.New(db, admin.Options{Hasher: h, Blocklist: bl, BaseURL: a.cfg.BaseURL,
		LogLinks: a.cfg.SMTPURL == "", Logger: a.log}), nil
}

// withService opens the database, makes sure the default organization
// exists, and runs fn with the service and the organization named by --org.
func (a *app) withService(ctx context.Context, fn func(svc *admin.Service, org *directory.Organization) error) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	svc, err := a.service(db)
	if err != nil {
		return err
	}
	if _, _, err := svc.EnsureOrganization(ctx, directory.DefaultOrgSlug, "Default organization"); err != nil {
		return err
	}
	org, err := svc.Organization(ctx, a.cfg.DefaultOrg)
	if err != nil {
		return fmt.Errorf("organization %q: %w (create it with roster org create)", a.cfg.DefaultOrg, err)
	}
	return fn(svc, org)
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "version",
		Short:             "Print the version",
		Args:              cobra.NoArgs,
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(a.stdout, "roster", version)
			return nil
		},
	}
}

func (a *app) migrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database schema up to date, then exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withService(cmd.Context(), func(*admin.Service, *directory.Organization) error {
				a.log.Info("database is up to date", "db", redactDSN(a.cfg.DB))
				return nil
			})
		},
	}
}

// redactDSN hides a password in a database URL for logs.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			cred := rest[:at]
			if c := strings.IndexByte(cred, ':'); c >= 0 {
				return dsn[:i+3] + cred[:c] + ":***" + rest[at:]
			}
		}
	}
	return dsn
}

// readSecret reads a password from stdin: the whole input less one final
// line break.
func readSecret(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return "", err
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", errors.New("no password on standard input")
	}
	return s, nil
}
