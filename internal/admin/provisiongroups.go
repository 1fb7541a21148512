package admin

import (
	"context"
	"strings"

	"roster/internal/directory"
	"roster/internal/store"
)

// ProvisionGroupInput is a group as a SCIM client states it, whole.
type ProvisionGroupInput struct {
	Name       string
	ExternalID string
	// MemberIDs are the ids of the members: provisioned users the actor
	// may manage.
	MemberIDs []string
}

// ProvisionedGroupView is a provisioned group with its client's id of it
// and, when asked for, its members the actor may see.
type ProvisionedGroupView struct {
	*directory.Group
	ExternalID string
	Members    []store.Ref
}

// ProvisionGroup creates a group for a SCIM client, with its members.
func (s *Service) ProvisionGroup(ctx context.Context, a *Actor, in ProvisionGroupInput) (*ProvisionedGroupView, error) {
	if err := s.authorizeProvisioning(a, "groups.manage"); err != nil {
		return nil, err
	}
	in.Name, in.ExternalID = strings.TrimSpace(in.Name), strings.TrimSpace(in.ExternalID)
	now := s.now()
	g := &directory.Group{ID: newID(), OrgID: a.OrgID, Name: in.Name, CreatedAt: now, UpdatedAt: now}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		var v directory.Validation
		validateGroup(in.Name, "", &v)
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, g); err != nil {
			return err
		}
		if err := tx.MarkGroupProvisioned(ctx, a.OrgID, &directory.ProvisionedGroup{GroupID: g.ID, ExternalID: in.ExternalID}, now.UnixMicro()); err != nil {
			return err
		}
		snap := groupSnapshot(g, "")
		snap["external_id"] = in.ExternalID
		if err := s.record(ctx, tx, a, "group.create", "group", g.ID, g.Name, created(snap)); err != nil {
			return err
		}
		return s.setGroupMembers(ctx, tx, a, g, nil, in.MemberIDs)
	})
	if err != nil {
		return nil, err
	}
	return s.ProvisionedGroupByID(ctx, a, g.ID, true)
}

// setGroupMembers adds to g the ids of want it lacks and removes those of
// have that want lacks, checking each user and recording each change.
func (s *Service) setGroupMembers(ctx context.Context, tx *store.Tx, a *Actor, g *directory.Group, have, want []string) error {
	keep := map[string]bool{}
	for _, id := range want {
		keep[id] = true
	}
	had := map[string]bool{}
	changed := false
	for _, id := range have {
		had[id] = true
		if keep[id] {
			continue
		}
		u, err := s.manageUser(ctx, &tx.Conn, a, id)
		if err != nil {
			return err
		}
		if _, err := tx.RemoveGroupMember(ctx, a.OrgID, g.ID, id); err != nil {
			return err
		}
		changed = true
		if err := s.record(ctx, tx, a, "group.member_remove", "user", u.ID, u.Name(), removed(membershipChange(g))); err != nil {
			return err
		}
	}
	at := s.now().UnixMicro()
	for _, id := range want {
		if had[id] {
			continue
		}
		had[id] = true
		u, err := s.provisionedUser(ctx, &tx.Conn, a, id, true)
		if isKind(err, directory.KindNotFound) {
			return &directory.Error{Kind: directory.KindInvalid, Message: "no provisioned user has the id " + id,
				Fields: []directory.FieldError{{Field: "members", Message: "no provisioned user has the id " + id}}}
		}
		if err != nil {
			return err
		}
		if _, err := tx.AddGroupMember(ctx, a.OrgID, g.ID, u.ID, a.UserID, at); err != nil {
			return err
		}
		changed = true
		if err := s.record(ctx, tx, a, "group.member_add", "user", u.ID, u.Name(), created(membershipChange(g))); err != nil {
			return err
		}
	}
	if changed {
		return tx.TouchGroup(ctx, a.OrgID, g.ID, at)
	}
	return nil
}

// removed lists the fields of before as removed.
func removed(before map[string]any) []directory.Change {
	return diff(nonEmpty(before), map[string]any{})
}

