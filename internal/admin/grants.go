package admin

import (
	"context"
	"errors"
	"strings"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
)

// GrantView is a grant with its role and unit, as lists show it.
type GrantView struct {
	*directory.Grant
	Role *directory.Role
	Unit *directory.Unit // nil for an organization-wide grant
	// Current reports whether the grant counts now (started, not expired).
	Current bool
}

// GrantInput describes a grant to give or the new state of one.
type GrantInput struct {
	RoleID    string
	UnitID    string // "" = the whole organization
	StartsAt  time.Time
	ExpiresAt time.Time
	Fields    map[string]string
}

func grantSnapshot(g *directory.Grant, roleName, unitName string) map[string]any {
	m := map[string]any{"grant.role": roleName, "grant.scope": unitName, "grant.starts_at": timeValue(g.StartsAt),
		"grant.expires_at": timeValue(g.ExpiresAt)}
	if unitName == "" {
		m["grant.scope"] = "organization"
	}
	for k, v := range g.Fields {
		m["grant.fields."+k] = v
	}
	return m
}

// checkGrant validates a grant's role, scope, dates and required fields and
// applies the delegation rule to it. It returns the role and unit.
func (s *Service) checkGrant(ctx context.Context, tx *store.Tx, a *Actor, in *GrantInput, v *directory.Validation) (*directory.Role, *directory.Unit, error) {
	role, err := tx.Role(ctx, a.OrgID, in.RoleID)
	if isKind(err, directory.KindNotFound) {
		v.Add("role_id", "no such role")
		role = nil
	} else if err != nil {
		return nil, nil, err
	}
	var unit *directory.Unit
	unitPath := ""
	if in.UnitID != "" {
		unit, err = s.unitInScope(ctx, &tx.Conn, a, in.UnitID)
		switch {
		case isKind(err, directory.KindNotFound):
			v.Add("unit_id", "no such unit")
		case err != nil:
			return nil, nil, err
		case unit.Archived():
			v.Add("unit_id", "that unit is archived")
		default:
			unitPath = unit.Path
		}
	}
	if !in.ExpiresAt.IsZero() && !in.StartsAt.IsZero() && !in.ExpiresAt.After(in.StartsAt) {
		v.Add("expires_at", "must be after starts_at")
	}
	if role != nil {
		given := map[string]bool{}
		for _, f := range role.RequiredFields {
			val := strings.TrimSpace(in.Fields[f.Key])
			if val == "" {
				v.Add("fields."+f.Key, "%s is required for the role %s", f.Label, role.Name)
			} else if len([]rune(val)) > 1000 {
				v.Add("fields."+f.Key, "must be at most 1000 characters")
			}
			in.Fields[f.Key] = val
			given[f.Key] = true
		}
		for k := range in.Fields {
			if !given[k] {
				v.Add("fields."+k, "the role %s asks for no such field", role.Name)
			}
		}
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	if !a.mayGive(role.Level, unitPath) {
		if role.Level > a.Level() {
			return nil, nil, directory.Errorf(directory.KindForbidden, "you may give roles only at or below your own level (%d); %s is %d", a.Level(), role.Name, role.Level)
		}
		return nil, nil, directory.Errorf(directory.KindForbidden, "you may give access only inside your own scope")
	}
	return role, unit, nil
}

func unitName(u *directory.Unit) string {
	if u == nil {
		return ""
	}
	return u.Name
}

// Grants lists a user's grants with their roles and units.
func (s *Service) Grants(ctx context.Context, a *Actor, userID string) ([]*GrantView, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	if _, err := s.viewUser(ctx, &s.db.Conn, a, userID); err != nil {
		return nil, err
	}
	return s.grantViews(ctx, a.OrgID, userID)
}

func (s *Service) grantViews(ctx context.Context, orgID, userID string) ([]*GrantView, error) {
	grants, err := s.db.UserGrants(ctx, orgID, userID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]*GrantView, 0, len(grants))
	for _, g := range grants {
		gv := &GrantView{Grant: g, Current: g.ActiveAt(now)}
		if gv.Role, err = s.db.Role(ctx, orgID, g.RoleID); err != nil {
			return nil, err
		}
		if g.UnitID != "" {
			if gv.Unit, err = s.db.Unit(ctx, orgID, g.UnitID); err != nil {
				return nil, err
			}
		}
		out = append(out, gv)
	}
	return out, nil
}

