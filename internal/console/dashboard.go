package console

import (
	"net/http"

	"roster/internal/admin"
	"roster/internal/directory"
)

// dashboardRoutes adds the dashboard.
func (h *Handler) dashboardRoutes(r router) {
	r.handle("GET /admin", h.dashboard)
	r.handle("GET /admin/{$}", h.dashboard)
}

// dashboardData is what the dashboard shows. Without users.view it is
// empty (Restricted) and the page points at the menu instead.
type dashboardData struct {
	Restricted bool
	Cards      []dashboardCard
	Chart      *barChart
	// ShowActivity says the actor may read the audit log; Activity holds
	// the newest administrative events.
	ShowActivity bool
	Activity     []auditRow
}

// dashboardCard is one figure of the dashboard and the list behind it.
type dashboardCard struct {
	ID    string
	Title string
	// Figure is the number as shown ("3" or "3 of 10"); Label says in
	// words what it counts, for the link.
	Figure, Label string
	// Href leads to the users behind the figure ("" = no link).
	Href string
	// Alert marks a figure that asks for attention.
	Alert bool
	// Hint adds a line under the figure.
	Hint string
}

// dashboard shows the organization at a glance: users by state, pending
// invitations, locked accounts, premium seats, the recycle bin, sign-ins
// per day and recent administrative activity.
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	p := &page{Title: "Dashboard", Area: "dashboard"}
	d, err := h.svc.Dashboard(r.Context(), a)
	if directory.KindOf(err) == directory.KindForbidden {
		// Some administrators (an auditor, a role manager) open the console
		// without seeing users; the menu shows what they may do.
		p.Data = &dashboardData{Restricted: true}
		h.render(w, r, http.StatusOK, "dashboard", p)
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p.Data = dashboardDataOf(d, a)
	h.render(w, r, http.StatusOK, "dashboard", p)
}

// dashboardDataOf prepares the dashboard for the template. The cards link
// to the users list with the filter that lists the users counted (the
// same query parameters as the list and the REST API).
func dashboardDataOf(d *admin.Dashboard, a *admin.Actor) *dashboardData {
	u := d.Users
	card := func(id, title string, n int, label, href string) dashboardCard {
		return dashboardCard{ID: "card-" + id, Title: title, Figure: number(n), Label: label, Href: href}
	}
	cards := []dashboardCard{
		card("active", "Active users", u.Active, "active users", "/admin/users?status=active"),
		card("pending", "Pending users", u.Pending, "pending users", "/admin/users?status=pending"),
		card("disabled", "Disabled users", u.Inactive, "disabled users", "/admin/users?status=inactive"),
		card("invitations-sent", "Invitations waiting", u.InvitationSent, "pending users whose invitation still works",
			"/admin/users?status=pending&invitation=sent"),
		card("invitations-expired", "Invitations expired", u.InvitationExpired, "pending users whose invitation expired",
			"/admin/users?status=pending&invitation=expired"),
		card("locked", "Locked accounts", u.Locked, "locked accounts", "/admin/users?locked=true"),
	}
	cards[4].Alert = u.InvitationExpired > 0
	cards[5].Alert = u.Locked > 0
	seats := card("seats", "Premium seats used", d.SeatsUsed, "premium seats used", "/admin/users?license=premium")
	if d.SeatLimit >= 0 {
		seats.Figure = number(d.SeatsUsed) + " of " + number(d.SeatLimit)
		seats.Label = "premium seats used of " + number(d.SeatLimit)
		seats.Alert = d.SeatsUsed >= d.SeatLimit
	} else {
		seats.Hint = "No limit"
	}
	cards = append(cards, seats)
	bin := card("recycle-bin", "In the recycle bin", u.InBin, "deleted users in the recycle bin", "")
	if a.Can("users.delete") {
		bin.Href = "/admin/recycle-bin"
	}
	cards = append(cards, bin)

	days := make([]dayCount, len(d.SignIns))
	for i, s := range d.SignIns {
		days[i] = dayCount{Day: s.Day, N: s.N}
	}
	out := &dashboardData{Cards: cards, ShowActivity: d.ShowActivity,
		Chart: newBarChart("signins", "Sign-ins per day, last 30 days", "sign-in", "sign-ins", days)}
	for _, e := range d.Activity {
		out.Activity = append(out.Activity, auditRowOf(e))
	}
	return out
}
