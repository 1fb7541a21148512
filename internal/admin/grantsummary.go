package admin

import (
	"context"

	"roster/internal/directory"
	"roster/internal/store"
)

// GrantSummaries returns the grants (role and unit names) of users, by
// user id, in one query, for lists that show each user's role and scope.
// It takes users.view. The users must be ones a list (ListUsers) handed
// the actor, which decided what the actor may see; users of another
// organization are left out.
func (s *Service) GrantSummaries(ctx context.Context, a *Actor, users []*directory.User) (map[string][]store.GrantSummary, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(users))
	for _, u := range users {
		if u != nil && u.OrgID == a.OrgID {
			ids = append(ids, u.ID)
		}
	}
	return s.db.GrantSummaries(ctx, a.OrgID, ids)
}
