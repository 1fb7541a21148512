package admin

import (
	"context"
	"strings"

	"roster/internal/directory"
)

// EmailInUse reports whether email already belongs to a user of the
// actor's organization (in the recycle bin too), for the warning the
// add-user form shows as the address is typed. It takes users.create. The
// holder is returned only when the actor may see them; for a holder
// outside the actor's view it reports the address as used and names no
// one, so that the check leaks no name.
func (s *Service) EmailInUse(ctx context.Context, a *Actor, email string) (inUse bool, holder *directory.UserRef, err error) {
	if err := s.authorize(a, "users.create"); err != nil {
		return false, nil, err
	}
	email = strings.TrimSpace(email)
	if email == "" || directory.EmailProblem(email) != "" {
		return false, nil, nil
	}
	u, err := s.db.UserByField(ctx, a.OrgID, "email", email)
	if isKind(err, directory.KindNotFound) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	ok, err := s.canView(ctx, &s.db.Conn, a, u)
	if err != nil {
		return false, nil, err
	}
	if !ok {
		return true, nil, nil
	}
	return true, u.Ref(), nil
}
