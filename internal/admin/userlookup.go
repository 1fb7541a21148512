package admin

import (
	"context"
	"strings"

	"roster/internal/directory"
)

// FindUser returns the user whose username or email is login
// (case-insensitively), for forms where an administrator names another
// user by what they know of them: a supervisor, the other end of a
// relationship. It takes users.view. No such user, a user of another
// organization and a user outside what the actor may see are all
// KindNotFound, so the answer tells nothing about users beyond the actor's
// view.
func (s *Service) FindUser(ctx context.Context, a *Actor, login string) (*directory.User, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	login = strings.TrimSpace(login)
	if login == "" {
		return nil, directory.NotFound("user")
	}
	u, err := s.db.UserByLogin(ctx, a.OrgID, login)
	if err != nil {
		return nil, err
	}
	ok, err := s.canView(ctx, &s.db.Conn, a, u)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, directory.NotFound("user")
	}
	return u, nil
}
