package admin

import (
	"context"
	"errors"
	"strings"

	"roster/internal/directory"
	"roster/internal/store"
)

// Groups are named collections of users under optional categories, used to
// filter users and to act on many at once. They are organization-wide
// objects and give no access: being in a group lets nobody see or do more.
// Reading them takes users.view and changing them groups.manage. What an
// actor learns of a group's members is limited by the delegation rule:
// member counts and member lists hold only the members the actor may see;
// members are added or removed only when the actor may manage them; and a
// group with members the actor may not see belongs partly to someone else's
// scope, so the actor may not rename or delete it.

// GroupInput describes a group to create.
type GroupInput struct {
	Name        string
	Description string
	CategoryID  string // "" = uncategorised
}

// GroupPatch changes a group; nil fields stay. An empty CategoryID makes the
// group uncategorised.
type GroupPatch struct {
	Name        *string
	Description *string
	CategoryID  *string
}

const maxGroupDescription = 1000

func validateGroup(name, description string, v *directory.Validation) {
	if name == "" {
		v.Add("name", "is required")
	} else if len([]rune(name)) > directory.MaxTextLen {
		v.Add("name", "must be at most %d characters", directory.MaxTextLen)
	}
	if len([]rune(description)) > maxGroupDescription {
		v.Add("description", "must be at most %d characters", maxGroupDescription)
	}
}

// groupCategory returns the organization's category with the given id, or
// nil after adding a field error when there is none.
func groupCategory(ctx context.Context, c *store.Conn, orgID, id string, v *directory.Validation) (*directory.GroupCategory, error) {
	cats, err := c.GroupCategories(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, cat := range cats {
		if cat.ID == id {
			return cat, nil
		}
	}
	v.Add("category_id", "no such group category")
	return nil, nil
}

func categoryName(cat *directory.GroupCategory) string {
	if cat == nil {
		return ""
	}
	return cat.Name
}

func groupSnapshot(g *directory.Group, category string) map[string]any {
	return map[string]any{"name": g.Name, "description": g.Description, "category": category}
}

// GroupCategories lists the organization's group categories by name.
func (s *Service) GroupCategories(ctx context.Context, a *Actor) ([]*directory.GroupCategory, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	return s.db.GroupCategories(ctx, a.OrgID)
}

// CreateGroupCategory adds a group category. A name already used is
// KindConflict.
func (s *Service) CreateGroupCategory(ctx context.Context, a *Actor, name string) (*directory.GroupCategory, error) {
	if err := s.authorize(a, "groups.manage"); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	var v directory.Validation
	if name == "" {
		v.Add("name", "is required")
	} else if len([]rune(name)) > directory.MaxTextLen {
		v.Add("name", "must be at most %d characters", directory.MaxTextLen)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	cat := &directory.GroupCategory{ID: newID(), OrgID: a.OrgID, Name: name, CreatedAt: s.now()}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateGroupCategory(ctx, cat); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "group_category.create", "group_category", cat.ID, cat.Name,
			created(map[string]any{"name": cat.Name}))
	})
	if err != nil {
		return nil, err
	}
	return cat, nil
}

// DeleteGroupCategory removes a group category; its groups stay,
// uncategorised. An unknown category is KindNotFound.
func (s *Service) DeleteGroupCategory(ctx context.Context, a *Actor, id string) error {
	if err := s.authorize(a, "groups.manage"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		var v directory.Validation
		cat, err := groupCategory(ctx, &tx.Conn, a.OrgID, id, &v)
		if err != nil {
			return err
		}
		if cat == nil {
			return directory.NotFound("group category")
		}
		if err := tx.DeleteGroupCategory(ctx, a.OrgID, cat.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "group_category.delete", "group_category", cat.ID, cat.Name,
			diff(map[string]any{"name": cat.Name}, map[string]any{}))
	})
}

// Groups lists the organization's groups by name, those of one category when
// categoryID is not "" (an unknown category is KindInvalid). Each group's
// Members counts the members outside the recycle bin the actor may see.
func (s *Service) Groups(ctx context.Context, a *Actor, categoryID string) ([]*directory.Group, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	if categoryID != "" {
		var v directory.Validation
		if _, err := groupCategory(ctx, &s.db.Conn, a.OrgID, categoryID, &v); err != nil {
			return nil, err
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
	}
	groups, err := s.db.Groups(ctx, a.OrgID, categoryID)
	if err != nil {
		return nil, err
	}
	counts, err := s.db.GroupMemberCounts(ctx, a.OrgID, "", a.listScope())
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		g.Members = counts[g.ID]
	}
	return groups, nil
}

// Group returns one group, its Members counting the members outside the
// recycle bin the actor may see.
func (s *Service) Group(ctx context.Context, a *Actor, id string) (*directory.Group, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	return s.group(ctx, &s.db.Conn, a, id)
}

// group loads a group with the member count the actor may see.
func (s *Service) group(ctx context.Context, c *store.Conn, a *Actor, id string) (*directory.Group, error) {
	g, err := c.Group(ctx, a.OrgID, id)
	if err != nil {
		return nil, err
	}
	counts, err := c.GroupMemberCounts(ctx, a.OrgID, g.ID, a.listScope())
	if err != nil {
		return nil, err
	}
	g.Members = counts[g.ID]
	return g, nil
}

