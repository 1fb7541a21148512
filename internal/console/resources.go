package console

import (
	"net/http"
	"net/url"
	"strconv"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/web"
)

// resourceRoutes adds the resources screen: the list, a resource's page
// with who can reach it, and the changes to resources.
func (h *Handler) resourceRoutes(r router) {
	r.handle("GET /admin/resources", h.resourceList)
	r.handle("GET /admin/resources/new", h.resourceNew)
	r.handle("POST /admin/resources/new", h.resourceCreate)
	r.handle("GET /admin/resources/{id}", h.resourceShow)
	r.handle("GET /admin/resources/{id}/edit", h.resourceEdit)
	r.handle("POST /admin/resources/{id}/edit", h.resourceUpdate)
	r.handle("POST /admin/resources/{id}/archive", h.resourceArchive)
	r.handle("POST /admin/resources/{id}/restore", h.resourceRestore)
	r.handle("POST /admin/resources/{id}/delete", h.resourceDelete)
}

// resourcesPerPage is the length of a page of resources and of reachers.
const resourcesPerPage = 50

// resourceFields ties admin's field names to the resource form.
var resourceFields = map[string]web.FieldRef{
	"kind":        {ID: "kind", Label: "Kind"},
	"name":        {ID: "name", Label: "Name"},
	"external_id": {ID: "external_id", Label: "External id"},
	"unit_id":     {ID: "unit_id", Label: "Unit"},
}

// resourceListData is what the resources page shows.
type resourceListData struct {
	Rows     []*store.ResourceRow
	Total    int
	Kinds    []directory.ResourceKind
	Kind, Q  string
	Archived bool
	Pager    pager
	labels   map[string]string
}

// KindLabel is the label of a resource kind.
func (d resourceListData) KindLabel(key string) string {
	if l := d.labels[key]; l != "" {
		return l
	}
	return key
}

// resourceKindLabels maps the resource kinds to their labels.
func resourceKindLabels(kinds []directory.ResourceKind) map[string]string {
	out := make(map[string]string, len(kinds))
	for _, k := range kinds {
		out[k.Key] = k.Label
	}
	return out
}

// resourceList shows one page of the resources the actor may see,
// filtered by kind, words and archived state.
func (h *Handler) resourceList(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	kinds, err := h.svc.ResourceKinds(r.Context(), a)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	in := admin.ResourceListInput{Kind: q.Get("kind"), Q: q.Get("q"), IncludeArchived: q.Get("archived") == "1",
		Limit: resourcesPerPage, After: keysetFrom[store.ResourceCursor](q.Get("after"))}
	res, err := h.svc.Resources(r.Context(), a, in)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	keep := url.Values{}
	for _, k := range []string{"kind", "q", "archived", "after"} {
		keep.Set(k, q.Get(k))
	}
	h.render(w, r, http.StatusOK, "resources", &page{Title: "Resources", Area: "resources",
		Data: resourceListData{Rows: res.Rows, Total: res.Total, Kinds: kinds, Kind: in.Kind, Q: in.Q,
			Archived: in.IncludeArchived, labels: resourceKindLabels(kinds),
			Pager: pageLinks("/admin/resources", cloneValues(keep), keysetToken(res.Next))}})
}

// resourceData is what a resource's page shows.
type resourceData struct {
	Resource *admin.ResourceView
	Kind     string
	// Reach is one page of who can reach the resource; nil when the
	// actor may not list users.
	Reach *admin.ReacherPage
	Pager pager
}

// resourceShow shows a resource and one page of who can reach it.
func (h *Handler) resourceShow(w http.ResponseWriter, r *http.Request) {
	h.renderResource(w, r, http.StatusOK, &page{})
}

