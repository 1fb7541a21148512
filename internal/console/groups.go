package console

// groupRoutes adds the routes of this screen.
func (h *Handler) groupRoutes(r router) {}
