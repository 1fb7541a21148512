package console

// auditRoutes adds the routes of this screen.
func (h *Handler) auditRoutes(r router) {}
