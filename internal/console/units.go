package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/web"
)

// unitRoutes adds the units screen: the tree, adding, editing and moving
// a unit, archiving and restoring it.
func (h *Handler) unitRoutes(r router) {
	r.handle("GET /admin/units", h.unitTree)
	r.handle("GET /admin/units/new", h.unitNew)
	r.handle("POST /admin/units/new", h.unitCreate)
	r.handle("GET /admin/units/{id}/edit", h.unitEdit)
	r.handle("POST /admin/units/{id}/edit", h.unitUpdate)
	r.handle("POST /admin/units/{id}/archive", h.unitArchive)
	r.handle("POST /admin/units/{id}/restore", h.unitRestore)
}

// unitFields ties admin's field names to the unit form.
var unitFields = map[string]web.FieldRef{
	"name":      {ID: "name", Label: "Name"},
	"kind":      {ID: "kind", Label: "Kind"},
	"code":      {ID: "code", Label: "Code"},
	"parent_id": {ID: "parent_id", Label: "Parent unit"},
}

// unitNode is a unit in the tree with the units under it.
type unitNode struct {
	Unit     *directory.Unit
	Kind     string // the kind's label
	Children []*unitNode
	// Manage says the actor may change units (shows the buttons).
	Manage bool
}

// unitTreeData is what the units page shows.
type unitTreeData struct {
	Roots        []*unitNode
	ShowArchived bool
	Count        int
}

// unitKindLabels maps the organization's unit kinds to their labels.
func unitKindLabels(kinds []directory.UnitKind) map[string]string {
	out := make(map[string]string, len(kinds))
	for _, k := range kinds {
		out[k.Key] = k.Label
	}
	return out
}