// wholeGroup loads a group the actor may change as a whole: one without
// members the actor may not see (KindForbidden otherwise).
func (s *Service) wholeGroup(ctx context.Context, tx *store.Tx, a *Actor, id string) (*directory.Group, error) {
	g, err := s.group(ctx, &tx.Conn, a, id)
	if err != nil {
		return nil, err
	}
	hidden, err := tx.HiddenGroupMembers(ctx, a.OrgID, g.ID, a.listScope())
	if err != nil {
		return nil, err
	}
	if hidden > 0 {
		return nil, directory.Errorf(directory.KindForbidden,
			"the group %s has members outside your scope, so only someone who sees all of them may change or delete it", g.Name)
	}
	return g, nil
}

// CreateGroup adds a group. Validation problems (an unknown category among
// them) are KindInvalid; a name already used is KindConflict.
func (s *Service) CreateGroup(ctx context.Context, a *Actor, in GroupInput) (*directory.Group, error) {
	if err := s.authorize(a, "groups.manage"); err != nil {
		return nil, err
	}
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	now := s.now()
	g := &directory.Group{ID: newID(), OrgID: a.OrgID, CategoryID: in.CategoryID, Name: in.Name,
		Description: in.Description, CreatedAt: now, UpdatedAt: now}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		var v directory.Validation
		validateGroup(in.Name, in.Description, &v)
		var cat *directory.GroupCategory
		if in.CategoryID != "" {
			var err error
			if cat, err = groupCategory(ctx, &tx.Conn, a.OrgID, in.CategoryID, &v); err != nil {
				return err
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, g); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "group.create", "group", g.ID, g.Name, created(groupSnapshot(g, categoryName(cat))))
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// UpdateGroup renames, describes or re-categorises a group; a patch that
// changes nothing records no event. expectVersion, when not 0, must match
// (KindPrecondition). A group with members the actor may not see is
// KindForbidden.
func (s *Service) UpdateGroup(ctx context.Context, a *Actor, id string, expectVersion int64, p GroupPatch) (*directory.Group, error) {
	if err := s.authorize(a, "groups.manage"); err != nil {
		return nil, err
	}
	var out *directory.Group
	err := s.inTx(ctx, func(tx *store.Tx) error {
		g, err := s.wholeGroup(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectVersion, g.Version, "group"); err != nil {
			return err
		}
		var v directory.Validation
		var oldCat, newCat *directory.GroupCategory
		if g.CategoryID != "" {
			var ignore directory.Validation
			if oldCat, err = groupCategory(ctx, &tx.Conn, a.OrgID, g.CategoryID, &ignore); err != nil {
				return err
			}
		}
		before := groupSnapshot(g, categoryName(oldCat))
		if p.Name != nil {
			g.Name = strings.TrimSpace(*p.Name)
		}
		if p.Description != nil {
			g.Description = strings.TrimSpace(*p.Description)
		}
		newCat = oldCat
		if p.CategoryID != nil && *p.CategoryID != g.CategoryID {
			g.CategoryID, newCat = *p.CategoryID, nil
			if g.CategoryID != "" {
				if newCat, err = groupCategory(ctx, &tx.Conn, a.OrgID, g.CategoryID, &v); err != nil {
					return err
				}
			}
		}
		validateGroup(g.Name, g.Description, &v)
		if err := v.Err(); err != nil {
			return err
		}
		out = g
		changes := diff(before, groupSnapshot(g, categoryName(newCat)))
		if len(changes) == 0 {
			return errStop
		}
		g.UpdatedAt = s.now()
		if err := tx.UpdateGroup(ctx, g, g.Version); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "group.update", "group", g.ID, g.Name, changes)
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return out, err
}

// DeleteGroup removes a group and its memberships; the members stay.
// expectVersion, when not 0, must match (KindPrecondition). A group with
// members the actor may not see is KindForbidden.
func (s *Service) DeleteGroup(ctx context.Context, a *Actor, id string, expectVersion int64) error {
	if err := s.authorize(a, "groups.manage"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		g, err := s.wholeGroup(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectVersion, g.Version, "group"); err != nil {
			return err
		}
		var ignore directory.Validation
		var cat *directory.GroupCategory
		if g.CategoryID != "" {
			if cat, err = groupCategory(ctx, &tx.Conn, a.OrgID, g.CategoryID, &ignore); err != nil {
				return err
			}
		}
		members, err := tx.GroupMemberIDs(ctx, a.OrgID, g.ID)
		if err != nil {
			return err
		}
		if err := tx.DeleteGroup(ctx, a.OrgID, g.ID); err != nil {
			return err
		}
		before := groupSnapshot(g, categoryName(cat))
		before["members"] = len(members)
		return s.record(ctx, tx, a, "group.delete", "group", g.ID, g.Name, diff(nonEmpty(before), map[string]any{}))
	})
}
