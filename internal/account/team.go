package account

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
)

// teamPageSize is the number of team members a page of My Team lists.
const teamPageSize = 50

// teamData is what the My Team page shows.
type teamData struct {
	Members []teamMember
	Total   int
	// Next is the link to the following page ("" on the last one);
	// First leads back to the start from a later page.
	Next, First string
	// Console says the supervisor may open a member's page in the
	// administration console.
	Console bool
}

// teamMember is one direct report as the page lists it.
type teamMember struct {
	ID, Name, Username, Email, Status string
	// Waiting marks a status that is not active (pending or disabled).
	Waiting    bool
	LastSignIn string
}

// teamPage lists the signed-in supervisor's team: the users whose
// supervisor they are and those linked to them by a supervisor_of
// relationship, by last name, one page at a time. It takes team.view.
func (h *Handler) teamPage(w http.ResponseWriter, r *http.Request) {
	st := StateFrom(r.Context())
	f := store.UserFilter{Sort: store.SortLastName, Limit: teamPageSize, After: teamCursor(r.URL.Query().Get("after"))}
	pg, err := h.svc.MyTeam(r.Context(), st.Actor, f)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	d := teamData{Total: pg.Total, Console: st.Actor.Can("users.view")}
	for _, u := range pg.Users {
		d.Members = append(d.Members, teamMember{ID: u.ID, Name: u.Name(), Username: u.Username, Email: u.Email,
			Status: teamStatus(u), Waiting: u.Status != directory.StatusActive || u.Locked(),
			LastSignIn: when(u.LastSignInAt)})
	}
	if pg.Next != nil {
		js, _ := json.Marshal(pg.Next)
		d.Next = "/account/team?after=" + url.QueryEscape(base64.RawURLEncoding.EncodeToString(js))
	}
	if f.After != nil {
		d.First = "/account/team"
	}
	h.render(w, r, http.StatusOK, "team", &page{Title: "My team", Data: d})
}

// teamCursor reads the position a page of My Team starts after; nil
// starts at the beginning (an unreadable value does too).
func teamCursor(s string) *store.Cursor {
	if s == "" {
		return nil
	}
	js, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil
	}
	var c store.Cursor
	if json.Unmarshal(js, &c) != nil || c.ID == "" {
		return nil
	}
	return &c
}

// teamStatus names a team member's state for people.
func teamStatus(u *directory.User) string {
	s := map[directory.Status]string{directory.StatusActive: "Active", directory.StatusPending: "Pending",
		directory.StatusInactive: "Disabled"}[u.Status]
	if s == "" {
		s = string(u.Status)
	}
	if u.Locked() {
		s += ", locked"
	}
	return s
}

// CanViewTeam says the signed-in person's grant shows them My Team.
func (p *page) CanViewTeam() bool { return p.can("team.view") }

// Administers says the signed-in person's grant opens the administration
// console.
func (p *page) Administers() bool { return p.State != nil && p.State.Actor.Administers() }

// can reports whether the page's actor holds perm.
func (p *page) can(perm string) bool {
	var a *admin.Actor
	if p.State != nil {
		a = p.State.Actor
	}
	return a != nil && a.Can(directory.Permission(perm))
}
