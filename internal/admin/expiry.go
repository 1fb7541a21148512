package admin

import (
	"context"

	"roster/internal/directory"
	"roster/internal/store"
)

// markAccessEnds fills in what a user handed to a front-end carries beyond
// its row: AccessEndsAt (markGrantEnds) and the state of their invitation.
// Every use case that hands users to a front-end calls it, for one user or
// a page.
func (s *Service) markAccessEnds(ctx context.Context, c *store.Conn, orgID string, users ...*directory.User) error {
	if err := s.markGrantEnds(ctx, c, orgID, users...); err != nil {
		return err
	}
	return s.markInvitations(ctx, c, orgID, users...)
}

// markGrantEnds fills in the AccessEndsAt of users from their grants, so
// that User.Expired also counts a user whose every grant has ended.
func (s *Service) markGrantEnds(ctx context.Context, c *store.Conn, orgID string, users ...*directory.User) error {
	ids := make([]string, 0, len(users))
	for _, u := range users {
		if u != nil {
			ids = append(ids, u.ID)
		}
	}
	ends, err := c.GrantEnds(ctx, orgID, ids)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u != nil {
			u.AccessEndsAt = ends[u.ID]
		}
	}
	return nil
}

// markPage is markAccessEnds for a page of a user list.
func (s *Service) markPage(ctx context.Context, orgID string, page *store.UserPage, err error) (*store.UserPage, error) {
	if err != nil {
		return nil, err
	}
	return page, s.markAccessEnds(ctx, &s.db.Conn, orgID, page.Users...)
}
