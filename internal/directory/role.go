package directory

import (
	"slices"
	"time"
)

// Permission names one thing a role allows.
type Permission string

// PermissionInfo describes a permission of the catalog.
type PermissionInfo struct {
	Name        Permission
	Description string
}

// Catalog is the fixed list of permissions a role may hold.
var Catalog = []PermissionInfo{
	{"users.view", "See users and their profiles"},
	{"users.create", "Add users"},
	{"users.edit", "Edit users' profiles and custom fields"},
	{"users.disable", "Disable and enable users"},
	{"users.delete", "Move users to the recycle bin, restore and purge them"},
	{"users.reset_password", "Reset users' passwords"},
	{"users.unlock", "Unlock locked accounts"},
	{"users.impersonate", "Act as another user"},
	{"users.import", "Import users from files"},
	{"users.export", "Export users"},
	{"users.invite", "Invite users"},
	{"access.grant", "Give and remove access (grants)"},
	{"roles.manage", "Create and edit roles"},
	{"units.manage", "Create, rename, move and archive units"},
	{"groups.manage", "Manage groups and their members"},
	{"resources.manage", "Manage resources and who reaches them"},
	{"resources.all_in_scope", "Reach every resource inside one's scope"},
	{"audit.view", "Read the audit log"},
	{"settings.manage", "Change organization settings, custom fields and API tokens"},
	{"scim.provision", "Provision users and groups through SCIM (for API tokens of provisioning clients)"},
	{"team.view", "See one's own team"},
}

// KnownPermission reports whether p is in the catalog.
func KnownPermission(p Permission) bool {
	return slices.ContainsFunc(Catalog, func(i PermissionInfo) bool { return i.Name == p })
}

// AllPermissions returns every permission of the catalog.
func AllPermissions() []Permission {
	out := make([]Permission, len(Catalog))
	for i, p := range Catalog {
		out[i] = p.Name
	}
	return out
}

// Role is a named security level with a set of permissions.
type Role struct {
	ID          string
	OrgID       string
	Key         string // the built-in role's key ("owner"); "" for roles an organization adds
	Name        string
	Description string
	Level       int
	Permissions []Permission
	MFARequired bool
	IsDefault   bool
	// RequiredFields are values every grant of the role must carry.
	RequiredFields []RequiredField
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Version        int64
}

// Has reports whether the role grants p.
func (r *Role) Has(p Permission) bool { return slices.Contains(r.Permissions, p) }

// OwnerRoleKey is the key of the built-in role that keeps every permission.
const OwnerRoleKey = "owner"

// Grant gives a user a role over a scope: the whole organization (UnitID "")
// or one unit and its subtree.
type Grant struct {
	ID        string
	OrgID     string
	UserID    string
	RoleID    string
	UnitID    string
	StartsAt  time.Time
	ExpiresAt time.Time
	Fields    map[string]string
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ActiveAt reports whether the grant counts at time t.
func (g *Grant) ActiveAt(t time.Time) bool {
	if !g.StartsAt.IsZero() && t.Before(g.StartsAt) {
		return false
	}
	return g.ExpiresAt.IsZero() || t.Before(g.ExpiresAt)
}