// CreateGrant gives a user a role over a scope. It takes access.grant, a
// user the actor may manage, a role at or below the actor's level and a
// scope inside the actor's (KindForbidden otherwise), and values for the
// role's required fields (KindInvalid). The same role over the same scope
// twice is KindConflict.
func (s *Service) CreateGrant(ctx context.Context, a *Actor, userID string, in GrantInput) (*GrantView, error) {
	if err := s.authorize(a, "access.grant"); err != nil {
		return nil, err
	}
	if in.Fields == nil {
		in.Fields = map[string]string{}
	}
	var out *GrantView
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, userID)
		if err != nil {
			return err
		}
		if err := notInBin(u); err != nil {
			return err
		}
		out, err = s.createGrantTx(ctx, tx, a, u, in)
		return err
	})
	return out, err
}

// createGrantTx checks, stores and audits a grant of u, a user the actor
// may manage, inside tx; in.Fields must not be nil.
func (s *Service) createGrantTx(ctx context.Context, tx *store.Tx, a *Actor, u *directory.User, in GrantInput) (*GrantView, error) {
	var v directory.Validation
	role, unit, err := s.checkGrant(ctx, tx, a, &in, &v)
	if err != nil {
		return nil, err
	}
	now := s.now()
	g := &directory.Grant{ID: newID(), OrgID: a.OrgID, UserID: u.ID, RoleID: role.ID, UnitID: in.UnitID,
		StartsAt: in.StartsAt, ExpiresAt: in.ExpiresAt, Fields: in.Fields, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	if len(g.Fields) == 0 {
		g.Fields = nil
	}
	if err := tx.CreateGrant(ctx, g); err != nil {
		return nil, err
	}
	out := &GrantView{Grant: g, Role: role, Unit: unit, Current: g.ActiveAt(now)}
	return out, s.record(ctx, tx, a, "grant.create", "user", u.ID, u.Name(), created(grantSnapshot(g, role.Name, unitName(unit))))
}

// UpdateGrant changes a grant's role, scope, dates or field values. Both
// the grant as it is and as it becomes must pass the delegation rule.
func (s *Service) UpdateGrant(ctx context.Context, a *Actor, userID, grantID string, in GrantInput) (*GrantView, error) {
	if err := s.authorize(a, "access.grant"); err != nil {
		return nil, err
	}
	if in.Fields == nil {
		in.Fields = map[string]string{}
	}
	var out *GrantView
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, userID)
		if err != nil {
			return err
		}
		g, oldRole, oldUnit, err := s.grantOf(ctx, tx, a, u, grantID)
		if err != nil {
			return err
		}
		var v directory.Validation
		role, unit, err := s.checkGrant(ctx, tx, a, &in, &v)
		if err != nil {
			return err
		}
		before := grantSnapshot(g, oldRole.Name, unitName(oldUnit))
		g.RoleID, g.UnitID, g.StartsAt, g.ExpiresAt, g.Fields, g.UpdatedAt = role.ID, in.UnitID, in.StartsAt, in.ExpiresAt, in.Fields, s.now()
		if len(g.Fields) == 0 {
			g.Fields = nil
		}
		out = &GrantView{Grant: g, Role: role, Unit: unit, Current: g.ActiveAt(s.now())}
		changes := diff(before, grantSnapshot(g, role.Name, unitName(unit)))
		if len(changes) == 0 {
			return errStop
		}
		if err := tx.UpdateGrant(ctx, g); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "grant.update", "user", u.ID, u.Name(), changes)
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return out, err
}