// buildUnitTree nests units listed parents first; a unit whose parent is
// not in the list (outside the actor's scope) is a root of the tree.
func buildUnitTree(units []*directory.Unit, labels map[string]string, manage bool) []*unitNode {
	nodes := make(map[string]*unitNode, len(units))
	var roots []*unitNode
	for _, u := range units {
		kind := labels[u.Kind]
		if kind == "" {
			kind = u.Kind
		}
		n := &unitNode{Unit: u, Kind: kind, Manage: manage}
		nodes[u.ID] = n
		if parent, ok := nodes[u.ParentID]; ok && u.ParentID != "" {
			parent.Children = append(parent.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return roots
}

// unitTree shows the units the actor may see as a tree.
func (h *Handler) unitTree(w http.ResponseWriter, r *http.Request) {
	h.renderUnitTree(w, r, http.StatusOK, &page{Title: "Units", Area: "units"}, r.URL.Query().Get("archived") == "1")
}

// renderUnitTree loads the units and shows the tree, the archived units
// too when showArchived is set.
func (h *Handler) renderUnitTree(w http.ResponseWriter, r *http.Request, status int, p *page, showArchived bool) {
	a := actorOf(r)
	units, err := h.svc.Units(r.Context(), a, store.UnitFilter{IncludeArchived: showArchived})
	if err != nil {
		h.failure(w, r, err)
		return
	}
	kinds, err := h.svc.UnitKinds(r.Context(), a)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p.Data = unitTreeData{Roots: buildUnitTree(units, unitKindLabels(kinds), a.Can("units.manage")), ShowArchived: showArchived, Count: len(units)}
	h.render(w, r, status, "units", p)
}

// unitFormData is what the unit form shows.
type unitFormData struct {
	Unit    *directory.Unit // nil when adding
	Kinds   []directory.UnitKind
	Parents []unitChoice
	// Root says the actor may put a unit at the top level.
	Root bool
}

// unitChoice is one unit offered as a parent, indented by its depth.
type unitChoice struct {
	ID, Label string
}

// unitChoices lists the live units the actor may see as parents, each
// label indented by its depth; the unit being edited and those under it
// are left out, as nothing may move under itself.
func unitChoices(units []*directory.Unit, except *directory.Unit) []unitChoice {
	depth := map[string]int{}
	var out []unitChoice
	for _, u := range units {
		d := 0
		if pd, ok := depth[u.ParentID]; ok {
			d = pd + 1
		}
		depth[u.ID] = d
		if except != nil && strings.HasPrefix(u.Path, except.Path) {
			continue
		}
		label := strings.Repeat("— ", d) + u.Name
		if u.Code != "" {
			label += " (" + u.Code + ")"
		}
		out = append(out, unitChoice{ID: u.ID, Label: label})
	}
	return out
}

// mayManageUnits answers 403 to an actor who may not change units.
func (h *Handler) mayManageUnits(w http.ResponseWriter, r *http.Request) bool {
	if actorOf(r).Can("units.manage") {
		return true
	}
	h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow changing units.")
	return false
}

// renderUnitForm loads the kinds and parents and shows the unit form.
func (h *Handler) renderUnitForm(w http.ResponseWriter, r *http.Request, status int, p *page, unit *directory.Unit) {
	a := actorOf(r)
	units, err := h.svc.Units(r.Context(), a, store.UnitFilter{})
	if err != nil {
		h.failure(w, r, err)
		return
	}
	kinds, err := h.svc.UnitKinds(r.Context(), a)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p.Area = "units"
	parents := unitChoices(units, unit)
	if unit != nil && unit.ParentID != "" && !slices.ContainsFunc(parents, func(c unitChoice) bool { return c.ID == unit.ParentID }) {
		// The parent lies outside the actor's units: keep it offered, so
		// that saving without a move leaves the unit where it is.
		parents = append([]unitChoice{{ID: unit.ParentID, Label: "The current parent (outside your units)"}}, parents...)
	}
	p.Data = unitFormData{Unit: unit, Kinds: kinds, Parents: parents, Root: a.OrgWide() || (unit != nil && unit.ParentID == "")}
	h.render(w, r, status, "unit_form", p)
}

// unitNew shows the form to add a unit, under ?parent= when given.
func (h *Handler) unitNew(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageUnits(w, r) {
		return
	}
	p := &page{Title: "New unit", Crumbs: []crumb{{Text: "Units", Href: "/admin/units"}, {Text: "New unit"}}}
	p.Set("parent_id", r.URL.Query().Get("parent"))
	h.renderUnitForm(w, r, http.StatusOK, p, nil)
}

// unitCreate adds a unit.
func (h *Handler) unitCreate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	u, err := h.svc.CreateUnit(r.Context(), actorOf(r), admin.UnitInput{Name: r.PostFormValue("name"),
		Kind: r.PostFormValue("kind"), Code: r.PostFormValue("code"), ParentID: r.PostFormValue("parent_id")})
	if err != nil {
		p := &page{Title: "New unit", Crumbs: []crumb{{Text: "Units", Href: "/admin/units"}, {Text: "New unit"}}}
		h.unitFormFailed(w, r, p, nil, err)
		return
	}
	done(w, r, "/admin/units", "The unit "+u.Name+" was added.")
}

// unitEdit shows the form to rename, re-code, re-kind or move a unit.
func (h *Handler) unitEdit(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageUnits(w, r) {
		return
	}
	u, err := h.svc.Unit(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := unitEditPage(u)
	p.Set("name", u.Name)
	p.Set("kind", u.Kind)
	p.Set("code", u.Code)
	p.Set("parent_id", u.ParentID)
	p.Set("version", strconv.FormatInt(u.Version, 10))
	h.renderUnitForm(w, r, http.StatusOK, p, u)
}

// unitEditPage is the page of the form that edits u.
func unitEditPage(u *directory.Unit) *page {
	return &page{Title: "Edit " + u.Name, Crumbs: []crumb{{Text: "Units", Href: "/admin/units"}, {Text: "Edit " + u.Name}}}
}

// unitUpdate saves the unit form: a new parent moves the unit.
func (h *Handler) unitUpdate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	a := actorOf(r)
	name, kind, code, parent := r.PostFormValue("name"), r.PostFormValue("kind"), r.PostFormValue("code"), r.PostFormValue("parent_id")
	patch := admin.UnitPatch{Name: &name, Kind: &kind, Code: &code}
	if _, ok := r.PostForm["parent_id"]; ok {
		patch.ParentID = &parent
	}
	u, err := h.svc.UpdateUnit(r.Context(), a, r.PathValue("id"), version(r), patch)
	if err != nil {
		old, lerr := h.svc.Unit(r.Context(), a, r.PathValue("id"))
		if lerr != nil {
			h.failure(w, r, lerr)
			return
		}
		h.unitFormFailed(w, r, unitEditPage(old), old, err)
		return
	}
	done(w, r, "/admin/units", "The unit "+u.Name+" was saved.")
}

// unitFormFailed shows the unit form again with admin's messages.
func (h *Handler) unitFormFailed(w http.ResponseWriter, r *http.Request, p *page, u *directory.Unit, err error) {
	if k := directory.KindOf(err); k == directory.KindForbidden || k == directory.KindNotFound {
		h.failure(w, r, err)
		return
	}
	status := p.Explain(err, unitFields)
	if status == 0 {
		h.serverError(w, r, err)
		return
	}
	p.Keep(r, "name", "kind", "code", "parent_id", "version")
	h.renderUnitForm(w, r, status, p, u)
}

// unitArchive archives a unit after confirmation.
func (h *Handler) unitArchive(w http.ResponseWriter, r *http.Request) {
	h.unitArchiving(w, r, true)
}

// unitRestore restores an archived unit.
func (h *Handler) unitRestore(w http.ResponseWriter, r *http.Request) {
	h.unitArchiving(w, r, false)
}

// unitArchiving archives or restores a unit; admin's refusal (units
// still live under it, an archived parent) comes back as a message on
// the tree.
func (h *Handler) unitArchiving(w http.ResponseWriter, r *http.Request, archive bool) {
	_ = r.ParseForm()
	a := actorOf(r)
	u, err := h.svc.Unit(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.mayManageUnits(w, r) {
		return
	}
	if archive && !h.confirmed(w, r, confirmation{Title: "Archive " + u.Name, Area: "units", Danger: true,
		Question: "Archive the unit " + u.Name + "? Nobody can add users or units to it until it is restored.",
		Button:   "Archive the unit", Back: "/admin/units"}) {
		return
	}
	if _, err := h.svc.UpdateUnit(r.Context(), a, u.ID, version(r), admin.UnitPatch{Archived: &archive}); err != nil {
		p := &page{Title: "Units", Area: "units"}
		status := p.Explain(err, nil)
		if status == 0 || status == http.StatusForbidden || status == http.StatusNotFound {
			h.failure(w, r, err)
			return
		}
		h.renderUnitTree(w, r, status, p, true)
		return
	}
	if archive {
		done(w, r, "/admin/units", "The unit "+u.Name+" was archived.")
		return
	}
	done(w, r, "/admin/units?archived=1", "The unit "+u.Name+" was restored.")
}
