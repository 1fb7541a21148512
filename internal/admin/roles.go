package admin

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"roster/internal/directory"
	"roster/internal/store"
)

// builtinRoles are the roles every new organization starts with; it may
// edit them, except that the owner keeps every permission and its level.
func builtinRoles() []*directory.Role {
	p := func(names ...string) []directory.Permission {
		out := make([]directory.Permission, len(names))
		for i, n := range names {
			out[i] = directory.Permission(n)
		}
		return out
	}
	return []*directory.Role{
		{Key: directory.OwnerRoleKey, Name: "Owner", Description: "Runs the organization: every permission, everywhere.",
			Level: 100, Permissions: directory.AllPermissions()},
		{Key: "administrator", Name: "Administrator", Description: "Manages users, access, units, groups and resources.",
			Level: 80, Permissions: p("users.view", "users.create", "users.edit", "users.disable", "users.delete",
				"users.reset_password", "users.unlock", "users.impersonate", "users.import", "users.export", "users.invite",
				"access.grant", "roles.manage", "units.manage", "groups.manage", "resources.manage",
				"resources.all_in_scope", "audit.view", "team.view")},
		{Key: "manager", Name: "Manager", Description: "Manages the users and access of their units.",
			Level: 60, Permissions: p("users.view", "users.create", "users.edit", "users.disable", "users.delete",
				"users.reset_password", "users.unlock", "users.import", "users.export", "users.invite",
				"access.grant", "groups.manage", "resources.manage", "resources.all_in_scope", "audit.view", "team.view")},
		{Key: "supervisor", Name: "Supervisor", Description: "Looks after a team: sees it, invites, resets passwords and unlocks.",
			Level: 40, Permissions: p("users.view", "users.edit", "users.reset_password", "users.unlock", "users.invite",
				"resources.all_in_scope", "team.view")},
		{Key: "staff", Name: "Staff", Description: "Sees the people of their units.",
			Level: 20, Permissions: p("users.view")},
		{Key: "service_contact", Name: "Service Contact", Description: "Provides a service; the grant says which.",
			Level: 15, RequiredFields: []directory.RequiredField{{Key: "service_description", Label: "Description of the service provided"}}},
		{Key: "basic", Name: "Basic", Description: "Signs in and manages their own account.", Level: 10, IsDefault: true},
	}
}

// RoleInput describes a role to create or the new state of one.
type RoleInput struct {
	Name           string
	Description    string
	Level          int
	Permissions    []directory.Permission
	MFARequired    bool
	IsDefault      bool
	RequiredFields []directory.RequiredField
}

var requiredKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// validateRole checks a role against the catalog and the actor's own
// power: nobody makes a role above their level or with a permission they do
// not hold themselves.
func validateRole(a *Actor, in *RoleInput, v *directory.Validation) {
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	if in.Name == "" {
		v.Add("name", "is required")
	} else if len([]rune(in.Name)) > 100 {
		v.Add("name", "must be at most 100 characters")
	}
	if len([]rune(in.Description)) > 500 {
		v.Add("description", "must be at most 500 characters")
	}
	switch {
	case in.Level < 1 || in.Level > 100:
		v.Add("level", "must be between 1 and 100")
	case in.Level > a.Level():
		v.Add("level", "must not be above your own level (%d)", a.Level())
	}
	seen := map[directory.Permission]bool{}
	for _, p := range in.Permissions {
		switch {
		case !directory.KnownPermission(p):
			v.Add("permissions", "%q is not a permission of the catalog", p)
		case seen[p]:
			v.Add("permissions", "%q is listed twice", p)
		case !a.Can(p):
			v.Add("permissions", "you cannot give %q: your own role does not hold it", p)
		}
		seen[p] = true
	}
	keys := map[string]bool{}
	for i, f := range in.RequiredFields {
		f.Label = strings.TrimSpace(f.Label)
		in.RequiredFields[i] = f
		switch {
		case !requiredKeyPattern.MatchString(f.Key):
			v.Add("required_fields", "key %q must start with a lower-case letter and hold only lower-case letters, digits and underscores", f.Key)
		case keys[f.Key]:
			v.Add("required_fields", "key %q is listed twice", f.Key)
		case f.Label == "":
			v.Add("required_fields", "field %q needs a label", f.Key)
		}
		keys[f.Key] = true
	}
	if len(in.RequiredFields) > 20 {
		v.Add("required_fields", "at most 20")
	}
	slices.Sort(in.Permissions)
}

func roleSnapshot(r *directory.Role) map[string]any {
	perms := make([]string, len(r.Permissions))
	for i, p := range r.Permissions {
		perms[i] = string(p)
	}
	req := make([]string, len(r.RequiredFields))
	for i, f := range r.RequiredFields {
		req[i] = f.Key + "=" + f.Label
	}
	return map[string]any{"name": r.Name, "description": r.Description, "level": r.Level,
		"permissions": strings.Join(perms, " "), "mfa_required": r.MFARequired, "is_default": r.IsDefault,
		"required_fields": strings.Join(req, "; ")}
}

// manageRoles checks that the actor may change roles at all: roles are
// organization-wide, so it takes roles.manage through an organization-wide
// grant.
func (s *Service) manageRoles(a *Actor) error {
	if err := s.authorize(a, "roles.manage"); err != nil {
		return err
	}
	if !a.OrgWide() {
		return directory.Errorf(directory.KindForbidden, "roles apply to the whole organization; changing them takes an organization-wide grant")
	}
	return nil
}

