package console

// unitRoutes adds the routes of this screen.
func (h *Handler) unitRoutes(r router) {}