// provisionedGroup returns a provisioned group with its external id; other
// groups are KindNotFound.
func (s *Service) provisionedGroup(ctx context.Context, c *store.Conn, a *Actor, id string) (*directory.Group, string, error) {
	pg, err := c.ProvisionedGroup(ctx, a.OrgID, id)
	if err != nil {
		return nil, "", err
	}
	g, err := c.Group(ctx, a.OrgID, id)
	return g, pg.ExternalID, err
}

// ProvisionedGroupByID returns a provisioned group, with its members the
// actor may see when members is set.
func (s *Service) ProvisionedGroupByID(ctx context.Context, a *Actor, id string, members bool) (*ProvisionedGroupView, error) {
	if err := s.authorizeProvisioning(a, "groups.manage"); err != nil {
		return nil, err
	}
	g, ext, err := s.provisionedGroup(ctx, &s.db.Conn, a, id)
	if err != nil {
		return nil, err
	}
	out := &ProvisionedGroupView{Group: g, ExternalID: ext}
	if members {
		if out.Members, err = s.db.GroupMemberRefs(ctx, a.OrgID, g.ID, a.listScope()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ProvisionGroupChange is a change to a provisioned group: a new name,
// external id or (Members not nil) list of members; nil keeps each.
type ProvisionGroupChange struct {
	Name       *string
	ExternalID *string
	Members    *[]string
}

// ChangeProvisionedGroup applies a change to a provisioned group in one
// transaction. expectVersion, when not 0, must match (KindPrecondition). A
// group with members the actor may not see is KindForbidden, as anywhere.
func (s *Service) ChangeProvisionedGroup(ctx context.Context, a *Actor, id string, expectVersion int64, ch ProvisionGroupChange) (*ProvisionedGroupView, error) {
	if err := s.authorizeProvisioning(a, "groups.manage"); err != nil {
		return nil, err
	}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		pg, err := tx.ProvisionedGroup(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		g, err := s.wholeGroup(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectVersion, g.Version, "group"); err != nil {
			return err
		}
		before := groupSnapshot(g, "")
		before["external_id"] = pg.ExternalID
		if ch.Name != nil {
			g.Name = strings.TrimSpace(*ch.Name)
		}
		if ch.ExternalID != nil {
			pg.ExternalID = strings.TrimSpace(*ch.ExternalID)
		}
		var v directory.Validation
		validateGroup(g.Name, g.Description, &v)
		if err := v.Err(); err != nil {
			return err
		}
		after := groupSnapshot(g, "")
		after["external_id"] = pg.ExternalID
		if changes := diff(before, after); len(changes) > 0 {
			g.UpdatedAt = s.now()
			if err := tx.UpdateGroup(ctx, g, g.Version); err != nil {
				return err
			}
			if err := tx.MarkGroupProvisioned(ctx, a.OrgID, pg, 0); err != nil {
				return err
			}
			if err := s.record(ctx, tx, a, "group.update", "group", g.ID, g.Name, changes); err != nil {
				return err
			}
		}
		have, err := tx.GroupMemberIDs(ctx, a.OrgID, g.ID)
		if err != nil {
			return err
		}
		if ch.Members == nil {
			return nil
		}
		return s.setGroupMembers(ctx, tx, a, g, have, *ch.Members)
	})
	if err != nil {
		return nil, err
	}
	return s.ProvisionedGroupByID(ctx, a, id, true)
}

// DeleteProvisionedGroup deletes a provisioned group (not its members).
func (s *Service) DeleteProvisionedGroup(ctx context.Context, a *Actor, id string, expectVersion int64) error {
	if err := s.authorize(a, "scim.provision"); err != nil {
		return err
	}
	if _, _, err := s.provisionedGroup(ctx, &s.db.Conn, a, id); err != nil {
		return err
	}
	return s.DeleteGroup(ctx, a, id, expectVersion)
}

// ProvisionedGroups lists the provisioned groups that match q, with how
// many match in all and their external ids by group id.
func (s *Service) ProvisionedGroups(ctx context.Context, a *Actor, q store.ProvisionedQuery) ([]*directory.Group, map[string]string, int, error) {
	if err := s.authorizeProvisioning(a, "groups.manage"); err != nil {
		return nil, nil, 0, err
	}
	return s.db.ProvisionedGroups(ctx, a.OrgID, q)
}
