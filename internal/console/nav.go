package console

import (
	"roster/internal/admin"
	"roster/internal/directory"
)

// navItem is one entry of the console's navigation.
type navItem struct {
	Key, Label, Href string
	Current          bool
}

// area is one part of the console and who may open it.
type area struct {
	key, label, href string
	// may reports whether an actor may open the area; admin enforces the
	// same rule on every request, so this only keeps menus honest.
	may func(a *admin.Actor) bool
}

// can is the rule of an area open to holders of any of perms.
func can(perms ...string) func(a *admin.Actor) bool {
	return func(a *admin.Actor) bool {
		for _, p := range perms {
			if a.Can(directory.Permission(p)) {
				return true
			}
		}
		return false
	}
}

// areas lists the console's parts in menu order. The mailbox shows only
// while mail is not delivered.
func (h *Handler) areas() []area {
	list := []area{
		{"dashboard", "Dashboard", "/admin", can("users.view")},
		{"users", "Users", "/admin/users", can("users.view")},
		{"invitations", "Invitations", "/admin/invitations", can("users.invite")},
		{"imports", "Imports", "/admin/imports", can("users.import")},
		{"roles", "Roles", "/admin/roles", can("users.view", "roles.manage")},
		{"units", "Units", "/admin/units", can("users.view")},
		{"groups", "Groups", "/admin/groups", can("users.view")},
		{"resources", "Resources", "/admin/resources", can("resources.manage", "resources.all_in_scope")},
		{"relationships", "Relationships", "/admin/relationships", can("users.view")},
		{"audit", "Audit log", "/admin/audit", can("audit.view")},
		{"recycle-bin", "Recycle bin", "/admin/recycle-bin", can("users.delete")},
		{"settings", "Settings", "/admin/settings", can("settings.manage")},
		{"tokens", "API tokens", "/admin/tokens", can("users.view", "settings.manage")},
	}
	if h.mailbox {
		list = append(list, area{"mailbox", "Mailbox", "/admin/mailbox", can("settings.manage")})
	}
	return list
}

// nav is the navigation an actor sees, with current marking the area of
// the page.
func (h *Handler) nav(a *admin.Actor, current string) []navItem {
	var out []navItem
	for _, ar := range h.areas() {
		if ar.may(a) {
			out = append(out, navItem{Key: ar.key, Label: ar.label, Href: ar.href, Current: ar.key == current})
		}
	}
	return out
}

// administers reports whether an actor may open any part of the console
// (the rule is admin's).
func administers(a *admin.Actor) bool { return a.Administers() }
