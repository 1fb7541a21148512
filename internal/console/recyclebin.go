package console

// recycleBinRoutes adds the routes of this screen.
func (h *Handler) recycleBinRoutes(r router) {}
