package main

import (
	"context"

	"github.com/spf13/cobra"

	"roster/internal/directory"
	"roster/internal/rest"
	"roster/internal/server"
)

func (a *app) serveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server (admin API, health checks)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serve(cmd.Context(), nil)
		},
	}
}

// serve runs the server until ctx ends. When listening is non-nil it is
// called with the server, for tests that need the address.
func (a *app) serve(ctx context.Context, started func(*server.Server)) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	svc, err := a.service(db)
	if err != nil {
		return err
	}
	org, created, err := svc.EnsureOrganization(ctx, directory.DefaultOrgSlug, "Default organization")
	if err != nil {
		return err
	}
	if created {
		a.log.Info("created the default organization", "org", org.Slug,
			"next", "roster admin create --email you@example.com --password-stdin")
	}
	api := rest.New(svc, rest.Options{Version: version, MaxBodyBytes: a.cfg.MaxBodyBytes, Logger: a.log})
	srv := server.New(a.cfg, server.Deps{Logger: a.log, Ready: svc.Ready, API: api})
	a.log.Info("starting roster", "version", version, "db", redactDSN(a.cfg.DB), "engine", string(db.Engine()))
	if started != nil {
		started(srv)
	}
	return srv.Run(ctx)
}
