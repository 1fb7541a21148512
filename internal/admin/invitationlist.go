package admin

import (
	"context"

	"roster/internal/directory"
	"roster/internal/store"
)

// PendingInvitation is one pending user as the invitations screen shows
// them: their invitation state (in User.Invitation) and who sent the
// newest invitation.
type PendingInvitation struct {
	User *directory.User
	// SentBy names whoever sent the newest invitation; "" when none was
	// sent or the sender is no longer known.
	SentBy string
}

// InvitationPage is one page of pending invitations.
type InvitationPage struct {
	Rows  []PendingInvitation
	Next  *store.Cursor
	Total int
}

// PendingInvitations lists the pending users the actor may view, newest
// first, in one invitation state (directory.InvitationSent, Expired or
// Never; "" = all), with who invited them. It takes users.invite and
// users.view. A bad state or limit is KindInvalid.
func (s *Service) PendingInvitations(ctx context.Context, a *Actor, state string, after *store.Cursor, limit int) (*InvitationPage, error) {
	if err := s.authorize(a, "users.invite"); err != nil {
		return nil, err
	}
	page, err := s.ListUsers(ctx, a, store.UserFilter{Statuses: []directory.Status{directory.StatusPending},
		Invitation: state, Sort: store.SortCreated, Desc: true, Limit: limit, After: after})
	if err != nil {
		return nil, err
	}
	out := &InvitationPage{Next: page.Next, Total: page.Total}
	ids := make([]string, 0, len(page.Users))
	for _, u := range page.Users {
		ids = append(ids, u.ID)
	}
	newest, err := s.db.NewestInvitations(ctx, a.OrgID, ids)
	if err != nil {
		return nil, err
	}
	// The senders of one page are few (the organization's administrators):
	// each is read once.
	names := map[string]string{}
	for _, u := range page.Users {
		row := PendingInvitation{User: u}
		if l := newest[u.ID]; l != nil && l.CreatedBy != "" {
			name, ok := names[l.CreatedBy]
			if !ok {
				sender, err := s.db.User(ctx, a.OrgID, l.CreatedBy)
				switch {
				case err == nil:
					name = sender.Name()
				case !isKind(err, directory.KindNotFound):
					return nil, err
				}
				names[l.CreatedBy] = name
			}
			row.SentBy = name
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}
