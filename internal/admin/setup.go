package admin

import (
	"context"
	"time"

	"roster/internal/auth"
	"roster/internal/directory"
	"roster/internal/store"
)

// setupLinkLifetime is how long the first owner's set-up link works.
const setupLinkLifetime = time.Hour

// SetupLink issues the one-time set-up link of an organization that has no
// users yet, voiding any earlier one, and returns it; it returns "" when
// the organization already has users. The server prints it at start, so
// that whoever installed Roster sets the first owner's password in the
// browser.
func (s *Service) SetupLink(ctx context.Context, orgID string) (string, error) {
	var link string
	err := s.inTx(ctx, func(tx *store.Tx) error {
		// The organization row lock makes instances starting together issue
		// one link each in turn rather than racing.
		if err := tx.LockOrganization(ctx, orgID); err != nil {
			return err
		}
		n, err := tx.CountAllUsers(ctx, orgID)
		if err != nil || n > 0 {
			return err
		}
		now := s.now()
		if err := tx.VoidLinks(ctx, orgID, "", directory.LinkSetup, now.UnixMicro()); err != nil {
			return err
		}
		secret, err := auth.NewSecret("rsu")
		if err != nil {
			return err
		}
		l := &directory.Link{ID: newID(), OrgID: orgID, Purpose: directory.LinkSetup, CreatedAt: now, ExpiresAt: now.Add(setupLinkLifetime)}
		if err := tx.CreateLink(ctx, l, auth.HashSecret(secret)); err != nil {
			return err
		}
		link = s.baseURL + "/setup/" + secret
		return nil
	})
	return link, err
}

// setupLink finds a usable set-up link of an organization that still has
// no users.
func (s *Service) setupLink(ctx context.Context, c *store.Conn, secret string) (*directory.Link, *directory.Organization, error) {
	if len(secret) > 100 || len(secret) < 5 || secret[:4] != "rsu_" {
		return nil, nil, errBadLink
	}
	l, err := c.LinkByHash(ctx, auth.HashSecret(secret))
	if isKind(err, directory.KindNotFound) {
		return nil, nil, errBadLink
	}
	if err != nil {
		return nil, nil, err
	}
	if l.Purpose != directory.LinkSetup || !l.Usable(s.now()) {
		return nil, nil, errBadLink
	}
	n, err := c.CountAllUsers(ctx, l.OrgID)
	if err != nil {
		return nil, nil, err
	}
	if n > 0 {
		return nil, nil, errBadLink
	}
	org, err := c.Organization(ctx, l.OrgID)
	return l, org, err
}

// OpenSetupLink returns the organization of a usable set-up link and the
// password criteria in force; anything else is KindNotFound.
func (s *Service) OpenSetupLink(ctx context.Context, secret string) (*directory.Organization, []string, error) {
	_, org, err := s.setupLink(ctx, &s.db.Conn, secret)
	if err != nil {
		return nil, nil, err
	}
	rules, err := s.rulesFor(ctx, &s.db.Conn, org, nil)
	if err != nil {
		return nil, nil, err
	}
	return org, rules.Describe(), nil
}

// CompleteSetup creates the first owner through a set-up link and uses the
// link up. The caller then signs the owner in.
func (s *Service) CompleteSetup(ctx context.Context, secret string, in OwnerInput) (*directory.User, error) {
	l, org, err := s.setupLink(ctx, &s.db.Conn, secret)
	if err != nil {
		return nil, err
	}
	u, err := s.createOwner(ctx, org, in, func(tx *store.Tx) error {
		if err := tx.LockOrganization(ctx, org.ID); err != nil {
			return err
		}
		ok, err := tx.UseLink(ctx, l.ID, s.now().UnixMicro())
		if err == nil && !ok {
			err = errBadLink
		}
		return err
	})
	return u, err
}
