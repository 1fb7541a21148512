package console

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/web"
)

// grantAccessRoutes adds the Grant Access form of a user: a role over the
// organization or a unit, for a time, with the values the role asks for.
func (h *Handler) grantAccessRoutes(r router) {
	r.handle("GET /admin/users/{id}/grants/new", h.grantForm)
	r.handle("POST /admin/users/{id}/grants/new", h.createGrant)
}

// grantData is what the Grant Access form shows.
type grantData struct {
	User     *directory.User
	StartsOn hintedInput
	EndsOn   hintedInput
	Role     pickView
	Scope    pickView
	// Fields are the inputs of every offered role's required fields.
	Fields []hintedInput
	// Next is where the form was asked to lead when closed.
	Next string
	// PickResources reports whether the actor may assign resources
	// (resources.manage): only then does the form offer Resources, the
	// first resources in their scope matching Q as checkboxes (More says
	// there are others to search for). Kept are the ticked resources that
	// the list does not show, carried along so that a search loses none.
	PickResources bool
	Resources     []grantResource
	More          bool
	Q             string
	Kept          []string
	// ResourceErrors are the messages about the ticked resources.
	ResourceErrors []string
}

// grantResource is a resource offered as a checkbox of the Grant Access
// form.
type grantResource struct {
	*store.ResourceRow
	Checked bool
}

// roleFieldName is the form name of the input of a role's required field:
// by the role's key for a built-in role, so that it stays the same in every
// organization, and by its id for the others.
func roleFieldName(role *directory.Role, key string) string {
	id := role.Key
	if id == "" {
		id = role.ID
	}
	return "rf_" + id + "_" + key
}

// grantPage loads the user and the choices of the Grant Access form. When
// the form cannot be shown it has answered and returns nil.
func (h *Handler) grantPage(w http.ResponseWriter, r *http.Request) (*page, *directory.User, []*directory.Role) {
	ctx, a := r.Context(), actorOf(r)
	u, err := h.svc.User(ctx, a, r.PathValue("id"))
	if err == nil && !a.Can("access.grant") {
		err = directory.Errorf(directory.KindForbidden, "Your role does not allow giving access.")
	}
	if err != nil {
		h.failure(w, r, err)
		return nil, nil, nil
	}
	all, err := h.svc.Roles(ctx, a)
	if err != nil {
		h.failure(w, r, err)
		return nil, nil, nil
	}
	// Offer only the roles the actor may give: at or below their level.
	var roles []*directory.Role
	for _, role := range all {
		if role.Level <= a.Level() {
			roles = append(roles, role)
		}
	}
	p := &page{Title: "Grant access to " + u.Name(), Area: "users",
		Crumbs: []crumb{{Text: "Users", Href: "/admin/users"}, {Text: u.Name(), Href: userURL(u.ID)}, {Text: "Grant access"}}}
	return p, u, roles
}

// fillGrantPage sets the page's data once its errors and values are set.
func (h *Handler) fillGrantPage(r *http.Request, p *page, u *directory.User, roles []*directory.Role) error {
	units, err := h.svc.Units(r.Context(), actorOf(r), store.UnitFilter{})
	if err != nil {
		return err
	}
	roleOpts := []pickOption{{Value: "", Label: "Choose a role"}}
	d := grantData{User: u, Next: r.FormValue("next")}
	for _, role := range roles {
		label := role.Name
		if role.Description != "" {
			label += " – " + role.Description
		}
		roleOpts = append(roleOpts, pickOption{Value: role.ID, Label: label})
		for _, f := range role.RequiredFields {
			in := hinted(p, "Only for the role "+role.Name+", where it is required.",
				roleFieldName(role, f.Key), f.Label, "text", "off", "optional", "multiline", "max=1000")
			in.ForRole = role.ID
			d.Fields = append(d.Fields, in)
		}
	}
	d.StartsOn = hinted(p, "Leave empty to start now.", "starts_on", "Starts on", "date", "off", "optional")
	d.EndsOn = hinted(p, "The grant ends at the end of this day. Leave empty for no end.", "ends_on", "Ends on",
		"date", "off", "optional")
	d.Role = newPick(p, "role_id", "Role", "", true, roleOpts)
	scope := []pickOption{{Value: "", Label: "The whole organization"}}
	if !actorOf(r).OrgWide() {
		scope = nil
	}
	scope = append(scope, unitPicks(units, "")[1:]...)
	d.Scope = newPick(p, "unit_id", "Scope", "", true, scope)
	d.Scope.Hint = "The role applies to this unit and every unit under it."
	d.ResourceErrors = p.Errors("grant-resources")
	if a := actorOf(r); a.Can("resources.manage") && !u.Deleted() {
		d.PickResources, d.Q = true, strings.TrimSpace(r.FormValue("q"))
		rows, more, err := h.pickableResources(r.Context(), a, d.Q)
		if err != nil {
			return err
		}
		ticked := map[string]bool{}
		for _, id := range p.Values("resource_ids") {
			ticked[id] = true
		}
		for _, row := range rows {
			d.Resources = append(d.Resources, grantResource{ResourceRow: row, Checked: ticked[row.ID]})
			delete(ticked, row.ID)
		}
		for _, id := range p.Values("resource_ids") {
			if ticked[id] {
				d.Kept = append(d.Kept, id)
				delete(ticked, id)
			}
		}
		d.More = more
	}
	p.Data = d
	return nil
}

