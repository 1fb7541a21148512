package console

import (
	"net/http"
	"strconv"
	"strings"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/web"
)

// roleRoutes adds the roles screen: the permission matrix, a role's
// page, and adding, changing and removing roles.
func (h *Handler) roleRoutes(r router) {
	r.handle("GET /admin/roles", h.roleMatrix)
	r.handle("GET /admin/roles/new", h.roleNew)
	r.handle("POST /admin/roles/new", h.roleCreate)
	r.handle("GET /admin/roles/{id}", h.roleShow)
	r.handle("GET /admin/roles/{id}/edit", h.roleEdit)
	r.handle("POST /admin/roles/{id}/edit", h.roleUpdate)
	r.handle("POST /admin/roles/{id}/delete", h.roleDelete)
}

// roleFields ties admin's field names to the fields of the role form.
var roleFields = map[string]web.FieldRef{
	"name":            {ID: "name", Label: "Name"},
	"description":     {ID: "description", Label: "Description"},
	"level":           {ID: "level", Label: "Level"},
	"permissions":     {ID: "permissions", Label: "Permissions"},
	"is_default":      {ID: "is_default", Label: "Default role"},
	"required_fields": {ID: "required_fields", Label: "Required fields"},
}

// roleMatrixData is what the permission matrix shows.
type roleMatrixData struct {
	Roles   []*directory.Role
	Catalog []directory.PermissionInfo
	// Manage says the actor may change roles (shows the buttons).
	Manage bool
}

// roleMatrix shows every role as a column and every permission of the
// catalog as a row.
func (h *Handler) roleMatrix(w http.ResponseWriter, r *http.Request) {
	roles, err := h.svc.Roles(r.Context(), actorOf(r))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "roles", &page{Title: "Roles", Area: "roles",
		Data: roleMatrixData{Roles: roles, Catalog: directory.Catalog, Manage: managesRoles(actorOf(r))}})
}

// roleData is what a role's page and the role form show.
type roleData struct {
	Role    *directory.Role
	Catalog []directory.PermissionInfo
	// Rows are the required-field rows of the form (the role's own and a
	// few empty ones to add more).
	Rows []requiredRow
	// Manage says the actor may change roles (shows the buttons).
	Manage bool
}

// requiredRow is one key and label row of the required fields.
type requiredRow struct {
	N          int
	Key, Label string
}

// roleCrumbs lead back to the matrix.
func roleCrumbs(last string, role *directory.Role) []crumb {
	c := []crumb{{Text: "Roles", Href: "/admin/roles"}}
	if role != nil && last != role.Name {
		c = append(c, crumb{Text: role.Name, Href: "/admin/roles/" + role.ID})
	}
	return append(c, crumb{Text: last})
}

// roleShow shows one role with its permissions.
func (h *Handler) roleShow(w http.ResponseWriter, r *http.Request) {
	role, err := h.svc.Role(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "role", &page{Title: role.Name, Area: "roles", Crumbs: roleCrumbs(role.Name, nil),
		Data: roleData{Role: role, Catalog: directory.Catalog, Manage: managesRoles(actorOf(r))}})
}

// managesRoles reports whether an actor may change roles: roles.manage
// through an organization-wide grant, as admin requires, since roles apply
// to the whole organization.
func managesRoles(a *admin.Actor) bool { return a.Can("roles.manage") && a.OrgWide() }

// mayManageRoles answers 403 to an actor who may not change roles, so
// that nobody is offered a form admin would refuse anyway.
func (h *Handler) mayManageRoles(w http.ResponseWriter, r *http.Request) bool {
	if managesRoles(actorOf(r)) {
		return true
	}
	h.errorPage(w, r, http.StatusForbidden, "Not allowed",
		"Changing roles takes the permission to manage roles through access over the whole organization.")
	return false
}

// roleNew shows the empty role form.
func (h *Handler) roleNew(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageRoles(w, r) {
		return
	}
	p := &page{Title: "New role", Area: "roles", Crumbs: roleCrumbs("New role", nil)}
	p.Set("level", "10")
	h.renderRoleForm(w, r, http.StatusOK, p, nil, nil)
}

