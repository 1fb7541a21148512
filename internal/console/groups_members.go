package console

import (
	"net/http"
	"net/url"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/web"
)

// groupMembersPerPage is the length of a page of a group's members.
const groupMembersPerPage = 50

// groupData is what a group's page shows.
type groupData struct {
	Group    *directory.Group
	Category string
	Members  []*directory.User
	Total    int
	Pager    pager
	// Report is what "remove by group" did, shown after it ran.
	Report *admin.GroupDeletion
}

// groupShow shows a group with one page of its members.
func (h *Handler) groupShow(w http.ResponseWriter, r *http.Request) {
	h.renderGroup(w, r, http.StatusOK, &page{}, nil)
}

// renderGroup loads the group of the request's {id} and a page of its
// members (from ?after=) and shows them, with report when given.
func (h *Handler) renderGroup(w http.ResponseWriter, r *http.Request, status int, p *page, report *admin.GroupDeletion) {
	a := actorOf(r)
	g, err := h.svc.Group(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	q := url.Values{}
	if r.Method == http.MethodGet {
		q.Set("after", r.URL.Query().Get("after"))
	}
	members, err := h.svc.GroupMembers(r.Context(), a, g.ID, store.UserFilter{Limit: groupMembersPerPage,
		After: keysetFrom[store.Cursor](q.Get("after"))})
	if err != nil {
		h.failure(w, r, err)
		return
	}
	category := ""
	if g.CategoryID != "" {
		cats, err := h.svc.GroupCategories(r.Context(), a)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		for _, c := range cats {
			if c.ID == g.CategoryID {
				category = c.Name
			}
		}
	}
	p.Title, p.Area = g.Name, "groups"
	p.Crumbs = []crumb{{Text: "Groups", Href: "/admin/groups"}, {Text: g.Name}}
	p.Data = groupData{Group: g, Category: category, Members: members.Users, Total: members.Total,
		Pager: pageLinks("/admin/groups/"+g.ID, q, keysetToken(members.Next)), Report: report}
	h.render(w, r, status, "group", p)
}

// groupMemberAdd puts the user with the typed user name or email into the
// group.
func (h *Handler) groupMemberAdd(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	u, err := h.svc.AddGroupMemberByLogin(r.Context(), actorOf(r), r.PathValue("id"), r.PostFormValue("login"))
	if err != nil {
		k := directory.KindOf(err)
		if k == directory.KindNotFound || (k == directory.KindForbidden && !actorOf(r).Can("groups.manage")) {
			h.failure(w, r, err)
			return
		}
		p := &page{}
		p.FormID = "member"
		status := p.Explain(err, map[string]web.FieldRef{"login": {ID: "member-login", Label: "User name or email"}})
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		if len(p.Summary) > 0 && p.Errors("member-login") == nil {
			// A refusal about the person (already a member, beyond the
			// actor's reach) belongs beside the field too.
			p.FieldError("member-login", "", web.Message(err))
			p.Summary = p.Summary[1:]
		}
		p.Keep(r, "login")
		h.renderGroup(w, r, status, p, nil)
		return
	}
	done(w, r, "/admin/groups/"+r.PathValue("id"), u.Name()+" was added to the group.")
}

// groupMemberRemove takes a member out of the group after confirmation.
func (h *Handler) groupMemberRemove(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if !h.mayManageGroups(w, r) {
		return
	}
	id, name := r.PathValue("id"), r.PostFormValue("name")
	if !h.confirmed(w, r, confirmation{Title: "Remove " + name, Area: "groups", Danger: true,
		Question: "Remove " + name + " from the group? They stay a user; only the membership goes.",
		Button:   "Remove from the group", Back: "/admin/groups/" + id}) {
		return
	}
	if err := h.svc.RemoveGroupMember(r.Context(), actorOf(r), id, r.PathValue("user")); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, "/admin/groups/"+id, name+" was removed from the group.")
}

// groupDeleteMembers ("remove by group") moves the group's members to the
// recycle bin after confirmation and shows admin's report: who was moved
// and who was skipped, and why.
func (h *Handler) groupDeleteMembers(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	a := actorOf(r)
	g, err := h.svc.Group(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !a.Can("groups.manage") || !a.Can("users.delete") {
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Removing by group takes the permissions to manage groups and to delete users.")
		return
	}
	if !h.confirmed(w, r, confirmation{Title: "Remove by group: " + g.Name, Area: "groups", Danger: true,
		Question: "Move every member of " + g.Name + " whom you may delete to the recycle bin? Members who have signed in, and those beyond your reach, are skipped and listed.",
		Button:   "Move the members to the recycle bin", Back: "/admin/groups/" + g.ID}) {
		return
	}
	report, err := h.svc.DeleteGroupMembers(r.Context(), a, g.ID)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := &page{Flash: groupReportFlash(report)}
	h.renderGroup(w, r, http.StatusOK, p, report)
}

// groupReportFlash sums up a remove-by-group report in a sentence.
func groupReportFlash(rep *admin.GroupDeletion) string {
	return number(len(rep.Deleted)) + " member(s) moved to the recycle bin, " + number(len(rep.Skipped)) + " skipped."
}
