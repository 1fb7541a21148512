package admin

import (
	"context"
	"strings"
	"time"

	"roster/internal/auth"
	"roster/internal/directory"
	"roster/internal/store"
)

// An invitation is a link mailed to a pending user, under which they choose
// their first password. Unlike a reset link it may be opened as often as
// the user likes until it is accepted, runs out (the organization's
// invitation_hours) or is voided: by a newer invitation, by an
// administrator setting the password, or by the user leaving pending
// (disabled, deleted). Only the hash of its secret is stored, in links.

// invitationSecretPrefix starts the secret of every invitation link.
const invitationSecretPrefix = "rsi"

// inviteOnCreate decides whether adding u sends an invitation: the
// administrator's choice when given (nil = yes when u has an email and the
// actor holds users.invite). Asking for one without users.invite is
// KindForbidden, and for a user without an email KindInvalid.
func inviteOnCreate(a *Actor, u *directory.Profile, choice *bool) (bool, error) {
	if choice == nil {
		return u.Email != "" && a.Can("users.invite"), nil
	}
	if !*choice {
		return false, nil
	}
	if !a.Can("users.invite") {
		return false, directory.Errorf(directory.KindForbidden, "your role does not allow users.invite")
	}
	if u.Email == "" {
		return false, &directory.Error{Kind: directory.KindInvalid, Message: "validation failed",
			Fields: []directory.FieldError{{Field: "email", Message: "is required to send an invitation"}}}
	}
	return true, nil
}

// sendInvitation voids u's invitation links still out, issues a new one
// and puts the mail that carries it in the outbox, all in tx. It returns
// the changes the operation's audit event records about it.
func (s *Service) sendInvitation(ctx context.Context, tx *store.Tx, a *Actor, org *directory.Organization, u *directory.User) ([]directory.Change, error) {
	now := s.now()
	replaced, err := tx.VoidInvitations(ctx, org.ID, u.ID, now.UnixMicro())
	if err != nil {
		return nil, err
	}
	secret, err := auth.NewSecret(invitationSecretPrefix)
	if err != nil {
		return nil, err
	}
	hours := org.Policy.InvitationHours
	l := &directory.Link{ID: newID(), OrgID: org.ID, UserID: u.ID, Purpose: directory.LinkInvite, CreatedBy: a.UserID,
		CreatedAt: now, ExpiresAt: now.Add(time.Duration(hours) * time.Hour)}
	if err := tx.CreateLink(ctx, l, auth.HashSecret(secret)); err != nil {
		return nil, err
	}
	inviter := a.Name
	if a.operator || inviter == "" {
		inviter = "An administrator of " + org.Name
	}
	if err := s.notify(ctx, tx, org, u, noticeInvitation, map[string]string{
		"link": s.baseURL + "/invite/" + secret, "hours": itoa(hours), "inviter": inviter}); err != nil {
		return nil, err
	}
	var changes []directory.Change
	if replaced == 0 {
		changes = append(changes, directory.Change{Field: "invitation", After: directory.InvitationSent})
	}
	changes = append(changes, directory.Change{Field: "invitation.sent_to", After: u.Email},
		directory.Change{Field: "invitation.expires_at", After: timeValue(l.ExpiresAt)})
	if replaced > 0 {
		changes = append(changes, directory.Change{Field: "invitation.voided_links", After: replaced})
	}
	return changes, nil
}

// voidInvitation voids u's invitation links that still work, in tx, and
// returns the change the audit event of the operation that caused it (a
// password set, a status change) records: invitation sent → void, or
// nothing when no link was out. One operation keeps one audit event.
func (s *Service) voidInvitation(ctx context.Context, tx *store.Tx, u *directory.User) ([]directory.Change, error) {
	n, err := tx.VoidInvitations(ctx, u.OrgID, u.ID, s.now().UnixMicro())
	if err != nil || n == 0 {
		return nil, err
	}
	return []directory.Change{{Field: "invitation", Before: directory.InvitationSent, After: "void"}}, nil
}

// ResendInvitation mails a pending user a new invitation link and voids
// the older ones (users.invite, on a user the actor may manage). A user who
// is not pending, is in the recycle bin or has no email is KindConflict.
func (s *Service) ResendInvitation(ctx context.Context, a *Actor, userID string) (*directory.User, error) {
	if err := s.authorize(a, "users.invite"); err != nil {
		return nil, err
	}
	var out *directory.User
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, userID)
		if err != nil {
			return err
		}
		if err := notInBin(u); err != nil {
			return err
		}
		if u.Status != directory.StatusPending {
			return directory.Errorf(directory.KindConflict, "%s is %s; only pending users are invited", u.Name(), u.Status)
		}
		if u.Email == "" {
			return directory.Errorf(directory.KindConflict, "%s has no email; give them one first", u.Name())
		}
		org, err := tx.Organization(ctx, a.OrgID)
		if err != nil {
			return err
		}
		out = u
		changes, err := s.sendInvitation(ctx, tx, a, org, u)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, a, "invitation.resend", "user", u.ID, u.Name(), changes)
	})
	if err != nil {
		return nil, err
	}
	return out, s.complete(ctx, out)
}

