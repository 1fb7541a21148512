package console

// userRoutes adds the routes of this screen.
func (h *Handler) userRoutes(r router) {}
