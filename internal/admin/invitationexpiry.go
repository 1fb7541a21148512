package admin

import (
	"context"
	"time"

	"roster/internal/auth"
	"roster/internal/directory"
	"roster/internal/store"
)

// expiryBatch is how many expired invitations one transaction handles.
const expiryBatch = 50

// ExpireInvitations handles the invitations that expired unused since it
// last ran, in every organization: for each, when the user is still
// pending and the administrator who sent it can still be mailed, it issues
// a fresh link and mails it to that administrator (not to the invitee), so
// that they can forward it or resend; either way it records
// invitation.expire. Each expiry is handled once, however many instances
// run it together. orgID limits it to one organization ("" = every one).
// It returns how many expiries it handled.
func (s *Service) ExpireInvitations(ctx context.Context, orgID string) (int, error) {
	total := 0
	for {
		n := 0
		err := s.inTx(ctx, func(tx *store.Tx) error {
			links, err := tx.ClaimExpiredInvitations(ctx, orgID, s.now().UnixMicro(), expiryBatch)
			if err != nil {
				return err
			}
			n = len(links)
			for _, l := range links {
				if err := s.expireInvitation(ctx, tx, l); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < expiryBatch {
			return total, nil
		}
	}
}

// expireInvitation handles one expired invitation link inside tx.
func (s *Service) expireInvitation(ctx context.Context, tx *store.Tx, l *directory.Link) error {
	u, err := tx.User(ctx, l.OrgID, l.UserID)
	if isKind(err, directory.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if u.Status != directory.StatusPending || u.Deleted() {
		return nil
	}
	org, err := tx.Organization(ctx, l.OrgID)
	if err != nil {
		return err
	}
	a := &Actor{OrgID: org.ID, Name: "system (invitation expiry)"}
	changes := []directory.Change{{Field: "invitation", Before: directory.InvitationSent, After: "expired"}}
	var inviter *directory.User
	if l.CreatedBy != "" {
		inviter, err = tx.User(ctx, org.ID, l.CreatedBy)
		if err != nil && !isKind(err, directory.KindNotFound) {
			return err
		}
	}
	if inviter == nil || inviter.Status != directory.StatusActive || inviter.Deleted() || inviter.Email == "" {
		changes = append(changes, directory.Change{Field: "inviter_told", After: false})
		return s.record(ctx, tx, a, "invitation.expire", "user", u.ID, u.Name(), changes)
	}
	now := s.now()
	if _, err := tx.VoidInvitations(ctx, org.ID, u.ID, now.UnixMicro()); err != nil {
		return err
	}
	secret, err := auth.NewSecret(invitationSecretPrefix)
	if err != nil {
		return err
	}
	hours := org.Policy.InvitationHours
	fresh := &directory.Link{ID: newID(), OrgID: org.ID, UserID: u.ID, Purpose: directory.LinkInvite, CreatedBy: inviter.ID,
		CreatedAt: now, ExpiresAt: now.Add(time.Duration(hours) * time.Hour)}
	if err := tx.CreateLink(ctx, fresh, auth.HashSecret(secret)); err != nil {
		return err
	}
	if err := s.notify(ctx, tx, org, inviter, noticeInvitationExpired, map[string]string{
		"invitee": u.Name(), "invitee_email": u.Email, "hours": itoa(hours),
		"link": s.baseURL + "/invite/" + secret}); err != nil {
		return err
	}
	changes = append(changes, directory.Change{Field: "inviter_told", After: inviter.Email},
		directory.Change{Field: "invitation.expires_at", After: timeValue(fresh.ExpiresAt)})
	return s.record(ctx, tx, a, "invitation.expire", "user", u.ID, u.Name(), changes)
}
