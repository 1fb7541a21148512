package console

import "net/http"

// dashboardRoutes adds the dashboard.
func (h *Handler) dashboardRoutes(r router) {
	r.handle("GET /admin", h.dashboard)
	r.handle("GET /admin/{$}", h.dashboard)
}

// dashboard shows the organization at a glance.
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "dashboard", &page{Title: "Dashboard", Area: "dashboard"})
}
