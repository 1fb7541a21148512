package console

// userListRoutes adds the routes of this screen.
func (h *Handler) userListRoutes(r router) {}