// grantKeptFields names the inputs of the Grant Access form that are
// filled in again after an error or a search of resources.
func grantKeptFields(roles []*directory.Role) []string {
	keep := []string{"role_id", "unit_id", "starts_on", "ends_on", "resource_ids", "q"}
	for _, role := range roles {
		for _, f := range role.RequiredFields {
			keep = append(keep, roleFieldName(role, f.Key))
		}
	}
	return keep
}

// grantForm shows the Grant Access form. Its "Search resources" button
// asks for the form again with the values typed so far, which are filled
// in again.
func (h *Handler) grantForm(w http.ResponseWriter, r *http.Request) {
	p, u, roles := h.grantPage(w, r)
	if p == nil {
		return
	}
	if query := r.URL.Query(); query.Has("search") {
		for _, name := range grantKeptFields(roles) {
			p.Set(name, query[name]...)
		}
	}
	if err := h.fillGrantPage(r, p, u, roles); err != nil {
		h.failure(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "grant_new", p)
}

// createGrant gives the user the role of the form and the ticked
// resources, in one admin call (all or nothing), then shows the form
// again for another grant ("Save and Next") or goes to the user's Access
// tab ("Save and Close").
func (h *Handler) createGrant(w http.ResponseWriter, r *http.Request) {
	p, u, roles := h.grantPage(w, r)
	if p == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusBadRequest, "Bad request", "The form could not be read. Go back and try again.")
		return
	}
	p.Keep(r, grantKeptFields(roles)...)
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	in := admin.GrantInput{RoleID: v("role_id"), UnitID: v("unit_id"), Fields: map[string]string{}}
	refs := map[string]web.FieldRef{
		"role_id": {ID: "role_id", Label: "Role"}, "unit_id": {ID: "unit_id", Label: "Scope"},
		"starts_at": {ID: "starts_on", Label: "Starts on"}, "expires_at": {ID: "ends_on", Label: "Ends on"},
		"resource_ids": {ID: "grant-resources", Label: "Resources"},
	}
	var chosen *directory.Role
	for _, role := range roles {
		if role.ID == in.RoleID {
			chosen = role
		}
	}
	if chosen != nil {
		for _, f := range chosen.RequiredFields {
			name := roleFieldName(chosen, f.Key)
			in.Fields[f.Key] = v(name)
			refs["fields."+f.Key] = web.FieldRef{ID: name, Label: ""}
		}
	}
	ok := true
	if in.RoleID == "" {
		p.FieldError("role_id", "Role", "is required: choose one")
		ok = false
	}
	var err error
	if in.StartsAt, err = formDay(v("starts_on"), false); err != nil {
		p.FieldError("starts_on", "Starts on", "must be a date like 2027-06-30")
		ok = false
	}
	if in.ExpiresAt, err = formDay(v("ends_on"), true); err != nil {
		p.FieldError("ends_on", "Ends on", "must be a date like 2027-06-30")
		ok = false
	}
	status := http.StatusUnprocessableEntity
	if ok {
		g, assigned, err := h.svc.GrantAccess(r.Context(), actorOf(r), u.ID, in, r.PostForm["resource_ids"], "")
		if err == nil {
			msg := fmt.Sprintf("%s now has the role %s over %s", u.Name(), g.Role.Name, grantScopeName(g))
			switch len(assigned) {
			case 0:
				msg += "."
			case 1:
				msg += " and the resource " + assigned[0].Resource.Name + "."
			default:
				msg += fmt.Sprintf(" and %d resources.", len(assigned))
			}
			if v("then") == "next" {
				next := "/admin/users/" + u.ID + "/grants/new"
				if r.FormValue("next") == "close" {
					next += "?next=close"
				}
				done(w, r, next, msg+" Give another grant, or close.")
				return
			}
			done(w, r, userURL(u.ID, "access"), msg)
			return
		}
		if status = p.Explain(err, refs); status == 0 {
			h.serverError(w, r, err)
			return
		}
	}
	if err := h.fillGrantPage(r, p, u, roles); err != nil {
		h.failure(w, r, err)
		return
	}
	h.render(w, r, status, "grant_new", p)
}

// grantScopeName names a grant's scope for people.
func grantScopeName(g *admin.GrantView) string {
	if g.Unit == nil {
		return "the whole organization"
	}
	return g.Unit.Name
}

// formDay reads the value of an <input type="date">: the start of the day
// in UTC, or its last second when end is set; "" is the zero time.
func formDay(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	day, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, err
	}
	if end {
		return day.Add(24*time.Hour - time.Second), nil
	}
	return day, nil
}