// roleEdit shows the form filled in with a role.
func (h *Handler) roleEdit(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageRoles(w, r) {
		return
	}
	role, err := h.svc.Role(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := &page{Title: "Edit " + role.Name, Area: "roles", Crumbs: roleCrumbs("Edit", role)}
	p.Set("name", role.Name)
	p.Set("description", role.Description)
	p.Set("level", strconv.Itoa(role.Level))
	perms := make([]string, len(role.Permissions))
	for i, x := range role.Permissions {
		perms[i] = string(x)
	}
	p.Set("permissions", perms...)
	p.Set("mfa_required", yesIf(role.MFARequired))
	p.Set("is_default", yesIf(role.IsDefault))
	p.Set("version", strconv.FormatInt(role.Version, 10))
	h.renderRoleForm(w, r, http.StatusOK, p, role, role.RequiredFields)
}

// renderRoleForm shows the role form with rows for the required fields
// and three empty rows to add more.
func (h *Handler) renderRoleForm(w http.ResponseWriter, r *http.Request, status int, p *page, role *directory.Role, fields []directory.RequiredField) {
	rows := make([]requiredRow, 0, len(fields)+3)
	for _, f := range fields {
		rows = append(rows, requiredRow{N: len(rows), Key: f.Key, Label: f.Label})
	}
	for range 3 {
		rows = append(rows, requiredRow{N: len(rows)})
	}
	p.Data = roleData{Role: role, Catalog: directory.Catalog, Rows: rows}
	h.render(w, r, status, "role_form", p)
}

// roleInput decodes the role form.
func roleInput(r *http.Request) admin.RoleInput {
	level, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("level")))
	if err != nil {
		level = 0 // admin says what the level must be
	}
	in := admin.RoleInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		Level: level, MFARequired: r.PostFormValue("mfa_required") == "yes",
		IsDefault: r.PostFormValue("is_default") == "yes"}
	for _, p := range r.PostForm["permissions"] {
		in.Permissions = append(in.Permissions, directory.Permission(p))
	}
	in.RequiredFields = requiredFieldsOf(r)
	return in
}

// requiredFieldsOf reads the key and label rows of the form, skipping
// the empty ones.
func requiredFieldsOf(r *http.Request) []directory.RequiredField {
	keys, labels := r.PostForm["field_key"], r.PostForm["field_label"]
	var out []directory.RequiredField
	for i, k := range keys {
		label := ""
		if i < len(labels) {
			label = labels[i]
		}
		k = strings.TrimSpace(k)
		if k == "" && strings.TrimSpace(label) == "" {
			continue
		}
		out = append(out, directory.RequiredField{Key: k, Label: label})
	}
	return out
}

// roleCreate adds a role.
func (h *Handler) roleCreate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	in := roleInput(r)
	role, err := h.svc.CreateRole(r.Context(), actorOf(r), in)
	if err != nil {
		p := &page{Title: "New role", Area: "roles", Crumbs: roleCrumbs("New role", nil)}
		h.roleFormFailed(w, r, p, nil, in, err)
		return
	}
	done(w, r, "/admin/roles/"+role.ID, "The role "+role.Name+" was added.")
}

// roleUpdate saves the role form.
func (h *Handler) roleUpdate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	in := roleInput(r)
	a := actorOf(r)
	role, err := h.svc.UpdateRole(r.Context(), a, r.PathValue("id"), version(r), in)
	if err != nil {
		old, lerr := h.svc.Role(r.Context(), a, r.PathValue("id"))
		if lerr != nil {
			h.failure(w, r, lerr)
			return
		}
		p := &page{Title: "Edit " + old.Name, Area: "roles", Crumbs: roleCrumbs("Edit", old)}
		h.roleFormFailed(w, r, p, old, in, err)
		return
	}
	done(w, r, "/admin/roles/"+role.ID, "The role "+role.Name+" was saved.")
}

// roleFormFailed shows the role form again with admin's messages and
// everything that was submitted.
func (h *Handler) roleFormFailed(w http.ResponseWriter, r *http.Request, p *page, role *directory.Role, in admin.RoleInput, err error) {
	if directory.KindOf(err) == directory.KindForbidden {
		h.failure(w, r, err)
		return
	}
	status := p.Explain(err, roleFields)
	if status == 0 {
		h.serverError(w, r, err)
		return
	}
	p.Keep(r, "name", "description", "level", "permissions", "mfa_required", "is_default", "version")
	h.renderRoleForm(w, r, status, p, role, in.RequiredFields)
}

// roleDelete removes a role after confirmation; when admin refuses (the
// owner role, the default role, a role still granted) the role's page
// says why.
func (h *Handler) roleDelete(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	a := actorOf(r)
	role, err := h.svc.Role(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.mayManageRoles(w, r) {
		return
	}
	if !h.confirmed(w, r, confirmation{Title: "Delete " + role.Name, Area: "roles", Danger: true,
		Question: "Delete the role " + role.Name + "? This cannot be undone.", Button: "Delete the role",
		Back: "/admin/roles/" + role.ID}) {
		return
	}
	if err := h.svc.DeleteRole(r.Context(), a, role.ID); err != nil {
		p := &page{Title: role.Name, Area: "roles", Crumbs: roleCrumbs(role.Name, nil),
			Data: roleData{Role: role, Catalog: directory.Catalog, Manage: true}}
		status := p.Explain(err, nil)
		if status == 0 || status == http.StatusForbidden || status == http.StatusNotFound {
			h.failure(w, r, err)
			return
		}
		h.render(w, r, status, "role", p)
		return
	}
	done(w, r, "/admin/roles", "The role "+role.Name+" was deleted.")
}

// yesIf is the value of a checked checkbox, or "".
func yesIf(b bool) string {
	if b {
		return "yes"
	}
	return ""
}