// renderResource loads the resource of the request's {id} with a page of
// the users who reach it and shows them.
func (h *Handler) renderResource(w http.ResponseWriter, r *http.Request, status int, p *page) {
	a := actorOf(r)
	rv, err := h.svc.Resource(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	kinds, err := h.svc.ResourceKinds(r.Context(), a)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	d := resourceData{Resource: rv, Kind: resourceListData{labels: resourceKindLabels(kinds)}.KindLabel(rv.Kind)}
	if a.Can("users.view") {
		q := url.Values{}
		if r.Method == http.MethodGet {
			q.Set("after", r.URL.Query().Get("after"))
		}
		reach, err := h.svc.WhoCanReach(r.Context(), a, rv.ID, resourcesPerPage, keysetFrom[store.Cursor](q.Get("after")))
		if err != nil {
			h.failure(w, r, err)
			return
		}
		d.Reach = reach
		d.Pager = pageLinks("/admin/resources/"+rv.ID, cloneValues(q), keysetToken(reach.Next))
	}
	p.Title, p.Area, p.Data = rv.Name, "resources", d
	p.Crumbs = []crumb{{Text: "Resources", Href: "/admin/resources"}, {Text: rv.Name}}
	h.render(w, r, status, "resource", p)
}

// resourceFormData is what the resource form shows.
type resourceFormData struct {
	Resource *admin.ResourceView // nil when adding
	Kinds    []directory.ResourceKind
	Units    []unitChoice
	// Whole says the actor may give a resource to the whole organization.
	Whole bool
}

// mayManageResources answers 403 to an actor who may not change
// resources.
func (h *Handler) mayManageResources(w http.ResponseWriter, r *http.Request) bool {
	if actorOf(r).Can("resources.manage") {
		return true
	}
	h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow changing resources.")
	return false
}

// renderResourceForm loads the kinds and units and shows the form.
func (h *Handler) renderResourceForm(w http.ResponseWriter, r *http.Request, status int, p *page, rv *admin.ResourceView) {
	a := actorOf(r)
	kinds, err := h.svc.ResourceKinds(r.Context(), a)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	var units []*directory.Unit
	if a.Can("users.view") {
		if units, err = h.svc.Units(r.Context(), a, store.UnitFilter{}); err != nil {
			h.failure(w, r, err)
			return
		}
	}
	choices := unitChoices(units, nil)
	if rv != nil && rv.Unit != nil && rv.Unit.Archived() {
		choices = append([]unitChoice{{ID: rv.Unit.ID, Label: rv.Unit.Name + " (archived)"}}, choices...)
	}
	p.Area = "resources"
	p.Data = resourceFormData{Resource: rv, Kinds: kinds, Units: choices, Whole: a.OrgWide()}
	h.render(w, r, status, "resource_form", p)
}

// resourceNewPage is the page of the form that adds a resource.
func resourceNewPage() *page {
	return &page{Title: "New resource", Crumbs: []crumb{{Text: "Resources", Href: "/admin/resources"}, {Text: "New resource"}}}
}

// resourceEditPage is the page of the form that edits rv.
func resourceEditPage(rv *admin.ResourceView) *page {
	return &page{Title: "Edit " + rv.Name, Crumbs: []crumb{{Text: "Resources", Href: "/admin/resources"},
		{Text: rv.Name, Href: "/admin/resources/" + rv.ID}, {Text: "Edit"}}}
}

// resourceNew shows the empty resource form.
func (h *Handler) resourceNew(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageResources(w, r) {
		return
	}
	p := resourceNewPage()
	p.Set("kind", r.URL.Query().Get("kind"))
	h.renderResourceForm(w, r, http.StatusOK, p, nil)
}

// resourceCreate adds a resource.
func (h *Handler) resourceCreate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	rv, err := h.svc.CreateResource(r.Context(), actorOf(r), admin.ResourceInput{Kind: r.PostFormValue("kind"),
		Name: r.PostFormValue("name"), ExternalID: r.PostFormValue("external_id"), UnitID: r.PostFormValue("unit_id")})
	if err != nil {
		h.resourceFormFailed(w, r, resourceNewPage(), nil, err)
		return
	}
	done(w, r, "/admin/resources/"+rv.ID, "The resource "+rv.Name+" was added.")
}

// resourceEdit shows the form filled in with a resource.
func (h *Handler) resourceEdit(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageResources(w, r) {
		return
	}
	rv, err := h.svc.Resource(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := resourceEditPage(rv)
	p.Set("kind", rv.Kind)
	p.Set("name", rv.Name)
	p.Set("external_id", rv.ExternalID)
	p.Set("unit_id", rv.UnitID)
	p.Set("version", strconv.FormatInt(rv.Version, 10))
	h.renderResourceForm(w, r, http.StatusOK, p, rv)
}

// resourceUpdate saves the resource form.
func (h *Handler) resourceUpdate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	a := actorOf(r)
	kind, name, ext, unit := r.PostFormValue("kind"), r.PostFormValue("name"), r.PostFormValue("external_id"), r.PostFormValue("unit_id")
	rv, err := h.svc.UpdateResource(r.Context(), a, r.PathValue("id"), version(r),
		admin.ResourcePatch{Kind: &kind, Name: &name, ExternalID: &ext, UnitID: &unit})
	if err != nil {
		old, lerr := h.svc.Resource(r.Context(), a, r.PathValue("id"))
		if lerr != nil {
			h.failure(w, r, lerr)
			return
		}
		h.resourceFormFailed(w, r, resourceEditPage(old), old, err)
		return
	}
	done(w, r, "/admin/resources/"+rv.ID, "The resource "+rv.Name+" was saved.")
}

