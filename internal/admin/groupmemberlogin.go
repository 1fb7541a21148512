package admin

import (
	"context"
	"strings"

	"roster/internal/directory"
)

// AddGroupMemberByLogin puts the user whose user name or email is login
// into a group, as AddGroupMember does, for forms where people type whom
// to add. The user is found by FindUser, so one the actor may not see
// answers exactly as a login nobody holds: KindInvalid on the field
// "login", which reveals nothing beyond the actor's view. An unknown
// group is KindNotFound.
func (s *Service) AddGroupMemberByLogin(ctx context.Context, a *Actor, groupID, login string) (*directory.User, error) {
	if err := s.authorize(a, "groups.manage"); err != nil {
		return nil, err
	}
	var v directory.Validation
	if strings.TrimSpace(login) == "" {
		v.Add("login", "is required")
		return nil, v.Err()
	}
	if _, err := s.db.Group(ctx, a.OrgID, groupID); err != nil {
		return nil, err
	}
	u, err := s.FindUser(ctx, a, login)
	switch {
	case isKind(err, directory.KindNotFound):
		v.Add("login", "matches no user you may see: give a user name or an email address")
		return nil, v.Err()
	case err != nil:
		return nil, err
	}
	return s.AddGroupMember(ctx, a, groupID, u.ID)
}
