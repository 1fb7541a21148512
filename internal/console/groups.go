package console

import (
	"net/http"
	"strconv"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/web"
)

// groupRoutes adds the groups screen: categories and groups, a group's
// members, and the changes to them.
func (h *Handler) groupRoutes(r router) {
	r.handle("GET /admin/groups", h.groupList)
	r.handle("POST /admin/groups/categories", h.groupCategoryCreate)
	r.handle("POST /admin/groups/categories/{id}/delete", h.groupCategoryDelete)
	r.handle("GET /admin/groups/new", h.groupNew)
	r.handle("POST /admin/groups/new", h.groupCreate)
	r.handle("GET /admin/groups/{id}", h.groupShow)
	r.handle("GET /admin/groups/{id}/edit", h.groupEdit)
	r.handle("POST /admin/groups/{id}/edit", h.groupUpdate)
	r.handle("POST /admin/groups/{id}/delete", h.groupDelete)
	r.handle("POST /admin/groups/{id}/members", h.groupMemberAdd)
	r.handle("POST /admin/groups/{id}/members/{user}/remove", h.groupMemberRemove)
	r.handle("POST /admin/groups/{id}/delete-members", h.groupDeleteMembers)
}

// groupFields ties admin's field names to the group form.
var groupFields = map[string]web.FieldRef{
	"name":        {ID: "name", Label: "Name"},
	"description": {ID: "description", Label: "Description"},
	"category_id": {ID: "category_id", Label: "Category"},
}

// groupListData is what the groups page shows.
type groupListData struct {
	Categories []*directory.GroupCategory
	Groups     []*directory.Group
	// Category is the category the list is limited to ("" = all).
	Category string
	names    map[string]string
}

// CategoryName is the name of a group's category, or "".
func (d groupListData) CategoryName(id string) string { return d.names[id] }

// groupList shows the categories and the groups.
func (h *Handler) groupList(w http.ResponseWriter, r *http.Request) {
	h.renderGroupList(w, r, http.StatusOK, &page{Title: "Groups", Area: "groups"})
}

// renderGroupList loads the categories and groups and shows them.
func (h *Handler) renderGroupList(w http.ResponseWriter, r *http.Request, status int, p *page) {
	a := actorOf(r)
	cats, err := h.svc.GroupCategories(r.Context(), a)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	category := r.URL.Query().Get("category")
	groups, err := h.svc.Groups(r.Context(), a, category)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	names := make(map[string]string, len(cats))
	for _, c := range cats {
		names[c.ID] = c.Name
	}
	p.Data = groupListData{Categories: cats, Groups: groups, Category: category, names: names}
	h.render(w, r, status, "groups", p)
}

// groupCategoryCreate adds a category.
func (h *Handler) groupCategoryCreate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	cat, err := h.svc.CreateGroupCategory(r.Context(), actorOf(r), r.PostFormValue("name"))
	if err != nil {
		if directory.KindOf(err) == directory.KindForbidden {
			h.failure(w, r, err)
			return
		}
		p := &page{Title: "Groups", Area: "groups"}
		p.FormID = "category"
		status := p.Explain(err, map[string]web.FieldRef{"name": {ID: "category-name", Label: "Category name"}})
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		p.Keep(r, "name")
		h.renderGroupList(w, r, status, p)
		return
	}
	done(w, r, "/admin/groups", "The category "+cat.Name+" was added.")
}

// groupCategoryDelete removes a category after confirmation; its groups
// stay, uncategorised.
func (h *Handler) groupCategoryDelete(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if !h.mayManageGroups(w, r) {
		return
	}
	name := r.PostFormValue("name")
	if !h.confirmed(w, r, confirmation{Title: "Delete the category " + name, Area: "groups", Danger: true,
		Question: "Delete the category " + name + "? Its groups stay, without a category.",
		Button:   "Delete the category", Back: "/admin/groups"}) {
		return
	}
	if err := h.svc.DeleteGroupCategory(r.Context(), actorOf(r), r.PathValue("id")); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, "/admin/groups", "The category "+name+" was deleted; its groups have no category now.")
}

// mayManageGroups answers 403 to an actor who may not change groups.
func (h *Handler) mayManageGroups(w http.ResponseWriter, r *http.Request) bool {
	if actorOf(r).Can("groups.manage") {
		return true
	}
	h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow changing groups.")
	return false
}