// resourceFormFailed shows the resource form again with admin's
// messages.
func (h *Handler) resourceFormFailed(w http.ResponseWriter, r *http.Request, p *page, rv *admin.ResourceView, err error) {
	if k := directory.KindOf(err); k == directory.KindForbidden || k == directory.KindNotFound {
		h.failure(w, r, err)
		return
	}
	status := p.Explain(err, resourceFields)
	if status == 0 {
		h.serverError(w, r, err)
		return
	}
	p.Keep(r, "kind", "name", "external_id", "unit_id", "version")
	h.renderResourceForm(w, r, status, p, rv)
}

// resourceAct loads the resource of a destructive action, checks the
// permission and asks for confirmation; it reports whether to go on.
func (h *Handler) resourceAct(w http.ResponseWriter, r *http.Request, c confirmation) (*admin.ResourceView, bool) {
	_ = r.ParseForm()
	rv, err := h.svc.Resource(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return nil, false
	}
	if !h.mayManageResources(w, r) {
		return nil, false
	}
	if c.Question != "" {
		c.Title += " " + rv.Name
		c.Question = c.Question + " " + rv.Name + "?"
		c.Back, c.Area, c.Danger = "/admin/resources/"+rv.ID, "resources", true
		if !h.confirmed(w, r, c) {
			return nil, false
		}
	}
	return rv, true
}

// resourceRefused shows the resource's page with admin's refusal, or the
// error page for what is not a refusal.
func (h *Handler) resourceRefused(w http.ResponseWriter, r *http.Request, err error) {
	p := &page{}
	status := p.Explain(err, nil)
	if status == 0 || status == http.StatusForbidden || status == http.StatusNotFound {
		h.failure(w, r, err)
		return
	}
	h.renderResource(w, r, status, p)
}

// resourceArchive archives a resource after confirmation.
func (h *Handler) resourceArchive(w http.ResponseWriter, r *http.Request) {
	rv, ok := h.resourceAct(w, r, confirmation{Title: "Archive", Button: "Archive the resource",
		Question: "Archive the resource (nobody reaches it until it is restored; its assignments stay)"})
	if !ok {
		return
	}
	if _, err := h.svc.ArchiveResource(r.Context(), actorOf(r), rv.ID, version(r)); err != nil {
		h.resourceRefused(w, r, err)
		return
	}
	done(w, r, "/admin/resources/"+rv.ID, "The resource "+rv.Name+" was archived.")
}

// resourceRestore restores an archived resource.
func (h *Handler) resourceRestore(w http.ResponseWriter, r *http.Request) {
	rv, ok := h.resourceAct(w, r, confirmation{})
	if !ok {
		return
	}
	no := false
	if _, err := h.svc.UpdateResource(r.Context(), actorOf(r), rv.ID, version(r), admin.ResourcePatch{Archived: &no}); err != nil {
		h.resourceRefused(w, r, err)
		return
	}
	done(w, r, "/admin/resources/"+rv.ID, "The resource "+rv.Name+" was restored.")
}

// resourceDelete removes a resource and its assignments for good, after
// confirmation.
func (h *Handler) resourceDelete(w http.ResponseWriter, r *http.Request) {
	rv, ok := h.resourceAct(w, r, confirmation{Title: "Delete", Button: "Delete the resource for good",
		Question: "Delete for good, with every assignment of it, the resource"})
	if !ok {
		return
	}
	if err := h.svc.DeleteResource(r.Context(), actorOf(r), rv.ID, version(r)); err != nil {
		h.resourceRefused(w, r, err)
		return
	}
	done(w, r, "/admin/resources", "The resource "+rv.Name+" was deleted.")
}