// Roles lists the organization's roles, highest level first. Every
// signed-in actor may read them.
func (s *Service) Roles(ctx context.Context, a *Actor) ([]*directory.Role, error) {
	if err := signedIn(a); err != nil {
		return nil, err
	}
	return s.db.Roles(ctx, a.OrgID)
}

// Role returns one role.
func (s *Service) Role(ctx context.Context, a *Actor, id string) (*directory.Role, error) {
	if err := signedIn(a); err != nil {
		return nil, err
	}
	return s.db.Role(ctx, a.OrgID, id)
}

// CreateRole adds a role at or below the actor's level with permissions the
// actor holds. A name already used is KindConflict.
func (s *Service) CreateRole(ctx context.Context, a *Actor, in RoleInput) (*directory.Role, error) {
	if err := s.manageRoles(a); err != nil {
		return nil, err
	}
	var v directory.Validation
	validateRole(a, &in, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	r := &directory.Role{ID: newID(), OrgID: a.OrgID, Name: in.Name, Description: in.Description, Level: in.Level,
		Permissions: in.Permissions, MFARequired: in.MFARequired, IsDefault: in.IsDefault,
		RequiredFields: in.RequiredFields, CreatedAt: now, UpdatedAt: now}
	if len(r.RequiredFields) == 0 {
		r.RequiredFields = nil
	}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateRole(ctx, r); err != nil {
			return err
		}
		if r.IsDefault {
			if err := tx.ClearDefaultRole(ctx, a.OrgID, r.ID); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, a, "role.create", "role", r.ID, r.Name, created(roleSnapshot(r)))
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// UpdateRole changes a role at or below the actor's level. The owner role
// keeps its level and every permission (KindConflict); a role can stop being
// the default only by making another the default.
func (s *Service) UpdateRole(ctx context.Context, a *Actor, id string, expectVersion int64, in RoleInput) (*directory.Role, error) {
	if err := s.manageRoles(a); err != nil {
		return nil, err
	}
	var out *directory.Role
	err := s.inTx(ctx, func(tx *store.Tx) error {
		r, err := tx.Role(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectVersion, r.Version, "role"); err != nil {
			return err
		}
		if r.Level > a.Level() {
			return directory.Errorf(directory.KindForbidden, "the role %s is above your level", r.Name)
		}
		var v directory.Validation
		// Permissions the role already holds may stay even when the actor
		// lacks them; only new ones are checked against the actor.
		kept := &Actor{OrgID: a.OrgID, operator: a.operator, Role: withPermissions(a.Role, r.Permissions), Grant: a.Grant}
		validateRole(kept, &in, &v)
		if r.Key == directory.OwnerRoleKey && (in.Level != r.Level || !slices.Equal(in.Permissions, sortedPerms(directory.AllPermissions()))) {
			return directory.Errorf(directory.KindConflict, "the owner role keeps its level and every permission")
		}
		if r.IsDefault && !in.IsDefault {
			v.Add("is_default", "make another role the default instead")
		}
		if err := v.Err(); err != nil {
			return err
		}
		before := roleSnapshot(r)
		r.Name, r.Description, r.Level, r.Permissions = in.Name, in.Description, in.Level, in.Permissions
		r.MFARequired, r.IsDefault, r.RequiredFields, r.UpdatedAt = in.MFARequired, in.IsDefault, in.RequiredFields, s.now()
		if len(r.RequiredFields) == 0 {
			r.RequiredFields = nil
		}
		changes := diff(before, roleSnapshot(r))
		out = r
		if len(changes) == 0 {
			return errStop
		}
		if err := tx.UpdateRole(ctx, r, r.Version); err != nil {
			return err
		}
		if r.IsDefault {
			if err := tx.ClearDefaultRole(ctx, a.OrgID, r.ID); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, a, "role.update", "role", r.ID, r.Name, changes)
	})
	if err == errStop {
		err = nil
	}
	return out, err
}

func sortedPerms(ps []directory.Permission) []directory.Permission {
	out := slices.Clone(ps)
	slices.Sort(out)
	return out
}

// withPermissions returns a copy of r that also holds extra.
func withPermissions(r *directory.Role, extra []directory.Permission) *directory.Role {
	if r == nil {
		return nil
	}
	c := *r
	c.Permissions = append(slices.Clone(r.Permissions), extra...)
	return &c
}

// DeleteRole removes a role nobody holds. The owner role and the default
// role cannot be removed, nor a role above the actor's level.
func (s *Service) DeleteRole(ctx context.Context, a *Actor, id string) error {
	if err := s.manageRoles(a); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		r, err := tx.Role(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		switch {
		case r.Level > a.Level():
			return directory.Errorf(directory.KindForbidden, "the role %s is above your level", r.Name)
		case r.Key == directory.OwnerRoleKey:
			return directory.Errorf(directory.KindConflict, "the owner role cannot be removed")
		case r.IsDefault:
			return directory.Errorf(directory.KindConflict, "%s is the default role; make another role the default first", r.Name)
		}
		n, err := tx.CountRoleGrants(ctx, r.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return directory.Errorf(directory.KindConflict, "%s is granted %d time(s); remove those grants first", r.Name, n)
		}
		if err := tx.DeleteRole(ctx, a.OrgID, r.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "role.delete", "role", r.ID, r.Name, diff(roleSnapshot(r), map[string]any{}))
	})
}