// grantOf loads one grant of u that the actor may change.
func (s *Service) grantOf(ctx context.Context, tx *store.Tx, a *Actor, u *directory.User, grantID string) (*directory.Grant, *directory.Role, *directory.Unit, error) {
	g, err := tx.Grant(ctx, a.OrgID, grantID)
	if err != nil {
		return nil, nil, nil, err
	}
	if g.UserID != u.ID {
		return nil, nil, nil, directory.NotFound("grant")
	}
	role, err := tx.Role(ctx, a.OrgID, g.RoleID)
	if err != nil {
		return nil, nil, nil, err
	}
	var unit *directory.Unit
	path := ""
	if g.UnitID != "" {
		if unit, err = tx.Unit(ctx, a.OrgID, g.UnitID); err != nil {
			return nil, nil, nil, err
		}
		path = unit.Path
	}
	if !a.mayGive(role.Level, path) {
		return nil, nil, nil, directory.Errorf(directory.KindForbidden, "this grant is above your level or outside your scope")
	}
	return g, role, unit, nil
}

// DeleteGrant removes a grant. When it was the user's last, their API
// tokens are revoked too: without access they have nothing to act with.
func (s *Service) DeleteGrant(ctx context.Context, a *Actor, userID, grantID string) error {
	if err := s.authorize(a, "access.grant"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, userID)
		if err != nil {
			return err
		}
		g, role, unit, err := s.grantOf(ctx, tx, a, u, grantID)
		if err != nil {
			return err
		}
		if err := tx.DeleteGrant(ctx, a.OrgID, g.ID); err != nil {
			return err
		}
		left, err := tx.UserGrants(ctx, a.OrgID, u.ID)
		if err != nil {
			return err
		}
		if len(left) == 0 {
			// Without a grant the user reaches nothing: their sessions and
			// tokens end with the last one.
			if err := s.endAccess(ctx, tx, a.OrgID, u.ID, ""); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, a, "grant.delete", "user", u.ID, u.Name(), diff(grantSnapshot(g, role.Name, unitName(unit)), map[string]any{}))
	})
}

// MyGrants lists the actor's own grants, marking the active one by ID.
func (s *Service) MyGrants(ctx context.Context, a *Actor) ([]*GrantView, string, error) {
	if err := signedInUser(a); err != nil {
		return nil, "", err
	}
	list, err := s.grantViews(ctx, a.OrgID, a.UserID)
	active := ""
	if a.Grant != nil {
		active = a.Grant.ID
	}
	return list, active, err
}

// ActiveGrant returns the grant the actor acts through; an actor without a
// current grant gets KindNotFound.
func (s *Service) ActiveGrant(ctx context.Context, a *Actor) (*GrantView, error) {
	list, active, err := s.MyGrants(ctx, a)
	if err != nil {
		return nil, err
	}
	for _, g := range list {
		if g.ID == active {
			return g, nil
		}
	}
	return nil, directory.Errorf(directory.KindNotFound, "you hold no current grant")
}

// SetActiveGrant makes one of the actor's current grants the one their
// token acts through from the next request on. A grant that is not the
// actor's, or does not count now, is KindInvalid.
func (s *Service) SetActiveGrant(ctx context.Context, a *Actor, grantID string) (*GrantView, error) {
	if err := signedInUser(a); err != nil {
		return nil, err
	}
	if a.TokenID == "" {
		return nil, directory.Errorf(directory.KindConflict, "only a session or a token has an active grant")
	}
	var out *GrantView
	err := s.inTx(ctx, func(tx *store.Tx) error {
		g, err := tx.Grant(ctx, a.OrgID, grantID)
		if err != nil || g.UserID != a.UserID || !g.ActiveAt(s.now()) {
			return &directory.Error{Kind: directory.KindInvalid, Message: "validation failed",
				Fields: []directory.FieldError{{Field: "grant_id", Message: "is not one of your current grants"}}}
		}
		role, err := tx.Role(ctx, a.OrgID, g.RoleID)
		if err != nil {
			return err
		}
		var unit *directory.Unit
		if g.UnitID != "" {
			if unit, err = tx.Unit(ctx, a.OrgID, g.UnitID); err != nil {
				return err
			}
		}
		if err := tx.SetTokenGrant(ctx, a.OrgID, a.TokenID, g.ID); err != nil {
			return err
		}
		out = &GrantView{Grant: g, Role: role, Unit: unit, Current: true}
		before := "highest"
		if a.Grant != nil {
			before = a.Grant.ID
		}
		return s.record(ctx, tx, a, "token.active_grant", "token", a.TokenID, "", []directory.Change{{Field: "grant_id", Before: before, After: g.ID}})
	})
	return out, err
}
