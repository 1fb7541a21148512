package admin

import (
	"context"
	"strings"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
)

// UnitInput describes a unit to create.
type UnitInput struct {
	Name     string
	Kind     string
	Code     string
	ParentID string
}

func unitSnapshot(u *directory.Unit) map[string]any {
	return map[string]any{"name": u.Name, "kind": u.Kind, "code": u.Code, "parent_id": u.ParentID,
		"archived_at": timeValue(u.ArchivedAt)}
}

func validateUnitFields(ctx context.Context, tx *store.Tx, orgID, name, kind, code string, v *directory.Validation) error {
	if name == "" {
		v.Add("name", "is required")
	} else if len([]rune(name)) > directory.MaxTextLen {
		v.Add("name", "must be at most %d characters", directory.MaxTextLen)
	}
	if len([]rune(code)) > 50 {
		v.Add("code", "must be at most 50 characters")
	}
	kinds, err := tx.UnitKinds(ctx, orgID)
	if err != nil {
		return err
	}
	known := false
	keys := make([]string, len(kinds))
	for i, k := range kinds {
		keys[i] = k.Key
		known = known || k.Key == kind
	}
	if !known {
		v.Add("kind", "must be one of: %s", strings.Join(keys, ", "))
	}
	return nil
}

// CreateUnit adds a unit under a parent (or at the root). Validation
// problems are KindInvalid; a code already used is KindConflict.
func (s *Service) CreateUnit(ctx context.Context, a *Actor, in UnitInput) (*directory.Unit, error) {
	if err := s.authorize(a, "units.manage"); err != nil {
		return nil, err
	}
	in.Name, in.Code, in.Kind = strings.TrimSpace(in.Name), strings.TrimSpace(in.Code), strings.TrimSpace(in.Kind)
	var out *directory.Unit
	err := s.inTx(ctx, func(tx *store.Tx) error {
		var v directory.Validation
		if err := validateUnitFields(ctx, tx, a.OrgID, in.Name, in.Kind, in.Code, &v); err != nil {
			return err
		}
		parentPath := "/"
		if in.ParentID == "" && !a.OrgWide() {
			v.Add("parent_id", "is required: you may add units only inside your own unit")
		}
		if in.ParentID != "" {
			parent, err := s.unitInScope(ctx, &tx.Conn, a, in.ParentID)
			switch {
			case isKind(err, directory.KindNotFound):
				v.Add("parent_id", "no such unit")
			case err != nil:
				return err
			case parent.Archived():
				v.Add("parent_id", "that unit is archived")
			default:
				parentPath = parent.Path
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.now()
		u := &directory.Unit{ID: newID(), OrgID: a.OrgID, ParentID: in.ParentID, Kind: in.Kind, Name: in.Name,
			Code: in.Code, CreatedAt: now, UpdatedAt: now, Version: 1}
		u.Path = parentPath + u.ID + "/"
		if err := tx.CreateUnit(ctx, u); err != nil {
			return err
		}
		out = u
		return s.record(ctx, tx, a, "unit.create", "unit", u.ID, u.Name, created(unitSnapshot(u)))
	})
	return out, err
}

// Unit returns one unit.
func (s *Service) Unit(ctx context.Context, a *Actor, id string) (*directory.Unit, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	return s.unitInScope(ctx, &s.db.Conn, a, id)
}

// Units lists units, parents before children.
func (s *Service) Units(ctx context.Context, a *Actor, f store.UnitFilter) ([]*directory.Unit, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	all, err := s.db.Units(ctx, a.OrgID, f)
	if err != nil || a.OrgWide() {
		return all, err
	}
	var out []*directory.Unit
	for _, u := range all {
		if a.covers(u.Path) {
			out = append(out, u)
		}
	}
	return out, nil
}

// UnitPatch changes a unit; nil leaves a field as it is. ParentID moves the
// unit ("" = to the root); Archived archives or restores it.
type UnitPatch struct {
	Name     *string
	Kind     *string
	Code     *string
	ParentID *string
	Archived *bool
}

// UpdateUnit renames, re-codes, re-kinds, moves, archives or restores a
// unit. A move under the unit itself or one of its descendants is
// KindInvalid (no cycles); archiving a unit with unarchived children is
// KindConflict.
func (s *Service) UpdateUnit(ctx context.Context, a *Actor, id string, expectVersion int64, p UnitPatch) (*directory.Unit, error) {
	if err := s.authorize(a, "units.manage"); err != nil {
		return nil, err
	}
	var out *directory.Unit
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.unitInScope(ctx, &tx.Conn, a, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectVersion, u.Version, "unit"); err != nil {
			return err
		}
		before := unitSnapshot(u)
		if p.Name != nil {
			u.Name = strings.TrimSpace(*p.Name)
		}
		if p.Kind != nil {
			u.Kind = strings.TrimSpace(*p.Kind)
		}
		if p.Code != nil {
			u.Code = strings.TrimSpace(*p.Code)
		}
		var v directory.Validation
		if err := validateUnitFields(ctx, tx, a.OrgID, u.Name, u.Kind, u.Code, &v); err != nil {
			return err
		}
		var newParent *directory.Unit
		move := p.ParentID != nil && *p.ParentID != u.ParentID
		if move && *p.ParentID == "" && !a.OrgWide() {
			v.Add("parent_id", "only an organization-wide administrator may move a unit to the root")
		}
		if move && *p.ParentID != "" {
			// The destination must lie in the actor's scope too, so that no
			// one moves a unit (and the people in it) where they do not
			// manage units.
			newParent, err = s.unitInScope(ctx, &tx.Conn, a, *p.ParentID)
			switch {
			case isKind(err, directory.KindNotFound):
				v.Add("parent_id", "no such unit")
			case err != nil:
				return err
			case strings.HasPrefix(newParent.Path, u.Path):
				v.Add("parent_id", "a unit cannot move under itself or one of its own units")
			case newParent.Archived():
				v.Add("parent_id", "that unit is archived")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.now()
		u.UpdatedAt = now
		if p.Archived != nil && *p.Archived != u.Archived() {
			if *p.Archived {
				n, err := tx.CountActiveChildren(ctx, a.OrgID, u.ID)
				if err != nil {
					return err
				}
				if n > 0 {
					return directory.Errorf(directory.KindConflict, "%s has %d unit(s) under it that are not archived; archive or move them first", u.Name, n)
				}
				u.ArchivedAt = now
			} else {
				// Keep the rule that an archived unit has no live units
				// under it: restore the parent first (a new parent of a move
				// was checked above).
				if !move && u.ParentID != "" {
					parent, err := tx.Unit(ctx, a.OrgID, u.ParentID)
					if err != nil {
						return err
					}
					if parent.Archived() {
						return directory.Errorf(directory.KindConflict, "%s is under %s, which is archived; restore it first", u.Name, parent.Name)
					}
				}
				u.ArchivedAt = time.Time{}
			}
		}
		version := u.Version
		if err := tx.UpdateUnit(ctx, u, version); err != nil {
			return err
		}
		if move {
			newPath := "/" + u.ID + "/"
			parentID := ""
			if newParent != nil {
				newPath, parentID = newParent.Path+u.ID+"/", newParent.ID
			}
			if err := tx.MoveUnit(ctx, u, parentID, newPath, u.Version); err != nil {
				return err
			}
		}
		action := "unit.update"
		switch {
		case move:
			action = "unit.move"
		case p.Archived != nil && before["archived_at"] == nil && !u.ArchivedAt.IsZero():
			action = "unit.archive"
		case p.Archived != nil && before["archived_at"] != nil && u.ArchivedAt.IsZero():
			action = "unit.restore"
		}
		out = u
		return s.record(ctx, tx, a, action, "unit", u.ID, u.Name, diff(before, unitSnapshot(u)))
	})
	return out, err
}

// UnitKinds lists the organization's unit kinds with their labels.
func (s *Service) UnitKinds(ctx context.Context, a *Actor) ([]directory.UnitKind, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	return s.db.UnitKinds(ctx, a.OrgID)
}

var unitKindKey = fieldKeyPattern

// PutUnitKind adds a unit kind or changes the label of an existing one. It
// takes settings.manage through an organization-wide grant (KindForbidden).
func (s *Service) PutUnitKind(ctx context.Context, a *Actor, k directory.UnitKind) (directory.UnitKind, error) {
	if err := s.manageSettings(a); err != nil {
		return k, err
	}
	k.Label = strings.TrimSpace(k.Label)
	var v directory.Validation
	if !unitKindKey.MatchString(k.Key) {
		v.Add("key", "must start with a lower-case letter and hold only lower-case letters, digits and underscores")
	}
	if k.Label == "" {
		v.Add("label", "is required")
	} else if len([]rune(k.Label)) > 100 {
		v.Add("label", "must be at most 100 characters")
	}
	if err := v.Err(); err != nil {
		return k, err
	}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		kinds, err := tx.UnitKinds(ctx, a.OrgID)
		if err != nil {
			return err
		}
		before := map[string]any{}
		for _, old := range kinds {
			if old.Key == k.Key {
				before = map[string]any{"label": old.Label, "position": old.Position}
			}
		}
		if err := tx.PutUnitKind(ctx, a.OrgID, k); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "unit_kind.put", "unit_kind", k.Key, k.Label,
			diff(before, map[string]any{"label": k.Label, "position": k.Position}))
	})
	return k, err
}
