package console

import (
	"net/http"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/web"
)

// relationshipRoutes adds the relationship kinds screen: the kinds, and
// adding and relabelling them.
func (h *Handler) relationshipRoutes(r router) {
	r.handle("GET /admin/relationships", h.relationshipKinds)
	r.handle("POST /admin/relationships", h.relationshipKindAdd)
	r.handle("GET /admin/relationships/{key}/edit", h.relationshipKindEdit)
	r.handle("POST /admin/relationships/{key}/edit", h.relationshipKindSave)
}

// relationshipFields ties admin's field names to the kind forms; the form
// to add a kind prefixes its ids with "new-".
func relationshipFields(prefix string) map[string]web.FieldRef {
	return map[string]web.FieldRef{
		"key":           {ID: prefix + "key", Label: "Key"},
		"label":         {ID: prefix + "label", Label: "Label"},
		"inverse_label": {ID: prefix + "inverse_label", Label: "Inverse label"},
	}
}

// relationshipData is what the relationship kinds page shows.
type relationshipData struct {
	Kinds []directory.RelationshipKind
	// Manage says the actor may change the kinds: settings.manage through
	// an organization-wide grant, as admin requires.
	Manage bool
}

// relationshipKinds lists the kinds, with the form to add one.
func (h *Handler) relationshipKinds(w http.ResponseWriter, r *http.Request) {
	h.renderRelationshipKinds(w, r, http.StatusOK, &page{})
}

// renderRelationshipKinds loads the kinds and shows them with status.
func (h *Handler) renderRelationshipKinds(w http.ResponseWriter, r *http.Request, status int, p *page) {
	kinds, err := h.svc.RelationshipKinds(r.Context(), actorOf(r))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p.Title, p.Area, p.Data = "Relationship kinds", "relationships", relationshipData{Kinds: kinds, Manage: managesSettings(actorOf(r))}
	h.render(w, r, status, "relationships", p)
}

// relationshipKindAdd adds a kind.
func (h *Handler) relationshipKindAdd(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	k, err := h.svc.PutRelationshipKind(r.Context(), actorOf(r), directory.RelationshipKind{Key: r.PostFormValue("key"),
		Label: r.PostFormValue("label"), InverseLabel: r.PostFormValue("inverse_label")})
	if err != nil {
		if k := directory.KindOf(err); k == directory.KindForbidden || k == directory.KindNotFound {
			h.failure(w, r, err)
			return
		}
		p := &page{}
		p.FormID = "new"
		status := p.Explain(err, relationshipFields("new-"))
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		p.Keep(r, "key", "label", "inverse_label")
		h.renderRelationshipKinds(w, r, status, p)
		return
	}
	done(w, r, "/admin/relationships", "The relationship kind "+k.Label+" was saved.")
}

// managesSettings reports whether an actor may change organization
// settings such as the relationship kinds.
func managesSettings(a *admin.Actor) bool { return a.Can("settings.manage") && a.OrgWide() }

// relationshipFormData is what the form to relabel a kind shows.
type relationshipFormData struct {
	Kind directory.RelationshipKind
}

// relationshipKind finds the kind of the request's {key}.
func (h *Handler) relationshipKind(w http.ResponseWriter, r *http.Request) (directory.RelationshipKind, bool) {
	kinds, err := h.svc.RelationshipKinds(r.Context(), actorOf(r))
	if err != nil {
		h.failure(w, r, err)
		return directory.RelationshipKind{}, false
	}
	for _, k := range kinds {
		if k.Key == r.PathValue("key") {
			return k, true
		}
	}
	h.failure(w, r, directory.NotFound("relationship kind"))
	return directory.RelationshipKind{}, false
}

// relationshipKindEdit shows the form to relabel a kind.
func (h *Handler) relationshipKindEdit(w http.ResponseWriter, r *http.Request) {
	if !managesSettings(actorOf(r)) {
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow changing relationship kinds.")
		return
	}
	k, ok := h.relationshipKind(w, r)
	if !ok {
		return
	}
	p := relationshipEditPage(k)
	p.Set("label", k.Label)
	p.Set("inverse_label", k.InverseLabel)
	h.render(w, r, http.StatusOK, "relationship_form", p)
}

// relationshipEditPage is the page of the form that relabels k.
func relationshipEditPage(k directory.RelationshipKind) *page {
	return &page{Title: "Edit " + k.Label, Area: "relationships", Data: relationshipFormData{Kind: k},
		Crumbs: []crumb{{Text: "Relationship kinds", Href: "/admin/relationships"}, {Text: "Edit " + k.Label}}}
}

// relationshipKindSave relabels a kind.
func (h *Handler) relationshipKindSave(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	old, ok := h.relationshipKind(w, r)
	if !ok {
		return
	}
	k, err := h.svc.PutRelationshipKind(r.Context(), actorOf(r), directory.RelationshipKind{Key: old.Key,
		Label: r.PostFormValue("label"), InverseLabel: r.PostFormValue("inverse_label")})
	if err != nil {
		if k := directory.KindOf(err); k == directory.KindForbidden || k == directory.KindNotFound {
			h.failure(w, r, err)
			return
		}
		p := relationshipEditPage(old)
		status := p.Explain(err, relationshipFields(""))
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		p.Keep(r, "label", "inverse_label")
		h.render(w, r, status, "relationship_form", p)
		return
	}
	done(w, r, "/admin/relationships", "The relationship kind "+k.Label+" was saved.")
}
