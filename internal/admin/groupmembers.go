package admin

import (
	"context"

	"roster/internal/directory"
	"roster/internal/store"
)

// GroupMembers returns one page of the members of a group that match f and
// that the actor may see; f's own GroupID is replaced. An unknown group is
// KindNotFound; a bad filter value is KindInvalid.
func (s *Service) GroupMembers(ctx context.Context, a *Actor, groupID string, f store.UserFilter) (*store.UserPage, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	if _, err := s.db.Group(ctx, a.OrgID, groupID); err != nil {
		return nil, err
	}
	f.GroupID = groupID
	return s.ListUsers(ctx, a, f)
}

func membershipChange(g *directory.Group) map[string]any {
	return map[string]any{"group_id": g.ID, "group": g.Name}
}

// AddGroupMember puts a user into a group and returns the user. It takes
// groups.manage and a user the actor may manage (KindNotFound for users
// they may not see, KindForbidden for users they see but may not manage),
// so that nobody changes what others see of users beyond their reach. A
// user in the recycle bin, or already a member, is KindConflict.
func (s *Service) AddGroupMember(ctx context.Context, a *Actor, groupID, userID string) (*directory.User, error) {
	if err := s.authorize(a, "groups.manage"); err != nil {
		return nil, err
	}
	var out *directory.User
	err := s.inTx(ctx, func(tx *store.Tx) error {
		g, err := tx.Group(ctx, a.OrgID, groupID)
		if err != nil {
			return err
		}
		u, err := s.liveUser(ctx, tx, a, userID)
		if err != nil {
			return err
		}
		added, err := tx.AddGroupMember(ctx, a.OrgID, g.ID, u.ID, a.UserID, s.now().UnixMicro())
		if err != nil {
			return err
		}
		if !added {
			return directory.Errorf(directory.KindConflict, "%s is already a member of %s", u.Name(), g.Name)
		}
		// The members are part of the group's SCIM resource: its version moves.
		if err := tx.TouchGroup(ctx, a.OrgID, g.ID, s.now().UnixMicro()); err != nil {
			return err
		}
		out = u
		return s.record(ctx, tx, a, "group.member_add", "user", u.ID, u.Name(), created(membershipChange(g)))
	})
	if err != nil {
		return nil, err
	}
	return out, s.complete(ctx, out)
}

// RemoveGroupMember takes a user out of a group. It takes groups.manage and
// a user the actor may manage, as AddGroupMember does; a user who is not a
// member is KindNotFound.
func (s *Service) RemoveGroupMember(ctx context.Context, a *Actor, groupID, userID string) error {
	if err := s.authorize(a, "groups.manage"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		g, err := tx.Group(ctx, a.OrgID, groupID)
		if err != nil {
			return err
		}
		u, err := s.manageUser(ctx, &tx.Conn, a, userID)
		if err != nil {
			return err
		}
		removed, err := tx.RemoveGroupMember(ctx, a.OrgID, g.ID, u.ID)
		if err != nil {
			return err
		}
		if !removed {
			return directory.Errorf(directory.KindNotFound, "%s is not a member of %s", u.Name(), g.Name)
		}
		if err := tx.TouchGroup(ctx, a.OrgID, g.ID, s.now().UnixMicro()); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "group.member_remove", "user", u.ID, u.Name(), diff(membershipChange(g), map[string]any{}))
	})
}

// MemberOutcome is what "remove by group" did with one member: Reason is ""
// for a member moved to the recycle bin, else why they were skipped
// (already_deleted, self, has_signed_in, out_of_scope), which Detail says
// for a person.
type MemberOutcome struct {
	UserID string
	Name   string
	Reason string
	Detail string
}

// GroupDeletion is the report of DeleteGroupMembers.
type GroupDeletion struct {
	Deleted []MemberOutcome
	Skipped []MemberOutcome
}

// DeleteGroupMembers ("remove by group") moves every member of a group whom
// the actor may delete to the recycle bin, by the rules of Delete: a user
// the actor may manage, not the actor, not already in the bin, who has
// never signed in. The other members the actor may see are reported with the
// reason; members the actor may not see are left alone and not mentioned.
// It takes users.delete and groups.manage. Everything happens in one
// transaction, with a user.delete event per user and one
// group.delete_members event: a failure changes nothing. An unknown group
// is KindNotFound.
func (s *Service) DeleteGroupMembers(ctx context.Context, a *Actor, groupID string) (*GroupDeletion, error) {
	if err := s.authorize(a, "users.delete"); err != nil {
		return nil, err
	}
	if err := s.authorize(a, "groups.manage"); err != nil {
		return nil, err
	}
	out := &GroupDeletion{Deleted: []MemberOutcome{}, Skipped: []MemberOutcome{}}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		g, err := tx.Group(ctx, a.OrgID, groupID)
		if err != nil {
			return err
		}
		ids, err := tx.GroupMemberIDs(ctx, a.OrgID, g.ID)
		if err != nil {
			return err
		}
		now := s.now()
		deleted, skipped := []string{}, []map[string]string{}
		for _, id := range ids {
			u, err := tx.User(ctx, a.OrgID, id)
			if err != nil {
				return err
			}
			if ok, err := s.canView(ctx, &tx.Conn, a, u); err != nil {
				return err
			} else if !ok {
				continue
			}
			reason, msg := refusedNotManage, ""
			ok, err := s.canManage(ctx, &tx.Conn, a, u)
			if err != nil {
				return err
			}
			if ok {
				reason, msg = deleteRefusal(a, u)
			} else {
				msg = u.Name() + " holds access above your level or outside your scope"
			}
			if reason != "" {
				out.Skipped = append(out.Skipped, MemberOutcome{UserID: u.ID, Name: u.Name(), Reason: reason, Detail: msg})
				skipped = append(skipped, map[string]string{"user_id": u.ID, "reason": reason})
				continue
			}
			before := userSnapshot(u)
			u.DeletedAt, u.UpdatedAt = now, now
			if err := tx.UpdateUserState(ctx, u, u.Version); err != nil {
				return err
			}
			if err := tx.RevokeUserTokens(ctx, a.OrgID, u.ID, now.UnixMicro()); err != nil {
				return err
			}
			if err := s.record(ctx, tx, a, "user.delete", "user", u.ID, u.Name(), diff(before, userSnapshot(u))); err != nil {
				return err
			}
			out.Deleted = append(out.Deleted, MemberOutcome{UserID: u.ID, Name: u.Name()})
			deleted = append(deleted, u.ID)
		}
		return s.record(ctx, tx, a, "group.delete_members", "group", g.ID, g.Name, []directory.Change{
			{Field: "deleted", Before: nil, After: deleted}, {Field: "skipped", Before: nil, After: skipped}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