// groupFormData is what the group form shows.
type groupFormData struct {
	Group      *directory.Group // nil when adding
	Categories []*directory.GroupCategory
}

// renderGroupForm shows the group form.
func (h *Handler) renderGroupForm(w http.ResponseWriter, r *http.Request, status int, p *page, g *directory.Group) {
	cats, err := h.svc.GroupCategories(r.Context(), actorOf(r))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p.Area = "groups"
	p.Data = groupFormData{Group: g, Categories: cats}
	h.render(w, r, status, "group_form", p)
}

// groupNewPage is the page of the form that adds a group.
func groupNewPage() *page {
	return &page{Title: "New group", Crumbs: []crumb{{Text: "Groups", Href: "/admin/groups"}, {Text: "New group"}}}
}

// groupEditPage is the page of the form that edits g.
func groupEditPage(g *directory.Group) *page {
	return &page{Title: "Edit " + g.Name, Crumbs: []crumb{{Text: "Groups", Href: "/admin/groups"},
		{Text: g.Name, Href: "/admin/groups/" + g.ID}, {Text: "Edit"}}}
}

// groupNew shows the empty group form, in ?category= when given.
func (h *Handler) groupNew(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageGroups(w, r) {
		return
	}
	p := groupNewPage()
	p.Set("category_id", r.URL.Query().Get("category"))
	h.renderGroupForm(w, r, http.StatusOK, p, nil)
}

// groupCreate adds a group.
func (h *Handler) groupCreate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	g, err := h.svc.CreateGroup(r.Context(), actorOf(r), admin.GroupInput{Name: r.PostFormValue("name"),
		Description: r.PostFormValue("description"), CategoryID: r.PostFormValue("category_id")})
	if err != nil {
		h.groupFormFailed(w, r, groupNewPage(), nil, err)
		return
	}
	done(w, r, "/admin/groups/"+g.ID, "The group "+g.Name+" was added.")
}

// groupEdit shows the form filled in with a group.
func (h *Handler) groupEdit(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageGroups(w, r) {
		return
	}
	g, err := h.svc.Group(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := groupEditPage(g)
	p.Set("name", g.Name)
	p.Set("description", g.Description)
	p.Set("category_id", g.CategoryID)
	p.Set("version", strconv.FormatInt(g.Version, 10))
	h.renderGroupForm(w, r, http.StatusOK, p, g)
}

// groupUpdate saves the group form.
func (h *Handler) groupUpdate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	a := actorOf(r)
	name, desc, cat := r.PostFormValue("name"), r.PostFormValue("description"), r.PostFormValue("category_id")
	g, err := h.svc.UpdateGroup(r.Context(), a, r.PathValue("id"), version(r),
		admin.GroupPatch{Name: &name, Description: &desc, CategoryID: &cat})
	if err != nil {
		old, lerr := h.svc.Group(r.Context(), a, r.PathValue("id"))
		if lerr != nil {
			h.failure(w, r, lerr)
			return
		}
		h.groupFormFailed(w, r, groupEditPage(old), old, err)
		return
	}
	done(w, r, "/admin/groups/"+g.ID, "The group "+g.Name+" was saved.")
}

// groupFormFailed shows the group form again with admin's messages.
func (h *Handler) groupFormFailed(w http.ResponseWriter, r *http.Request, p *page, g *directory.Group, err error) {
	if k := directory.KindOf(err); k == directory.KindForbidden || k == directory.KindNotFound {
		h.failure(w, r, err)
		return
	}
	status := p.Explain(err, groupFields)
	if status == 0 {
		h.serverError(w, r, err)
		return
	}
	p.Keep(r, "name", "description", "category_id", "version")
	h.renderGroupForm(w, r, status, p, g)
}

// groupDelete removes a group after confirmation; its members stay.
func (h *Handler) groupDelete(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	a := actorOf(r)
	g, err := h.svc.Group(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.mayManageGroups(w, r) {
		return
	}
	if !h.confirmed(w, r, confirmation{Title: "Delete " + g.Name, Area: "groups", Danger: true,
		Question: "Delete the group " + g.Name + "? Its members stay; only the group goes.",
		Button:   "Delete the group", Back: "/admin/groups/" + g.ID}) {
		return
	}
	if err := h.svc.DeleteGroup(r.Context(), a, g.ID, version(r)); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, "/admin/groups", "The group "+g.Name+" was deleted.")
}
