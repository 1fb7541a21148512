package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"roster/internal/account"
	"roster/internal/console"
	"roster/internal/directory"
	"roster/internal/mail"
	"roster/internal/rest"
	"roster/internal/scim"
	"roster/internal/server"
)

func (a *app) serveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server (sign-in pages, admin API, health checks)",
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
		a.log.Info("created the default organization", "org", org.Slug)
	}
	home, err := svc.Organization(ctx, a.cfg.DefaultOrg)
	if err != nil {
		return fmt.Errorf("organization %q (--org): %w", a.cfg.DefaultOrg, err)
	}
	// An installation without users gets a one-time link where the first
	// owner sets a password in the browser.
	link, err := svc.SetupLink(ctx, home.ID)
	if err != nil {
		return err
	}
	if link != "" {
		a.log.Info("no users yet: open this link within an hour to create the first owner (or run roster admin create)",
			"org", home.Slug, "setup_link", link)
	}
	// The outbox worker delivers mail while the server runs. It is stopped,
	// and its message in flight recorded, before the database closes (the
	// deferred Close above runs after this one).
	if a.cfg.SMTPURL != "" {
		sender, err := mail.NewSMTP(a.cfg.SMTPURL, mail.SMTPOptions{From: a.cfg.MailFrom})
		if err != nil {
			return fmt.Errorf("--smtp-url (ROSTER_SMTP_URL): %w", err)
		}
		worker := mail.NewWorker(db, sender, mail.WorkerOptions{Logger: a.log})
		workerCtx, stopWorker := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { worker.Run(workerCtx) })
		defer func() {
			stopWorker()
			wg.Wait()
		}()
		a.log.Info("delivering mail", "smtp", sender.String(), "worker", worker.Name())
	} else {
		a.log.Info("no SMTP server configured (--smtp-url): mail stays in the outbox and links are logged")
	}
	// Expired invitations are reported to whoever sent them, once a minute.
	jobsCtx, stopJobs := context.WithCancel(ctx)
	var jobs sync.WaitGroup
	jobs.Go(func() {
		every(jobsCtx, time.Minute, func() {
			if n, err := svc.ExpireInvitations(jobsCtx, ""); err != nil && jobsCtx.Err() == nil {
				a.log.Error("cannot handle expired invitations", "error", err)
			} else if n > 0 {
				a.log.Info("expired invitations reported to their senders", "count", n)
			}
		})
	})
	// Users past their organization's recycle bin rule are purged hourly.
	jobs.Go(func() {
		every(jobsCtx, time.Hour, func() {
			if n, err := svc.PurgeExpiredDeleted(jobsCtx, ""); err != nil && jobsCtx.Err() == nil {
				a.log.Error("cannot purge the recycle bins", "error", err)
			} else if n > 0 {
				a.log.Info("deleted users purged after their recycle bin days", "count", n)
			}
		})
	})
	// Imports and their rollbacks run in the background, taken up within
	// two seconds of being queued; the name tells this process's leases
	// apart from those of other instances.
	importWorker := workerName()
	jobs.Go(func() {
		every(jobsCtx, 2*time.Second, func() {
			if n, err := svc.RunImports(jobsCtx, importWorker); err != nil && jobsCtx.Err() == nil {
				a.log.Error("cannot run imports", "error", err)
			} else if n > 0 {
				a.log.Info("imports finished", "count", n)
			}
		})
	})
	defer func() {
		stopJobs()
		jobs.Wait()
	}()
	api := rest.New(svc, rest.Options{Version: version, MaxBodyBytes: a.cfg.MaxBodyBytes, Logger: a.log})
	pages := account.New(account.Options{Service: svc, DefaultOrgID: home.ID, BaseURL: a.cfg.BaseURL, Logger: a.log})
	extra := pages.Routes()
	for pattern, h := range console.New(console.Options{Service: svc, Pages: pages, Logger: a.log,
		MailDelivery: a.cfg.SMTPURL != ""}).Routes() {
		extra[pattern] = h
	}
	extra["GET /{$}"] = http.RedirectHandler("/account", http.StatusSeeOther)
	extra[scim.Prefix+"/"] = scim.New(svc, scim.Options{BaseURL: a.cfg.BaseURL, Logger: a.log})
	srv := server.New(a.cfg, server.Deps{Logger: a.log, Ready: svc.Ready, API: api, Extra: extra})
	a.log.Info("starting roster", "version", version, "db", redactDSN(a.cfg.DB), "engine", string(db.Engine()))
	if started != nil {
		started(srv)
	}
	return srv.Run(ctx)
}

// every runs fn at once and then at each interval until ctx ends.
func every(ctx context.Context, interval time.Duration, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fn()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
