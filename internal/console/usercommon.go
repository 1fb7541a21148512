package console

import (
	"net/http"

	"roster/internal/directory"
)

// userTabs are the tabs of a user's page, in order: key, label, path
// after /admin/users/{id}.
var userTabs = []struct{ Key, Label, Suffix string }{
	{"general", "General", ""},
	{"access", "Access", "/access"},
	{"security", "Security", "/security"},
	{"position", "Position", "/position"},
	{"time-off", "Time off", "/time-off"},
	{"relationships", "Relationships", "/relationships"},
	{"activity", "Activity", "/activity"},
}

// userHead is what the top of every tab of a user's page shows: the name,
// status badges, the Actions menu and the tabs. Tab is the key of the
// current tab.
type userHead struct {
	User *directory.User
	Tab  string
	// Expired says the account or all its access has ended.
	Expired bool
}

// Tabs lists the tabs with their links and which one is current.
func (u userHead) Tabs() []navItem {
	out := make([]navItem, len(userTabs))
	for i, t := range userTabs {
		out[i] = navItem{Key: t.Key, Label: t.Label, Href: "/admin/users/" + u.User.ID + t.Suffix, Current: t.Key == u.Tab}
	}
	return out
}

// userPage loads the user of the request's {id} for one of the tabs of
// their page and returns the page with its head filled in. When the user
// cannot be shown it has answered (404 for a user the actor may not see)
// and returns nil.
func (h *Handler) userPage(w http.ResponseWriter, r *http.Request, tab, title string) (*page, *directory.User) {
	st := stateOf(r)
	u, err := h.svc.User(r.Context(), st.Actor, r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return nil, nil
	}
	p := &page{Title: u.Name() + ": " + title, Area: "users",
		Crumbs: []crumb{{Text: "Users", Href: "/admin/users"}, {Text: u.Name()}}}
	if u.Deleted() {
		p.Area = "recycle-bin"
		p.Crumbs[0] = crumb{Text: "Recycle bin", Href: "/admin/recycle-bin"}
	}
	return p, u
}

// head builds the head of a user's page.
func (h *Handler) head(u *directory.User, tab string) userHead {
	return userHead{User: u, Tab: tab, Expired: u.Expired(h.svc.Now())}
}

// userURL is the address of a user's page, or of one of its tabs.
func userURL(id string, tab ...string) string {
	if len(tab) > 0 && tab[0] != "" && tab[0] != "general" {
		return "/admin/users/" + id + "/" + tab[0]
	}
	return "/admin/users/" + id
}
