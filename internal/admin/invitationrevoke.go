package admin

import (
	"context"

	"roster/internal/directory"
	"roster/internal/store"
)

// RevokeInvitation voids the invitation links of a pending user that
// still work, without changing the user (users.invite, on a user the
// actor may manage), and records invitation.revoke. A user with no
// working invitation link is KindConflict.
func (s *Service) RevokeInvitation(ctx context.Context, a *Actor, userID string) (*directory.User, error) {
	if err := s.authorize(a, "users.invite"); err != nil {
		return nil, err
	}
	var out *directory.User
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, userID)
		if err != nil {
			return err
		}
		n, err := tx.VoidInvitations(ctx, a.OrgID, u.ID, s.now().UnixMicro())
		if err != nil {
			return err
		}
		if n == 0 {
			return directory.Errorf(directory.KindConflict, "%s has no invitation that still works", u.Name())
		}
		out = u
		return s.record(ctx, tx, a, "invitation.revoke", "user", u.ID, u.Name(), []directory.Change{
			{Field: "invitation", Before: directory.InvitationSent, After: "void"},
			{Field: "invitation.voided_links", After: n}})
	})
	return out, err
}
