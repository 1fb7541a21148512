package console

import (
	"net/http"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/web"
)

// userAccessRoutes adds the Access tab of a user's page: their grants
// (role over a scope), with "Remove Access" and a link to "+ Grant
// Access", and their direct resource assignments, added one by one with a
// relation, removed one by one, or ticked as checkboxes.
func (h *Handler) userAccessRoutes(r router) {
	r.handle("GET /admin/users/{id}/access", h.userAccess)
	r.handle("POST /admin/users/{id}/grants/{grant}/delete", h.removeUserGrant)
	r.handle("POST /admin/users/{id}/assignments", h.addUserAssignment)
	r.handle("POST /admin/users/{id}/assignments/{assignment}/delete", h.removeUserAssignment)
	r.handle("POST /admin/users/{id}/resources", h.setUserResources)
}

// accessData is what the Access tab shows.
type accessData struct {
	Head        userHead
	User        *directory.User
	Grants      []*accessGrant
	Assignments []*admin.AssignmentView
	// Resources are the resources the actor may assign (resources.manage),
	// as checkboxes; Assigned marks those the user holds with relation
	// access. More says there are more than shown (narrow them with Q).
	Resources []accessResource
	More      bool
	Q         string
	Relations []directory.Relation
}

// accessGrant is a grant with its required field values labelled.
type accessGrant struct {
	*admin.GrantView
	Values []accessValue
}

// accessValue is one required field value of a grant.
type accessValue struct{ Label, Value string }

// accessResource is a resource offered as a checkbox.
type accessResource struct {
	*store.ResourceRow
	Assigned bool
}

// userAccess shows the Access tab.
func (h *Handler) userAccess(w http.ResponseWriter, r *http.Request) {
	p, u := h.userPage(w, r, "access", "Access")
	if p == nil {
		return
	}
	h.renderAccess(w, r, http.StatusOK, p, u)
}

// renderAccess fills in and renders the Access tab of u with status.
func (h *Handler) renderAccess(w http.ResponseWriter, r *http.Request, status int, p *page, u *directory.User) {
	ctx, a := r.Context(), actorOf(r)
	d := accessData{Head: h.head(u, "access"), User: u, Q: r.URL.Query().Get("q"),
		Relations: []directory.Relation{directory.RelationAccess, directory.RelationDirector, directory.RelationEditor, directory.RelationViewer}}
	grants, err := h.svc.Grants(ctx, a, u.ID)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	for _, g := range grants {
		ag := &accessGrant{GrantView: g}
		if g.Role != nil {
			for _, f := range g.Role.RequiredFields {
				ag.Values = append(ag.Values, accessValue{Label: f.Label, Value: g.Fields[f.Key]})
			}
		}
		d.Grants = append(d.Grants, ag)
	}
	if d.Assignments, err = h.svc.Assignments(ctx, a, u.ID); err != nil && directory.KindOf(err) != directory.KindForbidden {
		h.failure(w, r, err)
		return
	}
	if a.Can("resources.manage") && !u.Deleted() {
		rows, more, err := h.pickableResources(ctx, a, d.Q)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		held := map[string]bool{}
		for _, as := range d.Assignments {
			if as.Relation == directory.RelationAccess {
				held[as.ResourceID] = true
			}
		}
		for _, row := range rows {
			d.Resources = append(d.Resources, accessResource{ResourceRow: row, Assigned: held[row.ID]})
		}
		d.More = more
	}
	p.Data = d
	h.render(w, r, status, "user_access", p)
}

// removeUserGrant removes one of the user's grants, after confirmation.
func (h *Handler) removeUserGrant(w http.ResponseWriter, r *http.Request) {
	u := h.actionUser(w, r, "access.grant")
	if u == nil {
		return
	}
	to := userURL(u.ID, "access")
	if !h.confirmed(w, r, confirmation{Title: "Remove access of " + u.Name(), Area: "users", Back: to,
		Button: "Remove access", Danger: true, Question: "Remove this access of " + u.Name() + "? " +
			"When it is their last, they are signed out and their API tokens stop working."}) {
		return
	}
	if err := h.svc.DeleteGrant(r.Context(), actorOf(r), u.ID, r.PathValue("grant")); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, to, "The access is removed from "+u.Name()+".")
}

// addUserAssignment gives the user one resource with a relation.
func (h *Handler) addUserAssignment(w http.ResponseWriter, r *http.Request) {
	in := admin.AssignmentInput{ResourceID: r.PostFormValue("resource_id"), Relation: directory.Relation(r.PostFormValue("relation"))}
	av, err := h.svc.Assign(r.Context(), actorOf(r), r.PathValue("id"), in)
	if err == nil {
		done(w, r, userURL(r.PathValue("id"), "access"), av.Resource.Name+" is assigned ("+string(av.Relation)+").")
		return
	}
	if k := directory.KindOf(err); k != directory.KindInvalid && k != directory.KindConflict {
		h.failure(w, r, err)
		return
	}
	p, u := h.userPage(w, r, "access", "Access")
	if p == nil {
		return
	}
	p.FormID = "assign"
	status := p.Explain(err, map[string]web.FieldRef{
		"resource_id": {ID: "assign-resource", Label: "Resource"}, "relation": {ID: "assign-relation", Label: "Relation"}})
	p.Keep(r, "resource_id", "relation")
	h.renderAccess(w, r, status, p, u)
}

// removeUserAssignment takes one resource assignment from the user, after
// confirmation.
func (h *Handler) removeUserAssignment(w http.ResponseWriter, r *http.Request) {
	u := h.actionUser(w, r, "resources.manage")
	if u == nil {
		return
	}
	to := userURL(u.ID, "access")
	if !h.confirmed(w, r, confirmation{Title: "Remove a resource of " + u.Name(), Area: "users", Back: to,
		Button: "Remove", Danger: true, Question: "Take this resource away from " + u.Name() + "?"}) {
		return
	}
	if err := h.svc.Unassign(r.Context(), actorOf(r), u.ID, r.PathValue("assignment")); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, to, "The resource is no longer assigned to "+u.Name()+".")
}
