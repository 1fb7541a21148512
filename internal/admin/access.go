package admin

import (
	"context"
	"math"
	"strings"

	"roster/internal/directory"
	"roster/internal/store"
)

// This file holds the delegation rule, the one place that decides whom an
// actor may see and manage and which access they may give:
//
//   - An actor acts through one grant: a role (with a level) over a scope,
//     the whole organization or one unit's subtree.
//   - A grant may be given, changed or removed only at or below the actor's
//     level and inside the actor's scope.
//   - A user is visible when at least one of their grants lies inside the
//     actor's scope, or when they have no grant and the actor created them,
//     or when they are in the actor's team and the actor may see their team.
//   - A user is manageable when visible and every one of their grants is at
//     or below the actor's level and inside the actor's scope.
//
// Objects the actor may not see answer KindNotFound, never KindForbidden,
// so that nothing outside one's scope can be probed.

// loadScope reads the path of the active grant's unit into the actor.
func (s *Service) loadScope(ctx context.Context, a *Actor) error {
	a.scopePath = ""
	if a.Grant == nil || a.Grant.UnitID == "" {
		return nil
	}
	u, err := s.db.Unit(ctx, a.OrgID, a.Grant.UnitID)
	if err != nil {
		return err
	}
	a.scopePath = u.Path
	return nil
}

// Level is the level of the actor's active role (0 without one).
func (a *Actor) Level() int {
	switch {
	case a.operator:
		return math.MaxInt
	case a.Role == nil:
		return 0
	}
	return a.Role.Level
}

// OrgWide reports whether the actor's scope is the whole organization.
func (a *Actor) OrgWide() bool {
	return a.operator || (a.Grant != nil && a.Grant.UnitID == "")
}

// ScopeUnitID is the unit the actor's active grant is limited to ("" when
// organization-wide).
func (a *Actor) ScopeUnitID() string {
	if a.Grant == nil {
		return ""
	}
	return a.Grant.UnitID
}

// covers reports whether a scope given by a unit path ("" = the whole
// organization) lies inside the actor's scope.
func (a *Actor) covers(unitPath string) bool {
	if a.OrgWide() {
		return true
	}
	if a.Grant == nil || a.scopePath == "" {
		return false
	}
	return unitPath != "" && strings.HasPrefix(unitPath, a.scopePath)
}

// mayGive reports whether the actor may give, change or remove a grant of
// a role at level over the unit path.
func (a *Actor) mayGive(level int, unitPath string) bool {
	return level <= a.Level() && a.covers(unitPath)
}

// userAccess is what the rule needs to know of a target user.
type userAccess struct {
	grants []store.GrantScope
}

func (s *Service) userAccess(ctx context.Context, c *store.Conn, orgID, userID string) (*userAccess, error) {
	gs, err := c.UserGrantScopes(ctx, orgID, userID)
	if err != nil {
		return nil, err
	}
	return &userAccess{grants: gs}, nil
}

// canView applies the visibility rule to u.
func (s *Service) canView(ctx context.Context, c *store.Conn, a *Actor, u *directory.User) (bool, error) {
	if a.OrgWide() || u.ID == a.UserID {
		return true, nil
	}
	acc, err := s.userAccess(ctx, c, a.OrgID, u.ID)
	if err != nil {
		return false, err
	}
	if len(acc.grants) == 0 && u.CreatedBy != "" && u.CreatedBy == a.UserID {
		return true, nil
	}
	for _, g := range acc.grants {
		if a.covers(g.UnitPath) {
			return true, nil
		}
	}
	if a.Can("team.view") {
		return c.InTeam(ctx, a.OrgID, a.UserID, u.ID)
	}
	return false, nil
}

// canManage applies the management rule to u; u must be visible.
func (s *Service) canManage(ctx context.Context, c *store.Conn, a *Actor, u *directory.User) (bool, error) {
	acc, err := s.userAccess(ctx, c, a.OrgID, u.ID)
	if err != nil {
		return false, err
	}
	if len(acc.grants) == 0 {
		return a.OrgWide() || (u.CreatedBy != "" && u.CreatedBy == a.UserID), nil
	}
	for _, g := range acc.grants {
		if !a.mayGive(g.RoleLevel, g.UnitPath) {
			return false, nil
		}
	}
	return true, nil
}

// viewUser loads a user the actor may see; others are KindNotFound.
func (s *Service) viewUser(ctx context.Context, c *store.Conn, a *Actor, id string) (*directory.User, error) {
	u, err := c.User(ctx, a.OrgID, id)
	if err != nil {
		return nil, err
	}
	ok, err := s.canView(ctx, c, a, u)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, directory.NotFound("user")
	}
	return u, nil
}

// manageUser loads a user the actor may manage. Users the actor may not
// see are KindNotFound; users they see but may not manage (a grant above
// the actor's level or outside their scope) are KindForbidden.
func (s *Service) manageUser(ctx context.Context, c *store.Conn, a *Actor, id string) (*directory.User, error) {
	u, err := s.viewUser(ctx, c, a, id)
	if err != nil {
		return nil, err
	}
	ok, err := s.canManage(ctx, c, a, u)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, directory.Errorf(directory.KindForbidden,
			"%s holds access above your level or outside your scope, so you cannot change them", u.Name())
	}
	return u, nil
}

// manageSettings checks that the actor may change a setting of the whole
// organization (custom fields, unit kinds, licenses): it takes
// settings.manage through an organization-wide grant, since such a change
// reaches the users of every unit, not only those of the actor's scope.
func (s *Service) manageSettings(a *Actor) error {
	if err := s.authorize(a, "settings.manage"); err != nil {
		return err
	}
	if !a.OrgWide() {
		return directory.Errorf(directory.KindForbidden, "organization settings apply to every unit; changing them takes an organization-wide grant")
	}
	return nil
}

// unitInScope loads a unit the actor's scope covers; others are
// KindNotFound for scoped actors.
func (s *Service) unitInScope(ctx context.Context, c *store.Conn, a *Actor, id string) (*directory.Unit, error) {
	u, err := c.Unit(ctx, a.OrgID, id)
	if err != nil {
		return nil, err
	}
	if !a.covers(u.Path) {
		return nil, directory.NotFound("unit")
	}
	return u, nil
}

// listScope returns the user-list restriction for the actor: nil for an
// organization-wide actor.
func (a *Actor) listScope() *store.UserScope {
	if a.OrgWide() {
		return nil
	}
	sc := &store.UserScope{CreatorID: a.UserID, SelfID: a.UserID}
	if a.scopePath != "" {
		sc.UnitPath = a.scopePath
	}
	if a.Can("team.view") {
		sc.TeamOf = a.UserID
	}
	return sc
}

// consolePermissions are the permissions that open the administration
// console: any one of them is some administration.
var consolePermissions = []directory.Permission{"users.view", "users.invite", "roles.manage", "resources.manage",
	"resources.all_in_scope", "audit.view", "users.delete", "settings.manage"}

// Administers reports whether the actor's active grant allows some
// administration, so that the console lets them in.
func (a *Actor) Administers() bool {
	if a == nil {
		return false
	}
	for _, p := range consolePermissions {
		if a.Can(p) {
			return true
		}
	}
	return false
}
