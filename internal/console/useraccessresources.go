package console

import (
	"net/http"
	"strconv"

	"roster/internal/admin"
	"roster/internal/directory"
)

// setUserResources applies the resource checkboxes of the Access tab: the
// form lists every resource it showed ("shown") and the ticked ones
// ("resource"); a newly ticked one is assigned with relation access, a
// cleared one is unassigned. Resources that were not shown are left alone.
// Taking resources away asks for confirmation first. Each change is its
// own admin call (and audit record), as a person ticking boxes one by one
// would make them.
func (h *Handler) setUserResources(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusBadRequest, "Bad request", "The form could not be read. Reload the page and try again.")
		return
	}
	u := h.actionUser(w, r, "resources.manage")
	if u == nil {
		return
	}
	ctx, a := r.Context(), actorOf(r)
	held, err := h.svc.Assignments(ctx, a, u.ID)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	ticked := map[string]bool{}
	for _, id := range r.PostForm["resource"] {
		ticked[id] = true
	}
	holding := map[string]*admin.AssignmentView{}
	for _, as := range held {
		if as.Relation == directory.RelationAccess {
			holding[as.ResourceID] = as
		}
	}
	var add []string
	var remove []*admin.AssignmentView
	for _, id := range r.PostForm["shown"] {
		switch as := holding[id]; {
		case ticked[id] && as == nil:
			add = append(add, id)
		case !ticked[id] && as != nil:
			remove = append(remove, as)
		}
	}
	to := userURL(u.ID, "access")
	if len(remove) > 0 && !h.confirmed(w, r, confirmation{Title: "Remove resources of " + u.Name(), Area: "users", Back: to,
		Button: "Save resources", Danger: true,
		Question: "Take " + strconv.Itoa(len(remove)) + " resource(s) away from " + u.Name() + "?"}) {
		return
	}
	for _, id := range add {
		if _, err := h.svc.Assign(ctx, a, u.ID, admin.AssignmentInput{ResourceID: id}); err != nil {
			h.failure(w, r, err)
			return
		}
	}
	for _, as := range remove {
		if err := h.svc.Unassign(ctx, a, u.ID, as.ID); err != nil {
			h.failure(w, r, err)
			return
		}
	}
	msg := "No resources changed."
	if len(add)+len(remove) > 0 {
		msg = "Resources saved: " + strconv.Itoa(len(add)) + " added, " + strconv.Itoa(len(remove)) + " removed."
	}
	done(w, r, to, msg)
}
