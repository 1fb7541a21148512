package console

// tokenRoutes adds the routes of this screen.
func (h *Handler) tokenRoutes(r router) {}
