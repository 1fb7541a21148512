package console

// resourceRoutes adds the routes of this screen.
func (h *Handler) resourceRoutes(r router) {}