// markInvitations fills in the Invitation of users from their newest
// invitation links.
func (s *Service) markInvitations(ctx context.Context, c *store.Conn, orgID string, users ...*directory.User) error {
	ids := make([]string, 0, len(users))
	for _, u := range users {
		if u != nil {
			ids = append(ids, u.ID)
		}
	}
	newest, err := c.NewestInvitations(ctx, orgID, ids)
	if err != nil {
		return err
	}
	now := s.now()
	for _, u := range users {
		if u != nil {
			u.Invitation = directory.InvitationOf(u, newest[u.ID], now)
		}
	}
	return nil
}

// InvitationState is an opened invitation link.
type InvitationState struct {
	OrgName string
	OrgSlug string
	OrgID   string
	User    *directory.User
	// Criteria are the password rules in force for the user.
	Criteria []string
	// MFARequired says the user will set up MFA right after.
	MFARequired bool
}

// invitationLink finds a usable invitation link and its user, who must
// still be pending, outside the recycle bin, unlocked and unexpired.
func (s *Service) invitationLink(ctx context.Context, c *store.Conn, secret string) (*directory.Link, *directory.User, *directory.Organization, error) {
	if !strings.HasPrefix(secret, invitationSecretPrefix+"_") || len(secret) > 100 {
		return nil, nil, nil, errBadLink
	}
	l, err := c.LinkByHash(ctx, auth.HashSecret(secret))
	if isKind(err, directory.KindNotFound) {
		return nil, nil, nil, errBadLink
	}
	if err != nil {
		return nil, nil, nil, err
	}
	now := s.now()
	if l.Purpose != directory.LinkInvite || !l.Usable(now) {
		return nil, nil, nil, errBadLink
	}
	u, err := c.User(ctx, l.OrgID, l.UserID)
	if isKind(err, directory.KindNotFound) {
		return nil, nil, nil, errBadLink
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if u.Status != directory.StatusPending || u.Deleted() || u.Locked() || u.AccountExpired(now) {
		return nil, nil, nil, errBadLink
	}
	org, err := c.Organization(ctx, l.OrgID)
	if err != nil {
		return nil, nil, nil, err
	}
	return l, u, org, nil
}

// OpenInvitation returns what the invitation page shows for a link. It
// changes nothing, so the link may be opened any number of times. An
// unusable link (unknown, expired, accepted, replaced, voided, or of a user
// who is no longer pending) is KindNotFound.
func (s *Service) OpenInvitation(ctx context.Context, secret string) (*InvitationState, error) {
	_, u, org, err := s.invitationLink(ctx, &s.db.Conn, secret)
	if err != nil {
		return nil, err
	}
	mfa, err := s.mfaRequired(ctx, &s.db.Conn, org, u, s.now())
	if err != nil {
		return nil, err
	}
	return &InvitationState{OrgName: org.Name, OrgSlug: org.Slug, OrgID: org.ID, User: u,
		Criteria: passwordRules(org.Policy, mfa).Describe(), MFARequired: mfa}, nil
}

// AcceptInvitation sets the first password of an invited user through
// their link, which makes them active and uses the link up; it mails them a
// welcome and records invitation.accept. A password that breaks the rules
// is KindInvalid (the link stays usable); an unusable link KindNotFound.
// The caller then signs the user in.
func (s *Service) AcceptInvitation(ctx context.Context, secret, password string, c Client) (*directory.User, error) {
	_, u, org, err := s.invitationLink(ctx, &s.db.Conn, secret)
	if err != nil {
		return nil, err
	}
	var v directory.Validation
	if err := s.checkNewPassword(ctx, &s.db.Conn, org, u, personalInfo(u), "password", password, &v); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		// Look again inside the transaction: two acceptances in parallel
		// use the link once.
		l, u2, _, err := s.invitationLink(ctx, &tx.Conn, secret)
		if err != nil {
			return err
		}
		if ok, err := tx.UseLink(ctx, l.ID, s.now().UnixMicro()); err != nil || !ok {
			if err == nil {
				err = errBadLink
			}
			return err
		}
		u = u2
		before := u.Status
		if err := s.setPassword(ctx, tx, u, password, false, ""); err != nil {
			return err
		}
		if _, err := tx.VoidInvitations(ctx, u.OrgID, u.ID, s.now().UnixMicro()); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, org, u, noticeWelcome, map[string]string{"login": s.loginURL(org)}); err != nil {
			return err
		}
		a := &Actor{OrgID: org.ID, UserID: u.ID, Name: u.Name(), IP: c.IP, RequestID: c.RequestID}
		return s.record(ctx, tx, a, "invitation.accept", "user", u.ID, u.Name(), []directory.Change{
			{Field: "status", Before: string(before), After: string(u.Status)},
			{Field: "password", Before: "(none)", After: "(set)"}})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// loginURL is the sign-in page of an organization.
func (s *Service) loginURL(org *directory.Organization) string {
	return s.baseURL + "/login?org=" + org.Slug
}
