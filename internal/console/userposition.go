package console

import (
	"net/http"

	"roster/internal/directory"
)

// userTeamPageSize is how many team members a page of the Position tab
// lists.
const userTeamPageSize = 25

// userPositionData is what the Position tab shows.
type userPositionData struct {
	Head    userHead
	User    *directory.User
	Profile userProfileView
	// Team lists the users whose supervisor this user is, one page of
	// them.
	Team  []*directory.User
	Total int
	Pager pager
}

// userPosition shows the Position tab: job title, position, department,
// location, supervisor and the user's direct reports, keyset-paged.
func (h *Handler) userPosition(w http.ResponseWriter, r *http.Request) {
	p, u := h.userPage(w, r, "position", "Position")
	if p == nil {
		return
	}
	d := userPositionData{Head: h.head(u, "position"), User: u}
	var err error
	if d.Profile, err = h.userProfile(r, u); err != nil {
		h.failure(w, r, err)
		return
	}
	q := r.URL.Query()
	team, next, err := h.userTeamPage(r, u, userTeamPageSize, q.Get("after"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	d.Team, d.Total = team.Users, team.Total
	d.Pager = pageLinks(r.URL.Path, q, next)
	p.Data = d
	h.render(w, r, http.StatusOK, "user_position", p)
}
