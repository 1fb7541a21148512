package console

// roleRoutes adds the routes of this screen.
func (h *Handler) roleRoutes(r router) {}
